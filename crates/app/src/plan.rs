//! The action plan, shared by the person and their coach: objectives, and actions with
//! an owner, a due date and a status. Either of them may add and move things on.

use parcours_db::repo::plan::{self, NewAction, Objective};
use parcours_domain::plan::{ActionOwner, ActionStatus};
use uuid::Uuid;

use crate::auth::Actor;
use crate::people::{Person, relation_to};
use crate::unit_of_work::Audit;
use crate::{App, AppError};
use parcours_domain::{Action, allows};

/// Longest objective or action title.
pub const MAX_TITLE: usize = 200;

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const PLAN_READ: AuditAction = AuditAction::PlanRead;
    pub const PLAN_CHANGED: AuditAction = AuditAction::PlanChanged;
    pub const ACCESS_DENIED: AuditAction = AuditAction::PlanAccessDenied;
}

#[derive(Debug, Clone)]
pub struct PlanView {
    pub person: Person,
    pub is_self: bool,
    /// The reader may add and move things on (the person, their coach or manager).
    pub can_work: bool,
    pub objectives: Vec<Objective>,
}

fn title(field: &'static str, raw: &str) -> Result<String, AppError> {
    crate::checked_text(field, raw, MAX_TITLE)
}

/// A calendar date written YYYY-MM-DD that exists.
fn due_date(raw: &str) -> Result<String, AppError> {
    parse_date(raw).ok_or_else(|| AppError::invalid("due_on", "invalid"))
}

/// A calendar date written YYYY-MM-DD that exists, trimmed.
pub(crate) fn parse_date(raw: &str) -> Option<String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(raw.trim(), &format)
        .ok()
        .map(|_| raw.trim().to_owned())
}

impl App {
    pub async fn plan(&self, actor: &Actor, person_id: Uuid) -> Result<PlanView, AppError> {
        let person = self
            .read_person(
                actor,
                person_id,
                audit_action::PLAN_READ,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let objectives = plan::plan_of_person(self.db(), actor.tenant(), person.id).await?;
        let relation = relation_to(actor, &person);
        Ok(PlanView {
            can_work: allows(actor.role, Action::AnswerActivities, relation)
                || allows(actor.role, Action::ManageJourney, relation),
            is_self: relation.is_self,
            person,
            objectives,
        })
    }

    pub async fn add_objective(
        &self,
        actor: &Actor,
        person_id: Uuid,
        raw_title: &str,
    ) -> Result<Uuid, AppError> {
        let person = self.project_worker(actor, person_id).await?;
        let t = title("title", raw_title)?;
        let now = self.now();
        let txn = self.change(actor).await?;
        let id =
            plan::insert_objective(&txn, actor.tenant(), person.id, &t, actor.user_id, now).await?;
        txn.commit(Audit::of(audit_action::PLAN_CHANGED, person.id))
            .await?;
        Ok(id)
    }

    /// The person whose plan an objective is (the actor's tenant only), so that a page
    /// whose address names a person checks it before changing anything.
    pub async fn person_of_objective(
        &self,
        actor: &Actor,
        objective_id: Uuid,
    ) -> Result<Option<Uuid>, AppError> {
        Ok(plan::find_objective(self.db(), actor.tenant(), objective_id).await?)
    }

    /// The person whose plan an action is (the actor's tenant only).
    pub async fn person_of_action(
        &self,
        actor: &Actor,
        action_id: Uuid,
    ) -> Result<Option<Uuid>, AppError> {
        Ok(
            plan::objective_of_action(self.db(), actor.tenant(), action_id)
                .await?
                .map(|(_, person)| person),
        )
    }

    pub async fn add_action(
        &self,
        actor: &Actor,
        objective_id: Uuid,
        raw_title: &str,
        owner: ActionOwner,
        due_on: &str,
    ) -> Result<Uuid, AppError> {
        let scope = actor.tenant();
        let Some(person_id) = plan::find_objective(self.db(), scope, objective_id).await? else {
            return Err(AppError::NotFound);
        };
        let person = self.project_worker(actor, person_id).await?;
        let t = title("action_title", raw_title)?;
        let due = due_date(due_on)?;
        let now = self.now();
        let txn = self.change(actor).await?;
        let id = plan::insert_action(
            &txn,
            scope,
            NewAction {
                objective_id,
                title: &t,
                owner,
                due_on: &due,
            },
            actor.user_id,
            now,
        )
        .await?;
        txn.commit(Audit::of(audit_action::PLAN_CHANGED, person.id))
            .await?;
        Ok(id)
    }

    pub async fn set_action_status(
        &self,
        actor: &Actor,
        action_id: Uuid,
        status: ActionStatus,
    ) -> Result<Uuid, AppError> {
        let scope = actor.tenant();
        let Some((_, person_id)) = plan::objective_of_action(self.db(), scope, action_id).await?
        else {
            return Err(AppError::NotFound);
        };
        let person = self.project_worker(actor, person_id).await?;
        let now = self.now();
        let txn = self.change(actor).await?;
        plan::set_action_status(&txn, scope, action_id, status, actor.user_id, now).await?;
        txn.commit(Audit::of(audit_action::PLAN_CHANGED, person.id))
            .await?;
        Ok(person.id)
    }
}
