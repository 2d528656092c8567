//! Employers open doors: an employer partner of the operator offers opportunities; a
//! candidate (or their coach) sees them ranked by their occupation and distance and
//! requests one; the employer answers from an emailed link, without an account; once met,
//! both sides leave feedback. Requests left unanswered expire.

use std::collections::HashSet;

use parcours_db::repo::opportunities::{self, NewRequest, Opportunity, Request};
use parcours_db::repo::{accounts, people, pistes, projects};
use parcours_db::{TenantScope, is_unique_violation};
use parcours_domain::opportunity::{
    FeedbackSide, OpportunityInput, Problem, RequestStatus, fit_rank,
};
use parcours_domain::{Action, Relation, Role, allows};
use uuid::Uuid;

use crate::auth::Actor;
use crate::jobs::{self, Payload};
use crate::mail::{self, OutgoingMail};
use crate::people::Person;
use crate::unit_of_work::{Audit, Bookkeeping};
use crate::{App, AppError, FieldError, digest, random_token};

/// The employer is reminded that a request waits (no link: only its hash is kept).
#[derive(askama::Template)]
#[template(path = "email/opportunity_reminder.txt")]
struct OpportunityReminderEmail<'a> {
    title: &'a str,
    base: &'a str,
}

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

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const OFFERED: AuditAction = AuditAction::OpportunityOffered;
    pub const REQUESTED: AuditAction = AuditAction::OpportunityRequested;
    pub const ANSWERED: AuditAction = AuditAction::OpportunityAnswered;
    pub const FEEDBACK: AuditAction = AuditAction::OpportunityFeedbackGiven;
    pub const READ: AuditAction = AuditAction::OpportunitiesRead;
    pub const ACCESS_DENIED: AuditAction = AuditAction::OpportunitiesAccessDenied;
    pub const EMPLOYER_INVITED: AuditAction = AuditAction::EmployerInvited;
    pub const PAUSED: AuditAction = AuditAction::OpportunityPaused;
    pub const RESUMED: AuditAction = AuditAction::OpportunityResumed;
    pub const EXPIRED: AuditAction = AuditAction::OpportunityExpired;
}

const DAY_MS: i64 = 24 * 3600 * 1000;
/// The employer's link also takes their feedback, until then after the request.
const FEEDBACK_WINDOW_MS: i64 = 120 * DAY_MS;
/// Longest comment in feedback.
const MAX_COMMENT: usize = 2_000;
const MAX_MESSAGE: usize = 1_000;

fn problems(p: &[Problem]) -> AppError {
    AppError::Invalid(
        p.iter()
            .map(|p| FieldError {
                field: p.field,
                code: p.code,
            })
            .collect(),
    )
}

#[derive(Debug, Clone)]
pub struct OfferLine {
    pub opportunity: Opportunity,
    pub requests: Vec<Request>,
}

#[derive(Debug, Clone)]
pub struct EmployerView {
    pub organisation: String,
    /// The operators the employer works with (id, name).
    pub operators: Vec<(Uuid, String)>,
    pub offers: Vec<OfferLine>,
}

#[derive(Debug, Clone)]
pub struct Suggestion {
    pub opportunity: Opportunity,
    pub employer: String,
    pub occupation: Option<String>,
    pub same_occupation: bool,
    pub distance_km: Option<f64>,
    pub places_left: i32,
    /// The person already asked for it (and it is not closed).
    pub requested: bool,
}

#[derive(Debug, Clone)]
pub struct RequestLine {
    pub request: Request,
    pub title: String,
    pub employer: String,
    pub feedback_given: bool,
    pub employer_feedback: Option<i32>,
    /// A sponsorship's meetings recorded by the sponsor, most recent first.
    pub meetings: Vec<parcours_db::repo::sponsors::Meeting>,
}

#[derive(Debug, Clone)]
pub struct CandidateView {
    pub person: Person,
    pub is_self: bool,
    pub suggestions: Vec<Suggestion>,
    pub requests: Vec<RequestLine>,
}

#[derive(Debug, Clone)]
pub struct EmployerRequestView {
    pub request: Request,
    pub opportunity: Opportunity,
    /// First name and initial only, until the employer accepts.
    pub candidate: String,
    pub project: Option<String>,
    /// Contact details, once accepted.
    pub contact: Option<(Option<String>, Option<String>)>,
    pub feedback_given: bool,
    pub can_answer: bool,
}

