//! Placements: a hire, a training entry or a business created, kept as raw facts for
//! the outcome reports.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m0001_foundation::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0012_placements"
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
enum Placements {
    Table,
    Id,
    TenantId,
    PersonId,
    Kind,
    ContractType,
    StartsOn,
    PlannedEnd,
    WeeklyHours,
    EmployerName,
    TrainingName,
    Qualifying,
    BusinessActivity,
    RequestId,
    RecordedBy,
    RecordedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Placements::Table)
                .col(uuid(Placements::Id).primary_key())
                .col(uuid(Placements::TenantId))
                .col(uuid(Placements::PersonId))
                // employment | training | business
                .col(string(Placements::Kind))
                // cdi | cdd | temp | apprenticeship | subsidised
                .col(string_null(Placements::ContractType))
                // YYYY-MM-DD
                .col(string(Placements::StartsOn))
                .col(string_null(Placements::PlannedEnd))
                .col(integer_null(Placements::WeeklyHours))
                .col(string_null(Placements::EmployerName))
                .col(string_null(Placements::TrainingName))
                .col(boolean_null(Placements::Qualifying))
                .col(string_null(Placements::BusinessActivity))
                // The opportunity request it came from, if any.
                .col(uuid_null(Placements::RequestId))
                .col(uuid(Placements::RecordedBy))
                .col(big_integer(Placements::RecordedAt))
                .foreign_key(&mut fk(
                    Placements::Table,
                    Placements::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    Placements::Table,
                    Placements::PersonId,
                    Persons::Table,
                    Persons::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("placements_person")
                .table(Placements::Table)
                .col(Placements::PersonId)
                .to_owned(),
        )
        .await
    }
}
