//! Operations: health check, Prometheus metrics, the stylesheet, request metrics.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use parcours_app::same_secret;

use crate::AppState;
use crate::routes::Routes;
use axum::routing::get;

/// The process-wide Prometheus recorder (installed once, shared by every router).
pub fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .clone()
}

/// The process is up (no database call): a liveness probe, and the benchmarks'
/// baseline, the cheapest answer the server gives.
pub async fn livez() -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], "ok").into_response()
}

/// The process and its database answer: a readiness probe for the load balancer.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.app.db().ping().await {
        Ok(()) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/plain")],
                "database unreachable",
            )
                .into_response()
        }
    }
}

/// Prometheus text, for the bearer of the configured token only (`PARCOURS_METRICS_TOKEN`):
/// route names, volumes and latencies help an attacker time and aim. Without a token
/// configured the endpoint does not exist (404); a missing or wrong token gets 401.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = state.metrics_token.as_deref() else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain")],
            "metrics are disabled: set PARCOURS_METRICS_TOKEN to serve them",
        )
            .into_response();
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        })
        .map(|(_, token)| token.trim());
    if !sent.is_some_and(|sent| same_secret(expected, sent)) {
        return (
            StatusCode::UNAUTHORIZED,
            [
                (header::CONTENT_TYPE, "text/plain"),
                (header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\""),
            ],
            "a bearer token is required",
        )
            .into_response();
    }
    let body = state
        .metrics
        .as_ref()
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
        .into_response()
}

/// The vendored htmx, under a versioned path so that it can be cached for good.
pub const HTMX_PATH: &str = "/static/htmx-2.0.11.min.js";

pub async fn htmx() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        include_str!("../static/vendor/htmx-2.0.11.min.js"),
    )
        .into_response()
}

/// Counts requests and their duration by route pattern and status. The pattern
/// (`/beneficiaries/{id}`), never the concrete path, so no id or token is recorded.
pub async fn track_metrics(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let seconds = started.elapsed().as_secs_f64();
    tracing::info!(%method, %route, %status, ms = seconds * 1000.0, "request");
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(seconds);
    response
}

/// Health, metrics, the OpenAPI document and static files: served outside the page
/// layers (no session, no CSRF).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/healthz", get(healthz))
        .route("/livez", get(livez))
        .route("/metrics", get(metrics))
        .route("/api/v1/openapi.json", get(crate::api::openapi))
        .route("/static/app.css", get(stylesheet))
        .route(HTMX_PATH, get(htmx))
}

#[cfg(test)]
mod tests {
    /// The one API path served without an OpenAPI entry is the document itself.
    #[test]
    fn only_the_document_is_served_undocumented() {
        assert_eq!(
            super::router().undocumented_api,
            vec!["/api/v1/openapi.json"]
        );
    }
}
