//! Those who follow a person from outside the operator: the referring advisor without
//! an account (a link sent to their address) and the sponsor who meets their mentee.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m0001_foundation::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0015_followers"
    }
}

#[derive(DeriveIden)]
enum Referrals {
    Table,
    AdvisorEmail,
}

#[derive(DeriveIden)]
enum AdvisorLinks {
    Table,
    Id,
    TenantId,
    Email,
    TokenHash,
    ExpiresAt,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum OpportunityRequests {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SponsorMeetings {
    Table,
    Id,
    TenantId,
    RequestId,
    MetOn,
    Note,
    CreatedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Referrals::Table)
                .add_column(string_null(Referrals::AdvisorEmail))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_referrals_advisor")
                .table(Referrals::Table)
                .col(Referrals::AdvisorEmail)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AdvisorLinks::Table)
                .col(uuid(AdvisorLinks::Id).primary_key())
                .col(uuid(AdvisorLinks::TenantId))
                .col(string(AdvisorLinks::Email))
                // SHA-256 of the token: the link itself is only in the email.
                .col(string_uniq(AdvisorLinks::TokenHash))
                .col(big_integer(AdvisorLinks::ExpiresAt))
                .col(big_integer(AdvisorLinks::CreatedAt))
                .col(big_integer_null(AdvisorLinks::LastUsedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SponsorMeetings::Table)
                .col(uuid(SponsorMeetings::Id).primary_key())
                .col(uuid(SponsorMeetings::TenantId))
                .col(uuid(SponsorMeetings::RequestId))
                .col(string(SponsorMeetings::MetOn))
                .col(text_null(SponsorMeetings::Note))
                .col(uuid(SponsorMeetings::CreatedBy))
                .col(big_integer(SponsorMeetings::CreatedAt))
                .foreign_key(&mut fk(
                    SponsorMeetings::Table,
                    SponsorMeetings::RequestId,
                    OpportunityRequests::Table,
                    OpportunityRequests::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sponsor_meetings_request")
                .table(SponsorMeetings::Table)
                .col(SponsorMeetings::RequestId)
                .to_owned(),
        )
        .await
    }
}
