//! Outcomes: the programme's results for its manager and funder (charts with their data
//! tables, a CSV export), and a person's exit and follow-up facts recorded by the coach.

use crate::routes::Routes;
use axum::routing::{get, post};
use utoipa_axum::routes;

mod exports;
mod person;
mod report;
mod survey;

pub use exports::*;
pub use person::*;
pub use report::*;
pub use survey::*;

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route(
            "/beneficiaries/{id}/suivi",
            get(person_outcomes).post(record_outcome),
        )
        .route("/programmes/{id}/resultats", get(results))
        .route("/programmes/{id}/resultats.csv", get(results_csv))
        .api(routes!(api_report))
        .route("/programmes/{id}/resultats.pdf", get(results_pdf))
        .route("/programmes/{id}/resultats.xlsx", get(results_xlsx))
        .route("/programmes/{id}/resultats/cellule", post(set_min_cell))
        .route("/programmes/{id}/resultats/regle", post(change_rule))
        .route("/programmes/{id}/resultats/questions", post(edit_questions))
        .route(
            "/questionnaire-suivi/{token}",
            get(survey).post(answer_survey),
        )
}
