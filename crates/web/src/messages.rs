//! Messages between a person and the staff following them: the threads of a file, one
//! thread with its replies, and the API.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_app::messages::{MessagesView, ThreadView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::HttpError;
use crate::kit::{
    IdPath, Page, PageResult, SavedQuery, field_messages, page_person, render, see_other,
};
use crate::routes::Routes;
use axum::routing::get;
use parcours_app::auth::Actor;
use parcours_domain::ids::{PersonId, ThreadId};
use utoipa_axum::routes;

#[derive(Template)]
#[template(path = "messages.html")]
struct MessagesPage {
    p: Page,
    view: MessagesView,
    notice: Option<String>,
    errors: Vec<String>,
    subject: String,
    body: String,
    form_action: String,
    back_href: String,
}

#[derive(Template)]
#[template(path = "thread.html")]
struct ThreadPage {
    p: Page,
    view: ThreadView,
    notice: Option<String>,
    errors: Vec<String>,
    body: String,
    list_href: String,
}

fn list_href(is_self: bool, person: Uuid) -> String {
    if is_self {
        "/parcours/messages".to_owned()
    } else {
        format!("/beneficiaries/{person}/messages")
    }
}

fn messages_page(
    ctx: &Ctx,
    view: MessagesView,
    notice: Option<String>,
    errors: Vec<String>,
    form: NewThreadForm,
) -> MessagesPage {
    let person_name = format!("{} {}", view.person.first_name, view.person.last_name);
    let title = if view.is_self {
        ctx.lang.t("messages-title")
    } else {
        ctx.lang.t_args(
            "messages-title-of",
            &[(
                "name",
                fluent_templates::fluent_bundle::FluentValue::from(person_name),
            )],
        )
    };
    MessagesPage {
        p: Page::new(ctx, title),
        form_action: list_href(view.is_self, view.person.id),
        back_href: if view.is_self {
            "/parcours".to_owned()
        } else {
            format!("/beneficiaries/{}", view.person.id)
        },
        view,
        notice,
        errors,
        subject: form.subject,
        body: form.body,
    }
}

async fn show_list(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Option<PersonId>,
    q: &SavedQuery,
) -> PageResult {
    let person = page_person(state, actor, id).await?;
    let view = state.app.message_threads(actor, person).await?;
    let page = messages_page(
        ctx,
        view,
        q.notice(ctx.lang),
        Vec::new(),
        NewThreadForm::default(),
    );
    Ok(render(&page)?.into_response())
}

pub async fn own_messages(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show_list(&state, &ctx, &actor, None, &q).await
}

pub async fn person_messages(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show_list(&state, &ctx, &actor, Some(id), &q).await
}

#[derive(Debug, Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct NewThreadForm {
    pub subject: String,
    pub body: String,
}

