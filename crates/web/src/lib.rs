//! The web face of Parcours: HTML pages (askama, working without JavaScript), the
//! `/api/v1` JSON API with its OpenAPI document, and the security middleware.

pub mod admin;
pub mod api;
pub mod appointments;
pub mod auth;
pub mod bilan;
pub mod context;
pub mod csrf;
pub mod errors;
pub mod headers;
pub mod homes;
pub mod i18n;
pub mod input;
pub mod jobs;
pub mod journal;
pub mod kit;
pub mod mail_log;
pub mod messages;
pub mod opportunities;
pub mod ops;
pub mod outcomes;
pub mod partners;
pub mod people;
pub mod pistes;
pub mod placements;
pub mod plan;
pub mod privacy;
pub mod programmes;
pub mod projects;
pub mod redirect;
pub mod reference;
pub mod referrals;
mod routes;
pub mod selection;
pub mod setup;
pub mod sms;
pub mod sponsors;
pub mod staff;
pub mod synthesis;
pub mod tenants;
pub mod throttle;
pub mod workspace;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use metrics_exporter_prometheus::PrometheusHandle;
use parcours_app::App;
use tower_http::compression::CompressionLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

use crate::routes::Routes;

/// Largest request body accepted anywhere (uploads get their own limit later).
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    pub metrics: Option<PrometheusHandle>,
    /// The bearer token `/metrics` requires; without one, `/metrics` is not served.
    pub metrics_token: Option<Arc<str>>,
    /// Anonymous searches per network address (see [`throttle`]).
    pub search_throttle: Arc<throttle::Throttle>,
}

impl AppState {
    pub fn new(app: App) -> Self {
        let secure_cookies = app.config().base_url.starts_with("https://");
        AppState {
            app,
            secure_cookies,
            metrics: ops::metrics_handle(),
            metrics_token: None,
            search_throttle: Arc::new(throttle::Throttle::for_search()),
        }
    }

    /// Serves `/metrics` to requests bearing this token (an empty one counts as none).
    pub fn with_metrics_token(mut self, token: Option<String>) -> Self {
        self.metrics_token = token.filter(|t| !t.trim().is_empty()).map(Arc::from);
        self
    }
}

/// Every path pattern the application serves (`/beneficiaries/{id}`, …), pages and
/// operations alike. Which methods each takes is what the router answers: any other
/// gets 405 with an `Allow` header.
pub fn route_paths() -> Vec<&'static str> {
    // Built once: the paths live as long as the program, as the literals they come from.
    static PATHS: OnceLock<Vec<String>> = OnceLock::new();
    PATHS
        .get_or_init(|| {
            let mut paths = page_routes().paths;
            paths.extend(ops::router().paths);
            paths.extend(sms::gateway_routes().paths);
            paths
        })
        .iter()
        .map(String::as_str)
        .collect()
}

pub(crate) fn page_routes() -> Routes {
    Routes::new()
        .merge(homes::router())
        .merge(auth::router())
        .merge(referrals::router())
        .merge(opportunities::router())
        .merge(people::router())
        .merge(bilan::router())
        .merge(privacy::router())
        .merge(journal::router())
        .merge(pistes::router())
        .merge(projects::router())
        .merge(plan::router())
        .merge(reference::router())
        .merge(appointments::router())
        .merge(synthesis::router())
        .merge(workspace::router())
        .merge(outcomes::router())
        .merge(messages::router())
        .merge(sponsors::router())
        .merge(placements::router())
        .merge(selection::router())
        .merge(jobs::router())
        .merge(mail_log::router())
        .merge(admin::router())
        .merge(setup::router())
        .merge(partners::router())
        .merge(programmes::router())
        .merge(api::router())
        .merge(staff::router())
        .merge(tenants::router())
        .merge(sms::router())
}

pub fn router(state: AppState) -> Router {
    let pages = page_routes()
        .router
        .fallback(kit::not_found)
        .method_not_allowed_fallback(kit::method_not_allowed)
        // Innermost first: the text rule, token check, then Origin check, then error
        // pages, then context.
        .layer(from_fn(input::text_rule))
        .layer(from_fn(csrf::require_token))
        .layer(CsrfLayer::new())
        .layer(from_fn(kit::render_errors))
        .layer(from_fn_with_state(state.clone(), context::load_context));
    pages
        .merge(
            ops::router()
                .router
                .method_not_allowed_fallback(kit::method_not_allowed),
        )
        .merge(
            sms::gateway_routes()
                .router
                .method_not_allowed_fallback(kit::method_not_allowed),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(from_fn_with_state(
            state.secure_cookies,
            headers::security_headers,
        ))
        .layer(from_fn(ops::track_metrics))
        // Pages are text: gzip or brotli (whichever the browser prefers) makes the longest
        // ones (pistes, caseload) ~6x smaller on a phone's connection (issue 28 item 14).
        .layer(CompressionLayer::new().gzip(true).br(true))
        // The request id: set when absent (outermost), echoed on every response, and
        // logged with any internal failure.
        .layer(from_fn(errors::log_failures))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Serves until Ctrl-C or SIGTERM, finishing requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
