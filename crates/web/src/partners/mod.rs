//! The operator's partner organisations: `/partenaires` (list and create, without
//! JavaScript), each partner's users (`/partenaires/{id}`), a user's spaces
//! (`/espaces`), and `GET|POST /api/v1/organisations`.

mod spaces;
mod users;

use crate::context::SignedIn;
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use parcours_app::auth::Actor;
use parcours_app::{AppError, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::context::Ctx;
use crate::errors::HttpError;
use crate::kit::{
    ErrorItem, Field, Page, PageResult, SavedQuery, attach_errors, render, see_other,
};
use crate::routes::Routes;
use utoipa_axum::routes;

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/partenaires", get(page).post(create))
        .route("/partenaires/{id}", get(users::page))
        .route("/partenaires/{id}/utilisateurs", post(users::invite))
        .route(
            "/partenaires/{id}/utilisateurs/{account}/relancer",
            post(users::resend),
        )
        .route(
            "/partenaires/{id}/utilisateurs/{account}/annuler",
            post(users::cancel),
        )
        .route("/espaces", get(spaces::page))
        .route("/espaces/{id}", post(spaces::switch))
        .api(routes!(api_list, api_create))
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationLineDto {
    pub id: Uuid,
    pub name: String,
    /// operator | referrer | funder | employer | copilot
    pub kind: String,
}

/// The caller's operator, then the partner organisations it works with.
#[utoipa::path(get, path = "/api/v1/organisations",
    responses(
        (status = 200, description = "The caller's operator first, then its partners by name", body = [OrganisationLineDto]),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the operator's administrators and programme managers")
))]
pub async fn api_list(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> Result<Json<Vec<OrganisationLineDto>>, HttpError> {
    let partners = state.app.partner_organisations(&actor).await?;
    Ok(Json(
        partners
            .into_iter()
            .map(|p| OrganisationLineDto {
                id: p.id,
                name: p.name,
                kind: p.kind.code().to_owned(),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewOrganisationDto {
    #[serde(default)]
    pub name: String,
    /// referrer | funder | employer | copilot (an operator is created by the host).
    #[serde(default)]
    pub kind: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationCreatedDto {
    pub id: Uuid,
}

/// Creates a partner organisation of the caller's operator.
#[utoipa::path(post, path = "/api/v1/organisations",
    request_body = NewOrganisationDto,
    responses(
        (status = 201, description = "Created", body = OrganisationCreatedDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the operator's administrators and programme managers"),
        (status = 422, description = "A field is refused (`name`, `kind`); nothing saved", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_create(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Json(dto): Json<NewOrganisationDto>,
) -> Result<(StatusCode, Json<OrganisationCreatedDto>), HttpError> {
    let id = state.app.add_partner(&actor, &dto.name, &dto.kind).await?;
    Ok((StatusCode::CREATED, Json(OrganisationCreatedDto { id })))
}

/// A partner as a line of the list; its users' page is linked for administrators.
struct PartnerRow {
    id: String,
    name: String,
    kind: String,
    users_link: bool,
}

#[derive(Template)]
#[template(path = "partners/list.html")]
struct PartnersPage {
    p: Page,
    notice: Option<String>,
    errors: Vec<ErrorItem>,
    partners: Vec<PartnerRow>,
    fld: Field,
    kinds: Vec<(&'static str, String)>,
    kind: String,
    kind_error: Option<String>,
}

impl PartnersPage {
    fn is_kind(&self, code: &str) -> bool {
        self.kind == code
    }
}

#[derive(Deserialize)]
pub struct PartnerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

async fn render_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    notice: Option<String>,
    typed: &PartnerForm,
    errors: &[FieldError],
) -> PageResult {
    let lang = ctx.lang;
    let partners = state
        .app
        .partner_organisations(actor)
        .await?
        .into_iter()
        .map(|o| PartnerRow {
            id: o.id.to_string(),
            users_link: actor.role == parcours_domain::Role::Admin
                && o.id != actor.tenant().id()
                && parcours_app::partners::role_for_kind(o.kind).is_some(),
            kind: lang.t(&format!("org-kind-{}", o.kind.code())),
            name: o.name,
        })
        .collect();
    let mut fields = [
        Field::new(lang, "name", "orgs-name", "text", "organization")
            .value(&typed.name)
            .required(),
    ];
    let items = attach_errors(lang, &mut fields, errors);
    let kind_error = items
        .iter()
        .find(|e| e.field == "kind")
        .map(|e| e.message.clone());
    let [fld] = fields;
    let page = PartnersPage {
        p: Page::new(ctx, lang.t("orgs-title")),
        notice,
        partners,
        fld,
        kinds: parcours_app::partners::PARTNER_KINDS
            .iter()
            .map(|k| (k.code(), lang.t(&format!("org-kind-{}", k.code()))))
            .collect(),
        kind: typed.kind.clone(),
        kind_error,
        errors: items,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let empty = PartnerForm {
        name: String::new(),
        kind: String::new(),
    };
    render_page(&state, &ctx, &actor, q.notice(ctx.lang), &empty, &[]).await
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    axum::Form(form): axum::Form<PartnerForm>,
) -> PageResult {
    match state.app.add_partner(&actor, &form.name, &form.kind).await {
        Ok(_) => Ok(see_other("/partenaires?saved=1")),
        Err(AppError::Invalid(errors)) => {
            render_page(&state, &ctx, &actor, None, &form, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}
