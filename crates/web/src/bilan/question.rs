//! One question per screen: the question page, resuming and answering.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_app::bilan::{ActivityDetail, ActivityStatus, SaveOutcome};
use parcours_domain::instrument::Kind;
use serde::Deserialize;
use uuid::Uuid;

use super::*;
use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::HttpError;
use crate::kit::{IdPath, Page, PageResult, render, see_other};
use parcours_domain::ids::ActivityId;

pub(super) struct Point {
    value: u32,
    label: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "question.html")]
pub(super) struct QuestionPage {
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

pub(super) fn question_page(
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
pub(super) fn resume_href(detail: &ActivityDetail) -> String {
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
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ActivityId>,
    axum::extract::Query(query): axum::extract::Query<ActivityQuery>,
) -> PageResult {
    let detail = state.app.activity(&actor, id.into()).await?;
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
    SignedIn(actor): SignedIn,
    IdPath((id, n)): IdPath<(ActivityId, usize)>,
) -> PageResult {
    let detail = state.app.activity(&actor, id.into()).await?;
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
    SignedIn(actor): SignedIn,
    IdPath((id, n)): IdPath<(ActivityId, usize)>,
    axum::Form(form): axum::Form<AnswerForm>,
) -> PageResult {
    let id = id.uuid();
    if form.value.is_empty() {
        // Nothing chosen: say so on the same question, store nothing.
        let detail = state.app.activity(&actor, id).await?;
        let page = question_page(&ctx, &detail, n, Some(ctx.lang.t("answer-required")))?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    match state
        .app
        .save_answers(
            &actor,
            id,
            &[(form.item.clone(), form.value.clone())],
            false,
        )
        .await
    {
        Ok(SaveOutcome::Completed) => Ok(see_other(&format!("/activites/{id}/resultats"))),
        Ok(SaveOutcome::Saved) => {
            let detail = state.app.activity(&actor, id).await?;
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
            let detail = state.app.activity(&actor, id).await?;
            let page = question_page(&ctx, &detail, n, Some(ctx.lang.t("answer-invalid")))?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
