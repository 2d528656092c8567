//! Who emails come from, and the SMTP relay they leave through (none: the outbox).

use lettre::message::Mailbox;
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{Address, Tokio1Executor};

/// The sender when none is configured (the outbox of a development machine).
const DEFAULT_FROM: (&str, &str) = ("no-reply", "parcours.invalid");
const DEFAULT_FROM_NAME: &str = "Parcours";

#[derive(Debug, Clone)]
pub struct MailSettings {
    /// The `From` of every message (`PARCOURS_MAIL_FROM`, `PARCOURS_MAIL_FROM_NAME`).
    pub from: Mailbox,
    /// The relay (`PARCOURS_SMTP_URL`); `None` writes every message to the outbox.
    pub smtp: Option<SmtpRelay>,
}

impl Default for MailSettings {
    fn default() -> Self {
        // A constant known to be valid: no parse that could fail.
        let address = Address::new_dangerous(DEFAULT_FROM.0, DEFAULT_FROM.1);
        MailSettings {
            from: Mailbox::new(Some(DEFAULT_FROM_NAME.to_owned()), address),
            smtp: None,
        }
    }
}

impl MailSettings {
    /// From configuration; an unset (or empty) value keeps its default. Fails, naming
    /// the setting, on an address or a relay URL that can't be used (checked at start,
    /// not at the first email).
    pub fn from_config(
        smtp_url: Option<&str>,
        from: Option<&str>,
        from_name: Option<&str>,
    ) -> Result<Self, String> {
        let defaults = MailSettings::default();
        let address = match from.map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => raw
                .parse::<Address>()
                .map_err(|_| "PARCOURS_MAIL_FROM is not an email address".to_owned())?,
            None => defaults.from.email.clone(),
        };
        let name = match from_name.map(str::trim).filter(|s| !s.is_empty()) {
            Some(name) => Some(name.to_owned()),
            None => defaults.from.name.clone(),
        };
        let smtp = match smtp_url.map(str::trim).filter(|s| !s.is_empty()) {
            Some(url) => Some(SmtpRelay::parse(url)?),
            None => None,
        };
        Ok(MailSettings {
            from: Mailbox::new(name, address),
            smtp,
        })
    }
}

/// An SMTP relay in lettre's URL form: `smtp://user:pass@host:587?tls=required`
/// (STARTTLS), `smtps://user:pass@host:465` (TLS from the start), `smtp://host:25`
/// (plain, for a relay on the same machine). The URL may hold a password: it is
/// never printed.
#[derive(Clone)]
pub struct SmtpRelay {
    url: String,
}

impl std::fmt::Debug for SmtpRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmtpRelay(")?;
        f.write_str(&self.describe())?;
        f.write_str(")")
    }
}

/// How long one conversation with the relay may take before it counts as a
/// temporary failure.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

impl SmtpRelay {
    pub fn parse(url: &str) -> Result<Self, String> {
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|_| "PARCOURS_SMTP_URL is not a usable smtp:// or smtps:// URL".to_owned())?;
        Ok(SmtpRelay {
            url: url.to_owned(),
        })
    }

    /// Scheme, host and port only (for the start-up message): no credentials.
    pub fn describe(&self) -> String {
        match url::Url::parse(&self.url) {
            Ok(u) => format!(
                "{}://{}:{}",
                u.scheme(),
                u.host_str().unwrap_or("?"),
                u.port()
                    .map_or_else(|| "default".to_owned(), |p| p.to_string())
            ),
            Err(_) => "smtp://?".to_owned(),
        }
    }

    pub(crate) fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(&self.url)
            .map_err(|_| "PARCOURS_SMTP_URL is not a usable URL".to_owned())?
            .timeout(Some(TIMEOUT))
            .build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_values_keep_the_outbox_and_the_default_sender() {
        let settings = MailSettings::from_config(None, Some(""), None).unwrap();
        assert!(settings.smtp.is_none());
        assert_eq!(
            settings.from.to_string(),
            "Parcours <no-reply@parcours.invalid>"
        );
    }

    #[test]
    fn the_sender_and_the_relay_come_from_configuration() {
        let settings = MailSettings::from_config(
            Some("smtps://alice:s3cret@mail.example.org:465"),
            Some("contact@avenir.example"),
            Some("Mission Avenir"),
        )
        .unwrap();
        assert_eq!(
            settings.from.to_string(),
            "Mission Avenir <contact@avenir.example>"
        );
        let relay = settings.smtp.unwrap();
        assert_eq!(relay.describe(), "smtps://mail.example.org:465");
        assert!(!format!("{relay:?}").contains("s3cret"));
    }

    #[test]
    fn a_wrong_setting_is_named() {
        let err = MailSettings::from_config(None, Some("not an address"), None).unwrap_err();
        assert!(err.contains("PARCOURS_MAIL_FROM"), "{err}");
        let err =
            MailSettings::from_config(Some("http://mail.example.org"), None, None).unwrap_err();
        assert!(err.contains("PARCOURS_SMTP_URL"), "{err}");
    }
}
