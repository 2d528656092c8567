//! The bilan pages: the journey ("what to do next"), consent, one question per screen,
//! whole-form activities (ranking, constraints), results with an accessible hexagon,
//! and the same under `/api/v1/`. Every page works without JavaScript.

use parcours_domain::instrument::Text;

use crate::i18n::Lang;
use crate::routes::Routes;
use axum::routing::{get, post};
use utoipa_axum::routes;

mod api;
mod experiences;
mod journey;
mod question;
mod results;
mod whole_form;

pub use api::*;
pub use experiences::*;
pub use journey::*;
pub use question::*;
pub use results::*;
use whole_form::*;

fn tx(lang: Lang, text: &Text) -> String {
    text.get(lang.code()).to_owned()
}

fn hours(lang: Lang, minutes: u32) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match lang {
        Lang::Fr => format!("{h} h {m:02}"),
        Lang::En => format!("{h} h {m:02} min"),
    }
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/parcours", get(own_journey))
        .route("/parcours/consentement", post(consent))
        .route("/beneficiaries/{id}/parcours", get(person_journey))
        .route("/beneficiaries/{id}/phase", post(advance))
        .route("/activites/{id}", get(activity).post(submit_form))
        .route("/activites/{id}/q/{n}", get(question).post(answer_question))
        .route("/activites/{id}/resultats", get(results))
        .api(routes!(api_journey))
        .api(routes!(api_activity))
        .api(routes!(api_save_answers))
        .api(routes!(api_results))
}
