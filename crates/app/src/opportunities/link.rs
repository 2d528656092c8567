//! The employer's emailed link (no account): reading a request, answering it, leaving
//! feedback; and the daily expiry of requests left unanswered.

use parcours_db::TenantScope;
use parcours_db::repo::opportunities::{self, Opportunity, Request};
use parcours_db::repo::{installation::accounts, people, projects};
use parcours_domain::Role;
use parcours_domain::opportunity::{FeedbackSide, RequestStatus};

use crate::jobs::OpportunityAnswer;
use crate::mail::{self, OutgoingMail};
use crate::unit_of_work::{Audit, Bookkeeping};
use crate::{App, AppError, digest};

use super::*;

/// The employer is reminded that a request waits (no link: only its hash is kept).
#[derive(askama::Template)]
#[template(path = "email/opportunity_reminder.txt")]
struct OpportunityReminderEmail<'a> {
    title: &'a str,
    base: &'a str,
}

impl App {
    async fn request_of_link(
        &self,
        token: &str,
    ) -> Result<(TenantScope, Request, Opportunity), AppError> {
        let Some(request) =
            opportunities::unscoped::request_by_token_hash(self.db(), &digest(token)).await?
        else {
            return Err(AppError::NotFound);
        };
        if self.now() > request.created_at + FEEDBACK_WINDOW_MS {
            return Err(AppError::NotFound);
        }
        let scope = TenantScope::of(request.tenant_id);
        let Some(opportunity) =
            opportunities::find(self.db(), scope, request.opportunity_id).await?
        else {
            return Err(AppError::NotFound);
        };
        Ok((scope, request, opportunity))
    }

    /// What the employer's link shows: the request, the candidate's first name (their
    /// contact once accepted), and whether feedback is still to give.
    pub async fn employer_request(&self, token: &str) -> Result<EmployerRequestView, AppError> {
        let (scope, request, opportunity) = self.request_of_link(token).await?;
        let Some(person) = people::find_person(self.db(), scope, request.person_id).await? else {
            return Err(AppError::NotFound);
        };
        // An erased person's project keeps its row with an empty title: nothing to show.
        let project = projects::current_project(self.db(), scope, person.id)
            .await?
            .map(|p| p.title)
            .filter(|title| !title.is_empty());
        let feedback_given = opportunities::feedback_for(self.db(), scope, [request.id])
            .await?
            .iter()
            .any(|f| f.side == FeedbackSide::Employer);
        let initial: String = person.last_name.chars().take(1).collect();
        let contact = if request.status == RequestStatus::Accepted {
            Some((self.contact_email(&person).await?, person.phone.clone()))
        } else {
            None
        };
        Ok(EmployerRequestView {
            candidate: format!("{} {initial}.", person.first_name),
            contact,
            can_answer: request.status == RequestStatus::Requested
                && self.now() < request.respond_by,
            project,
            feedback_given,
            request,
            opportunity,
        })
    }

    /// The employer accepts or declines from the link; the person is told by email
    /// (without details: they read the answer in Parcours).
    pub async fn answer_from_link(&self, token: &str, accept: bool) -> Result<(), AppError> {
        let (scope, request, _) = self.request_of_link(token).await?;
        if request.status != RequestStatus::Requested || self.now() >= request.respond_by {
            return Err(AppError::invalid("decision", "closed"));
        }
        let status = if accept {
            RequestStatus::Accepted
        } else {
            RequestStatus::Declined
        };
        // Answered from the employer's link: no signed-in author.
        let txn = self.change_in(scope, None).await?;
        let now = txn.at();
        // Places are taken by acceptances: counted under the opportunity's lock so that
        // links answered at once can't accept more candidates than there are places.
        let Some((capacity, accepted)) =
            opportunities::lock_places(&*txn, scope, request.opportunity_id).await?
        else {
            return Err(AppError::NotFound);
        };
        if accept && accepted >= u64::try_from(capacity).unwrap_or(0) {
            return Err(AppError::invalid("decision", "full"));
        }
        if !opportunities::answer_request(&*txn, scope, request.id, status, now).await? {
            return Err(AppError::invalid("decision", "closed"));
        }
        let job = OpportunityAnswer {
            request_id: request.id,
        };
        txn.queue(&job, now).await?;
        txn.commit(Audit::of(audit_action::ANSWERED, request.person_id))
            .await?;
        Ok(())
    }

    pub async fn employer_feedback(
        &self,
        token: &str,
        rating_raw: &str,
        comment_raw: &str,
    ) -> Result<(), AppError> {
        let (scope, request, _) = self.request_of_link(token).await?;
        self.leave_feedback(
            scope,
            &request,
            FeedbackSide::Employer,
            rating_raw,
            comment_raw,
            None,
        )
        .await
    }

    /// Daily: requests unanswered past their date expire; the employer is reminded once
    /// of those due within two days (the reminder carries no link: only the link's hash is
    /// kept; the employer answers from the first email or their space). Returns how many
    /// expired.
    pub async fn expire_requests(&self, now: i64) -> Result<usize, AppError> {
        let overdue = opportunities::unscoped::overdue_requests(self.db(), now).await?;
        for r in &overdue {
            let scope = TenantScope::of(r.tenant_id);
            // The system closes the request on the person's file.
            let txn = self.change_in(scope, None).await?;
            opportunities::answer_request(&*txn, scope, r.id, RequestStatus::Expired, now).await?;
            txn.commit(Audit::of(audit_action::EXPIRED, r.person_id))
                .await?;
        }
        for r in
            opportunities::unscoped::requests_to_remind(self.db(), now, now + 2 * DAY_MS).await?
        {
            let scope = TenantScope::of(r.tenant_id);
            let Some(opportunity) = opportunities::find(self.db(), scope, r.opportunity_id).await?
            else {
                continue;
            };
            let base = &self.config().base_url;
            for (user, role) in accounts::members_of(self.db(), opportunity.employer_org_id).await?
            {
                if role != Role::Employer {
                    continue;
                }
                let title = &opportunity.title;
                self.send_mail(
                    Some(scope),
                    OutgoingMail {
                        to: &user.email,
                        subject: "Parcours : une demande attend votre réponse",
                        body: mail::body(&OpportunityReminderEmail { title, base })?,
                        calendar: None,
                    },
                )
                .await?;
            }
            // Only the reminder's own ledger: nothing on anyone's file changed.
            let txn = self.bookkeeping(Bookkeeping::JobQueue).await?;
            opportunities::mark_reminded(&*txn, scope, r.id, now).await?;
            txn.commit().await?;
        }
        Ok(overdue.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reminder_reads_as_before() {
        let (title, base) = ("Soudeur « TIG »", "https://p.test");
        assert_eq!(
            mail::body(&OpportunityReminderEmail { title, base }).unwrap(),
            format!(
                "Bonjour,\n\nUne demande pour votre offre « {title} » attend votre réponse avant deux jours.\n\
                 Répondez depuis le lien du premier e-mail, ou depuis votre espace : {base}/entreprise\n\n\
                 --\nHello,\n\nA request for your offer “{title}” awaits your answer within two days.\n\
                 Answer from the link in the first email, or from your space: {base}/entreprise\n"
            )
        );
    }
}
