//! Referrals: the referrer's form, file import and corrections; the manager's decisions
//! and cohorts; the CSV export; and the API.

use crate::routes::Routes;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use utoipa_axum::routes;

mod api;
mod decisions;
mod export;
mod import;
mod page;
mod settings;

pub use api::*;
pub use decisions::*;
pub use export::*;
pub use import::*;
pub use page::*;
pub use settings::*;

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route(
            "/orientations/suivi",
            get(advisor_request_page).post(advisor_request_submit),
        )
        .route("/orientations/suivi/{token}", get(advisor_follow))
        .route("/orientations", get(list).post(submit))
        .route(
            "/orientations/import",
            post(upload).layer(DefaultBodyLimit::max(crate::csrf::MAX_UPLOAD_BYTES)),
        )
        .route("/orientations/import/{id}", get(import_page).post(correct))
        .route("/orientations/import/{id}/valider", post(commit))
        .route("/orientations/export.csv", get(export))
        .route("/orientations/{id}/decision", post(decide))
        .route("/orientations/{id}/justificatifs", post(evidence))
        .route("/programmes/{id}", get(settings).post(save_settings))
        .route("/cohortes", post(add_cohort))
        .api(routes!(api_list, api_submit))
        .api(routes!(api_decide))
}

#[cfg(test)]
mod tests {
    use parcours_documents::spreadsheet::spreadsheet_safe;

    #[test]
    fn cells_that_would_run_as_formulas_are_written_as_text() {
        assert_eq!(
            spreadsheet_safe("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("-2+3"), "'-2+3");
        assert_eq!(spreadsheet_safe("Gaël Lévy"), "Gaël Lévy");
        assert_eq!(spreadsheet_safe("2026-11-23"), "2026-11-23");
    }
}
