//! One error type for every handler. It becomes a localised HTML page, or
//! problem+json under `/api/`; internal details are logged, never shown.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use parcours_app::AppError;
use parcours_app::auth::LoginError;

use crate::context::Ctx;
use crate::pages::{ErrorPage, Page, render};

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error("not signed in")]
    Unauthenticated,
    #[error("too many requests")]
    TooMany,
    #[error("service unavailable")]
    Unavailable,
    #[error("{0}")]
    Internal(String),
}

impl From<AppError> for HttpError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => HttpError::NotFound,
            AppError::Forbidden => HttpError::Forbidden,
            AppError::Unauthenticated => HttpError::Unauthenticated,
            AppError::RateLimited { .. } => HttpError::TooMany,
            // Handlers show field errors on their own form; one reaching here is a bug.
            AppError::Invalid(fields) => {
                HttpError::Internal(format!("unhandled invalid input: {fields:?}"))
            }
            AppError::Database(e) => HttpError::Internal(format!("database: {e}")),
            AppError::Internal(msg) => HttpError::Internal(msg),
        }
    }
}

impl From<LoginError> for HttpError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::App(e) => e.into(),
            other => HttpError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for HttpError {
    fn from(e: askama::Error) -> Self {
        HttpError::Internal(format!("template: {e}"))
    }
}

impl HttpError {
    pub fn status(&self) -> StatusCode {
        match self {
            HttpError::NotFound => StatusCode::NOT_FOUND,
            HttpError::Forbidden | HttpError::Csrf => StatusCode::FORBIDDEN,
            HttpError::Unauthenticated => StatusCode::UNAUTHORIZED,
            HttpError::TooMany => StatusCode::TOO_MANY_REQUESTS,
            HttpError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            HttpError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Marks a bare error response for [`render_errors`], which knows the language.
#[derive(Debug, Clone, Copy)]
struct ErrorMarker {
    csrf: bool,
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        if let HttpError::Internal(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let mut response = self.status().into_response();
        response.extensions_mut().insert(ErrorMarker {
            csrf: matches!(self, HttpError::Csrf),
        });
        response
    }
}

fn is_bare_error(response: &Response) -> bool {
    let status = response.status();
    (status.is_client_error() || status.is_server_error())
        && !response.headers().contains_key(header::CONTENT_TYPE)
}

/// Turns bare error statuses (ours, the router's 404/405, the CSRF layer's 403, the
/// body limit's 413) into a page in the user's language, or problem+json for the API.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let ctx = req.extensions().get::<Ctx>().cloned();
    let is_api = req.uri().path().starts_with("/api/");
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    if !is_bare_error(&response) {
        return response;
    }
    let status = response.status();
    let csrf = response
        .extensions()
        .get::<ErrorMarker>()
        .is_some_and(|m| m.csrf);
    if status == StatusCode::UNAUTHORIZED && !is_api {
        let target = format!("/login?next={}", urlencode(&path));
        return Redirect::to(&target).into_response();
    }
    let Some(ctx) = ctx else {
        return response;
    };
    let code = match status.as_u16() {
        403 => "403",
        404 => "404",
        405 => "405",
        413 => "413",
        429 => "429",
        503 => "503",
        _ => "500",
    };
    let lang = ctx.lang;
    let title = lang.t(&format!("error-{code}-title"));
    let message = if csrf {
        lang.t("error-csrf-text")
    } else {
        lang.t(&format!("error-{code}-text"))
    };
    let mut out = if is_api {
        let body = serde_json::json!({ "type": "about:blank", "title": title, "status": status.as_u16(), "detail": message });
        let mut r = (status, body.to_string()).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        r
    } else {
        match render(&ErrorPage {
            p: Page::new(&ctx, title),
            message,
        }) {
            Ok(page) => (status, page).into_response(),
            Err(_) => status.into_response(),
        }
    };
    // Keep headers the inner layers set (Allow on a 405, Retry-After, cookies).
    for (name, value) in response.headers() {
        if name != header::CONTENT_LENGTH && name != header::CONTENT_TYPE {
            out.headers_mut().append(name, value.clone());
        }
    }
    out
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|v| v.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}
