//! Opportunities: the employer's space, the candidate's (and coach's) list with requests
//! and feedback, the employer's answer link, and `/api/v1/opportunities`.

mod api;

pub use api::*;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_app::opportunities::{CandidateView, EmployerRequestView, EmployerView};
use parcours_domain::opportunity::{OpportunityInput, OpportunityKind, RequestStatus};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::i18n::Lang;
use crate::kit::{
    IdPath, Page, PageResult, SavedQuery, field_messages, page_person, render, saved_redirect,
    see_other,
};
use crate::routes::Routes;
use axum::routing::{get, post};
use parcours_app::auth::Actor;
use parcours_domain::ids::{OpportunityId, OpportunityRequestId, PersonId};

fn kinds(lang: Lang) -> Vec<(&'static str, String)> {
    OpportunityKind::ALL
        .iter()
        .map(|k| {
            (
                k.code(),
                lang.t(&format!("opportunity-kind-{}", k.code().replace('_', "-"))),
            )
        })
        .collect()
}

/// Words for codes shared by the three pages.
trait Wording {
    fn page(&self) -> &Page;
    fn kind(&self, k: &OpportunityKind) -> String {
        self.page()
            .coded("opportunity-kind", &k.code().replace('_', "-"))
    }
    fn status(&self, s: &RequestStatus) -> String {
        self.page().coded("request-status", s.code())
    }
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct OfferForm {
    operator: String,
    kind: String,
    title: String,
    code_rome: String,
    description: String,
    commune_code: String,
    capacity: String,
    respond_within_days: String,
    starts_on: String,
    ends_on: String,
}

#[derive(Template)]
#[template(path = "employer.html")]
struct EmployerPage {
    p: Page,
    view: EmployerView,
    notice: Option<String>,
    errors: Vec<String>,
    form: OfferForm,
    kinds: Vec<(&'static str, String)>,
}

impl Wording for EmployerPage {
    fn page(&self) -> &Page {
        &self.p
    }
}

fn employer_page(
    ctx: &Ctx,
    view: EmployerView,
    notice: Option<String>,
    errors: Vec<String>,
    form: OfferForm,
) -> EmployerPage {
    EmployerPage {
        p: Page::new(ctx, ctx.lang.t("employer-space-title")),
        view,
        notice,
        errors,
        form,
        kinds: kinds(ctx.lang),
    }
}

pub async fn employer_space(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let view = state.app.employer_space(&actor).await?;
    let page = employer_page(
        &ctx,
        view,
        q.notice(ctx.lang),
        Vec::new(),
        OfferForm::default(),
    );
    Ok(render(&page)?.into_response())
}

pub async fn offer(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    axum::Form(form): axum::Form<OfferForm>,
) -> PageResult {
    let input = OpportunityInput {
        kind: form.kind.clone(),
        title: form.title.clone(),
        code_rome: form.code_rome.clone(),
        description: form.description.clone(),
        commune_code: form.commune_code.clone(),
        capacity: form.capacity.clone(),
        respond_within_days: form.respond_within_days.clone(),
        starts_on: form.starts_on.clone(),
        ends_on: form.ends_on.clone(),
    };
    let outcome = match form.operator.parse::<Uuid>() {
        Ok(operator) => state.app.offer_opportunity(&actor, operator, &input).await,
        Err(_) => Err(AppError::invalid("operator", "unknown")),
    };
    match outcome {
        Ok(_) => Ok(see_other("/entreprise?saved=1")),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.employer_space(&actor).await?;
            let messages = field_messages(ctx.lang, "offer", &errors);
            let page = employer_page(&ctx, view, None, messages, form);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct PauseForm {
    /// "yes" to pause, anything else to open again.
    paused: String,
}

pub async fn pause(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<OpportunityId>,
    axum::Form(form): axum::Form<PauseForm>,
) -> PageResult {
    state
        .app
        .pause_opportunity(&actor, id.into(), form.paused == "yes")
        .await?;
    Ok(see_other("/entreprise?saved=1"))
}

#[derive(Template)]
#[template(path = "opportunities.html")]
struct CandidatePage {
    p: Page,
    view: CandidateView,
    notice: Option<String>,
    errors: Vec<String>,
}

impl Wording for CandidatePage {
    fn page(&self) -> &Page {
        &self.p
    }
}

impl CandidatePage {
    fn km(&self, d: &f64) -> String {
        format!("{d:.0}")
    }
}

async fn show(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Option<PersonId>,
    notice: Option<String>,
    errors: Vec<String>,
    status: StatusCode,
) -> PageResult {
    let person = page_person(state, actor, id).await?;
    let view = state.app.opportunities_for(actor, person).await?;
    let page = CandidatePage {
        p: Page::new(ctx, ctx.lang.t("opportunities-title")),
        view,
        notice,
        errors,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn own(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show(
        &state,
        &ctx,
        &actor,
        None,
        q.notice(ctx.lang),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn of_person(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show(
        &state,
        &ctx,
        &actor,
        Some(id),
        q.notice(ctx.lang),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct RequestForm {
    opportunity: String,
    message: String,
}

async fn refused(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    person: Uuid,
    prefix: &str,
    errors: &[parcours_app::FieldError],
) -> PageResult {
    let messages = field_messages(ctx.lang, prefix, errors);
    let own = state.app.own_person_id(actor).await? == Some(person);
    show(
        state,
        ctx,
        actor,
        (!own).then_some(PersonId::from(person)),
        None,
        messages,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub async fn request(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    axum::Form(form): axum::Form<RequestForm>,
) -> PageResult {
    let person = id.uuid();
    match state
        .app
        .request_opportunity(&actor, person, &form.opportunity, &form.message)
        .await
    {
        Ok(_) => {
            saved_redirect(
                &state,
                &actor,
                person,
                "/parcours/opportunites",
                "opportunites",
                "#requests",
            )
            .await
        }
        Err(AppError::Invalid(errors)) => {
            refused(&state, &ctx, &actor, person, "opportunity", &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct FeedbackForm {
    rating: String,
    comment: String,
}

pub async fn candidate_feedback(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath((id, request)): IdPath<(PersonId, OpportunityRequestId)>,
    axum::Form(form): axum::Form<FeedbackForm>,
) -> PageResult {
    let person = id.uuid();
    match state
        .app
        .candidate_feedback(&actor, person, request.into(), &form.rating, &form.comment)
        .await
    {
        Ok(()) => {
            saved_redirect(
                &state,
                &actor,
                person,
                "/parcours/opportunites",
                "opportunites",
                "#requests",
            )
            .await
        }
        Err(AppError::Invalid(errors)) => {
            refused(&state, &ctx, &actor, person, "feedback", &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "employer_request.html")]
struct EmployerRequestPage {
    p: Page,
    view: Option<EmployerRequestView>,
    token: String,
    notice: Option<String>,
    errors: Vec<String>,
}

impl Wording for EmployerRequestPage {
    fn page(&self) -> &Page {
        &self.p
    }
}

async fn show_link(
    state: &AppState,
    ctx: &Ctx,
    token: &str,
    notice: Option<String>,
    errors: Vec<String>,
) -> PageResult {
    let view = match state.app.employer_request(token).await {
        Ok(v) => Some(v),
        Err(AppError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let status = if view.is_none() {
        StatusCode::NOT_FOUND
    } else if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = EmployerRequestPage {
        p: Page::new(ctx, ctx.lang.t("employer-request-title")),
        view,
        token: token.to_owned(),
        notice,
        errors,
    };
    Ok((
        status,
        [(header::REFERRER_POLICY, "no-referrer")],
        render(&page)?,
    )
        .into_response())
}

pub async fn employer_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show_link(&state, &ctx, &token, q.notice(ctx.lang), Vec::new()).await
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    /// "accept" or "decline".
    decision: String,
}

pub async fn employer_answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    axum::Form(form): axum::Form<AnswerForm>,
) -> PageResult {
    match state
        .app
        .answer_from_link(&token, form.decision == "accept")
        .await
    {
        Ok(()) => Ok(see_other(&format!("/demandes/{token}?saved=1"))),
        Err(AppError::Invalid(errors)) => {
            let messages = field_messages(ctx.lang, "employer-request", &errors);
            show_link(&state, &ctx, &token, None, messages).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn employer_feedback(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    axum::Form(form): axum::Form<FeedbackForm>,
) -> PageResult {
    match state
        .app
        .employer_feedback(&token, &form.rating, &form.comment)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/demandes/{token}?saved=1"))),
        Err(AppError::Invalid(errors)) => {
            let messages = field_messages(ctx.lang, "feedback", &errors);
            show_link(&state, &ctx, &token, None, messages).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "partners.html")]
struct PartnersPage {
    p: Page,
    partners: Vec<parcours_app::opportunities::Partner>,
    notice: Option<String>,
    errors: Vec<String>,
    form: InviteForm,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct InviteForm {
    organisation: String,
    contact_name: String,
    email: String,
}

async fn partners_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    notice: Option<String>,
    errors: Vec<String>,
    form: InviteForm,
) -> PageResult {
    let partners = state.app.partners(actor).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = PartnersPage {
        p: Page::new(ctx, ctx.lang.t("partners-title")),
        partners,
        notice,
        errors,
        form,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn partners(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    // The same notice whether the address had an account or not.
    partners_page(
        &state,
        &ctx,
        &actor,
        q.notice(ctx.lang)
            .map(|_| ctx.lang.t("partners-invitation-sent")),
        Vec::new(),
        InviteForm::default(),
    )
    .await
}

pub async fn invite_employer(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    axum::Form(form): axum::Form<InviteForm>,
) -> PageResult {
    match state
        .app
        .invite_employer(&actor, &form.organisation, &form.contact_name, &form.email)
        .await
    {
        Ok(()) => Ok(see_other("/entreprises?saved=1")),
        Err(AppError::Invalid(errors)) => {
            let messages = field_messages(ctx.lang, "partner", &errors);
            partners_page(&state, &ctx, &actor, None, messages, form).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    use utoipa_axum::routes;
    Routes::new()
        .api(routes!(api_list, api_create))
        .api(routes!(api_get, api_update))
        .route("/entreprises", get(partners).post(invite_employer))
        .route("/entreprise", get(employer_space))
        .route("/entreprise/opportunites", post(offer))
        .route("/entreprise/opportunites/{id}/pause", post(pause))
        .route("/parcours/opportunites", get(own))
        .route("/beneficiaries/{id}/opportunites", get(of_person))
        .route("/beneficiaries/{id}/opportunites/demandes", post(request))
        .route(
            "/beneficiaries/{id}/opportunites/demandes/{request}/avis",
            post(candidate_feedback),
        )
        .route(
            "/demandes/{token}",
            get(employer_link).post(employer_answer),
        )
        .route("/demandes/{token}/avis", post(employer_feedback))
}
