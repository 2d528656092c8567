//! Signing in and out: password and one-time links, password reset, joining a
//! programme by invitation, and the language switch.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use parcours_app::auth::LoginError;
use parcours_app::{AppError, FieldError};
use serde::Deserialize;

use crate::AppState;
use crate::context::SignedIn;
use crate::context::{Ctx, LANG_COOKIE, SESSION_COOKIE, set_cookie};
use crate::errors::HttpError;
use crate::i18n::Lang;
use crate::kit::{ErrorItem, Field, FormPage, PageResult, attach_errors, see_other};
use crate::routes::Routes;
use axum::routing::{get, post};

fn safe_next(next: Option<&str>, fallback: &str) -> Result<String, crate::redirect::Refusal> {
    crate::redirect::target_or(next.filter(|n| !n.is_empty()), fallback)
}

fn bad_next() -> Response {
    (StatusCode::BAD_REQUEST, "Bad request: invalid `next`").into_response()
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct LoginQuery {
    next: Option<String>,
    bye: Option<String>,
    reset: Option<String>,
}

fn login_form(ctx: &Ctx, email: &str, next: &str) -> FormPage {
    let lang = ctx.lang;
    let mut page = FormPage::new(ctx, "login-title", "/login", "login-submit");
    page.hidden.push(("next", next.to_owned()));
    page.fields = vec![
        Field::new(lang, "email", "login-email", "email", "username")
            .value(email)
            .hint(lang, "login-email-hint")
            .required(),
        Field::new(
            lang,
            "password",
            "login-password",
            "password",
            "current-password",
        )
        .required(),
    ];
    page.links
        .push(("/password/forgot".into(), lang.t("login-forgot")));
    page.links
        .push(("/connexion".into(), lang.t("link-login-ask")));
    page
}

pub async fn login_page(ctx: Ctx, Query(q): Query<LoginQuery>) -> PageResult {
    if ctx.actor.is_some() {
        return Ok(match safe_next(q.next.as_deref(), "/home") {
            Ok(target) => see_other(&target),
            Err(_) => bad_next(),
        });
    }
    let mut page = login_form(&ctx, "", q.next.as_deref().unwrap_or(""));
    if q.bye.as_deref() == Some("all") {
        page.notice = Some(ctx.lang.t("logged-out-everywhere"));
    } else if q.bye.is_some() {
        page.notice = Some(ctx.lang.t("logged-out"));
    } else if q.reset.is_some() {
        page.notice = Some(ctx.lang.t("reset-done"));
    }
    page.respond(StatusCode::OK)
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    next: String,
}

pub async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<LoginForm>,
) -> PageResult {
    let lang = ctx.lang;
    let mut missing = Vec::new();
    if form.email.trim().is_empty() {
        missing.push(FieldError {
            field: "email",
            code: "required",
        });
    }
    if form.password.is_empty() {
        missing.push(FieldError {
            field: "password",
            code: "required",
        });
    }
    let target = match safe_next(Some(&form.next), "/home") {
        Ok(target) => target,
        Err(_) => return Ok(bad_next()),
    };
    let mut page = login_form(&ctx, &form.email, &form.next);
    if !missing.is_empty() {
        page.errors = attach_errors(lang, &mut page.fields, &missing);
        return page.respond(StatusCode::UNPROCESSABLE_ENTITY);
    }
    match state
        .app
        .login(&form.email, &form.password, &ctx.client_ip)
        .await
    {
        Ok(session) => {
            let mut response = see_other(&target);
            // A browser-session cookie: the server ends idle sessions itself.
            response.headers_mut().append(
                SET_COOKIE,
                set_cookie(SESSION_COOKIE, &session.token, None, state.secure_cookies),
            );
            metrics::counter!("parcours_logins_total", "outcome" => "success").increment(1);
            Ok(response)
        }
        Err(LoginError::InvalidCredentials) => {
            metrics::counter!("parcours_logins_total", "outcome" => "invalid").increment(1);
            let message = lang.t("login-invalid");
            if let Some(email) = page.fields.iter_mut().find(|f| f.name == "email") {
                email.error = Some(message.clone());
            }
            page.errors = vec![ErrorItem {
                field: "email",
                message,
            }];
            page.respond(StatusCode::UNAUTHORIZED)
        }
        Err(LoginError::RateLimited { retry_after_secs }) => {
            metrics::counter!("parcours_logins_total", "outcome" => "rate_limited").increment(1);
            let minutes = retry_after_secs.div_ceil(60);
            page.errors = vec![ErrorItem {
                field: "",
                message: page.p.ta("login-rate-limited", "minutes", minutes),
            }];
            let mut response = page.respond(StatusCode::TOO_MANY_REQUESTS)?;
            if let Ok(v) = retry_after_secs.to_string().parse() {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
            Ok(response)
        }
        Err(LoginError::NoMembership) => {
            page.errors = vec![ErrorItem {
                field: "",
                message: lang.t("login-no-membership"),
            }];
            page.respond(StatusCode::FORBIDDEN)
        }
        Err(LoginError::App(e)) => Err(e.into()),
    }
}

/// Ends every session of the signed-in user, this one included.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> PageResult {
    state.app.logout_everywhere(&actor).await?;
    let mut response = see_other("/login?bye=all");
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", Some(0), state.secure_cookies),
    );
    Ok(response)
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    if let Some(actor) = &ctx.actor {
        state.app.logout(actor).await?;
    }
    let mut response = see_other("/login?bye=1");
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", Some(0), state.secure_cookies),
    );
    Ok(response)
}

