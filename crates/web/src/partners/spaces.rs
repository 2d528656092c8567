//! `/espaces`: the signed-in user's spaces (one per membership: a France Travail agent
//! working with two operators has one with each) and the switch between them.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::kit::{IdPath, Page, PageResult, render, see_other};

pub struct SpaceRow {
    pub id: String,
    pub organisation: String,
    pub operator: Option<String>,
    pub role: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "partners/spaces.html")]
struct SpacesPage {
    p: Page,
    notice: Option<String>,
    spaces: Vec<SpaceRow>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct SwitchedQuery {
    switched: String,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SwitchedQuery>,
) -> PageResult {
    let spaces = state.app.spaces(&actor).await?;
    let p = Page::new(&ctx, ctx.lang.t("spaces-title"));
    let page = SpacesPage {
        notice: (!q.switched.is_empty()).then(|| ctx.lang.t("spaces-switched")),
        spaces: spaces
            .into_iter()
            .map(|s| SpaceRow {
                id: s.membership_id.to_string(),
                role: p.role(&s.role),
                organisation: s.organisation,
                operator: s.operator,
                current: s.current,
            })
            .collect(),
        p,
    };
    Ok((StatusCode::OK, render(&page)?).into_response())
}

pub async fn switch(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<Uuid>,
) -> PageResult {
    state.app.switch_space(&actor, id).await?;
    Ok(see_other("/espaces?switched=1"))
}
