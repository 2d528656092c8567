//! Error pages: a bare error status becomes a page in the reader's language (or
//! problem+json under `/api/`), and the router's fallbacks.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::*;
use crate::context::Ctx;
use crate::errors::HttpError;
use crate::errors::{ErrorMarker, FieldProblem, urlencode};
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub p: Page,
    pub message: String,
    /// On a 500: the request id the reader can quote to support.
    pub reference: Option<String>,
}

pub async fn not_found() -> HttpError {
    HttpError::NotFound
}

/// A known path asked with a method it does not take: 405, the router adds `Allow`
/// (axum 0.8 would otherwise answer with the not-found fallback).
pub async fn method_not_allowed() -> axum::http::StatusCode {
    axum::http::StatusCode::METHOD_NOT_ALLOWED
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
    let reference = crate::errors::request_id(req.headers());
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
            reference: reference.filter(|_| code == "500"),
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

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::middleware::from_fn;
    use axum::routing::get;
    use tower::ServiceExt;
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

    use super::*;
    use crate::errors::{REQUEST_ID, log_failures};

    /// The layers `router()` puts around the pages, on a route that fails inside.
    fn failing(lang: Lang) -> Router {
        let ctx = Ctx {
            lang,
            actor: None,
            csrf: String::new(),
            sent_anon_csrf: None,
            path: "/".into(),
            client_ip: "test".into(),
            now: 0,
        };
        Router::new()
            .route(
                "/",
                get(|| async {
                    HttpError::internal("database", std::io::Error::other("connection reset"))
                }),
            )
            .layer(from_fn(render_errors))
            .layer(from_fn(move |mut req: Request, next: Next| {
                req.extensions_mut().insert(ctx.clone());
                next.run(req)
            }))
            .layer(from_fn(log_failures))
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
    }

    async fn body(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[tokio::test]
    async fn a_failure_shows_its_reference_never_its_cause() {
        for (lang, words) in [
            (Lang::En, "Quote this reference to support"),
            (Lang::Fr, "Communiquez cette référence au support"),
        ] {
            let response = failing(lang)
                .oneshot(Request::get("/").body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
            let id = response.headers()[REQUEST_ID].to_str().unwrap().to_owned();
            assert_eq!(id.len(), 36, "a generated UUID: {id}");
            let page = body(response).await;
            assert!(page.contains(words), "{page}");
            assert!(page.contains(&id), "{page}");
            assert!(!page.contains("connection reset"), "{page}");
        }
    }

    #[tokio::test]
    async fn a_request_id_sent_is_kept() {
        let response = failing(Lang::En)
            .oneshot(
                Request::get("/")
                    .header(REQUEST_ID, "abc-123")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.headers()[REQUEST_ID], "abc-123");
        assert!(body(response).await.contains("abc-123"));
    }

    #[test]
    fn the_chain_keeps_the_cause() {
        let e = HttpError::internal("database", std::io::Error::other("connection reset"));
        assert_eq!(e.chain(), "database: connection reset");
        assert_eq!(e.to_string(), "database");
    }
}
