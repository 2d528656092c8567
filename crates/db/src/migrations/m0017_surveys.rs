//! Follow-up surveys: sent by email at exit and months later, answered from a link
//! without an account; satisfaction questions set by the operator, and the answers.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m0001_foundation::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0017_surveys"
    }
}

#[derive(DeriveIden)]
enum Programmes {
    Table,
    Id,
    FollowUpM12,
}

#[derive(DeriveIden)]
enum Surveys {
    Table,
    Id,
    TenantId,
    ProgrammeId,
    EnrolmentId,
    PersonId,
    Point,
    TokenHash,
    DueAt,
    SentAt,
    RemindedAt,
    AnsweredAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SurveyQuestions {
    Table,
    Id,
    TenantId,
    ProgrammeId,
    Position,
    Text,
    Kind,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SurveyAnswers {
    Table,
    Id,
    TenantId,
    SurveyId,
    ProgrammeId,
    QuestionId,
    Rating,
    Text,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Programmes::Table)
                .add_column(boolean(Programmes::FollowUpM12).default(false))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Surveys::Table)
                .col(uuid(Surveys::Id).primary_key())
                .col(uuid(Surveys::TenantId))
                .col(uuid(Surveys::ProgrammeId))
                .col(uuid(Surveys::EnrolmentId))
                .col(uuid(Surveys::PersonId))
                // exit | m3 | m6 | m12
                .col(string(Surveys::Point))
                // SHA-256 of the emailed link's token, set when sent.
                .col(string_null(Surveys::TokenHash))
                .col(big_integer(Surveys::DueAt))
                .col(big_integer_null(Surveys::SentAt))
                .col(big_integer_null(Surveys::RemindedAt))
                .col(big_integer_null(Surveys::AnsweredAt))
                .col(big_integer(Surveys::CreatedAt))
                .foreign_key(&mut fk(
                    Surveys::Table,
                    Surveys::ProgrammeId,
                    Programmes::Table,
                    Programmes::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_surveys_due")
                .table(Surveys::Table)
                .col(Surveys::DueAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_surveys_token")
                .table(Surveys::Table)
                .col(Surveys::TokenHash)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SurveyQuestions::Table)
                .col(uuid(SurveyQuestions::Id).primary_key())
                .col(uuid(SurveyQuestions::TenantId))
                .col(uuid(SurveyQuestions::ProgrammeId))
                .col(integer(SurveyQuestions::Position))
                .col(text(SurveyQuestions::Text))
                // agree (four levels) | text
                .col(string(SurveyQuestions::Kind))
                .col(boolean(SurveyQuestions::Active))
                .col(big_integer(SurveyQuestions::CreatedAt))
                .foreign_key(&mut fk(
                    SurveyQuestions::Table,
                    SurveyQuestions::ProgrammeId,
                    Programmes::Table,
                    Programmes::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SurveyAnswers::Table)
                .col(uuid(SurveyAnswers::Id).primary_key())
                .col(uuid(SurveyAnswers::TenantId))
                .col(uuid(SurveyAnswers::SurveyId))
                .col(uuid(SurveyAnswers::ProgrammeId))
                .col(uuid(SurveyAnswers::QuestionId))
                .col(integer_null(SurveyAnswers::Rating))
                .col(text_null(SurveyAnswers::Text))
                .col(big_integer(SurveyAnswers::CreatedAt))
                .foreign_key(&mut fk(
                    SurveyAnswers::Table,
                    SurveyAnswers::SurveyId,
                    Surveys::Table,
                    Surveys::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_survey_answers_programme")
                .table(SurveyAnswers::Table)
                .col(SurveyAnswers::ProgrammeId)
                .col(SurveyAnswers::QuestionId)
                .to_owned(),
        )
        .await
    }
}
