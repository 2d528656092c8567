//! The sponsor's page: their mentees, how to reach them, their step, and the meetings
//! recorded so far, with a form to record one more.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_app::sponsors::Mentee;
use serde::Deserialize;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::kit::{IdPath, Page, PageResult, SavedQuery, field_messages, render, see_other};
use crate::routes::Routes;
use axum::routing::{get, post};
use parcours_domain::ids::OpportunityRequestId;

#[derive(Template)]
#[template(path = "mentees.html")]
struct MenteesPage {
    p: Page,
    mentees: Vec<Mentee>,
    notice: Option<String>,
    errors: Vec<String>,
    today: String,
}

fn mentees_page(
    ctx: &Ctx,
    mentees: Vec<Mentee>,
    notice: Option<String>,
    errors: Vec<String>,
) -> MenteesPage {
    MenteesPage {
        p: Page::new(ctx, ctx.lang.t("mentees-title")),
        mentees,
        notice,
        errors,
        today: time::OffsetDateTime::now_utc().date().to_string(),
    }
}

pub async fn mentees(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let mentees = state.app.mentees(&actor).await?;
    let page = mentees_page(&ctx, mentees, q.notice(ctx.lang), Vec::new());
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct MeetingForm {
    /// YYYY-MM-DD, today or before.
    met_on: String,
    note: String,
}

pub async fn log_meeting(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(request): IdPath<OpportunityRequestId>,
    axum::Form(form): axum::Form<MeetingForm>,
) -> PageResult {
    let request = request.uuid();
    match state
        .app
        .log_meeting(&actor, request, &form.met_on, &form.note)
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/entreprise/filleuls?saved=1#mentee-{request}"
        ))),
        Err(AppError::Invalid(errors)) => {
            let mentees = state.app.mentees(&actor).await?;
            let messages = field_messages(ctx.lang, "meeting", &errors);
            let page = mentees_page(&ctx, mentees, None, messages);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/entreprise/filleuls", get(mentees))
        .route(
            "/entreprise/filleuls/{request}/rencontres",
            post(log_meeting),
        )
}
