//! Outcomes: each participant's status and exit situation on the enrolment (what the
//! report counts, with a covering index so one scan answers it), the log of outcome
//! facts recorded at exit and follow-up points (never rewritten), the funders' label
//! rules (a new version on every change) and a programme's minimum cell.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m0001_foundation::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0016_outcomes"
    }
}

#[derive(DeriveIden)]
enum Enrolments {
    Table,
    Id,
    ProgrammeId,
    Status,
    ReferrerId,
    EndedOn,
    DropReason,
    ExternalId,
    PublicsMask,
    Departement,
    EntryQuarter,
    ExitSituation,
    ExitContractType,
    ExitContractMonths,
    ExitQualifying,
}

#[derive(DeriveIden)]
enum Programmes {
    Table,
    MinCell,
}

#[derive(DeriveIden)]
enum Outcomes {
    Table,
    Id,
    TenantId,
    EnrolmentId,
    PersonId,
    Point,
    Status,
    Situation,
    ContractType,
    StartsOn,
    PlannedEnd,
    ContractMonths,
    WeeklyHours,
    TrainingName,
    Qualifying,
    DropReason,
    Source,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum OutcomeRules {
    Table,
    Id,
    FunderOrgId,
    Version,
    DurableMonths,
    BusinessIsDurable,
    CreatedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        let columns = [
            string_null(Enrolments::EndedOn),
            string_null(Enrolments::DropReason),
            // The participant's id in the spreadsheet they were imported from.
            string_null(Enrolments::ExternalId),
            // Bit i: declared the i-th public of the domain's list.
            big_integer(Enrolments::PublicsMask).default(0).to_owned(),
            string_null(Enrolments::Departement),
            // "2025-Q3", the quarter of entry.
            string_null(Enrolments::EntryQuarter),
            // The latest exit facts (the outcomes log keeps every version).
            string_null(Enrolments::ExitSituation),
            string_null(Enrolments::ExitContractType),
            integer_null(Enrolments::ExitContractMonths),
            boolean_null(Enrolments::ExitQualifying),
        ];
        for mut column in columns {
            m.alter_table(
                Table::alter()
                    .table(Enrolments::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("idx_enrolments_external")
                .table(Enrolments::Table)
                .col(Enrolments::ProgrammeId)
                .col(Enrolments::ExternalId)
                .unique()
                .to_owned(),
        )
        .await?;
        // Cover the report's two GROUP BYs (by place and time; by declared publics): each
        // is a prefix of its index, so SQLite streams the groups from the index alone.
        m.create_index(
            Index::create()
                .name("idx_enrolments_outcomes_publics")
                .table(Enrolments::Table)
                .col(Enrolments::ProgrammeId)
                .col(Enrolments::Status)
                .col(Enrolments::ExitSituation)
                .col(Enrolments::ExitContractType)
                .col(Enrolments::ExitContractMonths)
                .col(Enrolments::ExitQualifying)
                .col(Enrolments::PublicsMask)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_enrolments_outcomes")
                .table(Enrolments::Table)
                .col(Enrolments::ProgrammeId)
                .col(Enrolments::Status)
                .col(Enrolments::ExitSituation)
                .col(Enrolments::ExitContractType)
                .col(Enrolments::ExitContractMonths)
                .col(Enrolments::ExitQualifying)
                .col(Enrolments::ReferrerId)
                .col(Enrolments::Departement)
                .col(Enrolments::EntryQuarter)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Programmes::Table)
                .add_column(integer_null(Programmes::MinCell))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Outcomes::Table)
                .col(uuid(Outcomes::Id).primary_key())
                .col(uuid(Outcomes::TenantId))
                .col(uuid(Outcomes::EnrolmentId))
                .col(uuid(Outcomes::PersonId))
                // exit | m3 | m6 | m12
                .col(string(Outcomes::Point))
                // finished | dropped (at exit) | in_progress
                .col(string(Outcomes::Status))
                .col(string_null(Outcomes::Situation))
                .col(string_null(Outcomes::ContractType))
                .col(string_null(Outcomes::StartsOn))
                .col(string_null(Outcomes::PlannedEnd))
                .col(integer_null(Outcomes::ContractMonths))
                .col(integer_null(Outcomes::WeeklyHours))
                .col(string_null(Outcomes::TrainingName))
                .col(boolean_null(Outcomes::Qualifying))
                .col(string_null(Outcomes::DropReason))
                // coach | survey | import
                .col(string(Outcomes::Source))
                .col(uuid_null(Outcomes::RecordedBy))
                .col(big_integer(Outcomes::RecordedAt))
                .foreign_key(&mut fk(
                    Outcomes::Table,
                    Outcomes::EnrolmentId,
                    Enrolments::Table,
                    Enrolments::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_outcomes_enrolment")
                .table(Outcomes::Table)
                .col(Outcomes::EnrolmentId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OutcomeRules::Table)
                .col(uuid(OutcomeRules::Id).primary_key())
                .col(uuid(OutcomeRules::FunderOrgId))
                .col(integer(OutcomeRules::Version))
                .col(integer(OutcomeRules::DurableMonths))
                .col(boolean(OutcomeRules::BusinessIsDurable))
                .col(uuid_null(OutcomeRules::CreatedBy))
                .col(big_integer(OutcomeRules::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_outcome_rules_version")
                .table(OutcomeRules::Table)
                .col(OutcomeRules::FunderOrgId)
                .col(OutcomeRules::Version)
                .unique()
                .to_owned(),
        )
        .await
    }
}
