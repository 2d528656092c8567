//! Surveys scheduled at exit, emailed when due and reminded once.

use super::*;
use crate::jobs::{FollowUpSurvey, enqueue_job};

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
    /// In the transaction that records an exit: the surveys of the points to come.
    pub(crate) async fn schedule_surveys(
        &self,
        conn: &impl ConnectionTrait,
        scope: TenantScope,
        enrolment: &people::Enrolment,
        exit_at: i64,
        now: i64,
    ) -> Result<(), AppError> {
        let m12 = surveys::follow_up_m12(conn, scope, enrolment.programme_id).await?;
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
                let job = FollowUpSurvey { survey_id: id };
                enqueue_job(conn, Some(scope), &job, due_at, now).await?;
            }
        }
        Ok(())
    }

    /// Daily: emails the surveys due and reminds those unanswered after a week.
    /// Returns how many emails were written.
    pub async fn send_surveys(&self, now: i64) -> Result<usize, AppError> {
        let mut sent = 0;
        for survey in surveys::unscoped::due_in_every_tenant(self.db(), now).await? {
            if self.email_survey(&survey, false, now).await? {
                sent += 1;
            }
        }
        for survey in
            surveys::unscoped::to_remind_in_every_tenant(self.db(), now - REMIND_AFTER_MS).await?
        {
            if self.email_survey(&survey, true, now).await? {
                sent += 1;
            }
        }
        Ok(sent)
    }

    /// The job of one survey: sent unless it already was (by the daily job).
    pub(crate) async fn send_one_survey(
        &self,
        scope: TenantScope,
        id: Uuid,
        now: i64,
    ) -> Result<(), AppError> {
        if let Some(survey) = surveys::find(self.db(), scope, id).await?
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
        surveys::set_link(self.db(), scope, survey.id, &digest(&token), reminder, now).await?;
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
        self.send_mail(
            Some(scope),
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
        )
        .await?;
        Ok(true)
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
