//! French by default, English on request. Messages live in `locales/*/main.ftl`
//! (Fluent, for correct plurals) and are compiled into the binary.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "fr",
        // Unicode isolation marks around arguments would show up in plain-text emails.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static FR: LanguageIdentifier = langid!("fr");
static EN: LanguageIdentifier = langid!("en");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().get(..2).map(str::to_ascii_lowercase).as_deref() {
            Some("fr") => Some(Lang::Fr),
            Some("en") => Some(Lang::En),
            _ => None,
        }
    }

    /// The first supported language of an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header
            .split(',')
            .filter_map(|part| Lang::parse(part.split(';').next().unwrap_or("")))
            .next()
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    pub fn t_args(self, key: &str, args: &[(&'static str, FluentValue<'static>)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'static>> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), v.clone()))
            .collect();
        LOCALES.lookup_with_args(self.id(), key, &map)
    }

    /// Whether a message exists in this language (tests check both files agree).
    pub fn has(self, key: &str) -> bool {
        LOCALES.try_lookup(self.id(), key).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Message ids of a .ftl file, each with the variables its text uses.
    fn messages(src: &str) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for line in src.lines() {
            if line.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && let Some((key, _)) = line.split_once(" =")
            {
                out.push((key.trim().to_owned(), Vec::new()));
            }
            if let Some((_, vars)) = out.last_mut() {
                for part in line.split('$').skip(1) {
                    let name: String = part
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    vars.push(name);
                }
            }
        }
        out
    }

    #[test]
    fn both_languages_have_every_message() {
        let fr = messages(include_str!("../locales/fr/main.ftl"));
        let en = messages(include_str!("../locales/en/main.ftl"));
        let ids =
            |m: &[(String, Vec<String>)]| m.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&fr), ids(&en), "fr and en message ids differ");
        for (lang, msgs) in [(Lang::Fr, &fr), (Lang::En, &en)] {
            for (key, vars) in msgs {
                let args: HashMap<String, FluentValue> = vars
                    .iter()
                    .map(|v| (v.clone(), FluentValue::from(1)))
                    .collect();
                let found = LOCALES.lookup_single_language(lang.id(), key, Some(&args));
                assert!(
                    found.is_ok(),
                    "{key} does not resolve in {}: {found:?}",
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn plurals_follow_each_language() {
        let n = |lang: Lang, count: i64| {
            lang.t_args(
                "coach-caseload-count",
                &[("count", FluentValue::from(count))],
            )
        };
        assert_eq!(n(Lang::Fr, 1), "1 personne");
        assert_eq!(n(Lang::Fr, 0), "0 personne");
        assert_eq!(n(Lang::En, 0), "0 people");
        assert_eq!(n(Lang::En, 2), "2 people");
    }

    #[test]
    fn accept_language_picks_the_first_supported() {
        assert_eq!(
            Lang::from_accept_language("de-DE,en;q=0.8,fr;q=0.5"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("fr-FR"), Some(Lang::Fr));
        assert_eq!(Lang::from_accept_language("de"), None);
    }
}
