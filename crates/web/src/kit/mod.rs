//! The page kit every feature builds on: the common page frame (`Page`), rendering,
//! redirects, ids in URLs and the small view helpers shared by several features.

use std::fmt::Display;

use askama::Template;
use axum::response::{Html, IntoResponse, Redirect, Response};
use fluent_templates::fluent_bundle::FluentValue;
use parcours_app::FieldError;
use parcours_app::auth::Actor;
use parcours_domain::ids::PersonId;
use parcours_domain::{Phase, Role};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::context::Ctx;
use crate::errors::HttpError;
use crate::i18n::Lang;

mod error_page;
mod form;
mod id_path;

pub use error_page::*;
pub use form::*;
pub use id_path::IdPath;

pub type PageResult = Result<Response, HttpError>;

pub fn render(t: &impl Template) -> Result<Html<String>, HttpError> {
    Ok(Html(t.render()?))
}

/// What every page template needs: language, title, the signed-in user, CSRF token.
pub struct Page {
    pub lang: Lang,
    pub title: String,
    pub csrf: String,
    pub path: String,
    pub user: Option<UserBadge>,
}

pub struct UserBadge {
    pub name: String,
    pub role_label: String,
}

use parcours_app::appointments::{MONTHS_EN, MONTHS_FR};

/// 1584 -> "1 584" in French (narrow no-break space), "1,584" in English.
pub fn format_count(lang: Lang, n: u64) -> String {
    let digits = n.to_string();
    let sep = match lang {
        Lang::Fr => '\u{202f}',
        Lang::En => ',',
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A decimal as the page's language writes it: "87,9" in French, "87.9" in English.
pub fn format_decimal(lang: Lang, x: f64, places: usize) -> String {
    let n = format!("{x:.places$}");
    match lang {
        Lang::Fr => n.replace('.', ","),
        Lang::En => n,
    }
}

/// A percentage: "87,9 %" (no-break space) in French, "87.9%" in English.
pub fn format_percent(lang: Lang, pc: f64) -> String {
    let n = format_decimal(lang, pc, 1);
    match lang {
        Lang::Fr => format!("{n}\u{a0}%"),
        Lang::En => format!("{n}%"),
    }
}

/// A number as a template holds it: by value or behind the references askama adds.
pub trait Decimal {
    fn value(&self) -> f64;
}

impl Decimal for f64 {
    fn value(&self) -> f64 {
        *self
    }
}

impl<T: Decimal + ?Sized> Decimal for &T {
    fn value(&self) -> f64 {
        (**self).value()
    }
}

impl Page {
    /// `format_decimal` in the page's language, for templates.
    pub fn decimal(&self, x: impl Decimal, places: u8) -> String {
        format_decimal(self.lang, x.value(), usize::from(places))
    }

    /// `format_percent` in the page's language, for templates.
    pub fn percent(&self, pc: impl Decimal) -> String {
        format_percent(self.lang, pc.value())
    }

    pub fn new(ctx: &Ctx, title: String) -> Self {
        let lang = ctx.lang;
        Page {
            lang,
            title,
            csrf: ctx.csrf.clone(),
            path: ctx.path.clone(),
            user: ctx.actor.as_ref().map(|a| UserBadge {
                name: a.display_name.clone(),
                role_label: lang.t(&format!("role-{}", a.role.code())),
            }),
        }
    }

    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    pub fn ta(&self, key: &str, name: &'static str, value: impl Display) -> String {
        self.lang
            .t_args(key, &[(name, FluentValue::from(value.to_string()))])
    }

    pub fn ta2(
        &self,
        key: &str,
        n1: &'static str,
        v1: impl Display,
        n2: &'static str,
        v2: impl Display,
    ) -> String {
        self.lang.t_args(
            key,
            &[
                (n1, FluentValue::from(v1.to_string())),
                (n2, FluentValue::from(v2.to_string())),
            ],
        )
    }

    /// A message with several variables.
    pub fn tn(&self, key: &str, args: &[(&'static str, String)]) -> String {
        let args: Vec<(&'static str, FluentValue<'static>)> = args
            .iter()
            .map(|(name, value)| (*name, FluentValue::from(value.clone())))
            .collect();
        self.lang.t_args(key, &args)
    }

    /// A code's label from the `{prefix}-{code}` message.
    pub fn coded(&self, prefix: &str, code: &str) -> String {
        self.lang.t(&format!("{prefix}-{code}"))
    }

    pub fn user_name(&self) -> String {
        self.user
            .as_ref()
            .map(|u| u.name.clone())
            .unwrap_or_default()
    }

    /// What a consent was given for, in words.
    pub fn consent_scope(&self, scope: &str) -> String {
        self.t(&format!("consent-scope-{scope}"))
    }

    pub fn phase(&self, phase: &Phase) -> String {
        self.t(&format!("phase-{}", phase.code()))
    }

    pub fn phase_step(&self, phase: &Phase) -> String {
        self.lang.t_args(
            "beneficiary-phase",
            &[
                ("step", FluentValue::from(phase.step())),
                ("phase", FluentValue::from(self.phase(phase))),
            ],
        )
    }

    pub fn role(&self, role: &Role) -> String {
        self.t(&format!("role-{}", role.code()))
    }

    pub fn count(&self, n: &Option<u64>) -> String {
        match n {
            Some(n) => format_count(self.lang, *n),
            None => self.t("small-cell"),
        }
    }

    pub fn count_people(&self, n: usize) -> String {
        self.lang
            .t_args("coach-caseload-count", &[("count", FluentValue::from(n))])
    }

    pub fn audit_action(&self, action: &str) -> String {
        let key = format!("audit-{}", action.replace('.', "-"));
        if self.lang.has(&key) {
            self.t(&key)
        } else {
            action.to_owned()
        }
    }

    fn at(ms: i64) -> Option<time::OffsetDateTime> {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
    }

    /// "3 mars 2026" / "3 March 2026".
    pub fn date(&self, ms: &i64) -> String {
        let Some(t) = Self::at(*ms) else {
            return String::new();
        };
        let month = usize::from(u8::from(t.month())) - 1;
        let name = match self.lang {
            Lang::Fr => MONTHS_FR[month],
            Lang::En => MONTHS_EN[month],
        };
        format!("{} {name} {}", t.day(), t.year())
    }

    /// A session time in Paris wall-clock time, with the weekday: what people plan by.
    pub fn session_time(&self, ms: &i64) -> String {
        match self.lang {
            Lang::Fr => format!(
                "{} (heure de Paris)",
                parcours_app::appointments::when_fr(*ms)
            ),
            Lang::En => format!("{} (Paris time)", parcours_app::appointments::when_en(*ms)),
        }
    }

    pub fn datetime(&self, ms: &i64) -> String {
        let Some(t) = Self::at(*ms) else {
            return String::new();
        };
        match self.lang {
            Lang::Fr => format!(
                "{} à {:02}h{:02} (UTC)",
                self.date(ms),
                t.hour(),
                t.minute()
            ),
            Lang::En => format!(
                "{} at {:02}:{:02} (UTC)",
                self.date(ms),
                t.hour(),
                t.minute()
            ),
        }
    }
}

pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// `?saved=…` after a change: the confirmation to show, if any.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: String,
}

impl SavedQuery {
    pub(crate) fn notice(&self, lang: Lang) -> Option<String> {
        (!self.saved.is_empty()).then(|| lang.t("saved-notice"))
    }
}

/// The person a page is about: the signed-in person's own file under `/parcours/…`
/// (`id` None), or the one in the URL under `/beneficiaries/{id}/…`.
pub(crate) async fn page_person(
    state: &AppState,
    actor: &Actor,
    id: Option<PersonId>,
) -> Result<Uuid, HttpError> {
    match id {
        Some(id) => Ok(id.into()),
        None => state
            .app
            .own_person_id(actor)
            .await?
            .ok_or(HttpError::NotFound),
    }
}

/// Where a person-file page sends the reader back: their own journey, or the file's.
/// A time as its calendar date in Paris, YYYY-MM-DD (exports).
pub(crate) fn iso_date(ms: i64) -> String {
    let local = parcours_domain::appointment::paris_local(ms);
    format!(
        "{:04}-{:02}-{:02}",
        local.year(),
        u8::from(local.month()),
        local.day()
    )
}

pub(crate) fn journey_href(is_self: bool, person: Uuid) -> String {
    if is_self {
        "/parcours".to_owned()
    } else {
        format!("/beneficiaries/{person}/parcours")
    }
}

/// Back to the same page after a change, saying it is saved: the person's own page
/// (`own_path`) or the staff one (`/beneficiaries/{person}/{staff_path}`), then `anchor`.
pub(crate) async fn saved_redirect(
    state: &AppState,
    actor: &Actor,
    person: Uuid,
    own_path: &str,
    staff_path: &str,
    anchor: &str,
) -> PageResult {
    let own = state.app.own_person_id(actor).await? == Some(person);
    let base = if own {
        own_path.to_owned()
    } else {
        format!("/beneficiaries/{person}/{staff_path}")
    };
    Ok(see_other(&format!("{base}?saved=1{anchor}")))
}

/// The messages of refused fields, from the `{prefix}-error-{field}-{code}` keys.
pub(crate) fn field_messages(lang: Lang, prefix: &str, errors: &[FieldError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            lang.t(&format!(
                "{prefix}-error-{}-{}",
                e.field.replace('_', "-"),
                e.code.replace('_', "-")
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_use_each_language_separator() {
        assert_eq!(format_count(Lang::Fr, 1584), "1\u{202f}584");
        assert_eq!(format_count(Lang::En, 1234567), "1,234,567");
        assert_eq!(format_count(Lang::Fr, 999), "999");
    }
}
