//! Referrals into a programme (by a referrer, one by one or from an import checked in
//! the browser), their history, and the cohorts accepted candidates join.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m0001_foundation::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0010_referrals"
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
enum Enrolments {
    Table,
    CohortId,
}

#[derive(DeriveIden)]
enum Cohorts {
    Table,
    Id,
    TenantId,
    ProgrammeId,
    Name,
    StartsOn,
    Capacity,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Referrals {
    Table,
    Id,
    TenantId,
    ProgrammeId,
    ReferrerOrgId,
    SubmittedBy,
    ImportId,
    FirstName,
    LastName,
    BirthDate,
    Email,
    Phone,
    CommuneCode,
    Publics,
    Motivation,
    IdentityKeys,
    Status,
    RefusalReason,
    CohortId,
    PersonId,
    DecidedBy,
    DecidedAt,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ReferralEvents {
    Table,
    Id,
    TenantId,
    ReferralId,
    Status,
    Reason,
    ByUser,
    At,
}

#[derive(DeriveIden)]
enum ReferralImports {
    Table,
    Id,
    TenantId,
    ProgrammeId,
    ReferrerOrgId,
    UploadedBy,
    Filename,
    Encoding,
    Rows,
    Status,
    CreatedAt,
    CommittedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Cohorts::Table)
                .col(uuid(Cohorts::Id).primary_key())
                .col(uuid(Cohorts::TenantId))
                .col(uuid(Cohorts::ProgrammeId))
                .col(string(Cohorts::Name))
                // YYYY-MM-DD
                .col(string(Cohorts::StartsOn))
                .col(integer_null(Cohorts::Capacity))
                .col(big_integer(Cohorts::CreatedAt))
                .foreign_key(&mut fk(
                    Cohorts::Table,
                    Cohorts::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    Cohorts::Table,
                    Cohorts::ProgrammeId,
                    Programmes::Table,
                    Programmes::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Enrolments::Table)
                .add_column(uuid_null(Enrolments::CohortId))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ReferralImports::Table)
                .col(uuid(ReferralImports::Id).primary_key())
                .col(uuid(ReferralImports::TenantId))
                .col(uuid(ReferralImports::ProgrammeId))
                .col(uuid(ReferralImports::ReferrerOrgId))
                .col(uuid(ReferralImports::UploadedBy))
                .col(string(ReferralImports::Filename))
                // utf-8 | windows-1252: how the file was read.
                .col(string(ReferralImports::Encoding))
                // The rows as JSON while they are being corrected; emptied once done.
                .col(text(ReferralImports::Rows))
                // pending | committed | abandoned
                .col(string(ReferralImports::Status))
                .col(big_integer(ReferralImports::CreatedAt))
                .col(big_integer_null(ReferralImports::CommittedAt))
                .foreign_key(&mut fk(
                    ReferralImports::Table,
                    ReferralImports::ProgrammeId,
                    Programmes::Table,
                    Programmes::Id,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Referrals::Table)
                .col(uuid(Referrals::Id).primary_key())
                // The operator running the programme.
                .col(uuid(Referrals::TenantId))
                .col(uuid(Referrals::ProgrammeId))
                .col(uuid(Referrals::ReferrerOrgId))
                .col(uuid(Referrals::SubmittedBy))
                .col(uuid_null(Referrals::ImportId))
                .col(string(Referrals::FirstName))
                .col(string(Referrals::LastName))
                // YYYY-MM-DD
                .col(string(Referrals::BirthDate))
                .col(string_null(Referrals::Email))
                .col(string_null(Referrals::Phone))
                .col(string_null(Referrals::CommuneCode))
                // Target publics declared (codes, `;`), self-declared.
                .col(string(Referrals::Publics))
                .col(text_null(Referrals::Motivation))
                // Normalised name + birth date + email / phone, one per line: duplicates.
                .col(text(Referrals::IdentityKeys))
                // submitted | accepted | refused | expired
                .col(string(Referrals::Status))
                .col(string_null(Referrals::RefusalReason))
                .col(uuid_null(Referrals::CohortId))
                .col(uuid_null(Referrals::PersonId))
                .col(uuid_null(Referrals::DecidedBy))
                .col(big_integer_null(Referrals::DecidedAt))
                .col(big_integer(Referrals::CreatedAt))
                .col(big_integer(Referrals::ExpiresAt))
                .foreign_key(&mut fk(
                    Referrals::Table,
                    Referrals::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    Referrals::Table,
                    Referrals::ProgrammeId,
                    Programmes::Table,
                    Programmes::Id,
                ))
                .foreign_key(&mut fk(
                    Referrals::Table,
                    Referrals::ReferrerOrgId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("referrals_programme_status")
                .table(Referrals::Table)
                .col(Referrals::ProgrammeId)
                .col(Referrals::Status)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("referrals_referrer")
                .table(Referrals::Table)
                .col(Referrals::ReferrerOrgId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ReferralEvents::Table)
                .col(uuid(ReferralEvents::Id).primary_key())
                .col(uuid(ReferralEvents::TenantId))
                .col(uuid(ReferralEvents::ReferralId))
                .col(string(ReferralEvents::Status))
                .col(string_null(ReferralEvents::Reason))
                // None when the system did it (expiry).
                .col(uuid_null(ReferralEvents::ByUser))
                .col(big_integer(ReferralEvents::At))
                .foreign_key(&mut fk(
                    ReferralEvents::Table,
                    ReferralEvents::ReferralId,
                    Referrals::Table,
                    Referrals::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("referral_events_referral")
                .table(ReferralEvents::Table)
                .col(ReferralEvents::ReferralId)
                .to_owned(),
        )
        .await
    }
}
