//! Programmes as the operator sets them up: the pages (list, create, edit, state,
//! cohorts) and `/api/v1/programmes`.

use crate::routes::Routes;
use axum::routing::{get, post};
use utoipa_axum::routes;

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
        .api(routes!(api_list, api_create))
        .api(routes!(api_get, api_update))
        .api(routes!(api_cohorts, api_open_cohort))
}
