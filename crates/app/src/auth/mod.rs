//! Signing in and out, sessions, the login rate limit and password reset.

use parcours_db::repo::installation::security::LinkPurpose;
use parcours_db::repo::staff;
use parcours_db::repo::{installation::accounts, installation::security};
use parcours_domain::{Email, Role};
use uuid::Uuid;

use crate::mail::{self, OutgoingMail};
use crate::unit_of_work::Bookkeeping;
use crate::{App, AppError, digest, random_token};

mod links;

/// Shortest password we accept (NIST SP 800-63B asks for at least 8).
pub const MIN_PASSWORD_CHARS: usize = 10;
const RESET_TTL_MS: i64 = 3600 * 1000;
/// Reset links sent per address and per hour, at most; sign-in links the same.
pub const RESET_REQUESTS_PER_HOUR: u64 = 3;
const LINK_REQUEST_WINDOW_MS: i64 = 3600 * 1000;
/// Sessions are extended at most this often, to keep reads cheap.
const SESSION_TOUCH_EVERY_MS: i64 = 5 * 60 * 1000;

#[derive(askama::Template)]
#[template(path = "email/lockout_notice.txt")]
struct LockoutNoticeEmail<'a> {
    n: u64,
    minutes: i64,
    forgot: &'a str,
}

pub use crate::actor::Actor;

/// A new session: the cookie value to hand to the browser.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub role: Role,
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("too many failed attempts")]
    RateLimited { retry_after_secs: u64 },
    #[error("this account has no role in any organisation")]
    NoMembership,
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<parcours_db::DbErr> for LoginError {
    fn from(e: parcours_db::DbErr) -> Self {
        LoginError::App(AppError::Database(e))
    }
}

async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || password_auth::generate_hash(password))
        .await
        .map_err(|e| AppError::Internal(format!("hashing task: {e}")))
}

async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || password_auth::verify_password(password, &hash).is_ok())
        .await
        .map_err(|e| AppError::Internal(format!("verification task: {e}")))
}

pub fn check_new_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::invalid("password", "too_short"));
    }
    if password.len() > 1024 {
        return Err(AppError::invalid("password", "too_long"));
    }
    Ok(())
}

impl App {
    pub async fn hash_password(&self, password: &str) -> Result<String, AppError> {
        hash_password(password.to_owned()).await
    }

    /// Checks the credentials and opens a new session (a fresh id on every login).
    pub async fn login(
        &self,
        raw_email: &str,
        password: &str,
        ip: &str,
    ) -> Result<NewSession, LoginError> {
        let now = self.now();
        let config = self.config();
        let email = Email::parse(raw_email).ok();
        // Keyed on a digest so the attempts table holds no email addresses.
        let account_key = digest(email.as_ref().map_or(raw_email, |e| e.as_str()));
        let since = now - config.login_window_ms;
        let (by_account, by_ip) =
            security::failures_since(self.db(), &account_key, ip, since).await?;
        if by_account >= config.login_max_failures_per_account
            || by_ip >= config.login_max_failures_per_ip
        {
            let secs = u64::try_from(config.login_window_ms / 1000).unwrap_or(900);
            return Err(LoginError::RateLimited {
                retry_after_secs: secs,
            });
        }

        let user = match &email {
            Some(email) => accounts::find_user_by_email(self.db(), email).await?,
            None => None,
        };
        let hash = user.as_ref().map_or_else(
            || self.inner.dummy_hash.clone(),
            |u| u.password_hash.clone(),
        );
        let password_ok = verify_password(password.to_owned(), hash).await?;
        let account_exists = user.is_some();
        let Some(user) = user.filter(|_| password_ok) else {
            security::record_login_attempt(self.db(), &account_key, ip, false, now).await?;
            // The failure that blocks an account tells its holder, once per block.
            if let Some(email) = email.as_ref().filter(|_| {
                account_exists && by_account + 1 == config.login_max_failures_per_account
            }) {
                self.send_lockout_notice(email).await?;
            }
            return Err(LoginError::InvalidCredentials);
        };

        let txn = self.bookkeeping(Bookkeeping::Sessions).await?;
        security::clear_failures(&txn, &account_key).await?;
        let session = self.open_session(&txn, user.id, now).await?;
        // Signing in is a contact: it keeps the file from being anonymised as inactive.
        parcours_db::repo::privacy::unscoped::touch_person_of_user(&txn, user.id, now).await?;
        txn.commit().await?;
        Ok(session)
    }

