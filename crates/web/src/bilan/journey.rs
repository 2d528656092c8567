//! The journey page ("what to do next"), the consent and moving a person to the next phase.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_app::bilan::{ActivityStatus, JourneyView, NextStep};
use parcours_domain::{Phase, Role};
use uuid::Uuid;

use super::*;
use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::HttpError;
use crate::kit::{IdPath, Page, PageResult, render, see_other};
use parcours_app::auth::Actor;
use parcours_domain::ids::PersonId;

pub(super) struct ActivityRow {
    title: String,
    /// None when the answers are withheld (health facts: the person's coaches only).
    href: Option<String>,
    status: String,
    status_class: &'static str,
    progress: String,
    due: String,
    overdue: bool,
    minutes: u32,
    results_href: Option<String>,
}

pub(super) struct PhaseGroup {
    label: String,
    current: bool,
    rows: Vec<ActivityRow>,
}

#[derive(Template)]
#[template(path = "journey.html")]
pub(super) struct JourneyPage {
    p: Page,
    is_self: bool,
    person_id: Uuid,
    person_name: String,
    phase: Option<String>,
    consent_given: Option<String>,
    needs_consent: bool,
    next: Option<(String, String)>,
    next_text: String,
    groups: Vec<PhaseGroup>,
    hours_text: String,
    hours_pct: u32,
    can_advance: bool,
    advance_label: String,
    /// Staff who may read the entries the person shares (their coach).
    can_read_journal: bool,
    notice: Option<String>,
}

pub(super) fn journey_page(
    ctx: &Ctx,
    actor: &Actor,
    journey: JourneyView,
    notice: Option<String>,
) -> Result<JourneyPage, HttpError> {
    let lang = ctx.lang;
    let p = Page::new(ctx, lang.t("journey-title"));
    let is_self = journey.person.user_id == Some(actor.user_id);
    let enrolment_phase = journey.enrolment.as_ref().map(|e| e.phase);
    let mut groups: Vec<PhaseGroup> = Vec::new();
    for phase in [Phase::Preliminary, Phase::Investigation, Phase::Conclusions] {
        let rows: Vec<ActivityRow> = journey
            .activities
            .iter()
            .filter(|v| v.activity.phase == phase)
            .map(|v| {
                let occasion = match v.activity.occasion {
                    parcours_domain::instrument::Occasion::Start => lang.t("occasion-start"),
                    parcours_domain::instrument::Occasion::End => lang.t("occasion-end"),
                    parcours_domain::instrument::Occasion::Once => String::new(),
                };
                let title = if occasion.is_empty() {
                    tx(lang, &v.title)
                } else {
                    format!("{} ({occasion})", tx(lang, &v.title))
                };
                let (status, class) = match v.status {
                    ActivityStatus::Upcoming => (lang.t("status-upcoming"), "upcoming"),
                    ActivityStatus::Todo => (lang.t("status-todo"), "todo"),
                    ActivityStatus::InProgress => (lang.t("status-in-progress"), "in-progress"),
                    ActivityStatus::Done => (lang.t("status-done"), "done"),
                };
                ActivityRow {
                    title,
                    href: (!v.answers_withheld).then(|| format!("/activites/{}", v.activity.id)),
                    status,
                    status_class: class,
                    progress: if v.questions == 0 {
                        p.ta("activity-progress-open", "answered", v.answered)
                    } else {
                        p.ta2(
                            "activity-progress",
                            "answered",
                            v.answered,
                            "total",
                            v.questions,
                        )
                    },
                    due: p.date(&v.activity.due_at),
                    overdue: v.overdue,
                    minutes: v.minutes,
                    results_href: (v.status == ActivityStatus::Done && !v.answers_withheld)
                        .then(|| format!("/activites/{}/resultats", v.activity.id)),
                }
            })
            .collect();
        groups.push(PhaseGroup {
            label: p.phase(&phase),
            current: enrolment_phase == Some(phase),
            rows,
        });
    }
    let (next, next_text) = match &journey.next {
        NextStep::NotEnrolled => (None, lang.t("next-not-enrolled")),
        NextStep::Consent => (
            None,
            lang.t(if is_self {
                "next-consent"
            } else {
                "next-consent-staff"
            }),
        ),
        NextStep::Activity(id) => {
            let title = journey
                .activities
                .iter()
                .find(|v| v.activity.id == *id)
                .map(|v| tx(lang, &v.title))
                .unwrap_or_default();
            let href = format!("/activites/{id}");
            (
                is_self.then(|| (href, p.ta("next-activity-button", "title", &title))),
                p.ta("next-activity", "title", &title),
            )
        }
        NextStep::WaitForCoach => (None, lang.t("next-wait-coach")),
        NextStep::Finished => (None, lang.t("next-finished")),
    };
    let next_phase = enrolment_phase.and_then(|ph| Phase::ALL.get(ph.step()).copied());
    let can_advance = matches!(actor.role, Role::Coach | Role::ProgrammeManager)
        && next_phase.is_some()
        && journey.consent.is_some();
    let can_read_journal = parcours_domain::allows(
        actor.role,
        parcours_domain::Action::ReadSharedJournal,
        parcours_domain::Relation {
            same_tenant: true,
            is_self,
            ..Default::default()
        },
    );
    Ok(JourneyPage {
        can_read_journal,
        is_self,
        person_id: journey.person.id,
        person_name: format!("{} {}", journey.person.first_name, journey.person.last_name),
        phase: enrolment_phase.map(|ph| p.phase_step(&ph)),
        consent_given: journey.consent.as_ref().map(|c| p.datetime(&c.given_at)),
        needs_consent: is_self && journey.next == NextStep::Consent,
        next,
        next_text,
        groups,
        hours_text: p.ta2(
            "bilan-hours",
            "done",
            hours(lang, journey.minutes_done),
            "cap",
            journey.cap_minutes / 60,
        ),
        hours_pct: journey.minutes_done * 100 / journey.cap_minutes.max(1),
        can_advance,
        advance_label: next_phase
            .map(|ph| p.ta("advance-phase", "phase", p.phase(&ph)))
            .unwrap_or_default(),
        notice,
        p,
    })
}

/// The signed-in person's own journey.
pub async fn own_journey(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
) -> PageResult {
    let Some(id) = state.app.own_person_id(&actor).await? else {
        return Err(HttpError::NotFound);
    };
    let journey = state.app.journey(&actor, id).await?;
    Ok(render(&journey_page(&ctx, &actor, journey, None)?)?.into_response())
}

/// A person's journey, as their coach sees it.
pub async fn person_journey(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> PageResult {
    let journey = state.app.journey(&actor, id.into()).await?;
    Ok(render(&journey_page(&ctx, &actor, journey, None)?)?.into_response())
}

pub async fn consent(State(state): State<AppState>, SignedIn(actor): SignedIn) -> PageResult {
    let actor = &actor;
    let Some(id) = state.app.own_person_id(actor).await? else {
        return Err(HttpError::NotFound);
    };
    state.app.give_consent(actor, id).await?;
    Ok(see_other("/parcours"))
}

pub async fn advance(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> PageResult {
    let id = id.uuid();
    match state.app.advance_phase(&actor, id).await {
        Ok(_) => Ok(see_other(&format!("/beneficiaries/{id}/parcours"))),
        Err(AppError::Invalid(errors)) => {
            let journey = state.app.journey(&actor, id).await?;
            let message = errors
                .first()
                .map(|e| ctx.lang.t(&format!("phase-error-{}", e.code)))
                .unwrap_or_default();
            let page = journey_page(&ctx, &actor, journey, Some(message))?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
