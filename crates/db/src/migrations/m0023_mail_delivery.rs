//! Emails leave through an SMTP relay when one is configured (issue 25): each message
//! gets a row saying where it stands (queued, sent, retrying, refused with the server's
//! reply, failed), read by the worker that delivers it and by the administrator.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, integer, string, text_null, uuid, uuid_null,
};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0023_mail_delivery"
    }
}

#[derive(DeriveIden)]
enum MailDeliveries {
    Table,
    Id,
    TenantId,
    Recipient,
    Subject,
    Message,
    Status,
    Attempts,
    LastReply,
    CreatedAt,
    UpdatedAt,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(MailDeliveries::Table)
                .col(uuid(MailDeliveries::Id).primary_key())
                // Null for messages sent before any tenant is known (sign-in links).
                .col(uuid_null(MailDeliveries::TenantId))
                .col(string(MailDeliveries::Recipient))
                .col(string(MailDeliveries::Subject))
                // The whole message as sent, kept only until it is sent or given up.
                .col(text_null(MailDeliveries::Message))
                .col(string(MailDeliveries::Status))
                .col(integer(MailDeliveries::Attempts))
                .col(text_null(MailDeliveries::LastReply))
                .col(big_integer(MailDeliveries::CreatedAt))
                .col(big_integer(MailDeliveries::UpdatedAt))
                .col(big_integer_null(MailDeliveries::SentAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_mail_deliveries_tenant_created")
                .table(MailDeliveries::Table)
                .col(MailDeliveries::TenantId)
                .col(MailDeliveries::CreatedAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
