//! The introspection journal: entries written by the person, private unless they share
//! one with their coach.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m0001_foundation::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_journal"
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
enum JournalEntries {
    Table,
    Id,
    TenantId,
    PersonId,
    PromptId,
    Phase,
    Body,
    SharedAt,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(JournalEntries::Table)
                .col(uuid(JournalEntries::Id).primary_key())
                .col(uuid(JournalEntries::TenantId))
                .col(uuid(JournalEntries::PersonId))
                .col(string_null(JournalEntries::PromptId))
                .col(string(JournalEntries::Phase))
                .col(text(JournalEntries::Body))
                // Null while private; the time it was shared with the coach otherwise.
                .col(big_integer_null(JournalEntries::SharedAt))
                .col(big_integer(JournalEntries::CreatedAt))
                .col(big_integer(JournalEntries::UpdatedAt))
                .foreign_key(&mut fk(
                    JournalEntries::Table,
                    JournalEntries::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    JournalEntries::Table,
                    JournalEntries::PersonId,
                    Persons::Table,
                    Persons::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("journal_entries_person_created")
                .table(JournalEntries::Table)
                .col(JournalEntries::PersonId)
                .col(JournalEntries::CreatedAt)
                .to_owned(),
        )
        .await
    }
}
