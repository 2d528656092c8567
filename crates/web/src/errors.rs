//! One error type for every handler. It becomes a localised HTML page, or
//! problem+json under `/api/`; internal details are logged, never shown.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parcours_app::AppError;
use parcours_app::auth::LoginError;

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
    /// A failure the reader cannot fix: `what` says where, `source` keeps the chain
    /// (logged with the request id, never shown).
    #[error("{what}")]
    Internal {
        what: String,
        #[source]
        source: Option<BoxError>,
    },
}

/// The cause of an internal failure, kept whole so that the log shows the chain.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The request's reference, set (or kept from the client) by the request-id layer,
/// echoed on every response and quoted on the 500 page.
pub const REQUEST_ID: &str = "x-request-id";

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

impl HttpError {
    /// An internal failure caused by `source`.
    pub fn internal(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        HttpError::Internal {
            what: what.into(),
            source: Some(source.into()),
        }
    }

    /// An internal failure with no underlying error to keep.
    pub fn internal_msg(what: impl Into<String>) -> Self {
        HttpError::Internal {
            what: what.into(),
            source: None,
        }
    }

    /// The message and each cause under it, outermost first.
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(e) = cause {
            out.push_str(": ");
            out.push_str(&e.to_string());
            cause = e.source();
        }
        out
    }
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
            AppError::Database(e) => HttpError::internal("database", e),
            AppError::Internal(msg) => HttpError::internal_msg(msg),
        }
    }
}

impl From<LoginError> for HttpError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::App(e) => e.into(),
            other => HttpError::internal("sign-in", other),
        }
    }
}

impl From<askama::Error> for HttpError {
    fn from(e: askama::Error) -> Self {
        HttpError::internal("template", e)
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
            HttpError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Marks a bare error response for the page kit's `render_errors`, which knows the language.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ErrorMarker {
    pub(crate) csrf: bool,
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
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
        if matches!(self, HttpError::Internal { .. }) {
            // Logged by `log_failures`, which knows the request id.
            response
                .extensions_mut()
                .insert(Failure(std::sync::Arc::from(self.chain())));
        }
        response
    }
}

/// The whole chain of an internal failure, for the log.
#[derive(Debug, Clone)]
struct Failure(std::sync::Arc<str>);

/// Logs each internal failure with its source chain and the request id the reader
/// sees on the page (inside the request-id layers, around every route).
pub async fn log_failures(req: Request, next: Next) -> Response {
    let request_id = request_id(req.headers()).unwrap_or_default();
    let response = next.run(req).await;
    if let Some(Failure(chain)) = response.extensions().get::<Failure>() {
        tracing::error!(%request_id, error = %chain, "request failed");
    }
    response
}

/// The request id the request-id layer set on the request.
pub fn request_id(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|v| v.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}
