//! Use cases of Parcours. Each one owns its transaction: the change, its audit row and
//! anything it queues are committed together. The only crate that combines domain and db.

mod access;
pub mod actor;
pub mod admin;
pub mod advisors;
pub mod appointments;
pub mod audit_action;
pub mod auth;
pub mod bilan;
pub mod demo;
pub mod error;
pub mod homes;
pub mod jobs;
pub mod joining;
pub mod journal;
pub mod mail;
pub mod messages;
pub mod opportunities;
pub mod outcome_facts;
pub mod outcomes;
pub mod partners;
pub mod people;
pub mod pistes;
pub mod placements;
pub mod plan;
pub mod privacy;
pub mod programmes;
pub mod projects;
mod recent;
pub mod reference;
pub mod referrals;
pub mod seed;
pub mod selection;
pub mod setup;
pub mod sms;
pub mod sponsors;
pub mod staff;
pub mod surveys;
pub mod synthesis;
pub mod tenants;
pub mod unit_of_work;
pub mod workspace;

use std::path::PathBuf;
use std::sync::Arc;

pub use error::{AppError, FieldError};
pub use parcours_db::DatabaseConnection;
use sha2::{Digest, Sha256};

/// Settings the use cases need; the CLI builds it from flags and environment.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where emails are written as `.eml` files (development and tests).
    pub outbox_dir: PathBuf,
    /// Public base URL used in links sent by email, without a trailing slash.
    pub base_url: String,
    /// Idle lifetime of a session.
    pub session_idle_ms: i64,
    /// Failed logins allowed per account, then per address, within the window.
    pub login_max_failures_per_account: u64,
    pub login_max_failures_per_ip: u64,
    pub login_window_ms: i64,
    /// The sender, and the SMTP relay if any (else the outbox).
    pub mail: mail::MailSettings,
    /// The SMS gateway if any (else the outbox), the sender, the callback URL.
    pub sms: sms::SmsSettings,
}

impl AppConfig {
    pub fn new(outbox_dir: PathBuf, base_url: String) -> Self {
        AppConfig {
            outbox_dir,
            base_url,
            session_idle_ms: 8 * 3600 * 1000,
            login_max_failures_per_account: 5,
            login_max_failures_per_ip: 50,
            login_window_ms: 15 * 60 * 1000,
            mail: mail::MailSettings::default(),
            sms: sms::SmsSettings::default(),
        }
    }
}

/// The application: a database handle and settings, cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    config: AppConfig,
    /// A real argon2id hash verified when the account does not exist, so that a failed
    /// login takes the same time either way.
    dummy_hash: String,
    /// The reference catalog being served; swapped whole by an import.
    catalog: std::sync::RwLock<Option<Arc<parcours_catalog::Catalog>>>,
    /// Every shipped version of every instrument (answers are scored by their own).
    instruments: parcours_domain::instrument::Registry,
    journal_prompts: parcours_domain::journal::Prompts,
    /// Programmes' results computed lately, for the dashboards (see `outcomes`).
    reports: outcomes::ReportCache,
    /// Programmes' scale statistics computed lately, for reliability and norms (see
    /// `bilan`).
    cohorts: bilan::CohortCache,
    clock: Clock,
}

/// The time every use case reads: the system's, moved forward by tests (a follow-up
/// due in six months, a session gone idle) instead of rewriting stored times.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: std::sync::atomic::AtomicI64,
}

impl Clock {
    /// Milliseconds since the Unix epoch, as this application sees them.
    pub fn now_ms(&self) -> i64 {
        now_ms().saturating_add(self.offset_ms.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Moves this application's time forward (tests only; nothing calls it in serve).
    pub fn advance_ms(&self, ms: i64) {
        self.offset_ms
            .fetch_add(ms, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn advance_days(&self, days: i64) {
        self.advance_ms(days.saturating_mul(24 * 3600 * 1000));
    }
}

impl App {
    /// Fails only if a shipped instrument file is broken (a build defect, caught by tests).
    pub fn new(db: DatabaseConnection, config: AppConfig) -> Result<Self, AppError> {
        let dummy_hash = password_auth::generate_hash(random_token());
        let instruments = parcours_domain::instrument::Registry::shipped()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let journal_prompts = parcours_domain::journal::Prompts::shipped()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(App {
            inner: Arc::new(Inner {
                db,
                config,
                dummy_hash,
                catalog: std::sync::RwLock::new(None),
                instruments,
                journal_prompts,
                reports: outcomes::ReportCache::new(outcomes::REPORT_TTL_MS),
                cohorts: bilan::CohortCache::new(outcomes::REPORT_TTL_MS),
                clock: Clock::default(),
            }),
        })
    }

    pub fn instruments(&self) -> &parcours_domain::instrument::Registry {
        &self.inner.instruments
    }

    pub fn journal_prompts(&self) -> &parcours_domain::journal::Prompts {
        &self.inner.journal_prompts
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    /// The application's clock: use cases read the time here, tests move it.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Now, by the application's clock.
    pub fn now(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    pub fn config(&self) -> &AppConfig {
        &self.inner.config
    }

    /// A one-line description of the database, for start-up messages (no secrets).
    pub fn database_kind(&self) -> &'static str {
        parcours_db::backend_name(self.db())
    }
}

/// Milliseconds since the Unix epoch: the unit of every stored time.
/// A required free text, trimmed, at most `max` characters: the field's error otherwise.
pub(crate) fn text_field(field: &'static str, raw: &str, max: usize) -> Result<String, FieldError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(FieldError {
            field,
            code: "required",
        });
    }
    if text.chars().count() > max {
        return Err(FieldError {
            field,
            code: "too_long",
        });
    }
    Ok(text.to_owned())
}

/// [`text_field`] for a form with that one field.
pub(crate) fn checked_text(field: &'static str, raw: &str, max: usize) -> Result<String, AppError> {
    text_field(field, raw, max).map_err(|e| AppError::Invalid(vec![e]))
}

pub fn now_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}

/// A day as YYYY-MM-DD (UTC).
pub fn utc_day(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

/// 256 random bits, hex-encoded: session ids, CSRF and reset tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        // Without an OS random source no token is safe to hand out; make it unusable.
        return String::new();
    }
    hex::encode(bytes)
}

/// How secrets are stored: a copy of the database does not reveal them.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two secrets without leaking where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len()
        && !a.is_empty()
        && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_long() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn secrets_compare() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("", ""));
    }
}
