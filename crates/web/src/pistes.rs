//! The pistes pages (the person's own and the coach's view of them) and their API.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_app::pistes::{PisteOp, PistesView};
use parcours_catalog::recommend::Training;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::HttpError;
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

fn training_text(lang: Lang, training: Option<Training>, regulated: bool) -> String {
    let key = match training {
        Some(Training::None) => "training-none",
        Some(Training::Short) => "training-short",
        Some(Training::OneYear) => "training-one-year",
        Some(Training::More) => "training-more",
        None => "training-unknown",
    };
    let text = lang.t(key);
    if regulated {
        format!("{text} {}", lang.t("training-regulated"))
    } else {
        text
    }
}

struct PisteRow {
    code: String,
    label: String,
    score: Option<String>,
    badges: Vec<String>,
    reasons: Vec<String>,
    cautions: Vec<String>,
    training: String,
    skills_you_have: Vec<String>,
    skills_to_acquire: Vec<String>,
    shortlisted: bool,
    pinned: bool,
}

#[derive(Template)]
#[template(path = "pistes.html")]
struct PistesPage {
    p: Page,
    is_self: bool,
    can_pin: bool,
    person_id: Uuid,
    person_name: String,
    notice: Option<String>,
    errors: Vec<String>,
    based_on: String,
    missing: String,
    catalog_ready: bool,
    needs_answers: bool,
    coach_notes: Vec<String>,
    pistes: Vec<PisteRow>,
    rejected: Vec<(String, String, String)>,
    version: String,
    back_href: String,
}

