//! The introspection journal pages (the person's own, and the shared entries as their
//! coach sees them) and the same under `/api/v1/`.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_app::journal::{EntryInput, JournalEntry, JournalView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::HttpError;
use crate::i18n::Lang;
use crate::kit::{IdPath, Page, PageResult, render, see_other};
use crate::routes::Routes;
use axum::routing::{get, post};
use parcours_domain::ids::{JournalEntryId, PersonId};
use utoipa_axum::routes;

/// The prompt an entry answers, in the reader's language, or "Free page".
fn heading(state: &AppState, lang: Lang, prompt_id: Option<&str>) -> String {
    prompt_id
        .and_then(|id| state.app.journal_prompts().get(id))
        .map_or_else(
            || lang.t("journal-free-heading"),
            |p| p.text.get(lang.code()).to_owned(),
        )
}

fn error_message(lang: Lang, code: &str) -> String {
    lang.t(&format!("journal-error-{}", code.replace('_', "-")))
}

// ---------------------------------------------------------------- pages

struct EntryRow {
    id: Uuid,
    heading: String,
    written: String,
    visibility: String,
    body: String,
}

#[derive(Template)]
#[template(path = "journal.html")]
struct JournalPage {
    p: Page,
    is_owner: bool,
    person_name: String,
    notice: Option<String>,
    prompts: Vec<(String, String)>,
    entries: Vec<EntryRow>,
    back_href: String,
}

