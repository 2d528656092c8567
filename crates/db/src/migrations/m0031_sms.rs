//! Text messages through an SMS gateway (issue 29): each message gets a row saying
//! where it stands (queued, sent, delivered, failed) with the gateway's last word and
//! the hash of the secret its delivery reports carry; numbers that answered "STOP";
//! each operator's SMS rules (numbers abroad, daily cap); and the short sign-in codes
//! sent by SMS to people without an email address.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, boolean, integer, string, string_null, text_null, uuid,
    uuid_null,
};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0031_sms"
    }
}

#[derive(DeriveIden)]
enum SmsMessages {
    Table,
    Id,
    TenantId,
    Recipient,
    Purpose,
    Body,
    Status,
    Attempts,
    LastReply,
    TokenHash,
    SendAfter,
    CreatedAt,
    UpdatedAt,
    SentAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum SmsOptOuts {
    Table,
    Phone,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SmsSettings {
    Table,
    TenantId,
    AbroadAllowed,
    DailyCap,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SmsCodes {
    Table,
    Id,
    UserId,
    Phone,
    CodeHash,
    Tries,
    ExpiresAt,
    CreatedAt,
    UsedAt,
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
                .table(SmsMessages::Table)
                .col(uuid(SmsMessages::Id).primary_key())
                // Null for messages sent before any tenant is known (sign-in codes).
                .col(uuid_null(SmsMessages::TenantId))
                // E.164, as sent.
                .col(string(SmsMessages::Recipient))
                // What it was for (test, sign_in_code…): the log says why it left.
                .col(string(SmsMessages::Purpose))
                // The text, kept only until the gateway takes it or it is given up.
                .col(text_null(SmsMessages::Body))
                .col(string(SmsMessages::Status))
                .col(integer(SmsMessages::Attempts))
                .col(text_null(SmsMessages::LastReply))
                // SHA-256 of the secret in the message's delivery-report URL.
                .col(string_null(SmsMessages::TokenHash))
                // Not before (quiet hours move it to 08:00).
                .col(big_integer(SmsMessages::SendAfter))
                .col(big_integer(SmsMessages::CreatedAt))
                .col(big_integer(SmsMessages::UpdatedAt))
                .col(big_integer_null(SmsMessages::SentAt))
                .col(big_integer_null(SmsMessages::DeliveredAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sms_messages_tenant_created")
                .table(SmsMessages::Table)
                .col(SmsMessages::TenantId)
                .col(SmsMessages::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sms_messages_recipient_created")
                .table(SmsMessages::Table)
                .col(SmsMessages::Recipient)
                .col(SmsMessages::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SmsOptOuts::Table)
                .col(string(SmsOptOuts::Phone).primary_key())
                .col(big_integer(SmsOptOuts::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SmsSettings::Table)
                .col(uuid(SmsSettings::TenantId).primary_key())
                .col(boolean(SmsSettings::AbroadAllowed).default(false))
                .col(integer(SmsSettings::DailyCap).default(3))
                .col(big_integer(SmsSettings::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(SmsSettings::Table, SmsSettings::TenantId)
                        .to(Organisations::Table, Organisations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SmsCodes::Table)
                .col(uuid(SmsCodes::Id).primary_key())
                .col(uuid(SmsCodes::UserId))
                .col(string(SmsCodes::Phone))
                .col(string(SmsCodes::CodeHash))
                .col(integer(SmsCodes::Tries))
                .col(big_integer(SmsCodes::ExpiresAt))
                .col(big_integer(SmsCodes::CreatedAt))
                .col(big_integer_null(SmsCodes::UsedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sms_codes_phone_created")
                .table(SmsCodes::Table)
                .col(SmsCodes::Phone)
                .col(SmsCodes::CreatedAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
