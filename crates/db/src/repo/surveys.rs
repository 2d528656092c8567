//! Follow-up surveys, the operator's satisfaction questions, and the answers.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use crate::TenantScope;
use crate::entities::{programme, survey, survey_answer, survey_question};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub programme_id: Uuid,
    pub enrolment_id: Uuid,
    pub person_id: Uuid,
    pub point: String,
    pub due_at: i64,
    pub sent_at: Option<i64>,
    pub reminded_at: Option<i64>,
    pub answered_at: Option<i64>,
}

fn record(m: survey::Model) -> Survey {
    Survey {
        id: m.id,
        tenant_id: m.tenant_id,
        programme_id: m.programme_id,
        enrolment_id: m.enrolment_id,
        person_id: m.person_id,
        point: m.point,
        due_at: m.due_at,
        sent_at: m.sent_at,
        reminded_at: m.reminded_at,
        answered_at: m.answered_at,
    }
}

pub struct NewSurvey<'a> {
    pub programme_id: Uuid,
    pub enrolment_id: Uuid,
    pub person_id: Uuid,
    pub point: &'a str,
    pub due_at: i64,
}

/// Schedules a survey; an enrolment has at most one per point (a second exit replaces
/// nothing already sent).
pub async fn schedule(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    new: NewSurvey<'_>,
    now: i64,
) -> Result<Option<Uuid>, DbErr> {
    let exists = survey::Entity::find()
        .filter(survey::Column::TenantId.eq(scope.id()))
        .filter(survey::Column::EnrolmentId.eq(new.enrolment_id))
        .filter(survey::Column::Point.eq(new.point))
        .one(conn)
        .await?
        .is_some();
    if exists {
        return Ok(None);
    }
    let id = Uuid::now_v7();
    survey::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        programme_id: Set(new.programme_id),
        enrolment_id: Set(new.enrolment_id),
        person_id: Set(new.person_id),
        point: Set(new.point.to_owned()),
        token_hash: Set(None),
        due_at: Set(new.due_at),
        sent_at: Set(None),
        reminded_at: Set(None),
        answered_at: Set(None),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(Some(id))
}