fn journal_page(
    state: &AppState,
    ctx: &Ctx,
    view: JournalView,
    notice: Option<String>,
) -> JournalPage {
    let lang = ctx.lang;
    let p = Page::new(ctx, lang.t("journal-title"));
    let entries = view
        .entries
        .iter()
        .map(|e| EntryRow {
            id: e.id,
            heading: heading(state, lang, e.prompt_id.as_deref()),
            written: p.ta("journal-written-on", "date", p.datetime(&e.created_at)),
            visibility: lang.t(if e.shared_at.is_some() {
                "journal-shared"
            } else {
                "journal-private-badge"
            }),
            body: e.body.clone(),
        })
        .collect();
    JournalPage {
        is_owner: view.is_owner,
        person_name: format!("{} {}", view.person.first_name, view.person.last_name),
        notice,
        prompts: view
            .prompts
            .iter()
            .map(|pr| (pr.id.clone(), pr.text.get(lang.code()).to_owned()))
            .collect(),
        entries,
        back_href: if view.is_owner {
            "/parcours".to_owned()
        } else {
            format!("/beneficiaries/{}/parcours", view.person.id)
        },
        p,
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    saved: String,
    prompt: String,
}

pub async fn own_journal(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let Some(id) = state.app.own_person_id(&actor).await? else {
        return Err(HttpError::NotFound);
    };
    let view = state.app.journal(&actor, id).await?;
    let notice = match query.saved.as_str() {
        "" => None,
        "deleted" => Some(ctx.lang.t("journal-deleted")),
        _ => Some(ctx.lang.t("journal-saved")),
    };
    Ok(render(&journal_page(&state, &ctx, view, notice))?.into_response())
}

pub async fn person_journal(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> PageResult {
    let view = state.app.journal(&actor, id.into()).await?;
    Ok(render(&journal_page(&state, &ctx, view, None))?.into_response())
}

#[derive(Template)]
#[template(path = "journal_entry.html")]
struct EntryPage {
    p: Page,
    heading: String,
    label: String,
    action: String,
    delete_action: Option<String>,
    prompt_id: Option<String>,
    body: String,
    shared: bool,
    errors: Vec<String>,
}

fn new_entry_page(
    state: &AppState,
    ctx: &Ctx,
    prompt: Option<&str>,
    input: &EntryInput,
    errors: Vec<String>,
) -> Result<EntryPage, HttpError> {
    let lang = ctx.lang;
    let prompt = prompt.filter(|id| !id.is_empty());
    if let Some(id) = prompt
        && state.app.journal_prompts().get(id).is_none()
    {
        return Err(HttpError::NotFound);
    }
    let heading = heading(state, lang, prompt);
    Ok(EntryPage {
        p: Page::new(ctx, heading.clone()),
        label: if prompt.is_some() {
            lang.t("journal-answer-label")
        } else {
            lang.t("journal-free-label")
        },
        heading,
        action: "/parcours/journal".to_owned(),
        delete_action: None,
        prompt_id: prompt.map(str::to_owned),
        body: input.body.clone(),
        shared: input.shared,
        errors,
    })
}

fn edit_entry_page(
    state: &AppState,
    ctx: &Ctx,
    entry: &JournalEntry,
    body: &str,
    shared: bool,
    errors: Vec<String>,
) -> EntryPage {
    let lang = ctx.lang;
    let heading = heading(state, lang, entry.prompt_id.as_deref());
    EntryPage {
        p: Page::new(ctx, heading.clone()),
        heading,
        label: lang.t("journal-answer-label"),
        action: format!("/parcours/journal/{}", entry.id),
        delete_action: Some(format!("/parcours/journal/{}/supprimer", entry.id)),
        prompt_id: None,
        body: body.to_owned(),
        shared,
        errors,
    }
}

pub async fn new_entry(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    if state.app.own_person_id(&actor).await?.is_none() {
        return Err(HttpError::NotFound);
    }
    let page = new_entry_page(
        &state,
        &ctx,
        Some(query.prompt.as_str()),
        &EntryInput::default(),
        Vec::new(),
    )?;
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct EntryForm {
    prompt: String,
    body: String,
    /// A checkbox: present ("yes") when ticked.
    shared: String,
}

impl EntryForm {
    fn input(&self) -> EntryInput {
        EntryInput {
            prompt_id: Some(self.prompt.clone()).filter(|p| !p.is_empty()),
            body: self.body.clone(),
            shared: self.shared == "yes",
        }
    }
}

fn messages(lang: Lang, e: &AppError) -> Option<Vec<String>> {
    match e {
        AppError::Invalid(errors) => {
            Some(errors.iter().map(|f| error_message(lang, f.code)).collect())
        }
        _ => None,
    }
}

pub async fn create_entry(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    axum::Form(form): axum::Form<EntryForm>,
) -> PageResult {
    let Some(person) = state.app.own_person_id(&actor).await? else {
        return Err(HttpError::NotFound);
    };
    let input = form.input();
    match state.app.write_journal_entry(&actor, person, &input).await {
        Ok(_) => Ok(see_other("/parcours/journal?saved=1")),
        Err(e) => match messages(ctx.lang, &e) {
            Some(errors) => {
                let page =
                    new_entry_page(&state, &ctx, input.prompt_id.as_deref(), &input, errors)?;
                Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
            }
            None => Err(e.into()),
        },
    }
}

pub async fn edit_entry(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<JournalEntryId>,
) -> PageResult {
    let (entry, is_owner) = state.app.journal_entry(&actor, id.into()).await?;
    if !is_owner {
        return Err(HttpError::Forbidden);
    }
    let page = edit_entry_page(
        &state,
        &ctx,
        &entry,
        &entry.body,
        entry.shared_at.is_some(),
        Vec::new(),
    );
    Ok(render(&page)?.into_response())
}

pub async fn update_entry(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<JournalEntryId>,
    axum::Form(form): axum::Form<EntryForm>,
) -> PageResult {
    let id = id.uuid();
    let shared = form.shared == "yes";
    match state
        .app
        .update_journal_entry(&actor, id, &form.body, shared)
        .await
    {
        Ok(()) => Ok(see_other("/parcours/journal?saved=1")),
        Err(e) => match messages(ctx.lang, &e) {
            Some(errors) => {
                let (entry, _) = state.app.journal_entry(&actor, id).await?;
                let page = edit_entry_page(&state, &ctx, &entry, &form.body, shared, errors);
                Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
            }
            None => Err(e.into()),
        },
    }
}

pub async fn delete_entry(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<JournalEntryId>,
) -> PageResult {
    state.app.delete_journal_entry(&actor, id.into()).await?;
    Ok(see_other("/parcours/journal?saved=deleted"))
}

// ---------------------------------------------------------------- API

#[derive(Serialize, ToSchema)]
pub struct JournalEntryDto {
    pub id: Uuid,
    /// The prompt answered, or null for a free page.
    pub prompt_id: Option<String>,
    pub prompt: String,
    /// The phase it was written in.
    pub phase: String,
    pub body: String,
    pub shared: bool,
    /// Epoch milliseconds.
    pub shared_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PromptDto {
    pub id: String,
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct JournalDto {
    pub person_id: Uuid,
    /// The reader is the person (every entry) rather than their coach (shared only).
    pub is_owner: bool,
    /// The prompts of the current phase (for the person only).
    pub prompts: Vec<PromptDto>,
    pub entries: Vec<JournalEntryDto>,
}

/// A person's journal: every entry for the person, the shared ones for their coach.
#[utoipa::path(get, path = "/api/v1/beneficiaries/{id}/journal",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The journal", body = JournalDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the person and their coach read it"),
        (status = 404, description = "No such person in your organisation")
))]
pub async fn api_journal(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> Result<Json<JournalDto>, HttpError> {
    let lang = ctx.lang;
    let view = state.app.journal(&actor, id.into()).await?;
    Ok(Json(JournalDto {
        person_id: view.person.id,
        is_owner: view.is_owner,
        prompts: view
            .prompts
            .iter()
            .map(|p| PromptDto {
                id: p.id.clone(),
                text: p.text.get(lang.code()).to_owned(),
            })
            .collect(),
        entries: view
            .entries
            .iter()
            .map(|e| JournalEntryDto {
                id: e.id,
                prompt: heading(&state, lang, e.prompt_id.as_deref()),
                prompt_id: e.prompt_id.clone(),
                phase: e.phase.code().to_owned(),
                body: e.body.clone(),
                shared: e.shared_at.is_some(),
                shared_at: e.shared_at,
                created_at: e.created_at,
                updated_at: e.updated_at,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewEntryDto {
    /// A prompt id of the journal, or absent for a free page.
    #[serde(default)]
    pub prompt_id: Option<String>,
    pub body: String,
    /// Share with the coach (default: private).
    #[serde(default)]
    pub shared: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedDto {
    pub id: Uuid,
}

/// The person writes an entry in their own journal.
#[utoipa::path(post, path = "/api/v1/beneficiaries/{id}/journal",
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = NewEntryDto,
    responses(
        (status = 201, description = "Written", body = CreatedDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the person writes in their journal"),
        (status = 404, description = "No such person in your organisation"),
        (status = 422, description = "Empty, too long or unknown prompt; nothing saved", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_write_entry(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Json(body): Json<NewEntryDto>,
) -> Result<(StatusCode, Json<CreatedDto>), HttpError> {
    let input = EntryInput {
        prompt_id: body.prompt_id,
        body: body.body,
        shared: body.shared,
    };
    let id = state
        .app
        .write_journal_entry(&actor, id.into(), &input)
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

#[derive(Deserialize, ToSchema)]
pub struct EntryUpdateDto {
    pub body: String,
    pub shared: bool,
}

/// The author rewrites an entry or shares / unshares it.
#[utoipa::path(put, path = "/api/v1/journal/{id}",
    params(("id" = Uuid, Path, description = "Entry id")),
    request_body = EntryUpdateDto,
    responses(
        (status = 204, description = "Saved"),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the author changes an entry"),
        (status = 404, description = "No such entry visible to you"),
        (status = 422, description = "Empty or too long; nothing saved", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_update_entry(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<JournalEntryId>,
    Json(body): Json<EntryUpdateDto>,
) -> Result<StatusCode, HttpError> {
    state
        .app
        .update_journal_entry(&actor, id.into(), &body.body, body.shared)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The author deletes an entry for good.
#[utoipa::path(delete, path = "/api/v1/journal/{id}",
    params(("id" = Uuid, Path, description = "Entry id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the author deletes an entry"),
        (status = 404, description = "No such entry visible to you")
))]
pub async fn api_delete_entry(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<JournalEntryId>,
) -> Result<StatusCode, HttpError> {
    state.app.delete_journal_entry(&actor, id.into()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/parcours/journal", get(own_journal).post(create_entry))
        .route("/parcours/journal/nouveau", get(new_entry))
        .route("/parcours/journal/{id}", get(edit_entry).post(update_entry))
        .route("/parcours/journal/{id}/supprimer", post(delete_entry))
        .route("/beneficiaries/{id}/journal", get(person_journal))
        .api(routes!(api_journal, api_write_entry))
        .api(routes!(api_update_entry, api_delete_entry))
}
