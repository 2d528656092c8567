//! Programmes as the operator sets them up: the pages (list, create, edit, state,
//! cohorts) and `/api/v1/programmes`.

use crate::routes::Routes;
use axum::routing::{get, post};

mod api;
mod page;

pub use api::*;
pub use page::*;

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/programmes", get(list).post(create))
        .route("/programmes/{id}/modifier", get(edit).post(save))
        .route("/programmes/{id}/etat", post(set_status))
        .route("/programmes/{id}/cohortes", post(open_cohort))
        .route("/api/v1/programmes", get(api_list).post(api_create))
        .route("/api/v1/programmes/{id}", get(api_get).patch(api_update))
        .route(
            "/api/v1/programmes/{id}/cohorts",
            get(api_cohorts).post(api_open_cohort),
        )
}
