//! Employers open doors: an employer partner of the operator offers opportunities; a
//! candidate (or their coach) sees them ranked by their occupation and distance and
//! requests one; the employer answers from an emailed link, without an account; once met,
//! both sides leave feedback. Requests left unanswered expire.

use parcours_db::repo::opportunities::{Opportunity, Request};
use parcours_domain::opportunity::Problem;
use uuid::Uuid;

use crate::people::Person;
use crate::{AppError, FieldError};

mod candidate;
mod emails;
mod employer;
mod link;
mod offers;
mod partners;

pub use offers::OfferPatch;

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
    pub const UPDATED: AuditAction = AuditAction::OpportunityUpdated;
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
