//! The bilan's journey: consents (text version and time), activities with due dates and
//! completion, and raw answers with a timestamp each. Scores are derived, never stored.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m0001_foundation::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_bilan"
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
enum Enrolments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Consents {
    Table,
    Id,
    TenantId,
    PersonId,
    Scope,
    TextVersion,
    GivenAt,
    WithdrawnAt,
    RecordedBy,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    Id,
    TenantId,
    PersonId,
    EnrolmentId,
    InstrumentId,
    InstrumentVersion,
    Occasion,
    Phase,
    DueAt,
    StartedAt,
    CompletedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Answers {
    Table,
    Id,
    TenantId,
    ActivityId,
    ItemId,
    Value,
    AnsweredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Consents::Table)
                .col(uuid(Consents::Id).primary_key())
                .col(uuid(Consents::TenantId))
                .col(uuid(Consents::PersonId))
                .col(string(Consents::Scope))
                .col(string(Consents::TextVersion))
                .col(big_integer(Consents::GivenAt))
                .col(big_integer_null(Consents::WithdrawnAt))
                .col(uuid_null(Consents::RecordedBy))
                .foreign_key(&mut fk(
                    Consents::Table,
                    Consents::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    Consents::Table,
                    Consents::PersonId,
                    Persons::Table,
                    Persons::Id,
                ))
                .foreign_key(&mut fk(
                    Consents::Table,
                    Consents::RecordedBy,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("consents_person_scope")
                .table(Consents::Table)
                .col(Consents::PersonId)
                .col(Consents::Scope)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Activities::Table)
                .col(uuid(Activities::Id).primary_key())
                .col(uuid(Activities::TenantId))
                .col(uuid(Activities::PersonId))
                .col(uuid(Activities::EnrolmentId))
                .col(string(Activities::InstrumentId))
                .col(integer(Activities::InstrumentVersion))
                .col(string(Activities::Occasion))
                .col(string(Activities::Phase))
                .col(big_integer(Activities::DueAt))
                .col(big_integer_null(Activities::StartedAt))
                .col(big_integer_null(Activities::CompletedAt))
                .col(big_integer(Activities::CreatedAt))
                .foreign_key(&mut fk(
                    Activities::Table,
                    Activities::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    Activities::Table,
                    Activities::PersonId,
                    Persons::Table,
                    Persons::Id,
                ))
                .foreign_key(&mut fk(
                    Activities::Table,
                    Activities::EnrolmentId,
                    Enrolments::Table,
                    Enrolments::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("activities_enrolment_instrument_occasion")
                .table(Activities::Table)
                .col(Activities::EnrolmentId)
                .col(Activities::InstrumentId)
                .col(Activities::Occasion)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("activities_tenant_person")
                .table(Activities::Table)
                .col(Activities::TenantId)
                .col(Activities::PersonId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Answers::Table)
                .col(uuid(Answers::Id).primary_key())
                .col(uuid(Answers::TenantId))
                .col(uuid(Answers::ActivityId))
                .col(string(Answers::ItemId))
                .col(text(Answers::Value))
                .col(big_integer(Answers::AnsweredAt))
                .foreign_key(&mut fk(
                    Answers::Table,
                    Answers::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    Answers::Table,
                    Answers::ActivityId,
                    Activities::Table,
                    Activities::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("answers_activity_item")
                .table(Answers::Table)
                .col(Answers::ActivityId)
                .col(Answers::ItemId)
                .unique()
                .to_owned(),
        )
        .await
    }
}
