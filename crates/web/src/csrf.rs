//! Per-session CSRF tokens on every state-changing request. The tower-http layer
//! in front checks Origin / Sec-Fetch-Site; this one requires the form field `_csrf`
//! (or the `X-CSRF-Token` header, for htmx and API clients) to match the session's
//! token, or before sign-in the browser's double-submit cookie.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parcours_app::same_secret;

use crate::context::Ctx;
use crate::errors::HttpError;

pub const FORM_FIELD: &str = "_csrf";
pub const HEADER: &str = "x-csrf-token";
/// Largest form body we read to find the token (bigger uploads come with the header).
const MAX_FORM_BYTES: usize = 256 * 1024;

fn expected_token(ctx: &Ctx) -> Option<&str> {
    match &ctx.actor {
        Some(actor) => Some(actor.csrf_token.as_str()),
        None => ctx.sent_anon_csrf.as_deref(),
    }
}

pub async fn require_token(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let Some(ctx) = req.extensions().get::<Ctx>().cloned() else {
        return HttpError::Csrf.into_response();
    };
    let Some(expected) = expected_token(&ctx).map(str::to_owned) else {
        return HttpError::Csrf.into_response();
    };
    if let Some(sent) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return if same_secret(&expected, sent) {
            next.run(req).await
        } else {
            HttpError::Csrf.into_response()
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return HttpError::Csrf.into_response();
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let sent = fields
        .iter()
        .find(|(k, _)| k == FORM_FIELD)
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    if !same_secret(&expected, sent) {
        return HttpError::Csrf.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
