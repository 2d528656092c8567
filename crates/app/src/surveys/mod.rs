//! Follow-up surveys: once an exit is recorded, the person is asked by email at exit,
//! three and six months later (twelve when the programme wants it) where they are; the
//! link needs no account and is reminded once after a week. Answers land as outcome
//! facts (source "survey"). At exit and at six months, the operator's satisfaction
//! questions are asked too.

use std::collections::HashMap;

use parcours_db::repo::outcomes::{self, OutcomeFact};
use parcours_db::repo::surveys::{self, NewSurvey, Question, Survey};
use parcours_db::repo::{installation::accounts, people};
use parcours_db::{ConnectionTrait, TenantScope};
use parcours_domain::outcome::{OutcomeInput, SatisfactionFigure};
use uuid::Uuid;

use crate::mail::{self, OutgoingMail};
use crate::unit_of_work::Audit;
use crate::{App, AppError, FieldError, digest, random_token};

const DAY_MS: i64 = 24 * 3600 * 1000;
/// When each survey is due after the exit (days).
const POINTS: [(&str, i64); 4] = [("exit", 0), ("m3", 91), ("m6", 182), ("m12", 365)];
/// A survey unanswered this long after it was sent is reminded, once.
const REMIND_AFTER_MS: i64 = 7 * DAY_MS;
/// A follow-up point passed longer ago than this when the exit is recorded is not asked.
const LATE_GRACE_DAYS: i64 = 7;
const MAX_TEXT_ANSWER: usize = 2_000;

/// The questions a programme asks until its manager changes them: what the seeds'
/// evaluation measured (knowing oneself better, blocks overcome, what helped most,
/// something unexpected).
pub const DEFAULT_QUESTIONS: [(&str, &str); 4] = [
    ("Je me connais mieux qu'avant le programme.", "agree"),
    ("J'ai dépassé des blocages.", "agree"),
    (
        "Le travail sur moi-même et mon conseiller m'ont été le plus utiles.",
        "agree",
    ),
    (
        "Quelque chose d'inattendu s'est-il passé pour vous ? Racontez.",
        "text",
    ),
];

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const ANSWERED: AuditAction = AuditAction::SurveyAnswered;
    pub const QUESTIONS_EDITED: AuditAction = AuditAction::SurveyQuestionsEdited;
}

/// Whether a point asks the satisfaction questions.
fn asks_satisfaction(point: &str) -> bool {
    matches!(point, "exit" | "m6")
}

#[derive(Debug, Clone)]
pub struct SurveyView {
    pub point: String,
    pub operator: String,
    pub questions: Vec<Question>,
    pub answered: bool,
}

/// Free-text answers to one question (for the operator's staff only).
#[derive(Debug, Clone)]
pub struct TextAnswers {
    pub question: String,
    pub texts: Vec<String>,
}

mod answers;
mod questions;
mod sending;