/// A survey of the tenant, by id (the survey job names it, in its tenant).
pub async fn find(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<Survey>, DbErr> {
    Ok(survey::Entity::find_by_id(id)
        .filter(survey::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(record))
}

/// A new link for the survey (a reminder makes the previous link unusable).
pub async fn set_link(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    token_hash: &str,
    reminder: bool,
    now: i64,
) -> Result<(), DbErr> {
    let mut update = survey::Entity::update_many()
        .col_expr(survey::Column::TokenHash, Expr::value(token_hash))
        .filter(survey::Column::Id.eq(id))
        .filter(survey::Column::TenantId.eq(scope.id()));
    update = if reminder {
        update.col_expr(survey::Column::RemindedAt, Expr::value(now))
    } else {
        update.col_expr(survey::Column::SentAt, Expr::value(now))
    };
    update.exec(conn).await?;
    Ok(())
}

/// Marks the survey answered; false when it already was (a second answer is refused).
pub async fn mark_answered(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    now: i64,
) -> Result<bool, DbErr> {
    Ok(survey::Entity::update_many()
        .col_expr(survey::Column::AnsweredAt, Expr::value(now))
        .filter(survey::Column::Id.eq(id))
        .filter(survey::Column::TenantId.eq(scope.id()))
        .filter(survey::Column::AnsweredAt.is_null())
        .exec(conn)
        .await?
        .rows_affected
        == 1)
}

pub async fn of_enrolment(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    enrolment: Uuid,
) -> Result<Vec<Survey>, DbErr> {
    Ok(survey::Entity::find()
        .filter(survey::Column::TenantId.eq(scope.id()))
        .filter(survey::Column::EnrolmentId.eq(enrolment))
        .order_by_asc(survey::Column::DueAt)
        .all(conn)
        .await?
        .into_iter()
        .map(record)
        .collect())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: Uuid,
    pub position: i32,
    pub text: String,
    /// agree | text
    pub kind: String,
    pub active: bool,
}

pub async fn questions(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
) -> Result<Vec<Question>, DbErr> {
    Ok(survey_question::Entity::find()
        .filter(survey_question::Column::ProgrammeId.eq(programme_id))
        .filter(survey_question::Column::TenantId.eq(scope.id()))
        .order_by_asc(survey_question::Column::Position)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| Question {
            id: m.id,
            position: m.position,
            text: m.text,
            kind: m.kind,
            active: m.active,
        })
        .collect())
}

pub async fn add_question(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
    position: i32,
    text: &str,
    kind: &str,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    survey_question::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        programme_id: Set(programme_id),
        position: Set(position),
        text: Set(text.to_owned()),
        kind: Set(kind.to_owned()),
        active: Set(true),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// Stops asking a question (its answers stay in the report).
pub async fn retire_question(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
    id: Uuid,
) -> Result<bool, DbErr> {
    Ok(survey_question::Entity::update_many()
        .col_expr(survey_question::Column::Active, Expr::value(false))
        .filter(survey_question::Column::Id.eq(id))
        .filter(survey_question::Column::ProgrammeId.eq(programme_id))
        .filter(survey_question::Column::TenantId.eq(scope.id()))
        .exec(conn)
        .await?
        .rows_affected
        == 1)
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_answer(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    survey_id: Uuid,
    programme_id: Uuid,
    question_id: Uuid,
    rating: Option<i32>,
    text: Option<&str>,
    now: i64,
) -> Result<(), DbErr> {
    survey_answer::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.id()),
        survey_id: Set(survey_id),
        programme_id: Set(programme_id),
        question_id: Set(question_id),
        rating: Set(rating),
        text: Set(text.map(str::to_owned)),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// All answers of a programme: (question, rating, text).
pub async fn answers(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
) -> Result<Vec<(Uuid, Option<i32>, Option<String>)>, DbErr> {
    Ok(survey_answer::Entity::find()
        .filter(survey_answer::Column::ProgrammeId.eq(programme_id))
        .filter(survey_answer::Column::TenantId.eq(scope.id()))
        .order_by_asc(survey_answer::Column::CreatedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.question_id, m.rating, m.text))
        .collect())
}

pub async fn follow_up_m12(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
) -> Result<bool, DbErr> {
    Ok(super::programmes::row(conn, scope, programme_id)
        .await?
        .is_some_and(|p| p.follow_up_m12))
}

pub async fn set_follow_up_m12(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
    on: bool,
) -> Result<(), DbErr> {
    programme::Entity::update_many()
        .col_expr(programme::Column::FollowUpM12, Expr::value(on))
        .filter(programme::Column::Id.eq(programme_id))
        .filter(programme::Column::TenantId.eq(scope.id()))
        .exec(conn)
        .await?;
    Ok(())
}

/// What must cross tenants: the installation's daily jobs, and the person's link
/// (no account), the only key they hold; each survey found says its tenant.
pub mod unscoped {
    use super::*;

    /// Surveys due and not yet sent, across tenants: the installation's daily sending
    /// job; each survey carries its tenant for what follows.
    pub async fn due_in_every_tenant(
        conn: &impl ConnectionTrait,
        now: i64,
    ) -> Result<Vec<Survey>, DbErr> {
        Ok(survey::Entity::find()
            .filter(survey::Column::DueAt.lte(now))
            .filter(survey::Column::SentAt.is_null())
            .order_by_asc(survey::Column::DueAt)
            .all(conn)
            .await?
            .into_iter()
            .map(record)
            .collect())
    }

    /// Sent before `sent_before`, unanswered, never reminded, across tenants (the daily
    /// reminder job).
    pub async fn to_remind_in_every_tenant(
        conn: &impl ConnectionTrait,
        sent_before: i64,
    ) -> Result<Vec<Survey>, DbErr> {
        Ok(survey::Entity::find()
            .filter(survey::Column::SentAt.lte(sent_before))
            .filter(survey::Column::AnsweredAt.is_null())
            .filter(survey::Column::RemindedAt.is_null())
            .all(conn)
            .await?
            .into_iter()
            .map(record)
            .collect())
    }

    /// Across tenants: the person's link (no account) is the only key they hold; the
    /// survey found says its tenant.
    pub async fn by_token_hash(
        conn: &impl ConnectionTrait,
        token_hash: &str,
    ) -> Result<Option<Survey>, DbErr> {
        Ok(survey::Entity::find()
            .filter(survey::Column::TokenHash.eq(token_hash))
            .one(conn)
            .await?
            .map(record))
    }
}
