//! `GET|PATCH /api/v1/organisations/{id}`: the caller's own organisation; the
//! administrator changes the operator's settings (the same rules as the page).

use crate::kit::IdPath;
use axum::Json;
use axum::extract::State;
use parcours_app::setup::{OrganisationSettings, SettingsPatch};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::context::SignedIn;
use crate::errors::HttpError;

/// An organisation and, for an operator, its settings.
#[derive(Serialize, ToSchema)]
pub struct OrganisationDto {
    pub id: Uuid,
    /// operator, referrer, funder or employer.
    pub kind: String,
    pub name: String,
    /// 14 digits (null until given).
    pub siret: Option<String>,
    pub address: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    /// The data-protection contact.
    pub dpo_contact: Option<String>,
    /// Who hosts the service (the legal notice names it).
    pub host: Option<String>,
    /// The privacy notice's text (the default one until changed).
    pub privacy_notice: String,
    /// The accessibility statement's text (the default one until changed).
    pub accessibility_statement: String,
    /// The default minimum cell of reports (11 or more).
    pub min_cell: i32,
}

fn some(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_owned())
}

impl From<OrganisationSettings> for OrganisationDto {
    fn from(o: OrganisationSettings) -> Self {
        OrganisationDto {
            id: o.id,
            kind: o.kind.code().to_owned(),
            siret: some(&o.siret),
            address: some(&o.address),
            contact_email: some(&o.contact_email),
            contact_phone: some(&o.contact_phone),
            dpo_contact: some(&o.dpo_contact),
            host: some(&o.host),
            name: o.name,
            privacy_notice: o.privacy_notice,
            accessibility_statement: o.accessibility_statement,
            min_cell: o.min_cell,
        }
    }
}

/// The fields to change; absent ones keep their value, an empty string clears an
/// optional one (an empty text brings back the default text).
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct OrganisationPatch {
    pub name: Option<String>,
    pub siret: Option<String>,
    pub address: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub dpo_contact: Option<String>,
    pub host: Option<String>,
    pub privacy_notice: Option<String>,
    pub accessibility_statement: Option<String>,
    /// 11 or more.
    #[schema(value_type = Option<i32>)]
    pub min_cell: Option<serde_json::Value>,
}

/// The caller's organisation (another's answers 404).
#[utoipa::path(get, path = "/api/v1/organisations/{id}",
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation", body = OrganisationDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "The role may not read it"),
        (status = 404, description = "Not your organisation")
))]
pub async fn api_organisation(
    State(state): State<AppState>,
    IdPath(id): IdPath<Uuid>,
    SignedIn(actor): SignedIn,
) -> Result<Json<OrganisationDto>, HttpError> {
    let org = state.app.organisation(&actor, id).await?;
    Ok(Json(org.into()))
}

/// The administrator changes their operator's settings; answers the saved organisation.
#[utoipa::path(patch, path = "/api/v1/organisations/{id}",
    params(("id" = Uuid, Path, description = "Organisation id")),
    request_body = OrganisationPatch,
    responses(
        (status = 200, description = "Saved", body = OrganisationDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Administrators only"),
        (status = 404, description = "Not your organisation"),
        (status = 422, description = "A field refused (named in `errors`); nothing saved", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_patch_organisation(
    State(state): State<AppState>,
    IdPath(id): IdPath<Uuid>,
    SignedIn(actor): SignedIn,
    Json(body): Json<OrganisationPatch>,
) -> Result<Json<OrganisationDto>, HttpError> {
    // A number or its digits as a string: the rule (11 or more) is the use case's.
    let min_cell = body.min_cell.map(|v| match v {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    });
    let patch = SettingsPatch {
        name: body.name,
        siret: body.siret,
        address: body.address,
        contact_email: body.contact_email,
        contact_phone: body.contact_phone,
        dpo_contact: body.dpo_contact,
        host: body.host,
        privacy_notice: body.privacy_notice,
        accessibility_statement: body.accessibility_statement,
        min_cell,
    };
    let org = state.app.patch_organisation(&actor, id, patch).await?;
    Ok(Json(org.into()))
}