fn pistes_page(
    ctx: &Ctx,
    view: PistesView,
    notice: Option<String>,
    errors: Vec<String>,
) -> PistesPage {
    let lang = ctx.lang;
    let p = Page::new(ctx, lang.t("pistes-title"));
    let list = |texts: &[parcours_domain::instrument::Text]| {
        texts
            .iter()
            .map(|t| t.get(lang.code()).to_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let pistes = view
        .pistes
        .iter()
        .map(|piste| {
            let r = &piste.recommendation;
            let mut badges = Vec::new();
            if piste.choice.shortlisted {
                badges.push(lang.t("pistes-badge-kept"));
            }
            if piste.choice.pinned {
                badges.push(lang.t("pistes-badge-pinned"));
            }
            if piste.added {
                badges.push(lang.t("pistes-badge-added"));
            }
            if r.current_job {
                badges.push(lang.t("pistes-badge-current-job"));
            }
            PisteRow {
                code: r.code_rome.clone(),
                label: r.label.clone(),
                score: view.can_pin.then(|| format!("{:.0}", r.score)),
                badges,
                reasons: r.reasons.clone(),
                cautions: r.cautions.clone(),
                training: training_text(lang, r.training, r.regulated),
                skills_you_have: r.skills_you_have.clone(),
                skills_to_acquire: r.skills_to_acquire.clone(),
                shortlisted: piste.choice.shortlisted,
                pinned: piste.choice.pinned,
            }
        })
        .collect();
    PistesPage {
        is_self: view.is_self,
        can_pin: view.can_pin,
        person_id: view.person.id,
        person_name: format!("{} {}", view.person.first_name, view.person.last_name),
        notice,
        errors,
        based_on: list(&view.based_on),
        missing: list(&view.missing),
        catalog_ready: view.catalog_version.is_some(),
        needs_answers: view.needs_answers,
        coach_notes: if view.can_pin {
            view.coach_notes.clone()
        } else {
            Vec::new()
        },
        pistes,
        rejected: view.rejected,
        version: format!(
            "ROME {} · {}",
            view.catalog_version.unwrap_or_default(),
            view.weights_version
        ),
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
    let view = state.app.pistes(actor, person).await?;
    Ok(render(&pistes_page(ctx, view, q.notice(ctx.lang), Vec::new()))?.into_response())
}

pub async fn own_pistes(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show(&state, &ctx, &actor, None, &q).await
}

pub async fn person_pistes(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show(&state, &ctx, &actor, Some(id), &q).await
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct PisteForm {
    op: String,
    reason: String,
    /// For the coach's "add a piste" form.
    code: String,
}

async fn apply(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    person: Uuid,
    code: &str,
    form: &PisteForm,
) -> PageResult {
    let Some(op) = PisteOp::parse(&form.op, &form.reason) else {
        return Err(HttpError::unknown_choice("op", &form.op));
    };
    match state.app.change_piste(actor, person, code, &op).await {
        Ok(()) => {
            let anchor = format!("#piste-{}", code.trim().to_ascii_uppercase());
            saved_redirect(state, actor, person, "/parcours/pistes", "pistes", &anchor).await
        }
        Err(AppError::Invalid(errors)) => {
            let view = state.app.pistes(actor, person).await?;
            let page = pistes_page(ctx, view, None, field_messages(ctx.lang, "pistes", &errors));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn change(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath((id, code)): IdPath<(PersonId, String)>,
    axum::Form(form): axum::Form<PisteForm>,
) -> PageResult {
    apply(&state, &ctx, &actor, id.into(), &code, &form).await
}

/// The coach adds a piste by its ROME code.
pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    axum::Form(form): axum::Form<PisteForm>,
) -> PageResult {
    apply(&state, &ctx, &actor, id.into(), &form.code, &form).await
}

// ---------------------------------------------------------------- API

#[derive(Serialize, ToSchema)]
pub struct PisteDto {
    pub code_rome: String,
    pub label: String,
    /// 0–100; only for staff.
    pub score: Option<f64>,
    pub reasons: Vec<String>,
    pub cautions: Vec<String>,
    /// none, short, one_year or more; null when the access text does not say.
    pub training: Option<String>,
    pub shortlisted: bool,
    pub pinned: bool,
    /// Pinned by the coach though the engine did not propose it.
    pub added: bool,
    /// The qualification the occupation usually asks (none, cap_bep, bac, bac2, bac3,
    /// bac5); null when its access text does not say.
    pub entry_level: Option<String>,
    /// The person's own job (or its domain) while they want to change.
    pub current_job: bool,
    /// Core know-how of the occupation the person has practised.
    pub skills_you_have: Vec<String>,
    /// Core know-how they would learn.
    pub skills_to_acquire: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RejectedDto {
    pub code_rome: String,
    pub label: String,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct PistesDto {
    pub person_id: Uuid,
    pub catalog_version: Option<String>,
    pub weights_version: String,
    pub pistes: Vec<PisteDto>,
    pub rejected: Vec<RejectedDto>,
    /// True while nothing is answered yet: no proposals, the activities come first.
    pub needs_answers: bool,
    /// What the coach should know about this list (a flat interest profile, an answer
    /// a reference release made obsolete); empty for the person.
    pub coach_notes: Vec<String>,
}

/// A person's pistes: the coach's pins and the person's shortlist first, then the
/// engine's proposals (about 40), with reasons and cautions.
#[utoipa::path(get, path = "/api/v1/beneficiaries/{id}/pistes",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The pistes", body = PistesDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "The role may not open this file"),
        (status = 404, description = "No such person in your organisation")
))]
pub async fn api_pistes(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> Result<Json<PistesDto>, HttpError> {
    let actor = &actor;
    let view = state.app.pistes(actor, id.into()).await?;
    Ok(Json(PistesDto {
        person_id: view.person.id,
        catalog_version: view.catalog_version.clone(),
        weights_version: view.weights_version.to_owned(),
        pistes: view
            .pistes
            .iter()
            .map(|p| PisteDto {
                code_rome: p.recommendation.code_rome.clone(),
                label: p.recommendation.label.clone(),
                score: view.can_pin.then_some(p.recommendation.score),
                reasons: p.recommendation.reasons.clone(),
                cautions: p.recommendation.cautions.clone(),
                training: p.recommendation.training.map(|t| t.code().to_owned()),
                shortlisted: p.choice.shortlisted,
                pinned: p.choice.pinned,
                added: p.added,
                entry_level: p.recommendation.entry_level.map(|q| q.code().to_owned()),
                current_job: p.recommendation.current_job,
                skills_you_have: p.recommendation.skills_you_have.clone(),
                skills_to_acquire: p.recommendation.skills_to_acquire.clone(),
            })
            .collect(),
        rejected: view
            .rejected
            .iter()
            .map(|(code, label, reason)| RejectedDto {
                code_rome: code.clone(),
                label: label.clone(),
                reason: reason.clone(),
            })
            .collect(),
        needs_answers: view.needs_answers,
        coach_notes: if view.can_pin {
            view.coach_notes.clone()
        } else {
            Vec::new()
        },
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct PisteChangeDto {
    /// shortlist, unshortlist, reject, unreject (the person); pin, unpin (staff).
    pub op: String,
    /// Why the person turns the piste down (with `reject`), 500 characters at most.
    #[serde(default)]
    pub reason: String,
}

/// Keeps, turns down, pins or unpins a piste.
#[utoipa::path(put, path = "/api/v1/beneficiaries/{id}/pistes/{code}",
    params(("id" = Uuid, Path, description = "Person id"), ("code" = String, Path, description = "ROME code")),
    request_body = PisteChangeDto,
    responses(
        (status = 204, description = "Saved"),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the person keeps or turns down; staff pin"),
        (status = 404, description = "No such person in your organisation"),
        (status = 422, description = "Unknown operation or ROME code, or reason too long", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_change_piste(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath((id, code)): IdPath<(PersonId, String)>,
    Json(body): Json<PisteChangeDto>,
) -> Result<StatusCode, HttpError> {
    let Some(op) = PisteOp::parse(&body.op, &body.reason) else {
        return Err(HttpError::unknown_choice("op", &body.op));
    };
    state
        .app
        .change_piste(&actor, id.into(), &code, &op)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/parcours/pistes", get(own_pistes))
        .route("/beneficiaries/{id}/pistes", get(person_pistes).post(add))
        .route("/beneficiaries/{id}/pistes/{code}", post(change))
        .api(routes!(api_pistes))
        .api(routes!(api_change_piste))
}
