//! A person's outcomes: the recorded situations and the form to add one.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_app::outcomes::PersonOutcomes;
use parcours_domain::outcome::{OutcomeInput, Situation};
use parcours_domain::placement::ContractType;
use serde::Deserialize;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::i18n::Lang;
use crate::kit::{IdPath, Page, PageResult, SavedQuery, field_messages, render, see_other};
use parcours_domain::ids::PersonId;

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct OutcomeForm {
    pub(super) point: String,
    pub(super) ended_on: String,
    pub(super) status: String,
    pub(super) situation: String,
    pub(super) contract_type: String,
    pub(super) starts_on: String,
    pub(super) planned_end: String,
    pub(super) weekly_hours: String,
    pub(super) training_name: String,
    pub(super) qualifying: String,
    pub(super) drop_reason: String,
    pub(super) drop_note: String,
}

impl OutcomeForm {
    pub(super) fn input(&self) -> OutcomeInput {
        OutcomeInput {
            point: self.point.clone(),
            status: self.status.clone(),
            situation: self.situation.clone(),
            contract_type: self.contract_type.clone(),
            starts_on: self.starts_on.clone(),
            planned_end: self.planned_end.clone(),
            weekly_hours: self.weekly_hours.clone(),
            training_name: self.training_name.clone(),
            qualifying: self.qualifying.clone(),
            drop_reason: self.drop_reason.clone(),
            drop_note: self.drop_note.clone(),
            ended_on: self.ended_on.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "person_outcomes.html")]
pub(super) struct PersonOutcomesPage {
    p: Page,
    view: PersonOutcomes,
    notice: Option<String>,
    errors: Vec<String>,
    form: OutcomeForm,
    points: Vec<(&'static str, String)>,
    situations: Vec<(&'static str, String)>,
    contracts: Vec<(&'static str, String)>,
    reasons: Vec<(&'static str, String)>,
    /// When each follow-up point opens, once the exit is recorded.
    windows: String,
}

/// A day as the page writes it: 31/03/2027 in French, 2027-03-31 in English.
fn day(lang: Lang, d: time::Date) -> String {
    if lang == Lang::Fr {
        format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
    } else {
        d.to_string()
    }
}

fn windows(lang: Lang, view: &PersonOutcomes) -> String {
    use parcours_domain::outcome::FollowUpPoint;
    FollowUpPoint::ALL
        .iter()
        .filter_map(|point| {
            let d = view.earliest_follow_up(*point)?;
            Some(lang.t_args(
                "outcome-point-opens",
                &[
                    (
                        "point",
                        fluent_templates::fluent_bundle::FluentValue::from(
                            lang.t(&format!("outcome-point-{}", point.code())),
                        ),
                    ),
                    (
                        "date",
                        fluent_templates::fluent_bundle::FluentValue::from(day(lang, d)),
                    ),
                ],
            ))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

impl PersonOutcomesPage {
    fn fact_line(&self, f: &parcours_app::outcomes::Fact) -> String {
        let lang = self.p.lang;
        let mut parts = vec![lang.t(&format!(
            "participant-status-{}",
            f.status.replace('_', "-")
        ))];
        if let Some(s) = &f.situation {
            parts.push(lang.t(&format!("situation-{}", s.replace('_', "-"))));
        }
        if let Some(c) = &f.contract_type {
            parts.push(lang.t(&format!("contract-{c}")));
        }
        if let Some(m) = f.contract_months {
            parts.push(self.p.ta("outcome-months", "count", m));
        }
        if let Some(t) = &f.training_name {
            parts.push(t.clone());
        }
        if let Some(q) = f.qualifying {
            parts.push(lang.t(if q {
                "placement-qualifying"
            } else {
                "placement-not-qualifying"
            }));
        }
        if let Some(code) = &f.drop_reason_code {
            let reason = parcours_domain::outcome::DropReason::of_stored(Some(code));
            parts.push(lang.t(&format!("drop-reason-{}", reason.code().replace('_', "-"))));
        }
        if let Some(r) = &f.drop_reason {
            parts.push(r.clone());
        }
        parts.join(" · ")
    }
    fn recorded_by(&self, r: &parcours_app::outcomes::OutcomeRecord) -> String {
        r.recorded_by
            .and_then(|u| self.view.recorded_by.get(&u).cloned())
            .unwrap_or_else(|| self.p.t(&format!("outcome-source-{}", r.fact.source)))
    }
}

pub(super) fn coded_options<T: Copy>(
    lang: Lang,
    all: &[T],
    code: fn(T) -> &'static str,
    prefix: &str,
) -> Vec<(&'static str, String)> {
    all.iter()
        .map(|v| {
            let c = code(*v);
            (c, lang.t(&format!("{prefix}-{}", c.replace('_', "-"))))
        })
        .collect()
}

pub(super) fn person_page(
    ctx: &Ctx,
    view: PersonOutcomes,
    notice: Option<String>,
    errors: Vec<String>,
    form: OutcomeForm,
) -> PersonOutcomesPage {
    let lang = ctx.lang;
    PersonOutcomesPage {
        p: Page::new(
            ctx,
            lang.t_args(
                "outcome-person-title",
                &[(
                    "name",
                    fluent_templates::fluent_bundle::FluentValue::from(format!(
                        "{} {}",
                        view.person.first_name, view.person.last_name
                    )),
                )],
            ),
        ),
        points: coded_options(
            lang,
            parcours_domain::outcome::FollowUpPoint::ALL,
            |p| p.code(),
            "outcome-point",
        ),
        situations: coded_options(lang, Situation::ALL, |s| s.code(), "situation"),
        contracts: coded_options(lang, ContractType::ALL, |c| c.code(), "contract"),
        reasons: coded_options(
            lang,
            parcours_domain::outcome::DropReason::ALL,
            |r| r.code(),
            "drop-reason",
        ),
        windows: windows(lang, &view),
        view,
        notice,
        errors,
        form,
    }
}

pub async fn person_outcomes(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let view = state.app.person_outcomes(&actor, id.into()).await?;
    let page = person_page(
        &ctx,
        view,
        q.notice(ctx.lang),
        Vec::new(),
        OutcomeForm::default(),
    );
    Ok(render(&page)?.into_response())
}

pub async fn record_outcome(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    axum::Form(form): axum::Form<OutcomeForm>,
) -> PageResult {
    let person = id.uuid();
    match state
        .app
        .record_outcome(&actor, person, &form.input())
        .await
    {
        Ok(_) => Ok(see_other(&format!("/beneficiaries/{person}/suivi?saved=1"))),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.person_outcomes(&actor, person).await?;
            let mut messages = field_messages(ctx.lang, "outcome", &errors);
            // Too early: say from which day the point may be recorded.
            let early = errors
                .iter()
                .any(|e| e.field == "point" && e.code == "too_early");
            let opens = form
                .point
                .parse::<parcours_domain::outcome::FollowUpPoint>()
                .ok()
                .and_then(|point| view.earliest_follow_up(point));
            if let (true, Some(d)) = (early, opens) {
                messages.push(ctx.lang.t_args(
                    "outcome-error-point-opens-on",
                    &[(
                        "date",
                        fluent_templates::fluent_bundle::FluentValue::from(day(ctx.lang, d)),
                    )],
                ));
            }
            let page = person_page(&ctx, view, None, messages, form);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
