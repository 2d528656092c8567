//! Messages between a person and the staff following them: threads with a subject,
//! read marks per side, and an email that says "you have a message" and nothing more.

use parcours_db::TenantScope;
use parcours_db::repo::messages::{self, Message, Thread};
use parcours_db::repo::{installation::accounts, people};
use parcours_domain::workspace::{MAX_MESSAGE, MAX_SUBJECT, MessageSide, is_read};
use parcours_domain::{Action, Role};
use uuid::Uuid;

use crate::auth::Actor;
use crate::jobs::{self, MessageNotice};
use crate::mail::{self, OutgoingMail};
use crate::people::Person;
use crate::unit_of_work::Audit;
use crate::workspace::user_names;
use crate::{App, AppError, checked_text, text_field};

/// "A message waits for you", with a link and nothing of the message.
#[derive(askama::Template)]
#[template(path = "email/message_notice.txt")]
struct MessageNoticeEmail<'a> {
    link: &'a str,
}

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const SENT: AuditAction = AuditAction::MessageSent;
    pub const READ: AuditAction = AuditAction::MessagesRead;
    pub const ACCESS_DENIED: AuditAction = AuditAction::MessagesAccessDenied;
}

#[derive(Debug, Clone)]
pub struct ThreadSummary {
    pub thread: Thread,
    pub messages: usize,
    /// Messages from the other side the reader has not opened yet.
    pub unread: usize,
}

#[derive(Debug, Clone)]
pub struct MessagesView {
    pub person: Person,
    pub is_self: bool,
    pub threads: Vec<ThreadSummary>,
    /// Whether the person has an account to read messages with.
    pub reachable: bool,
}

#[derive(Debug, Clone)]
pub struct MessageView {
    pub message: Message,
    pub author_name: String,
    /// Written by the reader's side.
    pub mine: bool,
    /// The other side opened the thread after it came.
    pub read_by_other: bool,
}

#[derive(Debug, Clone)]
pub struct ThreadView {
    pub person: Person,
    pub is_self: bool,
    pub thread: Thread,
    pub messages: Vec<MessageView>,
}

fn side_of(actor: &Actor) -> MessageSide {
    if actor.role == Role::Beneficiary {
        MessageSide::Person
    } else {
        MessageSide::Staff
    }
}

impl App {
    async fn message_party(&self, actor: &Actor, person_id: Uuid) -> Result<Person, AppError> {
        self.authorize_person(
            actor,
            person_id,
            Action::ExchangeMessages,
            audit_action::ACCESS_DENIED,
        )
        .await
    }

    /// A thread of the actor's tenant that the actor may read, with its person.
    async fn readable_thread(
        &self,
        actor: &Actor,
        thread_id: Uuid,
    ) -> Result<(Thread, Person), AppError> {
        let Some(thread) = messages::find_thread(self.db(), actor.tenant(), thread_id).await?
        else {
            return Err(AppError::NotFound);
        };
        let person = self.message_party(actor, thread.person_id).await?;
        Ok((thread, person))
    }

