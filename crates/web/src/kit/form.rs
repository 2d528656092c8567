//! Forms: one input (`Field`) with its label and error, the list of refused fields,
//! and the plain one-form page (`FormPage`) that sign-in, reset and join share.

use askama::Template;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::FieldError;

use super::*;
use crate::context::Ctx;
use crate::i18n::Lang;

/// One input of a form, with its label, hint and error.
pub struct Field {
    pub name: &'static str,
    pub label: String,
    pub kind: &'static str,
    pub value: String,
    pub hint: Option<String>,
    pub error: Option<String>,
    pub autocomplete: &'static str,
    pub required: bool,
}

impl Field {
    pub fn new(
        lang: Lang,
        name: &'static str,
        label_key: &str,
        kind: &'static str,
        autocomplete: &'static str,
    ) -> Self {
        Field {
            name,
            label: lang.t(label_key),
            kind,
            value: String::new(),
            hint: None,
            error: None,
            autocomplete,
            required: false,
        }
    }

    pub fn value(mut self, v: &str) -> Self {
        self.value = v.to_owned();
        self
    }

    pub fn hint(mut self, lang: Lang, key: &str) -> Self {
        self.hint = Some(lang.t(key));
        self
    }

    pub(crate) fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }
}

pub struct ErrorItem {
    pub field: &'static str,
    pub message: String,
}

fn error_message(lang: Lang, e: &FieldError) -> String {
    let key = format!("error-{}-{}", e.field, e.code);
    if lang.has(&key) {
        lang.t(&key)
    } else {
        lang.t("error-generic-invalid")
    }
}

/// Puts each error next to its field and lists them all in the summary.
pub fn attach_errors(lang: Lang, fields: &mut [Field], errors: &[FieldError]) -> Vec<ErrorItem> {
    errors
        .iter()
        .map(|e| {
            let message = error_message(lang, e);
            if let Some(f) = fields.iter_mut().find(|f| f.name == e.field) {
                f.error = Some(message.clone());
            }
            ErrorItem {
                field: e.field,
                message,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "form_page.html")]
pub(crate) struct FormPage {
    pub(crate) p: Page,
    pub(crate) notice: Option<String>,
    pub(crate) intro: Option<String>,
    pub(crate) errors: Vec<ErrorItem>,
    pub(crate) show_form: bool,
    pub(crate) action: String,
    pub(crate) hidden: Vec<(&'static str, String)>,
    pub(crate) fields: Vec<Field>,
    pub(crate) submit: String,
    pub(crate) links: Vec<(String, String)>,
}

impl FormPage {
    pub(crate) fn new(
        ctx: &Ctx,
        title_key: &str,
        action: impl Into<String>,
        submit_key: &str,
    ) -> Self {
        FormPage {
            p: Page::new(ctx, ctx.lang.t(title_key)),
            notice: None,
            intro: None,
            errors: Vec::new(),
            show_form: true,
            action: action.into(),
            hidden: Vec::new(),
            fields: Vec::new(),
            submit: ctx.lang.t(submit_key),
            links: Vec::new(),
        }
    }

    pub(crate) fn respond(self, status: StatusCode) -> PageResult {
        Ok((status, render(&self)?).into_response())
    }
}
