//! The host administrator's page (issue 25, item 6): the installation's operators
//! (name, created, active accounts, set-up done or not: nobody's data) and the form that
//! creates one and invites its first administrator, the same use case as
//! `parcours tenant create`. Every other page refuses the host administrator (the
//! access policy grants it nothing inside an operator).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use parcours_app::auth::Actor;
use parcours_app::tenants::NewOperator;
use parcours_app::{AppError, FieldError};
use serde::Deserialize;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::i18n::Lang;
use crate::kit::{ErrorItem, Page, PageResult, render, see_other};
use crate::routes::Routes;

/// The page's address.
pub const OPERATORS_PATH: &str = "/hote/operateurs";

/// The refusal of a field, in the reader's words (`tenant-error-{field}-{code}`).
fn message(lang: Lang, e: &FieldError) -> String {
    let key = format!(
        "tenant-error-{}-{}",
        e.field.replace('_', "-"),
        e.code.replace('_', "-")
    );
    if lang.has(&key) {
        lang.t(&key)
    } else {
        lang.t("error-generic-invalid")
    }
}

/// One operator as a card of the list.
pub struct Row {
    pub name: String,
    pub slug: String,
    pub created: String,
    pub active_accounts: u64,
    pub pending_invitations: u64,
    pub setup_done: usize,
    pub setup_complete: bool,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct OperatorForm {
    name: String,
    admin_email: String,
    admin_first_name: String,
    admin_last_name: String,
}

#[derive(Template)]
#[template(path = "tenants/operators.html")]
struct OperatorsPage {
    p: Page,
    notice: Option<String>,
    errors: Vec<ErrorItem>,
    form: OperatorForm,
    operators: Vec<Row>,
    steps: usize,
}

impl OperatorsPage {
    fn error_of(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// The list with the form (its refusals and what was typed, on a 422); `created` is
/// the slug of the operator just created, named in a notice.
pub(crate) async fn operators_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    created: Option<String>,
    errors: Vec<FieldError>,
    form: OperatorForm,
) -> PageResult {
    let operators = state.app.operators(actor).await?;
    let p = Page::new(ctx, ctx.lang.t("tenant-title"));
    let notice = created
        .and_then(|slug| operators.iter().find(|o| o.slug == slug))
        .map(|o| p.ta("tenant-created", "name", &o.name));
    let page = OperatorsPage {
        operators: operators
            .into_iter()
            .map(|o| Row {
                created: p.date(&o.created_at),
                name: o.name,
                slug: o.slug,
                active_accounts: o.active_accounts,
                pending_invitations: o.pending_invitations,
                setup_done: o.setup_done,
                setup_complete: o.setup_complete,
            })
            .collect(),
        steps: parcours_app::setup::Step::ALL.len(),
        notice,
        errors: errors
            .iter()
            .map(|e| ErrorItem {
                field: e.field,
                message: message(ctx.lang, e),
            })
            .collect(),
        form,
        p,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct CreatedQuery {
    /// The slug of the operator just created: the notice names it (when it exists).
    cree: String,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<CreatedQuery>,
) -> PageResult {
    operators_page(
        &state,
        &ctx,
        &actor,
        Some(q.cree).filter(|s| !s.is_empty()),
        Vec::new(),
        OperatorForm::default(),
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    axum::Form(form): axum::Form<OperatorForm>,
) -> PageResult {
    let input = NewOperator {
        name: form.name.clone(),
        admin_email: form.admin_email.clone(),
        admin_first_name: form.admin_first_name.clone(),
        admin_last_name: form.admin_last_name.clone(),
    };
    match state.app.create_operator(&actor, &input).await {
        Ok(created) => Ok(see_other(&format!(
            "{OPERATORS_PATH}?cree={}",
            created.slug
        ))),
        Err(AppError::Invalid(errors)) => {
            operators_page(&state, &ctx, &actor, None, errors, form).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new().route(OPERATORS_PATH, get(list).post(create))
}
