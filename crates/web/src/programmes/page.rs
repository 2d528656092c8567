//! The programme pages: `/programmes` (list and create), `/programmes/{id}/modifier`
//! (edit), its state and its cohorts. Plain forms: a refused field is named next to it
//! and what was typed stays.

use crate::context::SignedIn;
use crate::kit::IdPath;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::auth::Actor;
use parcours_app::programmes::{ProgrammeChoices, ProgrammeDetails, ProgrammeInput, STATUSES};
use parcours_app::{AppError, FieldError};
use uuid::Uuid;

use crate::AppState;
use crate::context::Ctx;
use crate::i18n::Lang;
use crate::kit::{
    ErrorItem, Field, Page, PageResult, SavedQuery, attach_errors, render, see_other,
};

/// A programme's form as strings: what is stored, or what was typed.
#[derive(Debug, Clone, Default)]
pub(super) struct Values {
    name: String,
    slug: String,
    funder_id: String,
    starts_on: String,
    ends_on: String,
    co_pilots: String,
    departements: String,
    publics: Vec<String>,
    min_age: String,
    max_age: String,
    min_cell: String,
    coach_ids: Vec<String>,
    copilot_ids: Vec<String>,
    quotas: Vec<(String, String)>,
}

fn opt(n: Option<i32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

impl Values {
    fn of(d: &ProgrammeDetails) -> Self {
        Values {
            name: d.name.clone(),
            slug: d.slug.clone(),
            funder_id: d.funder_id.map(|f| f.to_string()).unwrap_or_default(),
            starts_on: d.rules.starts_on.clone().unwrap_or_default(),
            ends_on: d.rules.ends_on.clone().unwrap_or_default(),
            co_pilots: d.rules.co_pilots.clone().unwrap_or_default(),
            departements: d.rules.departements.join("; "),
            publics: d.rules.publics.clone(),
            min_age: opt(d.rules.min_age),
            max_age: opt(d.rules.max_age),
            min_cell: opt(d.min_cell),
            coach_ids: d.coach_ids.iter().map(Uuid::to_string).collect(),
            copilot_ids: d.copilot_ids.iter().map(Uuid::to_string).collect(),
            quotas: d
                .referrers
                .iter()
                .map(|r| (r.organisation_id.to_string(), opt(r.quota)))
                .collect(),
        }
    }

    fn from_form(fields: Vec<(String, String)>) -> Self {
        let mut v = Values::default();
        for (name, value) in fields {
            match name.as_str() {
                "name" => v.name = value,
                "slug" => v.slug = value,
                "funder_id" => v.funder_id = value,
                "starts_on" => v.starts_on = value,
                "ends_on" => v.ends_on = value,
                "co_pilots" => v.co_pilots = value,
                "departements" => v.departements = value,
                "publics" => v.publics.push(value),
                "min_age" => v.min_age = value,
                "max_age" => v.max_age = value,
                "min_cell" => v.min_cell = value,
                "coach_ids" => v.coach_ids.push(value),
                "copilot_ids" => v.copilot_ids.push(value),
                other => {
                    if let Some(org) = other.strip_prefix("quota_") {
                        v.quotas.push((org.to_owned(), value));
                    }
                }
            }
        }
        v
    }

    /// The edit form sends every field; an empty quota of an organisation that is not
    /// yet a referrer of the programme does not make it one.
    fn edit_input(&self, current: &ProgrammeDetails) -> ProgrammeInput {
        let referrer = |org: &str| {
            current
                .referrers
                .iter()
                .any(|r| r.organisation_id.to_string() == org)
        };
        ProgrammeInput {
            name: Some(self.name.clone()),
            slug: Some(self.slug.clone()),
            funder_id: Some(self.funder_id.clone()),
            starts_on: Some(self.starts_on.clone()),
            ends_on: Some(self.ends_on.clone()),
            co_pilots: Some(self.co_pilots.clone()),
            copilot_ids: Some(self.copilot_ids.clone()),
            departements: Some(self.departements.clone()),
            publics: Some(self.publics.clone()),
            min_age: Some(self.min_age.clone()),
            max_age: Some(self.max_age.clone()),
            min_cell: Some(self.min_cell.clone()),
            coach_ids: Some(self.coach_ids.clone()),
            quotas: Some(
                self.quotas
                    .iter()
                    .filter(|(org, q)| !q.trim().is_empty() || referrer(org))
                    .cloned()
                    .collect(),
            ),
            status: None,
        }
    }

    fn create_input(&self) -> ProgrammeInput {
        ProgrammeInput {
            name: Some(self.name.clone()),
            slug: Some(self.slug.clone()),
            funder_id: Some(self.funder_id.clone()),
            starts_on: Some(self.starts_on.clone()),
            ends_on: Some(self.ends_on.clone()),
            ..ProgrammeInput::default()
        }
    }
}

/// The inputs every programme form has, with their values and errors.
fn main_fields(lang: Lang, v: &Values) -> Vec<Field> {
    vec![
        Field::new(lang, "name", "programmes-name", "text", "off")
            .value(&v.name)
            .required(),
        Field::new(lang, "slug", "programmes-slug", "text", "off")
            .value(&v.slug)
            .hint(lang, "programmes-slug-hint")
            .required(),
        Field::new(lang, "starts_on", "programme-starts", "date", "off")
            .value(&v.starts_on)
            .required(),
        Field::new(lang, "ends_on", "programme-ends", "date", "off")
            .value(&v.ends_on)
            .required(),
    ]
}

fn field_error(items: &[ErrorItem], field: &str) -> Option<String> {
    items
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

fn status_of(errors: &[FieldError]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

// ------------------------------------------------------------------ list and create

#[derive(Template)]
#[template(path = "programmes/list.html")]
struct ListPage {
    p: Page,
    notice: Option<String>,
    errors: Vec<ErrorItem>,
    lines: Vec<(Uuid, String, String, String)>,
    fields: Vec<Field>,
    funders: Vec<(String, String)>,
    funder_id: String,
    funder_error: Option<String>,
}

impl ListPage {
    fn is_funder(&self, id: &str) -> bool {
        self.funder_id == id
    }
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    notice: Option<String>,
    v: &Values,
    errors: &[FieldError],
) -> PageResult {
    let lang = ctx.lang;
    let lines = state
        .app
        .programme_lines(actor)
        .await?
        .into_iter()
        .map(|l| {
            let dates = match (l.starts_on, l.ends_on) {
                (Some(a), Some(b)) => format!("{a} → {b}"),
                _ => String::new(),
            };
            (
                l.id,
                l.name,
                lang.t(&format!("programmes-status-{}", l.status)),
                dates,
            )
        })
        .collect();
    let choices = state.app.programme_choices(actor).await?;
    let mut fields = main_fields(lang, v);
    let items = attach_errors(lang, &mut fields, errors);
    let page = ListPage {
        p: Page::new(ctx, lang.t("programmes-title")),
        notice,
        lines,
        fields,
        funders: choices
            .funders
            .into_iter()
            .map(|f| (f.id.to_string(), f.name))
            .collect(),
        funder_id: v.funder_id.clone(),
        funder_error: field_error(&items, "funder_id"),
        errors: items,
    };
    Ok((status_of(errors), render(&page)?).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    list_page(
        &state,
        &ctx,
        &actor,
        q.notice(ctx.lang),
        &Values::default(),
        &[],
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let v = Values::from_form(fields);
    match state.app.create_programme(&actor, &v.create_input()).await {
        Ok(id) => Ok(see_other(&format!("/programmes/{id}/modifier?saved=1"))),
        Err(AppError::Invalid(errors)) => list_page(&state, &ctx, &actor, None, &v, &errors).await,
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------ edit

#[derive(Template)]
#[template(path = "programmes/edit.html")]
struct EditPage {
    p: Page,
    notice: Option<String>,
    errors: Vec<ErrorItem>,
    details: ProgrammeDetails,
    v: Values,
    fields: Vec<Field>,
    choices: ProgrammeChoices,
    publics: Vec<(&'static str, String)>,
    statuses: Vec<(&'static str, String)>,
    /// Each field's message, for the inputs drawn by hand (selects, lists).
    messages: Vec<(&'static str, String)>,
    cohort_name: String,
    cohort_starts_on: String,
}

impl EditPage {
    fn error(&self, field: &str) -> Option<String> {
        self.messages
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
    }
    fn archived(&self) -> bool {
        self.details.status == "archived"
    }
    fn is_funder(&self, id: &str) -> bool {
        self.v.funder_id == id
    }
    fn has_public(&self, code: &str) -> bool {
        self.v.publics.iter().any(|p| p == code)
    }
    fn has_coach(&self, id: &Uuid) -> bool {
        self.v.coach_ids.iter().any(|c| *c == id.to_string())
    }
    fn has_copilot(&self, id: &Uuid) -> bool {
        self.v.copilot_ids.iter().any(|c| *c == id.to_string())
    }
    fn quota_of(&self, id: &Uuid) -> String {
        self.v
            .quotas
            .iter()
            .find(|(o, _)| *o == id.to_string())
            .map(|(_, q)| q.clone())
            .unwrap_or_default()
    }
    fn standing_of(&self, id: &Uuid) -> u64 {
        self.details
            .referrers
            .iter()
            .find(|r| r.organisation_id == *id)
            .map_or(0, |r| r.standing)
    }
    fn status_label(&self) -> String {
        self.p
            .t(&format!("programmes-status-{}", self.details.status))
    }
    fn is_status(&self, code: &str) -> bool {
        self.details.status == code
    }
}

struct Typed {
    values: Option<Values>,
    cohort: (String, String),
}

async fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    notice: Option<String>,
    typed: Typed,
    errors: &[FieldError],
) -> PageResult {
    let lang = ctx.lang;
    let details = state.app.programme_details(actor, id).await?;
    let choices = state.app.programme_choices(actor).await?;
    let v = typed.values.unwrap_or_else(|| Values::of(&details));
    let mut fields = main_fields(lang, &v);
    fields.push(
        Field::new(lang, "min_cell", "programmes-min-cell", "number", "off")
            .value(&v.min_cell)
            .hint(lang, "programmes-min-cell-hint"),
    );
    let items = attach_errors(lang, &mut fields, errors);
    let messages = items.iter().map(|e| (e.field, e.message.clone())).collect();
    let page = EditPage {
        p: Page::new(
            ctx,
            lang.t_args(
                "programmes-edit-of",
                &[(
                    "name",
                    fluent_templates::fluent_bundle::FluentValue::from(details.name.clone()),
                )],
            ),
        ),
        notice,
        errors: items,
        details,
        v,
        fields,
        choices,
        publics: parcours_domain::referral::Public::ALL
            .iter()
            .map(|p| {
                (
                    p.code(),
                    lang.t(&format!("public-{}", p.code().replace('_', "-"))),
                )
            })
            .collect(),
        statuses: STATUSES
            .iter()
            .map(|s| (*s, lang.t(&format!("programmes-status-{s}"))))
            .collect(),
        messages,
        cohort_name: typed.cohort.0,
        cohort_starts_on: typed.cohort.1,
    };
    Ok((status_of(errors), render(&page)?).into_response())
}

pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let typed = Typed {
        values: None,
        cohort: Default::default(),
    };
    edit_page(&state, &ctx, &actor, id, q.notice(ctx.lang), typed, &[]).await
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = &actor;
    let current = state.app.programme_details(actor, id).await?;
    let v = Values::from_form(fields);
    match state
        .app
        .update_programme(actor, id, &v.edit_input(&current))
        .await
    {
        Ok(()) => Ok(see_other(&format!("/programmes/{id}/modifier?saved=1"))),
        Err(AppError::Invalid(errors)) => {
            let typed = Typed {
                values: Some(v),
                cohort: Default::default(),
            };
            edit_page(&state, &ctx, actor, id, None, typed, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

/// Opens, closes or archives the programme.
pub async fn set_status(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
    axum::Form(form): axum::Form<StatusForm>,
) -> PageResult {
    let input = ProgrammeInput {
        status: Some(form.status),
        ..ProgrammeInput::default()
    };
    match state.app.update_programme(&actor, id, &input).await {
        Ok(()) => Ok(see_other(&format!("/programmes/{id}/modifier?saved=1"))),
        Err(AppError::Invalid(errors)) => {
            let typed = Typed {
                values: None,
                cohort: Default::default(),
            };
            edit_page(&state, &ctx, &actor, id, None, typed, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct CohortForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    starts_on: String,
}

pub async fn open_cohort(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
    axum::Form(form): axum::Form<CohortForm>,
) -> PageResult {
    match state
        .app
        .open_cohort(&actor, id, &form.name, &form.starts_on)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/programmes/{id}/modifier?saved=1"))),
        Err(AppError::Invalid(errors)) => {
            // The cohort form's fields are named apart from the programme's.
            let errors: Vec<FieldError> = errors
                .into_iter()
                .map(|e| FieldError {
                    field: match e.field {
                        "name" => "cohort_name",
                        "starts_on" => "cohort_starts_on",
                        other => other,
                    },
                    code: e.code,
                })
                .collect();
            let typed = Typed {
                values: None,
                cohort: (form.name, form.starts_on),
            };
            edit_page(&state, &ctx, &actor, id, None, typed, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}
