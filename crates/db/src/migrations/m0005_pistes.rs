//! What the person and their coach said of the proposed occupations ("pistes"): kept in
//! the shortlist, turned down with a reason, pinned or added by the coach.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m0001_foundation::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_pistes"
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
enum PisteChoices {
    Table,
    Id,
    TenantId,
    PersonId,
    CodeRome,
    Shortlisted,
    RejectedReason,
    Pinned,
    UpdatedBy,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PisteChoices::Table)
                .col(uuid(PisteChoices::Id).primary_key())
                .col(uuid(PisteChoices::TenantId))
                .col(uuid(PisteChoices::PersonId))
                .col(string(PisteChoices::CodeRome))
                .col(boolean(PisteChoices::Shortlisted))
                // Null unless the person turned the piste down; may be empty text.
                .col(text_null(PisteChoices::RejectedReason))
                .col(boolean(PisteChoices::Pinned))
                .col(uuid(PisteChoices::UpdatedBy))
                .col(big_integer(PisteChoices::UpdatedAt))
                .foreign_key(&mut fk(
                    PisteChoices::Table,
                    PisteChoices::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    PisteChoices::Table,
                    PisteChoices::PersonId,
                    Persons::Table,
                    Persons::Id,
                ))
                .foreign_key(&mut fk(
                    PisteChoices::Table,
                    PisteChoices::UpdatedBy,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("piste_choices_person_code")
                .table(PisteChoices::Table)
                .col(PisteChoices::PersonId)
                .col(PisteChoices::CodeRome)
                .unique()
                .to_owned(),
        )
        .await
    }
}