    /// The person's threads, newest activity first, with what the reader has not read.
    pub async fn message_threads(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<MessagesView, AppError> {
        let person = self.message_party(actor, person_id).await?;
        let scope = actor.tenant();
        let side = side_of(actor);
        let txn = self.change(actor).await?;
        let threads = messages::threads_of_person(&*txn, scope, person.id).await?;
        let ids: Vec<Uuid> = threads.iter().map(|t| t.id).collect();
        let all = messages::messages_of_threads(&*txn, scope, ids.iter().copied()).await?;
        let marks = messages::read_marks(&*txn, scope, ids).await?;
        txn.commit(Audit::of(audit_action::READ, person.id)).await?;
        let threads = threads
            .into_iter()
            .map(|thread| {
                let of_thread: Vec<&Message> =
                    all.iter().filter(|m| m.thread_id == thread.id).collect();
                let read = marks.last_read(thread.id, side);
                ThreadSummary {
                    messages: of_thread.len(),
                    unread: of_thread
                        .iter()
                        .filter(|m| m.side != side && !is_read(m.created_at, read))
                        .count(),
                    thread,
                }
            })
            .collect();
        Ok(MessagesView {
            is_self: side == MessageSide::Person,
            reachable: person.user_id.is_some(),
            threads,
            person,
        })
    }

    /// Opens a thread: its messages with who wrote them and whether the other side has
    /// read them; the reader's side is marked as having read it now.
    pub async fn message_thread(
        &self,
        actor: &Actor,
        thread_id: Uuid,
    ) -> Result<ThreadView, AppError> {
        let (thread, person) = self.readable_thread(actor, thread_id).await?;
        let scope = actor.tenant();
        let side = side_of(actor);
        let txn = self.change(actor).await?;
        let now = txn.at();
        let rows = messages::messages_of_threads(&*txn, scope, [thread.id]).await?;
        let marks = messages::read_marks(&*txn, scope, [thread.id]).await?;
        messages::mark_read(&*txn, scope, thread.id, actor.user_id, side, now).await?;
        let names = user_names(&*txn, rows.iter().map(|m| m.author_id).collect()).await?;
        txn.commit(Audit::of(audit_action::READ, person.id)).await?;
        let other_read = marks.last_read(thread.id, side.other());
        let messages = rows
            .into_iter()
            .map(|message| MessageView {
                author_name: names.get(&message.author_id).cloned().unwrap_or_default(),
                mine: message.side == side,
                read_by_other: is_read(message.created_at, other_read),
                message,
            })
            .collect();
        Ok(ThreadView {
            is_self: side == MessageSide::Person,
            person,
            thread,
            messages,
        })
    }

    /// Starts a thread with its first message.
    pub async fn start_thread(
        &self,
        actor: &Actor,
        person_id: Uuid,
        subject: &str,
        body: &str,
    ) -> Result<Uuid, AppError> {
        let person = self.message_party(actor, person_id).await?;
        let mut errors = Vec::new();
        let subject = text_field("subject", subject, MAX_SUBJECT)
            .map_err(|e| errors.push(e))
            .ok();
        let body = text_field("body", body, MAX_MESSAGE)
            .map_err(|e| errors.push(e))
            .ok();
        let (Some(subject), Some(body)) = (subject, body) else {
            return Err(AppError::Invalid(errors));
        };
        if person.user_id.is_none() {
            return Err(AppError::invalid("person", "no_account"));
        }
        let scope = actor.tenant();
        let txn = self.change(actor).await?;
        let now = txn.at();
        let thread =
            messages::insert_thread(&*txn, scope, person.id, &subject, actor.user_id, now).await?;
        self.post_message(&*txn, actor, thread, &body, now).await?;
        txn.commit(Audit::of(audit_action::SENT, person.id)).await?;
        Ok(thread)
    }

    /// Answers in a thread.
    pub async fn reply(&self, actor: &Actor, thread_id: Uuid, body: &str) -> Result<(), AppError> {
        let (thread, person) = self.readable_thread(actor, thread_id).await?;
        let body = checked_text("body", body, MAX_MESSAGE)?;
        let txn = self.change(actor).await?;
        let now = txn.at();
        self.post_message(&*txn, actor, thread.id, &body, now)
            .await?;
        txn.commit(Audit::of(audit_action::SENT, person.id)).await?;
        Ok(())
    }

    /// Stores a message, marks the thread read by its writer, and queues one email to
    /// the other side unless they already have an unread message in this thread. The
    /// caller commits it with its audit row.
    async fn post_message(
        &self,
        conn: &impl parcours_db::ConnectionTrait,
        actor: &Actor,
        thread: Uuid,
        body: &str,
        now: i64,
    ) -> Result<(), AppError> {
        let scope = actor.tenant();
        let side = side_of(actor);
        let earlier = messages::messages_of_threads(conn, scope, [thread]).await?;
        let their_read = messages::read_marks(conn, scope, [thread])
            .await?
            .last_read(thread, side.other());
        let already_waiting = earlier
            .iter()
            .any(|m| m.side == side && !is_read(m.created_at, their_read));
        messages::insert_message(conn, scope, thread, actor.user_id, side, body, now).await?;
        messages::mark_read(conn, scope, thread, actor.user_id, side, now).await?;
        if !already_waiting {
            let notice = MessageNotice {
                thread_id: thread,
                notify: side.other(),
            };
            jobs::enqueue_job(conn, Some(scope), &notice, now, now).await?;
        }
        Ok(())
    }

    /// The worker's side: tells the other party that a message waits, with a link and
    /// nothing of its content, unless they have read it in the meantime.
    pub(crate) async fn send_message_notice(
        &self,
        scope: TenantScope,
        job: &MessageNotice,
    ) -> Result<(), AppError> {
        let (thread_id, notify) = (job.thread_id, job.notify);
        let Some(thread) = messages::find_thread(self.db(), scope, thread_id).await? else {
            return Ok(());
        };
        let waiting = messages::messages_of_threads(self.db(), scope, [thread.id]).await?;
        let read = messages::read_marks(self.db(), scope, [thread.id])
            .await?
            .last_read(thread.id, notify);
        if !waiting
            .iter()
            .any(|m| m.side == notify.other() && !is_read(m.created_at, read))
        {
            return Ok(());
        }
        let Some(person) = people::find_person(self.db(), scope, thread.person_id).await? else {
            return Ok(());
        };
        let base = &self.config().base_url;
        let (to, link) = match notify {
            MessageSide::Person => (
                self.contact_email(&person).await?,
                format!("{base}/messages/{}", thread.id),
            ),
            MessageSide::Staff => {
                let coach = people::current_enrolment(self.db(), scope, person.id)
                    .await?
                    .and_then(|e| e.coach_id);
                let email = match coach {
                    Some(id) => accounts::find_user(self.db(), id).await?.map(|u| u.email),
                    None => None,
                };
                (email, format!("{base}/messages/{}", thread.id))
            }
        };
        let Some(to) = to else {
            return Ok(());
        };
        let body = mail::body(&MessageNoticeEmail { link: &link })?;
        self.send_mail(
            Some(scope),
            OutgoingMail {
                to: &to,
                subject: "Parcours : nouveau message",
                body,
                calendar: None,
            },
        )
        .await
    }
}

#[cfg(test)]
mod email_tests {
    use super::*;

    #[test]
    fn the_notice_reads_as_before() {
        let link = "https://p.test/messages/1";
        assert_eq!(
            mail::body(&MessageNoticeEmail { link }).unwrap(),
            format!(
                "Bonjour,\n\nUn nouveau message vous attend dans Parcours.\n\
                 Connectez-vous pour le lire : {link}\n\n\
                 --\nHello,\n\nA new message is waiting for you in Parcours.\n\
                 Sign in to read it: {link}\n"
            )
        );
    }
}
