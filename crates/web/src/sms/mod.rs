//! SMS (issue 29): the administrator's page (through which gateway SMS leave, the
//! operator's rules, a test message, each message's status), and the two routes the
//! gateway calls: delivery reports (`/sms/dlr/{id}`, authenticated by the secret of
//! that message only) and incoming messages (`/sms/mo`, authenticated by the
//! `sendsms-user`'s credentials in HTTP Basic), where "STOP" opts a number out.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use parcours_app::sms::{SmsLog, SmsOutcome, SmsRow};
use parcours_app::{AppError, FieldError};
use parcours_domain::sms::display_phone;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::kit::{ErrorItem, Field, Page, PageResult, attach_errors, render, see_other};
use crate::routes::Routes;

pub(crate) const SMS_PATH: &str = "/admin/sms";

#[derive(Template)]
#[template(path = "sms/log.html")]
struct SmsPage {
    p: Page,
    notice: Option<String>,
    errors: Vec<ErrorItem>,
    gateway: Option<String>,
    abroad_allowed: bool,
    daily_cap: String,
    phone: Field,
    messages: Vec<SmsRow>,
}

impl SmsPage {
    fn status(&self, code: &str) -> String {
        self.p.t(&format!("sms-status-{code}"))
    }

    fn purpose(&self, code: &str) -> String {
        self.p.t(&format!("sms-purpose-{code}"))
    }

    fn number(&self, e164: &str) -> String {
        display_phone(e164)
    }

    /// The gateway's last word, or why the message was not sent at all.
    fn reply(&self, row: &SmsRow) -> String {
        match row.last_reply.as_deref() {
            Some(code @ ("stop" | "daily_cap")) if row.attempts == 0 => {
                self.p.t(&format!("sms-not-sent-{code}"))
            }
            Some("outbox") => self.p.t("sms-reply-outbox"),
            Some(reply) => reply.to_owned(),
            None => String::new(),
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    done: String,
}

fn page(
    ctx: &Ctx,
    log: SmsLog,
    notice: Option<String>,
    phone: &str,
    daily_cap: Option<&str>,
    refused: &[FieldError],
) -> PageResult {
    let lang = ctx.lang;
    let mut fields = vec![
        Field::new(lang, "phone", "sms-test-phone", "tel", "off")
            .value(phone)
            .hint(lang, "sms-test-phone-hint"),
    ];
    let errors = attach_errors(lang, &mut fields, refused);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let phone = fields.remove(0);
    let view = SmsPage {
        p: Page::new(ctx, lang.t("sms-title")),
        notice,
        errors,
        gateway: log.gateway,
        abroad_allowed: log.rules.abroad_allowed,
        daily_cap: daily_cap.map_or_else(|| log.rules.daily_cap.to_string(), str::to_owned),
        phone,
        messages: log.messages,
    };
    Ok((status, render(&view)?).into_response())
}

pub async fn sms_log(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    let log = state.app.sms_log(&actor).await?;
    let notice = match q.done.as_str() {
        "rules" => Some(ctx.lang.t("saved-notice")),
        "queued" => Some(ctx.lang.t("sms-test-queued")),
        "not_sent" => Some(ctx.lang.t("sms-test-not-sent")),
        _ => None,
    };
    page(&ctx, log, notice, "", None, &[])
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct RulesForm {
    abroad_allowed: Option<String>,
    daily_cap: String,
}

pub async fn save_rules(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    axum::Form(form): axum::Form<RulesForm>,
) -> PageResult {
    let abroad = form.abroad_allowed.is_some();
    match state
        .app
        .save_sms_rules(&actor, abroad, &form.daily_cap)
        .await
    {
        Ok(()) => Ok(see_other(&format!("{SMS_PATH}?done=rules"))),
        Err(AppError::Invalid(errors)) => {
            let log = state.app.sms_log(&actor).await?;
            page(&ctx, log, None, "", Some(&form.daily_cap), &errors)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct TestForm {
    phone: String,
}

pub async fn send_test(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    axum::Form(form): axum::Form<TestForm>,
) -> PageResult {
    match state.app.send_test_sms(&actor, &form.phone).await {
        Ok(SmsOutcome::Queued { .. }) => Ok(see_other(&format!("{SMS_PATH}?done=queued"))),
        Ok(SmsOutcome::NotSent { .. }) => Ok(see_other(&format!("{SMS_PATH}?done=not_sent"))),
        Err(AppError::Invalid(errors)) => {
            let log = state.app.sms_log(&actor).await?;
            page(&ctx, log, None, &form.phone, None, &errors)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ReportQuery {
    token: String,
    status: String,
    answer: String,
}

/// Kannel's delivery report: `GET /sms/dlr/{id}?token=…&status=%d&answer=%A`.
pub async fn delivery_report(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(kind) = q.status.trim().parse::<u32>() else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "status: invalid").into_response();
    };
    match state
        .app
        .sms_delivery_report(id, &q.token, kind, &q.answer)
        .await
    {
        Ok(()) => (StatusCode::OK, "OK").into_response(),
        Err(AppError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(AppError::Invalid(_)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, "status: invalid").into_response()
        }
        Err(e) => plain_error(&e),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct IncomingQuery {
    from: String,
    text: String,
}

/// Kannel's incoming message (`sms-service` `get-url`):
/// `GET http://user:password@parcours/sms/mo?from=%p&text=%a`. The answer's body is
/// empty: with the service's `max-messages = 0` nothing is sent back.
pub async fn incoming(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<IncomingQuery>,
) -> Response {
    let credentials = basic_credentials(&headers);
    let credentials = credentials.as_ref().map(|(u, p)| (u.as_str(), p.as_str()));
    match state.app.sms_incoming(credentials, &q.from, &q.text).await {
        Ok(_) => StatusCode::OK.into_response(),
        Err(AppError::Unauthenticated) => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Basic realm=\"parcours-sms\"")],
        )
            .into_response(),
        Err(AppError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(AppError::Invalid(_)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, "from: invalid").into_response()
        }
        Err(e) => plain_error(&e),
    }
}

fn plain_error(e: &AppError) -> Response {
    tracing::error!(error = %e, "SMS gateway callback failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// `Authorization: Basic …` as (user, password).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Standard base64 (RFC 4648), padding optional.
fn base64_decode(input: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let bytes: Vec<u8> = input.bytes().filter(|&c| c != b'=').collect();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let [_, a, b, c] = acc.to_be_bytes();
        out.push(a);
        if chunk.len() > 2 {
            out.push(b);
        }
        if chunk.len() > 3 {
            out.push(c);
        }
    }
    Some(out)
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route(SMS_PATH, get(sms_log))
        .route("/admin/sms/regles", axum::routing::post(save_rules))
        .route("/admin/sms/essai", axum::routing::post(send_test))
}

/// The routes the gateway calls: served beside the pages, without their session,
/// CSRF and error-page layers (a machine reads the status, not a page).
pub(crate) fn gateway_routes() -> Routes {
    Routes::new()
        .route("/sms/dlr/{id}", get(delivery_report))
        .route("/sms/mo", get(incoming))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_decoded() {
        assert_eq!(
            base64_decode("cGFyY291cnM6czNjcmV0").unwrap(),
            b"parcours:s3cret"
        );
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert_eq!(base64_decode("YWI").unwrap(), b"ab");
        assert!(base64_decode("*").is_none());
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            "Basic cGFyY291cnM6czNjcmV0".parse().unwrap(),
        );
        assert_eq!(
            basic_credentials(&headers),
            Some(("parcours".into(), "s3cret".into()))
        );
    }
}
