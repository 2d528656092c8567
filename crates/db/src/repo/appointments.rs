//! Slots published by coaches, appointments booked in them, and booking invitations.
//! Tenant-scoped, except finding an invitation by its token's hash (the token is the key).

use std::collections::HashMap;

use parcours_domain::appointment::{AppointmentStatus, BookedVia, SessionMode};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use super::parse_code;
use crate::TenantScope;
use crate::entities::{appointment, booking_invitation, slot};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub id: Uuid,
    pub coach_id: Uuid,
    pub starts_at: i64,
    pub minutes: i32,
    pub mode: SessionMode,
    pub place: String,
    pub cancelled_at: Option<i64>,
}

impl TryFrom<slot::Model> for Slot {
    type Error = DbErr;
    fn try_from(m: slot::Model) -> Result<Self, DbErr> {
        Ok(Slot {
            id: m.id,
            coach_id: m.coach_id,
            starts_at: m.starts_at,
            minutes: m.minutes,
            mode: parse_code(&m.mode)?,
            place: m.place,
            cancelled_at: m.cancelled_at,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub id: Uuid,
    pub slot: Slot,
    pub person_id: Uuid,
    pub booked_via: BookedVia,
    pub booked_at: i64,
    pub status: AppointmentStatus,
    pub status_by: Option<Uuid>,
    /// "person" or "coach".
    pub status_by_role: Option<String>,
    pub status_at: Option<i64>,
    pub notes: Option<String>,
    pub notes_at: Option<i64>,
}

fn appointment_of(m: appointment::Model, slot: Slot) -> Result<Appointment, DbErr> {
    Ok(Appointment {
        id: m.id,
        slot,
        person_id: m.person_id,
        booked_via: parse_code(&m.booked_via)?,
        booked_at: m.booked_at,
        status: parse_code(&m.status)?,
        status_by: m.status_by,
        status_by_role: m.status_by_role,
        status_at: m.status_at,
        notes: m.notes,
        notes_at: m.notes_at,
    })
}

pub struct NewSlot<'a> {
    pub starts_at: i64,
    pub minutes: i32,
    pub mode: SessionMode,
    pub place: &'a str,
}

pub async fn insert_slot(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    coach: Uuid,
    new: &NewSlot<'_>,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    slot::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        coach_id: Set(coach),
        starts_at: Set(new.starts_at),
        minutes: Set(new.minutes),
        mode: Set(new.mode.code().to_owned()),
        place: Set(new.place.to_owned()),
        created_at: Set(now),
        cancelled_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

pub async fn find_slot(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<Slot>, DbErr> {
    slot::Entity::find_by_id(id)
        .filter(slot::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(Slot::try_from)
        .transpose()
}

/// Locks a slot's row for the rest of the transaction and returns it as it is then.
/// Call it first in the transaction that books or withdraws the slot: it writes (a
/// no-op update), so PostgreSQL holds the row lock until commit and SQLite takes its
/// write lock before any read — a booking and a withdrawal then happen one after the
/// other, the second seeing what the first did.
pub async fn lock_slot(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<Slot>, DbErr> {
    slot::Entity::update_many()
        .filter(slot::Column::TenantId.eq(scope.id()))
        .filter(slot::Column::Id.eq(id))
        .col_expr(
            slot::Column::CancelledAt,
            Expr::col(slot::Column::CancelledAt),
        )
        .exec(conn)
        .await?;
    find_slot(conn, scope, id).await
}

/// The coach's slots starting from `from`, each with its standing booking (if any).
pub async fn slots_of_coach(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    coach: Uuid,
    from: i64,
) -> Result<Vec<(Slot, Option<Appointment>)>, DbErr> {
    let slots: Vec<Slot> = slot::Entity::find()
        .filter(slot::Column::TenantId.eq(scope.id()))
        .filter(slot::Column::CoachId.eq(coach))
        .filter(slot::Column::StartsAt.gte(from))
        .order_by_asc(slot::Column::StartsAt)
        .all(conn)
        .await?
        .into_iter()
        .map(Slot::try_from)
        .collect::<Result<_, _>>()?;
    let ids: Vec<Uuid> = slots.iter().map(|s| s.id).collect();
    let mut standing: HashMap<Uuid, appointment::Model> = appointment::Entity::find()
        .filter(appointment::Column::TenantId.eq(scope.id()))
        .filter(appointment::Column::SlotHold.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.slot_id, a))
        .collect();
    slots
        .into_iter()
        .map(|s| {
            let booking = standing
                .remove(&s.id)
                .map(|a| appointment_of(a, s.clone()))
                .transpose()?;
            Ok((s, booking))
        })
        .collect()
}

/// Slots of the coach that anyone may still book: future, not withdrawn, free.
pub async fn open_slots_of_coach(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    coach: Uuid,
    now: i64,
) -> Result<Vec<Slot>, DbErr> {
    Ok(slots_of_coach(conn, scope, coach, now)
        .await?
        .into_iter()
        .filter(|(s, booking)| s.cancelled_at.is_none() && booking.is_none())
        .map(|(s, _)| s)
        .collect())
}

/// Someone holds the slot (a booking that was not cancelled).
pub async fn is_held(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    slot: Uuid,
) -> Result<bool, DbErr> {
    Ok(appointment::Entity::find()
        .filter(appointment::Column::TenantId.eq(scope.id()))
        .filter(appointment::Column::SlotHold.eq(slot))
        .one(conn)
        .await?
        .is_some())
}

pub async fn withdraw_slot(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    now: i64,
) -> Result<bool, DbErr> {
    let r = slot::Entity::update_many()
        .col_expr(slot::Column::CancelledAt, Expr::value(now))
        .filter(slot::Column::Id.eq(id))
        .filter(slot::Column::TenantId.eq(scope.id()))
        .filter(slot::Column::CancelledAt.is_null())
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Books the slot. A slot already held fails with a unique violation.
pub async fn insert_appointment(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    slot: Uuid,
    person: Uuid,
    via: BookedVia,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    appointment::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        slot_id: Set(slot),
        slot_hold: Set(Some(slot)),
        person_id: Set(person),
        booked_via: Set(via.code().to_owned()),
        booked_at: Set(now),
        status: Set(AppointmentStatus::Booked.code().to_owned()),
        status_by: Set(None),
        status_by_role: Set(None),
        status_at: Set(None),
        notes: Set(None),
        notes_by: Set(None),
        notes_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

async fn with_slots(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    rows: Vec<appointment::Model>,
) -> Result<Vec<Appointment>, DbErr> {
    let ids: Vec<Uuid> = rows.iter().map(|a| a.slot_id).collect();
    let slots: HashMap<Uuid, Slot> = slot::Entity::find()
        .filter(slot::Column::TenantId.eq(scope.id()))
        .filter(slot::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| Slot::try_from(s).map(|s| (s.id, s)))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(slot) = slots.get(&row.slot_id) else {
            return Err(DbErr::Custom(format!(
                "appointment {} without its slot",
                row.id
            )));
        };
        out.push(appointment_of(row, slot.clone())?);
    }
    out.sort_by_key(|a| a.slot.starts_at);
    Ok(out)
}

/// Every appointment of the person, in time order.
pub async fn appointments_of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
) -> Result<Vec<Appointment>, DbErr> {
    let rows = appointment::Entity::find()
        .filter(appointment::Column::TenantId.eq(scope.id()))
        .filter(appointment::Column::PersonId.eq(person))
        .all(conn)
        .await?;
    with_slots(conn, scope, rows).await
}

/// Appointments of several people (a caseload), in time order.
pub async fn appointments_of_people(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    people: &[Uuid],
) -> Result<Vec<Appointment>, DbErr> {
    let rows = appointment::Entity::find()
        .filter(appointment::Column::TenantId.eq(scope.id()))
        .filter(appointment::Column::PersonId.is_in(people.iter().copied()))
        .all(conn)
        .await?;
    with_slots(conn, scope, rows).await
}

pub async fn find_appointment(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<Appointment>, DbErr> {
    let Some(row) = appointment::Entity::find_by_id(id)
        .filter(appointment::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(with_slots(conn, scope, vec![row]).await?.pop())
}

/// Records what became of the appointment; a cancellation frees the slot.
pub async fn set_status(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    status: AppointmentStatus,
    by: Option<Uuid>,
    by_role: &str,
    now: i64,
) -> Result<bool, DbErr> {
    let mut update = appointment::Entity::update_many()
        .col_expr(appointment::Column::Status, Expr::value(status.code()))
        .col_expr(appointment::Column::StatusBy, Expr::value(by))
        .col_expr(appointment::Column::StatusByRole, Expr::value(by_role))
        .col_expr(appointment::Column::StatusAt, Expr::value(now));
    if status == AppointmentStatus::Cancelled {
        update = update.col_expr(
            appointment::Column::SlotHold,
            Expr::value(Option::<Uuid>::None),
        );
    }
    let r = update
        .filter(appointment::Column::Id.eq(id))
        .filter(appointment::Column::TenantId.eq(scope.id()))
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

pub async fn set_notes(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    notes: Option<&str>,
    by: Uuid,
    now: i64,
) -> Result<bool, DbErr> {
    let r = appointment::Entity::update_many()
        .col_expr(appointment::Column::Notes, Expr::value(notes))
        .col_expr(appointment::Column::NotesBy, Expr::value(by))
        .col_expr(appointment::Column::NotesAt, Expr::value(now))
        .filter(appointment::Column::Id.eq(id))
        .filter(appointment::Column::TenantId.eq(scope.id()))
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub person_id: Uuid,
    pub coach_id: Uuid,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

impl From<booking_invitation::Model> for Invitation {
    fn from(m: booking_invitation::Model) -> Self {
        Invitation {
            id: m.id,
            tenant_id: m.tenant_id,
            person_id: m.person_id,
            coach_id: m.coach_id,
            created_at: m.created_at,
            expires_at: m.expires_at,
            used_at: m.used_at,
        }
    }
}

pub async fn insert_invitation(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
    coach: Uuid,
    token_hash: &str,
    expires_at: i64,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    booking_invitation::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        person_id: Set(person),
        coach_id: Set(coach),
        token_hash: Set(token_hash.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// Lookups that cross tenants.
pub mod unscoped {
    use super::*;

    /// The invitation a link's token opens; the caller checks expiry. The token is the
    /// key: the tenant is only known from the row it finds.
    pub async fn invitation_by_token_hash(
        conn: &impl ConnectionTrait,
        token_hash: &str,
    ) -> Result<Option<Invitation>, DbErr> {
        Ok(booking_invitation::Entity::find()
            .filter(booking_invitation::Column::TokenHash.eq(token_hash))
            .one(conn)
            .await?
            .map(Invitation::from))
    }
}

/// Marks it used once; false if it already was (two tabs booking at once).
pub async fn use_invitation(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    now: i64,
) -> Result<bool, DbErr> {
    let r = booking_invitation::Entity::update_many()
        .col_expr(booking_invitation::Column::UsedAt, Expr::value(now))
        .filter(booking_invitation::Column::TenantId.eq(scope.id()))
        .filter(booking_invitation::Column::Id.eq(id))
        .filter(booking_invitation::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}
