//! The selection week: events, invitations with attendance, simulation evaluations,
//! and the committee's decisions (history kept, the latest counts).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m0001_foundation::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0013_selection"
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
enum Programmes {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SelectionEvents {
    Table,
    Id,
    TenantId,
    ProgrammeId,
    Kind,
    Title,
    StartsAt,
    Place,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SelectionInvitations {
    Table,
    Id,
    TenantId,
    EventId,
    PersonId,
    Attendance,
    RecordedBy,
    RecordedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SimulationEvaluations {
    Table,
    Id,
    TenantId,
    EventId,
    PersonId,
    EvaluatorId,
    Scores,
    Comment,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CommitteeDecisions {
    Table,
    Id,
    TenantId,
    ProgrammeId,
    PersonId,
    Decision,
    Reasons,
    DecidedBy,
    DecidedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SelectionEvents::Table)
                .col(uuid(SelectionEvents::Id).primary_key())
                .col(uuid(SelectionEvents::TenantId))
                .col(uuid(SelectionEvents::ProgrammeId))
                // company_meeting | interview_simulation | workshop
                .col(string(SelectionEvents::Kind))
                .col(string(SelectionEvents::Title))
                .col(big_integer(SelectionEvents::StartsAt))
                .col(string(SelectionEvents::Place))
                .col(uuid(SelectionEvents::CreatedBy))
                .col(big_integer(SelectionEvents::CreatedAt))
                .foreign_key(&mut fk(
                    SelectionEvents::Table,
                    SelectionEvents::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    SelectionEvents::Table,
                    SelectionEvents::ProgrammeId,
                    Programmes::Table,
                    Programmes::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SelectionInvitations::Table)
                .col(uuid(SelectionInvitations::Id).primary_key())
                .col(uuid(SelectionInvitations::TenantId))
                .col(uuid(SelectionInvitations::EventId))
                .col(uuid(SelectionInvitations::PersonId))
                // invited | attended | absent | excused
                .col(string(SelectionInvitations::Attendance))
                .col(uuid_null(SelectionInvitations::RecordedBy))
                .col(big_integer_null(SelectionInvitations::RecordedAt))
                .col(big_integer(SelectionInvitations::CreatedAt))
                .foreign_key(&mut fk(
                    SelectionInvitations::Table,
                    SelectionInvitations::EventId,
                    SelectionEvents::Table,
                    SelectionEvents::Id,
                ))
                .foreign_key(&mut fk(
                    SelectionInvitations::Table,
                    SelectionInvitations::PersonId,
                    Persons::Table,
                    Persons::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("selection_invitations_event_person")
                .table(SelectionInvitations::Table)
                .col(SelectionInvitations::EventId)
                .col(SelectionInvitations::PersonId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SimulationEvaluations::Table)
                .col(uuid(SimulationEvaluations::Id).primary_key())
                .col(uuid(SimulationEvaluations::TenantId))
                .col(uuid(SimulationEvaluations::EventId))
                .col(uuid(SimulationEvaluations::PersonId))
                .col(uuid(SimulationEvaluations::EvaluatorId))
                // criterion=score;… over the grid of domain::selection
                .col(string(SimulationEvaluations::Scores))
                .col(text_null(SimulationEvaluations::Comment))
                .col(big_integer(SimulationEvaluations::CreatedAt))
                .foreign_key(&mut fk(
                    SimulationEvaluations::Table,
                    SimulationEvaluations::EventId,
                    SelectionEvents::Table,
                    SelectionEvents::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("simulation_evaluations_once")
                .table(SimulationEvaluations::Table)
                .col(SimulationEvaluations::EventId)
                .col(SimulationEvaluations::PersonId)
                .col(SimulationEvaluations::EvaluatorId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CommitteeDecisions::Table)
                .col(uuid(CommitteeDecisions::Id).primary_key())
                .col(uuid(CommitteeDecisions::TenantId))
                .col(uuid(CommitteeDecisions::ProgrammeId))
                .col(uuid(CommitteeDecisions::PersonId))
                // selected | waiting_list | not_selected
                .col(string(CommitteeDecisions::Decision))
                .col(text(CommitteeDecisions::Reasons))
                .col(uuid(CommitteeDecisions::DecidedBy))
                .col(big_integer(CommitteeDecisions::DecidedAt))
                .foreign_key(&mut fk(
                    CommitteeDecisions::Table,
                    CommitteeDecisions::PersonId,
                    Persons::Table,
                    Persons::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("committee_decisions_person")
                .table(CommitteeDecisions::Table)
                .col(CommitteeDecisions::PersonId)
                .to_owned(),
        )
        .await
    }
}
