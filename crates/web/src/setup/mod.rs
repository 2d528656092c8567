//! An operator's set-up (issue 25): the organisation settings page, the public pages
//! that render its texts, the set-up checklist of the administrator's home, and the
//! organisation's API.

mod api;
mod public;
mod settings;

pub use api::*;
pub use public::{accessibility, legal_notice, privacy_notice};
pub use settings::{save_settings, settings};

use axum::routing::get;
use parcours_app::setup::{Checklist, Step};

use crate::i18n::Lang;
use crate::routes::Routes;
use utoipa_axum::routes;

/// The checklist as the home page shows it.
pub struct ChecklistView {
    pub done: usize,
    pub total: usize,
    pub steps: Vec<StepView>,
}

pub struct StepView {
    pub code: &'static str,
    pub label: String,
    pub text: String,
    pub done: bool,
    /// Where the step is taken; `None`: its page is still to come ("bientôt").
    pub href: Option<&'static str>,
    pub next: bool,
}

/// The page where each step is taken. Steps without one say "bientôt" honestly; the
/// staff, partner and programme pages of issue 25 plug in here.
fn step_href(step: Step) -> Option<&'static str> {
    match step {
        Step::Organisation => Some(SETTINGS_PATH),
        Step::Staff => Some("/admin/equipe"),
        Step::Partners | Step::Referrers => Some("/partenaires"),
        Step::Programme => Some("/programmes"),
    }
}

/// The checklist for the home page, or `None` once every step is done.
pub fn checklist_view(lang: Lang, checklist: &Checklist) -> Option<ChecklistView> {
    if checklist.complete() {
        return None;
    }
    let next = checklist.next();
    Some(ChecklistView {
        done: checklist.done_count(),
        total: checklist.steps.len(),
        steps: checklist
            .steps
            .iter()
            .map(|s| StepView {
                code: s.step.code(),
                label: lang.t(&format!("setup-step-{}", s.step.code())),
                text: lang.t(&format!("setup-step-{}-text", s.step.code())),
                done: s.done,
                href: step_href(s.step),
                next: Some(s.step) == next,
            })
            .collect(),
    })
}

pub(crate) const SETTINGS_PATH: &str = "/admin/organisation";

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route(SETTINGS_PATH, get(settings).post(save_settings))
        .route("/confidentialite", get(privacy_notice))
        .route("/accessibilite", get(accessibility))
        .route("/mentions-legales", get(legal_notice))
        .api(routes!(api_organisation, api_patch_organisation))
}
