//! Signing in and out, sessions, the login rate limit and password reset.

use parcours_db::TenantScope;
use parcours_db::repo::security::LinkPurpose;
use parcours_db::repo::{accounts, security};
use parcours_domain::{Email, Role};
use uuid::Uuid;

use crate::mail::{self, OutgoingMail};
use crate::unit_of_work::Bookkeeping;
use crate::{App, AppError, digest, random_token, same_secret};

/// Shortest password we accept (NIST SP 800-63B asks for at least 8).
pub const MIN_PASSWORD_CHARS: usize = 10;
const RESET_TTL_MS: i64 = 3600 * 1000;
/// Reset links sent per address and per hour, at most; sign-in links the same.
pub const RESET_REQUESTS_PER_HOUR: u64 = 3;
const LINK_REQUEST_WINDOW_MS: i64 = 3600 * 1000;
/// Sessions are extended at most this often, to keep reads cheap.
const SESSION_TOUCH_EVERY_MS: i64 = 5 * 60 * 1000;

#[derive(askama::Template)]
#[template(path = "email/sign_in_link.txt")]
struct SignInLinkEmail<'a> {
    link: &'a str,
}

/// The signed-in user as every use case sees them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Uuid,
    pub display_name: String,
    pub email: String,
    pub locale: String,
    pub role: Role,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub session_id_hash: String,
    pub csrf_token: String,
}

impl Actor {
    /// The tenant this user works in: their organisation.
    pub fn tenant(&self) -> TenantScope {
        TenantScope::of(self.organisation_id)
    }

