//! Background jobs: emails (booking invitations, confirmations, reminders, message
//! notices, documents shared), the retention purge and the referrals' expiry. Queued in the transaction of the
//! change that asks for them, run by `parcours worker` or inside `serve`; a failure is
//! retried with backoff, then kept as dead for an administrator to see and queue again.

use parcours_db::ConnectionTrait;
use parcours_db::TenantScope;
use parcours_db::repo::installation::jobs::{self, NewJob};
pub use parcours_db::repo::installation::jobs::{Job, JobCounts};
use parcours_domain::Role;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Actor;
use crate::unit_of_work::Audit;
use crate::{App, AppError};

pub mod kind {
    pub const BOOKING_INVITATION: &str = "email.booking_invitation";
    pub const APPOINTMENT_CONFIRMATION: &str = "email.appointment_confirmation";
    pub const APPOINTMENT_REMINDER: &str = "email.appointment_reminder";
    pub const MESSAGE_NOTICE: &str = "email.message_notice";
    pub const DOCUMENT_SHARE: &str = "email.document_share";
    pub const DOCUMENTS_PURGE: &str = "documents.purge";
    pub const REFERRALS_EXPIRY: &str = "referrals.expire";
    pub const OPPORTUNITY_REQUEST: &str = "email.opportunity_request";
    pub const OPPORTUNITY_ANSWER: &str = "email.opportunity_answer";
    pub const EMPLOYER_INVITATION: &str = "email.employer_invitation";
    pub const PERSON_INVITATION: &str = "email.person_invitation";
    /// An existing account is asked to accept joining an organisation.
    pub const MEMBERSHIP_INVITATION: &str = "email.membership_invitation";
    pub const ADVISOR_LINK: &str = "email.advisor_link";
    pub const SELECTION_INVITATION: &str = "email.selection_invitation";
    /// Daily: follow-up surveys due are emailed, unanswered ones reminded once.
    pub const SURVEYS_SEND: &str = "surveys.send";
    pub const SURVEY: &str = "email.survey";
    /// Daily: files without contact for two years are told, then anonymised.
    pub const PERSONS_INACTIVITY: &str = "persons.inactivity";
    pub const INACTIVITY_NOTICE: &str = "email.inactivity_notice";
    /// Daily: after erasures, the space their text held is released (PostgreSQL
    /// `VACUUM` of the personal tables, SQLite WAL truncation).
    pub const ERASED_SPACE: &str = "privacy.vacuum";
}

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const JOB_RETRIED: AuditAction = AuditAction::JobRetried;
}

/// Tries before a job is declared dead.
pub const MAX_ATTEMPTS: i32 = 5;
/// How long a worker holds a job it took.
const LEASE_MS: i64 = 5 * 60 * 1000;
const DAILY_MS: i64 = 24 * 3600 * 1000;
/// Jobs of the whole installation that run once a day, each queued again by itself.
const DAILY: [&str; 5] = [
    kind::DOCUMENTS_PURGE,
    kind::REFERRALS_EXPIRY,
    kind::SURVEYS_SEND,
    kind::PERSONS_INACTIVITY,
    kind::ERASED_SPACE,
];

/// The wait before try `attempt + 1`: 30 s, 1 min, 2 min… at most 6 hours.
pub fn backoff_ms(attempt: i32) -> i64 {
    let doublings = u32::try_from(attempt.clamp(1, 20) - 1).unwrap_or(0);
    (30_000_i64.saturating_mul(1_i64 << doublings)).min(6 * 3600 * 1000)
}

/// One kind of background job: its stored kind string and its payload, serialised as
/// the job row's JSON. The worker reads a row back as the struct its kind names.
pub trait BackgroundJob: Serialize + DeserializeOwned {
    /// The kind string stored in `jobs.kind` (never changes: queued rows rely on it).
    const KIND: &'static str;
}

/// A personal space was opened: the person gets their sign-in link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonInvitation {
    pub user_id: Uuid,
    pub token: String,
}

impl BackgroundJob for PersonInvitation {
    const KIND: &'static str = kind::PERSON_INVITATION;
}

/// An existing account is asked to accept joining an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinInvitation {
    pub user_id: Uuid,
    pub token: String,
}

impl BackgroundJob for JoinInvitation {
    const KIND: &'static str = kind::MEMBERSHIP_INVITATION;
}

