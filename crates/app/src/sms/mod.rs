//! Text messages (issue 29). Every SMS gets a row with its status (queued, sent,
//! delivered, failed) and a job in the same transaction; the worker hands it to
//! Kannel's `sendsms` interface (`PARCOURS_SMS_URL`) with a delivery-report URL that
//! carries a secret of that message only, or, without a gateway, writes it to the
//! outbox folder. The rules hold either way: French mobiles only unless the operator
//! allows numbers abroad, a daily cap per number, nothing between 21:00 and 08:00 in
//! Paris (moved to 08:00), and no SMS to a number that answered STOP. Logs name the
//! message and its status only, never the number or the text.

use parcours_db::repo::installation::sms::{self as messages, NewSms};
pub use parcours_db::repo::installation::sms::{
    DEFAULT_RULES, DELIVERED, FAILED, QUEUED, SENT, SmsRow, SmsRules,
};
use parcours_db::{ConnectionTrait, TenantScope};
use parcours_domain::sms::{
    DeliveryReport, KANNEL_DLR_MASK, fits_gsm7, is_stop_word, normalise_phone, paris_day_start,
    quiet_hours_release,
};
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit_action::AuditAction;
use crate::jobs::{SmsDelivery, enqueue_job};
use crate::unit_of_work::{Audit, Bookkeeping};
use crate::{App, AppError, digest, random_token, same_secret};

mod gateway;
mod settings;

pub use settings::{SmsGateway, SmsSettings};

/// How long the log keeps a message's row (it holds the number).
pub const KEEP_MS: i64 = 90 * 24 * 3600 * 1000;
/// Rows an administrator sees.
const SHOWN: u64 = 200;
/// Longest text sent (three concatenated GSM messages).
pub const MAX_TEXT: usize = 459;
/// The highest daily cap an operator may set.
pub const MAX_DAILY_CAP: i32 = 20;

/// Why an SMS leaves: shown in the log, and it decides which rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsPurpose {
    /// An administrator checks the gateway.
    Test,
    /// A sign-in code the person asked for: sent at once, whatever the hour, and
    /// throttled on its own rather than counted in the daily cap.
    SignInCode,
    /// A person's sign-in link to their new space.
    Invitation,
}

impl SmsPurpose {
    pub fn code(self) -> &'static str {
        match self {
            SmsPurpose::Test => "test",
            SmsPurpose::SignInCode => "sign_in_code",
            SmsPurpose::Invitation => "invitation",
        }
    }

    /// Asked for by the person, now: no quiet hours, no daily cap.
    fn asked_by_recipient(self) -> bool {
        matches!(self, SmsPurpose::SignInCode)
    }
}

/// The purposes the daily cap counts.
const CAPPED: [&str; 2] = ["test", "invitation"];

/// Why an SMS was not sent at all (its row's reply).
pub const NOT_SENT_STOP: &str = "stop";
pub const NOT_SENT_CAP: &str = "daily_cap";

pub struct OutgoingSms<'a> {
    /// As typed (normalised here).
    pub to: &'a str,
    pub text: String,
    pub purpose: SmsPurpose,
}

/// What became of an SMS asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsOutcome {
    /// Queued, to leave at `send_after` (later than now in quiet hours).
    Queued { id: Uuid, send_after: i64 },
    /// Not sent, for `reason` ([`NOT_SENT_STOP`], [`NOT_SENT_CAP`]); the row says so.
    NotSent { id: Uuid, reason: &'static str },
}

/// What the administrator's SMS page shows.
#[derive(Debug, Clone)]
pub struct SmsLog {
    /// The gateway in use (no credentials), or `None`: SMS go to the outbox.
    pub gateway: Option<String>,
    pub rules: SmsRules,
    pub messages: Vec<SmsRow>,
}

fn text_rule(text: &str) -> Result<(), AppError> {
    if text.trim().is_empty() {
        return Err(AppError::invalid("text", "required"));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(AppError::invalid("text", "too_long"));
    }
    Ok(())
}

