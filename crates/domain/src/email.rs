use std::fmt;

/// An email address, trimmed and lower-cased: the login identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("the email address is empty")]
    Empty,
    #[error("the email address is too long")]
    TooLong,
    #[error("the email address is not valid")]
    Invalid,
}

impl Email {
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err(EmailError::Empty);
        }
        if value.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err(EmailError::Invalid);
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        let chars_ok = value
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != '<' && c != '>');
        if local.is_empty() || domain.contains('@') || !domain_ok || !chars_ok {
            return Err(EmailError::Invalid);
        }
        Ok(Email(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_rejects() {
        assert_eq!(
            Email::parse("  Coach@Example.ORG ").map(|e| e.to_string()),
            Ok("coach@example.org".to_owned())
        );
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        for bad in [
            "no-at", "a@b", "@b.fr", "a@.fr", "a@b..fr", "a b@c.fr", "a@b@c.fr",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::Invalid), "{bad}");
        }
    }
}
