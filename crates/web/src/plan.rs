//! The action plan page, shared by the person and their coach, and its API.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_app::auth::Actor;
use parcours_app::plan::PlanView;
use parcours_domain::ids::{ActionId, ObjectiveId, PersonId};
use parcours_domain::plan::{ActionOwner, ActionStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::{HttpError, parse_choice};
use crate::i18n::Lang;
use crate::kit::{
    IdPath, Page, PageResult, SavedQuery, field_messages, journey_href, page_person, render,
    saved_redirect,
};
use crate::routes::Routes;
use axum::routing::{get, post};
use utoipa_axum::routes;

fn status_label(lang: Lang, s: ActionStatus) -> String {
    lang.t(&format!("plan-status-{}", s.code()))
}

fn owner_label(lang: Lang, o: ActionOwner) -> String {
    lang.t(match o {
        ActionOwner::Person => "plan-owner-person",
        ActionOwner::Coach => "plan-owner-coach",
    })
}

struct ActionRow {
    id: Uuid,
    title: String,
    owner: String,
    due: String,
    status: String,
    status_code: &'static str,
}

struct ObjectiveBox {
    id: Uuid,
    title: String,
    actions: Vec<ActionRow>,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    p: Page,
    is_self: bool,
    can_work: bool,
    person_id: Uuid,
    person_name: String,
    notice: Option<String>,
    errors: Vec<String>,
    objectives: Vec<ObjectiveBox>,
    statuses: Vec<(&'static str, String)>,
    back_href: String,
}

fn plan_page(ctx: &Ctx, view: PlanView, notice: Option<String>, errors: Vec<String>) -> PlanPage {
    let lang = ctx.lang;
    let p = Page::new(ctx, lang.t("plan-title"));
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let due = |raw: &str| {
        time::Date::parse(raw, &format)
            .ok()
            .and_then(|d| d.midnight().assume_utc().unix_timestamp().checked_mul(1000))
            .map_or_else(|| raw.to_owned(), |ms| p.date(&ms))
    };
    PlanPage {
        is_self: view.is_self,
        can_work: view.can_work,
        person_id: view.person.id,
        person_name: format!("{} {}", view.person.first_name, view.person.last_name),
        notice,
        errors,
        objectives: view
            .objectives
            .iter()
            .map(|o| ObjectiveBox {
                id: o.id,
                title: o.title.clone(),
                actions: o
                    .actions
                    .iter()
                    .map(|a| ActionRow {
                        id: a.id,
                        title: a.title.clone(),
                        owner: owner_label(lang, a.owner),
                        due: due(&a.due_on),
                        status: status_label(lang, a.status),
                        status_code: a.status.code(),
                    })
                    .collect(),
            })
            .collect(),
        statuses: ActionStatus::ALL
            .iter()
            .map(|s| (s.code(), status_label(lang, *s)))
            .collect(),
        back_href: journey_href(view.is_self, view.person.id),
        p,
    }
}

async fn show(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Option<PersonId>,
    q: &SavedQuery,
) -> PageResult {
    let person = page_person(state, actor, id).await?;
    let view = state.app.plan(actor, person).await?;
    Ok(render(&plan_page(ctx, view, q.notice(ctx.lang), Vec::new()))?.into_response())
}

pub async fn own_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show(&state, &ctx, &actor, None, &q).await
}

pub async fn person_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show(&state, &ctx, &actor, Some(id), &q).await
}