fn rating(raw: &str) -> Result<i32, AppError> {
    match raw.trim().parse::<i32>() {
        Ok(n) if (1..=4).contains(&n) => Ok(n),
        _ => Err(AppError::invalid("rating", "required")),
    }
}

fn comment(raw: &str) -> Result<Option<String>, AppError> {
    let c = raw.trim();
    if c.chars().count() > MAX_COMMENT {
        return Err(AppError::invalid("comment", "too_long"));
    }
    Ok((!c.is_empty()).then(|| c.to_owned()))
}

impl App {
    /// The operators an employer actor works with; refused for anyone else.
    pub(crate) async fn employer_operators(&self, actor: &Actor) -> Result<Vec<Uuid>, AppError> {
        let operators =
            opportunities::operators_of_employer(self.db(), actor.organisation_id).await?;
        let partner = Relation {
            same_tenant: !operators.is_empty(),
            ..Relation::default()
        };
        if !allows(actor.role, Action::OfferOpportunities, partner) {
            return Err(AppError::Forbidden);
        }
        Ok(operators)
    }

    pub async fn employer_space(&self, actor: &Actor) -> Result<EmployerView, AppError> {
        let operators = self.employer_operators(actor).await?;
        let mut named = Vec::new();
        for id in operators {
            if let Some(org) = accounts::find_organisation(self.db(), id).await? {
                named.push((id, org.name));
            }
        }
        let offers = opportunities::of_employer(self.db(), actor.organisation_id).await?;
        let requests = opportunities::requests_for(self.db(), offers.iter().map(|o| o.id)).await?;
        Ok(EmployerView {
            organisation: actor.organisation_name.clone(),
            operators: named,
            offers: offers
                .into_iter()
                .map(|o| OfferLine {
                    requests: requests
                        .iter()
                        .filter(|r| r.opportunity_id == o.id)
                        .cloned()
                        .collect(),
                    opportunity: o,
                })
                .collect(),
        })
    }

    /// The employer offers an opportunity to one of its partner operators.
    pub async fn offer_opportunity(
        &self,
        actor: &Actor,
        operator: Uuid,
        input: &OpportunityInput,
    ) -> Result<Uuid, AppError> {
        let operators = self.employer_operators(actor).await?;
        if !operators.contains(&operator) {
            return Err(AppError::invalid("operator", "unknown"));
        }
        let offer = input.check().map_err(|p| problems(&p))?;
        if let (Some(code), Some(catalog)) = (&offer.code_rome, self.catalog())
            && catalog.fiche(code).is_none()
        {
            return Err(AppError::invalid("code_rome", "unknown"));
        }
        let scope = TenantScope::of(operator);
        // The offer lives in the operator's tenant, where its trace is kept.
        let txn = self.change_in(scope, Some(actor.user_id)).await?;
        let now = txn.at();
        let id = opportunities::insert(
            &*txn,
            scope,
            actor.organisation_id,
            actor.user_id,
            &offer,
            now,
        )
        .await?;
        txn.commit(Audit::tenant(audit_action::OFFERED)).await?;
        Ok(id)
    }

    pub async fn pause_opportunity(
        &self,
        actor: &Actor,
        id: Uuid,
        paused: bool,
    ) -> Result<(), AppError> {
        self.employer_operators(actor).await?;
        let Some(offer) = opportunities::of_employer(self.db(), actor.organisation_id)
            .await?
            .into_iter()
            .find(|o| o.id == id)
        else {
            return Err(AppError::NotFound);
        };
        // Traced in the operator's tenant, where the offer is shown to people.
        let txn = self
            .change_in(TenantScope::of(offer.tenant_id), Some(actor.user_id))
            .await?;
        if !opportunities::set_paused(&*txn, actor.organisation_id, id, paused).await? {
            return Err(AppError::NotFound);
        }
        let action = if paused {
            audit_action::PAUSED
        } else {
            audit_action::RESUMED
        };
        txn.commit(Audit::tenant(action)).await?;
        Ok(())
    }

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
        let requests = opportunities::requests_for(self.db(), all.iter().map(|o| o.id)).await?;
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
        let feedback = opportunities::feedback_for(self.db(), mine.iter().map(|r| r.id)).await?;
        let meetings =
            parcours_db::repo::sponsors::of_requests(self.db(), mine.iter().map(|r| r.id)).await?;
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
        jobs::queue(
            &*txn,
            Some(scope),
            jobs::kind::OPPORTUNITY_REQUEST,
            &Payload {
                request_id: Some(request),
                token: Some(token),
                ..Payload::default()
            },
            now,
            now,
        )
        .await?;
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