    /// A new session for the user in the caller's transaction (their first membership
    /// that no operator deactivated).
    pub(crate) async fn open_session(
        &self,
        txn: &parcours_db::DatabaseTransaction,
        user_id: Uuid,
        now: i64,
    ) -> Result<NewSession, LoginError> {
        let config = self.config();
        let memberships = accounts::memberships_of(txn, user_id).await?;
        let ids: Vec<Uuid> = memberships.iter().map(|m| m.id).collect();
        let deactivated = staff::unscoped::deactivated_among(txn, &ids).await?;
        let Some(membership) = memberships.iter().find(|m| !deactivated.contains(&m.id)) else {
            return Err(LoginError::NoMembership);
        };
        if membership.role != Role::Beneficiary {
            staff::unscoped::record_sign_in(txn, membership.id, membership.organisation.id, now)
                .await?;
        }
        let token = random_token();
        if token.is_empty() {
            return Err(AppError::Internal("no random source".into()).into());
        }
        security::insert_session(
            txn,
            &security::Session {
                id_hash: digest(&token),
                user_id,
                membership_id: membership.id,
                csrf_token: random_token(),
                expires_at: now + config.session_idle_ms,
                last_seen_at: now,
            },
            now,
        )
        .await?;
        security::delete_expired_sessions(txn, now).await?;
        Ok(NewSession {
            token,
            role: membership.role,
        })
    }

    /// The user behind a session cookie, if the session is live. Slides its expiry.
    pub async fn session_actor(&self, token: &str) -> Result<Option<Actor>, AppError> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let now = self.now();
        let id_hash = digest(token);
        let Some(session) = security::find_live_session(self.db(), &id_hash, now).await? else {
            return Ok(None);
        };
        let Some(user) = accounts::find_user(self.db(), session.user_id).await? else {
            return Ok(None);
        };
        let Some(membership) = accounts::find_membership(self.db(), session.membership_id).await?
        else {
            return Ok(None);
        };
        // A deactivated account's sessions end with it (also removed then; this is the
        // guard for a session read while the deactivation commits).
        if !staff::unscoped::deactivated_among(self.db(), &[membership.id])
            .await?
            .is_empty()
        {
            return Ok(None);
        }
        let operator_id = if matches!(
            membership.role,
            Role::Referrer | Role::Funder | Role::Employer
        ) {
            membership.operator_id
        } else {
            None
        };
        if now - session.last_seen_at > SESSION_TOUCH_EVERY_MS {
            security::extend_session(
                self.db(),
                &id_hash,
                now,
                now + self.config().session_idle_ms,
            )
            .await?;
        }
        Ok(Some(Actor {
            user_id: user.id,
            display_name: user.display_name,
            email: user.email,
            locale: user.locale,
            role: membership.role,
            organisation_id: membership.organisation.id,
            organisation_name: membership.organisation.name,
            operator_id,
            session_id_hash: session.id_hash,
            csrf_token: session.csrf_token,
        }))
    }

    pub async fn logout(&self, actor: &Actor) -> Result<(), AppError> {
        security::delete_session(self.db(), &actor.session_id_hash).await?;
        Ok(())
    }

    /// Ends every session of the user (a lost phone, a shared computer); returns how
    /// many were open.
    /// The links emailed to them (sign-in, reset, invitation) stop working too.
    pub async fn logout_everywhere(&self, actor: &Actor) -> Result<u64, AppError> {
        let txn = self.bookkeeping(Bookkeeping::Sessions).await?;
        let ended = security::delete_sessions_of_user(&txn, actor.user_id).await?;
        security::revoke_links(&txn, actor.user_id, &[], self.now()).await?;
        txn.commit().await?;
        Ok(ended)
    }

    async fn send_lockout_notice(&self, email: &Email) -> Result<(), AppError> {
        let config = self.config();
        let minutes = config.login_window_ms / 60_000;
        let forgot = format!("{}/password/forgot", config.base_url);
        let body = mail::body(&LockoutNoticeEmail {
            n: config.login_max_failures_per_account,
            minutes,
            forgot: &forgot,
        })?;
        self.send_mail(
            None,
            OutgoingMail {
                to: email.as_str(),
                subject: "Parcours : connexion bloquée pour un moment",
                body,
                calendar: None,
            },
        )
        .await
    }
}
