//! People followed in a programme (the beneficiary's file) and their enrolments.
//! Every function here is tenant-scoped.

use parcours_domain::Phase;
use std::collections::HashMap;

use sea_orm::sea_query::{CaseStatement, Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use super::parse_code;
use crate::entities::{activity, appointment, enrolment, person, programme, slot};
use crate::{ReferrerScope, TenantScope};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub user_id: Option<Uuid>,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub commune_code: Option<String>,
    pub birth_year: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPerson<'a> {
    pub user_id: Option<Uuid>,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub commune_code: Option<&'a str>,
    pub birth_year: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub commune_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub id: Uuid,
    pub person_id: Uuid,
    pub programme_id: Uuid,
    pub coach_id: Option<Uuid>,
    pub referrer_id: Option<Uuid>,
    pub phase: Phase,
    pub status: String,
    pub entered_at: i64,
    pub last_activity_at: i64,
    /// When the follow-up phase began (the bilan itself ended).
    pub bilan_ended_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEnrolment {
    pub person_id: Uuid,
    pub programme_id: Uuid,
    pub cohort_id: Option<Uuid>,
    pub coach_id: Option<Uuid>,
    pub referrer_id: Option<Uuid>,
    pub phase: Phase,
    pub entered_at: i64,
    pub last_activity_at: i64,
    /// Where the person lives, for the reports' breakdown (from their commune).
    pub departement: Option<String>,
    /// The publics declared (bit i: `Public::ALL[i]`).
    pub publics_mask: i64,
}

/// The quarter ("2025-Q3") of a moment, in UTC (a report groups entries by quarter).
pub(crate) fn quarter_of_ms(ms: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(ms / 1000).ok()?;
    Some(format!("{}-Q{}", t.year(), u8::from(t.month()).div_ceil(3)))
}

/// One line of a caseload: the enrolment with the person's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseloadRow {
    pub person_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub enrolment: Enrolment,
    /// Activities of a phase already reached whose due date has passed, not done.
    pub overdue_activities: u32,
    /// Whole days since the last activity on the enrolment.
    pub days_inactive: u32,
    /// The next booked session, if any.
    pub next_appointment: Option<i64>,
    /// Sessions missed since the last one held.
    pub missed_appointments: u32,
    /// Finished questionnaires whose answers look unreliable (straight-lining, too fast).
    pub flagged_answers: u32,
    /// Messages from the person the staff has not read yet.
    pub unread_messages: u32,
    /// Activities finished, of those planned.
    pub activities_done: u32,
    pub activities_planned: u32,
}

fn person_record(m: person::Model) -> Person {
    Person {
        id: m.id,
        tenant_id: m.tenant_id,
        user_id: m.user_id,
        first_name: m.first_name,
        last_name: m.last_name,
        email: m.email,
        phone: m.phone,
        commune_code: m.commune_code,
        birth_year: m.birth_year,
    }
}

fn enrolment_record(m: enrolment::Model) -> Result<Enrolment, DbErr> {
    Ok(Enrolment {
        id: m.id,
        person_id: m.person_id,
        programme_id: m.programme_id,
        coach_id: m.coach_id,
        referrer_id: m.referrer_id,
        phase: parse_code(&m.phase)?,
        status: m.status,
        entered_at: m.entered_at,
        last_activity_at: m.last_activity_at,
        bilan_ended_at: m.bilan_ended_at,
    })
}

pub async fn insert_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    new: NewPerson<'_>,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    person::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        user_id: Set(new.user_id),
        first_name: Set(new.first_name.to_owned()),
        last_name: Set(new.last_name.to_owned()),
        email: Set(new.email.map(str::to_owned)),
        phone: Set(new.phone.map(str::to_owned)),
        commune_code: Set(new.commune_code.map(str::to_owned)),
        birth_year: Set(new.birth_year),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// The person, if they belong to this tenant; another tenant's person is "not found".
