//! The employer's offers under `/api/v1/opportunities`: the same use cases and checks
//! as the employer's space (`/entreprise`); refusals are problem+json naming the field.

use crate::context::SignedIn;
use crate::kit::IdPath;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parcours_app::AppError;
use parcours_app::opportunities::{OfferLine, OfferPatch};
use parcours_domain::ids::OpportunityId;
use parcours_domain::opportunity::{OpportunityInput, RequestStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::errors::HttpError;

#[derive(Serialize, ToSchema)]
pub struct OpportunityDto {
    pub id: Uuid,
    /// The operator whose candidates see the offer.
    pub operator_id: Uuid,
    /// The employer organisation that offers it.
    pub employer_id: Uuid,
    /// informational_interview | immersion | internship | sponsorship | temp_job | job
    pub kind: String,
    pub title: String,
    /// The ROME occupation code, if any.
    pub code_rome: Option<String>,
    pub description: String,
    /// INSEE code of the commune where it takes place.
    pub commune_code: Option<String>,
    /// How many candidates it takes.
    pub capacity: i32,
    /// Days the employer gives itself to answer a request.
    pub respond_within_days: i32,
    /// YYYY-MM-DD
    pub starts_on: Option<String>,
    /// YYYY-MM-DD
    pub ends_on: Option<String>,
    /// Paused: no longer suggested to candidates.
    pub paused: bool,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    /// Requests waiting for the employer's answer.
    pub requests_waiting: u64,
    /// Requests the employer accepted (the capacity never goes under them).
    pub requests_accepted: u64,
}

fn dto(line: OfferLine) -> OpportunityDto {
    let count =
        |status: RequestStatus| line.requests.iter().filter(|r| r.status == status).count() as u64;
    let (waiting, accepted) = (
        count(RequestStatus::Requested),
        count(RequestStatus::Accepted),
    );
    let o = line.opportunity;
    OpportunityDto {
        id: o.id,
        operator_id: o.tenant_id,
        employer_id: o.employer_org_id,
        kind: o.kind.code().to_owned(),
        title: o.title,
        code_rome: o.code_rome,
        description: o.description,
        commune_code: o.commune_code,
        capacity: o.capacity,
        respond_within_days: o.respond_within_days,
        starts_on: o.starts_on,
        ends_on: o.ends_on,
        paused: o.paused,
        created_at: o.created_at,
        requests_waiting: waiting,
        requests_accepted: accepted,
    }
}

/// An offer's fields. Creation requires `kind` and `title` (an immersion also its
/// dates), and `operator_id` when the employer works with more than one operator; a
/// change sends only the fields it changes.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct OpportunityInputDto {
    /// The partner operator the offer is made to (creation only).
    pub operator_id: Option<String>,
    /// informational_interview | immersion | internship | sponsorship | temp_job | job
    pub kind: Option<String>,
    /// 120 characters at most.
    pub title: Option<String>,
    /// A ROME code such as D1102; empty: none.
    pub code_rome: Option<String>,
    /// 2,000 characters at most.
    pub description: Option<String>,
    /// INSEE commune code (5 characters); empty: none.
    pub commune_code: Option<String>,
    /// 1 to 100 (default 1); not under the requests already accepted.
    #[schema(value_type = Option<i32>)]
    pub capacity: Option<Value>,
    /// 1 to 60 days (default 7).
    #[schema(value_type = Option<i32>)]
    pub respond_within_days: Option<Value>,
    /// YYYY-MM-DD
    pub starts_on: Option<String>,
    /// YYYY-MM-DD, not before `starts_on`; an immersion lasts 31 days at most.
    pub ends_on: Option<String>,
    /// Changes only: pause (true) or open again (false).
    #[schema(value_type = Option<bool>)]
    pub paused: Option<Value>,
}

