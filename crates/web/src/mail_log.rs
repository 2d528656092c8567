//! Outgoing emails as administrators see them: through which relay they leave (or
//! that they stay in the outbox), and each message's status with the relay's reply.

use crate::context::SignedIn;
use askama::Template;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use parcours_app::mail::delivery::Delivery;

use crate::AppState;
use crate::context::Ctx;
use crate::kit::{Page, PageResult, render};
use crate::routes::Routes;

#[derive(Template)]
#[template(path = "mail_log.html")]
struct MailLogPage {
    p: Page,
    relay: Option<String>,
    deliveries: Vec<Delivery>,
}

impl MailLogPage {
    /// The status in words, from its stored code.
    fn status(&self, code: &str) -> String {
        self.p.t(&format!("mail-status-{code}"))
    }
}

pub async fn mail_log(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
) -> PageResult {
    let log = state.app.mail_log(&actor).await?;
    Ok(render(&MailLogPage {
        p: Page::new(&ctx, ctx.lang.t("mail-title")),
        relay: log.relay,
        deliveries: log.deliveries,
    })?
    .into_response())
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new().route("/admin/courriels", get(mail_log))
}