pub async fn find_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<Person>, DbErr> {
    Ok(person::Entity::find_by_id(id)
        .filter(person::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(person_record))
}

/// Several people of the tenant at once, by id.
pub async fn find_persons(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<std::collections::HashMap<Uuid, Person>, DbErr> {
    Ok(person::Entity::find()
        .filter(person::Column::TenantId.eq(scope.id()))
        .filter(person::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, person_record(p)))
        .collect())
}

pub async fn find_person_of_user(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    user_id: Uuid,
) -> Result<Option<Person>, DbErr> {
    Ok(person::Entity::find()
        .filter(person::Column::TenantId.eq(scope.id()))
        .filter(person::Column::UserId.eq(user_id))
        .one(conn)
        .await?
        .map(person_record))
}

/// Changes contact details; false when no such person exists in the tenant.
pub async fn update_contact(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    contact: &Contact,
    now: i64,
) -> Result<bool, DbErr> {
    let result = person::Entity::update_many()
        .col_expr(person::Column::Email, contact.email.clone().into())
        .col_expr(person::Column::Phone, contact.phone.clone().into())
        .col_expr(
            person::Column::CommuneCode,
            contact.commune_code.clone().into(),
        )
        .col_expr(person::Column::UpdatedAt, now.into())
        .filter(person::Column::Id.eq(id))
        .filter(person::Column::TenantId.eq(scope.id()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn count_persons(conn: &impl ConnectionTrait, scope: TenantScope) -> Result<u64, DbErr> {
    person::Entity::find()
        .filter(person::Column::TenantId.eq(scope.id()))
        .count(conn)
        .await
}

pub async fn insert_enrolment(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    new: NewEnrolment,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    enrolment::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        person_id: Set(new.person_id),
        programme_id: Set(new.programme_id),
        coach_id: Set(new.coach_id),
        referrer_id: Set(new.referrer_id),
        phase: Set(new.phase.code().to_owned()),
        status: Set("in_progress".to_owned()),
        entered_at: Set(new.entered_at),
        last_activity_at: Set(new.last_activity_at),
        bilan_ended_at: Set(None),
        cohort_id: Set(new.cohort_id),
        departement: Set(new.departement),
        publics_mask: Set(new.publics_mask),
        entry_quarter: Set(quarter_of_ms(new.entered_at)),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(id)
}

pub async fn enrolments_of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
) -> Result<Vec<Enrolment>, DbErr> {
    enrolment::Entity::find()
        .filter(enrolment::Column::TenantId.eq(scope.id()))
        .filter(enrolment::Column::PersonId.eq(person_id))
        .order_by_desc(enrolment::Column::EnteredAt)
        .all(conn)
        .await?
        .into_iter()
        .map(enrolment_record)
        .collect()
}

/// Everyone enrolled in a tenant, ended or not, optionally only those of one coach,
/// with names. Two queries whatever the size: enrolments, then the persons they name.
pub async fn caseload(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    coach_id: Option<Uuid>,
    now: i64,
) -> Result<Vec<CaseloadRow>, DbErr> {
    caseload_since(conn, scope, coach_id, None, None, now).await
}

/// The people followed now: in progress, or out of the programme since `ended_since`
/// (an ISO date: the follow-up year) — not the history of programmes long over.
/// At most `limit` of them (the most recently active) when given: a whole tenant can
/// hold a million people.
pub async fn followed(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    coach_id: Option<Uuid>,
    ended_since: &str,
    limit: Option<u64>,
    now: i64,
) -> Result<Vec<CaseloadRow>, DbErr> {
    caseload_since(conn, scope, coach_id, Some(ended_since), limit, now).await
}

/// How many people `followed` would list without a limit.
pub async fn count_followed(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    ended_since: &str,
) -> Result<u64, DbErr> {
    followed_query(scope, None, Some(ended_since))
        .count(conn)
        .await
}

fn followed_query(
    scope: TenantScope,
    coach_id: Option<Uuid>,
    ended_since: Option<&str>,
) -> sea_orm::Select<enrolment::Entity> {
    let mut query = enrolment::Entity::find().filter(enrolment::Column::TenantId.eq(scope.id()));
    if let Some(coach) = coach_id {
        query = query.filter(enrolment::Column::CoachId.eq(coach));
    }
    if let Some(since) = ended_since {
        query = query.filter(
            sea_orm::Condition::any()
                .add(enrolment::Column::EndedOn.is_null())
                .add(enrolment::Column::EndedOn.gte(since)),
        );
    }
    query
}

async fn caseload_since(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    coach_id: Option<Uuid>,
    ended_since: Option<&str>,
    limit: Option<u64>,
    now: i64,
) -> Result<Vec<CaseloadRow>, DbErr> {
    let mut query = followed_query(scope, coach_id, ended_since);
    if limit.is_some() {
        query = query
            .order_by_desc(enrolment::Column::LastActivityAt)
            .limit(limit);
    }
    let enrolments = query.all(conn).await?;
    let ids: Vec<Uuid> = enrolments.iter().map(|e| e.person_id).collect();
    let persons: HashMap<Uuid, person::Model> = person::Entity::find()
        .filter(person::Column::TenantId.eq(scope.id()))
        .filter(person::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let tallies = activity_tallies(conn, scope, enrolments.iter().map(|e| e.id), now).await?;
    let unread = super::messages::unread_from_people(conn, scope, persons.keys().copied()).await?;
    // Sessions of the whole caseload with their start times, in one query.
    let sessions: Vec<(Uuid, String, i64)> = appointment::Entity::find()
        .select_only()
        .column(appointment::Column::PersonId)
        .column(appointment::Column::Status)
        .column(slot::Column::StartsAt)
        .join(
            JoinType::InnerJoin,
            appointment::Entity::belongs_to(slot::Entity)
                .from(appointment::Column::SlotId)
                .to(slot::Column::Id)
                .into(),
        )
        .filter(appointment::Column::TenantId.eq(scope.id()))
        .filter(appointment::Column::PersonId.is_in(persons.keys().copied()))
        .filter(appointment::Column::Status.ne("cancelled"))
        .into_tuple()
        .all(conn)
        .await?;
    let day = 24 * 3600 * 1000;
    let mut rows = Vec::with_capacity(enrolments.len());
    for e in enrolments {
        if let Some(p) = persons.get(&e.person_id) {
            let enrolment = enrolment_record(e)?;
            let reached = enrolment.phase.step();
            let theirs_by_phase = tallies.get(&enrolment.id).map_or(&[][..], Vec::as_slice);
            let mut tally = ActivityTally::default();
            let mut overdue = 0;
            for (phase, t) in theirs_by_phase {
                tally.planned += t.planned;
                tally.done += t.done;
                tally.flagged += t.flagged;
                // Only what is due in a phase the person has reached is late.
                if phase
                    .parse::<Phase>()
                    .is_ok_and(|phase| phase.step() <= reached)
                {
                    overdue += t.late;
                }
            }
            let theirs: Vec<(&str, i64)> = sessions
                .iter()
                .filter(|(person, _, _)| *person == p.id)
                .map(|(_, status, at)| (status.as_str(), *at))
                .collect();
            let next_appointment = theirs
                .iter()
                .filter(|(status, at)| *status == "booked" && *at > now)
                .map(|(_, at)| *at)
                .min();
            let last_held = theirs
                .iter()
                .filter(|(status, _)| *status == "held")
                .map(|(_, at)| *at)
                .max()
                .unwrap_or(i64::MIN);
            let missed = theirs
                .iter()
                .filter(|(status, at)| *status == "missed" && *at > last_held)
                .count();
            rows.push(CaseloadRow {
                activities_done: u32::try_from(tally.done).unwrap_or(0),
                activities_planned: u32::try_from(tally.planned).unwrap_or(0),
                flagged_answers: u32::try_from(tally.flagged).unwrap_or(u32::MAX),
                unread_messages: unread.get(&p.id).copied().unwrap_or(0),
                next_appointment,
                missed_appointments: u32::try_from(missed).unwrap_or(u32::MAX),
                person_id: p.id,
                first_name: p.first_name.clone(),
                last_name: p.last_name.clone(),
                overdue_activities: u32::try_from(overdue).unwrap_or(u32::MAX),
                days_inactive: u32::try_from((now - enrolment.last_activity_at).max(0) / day)
                    .unwrap_or(u32::MAX),
                enrolment,
            });
        }
    }
    rows.sort_by(|a, b| (&a.last_name, &a.first_name).cmp(&(&b.last_name, &b.first_name)));
    Ok(rows)
}

/// `SUM(CASE WHEN condition THEN 1 ELSE 0 END)`: how many rows of a group match.
fn count_where(condition: Condition) -> Expr {
    Func::sum(CaseStatement::new().case(condition, 1).finally(0)).into()
}

#[derive(Debug, Default, Clone, Copy)]
struct ActivityTally {
    planned: i64,
    done: i64,
    late: i64,
    flagged: i64,
}

/// The activities of many enrolments counted per enrolment and phase in one query
/// (planned, finished, past due and unfinished, with answer-quality flags): a few rows
/// a person rather than one a questionnaire.
async fn activity_tallies(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    enrolments: impl IntoIterator<Item = Uuid>,
    now: i64,
) -> Result<HashMap<Uuid, Vec<(String, ActivityTally)>>, DbErr> {
    let rows: Vec<(Uuid, String, i64, i64, i64, i64)> = activity::Entity::find()
        .select_only()
        .column(activity::Column::EnrolmentId)
        .column(activity::Column::Phase)
        .column_as(activity::Column::Id.count(), "planned")
        .column_as(activity::Column::CompletedAt.count(), "done")
        .column_as(
            count_where(
                Condition::all()
                    .add(activity::Column::CompletedAt.is_null())
                    .add(activity::Column::DueAt.lt(now)),
            ),
            "late",
        )
        .column_as(
            count_where(
                Condition::all()
                    .add(activity::Column::QualityFlags.is_not_null())
                    .add(activity::Column::QualityFlags.ne("")),
            ),
            "flagged",
        )
        .filter(activity::Column::TenantId.eq(scope.id()))
        .filter(activity::Column::EnrolmentId.is_in(enrolments))
        .group_by(activity::Column::EnrolmentId)
        .group_by(activity::Column::Phase)
        .into_tuple()
        .all(conn)
        .await?;
    let mut tallies: HashMap<Uuid, Vec<(String, ActivityTally)>> = HashMap::new();
    for (enrolment, phase, planned, done, late, flagged) in rows {
        tallies.entry(enrolment).or_default().push((
            phase,
            ActivityTally {
                planned,
                done,
                late,
                flagged,
            },
        ));
    }
    Ok(tallies)
}

/// How many people are at each phase of a programme. Aggregate only: callers apply
/// small-cell suppression before showing it.
pub async fn phase_counts(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
) -> Result<Vec<(Phase, u64)>, DbErr> {
    // Scoped through the programme's owner: every enrolment in the tenant's programme
    // counts, as its manager and funder read the whole programme.
    let own = programme::Entity::find()
        .select_only()
        .column(programme::Column::Id)
        .filter(programme::Column::TenantId.eq(scope.id()))
        .into_query();
    let rows: Vec<(String, i64)> = enrolment::Entity::find()
        .select_only()
        .column(enrolment::Column::Phase)
        .column_as(enrolment::Column::Id.count(), "n")
        .filter(enrolment::Column::ProgrammeId.eq(programme_id))
        .filter(enrolment::Column::ProgrammeId.in_subquery(own))
        .group_by(enrolment::Column::Phase)
        .into_tuple()
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|(phase, n)| Ok((parse_code(&phase)?, u64::try_from(n).unwrap_or(0))))
        .collect()
}

/// Phase counts of the people one referrer organisation sent into a programme.
pub async fn phase_counts_for_referrer(
    conn: &impl ConnectionTrait,
    referrer: ReferrerScope,
    programme_id: Uuid,
) -> Result<Vec<(Phase, u64)>, DbErr> {
    let referrer_id = referrer.id();
    let rows: Vec<(String, i64)> = enrolment::Entity::find()
        .select_only()
        .column(enrolment::Column::Phase)
        .column_as(enrolment::Column::Id.count(), "n")
        .filter(enrolment::Column::ProgrammeId.eq(programme_id))
        .filter(enrolment::Column::ReferrerId.eq(referrer_id))
        .apply_if(referrer.operator(), |q, op| {
            q.filter(enrolment::Column::TenantId.eq(op))
        })
        .group_by(enrolment::Column::Phase)
        .into_tuple()
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|(phase, n)| Ok((parse_code(&phase)?, u64::try_from(n).unwrap_or(0))))
        .collect()
}

/// The person's most recent enrolment: the one their bilan runs in.
pub async fn current_enrolment(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
) -> Result<Option<Enrolment>, DbErr> {
    Ok(enrolments_of_person(conn, scope, person_id)
        .await?
        .into_iter()
        .next())
}

/// Gives the person the account they sign in with; false when the person is not in the
/// tenant or already has one (a second invitation changes nothing).
pub async fn attach_user(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    user_id: Uuid,
    now: i64,
) -> Result<bool, DbErr> {
    let result = person::Entity::update_many()
        .col_expr(person::Column::UserId, Some(user_id).into())
        .col_expr(person::Column::UpdatedAt, now.into())
        .filter(person::Column::Id.eq(id))
        .filter(person::Column::TenantId.eq(scope.id()))
        .filter(person::Column::UserId.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}