/// A referrer's advisor gets the link to the referrals they follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisorLink {
    pub link_id: Uuid,
    pub token: String,
}

impl BackgroundJob for AdvisorLink {
    const KIND: &'static str = kind::ADVISOR_LINK;
}

/// A person without contact for almost two years is told before their file goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InactivityNotice {
    pub person_id: Uuid,
}

impl BackgroundJob for InactivityNotice {
    const KIND: &'static str = kind::INACTIVITY_NOTICE;
}

/// A person is sent the link to pick a booking slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingInvitation {
    pub invitation_id: Uuid,
    pub token: String,
}

impl BackgroundJob for BookingInvitation {
    const KIND: &'static str = kind::BOOKING_INVITATION;
}

/// A booked session is confirmed by email, with its calendar file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentConfirmation {
    pub appointment_id: Uuid,
}

impl BackgroundJob for AppointmentConfirmation {
    const KIND: &'static str = kind::APPOINTMENT_CONFIRMATION;
}

/// The day before a booked session, a reminder (skipped if cancelled or past).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentReminder {
    pub appointment_id: Uuid,
}

impl BackgroundJob for AppointmentReminder {
    const KIND: &'static str = kind::APPOINTMENT_REMINDER;
}

/// One side of a thread is told a message waits (unless read meanwhile).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageNotice {
    pub thread_id: Uuid,
    /// Which side of the thread to tell.
    pub notify: parcours_domain::workspace::MessageSide,
}

impl BackgroundJob for MessageNotice {
    const KIND: &'static str = kind::MESSAGE_NOTICE;
}

/// The recipient of a shared document gets its link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentShare {
    pub share_id: Uuid,
    pub token: String,
}

impl BackgroundJob for DocumentShare {
    const KIND: &'static str = kind::DOCUMENT_SHARE;
}

/// An employer is asked, by a link, to answer a request for their offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpportunityRequest {
    pub request_id: Uuid,
    pub token: String,
}

impl BackgroundJob for OpportunityRequest {
    const KIND: &'static str = kind::OPPORTUNITY_REQUEST;
}

/// The person is told the employer answered their request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpportunityAnswer {
    pub request_id: Uuid,
}

impl BackgroundJob for OpportunityAnswer {
    const KIND: &'static str = kind::OPPORTUNITY_ANSWER;
}

/// An employer's light account opens: its contact gets the sign-in link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmployerInvitation {
    pub user_id: Uuid,
    pub token: String,
}

impl BackgroundJob for EmployerInvitation {
    const KIND: &'static str = kind::EMPLOYER_INVITATION;
}

/// A person is invited to an event of the selection week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectionInvitation {
    pub event_id: Uuid,
    pub person_id: Uuid,
}

impl BackgroundJob for SelectionInvitation {
    const KIND: &'static str = kind::SELECTION_INVITATION;
}

/// One follow-up survey is emailed when due (unless the daily job sent it already).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpSurvey {
    pub survey_id: Uuid,
}

impl BackgroundJob for FollowUpSurvey {
    const KIND: &'static str = kind::SURVEY;
}

/// The installation's daily jobs carry nothing (`{}`); each queues itself again.
macro_rules! daily_job {
    ($(#[$doc:meta])* $name:ident = $kind:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $name {}

        impl BackgroundJob for $name {
            const KIND: &'static str = $kind;
        }
    };
}

daily_job!(
    /// Documents past their retention are deleted.
    DocumentsPurge = kind::DOCUMENTS_PURGE
);
daily_job!(
    /// Referrals and opportunity requests left unanswered expire.
    ReferralsExpiry = kind::REFERRALS_EXPIRY
);
daily_job!(
    /// Follow-up surveys due are emailed, unanswered ones reminded once.
    SurveysSend = kind::SURVEYS_SEND
);
daily_job!(
    /// Files without contact are told, then anonymised.
    PersonsInactivity = kind::PERSONS_INACTIVITY
);
daily_job!(
    /// After erasures, the space their text held is released.
    ErasedSpace = kind::ERASED_SPACE
);

/// Queues a typed job in the caller's transaction (`tenant` is `None` for the
/// installation's own jobs).
pub(crate) async fn enqueue_job<J: BackgroundJob>(
    conn: &impl ConnectionTrait,
    tenant: Option<TenantScope>,
    job: &J,
    run_at: i64,
    now: i64,
) -> Result<Uuid, AppError> {
    let payload =
        serde_json::to_string(job).map_err(|e| AppError::Internal(format!("job payload: {e}")))?;
    Ok(jobs::enqueue(
        conn,
        NewJob {
            tenant,
            kind: J::KIND,
            payload,
            run_at,
            max_attempts: MAX_ATTEMPTS,
        },
        now,
    )
    .await?)
}

/// A job row read back as the struct of its kind.
fn payload_of<J: BackgroundJob>(job: &Job) -> Result<J, AppError> {
    serde_json::from_str(&job.payload)
        .map_err(|e| AppError::Internal(format!("unreadable payload: {e}")))
}

/// What one pass of the worker did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    pub done: usize,
    pub retried: usize,
    pub dead: usize,
}

