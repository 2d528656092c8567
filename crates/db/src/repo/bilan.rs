//! The bilan (named as the app's and web's feature): consents, activities and raw answers. Tenant-scoped throughout.

use parcours_domain::Phase;
use parcours_domain::instrument::Occasion;
use parcours_domain::scoring::RawAnswer;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::parse_code;
use crate::TenantScope;
use crate::entities::{activity, answer, consent, enrolment};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub id: Uuid,
    pub person_id: Uuid,
    pub scope: String,
    pub text_version: String,
    pub given_at: i64,
    pub withdrawn_at: Option<i64>,
    pub recorded_by: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub id: Uuid,
    pub person_id: Uuid,
    pub enrolment_id: Uuid,
    pub instrument_id: String,
    pub instrument_version: u32,
    pub occasion: Occasion,
    pub phase: Phase,
    pub due_at: i64,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActivity {
    pub instrument_id: String,
    pub instrument_version: u32,
    pub occasion: Occasion,
    pub phase: Phase,
    pub due_at: i64,
}

fn activity_record(m: activity::Model) -> Result<Activity, DbErr> {
    Ok(Activity {
        id: m.id,
        person_id: m.person_id,
        enrolment_id: m.enrolment_id,
        instrument_version: u32::try_from(m.instrument_version)
            .map_err(|_| DbErr::Custom(format!("activity {}: bad instrument version", m.id)))?,
        occasion: Occasion::from_code(&m.occasion)
            .ok_or_else(|| DbErr::Custom(format!("activity {}: unknown occasion", m.id)))?,
        phase: parse_code(&m.phase)?,
        instrument_id: m.instrument_id,
        due_at: m.due_at,
        started_at: m.started_at,
        completed_at: m.completed_at,
    })
}

pub async fn record_consent(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
    consent_scope: &str,
    text_version: &str,
    recorded_by: Uuid,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    consent::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        person_id: Set(person_id),
        scope: Set(consent_scope.to_owned()),
        text_version: Set(text_version.to_owned()),
        given_at: Set(now),
        withdrawn_at: Set(None),
        recorded_by: Set(Some(recorded_by)),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// The person's standing consent of this scope (the latest not withdrawn), if any.
pub async fn current_consent(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
    consent_scope: &str,
) -> Result<Option<Consent>, DbErr> {
    Ok(consent::Entity::find()
        .filter(consent::Column::TenantId.eq(scope.id()))
        .filter(consent::Column::PersonId.eq(person_id))
        .filter(consent::Column::Scope.eq(consent_scope))
        .filter(consent::Column::WithdrawnAt.is_null())
        .order_by_desc(consent::Column::GivenAt)
        .one(conn)
        .await?
        .map(|m| Consent {
            id: m.id,
            person_id: m.person_id,
            scope: m.scope,
            text_version: m.text_version,
            given_at: m.given_at,
            withdrawn_at: m.withdrawn_at,
            recorded_by: m.recorded_by,
        }))
}

pub async fn insert_activities(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
    enrolment_id: Uuid,
    activities: &[NewActivity],
    now: i64,
) -> Result<(), DbErr> {
    if activities.is_empty() {
        return Ok(());
    }
    let models = activities.iter().map(|a| activity::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.id()),
        person_id: Set(person_id),
        enrolment_id: Set(enrolment_id),
        instrument_id: Set(a.instrument_id.clone()),
        instrument_version: Set(i32::try_from(a.instrument_version).unwrap_or(i32::MAX)),
        occasion: Set(a.occasion.code().to_owned()),
        phase: Set(a.phase.code().to_owned()),
        due_at: Set(a.due_at),
        started_at: Set(None),
        completed_at: Set(None),
        quality_flags: Set(None),
        created_at: Set(now),
    });
    activity::Entity::insert_many(models).exec(conn).await?;
    Ok(())
}

