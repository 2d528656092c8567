//! The coach's workspace on a file: notes, handing the follow-up to another coach, the
//! documents list, and their API.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use fluent_templates::fluent_bundle::FluentValue;
use parcours_app::AppError;
use parcours_app::workspace::NoteView;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::HttpError;
use crate::kit::{IdPath, Page, PageResult, field_messages, render, see_other};
use crate::people::{WorkspaceRefusal, file_with_refusal};
use crate::routes::Routes;
use axum::routing::{get, post};
use parcours_domain::ids::{DocumentId, NoteId, PersonId};
use utoipa_axum::routes;

#[derive(Debug, Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct NoteForm {
    pub body: String,
    /// `private` (coaches only, the default) or `shared` (the person reads it too).
    pub visibility: String,
}

impl NoteForm {
    fn visibility(&self) -> &str {
        if self.visibility.is_empty() {
            "private"
        } else {
            &self.visibility
        }
    }
}

pub async fn add_note(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    axum::Form(form): axum::Form<NoteForm>,
) -> PageResult {
    let person = id.uuid();
    match state
        .app
        .add_note(&actor, person, &form.body, form.visibility())
        .await
    {
        Ok(_) => Ok(see_other(&format!("/beneficiaries/{person}?saved=1#notes"))),
        Err(AppError::Invalid(errors)) => {
            let refusal = WorkspaceRefusal {
                messages: field_messages(ctx.lang, "notes", &errors),
                note_draft: form.body,
            };
            file_with_refusal(&state, &ctx, &actor, person, refusal).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct NotesQuery {
    /// From 1; anything else reads the first page.
    page: String,
}

#[derive(Template)]
#[template(path = "notes.html")]
struct NotesTemplate {
    p: Page,
    pid: Uuid,
    person_name: String,
    /// Staff read badges (private or shared); the person reads only shared notes.
    staff: bool,
    notes: Vec<NoteView>,
    total: u64,
    page: u64,
    pages: u64,
}

/// Every note of a file, fifty a page, newest first (the file shows the latest ten).
pub async fn notes_page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Query(q): Query<NotesQuery>,
) -> PageResult {
    let page = q.page.trim().parse::<u64>().unwrap_or(1);
    let view = state.app.notes_page(&actor, id.into(), page).await?;
    let person_name = format!("{} {}", view.person.first_name, view.person.last_name);
    Ok(render(&NotesTemplate {
        p: Page::new(
            &ctx,
            ctx.lang.t_args(
                "notes-page-title",
                &[("name", FluentValue::from(person_name.clone()))],
            ),
        ),
        pid: view.person.id,
        person_name,
        staff: !view.is_self,
        notes: view.notes,
        total: view.total,
        page: view.page,
        pages: view.pages,
    })?
    .into_response())
}

pub async fn delete_note(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath((id, note)): IdPath<(PersonId, NoteId)>,
) -> PageResult {
    let person = id.uuid();
    state.app.delete_note(&actor, person, note.into()).await?;
    Ok(see_other(&format!("/beneficiaries/{person}?saved=1#notes")))
}

#[derive(Debug, Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct TransferForm {
    /// The user id of the coach who takes over.
    pub coach: String,
    /// Why, for the team (optional, 500 characters at most).
    pub reason: String,
}

pub async fn transfer(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    axum::Form(form): axum::Form<TransferForm>,
) -> PageResult {
    let person = id.uuid();
    match state
        .app
        .transfer_caseload(&actor, person, &form.coach, &form.reason)
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/beneficiaries/{person}?saved=1#transfer"
        ))),
        Err(AppError::Invalid(errors)) => {
            let refusal = WorkspaceRefusal {
                messages: field_messages(ctx.lang, "transfer", &errors),
                note_draft: String::new(),
            };
            file_with_refusal(&state, &ctx, &actor, person, refusal).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Opens the person's own space: an account on their email and a sign-in link sent.
pub async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> PageResult {
    let person = id.uuid();
    match state.app.invite_person(&actor, person).await {
        Ok(()) => Ok(see_other(&format!("/beneficiaries/{person}?saved=1#space"))),
        Err(AppError::Invalid(errors)) => {
            let refusal = WorkspaceRefusal {
                messages: field_messages(ctx.lang, "space", &errors),
                note_draft: String::new(),
            };
            file_with_refusal(&state, &ctx, &actor, person, refusal).await
        }
        Err(e) => Err(e.into()),
    }
}

/// One of the person's documents, by id.
pub async fn document(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath((id, document)): IdPath<(PersonId, DocumentId)>,
) -> Result<Response, HttpError> {
    let document = state
        .app
        .person_document(&actor, id.into(), document.into())
        .await?;
    Ok(pdf_attachment(document.content))
}

/// A PDF to save, never cached on the way.
pub(crate) fn pdf_attachment(bytes: Vec<u8>) -> Response {
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

#[derive(Serialize, ToSchema)]
pub struct NoteDto {
    pub id: Uuid,
    pub author: String,
    /// `private` or `shared`.
    pub visibility: String,
    pub body: String,
    /// Epoch milliseconds.
    pub created_at: i64,
}

/// The notes on a file: all of them for a coach; the shared ones for the person and for
/// managers.
#[utoipa::path(get, path = "/api/v1/beneficiaries/{id}/notes",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The notes, newest first", body = [NoteDto]),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Not the person nor the staff of their organisation"),
        (status = 404, description = "No such person in your organisation")
))]
pub async fn api_notes(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> Result<Json<Vec<NoteDto>>, HttpError> {
    let (_, notes) = state.app.notes(&actor, id.into()).await?;
    Ok(Json(
        notes
            .into_iter()
            .map(|n| NoteDto {
                id: n.note.id,
                author: n.author_name,
                visibility: n.note.visibility.code().to_owned(),
                body: n.note.body,
                created_at: n.note.created_at,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct NoteCreatedDto {
    pub id: Uuid,
}

/// A coach writes a note on the file.
#[utoipa::path(post, path = "/api/v1/beneficiaries/{id}/notes",
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = NoteForm,
    responses(
        (status = 201, description = "Written", body = NoteCreatedDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only coaches write notes"),
        (status = 404, description = "No such person in your organisation"),
        (status = 422, description = "Empty, too long or unknown visibility; nothing saved", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_add_note(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Json(form): Json<NoteForm>,
) -> Result<(StatusCode, Json<NoteCreatedDto>), HttpError> {
    let id = state
        .app
        .add_note(&actor, id.into(), &form.body, form.visibility())
        .await?;
    Ok((StatusCode::CREATED, Json(NoteCreatedDto { id })))
}

/// Hands the person's follow-up to another coach of the organisation (history kept).
#[utoipa::path(put, path = "/api/v1/beneficiaries/{id}/coach",
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = TransferForm,
    responses(
        (status = 204, description = "Transferred"),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only coaches and managers transfer a follow-up"),
        (status = 404, description = "No such person in your organisation"),
        (status = 422, description = "Unknown coach, the same coach, or no enrolment; nothing changed", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_transfer(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Json(form): Json<TransferForm>,
) -> Result<StatusCode, HttpError> {
    state
        .app
        .transfer_caseload(&actor, id.into(), &form.coach, &form.reason)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/beneficiaries/{id}/notes", get(notes_page).post(add_note))
        .route(
            "/beneficiaries/{id}/notes/{note}/supprimer",
            post(delete_note),
        )
        .route("/beneficiaries/{id}/transfert", post(transfer))
        .route("/beneficiaries/{id}/espace", post(invite))
        .route("/beneficiaries/{id}/documents/{document}", get(document))
        .api(routes!(api_notes, api_add_note))
        .api(routes!(api_transfer))
}
