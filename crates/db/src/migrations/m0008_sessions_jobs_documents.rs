//! Coaching sessions (slots the coach publishes, appointments the person books from an
//! invitation link), the background jobs table, and the documents a bilan produces.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m0001_foundation::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0008_sessions_jobs_documents"
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
    BilanEndedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    TenantId,
    Kind,
    Payload,
    Status,
    RunAt,
    Attempts,
    MaxAttempts,
    LockedUntil,
    LastError,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum Slots {
    Table,
    Id,
    TenantId,
    CoachId,
    StartsAt,
    Minutes,
    Mode,
    Place,
    CreatedAt,
    CancelledAt,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    Id,
    TenantId,
    SlotId,
    SlotHold,
    PersonId,
    BookedVia,
    BookedAt,
    Status,
    StatusBy,
    StatusByRole,
    StatusAt,
    Notes,
    NotesBy,
    NotesAt,
}

#[derive(DeriveIden)]
enum BookingInvitations {
    Table,
    Id,
    TenantId,
    PersonId,
    CoachId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    TenantId,
    PersonId,
    Kind,
    Content,
    CreatedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // When the bilan's conclusions ended (the follow-up began): documents are
        // destroyed from then on unless the person asked to keep them.
        m.alter_table(
            Table::alter()
                .table(Enrolments::Table)
                .add_column(big_integer_null(Enrolments::BilanEndedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Jobs::Table)
                .col(uuid(Jobs::Id).primary_key())
                // Null for jobs of the whole installation (the retention purge).
                .col(uuid_null(Jobs::TenantId))
                .col(string(Jobs::Kind))
                // JSON; never personal data beyond ids (a link token at most, erased
                // once the job is done).
                .col(text(Jobs::Payload))
                // pending | done | dead
                .col(string(Jobs::Status))
                .col(big_integer(Jobs::RunAt))
                .col(integer(Jobs::Attempts))
                .col(integer(Jobs::MaxAttempts))
                // A worker holds the job until then; another may take it over after.
                .col(big_integer_null(Jobs::LockedUntil))
                .col(text_null(Jobs::LastError))
                .col(big_integer(Jobs::CreatedAt))
                .col(big_integer_null(Jobs::FinishedAt))
                .foreign_key(&mut fk(
                    Jobs::Table,
                    Jobs::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("jobs_status_run_at")
                .table(Jobs::Table)
                .col(Jobs::Status)
                .col(Jobs::RunAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Slots::Table)
                .col(uuid(Slots::Id).primary_key())
                .col(uuid(Slots::TenantId))
                .col(uuid(Slots::CoachId))
                .col(big_integer(Slots::StartsAt))
                .col(integer(Slots::Minutes))
                // video | phone | on_site
                .col(string(Slots::Mode))
                // The address, the video link or how the call happens.
                .col(string(Slots::Place))
                .col(big_integer(Slots::CreatedAt))
                .col(big_integer_null(Slots::CancelledAt))
                .foreign_key(&mut fk(
                    Slots::Table,
                    Slots::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    Slots::Table,
                    Slots::CoachId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("slots_coach_starts")
                .table(Slots::Table)
                .col(Slots::CoachId)
                .col(Slots::StartsAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Appointments::Table)
                .col(uuid(Appointments::Id).primary_key())
                .col(uuid(Appointments::TenantId))
                .col(uuid(Appointments::SlotId))
                // The slot while the booking stands, null once cancelled: its unique
                // index settles a race between two people clicking the same slot and
                // frees the slot again after a cancellation.
                .col(uuid_null(Appointments::SlotHold).unique_key())
                .col(uuid(Appointments::PersonId))
                // link | account | coach
                .col(string(Appointments::BookedVia))
                .col(big_integer(Appointments::BookedAt))
                // booked | held | missed | cancelled
                .col(string(Appointments::Status))
                .col(uuid_null(Appointments::StatusBy))
                // person | coach: who recorded the status.
                .col(string_null(Appointments::StatusByRole))
                .col(big_integer_null(Appointments::StatusAt))
                // The coach's session notes: coaches only.
                .col(text_null(Appointments::Notes))
                .col(uuid_null(Appointments::NotesBy))
                .col(big_integer_null(Appointments::NotesAt))
                .foreign_key(&mut fk(
                    Appointments::Table,
                    Appointments::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    Appointments::Table,
                    Appointments::SlotId,
                    Slots::Table,
                    Slots::Id,
                ))
                .foreign_key(&mut fk(
                    Appointments::Table,
                    Appointments::PersonId,
                    Persons::Table,
                    Persons::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("appointments_person")
                .table(Appointments::Table)
                .col(Appointments::PersonId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(BookingInvitations::Table)
                .col(uuid(BookingInvitations::Id).primary_key())
                .col(uuid(BookingInvitations::TenantId))
                .col(uuid(BookingInvitations::PersonId))
                .col(uuid(BookingInvitations::CoachId))
                // SHA-256 of the link's token: a copy of the database books nothing.
                .col(string(BookingInvitations::TokenHash).unique_key())
                .col(big_integer(BookingInvitations::CreatedAt))
                .col(big_integer(BookingInvitations::ExpiresAt))
                .col(big_integer_null(BookingInvitations::UsedAt))
                .foreign_key(&mut fk(
                    BookingInvitations::Table,
                    BookingInvitations::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    BookingInvitations::Table,
                    BookingInvitations::PersonId,
                    Persons::Table,
                    Persons::Id,
                ))
                .foreign_key(&mut fk(
                    BookingInvitations::Table,
                    BookingInvitations::CoachId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Documents::Table)
                .col(uuid(Documents::Id).primary_key())
                .col(uuid(Documents::TenantId))
                .col(uuid(Documents::PersonId))
                // synthesis
                .col(string(Documents::Kind))
                .col(blob(Documents::Content))
                .col(uuid(Documents::CreatedBy))
                .col(big_integer(Documents::CreatedAt))
                .foreign_key(&mut fk(
                    Documents::Table,
                    Documents::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    Documents::Table,
                    Documents::PersonId,
                    Persons::Table,
                    Persons::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("documents_person")
                .table(Documents::Table)
                .col(Documents::PersonId)
                .to_owned(),
        )
        .await
    }
}
