//! The selection week's events, invitations, evaluations and committee decisions.

use parcours_domain::selection::{Attendance, CommitteeDecision, EventKind};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use super::parse_code;
use crate::TenantScope;
use crate::entities::{
    committee_decision, selection_event, selection_invitation, simulation_evaluation,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub kind: EventKind,
    pub title: String,
    pub starts_at: i64,
    pub place: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub event_id: Uuid,
    pub person_id: Uuid,
    pub attendance: Attendance,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub event_id: Uuid,
    pub person_id: Uuid,
    pub evaluator_id: Uuid,
    pub scores: Vec<(String, u8)>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub person_id: Uuid,
    pub programme_id: Uuid,
    pub decision: CommitteeDecision,
    pub reasons: String,
    pub decided_by: Uuid,
    pub decided_at: i64,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_event(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme: Uuid,
    kind: EventKind,
    title: &str,
    starts_at: i64,
    place: &str,
    by: Uuid,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    selection_event::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        programme_id: Set(programme),
        kind: Set(kind.code().to_owned()),
        title: Set(title.to_owned()),
        starts_at: Set(starts_at),
        place: Set(place.to_owned()),
        created_by: Set(by),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

fn event_of(m: selection_event::Model) -> Result<Event, DbErr> {
    Ok(Event {
        id: m.id,
        programme_id: m.programme_id,
        kind: parse_code(&m.kind)?,
        title: m.title,
        starts_at: m.starts_at,
        place: m.place,
    })
}

pub async fn events(conn: &impl ConnectionTrait, scope: TenantScope) -> Result<Vec<Event>, DbErr> {
    selection_event::Entity::find()
        .filter(selection_event::Column::TenantId.eq(scope.id()))
        .order_by_asc(selection_event::Column::StartsAt)
        .all(conn)
        .await?
        .into_iter()
        .map(event_of)
        .collect()
}

pub async fn find_event(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<Event>, DbErr> {
    selection_event::Entity::find_by_id(id)
        .filter(selection_event::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(event_of)
        .transpose()
}

/// Invites people (already invited ones are left as they are); returns those newly
/// invited.
pub async fn invite(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    event: Uuid,
    people: &[Uuid],
    now: i64,
) -> Result<Vec<Uuid>, DbErr> {
    let mut invited = Vec::new();
    for person in people {
        // One at a time, to know which rows were new: a person invited already (or
        // by a concurrent request, which the unique (event, person) makes wait) is not.
        let row = selection_invitation::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(scope.id()),
            event_id: Set(event),
            person_id: Set(*person),
            attendance: Set(Attendance::Invited.code().to_owned()),
            recorded_by: Set(None),
            recorded_at: Set(None),
            created_at: Set(now),
        };
        let done = selection_invitation::Entity::insert(row)
            .on_conflict_do_nothing_on([
                selection_invitation::Column::EventId,
                selection_invitation::Column::PersonId,
            ])
            .exec_without_returning(conn)
            .await?;
        if matches!(done, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
            invited.push(*person);
        }
    }
    Ok(invited)
}

pub async fn set_attendance(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    event: Uuid,
    person: Uuid,
    attendance: Attendance,
    by: Uuid,
    now: i64,
) -> Result<bool, DbErr> {
    Ok(selection_invitation::Entity::update_many()
        .filter(selection_invitation::Column::TenantId.eq(scope.id()))
        .filter(selection_invitation::Column::EventId.eq(event))
        .filter(selection_invitation::Column::PersonId.eq(person))
        .col_expr(
            selection_invitation::Column::Attendance,
            Expr::value(attendance.code()),
        )
        .col_expr(selection_invitation::Column::RecordedBy, Expr::value(by))
        .col_expr(selection_invitation::Column::RecordedAt, Expr::value(now))
        .exec(conn)
        .await?
        .rows_affected
        > 0)
}

pub async fn invitations(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
) -> Result<Vec<Invitation>, DbErr> {
    selection_invitation::Entity::find()
        .filter(selection_invitation::Column::TenantId.eq(scope.id()))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| {
            Ok(Invitation {
                event_id: m.event_id,
                person_id: m.person_id,
                attendance: parse_code(&m.attendance)?,
            })
        })
        .collect()
}

/// Saves an evaluator's grid for a person at a simulation (replacing their earlier one).
#[allow(clippy::too_many_arguments)]
pub async fn save_evaluation(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    event: Uuid,
    person: Uuid,
    evaluator: Uuid,
    scores: &[(&str, u8)],
    comment: Option<&str>,
    now: i64,
) -> Result<(), DbErr> {
    let encoded = scores
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(";");
    simulation_evaluation::Entity::insert(simulation_evaluation::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.id()),
        event_id: Set(event),
        person_id: Set(person),
        evaluator_id: Set(evaluator),
        scores: Set(encoded),
        comment: Set(comment.map(str::to_owned)),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            simulation_evaluation::Column::EventId,
            simulation_evaluation::Column::PersonId,
            simulation_evaluation::Column::EvaluatorId,
        ])
        .update_columns([
            simulation_evaluation::Column::Scores,
            simulation_evaluation::Column::Comment,
            simulation_evaluation::Column::CreatedAt,
        ])
        .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(())
}

pub async fn evaluations(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
) -> Result<Vec<Evaluation>, DbErr> {
    Ok(simulation_evaluation::Entity::find()
        .filter(simulation_evaluation::Column::TenantId.eq(scope.id()))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| Evaluation {
            event_id: m.event_id,
            person_id: m.person_id,
            evaluator_id: m.evaluator_id,
            scores: m
                .scores
                .split(';')
                .filter_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    Some((k.to_owned(), v.parse().ok()?))
                })
                .collect(),
            comment: m.comment,
        })
        .collect())
}

pub async fn insert_decision(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    d: &Decision,
) -> Result<(), DbErr> {
    committee_decision::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.id()),
        programme_id: Set(d.programme_id),
        person_id: Set(d.person_id),
        decision: Set(d.decision.code().to_owned()),
        reasons: Set(d.reasons.clone()),
        decided_by: Set(d.decided_by),
        decided_at: Set(d.decided_at),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Every decision of the tenant, oldest first (the last one per person counts).
pub async fn decisions(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
) -> Result<Vec<Decision>, DbErr> {
    committee_decision::Entity::find()
        .filter(committee_decision::Column::TenantId.eq(scope.id()))
        .order_by_asc(committee_decision::Column::DecidedAt)
        .order_by_asc(committee_decision::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| {
            Ok(Decision {
                person_id: m.person_id,
                programme_id: m.programme_id,
                decision: parse_code(&m.decision)?,
                reasons: m.reasons,
                decided_by: m.decided_by,
                decided_at: m.decided_at,
            })
        })
        .collect()
}