    async fn leave_feedback(
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
        let already = opportunities::feedback_for(self.db(), [request.id])
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

    async fn request_of_link(
        &self,
        token: &str,
    ) -> Result<(TenantScope, Request, Opportunity), AppError> {
        let Some(request) = opportunities::request_by_token_hash(self.db(), &digest(token)).await?
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
        let feedback_given = opportunities::feedback_for(self.db(), [request.id])
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
        jobs::queue(
            &*txn,
            Some(scope),
            jobs::kind::OPPORTUNITY_ANSWER,
            &Payload {
                request_id: Some(request.id),
                ..Payload::default()
            },
            now,
            now,
        )
        .await?;
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
        let overdue = opportunities::overdue_requests(self.db(), now).await?;
        for r in &overdue {
            let scope = TenantScope::of(r.tenant_id);
            // The system closes the request on the person's file.
            let txn = self.change_in(scope, None).await?;
            opportunities::answer_request(&*txn, scope, r.id, RequestStatus::Expired, now).await?;
            txn.commit(Audit::of(audit_action::EXPIRED, r.person_id))
                .await?;
        }
        for r in opportunities::requests_to_remind(self.db(), now, now + 2 * DAY_MS).await? {
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
                mail::send(
                    &self.config().outbox_dir,
                    OutgoingMail {
                        to: &user.email,
                        subject: "Parcours : une demande attend votre réponse",
                        body: mail::body(&OpportunityReminderEmail { title, base })?,
                        calendar: None,
                    },
                )?;
            }
            // Only the reminder's own ledger: nothing on anyone's file changed.
            let txn = self.bookkeeping(Bookkeeping::JobQueue).await?;
            opportunities::mark_reminded(&*txn, r.id, now).await?;
            txn.commit().await?;
        }
        Ok(overdue.len())
    }

    // ------------------------------------------------------------ worker side

    pub(crate) async fn send_request_mail(
        &self,
        scope: TenantScope,
        payload: &Payload,
    ) -> Result<(), AppError> {
        let (Some(id), Some(token)) = (payload.request_id, &payload.token) else {
            return Err(AppError::Internal("request job without its link".into()));
        };
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
            mail::send(
                &self.config().outbox_dir,
                OutgoingMail {
                    to: &user.email,
                    subject: "Parcours : une demande pour votre offre",
                    body,
                    calendar: None,
                },
            )?;
        }
        Ok(())
    }

    pub(crate) async fn send_answer_mail(
        &self,
        scope: TenantScope,
        payload: &Payload,
    ) -> Result<(), AppError> {
        let Some(id) = payload.request_id else {
            return Err(AppError::Internal("answer job without its request".into()));
        };
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
        mail::send(
            &self.config().outbox_dir,
            OutgoingMail {
                to: &to,
                subject: "Parcours : réponse à votre demande",
                body: mail::body(&OpportunityAnswerEmail { link: &link })?,
                calendar: None,
            },
        )
    }
}

/// An employer partner of the operator, as managers see it.
#[derive(Debug, Clone)]
pub struct Partner {
    pub organisation_id: Uuid,
    pub name: String,
    pub offers: usize,
    pub open_offers: usize,
}

/// How long an employer's invitation link stays valid.
const INVITATION_TTL_MS: i64 = 7 * DAY_MS;

