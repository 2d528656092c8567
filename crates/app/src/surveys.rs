//! Follow-up surveys: once an exit is recorded, the person is asked by email at exit,
//! three and six months later (twelve when the programme wants it) where they are; the
//! link needs no account and is reminded once after a week. Answers land as outcome
//! facts (source "survey"). At exit and at six months, the operator's satisfaction
//! questions are asked too.

use std::collections::HashMap;

use parcours_db::repo::outcomes::{self, OutcomeFact};
use parcours_db::repo::surveys::{self, NewSurvey, Question, Survey};
use parcours_db::repo::{accounts, people};
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

/// The follow-up questionnaire's link (or its reminder), from the operator.
#[derive(askama::Template)]
#[template(path = "email/follow_up_survey.txt")]
struct FollowUpSurveyEmail<'a> {
    opening_fr: &'a str,
    operator: &'a str,
    when_fr: &'a str,
    link: &'a str,
    opening_en: &'a str,
    when_en: &'a str,
}

impl App {
    /// The questions of a programme, the defaults written the first time.
    pub(crate) async fn programme_questions(
        &self,
        conn: &impl ConnectionTrait,
        scope: TenantScope,
        programme_id: Uuid,
    ) -> Result<Vec<Question>, AppError> {
        let existing = surveys::questions(conn, programme_id).await?;
        if !existing.is_empty() {
            return Ok(existing);
        }
        let now = self.now();
        for (i, (text, kind)) in DEFAULT_QUESTIONS.iter().enumerate() {
            surveys::add_question(
                conn,
                scope,
                programme_id,
                i32::try_from(i).unwrap_or(0),
                text,
                kind,
                now,
            )
            .await?;
        }
        Ok(surveys::questions(conn, programme_id).await?)
    }

