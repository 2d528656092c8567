//! The selection week: the staff set up events (meeting company managers, interview
//! simulations, workshops), invite candidates, record who came, fill an evaluation grid
//! at each simulation, and the committee decides per candidate, with its reasons.

use std::collections::{BTreeMap, HashSet};

use parcours_db::repo::people;
use parcours_db::repo::programmes::{self, Programme};
use parcours_db::repo::selection::{self, Decision, Event};
use parcours_domain::selection::{Attendance, grid_mean};
use parcours_domain::{Action, Phase, Relation, allows};
use uuid::Uuid;

use crate::auth::Actor;
use crate::{App, AppError};

mod events;
mod judging;

/// The invitation to an event of the selection week.
#[derive(askama::Template)]
#[template(path = "email/selection_invitation.txt")]
struct SelectionInvitationEmail<'a> {
    kind_fr: &'a str,
    kind_en: &'a str,
    title: &'a str,
    when_fr: &'a str,
    when_en: &'a str,
    /// Empty when the event has no place.
    place: &'a str,
    link: &'a str,
}

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const ATTENDANCE: AuditAction = AuditAction::SelectionAttendanceRecorded;
    pub const EVALUATED: AuditAction = AuditAction::SelectionEvaluated;
    pub const DECIDED: AuditAction = AuditAction::SelectionDecided;
    pub const EVENT_ADDED: AuditAction = AuditAction::SelectionEventAdded;
    pub const INVITED: AuditAction = AuditAction::SelectionInvited;
}

#[derive(Debug, Clone)]
pub struct Invited {
    pub person_id: Uuid,
    pub name: String,
    pub attendance: Attendance,
    /// The reader's own grid at this event, if filled.
    pub my_mean: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct EventLine {
    pub event: Event,
    pub programme_name: String,
    pub invited: Vec<Invited>,
}

#[derive(Debug, Clone)]
pub struct Candidate {
    pub person_id: Uuid,
    pub name: String,
    pub programme_id: Uuid,
    pub invited: usize,
    pub attended: usize,
    pub evaluations: usize,
    pub grid_mean: Option<f64>,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone)]
pub struct SelectionView {
    pub programmes: Vec<Programme>,
    pub events: Vec<EventLine>,
    pub candidates: Vec<Candidate>,
}

fn staff(actor: &Actor) -> Result<(), AppError> {
    let own = Relation {
        same_tenant: true,
        ..Relation::default()
    };
    if allows(actor.role, Action::ManageJourney, own) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

impl App {
    /// Everything of the selection week for the staff of the operator.
    pub async fn selection(&self, actor: &Actor) -> Result<SelectionView, AppError> {
        staff(actor)?;
        let scope = actor.tenant();
        let programmes = programmes::list_in_tenant(self.db(), scope).await?;
        let events = selection::events(self.db(), scope).await?;
        let invitations = selection::invitations(self.db(), scope).await?;
        let evaluations = selection::evaluations(self.db(), scope).await?;
        let decisions = selection::decisions(self.db(), scope).await?;
        // Candidates: people just accepted (phase referred) and anyone already invited.
        let enrolled = people::caseload(self.db(), scope, None, self.now()).await?;
        let invited_ids: HashSet<Uuid> = invitations.iter().map(|i| i.person_id).collect();
        let mut candidates = Vec::new();
        for row in &enrolled {
            if row.enrolment.phase != Phase::Referred && !invited_ids.contains(&row.person_id) {
                continue;
            }
            let mine: Vec<_> = invitations
                .iter()
                .filter(|i| i.person_id == row.person_id)
                .collect();
            let grids: Vec<f64> = evaluations
                .iter()
                .filter(|e| e.person_id == row.person_id)
                .filter_map(|e| {
                    let scores: Vec<(&str, u8)> =
                        e.scores.iter().map(|(k, v)| (k.as_str(), *v)).collect();
                    grid_mean(&scores)
                })
                .collect();
            candidates.push(Candidate {
                person_id: row.person_id,
                name: format!("{} {}", row.first_name, row.last_name),
                programme_id: row.enrolment.programme_id,
                invited: mine.len(),
                attended: mine
                    .iter()
                    .filter(|i| i.attendance == Attendance::Attended)
                    .count(),
                evaluations: grids.len(),
                grid_mean: (!grids.is_empty())
                    .then(|| grids.iter().sum::<f64>() / grids.len() as f64),
                decision: decisions
                    .iter()
                    .rev()
                    .find(|d| d.person_id == row.person_id)
                    .cloned(),
            });
        }
        let names: BTreeMap<Uuid, String> = enrolled
            .iter()
            .map(|r| (r.person_id, format!("{} {}", r.first_name, r.last_name)))
            .collect();
        let events = events
            .into_iter()
            .map(|event| EventLine {
                programme_name: programmes
                    .iter()
                    .find(|p| p.id == event.programme_id)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                invited: invitations
                    .iter()
                    .filter(|i| i.event_id == event.id)
                    .map(|i| Invited {
                        person_id: i.person_id,
                        name: names.get(&i.person_id).cloned().unwrap_or_default(),
                        attendance: i.attendance,
                        my_mean: evaluations
                            .iter()
                            .find(|e| {
                                e.event_id == event.id
                                    && e.person_id == i.person_id
                                    && e.evaluator_id == actor.user_id
                            })
                            .and_then(|e| {
                                let scores: Vec<(&str, u8)> =
                                    e.scores.iter().map(|(k, v)| (k.as_str(), *v)).collect();
                                grid_mean(&scores)
                            }),
                    })
                    .collect(),
                event,
            })
            .collect();
        Ok(SelectionView {
            programmes,
            events,
            candidates,
        })
    }
}
