//! The policy gate on a person: what the actor is to them, and the checks (audited
//! when refused) every use case on a person's data passes first. Below both the
//! person's file and the coach's workspace, which build on it.

use parcours_db::ConnectionTrait;
use parcours_db::repo::people::{self, Person};
use parcours_db::repo::transfers;
use parcours_domain::{Action, Relation, Role, allows};
use uuid::Uuid;

use crate::auth::Actor;
use crate::unit_of_work::Audit;
use crate::{App, AppError};

pub(crate) fn relation_to(actor: &Actor, person: &Person) -> Relation {
    Relation {
        same_tenant: person.tenant_id == actor.organisation_id,
        is_self: person.user_id == Some(actor.user_id),
        ..Relation::default()
    }
}

/// Whether the actor follows the person (coach of one of their enrolments) or handed
/// the file over (the previous coach of an enrolment's latest transfer): the facts the
/// policy needs for messages and health answers. Only a coach can be either, so other
/// roles skip the two lookups.
pub(crate) async fn relation_with_coaching(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    person: &Person,
) -> Result<Relation, AppError> {
    let mut relation = relation_to(actor, person);
    if actor.role != Role::Coach || !relation.same_tenant {
        return Ok(relation);
    }
    let scope = actor.tenant();
    let enrolments = people::enrolments_of_person(conn, scope, person.id).await?;
    relation.follows = enrolments.iter().any(|e| e.coach_id == Some(actor.user_id));
    let transfers = transfers::of_person(conn, scope, person.id).await?;
    relation.handed_over = enrolments.iter().any(|e| {
        transfers
            .iter()
            .rev()
            .find(|t| t.enrolment_id == e.id)
            .is_some_and(|t| t.from_coach == Some(actor.user_id))
    });
    Ok(relation)
}

impl App {
    /// Checks the policy for a person of the actor's tenant; a refusal is audited as
    /// `denied_audit` (with
    /// no transaction open, so the audit row always lands). Another tenant's person is
    /// "not found".
    pub(crate) async fn authorize_person(
        &self,
        actor: &Actor,
        person_id: Uuid,
        action: Action,
        denied_audit: crate::audit_action::AuditAction,
    ) -> Result<Person, AppError> {
        let scope = actor.tenant();
        let Some(person) = people::find_person(self.db(), scope, person_id).await? else {
            return Err(AppError::NotFound);
        };
        let relation = match action {
            Action::ExchangeMessages | Action::ReadHealthAnswers => {
                relation_with_coaching(self.db(), actor, &person).await?
            }
            _ => relation_to(actor, &person),
        };
        if !allows(actor.role, action, relation) {
            self.record(actor, Audit::of(denied_audit, person.id))
                .await?;
            return Err(AppError::Forbidden);
        }
        Ok(person)
    }

    /// Opens part of a person's file for reading (journey, pistes, project): the policy
    /// gate, then the read recorded in the audit log as `read_audit`.
    pub(crate) async fn read_person(
        &self,
        actor: &Actor,
        person_id: Uuid,
        read_audit: crate::audit_action::AuditAction,
        denied_audit: crate::audit_action::AuditAction,
    ) -> Result<Person, AppError> {
        let person = self
            .authorize_person(actor, person_id, Action::ReadPersonFile, denied_audit)
            .await?;
        self.record(actor, Audit::of(read_audit, person.id)).await?;
        Ok(person)
    }
}
