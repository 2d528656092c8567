//! Drop-out reasons from a fixed list (issue 28): `personal`, `health`, `moved`,
//! `found_job`, `lost_contact`, `other`, kept beside the free text (now optional) on the
//! outcome fact and on the enrolment. Earlier rows whose text is already one of the
//! codes take it; any other text reads as `other`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::string_null;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0032_drop_reasons"
    }
}

#[derive(DeriveIden)]
enum Enrolments {
    Table,
    DropReasonCode,
}

#[derive(DeriveIden)]
enum Outcomes {
    Table,
    DropReasonCode,
}

const CODES: &str = "('personal', 'health', 'moved', 'found_job', 'lost_contact', 'other')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Enrolments::Table)
                .add_column(string_null(Enrolments::DropReasonCode))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Outcomes::Table)
                .add_column(string_null(Outcomes::DropReasonCode))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        for table in ["enrolments", "outcomes"] {
            db.execute_unprepared(&format!(
                "UPDATE {table} SET drop_reason_code = drop_reason WHERE drop_reason IN {CODES}"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "UPDATE {table} SET drop_reason_code = 'other' \
                 WHERE drop_reason_code IS NULL AND status = 'dropped'"
            ))
            .await?;
        }
        Ok(())
    }
}
