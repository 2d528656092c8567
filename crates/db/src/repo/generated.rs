//! Bulk writes of generated (synthetic) people for benchmarks: a batch of persons with
//! their enrolment, activities, answers, pistes, sessions and exit facts, written with
//! multi-row inserts. Never used for real people: real writes go through the checked
//! paths of each feature.

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};
use uuid::Uuid;

use super::outcomes::OutcomeFact;
use crate::TenantScope;
use crate::entities::{activity, answer, appointment, enrolment, person, piste_choice, slot};

#[derive(Debug, Clone)]
pub struct GenPerson {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub commune_code: String,
    pub birth_year: i32,
}

#[derive(Debug, Clone)]
pub struct GenEnrolment {
    pub id: Uuid,
    pub person_id: Uuid,
    pub programme_id: Uuid,
    pub coach_id: Uuid,
    pub phase: String,
    pub entered_at: i64,
    pub last_activity_at: i64,
    pub departement: String,
    pub entry_quarter: Option<String>,
    pub publics_mask: i64,
    /// The exit fact, mirrored on the enrolment, when the person has left.
    pub exit: Option<(String, OutcomeFact)>,
}

#[derive(Debug, Clone)]
pub struct GenActivity {
    pub id: Uuid,
    pub person_id: Uuid,
    pub enrolment_id: Uuid,
    pub instrument_id: String,
    pub instrument_version: i32,
    pub occasion: String,
    pub phase: String,
    pub due_at: i64,
    pub completed_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct GenAnswer {
    pub activity_id: Uuid,
    pub item_id: String,
    pub value: String,
    pub answered_at: i64,
}

#[derive(Debug, Clone)]
pub struct GenPiste {
    pub person_id: Uuid,
    pub code_rome: String,
    pub shortlisted: bool,
    pub by: Uuid,
}

/// A session with the coach: a slot of their agenda and its appointment.
#[derive(Debug, Clone)]
pub struct GenSession {
    pub coach_id: Uuid,
    pub person_id: Uuid,
    pub starts_at: i64,
    /// booked, held or missed.
    pub status: String,
}

#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub persons: Vec<GenPerson>,
    pub enrolments: Vec<GenEnrolment>,
    pub activities: Vec<GenActivity>,
    pub answers: Vec<GenAnswer>,
    pub pistes: Vec<GenPiste>,
    pub sessions: Vec<GenSession>,
}

/// Rows per multi-row insert: SQLite allows 32,766 bound values in one statement.
fn rows_per_insert(columns: usize) -> usize {
    (30_000 / columns.max(1)).max(1)
}

