//! Programmes and cohorts under `/api/v1/`.

use crate::context::SignedIn;
use crate::kit::IdPath;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parcours_app::programmes::{CohortRow, ProgrammeDetails, ProgrammeInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::errors::HttpError;

#[derive(Serialize, ToSchema)]
pub struct ProgrammeLineDto {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub funder_id: Option<Uuid>,
    /// open | closed | archived
    pub status: String,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QuotaDto {
    pub organisation_id: Uuid,
    pub name: String,
    /// None: no quota.
    pub quota: Option<i32>,
    /// Referrals submitted or accepted: a quota may not go under it.
    pub referrals: u64,
}

#[derive(Serialize, ToSchema)]
pub struct CohortDto {
    pub id: Uuid,
    pub name: String,
    pub starts_on: String,
    pub capacity: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct ProgrammeDto {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub funder_id: Option<Uuid>,
    /// open | closed | archived
    pub status: String,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub co_pilots: Option<String>,
    pub copilot_ids: Vec<Uuid>,
    pub departements: Vec<String>,
    pub publics: Vec<String>,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
    pub min_cell: Option<i32>,
    pub coach_ids: Vec<Uuid>,
    pub quotas: Vec<QuotaDto>,
    pub cohorts: Vec<CohortDto>,
}

impl From<ProgrammeDetails> for ProgrammeDto {
    fn from(d: ProgrammeDetails) -> Self {
        ProgrammeDto {
            id: d.id,
            name: d.name,
            slug: d.slug,
            funder_id: d.funder_id,
            status: d.status,
            starts_on: d.rules.starts_on,
            ends_on: d.rules.ends_on,
            co_pilots: d.rules.co_pilots,
            copilot_ids: d.copilot_ids,
            departements: d.rules.departements,
            publics: d.rules.publics,
            min_age: d.rules.min_age,
            max_age: d.rules.max_age,
            min_cell: d.min_cell,
            coach_ids: d.coach_ids,
            quotas: d
                .referrers
                .into_iter()
                .map(|r| QuotaDto {
                    organisation_id: r.organisation_id,
                    name: r.name,
                    quota: r.quota,
                    referrals: r.standing,
                })
                .collect(),
            cohorts: d.cohorts.into_iter().map(cohort_dto).collect(),
        }
    }
}

fn cohort_dto(c: CohortRow) -> CohortDto {
    CohortDto {
        id: c.id,
        name: c.name,
        starts_on: c.starts_on,
        capacity: c.capacity,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct QuotaInputDto {
    /// A referrer organisation of the operator (it becomes a referrer of the programme).
    pub organisation_id: String,
    /// None or absent: no quota. Not under the referrals already counted.
    #[serde(default)]
    pub quota: Option<i32>,
}

/// A programme's fields. Creation requires `name`, `slug`, `funder_id`, `starts_on`
/// and `ends_on`; a change sends only the fields it changes.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ProgrammeInputDto {
    pub name: Option<String>,
    /// Lower-case letters, digits and hyphens; unique in the operator.
    pub slug: Option<String>,
    /// A funder organisation of the operator.
    pub funder_id: Option<String>,
    /// YYYY-MM-DD
    pub starts_on: Option<String>,
    /// YYYY-MM-DD, not before `starts_on`.
    pub ends_on: Option<String>,
    pub co_pilots: Option<String>,
    /// Co-pilot organisations of the operator.
    pub copilot_ids: Option<Vec<String>>,
    /// Département codes; empty: anywhere.
    pub departements: Option<Vec<String>>,
    /// Codes among qpv, zrr, youth, single_parent, social_minima, rqth, low_qualification.
    pub publics: Option<Vec<String>>,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
    /// Smallest group shown in reports: 11 or more.
    pub min_cell: Option<i32>,
    /// Coaches of the operator assigned to the programme.
    pub coach_ids: Option<Vec<String>>,
    pub quotas: Option<Vec<QuotaInputDto>>,
    /// open | closed | archived (archived: read-only, reports stay available).
    pub status: Option<String>,
}

impl From<ProgrammeInputDto> for ProgrammeInput {
    fn from(d: ProgrammeInputDto) -> Self {
        let n = |v: Option<i32>| v.map(|n| n.to_string());
        ProgrammeInput {
            name: d.name,
            slug: d.slug,
            funder_id: d.funder_id,
            starts_on: d.starts_on,
            ends_on: d.ends_on,
            co_pilots: d.co_pilots,
            copilot_ids: d.copilot_ids,
            departements: d.departements.map(|l| l.join(";")),
            publics: d.publics,
            min_age: n(d.min_age),
            max_age: n(d.max_age),
            min_cell: n(d.min_cell),
            coach_ids: d.coach_ids,
            quotas: d.quotas.map(|qs| {
                qs.into_iter()
                    .map(|q| {
                        (
                            q.organisation_id,
                            q.quota.map(|n| n.to_string()).unwrap_or_default(),
                        )
                    })
                    .collect()
            }),
            status: d.status,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CreatedIdDto {
    pub id: Uuid,
}

/// The operator's programmes, by name.
#[utoipa::path(get, path = "/api/v1/programmes",
    responses(
        (status = 200, description = "The programmes", body = [ProgrammeLineDto]),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the operator's administrators and programme managers")
))]
pub async fn api_list(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> Result<Json<Vec<ProgrammeLineDto>>, HttpError> {
    let lines = state.app.programme_lines(&actor).await?;
    Ok(Json(
        lines
            .into_iter()
            .map(|l| ProgrammeLineDto {
                id: l.id,
                name: l.name,
                slug: l.slug,
                funder_id: l.funder_id,
                status: l.status,
                starts_on: l.starts_on,
                ends_on: l.ends_on,
            })
            .collect(),
    ))
}

/// Creates a programme of the caller's operator.
#[utoipa::path(post, path = "/api/v1/programmes",
    request_body = ProgrammeInputDto,
    responses(
        (status = 201, description = "Created", body = CreatedIdDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the operator's administrators and programme managers"),
        (status = 422, description = "A field is refused (e.g. `ends_on` before `starts_on`, `slug` taken, `funder_id` not a funder of the operator); nothing saved", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_create(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Json(dto): Json<ProgrammeInputDto>,
) -> Result<(StatusCode, Json<CreatedIdDto>), HttpError> {
    let id = state.app.create_programme(&actor, &dto.into()).await?;
    Ok((StatusCode::CREATED, Json(CreatedIdDto { id })))
}

/// One programme with its rules, quotas, coaches and cohorts.
#[utoipa::path(get, path = "/api/v1/programmes/{id}",
    params(("id" = Uuid, Path, description = "Programme id")),
    responses(
        (status = 200, description = "The programme", body = ProgrammeDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the operator's administrators and programme managers"),
        (status = 404, description = "No such programme in your organisation")
))]
pub async fn api_get(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
) -> Result<Json<ProgrammeDto>, HttpError> {
    let details = state.app.programme_details(&actor, id).await?;
    Ok(Json(details.into()))
}

/// Changes the fields sent; an archived programme only changes `status`.
#[utoipa::path(patch, path = "/api/v1/programmes/{id}",
    params(("id" = Uuid, Path, description = "Programme id")),
    request_body = ProgrammeInputDto,
    responses(
        (status = 200, description = "The programme as saved", body = ProgrammeDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the operator's administrators and programme managers"),
        (status = 404, description = "No such programme in your organisation"),
        (status = 422, description = "A field is refused (e.g. a quota under the referrals already counted names `quotas`); nothing saved", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_update(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
    Json(dto): Json<ProgrammeInputDto>,
) -> Result<Json<ProgrammeDto>, HttpError> {
    let actor = &actor;
    state.app.update_programme(actor, id, &dto.into()).await?;
    Ok(Json(state.app.programme_details(actor, id).await?.into()))
}

/// The cohorts of a programme, by start date.
#[utoipa::path(get, path = "/api/v1/programmes/{id}/cohorts",
    params(("id" = Uuid, Path, description = "Programme id")),
    responses(
        (status = 200, description = "The cohorts", body = [CohortDto]),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the operator's administrators and programme managers"),
        (status = 404, description = "No such programme in your organisation")
))]
pub async fn api_cohorts(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
) -> Result<Json<Vec<CohortDto>>, HttpError> {
    let cohorts = state.app.programme_cohorts(&actor, id).await?;
    Ok(Json(cohorts.into_iter().map(cohort_dto).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCohortDto {
    #[serde(default)]
    pub name: String,
    /// YYYY-MM-DD
    #[serde(default)]
    pub starts_on: String,
}

/// Opens a cohort in an open programme.
#[utoipa::path(post, path = "/api/v1/programmes/{id}/cohorts",
    params(("id" = Uuid, Path, description = "Programme id")),
    request_body = NewCohortDto,
    responses(
        (status = 201, description = "Created", body = CreatedIdDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the operator's administrators and programme managers"),
        (status = 404, description = "No such programme in your organisation"),
        (status = 422, description = "A field is refused (`name`, `starts_on`), or the programme is closed (`programme`)", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_open_cohort(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
    Json(dto): Json<NewCohortDto>,
) -> Result<(StatusCode, Json<CreatedIdDto>), HttpError> {
    let id = state
        .app
        .open_cohort(&actor, id, &dto.name, &dto.starts_on)
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedIdDto { id })))
}