pub async fn activities_of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
) -> Result<Vec<Activity>, DbErr> {
    activity::Entity::find()
        .filter(activity::Column::TenantId.eq(scope.id()))
        .filter(activity::Column::PersonId.eq(person_id))
        .order_by_asc(activity::Column::DueAt)
        .order_by_asc(activity::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(activity_record)
        .collect()
}

pub async fn find_activity(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<Activity>, DbErr> {
    activity::Entity::find_by_id(id)
        .filter(activity::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(activity_record)
        .transpose()
}

/// Marks an activity started (first answer) and/or completed; `None` leaves a time as is.
pub async fn mark_activity(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    started_at: Option<i64>,
    completed_at: Option<Option<i64>>,
) -> Result<(), DbErr> {
    let mut update = activity::Entity::update_many()
        .filter(activity::Column::Id.eq(id))
        .filter(activity::Column::TenantId.eq(scope.id()));
    if let Some(started) = started_at {
        update = update.col_expr(activity::Column::StartedAt, started.into());
    }
    if let Some(completed) = completed_at {
        update = update.col_expr(activity::Column::CompletedAt, completed.into());
    }
    update.exec(conn).await?;
    Ok(())
}

/// Keeps the answer-quality flags of a finished questionnaire (comma-separated codes,
/// empty when sound), so that a caseload can show them without rescoring.
pub async fn set_quality_flags(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    activity_id: Uuid,
    flags: &str,
) -> Result<(), DbErr> {
    activity::Entity::update_many()
        .filter(activity::Column::Id.eq(activity_id))
        .filter(activity::Column::TenantId.eq(scope.id()))
        .col_expr(activity::Column::QualityFlags, flags.into())
        .exec(conn)
        .await?;
    Ok(())
}

/// Saves answers, replacing an earlier answer to the same item (autosave: the last
/// answer and its time count).
pub async fn save_answers(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    activity_id: Uuid,
    answers: &[(String, String)],
    now: i64,
) -> Result<(), DbErr> {
    let timed: Vec<(&str, &str, i64)> = answers
        .iter()
        .map(|(item, value)| (item.as_str(), value.as_str(), now))
        .collect();
    save_timed_answers(conn, scope, activity_id, &timed).await
}

/// Saves answers each with its own time (seeded data answered over a few minutes).
pub async fn save_timed_answers(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    activity_id: Uuid,
    answers: &[(&str, &str, i64)],
) -> Result<(), DbErr> {
    if answers.is_empty() {
        return Ok(());
    }
    let models = answers.iter().map(|(item, value, at)| answer::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.id()),
        activity_id: Set(activity_id),
        item_id: Set((*item).to_owned()),
        value: Set((*value).to_owned()),
        answered_at: Set(*at),
    });
    answer::Entity::insert_many(models)
        .on_conflict(
            OnConflict::columns([answer::Column::ActivityId, answer::Column::ItemId])
                .update_columns([answer::Column::Value, answer::Column::AnsweredAt])
                .to_owned(),
        )
        .exec(conn)
        .await?;
    Ok(())
}

/// Removes answers (a multi-choice left empty, a reason erased).
pub async fn delete_answers(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    activity_id: Uuid,
    items: &[String],
) -> Result<(), DbErr> {
    if items.is_empty() {
        return Ok(());
    }
    answer::Entity::delete_many()
        .filter(answer::Column::TenantId.eq(scope.id()))
        .filter(answer::Column::ActivityId.eq(activity_id))
        .filter(answer::Column::ItemId.is_in(items.iter().cloned()))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn answers_of_activity(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    activity_id: Uuid,
) -> Result<Vec<RawAnswer>, DbErr> {
    Ok(answer::Entity::find()
        .filter(answer::Column::TenantId.eq(scope.id()))
        .filter(answer::Column::ActivityId.eq(activity_id))
        .order_by_asc(answer::Column::AnsweredAt)
        .order_by_asc(answer::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| RawAnswer {
            item: m.item_id,
            value: m.value,
            answered_at: m.answered_at,
        })
        .collect())
}

/// The answers of several activities in one query, by activity (each in the order
/// given, as [`answers_of_activity`] returns them).
pub async fn answers_of_activities(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    activity_ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<RawAnswer>>, DbErr> {
    let mut out: std::collections::HashMap<Uuid, Vec<RawAnswer>> =
        activity_ids.iter().map(|id| (*id, Vec::new())).collect();
    for m in answer::Entity::find()
        .filter(answer::Column::TenantId.eq(scope.id()))
        .filter(answer::Column::ActivityId.is_in(activity_ids.iter().copied()))
        .order_by_asc(answer::Column::AnsweredAt)
        .order_by_asc(answer::Column::Id)
        .all(conn)
        .await?
    {
        if let Some(list) = out.get_mut(&m.activity_id) {
            list.push(RawAnswer {
                item: m.item_id,
                value: m.value,
                answered_at: m.answered_at,
            });
        }
    }
    Ok(out)
}

/// The latest `limit` completed baseline takings (one per person) of one instrument
/// version across a programme, with their answers: the input of Cronbach's alpha.
/// Bounded whatever the cohort size (a million enrolments do not fit in a list of bound
/// values, and are not all read).
pub async fn completed_answers_in_programme(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
    instrument_id: &str,
    instrument_version: u32,
    limit: u64,
) -> Result<Vec<Vec<RawAnswer>>, DbErr> {
    // Two ways to find them; neither planner can tell which is cheaper (it does not
    // know how much of the tenant one programme is), so we do. Walking the tenant's
    // takings newest first (idx_activities_instrument_completed) and checking each
    // one's enrolment by key finds `limit` of the programme's after about
    // limit × tenant / programme rows; going through the programme's enrolments costs
    // one index search each. At a million people: 21 ms against 1.1 s for the big
    // programme, and the other way round for a programme of a hundred.
    let enrolments_of = |programme: Option<Uuid>| {
        let query = enrolment::Entity::find().filter(enrolment::Column::TenantId.eq(scope.id()));
        match programme {
            Some(id) => query.filter(enrolment::Column::ProgrammeId.eq(id)),
            None => query,
        }
    };
    let in_programme = enrolments_of(Some(programme_id)).count(conn).await?;
    let in_tenant = enrolments_of(None).count(conn).await?;
    let walk_newest_first = u128::from(in_programme) * u128::from(in_programme)
        > u128::from(limit) * u128::from(in_tenant);
    let mut of_programme = sea_orm::sea_query::Query::select();
    of_programme
        .from(enrolment::Entity)
        .and_where(enrolment::Column::TenantId.eq(scope.id()))
        .and_where(enrolment::Column::ProgrammeId.eq(programme_id));
    let of_programme = if walk_newest_first {
        of_programme.expr(Expr::val(1)).and_where(ExprTrait::equals(
            Expr::col((enrolment::Entity, enrolment::Column::Id)),
            (activity::Entity, activity::Column::EnrolmentId),
        ));
        Expr::exists(of_programme)
    } else {
        of_programme.column(enrolment::Column::Id);
        activity::Column::EnrolmentId.in_subquery(of_programme)
    };
    let ids: Vec<Uuid> = activity::Entity::find()
        .select_only()
        .column(activity::Column::Id)
        .filter(activity::Column::TenantId.eq(scope.id()))
        .filter(of_programme)
        .filter(activity::Column::InstrumentId.eq(instrument_id))
        .filter(
            activity::Column::InstrumentVersion
                .eq(i32::try_from(instrument_version).unwrap_or(i32::MAX)),
        )
        .filter(activity::Column::CompletedAt.is_not_null())
        .filter(activity::Column::Occasion.is_in([Occasion::Once.code(), Occasion::Start.code()]))
        .order_by_desc(activity::Column::CompletedAt)
        .order_by_desc(activity::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(answers_of_activities(conn, scope, &ids)
        .await?
        .into_values()
        .collect())
}

/// Moves an enrolment to a phase.
pub async fn set_phase(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    enrolment_id: Uuid,
    phase: Phase,
    now: i64,
) -> Result<bool, DbErr> {
    let mut update = enrolment::Entity::update_many()
        .col_expr(enrolment::Column::Phase, phase.code().into())
        .col_expr(enrolment::Column::LastActivityAt, now.into());
    if phase == Phase::FollowUp {
        update = update.col_expr(enrolment::Column::BilanEndedAt, now.into());
    }
    let result = update
        .filter(enrolment::Column::Id.eq(enrolment_id))
        .filter(enrolment::Column::TenantId.eq(scope.id()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Records activity on an enrolment (for "last activity" in caseloads).
pub async fn touch_enrolment(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    enrolment_id: Uuid,
    now: i64,
) -> Result<(), DbErr> {
    enrolment::Entity::update_many()
        .col_expr(enrolment::Column::LastActivityAt, now.into())
        .filter(enrolment::Column::Id.eq(enrolment_id))
        .filter(enrolment::Column::TenantId.eq(scope.id()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Withdraws the person's standing consent of this scope; false if there was none.
pub async fn withdraw_consent(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
    consent_scope: &str,
    now: i64,
) -> Result<bool, DbErr> {
    let result = consent::Entity::update_many()
        .col_expr(consent::Column::WithdrawnAt, now.into())
        .filter(consent::Column::TenantId.eq(scope.id()))
        .filter(consent::Column::PersonId.eq(person_id))
        .filter(consent::Column::Scope.eq(consent_scope))
        .filter(consent::Column::WithdrawnAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}

/// How many of a person's finished questionnaires carry answer-quality flags.
pub async fn flagged_activities_of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
) -> Result<usize, DbErr> {
    let n = activity::Entity::find()
        .filter(activity::Column::TenantId.eq(scope.id()))
        .filter(activity::Column::PersonId.eq(person_id))
        .filter(activity::Column::QualityFlags.is_not_null())
        .filter(activity::Column::QualityFlags.ne(""))
        .count(conn)
        .await?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}
