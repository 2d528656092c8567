//! The synthesis document: the page where the coach issues it and the person downloads
//! it and says whether to keep it, the PDF itself, and the API.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use parcours_app::synthesis::SynthesisView;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::context::Ctx;
use crate::errors::HttpError;
use crate::pages::{
    Page, PageResult, SavedQuery, journey_href, page_person, parse_id, render, saved_redirect,
};

#[derive(Template)]
#[template(path = "synthesis.html")]
struct SynthesisPage {
    p: Page,
    is_self: bool,
    can_issue: bool,
    person_id: Uuid,
    person_name: String,
    notice: Option<String>,
    issued_at: Option<i64>,
    keep_consent_at: Option<i64>,
    destroy_after: Option<i64>,
    back_href: String,
}

fn synthesis_page(ctx: &Ctx, view: SynthesisView, notice: Option<String>) -> SynthesisPage {
    SynthesisPage {
        p: Page::new(ctx, ctx.lang.t("synthesis-page-title")),
        is_self: view.is_self,
        can_issue: view.can_issue,
        person_id: view.person.id,
        person_name: format!("{} {}", view.person.first_name, view.person.last_name),
        notice,
        issued_at: view.issued_at,
        keep_consent_at: view.keep_consent_at,
        destroy_after: view.destroy_after,
        back_href: journey_href(view.is_self, view.person.id),
    }
}

async fn show(state: &AppState, ctx: &Ctx, id: Option<&str>, q: &SavedQuery) -> PageResult {
    let person = page_person(state, ctx, id).await?;
    let view = state.app.synthesis(ctx.actor()?, person).await?;
    Ok(render(&synthesis_page(ctx, view, q.notice(ctx.lang)))?.into_response())
}

pub async fn own_synthesis(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show(&state, &ctx, None, &q).await
}

pub async fn person_synthesis(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show(&state, &ctx, Some(&id), &q).await
}

async fn issue_for(state: &AppState, ctx: &Ctx, person: Uuid) -> Result<Uuid, HttpError> {
    let lang = ctx.lang;
    let words = move |key: &str| lang.t(key);
    Ok(state
        .app
        .issue_synthesis(ctx.actor()?, person, lang.code(), &words)
        .await?)
}

pub async fn issue(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let person = parse_id(&id)?;
    issue_for(&state, &ctx, person).await?;
    saved_redirect(&state, &ctx, person, "/parcours/synthese", "synthese", "").await
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct KeepForm {
    /// "yes" to keep the documents three years, anything else to withdraw.
    keep: String,
}

pub async fn keep(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<KeepForm>,
) -> PageResult {
    let person = parse_id(&id)?;
    state
        .app
        .set_keep_documents(ctx.actor()?, person, form.keep == "yes")
        .await?;
    saved_redirect(&state, &ctx, person, "/parcours/synthese", "synthese", "").await
}

fn pdf(bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"synthese-bilan.pdf\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response()
}

pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    let document = state
        .app
        .synthesis_document(ctx.actor()?, parse_id(&id)?)
        .await?;
    Ok(pdf(document.content))
}

/// The issued synthesis, as PDF.
#[utoipa::path(get, path = "/api/v1/beneficiaries/{id}/synthesis",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf"),
        (status = 403, description = "Only the person and the staff conducting the bilan"),
        (status = 404, description = "Not issued yet, or no such person")
))]
pub async fn api_download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    download(State(state), ctx, Path(id)).await
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct IssuedDto {
    pub document_id: Uuid,
}

/// Issues the synthesis as of now (coach or manager), in the caller's language.
#[utoipa::path(post, path = "/api/v1/beneficiaries/{id}/synthesis",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 201, description = "Issued", body = IssuedDto),
        (status = 403, description = "Only the staff conducting the bilan issue it"),
        (status = 404, description = "No such person in your organisation")
))]
pub async fn api_issue(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<(StatusCode, axum::Json<IssuedDto>), HttpError> {
    let document_id = issue_for(&state, &ctx, parse_id(&id)?).await?;
    Ok((StatusCode::CREATED, axum::Json(IssuedDto { document_id })))
}
