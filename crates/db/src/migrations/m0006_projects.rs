//! The professional project, the evidence gathered for it, and the history of its
//! validation gate.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m0001_foundation::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0006_projects"
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
enum Projects {
    Table,
    Id,
    TenantId,
    PersonId,
    Kind,
    CodeRome,
    Title,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProjectEvidence {
    Table,
    Id,
    TenantId,
    ProjectId,
    Item,
    Note,
    ConfirmedBy,
    ConfirmedAt,
}

#[derive(DeriveIden)]
enum ProjectEvents {
    Table,
    Id,
    TenantId,
    ProjectId,
    FromStatus,
    ToStatus,
    Comment,
    By,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Projects::Table)
                .col(uuid(Projects::Id).primary_key())
                .col(uuid(Projects::TenantId))
                .col(uuid(Projects::PersonId))
                .col(string(Projects::Kind))
                .col(string_null(Projects::CodeRome))
                .col(string(Projects::Title))
                .col(string(Projects::Status))
                .col(uuid(Projects::CreatedBy))
                .col(big_integer(Projects::CreatedAt))
                .col(big_integer(Projects::UpdatedAt))
                .foreign_key(&mut fk(
                    Projects::Table,
                    Projects::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    Projects::Table,
                    Projects::PersonId,
                    Persons::Table,
                    Persons::Id,
                ))
                .foreign_key(&mut fk(
                    Projects::Table,
                    Projects::CreatedBy,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("projects_person_created")
                .table(Projects::Table)
                .col(Projects::PersonId)
                .col(Projects::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProjectEvidence::Table)
                .col(uuid(ProjectEvidence::Id).primary_key())
                .col(uuid(ProjectEvidence::TenantId))
                .col(uuid(ProjectEvidence::ProjectId))
                .col(string(ProjectEvidence::Item))
                .col(text(ProjectEvidence::Note))
                .col(uuid(ProjectEvidence::ConfirmedBy))
                .col(big_integer(ProjectEvidence::ConfirmedAt))
                .foreign_key(&mut fk(
                    ProjectEvidence::Table,
                    ProjectEvidence::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    ProjectEvidence::Table,
                    ProjectEvidence::ProjectId,
                    Projects::Table,
                    Projects::Id,
                ))
                .foreign_key(&mut fk(
                    ProjectEvidence::Table,
                    ProjectEvidence::ConfirmedBy,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("project_evidence_project_item")
                .table(ProjectEvidence::Table)
                .col(ProjectEvidence::ProjectId)
                .col(ProjectEvidence::Item)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProjectEvents::Table)
                .col(uuid(ProjectEvents::Id).primary_key())
                .col(uuid(ProjectEvents::TenantId))
                .col(uuid(ProjectEvents::ProjectId))
                .col(string_null(ProjectEvents::FromStatus))
                .col(string(ProjectEvents::ToStatus))
                .col(text(ProjectEvents::Comment))
                .col(uuid(ProjectEvents::By))
                .col(big_integer(ProjectEvents::At))
                .foreign_key(&mut fk(
                    ProjectEvents::Table,
                    ProjectEvents::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    ProjectEvents::Table,
                    ProjectEvents::ProjectId,
                    Projects::Table,
                    Projects::Id,
                ))
                .foreign_key(&mut fk(
                    ProjectEvents::Table,
                    ProjectEvents::By,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await
    }
}
