//! Employers open doors: partners of an operator offer opportunities (informational
//! interview, immersion, internship, sponsorship, temp job, job); a candidate or their
//! coach requests one; the employer answers from an emailed link; both sides give
//! feedback afterwards.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m0001_foundation::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0011_opportunities"
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
enum EmployerPartners {
    Table,
    Id,
    TenantId,
    EmployerOrgId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Opportunities {
    Table,
    Id,
    TenantId,
    EmployerOrgId,
    CreatedBy,
    Kind,
    Title,
    CodeRome,
    Description,
    CommuneCode,
    Capacity,
    RespondWithinDays,
    StartsOn,
    EndsOn,
    Paused,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OpportunityRequests {
    Table,
    Id,
    TenantId,
    OpportunityId,
    PersonId,
    RequestedBy,
    Message,
    Status,
    TokenHash,
    RespondBy,
    RespondedAt,
    RemindedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OpportunityFeedback {
    Table,
    Id,
    TenantId,
    RequestId,
    Side,
    Rating,
    Comment,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(EmployerPartners::Table)
                .col(uuid(EmployerPartners::Id).primary_key())
                // The operator the employer works with.
                .col(uuid(EmployerPartners::TenantId))
                .col(uuid(EmployerPartners::EmployerOrgId))
                .col(big_integer(EmployerPartners::CreatedAt))
                .foreign_key(&mut fk(
                    EmployerPartners::Table,
                    EmployerPartners::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    EmployerPartners::Table,
                    EmployerPartners::EmployerOrgId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("employer_partners_pair")
                .table(EmployerPartners::Table)
                .col(EmployerPartners::TenantId)
                .col(EmployerPartners::EmployerOrgId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Opportunities::Table)
                .col(uuid(Opportunities::Id).primary_key())
                .col(uuid(Opportunities::TenantId))
                .col(uuid(Opportunities::EmployerOrgId))
                .col(uuid(Opportunities::CreatedBy))
                // informational_interview | immersion | internship | sponsorship | temp_job | job
                .col(string(Opportunities::Kind))
                .col(string(Opportunities::Title))
                .col(string_null(Opportunities::CodeRome))
                .col(text(Opportunities::Description))
                .col(string_null(Opportunities::CommuneCode))
                .col(integer(Opportunities::Capacity))
                .col(integer(Opportunities::RespondWithinDays))
                // YYYY-MM-DD; an immersion (PMSMP) lasts a month at most.
                .col(string_null(Opportunities::StartsOn))
                .col(string_null(Opportunities::EndsOn))
                .col(boolean(Opportunities::Paused))
                .col(big_integer(Opportunities::CreatedAt))
                .foreign_key(&mut fk(
                    Opportunities::Table,
                    Opportunities::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    Opportunities::Table,
                    Opportunities::EmployerOrgId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("opportunities_tenant")
                .table(Opportunities::Table)
                .col(Opportunities::TenantId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OpportunityRequests::Table)
                .col(uuid(OpportunityRequests::Id).primary_key())
                .col(uuid(OpportunityRequests::TenantId))
                .col(uuid(OpportunityRequests::OpportunityId))
                .col(uuid(OpportunityRequests::PersonId))
                .col(uuid(OpportunityRequests::RequestedBy))
                .col(text_null(OpportunityRequests::Message))
                // requested | accepted | declined | expired | cancelled
                .col(string(OpportunityRequests::Status))
                // SHA-256 of the employer's answer link.
                .col(string(OpportunityRequests::TokenHash).unique_key())
                .col(big_integer(OpportunityRequests::RespondBy))
                .col(big_integer_null(OpportunityRequests::RespondedAt))
                .col(big_integer_null(OpportunityRequests::RemindedAt))
                .col(big_integer(OpportunityRequests::CreatedAt))
                .foreign_key(&mut fk(
                    OpportunityRequests::Table,
                    OpportunityRequests::OpportunityId,
                    Opportunities::Table,
                    Opportunities::Id,
                ))
                .foreign_key(&mut fk(
                    OpportunityRequests::Table,
                    OpportunityRequests::PersonId,
                    Persons::Table,
                    Persons::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("opportunity_requests_person")
                .table(OpportunityRequests::Table)
                .col(OpportunityRequests::PersonId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OpportunityFeedback::Table)
                .col(uuid(OpportunityFeedback::Id).primary_key())
                .col(uuid(OpportunityFeedback::TenantId))
                .col(uuid(OpportunityFeedback::RequestId))
                // candidate | employer
                .col(string(OpportunityFeedback::Side))
                // 1 (went badly) to 4 (went very well)
                .col(integer(OpportunityFeedback::Rating))
                .col(text_null(OpportunityFeedback::Comment))
                .col(big_integer(OpportunityFeedback::CreatedAt))
                .foreign_key(&mut fk(
                    OpportunityFeedback::Table,
                    OpportunityFeedback::RequestId,
                    OpportunityRequests::Table,
                    OpportunityRequests::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("opportunity_feedback_request_side")
                .table(OpportunityFeedback::Table)
                .col(OpportunityFeedback::RequestId)
                .col(OpportunityFeedback::Side)
                .unique()
                .to_owned(),
        )
        .await
    }
}
