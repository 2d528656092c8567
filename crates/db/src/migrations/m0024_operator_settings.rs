//! The operator's own settings (issue 25): its legal identity, contacts, its host, the texts of
//! its privacy notice and accessibility statement, and the minimum cell its reports
//! use by default. One row per operator organisation (its tenant); the name stays in
//! `organisations`. Absent texts mean "the product's default text".

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, integer, string_null, text_null, uuid};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0024_operator_settings"
    }
}

#[derive(DeriveIden)]
enum OperatorSettings {
    Table,
    TenantId,
    Siret,
    Address,
    ContactEmail,
    ContactPhone,
    DpoContact,
    Host,
    PrivacyNotice,
    AccessibilityStatement,
    MinCell,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(OperatorSettings::Table)
                .col(uuid(OperatorSettings::TenantId).primary_key())
                .col(string_null(OperatorSettings::Siret))
                .col(text_null(OperatorSettings::Address))
                .col(string_null(OperatorSettings::ContactEmail))
                .col(string_null(OperatorSettings::ContactPhone))
                .col(text_null(OperatorSettings::DpoContact))
                // Who hosts the service, for the legal notice.
                .col(text_null(OperatorSettings::Host))
                .col(text_null(OperatorSettings::PrivacyNotice))
                .col(text_null(OperatorSettings::AccessibilityStatement))
                // The product's rule: no published cell under 11 people.
                .col(integer(OperatorSettings::MinCell).default(11))
                .col(big_integer(OperatorSettings::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(OperatorSettings::Table, OperatorSettings::TenantId)
                        .to(Organisations::Table, Organisations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }
}
