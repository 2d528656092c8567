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
/// Largest upload (a multipart form, whose `_csrf` part is found in the buffered body).
pub const MAX_UPLOAD_BYTES: usize = 6 * 1024 * 1024;

/// The value of the `_csrf` part of a multipart body.
fn multipart_token(body: &[u8]) -> Option<&str> {
    let marker = b"name=\"_csrf\"";
    let at = body.windows(marker.len()).position(|w| w == marker)?;
    let rest = &body[at..];
    let start = rest.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let value = &rest[start..];
    let end = value.windows(2).position(|w| w == b"\r\n")?;
    std::str::from_utf8(&value[..end]).ok()
}

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
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if content_type.starts_with("multipart/form-data") {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = to_bytes(body, MAX_UPLOAD_BYTES).await else {
            return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response();
        };
        if !multipart_token(&bytes).is_some_and(|sent| same_secret(&expected, sent)) {
            return HttpError::Csrf.into_response();
        }
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_found_in_a_multipart_body() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\nabc123\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n\r\nprenom\r\n--b--\r\n";
        assert_eq!(multipart_token(body), Some("abc123"));
        assert_eq!(multipart_token(b"--b\r\nname=\"file\"\r\n\r\nx\r\n"), None);
    }
}
