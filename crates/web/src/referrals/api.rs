//! Referrals under `/api/v1/`: list, submit, decide.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parcours_domain::referral::ReferralInput;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::*;
use crate::AppState;
use crate::context::SignedIn;
use crate::errors::HttpError;
use crate::kit::IdPath;
use parcours_domain::ids::ReferralId;

#[derive(Serialize, ToSchema)]
pub struct ReferralDto {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub programme: String,
    pub referrer: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: String,
    /// submitted | accepted | refused | expired
    pub status: String,
    pub refusal_reason: Option<String>,
    pub cohort_id: Option<Uuid>,
    /// The person's file, once accepted (managers only).
    pub person_id: Option<Uuid>,
    /// The bilan's phase, when the person lets their referrer see it.
    pub milestone: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// The referrals the caller sent (referrer) or received (manager), newest first.
#[utoipa::path(get, path = "/api/v1/referrals",
    responses(
        (status = 200, description = "The referrals", body = [ReferralDto]),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only referrers and programme managers")
))]
pub async fn api_list(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> Result<Json<Vec<ReferralDto>>, HttpError> {
    let view = state.app.referrals(&actor).await?;
    let deciding = view.deciding;
    Ok(Json(
        view.lines
            .into_iter()
            .map(|l| ReferralDto {
                id: l.referral.id,
                programme_id: l.referral.programme_id,
                programme: l.programme_name,
                referrer: l.referrer_name,
                first_name: l.referral.first_name,
                last_name: l.referral.last_name,
                birth_date: l.referral.birth_date,
                status: l.referral.status.code().to_owned(),
                refusal_reason: l.referral.refusal_reason.map(|r| r.code().to_owned()),
                cohort_id: l.referral.cohort_id,
                person_id: if deciding { l.referral.person_id } else { None },
                milestone: l.milestone.map(|p| p.code().to_owned()),
                created_at: l.referral.created_at,
                expires_at: l.referral.expires_at,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewReferralDto {
    pub programme_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    /// YYYY-MM-DD (or DD/MM/YYYY).
    pub birth_date: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub commune_code: String,
    /// Codes among qpv, zrr, youth, single_parent, social_minima, rqth, low_qualification.
    #[serde(default)]
    pub publics: Vec<String>,
    #[serde(default)]
    pub motivation: String,
    /// The advisor following the person, when they have no account: a link to follow
    /// the referral is emailed to this address.
    #[serde(default)]
    pub advisor_email: String,
    /// The person agreed to be referred; must be true.
    #[serde(default)]
    pub consent: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ReferralCreatedDto {
    pub id: Uuid,
}

/// A referrer sends a candidate to a programme it refers to.
#[utoipa::path(post, path = "/api/v1/referrals",
    request_body = NewReferralDto,
    responses(
        (status = 201, description = "Submitted", body = ReferralCreatedDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only referrers of the programme"),
        (status = 422, description = "A field is refused, or the person is already referred; nothing saved", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_submit(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Json(dto): Json<NewReferralDto>,
) -> Result<(StatusCode, Json<ReferralCreatedDto>), HttpError> {
    let input = ReferralInput {
        first_name: dto.first_name,
        last_name: dto.last_name,
        birth_date: dto.birth_date,
        email: dto.email,
        phone: dto.phone,
        commune_code: dto.commune_code,
        publics: dto.publics.join(";"),
        motivation: dto.motivation,
        advisor_email: dto.advisor_email,
        consent: dto.consent,
    };
    let id = state.app.refer(&actor, dto.programme_id, &input).await?;
    Ok((StatusCode::CREATED, Json(ReferralCreatedDto { id })))
}

/// The manager accepts (into a cohort) or refuses (with a reason) a submitted referral.
#[utoipa::path(put, path = "/api/v1/referrals/{id}/decision",
    params(("id" = Uuid, Path, description = "Referral id")),
    request_body = DecisionForm,
    responses(
        (status = 204, description = "Decided"),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the operator's programme managers"),
        (status = 404, description = "No such referral for your organisation"),
        (status = 422, description = "Unknown decision, reason or cohort, or already decided", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_decide(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ReferralId>,
    Json(form): Json<DecisionForm>,
) -> Result<StatusCode, HttpError> {
    decide_with(&state, &actor, id.into(), &form).await?;
    Ok(StatusCode::NO_CONTENT)
}
