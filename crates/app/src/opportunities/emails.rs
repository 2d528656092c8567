//! The worker's side: the emails of a request, an answer and a light account's
//! invitation. Their text is in `templates/email/`.

use parcours_db::TenantScope;
use parcours_db::repo::opportunities::{self};
use parcours_db::repo::{installation::accounts, people};
use parcours_domain::Role;

use crate::jobs::{EmployerInvitation, OpportunityAnswer, OpportunityRequest, PersonInvitation};
use crate::mail::{self, OutgoingMail};
use crate::{App, AppError};

/// A request for the employer's offer, with the link to answer it.
#[derive(askama::Template)]
#[template(path = "email/opportunity_request.txt")]
struct OpportunityRequestEmail<'a> {
    title: &'a str,
    link: &'a str,
}

/// The person is told an answer waits in Parcours.
#[derive(askama::Template)]
#[template(path = "email/opportunity_answer.txt")]
struct OpportunityAnswerEmail<'a> {
    link: &'a str,
}

/// A referred person's own space opens.
#[derive(askama::Template)]
#[template(path = "email/person_invitation.txt")]
struct PersonInvitationEmail<'a> {
    operator: &'a str,
    link: &'a str,
}

/// An employer's light account opens.
#[derive(askama::Template)]
#[template(path = "email/employer_invitation.txt")]
struct EmployerInvitationEmail<'a> {
    operator: &'a str,
    link: &'a str,
}

impl App {
    pub(crate) async fn send_request_mail(
        &self,
        scope: TenantScope,
        job: &OpportunityRequest,
    ) -> Result<(), AppError> {
        let (id, token) = (job.request_id, &job.token);
        let Some(request) = opportunities::find_request(self.db(), scope, id).await? else {
            return Ok(());
        };
        let Some(opportunity) =
            opportunities::find(self.db(), scope, request.opportunity_id).await?
        else {
            return Ok(());
        };
        let link = format!("{}/demandes/{token}", self.config().base_url);
        for (user, role) in accounts::members_of(self.db(), opportunity.employer_org_id).await? {
            if role != Role::Employer {
                continue;
            }
            let body = mail::body(&OpportunityRequestEmail {
                title: &opportunity.title,
                link: &link,
            })?;
            self.send_mail(
                Some(scope),
                OutgoingMail {
                    to: &user.email,
                    subject: "Parcours : une demande pour votre offre",
                    body,
                    calendar: None,
                },
            )
            .await?;
        }
        Ok(())
    }

    pub(crate) async fn send_answer_mail(
        &self,
        scope: TenantScope,
        job: &OpportunityAnswer,
    ) -> Result<(), AppError> {
        let id = job.request_id;
        let Some(request) = opportunities::find_request(self.db(), scope, id).await? else {
            return Ok(());
        };
        let Some(person) = people::find_person(self.db(), scope, request.person_id).await? else {
            return Ok(());
        };
        let Some(to) = self.contact_email(&person).await? else {
            return Ok(());
        };
        let link = format!("{}/parcours/opportunites", self.config().base_url);
        self.send_mail(
            Some(scope),
            OutgoingMail {
                to: &to,
                subject: "Parcours : réponse à votre demande",
                body: mail::body(&OpportunityAnswerEmail { link: &link })?,
                calendar: None,
            },
        )
        .await
    }

    /// The email that opens an employer's light account.
    pub(crate) async fn send_invitation(
        &self,
        scope: TenantScope,
        job: &EmployerInvitation,
    ) -> Result<(), AppError> {
        self.send_light_account_link(scope, job.user_id, &job.token, false)
            .await
    }

    /// The email that opens a referred person's own space.
    pub(crate) async fn send_person_invitation(
        &self,
        scope: TenantScope,
        job: &PersonInvitation,
    ) -> Result<(), AppError> {
        self.send_light_account_link(scope, job.user_id, &job.token, true)
            .await
    }

    /// Both invitations carry a sign-in link; only their text differs.
    async fn send_light_account_link(
        &self,
        scope: TenantScope,
        user: uuid::Uuid,
        token: &str,
        person: bool,
    ) -> Result<(), AppError> {
        let Some(user) = accounts::find_user(self.db(), user).await? else {
            return Ok(());
        };
        let operator = accounts::find_organisation(self.db(), scope.id())
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let link = format!("{}/connexion/{token}", self.config().base_url);
        let (subject, body) = if person {
            (
                "Parcours : votre espace personnel",
                mail::body(&PersonInvitationEmail {
                    operator: &operator,
                    link: &link,
                })?,
            )
        } else {
            (
                "Parcours : votre espace entreprise",
                mail::body(&EmployerInvitationEmail {
                    operator: &operator,
                    link: &link,
                })?,
            )
        };
        self.send_mail(
            Some(scope),
            OutgoingMail {
                to: &user.email,
                subject,
                body,
                calendar: None,
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_emails_read_as_before() {
        let (title, link, operator) = ("Soudeur « TIG »", "https://p.test/x", "Cap Emploi");
        assert_eq!(
            mail::body(&OpportunityRequestEmail { title, link }).unwrap(),
            format!(
                "Bonjour,\n\nUne personne accompagnée dans Parcours demande votre offre « {title} ».\n\
                 Répondez depuis ce lien, sans compte à créer :\n{link}\n\n--\nHello,\n\n\
                 A person supported in Parcours asks for your offer “{title}”.\nAnswer from this link, \
                 no account needed:\n{link}\n"
            )
        );
        assert_eq!(
            mail::body(&OpportunityAnswerEmail { link }).unwrap(),
            format!(
                "Bonjour,\n\nUne entreprise a répondu à votre demande. Lisez sa réponse dans Parcours : {link}\n\n\
                 --\nHello,\n\nAn employer answered your request. Read the answer in Parcours: {link}\n"
            )
        );
        assert_eq!(
            mail::body(&PersonInvitationEmail { operator, link }).unwrap(),
            format!(
                "Bonjour,\n\n{operator} vous accueille dans son programme et vous ouvre votre espace \
                 dans Parcours : votre bilan, vos rendez-vous, vos messages et les rencontres avec des \
                 entreprises.\nEntrez sans mot de passe par ce lien, valable 14 jours :\n{link}\n\
                 Ensuite, demandez un nouveau lien sur la page de connexion quand vous voulez.\n\n--\n\
                 Hello,\n\n{operator} welcomes you to its programme and opens your space in Parcours: your \
                 bilan, your appointments, your messages and meetings with employers.\nSign in without a \
                 password with this link, valid for 14 days:\n{link}\nAfterwards, ask for a new link on the \
                 sign-in page whenever you like.\n"
            )
        );
        assert_eq!(
            mail::body(&EmployerInvitationEmail { operator, link }).unwrap(),
            format!(
                "Bonjour,\n\n{operator} vous ouvre un espace dans Parcours pour proposer des rencontres, \
                 des immersions et des offres aux personnes qu'il accompagne.\nEntrez sans mot de passe \
                 par ce lien, valable 7 jours :\n{link}\n\n--\nHello,\n\n{operator} opens a space for you in \
                 Parcours to offer meetings, immersions and jobs to the people it supports.\nSign in without a \
                 password with this link, valid for 7 days:\n{link}\n"
            )
        );
    }
}
