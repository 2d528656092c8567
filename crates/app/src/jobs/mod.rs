//! Background jobs: emails (booking invitations, confirmations, reminders, message
//! notices, documents shared), the retention purge and the referrals' expiry. Queued in the transaction of the
//! change that asks for them, run by `parcours worker` or inside `serve`; a failure is
//! retried with backoff, then kept as dead for an administrator to see and queue again.

use parcours_db::ConnectionTrait;
use parcours_db::TenantScope;
use parcours_db::repo::installation::jobs::{self, NewJob};
pub use parcours_db::repo::installation::jobs::{Job, JobCounts};
use parcours_domain::Role;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::actor::Actor;
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

mod kinds;
pub use kinds::*;
mod mail_delivery;
pub use mail_delivery::MailDelivery;
mod sms_delivery;
pub use sms_delivery::SmsDelivery;

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

impl crate::unit_of_work::Change {
    /// Queues a job in this change: it runs only if the change commits.
    pub async fn queue<J: BackgroundJob>(&self, job: &J, run_at: i64) -> Result<Uuid, AppError> {
        enqueue_job(&**self, Some(self.scope()), job, run_at, self.at()).await
    }
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
                    self.purge_mail_log(now).await?;
                    self.purge_sms_log(now).await?;
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
            (FollowUpSurvey::KIND, Some(scope)) => {
                let job: FollowUpSurvey = payload_of(job)?;
                self.send_one_survey(scope, job.survey_id, now).await
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
            (MailDelivery::KIND, _) => {
                let last_try = job.attempts >= job.max_attempts;
                self.deliver_mail(&payload_of(job)?, last_try).await
            }
            (SmsDelivery::KIND, _) => {
                let last_try = job.attempts >= job.max_attempts;
                self.deliver_sms(&payload_of(job)?, last_try).await
            }
            (StaffInvitation::KIND, Some(scope)) => {
                self.send_staff_invitation(scope, &payload_of(job)?).await
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
mod tests;
