//! The candidate's side: the opportunities that fit them, asking for one, and telling
//! how the meeting went.

use std::collections::HashSet;

use parcours_db::repo::opportunities::{self, NewRequest, Request};
use parcours_db::repo::{installation::accounts, pistes, projects};
use parcours_db::{TenantScope, is_unique_violation};
use parcours_domain::opportunity::{FeedbackSide, RequestStatus, fit_rank};
use parcours_domain::{Action, Role};
use uuid::Uuid;

use crate::auth::Actor;
use crate::jobs::OpportunityRequest;
use crate::unit_of_work::Audit;
use crate::{App, AppError, digest, random_token};

use super::*;

impl App {
    /// What a person may request, the closest fits first, and their requests.
    pub async fn opportunities_for(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<CandidateView, AppError> {
        let view = self.candidate_view(actor, person_id).await?;
        self.record(actor, Audit::of(audit_action::READ, view.person.id))
            .await?;
        Ok(view)
    }

    /// The candidate's view, authorised but not audited as a read (a request uses it to
    /// check the offer is open).
    async fn candidate_view(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<CandidateView, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::RequestOpportunity,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let all = opportunities::of_tenant(self.db(), scope).await?;
        let requests =
            opportunities::requests_for(self.db(), scope, all.iter().map(|o| o.id)).await?;
        // The person's occupations: the project's, then the pistes kept.
        let mut wanted: HashSet<String> = pistes::choices_of_person(self.db(), scope, person.id)
            .await?
            .into_iter()
            .filter(|c| c.shortlisted)
            .map(|c| c.code_rome)
            .collect();
        if let Some(code) = projects::current_project(self.db(), scope, person.id)
            .await?
            .and_then(|p| p.code_rome)
        {
            wanted.insert(code);
        }
        let catalog = self.catalog();
        let home = person
            .commune_code
            .as_deref()
            .and_then(|c| catalog.as_ref()?.geo.commune(c)?.position);
        let mut employers = std::collections::HashMap::new();
        for o in &all {
            if let std::collections::hash_map::Entry::Vacant(slot) =
                employers.entry(o.employer_org_id)
            {
                let name = accounts::find_organisation(self.db(), o.employer_org_id)
                    .await?
                    .map(|org| org.name)
                    .unwrap_or_default();
                slot.insert(name);
            }
        }
        let mut suggestions: Vec<Suggestion> = all
            .iter()
            .filter(|o| !o.paused)
            .map(|o| {
                let taken = requests
                    .iter()
                    .filter(|r| r.opportunity_id == o.id && r.status == RequestStatus::Accepted)
                    .count();
                let distance_km = match (home, o.commune_code.as_deref()) {
                    (Some((lat, lon)), Some(code)) => catalog
                        .as_ref()
                        .and_then(|c| c.geo.commune(code)?.position)
                        .map(|(lat2, lon2)| {
                            parcours_catalog::geo::distance_km(lat, lon, lat2, lon2)
                        }),
                    _ => None,
                };
                Suggestion {
                    same_occupation: o.code_rome.as_ref().is_some_and(|c| wanted.contains(c)),
                    occupation: o
                        .code_rome
                        .as_deref()
                        .and_then(|c| Some(catalog.as_ref()?.fiche(c)?.label.clone())),
                    employer: employers
                        .get(&o.employer_org_id)
                        .cloned()
                        .unwrap_or_default(),
                    places_left: o.capacity - i32::try_from(taken).unwrap_or(i32::MAX),
                    requested: requests.iter().any(|r| {
                        r.opportunity_id == o.id
                            && r.person_id == person.id
                            && matches!(
                                r.status,
                                RequestStatus::Requested | RequestStatus::Accepted
                            )
                    }),
                    distance_km,
                    opportunity: o.clone(),
                }
            })
            .filter(|s| s.places_left > 0)
            .collect();
        suggestions.sort_by(|a, b| {
            fit_rank(a.same_occupation, a.distance_km)
                .cmp(&fit_rank(b.same_occupation, b.distance_km))
                .then(b.opportunity.created_at.cmp(&a.opportunity.created_at))
        });
        let mine: Vec<Request> = requests
            .into_iter()
            .filter(|r| r.person_id == person.id)
            .collect();
        let feedback =
            opportunities::feedback_for(self.db(), scope, mine.iter().map(|r| r.id)).await?;
        let meetings =
            parcours_db::repo::sponsors::of_requests(self.db(), scope, mine.iter().map(|r| r.id))
                .await?;
        let lines = mine
            .into_iter()
            .map(|request| {
                let o = all.iter().find(|o| o.id == request.opportunity_id);
                RequestLine {
                    title: o.map(|o| o.title.clone()).unwrap_or_default(),
                    employer: o
                        .and_then(|o| employers.get(&o.employer_org_id).cloned())
                        .unwrap_or_default(),
                    feedback_given: feedback
                        .iter()
                        .any(|f| f.request_id == request.id && f.side == FeedbackSide::Candidate),
                    employer_feedback: feedback
                        .iter()
                        .find(|f| f.request_id == request.id && f.side == FeedbackSide::Employer)
                        .map(|f| f.rating),
                    meetings: meetings
                        .iter()
                        .filter(|m| m.request_id == request.id)
                        .cloned()
                        .collect(),
                    request,
                }
            })
            .collect();
        Ok(CandidateView {
            is_self: actor.role == Role::Beneficiary,
            person,
            suggestions,
            requests: lines,
        })
    }

    /// The person (or their coach) asks for an opportunity; the employer gets an email
    /// with a link to answer, without an account.
    pub async fn request_opportunity(
        &self,
        actor: &Actor,
        person_id: Uuid,
        opportunity_id: &str,
        message: &str,
    ) -> Result<Uuid, AppError> {
        let view = self.candidate_view(actor, person_id).await?;
        let id: Uuid = opportunity_id
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("opportunity", "unknown"))?;
        let Some(suggestion) = view.suggestions.iter().find(|s| s.opportunity.id == id) else {
            // Paused, full, or not this operator's.
            return Err(AppError::invalid("opportunity", "unavailable"));
        };
        if suggestion.requested {
            return Err(AppError::invalid("opportunity", "already_requested"));
        }
        let message = message.trim();
        if message.chars().count() > MAX_MESSAGE {
            return Err(AppError::invalid("message", "too_long"));
        }
        let scope = actor.tenant();
        let token = random_token();
        let txn = self.change(actor).await?;
        let now = txn.at();
        // The database keeps one standing request per person and opportunity: a
        // concurrent request that got there first answers as the check above does.
        let request = match opportunities::insert_request(
            &*txn,
            scope,
            NewRequest {
                opportunity_id: id,
                person_id: view.person.id,
                requested_by: actor.user_id,
                message: (!message.is_empty()).then_some(message),
                token_hash: &digest(&token),
                respond_by: now + i64::from(suggestion.opportunity.respond_within_days) * DAY_MS,
            },
            now,
        )
        .await
        {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => {
                return Err(AppError::invalid("opportunity", "already_requested"));
            }
            Err(e) => return Err(e.into()),
        };
        let job = OpportunityRequest {
            request_id: request,
            token,
        };
        txn.queue(&job, now).await?;
        txn.commit(Audit::of(audit_action::REQUESTED, view.person.id))
            .await?;
        Ok(request)
    }

