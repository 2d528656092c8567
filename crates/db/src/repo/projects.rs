//! Professional projects, their evidence and the history of their validation gate.
//! Tenant-scoped throughout.

use parcours_domain::project::{Evidence, ProjectKind, ProjectStatus};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use super::parse_code;
use crate::TenantScope;
use crate::entities::{project, project_event, project_evidence};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: Uuid,
    pub person_id: Uuid,
    pub kind: ProjectKind,
    pub code_rome: Option<String>,
    pub title: String,
    pub status: ProjectStatus,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRecord {
    pub item: Evidence,
    pub note: String,
    pub confirmed_by: Uuid,
    pub confirmed_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateEvent {
    pub from: Option<ProjectStatus>,
    pub to: ProjectStatus,
    pub comment: String,
    pub by: Uuid,
    pub at: i64,
}

fn record(m: project::Model) -> Result<Project, DbErr> {
    Ok(Project {
        id: m.id,
        person_id: m.person_id,
        kind: parse_code(&m.kind)?,
        code_rome: m.code_rome,
        title: m.title,
        status: parse_code(&m.status)?,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub struct NewProject<'a> {
    pub person_id: Uuid,
    pub kind: ProjectKind,
    pub code_rome: Option<&'a str>,
    pub title: &'a str,
}

pub async fn insert_project(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    new: NewProject<'_>,
    by: Uuid,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    project::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        person_id: Set(new.person_id),
        kind: Set(new.kind.code().to_owned()),
        code_rome: Set(new.code_rome.map(str::to_owned)),
        title: Set(new.title.to_owned()),
        status: Set(ProjectStatus::Exploring.code().to_owned()),
        created_by: Set(by),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// The person's current project: the latest one chosen.
pub async fn current_project(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
) -> Result<Option<Project>, DbErr> {
    project::Entity::find()
        .filter(project::Column::TenantId.eq(scope.id()))
        .filter(project::Column::PersonId.eq(person_id))
        .order_by_desc(project::Column::CreatedAt)
        .order_by_desc(project::Column::Id)
        .one(conn)
        .await?
        .map(record)
        .transpose()
}

pub async fn set_status(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    project_id: Uuid,
    status: ProjectStatus,
    now: i64,
) -> Result<bool, DbErr> {
    let result = project::Entity::update_many()
        .col_expr(project::Column::Status, status.code().into())
        .col_expr(project::Column::UpdatedAt, now.into())
        .filter(project::Column::Id.eq(project_id))
        .filter(project::Column::TenantId.eq(scope.id()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn evidence_of(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    project_id: Uuid,
) -> Result<Vec<EvidenceRecord>, DbErr> {
    project_evidence::Entity::find()
        .filter(project_evidence::Column::TenantId.eq(scope.id()))
        .filter(project_evidence::Column::ProjectId.eq(project_id))
        .order_by_asc(project_evidence::Column::ConfirmedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| {
            Ok(EvidenceRecord {
                item: parse_code(&m.item)?,
                note: m.note,
                confirmed_by: m.confirmed_by,
                confirmed_at: m.confirmed_at,
            })
        })
        .collect()
}

/// Records (or replaces) one piece of evidence, with who confirmed it and when.
pub async fn record_evidence(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    project_id: Uuid,
    item: Evidence,
    note: &str,
    by: Uuid,
    now: i64,
) -> Result<(), DbErr> {
    project_evidence::Entity::insert(project_evidence::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.id()),
        project_id: Set(project_id),
        item: Set(item.code().to_owned()),
        note: Set(note.to_owned()),
        confirmed_by: Set(by),
        confirmed_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            project_evidence::Column::ProjectId,
            project_evidence::Column::Item,
        ])
        .update_columns([
            project_evidence::Column::Note,
            project_evidence::Column::ConfirmedBy,
            project_evidence::Column::ConfirmedAt,
        ])
        .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_event(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    project_id: Uuid,
    from: Option<ProjectStatus>,
    to: ProjectStatus,
    comment: &str,
    by: Uuid,
    now: i64,
) -> Result<(), DbErr> {
    project_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.id()),
        project_id: Set(project_id),
        from_status: Set(from.map(|s| s.code().to_owned())),
        to_status: Set(to.code().to_owned()),
        comment: Set(comment.to_owned()),
        by: Set(by),
        at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The gate's history, oldest first.
pub async fn events_of(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    project_id: Uuid,
) -> Result<Vec<GateEvent>, DbErr> {
    project_event::Entity::find()
        .filter(project_event::Column::TenantId.eq(scope.id()))
        .filter(project_event::Column::ProjectId.eq(project_id))
        .order_by_asc(project_event::Column::At)
        .order_by_asc(project_event::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| {
            Ok(GateEvent {
                from: m.from_status.as_deref().map(parse_code).transpose()?,
                to: parse_code(&m.to_status)?,
                comment: m.comment,
                by: m.by,
                at: m.at,
            })
        })
        .collect()
}
