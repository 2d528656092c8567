//! The SMS gateway Parcours talks to: Kannel's `smsbox` `sendsms` URL and the
//! credentials of its `sendsms-user` (none: every SMS is written to the outbox).

/// How long one request to the gateway may take before it counts as unreachable.
pub(crate) const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(Clone, Default)]
pub struct SmsSettings {
    /// `PARCOURS_SMS_URL` and its credentials; `None` writes SMS to the outbox.
    pub gateway: Option<SmsGateway>,
    /// The sender shown on phones (`PARCOURS_SMS_FROM`: 11 letters or a number);
    /// unset, the gateway's own.
    pub from: Option<String>,
    /// Where the gateway reaches Parcours for delivery reports
    /// (`PARCOURS_SMS_CALLBACK_URL`); unset, the public base URL.
    pub callback_url: Option<String>,
}

impl std::fmt::Debug for SmsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsSettings")
            .field("gateway", &self.gateway.as_ref().map(SmsGateway::describe))
            .field("from", &self.from)
            .field("callback_url", &self.callback_url)
            .finish()
    }
}

/// Kannel's `sendsms` interface: `http://host:13013/cgi-bin/sendsms`, with the
/// `sendsms-user`'s name and password (never printed).
#[derive(Clone)]
pub struct SmsGateway {
    pub(crate) url: url::Url,
    pub(crate) user: String,
    pub(crate) password: String,
}

fn set(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|s| !s.is_empty())
}

impl SmsSettings {
    /// From configuration; an unset (or empty) value keeps its default. Fails, naming
    /// the setting, on a value that can't be used (checked at start, not at the first
    /// SMS).
    pub fn from_config(
        url: Option<&str>,
        user: Option<&str>,
        password: Option<&str>,
        from: Option<&str>,
        callback_url: Option<&str>,
    ) -> Result<Self, String> {
        let gateway = match set(url) {
            None => None,
            Some(raw) => {
                let url = url::Url::parse(raw)
                    .ok()
                    .filter(|u| u.scheme() == "http" && u.host_str().is_some())
                    .ok_or_else(|| {
                        "PARCOURS_SMS_URL is not an http:// URL (Kannel's sendsms, e.g. http://127.0.0.1:13013/cgi-bin/sendsms)"
                            .to_owned()
                    })?;
                let user = set(user).ok_or_else(|| {
                    "PARCOURS_SMS_USER is required with PARCOURS_SMS_URL".to_owned()
                })?;
                let password = set(password).ok_or_else(|| {
                    "PARCOURS_SMS_PASSWORD is required with PARCOURS_SMS_URL".to_owned()
                })?;
                Some(SmsGateway {
                    url,
                    user: user.to_owned(),
                    password: password.to_owned(),
                })
            }
        };
        let from = match set(from) {
            None => None,
            Some(from) => {
                let alphanumeric =
                    from.len() <= 11 && from.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ');
                let number = from.len() <= 16
                    && from
                        .trim_start_matches('+')
                        .chars()
                        .all(|c| c.is_ascii_digit());
                if !(alphanumeric || number) {
                    return Err(
                        "PARCOURS_SMS_FROM must be at most 11 letters and digits, or a number"
                            .to_owned(),
                    );
                }
                Some(from.to_owned())
            }
        };
        let callback_url = match set(callback_url) {
            None => None,
            Some(raw) => {
                url::Url::parse(raw)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .ok_or_else(|| "PARCOURS_SMS_CALLBACK_URL is not an http(s) URL".to_owned())?;
                Some(raw.trim_end_matches('/').to_owned())
            }
        };
        Ok(SmsSettings {
            gateway,
            from,
            callback_url,
        })
    }
}

impl SmsGateway {
    /// Scheme, host, port and path: no credentials.
    pub fn describe(&self) -> String {
        format!(
            "{}://{}:{}{}",
            self.url.scheme(),
            self.url.host_str().unwrap_or("?"),
            self.url.port_or_known_default().unwrap_or(80),
            self.url.path()
        )
    }

    /// The incoming-message callback's credentials: the same user and password.
    pub(crate) fn accepts(&self, user: &str, password: &str) -> bool {
        crate::same_secret(user, &self.user) & crate::same_secret(password, &self.password)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_means_the_outbox() {
        let s = SmsSettings::from_config(None, None, None, Some(" "), None).unwrap();
        assert!(s.gateway.is_none() && s.from.is_none());
    }

    #[test]
    fn the_gateway_comes_from_configuration_and_hides_its_password() {
        let s = SmsSettings::from_config(
            Some("http://127.0.0.1:13013/cgi-bin/sendsms"),
            Some("parcours"),
            Some("s3cret"),
            Some("Avenir"),
            Some("http://127.0.0.1:8080/"),
        )
        .unwrap();
        let gateway = s.gateway.clone().unwrap();
        assert_eq!(gateway.describe(), "http://127.0.0.1:13013/cgi-bin/sendsms");
        assert!(!format!("{s:?}").contains("s3cret"));
        assert_eq!(s.callback_url.as_deref(), Some("http://127.0.0.1:8080"));
        assert!(gateway.accepts("parcours", "s3cret"));
        assert!(!gateway.accepts("parcours", "wrong"));
    }

    #[test]
    fn a_wrong_setting_is_named() {
        let url = Some("http://127.0.0.1:13013/cgi-bin/sendsms");
        let err = SmsSettings::from_config(Some("ftp://x"), None, None, None, None).unwrap_err();
        assert!(err.contains("PARCOURS_SMS_URL"), "{err}");
        let err = SmsSettings::from_config(url, None, Some("p"), None, None).unwrap_err();
        assert!(err.contains("PARCOURS_SMS_USER"), "{err}");
        let err = SmsSettings::from_config(url, Some("u"), None, None, None).unwrap_err();
        assert!(err.contains("PARCOURS_SMS_PASSWORD"), "{err}");
        let err = SmsSettings::from_config(None, None, None, Some("Mission Avenir 2026"), None)
            .unwrap_err();
        assert!(err.contains("PARCOURS_SMS_FROM"), "{err}");
    }
}
