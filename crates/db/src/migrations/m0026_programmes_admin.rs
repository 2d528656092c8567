//! Issue 25: an operator sets up its partners and programmes itself. A partner
//! organisation is linked to each operator that works with it (`operator_partners`),
//! so that one agency working with two operators is listed by each without either
//! seeing the other; a programme gets a state (open, closed, archived), its assigned
//! coaches and its co-pilot companies.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, string, uuid};

use super::m0001_foundation::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0026_programmes_admin"
    }
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Programmes {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum OperatorPartners {
    Table,
    TenantId,
    OrganisationId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProgrammeStates {
    Table,
    ProgrammeId,
    TenantId,
    Status,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProgrammeCoaches {
    Table,
    ProgrammeId,
    UserId,
    TenantId,
}

#[derive(DeriveIden)]
enum ProgrammeCopilots {
    Table,
    ProgrammeId,
    OrganisationId,
    TenantId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(OperatorPartners::Table)
                .col(uuid(OperatorPartners::TenantId))
                .col(uuid(OperatorPartners::OrganisationId))
                .col(big_integer(OperatorPartners::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(OperatorPartners::TenantId)
                        .col(OperatorPartners::OrganisationId),
                )
                .foreign_key(&mut fk(
                    OperatorPartners::Table,
                    OperatorPartners::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    OperatorPartners::Table,
                    OperatorPartners::OrganisationId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await?;
        // No row: the programme is open (every programme created before this).
        m.create_table(
            Table::create()
                .table(ProgrammeStates::Table)
                .col(uuid(ProgrammeStates::ProgrammeId).primary_key())
                .col(uuid(ProgrammeStates::TenantId))
                .col(string(ProgrammeStates::Status))
                .col(big_integer(ProgrammeStates::UpdatedAt))
                .foreign_key(&mut fk(
                    ProgrammeStates::Table,
                    ProgrammeStates::ProgrammeId,
                    Programmes::Table,
                    Programmes::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProgrammeCoaches::Table)
                .col(uuid(ProgrammeCoaches::ProgrammeId))
                .col(uuid(ProgrammeCoaches::UserId))
                .col(uuid(ProgrammeCoaches::TenantId))
                .primary_key(
                    Index::create()
                        .col(ProgrammeCoaches::ProgrammeId)
                        .col(ProgrammeCoaches::UserId),
                )
                .foreign_key(&mut fk(
                    ProgrammeCoaches::Table,
                    ProgrammeCoaches::ProgrammeId,
                    Programmes::Table,
                    Programmes::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProgrammeCopilots::Table)
                .col(uuid(ProgrammeCopilots::ProgrammeId))
                .col(uuid(ProgrammeCopilots::OrganisationId))
                .col(uuid(ProgrammeCopilots::TenantId))
                .primary_key(
                    Index::create()
                        .col(ProgrammeCopilots::ProgrammeId)
                        .col(ProgrammeCopilots::OrganisationId),
                )
                .foreign_key(&mut fk(
                    ProgrammeCopilots::Table,
                    ProgrammeCopilots::ProgrammeId,
                    Programmes::Table,
                    Programmes::Id,
                ))
                .foreign_key(&mut fk(
                    ProgrammeCopilots::Table,
                    ProgrammeCopilots::OrganisationId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await
    }
}
