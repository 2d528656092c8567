//! The tenant's audit log as administrators read it: who opened or changed which file,
//! and every refused access, newest first, a hundred rows a page.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use parcours_app::admin::AuditRow;
use parcours_app::admin::TenantLogQuery;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::kit::{Page, PageResult, render};
use crate::routes::Routes;
use axum::routing::get;

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    /// A person's id, to read the trail of one file.
    personne: String,
    /// "1": only refused accesses.
    refus: String,
    /// `at_id` of the last row shown: the next page.
    avant: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    p: Page,
    rows: Vec<AuditRow>,
    person: String,
    refusals_only: bool,
    person_invalid: bool,
    next: Option<String>,
}

pub async fn audit_log(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let person = q.personne.trim();
    let person_id = Uuid::parse_str(person).ok();
    let before = q
        .avant
        .split_once('_')
        .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, Uuid::parse_str(id).ok()?)));
    let refusals_only = q.refus == "1";
    let (rows, more) = state
        .app
        .audit_log(
            &actor,
            TenantLogQuery {
                person_id,
                refusals_only,
                before,
                limit: 0,
            },
        )
        .await?;
    let next = match (more, rows.last()) {
        (true, Some(last)) => Some(format!(
            "/admin/audit?personne={}&refus={}&avant={}_{}",
            person_id.map(|p| p.to_string()).unwrap_or_default(),
            if refusals_only { "1" } else { "" },
            last.at,
            last.id
        )),
        _ => None,
    };
    Ok(render(&AuditPage {
        p: Page::new(&ctx, ctx.lang.t("audit-title")),
        rows,
        person: person.to_owned(),
        refusals_only,
        person_invalid: !person.is_empty() && person_id.is_none(),
        next,
    })?
    .into_response())
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new().route("/admin/audit", get(audit_log))
}