impl App {
    /// Applies the rules and, if they let it through, stores the SMS and queues its
    /// delivery on `conn` (the caller's transaction): it leaves only if that commits.
    /// A number that can't receive SMS is refused, naming the `phone` field.
    pub(crate) async fn queue_sms(
        &self,
        conn: &impl ConnectionTrait,
        tenant: Option<TenantScope>,
        sms: OutgoingSms<'_>,
        now: i64,
    ) -> Result<SmsOutcome, AppError> {
        text_rule(&sms.text)?;
        let rules = match tenant {
            Some(scope) => messages::rules(conn, scope).await?,
            None => DEFAULT_RULES,
        };
        let to = normalise_phone(sms.to, rules.abroad_allowed)
            .map_err(|e| AppError::invalid("phone", e.code()))?;
        let purpose = sms.purpose;
        let refused = if messages::is_opted_out(conn, &to).await? {
            Some(NOT_SENT_STOP)
        } else if !purpose.asked_by_recipient()
            && messages::count_sent_since(conn, &to, &CAPPED, paris_day_start(now)).await?
                >= u64::try_from(rules.daily_cap).unwrap_or(0)
        {
            Some(NOT_SENT_CAP)
        } else {
            None
        };
        if let Some(reason) = refused {
            let id = messages::insert(
                conn,
                NewSms {
                    tenant,
                    recipient: &to,
                    purpose: purpose.code(),
                    body: None,
                    status: FAILED,
                    reply: Some(reason),
                    token_hash: None,
                    send_after: now,
                },
                now,
            )
            .await?;
            tracing::info!(sms = %id, reason, "SMS not sent");
            return Ok(SmsOutcome::NotSent { id, reason });
        }
        let send_after = if purpose.asked_by_recipient() {
            now
        } else {
            quiet_hours_release(now)
        };
        let token = random_token();
        let id = messages::insert(
            conn,
            NewSms {
                tenant,
                recipient: &to,
                purpose: purpose.code(),
                body: Some(sms.text),
                status: QUEUED,
                reply: None,
                token_hash: Some(digest(&token)),
                send_after,
            },
            now,
        )
        .await?;
        enqueue_job(
            conn,
            tenant,
            &SmsDelivery { sms_id: id, token },
            send_after,
            now,
        )
        .await?;
        tracing::info!(sms = %id, status = QUEUED, delayed = send_after > now, "SMS queued");
        Ok(SmsOutcome::Queued { id, send_after })
    }

    /// One try at handing a queued SMS to the gateway (or the outbox). `last_try`:
    /// the job queue will not try again, so a gateway out of reach is final.
    pub(crate) async fn deliver_sms(
        &self,
        job: &SmsDelivery,
        last_try: bool,
    ) -> Result<(), AppError> {
        let id = job.sms_id;
        let Some(row) = messages::find(self.db(), id).await? else {
            return Ok(());
        };
        let Some(text) = row.body.as_deref() else {
            // Already sent or given up (a job run twice).
            return Ok(());
        };
        if row.status != QUEUED {
            return Ok(());
        }
        // A STOP may have come between the queueing and now.
        if messages::is_opted_out(self.db(), &row.recipient).await? {
            self.record_sms_attempt(id, FAILED, NOT_SENT_STOP).await?;
            tracing::info!(sms = %id, status = FAILED, "SMS not sent: the number answered STOP");
            return Ok(());
        }
        let settings = &self.config().sms;
        let Some(gateway) = &settings.gateway else {
            self.write_sms_to_outbox(&row, text)?;
            self.record_sms_attempt(id, SENT, "outbox").await?;
            return Ok(());
        };
        let url = self.sendsms_url(gateway, &row, text, &job.token);
        let (status, reply, error) = match gateway::get(&url, settings::TIMEOUT).await {
            Ok(reply) if (200..300).contains(&reply.status) => (SENT, reply.line(), None),
            // Kannel's 4xx: refused for good (credentials, routing, a bad number).
            Ok(reply) if (400..500).contains(&reply.status) => (FAILED, reply.line(), None),
            Ok(reply) => {
                let what = format!("gateway answered {}", reply.status);
                (QUEUED, reply.line(), Some(what))
            }
            Err(what) => (QUEUED, what.clone(), Some(format!("gateway {what}"))),
        };
        let status = if error.is_some() && last_try {
            FAILED
        } else {
            status
        };
        self.record_sms_attempt(id, status, &reply).await?;
        match error {
            None => {
                tracing::info!(sms = %id, status, "SMS handed to the gateway");
                Ok(())
            }
            Some(error) => Err(AppError::Internal(format!("SMS {id}: {error}"))),
        }
    }

