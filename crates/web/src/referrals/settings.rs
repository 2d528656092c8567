//! A programme's referral settings: publics, quotas, the form's fields.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::AppError;
use uuid::Uuid;

use super::*;
use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::kit::{IdPath, Page, PageResult, field_messages, render, see_other};
use parcours_app::auth::Actor;
use parcours_domain::ids::ProgrammeId;

#[derive(Template)]
#[template(path = "programme_settings.html")]
pub(super) struct SettingsPage {
    p: Page,
    settings: parcours_app::referrals::ProgrammeSettings,
    notice: Option<String>,
    errors: Vec<String>,
    publics: Vec<(&'static str, String)>,
}

impl SettingsPage {
    fn has_public(&self, code: &str) -> bool {
        self.settings.rules.publics.iter().any(|p| p == code)
    }
    fn opt(&self, v: &Option<i32>) -> String {
        v.map(|n| n.to_string()).unwrap_or_default()
    }
}

pub(super) async fn settings_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    notice: Option<String>,
    errors: Vec<String>,
) -> PageResult {
    let settings = state.app.programme_settings(actor, id).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = SettingsPage {
        p: Page::new(
            ctx,
            ctx.lang.t_args(
                "programme-settings-of",
                &[(
                    "name",
                    fluent_templates::fluent_bundle::FluentValue::from(
                        settings.programme.name.clone(),
                    ),
                )],
            ),
        ),
        settings,
        notice,
        errors,
        publics: publics(ctx.lang),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn settings(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ProgrammeId>,
    Query(q): Query<crate::kit::SavedQuery>,
) -> PageResult {
    settings_page(
        &state,
        &ctx,
        &actor,
        id.into(),
        q.notice(ctx.lang),
        Vec::new(),
    )
    .await
}

/// The settings form: plain fields, repeated `publics`, and `quota_{organisation}`.
pub async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ProgrammeId>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let id = id.uuid();
    let mut input = parcours_app::referrals::SettingsInput::default();
    for (name, value) in fields {
        match name.as_str() {
            "co_pilots" => input.co_pilots = value,
            "departements" => input.departements = value,
            "publics" => input.publics.push(value),
            "min_age" => input.min_age = value,
            "max_age" => input.max_age = value,
            "starts_on" => input.starts_on = value,
            "ends_on" => input.ends_on = value,
            other => {
                if let Some(org) = other.strip_prefix("quota_").and_then(|o| o.parse().ok()) {
                    input.quotas.push((org, value));
                }
            }
        }
    }
    match state.app.save_programme_settings(&actor, id, &input).await {
        Ok(()) => Ok(see_other(&format!("/programmes/{id}?saved=1"))),
        Err(AppError::Invalid(errors)) => {
            let messages = field_messages(ctx.lang, "programme", &errors);
            settings_page(&state, &ctx, &actor, id, None, messages).await
        }
        Err(e) => Err(e.into()),
    }
}
