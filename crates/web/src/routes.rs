//! A router that remembers the paths it serves: each feature declares its routes once
//! and the access matrix test reads the paths back (`route_paths`). API routes are
//! declared with their OpenAPI entry (`api(routes!(handler))`), so a served API route
//! cannot miss its documentation.

use axum::Router;
use axum::routing::MethodRouter;
use utoipa::openapi::path::Paths;
use utoipa::openapi::{RefOr, schema::Schema};
use utoipa_axum::router::UtoipaMethodRouter;

use crate::AppState;

/// A router that remembers the paths it serves, so that tests can call every route
/// (the access matrix) without a list kept by hand, and the OpenAPI paths and schemas
/// of its API routes.
pub(crate) struct Routes {
    pub(crate) router: Router<AppState>,
    pub(crate) paths: Vec<String>,
    pub(crate) api_paths: Paths,
    pub(crate) api_schemas: Vec<(String, RefOr<Schema>)>,
    /// API paths routed without an OpenAPI entry (only the document itself should be).
    pub(crate) undocumented_api: Vec<&'static str>,
}

impl Routes {
    pub(crate) fn new() -> Self {
        Routes {
            router: Router::new(),
            paths: Vec::new(),
            api_paths: Paths::new(),
            api_schemas: Vec::new(),
            undocumented_api: Vec::new(),
        }
    }

    pub(crate) fn route(mut self, path: &'static str, methods: MethodRouter<AppState>) -> Self {
        self.paths.push(path.to_owned());
        if path.starts_with("/api/") {
            self.undocumented_api.push(path);
        }
        self.router = self.router.route(path, methods);
        self
    }

    /// Adds handlers annotated with `#[utoipa::path]` (`routes!(get_x, post_x)`, one path):
    /// the router serves them at the path their annotation names, and the OpenAPI
    /// document lists them.
    pub(crate) fn api(mut self, (schemas, paths, methods): UtoipaMethodRouter<AppState>) -> Self {
        for path in paths.paths.keys() {
            // Several `api` calls may share a path (axum merges the methods): list it once.
            if !self.paths.contains(path) {
                self.paths.push(path.clone());
            }
            self.router = self.router.route(path, methods.clone());
        }
        self.api_paths.merge(paths);
        self.api_schemas.extend(schemas);
        self
    }

    /// Adds another feature's routes.
    pub(crate) fn merge(mut self, other: Routes) -> Self {
        self.paths.extend(other.paths);
        self.router = self.router.merge(other.router);
        self.api_paths.merge(other.api_paths);
        self.api_schemas.extend(other.api_schemas);
        self.undocumented_api.extend(other.undocumented_api);
        self
    }
}
