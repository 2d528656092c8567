//! The bilan under `/api/v1/`: journey, activity, answers, results.

use axum::Json;
use axum::extract::State;
use parcours_app::bilan::{ActivityDetail, ActivityStatus, NextStep, SaveOutcome};
use parcours_domain::instrument::Kind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::*;
use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::HttpError;
use crate::i18n::Lang;
use crate::kit::IdPath;
use parcours_domain::ids::{ActivityId, PersonId};

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

pub(super) fn status_code(s: ActivityStatus) -> &'static str {
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
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> Result<Json<Journey>, HttpError> {
    let j = state.app.journey(&actor, id.into()).await?;
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
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ActivityId>,
) -> Result<Json<ActivityDto>, HttpError> {
    let d = state.app.activity(&actor, id.into()).await?;
    Ok(Json(activity_dto(ctx.lang, &d)))
}

pub(super) fn activity_dto(lang: Lang, d: &ActivityDetail) -> ActivityDto {
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
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ActivityId>,
    Json(body): Json<AnswersDto>,
) -> Result<Json<SavedDto>, HttpError> {
    let answers: Vec<(String, String)> = body
        .answers
        .into_iter()
        .map(|a| (a.item, a.value))
        .collect();
    let outcome = state
        .app
        .save_answers(&actor, id.into(), &answers, body.complete)
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
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ActivityId>,
) -> Result<Json<ResultsDto>, HttpError> {
    let actor = &actor;
    let r = state.app.results(actor, id.into()).await?;
    let to_value = |v: serde_json::Result<serde_json::Value>| {
        v.map_err(|e| HttpError::internal("results json", e))
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
