//! A router that remembers the paths it serves: each feature declares its routes once
//! and the access matrix test reads the paths back (`route_paths`).

use axum::Router;
use axum::routing::MethodRouter;

use crate::AppState;

/// A router that remembers the paths it serves, so that tests can call every route
/// (the access matrix) without a list kept by hand.
pub(crate) struct Routes {
    pub(crate) router: Router<AppState>,
    pub(crate) paths: Vec<&'static str>,
}

impl Routes {
    pub(crate) fn new() -> Self {
        Routes {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    pub(crate) fn route(mut self, path: &'static str, methods: MethodRouter<AppState>) -> Self {
        self.paths.push(path);
        self.router = self.router.route(path, methods);
        self
    }

    /// Adds another feature's routes.
    pub(crate) fn merge(mut self, other: Routes) -> Self {
        self.paths.extend(other.paths);
        self.router = self.router.merge(other.router);
        self
    }
}