fn forgot_form(ctx: &Ctx, email: &str) -> FormPage {
    link_request_form(ctx, email, LinkKind::PasswordReset)
}

/// What a "send me a link" form asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkKind {
    PasswordReset,
    SignIn,
    /// A referring advisor without an account: a new link to follow their referrals.
    AdvisorFollow,
}

impl LinkKind {
    /// Title, form action, button, intro and confirmation keys.
    fn keys(
        self,
    ) -> (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        match self {
            LinkKind::PasswordReset => (
                "forgot-title",
                "/password/forgot",
                "forgot-submit",
                "forgot-intro",
                "forgot-sent",
            ),
            LinkKind::SignIn => (
                "link-login-title",
                "/connexion",
                "link-login-submit",
                "link-login-intro",
                "link-login-sent",
            ),
            LinkKind::AdvisorFollow => (
                "advisor-link-title",
                "/orientations/suivi",
                "advisor-link-submit",
                "advisor-link-intro",
                "advisor-link-sent",
            ),
        }
    }
}

/// One form for "send me a link": a password reset, a sign-in link, an advisor's link.
pub(crate) fn link_request_form(ctx: &Ctx, email: &str, kind: LinkKind) -> FormPage {
    let lang = ctx.lang;
    let (title, action, submit, intro, _) = kind.keys();
    let mut page = FormPage::new(ctx, title, action, submit);
    page.intro = Some(lang.t(intro));
    page.fields = vec![
        Field::new(lang, "email", "login-email", "email", "email")
            .value(email)
            .hint(lang, "login-email-hint")
            .required(),
    ];
    page
}

