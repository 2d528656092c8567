//! Sponsors (parrains, marraines) follow their mentees: an employer whose sponsorship
//! offer a person asked for, and who accepted, sees from their space who they sponsor,
//! how to reach them and the step of their path (never results), and records each
//! meeting with a short note the person and their coaches read too.

use parcours_db::TenantScope;
use parcours_db::repo::opportunities::{self, Opportunity, Request};
use parcours_db::repo::people;
use parcours_db::repo::sponsors::{self, Meeting};
use parcours_domain::Phase;
use parcours_domain::opportunity::{OpportunityKind, RequestStatus};
use uuid::Uuid;

use crate::auth::Actor;
use crate::unit_of_work::Audit;
use crate::{App, AppError, FieldError};

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const MENTEES_READ: AuditAction = AuditAction::MenteesRead;
    pub const MEETING_LOGGED: AuditAction = AuditAction::SponsorMeetingLogged;
}

/// Longest note on a meeting.
pub const MAX_MEETING_NOTE: usize = 1_000;

#[derive(Debug, Clone)]
pub struct Mentee {
    pub request: Request,
    /// The sponsorship offer's title.
    pub title: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Where the person stands in the programme (no result of the bilan).
    pub step: Option<Phase>,
    pub meetings: Vec<Meeting>,
}

impl App {
    /// The employer's accepted sponsorships, with their offer.
    async fn sponsorships(&self, actor: &Actor) -> Result<Vec<(Opportunity, Request)>, AppError> {
        self.employer_operators(actor).await?;
        let offers: Vec<Opportunity> = opportunities::of_employer(
            self.db(),
            parcours_db::EmployerScope::of(actor.organisation_id),
        )
        .await?
        .into_iter()
        .filter(|o| o.kind == OpportunityKind::Sponsorship)
        .collect();
        let requests = opportunities::requests_for_employer(
            self.db(),
            parcours_db::EmployerScope::of(actor.organisation_id),
            offers.iter().map(|o| o.id),
        )
        .await?;
        Ok(requests
            .into_iter()
            .filter(|r| r.status == RequestStatus::Accepted)
            .filter_map(|r| {
                let offer = offers.iter().find(|o| o.id == r.opportunity_id)?.clone();
                Some((offer, r))
            })
            .collect())
    }

    /// Who the employer sponsors; each person's file read is audited.
    pub async fn mentees(&self, actor: &Actor) -> Result<Vec<Mentee>, AppError> {
        let sponsorships = self.sponsorships(actor).await?;
        let mut meetings = sponsors::of_requests_for_employer(
            self.db(),
            parcours_db::EmployerScope::of(actor.organisation_id),
            sponsorships.iter().map(|(_, r)| r.id),
        )
        .await?;
        let mut out = Vec::with_capacity(sponsorships.len());
        for (offer, request) in sponsorships {
            let scope = TenantScope::of(request.tenant_id);
            let Some(person) = people::find_person(self.db(), scope, request.person_id).await?
            else {
                continue;
            };
            let step = people::current_enrolment(self.db(), scope, person.id)
                .await?
                .map(|e| e.phase);
            // The mentee's file lives in their programme's tenant, not the sponsor's.
            let txn = self.change_in(scope, Some(actor.user_id)).await?;
            txn.commit(Audit::of(audit_action::MENTEES_READ, person.id))
                .await?;
            let (theirs, rest): (Vec<Meeting>, Vec<Meeting>) = meetings
                .into_iter()
                .partition(|m| m.request_id == request.id);
            meetings = rest;
            out.push(Mentee {
                title: offer.title,
                name: format!("{} {}", person.first_name, person.last_name),
                email: self.contact_email(&person).await?,
                phone: person.phone.clone(),
                step,
                meetings: theirs,
                request,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The sponsor records a meeting held with their mentee: a date (not in the future)
    /// and an optional note.
    pub async fn log_meeting(
        &self,
        actor: &Actor,
        request_id: Uuid,
        met_on: &str,
        note: &str,
    ) -> Result<(), AppError> {
        let Some((_, request)) = self
            .sponsorships(actor)
            .await?
            .into_iter()
            .find(|(_, r)| r.id == request_id)
        else {
            return Err(AppError::NotFound);
        };
        let mut errors = Vec::new();
        let today = time::OffsetDateTime::now_utc().date();
        let date = parcours_domain::opportunity::date(met_on);
        match date {
            None => errors.push(FieldError {
                field: "met_on",
                code: "invalid",
            }),
            Some(d) if d > today => errors.push(FieldError {
                field: "met_on",
                code: "future",
            }),
            Some(_) => {}
        }
        let note = note.trim();
        if note.chars().count() > MAX_MEETING_NOTE {
            errors.push(FieldError {
                field: "note",
                code: "too_long",
            });
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let scope = TenantScope::of(request.tenant_id);
        // The meeting and its audit row land together, in the mentee's tenant.
        let txn = self.change_in(scope, Some(actor.user_id)).await?;
        let now = txn.at();
        sponsors::insert(
            &*txn,
            scope,
            request.id,
            met_on.trim(),
            (!note.is_empty()).then_some(note),
            actor.user_id,
            now,
        )
        .await?;
        txn.commit(Audit::of(audit_action::MEETING_LOGGED, request.person_id))
            .await?;
        Ok(())
    }
}
