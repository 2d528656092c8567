//! Delivery through the SMTP relay: a message is stored with its status and a job is
//! queued in the same transaction; the worker sends it, records the relay's reply, and
//! leaves retries to the job queue (a temporary failure fails the job, which is tried
//! again with backoff; a refusal ends it). Logs name the delivery and its status only.

use lettre::address::Envelope;
use lettre::{Address, AsyncTransport, Message};
use parcours_db::TenantScope;
use parcours_db::repo::installation::mail::{self as deliveries, NewDelivery};
pub use parcours_db::repo::installation::mail::{
    Delivery, FAILED, QUEUED, REFUSED, RETRYING, SENT,
};

use crate::actor::Actor;
use crate::jobs::{MailDelivery, enqueue_job};
use crate::unit_of_work::Bookkeeping;
use crate::{App, AppError};

/// How long the log keeps a message's row (it holds the recipient's address).
pub const KEEP_MS: i64 = 90 * 24 * 3600 * 1000;
/// Rows an administrator sees.
const SHOWN: u64 = 200;

/// What the administrator's delivery page shows.
#[derive(Debug, Clone)]
pub struct MailLog {
    /// The relay in use (scheme, host, port), or `None`: emails go to the outbox.
    pub relay: Option<String>,
    pub deliveries: Vec<Delivery>,
}

/// The relay's reply as one line: code and text.
fn reply_line(code: impl std::fmt::Display, lines: impl Iterator<Item = String>) -> String {
    let text: Vec<String> = lines.collect();
    format!("{code} {}", text.join(" ")).trim().to_owned()
}

impl App {
    /// Stores the message and queues its delivery (see [`App::send_mail`]).
    pub(super) async fn queue_delivery(
        &self,
        tenant: Option<TenantScope>,
        to: &str,
        subject: &str,
        message: &Message,
    ) -> Result<(), AppError> {
        let raw = String::from_utf8(message.formatted())
            .map_err(|_| AppError::Internal("email is not UTF-8".into()))?;
        let now = self.now();
        // The row and its job commit together: no message without its delivery.
        let txn = self.bookkeeping(Bookkeeping::JobQueue).await?;
        let id = deliveries::insert(
            &*txn,
            NewDelivery {
                tenant,
                recipient: to,
                subject,
                message: raw,
            },
            now,
        )
        .await?;
        enqueue_job(&*txn, tenant, &MailDelivery { delivery_id: id }, now, now).await?;
        txn.commit().await?;
        tracing::info!(delivery = %id, status = QUEUED, "email queued for the relay");
        Ok(())
    }

    /// One try at handing a stored message to the relay. `last_try`: the job queue
    /// will not try again, so a temporary failure is final (`failed`).
    pub(crate) async fn deliver_mail(
        &self,
        job: &MailDelivery,
        last_try: bool,
    ) -> Result<(), AppError> {
        let id = job.delivery_id;
        let settings = &self.config().mail;
        let Some(relay) = &settings.smtp else {
            // Queued while a relay was configured, run after it was removed: keep it
            // waiting (the job retries) rather than lose it.
            return Err(AppError::Internal(format!(
                "email {id}: no SMTP relay configured (PARCOURS_SMTP_URL)"
            )));
        };
        let Some(row) = deliveries::find(self.db(), id).await? else {
            return Ok(());
        };
        let Some(raw) = row.message.as_deref() else {
            // Already sent or given up (a job run twice).
            return Ok(());
        };
        let to: Address = row
            .recipient
            .parse()
            .map_err(|_| AppError::Internal(format!("email {id}: unreadable recipient")))?;
        let envelope = Envelope::new(Some(settings.from.email.clone()), vec![to])
            .map_err(|_| AppError::Internal(format!("email {id}: no envelope")))?;
        let transport = relay.transport().map_err(AppError::Internal)?;
        let outcome = transport.send_raw(&envelope, raw.as_bytes()).await;

        let (status, reply, error) = match outcome {
            Ok(response) => (
                SENT,
                reply_line(response.code(), response.message().map(str::to_owned)),
                None,
            ),
            Err(e) if e.is_permanent() => (REFUSED, e.to_string(), None),
            Err(e) => {
                // For the job's error and the log: the code or the kind of failure,
                // never the relay's text (it may quote the address).
                let what = match e.status() {
                    Some(code) => format!("temporary failure ({code})"),
                    None if e.is_timeout() => "timed out".to_owned(),
                    None if e.is_tls() => "TLS failure".to_owned(),
                    None => "unreachable or broken connection".to_owned(),
                };
                let status = if last_try { FAILED } else { RETRYING };
                (
                    status,
                    e.to_string(),
                    Some(format!("email {id}: relay {what}")),
                )
            }
        };
        let txn = self.bookkeeping(Bookkeeping::JobQueue).await?;
        deliveries::record_attempt(&*txn, id, status, &reply, self.now()).await?;
        txn.commit().await?;
        match error {
            None if status == SENT => {
                tracing::info!(delivery = %id, status, "email handed to the relay");
                Ok(())
            }
            None => {
                tracing::warn!(delivery = %id, status, "email refused by the relay; not retried");
                Ok(())
            }
            Some(error) => Err(AppError::Internal(error)),
        }
    }

    /// Forgets deliveries older than [`KEEP_MS`] (run with the daily purge).
    pub(crate) async fn purge_mail_log(&self, now: i64) -> Result<u64, AppError> {
        let txn = self.bookkeeping(Bookkeeping::JobQueue).await?;
        let gone = deliveries::purge_before(&*txn, now - KEEP_MS).await?;
        txn.commit().await?;
        Ok(gone)
    }

    /// The administrator's view of the emails of their tenant and where each stands.
    pub async fn mail_log(&self, actor: &Actor) -> Result<MailLog, AppError> {
        if actor.role != parcours_domain::Role::Admin {
            return Err(AppError::Forbidden);
        }
        let mut rows = deliveries::recent(self.db(), actor.tenant(), SHOWN).await?;
        // The message itself (which may hold a live link) never leaves this module.
        for row in &mut rows {
            row.message = None;
        }
        Ok(MailLog {
            relay: self.config().mail.smtp.as_ref().map(|r| r.describe()),
            deliveries: rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::reply_line;

    #[test]
    fn a_reply_is_one_line() {
        let lines = ["2.0.0 Ok:".to_owned(), "queued as 1234".to_owned()];
        assert_eq!(
            reply_line(250, lines.into_iter()),
            "250 2.0.0 Ok: queued as 1234"
        );
    }
}
