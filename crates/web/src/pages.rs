//! HTML pages. Handlers parse input, call one use case and render; they never touch
//! the database.

use std::fmt::Display;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{Html, IntoResponse, Redirect, Response};
use fluent_templates::fluent_bundle::FluentValue;
use parcours_app::auth::LoginError;
use parcours_app::homes::Home;
use parcours_app::people::{ContactInput, PersonFile};
use parcours_app::{AppError, FieldError};
use parcours_domain::{Phase, Role};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, LANG_COOKIE, SESSION_COOKIE, set_cookie};
use crate::errors::HttpError;
use crate::i18n::Lang;

pub type PageResult = Result<Response, HttpError>;

pub fn render(t: &impl Template) -> Result<Html<String>, HttpError> {
    Ok(Html(t.render()?))
}

/// What every page template needs: language, title, the signed-in user, CSRF token.
pub struct Page {
    pub lang: Lang,
    pub title: String,
    pub csrf: String,
    pub path: String,
    pub user: Option<UserBadge>,
}

pub struct UserBadge {
    pub name: String,
    pub role_label: String,
}

use parcours_app::appointments::{MONTHS_EN, MONTHS_FR};

/// 1584 -> "1 584" in French (narrow no-break space), "1,584" in English.
pub fn format_count(lang: Lang, n: u64) -> String {
    let digits = n.to_string();
    let sep = match lang {
        Lang::Fr => '\u{202f}',
        Lang::En => ',',
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

impl Page {
    pub fn new(ctx: &Ctx, title: String) -> Self {
        let lang = ctx.lang;
        Page {
            lang,
            title,
            csrf: ctx.csrf.clone(),
            path: ctx.path.clone(),
            user: ctx.actor.as_ref().map(|a| UserBadge {
                name: a.display_name.clone(),
                role_label: lang.t(&format!("role-{}", a.role.code())),
            }),
        }
    }

    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    pub fn ta(&self, key: &str, name: &'static str, value: impl Display) -> String {
        self.lang
            .t_args(key, &[(name, FluentValue::from(value.to_string()))])
    }

    pub fn ta2(
        &self,
        key: &str,
        n1: &'static str,
        v1: impl Display,
        n2: &'static str,
        v2: impl Display,
    ) -> String {
        self.lang.t_args(
            key,
            &[
                (n1, FluentValue::from(v1.to_string())),
                (n2, FluentValue::from(v2.to_string())),
            ],
        )
    }

    /// A message with several variables.
    pub fn tn(&self, key: &str, args: &[(&'static str, String)]) -> String {
        let args: Vec<(&'static str, FluentValue<'static>)> = args
            .iter()
            .map(|(name, value)| (*name, FluentValue::from(value.clone())))
            .collect();
        self.lang.t_args(key, &args)
    }

    /// A code's label from the `{prefix}-{code}` message.
    pub fn coded(&self, prefix: &str, code: &str) -> String {
        self.lang.t(&format!("{prefix}-{code}"))
    }

    pub fn user_name(&self) -> String {
        self.user
            .as_ref()
            .map(|u| u.name.clone())
            .unwrap_or_default()
    }

    /// What a consent was given for, in words.
    pub fn consent_scope(&self, scope: &str) -> String {
        self.t(&format!("consent-scope-{scope}"))
    }

    pub fn phase(&self, phase: &Phase) -> String {
        self.t(&format!("phase-{}", phase.code()))
    }

    pub fn phase_step(&self, phase: &Phase) -> String {
        self.lang.t_args(
            "beneficiary-phase",
            &[
                ("step", FluentValue::from(phase.step())),
                ("phase", FluentValue::from(self.phase(phase))),
            ],
        )
    }

    pub fn role(&self, role: &Role) -> String {
        self.t(&format!("role-{}", role.code()))
    }

    pub fn count(&self, n: &Option<u64>) -> String {
        match n {
            Some(n) => format_count(self.lang, *n),
            None => self.t("small-cell"),
        }
    }

    pub fn count_people(&self, n: usize) -> String {
        self.lang
            .t_args("coach-caseload-count", &[("count", FluentValue::from(n))])
    }

    pub fn audit_action(&self, action: &str) -> String {
        let key = format!("audit-{}", action.replace('.', "-"));
        if self.lang.has(&key) {
            self.t(&key)
        } else {
            action.to_owned()
        }
    }

    fn at(ms: i64) -> Option<time::OffsetDateTime> {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
    }

    /// "3 mars 2026" / "3 March 2026".
    pub fn date(&self, ms: &i64) -> String {
        let Some(t) = Self::at(*ms) else {
            return String::new();
        };
        let month = usize::from(u8::from(t.month())) - 1;
        let name = match self.lang {
            Lang::Fr => MONTHS_FR[month],
            Lang::En => MONTHS_EN[month],
        };
        format!("{} {name} {}", t.day(), t.year())
    }

    /// A session time in Paris wall-clock time, with the weekday: what people plan by.
    pub fn session_time(&self, ms: &i64) -> String {
        match self.lang {
            Lang::Fr => format!(
                "{} (heure de Paris)",
                parcours_app::appointments::when_fr(*ms)
            ),
            Lang::En => format!("{} (Paris time)", parcours_app::appointments::when_en(*ms)),
        }
    }

    pub fn datetime(&self, ms: &i64) -> String {
        let Some(t) = Self::at(*ms) else {
            return String::new();
        };
        match self.lang {
            Lang::Fr => format!(
                "{} à {:02}h{:02} (UTC)",
                self.date(ms),
                t.hour(),
                t.minute()
            ),
            Lang::En => format!(
                "{} at {:02}:{:02} (UTC)",
                self.date(ms),
                t.hour(),
                t.minute()
            ),
        }
    }
}

/// One input of a form, with its label, hint and error.
pub struct Field {
    pub name: &'static str,
    pub label: String,
    pub kind: &'static str,
    pub value: String,
    pub hint: Option<String>,
    pub error: Option<String>,
    pub autocomplete: &'static str,
    pub required: bool,
}

impl Field {
    pub fn new(
        lang: Lang,
        name: &'static str,
        label_key: &str,
        kind: &'static str,
        autocomplete: &'static str,
    ) -> Self {
        Field {
            name,
            label: lang.t(label_key),
            kind,
            value: String::new(),
            hint: None,
            error: None,
            autocomplete,
            required: false,
        }
    }

    pub fn value(mut self, v: &str) -> Self {
        self.value = v.to_owned();
        self
    }

    pub fn hint(mut self, lang: Lang, key: &str) -> Self {
        self.hint = Some(lang.t(key));
        self
    }

    fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }
}

pub struct ErrorItem {
    pub field: &'static str,
    pub message: String,
}

fn error_message(lang: Lang, e: &FieldError) -> String {
    let key = format!("error-{}-{}", e.field, e.code);
    if lang.has(&key) {
        lang.t(&key)
    } else {
        lang.t("error-generic-invalid")
    }
}

/// Puts each error next to its field and lists them all in the summary.
pub fn attach_errors(lang: Lang, fields: &mut [Field], errors: &[FieldError]) -> Vec<ErrorItem> {
    errors
        .iter()
        .map(|e| {
            let message = error_message(lang, e);
            if let Some(f) = fields.iter_mut().find(|f| f.name == e.field) {
                f.error = Some(message.clone());
            }
            ErrorItem {
                field: e.field,
                message,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "landing.html")]
struct LandingPage {
    p: Page,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub p: Page,
    pub message: String,
}

#[derive(Template)]
#[template(path = "form_page.html")]
pub(crate) struct FormPage {
    p: Page,
    notice: Option<String>,
    pub(crate) intro: Option<String>,
    errors: Vec<ErrorItem>,
    show_form: bool,
    action: String,
    hidden: Vec<(&'static str, String)>,
    fields: Vec<Field>,
    submit: String,
    links: Vec<(String, String)>,
}

impl FormPage {
    fn new(ctx: &Ctx, title_key: &str, action: impl Into<String>, submit_key: &str) -> Self {
        FormPage {
            p: Page::new(ctx, ctx.lang.t(title_key)),
            notice: None,
            intro: None,
            errors: Vec::new(),
            show_form: true,
            action: action.into(),
            hidden: Vec::new(),
            fields: Vec::new(),
            submit: ctx.lang.t(submit_key),
            links: Vec::new(),
        }
    }

    pub(crate) fn respond(self, status: StatusCode) -> PageResult {
        Ok((status, render(&self)?).into_response())
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    p: Page,
    home: Home,
    phases: &'static [Phase],
    /// How the caseload is sorted and filtered, with the choices offered.
    sort: String,
    filter: String,
    sorts: Vec<(&'static str, String)>,
    filters: Vec<(&'static str, String)>,
}

impl HomePage {
    fn watch(&self, row: &parcours_app::homes::CaseloadRow) -> bool {
        needs_watching(row)
    }
}

/// Days without activity after which a person shows as "to watch".
pub(crate) const INACTIVE_DAYS: u32 = 14;

/// `/home?tri=…&filtre=…`: the caseload's order and filter (names stay stable in URLs).
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct CaseloadQuery {
    tri: String,
    filtre: String,
}

const SORTS: [&str; 4] = ["nom", "etape", "activite", "rdv"];
const FILTERS: [&str; 2] = ["tous", "a-surveiller"];

/// Someone the coach should look at: inactive, late, absent, answers to check, or a
/// message waiting.
pub(crate) fn needs_watching(row: &parcours_app::homes::CaseloadRow) -> bool {
    row.days_inactive >= INACTIVE_DAYS
        || row.overdue_activities > 0
        || row.missed_appointments > 0
        || row.flagged_answers > 0
        || row.unread_messages > 0
}

/// Sorts and filters a caseload (it comes sorted by name).
fn arrange(rows: &mut Vec<parcours_app::homes::CaseloadRow>, sort: &str, filter: &str) {
    if filter == "a-surveiller" {
        rows.retain(needs_watching);
    }
    match sort {
        "etape" => rows.sort_by_key(|r| std::cmp::Reverse(r.enrolment.phase.step())),
        "activite" => rows.sort_by_key(|r| r.enrolment.last_activity_at),
        "rdv" => rows.sort_by_key(|r| r.next_appointment.unwrap_or(i64::MAX)),
        _ => {}
    }
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    p: Page,
    file: PersonFile,
    notice: Option<String>,
    errors: Vec<ErrorItem>,
    fields: Vec<Field>,
    can_edit: bool,
    show_audit: bool,
    /// Refusals of the workspace's forms (notes, transfer).
    ws_errors: Vec<String>,
    note_draft: String,
    current_coach_name: Option<String>,
    /// For the shares table: staff see them, only the person withdraws them.
    now: i64,
    can_revoke: bool,
    /// The person's own file: do they let their referrer see their steps?
    milestones: Option<bool>,
}

/// Only same-site paths are followed after sign-in or a language switch (see
/// [`crate::redirect`]); a target that tries to write a header is a bad request.
fn safe_next(next: Option<&str>, fallback: &str) -> Result<String, crate::redirect::Refusal> {
    crate::redirect::target_or(next.filter(|n| !n.is_empty()), fallback)
}

fn bad_next() -> Response {
    (StatusCode::BAD_REQUEST, "Bad request: invalid `next`").into_response()
}

pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

pub async fn landing(ctx: Ctx) -> PageResult {
    if ctx.actor.is_some() {
        return Ok(see_other("/home"));
    }
    Ok(render(&LandingPage {
        p: Page::new(&ctx, ctx.lang.t("landing-title")),
    })?
    .into_response())
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
pub async fn logout_everywhere(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    state.app.logout_everywhere(ctx.actor()?).await?;
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
        Err(other) => Err(HttpError::Internal(format!("sign-in link: {other:?}"))),
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

pub async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CaseloadQuery>,
) -> PageResult {
    let actor = ctx.actor()?;
    let mut home = state.app.home(actor).await?;
    let sort = SORTS.iter().find(|s| **s == q.tri).unwrap_or(&SORTS[0]);
    let filter = FILTERS
        .iter()
        .find(|f| **f == q.filtre)
        .unwrap_or(&FILTERS[0]);
    match &mut home {
        Home::Coach(rows) | Home::ProgrammeManager { caseload: rows, .. } => {
            arrange(rows, sort, filter);
        }
        _ => {}
    }
    let lang = ctx.lang;
    let page = HomePage {
        p: Page::new(&ctx, lang.t("home-title")),
        home,
        phases: Phase::ALL,
        sort: (*sort).to_owned(),
        filter: (*filter).to_owned(),
        sorts: SORTS
            .iter()
            .map(|s| (*s, lang.t(&format!("caseload-sort-{s}"))))
            .collect(),
        filters: FILTERS
            .iter()
            .map(|f| (*f, lang.t(&format!("caseload-filter-{f}"))))
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

/// An id in a URL; anything that is not one is "not found".
pub(crate) fn parse_id(raw: &str) -> Result<Uuid, HttpError> {
    Uuid::parse_str(raw).map_err(|_| HttpError::NotFound)
}

/// `?saved=…` after a change: the confirmation to show, if any.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: String,
}

impl SavedQuery {
    pub(crate) fn notice(&self, lang: Lang) -> Option<String> {
        (!self.saved.is_empty()).then(|| lang.t("saved-notice"))
    }
}

/// The person a page is about: the signed-in person's own file under `/parcours/…`
/// (`id` None), or the one in the URL under `/beneficiaries/{id}/…`.
pub(crate) async fn page_person(
    state: &AppState,
    ctx: &Ctx,
    id: Option<&str>,
) -> Result<Uuid, HttpError> {
    match id {
        Some(raw) => parse_id(raw),
        None => state
            .app
            .own_person_id(ctx.actor()?)
            .await?
            .ok_or(HttpError::NotFound),
    }
}

/// Where a person-file page sends the reader back: their own journey, or the file's.
/// A time as its calendar date in Paris, YYYY-MM-DD (exports).
pub(crate) fn iso_date(ms: i64) -> String {
    let local = parcours_domain::appointment::paris_local(ms);
    format!(
        "{:04}-{:02}-{:02}",
        local.year(),
        u8::from(local.month()),
        local.day()
    )
}

pub(crate) fn journey_href(is_self: bool, person: Uuid) -> String {
    if is_self {
        "/parcours".to_owned()
    } else {
        format!("/beneficiaries/{person}/parcours")
    }
}

/// Back to the same page after a change, saying it is saved: the person's own page
/// (`own_path`) or the staff one (`/beneficiaries/{person}/{staff_path}`), then `anchor`.
pub(crate) async fn saved_redirect(
    state: &AppState,
    ctx: &Ctx,
    person: Uuid,
    own_path: &str,
    staff_path: &str,
    anchor: &str,
) -> PageResult {
    let own = state.app.own_person_id(ctx.actor()?).await? == Some(person);
    let base = if own {
        own_path.to_owned()
    } else {
        format!("/beneficiaries/{person}/{staff_path}")
    };
    Ok(see_other(&format!("{base}?saved=1{anchor}")))
}

/// The messages of refused fields, from the `{prefix}-error-{field}-{code}` keys.
pub(crate) fn field_messages(lang: Lang, prefix: &str, errors: &[FieldError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            lang.t(&format!(
                "{prefix}-error-{}-{}",
                e.field.replace('_', "-"),
                e.code.replace('_', "-")
            ))
        })
        .collect()
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct PersonQuery {
    saved: Option<String>,
}

fn contact_fields(lang: Lang, email: &str, phone: &str, commune: &str) -> Vec<Field> {
    vec![
        Field::new(lang, "email", "person-email", "email", "off").value(email),
        Field::new(lang, "phone", "person-phone", "tel", "off").value(phone),
        Field::new(lang, "commune_code", "person-commune", "text", "off")
            .value(commune)
            .hint(lang, "person-commune-hint"),
    ]
}

/// What the workspace's forms send back with a refusal: the messages and the draft.
#[derive(Debug, Default)]
pub(crate) struct WorkspaceRefusal {
    pub messages: Vec<String>,
    pub note_draft: String,
}

fn person_page(
    ctx: &Ctx,
    file: PersonFile,
    fields: Vec<Field>,
    errors: Vec<ErrorItem>,
    notice: Option<String>,
) -> Result<PersonPage, HttpError> {
    file_page(
        ctx,
        file,
        fields,
        errors,
        notice,
        WorkspaceRefusal::default(),
    )
}

/// The person's file with a refusal of one of the workspace's forms.
pub(crate) async fn file_with_refusal(
    state: &AppState,
    ctx: &Ctx,
    person: Uuid,
    refusal: WorkspaceRefusal,
) -> PageResult {
    let file = state.app.person_file(ctx.actor()?, person).await?;
    let p = &file.person;
    let fields = contact_fields(
        ctx.lang,
        p.email.as_deref().unwrap_or(""),
        p.phone.as_deref().unwrap_or(""),
        p.commune_code.as_deref().unwrap_or(""),
    );
    let page = file_page(ctx, file, fields, Vec::new(), None, refusal)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

fn file_page(
    ctx: &Ctx,
    file: PersonFile,
    fields: Vec<Field>,
    errors: Vec<ErrorItem>,
    notice: Option<String>,
    refusal: WorkspaceRefusal,
) -> Result<PersonPage, HttpError> {
    let actor = ctx.actor()?;
    let name = format!("{} {}", file.person.first_name, file.person.last_name);
    let can_edit = matches!(actor.role, Role::Coach | Role::Beneficiary);
    let show_audit = actor.role != Role::Beneficiary;
    Ok(PersonPage {
        p: Page::new(
            ctx,
            ctx.lang
                .t_args("person-title", &[("name", FluentValue::from(name))]),
        ),
        notice,
        errors,
        fields,
        can_edit,
        show_audit,
        ws_errors: refusal.messages,
        note_draft: refusal.note_draft,
        current_coach_name: file.enrolments.last().and_then(|e| e.coach_name.clone()),
        now: parcours_app::now_ms(),
        can_revoke: false,
        milestones: None,
        file,
    })
}

pub async fn person(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<PersonQuery>,
) -> PageResult {
    let actor = ctx.actor()?;
    let file = state.app.person_file(actor, parse_id(&id)?).await?;
    let person = &file.person;
    let fields = contact_fields(
        ctx.lang,
        person.email.as_deref().unwrap_or(""),
        person.phone.as_deref().unwrap_or(""),
        person.commune_code.as_deref().unwrap_or(""),
    );
    let notice = q.saved.map(|_| ctx.lang.t("person-saved"));
    let own = actor.role == Role::Beneficiary;
    let person_id = file.person.id;
    let mut page = person_page(&ctx, file, fields, Vec::new(), notice)?;
    if own {
        page.milestones = state.app.milestones_consent(actor, person_id).await?;
    }
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ContactForm {
    email: String,
    phone: String,
    commune_code: String,
}

pub async fn update_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<ContactForm>,
) -> PageResult {
    let actor = ctx.actor()?;
    let id = parse_id(&id)?;
    let input = ContactInput {
        email: form.email.clone(),
        phone: form.phone.clone(),
        commune_code: form.commune_code.clone(),
    };
    match state.app.update_contact(actor, id, &input).await {
        Ok(()) => Ok(see_other(&format!("/beneficiaries/{id}?saved=1"))),
        Err(AppError::Invalid(errors)) => {
            let file = state.app.person_file(actor, id).await?;
            let mut fields = contact_fields(ctx.lang, &form.email, &form.phone, &form.commune_code);
            let errors = attach_errors(ctx.lang, &mut fields, &errors);
            let page = person_page(&ctx, file, fields, errors, None)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct MilestonesForm {
    /// "yes" to let the referrer see the steps, anything else to stop.
    share: String,
}

pub async fn milestones(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<MilestonesForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    state
        .app
        .set_milestones_consent(ctx.actor()?, id, form.share == "yes")
        .await?;
    Ok(see_other(&format!("/beneficiaries/{id}?saved=1#referrer")))
}

pub async fn not_found() -> HttpError {
    HttpError::NotFound
}

/// A known path asked with a method it does not take: 405, the router adds `Allow`
/// (axum 0.8 would otherwise answer with the not-found fallback).
pub async fn method_not_allowed() -> axum::http::StatusCode {
    axum::http::StatusCode::METHOD_NOT_ALLOWED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_use_each_language_separator() {
        assert_eq!(format_count(Lang::Fr, 1584), "1\u{202f}584");
        assert_eq!(format_count(Lang::En, 1234567), "1,234,567");
        assert_eq!(format_count(Lang::Fr, 999), "999");
    }

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
