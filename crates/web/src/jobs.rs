//! Background jobs as administrators see them: counts, failures with their error, and
//! a button to queue a dead job again.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use parcours_app::jobs::Job;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::HttpError;
use crate::kit::{IdPath, Page, PageResult, SavedQuery, render, see_other};
use crate::routes::Routes;
use axum::routing::{get, post};
use parcours_domain::ids::JobId;
use utoipa_axum::routes;

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    p: Page,
    notice: Option<String>,
    pending: u64,
    retrying: u64,
    dead: u64,
    done: u64,
    troubled: Vec<Job>,
}

pub async fn jobs(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let overview = state.app.jobs_overview(&actor).await?;
    Ok(render(&JobsPage {
        p: Page::new(&ctx, ctx.lang.t("jobs-title")),
        notice: q.notice(ctx.lang),
        pending: overview.counts.pending,
        retrying: overview.counts.retrying,
        dead: overview.counts.dead,
        done: overview.counts.done,
        troubled: overview.troubled,
    })?
    .into_response())
}

pub async fn retry(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<JobId>,
) -> PageResult {
    state.app.retry_job(&actor, id.into()).await?;
    Ok(see_other("/admin/taches?saved=1"))
}

#[derive(Serialize, ToSchema)]
pub struct JobDto {
    pub id: Uuid,
    pub kind: String,
    /// pending, done or dead.
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: i64,
    pub last_error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct JobsDto {
    pub pending: u64,
    pub retrying: u64,
    pub dead: u64,
    pub done: u64,
    /// Jobs that failed at least once and are not done.
    pub troubled: Vec<JobDto>,
}

/// Background jobs of the caller's organisation (administrators).
#[utoipa::path(get, path = "/api/v1/admin/jobs",
    responses(
        (status = 200, description = "Counts and failures", body = JobsDto),
        (status = 403, description = "Administrators only")
))]
pub async fn api_jobs(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> Result<Json<JobsDto>, HttpError> {
    let o = state.app.jobs_overview(&actor).await?;
    Ok(Json(JobsDto {
        pending: o.counts.pending,
        retrying: o.counts.retrying,
        dead: o.counts.dead,
        done: o.counts.done,
        troubled: o
            .troubled
            .into_iter()
            .map(|j| JobDto {
                id: j.id,
                kind: j.kind,
                status: j.status,
                attempts: j.attempts,
                max_attempts: j.max_attempts,
                run_at: j.run_at,
                last_error: j.last_error,
            })
            .collect(),
    }))
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/admin/taches", get(jobs))
        .route("/admin/taches/{id}/relancer", post(retry))
        .api(routes!(api_jobs))
}
