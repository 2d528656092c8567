//! The professional project page (the person's and the coach's) and its API.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_app::projects::{ProjectChoice, ProjectView};
use parcours_domain::project::{Criterion, Evidence, ProjectKind, ProjectStatus};
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
use parcours_app::auth::Actor;
use parcours_domain::ids::PersonId;
use utoipa_axum::routes;

fn status_label(lang: Lang, s: ProjectStatus) -> String {
    lang.t(&format!("project-status-{}", s.code()))
}

fn evidence_label(lang: Lang, e: Evidence) -> String {
    lang.t(&format!("project-evidence-{}", e.code().replace('_', "-")))
}

fn criterion_label(lang: Lang, c: Criterion) -> String {
    lang.t(&format!("project-criterion-{}", c.code().replace('_', "-")))
}

struct ProjectBox {
    title: String,
    code: Option<String>,
    status: String,
    kind: String,
    score: Option<String>,
    reasons: Vec<String>,
    cautions: Vec<String>,
}

struct EvidenceBox {
    code: &'static str,
    label: String,
    hint: String,
    record: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage {
    p: Page,
    is_self: bool,
    can_work: bool,
    can_record: bool,
    person_id: Uuid,
    person_name: String,
    notice: Option<String>,
    errors: Vec<String>,
    project: Option<ProjectBox>,
    criteria: Vec<(String, bool)>,
    evidence: Vec<EvidenceBox>,
    /// (target status, button label, needs a comment)
    moves: Vec<(&'static str, String, bool)>,
    gate_note: String,
    history: Vec<String>,
    pistes_href: String,
    back_href: String,
}

fn project_page(
    ctx: &Ctx,
    view: ProjectView,
    notice: Option<String>,
    errors: Vec<String>,
) -> ProjectPage {
    let lang = ctx.lang;
    let p = Page::new(ctx, lang.t("project-title"));
    let status = view.project.as_ref().map(|pr| pr.status);
    let project = view.project.as_ref().map(|pr| ProjectBox {
        title: pr.title.clone(),
        code: pr.code_rome.clone(),
        status: status_label(lang, pr.status),
        kind: lang.t(match pr.kind {
            ProjectKind::Occupation => "project-kind-occupation",
            ProjectKind::Business => "project-kind-business",
        }),
        score: view
            .fit
            .as_ref()
            .filter(|_| view.can_sign)
            .map(|f| format!("{:.0}", f.score)),
        reasons: view
            .fit
            .as_ref()
            .map(|f| f.reasons.clone())
            .unwrap_or_default(),
        cautions: view
            .fit
            .as_ref()
            .map(|f| f.cautions.clone())
            .unwrap_or_default(),
    });
    let evidence = view
        .evidence
        .iter()
        .map(|e| EvidenceBox {
            code: e.item.code(),
            label: evidence_label(lang, e.item),
            hint: lang.t(&format!(
                "project-evidence-{}-hint",
                e.item.code().replace('_', "-")
            )),
            record: e.record.as_ref().map(|(r, who)| {
                (
                    r.note.clone(),
                    p.ta2(
                        "project-confirmed-by",
                        "name",
                        who,
                        "date",
                        p.datetime(&r.confirmed_at),
                    ),
                )
            }),
        })
        .collect();
    let mut moves = Vec::new();
    match status {
        Some(ProjectStatus::Exploring) if view.can_work => {
            moves.push(("validating", lang.t("project-ask-validation"), false));
        }
        Some(ProjectStatus::Validating) if view.can_sign => {
            moves.push(("validated", lang.t("project-validate"), true));
            moves.push(("exploring", lang.t("project-send-back"), true));
        }
        Some(ProjectStatus::Validated) if view.can_sign => {
            moves.push(("exploring", lang.t("project-reopen"), true));
        }
        _ => {}
    }
    let gate_note = match status {
        Some(ProjectStatus::Validating) => lang.t("project-waiting-coach"),
        Some(ProjectStatus::Validated) => lang.t("project-is-validated"),
        _ => String::new(),
    };
    let history = view
        .history
        .iter()
        .map(|(e, who)| {
            let mut line = p.ta2(
                "project-history-line",
                "status",
                status_label(lang, e.to),
                "who",
                format!("{who}, {}", p.datetime(&e.at)),
            );
            if !e.comment.is_empty() {
                line.push_str(&format!(" — « {} »", e.comment));
            }
            line
        })
        .collect();
    ProjectPage {
        is_self: view.is_self,
        can_work: view.can_work,
        can_record: view.can_work && status.is_some_and(|s| s != ProjectStatus::Validated),
        person_id: view.person.id,
        person_name: format!("{} {}", view.person.first_name, view.person.last_name),
        notice,
        errors,
        project,
        criteria: view
            .criteria
            .iter()
            .map(|(c, met)| (criterion_label(lang, *c), *met))
            .collect(),
        evidence,
        moves,
        gate_note,
        history,
        pistes_href: if view.is_self {
            "/parcours/pistes".to_owned()
        } else {
            format!("/beneficiaries/{}/pistes", view.person.id)
        },
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
    let view = state.app.project(actor, person).await?;
    Ok(render(&project_page(ctx, view, q.notice(ctx.lang), Vec::new()))?.into_response())
}

pub async fn own_project(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show(&state, &ctx, &actor, None, &q).await
}

pub async fn person_project(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show(&state, &ctx, &actor, Some(id), &q).await
}

/// After a change: back to the page the actor works from, or the same page with the
/// errors named.
async fn after(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    person: Uuid,
    result: Result<(), AppError>,
) -> PageResult {
    match result {
        Ok(()) => saved_redirect(state, actor, person, "/parcours/projet", "projet", "").await,
        Err(AppError::Invalid(errors)) => {
            let view = state.app.project(actor, person).await?;
            let page = project_page(
                ctx,
                view,
                None,
                field_messages(ctx.lang, "project", &errors),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct ChooseForm {
    /// occupation or business.
    kind: String,
    /// ROME code, for an occupation.
    code: String,
    /// What the business is, for an entrepreneurial project.
    title: String,
}

fn choice(form: &ChooseForm) -> Result<ProjectChoice, HttpError> {
    match form.kind.as_str() {
        "occupation" => Ok(ProjectChoice::Occupation {
            code_rome: form.code.clone(),
        }),
        "business" => Ok(ProjectChoice::Business {
            title: form.title.clone(),
        }),
        other => Err(HttpError::unknown_choice("kind", other)),
    }
}

pub async fn choose(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    axum::Form(form): axum::Form<ChooseForm>,
) -> PageResult {
    let person = id.uuid();
    let result = state
        .app
        .choose_project(&actor, person, &choice(&form)?)
        .await
        .map(|_| ());
    after(&state, &ctx, &actor, person, result).await
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct EvidenceForm {
    item: String,
    note: String,
}

fn evidence_item(code: &str) -> Result<Evidence, HttpError> {
    parse_choice("item", code)
}

pub async fn record_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    axum::Form(form): axum::Form<EvidenceForm>,
) -> PageResult {
    let person = id.uuid();
    let item = evidence_item(&form.item)?;
    let result = state
        .app
        .record_project_evidence(&actor, person, item, &form.note)
        .await;
    after(&state, &ctx, &actor, person, result).await
}

#[derive(Debug, Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct MoveForm {
    /// exploring, validating or validated.
    to: String,
    /// The coach's comment (required to validate or send back).
    comment: String,
}

fn target(code: &str) -> Result<ProjectStatus, HttpError> {
    parse_choice("to", code)
}

pub async fn move_status(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    axum::Form(form): axum::Form<MoveForm>,
) -> PageResult {
    let person = id.uuid();
    let to = target(&form.to)?;
    let result = state
        .app
        .move_project(&actor, person, to, &form.comment)
        .await;
    after(&state, &ctx, &actor, person, result).await
}

// ---------------------------------------------------------------- API

#[derive(Serialize, ToSchema)]
pub struct EvidenceDto {
    pub item: String,
    pub note: Option<String>,
    pub confirmed_by: Option<String>,
    /// Epoch milliseconds.
    pub confirmed_at: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct GateEventDto {
    pub from: Option<String>,
    pub to: String,
    pub comment: String,
    pub by: String,
    pub at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ProjectDto {
    pub person_id: Uuid,
    /// occupation or business; null when no project is chosen yet.
    pub kind: Option<String>,
    pub code_rome: Option<String>,
    pub title: Option<String>,
    /// exploring, validating or validated.
    pub status: Option<String>,
    pub evidence: Vec<EvidenceDto>,
    /// coherence, training_and_funding, prospects → met.
    pub criteria: std::collections::BTreeMap<String, bool>,
    pub history: Vec<GateEventDto>,
}

/// The person's current project, its evidence, the three criteria and the history.
#[utoipa::path(get, path = "/api/v1/beneficiaries/{id}/project",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The project", body = ProjectDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "The role may not open this file"),
        (status = 404, description = "No such person in your organisation")
))]
pub async fn api_project(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> Result<Json<ProjectDto>, HttpError> {
    let actor = &actor;
    let view = state.app.project(actor, id.into()).await?;
    Ok(Json(ProjectDto {
        person_id: view.person.id,
        kind: view.project.as_ref().map(|p| p.kind.code().to_owned()),
        code_rome: view.project.as_ref().and_then(|p| p.code_rome.clone()),
        title: view.project.as_ref().map(|p| p.title.clone()),
        status: view.project.as_ref().map(|p| p.status.code().to_owned()),
        evidence: view
            .evidence
            .iter()
            .map(|e| EvidenceDto {
                item: e.item.code().to_owned(),
                note: e.record.as_ref().map(|(r, _)| r.note.clone()),
                confirmed_by: e.record.as_ref().map(|(_, who)| who.clone()),
                confirmed_at: e.record.as_ref().map(|(r, _)| r.confirmed_at),
            })
            .collect(),
        criteria: view
            .criteria
            .iter()
            .map(|(c, met)| (c.code().to_owned(), *met))
            .collect(),
        history: view
            .history
            .iter()
            .map(|(e, who)| GateEventDto {
                from: e.from.map(|s| s.code().to_owned()),
                to: e.to.code().to_owned(),
                comment: e.comment.clone(),
                by: who.clone(),
                at: e.at,
            })
            .collect(),
    }))
}

/// Chooses a new project (an occupation by ROME code, or a business by its title).
#[utoipa::path(post, path = "/api/v1/beneficiaries/{id}/project",
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = ChooseForm,
    responses(
        (status = 204, description = "Chosen"),
        (status = 403, description = "Only the person and their coach choose"),
        (status = 422, description = "Unknown code or empty title", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_choose(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Json(form): Json<ChooseForm>,
) -> Result<StatusCode, HttpError> {
    state
        .app
        .choose_project(&actor, id.into(), &choice(&form)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct EvidenceNoteDto {
    pub note: String,
}

/// Records one piece of evidence (informational_interview, immersion, training_path,
/// job_prospects, constraints_compatible) with who confirmed it and when.
#[utoipa::path(put, path = "/api/v1/beneficiaries/{id}/project/evidence/{item}",
    params(("id" = Uuid, Path, description = "Person id"), ("item" = String, Path, description = "Evidence code")),
    request_body = EvidenceNoteDto,
    responses(
        (status = 204, description = "Recorded"),
        (status = 403, description = "Only the person and their coach record evidence"),
        (status = 422, description = "Unknown item, empty note or no project", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_record_evidence(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath((id, item)): IdPath<(PersonId, String)>,
    Json(body): Json<EvidenceNoteDto>,
) -> Result<StatusCode, HttpError> {
    state
        .app
        .record_project_evidence(&actor, id.into(), evidence_item(&item)?, &body.note)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Moves the project through the gate.
#[utoipa::path(put, path = "/api/v1/beneficiaries/{id}/project/status",
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = MoveForm,
    responses(
        (status = 204, description = "Moved"),
        (status = 403, description = "Validating and sending back are the coach's"),
        (status = 422, description = "Not a move of the gate, missing evidence or comment", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_move(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Json(form): Json<MoveForm>,
) -> Result<StatusCode, HttpError> {
    state
        .app
        .move_project(&actor, id.into(), target(&form.to)?, &form.comment)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/parcours/projet", get(own_project))
        .route(
            "/beneficiaries/{id}/projet",
            get(person_project).post(choose),
        )
        .route("/beneficiaries/{id}/projet/preuves", post(record_evidence))
        .route("/beneficiaries/{id}/projet/statut", post(move_status))
        .api(routes!(api_project, api_choose))
        .api(routes!(api_record_evidence))
        .api(routes!(api_move))
}