async fn after(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    person: Uuid,
    result: Result<(), AppError>,
) -> PageResult {
    match result {
        Ok(()) => saved_redirect(state, actor, person, "/parcours/plan", "plan", "").await,
        Err(AppError::Invalid(errors)) => {
            let view = state.app.plan(actor, person).await?;
            let page = plan_page(ctx, view, None, field_messages(ctx.lang, "plan", &errors));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct ObjectiveForm {
    title: String,
}

pub async fn add_objective(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(person): IdPath<PersonId>,
    axum::Form(form): axum::Form<ObjectiveForm>,
) -> PageResult {
    let person = person.uuid();
    let result = state
        .app
        .add_objective(&actor, person, &form.title)
        .await
        .map(|_| ());
    after(&state, &ctx, &actor, person, result).await
}

#[derive(Debug, Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct ActionForm {
    title: String,
    /// person or coach.
    owner: String,
    /// YYYY-MM-DD.
    due_on: String,
}

fn owner(code: &str) -> Result<ActionOwner, HttpError> {
    parse_choice("owner", code)
}

fn status(code: &str) -> Result<ActionStatus, HttpError> {
    parse_choice("status", code)
}

pub async fn add_action(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath((person, objective)): IdPath<(PersonId, ObjectiveId)>,
    axum::Form(form): axum::Form<ActionForm>,
) -> PageResult {
    let (person, objective) = (person.into(), objective.into());
    // The address names the person: an objective of someone else is not found here.
    if state.app.person_of_objective(&actor, objective).await? != Some(person) {
        return Err(HttpError::NotFound);
    }
    let result = state
        .app
        .add_action(
            &actor,
            objective,
            &form.title,
            owner(&form.owner)?,
            &form.due_on,
        )
        .await
        .map(|_| ());
    after(&state, &ctx, &actor, person, result).await
}

#[derive(Debug, Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct StatusForm {
    /// todo, doing or done.
    status: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath((person, action)): IdPath<(PersonId, ActionId)>,
    axum::Form(form): axum::Form<StatusForm>,
) -> PageResult {
    let (person, action) = (person.into(), action.into());
    if state.app.person_of_action(&actor, action).await? != Some(person) {
        return Err(HttpError::NotFound);
    }
    let result = state
        .app
        .set_action_status(&actor, action, status(&form.status)?)
        .await
        .map(|_| ());
    after(&state, &ctx, &actor, person, result).await
}

// ---------------------------------------------------------------- API

#[derive(Serialize, ToSchema)]
pub struct ActionDto {
    pub id: Uuid,
    pub title: String,
    pub owner: String,
    pub due_on: String,
    pub status: String,
    pub updated_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ObjectiveDto {
    pub id: Uuid,
    pub title: String,
    pub actions: Vec<ActionDto>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanDto {
    pub person_id: Uuid,
    pub objectives: Vec<ObjectiveDto>,
}

/// The action plan: objectives and their actions (owner, due date, status).
#[utoipa::path(get, path = "/api/v1/beneficiaries/{id}/plan",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The plan", body = PlanDto),
        (status = 403, description = "The role may not open this file"),
        (status = 404, description = "No such person in your organisation")
))]
pub async fn api_plan(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> Result<Json<PlanDto>, HttpError> {
    let view = state.app.plan(&actor, id.into()).await?;
    Ok(Json(PlanDto {
        person_id: view.person.id,
        objectives: view
            .objectives
            .iter()
            .map(|o| ObjectiveDto {
                id: o.id,
                title: o.title.clone(),
                actions: o
                    .actions
                    .iter()
                    .map(|a| ActionDto {
                        id: a.id,
                        title: a.title.clone(),
                        owner: a.owner.code().to_owned(),
                        due_on: a.due_on.clone(),
                        status: a.status.code().to_owned(),
                        updated_at: a.updated_at,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CreatedId {
    pub id: Uuid,
}

/// Adds an objective to the plan.
#[utoipa::path(post, path = "/api/v1/beneficiaries/{id}/plan/objectives",
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = ObjectiveForm,
    responses(
        (status = 201, description = "Added", body = CreatedId),
        (status = 403, description = "Only the person and their coach change the plan"),
        (status = 422, description = "Empty or too long", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_add_objective(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Json(form): Json<ObjectiveForm>,
) -> Result<(StatusCode, Json<CreatedId>), HttpError> {
    let id = state
        .app
        .add_objective(&actor, id.into(), &form.title)
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedId { id })))
}

/// Adds an action under an objective.
#[utoipa::path(post, path = "/api/v1/plan/objectives/{id}/actions",
    params(("id" = Uuid, Path, description = "Objective id")),
    request_body = ActionForm,
    responses(
        (status = 201, description = "Added", body = CreatedId),
        (status = 403, description = "Only the person and their coach change the plan"),
        (status = 404, description = "No such objective in your organisation"),
        (status = 422, description = "Empty title, unknown owner or bad date", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_add_action(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ObjectiveId>,
    Json(form): Json<ActionForm>,
) -> Result<(StatusCode, Json<CreatedId>), HttpError> {
    let id = state
        .app
        .add_action(
            &actor,
            id.into(),
            &form.title,
            owner(&form.owner)?,
            &form.due_on,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedId { id })))
}

/// Moves an action to todo, doing or done.
#[utoipa::path(put, path = "/api/v1/plan/actions/{id}/status",
    params(("id" = Uuid, Path, description = "Action id")),
    request_body = StatusForm,
    responses(
        (status = 204, description = "Saved"),
        (status = 403, description = "Only the person and their coach change the plan"),
        (status = 404, description = "No such action in your organisation"),
        (status = 422, description = "Unknown status", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_set_status(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ActionId>,
    Json(form): Json<StatusForm>,
) -> Result<StatusCode, HttpError> {
    state
        .app
        .set_action_status(&actor, id.into(), status(&form.status)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/parcours/plan", get(own_plan))
        .route("/beneficiaries/{id}/plan", get(person_plan))
        .route("/beneficiaries/{id}/plan/objectifs", post(add_objective))
        .route(
            "/beneficiaries/{id}/plan/objectifs/{objective}/actions",
            post(add_action),
        )
        .route(
            "/beneficiaries/{id}/plan/actions/{action}",
            post(set_status),
        )
        .api(routes!(api_plan))
        .api(routes!(api_add_objective))
        .api(routes!(api_add_action))
        .api(routes!(api_set_status))
}
