//! The landing page and each role's home, with the coach's caseload (sorted and
//! filtered, "needs watching" flagged).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use parcours_app::homes::{CaseloadRow, Home};
use parcours_domain::{Phase, caseload};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::HttpError;
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

/// One person of a caseload.
#[derive(Serialize, ToSchema)]
pub struct CaseloadLineDto {
    pub person_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub programme_id: Uuid,
    /// The coach following the person (none until one is assigned).
    pub coach_id: Option<Uuid>,
    /// referred, preliminary, investigation, conclusions or follow_up.
    pub phase: String,
    /// Milliseconds since the epoch.
    pub last_activity_at: i64,
    pub activities_done: u32,
    pub activities_planned: u32,
    /// Inactive, overdue, missed sessions, unreliable answers or unread messages.
    pub needs_watching: bool,
}

/// The people the caller follows: a coach's caseload, or every person followed in the
/// operator for a programme manager (the list of their home page, most recent first).
#[utoipa::path(get, path = "/api/v1/caseload",
    responses(
        (status = 200, description = "The people followed", body = [CaseloadLineDto]),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only coaches and programme managers")
))]
pub async fn api_caseload(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> Result<axum::Json<Vec<CaseloadLineDto>>, HttpError> {
    let rows = state.app.caseload(&actor).await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|row| CaseloadLineDto {
                needs_watching: line(&row).signals.needs_watching(),
                person_id: row.person_id,
                programme_id: row.enrolment.programme_id,
                coach_id: row.enrolment.coach_id,
                phase: row.enrolment.phase.code().to_owned(),
                last_activity_at: row.enrolment.last_activity_at,
                activities_done: row.activities_done,
                activities_planned: row.activities_planned,
                first_name: row.first_name,
                last_name: row.last_name,
            })
            .collect(),
    ))
}

/// A count of people in one phase; null where the cell is too small to show.
#[derive(Serialize, ToSchema)]
pub struct PhaseCountDto {
    pub phase: String,
    pub count: Option<u64>,
}

/// A programme the caller's organisation funds, with its figures.
#[derive(Serialize, ToSchema)]
pub struct FundedProgrammeDto {
    pub id: Uuid,
    pub name: String,
    /// People enrolled; null when too few to show.
    pub total: Option<u64>,
    pub phases: Vec<PhaseCountDto>,
}

/// The programmes the funder's organisation funds (what its home page shows); each
/// one's report is at `/api/v1/programmes/{id}/outcomes`.
#[utoipa::path(get, path = "/api/v1/funded-programmes",
    responses(
        (status = 200, description = "The programmes funded, with their figures by phase", body = [FundedProgrammeDto]),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only funders")
))]
pub async fn api_funded_programmes(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> Result<axum::Json<Vec<FundedProgrammeDto>>, HttpError> {
    let programmes = state.app.funded_programmes(&actor).await?;
    Ok(axum::Json(
        programmes
            .into_iter()
            .map(|p| FundedProgrammeDto {
                id: p.id,
                name: p.name,
                total: p.total,
                phases: p
                    .phases
                    .into_iter()
                    .map(|c| PhaseCountDto {
                        phase: c.phase.code().to_owned(),
                        count: c.count,
                    })
                    .collect(),
            })
            .collect(),
    ))
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/", get(landing))
        .route("/home", get(home))
        .api(routes!(api_caseload))
        .api(routes!(api_funded_programmes))
}
