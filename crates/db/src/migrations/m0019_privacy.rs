//! The person's rights over their data: an erasure request, the notice sent before an
//! inactive file is anonymised, and when it was.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0019_privacy"
    }
}

#[derive(DeriveIden)]
enum Persons {
    Table,
    ErasureRequestedAt,
    InactivityNoticeAt,
    AnonymisedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        for column in [
            Persons::ErasureRequestedAt,
            Persons::InactivityNoticeAt,
            Persons::AnonymisedAt,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Persons::Table)
                    .add_column(ColumnDef::new(column).big_integer().null())
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
