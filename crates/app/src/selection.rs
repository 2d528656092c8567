//! The selection week: the staff set up events (meeting company managers, interview
//! simulations, workshops), invite candidates, record who came, fill an evaluation grid
//! at each simulation, and the committee decides per candidate, with its reasons.

use std::collections::{BTreeMap, HashSet};

use parcours_db::repo::people;
use parcours_db::repo::programmes::{self, Programme};
use parcours_db::repo::selection::{self, Decision, Event};
use parcours_domain::appointment::from_paris_local;
use parcours_domain::selection::{
    Attendance, CommitteeDecision, EventKind, MAX_REASONS, grid_mean, grid_scores,
};
use parcours_domain::{Action, Phase, Relation, allows};
use uuid::Uuid;

use crate::auth::Actor;
use crate::unit_of_work::Audit;
use crate::{App, AppError, text_field};

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

    #[allow(clippy::too_many_arguments)]
    pub async fn add_selection_event(
        &self,
        actor: &Actor,
        programme: &str,
        kind: &str,
        title: &str,
        date: &str,
        time_of_day: &str,
        place: &str,
    ) -> Result<Uuid, AppError> {
        staff(actor)?;
        let scope = actor.tenant();
        let mut errors = Vec::new();
        let programme = programme.parse::<Uuid>().ok();
        let known = programmes::list_in_tenant(self.db(), scope).await?;
        let programme = programme.filter(|id| known.iter().any(|p| p.id == *id));
        if programme.is_none() {
            errors.push(crate::FieldError {
                field: "programme",
                code: "unknown",
            });
        }
        let kind = kind.parse::<EventKind>().ok();
        if kind.is_none() {
            errors.push(crate::FieldError {
                field: "kind",
                code: "required",
            });
        }
        let title = text_field("title", title, 120)
            .map_err(|e| errors.push(e))
            .ok();
        let day = parcours_domain::opportunity::date(date);
        let clock = time_of_day
            .trim()
            .split_once(':')
            .and_then(|(h, m)| time::Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok());
        if day.is_none() {
            errors.push(crate::FieldError {
                field: "date",
                code: "invalid",
            });
        }
        if clock.is_none() {
            errors.push(crate::FieldError {
                field: "time",
                code: "invalid",
            });
        }
        let place = place.trim();
        if place.chars().count() > 200 {
            errors.push(crate::FieldError {
                field: "place",
                code: "too_long",
            });
        }
        let (Some(programme), Some(kind), Some(title), Some(day), Some(clock), true) =
            (programme, kind, title, day, clock, errors.is_empty())
        else {
            return Err(AppError::Invalid(errors));
        };
        let starts_at = from_paris_local(time::PrimitiveDateTime::new(day, clock));
        let txn = self.change(actor).await?;
        let id = selection::insert_event(
            &*txn,
            scope,
            programme,
            kind,
            &title,
            starts_at,
            place,
            actor.user_id,
            txn.at(),
        )
        .await?;
        txn.commit(Audit::tenant(audit_action::EVENT_ADDED)).await?;
        Ok(id)
    }

    async fn event_of(&self, actor: &Actor, event: Uuid) -> Result<Event, AppError> {
        staff(actor)?;
        selection::find_event(self.db(), actor.tenant(), event)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Invites people of the event's programme (others are ignored).
    pub async fn invite_to_event(
        &self,
        actor: &Actor,
        event_id: Uuid,
        people_ids: &[Uuid],
    ) -> Result<usize, AppError> {
        let event = self.event_of(actor, event_id).await?;
        let scope = actor.tenant();
        let enrolled: HashSet<Uuid> = people::caseload(self.db(), scope, None, self.now())
            .await?
            .into_iter()
            .filter(|r| r.enrolment.programme_id == event.programme_id)
            .map(|r| r.person_id)
            .collect();
        let chosen: Vec<Uuid> = people_ids
            .iter()
            .copied()
            .filter(|p| enrolled.contains(p))
            .collect();
        if chosen.is_empty() {
            return Err(AppError::invalid("people", "required"));
        }
        let txn = self.change(actor).await?;
        let now = txn.at();
        // Each newly invited person is told by email (a job: the page does not wait).
        // "Newly" is what the insert found, not a read before it: invitations sent at
        // once queue one email.
        let invited = selection::invite(&*txn, scope, event.id, &chosen, now).await?;
        for person in &invited {
            crate::jobs::queue(
                &*txn,
                Some(scope),
                crate::jobs::kind::SELECTION_INVITATION,
                &crate::jobs::Payload {
                    event_id: Some(event.id),
                    person_id: Some(*person),
                    ..crate::jobs::Payload::default()
                },
                now,
                now,
            )
            .await?;
        }
        // One row per person newly invited: the invitation is on their file.
        let Some((last, others)) = invited.split_last() else {
            // Everyone chosen was invited already: nothing changed, nothing to trace.
            return Ok(chosen.len());
        };
        for person in others {
            txn.audit(Audit::of(audit_action::INVITED, *person)).await?;
        }
        txn.commit(Audit::of(audit_action::INVITED, *last)).await?;
        Ok(chosen.len())
    }

    pub(crate) async fn send_selection_invitation(
        &self,
        scope: parcours_db::TenantScope,
        payload: &crate::jobs::Payload,
    ) -> Result<(), AppError> {
        let (Some(event), Some(person)) = (payload.event_id, payload.person_id) else {
            return Err(AppError::Internal(
                "selection invitation job without its event".into(),
            ));
        };
        let (Some(event), Some(person)) = (
            selection::find_event(self.db(), scope, event).await?,
            people::find_person(self.db(), scope, person).await?,
        ) else {
            return Ok(());
        };
        let Some(to) = self.contact_email(&person).await? else {
            return Ok(());
        };
        let (kind_fr, kind_en) = match event.kind {
            EventKind::CompanyMeeting => (
                "une rencontre avec des entreprises",
                "a meeting with employers",
            ),
            EventKind::InterviewSimulation => {
                ("une simulation d'entretien", "an interview simulation")
            }
            EventKind::Workshop => ("un atelier", "a workshop"),
        };
        let link = format!("{}/parcours", self.config().base_url);
        crate::mail::send(
            &self.config().outbox_dir,
            crate::mail::OutgoingMail {
                to: &to,
                subject: "Parcours : vous êtes invité(e) à la semaine de sélection",
                body: crate::mail::body(&SelectionInvitationEmail {
                    kind_fr,
                    kind_en,
                    title: &event.title,
                    when_fr: &crate::appointments::when_fr(event.starts_at),
                    when_en: &crate::appointments::when_en(event.starts_at),
                    place: &event.place,
                    link: &link,
                })?,
                calendar: None,
            },
        )
    }

    pub async fn record_event_attendance(
        &self,
        actor: &Actor,
        event_id: Uuid,
        person: Uuid,
        attendance: &str,
    ) -> Result<(), AppError> {
        let event = self.event_of(actor, event_id).await?;
        let attendance: Attendance = attendance
            .parse()
            .map_err(|_| AppError::invalid("attendance", "required"))?;
        let txn = self.change(actor).await?;
        let now = txn.at();
        if !selection::set_attendance(
            &*txn,
            actor.tenant(),
            event.id,
            person,
            attendance,
            actor.user_id,
            now,
        )
        .await?
        {
            return Err(AppError::NotFound);
        }
        txn.commit(Audit::of(audit_action::ATTENDANCE, person))
            .await?;
        Ok(())
    }

    /// The reader's evaluation grid for a person at a simulation.
    pub async fn evaluate(
        &self,
        actor: &Actor,
        event_id: Uuid,
        person: Uuid,
        values: &[(String, String)],
        comment: &str,
    ) -> Result<(), AppError> {
        let event = self.event_of(actor, event_id).await?;
        if event.kind != EventKind::InterviewSimulation {
            return Err(AppError::invalid("event", "not_a_simulation"));
        }
        let scope = actor.tenant();
        let invited = selection::invitations(self.db(), scope)
            .await?
            .iter()
            .any(|i| i.event_id == event.id && i.person_id == person);
        if !invited {
            return Err(AppError::NotFound);
        }
        let scores = grid_scores(values).map_err(|_| AppError::invalid("grid", "incomplete"))?;
        let comment = comment.trim();
        if comment.chars().count() > MAX_REASONS {
            return Err(AppError::invalid("comment", "too_long"));
        }
        let txn = self.change(actor).await?;
        let now = txn.at();
        selection::save_evaluation(
            &*txn,
            scope,
            event.id,
            person,
            actor.user_id,
            &scores,
            (!comment.is_empty()).then_some(comment),
            now,
        )
        .await?;
        txn.commit(Audit::of(audit_action::EVALUATED, person))
            .await?;
        Ok(())
    }

    /// The committee's decision for a candidate, with its reasons (required).
    pub async fn committee_decide(
        &self,
        actor: &Actor,
        person: Uuid,
        decision: &str,
        reasons: &str,
    ) -> Result<(), AppError> {
        let view = self.selection(actor).await?;
        let Some(candidate) = view.candidates.iter().find(|c| c.person_id == person) else {
            return Err(AppError::NotFound);
        };
        let mut errors = Vec::new();
        let decision = decision.parse::<CommitteeDecision>().ok();
        if decision.is_none() {
            errors.push(crate::FieldError {
                field: "decision",
                code: "required",
            });
        }
        let reasons = text_field("reasons", reasons, MAX_REASONS)
            .map_err(|e| errors.push(e))
            .ok();
        let (Some(decision), Some(reasons)) = (decision, reasons) else {
            return Err(AppError::Invalid(errors));
        };
        let txn = self.change(actor).await?;
        let now = txn.at();
        selection::insert_decision(
            &*txn,
            actor.tenant(),
            &Decision {
                person_id: person,
                programme_id: candidate.programme_id,
                decision,
                reasons,
                decided_by: actor.user_id,
                decided_at: now,
            },
        )
        .await?;
        txn.commit(Audit::of(audit_action::DECIDED, person))
            .await?;
        Ok(())
    }
}