async fn insert_chunked<E, A>(
    conn: &impl ConnectionTrait,
    models: Vec<A>,
    columns: usize,
) -> Result<(), DbErr>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E> + Send,
{
    let mut models = models.into_iter().peekable();
    while models.peek().is_some() {
        let chunk: Vec<A> = models.by_ref().take(rows_per_insert(columns)).collect();
        E::insert_many(chunk).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Writes one batch; the caller holds the transaction.
pub async fn insert_batch(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    batch: Batch,
    now: i64,
) -> Result<(), DbErr> {
    let tenant = scope.id();
    let persons = batch.persons.into_iter().map(|p| person::ActiveModel {
        id: Set(p.id),
        tenant_id: Set(tenant),
        user_id: Set(None),
        first_name: Set(p.first_name),
        last_name: Set(p.last_name),
        email: Set(None),
        phone: Set(None),
        commune_code: Set(Some(p.commune_code)),
        birth_year: Set(Some(p.birth_year)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    });
    insert_chunked(conn, persons.collect(), 11).await?;

    let mut outcomes = Vec::new();
    let enrolments: Vec<enrolment::ActiveModel> = batch
        .enrolments
        .into_iter()
        .map(|e| {
            let exit = e.exit.as_ref();
            let fact = exit.map(|(_, f)| f);
            if let Some((_, fact)) = &e.exit {
                outcomes.push(super::outcomes::fact_model(
                    scope,
                    e.id,
                    e.person_id,
                    fact,
                    None,
                    now,
                ));
            }
            enrolment::ActiveModel {
                id: Set(e.id),
                tenant_id: Set(tenant),
                person_id: Set(e.person_id),
                programme_id: Set(e.programme_id),
                coach_id: Set(Some(e.coach_id)),
                referrer_id: Set(None),
                phase: Set(e.phase),
                status: Set(fact.map_or_else(|| "in_progress".to_owned(), |f| f.status.clone())),
                entered_at: Set(e.entered_at),
                last_activity_at: Set(e.last_activity_at),
                bilan_ended_at: Set(None),
                cohort_id: Set(None),
                ended_on: Set(exit.map(|(day, _)| day.clone())),
                drop_reason: Set(fact.and_then(|f| f.drop_reason.clone())),
                drop_reason_code: Set(fact.and_then(|f| f.drop_reason_code.clone())),
                external_id: Set(None),
                publics_mask: Set(e.publics_mask),
                departement: Set(Some(e.departement)),
                entry_quarter: Set(e.entry_quarter),
                exit_situation: Set(fact.and_then(|f| f.situation.clone())),
                exit_contract_type: Set(fact.and_then(|f| f.contract_type.clone())),
                exit_contract_months: Set(fact.and_then(|f| f.contract_months)),
                exit_qualifying: Set(fact.and_then(|f| f.qualifying)),
            }
        })
        .collect();
    insert_chunked(conn, enrolments, 22).await?;
    insert_chunked(conn, outcomes, 18).await?;

    let activities = batch.activities.into_iter().map(|a| activity::ActiveModel {
        id: Set(a.id),
        tenant_id: Set(tenant),
        person_id: Set(a.person_id),
        enrolment_id: Set(a.enrolment_id),
        instrument_id: Set(a.instrument_id),
        instrument_version: Set(a.instrument_version),
        occasion: Set(a.occasion),
        phase: Set(a.phase),
        due_at: Set(a.due_at),
        started_at: Set(a.completed_at.map(|at| at - 20 * 60 * 1000)),
        completed_at: Set(a.completed_at),
        quality_flags: Set(None),
        created_at: Set(now),
    });
    insert_chunked(conn, activities.collect(), 13).await?;

    let answers = batch.answers.into_iter().map(|a| answer::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant),
        activity_id: Set(a.activity_id),
        item_id: Set(a.item_id),
        value: Set(a.value),
        answered_at: Set(a.answered_at),
    });
    insert_chunked(conn, answers.collect(), 6).await?;

    let pistes = batch.pistes.into_iter().map(|p| piste_choice::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant),
        person_id: Set(p.person_id),
        code_rome: Set(p.code_rome),
        shortlisted: Set(p.shortlisted),
        rejected_reason: Set(None),
        pinned: Set(false),
        updated_by: Set(p.by),
        updated_at: Set(now),
    });
    insert_chunked(conn, pistes.collect(), 9).await?;

    let mut slots = Vec::with_capacity(batch.sessions.len());
    let mut appointments = Vec::with_capacity(batch.sessions.len());
    for s in batch.sessions {
        let slot_id = Uuid::now_v7();
        slots.push(slot::ActiveModel {
            id: Set(slot_id),
            tenant_id: Set(tenant),
            coach_id: Set(s.coach_id),
            starts_at: Set(s.starts_at),
            minutes: Set(60),
            mode: Set("on_site".to_owned()),
            place: Set("Agence (générée)".to_owned()),
            created_at: Set(now),
            cancelled_at: Set(None),
        });
        let settled = s.status != "booked";
        appointments.push(appointment::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(tenant),
            slot_id: Set(slot_id),
            slot_hold: Set(if settled { None } else { Some(slot_id) }),
            person_id: Set(s.person_id),
            booked_via: Set("coach".to_owned()),
            booked_at: Set(s.starts_at - 7 * 24 * 3600 * 1000),
            status: Set(s.status),
            status_by: Set(settled.then_some(s.coach_id)),
            status_by_role: Set(settled.then(|| "coach".to_owned())),
            status_at: Set(settled.then_some(s.starts_at + 3600 * 1000)),
            notes: Set(None),
            notes_by: Set(None),
            notes_at: Set(None),
        });
    }
    insert_chunked(conn, slots, 9).await?;
    insert_chunked(conn, appointments, 14).await?;
    Ok(())
}
