//! A person's file: contact details, milestones consent, and the page the workspace's
//! forms come back to when refused.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use fluent_templates::fluent_bundle::FluentValue;
use parcours_app::AppError;
use parcours_app::people::{ContactInput, PersonFile};
use parcours_domain::Role;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::HttpError;
use crate::i18n::Lang;
use crate::kit::{ErrorItem, Field, IdPath, Page, PageResult, attach_errors, render, see_other};
use crate::routes::Routes;
use axum::routing::{get, post};
use parcours_app::auth::Actor;
use parcours_domain::ids::PersonId;

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    p: Page,
    file: PersonFile,
    notice: Option<String>,
    errors: Vec<ErrorItem>,
    fields: Vec<Field>,
    can_edit: bool,
    show_audit: bool,
    /// Refusals of the workspace's forms (notes, transfer).
    ws_errors: Vec<String>,
    note_draft: String,
    current_coach_name: Option<String>,
    /// For the shares table: staff see them, only the person withdraws them.
    now: i64,
    can_revoke: bool,
    /// The person's own file: do they let their referrer see their steps?
    milestones: Option<bool>,
}

/// Only same-site paths are followed after sign-in or a language switch (see

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct PersonQuery {
    saved: Option<String>,
}

fn contact_fields(lang: Lang, email: &str, phone: &str, commune: &str) -> Vec<Field> {
    vec![
        Field::new(lang, "email", "person-email", "email", "off").value(email),
        Field::new(lang, "phone", "person-phone", "tel", "off").value(phone),
        Field::new(lang, "commune_code", "person-commune", "text", "off")
            .value(commune)
            .hint(lang, "person-commune-hint"),
    ]
}

/// What the workspace's forms send back with a refusal: the messages and the draft.
#[derive(Debug, Default)]
pub(crate) struct WorkspaceRefusal {
    pub messages: Vec<String>,
    pub note_draft: String,
}

fn person_page(
    ctx: &Ctx,
    actor: &Actor,
    file: PersonFile,
    fields: Vec<Field>,
    errors: Vec<ErrorItem>,
    notice: Option<String>,
) -> Result<PersonPage, HttpError> {
    file_page(
        ctx,
        actor,
        file,
        fields,
        errors,
        notice,
        WorkspaceRefusal::default(),
    )
}

/// The person's file with a refusal of one of the workspace's forms.
pub(crate) async fn file_with_refusal(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    person: Uuid,
    refusal: WorkspaceRefusal,
) -> PageResult {
    let file = state.app.person_file(actor, person).await?;
    let p = &file.person;
    let fields = contact_fields(
        ctx.lang,
        p.email.as_deref().unwrap_or(""),
        p.phone.as_deref().unwrap_or(""),
        p.commune_code.as_deref().unwrap_or(""),
    );
    let page = file_page(ctx, actor, file, fields, Vec::new(), None, refusal)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

fn file_page(
    ctx: &Ctx,
    actor: &Actor,
    file: PersonFile,
    fields: Vec<Field>,
    errors: Vec<ErrorItem>,
    notice: Option<String>,
    refusal: WorkspaceRefusal,
) -> Result<PersonPage, HttpError> {
    let name = format!("{} {}", file.person.first_name, file.person.last_name);
    let can_edit = matches!(actor.role, Role::Coach | Role::Beneficiary);
    let show_audit = actor.role != Role::Beneficiary;
    Ok(PersonPage {
        p: Page::new(
            ctx,
            ctx.lang
                .t_args("person-title", &[("name", FluentValue::from(name))]),
        ),
        notice,
        errors,
        fields,
        can_edit,
        show_audit,
        ws_errors: refusal.messages,
        note_draft: refusal.note_draft,
        current_coach_name: file.enrolments.last().and_then(|e| e.coach_name.clone()),
        now: ctx.now,
        can_revoke: false,
        milestones: None,
        file,
    })
}

pub async fn person(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Query(q): Query<PersonQuery>,
) -> PageResult {
    let file = state.app.person_file(&actor, id.into()).await?;
    let person = &file.person;
    let fields = contact_fields(
        ctx.lang,
        person.email.as_deref().unwrap_or(""),
        person.phone.as_deref().unwrap_or(""),
        person.commune_code.as_deref().unwrap_or(""),
    );
    let notice = q.saved.map(|_| ctx.lang.t("person-saved"));
    let own = actor.role == Role::Beneficiary;
    let person_id = file.person.id;
    let mut page = person_page(&ctx, &actor, file, fields, Vec::new(), notice)?;
    if own {
        page.milestones = state.app.milestones_consent(&actor, person_id).await?;
    }
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ContactForm {
    email: String,
    phone: String,
    commune_code: String,
}

pub async fn update_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Form(form): Form<ContactForm>,
) -> PageResult {
    let id = id.uuid();
    let input = ContactInput {
        email: form.email.clone(),
        phone: form.phone.clone(),
        commune_code: form.commune_code.clone(),
    };
    match state.app.update_contact(&actor, id, &input).await {
        Ok(()) => Ok(see_other(&format!("/beneficiaries/{id}?saved=1"))),
        Err(AppError::Invalid(errors)) => {
            let file = state.app.person_file(&actor, id).await?;
            let mut fields = contact_fields(ctx.lang, &form.email, &form.phone, &form.commune_code);
            let errors = attach_errors(ctx.lang, &mut fields, &errors);
            let page = person_page(&ctx, &actor, file, fields, errors, None)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct MilestonesForm {
    /// "yes" to let the referrer see the steps, anything else to stop.
    share: String,
}

pub async fn milestones(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Form(form): Form<MilestonesForm>,
) -> PageResult {
    let id = id.uuid();
    state
        .app
        .set_milestones_consent(&actor, id, form.share == "yes")
        .await?;
    Ok(see_other(&format!("/beneficiaries/{id}?saved=1#referrer")))
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/beneficiaries/{id}", get(person))
        .route("/beneficiaries/{id}/contact", post(update_contact))
        .route("/beneficiaries/{id}/orienteur", post(milestones))
}
