//! The manager's decisions: accept into a cohort or refuse, cohorts, evidence.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::AppError;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::*;
use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::kit::{IdPath, PageResult, field_messages, render, see_other};
use parcours_app::auth::Actor;
use parcours_domain::ids::ReferralId;

#[derive(Debug, Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct DecisionForm {
    /// `accept` or `refuse`.
    pub decision: String,
    /// For an acceptance: a cohort of the programme (optional).
    pub cohort: String,
    /// For a refusal: one of not_eligible, programme_full, unreachable,
    /// declined_by_person, duplicate, better_elsewhere.
    pub reason: String,
}

pub(super) async fn decide_with(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    form: &DecisionForm,
) -> Result<(), AppError> {
    match form.decision.as_str() {
        "accept" => state
            .app
            .accept_referral(actor, id, &form.cohort)
            .await
            .map(|_| ()),
        "refuse" => state.app.refuse_referral(actor, id, &form.reason).await,
        _ => Err(AppError::invalid("decision", "required")),
    }
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ReferralId>,
    axum::Form(form): axum::Form<DecisionForm>,
) -> PageResult {
    let id = id.uuid();
    match decide_with(&state, &actor, id, &form).await {
        Ok(()) => Ok(see_other(&format!("/orientations?saved=1#referral-{id}"))),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.referrals(&actor).await?;
            let messages = field_messages(ctx.lang, "referral", &errors);
            let page = page(
                &ctx,
                view,
                None,
                messages,
                ReferralForm::default(),
                Vec::new(),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct CohortForm {
    programme: String,
    name: String,
    starts_on: String,
    capacity: String,
}

pub async fn add_cohort(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    axum::Form(form): axum::Form<CohortForm>,
) -> PageResult {
    let outcome = match form.programme.parse::<Uuid>() {
        Ok(programme) => {
            state
                .app
                .add_cohort(
                    &actor,
                    programme,
                    &form.name,
                    &form.starts_on,
                    &form.capacity,
                )
                .await
        }
        Err(_) => Err(AppError::invalid("programme", "unknown")),
    };
    match outcome {
        Ok(_) => Ok(see_other("/orientations?saved=1#cohorts")),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.referrals(&actor).await?;
            let messages = field_messages(ctx.lang, "cohort", &errors);
            let page = page(
                &ctx,
                view,
                None,
                messages,
                ReferralForm::default(),
                Vec::new(),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct EvidenceForm {
    /// "yes" once the proofs were seen, anything else to take it back.
    seen: String,
}

pub async fn evidence(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ReferralId>,
    axum::Form(form): axum::Form<EvidenceForm>,
) -> PageResult {
    let id = id.uuid();
    state
        .app
        .check_evidence(&actor, id, form.seen == "yes")
        .await?;
    Ok(see_other(&format!("/orientations?saved=1#referral-{id}")))
}