/// A number sent as a number or as digits; anything else stays as typed so that the
/// check refuses it naming its field.
fn number_text(v: Option<Value>) -> Option<String> {
    v.map(|v| match v {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

impl OpportunityInputDto {
    fn patch(self) -> Result<OfferPatch, HttpError> {
        let paused = match self.paused {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(b),
            Some(_) => return Err(AppError::invalid("paused", "invalid").into()),
        };
        if self.operator_id.is_some() {
            // An offer stays with the operator it was made to.
            return Err(AppError::invalid("operator_id", "read_only").into());
        }
        Ok(OfferPatch {
            kind: self.kind,
            title: self.title,
            code_rome: self.code_rome,
            description: self.description,
            commune_code: self.commune_code,
            capacity: number_text(self.capacity),
            respond_within_days: number_text(self.respond_within_days),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            paused,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct OpportunityCreatedDto {
    pub id: Uuid,
}

/// The offers the caller may read: an employer's own (in every operator it works
/// with), or, for a programme manager, those made to the operator's candidates.
#[utoipa::path(get, path = "/api/v1/opportunities",
    responses(
        (status = 200, description = "The offers, newest first", body = [OpportunityDto]),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only employers and the operator's programme managers")
))]
pub async fn api_list(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> Result<Json<Vec<OpportunityDto>>, HttpError> {
    let lines = state.app.offers(&actor).await?;
    Ok(Json(lines.into_iter().map(dto).collect()))
}

/// The employer offers an opportunity to one of its partner operators.
#[utoipa::path(post, path = "/api/v1/opportunities",
    request_body = OpportunityInputDto,
    responses(
        (status = 201, description = "Created", body = OpportunityCreatedDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only employers working with an operator"),
        (status = 422, description = "A field is refused (e.g. `kind` unknown, `title` missing, `ends_on` before `starts_on`, `operator_id` not a partner operator); nothing saved", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_create(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Json(body): Json<OpportunityInputDto>,
) -> Result<(StatusCode, Json<OpportunityCreatedDto>), HttpError> {
    let operator = match body.operator_id.as_deref().map(str::trim) {
        Some(raw) if !raw.is_empty() => raw
            .parse::<Uuid>()
            .map_err(|_| AppError::invalid("operator_id", "unknown"))?,
        // Without one, the only operator the employer works with.
        _ => match state.app.employer_operator_ids(&actor).await?.as_slice() {
            [only] => *only,
            _ => return Err(AppError::invalid("operator_id", "required").into()),
        },
    };
    let input = OpportunityInput {
        kind: body.kind.unwrap_or_default(),
        title: body.title.unwrap_or_default(),
        code_rome: body.code_rome.unwrap_or_default(),
        description: body.description.unwrap_or_default(),
        commune_code: body.commune_code.unwrap_or_default(),
        capacity: number_text(body.capacity).unwrap_or_default(),
        respond_within_days: number_text(body.respond_within_days).unwrap_or_default(),
        starts_on: body.starts_on.unwrap_or_default(),
        ends_on: body.ends_on.unwrap_or_default(),
    };
    let id = match state.app.offer_opportunity(&actor, operator, &input).await {
        Ok(id) => id,
        // The form names the operator `operator`; the API, `operator_id`.
        Err(AppError::Invalid(errors)) => {
            return Err(AppError::Invalid(
                errors
                    .into_iter()
                    .map(|mut e| {
                        if e.field == "operator" {
                            e.field = "operator_id";
                        }
                        e
                    })
                    .collect(),
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    Ok((StatusCode::CREATED, Json(OpportunityCreatedDto { id })))
}

/// One offer with its requests counted.
#[utoipa::path(get, path = "/api/v1/opportunities/{id}",
    params(("id" = Uuid, Path, description = "Opportunity id")),
    responses(
        (status = 200, description = "The offer", body = OpportunityDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only employers and the operator's programme managers"),
        (status = 404, description = "No such offer of yours (or made to your operator)")
))]
pub async fn api_get(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<OpportunityId>,
) -> Result<Json<OpportunityDto>, HttpError> {
    Ok(Json(dto(state.app.offer(&actor, id.into()).await?)))
}

/// The employer changes the fields sent of one of its offers, or pauses it.
#[utoipa::path(patch, path = "/api/v1/opportunities/{id}",
    params(("id" = Uuid, Path, description = "Opportunity id")),
    request_body = OpportunityInputDto,
    responses(
        (status = 200, description = "The offer as saved", body = OpportunityDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the employer that made the offer changes it"),
        (status = 404, description = "No such offer of yours"),
        (status = 422, description = "A field is refused (e.g. `capacity` under the requests already accepted, `operator_id` sent); nothing saved", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_update(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<OpportunityId>,
    Json(body): Json<OpportunityInputDto>,
) -> Result<Json<OpportunityDto>, HttpError> {
    let actor = &actor;
    let id: Uuid = id.into();
    let patch = match body.patch() {
        Ok(patch) => patch,
        Err(refused) => {
            // Who may not see the offer learns no more than that.
            state.app.offer(actor, id).await?;
            return Err(refused);
        }
    };
    state.app.change_offer(actor, id, &patch).await?;
    Ok(Json(dto(state.app.offer(actor, id).await?)))
}