impl App {
    fn managing(actor: &Actor) -> Result<(), AppError> {
        let own = Relation {
            same_tenant: true,
            ..Relation::default()
        };
        if actor.role == Role::ProgrammeManager && allows(actor.role, Action::ManageProgramme, own)
        {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The employers working with the manager's operator.
    pub async fn partners(&self, actor: &Actor) -> Result<Vec<Partner>, AppError> {
        Self::managing(actor)?;
        let offers = opportunities::of_tenant(self.db(), actor.tenant()).await?;
        let mut out = Vec::new();
        for org in opportunities::employers_of_operator(self.db(), actor.tenant()).await? {
            let Some(found) = accounts::find_organisation(self.db(), org).await? else {
                continue;
            };
            let theirs: Vec<&Opportunity> =
                offers.iter().filter(|o| o.employer_org_id == org).collect();
            out.push(Partner {
                organisation_id: org,
                name: found.name,
                offers: theirs.len(),
                open_offers: theirs.iter().filter(|o| !o.paused).count(),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// A manager opens a light account for an employer contact: no sign-up, a link by
    /// email that signs them in (valid a week), then their space to offer opportunities.
    pub async fn invite_employer(
        &self,
        actor: &Actor,
        organisation: &str,
        contact_name: &str,
        email: &str,
    ) -> Result<(), AppError> {
        Self::managing(actor)?;
        let mut errors = Vec::new();
        let organisation = crate::text_field("organisation", organisation, 120)
            .map_err(|e| errors.push(e))
            .ok();
        let contact_name = crate::text_field("contact_name", contact_name, 120)
            .map_err(|e| errors.push(e))
            .ok();
        let email = parcours_domain::Email::parse(email.trim()).ok();
        if email.is_none() {
            errors.push(FieldError {
                field: "email",
                code: "invalid",
            });
        }
        let (Some(organisation), Some(contact_name), Some(email), true) =
            (organisation, contact_name, email, errors.is_empty())
        else {
            return Err(AppError::Invalid(errors));
        };
        // The answer is the same whether the address has an account (here or in another
        // operator) or not: an existing account is asked by email to accept joining.
        let existing = accounts::find_user_by_email(self.db(), &email).await?;
        // Nobody knows this password: the account signs in with links. Hashed either
        // way, so that the time of the answer does not tell either.
        let hash = self.hash_password(&random_token()).await?;
        let scope = actor.tenant();
        let txn = self.change(actor).await?;
        let now = txn.at();
        let org = accounts::insert_organisation(
            &*txn,
            parcours_domain::OrgKind::Employer,
            &organisation,
            now,
        )
        .await?;
        opportunities::add_partner(&*txn, scope, org, now).await?;
        // An existing account is only linked once its owner accepts; a new one gets
        // its sign-in link. The manager's answer is the same either way.
        if let Some(existing) = existing {
            let invitation = accounts::MembershipInvitation {
                tenant_id: scope.id(),
                user_id: existing.id,
                organisation_id: org,
                role: Role::Employer,
                person_id: None,
            };
            self.invite_existing_account(&*txn, scope, &invitation, actor.user_id, now)
                .await?;
        } else {
            let user = accounts::insert_user(&*txn, &email, &contact_name, &hash, now).await?;
            accounts::insert_membership(&*txn, user, org, Role::Employer, now).await?;
            let token = self
                .issue_sign_in_link(&*txn, user, INVITATION_TTL_MS, now)
                .await?;
            jobs::queue(
                &*txn,
                Some(scope),
                jobs::kind::EMPLOYER_INVITATION,
                &Payload {
                    user_id: Some(user),
                    token: Some(token),
                    ..Payload::default()
                },
                now,
                now,
            )
            .await?;
        }
        txn.commit(Audit::tenant(audit_action::EMPLOYER_INVITED))
            .await?;
        Ok(())
    }

    /// The email that opens a light account: an employer's space, or a referred
    /// person's own space.
    pub(crate) async fn send_invitation(
        &self,
        scope: TenantScope,
        kind: &str,
        payload: &Payload,
    ) -> Result<(), AppError> {
        let (Some(user), Some(token)) = (payload.user_id, &payload.token) else {
            return Err(AppError::Internal("invitation job without its link".into()));
        };
        let Some(user) = accounts::find_user(self.db(), user).await? else {
            return Ok(());
        };
        let operator = accounts::find_organisation(self.db(), scope.id())
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let link = format!("{}/connexion/{token}", self.config().base_url);
        let (subject, body) = if kind == crate::jobs::kind::PERSON_INVITATION {
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
        mail::send(
            &self.config().outbox_dir,
            OutgoingMail {
                to: &user.email,
                subject,
                body,
                calendar: None,
            },
        )
    }
}
