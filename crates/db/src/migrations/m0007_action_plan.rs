//! The action plan: objectives the person and the coach agree on, and the actions that
//! lead to them, each with an owner, a due date and a status.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m0001_foundation::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0007_action_plan"
    }
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Persons {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PlanObjectives {
    Table,
    Id,
    TenantId,
    PersonId,
    Title,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PlanActions {
    Table,
    Id,
    TenantId,
    ObjectiveId,
    Title,
    Owner,
    DueOn,
    Status,
    UpdatedBy,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PlanObjectives::Table)
                .col(uuid(PlanObjectives::Id).primary_key())
                .col(uuid(PlanObjectives::TenantId))
                .col(uuid(PlanObjectives::PersonId))
                .col(string(PlanObjectives::Title))
                .col(uuid(PlanObjectives::CreatedBy))
                .col(big_integer(PlanObjectives::CreatedAt))
                .foreign_key(&mut fk(
                    PlanObjectives::Table,
                    PlanObjectives::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    PlanObjectives::Table,
                    PlanObjectives::PersonId,
                    Persons::Table,
                    Persons::Id,
                ))
                .foreign_key(&mut fk(
                    PlanObjectives::Table,
                    PlanObjectives::CreatedBy,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PlanActions::Table)
                .col(uuid(PlanActions::Id).primary_key())
                .col(uuid(PlanActions::TenantId))
                .col(uuid(PlanActions::ObjectiveId))
                .col(string(PlanActions::Title))
                // "person" or "coach".
                .col(string(PlanActions::Owner))
                // A calendar date, YYYY-MM-DD.
                .col(string(PlanActions::DueOn))
                .col(string(PlanActions::Status))
                .col(uuid(PlanActions::UpdatedBy))
                .col(big_integer(PlanActions::UpdatedAt))
                .foreign_key(&mut fk(
                    PlanActions::Table,
                    PlanActions::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    PlanActions::Table,
                    PlanActions::ObjectiveId,
                    PlanObjectives::Table,
                    PlanObjectives::Id,
                ))
                .foreign_key(&mut fk(
                    PlanActions::Table,
                    PlanActions::UpdatedBy,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await
    }
}