async fn start(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Option<PersonId>,
    form: NewThreadForm,
) -> PageResult {
    let person = page_person(state, actor, id).await?;
    match state
        .app
        .start_thread(actor, person, &form.subject, &form.body)
        .await
    {
        Ok(thread) => Ok(see_other(&format!("/messages/{thread}?saved=1"))),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.message_threads(actor, person).await?;
            let messages = field_messages(ctx.lang, "messages", &errors);
            let page = messages_page(ctx, view, None, messages, form);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn own_start(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    axum::Form(form): axum::Form<NewThreadForm>,
) -> PageResult {
    start(&state, &ctx, &actor, None, form).await
}

pub async fn person_start(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    axum::Form(form): axum::Form<NewThreadForm>,
) -> PageResult {
    start(&state, &ctx, &actor, Some(id), form).await
}

fn thread_page(
    ctx: &Ctx,
    view: ThreadView,
    notice: Option<String>,
    errors: Vec<String>,
    body: String,
) -> ThreadPage {
    ThreadPage {
        p: Page::new(ctx, view.thread.subject.clone()),
        list_href: list_href(view.is_self, view.person.id),
        view,
        notice,
        errors,
        body,
    }
}

pub async fn thread(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ThreadId>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let view = state.app.message_thread(&actor, id.into()).await?;
    let page = thread_page(&ctx, view, q.notice(ctx.lang), Vec::new(), String::new());
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct ReplyForm {
    pub body: String,
}

pub async fn reply(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ThreadId>,
    axum::Form(form): axum::Form<ReplyForm>,
) -> PageResult {
    let thread = id.uuid();
    match state.app.reply(&actor, thread, &form.body).await {
        Ok(()) => Ok(see_other(&format!("/messages/{thread}?saved=1#reply"))),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.message_thread(&actor, thread).await?;
            let messages = field_messages(ctx.lang, "messages", &errors);
            let page = thread_page(&ctx, view, None, messages, form.body);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize, ToSchema)]
pub struct MessageDto {
    pub id: Uuid,
    /// `person` or `staff`.
    pub side: String,
    pub author: String,
    pub body: String,
    /// Epoch milliseconds.
    pub created_at: i64,
    /// The other side opened the thread after this message came.
    pub read: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ThreadDto {
    pub id: Uuid,
    pub subject: String,
    pub last_message_at: i64,
    pub messages: usize,
    /// Messages from the other side the caller has not read.
    pub unread: usize,
}

#[derive(Serialize, ToSchema)]
pub struct ThreadsDto {
    pub person_id: Uuid,
    /// The person has an account, so messages reach them.
    pub reachable: bool,
    pub threads: Vec<ThreadDto>,
}

/// The person's message threads, with what the caller has not read.
#[utoipa::path(get, path = "/api/v1/beneficiaries/{id}/messages",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The threads, most recent first", body = ThreadsDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the person and their coaches"),
        (status = 404, description = "No such person in your organisation")
))]
pub async fn api_threads(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> Result<Json<ThreadsDto>, HttpError> {
    let view = state.app.message_threads(&actor, id.into()).await?;
    Ok(Json(ThreadsDto {
        person_id: view.person.id,
        reachable: view.reachable,
        threads: view
            .threads
            .into_iter()
            .map(|t| ThreadDto {
                id: t.thread.id,
                subject: t.thread.subject,
                last_message_at: t.thread.last_message_at,
                messages: t.messages,
                unread: t.unread,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ThreadCreatedDto {
    pub id: Uuid,
}

/// Starts a thread with its first message; the other side gets an email without content.
#[utoipa::path(post, path = "/api/v1/beneficiaries/{id}/messages",
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = NewThreadForm,
    responses(
        (status = 201, description = "Sent", body = ThreadCreatedDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the person and their coaches"),
        (status = 404, description = "No such person in your organisation"),
        (status = 422, description = "Empty or too long, or the person has no account; nothing sent", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_start(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Json(form): Json<NewThreadForm>,
) -> Result<(StatusCode, Json<ThreadCreatedDto>), HttpError> {
    let id = state
        .app
        .start_thread(&actor, id.into(), &form.subject, &form.body)
        .await?;
    Ok((StatusCode::CREATED, Json(ThreadCreatedDto { id })))
}

/// A thread's messages, oldest first; opening it marks it read for the caller's side.
#[utoipa::path(get, path = "/api/v1/threads/{id}",
    params(("id" = Uuid, Path, description = "Thread id")),
    responses(
        (status = 200, description = "The messages", body = [MessageDto]),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the person and their coaches"),
        (status = 404, description = "No such thread in your organisation")
))]
pub async fn api_thread(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ThreadId>,
) -> Result<Json<Vec<MessageDto>>, HttpError> {
    let view = state.app.message_thread(&actor, id.into()).await?;
    Ok(Json(
        view.messages
            .into_iter()
            .map(|m| MessageDto {
                id: m.message.id,
                side: m.message.side.code().to_owned(),
                author: m.author_name,
                body: m.message.body,
                created_at: m.message.created_at,
                read: m.read_by_other,
            })
            .collect(),
    ))
}

/// Answers in a thread.
#[utoipa::path(post, path = "/api/v1/threads/{id}/messages",
    params(("id" = Uuid, Path, description = "Thread id")),
    request_body = ReplyForm,
    responses(
        (status = 204, description = "Sent"),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the person and their coaches"),
        (status = 404, description = "No such thread in your organisation"),
        (status = 422, description = "Empty or too long; nothing sent", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_reply(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ThreadId>,
    Json(form): Json<ReplyForm>,
) -> Result<StatusCode, HttpError> {
    state.app.reply(&actor, id.into(), &form.body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/parcours/messages", get(own_messages).post(own_start))
        .route(
            "/beneficiaries/{id}/messages",
            get(person_messages).post(person_start),
        )
        .route("/messages/{thread}", get(thread).post(reply))
        .api(routes!(api_threads, api_start))
        .api(routes!(api_thread))
        .api(routes!(api_reply))
}
