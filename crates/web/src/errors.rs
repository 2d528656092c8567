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
    /// Input refused field by field; rendered as problem+json with an `errors` list.
    #[error("unprocessable input")]
    Unprocessable(Vec<FieldProblem>),
    #[error("{0}")]
    Internal(String),
}

/// An error answer of the API (RFC 9457 problem details, `application/problem+json`):
/// for refused input (422), `errors` names each field's problem; nothing was saved.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// One refused field or answer, in the `errors` list of a 422 problem+json.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    /// The form field or question id.
    pub field: String,
    /// A stable code: `out_of_range`, `unknown_item`, `unknown_choice`, `duplicate`,
    /// `too_long`, `consent_required`, `activity_done`, `activity_upcoming`…
    pub code: String,
    /// What is wrong, in plain English.
    pub message: String,
}

impl FieldProblem {
    pub fn from_answer(e: &parcours_domain::instrument::AnswerError) -> Self {
        use parcours_domain::instrument::AnswerError::*;
        let (field, code) = match e {
            UnknownItem { item } => (item, "unknown_item"),
            OutOfRange { item, .. } => (item, "out_of_range"),
            UnknownChoice { item, .. } => (item, "unknown_choice"),
            Duplicate { item, .. } => (item, "duplicate"),
            TooLong { item, .. } => (item, "too_long"),
            NotInReference { item, .. } => (item, "not_in_reference"),
            TooMany { item, .. } => (item, "too_many"),
        };
        FieldProblem {
            field: field.clone(),
            code: code.to_owned(),
            message: e.to_string(),
        }
    }
}

impl HttpError {
    /// A form or API value that is not one of the choices: 422 naming the field.
    pub fn unknown_choice(field: &str, value: &str) -> Self {
        HttpError::Unprocessable(vec![FieldProblem {
            field: field.to_owned(),
            code: "unknown_choice".into(),
            message: format!("`{field}`: `{value}` is not one of the choices"),
        }])
    }
}

/// A coded value (status, owner, evidence item…) read from a form or a request body.
pub fn parse_choice<T: std::str::FromStr>(field: &str, value: &str) -> Result<T, HttpError> {
    value
        .parse()
        .map_err(|_| HttpError::unknown_choice(field, value))
}

impl From<AppError> for HttpError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => HttpError::NotFound,
            AppError::Forbidden => HttpError::Forbidden,
            AppError::Unauthenticated => HttpError::Unauthenticated,
            AppError::RateLimited { .. } => HttpError::TooMany,
            // Pages show field errors on their own form; the API answers problem+json.
            AppError::Invalid(fields) => HttpError::Unprocessable(
                fields
                    .iter()
                    .map(|f| FieldProblem {
                        field: f.field.to_owned(),
                        code: f.code.to_owned(),
                        message: format!("`{}`: {}", f.field, f.code.replace('_', " ")),
                    })
                    .collect(),
            ),
            AppError::Answers(errors) => {
                HttpError::Unprocessable(errors.iter().map(FieldProblem::from_answer).collect())
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
            HttpError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
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
        if let HttpError::Unprocessable(errors) = &self {
            let body = serde_json::json!({
                "type": "about:blank",
                "title": "Unprocessable input",
                "status": 422,
                "detail": "Nothing was saved.",
                "errors": errors,
            });
            let mut r = (self.status(), body.to_string()).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            );
            return r;
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

/// An extractor's refusal (a body that is not the JSON expected, a missing content type,
/// a bad query string): axum answers those in plain text.
fn is_plain_rejection(response: &Response) -> bool {
    response.status().is_client_error()
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain"))
}

/// The API answers in JSON whatever refused the request: the extractor's message goes
/// in `detail` (and, for a body that does not fit, in `errors` as for any 422).
async fn rejection_as_problem(response: Response) -> Response {
    let status = response.status();
    let (parts, body) = response.into_parts();
    let detail = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let mut problem = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Refused"),
        "status": status.as_u16(),
        "detail": detail,
    });
    if status == StatusCode::UNPROCESSABLE_ENTITY {
        problem["errors"] = serde_json::json!([FieldProblem {
            field: "body".into(),
            code: "invalid_body".into(),
            message: detail,
        }]);
    }
    let mut out = (status, problem.to_string()).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_LENGTH && name != header::CONTENT_TYPE {
            out.headers_mut().append(name, value.clone());
        }
    }
    out.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    out
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
    if is_api && is_plain_rejection(&response) {
        return rejection_as_problem(response).await;
    }
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
