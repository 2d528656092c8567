//! The bilan pages: the journey ("what to do next"), consent, one question per screen,
//! whole-form activities (ranking, constraints), results with an accessible hexagon,
//! and the same under `/api/v1/`. Every page works without JavaScript.

use std::collections::BTreeMap;

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_app::bilan::{
    ActivityDetail, ActivityStatus, JourneyView, NextStep, Outcome, ResultView, SaveOutcome,
};
use parcours_domain::instrument::{FieldType, JOB_PREFIX, Kind, LIFE_PREFIX, SKILL_PREFIX, Text};
use parcours_domain::scoring::{self, Change, Consistency, HEXAGON};
use parcours_domain::{Phase, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::context::Ctx;
use crate::errors::{FieldProblem, HttpError};
use crate::i18n::Lang;
use crate::pages::{Page, PageResult, parse_id, render, see_other};

fn tx(lang: Lang, text: &Text) -> String {
    text.get(lang.code()).to_owned()
}

fn hours(lang: Lang, minutes: u32) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match lang {
        Lang::Fr => format!("{h} h {m:02}"),
        Lang::En => format!("{h} h {m:02} min"),
    }
}

// ---------------------------------------------------------------- journey

struct ActivityRow {
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

struct PhaseGroup {
    label: String,
    current: bool,
    rows: Vec<ActivityRow>,
}

#[derive(Template)]
#[template(path = "journey.html")]
struct JourneyPage {
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

fn journey_page(
    ctx: &Ctx,
    journey: JourneyView,
    notice: Option<String>,
) -> Result<JourneyPage, HttpError> {
    let actor = ctx.actor()?;
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
pub async fn own_journey(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let actor = ctx.actor()?;
    let Some(id) = state.app.own_person_id(actor).await? else {
        return Err(HttpError::NotFound);
    };
    let journey = state.app.journey(actor, id).await?;
    Ok(render(&journey_page(&ctx, journey, None)?)?.into_response())
}

/// A person's journey, as their coach sees it.
pub async fn person_journey(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> PageResult {
    let actor = ctx.actor()?;
    let journey = state.app.journey(actor, parse_id(&id)?).await?;
    Ok(render(&journey_page(&ctx, journey, None)?)?.into_response())
}

pub async fn consent(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let actor = ctx.actor()?;
    let Some(id) = state.app.own_person_id(actor).await? else {
        return Err(HttpError::NotFound);
    };
    state.app.give_consent(actor, id).await?;
    Ok(see_other("/parcours"))
}

pub async fn advance(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> PageResult {
    let actor = ctx.actor()?;
    let id = parse_id(&id)?;
    match state.app.advance_phase(actor, id).await {
        Ok(_) => Ok(see_other(&format!("/beneficiaries/{id}/parcours"))),
        Err(AppError::Invalid(errors)) => {
            let journey = state.app.journey(actor, id).await?;
            let message = errors
                .first()
                .map(|e| ctx.lang.t(&format!("phase-error-{}", e.code)))
                .unwrap_or_default();
            let page = journey_page(&ctx, journey, Some(message))?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- one question per screen

struct Point {
    value: u32,
    label: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "question.html")]
struct QuestionPage {
    p: Page,
    activity_id: Uuid,
    title: String,
    purpose: String,
    n: usize,
    total: usize,
    answered: usize,
    item: String,
    text: String,
    points: Vec<Point>,
    error: Option<String>,
    prev: Option<usize>,
}

fn question_page(
    ctx: &Ctx,
    detail: &ActivityDetail,
    n: usize,
    error: Option<String>,
) -> Result<QuestionPage, HttpError> {
    let lang = ctx.lang;
    let instrument = &detail.instrument;
    let item = instrument.items.get(n - 1).ok_or(HttpError::NotFound)?;
    let current = detail.answers.get(&item.id).map(|a| a.value.clone());
    let title = tx(lang, &instrument.title);
    Ok(QuestionPage {
        p: Page::new(ctx, format!("{title} – {n}/{}", instrument.items.len())),
        activity_id: detail.view.activity.id,
        purpose: tx(lang, &instrument.purpose),
        title,
        n,
        total: instrument.items.len(),
        answered: detail.answers.len(),
        item: item.id.clone(),
        text: tx(lang, &item.text),
        points: instrument
            .points
            .iter()
            .enumerate()
            .map(|(i, label)| {
                let value = i as u32 + 1;
                Point {
                    value,
                    label: tx(lang, label),
                    checked: current.as_deref() == Some(value.to_string().as_str()),
                }
            })
            .collect(),
        error,
        prev: (n > 1).then(|| n - 1),
    })
}

/// Where to go to carry on: the first unanswered question, else the results.
fn resume_href(detail: &ActivityDetail) -> String {
    let id = detail.view.activity.id;
    if detail.view.status == ActivityStatus::Done || !detail.can_answer {
        return format!("/activites/{id}/resultats");
    }
    match detail
        .instrument
        .items
        .iter()
        .position(|i| !detail.answers.contains_key(&i.id))
    {
        Some(i) => format!("/activites/{id}/q/{}", i + 1),
        None => format!("/activites/{id}/resultats"),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ActivityQuery {
    /// A job title searched for in the experiences activity.
    q: String,
    /// Which step was just saved, for the confirmation.
    saved: String,
}

pub async fn activity(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<ActivityQuery>,
) -> PageResult {
    let actor = ctx.actor()?;
    let detail = state.app.activity(actor, parse_id(&id)?).await?;
    if detail.instrument.kind == Kind::Likert || !detail.can_answer {
        return Ok(see_other(&resume_href(&detail)));
    }
    if detail.instrument.kind == Kind::Experiences {
        let notice = (!query.saved.is_empty()).then(|| ctx.lang.t("experiences-saved"));
        let page = experiences_page(&state, &ctx, &detail, query.q.trim(), notice, Vec::new())?;
        return Ok(render(&page)?.into_response());
    }
    Ok(render(&form_page(&ctx, &detail, &BTreeMap::new(), &[])?)?.into_response())
}

pub async fn question(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, n)): Path<(String, usize)>,
) -> PageResult {
    let actor = ctx.actor()?;
    let detail = state.app.activity(actor, parse_id(&id)?).await?;
    if !detail.can_answer || detail.instrument.kind != Kind::Likert {
        return Ok(see_other(&resume_href(&detail)));
    }
    if n == 0 || n > detail.instrument.items.len() {
        return Err(HttpError::NotFound);
    }
    Ok(render(&question_page(&ctx, &detail, n, None)?)?.into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    item: String,
    value: String,
}

pub async fn answer_question(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, n)): Path<(String, usize)>,
    axum::Form(form): axum::Form<AnswerForm>,
) -> PageResult {
    let actor = ctx.actor()?;
    let id = parse_id(&id)?;
    if form.value.is_empty() {
        // Nothing chosen: say so on the same question, store nothing.
        let detail = state.app.activity(actor, id).await?;
        let page = question_page(&ctx, &detail, n, Some(ctx.lang.t("answer-required")))?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    match state
        .app
        .save_answers(actor, id, &[(form.item.clone(), form.value.clone())], false)
        .await
    {
        Ok(SaveOutcome::Completed) => Ok(see_other(&format!("/activites/{id}/resultats"))),
        Ok(SaveOutcome::Saved) => {
            let detail = state.app.activity(actor, id).await?;
            let total = detail.instrument.items.len();
            // Next unanswered question after this one, wrapping round to skipped ones.
            let next = (n..total)
                .chain(0..n)
                .find(|i| {
                    detail
                        .instrument
                        .items
                        .get(*i)
                        .is_some_and(|it| !detail.answers.contains_key(&it.id))
                })
                .map_or_else(
                    || resume_href(&detail),
                    |i| format!("/activites/{id}/q/{}", i + 1),
                );
            Ok(see_other(&next))
        }
        Err(AppError::Answers(_)) => {
            let detail = state.app.activity(actor, id).await?;
            let page = question_page(&ctx, &detail, n, Some(ctx.lang.t("answer-invalid")))?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- whole-form activities

struct ChoiceView {
    id: String,
    label: String,
    checked: bool,
}

struct FormField {
    id: String,
    label: String,
    hint: Option<String>,
    kind: &'static str,
    value: String,
    unit: String,
    min: u32,
    max: u32,
    choices: Vec<ChoiceView>,
    error: Option<String>,
}

impl FormField {
    fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

#[derive(Template)]
#[template(path = "activity_form.html")]
struct ActivityFormPage {
    p: Page,
    activity_id: Uuid,
    title: String,
    purpose: String,
    fields: Vec<FormField>,
    errors: Vec<(String, String)>,
}

fn error_text(lang: Lang, e: &FieldProblem) -> String {
    let key = format!("answer-error-{}", e.code.replace('_', "-"));
    if lang.has(&key) {
        lang.t(&key)
    } else {
        e.message.clone()
    }
}

fn form_page(
    ctx: &Ctx,
    detail: &ActivityDetail,
    typed: &BTreeMap<String, String>,
    problems: &[FieldProblem],
) -> Result<ActivityFormPage, HttpError> {
    let lang = ctx.lang;
    let instrument = &detail.instrument;
    let value_of = |id: &str| {
        typed
            .get(id)
            .cloned()
            .or_else(|| detail.answers.get(id).map(|a| a.value.clone()))
            .unwrap_or_default()
    };
    let error_of = |id: &str| {
        problems
            .iter()
            .find(|e| e.field == id)
            .map(|e| error_text(lang, e))
    };
    let mut fields = Vec::new();
    match instrument.kind {
        Kind::Ranking => {
            if let Some(r) = &instrument.ranking {
                for n in 1..=r.pick {
                    let id = format!("rank{n}");
                    let current = value_of(&id);
                    fields.push(FormField {
                        label: lang.t_args("ranking-rank", &[("n", n.into())]),
                        hint: None,
                        kind: "select",
                        value: current.clone(),
                        unit: String::new(),
                        min: 0,
                        max: 0,
                        choices: r
                            .options
                            .iter()
                            .map(|o| ChoiceView {
                                id: o.id.clone(),
                                label: tx(lang, &o.label),
                                checked: o.id == current,
                            })
                            .collect(),
                        error: error_of(&id),
                        id,
                    });
                }
                for n in 1..=r.reasons {
                    let id = format!("reason{n}");
                    fields.push(FormField {
                        label: lang.t_args("ranking-reason", &[("n", n.into())]),
                        hint: Some(lang.t("ranking-reason-hint")),
                        kind: "textarea",
                        value: value_of(&id),
                        unit: String::new(),
                        min: 0,
                        max: 0,
                        choices: Vec::new(),
                        error: error_of(&id),
                        id,
                    });
                }
            }
        }
        Kind::Form => {
            for f in &instrument.fields {
                let current = value_of(&f.id);
                let picked: Vec<&str> = current.split(',').collect();
                let (kind, unit, min, max, choices) = match &f.field_type {
                    FieldType::Commune => ("commune", String::new(), 0, 0, Vec::new()),
                    FieldType::Number { min, max, unit } => {
                        ("number", tx(lang, unit), *min, *max, Vec::new())
                    }
                    FieldType::YesNo => (
                        "radio",
                        String::new(),
                        0,
                        0,
                        vec![
                            ChoiceView {
                                id: "yes".into(),
                                label: lang.t("yes"),
                                checked: current == "yes",
                            },
                            ChoiceView {
                                id: "no".into(),
                                label: lang.t("no"),
                                checked: current == "no",
                            },
                        ],
                    ),
                    FieldType::Choice { choices } => (
                        "radio",
                        String::new(),
                        0,
                        0,
                        choices
                            .iter()
                            .map(|c| ChoiceView {
                                id: c.id.clone(),
                                label: tx(lang, &c.label),
                                checked: c.id == current,
                            })
                            .collect(),
                    ),
                    FieldType::Multi { choices } => (
                        "checkbox",
                        String::new(),
                        0,
                        0,
                        choices
                            .iter()
                            .map(|c| ChoiceView {
                                id: c.id.clone(),
                                label: tx(lang, &c.label),
                                checked: picked.contains(&c.id.as_str()),
                            })
                            .collect(),
                    ),
                };
                fields.push(FormField {
                    id: f.id.clone(),
                    label: tx(lang, &f.label),
                    hint: f.hint.as_ref().map(|h| tx(lang, h)),
                    kind,
                    value: current,
                    unit,
                    min,
                    max,
                    choices,
                    error: error_of(&f.id),
                });
            }
        }
        Kind::Likert | Kind::Experiences => {}
    }
    let errors = problems
        .iter()
        .map(|e| (e.field.clone(), error_text(lang, e)))
        .collect();
    let title = tx(lang, &instrument.title);
    Ok(ActivityFormPage {
        p: Page::new(ctx, title.clone()),
        activity_id: detail.view.activity.id,
        title,
        purpose: tx(lang, &instrument.purpose),
        fields,
        errors,
    })
}

// ---------------------------------------------------------------- experiences

struct JobRow {
    code: u32,
    label: String,
    fiche_label: String,
}

struct LifeChoice {
    id: String,
    label: String,
    hint: Option<String>,
    checked: bool,
}

struct SkillChoice {
    code: u32,
    label: String,
    sources: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "experiences.html")]
struct ExperiencesPage {
    p: Page,
    activity_id: Uuid,
    title: String,
    purpose: String,
    notice: Option<String>,
    errors: Vec<String>,
    jobs: Vec<JobRow>,
    query: String,
    hits: Vec<JobRow>,
    life: Vec<LifeChoice>,
    skills: Vec<SkillChoice>,
    confirmed: usize,
}

/// How many job titles a search shows.
const JOB_HITS: usize = 12;

fn experiences_page(
    state: &AppState,
    ctx: &Ctx,
    detail: &ActivityDetail,
    query: &str,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<ExperiencesPage, HttpError> {
    let lang = ctx.lang;
    let instrument = &detail.instrument;
    let catalog = state.app.catalog();
    let answers: Vec<_> = detail.answers.values().cloned().collect();
    let outcome = parcours_app::bilan::experiences(instrument, &answers, catalog.as_deref());
    let held: Vec<u32> = outcome.jobs.iter().map(|j| j.code).collect();
    // The live search is signed-in only (not throttled), but bounded like every search.
    let mut errors = errors;
    let refused = parcours_catalog::search::check_query(query).err();
    if let Some(e) = refused {
        errors.push(lang.t(&format!("error-q-{}", e.code())));
    }
    let hits = match (&catalog, query.is_empty() || refused.is_some()) {
        (Some(c), false) => c
            .search_appellations(query, JOB_HITS)
            .into_iter()
            .filter(|h| !held.contains(&h.code))
            .map(|h| JobRow {
                code: h.code,
                label: h.label,
                fiche_label: h.fiche_label,
            })
            .collect(),
        _ => Vec::new(),
    };
    let life = instrument
        .experiences
        .iter()
        .flat_map(|spec| &spec.life)
        .map(|l| LifeChoice {
            id: l.id.clone(),
            label: tx(lang, &l.label),
            hint: l.hint.as_ref().map(|h| tx(lang, h)),
            checked: detail
                .answers
                .get(&format!("{LIFE_PREFIX}{}", l.id))
                .is_some_and(|a| a.value == "yes"),
        })
        .collect();
    let title = tx(lang, &instrument.title);
    Ok(ExperiencesPage {
        p: Page::new(ctx, title.clone()),
        activity_id: detail.view.activity.id,
        title,
        purpose: tx(lang, &instrument.purpose),
        notice,
        errors,
        confirmed: outcome.confirmed().count(),
        jobs: outcome
            .jobs
            .iter()
            .map(|j| JobRow {
                code: j.code,
                label: j.label.clone(),
                fiche_label: j.fiche_label.clone(),
            })
            .collect(),
        query: query.to_owned(),
        hits,
        life,
        skills: outcome
            .skills
            .iter()
            .map(|s| SkillChoice {
                code: s.code,
                label: s.label.clone(),
                sources: sources_text(lang, &s.sources),
                checked: s.confirmed == Some(true),
            })
            .collect(),
    })
}

/// One step of the experiences activity, posted by its own small form: add or remove
/// a job, the life experiences, the skills confirmed, or finish.
async fn submit_experiences(
    state: &AppState,
    ctx: &Ctx,
    detail: &ActivityDetail,
    pairs: &[(String, String)],
) -> PageResult {
    let actor = ctx.actor()?;
    let id = detail.view.activity.id;
    let values = |key: &str| -> Vec<&str> {
        pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .collect()
    };
    let op = values("op").first().copied().unwrap_or_default();
    let mut submitted: Vec<(String, String)> = Vec::new();
    let (anchor, complete) = match op {
        "add_job" | "remove_job" => {
            let value = if op == "add_job" { "yes" } else { "" };
            for job in values("job") {
                submitted.push((format!("{JOB_PREFIX}{job}"), value.to_owned()));
            }
            ("jobs", false)
        }
        "life" => {
            let picked = values("life");
            for spec in detail.instrument.experiences.iter().flat_map(|s| &s.life) {
                let value = if picked.contains(&spec.id.as_str()) {
                    "yes"
                } else {
                    ""
                };
                submitted.push((format!("{LIFE_PREFIX}{}", spec.id), value.to_owned()));
            }
            // A choice that is not in the list is refused rather than ignored.
            for id in picked {
                if !submitted
                    .iter()
                    .any(|(k, _)| k.strip_prefix(LIFE_PREFIX) == Some(id))
                {
                    submitted.push((format!("{LIFE_PREFIX}{id}"), "yes".to_owned()));
                }
            }
            ("life", false)
        }
        "skills" => {
            let confirmed = values("skill");
            for code in values("shown") {
                let value = if confirmed.contains(&code) {
                    "yes"
                } else {
                    "no"
                };
                submitted.push((format!("{SKILL_PREFIX}{code}"), value.to_owned()));
            }
            ("skills", false)
        }
        "finish" => ("", true),
        other => return Err(HttpError::unknown_choice("op", other)),
    };
    match state
        .app
        .save_answers(actor, id, &submitted, complete)
        .await
    {
        Ok(_) if complete => Ok(see_other(&format!("/activites/{id}/resultats"))),
        Ok(_) => Ok(see_other(&format!(
            "/activites/{id}?saved={anchor}#{anchor}"
        ))),
        Err(AppError::Answers(errors)) => {
            let messages = errors
                .iter()
                .map(|e| error_text(ctx.lang, &FieldProblem::from_answer(e)))
                .collect();
            let detail = state.app.activity(actor, id).await?;
            let page = experiences_page(state, ctx, &detail, "", None, messages)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A whole-form submission (ranking or constraints). Multi-choice fields arrive as
/// repeated keys and are joined; the CSRF field is not an answer.
pub async fn submit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = ctx.actor()?;
    let id = parse_id(&id)?;
    let detail = state.app.activity(actor, id).await?;
    if detail.instrument.kind == Kind::Experiences {
        let answers: Vec<(String, String)> = pairs
            .into_iter()
            .filter(|(k, _)| k != crate::csrf::FORM_FIELD)
            .collect();
        return submit_experiences(&state, &ctx, &detail, &answers).await;
    }
    let mut typed: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in pairs {
        if k == crate::csrf::FORM_FIELD {
            continue;
        }
        typed
            .entry(k)
            .and_modify(|e| {
                e.push(',');
                e.push_str(&v);
            })
            .or_insert(v);
    }
    // Every question is sent, so that an emptied answer is removed.
    let questions = detail.instrument.question_ids();
    let submitted: Vec<(String, String)> = questions
        .iter()
        .cloned()
        .map(|q| {
            let v = typed.get(&q).cloned().unwrap_or_default();
            (q, v)
        })
        .chain(
            typed
                .iter()
                .filter(|(k, _)| !questions.contains(k))
                .map(|(k, v)| (k.clone(), v.clone())),
        )
        .collect();
    match state.app.save_answers(actor, id, &submitted, true).await {
        Ok(_) => Ok(see_other(&format!("/activites/{id}/resultats"))),
        Err(AppError::Answers(errors)) => {
            let problems: Vec<FieldProblem> =
                errors.iter().map(FieldProblem::from_answer).collect();
            let page = form_page(&ctx, &detail, &typed, &problems)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- results

struct ScaleRow {
    label: String,
    score: Option<u32>,
    reading: String,
    answered: usize,
    items: usize,
}

#[derive(Template)]
#[template(path = "results.html")]
struct ResultsPage {
    p: Page,
    title: String,
    headline: String,
    is_self: bool,
    back_href: String,
    rows: Vec<ScaleRow>,
    hexagon: Option<String>,
    ranked_items: Vec<(String, String)>,
    ranking: Vec<(String, Option<String>)>,
    facts: Vec<(String, String)>,
    excluded: usize,
    jobs: Vec<(String, String)>,
    life: Vec<String>,
    skills: Vec<(String, String)>,
    quality: Vec<String>,
    changes: Vec<String>,
    not_done: bool,
    resume_href: String,
}

/// An SVG hexagon of the six RIASEC scores, drawn on the server; the data table next to
/// it carries the same figures for screen readers.
pub fn hexagon_svg(lang: Lang, scores: &[(char, String, f64)]) -> String {
    let (cx, cy, r) = (160.0, 150.0, 110.0);
    let point = |i: usize, scale: f64| {
        let angle = std::f64::consts::PI / 3.0 * i as f64 - std::f64::consts::FRAC_PI_2;
        (cx + r * scale * angle.cos(), cy + r * scale * angle.sin())
    };
    let polygon = |scale: &dyn Fn(usize) -> f64| {
        (0..6)
            .map(|i| {
                let (x, y) = point(i, scale(i));
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut svg = format!(
        "<svg class=\"hexagon\" viewBox=\"0 0 320 300\" role=\"img\" aria-labelledby=\"hex-title\"><title id=\"hex-title\">{}</title>",
        escape(&lang.t("riasec-chart-title"))
    );
    for ring in [0.25, 0.5, 0.75, 1.0] {
        svg.push_str(&format!(
            "<polygon points=\"{}\" fill=\"none\" stroke=\"#8a8a8a\" stroke-width=\"1\"/>",
            polygon(&|_| ring)
        ));
    }
    let values: Vec<f64> = HEXAGON
        .iter()
        .map(|l| {
            scores
                .iter()
                .find(|s| s.0 == *l)
                .map_or(0.0, |s| s.2 / 100.0)
        })
        .collect();
    svg.push_str(&format!(
        "<polygon points=\"{}\" fill=\"#1d5fa8\" fill-opacity=\"0.35\" stroke=\"#0b3d75\" stroke-width=\"3\"/>",
        polygon(&|i| values[i].max(0.02))
    ));
    for (i, letter) in HEXAGON.iter().enumerate() {
        let (x, y) = point(i, 1.2);
        let label = scores
            .iter()
            .find(|s| s.0 == *letter)
            .map(|s| s.1.clone())
            .unwrap_or_default();
        svg.push_str(&format!(
            "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" dominant-baseline=\"middle\" font-size=\"14\" fill=\"#1a1a1a\">{}</text>",
            escape(&label)
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn results_page(ctx: &Ctx, result: &ResultView) -> Result<ResultsPage, HttpError> {
    let actor = ctx.actor()?;
    let lang = ctx.lang;
    let detail = &result.detail;
    let instrument = &detail.instrument;
    let title = tx(lang, &instrument.title);
    let p = Page::new(
        ctx,
        lang.t_args("results-title", &[("title", title.clone().into())]),
    );
    let is_self = detail.can_answer || actor.role == Role::Beneficiary;
    let staff = actor.role != Role::Beneficiary;
    let mut rows = Vec::new();
    let mut hexagon = None;
    let mut ranked_items = Vec::new();
    let mut ranking = Vec::new();
    let mut facts = Vec::new();
    let mut excluded = 0;
    let mut jobs = Vec::new();
    let mut life = Vec::new();
    let mut skills = Vec::new();
    let mut quality = Vec::new();
    let headline;
    match &result.outcome {
        Outcome::Likert(likert) => {
            if instrument.reference_items.is_some() {
                for (item, value) in likert.ranked_items.iter().filter(|(_, v)| *v >= 4).take(8) {
                    let text = instrument
                        .item(item)
                        .map(|i| tx(lang, &i.text))
                        .unwrap_or_default();
                    let point = instrument
                        .points
                        .get(*value as usize - 1)
                        .map(|t| tx(lang, t))
                        .unwrap_or_default();
                    ranked_items.push((text, point));
                }
                headline = match ranked_items.first() {
                    Some((text, _)) => p.ta("interests-headline", "statement", text),
                    None => lang.t("interests-none"),
                };
            } else {
                for s in &likert.scales {
                    let Some(scale) = instrument.scale(&s.scale) else {
                        continue;
                    };
                    let reading = match s.score.map(scoring::band) {
                        Some(scoring::Band::High) => tx(lang, &scale.high),
                        Some(scoring::Band::Low) => tx(lang, &scale.low),
                        Some(scoring::Band::Middle) => lang.t("reading-middle"),
                        None => lang.t("reading-too-few"),
                    };
                    rows.push(ScaleRow {
                        label: tx(lang, &scale.label),
                        score: s.score.map(|v| v.round() as u32),
                        reading,
                        answered: s.answered,
                        items: s.items,
                    });
                }
                if let Some(code) = &likert.holland {
                    let names: Vec<String> = code
                        .code
                        .chars()
                        .filter_map(|c| {
                            instrument.scale(&c.to_string()).map(|s| tx(lang, &s.label))
                        })
                        .collect();
                    headline = p.ta2(
                        "holland-headline",
                        "code",
                        &code.code,
                        "names",
                        names.join(", "),
                    );
                    let scores: Vec<(char, String, f64)> = likert
                        .scales
                        .iter()
                        .filter_map(|s| {
                            let letter = s.scale.chars().next()?;
                            let label = instrument.scale(&s.scale).map(|sc| tx(lang, &sc.label))?;
                            Some((letter, label, s.score?))
                        })
                        .collect();
                    hexagon = Some(hexagon_svg(lang, &scores));
                    if staff {
                        quality.push(p.ta(
                            "holland-differentiation",
                            "points",
                            code.differentiation.round(),
                        ));
                        quality.push(lang.t(match code.consistency {
                            Consistency::High => "holland-consistency-high",
                            Consistency::Medium => "holland-consistency-medium",
                            Consistency::Low => "holland-consistency-low",
                        }));
                    }
                } else {
                    let mut scored: Vec<(&str, f64)> = likert
                        .scales
                        .iter()
                        .filter_map(|s| Some((s.scale.as_str(), s.score?)))
                        .collect();
                    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
                    let top: Vec<String> = scored
                        .iter()
                        .take(2)
                        .filter_map(|(id, _)| instrument.scale(id).map(|s| tx(lang, &s.label)))
                        .collect();
                    headline = if top.is_empty() {
                        lang.t("reading-too-few")
                    } else {
                        p.ta("scales-headline", "names", top.join(", "))
                    };
                }
            }
            if staff {
                for flag in &likert.quality {
                    quality.push(lang.t(&format!("quality-{}", flag.code().replace('_', "-"))));
                }
            }
        }
        Outcome::Ranking { ranked } => {
            for choice in ranked {
                ranking.push((tx(lang, &choice.label), choice.reason.clone()));
            }
            headline = match ranked.first() {
                Some(first) => p.ta("values-headline", "value", tx(lang, &first.label)),
                None => lang.t("values-none"),
            };
        }
        Outcome::Form {
            facts: list,
            excluded_contexts,
        } => {
            for fact in list {
                let shown = if fact.shown.is_empty() {
                    fact.value.clone()
                } else {
                    fact.shown
                        .iter()
                        .map(|t| tx(lang, t))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                facts.push((tx(lang, &fact.label), shown));
            }
            excluded = excluded_contexts.len();
            headline = lang.t("constraints-headline");
        }
        Outcome::Experiences(e) => {
            jobs = e
                .jobs
                .iter()
                .map(|j| (j.label.clone(), j.fiche_label.clone()))
                .collect();
            life = e.life.iter().map(|t| tx(lang, t)).collect();
            skills = e
                .confirmed()
                .map(|s| (s.label.clone(), sources_text(lang, &s.sources)))
                .collect();
            headline = p.ta("experiences-headline", "count", skills.len());
        }
    }
    let changes = result
        .changes
        .iter()
        .filter_map(|c| {
            let label = instrument.scale(&c.scale).map(|s| tx(lang, &s.label))?;
            let key = match c.reading.change {
                Change::Up => "change-up",
                Change::Down => "change-down",
                Change::Stable => "change-stable",
            };
            Some(lang.t_args(
                key,
                &[
                    ("scale", label.into()),
                    ("before", (c.reading.before.round() as i64).into()),
                    ("after", (c.reading.after.round() as i64).into()),
                ],
            ))
        })
        .collect();
    let back_href = if actor.role == Role::Beneficiary {
        "/parcours".to_owned()
    } else {
        format!("/beneficiaries/{}/parcours", detail.person_id)
    };
    Ok(ResultsPage {
        p,
        title,
        headline,
        is_self,
        back_href,
        rows,
        hexagon,
        ranked_items,
        ranking,
        facts,
        excluded,
        jobs,
        life,
        skills,
        quality,
        changes,
        not_done: detail.view.status != ActivityStatus::Done,
        resume_href: format!("/activites/{}", detail.view.activity.id),
    })
}

fn sources_text(lang: Lang, sources: &[Text]) -> String {
    sources
        .iter()
        .map(|t| tx(lang, t))
        .collect::<Vec<_>>()
        .join(" · ")
}

pub async fn results(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> PageResult {
    let actor = ctx.actor()?;
    let result = state.app.results(actor, parse_id(&id)?).await?;
    Ok(render(&results_page(&ctx, &result)?)?.into_response())
}

// ---------------------------------------------------------------- API

#[derive(Serialize, ToSchema)]
pub struct ActivitySummary {
    pub id: Uuid,
    pub instrument: String,
    pub instrument_version: u32,
    /// once, start or end.
    pub occasion: String,
    /// preliminary, investigation or conclusions.
    pub phase: String,
    /// upcoming, todo, in_progress or done.
    pub status: String,
    pub title: String,
    pub questions: usize,
    pub answered: usize,
    /// Epoch milliseconds.
    pub due_at: i64,
    pub overdue: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Journey {
    pub person_id: Uuid,
    /// The enrolment's phase, if enrolled.
    pub phase: Option<String>,
    /// When consent to the bilan was given (epoch ms) and the text version.
    pub consent_given_at: Option<i64>,
    pub consent_text_version: Option<String>,
    pub minutes_done: u32,
    pub cap_minutes: u32,
    /// not_enrolled, consent, activity, wait_for_coach or finished.
    pub next: String,
    pub next_activity: Option<Uuid>,
    pub activities: Vec<ActivitySummary>,
}

fn status_code(s: ActivityStatus) -> &'static str {
    match s {
        ActivityStatus::Upcoming => "upcoming",
        ActivityStatus::Todo => "todo",
        ActivityStatus::InProgress => "in_progress",
        ActivityStatus::Done => "done",
    }
}

/// A person's bilan journey (audited like the page).
#[utoipa::path(get, path = "/api/v1/beneficiaries/{id}/journey",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The journey", body = Journey),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "The role may not open this file"),
        (status = 404, description = "No such person in your organisation")
))]
pub async fn api_journey(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Journey>, HttpError> {
    let actor = ctx.actor()?;
    let j = state.app.journey(actor, parse_id(&id)?).await?;
    let lang = ctx.lang;
    let (next, next_activity) = match j.next {
        NextStep::NotEnrolled => ("not_enrolled", None),
        NextStep::Consent => ("consent", None),
        NextStep::Activity(id) => ("activity", Some(id)),
        NextStep::WaitForCoach => ("wait_for_coach", None),
        NextStep::Finished => ("finished", None),
    };
    Ok(Json(Journey {
        person_id: j.person.id,
        phase: j.enrolment.as_ref().map(|e| e.phase.code().to_owned()),
        consent_given_at: j.consent.as_ref().map(|c| c.given_at),
        consent_text_version: j.consent.as_ref().map(|c| c.text_version.clone()),
        minutes_done: j.minutes_done,
        cap_minutes: j.cap_minutes,
        next: next.to_owned(),
        next_activity,
        activities: j
            .activities
            .iter()
            .map(|v| ActivitySummary {
                id: v.activity.id,
                instrument: v.activity.instrument_id.clone(),
                instrument_version: v.activity.instrument_version,
                occasion: v.activity.occasion.code().to_owned(),
                phase: v.activity.phase.code().to_owned(),
                status: status_code(v.status).to_owned(),
                title: tx(lang, &v.title),
                questions: v.questions,
                answered: v.answered,
                due_at: v.activity.due_at,
                overdue: v.overdue,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct QuestionDto {
    pub id: String,
    pub text: String,
    /// The stored answer, if any.
    pub answer: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityDto {
    pub id: Uuid,
    pub instrument: String,
    pub instrument_version: u32,
    /// likert, ranking or form.
    pub kind: String,
    pub title: String,
    pub status: String,
    pub can_answer: bool,
    /// Labels of the response points, lowest first (Likert).
    pub points: Vec<String>,
    pub questions: Vec<QuestionDto>,
}

/// An activity: its questions and the answers stored so far.
#[utoipa::path(get, path = "/api/v1/activities/{id}",
    params(("id" = Uuid, Path, description = "Activity id")),
    responses(
        (status = 200, description = "The activity", body = ActivityDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "The role may not open this file"),
        (status = 404, description = "No such activity in your organisation")
))]
pub async fn api_activity(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<ActivityDto>, HttpError> {
    let actor = ctx.actor()?;
    let d = state.app.activity(actor, parse_id(&id)?).await?;
    Ok(Json(activity_dto(ctx.lang, &d)))
}

fn activity_dto(lang: Lang, d: &ActivityDetail) -> ActivityDto {
    let instrument = &d.instrument;
    let text_of = |id: &str| -> String {
        if let Some(item) = instrument.item(id) {
            return tx(lang, &item.text);
        }
        if let Some(field) = instrument.fields.iter().find(|f| f.id == id) {
            return tx(lang, &field.label);
        }
        id.to_owned()
    };
    ActivityDto {
        id: d.view.activity.id,
        instrument: instrument.id.clone(),
        instrument_version: instrument.version,
        kind: match instrument.kind {
            Kind::Likert => "likert",
            Kind::Ranking => "ranking",
            Kind::Form => "form",
            Kind::Experiences => "experiences",
        }
        .to_owned(),
        title: tx(lang, &instrument.title),
        status: status_code(d.view.status).to_owned(),
        can_answer: d.can_answer,
        points: instrument.points.iter().map(|t| tx(lang, t)).collect(),
        questions: instrument
            .question_ids()
            .into_iter()
            .map(|q| QuestionDto {
                text: text_of(&q),
                answer: d.answers.get(&q).map(|a| a.value.clone()),
                id: q,
            })
            .collect(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerDto {
    /// Question id (item, `rank1`…, `reason1`…, or form field); for experiences
    /// `job:<appellation code_ogr>` = `yes`, `life:<experience id>` = `yes`,
    /// `skill:<skill code_ogr>` = `yes`/`no`. An empty value removes an optional answer.
    pub item: String,
    /// The answer: a point number for Likert items, an option id, a number, `yes`/`no`,
    /// comma-separated ids for multiple choices, or text.
    pub value: String,
}

#[derive(Deserialize, ToSchema)]
pub struct AnswersDto {
    pub answers: Vec<AnswerDto>,
    /// Mark the activity complete (rankings and forms are sent whole).
    #[serde(default)]
    pub complete: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SavedDto {
    /// saved or completed.
    pub status: String,
}

/// Saves answers. All or nothing: one unknown question or out-of-range value and
/// nothing is stored (422 with an `errors` list naming each question).
#[utoipa::path(put, path = "/api/v1/activities/{id}/answers",
    params(("id" = Uuid, Path, description = "Activity id")),
    request_body = AnswersDto,
    responses(
        (status = 200, description = "Saved", body = SavedDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the person answers their own activities"),
        (status = 404, description = "No such activity in your organisation"),
        (status = 422, description = "Refused; nothing was saved", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_save_answers(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<AnswersDto>,
) -> Result<Json<SavedDto>, HttpError> {
    let actor = ctx.actor()?;
    let answers: Vec<(String, String)> = body
        .answers
        .into_iter()
        .map(|a| (a.item, a.value))
        .collect();
    let outcome = state
        .app
        .save_answers(actor, parse_id(&id)?, &answers, body.complete)
        .await?;
    Ok(Json(SavedDto {
        status: match outcome {
            SaveOutcome::Saved => "saved",
            SaveOutcome::Completed => "completed",
        }
        .to_owned(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ResultsDto {
    pub activity: Uuid,
    pub instrument: String,
    pub instrument_version: u32,
    pub status: String,
    /// The scores and readings, recomputed from the raw answers: `kind` is likert
    /// (scales with raw_mean and 0–100 score, holland, quality, ranked_items), ranking
    /// (ranked choices with reasons), form (facts and excluded_contexts) or experiences
    /// (jobs with their ROME code, life experiences, proposed skills with `confirmed`).
    #[schema(value_type = Object)]
    pub outcome: serde_json::Value,
    /// For an end taking: change since the start per scale, with the reliable change index.
    #[schema(value_type = Vec<Object>)]
    pub changes: serde_json::Value,
}

/// An activity's results.
#[utoipa::path(get, path = "/api/v1/activities/{id}/results",
    params(("id" = Uuid, Path, description = "Activity id")),
    responses(
        (status = 200, description = "The results", body = ResultsDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "The role may not open this file"),
        (status = 404, description = "No such activity in your organisation")
))]
pub async fn api_results(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<ResultsDto>, HttpError> {
    let actor = ctx.actor()?;
    let r = state.app.results(actor, parse_id(&id)?).await?;
    let to_value = |v: serde_json::Result<serde_json::Value>| {
        v.map_err(|e| HttpError::Internal(format!("results json: {e}")))
    };
    Ok(Json(ResultsDto {
        activity: r.detail.view.activity.id,
        instrument: r.detail.instrument.id.clone(),
        instrument_version: r.detail.instrument.version,
        status: status_code(r.detail.view.status).to_owned(),
        outcome: to_value(serde_json::to_value(&r.outcome))?,
        changes: to_value(serde_json::to_value(&r.changes))?,
    }))
}
