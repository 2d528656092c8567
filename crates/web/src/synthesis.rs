//! The synthesis document: the page where the coach issues it and the person downloads
//! it and says whether to keep it, the PDF itself, and the API.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use parcours_app::synthesis::SynthesisView;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::HttpError;
use crate::kit::{
    IdPath, Page, PageResult, SavedQuery, journey_href, page_person, render, saved_redirect,
};
use crate::routes::Routes;
use crate::workspace::pdf_attachment;
use axum::routing::{get, post};
use parcours_app::auth::Actor;
use parcours_domain::ids::{PersonId, ShareId};
use utoipa_axum::routes;

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
    shares: Vec<parcours_app::synthesis::Share>,
    can_revoke: bool,
    now: i64,
    share_errors: Vec<String>,
    share_form: ShareForm,
}

fn synthesis_page(ctx: &Ctx, view: SynthesisView, notice: Option<String>) -> SynthesisPage {
    refused_share_page(ctx, view, notice, Vec::new(), ShareForm::default())
}

fn refused_share_page(
    ctx: &Ctx,
    view: SynthesisView,
    notice: Option<String>,
    share_errors: Vec<String>,
    share_form: ShareForm,
) -> SynthesisPage {
    SynthesisPage {
        can_revoke: view.is_self,
        now: ctx.now,
        share_errors,
        share_form,
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
        shares: view.shares,
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
    let view = state.app.synthesis(actor, person).await?;
    Ok(render(&synthesis_page(ctx, view, q.notice(ctx.lang)))?.into_response())
}

pub async fn own_synthesis(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show(&state, &ctx, &actor, None, &q).await
}

pub async fn person_synthesis(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show(&state, &ctx, &actor, Some(id), &q).await
}

async fn issue_for(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    person: Uuid,
) -> Result<Uuid, HttpError> {
    let lang = ctx.lang;
    let words = move |key: &str| lang.t(key);
    Ok(state
        .app
        .issue_synthesis(actor, person, lang.code(), &words)
        .await?)
}

pub async fn issue(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> PageResult {
    let person = id.uuid();
    issue_for(&state, &ctx, &actor, person).await?;
    saved_redirect(&state, &actor, person, "/parcours/synthese", "synthese", "").await
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct KeepForm {
    /// "yes" to keep the documents three years, anything else to withdraw.
    keep: String,
}

pub async fn keep(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    axum::Form(form): axum::Form<KeepForm>,
) -> PageResult {
    let person = id.uuid();
    state
        .app
        .set_keep_documents(&actor, person, form.keep == "yes")
        .await?;
    saved_redirect(&state, &actor, person, "/parcours/synthese", "synthese", "").await
}

pub async fn download(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> Result<Response, HttpError> {
    let document = state.app.synthesis_document(&actor, id.into()).await?;
    Ok(pdf_attachment(document.content))
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
    signed_in: SignedIn,
    ids: IdPath<PersonId>,
) -> Result<Response, HttpError> {
    download(State(state), signed_in, ids).await
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
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> Result<(StatusCode, axum::Json<IssuedDto>), HttpError> {
    let document_id = issue_for(&state, &ctx, &actor, id.into()).await?;
    Ok((StatusCode::CREATED, axum::Json(IssuedDto { document_id })))
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct ShareForm {
    recipient_name: String,
    recipient_email: String,
    /// A checkbox: present ("yes") when ticked.
    consent: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewShareDto {
    pub recipient_name: String,
    pub recipient_email: String,
    /// The person's consent to give the synthesis to this recipient; must be true.
    #[serde(default)]
    pub consent: bool,
}

/// The person gives their synthesis to a named recipient.
pub async fn share(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    axum::Form(form): axum::Form<ShareForm>,
) -> PageResult {
    let person = id.uuid();
    match state
        .app
        .share_synthesis(
            &actor,
            person,
            &form.recipient_name,
            &form.recipient_email,
            form.consent == "yes",
        )
        .await
    {
        Ok(_) => {
            saved_redirect(
                &state,
                &actor,
                person,
                "/parcours/synthese",
                "synthese",
                "#share-title",
            )
            .await
        }
        Err(parcours_app::AppError::Invalid(errors)) => {
            let view = state.app.synthesis(&actor, person).await?;
            let messages = crate::kit::field_messages(ctx.lang, "share", &errors);
            let page = refused_share_page(&ctx, view, None, messages, form);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The person withdraws a share link.
pub async fn revoke(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath((id, share)): IdPath<(PersonId, ShareId)>,
) -> PageResult {
    let person = id.uuid();
    state.app.revoke_share(&actor, person, share.into()).await?;
    saved_redirect(
        &state,
        &actor,
        person,
        "/parcours/synthese",
        "synthese",
        "#share-title",
    )
    .await
}

#[derive(Template)]
#[template(path = "shared_gone.html")]
struct SharedGonePage {
    p: Page,
}

/// What a recipient's link opens: the PDF, or a page saying the link no longer works.
pub async fn shared(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, HttpError> {
    let no_referrer = [(header::REFERRER_POLICY, "no-referrer")];
    match state.app.shared_document(&token).await {
        Ok(document) => Ok((no_referrer, pdf_attachment(document.content)).into_response()),
        Err(parcours_app::AppError::NotFound) => {
            let page = SharedGonePage {
                p: Page::new(&ctx, ctx.lang.t("shared-gone-title")),
            };
            Ok((StatusCode::NOT_FOUND, no_referrer, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ShareDto {
    pub id: Uuid,
    pub recipient_name: String,
    pub recipient_email: String,
    /// When the person consented (epoch milliseconds).
    pub consented_at: i64,
    /// The wording of the consent they gave.
    pub consent_text_version: String,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub downloads: i32,
}

/// Who the person gave their synthesis to (the person and the staff conducting the bilan).
#[utoipa::path(get, path = "/api/v1/beneficiaries/{id}/synthesis/shares",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The shares, newest first", body = [ShareDto]),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the person and the staff conducting the bilan"),
        (status = 404, description = "No such person in your organisation")
))]
pub async fn api_shares(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> Result<Json<Vec<ShareDto>>, HttpError> {
    let view = state.app.synthesis(&actor, id.into()).await?;
    Ok(Json(
        view.shares
            .into_iter()
            .map(|s| ShareDto {
                id: s.id,
                recipient_name: s.recipient_name,
                recipient_email: s.recipient_email,
                consented_at: s.consented_at,
                consent_text_version: s.consent_text_version,
                expires_at: s.expires_at,
                revoked_at: s.revoked_at,
                downloads: s.downloads,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ShareCreatedDto {
    pub id: Uuid,
}

/// The person gives their current synthesis to a named recipient, with their consent;
/// the recipient is emailed a link valid 30 days.
#[utoipa::path(post, path = "/api/v1/beneficiaries/{id}/synthesis/shares",
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = NewShareDto,
    responses(
        (status = 201, description = "Given", body = ShareCreatedDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the person gives their synthesis"),
        (status = 404, description = "No such person in your organisation"),
        (status = 422, description = "Missing name, bad email, no consent or no synthesis yet; nothing sent", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_share(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Json(form): Json<NewShareDto>,
) -> Result<(StatusCode, Json<ShareCreatedDto>), HttpError> {
    let id = state
        .app
        .share_synthesis(
            &actor,
            id.into(),
            &form.recipient_name,
            &form.recipient_email,
            form.consent,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ShareCreatedDto { id })))
}

/// The person withdraws a share: the link stops working at once.
#[utoipa::path(delete, path = "/api/v1/beneficiaries/{id}/synthesis/shares/{share}",
    params(("id" = Uuid, Path, description = "Person id"), ("share" = Uuid, Path, description = "Share id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the person withdraws"),
        (status = 404, description = "No such share")
))]
pub async fn api_revoke(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath((id, share)): IdPath<(PersonId, ShareId)>,
) -> Result<StatusCode, HttpError> {
    state
        .app
        .revoke_share(&actor, id.into(), share.into())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/parcours/synthese", get(own_synthesis))
        .route(
            "/beneficiaries/{id}/synthese",
            get(person_synthesis).post(issue),
        )
        .route("/beneficiaries/{id}/synthese/document", get(download))
        .route("/beneficiaries/{id}/synthese/conservation", post(keep))
        .route("/beneficiaries/{id}/synthese/partages", post(share))
        .route(
            "/beneficiaries/{id}/synthese/partages/{share}/retirer",
            post(revoke),
        )
        .route("/documents/partage/{token}", get(shared))
        .api(routes!(api_download, api_issue))
        .api(routes!(api_shares, api_share))
        .api(routes!(api_revoke))
}