    /// Checks a submitted CSRF token against this session's.
    pub fn csrf_matches(&self, submitted: &str) -> bool {
        same_secret(&self.csrf_token, submitted)
    }
}

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
                self.send_lockout_notice(email)?;
            }
            return Err(LoginError::InvalidCredentials);
        };

        let txn = self.bookkeeping(Bookkeeping::Sessions).await?;
        security::clear_failures(&txn, &account_key).await?;
        let session = self.open_session(&txn, user.id, now).await?;
        // Signing in is a contact: it keeps the file from being anonymised as inactive.
        parcours_db::repo::privacy::touch_person_of_user(&txn, user.id, now).await?;
        txn.commit().await?;
        Ok(session)
    }

    /// A new session for the user in the caller's transaction (their first membership).
    async fn open_session(
        &self,
        txn: &parcours_db::DatabaseTransaction,
        user_id: Uuid,
        now: i64,
    ) -> Result<NewSession, LoginError> {
        let config = self.config();
        let memberships = accounts::memberships_of(txn, user_id).await?;
        let Some(membership) = memberships.first() else {
            return Err(LoginError::NoMembership);
        };
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

    /// A one-time sign-in link for a user (light accounts: employers invited by an
    /// operator, anyone who prefers a link to a password). Returns the token.
    pub(crate) async fn issue_sign_in_link(
        &self,
        conn: &impl parcours_db::ConnectionTrait,
        user_id: Uuid,
        ttl_ms: i64,
        now: i64,
    ) -> Result<String, AppError> {
        let token = random_token();
        security::insert_password_reset(
            conn,
            &digest(&token),
            user_id,
            LinkPurpose::Invitation,
            now,
            now + ttl_ms,
        )
        .await?;
        Ok(token)
    }

    /// Signs in with a link: uses it up and opens a session.
    pub async fn sign_in_with_link(&self, token: &str) -> Result<NewSession, LoginError> {
        let now = self.now();
        let token_hash = digest(token);
        let signs_in = [LinkPurpose::SignIn, LinkPurpose::Invitation];
        let Some(user_id) =
            security::find_usable_reset(self.db(), &token_hash, &signs_in, now).await?
        else {
            return Err(LoginError::InvalidCredentials);
        };
        let txn = self.bookkeeping(Bookkeeping::Sessions).await?;
        if !security::consume_reset(&txn, &token_hash, &signs_in, now).await? {
            return Err(LoginError::InvalidCredentials);
        }
        let session = self.open_session(&txn, user_id, now).await?;
        txn.commit().await?;
        Ok(session)
    }

    /// Emails a sign-in link valid an hour if the account exists; the same answer
    /// either way. Limited like reset links: [`RESET_REQUESTS_PER_HOUR`] per address
    /// (silently), the sign-in limit per network address; a new link revokes the
    /// previous one, so an address has one live sign-in link at most.
    pub async fn request_sign_in_link(&self, raw_email: &str, ip: &str) -> Result<(), AppError> {
        let email = Email::parse(raw_email).map_err(|_| AppError::invalid("email", "invalid"))?;
        let now = self.now();
        let Some(token) = self
            .issue_requested_link(&email, LinkPurpose::SignIn, ip, now)
            .await?
        else {
            return Ok(());
        };
        let link = format!("{}/connexion/{token}", self.config().base_url);
        mail::send(
            &self.config().outbox_dir,
            OutgoingMail {
                to: email.as_str(),
                subject: "Parcours : votre lien de connexion",
                body: mail::body(&SignInLinkEmail { link: &link })?,
                calendar: None,
            },
        )
    }

    /// A link asked for with an address (sign-in or reset): the token to email, or None
    /// when the address has no account or asked too often. The same work is done either
    /// way (the answer and its time do not tell), and the per-address count is a locked
    /// counter taken in the transaction that revokes the previous link and stores the
    /// new one, so a burst of requests yields at most the limit and one live link.
    async fn issue_requested_link(
        &self,
        email: &Email,
        purpose: LinkPurpose,
        ip: &str,
        now: i64,
    ) -> Result<Option<String>, AppError> {
        let config = self.config();
        // Keyed on a digest so the tables hold no email addresses.
        let key = digest(&format!("{}:{}", purpose.code(), email.as_str()));
        let (_, by_ip) =
            security::failures_since(self.db(), &key, ip, now - config.login_window_ms).await?;
        if by_ip >= config.login_max_failures_per_ip {
            let secs = u64::try_from(config.login_window_ms / 1000).unwrap_or(900);
            return Err(AppError::RateLimited {
                retry_after_secs: secs,
            });
        }
        // Counted as attempts (not successes), so that the per-address limit of the
        // network sees them.
        security::record_login_attempt(self.db(), &key, ip, false, now).await?;
        let user = accounts::find_user_by_email(self.db(), email).await?;
        let token = random_token();
        let max = i64::try_from(RESET_REQUESTS_PER_HOUR).unwrap_or(3);
        let txn = self.bookkeeping(Bookkeeping::Sessions).await?;
        let allowed =
            security::take_link_request(&txn, &key, LINK_REQUEST_WINDOW_MS, max, now).await?;
        let issued = match user {
            Some(user) if allowed => {
                security::revoke_links(&txn, user.id, &[purpose], now).await?;
                security::insert_password_reset(
                    &txn,
                    &digest(&token),
                    user.id,
                    purpose,
                    now,
                    now + RESET_TTL_MS,
                )
                .await?;
                Some(token)
            }
            _ => None,
        };
        txn.commit().await?;
        Ok(issued)
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

    fn send_lockout_notice(&self, email: &Email) -> Result<(), AppError> {
        let config = self.config();
        let minutes = config.login_window_ms / 60_000;
        let forgot = format!("{}/password/forgot", config.base_url);
        let body = format!(
            "Bonjour,\n\nQuelqu'un s'est trompé {n} fois de mot de passe sur votre compte Parcours. \
             Pour le protéger, la connexion est bloquée pendant {minutes} minutes.\n\n\
             Si c'était vous, réessayez plus tard ou choisissez un nouveau mot de passe : {forgot}\n\
             Si ce n'était pas vous, choisissez un nouveau mot de passe dès que possible.\n\n\
             --\nHello,\nSomeone typed a wrong password {n} times on your Parcours account. \
             To protect it, signing in is blocked for {minutes} minutes. If it was not you, \
             choose a new password: {forgot}\n",
            n = config.login_max_failures_per_account,
        );
        mail::send(
            &config.outbox_dir,
            OutgoingMail {
                to: email.as_str(),
                subject: "Parcours : connexion bloquée pour un moment",
                body,
                calendar: None,
            },
        )
    }

    /// Sends a reset link if the account exists. The answer is the same either way, so
    /// the form does not reveal who has an account.
    /// At most [`RESET_REQUESTS_PER_HOUR`] links an hour for one address (silently: the
    /// answer must not tell whether the account exists), and the address shares the
    /// sign-in limit per network address.
    pub async fn request_password_reset(&self, raw_email: &str, ip: &str) -> Result<(), AppError> {
        let email = Email::parse(raw_email).map_err(|_| AppError::invalid("email", "invalid"))?;
        let now = self.now();
        let Some(token) = self
            .issue_requested_link(&email, LinkPurpose::Reset, ip, now)
            .await?
        else {
            return Ok(());
        };
        let link = format!("{}/password/reset/{token}", self.config().base_url);
        let body = format!(
            "Bonjour,\n\nPour choisir un nouveau mot de passe Parcours, ouvrez ce lien dans l'heure :\n{link}\n\n\
             Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n\n\
             --\nHello,\nTo choose a new Parcours password, open this link within the hour:\n{link}\n"
        );
        mail::send(
            &self.config().outbox_dir,
            OutgoingMail {
                to: email.as_str(),
                subject: "Parcours : nouveau mot de passe",
                body,
                calendar: None,
            },
        )?;
        Ok(())
    }

    /// True when the reset link is still usable (to show the form or an explanation).
    pub async fn reset_token_usable(&self, token: &str) -> Result<bool, AppError> {
        Ok(security::find_usable_reset(
            self.db(),
            &digest(token),
            &[LinkPurpose::Reset],
            self.now(),
        )
        .await?
        .is_some())
    }

    /// Sets the new password, uses up the token and signs the user out everywhere:
    /// sessions end and every other link emailed to them stops working.
    pub async fn reset_password(&self, token: &str, new_password: &str) -> Result<(), AppError> {
        check_new_password(new_password)?;
        let now = self.now();
        let token_hash = digest(token);
        let reset = [LinkPurpose::Reset];
        let Some(user_id) =
            security::find_usable_reset(self.db(), &token_hash, &reset, now).await?
        else {
            return Err(AppError::NotFound);
        };
        let hash = hash_password(new_password.to_owned()).await?;
        let txn = self.bookkeeping(Bookkeeping::Sessions).await?;
        if !security::consume_reset(&txn, &token_hash, &reset, now).await? {
            return Err(AppError::NotFound);
        }
        accounts::set_password_hash(&txn, user_id, &hash).await?;
        security::delete_sessions_of_user(&txn, user_id).await?;
        security::revoke_links(&txn, user_id, &[], now).await?;
        txn.commit().await?;
        Ok(())
    }
}
