//! Follow-up surveys: the page a person answers from their link, and its questions.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_domain::outcome::Situation;
use parcours_domain::placement::ContractType;
use serde::Deserialize;

use super::*;
use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::HttpError;
use crate::kit::{IdPath, Page, PageResult, SavedQuery, field_messages, render, see_other};
use parcours_domain::ids::{ProgrammeId, SurveyQuestionId};

#[derive(Template)]
#[template(path = "survey.html")]
pub(super) struct SurveyPage {
    p: Page,
    token: String,
    view: parcours_app::surveys::SurveyView,
    errors: Vec<String>,
    form: OutcomeForm,
    answers: std::collections::HashMap<String, String>,
    done: bool,
    situations: Vec<(&'static str, String)>,
    contracts: Vec<(&'static str, String)>,
}

impl SurveyPage {
    fn answer(&self, question: &uuid::Uuid) -> String {
        self.answers
            .get(&question.to_string())
            .cloned()
            .unwrap_or_default()
    }
}

pub(super) fn survey_page(
    ctx: &Ctx,
    token: String,
    view: parcours_app::surveys::SurveyView,
    errors: Vec<String>,
    form: OutcomeForm,
    answers: std::collections::HashMap<String, String>,
    done: bool,
) -> SurveyPage {
    let lang = ctx.lang;
    SurveyPage {
        p: Page::new(ctx, lang.t("survey-title")),
        token,
        view,
        errors,
        form,
        answers,
        done,
        situations: coded_options(lang, Situation::ALL, |s| s.code(), "situation"),
        contracts: coded_options(lang, ContractType::ALL, |c| c.code(), "contract"),
    }
}

pub(super) fn survey_gone(ctx: &Ctx) -> PageResult {
    let mut page = crate::auth::link_request_form(ctx, "", crate::auth::LinkKind::SignIn);
    page.intro = Some(ctx.lang.t("survey-gone"));
    page.respond(StatusCode::GONE)
}

/// The follow-up survey, opened from its emailed link without an account.
pub async fn survey(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    match state.app.survey_form(&token).await {
        Ok(view) => {
            let done = view.answered || q.notice(ctx.lang).is_some();
            let page = survey_page(
                &ctx,
                token,
                view,
                Vec::new(),
                OutcomeForm::default(),
                std::collections::HashMap::new(),
                done,
            );
            Ok(([(header::REFERRER_POLICY, "no-referrer")], render(&page)?).into_response())
        }
        Err(AppError::NotFound) => survey_gone(&ctx),
        Err(e) => Err(e.into()),
    }
}

pub async fn answer_survey(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let mut form = OutcomeForm::default();
    let mut answers = std::collections::HashMap::new();
    for (name, value) in fields {
        match name.as_str() {
            "situation" => form.situation = value,
            "contract_type" => form.contract_type = value,
            "starts_on" => form.starts_on = value,
            "planned_end" => form.planned_end = value,
            "weekly_hours" => form.weekly_hours = value,
            "training_name" => form.training_name = value,
            "qualifying" => form.qualifying = value,
            other => {
                if let Some(id) = other.strip_prefix("q_") {
                    answers.insert(id.to_owned(), value);
                }
            }
        }
    }
    match state
        .app
        .answer_survey(&token, &form.input(), &answers)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/questionnaire-suivi/{token}?saved=1"))),
        // Sent twice (a back button): the thanks page again, nothing recorded twice.
        Err(AppError::Invalid(errors)) if errors.iter().any(|e| e.code == "answered") => {
            Ok(see_other(&format!("/questionnaire-suivi/{token}?saved=1")))
        }
        Err(AppError::Invalid(errors)) => {
            let Ok(view) = state.app.survey_form(&token).await else {
                return survey_gone(&ctx);
            };
            let done = view.answered;
            let messages = field_messages(ctx.lang, "survey", &errors);
            let page = survey_page(&ctx, token, view, messages, form, answers, done);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(AppError::NotFound) => survey_gone(&ctx),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct QuestionsForm {
    /// A new question's text (empty: none added).
    text: String,
    /// agree | text
    kind: String,
    /// A question to stop asking.
    retire: String,
    /// "yes" / "no": ask again twelve months after exit.
    follow_up_m12: String,
}

pub async fn edit_questions(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ProgrammeId>,
    axum::Form(form): axum::Form<QuestionsForm>,
) -> PageResult {
    let programme = id.uuid();
    let retire = match form.retire.trim() {
        "" => None,
        // The form's hidden value names a question: one that is not an id is not found.
        raw => Some(
            raw.parse::<SurveyQuestionId>()
                .map_err(|_| HttpError::NotFound)?
                .uuid(),
        ),
    };
    let add = (!form.text.trim().is_empty()).then_some((form.text.as_str(), form.kind.as_str()));
    let m12 = match form.follow_up_m12.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    match state
        .app
        .edit_survey_questions(&actor, programme, add, retire, m12)
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/programmes/{programme}/resultats?saved=1#survey"
        ))),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.programme_report(&actor, programme).await?;
            let messages = field_messages(ctx.lang, "survey", &errors);
            let page = outcomes_page(&ctx, view, None, messages);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
