//! The landing page and each role's home, with the coach's caseload (sorted and
//! filtered, "needs watching" flagged).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use parcours_app::homes::{CaseloadRow, Home};
use parcours_domain::{Phase, caseload};
use serde::Deserialize;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
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
    /// The administrator's set-up checklist, until every step is done.
    checklist: Option<crate::setup::ChecklistView>,
}

impl HomePage {
    fn watch(&self, row: &CaseloadRow) -> bool {
        line(row).signals.needs_watching()
    }
}

/// `/home?tri=…&filtre=…`: the caseload's order and filter (names stay stable in URLs).
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct CaseloadQuery {
    tri: String,
    filtre: String,
}

/// The facts the caseload rules read from a row.
fn line(row: &CaseloadRow) -> caseload::Line {
    caseload::Line {
        signals: caseload::Signals {
            days_inactive: row.days_inactive,
            overdue_activities: row.overdue_activities,
            missed_appointments: row.missed_appointments,
            flagged_answers: row.flagged_answers,
            unread_messages: row.unread_messages,
        },
        phase: row.enrolment.phase,
        last_activity_at: row.enrolment.last_activity_at,
        next_appointment: row.next_appointment,
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
    SignedIn(actor): SignedIn,
    Query(q): Query<CaseloadQuery>,
) -> PageResult {
    // The host administrator's home is the list of operators (the only page it has).
    if actor.role == parcours_domain::Role::HostAdmin {
        return crate::tenants::operators_page(
            &state,
            &ctx,
            &actor,
            None,
            Vec::new(),
            crate::tenants::OperatorForm::default(),
        )
        .await;
    }
    let mut home = state.app.home(&actor).await?;
    let sort = caseload::Sort::from_param(&q.tri);
    let filter = caseload::Filter::from_param(&q.filtre);
    match &mut home {
        Home::Coach(rows) | Home::ProgrammeManager { caseload: rows, .. } => {
            caseload::arrange(rows, sort, filter, line);
        }
        _ => {}
    }
    let lang = ctx.lang;
    let checklist = match &home {
        Home::Admin(_) => {
            crate::setup::checklist_view(lang, &state.app.setup_checklist(&actor).await?)
        }
        _ => None,
    };
    let page = HomePage {
        p: Page::new(&ctx, lang.t("home-title")),
        home,
        phases: Phase::ALL,
        sort: sort.param().to_owned(),
        filter: filter.param().to_owned(),
        sorts: caseload::Sort::ALL
            .iter()
            .map(|s| (s.param(), lang.t(&format!("caseload-sort-{}", s.param()))))
            .collect(),
        filters: caseload::Filter::ALL
            .iter()
            .map(|f| (f.param(), lang.t(&format!("caseload-filter-{}", f.param()))))
            .collect(),
        checklist,
    };
    Ok(render(&page)?.into_response())
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/", get(landing))
        .route("/home", get(home))
}
