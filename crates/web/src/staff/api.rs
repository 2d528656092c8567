//! Accounts under `/api/v1/`: list, invite, change role or deactivate. The same use
//! cases and checks as the pages; refusals are problem+json naming the field.

use crate::context::SignedIn;
use crate::kit::IdPath;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::*;
use crate::errors::HttpError;

/// An optional id in a JSON body: one that does not parse is refused naming its field.
fn uuid_field(field: &'static str, raw: Option<&str>) -> Result<Option<Uuid>, HttpError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid(field, "invalid").into()),
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccountDto {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    /// coach, manager, admin, referrer, funder or employer.
    pub role: String,
    pub organisation_id: Uuid,
    pub organisation: String,
    pub active: bool,
    /// Invited and never signed in yet.
    pub pending: bool,
    /// Milliseconds since the epoch.
    pub invited_at: Option<i64>,
    pub last_sign_in_at: Option<i64>,
}

fn dto(a: StaffAccount) -> AccountDto {
    AccountDto {
        id: a.id,
        pending: a.pending(),
        active: a.active(),
        role: staff::role_code(a.role).to_owned(),
        email: a.email,
        display_name: a.display_name,
        organisation_id: a.organisation_id,
        organisation: a.organisation_name,
        invited_at: a.invited_at,
        last_sign_in_at: a.last_sign_in_at,
    }
}

/// The operator's accounts (administrators only), by name.
#[utoipa::path(get, path = "/api/v1/accounts",
    responses(
        (status = 200, description = "The accounts, pending invitations included", body = [AccountDto]),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the operator's administrators")
))]
pub async fn api_list(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> Result<Json<Vec<AccountDto>>, HttpError> {
    let accounts = state.app.staff_accounts(&actor).await?;
    Ok(Json(accounts.into_iter().map(dto).collect()))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct NewAccountDto {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// coach, manager or admin (the operator's staff); referrer, funder or employer
    /// with the `organisation_id` of one of the operator's partner organisations.
    pub role: String,
    /// The operator itself (or omitted) for staff roles; a partner organisation otherwise.
    #[schema(format = Uuid)]
    pub organisation_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountCreatedDto {
    pub id: Uuid,
}

/// Invites an account by email (a link to choose a password). The answer is the same
/// whether the address is new, already invited or already has an account.
#[utoipa::path(post, path = "/api/v1/accounts",
    request_body = NewAccountDto,
    responses(
        (status = 201, description = "Invited", body = AccountCreatedDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the operator's administrators"),
        (status = 422, description = "A field is refused; nothing saved", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_invite(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Json(body): Json<NewAccountDto>,
) -> Result<(StatusCode, Json<AccountCreatedDto>), HttpError> {
    let input = StaffInvite {
        organisation_id: uuid_field("organisation_id", body.organisation_id.as_deref())?,
        email: body.email,
        first_name: body.first_name,
        last_name: body.last_name,
        role: body.role,
    };
    let id = state.app.invite_staff(&actor, &input).await?;
    Ok((StatusCode::CREATED, Json(AccountCreatedDto { id })))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct AccountChangeDto {
    /// coach, manager or admin.
    pub role: Option<String>,
    /// false deactivates (sign-in refused, sessions ended), true reactivates.
    pub active: Option<bool>,
    /// When deactivating a coach who follows people: the account id (or user id) of
    /// the coach who takes over the caseload.
    #[schema(format = Uuid)]
    pub handover_to: Option<String>,
}

/// Changes an account's role, or deactivates or reactivates it. A coach who still
/// follows people is deactivated only with `handover_to`; the last active
/// administrator is neither deactivated nor demoted.
#[utoipa::path(patch, path = "/api/v1/accounts/{id}",
    params(("id" = Uuid, Path, description = "Account id")),
    request_body = AccountChangeDto,
    responses(
        (status = 200, description = "The account as it is now", body = AccountDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the operator's administrators"),
        (status = 404, description = "No such account in your organisation"),
        (status = 422, description = "A field is refused; nothing saved", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_change(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
    Json(body): Json<AccountChangeDto>,
) -> Result<Json<AccountDto>, HttpError> {
    let actor = &actor;
    let change = AccountChange {
        role: body.role,
        active: body.active,
        handover_to: uuid_field("handover_to", body.handover_to.as_deref())?,
    };
    state.app.change_account(actor, id, &change).await?;
    Ok(Json(dto(state.app.staff_account(actor, id).await?)))
}
