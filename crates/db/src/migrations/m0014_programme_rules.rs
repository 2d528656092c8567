//! A programme's rules: co-pilots, territory, target publics and age band, dates, and a
//! quota per referrer; and the manager's check of a referral's evidence.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m0001_foundation::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0014_programme_rules"
    }
}

#[derive(DeriveIden)]
enum Programmes {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Referrals {
    Table,
    EvidenceCheckedAt,
    EvidenceCheckedBy,
}

#[derive(DeriveIden)]
enum ProgrammeRules {
    Table,
    ProgrammeId,
    TenantId,
    CoPilots,
    Departements,
    Publics,
    MinAge,
    MaxAge,
    StartsOn,
    EndsOn,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReferrerQuotas {
    Table,
    ProgrammeId,
    OrganisationId,
    Quota,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ProgrammeRules::Table)
                .col(uuid(ProgrammeRules::ProgrammeId).primary_key())
                .col(uuid(ProgrammeRules::TenantId))
                // Free text: the company and association steering with the operator.
                .col(text_null(ProgrammeRules::CoPilots))
                // Département codes, `;`-separated; empty: anywhere.
                .col(string(ProgrammeRules::Departements))
                // Public codes, `;`-separated; empty: everyone.
                .col(string(ProgrammeRules::Publics))
                .col(integer_null(ProgrammeRules::MinAge))
                .col(integer_null(ProgrammeRules::MaxAge))
                .col(string_null(ProgrammeRules::StartsOn))
                .col(string_null(ProgrammeRules::EndsOn))
                .col(big_integer(ProgrammeRules::UpdatedAt))
                .foreign_key(&mut fk(
                    ProgrammeRules::Table,
                    ProgrammeRules::ProgrammeId,
                    Programmes::Table,
                    Programmes::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ReferrerQuotas::Table)
                .col(uuid(ReferrerQuotas::ProgrammeId))
                .col(uuid(ReferrerQuotas::OrganisationId))
                .col(integer(ReferrerQuotas::Quota))
                .primary_key(
                    Index::create()
                        .col(ReferrerQuotas::ProgrammeId)
                        .col(ReferrerQuotas::OrganisationId),
                )
                .foreign_key(&mut fk(
                    ReferrerQuotas::Table,
                    ReferrerQuotas::ProgrammeId,
                    Programmes::Table,
                    Programmes::Id,
                ))
                .to_owned(),
        )
        .await?;
        // One column per statement: SQLite alters a table one change at a time.
        m.alter_table(
            Table::alter()
                .table(Referrals::Table)
                .add_column(big_integer_null(Referrals::EvidenceCheckedAt))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Referrals::Table)
                .add_column(uuid_null(Referrals::EvidenceCheckedBy))
                .to_owned(),
        )
        .await
    }
}
