//! The landing page and each role's home, with the coach's caseload (sorted and
//! filtered, "needs watching" flagged).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use parcours_app::homes::Home;
use parcours_domain::Phase;
use serde::Deserialize;

use crate::AppState;
use crate::context::Ctx;
use crate::kit::{Page, PageResult, render, see_other};
use crate::routes::Routes;
use axum::routing::get;

#[derive(Template)]
#[template(path = "landing.html")]
struct LandingPage {
    p: Page,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    p: Page,
    home: Home,
    phases: &'static [Phase],
    /// How the caseload is sorted and filtered, with the choices offered.
    sort: String,
    filter: String,
    sorts: Vec<(&'static str, String)>,
    filters: Vec<(&'static str, String)>,
}

impl HomePage {
    fn watch(&self, row: &parcours_app::homes::CaseloadRow) -> bool {
        needs_watching(row)
    }
}

/// Days without activity after which a person shows as "to watch".
pub(crate) const INACTIVE_DAYS: u32 = 14;

/// `/home?tri=…&filtre=…`: the caseload's order and filter (names stay stable in URLs).
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct CaseloadQuery {
    tri: String,
    filtre: String,
}

const SORTS: [&str; 4] = ["nom", "etape", "activite", "rdv"];
const FILTERS: [&str; 2] = ["tous", "a-surveiller"];

/// Someone the coach should look at: inactive, late, absent, answers to check, or a
/// message waiting.
pub(crate) fn needs_watching(row: &parcours_app::homes::CaseloadRow) -> bool {
    row.days_inactive >= INACTIVE_DAYS
        || row.overdue_activities > 0
        || row.missed_appointments > 0
        || row.flagged_answers > 0
        || row.unread_messages > 0
}

/// Sorts and filters a caseload (it comes sorted by name).
fn arrange(rows: &mut Vec<parcours_app::homes::CaseloadRow>, sort: &str, filter: &str) {
    if filter == "a-surveiller" {
        rows.retain(needs_watching);
    }
    match sort {
        "etape" => rows.sort_by_key(|r| std::cmp::Reverse(r.enrolment.phase.step())),
        "activite" => rows.sort_by_key(|r| r.enrolment.last_activity_at),
        "rdv" => rows.sort_by_key(|r| r.next_appointment.unwrap_or(i64::MAX)),
        _ => {}
    }
}

pub async fn landing(ctx: Ctx) -> PageResult {
    if ctx.actor.is_some() {
        return Ok(see_other("/home"));
    }
    Ok(render(&LandingPage {
        p: Page::new(&ctx, ctx.lang.t("landing-title")),
    })?
    .into_response())
}

pub async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CaseloadQuery>,
) -> PageResult {
    let actor = ctx.actor()?;
    let mut home = state.app.home(actor).await?;
    let sort = SORTS.iter().find(|s| **s == q.tri).unwrap_or(&SORTS[0]);
    let filter = FILTERS
        .iter()
        .find(|f| **f == q.filtre)
        .unwrap_or(&FILTERS[0]);
    match &mut home {
        Home::Coach(rows) | Home::ProgrammeManager { caseload: rows, .. } => {
            arrange(rows, sort, filter);
        }
        _ => {}
    }
    let lang = ctx.lang;
    let page = HomePage {
        p: Page::new(&ctx, lang.t("home-title")),
        home,
        phases: Phase::ALL,
        sort: (*sort).to_owned(),
        filter: (*filter).to_owned(),
        sorts: SORTS
            .iter()
            .map(|s| (*s, lang.t(&format!("caseload-sort-{s}"))))
            .collect(),
        filters: FILTERS
            .iter()
            .map(|f| (*f, lang.t(&format!("caseload-filter-{f}"))))
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/", get(landing))
        .route("/home", get(home))
}