#[derive(Debug, Clone)]
pub struct JobsOverview {
    pub counts: JobCounts,
    pub troubled: Vec<Job>,
}

impl App {
    /// Runs every job due at `now` (claiming them first, so two workers never run one
    /// twice), and makes sure the daily purge is queued.
    pub async fn run_due_jobs(&self, now: i64) -> Result<RunReport, AppError> {
        for daily in DAILY {
            if !jobs::pending_of_kind(self.db(), daily).await? {
                self.queue_daily(daily, now, now).await?;
            }
        }
        let mut report = RunReport::default();
        loop {
            let batch = jobs::claim_due(self.db(), now, LEASE_MS, 20).await?;
            if batch.is_empty() {
                return Ok(report);
            }
            for job in batch {
                match self.run_job(&job, now).await {
                    Ok(()) => {
                        jobs::complete(self.db(), job.id, self.now()).await?;
                        report.done += 1;
                    }
                    Err(error) => {
                        // The error is ours (no personal data), kept for administrators.
                        let message = error.to_string();
                        tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, error = %message, "job failed");
                        let retry_at = (job.attempts < job.max_attempts)
                            .then(|| now + backoff_ms(job.attempts));
                        jobs::fail(self.db(), job.id, &message, retry_at, self.now()).await?;
                        if retry_at.is_some() {
                            report.retried += 1;
                        } else {
                            report.dead += 1;
                        }
                    }
                }
            }
        }
    }

    /// Queues one of the installation's daily jobs, by its kind string.
    async fn queue_daily(&self, daily: &str, run_at: i64, now: i64) -> Result<(), AppError> {
        let db = self.db();
        match daily {
            kind::DOCUMENTS_PURGE => enqueue_job(db, None, &DocumentsPurge {}, run_at, now).await,
            kind::REFERRALS_EXPIRY => enqueue_job(db, None, &ReferralsExpiry {}, run_at, now).await,
            kind::SURVEYS_SEND => enqueue_job(db, None, &SurveysSend {}, run_at, now).await,
            kind::PERSONS_INACTIVITY => {
                enqueue_job(db, None, &PersonsInactivity {}, run_at, now).await
            }
            kind::ERASED_SPACE => enqueue_job(db, None, &ErasedSpace {}, run_at, now).await,
            other => Err(AppError::Internal(format!("unknown daily job {other}"))),
        }?;
        Ok(())
    }

    async fn run_job(&self, job: &Job, now: i64) -> Result<(), AppError> {
        let scope = job.tenant_id.map(TenantScope::of);
        // Each kind is read back as its own struct; rows queued before the structs
        // existed have the same JSON keys.
        match (job.kind.as_str(), scope) {
            (
                kind::DOCUMENTS_PURGE
                | kind::REFERRALS_EXPIRY
                | kind::SURVEYS_SEND
                | kind::PERSONS_INACTIVITY
                | kind::ERASED_SPACE,
                _,
            ) => {
                if job.kind == kind::DOCUMENTS_PURGE {
                    self.purge_documents(now).await?;
                } else if job.kind == kind::SURVEYS_SEND {
                    self.send_surveys(now).await?;
                } else if job.kind == kind::PERSONS_INACTIVITY {
                    self.sweep_inactive(now).await?;
                } else if job.kind == kind::ERASED_SPACE {
                    // Erasures since the previous pass (or ever, on the first).
                    let since = jobs::last_done_at(self.db(), kind::ERASED_SPACE)
                        .await?
                        .unwrap_or(0);
                    self.release_space_after_erasures(since).await?;
                } else {
                    self.expire_referrals(now).await?;
                    self.expire_requests(now).await?;
                }
                self.queue_daily(&job.kind, now + DAILY_MS, now).await
            }
            (JoinInvitation::KIND, Some(_)) => self.send_join_invitation(&payload_of(job)?).await,
            (InactivityNotice::KIND, Some(scope)) => {
                self.send_inactivity_notice(scope, &payload_of(job)?).await
            }
            (AdvisorLink::KIND, Some(scope)) => {
                self.send_advisor_link(scope, &payload_of(job)?).await
            }
            (BookingInvitation::KIND, Some(scope)) => {
                self.send_invitation_mail(scope, &payload_of(job)?).await
            }
            (AppointmentConfirmation::KIND, Some(scope)) => {
                self.send_confirmation_mail(scope, &payload_of(job)?, now)
                    .await
            }
            (AppointmentReminder::KIND, Some(scope)) => {
                self.send_reminder_mail(scope, &payload_of(job)?, now).await
            }
            (MessageNotice::KIND, Some(scope)) => {
                self.send_message_notice(scope, &payload_of(job)?).await
            }
            (DocumentShare::KIND, Some(scope)) => {
                self.send_share_mail(scope, &payload_of(job)?).await
            }
            (OpportunityRequest::KIND, Some(scope)) => {
                self.send_request_mail(scope, &payload_of(job)?).await
            }
            (OpportunityAnswer::KIND, Some(scope)) => {
                self.send_answer_mail(scope, &payload_of(job)?).await
            }
            (FollowUpSurvey::KIND, Some(_)) => {
                let job: FollowUpSurvey = payload_of(job)?;
                self.send_one_survey(job.survey_id, now).await
            }
            (SelectionInvitation::KIND, Some(scope)) => {
                self.send_selection_invitation(scope, &payload_of(job)?)
                    .await
            }
            (EmployerInvitation::KIND, Some(scope)) => {
                self.send_invitation(scope, &payload_of(job)?).await
            }
            (PersonInvitation::KIND, Some(scope)) => {
                self.send_person_invitation(scope, &payload_of(job)?).await
            }
            (other, _) => Err(AppError::Internal(format!("unknown job kind {other}"))),
        }
    }

    fn admin_only(actor: &Actor) -> Result<(), AppError> {
        if actor.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// What administrators watch: counts, and the jobs that failed with their error.
    pub async fn jobs_overview(&self, actor: &Actor) -> Result<JobsOverview, AppError> {
        Self::admin_only(actor)?;
        Ok(JobsOverview {
            counts: jobs::counts(self.db(), actor.tenant()).await?,
            troubled: jobs::troubled(self.db(), actor.tenant(), 100).await?,
        })
    }

    /// Queues a dead job again.
    pub async fn retry_job(&self, actor: &Actor, id: Uuid) -> Result<(), AppError> {
        Self::admin_only(actor)?;
        let now = self.now();
        let txn = self.change(actor).await?;
        if !jobs::retry(&txn, actor.tenant(), id, now).await? {
            return Err(AppError::NotFound);
        }
        txn.commit(Audit::tenant(audit_action::JOB_RETRIED)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parcours_domain::workspace::MessageSide;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff_ms(1), 30_000);
        assert_eq!(backoff_ms(2), 60_000);
        assert_eq!(backoff_ms(4), 240_000);
        assert_eq!(backoff_ms(30), 6 * 3600 * 1000);
    }

    /// The shared payload every kind carried before each had its struct, kept here
    /// to prove that rows queued by earlier versions still read back.
    #[derive(Debug, Clone, Default, Serialize, Deserialize)]
    struct Payload {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        appointment_id: Option<Uuid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        invitation_id: Option<Uuid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thread_id: Option<Uuid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notify: Option<parcours_domain::workspace::MessageSide>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        share_id: Option<Uuid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<Uuid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<Uuid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        link_id: Option<Uuid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_id: Option<Uuid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        person_id: Option<Uuid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        survey_id: Option<Uuid>,
    }

    /// A typed job writes the JSON the shared payload wrote, and a row queued in the old
    /// shape reads back as its kind's struct.
    fn same_shape<J: BackgroundJob + PartialEq + std::fmt::Debug>(typed: &J, old: &Payload) {
        // Same keys and values (JSON objects have no order; rows are read by key).
        let old_json = serde_json::to_string(old).unwrap();
        assert_eq!(
            serde_json::to_value(typed).unwrap(),
            serde_json::to_value(old).unwrap(),
            "{}",
            J::KIND
        );
        assert_eq!(&serde_json::from_str::<J>(&old_json).unwrap(), typed);
    }

    #[test]
    fn typed_jobs_keep_the_stored_payloads() {
        let id = Uuid::from_u128(7);
        let token = "tok".to_owned();
        same_shape(
            &PersonInvitation {
                user_id: id,
                token: token.clone(),
            },
            &Payload {
                user_id: Some(id),
                token: Some(token.clone()),
                ..Payload::default()
            },
        );
        same_shape(
            &JoinInvitation {
                user_id: id,
                token: token.clone(),
            },
            &Payload {
                user_id: Some(id),
                token: Some(token.clone()),
                ..Payload::default()
            },
        );
        same_shape(
            &AdvisorLink {
                link_id: id,
                token: token.clone(),
            },
            &Payload {
                link_id: Some(id),
                token: Some(token.clone()),
                ..Payload::default()
            },
        );
        same_shape(
            &InactivityNotice { person_id: id },
            &Payload {
                person_id: Some(id),
                ..Payload::default()
            },
        );
        same_shape(
            &BookingInvitation {
                invitation_id: id,
                token: token.clone(),
            },
            &Payload {
                invitation_id: Some(id),
                token: Some(token.clone()),
                ..Payload::default()
            },
        );
        let appointment = Payload {
            appointment_id: Some(id),
            ..Payload::default()
        };
        same_shape(
            &AppointmentConfirmation { appointment_id: id },
            &appointment,
        );
        same_shape(&AppointmentReminder { appointment_id: id }, &appointment);
        for side in [MessageSide::Person, MessageSide::Staff] {
            same_shape(
                &MessageNotice {
                    thread_id: id,
                    notify: side,
                },
                &Payload {
                    thread_id: Some(id),
                    notify: Some(side),
                    ..Payload::default()
                },
            );
        }
        same_shape(
            &DocumentShare {
                share_id: id,
                token: token.clone(),
            },
            &Payload {
                share_id: Some(id),
                token: Some(token.clone()),
                ..Payload::default()
            },
        );
        same_shape(
            &OpportunityRequest {
                request_id: id,
                token: token.clone(),
            },
            &Payload {
                request_id: Some(id),
                token: Some(token.clone()),
                ..Payload::default()
            },
        );
        same_shape(
            &OpportunityAnswer { request_id: id },
            &Payload {
                request_id: Some(id),
                ..Payload::default()
            },
        );
        same_shape(
            &EmployerInvitation {
                user_id: id,
                token: token.clone(),
            },
            &Payload {
                user_id: Some(id),
                token: Some(token.clone()),
                ..Payload::default()
            },
        );
        let other = Uuid::from_u128(8);
        same_shape(
            &SelectionInvitation {
                event_id: id,
                person_id: other,
            },
            &Payload {
                event_id: Some(id),
                person_id: Some(other),
                ..Payload::default()
            },
        );
        same_shape(
            &FollowUpSurvey { survey_id: id },
            &Payload {
                survey_id: Some(id),
                ..Payload::default()
            },
        );
        // The stored kind strings never change: rows already queued name them.
        for (kind, expected) in [
            (BookingInvitation::KIND, "email.booking_invitation"),
            (
                AppointmentConfirmation::KIND,
                "email.appointment_confirmation",
            ),
            (AppointmentReminder::KIND, "email.appointment_reminder"),
            (MessageNotice::KIND, "email.message_notice"),
            (DocumentShare::KIND, "email.document_share"),
            (OpportunityRequest::KIND, "email.opportunity_request"),
            (OpportunityAnswer::KIND, "email.opportunity_answer"),
            (EmployerInvitation::KIND, "email.employer_invitation"),
            (PersonInvitation::KIND, "email.person_invitation"),
            (SelectionInvitation::KIND, "email.selection_invitation"),
            (FollowUpSurvey::KIND, "email.survey"),
        ] {
            assert_eq!(kind, expected);
        }
        same_shape(&DocumentsPurge {}, &Payload::default());
        same_shape(&ErasedSpace {}, &Payload::default());
        assert_eq!(PersonsInactivity::KIND, "persons.inactivity");
        assert_eq!(SurveysSend::KIND, "surveys.send");
        assert_eq!(ReferralsExpiry::KIND, "referrals.expire");
    }
}