    /// The person tells how it went, once the employer accepted.
    pub async fn candidate_feedback(
        &self,
        actor: &Actor,
        person_id: Uuid,
        request_id: Uuid,
        rating_raw: &str,
        comment_raw: &str,
    ) -> Result<(), AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::RequestOpportunity,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let Some(request) = opportunities::find_request(self.db(), scope, request_id).await? else {
            return Err(AppError::NotFound);
        };
        if request.person_id != person.id {
            return Err(AppError::NotFound);
        }
        self.leave_feedback(
            scope,
            &request,
            FeedbackSide::Candidate,
            rating_raw,
            comment_raw,
            Some(actor),
        )
        .await
    }

    pub(super) async fn leave_feedback(
        &self,
        scope: TenantScope,
        request: &Request,
        side: FeedbackSide,
        rating_raw: &str,
        comment_raw: &str,
        actor: Option<&Actor>,
    ) -> Result<(), AppError> {
        if request.status != RequestStatus::Accepted {
            return Err(AppError::invalid("feedback", "not_met"));
        }
        let rating = rating(rating_raw)?;
        let comment = comment(comment_raw)?;
        let already = opportunities::feedback_for(self.db(), scope, [request.id])
            .await?
            .iter()
            .any(|f| f.side == side);
        if already {
            return Err(AppError::invalid("feedback", "already_given"));
        }
        // The employer answers from a link: no signed-in author then.
        let txn = self.change_in(scope, actor.map(|a| a.user_id)).await?;
        let now = txn.at();
        // One feedback per side (a unique index): a concurrent one that got there first
        // answers as the check above does.
        match opportunities::insert_feedback(
            &*txn,
            scope,
            request.id,
            side,
            rating,
            comment.as_deref(),
            now,
        )
        .await
        {
            Ok(()) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(AppError::invalid("feedback", "already_given"));
            }
            Err(e) => return Err(e.into()),
        }
        txn.commit(Audit::of(audit_action::FEEDBACK, request.person_id))
            .await?;
        Ok(())
    }
}