pub(crate) async fn link_request(
    state: &AppState,
    ctx: &Ctx,
    email: &str,
    kind: LinkKind,
) -> PageResult {
    let mut page = link_request_form(ctx, email, kind);
    let result = if email.trim().is_empty() {
        Err(AppError::invalid("email", "required"))
    } else {
        match kind {
            LinkKind::SignIn => state.app.request_sign_in_link(email, &ctx.client_ip).await,
            LinkKind::PasswordReset => {
                state
                    .app
                    .request_password_reset(email, &ctx.client_ip)
                    .await
            }
            LinkKind::AdvisorFollow => state.app.request_advisor_link(email).await,
        }
    };
    match result {
        Ok(()) => {
            page.show_form = false;
            page.intro = None;
            page.notice = Some(ctx.lang.t(kind.keys().4));
            if kind != LinkKind::AdvisorFollow {
                page.links.push(("/login".into(), ctx.lang.t("nav-login")));
            }
            page.respond(StatusCode::OK)
        }
        Err(AppError::Invalid(errors)) => {
            page.errors = attach_errors(ctx.lang, &mut page.fields, &errors);
            page.respond(StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn link_login_page(ctx: Ctx) -> PageResult {
    link_request_form(&ctx, "", LinkKind::SignIn).respond(StatusCode::OK)
}

pub async fn link_login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ForgotForm>,
) -> PageResult {
    link_request(&state, &ctx, &form.email, LinkKind::SignIn).await
}

/// A sign-in link opens a page with one button (so that a mail scanner fetching the
/// link does not use it up); the button signs in.
pub async fn link_login_open(ctx: Ctx, Path(token): Path<String>) -> PageResult {
    let mut page = FormPage::new(
        &ctx,
        "link-login-title",
        format!("/connexion/{token}"),
        "link-login-continue",
    );
    page.intro = Some(ctx.lang.t("link-login-open"));
    page.respond(StatusCode::OK)
}

pub async fn link_login_use(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> PageResult {
    match state.app.sign_in_with_link(&token).await {
        Ok(session) => {
            let mut response = see_other("/home");
            response.headers_mut().append(
                SET_COOKIE,
                set_cookie(SESSION_COOKIE, &session.token, None, state.secure_cookies),
            );
            Ok(response)
        }
        Err(LoginError::InvalidCredentials) => {
            let mut page = link_request_form(&ctx, "", LinkKind::SignIn);
            page.errors = vec![ErrorItem {
                field: "",
                message: ctx.lang.t("link-login-expired"),
            }];
            page.respond(StatusCode::GONE)
        }
        Err(LoginError::NoMembership) => Err(HttpError::Forbidden),
        Err(other) => Err(HttpError::internal_msg(format!("sign-in link: {other:?}"))),
    }
}

/// An existing account asked to join an organisation: the page says what it joins and
/// one button accepts (a mail scanner's visit accepts nothing).
fn join_form(ctx: &Ctx, token: &str) -> FormPage {
    FormPage::new(
        ctx,
        "join-title",
        format!("/rejoindre/{token}"),
        "join-accept",
    )
}

fn join_refused(ctx: &Ctx, mut page: FormPage, key: &str, status: StatusCode) -> PageResult {
    page.show_form = false;
    page.errors = vec![ErrorItem {
        field: "",
        message: ctx.lang.t(key),
    }];
    page.respond(status)
}

pub async fn join_open(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> PageResult {
    let mut page = join_form(&ctx, &token);
    if !plausible_token(&token) {
        return join_refused(&ctx, page, "join-expired", StatusCode::NOT_FOUND);
    }
    match state.app.join_offer(&token).await {
        Ok(offer) => {
            let key = if offer.role == parcours_domain::Role::Beneficiary {
                "join-beneficiary"
            } else {
                "join-employer"
            };
            page.intro = Some(page.p.ta2(
                key,
                "operator",
                &offer.operator,
                "organisation",
                &offer.organisation,
            ));
            page.respond(StatusCode::OK)
        }
        Err(AppError::NotFound) => join_refused(&ctx, page, "join-expired", StatusCode::NOT_FOUND),
        Err(e) => Err(e.into()),
    }
}

pub async fn join_accept(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> PageResult {
    let page = join_form(&ctx, &token);
    if !plausible_token(&token) {
        return join_refused(&ctx, page, "join-expired", StatusCode::NOT_FOUND);
    }
    match state.app.accept_join(&token).await {
        Ok(()) => Ok(see_other("/home")),
        Err(AppError::NotFound) => join_refused(&ctx, page, "join-expired", StatusCode::NOT_FOUND),
        Err(AppError::Invalid(_)) => {
            join_refused(&ctx, page, "join-has-account", StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn forgot_page(ctx: Ctx) -> PageResult {
    forgot_form(&ctx, "").respond(StatusCode::OK)
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ForgotForm {
    pub(crate) email: String,
}

pub async fn forgot_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ForgotForm>,
) -> PageResult {
    link_request(&state, &ctx, &form.email, LinkKind::PasswordReset).await
}

fn reset_form(ctx: &Ctx, token: &str) -> FormPage {
    let lang = ctx.lang;
    let mut page = FormPage::new(
        ctx,
        "reset-title",
        format!("/password/reset/{token}"),
        "reset-submit",
    );
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

fn reset_link_dead(ctx: &Ctx, mut page: FormPage) -> PageResult {
    page.show_form = false;
    page.errors = vec![ErrorItem {
        field: "",
        message: ctx.lang.t("reset-invalid-link"),
    }];
    page.links
        .push(("/password/forgot".into(), ctx.lang.t("forgot-title")));
    page.respond(StatusCode::NOT_FOUND)
}

fn plausible_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

pub async fn reset_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> PageResult {
    let page = reset_form(&ctx, &token);
    if !plausible_token(&token) || !state.app.reset_token_usable(&token).await? {
        return reset_link_dead(&ctx, page);
    }
    page.respond(StatusCode::OK)
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ResetForm {
    password: String,
    confirm: String,
}

pub async fn reset_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> PageResult {
    let mut page = reset_form(&ctx, &token);
    if !plausible_token(&token) {
        return reset_link_dead(&ctx, page);
    }
    let result = if form.password != form.confirm {
        Err(AppError::invalid("confirm", "mismatch"))
    } else {
        state.app.reset_password(&token, &form.password).await
    };
    match result {
        Ok(()) => Ok(see_other("/login?reset=1")),
        Err(AppError::NotFound) => reset_link_dead(&ctx, page),
        Err(AppError::Invalid(errors)) => {
            // "confirm/mismatch" reads best with the password messages.
            let errors: Vec<FieldError> = errors
                .into_iter()
                .map(|e| {
                    if e.field == "confirm" {
                        FieldError {
                            field: "password",
                            code: e.code,
                        }
                    } else {
                        e
                    }
                })
                .collect();
            page.errors = attach_errors(ctx.lang, &mut page.fields, &errors);
            page.respond(StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn switch_language(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
) -> PageResult {
    let lang = Lang::parse(&code).ok_or(HttpError::NotFound)?;
    // No target: the site's root; one that leaves the site: the home page, as before.
    let fallback = if q.next.is_some() { "/home" } else { "/" };
    let mut response = match safe_next(q.next.as_deref(), fallback) {
        Ok(target) => see_other(&target),
        Err(_) => return Ok(bad_next()),
    };
    let one_year = 365 * 24 * 3600;
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(
            LANG_COOKIE,
            lang.code(),
            Some(one_year),
            state.secure_cookies,
        ),
    );
    Ok(response)
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/logout/everywhere", post(logout_everywhere))
        .route("/password/forgot", get(forgot_page).post(forgot_submit))
        .route(
            "/password/reset/{token}",
            get(reset_page).post(reset_submit),
        )
        .route("/lang/{code}", get(switch_language))
        .route("/connexion", get(link_login_page).post(link_login_submit))
        .route(
            "/connexion/{token}",
            get(link_login_open).post(link_login_use),
        )
        .route("/rejoindre/{token}", get(join_open).post(join_accept))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        let follow = |next| safe_next(next, "/home").ok();
        assert_eq!(
            follow(Some("/beneficiaries/x")).as_deref(),
            Some("/beneficiaries/x")
        );
        assert_eq!(follow(Some("//evil.example")).as_deref(), Some("/home"));
        assert_eq!(
            follow(Some("https://evil.example")).as_deref(),
            Some("/home")
        );
        assert_eq!(follow(Some("/\\evil.example")).as_deref(), Some("/home"));
        assert_eq!(follow(Some("/\t/evil.example")).as_deref(), Some("/home"));
        assert_eq!(follow(Some("")).as_deref(), Some("/home"));
        assert_eq!(follow(None).as_deref(), Some("/home"));
        assert_eq!(
            safe_next(Some("/\r\n/evil.example"), "/home"),
            Err(crate::redirect::Refusal::HeaderSplitting)
        );
    }
}
