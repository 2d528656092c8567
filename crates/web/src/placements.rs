//! Placements: the page where the coach records what became of the person, which the
//! person sees too, and the API.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_app::placements::PlacementsView;
use parcours_domain::placement::{ContractType, PlacementInput, PlacementKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::HttpError;
use crate::kit::{
    IdPath, Page, PageResult, SavedQuery, field_messages, journey_href, page_person, render,
    saved_redirect,
};
use crate::routes::Routes;
use axum::routing::get;
use parcours_app::auth::Actor;
use parcours_domain::ids::PersonId;
use utoipa_axum::routes;

#[derive(Debug, Deserialize, Default, Clone, ToSchema)]
#[serde(default)]
pub struct PlacementForm {
    /// employment | training | business
    pub kind: String,
    /// cdi | cdd | temp | apprenticeship | subsidised (employment)
    pub contract_type: String,
    /// YYYY-MM-DD
    pub starts_on: String,
    /// YYYY-MM-DD; required for cdd and temp
    pub planned_end: String,
    pub weekly_hours: String,
    pub employer_name: String,
    pub training_name: String,
    /// yes | no (training)
    pub qualifying: String,
    pub business_activity: String,
    /// The id of an accepted opportunity request this placement followed (optional).
    pub request: String,
}

impl PlacementForm {
    fn input(&self) -> PlacementInput {
        PlacementInput {
            kind: self.kind.clone(),
            contract_type: self.contract_type.clone(),
            starts_on: self.starts_on.clone(),
            planned_end: self.planned_end.clone(),
            weekly_hours: self.weekly_hours.clone(),
            employer_name: self.employer_name.clone(),
            training_name: self.training_name.clone(),
            qualifying: self.qualifying.clone(),
            business_activity: self.business_activity.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "placements.html")]
struct PlacementsPage {
    p: Page,
    view: PlacementsView,
    notice: Option<String>,
    errors: Vec<String>,
    form: PlacementForm,
    kinds: Vec<(&'static str, String)>,
    contracts: Vec<(&'static str, String)>,
    back_href: String,
}

fn page(
    ctx: &Ctx,
    view: PlacementsView,
    notice: Option<String>,
    errors: Vec<String>,
    form: PlacementForm,
) -> PlacementsPage {
    let lang = ctx.lang;
    PlacementsPage {
        p: Page::new(ctx, lang.t("placements-title")),
        back_href: journey_href(view.is_self, view.person.id),
        view,
        notice,
        errors,
        form,
        kinds: PlacementKind::ALL
            .iter()
            .map(|k| (k.code(), lang.t(&format!("placement-kind-{}", k.code()))))
            .collect(),
        contracts: ContractType::ALL
            .iter()
            .map(|c| (c.code(), lang.t(&format!("contract-{}", c.code()))))
            .collect(),
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
    let view = state.app.placements(actor, person).await?;
    let page = page(
        ctx,
        view,
        q.notice(ctx.lang),
        Vec::new(),
        PlacementForm::default(),
    );
    Ok(render(&page)?.into_response())
}

pub async fn own(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show(&state, &ctx, &actor, None, &q).await
}

pub async fn of_person(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show(&state, &ctx, &actor, Some(id), &q).await
}

pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    axum::Form(form): axum::Form<PlacementForm>,
) -> PageResult {
    let person = id.uuid();
    match state
        .app
        .record_placement(&actor, person, &form.input(), &form.request)
        .await
    {
        Ok(_) => saved_redirect(&state, &actor, person, "/parcours/sorties", "sorties", "").await,
        Err(AppError::Invalid(errors)) => {
            let view = state.app.placements(&actor, person).await?;
            let messages = field_messages(ctx.lang, "placement", &errors);
            let page = page(&ctx, view, None, messages, form);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize, ToSchema)]
pub struct PlacementDto {
    pub id: Uuid,
    /// employment | training | business
    pub kind: String,
    pub contract_type: Option<String>,
    pub starts_on: String,
    pub planned_end: Option<String>,
    pub weekly_hours: Option<i32>,
    pub employer_name: Option<String>,
    pub training_name: Option<String>,
    pub qualifying: Option<bool>,
    pub business_activity: Option<String>,
    /// The accepted opportunity request it followed, if any.
    pub request_id: Option<Uuid>,
    pub recorded_at: i64,
}

/// A person's placements (the person and the staff of their organisation).
#[utoipa::path(get, path = "/api/v1/beneficiaries/{id}/placements",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The placements, latest start first", body = [PlacementDto]),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Not the person nor the staff of their organisation"),
        (status = 404, description = "No such person in your organisation")
))]
pub async fn api_list(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> Result<Json<Vec<PlacementDto>>, HttpError> {
    let view = state.app.placements(&actor, id.into()).await?;
    Ok(Json(
        view.lines
            .into_iter()
            .map(|l| {
                let f = l.record.facts;
                PlacementDto {
                    id: l.record.id,
                    kind: f.kind.code().to_owned(),
                    contract_type: f.contract_type.map(|c| c.code().to_owned()),
                    starts_on: f.starts_on,
                    planned_end: f.planned_end,
                    weekly_hours: f.weekly_hours,
                    employer_name: f.employer_name,
                    training_name: f.training_name,
                    qualifying: f.qualifying,
                    business_activity: f.business_activity,
                    request_id: l.record.request_id,
                    recorded_at: l.record.recorded_at,
                }
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct PlacementCreatedDto {
    pub id: Uuid,
}

/// The staff conducting the bilan record a placement as facts.
#[utoipa::path(post, path = "/api/v1/beneficiaries/{id}/placements",
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = PlacementForm,
    responses(
        (status = 201, description = "Recorded", body = PlacementCreatedDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the coach or manager conducting the bilan"),
        (status = 404, description = "No such person in your organisation"),
        (status = 422, description = "A fact is missing or refused; nothing saved", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_record(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Json(form): Json<PlacementForm>,
) -> Result<(StatusCode, Json<PlacementCreatedDto>), HttpError> {
    let id = state
        .app
        .record_placement(&actor, id.into(), &form.input(), &form.request)
        .await?;
    Ok((StatusCode::CREATED, Json(PlacementCreatedDto { id })))
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/parcours/sorties", get(own))
        .route("/beneficiaries/{id}/sorties", get(of_person).post(record))
        .api(routes!(api_list, api_record))
}
