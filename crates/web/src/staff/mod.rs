//! Staff accounts (issue 25, item 3): the administrator's list and invitation form,
//! one account's page (role, deactivation with the caseload handed over,
//! reactivation, a pending invitation resent or cancelled), the CSV import, and the
//! invited person's page to choose a password.

use crate::context::SignedIn;
use crate::kit::IdPath;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use parcours_app::auth::Actor;
use parcours_app::staff::{
    self, AccountChange, LineError, StaffAccount, StaffImportError, StaffInvite,
};
use parcours_app::{AppError, FieldError};
use parcours_domain::Role;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SESSION_COOKIE, set_cookie};
use crate::i18n::Lang;
use crate::kit::{ErrorItem, Field, FormPage, Page, PageResult, attach_errors, render, see_other};
use crate::routes::Routes;
use utoipa_axum::routes;

mod api;
pub use api::*;

/// The refusal of a field, in the reader's words (`staff-error-{field}-{code}`).
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

/// One account as a row of the list.
pub struct Row {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub organisation: Option<String>,
    pub last_sign_in: String,
    pub invited: String,
    pub active: bool,
}

fn row(p: &Page, a: &StaffAccount, operator: uuid::Uuid) -> Row {
    Row {
        id: a.id.to_string(),
        name: a.display_name.clone(),
        email: a.email.clone(),
        role: p.role(&a.role),
        organisation: (a.organisation_id != operator).then(|| a.organisation_name.clone()),
        last_sign_in: a
            .last_sign_in_at
            .map_or_else(|| p.t("staff-never"), |t| p.datetime(&t)),
        invited: a.invited_at.map(|t| p.date(&t)).unwrap_or_default(),
        active: a.active(),
    }
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct InviteForm {
    email: String,
    first_name: String,
    last_name: String,
    role: String,
}

#[derive(Template)]
#[template(path = "staff/list.html")]
struct ListPage {
    p: Page,
    notice: Option<String>,
    errors: Vec<ErrorItem>,
    form: InviteForm,
    accounts: Vec<Row>,
    pending: Vec<Row>,
    roles: Vec<(&'static str, String)>,
}

impl ListPage {
    fn error_of(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

fn staff_roles(lang: Lang) -> Vec<(&'static str, String)> {
    [Role::Coach, Role::ProgrammeManager, Role::Admin]
        .into_iter()
        .map(|r| (staff::role_code(r), lang.t(&format!("role-{}", r.code()))))
        .collect()
}

fn items(lang: Lang, errors: &[FieldError]) -> Vec<ErrorItem> {
    errors
        .iter()
        .map(|e| ErrorItem {
            field: e.field,
            message: message(lang, e),
        })
        .collect()
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    notice: Option<String>,
    errors: Vec<FieldError>,
    form: InviteForm,
) -> PageResult {
    let all = state.app.staff_accounts(actor).await?;
    let p = Page::new(ctx, ctx.lang.t("staff-title"));
    let operator = actor.organisation_id;
    let (pending, accounts): (Vec<&StaffAccount>, Vec<&StaffAccount>) =
        all.iter().partition(|a| a.pending());
    let page = ListPage {
        accounts: accounts.iter().map(|a| row(&p, a, operator)).collect(),
        pending: pending.iter().map(|a| row(&p, a, operator)).collect(),
        roles: staff_roles(ctx.lang),
        notice,
        errors: items(ctx.lang, &errors),
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
pub struct NoticeQuery {
    done: String,
}

impl NoticeQuery {
    fn notice(&self, lang: Lang) -> Option<String> {
        let key = format!("staff-done-{}", self.done);
        (!self.done.is_empty() && lang.has(&key)).then(|| lang.t(&key))
    }
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    list_page(
        &state,
        &ctx,
        &actor,
        q.notice(ctx.lang),
        Vec::new(),
        InviteForm::default(),
    )
    .await
}

pub async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    axum::Form(form): axum::Form<InviteForm>,
) -> PageResult {
    let input = StaffInvite {
        email: form.email.clone(),
        first_name: form.first_name.clone(),
        last_name: form.last_name.clone(),
        role: form.role.clone(),
        organisation_id: None,
    };
    match state.app.invite_staff(&actor, &input).await {
        // The same answer whether the address was new, invited or an account.
        Ok(_) => Ok(see_other("/admin/equipe?done=invited")),
        Err(AppError::Invalid(errors)) => list_page(&state, &ctx, &actor, None, errors, form).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/account.html")]
struct AccountPage {
    p: Page,
    notice: Option<String>,
    errors: Vec<ErrorItem>,
    account: Row,
    pending: bool,
    own: bool,
    role_code: &'static str,
    roles: Vec<(&'static str, String)>,
    caseload: usize,
    coaches: Vec<(String, String)>,
    handover_to: String,
}

impl AccountPage {
    fn error_of(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn account_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: uuid::Uuid,
    notice: Option<String>,
    errors: Vec<FieldError>,
    handover_to: String,
) -> PageResult {
    let account = state.app.staff_account(actor, id).await?;
    let caseload = state.app.open_caseload_count(actor, &account).await?;
    let coaches = state
        .app
        .handover_coaches(actor, account.id)
        .await?
        .into_iter()
        .map(|c| (c.id.to_string(), c.display_name))
        .collect();
    let p = Page::new(ctx, account.display_name.clone());
    let page = AccountPage {
        account: row(&p, &account, actor.organisation_id),
        pending: account.pending(),
        own: account.organisation_id == actor.organisation_id,
        role_code: staff::role_code(account.role),
        roles: staff_roles(ctx.lang),
        caseload,
        coaches,
        handover_to,
        notice,
        errors: items(ctx.lang, &errors),
        p,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn account(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    account_page(
        &state,
        &ctx,
        &actor,
        id,
        q.notice(ctx.lang),
        Vec::new(),
        String::new(),
    )
    .await
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ChangeForm {
    role: String,
    handover_to: String,
}

/// One change from the account's page, then back to it (or its refusal on it).
async fn apply(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    change: AccountChange,
    done: &str,
    handover_to: String,
) -> PageResult {
    match state.app.change_account(actor, id, &change).await {
        Ok(()) => Ok(see_other(&format!("/admin/equipe/{id}?done={done}"))),
        Err(AppError::Invalid(errors)) => {
            account_page(state, ctx, actor, id, None, errors, handover_to).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn change_role(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
    axum::Form(form): axum::Form<ChangeForm>,
) -> PageResult {
    let change = AccountChange {
        role: Some(form.role),
        handover_to: form.handover_to.parse().ok(),
        ..AccountChange::default()
    };
    apply(&state, &ctx, &actor, id, change, "role", form.handover_to).await
}

pub async fn deactivate(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
    axum::Form(form): axum::Form<ChangeForm>,
) -> PageResult {
    let change = AccountChange {
        active: Some(false),
        handover_to: form.handover_to.parse().ok(),
        ..AccountChange::default()
    };
    apply(
        &state,
        &ctx,
        &actor,
        id,
        change,
        "deactivated",
        form.handover_to,
    )
    .await
}

pub async fn reactivate(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
) -> PageResult {
    let change = AccountChange {
        active: Some(true),
        ..AccountChange::default()
    };
    apply(
        &state,
        &ctx,
        &actor,
        id,
        change,
        "reactivated",
        String::new(),
    )
    .await
}

pub async fn resend(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
) -> PageResult {
    match state.app.resend_staff_invitation(&actor, id).await {
        Ok(()) => Ok(see_other("/admin/equipe?done=resent")),
        Err(AppError::Invalid(errors)) => {
            account_page(&state, &ctx, &actor, id, None, errors, String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
) -> PageResult {
    match state.app.cancel_staff_invitation(&actor, id).await {
        Ok(()) => Ok(see_other("/admin/equipe?done=cancelled")),
        Err(AppError::Invalid(errors)) => {
            account_page(&state, &ctx, &actor, id, None, errors, String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/import.html")]
struct ImportPage {
    p: Page,
    errors: Vec<String>,
    csv: String,
}

fn line_message(lang: Lang, e: &LineError) -> String {
    use fluent_templates::fluent_bundle::FluentValue as V;
    let what = message(
        lang,
        &FieldError {
            field: e.field,
            code: e.code,
        },
    );
    lang.t_args(
        "staff-import-line-error",
        &[("line", V::from(e.line)), ("message", V::from(what))],
    )
}

fn import_page(ctx: &Ctx, errors: Vec<String>, csv: String) -> PageResult {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ImportPage {
        p: Page::new(ctx, ctx.lang.t("staff-import-title")),
        errors,
        csv,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn import_form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
) -> PageResult {
    // Only administrators see the page (the list answers 403 otherwise).
    state.app.staff_accounts(&actor).await?;
    import_page(&ctx, Vec::new(), String::new())
}

/// The file (multipart `file`) or the text pasted or corrected (`csv`): all lines are
/// invited, or none and the page shows each refusal with its line and the text to fix.
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    mut multipart: Multipart,
) -> PageResult {
    let actor = &actor;
    let mut text = String::new();
    let mut file = Vec::new();
    let mut unreadable = false;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                unreadable = true;
                break;
            }
        };
        match field.name().unwrap_or("") {
            "csv" => text = field.text().await.unwrap_or_default(),
            "file" => match field.bytes().await {
                Ok(b) => file = b.to_vec(),
                Err(_) => unreadable = true,
            },
            _ => {}
        }
    }
    if !file.is_empty() {
        match String::from_utf8(file) {
            Ok(t) => text = t,
            Err(_) => unreadable = true,
        }
    }
    if unreadable {
        let refusal = FieldError {
            field: "file",
            code: "unreadable",
        };
        return import_page(&ctx, vec![message(ctx.lang, &refusal)], text);
    }
    let text = text.replace("\r\n", "\n");
    match state.app.import_staff(actor, &text).await {
        Ok(n) => Ok(see_other(&format!("/admin/equipe?done=imported&n={n}"))),
        Err(StaffImportError::Lines(errors)) => {
            let messages = errors.iter().map(|e| line_message(ctx.lang, e)).collect();
            import_page(&ctx, messages, text)
        }
        Err(StaffImportError::App(e)) => Err(e.into()),
    }
}

fn accept_form(ctx: &Ctx, token: &str) -> FormPage {
    let lang = ctx.lang;
    let mut page = FormPage::new(
        ctx,
        "staff-accept-title",
        format!("/invitation/{token}"),
        "staff-accept-submit",
    );
    page.intro = Some(lang.t("staff-accept-intro"));
    page.fields = vec![
        Field::new(
            lang,
            "password",
            "reset-password",
            "password",
            "new-password",
        )
        .hint(lang, "reset-password-hint")
        .required(),
        Field::new(lang, "confirm", "reset-confirm", "password", "new-password").required(),
    ];
    page
}

fn accept_dead(ctx: &Ctx, mut page: FormPage) -> PageResult {
    page.show_form = false;
    page.errors = vec![ErrorItem {
        field: "",
        message: ctx.lang.t("staff-accept-dead"),
    }];
    page.links
        .push(("/connexion".into(), ctx.lang.t("staff-accept-ask-link")));
    page.respond(StatusCode::GONE)
}

/// The invited person's page: the link shows the form (a mail scanner's visit uses
/// nothing up).
pub async fn accept_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> PageResult {
    let page = accept_form(&ctx, &token);
    if token.len() > 128 || !state.app.staff_invitation_usable(&token).await? {
        return accept_dead(&ctx, page);
    }
    page.respond(StatusCode::OK)
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct AcceptForm {
    password: String,
    confirm: String,
}

pub async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    axum::Form(form): axum::Form<AcceptForm>,
) -> PageResult {
    let mut page = accept_form(&ctx, &token);
    if token.len() > 128 {
        return accept_dead(&ctx, page);
    }
    if form.password != form.confirm {
        let refusal = [FieldError {
            field: "password",
            code: "mismatch",
        }];
        page.errors = attach_errors(ctx.lang, &mut page.fields, &refusal);
        return page.respond(StatusCode::UNPROCESSABLE_ENTITY);
    }
    match state
        .app
        .accept_staff_invitation(&token, &form.password)
        .await
    {
        Ok(session) => {
            let mut response = see_other("/home");
            response.headers_mut().append(
                SET_COOKIE,
                set_cookie(SESSION_COOKIE, &session.token, None, state.secure_cookies),
            );
            Ok(response)
        }
        Err(parcours_app::auth::LoginError::App(AppError::Invalid(errors))) => {
            page.errors = attach_errors(ctx.lang, &mut page.fields, &errors);
            page.respond(StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(parcours_app::auth::LoginError::InvalidCredentials) => accept_dead(&ctx, page),
        Err(e) => Err(e.into()),
    }
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/admin/equipe", get(list).post(invite))
        .route("/admin/equipe/import", get(import_form).post(import))
        .route("/admin/equipe/{id}", get(account))
        .route("/admin/equipe/{id}/role", post(change_role))
        .route("/admin/equipe/{id}/desactiver", post(deactivate))
        .route("/admin/equipe/{id}/reactiver", post(reactivate))
        .route("/admin/equipe/{id}/relancer", post(resend))
        .route("/admin/equipe/{id}/annuler", post(cancel))
        .route("/invitation/{token}", get(accept_page).post(accept))
        .api(routes!(api_list, api_invite))
        .api(routes!(api_change))
}