    /// In the transaction that records an exit: the surveys of the points to come.
    pub(crate) async fn schedule_surveys(
        &self,
        conn: &impl ConnectionTrait,
        scope: TenantScope,
        enrolment: &people::Enrolment,
        exit_at: i64,
        now: i64,
    ) -> Result<(), AppError> {
        let m12 = surveys::follow_up_m12(conn, enrolment.programme_id).await?;
        for (point, days) in POINTS {
            if point == "m12" && !m12 {
                continue;
            }
            // Counted from the day the person left. An exit recorded late does not send
            // the questions of a point long gone (a week's grace), and the exit
            // questionnaire always goes.
            let due = exit_at + days * DAY_MS;
            if point != "exit" && due < now - LATE_GRACE_DAYS * DAY_MS {
                continue;
            }
            let due_at = due.max(now);
            let scheduled = surveys::schedule(
                conn,
                scope,
                NewSurvey {
                    programme_id: enrolment.programme_id,
                    enrolment_id: enrolment.id,
                    person_id: enrolment.person_id,
                    point,
                    due_at,
                },
                now,
            )
            .await?;
            // Sent when due by its own job; the daily job catches any left over.
            if let Some(id) = scheduled {
                crate::jobs::queue(
                    conn,
                    Some(scope),
                    crate::jobs::kind::SURVEY,
                    &crate::jobs::Payload {
                        survey_id: Some(id),
                        ..crate::jobs::Payload::default()
                    },
                    due_at,
                    now,
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Daily: emails the surveys due and reminds those unanswered after a week.
    /// Returns how many emails were written.
    pub async fn send_surveys(&self, now: i64) -> Result<usize, AppError> {
        let mut sent = 0;
        for survey in surveys::due(self.db(), now).await? {
            if self.email_survey(&survey, false, now).await? {
                sent += 1;
            }
        }
        for survey in surveys::to_remind(self.db(), now - REMIND_AFTER_MS).await? {
            if self.email_survey(&survey, true, now).await? {
                sent += 1;
            }
        }
        Ok(sent)
    }

    /// The job of one survey: sent unless it already was (by the daily job).
    pub(crate) async fn send_one_survey(&self, id: Uuid, now: i64) -> Result<(), AppError> {
        if let Some(survey) = surveys::find(self.db(), id).await?
            && survey.sent_at.is_none()
        {
            self.email_survey(&survey, false, now).await?;
        }
        Ok(())
    }

    async fn email_survey(
        &self,
        survey: &Survey,
        reminder: bool,
        now: i64,
    ) -> Result<bool, AppError> {
        let scope = TenantScope::of(survey.tenant_id);
        let token = random_token();
        // Without an address the survey counts as sent: the coach records the situation.
        let to = match people::find_person(self.db(), scope, survey.person_id).await? {
            Some(person) => self.contact_email(&person).await?,
            None => None,
        };
        surveys::set_link(self.db(), survey.id, &digest(&token), reminder, now).await?;
        let Some(to) = to else {
            return Ok(false);
        };
        let operator = accounts::find_organisation(self.db(), scope.id())
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let link = format!("{}/questionnaire-suivi/{token}", self.config().base_url);
        let (when_fr, when_en) = match survey.point.as_str() {
            "exit" => ("à la fin de votre parcours", "at the end of your programme"),
            "m3" => (
                "trois mois après votre parcours",
                "three months after your programme",
            ),
            "m6" => (
                "six mois après votre parcours",
                "six months after your programme",
            ),
            _ => ("un an après votre parcours", "a year after your programme"),
        };
        let (subject, opening_fr, opening_en) = if reminder {
            (
                "Parcours : petit rappel, où en êtes-vous ?",
                "Petit rappel : ",
                "A reminder: ",
            )
        } else {
            ("Parcours : où en êtes-vous ?", "", "")
        };
        mail::send(
            &self.config().outbox_dir,
            OutgoingMail {
                to: &to,
                subject,
                body: mail::body(&FollowUpSurveyEmail {
                    opening_fr,
                    operator: &operator,
                    when_fr,
                    link: &link,
                    opening_en,
                    when_en,
                })?,
                calendar: None,
            },
        )?;
        Ok(true)
    }

    async fn survey_of(&self, token: &str) -> Result<Survey, AppError> {
        surveys::by_token_hash(self.db(), &digest(token))
            .await?
            .ok_or(AppError::NotFound)
    }

    pub async fn survey_form(&self, token: &str) -> Result<SurveyView, AppError> {
        let survey = self.survey_of(token).await?;
        let scope = TenantScope::of(survey.tenant_id);
        let questions = if asks_satisfaction(&survey.point) {
            self.programme_questions(self.db(), scope, survey.programme_id)
                .await?
                .into_iter()
                .filter(|q| q.active)
                .collect()
        } else {
            Vec::new()
        };
        Ok(SurveyView {
            operator: accounts::find_organisation(self.db(), scope.id())
                .await?
                .map(|o| o.name)
                .unwrap_or_default(),
            answered: survey.answered_at.is_some(),
            point: survey.point,
            questions,
        })
    }

    /// The person's answer: their situation as a fact, and their satisfaction. Once.
    pub async fn answer_survey(
        &self,
        token: &str,
        situation: &OutcomeInput,
        answers: &HashMap<String, String>,
    ) -> Result<(), AppError> {
        let survey = self.survey_of(token).await?;
        if survey.answered_at.is_some() {
            return Err(AppError::invalid("survey", "answered"));
        }
        let scope = TenantScope::of(survey.tenant_id);
        let enrolment = people::enrolments_of_person(self.db(), scope, survey.person_id)
            .await?
            .into_iter()
            .find(|e| e.id == survey.enrolment_id)
            .ok_or(AppError::NotFound)?;
        // At exit the status stays the one recorded (finished or dropped).
        let status = if survey.point == "exit" && enrolment.status == "dropped" {
            "dropped"
        } else {
            "finished"
        };
        let input = OutcomeInput {
            point: survey.point.clone(),
            status: status.to_owned(),
            drop_reason: if status == "dropped" && situation.drop_reason.trim().is_empty() {
                "—".to_owned()
            } else {
                situation.drop_reason.clone()
            },
            ..situation.clone()
        };
        let mut errors: Vec<FieldError> = match input.check() {
            Ok(_) => Vec::new(),
            Err(problems) => problems
                .iter()
                .map(|p| FieldError {
                    field: p.field,
                    code: p.code,
                })
                .collect(),
        };
        let questions = if asks_satisfaction(&survey.point) {
            self.programme_questions(self.db(), scope, survey.programme_id)
                .await?
                .into_iter()
                .filter(|q| q.active)
                .collect()
        } else {
            Vec::new()
        };
        let mut given = Vec::new();
        for q in &questions {
            let raw = answers.get(&q.id.to_string()).map_or("", |s| s.trim());
            match (q.kind.as_str(), raw) {
                (_, "") => {}
                ("agree", r) => match r.parse::<i32>() {
                    Ok(n) if (1..=4).contains(&n) => given.push((q.id, Some(n), None)),
                    _ => errors.push(FieldError {
                        field: "satisfaction",
                        code: "invalid",
                    }),
                },
                (_, text) if text.chars().count() > MAX_TEXT_ANSWER => errors.push(FieldError {
                    field: "satisfaction",
                    code: "too_long",
                }),
                (_, text) => given.push((q.id, None, Some(text.to_owned()))),
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let checked = input
            .check()
            .map_err(|_| AppError::invalid("situation", "required"))?;
        let now = self.now();
        // The stand-in reason that let a dropped participant's answer pass the check
        // is not kept: the reason recorded at exit stays the one.
        let fact = OutcomeFact {
            drop_reason: None,
            ..crate::outcome_facts::fact_of(checked, "survey")
        };
        // The person answers through their link: nobody signed in.
        let txn = self.change_in(scope, None).await?;
        if !surveys::mark_answered(&*txn, survey.id, now).await? {
            return Err(AppError::invalid("survey", "answered"));
        }
        // At exit, the person's own answer adds a fact; the status and the coach's exit
        // facts on the enrolment stay (only a coach's exit changes them).
        let point_for_log = if survey.point == "exit" {
            "exit_survey"
        } else {
            survey.point.as_str()
        };
        outcomes::record(
            &*txn,
            scope,
            survey.enrolment_id,
            survey.person_id,
            &OutcomeFact {
                point: point_for_log.to_owned(),
                ..fact
            },
            None,
            None,
            now,
        )
        .await?;
        for (question, rating, text) in given {
            surveys::insert_answer(
                &*txn,
                scope,
                survey.id,
                survey.programme_id,
                question,
                rating,
                text.as_deref(),
                now,
            )
            .await?;
        }
        txn.commit(Audit::of(audit_action::ANSWERED, survey.person_id))
            .await?;
        self.forget_reports().await;
        Ok(())
    }

    /// Satisfaction by question for a programme's results: the share who agree (3 or
    /// 4 of 4), hidden under the minimum cell; and the free-text answers.
    pub(crate) async fn satisfaction(
        &self,
        programme_id: Uuid,
        tenant: Uuid,
        min_cell: u64,
    ) -> Result<(Vec<SatisfactionFigure>, Vec<TextAnswers>), AppError> {
        let scope = TenantScope::of(tenant);
        let questions = self
            .programme_questions(self.db(), scope, programme_id)
            .await?;
        let answers = surveys::answers(self.db(), programme_id).await?;
        let mut figures = Vec::new();
        let mut texts = Vec::new();
        for q in questions {
            let mine: Vec<&(Uuid, Option<i32>, Option<String>)> =
                answers.iter().filter(|(id, ..)| *id == q.id).collect();
            if mine.is_empty() && !q.active {
                continue;
            }
            let n = mine.len() as u64;
            let shown = n == 0 || n >= min_cell;
            if q.kind == "text" && shown {
                texts.push(TextAnswers {
                    question: q.text.clone(),
                    texts: mine.iter().filter_map(|(_, _, t)| t.clone()).collect(),
                });
            }
            let agree = mine
                .iter()
                .filter(|(_, r, _)| r.is_some_and(|r| r >= 3))
                .count() as f64;
            figures.push(SatisfactionFigure {
                agree_percent: (q.kind == "agree" && shown && n > 0)
                    .then(|| (agree * 1000.0 / n as f64).round() / 10.0),
                answers: if shown {
                    parcours_domain::outcome::ParticipantsFigure::Count(n)
                } else {
                    parcours_domain::outcome::ParticipantsFigure::Hidden { suppressed: true }
                },
                question: q.text,
                kind: q.kind,
            });
        }
        Ok((figures, texts))
    }

    /// The manager adds a satisfaction question or stops asking one.
    pub async fn edit_survey_questions(
        &self,
        actor: &crate::auth::Actor,
        programme_id: Uuid,
        add: Option<(&str, &str)>,
        retire: Option<Uuid>,
        follow_up_m12: Option<bool>,
    ) -> Result<(), AppError> {
        let view = self.programme_report(actor, programme_id).await?;
        if !view.can_configure {
            return Err(AppError::Forbidden);
        }
        let scope = TenantScope::of(view.programme.tenant_id);
        let txn = self.change_in(scope, Some(actor.user_id)).await?;
        let existing = self.programme_questions(&*txn, scope, programme_id).await?;
        if let Some((text, kind)) = add {
            let text =
                crate::text_field("question", text, 300).map_err(|e| AppError::Invalid(vec![e]))?;
            if !matches!(kind, "agree" | "text") {
                return Err(AppError::invalid("kind", "required"));
            }
            let position = existing.iter().map(|q| q.position).max().unwrap_or(0) + 1;
            surveys::add_question(&*txn, scope, programme_id, position, &text, kind, txn.at())
                .await?;
        }
        if let Some(id) = retire
            && !surveys::retire_question(&*txn, scope, programme_id, id).await?
        {
            return Err(AppError::NotFound);
        }
        if let Some(on) = follow_up_m12 {
            surveys::set_follow_up_m12(&*txn, programme_id, on).await?;
        }
        txn.commit(Audit::tenant(audit_action::QUESTIONS_EDITED))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_survey_email_reads_as_it_did_when_written_inline() {
        let (opening_fr, operator, when_fr, link, opening_en, when_en) = (
            "Petit rappel : ",
            "L'Envol & co",
            "à la fin",
            "https://x/q/t",
            "A reminder: ",
            "at the end",
        );
        let before = format!(
            "Bonjour,\n\n{opening_fr}{operator} aimerait savoir où vous en êtes {when_fr}. \
             Cela prend deux minutes, sans mot de passe :\n{link}\n\nVos réponses aident à \
             améliorer le programme ; elles ne sont jamais publiées avec votre nom.\n\n--\nHello,\n\n\
             {opening_en}{operator} would like to know where you stand {when_en}. It takes two \
             minutes, no password:\n{link}\n\nYour answers help improve the programme; they are \
             never published with your name.\n"
        );
        let now = mail::body(&FollowUpSurveyEmail {
            opening_fr,
            operator,
            when_fr,
            link,
            opening_en,
            when_en,
        })
        .unwrap();
        assert_eq!(now, before);
    }
}
