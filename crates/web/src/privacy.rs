//! "My data and my consents": the person's consent log, the download of everything
//! held about them, their erasure request; the managers' list of requests and
//! notices, where erasure is carried out; and the same download in the API.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use parcours_app::privacy::{ConsentRecord, PendingPerson};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::HttpError;
use crate::kit::{IdPath, Page, PageResult, render, see_other};
use crate::referrals::attachment;
use crate::routes::Routes;
use axum::routing::{get, post};
use parcours_app::auth::Actor;
use parcours_domain::ids::PersonId;
use utoipa_axum::routes;

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    /// Which change just happened: "demande", "annulee", "effacee".
    fait: String,
}

impl DoneQuery {
    fn notice(&self, lang: crate::i18n::Lang) -> Option<String> {
        match self.fait.as_str() {
            "demande" => Some(lang.t("data-erasure-requested")),
            "annulee" => Some(lang.t("data-erasure-withdrawn")),
            "effacee" => Some(lang.t("data-requests-erased")),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ConfirmForm {
    /// "yes" when the box saying one understands is ticked.
    confirm: String,
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct DataPage {
    p: Page,
    notice: Option<String>,
    consents: Vec<ConsentRecord>,
    erasure_requested_at: Option<i64>,
    unconfirmed: bool,
}

async fn data_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    notice: Option<String>,
    unconfirmed: bool,
) -> PageResult {
    let rights = state.app.data_rights(actor).await?;
    Ok(render(&DataPage {
        p: Page::new(ctx, ctx.lang.t("data-title")),
        notice,
        consents: rights.consents,
        erasure_requested_at: rights.erasure_requested_at,
        unconfirmed,
    })?
    .into_response())
}

pub async fn own_data(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    data_page(&state, &ctx, &actor, q.notice(ctx.lang), false).await
}

pub async fn own_archive(State(state): State<AppState>, SignedIn(actor): SignedIn) -> PageResult {
    let actor = &actor;
    let person = state
        .app
        .own_person_id(actor)
        .await?
        .ok_or(HttpError::NotFound)?;
    let download = state.app.personal_data_zip(actor, person).await?;
    Ok(attachment(
        "application/zip",
        &download.filename,
        download.bytes,
    ))
}

pub async fn request_erasure(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    axum::Form(form): axum::Form<ConfirmForm>,
) -> PageResult {
    if form.confirm != "yes" {
        let mut response = data_page(&state, &ctx, &actor, None, true).await?;
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    state.app.request_erasure(&actor).await?;
    Ok(see_other("/parcours/donnees?fait=demande"))
}

pub async fn withdraw_erasure(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> PageResult {
    state.app.withdraw_erasure(&actor).await?;
    Ok(see_other("/parcours/donnees?fait=annulee"))
}

#[derive(Template)]
#[template(path = "data_requests.html")]
struct RequestsPage {
    p: Page,
    notice: Option<String>,
    pending: Vec<PendingPerson>,
    unconfirmed: Option<Uuid>,
    grace_days: i64,
}

async fn requests_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    notice: Option<String>,
    unconfirmed: Option<Uuid>,
) -> PageResult {
    let pending = state.app.data_requests(actor).await?;
    Ok(render(&RequestsPage {
        p: Page::new(ctx, ctx.lang.t("data-requests-title")),
        notice,
        pending,
        unconfirmed,
        grace_days: parcours_app::privacy::NOTICE_MS / (24 * 3600 * 1000),
    })?
    .into_response())
}

pub async fn requests(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    requests_page(&state, &ctx, &actor, q.notice(ctx.lang), None).await
}

pub async fn person_archive(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> PageResult {
    let person = id.uuid();
    let download = state.app.personal_data_zip(&actor, person).await?;
    Ok(attachment(
        "application/zip",
        &download.filename,
        download.bytes,
    ))
}

pub async fn erase(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    axum::Form(form): axum::Form<ConfirmForm>,
) -> PageResult {
    let person = id.uuid();
    if form.confirm != "yes" {
        // The policy first: another tenant's file is not found, whatever the form says.
        state.app.may_erase(&actor, person).await?;
        let mut response = requests_page(&state, &ctx, &actor, None, Some(person)).await?;
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    state.app.erase_person(&actor, person).await?;
    Ok(see_other("/donnees?fait=effacee"))
}

/// Everything Parcours holds about the signed-in person, as in the download's
/// `donnees.json` (documents are listed, their content is in the download).
#[utoipa::path(get, path = "/api/v1/me/personal-data", responses(
    (status = 200, description = "Everything held about the signed-in person, section by section; `format` names the layout", content_type = "application/json"),
    (status = 401, description = "Not signed in"),
    (status = 404, description = "The signed-in user has no file of their own")
))]
pub async fn api_personal_data(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> Result<Json<serde_json::Value>, HttpError> {
    Ok(Json(state.app.own_data_export(&actor).await?))
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/parcours/donnees", get(own_data))
        .route("/parcours/donnees/archive.zip", get(own_archive))
        .route("/parcours/donnees/effacement", post(request_erasure))
        .route(
            "/parcours/donnees/effacement/annuler",
            post(withdraw_erasure),
        )
        .route("/donnees", get(requests))
        .route("/beneficiaries/{id}/donnees.zip", get(person_archive))
        .route("/beneficiaries/{id}/effacement", post(erase))
        .api(routes!(api_personal_data))
}
