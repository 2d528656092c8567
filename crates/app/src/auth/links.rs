//! Links by email: sign-in links (asked for, or issued with an invitation) and
//! password resets, each limited per address and per network address.

use super::*;

#[derive(askama::Template)]
#[template(path = "email/sign_in_link.txt")]
struct SignInLinkEmail<'a> {
    link: &'a str,
}

#[derive(askama::Template)]
#[template(path = "email/password_reset.txt")]
struct PasswordResetEmail<'a> {
    link: &'a str,
}

impl App {
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
        self.send_mail(
            None,
            OutgoingMail {
                to: email.as_str(),
                subject: "Parcours : votre lien de connexion",
                body: mail::body(&SignInLinkEmail { link: &link })?,
                calendar: None,
            },
        )
        .await
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
        let body = mail::body(&PasswordResetEmail { link: &link })?;
        self.send_mail(
            None,
            OutgoingMail {
                to: email.as_str(),
                subject: "Parcours : nouveau mot de passe",
                body,
                calendar: None,
            },
        )
        .await?;
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

#[cfg(test)]
mod email_tests {
    use super::*;

    #[test]
    fn emails_render_the_text_they_always_had() {
        let link = "https://x/password/reset/t";
        assert_eq!(
            mail::body(&PasswordResetEmail { link }).unwrap(),
            format!(
                "Bonjour,\n\nPour choisir un nouveau mot de passe Parcours, ouvrez ce lien dans l'heure :\n{link}\n\n\
                 Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n\n\
                 --\nHello,\nTo choose a new Parcours password, open this link within the hour:\n{link}\n"
            )
        );
        let (n, minutes, forgot) = (5, 15, "https://x/password/forgot");
        assert_eq!(
            mail::body(&LockoutNoticeEmail { n, minutes, forgot }).unwrap(),
            format!(
                "Bonjour,\n\nQuelqu'un s'est trompé {n} fois de mot de passe sur votre compte Parcours. \
                 Pour le protéger, la connexion est bloquée pendant {minutes} minutes.\n\n\
                 Si c'était vous, réessayez plus tard ou choisissez un nouveau mot de passe : {forgot}\n\
                 Si ce n'était pas vous, choisissez un nouveau mot de passe dès que possible.\n\n\
                 --\nHello,\nSomeone typed a wrong password {n} times on your Parcours account. \
                 To protect it, signing in is blocked for {minutes} minutes. If it was not you, \
                 choose a new password: {forgot}\n"
            )
        );
    }
}
