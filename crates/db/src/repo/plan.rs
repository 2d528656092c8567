//! The action plan: objectives and their actions. Tenant-scoped.

use parcours_domain::plan::{ActionOwner, ActionStatus};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use super::parse_code;
use crate::TenantScope;
use crate::entities::{plan_action, plan_objective};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanAction {
    pub id: Uuid,
    pub objective_id: Uuid,
    pub title: String,
    pub owner: ActionOwner,
    /// YYYY-MM-DD.
    pub due_on: String,
    pub status: ActionStatus,
    pub updated_by: Uuid,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objective {
    pub id: Uuid,
    pub person_id: Uuid,
    pub title: String,
    pub created_at: i64,
    pub actions: Vec<PlanAction>,
}

pub async fn insert_objective(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
    title: &str,
    by: Uuid,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    plan_objective::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        person_id: Set(person_id),
        title: Set(title.to_owned()),
        created_by: Set(by),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

pub struct NewAction<'a> {
    pub objective_id: Uuid,
    pub title: &'a str,
    pub owner: ActionOwner,
    pub due_on: &'a str,
}

pub async fn insert_action(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    new: NewAction<'_>,
    by: Uuid,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    plan_action::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        objective_id: Set(new.objective_id),
        title: Set(new.title.to_owned()),
        owner: Set(new.owner.code().to_owned()),
        due_on: Set(new.due_on.to_owned()),
        status: Set(ActionStatus::Todo.code().to_owned()),
        updated_by: Set(by),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

pub async fn set_action_status(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    action_id: Uuid,
    status: ActionStatus,
    by: Uuid,
    now: i64,
) -> Result<bool, DbErr> {
    let result = plan_action::Entity::update_many()
        .col_expr(plan_action::Column::Status, status.code().into())
        .col_expr(plan_action::Column::UpdatedBy, by.into())
        .col_expr(plan_action::Column::UpdatedAt, now.into())
        .filter(plan_action::Column::Id.eq(action_id))
        .filter(plan_action::Column::TenantId.eq(scope.id()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The objective an action belongs to (for the person it concerns).
pub async fn objective_of_action(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    action_id: Uuid,
) -> Result<Option<(Uuid, Uuid)>, DbErr> {
    let Some(action) = plan_action::Entity::find_by_id(action_id)
        .filter(plan_action::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(plan_objective::Entity::find_by_id(action.objective_id)
        .filter(plan_objective::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(|o| (o.id, o.person_id)))
}

pub async fn find_objective(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    objective_id: Uuid,
) -> Result<Option<Uuid>, DbErr> {
    Ok(plan_objective::Entity::find_by_id(objective_id)
        .filter(plan_objective::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(|o| o.person_id))
}

/// The person's plan: objectives oldest first, each with its actions by due date.
pub async fn plan_of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
) -> Result<Vec<Objective>, DbErr> {
    let objectives = plan_objective::Entity::find()
        .filter(plan_objective::Column::TenantId.eq(scope.id()))
        .filter(plan_objective::Column::PersonId.eq(person_id))
        .order_by_asc(plan_objective::Column::CreatedAt)
        .order_by_asc(plan_objective::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = objectives.iter().map(|o| o.id).collect();
    let actions = plan_action::Entity::find()
        .filter(plan_action::Column::TenantId.eq(scope.id()))
        .filter(plan_action::Column::ObjectiveId.is_in(ids))
        .order_by_asc(plan_action::Column::DueOn)
        .order_by_asc(plan_action::Column::Id)
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(objectives.len());
    for o in objectives {
        let mut list = Vec::new();
        for a in actions.iter().filter(|a| a.objective_id == o.id) {
            list.push(PlanAction {
                id: a.id,
                objective_id: a.objective_id,
                title: a.title.clone(),
                owner: parse_code(&a.owner)?,
                due_on: a.due_on.clone(),
                status: parse_code(&a.status)?,
                updated_by: a.updated_by,
                updated_at: a.updated_at,
            });
        }
        out.push(Objective {
            id: o.id,
            person_id: o.person_id,
            title: o.title,
            created_at: o.created_at,
            actions: list,
        });
    }
    Ok(out)
}
