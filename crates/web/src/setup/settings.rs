//! The operator's organisation settings page (administrators only): plain fields in
//! four groups; a refused save shows each error by its field and keeps what was typed.

use crate::context::SignedIn;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::setup::SettingsInput;
use parcours_app::{AppError, FieldError};
use serde::Deserialize;

use super::SETTINGS_PATH;
use crate::AppState;
use crate::context::Ctx;
use crate::i18n::Lang;
use crate::kit::{ErrorItem, Page, PageResult, SavedQuery, render, see_other};

/// One input or text area, with its label, hint and error.
pub(super) struct SettingField {
    pub name: &'static str,
    pub label: String,
    pub hint: Option<String>,
    pub error: Option<String>,
    pub value: String,
    /// `text`, `email`, `tel`, `number`, or `textarea`.
    pub kind: &'static str,
    pub rows: u8,
    pub autocomplete: &'static str,
    pub inputmode: &'static str,
    pub required: bool,
}

impl SettingField {
    fn new(lang: Lang, name: &'static str, kind: &'static str, value: &str) -> Self {
        let hint_key = format!("setup-field-{name}-hint");
        SettingField {
            name,
            label: lang.t(&format!("setup-field-{name}")),
            hint: lang.has(&hint_key).then(|| lang.t(&hint_key)),
            error: None,
            value: value.to_owned(),
            kind,
            rows: 3,
            autocomplete: "",
            inputmode: "",
            required: false,
        }
    }

    fn rows(mut self, rows: u8) -> Self {
        self.rows = rows;
        self
    }

    fn autocomplete(mut self, v: &'static str) -> Self {
        self.autocomplete = v;
        self
    }

    fn inputmode(mut self, v: &'static str) -> Self {
        self.inputmode = v;
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

pub(super) struct FieldGroup {
    pub legend: String,
    pub fields: Vec<SettingField>,
}

#[derive(Template)]
#[template(path = "setup/settings.html")]
struct SettingsPage {
    p: Page,
    notice: Option<String>,
    errors: Vec<ErrorItem>,
    action: &'static str,
    groups: Vec<FieldGroup>,
}

fn groups(lang: Lang, v: &SettingsInput) -> Vec<FieldGroup> {
    let group = |key: &str, fields| FieldGroup {
        legend: lang.t(key),
        fields,
    };
    let mut name = SettingField::new(lang, "name", "text", &v.name).autocomplete("organization");
    name.required = true;
    vec![
        group(
            "setup-group-identity",
            vec![
                name,
                SettingField::new(lang, "siret", "text", &v.siret)
                    .inputmode("numeric")
                    .autocomplete("off"),
                SettingField::new(lang, "address", "textarea", &v.address).rows(3),
            ],
        ),
        group(
            "setup-group-contacts",
            vec![
                SettingField::new(lang, "contact_email", "email", &v.contact_email)
                    .autocomplete("email"),
                SettingField::new(lang, "contact_phone", "tel", &v.contact_phone)
                    .autocomplete("tel"),
                SettingField::new(lang, "dpo_contact", "textarea", &v.dpo_contact).rows(2),
                SettingField::new(lang, "host", "textarea", &v.host).rows(3),
            ],
        ),
        group(
            "setup-group-texts",
            vec![
                SettingField::new(lang, "privacy_notice", "textarea", &v.privacy_notice).rows(14),
                SettingField::new(
                    lang,
                    "accessibility_statement",
                    "textarea",
                    &v.accessibility_statement,
                )
                .rows(14),
            ],
        ),
        group(
            "setup-group-reports",
            vec![SettingField::new(lang, "min_cell", "number", &v.min_cell).inputmode("numeric")],
        ),
    ]
}

/// A refused field's message: `setup-error-{field}-{code}`, or the generic one.
fn error_message(lang: Lang, e: &FieldError) -> String {
    let key = format!("setup-error-{}-{}", e.field, e.code);
    if lang.has(&key) {
        lang.t(&key)
    } else {
        lang.t("error-generic-invalid")
    }
}

fn page(
    ctx: &Ctx,
    input: &SettingsInput,
    notice: Option<String>,
    refused: &[FieldError],
) -> PageResult {
    let lang = ctx.lang;
    let mut groups = groups(lang, input);
    let mut errors = Vec::new();
    for e in refused {
        let message = error_message(lang, e);
        if let Some(f) = groups
            .iter_mut()
            .flat_map(|g| g.fields.iter_mut())
            .find(|f| f.name == e.field)
        {
            f.error = Some(message.clone());
        }
        errors.push(ErrorItem {
            field: e.field,
            message,
        });
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = SettingsPage {
        p: Page::new(ctx, lang.t("setup-settings-title")),
        notice,
        errors,
        action: SETTINGS_PATH,
        groups,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn settings(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let current = state.app.organisation_settings(&actor).await?;
    page(
        &ctx,
        &SettingsInput::from(&current),
        q.notice(ctx.lang),
        &[],
    )
}

/// The form's fields, by name (what the browser sends).
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    name: String,
    siret: String,
    address: String,
    contact_email: String,
    contact_phone: String,
    dpo_contact: String,
    host: String,
    privacy_notice: String,
    accessibility_statement: String,
    min_cell: String,
}

pub async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    axum::Form(form): axum::Form<SettingsForm>,
) -> PageResult {
    let input = SettingsInput {
        name: form.name,
        siret: form.siret,
        address: form.address,
        contact_email: form.contact_email,
        contact_phone: form.contact_phone,
        dpo_contact: form.dpo_contact,
        host: form.host,
        privacy_notice: form.privacy_notice,
        accessibility_statement: form.accessibility_statement,
        min_cell: form.min_cell,
    };
    match state.app.save_organisation_settings(&actor, &input).await {
        Ok(()) => Ok(see_other(&format!("{SETTINGS_PATH}?saved=1"))),
        // What was typed comes back, each error next to its field.
        Err(AppError::Invalid(errors)) => page(&ctx, &input, None, &errors),
        Err(e) => Err(e.into()),
    }
}