    /// Kannel's `sendsms` request: the credentials, the number and text (UCS-2 when
    /// the text has characters outside the GSM alphabet), and the delivery-report URL.
    fn sendsms_url(&self, gateway: &SmsGateway, row: &SmsRow, text: &str, token: &str) -> url::Url {
        let settings = &self.config().sms;
        let base = settings
            .callback_url
            .as_deref()
            .unwrap_or(&self.config().base_url)
            .trim_end_matches('/');
        // Kannel replaces %d by the report's type and %A by the operator's answer.
        let dlr_url = format!(
            "{base}/sms/dlr/{}?token={token}&status=%d&answer=%A",
            row.id
        );
        let mut url = gateway.url.clone();
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("username", &gateway.user)
                .append_pair("password", &gateway.password)
                .append_pair("to", &row.recipient)
                .append_pair("text", text)
                .append_pair("charset", "UTF-8")
                .append_pair("coding", if fits_gsm7(text) { "0" } else { "2" })
                .append_pair("dlr-mask", &KANNEL_DLR_MASK.to_string())
                .append_pair("dlr-url", &dlr_url);
            if let Some(from) = &settings.from {
                query.append_pair("from", from);
            }
        }
        url
    }

    fn write_sms_to_outbox(&self, row: &SmsRow, text: &str) -> Result<(), AppError> {
        let outbox = &self.config().outbox_dir;
        std::fs::create_dir_all(outbox).map_err(|e| {
            AppError::Internal(format!("cannot create outbox {}: {e}", outbox.display()))
        })?;
        let content = format!(
            "To: {}\nPurpose: {}\n\n{text}\n",
            row.recipient, row.purpose
        );
        std::fs::write(outbox.join(format!("{}.sms", row.id)), content)
            .map_err(|e| AppError::Internal(format!("cannot write SMS: {e}")))
    }

    async fn record_sms_attempt(
        &self,
        id: Uuid,
        status: &str,
        reply: &str,
    ) -> Result<(), AppError> {
        let txn = self.bookkeeping(Bookkeeping::JobQueue).await?;
        messages::record_attempt(&*txn, id, status, reply, self.now()).await?;
        txn.commit().await
    }

    /// A delivery report from the gateway (`/sms/dlr/{id}`): the token must be the
    /// one this message's URL carried, else it is as if the message did not exist.
    pub async fn sms_delivery_report(
        &self,
        id: Uuid,
        token: &str,
        kind: u32,
        answer: &str,
    ) -> Result<(), AppError> {
        let Some(row) = messages::find(self.db(), id).await? else {
            return Err(AppError::NotFound);
        };
        let expected = row.token_hash.as_deref().unwrap_or_default();
        if !same_secret(&digest(token), expected) {
            return Err(AppError::NotFound);
        }
        let Some(report) = DeliveryReport::from_kannel(kind) else {
            return Err(AppError::invalid("status", "invalid"));
        };
        let status = match report {
            DeliveryReport::Delivered => Some(DELIVERED),
            DeliveryReport::Failed => Some(FAILED),
            DeliveryReport::InTransit => None,
        };
        let answer: String = answer
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let reply = format!("DLR {kind} {answer}").trim().to_owned();
        let txn = self.bookkeeping(Bookkeeping::SmsGateway).await?;
        messages::record_report(&*txn, id, status, &reply, self.now()).await?;
        txn.commit().await?;
        tracing::info!(sms = %id, report = kind, "SMS delivery report");
        Ok(())
    }

    /// A message a phone sent to the operator's number, relayed by the gateway with
    /// its `sendsms-user`'s credentials. "STOP" opts the number out of every SMS.
    /// Returns whether it was a STOP.
    pub async fn sms_incoming(
        &self,
        credentials: Option<(&str, &str)>,
        from: &str,
        text: &str,
    ) -> Result<bool, AppError> {
        let Some(gateway) = &self.config().sms.gateway else {
            return Err(AppError::NotFound);
        };
        let Some((user, password)) = credentials else {
            return Err(AppError::Unauthenticated);
        };
        if !gateway.accepts(user, password) {
            return Err(AppError::Unauthenticated);
        }
        if !is_stop_word(text) {
            return Ok(false);
        }
        let phone = normalise_phone(from, true).map_err(|e| AppError::invalid("from", e.code()))?;
        let txn = self.bookkeeping(Bookkeeping::SmsGateway).await?;
        messages::opt_out(&*txn, &phone, self.now()).await?;
        txn.commit().await?;
        tracing::info!("a number answered STOP: no more SMS to it");
        Ok(true)
    }

    /// Forgets messages older than [`KEEP_MS`] (run with the daily purge).
    pub(crate) async fn purge_sms_log(&self, now: i64) -> Result<u64, AppError> {
        let txn = self.bookkeeping(Bookkeeping::JobQueue).await?;
        let gone = messages::purge_before(&*txn, now - KEEP_MS).await?;
        txn.commit().await?;
        Ok(gone)
    }

    /// The administrator's view of their tenant's SMS and where each stands.
    pub async fn sms_log(&self, actor: &Actor) -> Result<SmsLog, AppError> {
        Self::sms_admin(actor)?;
        let mut rows = messages::recent(self.db(), actor.tenant(), SHOWN).await?;
        // The text (which may hold a code) and the report secret never leave here.
        for row in &mut rows {
            row.body = None;
            row.token_hash = None;
        }
        Ok(SmsLog {
            gateway: self.config().sms.gateway.as_ref().map(SmsGateway::describe),
            rules: messages::rules(self.db(), actor.tenant()).await?,
            messages: rows,
        })
    }

    /// The operator's SMS rules: numbers abroad allowed or not, the daily cap.
    pub async fn save_sms_rules(
        &self,
        actor: &Actor,
        abroad_allowed: bool,
        daily_cap: &str,
    ) -> Result<(), AppError> {
        Self::sms_admin(actor)?;
        let daily_cap = daily_cap
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|n| (1..=MAX_DAILY_CAP).contains(n))
            .ok_or_else(|| AppError::invalid("daily_cap", "out_of_range"))?;
        let txn = self.change(actor).await?;
        let rules = SmsRules {
            abroad_allowed,
            daily_cap,
        };
        messages::set_rules(&*txn, actor.tenant(), rules, txn.at()).await?;
        txn.commit(Audit::tenant(AuditAction::SmsRulesSaved)).await
    }

    /// An administrator sends a test SMS to check the gateway end to end.
    pub async fn send_test_sms(&self, actor: &Actor, phone: &str) -> Result<SmsOutcome, AppError> {
        Self::sms_admin(actor)?;
        let txn = self.change(actor).await?;
        let text = format!(
            "Parcours : message d'essai de {}. / Test message.",
            actor.organisation_name
        );
        let outcome = self
            .queue_sms(
                &*txn,
                Some(actor.tenant()),
                OutgoingSms {
                    to: phone,
                    text,
                    purpose: SmsPurpose::Test,
                },
                txn.at(),
            )
            .await?;
        txn.commit(Audit::tenant(AuditAction::SmsTestSent)).await?;
        Ok(outcome)
    }

    fn sms_admin(actor: &Actor) -> Result<(), AppError> {
        if actor.role == parcours_domain::Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}
