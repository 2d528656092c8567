//! Outgoing email. Without an SMTP relay (development, tests, a first try) every
//! message is written as an `.eml` file in the outbox folder; with `PARCOURS_SMTP_URL`
//! it is queued and delivered by the worker (see [`delivery`]). Messages never carry
//! personal content beyond a greeting, and logs never carry an address or a body.

use std::path::Path;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{FileTransport, Message, Transport};
use parcours_db::TenantScope;

use crate::{App, AppError};

pub mod delivery;
mod html;
mod settings;

pub use settings::{MailSettings, SmtpRelay};

pub struct OutgoingMail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: String,
    /// A calendar file (.ics) sent along, if any.
    pub calendar: Option<CalendarFile>,
}

pub struct CalendarFile {
    pub filename: String,
    pub content: String,
}

/// Renders an email body from its template (`templates/email/`, French then English,
/// as every message is sent to people whose language the sender may not know).
pub fn body(template: &impl askama::Template) -> Result<String, AppError> {
    template
        .render()
        .map_err(|e| AppError::Internal(format!("email template: {e}")))
}

/// The message as it leaves: the text of the template, the same text as HTML (links
/// clickable) as its alternative, and the calendar file attached if any.
fn build(from: &Mailbox, mail: OutgoingMail<'_>) -> Result<Message, AppError> {
    let message = Message::builder()
        .from(from.clone())
        .to(mail
            .to
            .parse()
            .map_err(|_| AppError::invalid("email", "invalid"))?)
        .subject(mail.subject);
    let html = html::from_text(mail.subject, &mail.body);
    let text_and_html = MultiPart::alternative()
        .singlepart(SinglePart::plain(mail.body))
        .singlepart(SinglePart::html(html));
    let message = match mail.calendar {
        None => message.multipart(text_and_html),
        Some(file) => {
            let calendar = ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                .map_err(|e| AppError::Internal(format!("calendar content type: {e}")))?;
            message.multipart(
                MultiPart::mixed()
                    .multipart(text_and_html)
                    .singlepart(Attachment::new(file.filename).body(file.content, calendar)),
            )
        }
    };
    message.map_err(|e| AppError::Internal(format!("cannot build email: {e}")))
}

fn write_to_outbox(outbox: &Path, message: &Message) -> Result<(), AppError> {
    std::fs::create_dir_all(outbox).map_err(|e| {
        AppError::Internal(format!("cannot create outbox {}: {e}", outbox.display()))
    })?;
    FileTransport::new(outbox)
        .send(message)
        .map_err(|e| AppError::Internal(format!("cannot write email: {e}")))?;
    Ok(())
}

impl App {
    /// Sends one email: written to the outbox at once, or, with an SMTP relay, queued
    /// for the worker (`tenant`: whose administrator sees its status; `None` before
    /// any tenant is known, as for a sign-in link).
    pub(crate) async fn send_mail(
        &self,
        tenant: Option<TenantScope>,
        mail: OutgoingMail<'_>,
    ) -> Result<(), AppError> {
        let config = self.config();
        let (to, subject) = (mail.to.to_owned(), mail.subject.to_owned());
        let message = build(&config.mail.from, mail)?;
        match &config.mail.smtp {
            None => write_to_outbox(&config.outbox_dir, &message),
            Some(_) => self.queue_delivery(tenant, &to, &subject, &message).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(calendar: Option<CalendarFile>) -> OutgoingMail<'static> {
        OutgoingMail {
            to: "claire@example.org",
            subject: "Parcours : votre lien",
            body: "Bonjour,\n\nOuvrez ce lien :\nhttps://parcours.test/connexion/abc\n".into(),
            calendar,
        }
    }

    #[test]
    fn a_message_has_a_text_and_an_html_part_with_the_link() {
        let from: Mailbox = "Mission Avenir <contact@avenir.example>".parse().unwrap();
        let raw = String::from_utf8(build(&from, sample(None)).unwrap().formatted()).unwrap();
        assert!(
            raw.contains("From: \"Mission Avenir\" <contact@avenir.example>"),
            "{raw}"
        );
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(
            raw.contains("Content-Type: text/plain; charset=utf-8"),
            "{raw}"
        );
        assert!(
            raw.contains("Content-Type: text/html; charset=utf-8"),
            "{raw}"
        );
        assert!(raw.contains("https://parcours.test/connexion/abc"), "{raw}");
    }

    #[test]
    fn a_calendar_file_is_attached_beside_the_text() {
        let from = MailSettings::default().from;
        let file = CalendarFile {
            filename: "rdv.ics".into(),
            content: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into(),
        };
        let raw = String::from_utf8(build(&from, sample(Some(file))).unwrap().formatted()).unwrap();
        assert!(raw.contains("multipart/mixed"), "{raw}");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("filename=\"rdv.ics\""), "{raw}");
    }

    #[test]
    fn a_bad_recipient_names_the_email_field() {
        let mut mail = sample(None);
        mail.to = "not an address";
        let from = MailSettings::default().from;
        assert!(matches!(build(&from, mail), Err(AppError::Invalid(_))));
    }
}
