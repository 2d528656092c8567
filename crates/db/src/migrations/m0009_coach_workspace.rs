//! The coach's workspace: notes on a file, messages between coach and person, the
//! history of caseload transfers, sharing a document with a named recipient, and the
//! answer-quality flags kept with a finished questionnaire (for the caseload).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m0001_foundation::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0009_coach_workspace"
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
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Enrolments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    QualityFlags,
}

#[derive(DeriveIden)]
enum Notes {
    Table,
    Id,
    TenantId,
    PersonId,
    AuthorId,
    Visibility,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MessageThreads {
    Table,
    Id,
    TenantId,
    PersonId,
    Subject,
    CreatedBy,
    CreatedAt,
    LastMessageAt,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    TenantId,
    ThreadId,
    AuthorId,
    AuthorSide,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MessageReads {
    Table,
    Id,
    TenantId,
    ThreadId,
    UserId,
    Side,
    ReadAt,
}

#[derive(DeriveIden)]
enum CaseloadTransfers {
    Table,
    Id,
    TenantId,
    EnrolmentId,
    PersonId,
    FromCoach,
    ToCoach,
    ByUser,
    Reason,
    At,
}

#[derive(DeriveIden)]
enum DocumentShares {
    Table,
    Id,
    TenantId,
    PersonId,
    DocumentId,
    RecipientName,
    RecipientEmail,
    TokenHash,
    ConsentTextVersion,
    ConsentedAt,
    ExpiresAt,
    RevokedAt,
    Downloads,
    LastDownloadAt,
}

fn tenant_fk(table: impl IntoIden, col: impl IntoIden) -> ForeignKeyCreateStatement {
    fk(table, col, Organisations::Table, Organisations::Id)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Comma-separated codes (straight_lining, too_fast, incomplete) computed when a
        // questionnaire is finished; empty when the answers look sound.
        m.alter_table(
            Table::alter()
                .table(Activities::Table)
                .add_column(string_null(Activities::QualityFlags))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Notes::Table)
                .col(uuid(Notes::Id).primary_key())
                .col(uuid(Notes::TenantId))
                .col(uuid(Notes::PersonId))
                .col(uuid(Notes::AuthorId))
                // private (coaches only) | shared (the person reads it too)
                .col(string(Notes::Visibility))
                .col(text(Notes::Body))
                .col(big_integer(Notes::CreatedAt))
                .foreign_key(&mut tenant_fk(Notes::Table, Notes::TenantId))
                .foreign_key(&mut fk(
                    Notes::Table,
                    Notes::PersonId,
                    Persons::Table,
                    Persons::Id,
                ))
                .foreign_key(&mut fk(
                    Notes::Table,
                    Notes::AuthorId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("notes_person")
                .table(Notes::Table)
                .col(Notes::PersonId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MessageThreads::Table)
                .col(uuid(MessageThreads::Id).primary_key())
                .col(uuid(MessageThreads::TenantId))
                .col(uuid(MessageThreads::PersonId))
                .col(string(MessageThreads::Subject))
                .col(uuid(MessageThreads::CreatedBy))
                .col(big_integer(MessageThreads::CreatedAt))
                .col(big_integer(MessageThreads::LastMessageAt))
                .foreign_key(&mut tenant_fk(
                    MessageThreads::Table,
                    MessageThreads::TenantId,
                ))
                .foreign_key(&mut fk(
                    MessageThreads::Table,
                    MessageThreads::PersonId,
                    Persons::Table,
                    Persons::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("message_threads_person")
                .table(MessageThreads::Table)
                .col(MessageThreads::PersonId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Messages::Table)
                .col(uuid(Messages::Id).primary_key())
                .col(uuid(Messages::TenantId))
                .col(uuid(Messages::ThreadId))
                .col(uuid(Messages::AuthorId))
                // person | staff: read status is per side.
                .col(string(Messages::AuthorSide))
                .col(text(Messages::Body))
                .col(big_integer(Messages::CreatedAt))
                .foreign_key(&mut tenant_fk(Messages::Table, Messages::TenantId))
                .foreign_key(&mut fk(
                    Messages::Table,
                    Messages::ThreadId,
                    MessageThreads::Table,
                    MessageThreads::Id,
                ))
                .foreign_key(&mut fk(
                    Messages::Table,
                    Messages::AuthorId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("messages_thread")
                .table(Messages::Table)
                .col(Messages::ThreadId)
                .col(Messages::CreatedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MessageReads::Table)
                .col(uuid(MessageReads::Id).primary_key())
                .col(uuid(MessageReads::TenantId))
                .col(uuid(MessageReads::ThreadId))
                .col(uuid(MessageReads::UserId))
                // person | staff: a staff message is read once the person opened the thread.
                .col(string(MessageReads::Side))
                .col(big_integer(MessageReads::ReadAt))
                .foreign_key(&mut tenant_fk(MessageReads::Table, MessageReads::TenantId))
                .foreign_key(&mut fk(
                    MessageReads::Table,
                    MessageReads::ThreadId,
                    MessageThreads::Table,
                    MessageThreads::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("message_reads_thread_user")
                .table(MessageReads::Table)
                .col(MessageReads::ThreadId)
                .col(MessageReads::UserId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CaseloadTransfers::Table)
                .col(uuid(CaseloadTransfers::Id).primary_key())
                .col(uuid(CaseloadTransfers::TenantId))
                .col(uuid(CaseloadTransfers::EnrolmentId))
                .col(uuid(CaseloadTransfers::PersonId))
                .col(uuid_null(CaseloadTransfers::FromCoach))
                .col(uuid(CaseloadTransfers::ToCoach))
                .col(uuid(CaseloadTransfers::ByUser))
                .col(text_null(CaseloadTransfers::Reason))
                .col(big_integer(CaseloadTransfers::At))
                .foreign_key(&mut tenant_fk(
                    CaseloadTransfers::Table,
                    CaseloadTransfers::TenantId,
                ))
                .foreign_key(&mut fk(
                    CaseloadTransfers::Table,
                    CaseloadTransfers::EnrolmentId,
                    Enrolments::Table,
                    Enrolments::Id,
                ))
                .foreign_key(&mut fk(
                    CaseloadTransfers::Table,
                    CaseloadTransfers::ToCoach,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("caseload_transfers_person")
                .table(CaseloadTransfers::Table)
                .col(CaseloadTransfers::PersonId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DocumentShares::Table)
                .col(uuid(DocumentShares::Id).primary_key())
                .col(uuid(DocumentShares::TenantId))
                .col(uuid(DocumentShares::PersonId))
                .col(uuid(DocumentShares::DocumentId))
                .col(string(DocumentShares::RecipientName))
                .col(string(DocumentShares::RecipientEmail))
                // SHA-256 of the link's token.
                .col(string(DocumentShares::TokenHash).unique_key())
                // The consent the person gave for this recipient, with its wording.
                .col(string(DocumentShares::ConsentTextVersion))
                .col(big_integer(DocumentShares::ConsentedAt))
                .col(big_integer(DocumentShares::ExpiresAt))
                .col(big_integer_null(DocumentShares::RevokedAt))
                .col(integer(DocumentShares::Downloads))
                .col(big_integer_null(DocumentShares::LastDownloadAt))
                .foreign_key(&mut tenant_fk(
                    DocumentShares::Table,
                    DocumentShares::TenantId,
                ))
                .foreign_key(&mut fk(
                    DocumentShares::Table,
                    DocumentShares::PersonId,
                    Persons::Table,
                    Persons::Id,
                ))
                .foreign_key(&mut fk(
                    DocumentShares::Table,
                    DocumentShares::DocumentId,
                    Documents::Table,
                    Documents::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("document_shares_person")
                .table(DocumentShares::Table)
                .col(DocumentShares::PersonId)
                .to_owned(),
        )
        .await
    }
}
