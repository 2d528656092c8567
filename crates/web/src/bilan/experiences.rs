//! The experiences activity: jobs held, life experiences and skills, each step a small form.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_app::bilan::ActivityDetail;
use parcours_domain::instrument::{JOB_PREFIX, Kind, LIFE_PREFIX, SKILL_PREFIX};
use uuid::Uuid;

use super::*;
use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::{FieldProblem, HttpError};
use crate::kit::{IdPath, Page, PageResult, render, see_other};
use parcours_app::auth::Actor;
use parcours_domain::ids::ActivityId;

pub(super) struct JobRow {
    code: u32,
    label: String,
    fiche_label: String,
}

pub(super) struct LifeChoice {
    id: String,
    label: String,
    hint: Option<String>,
    checked: bool,
}

pub(super) struct SkillChoice {
    code: u32,
    label: String,
    sources: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "experiences.html")]
pub(super) struct ExperiencesPage {
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
pub(super) const JOB_HITS: usize = 12;

pub(super) fn experiences_page(
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
pub(super) async fn submit_experiences(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    detail: &ActivityDetail,
    pairs: &[(String, String)],
) -> PageResult {
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
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ActivityId>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let id = id.uuid();
    let detail = state.app.activity(&actor, id).await?;
    if detail.instrument.kind == Kind::Experiences {
        let answers: Vec<(String, String)> = pairs
            .into_iter()
            .filter(|(k, _)| k != crate::csrf::FORM_FIELD)
            .collect();
        return submit_experiences(&state, &ctx, &actor, &detail, &answers).await;
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
    match state.app.save_answers(&actor, id, &submitted, true).await {
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
