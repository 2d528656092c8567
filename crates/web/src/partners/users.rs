//! A partner organisation's users (`/partenaires/{id}`): the accounts the operator
//! invited there, pending invitations (resend, cancel), and the form to invite one by
//! email, in the role the organisation's kind gives. Without JavaScript; a refused
//! field is named and what was typed stays.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::auth::Actor;
use parcours_app::partners::PartnerInvite;
use parcours_app::staff::StaffAccount;
use parcours_app::{AppError, FieldError};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::i18n::Lang;
use crate::kit::{ErrorItem, IdPath, Page, PageResult, render, see_other};

/// The refusal of a field in the reader's words: the staff invitation's messages.
fn message(lang: Lang, e: &FieldError) -> String {
    let key = format!(
        "staff-error-{}-{}",
        e.field.replace('_', "-"),
        e.code.replace('_', "-")
    );
    if lang.has(&key) {
        lang.t(&key)
    } else {
        lang.t("error-generic-invalid")
    }
}

pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub last_sign_in: String,
    pub invited: String,
    pub active: bool,
}

fn user_row(p: &Page, a: &StaffAccount) -> UserRow {
    UserRow {
        id: a.id.to_string(),
        name: a.display_name.clone(),
        email: a.email.clone(),
        last_sign_in: a
            .last_sign_in_at
            .map_or_else(|| p.t("staff-never"), |t| p.datetime(&t)),
        invited: a.invited_at.map(|t| p.date(&t)).unwrap_or_default(),
        active: a.active(),
    }
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct PartnerInviteForm {
    email: String,
    first_name: String,
    last_name: String,
}

#[derive(Template)]
#[template(path = "partners/users.html")]
struct UsersPage {
    p: Page,
    notice: Option<String>,
    errors: Vec<ErrorItem>,
    id: String,
    kind: String,
    role: String,
    accounts: Vec<UserRow>,
    pending: Vec<UserRow>,
    form: PartnerInviteForm,
}

impl UsersPage {
    fn error_of(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn users_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    notice: Option<String>,
    errors: &[FieldError],
    form: PartnerInviteForm,
) -> PageResult {
    let users = state.app.partner_users(actor, id).await?;
    let lang = ctx.lang;
    let p = Page::new(
        ctx,
        lang.t_args(
            "partner-users-title",
            &[(
                "name",
                fluent_templates::fluent_bundle::FluentValue::from(users.partner.name.clone()),
            )],
        ),
    );
    let (pending, accounts): (Vec<&StaffAccount>, Vec<&StaffAccount>) =
        users.accounts.iter().partition(|a| a.pending());
    let page = UsersPage {
        notice,
        errors: errors
            .iter()
            .map(|e| ErrorItem {
                field: e.field,
                message: message(lang, e),
            })
            .collect(),
        id: users.partner.id.to_string(),
        kind: lang.t(&format!("org-kind-{}", users.partner.kind.code())),
        role: p.role(&users.role),
        accounts: accounts.iter().map(|a| user_row(&p, a)).collect(),
        pending: pending.iter().map(|a| user_row(&p, a)).collect(),
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
pub struct DoneQuery {
    done: String,
}

impl DoneQuery {
    fn notice(&self, lang: Lang) -> Option<String> {
        let key = format!("staff-done-{}", self.done);
        (!self.done.is_empty() && lang.has(&key)).then(|| lang.t(&key))
    }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let notice = q.notice(ctx.lang);
    users_page(
        &state,
        &ctx,
        &actor,
        id,
        notice,
        &[],
        PartnerInviteForm::default(),
    )
    .await
}

pub async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
    axum::Form(form): axum::Form<PartnerInviteForm>,
) -> PageResult {
    let input = PartnerInvite {
        email: form.email.clone(),
        first_name: form.first_name.clone(),
        last_name: form.last_name.clone(),
    };
    match state.app.invite_partner_user(&actor, id, &input).await {
        // The same answer whether the address was new, invited or an account.
        Ok(_) => Ok(see_other(&format!("/partenaires/{id}?done=invited"))),
        Err(AppError::Invalid(errors)) => {
            users_page(&state, &ctx, &actor, id, None, &errors, form).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn resend(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath((id, account)): IdPath<(Uuid, Uuid)>,
) -> PageResult {
    match state
        .app
        .resend_partner_invitation(&actor, id, account)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/partenaires/{id}?done=resent"))),
        Err(AppError::Invalid(errors)) => {
            users_page(
                &state,
                &ctx,
                &actor,
                id,
                None,
                &errors,
                PartnerInviteForm::default(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath((id, account)): IdPath<(Uuid, Uuid)>,
) -> PageResult {
    match state
        .app
        .cancel_partner_invitation(&actor, id, account)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/partenaires/{id}?done=cancelled"))),
        Err(AppError::Invalid(errors)) => {
            users_page(
                &state,
                &ctx,
                &actor,
                id,
                None,
                &errors,
                PartnerInviteForm::default(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
