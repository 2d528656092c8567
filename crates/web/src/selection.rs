//! The selection week: events and the committee (one page), and each event's page with
//! invitations, attendance and the evaluation grid of simulations.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_app::selection::{EventLine, SelectionView};
use parcours_domain::selection::{Attendance, CommitteeDecision, EventKind, GRID};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::kit::{IdPath, Page, PageResult, SavedQuery, field_messages, render, see_other};
use crate::routes::Routes;
use axum::routing::{get, post};
use parcours_app::auth::Actor;
use parcours_domain::ids::{EventId, PersonId};

#[derive(Template)]
#[template(path = "selection.html")]
struct SelectionPage {
    p: Page,
    view: SelectionView,
    notice: Option<String>,
    errors: Vec<String>,
    kinds: Vec<(&'static str, String)>,
    decisions: Vec<(&'static str, String)>,
}

impl SelectionPage {
    fn kind(&self, k: &EventKind) -> String {
        self.p.coded("event-kind", &k.code().replace('_', "-"))
    }
    fn decision(&self, d: &CommitteeDecision) -> String {
        self.p.coded("committee", &d.code().replace('_', "-"))
    }
    fn mean(&self, m: &f64) -> String {
        self.p.decimal(m, 1)
    }
}

fn selection_page(
    ctx: &Ctx,
    view: SelectionView,
    notice: Option<String>,
    errors: Vec<String>,
) -> SelectionPage {
    let lang = ctx.lang;
    SelectionPage {
        p: Page::new(ctx, lang.t("selection-title")),
        view,
        notice,
        errors,
        kinds: EventKind::ALL
            .iter()
            .map(|k| {
                (
                    k.code(),
                    lang.t(&format!("event-kind-{}", k.code().replace('_', "-"))),
                )
            })
            .collect(),
        decisions: CommitteeDecision::ALL
            .iter()
            .map(|d| {
                (
                    d.code(),
                    lang.t(&format!("committee-{}", d.code().replace('_', "-"))),
                )
            })
            .collect(),
    }
}

async fn refused(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    prefix: &str,
    errors: &[parcours_app::FieldError],
) -> PageResult {
    let view = state.app.selection(actor).await?;
    let page = selection_page(ctx, view, None, field_messages(ctx.lang, prefix, errors));
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let view = state.app.selection(&actor).await?;
    Ok(render(&selection_page(&ctx, view, q.notice(ctx.lang), Vec::new()))?.into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct EventForm {
    programme: String,
    kind: String,
    title: String,
    date: String,
    time: String,
    place: String,
}

pub async fn add_event(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    axum::Form(f): axum::Form<EventForm>,
) -> PageResult {
    match state
        .app
        .add_selection_event(
            &actor,
            &f.programme,
            &f.kind,
            &f.title,
            &f.date,
            &f.time,
            &f.place,
        )
        .await
    {
        Ok(id) => Ok(see_other(&format!("/selection/evenements/{id}?saved=1"))),
        Err(AppError::Invalid(errors)) => refused(&state, &ctx, &actor, "event", &errors).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    decision: String,
    reasons: String,
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(person): IdPath<PersonId>,
    axum::Form(f): axum::Form<DecisionForm>,
) -> PageResult {
    let person = person.uuid();
    match state
        .app
        .committee_decide(&actor, person, &f.decision, &f.reasons)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/selection?saved=1#candidate-{person}"))),
        Err(AppError::Invalid(errors)) => refused(&state, &ctx, &actor, "committee", &errors).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "selection_event.html")]
struct EventPage {
    p: Page,
    line: EventLine,
    /// Candidates not invited yet (id, name).
    to_invite: Vec<(Uuid, String)>,
    notice: Option<String>,
    errors: Vec<String>,
    attendances: Vec<(&'static str, String)>,
    grid: Vec<(&'static str, String)>,
}

impl EventPage {
    fn kind(&self, k: &EventKind) -> String {
        self.p.coded("event-kind", &k.code().replace('_', "-"))
    }
    fn attendance(&self, a: &Attendance) -> String {
        self.p.coded("attendance", a.code())
    }
    fn is_simulation(&self) -> bool {
        self.line.event.kind == EventKind::InterviewSimulation
    }
    fn mean(&self, m: &f64) -> String {
        self.p.decimal(m, 1)
    }
}

async fn show_event(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    notice: Option<String>,
    errors: Vec<String>,
) -> PageResult {
    let view = state.app.selection(actor).await?;
    let Some(line) = view.events.iter().find(|e| e.event.id == id).cloned() else {
        return Err(crate::errors::HttpError::NotFound);
    };
    let to_invite = view
        .candidates
        .iter()
        .filter(|c| c.programme_id == line.event.programme_id)
        .filter(|c| !line.invited.iter().any(|i| i.person_id == c.person_id))
        .map(|c| (c.person_id, c.name.clone()))
        .collect();
    let lang = ctx.lang;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = EventPage {
        p: Page::new(ctx, line.event.title.clone()),
        line,
        to_invite,
        notice,
        errors,
        attendances: Attendance::ALL
            .iter()
            .map(|a| (a.code(), lang.t(&format!("attendance-{}", a.code()))))
            .collect(),
        grid: GRID
            .iter()
            .map(|c| (*c, lang.t(&format!("grid-{}", c.replace('_', "-")))))
            .collect(),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn event(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<EventId>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show_event(
        &state,
        &ctx,
        &actor,
        id.into(),
        q.notice(ctx.lang),
        Vec::new(),
    )
    .await
}

/// Invitations: repeated `person` checkboxes.
pub async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<EventId>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let id = id.uuid();
    let people: Vec<Uuid> = fields
        .iter()
        .filter(|(k, _)| k == "person")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    match state.app.invite_to_event(&actor, id, &people).await {
        Ok(_) => Ok(see_other(&format!("/selection/evenements/{id}?saved=1"))),
        Err(AppError::Invalid(errors)) => {
            let messages = field_messages(ctx.lang, "event", &errors);
            show_event(&state, &ctx, &actor, id, None, messages).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct AttendanceForm {
    attendance: String,
}

pub async fn attendance(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath((id, person)): IdPath<(EventId, PersonId)>,
    axum::Form(f): axum::Form<AttendanceForm>,
) -> PageResult {
    let id = id.uuid();
    state
        .app
        .record_event_attendance(&actor, id, person.into(), &f.attendance)
        .await?;
    Ok(see_other(&format!("/selection/evenements/{id}?saved=1")))
}

/// The grid: one field per criterion, plus `comment`.
pub async fn evaluate(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath((id, person)): IdPath<(EventId, PersonId)>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let id = id.uuid();
    let comment = fields
        .iter()
        .find(|(k, _)| k == "comment")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    match state
        .app
        .evaluate(&actor, id, person.into(), &fields, &comment)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/selection/evenements/{id}?saved=1"))),
        Err(AppError::Invalid(errors)) => {
            let messages = field_messages(ctx.lang, "event", &errors);
            show_event(&state, &ctx, &actor, id, None, messages).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/selection", get(page))
        .route("/selection/evenements", post(add_event))
        .route("/selection/evenements/{id}", get(event))
        .route("/selection/evenements/{id}/invitations", post(invite))
        .route(
            "/selection/evenements/{id}/presence/{person}",
            post(attendance),
        )
        .route("/selection/evenements/{id}/grille/{person}", post(evaluate))
        .route("/selection/candidats/{person}/decision", post(decide))
}
