//! Coaching sessions. The coach publishes slots; the person is invited (not summoned)
//! to pick one from a link, or from their own space; a confirmation with a calendar
//! file and a reminder are emailed by the worker; the coach records what happened and
//! writes session notes. Held sessions count towards the bilan's hours.

use parcours_db::repo::appointments::{self as repo, NewSlot};
pub use parcours_db::repo::appointments::{Appointment, Slot};
use parcours_db::repo::{accounts, people};
use parcours_db::{TenantScope, is_unique_violation};
use parcours_domain::appointment::{
    AppointmentStatus, BookedVia, CalendarEvent, MAX_MINUTES, MAX_SERIES, MIN_MINUTES, SessionMode,
    from_paris_local, ics, paris_local,
};
use parcours_domain::{Action, Role, allows};
use uuid::Uuid;

use crate::auth::Actor;
use crate::jobs::{self, Payload, kind};
use crate::mail::{self, CalendarFile, OutgoingMail};
use crate::people::{Person, relation_to};
use crate::unit_of_work::Audit;
use crate::{App, AppError, digest, random_token};

/// An invitation link stays usable this long.
pub const INVITATION_TTL_MS: i64 = 14 * 24 * 3600 * 1000;
/// The reminder goes out this long before the session.
pub const REMINDER_LEAD_MS: i64 = 24 * 3600 * 1000;
/// Attendance may be recorded from this long before the planned start: a session moved
/// earlier the same day is still recorded as held.
pub const RECORD_AHEAD_MS: i64 = 12 * 3600 * 1000;
/// Longest session notes.
pub const MAX_NOTES: usize = 10_000;
const MAX_PLACE: usize = 300;

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const SLOTS_PUBLISHED: AuditAction = AuditAction::AppointmentSlotsPublished;
    pub const SLOT_WITHDRAWN: AuditAction = AuditAction::AppointmentSlotWithdrawn;
    pub const INVITED: AuditAction = AuditAction::AppointmentInvited;
    pub const INVITATION_OPENED: AuditAction = AuditAction::AppointmentInvitationOpened;
    pub const BOOKED: AuditAction = AuditAction::AppointmentBooked;
    pub const STATUS_CHANGED: AuditAction = AuditAction::AppointmentStatusChanged;
    pub const NOTES_WRITTEN: AuditAction = AuditAction::AppointmentNotesWritten;
    pub const READ: AuditAction = AuditAction::AppointmentRead;
    pub const ACCESS_DENIED: AuditAction = AuditAction::AppointmentAccessDenied;
}

/// The slot form as typed (Paris wall-clock time).
#[derive(Debug, Clone, Default)]
pub struct SlotInput {
    /// YYYY-MM-DD
    pub date: String,
    /// HH:MM
    pub time: String,
    pub minutes: String,
    pub mode: String,
    pub place: String,
    /// How many consecutive slots, 1 by default.
    pub count: String,
}

impl SlotInput {
    /// The slots it describes, or every field error at once.
    pub fn parse(&self, now: i64) -> Result<(Vec<i64>, i32, SessionMode, String), AppError> {
        let mut errors = Vec::new();
        let mut push = |field, code| errors.push(crate::FieldError { field, code });
        let date = time::Date::parse(
            self.date.trim(),
            &time::macros::format_description!("[year]-[month]-[day]"),
        );
        let at = time::Time::parse(
            self.time.trim(),
            &time::macros::format_description!("[hour]:[minute]"),
        );
        if date.is_err() {
            push("date", "invalid");
        }
        if at.is_err() {
            push("time", "invalid");
        }
        let minutes = self.minutes.trim().parse::<i32>().ok();
        match minutes {
            Some(m) if (MIN_MINUTES..=MAX_MINUTES).contains(&m) => {}
            _ => push("minutes", "out_of_range"),
        }
        let mode = self.mode.parse::<SessionMode>().ok();
        if mode.is_none() {
            push("mode", "unknown_choice");
        }
        let place = self.place.trim().to_owned();
        if place.chars().count() > MAX_PLACE {
            push("place", "too_long");
        }
        if mode == Some(SessionMode::OnSite) && place.is_empty() {
            push("place", "required");
        }
        let count = match self.count.trim() {
            "" => Some(1),
            raw => raw
                .parse::<u32>()
                .ok()
                .filter(|c| (1..=MAX_SERIES).contains(c)),
        };
        if count.is_none() {
            push("count", "out_of_range");
        }
        let first = match (date, at) {
            (Ok(d), Ok(t)) => Some(from_paris_local(time::PrimitiveDateTime::new(d, t))),
            _ => None,
        };
        if first.is_some_and(|f| f <= now) {
            push("date", "in_the_past");
        }
        match (first, minutes, mode, count) {
            (Some(first), Some(m), Some(mode), Some(count)) if errors.is_empty() => {
                let step = i64::from(m) * 60_000;
                let starts = (0..i64::from(count)).map(|i| first + i * step).collect();
                Ok((starts, m, mode, place))
            }
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

/// A slot of the coach's agenda, with who booked it.
#[derive(Debug, Clone)]
pub struct AgendaSlot {
    pub slot: Slot,
    pub booking: Option<(Appointment, String)>,
}

#[derive(Debug, Clone)]
pub struct InvitationView {
    pub coach_name: String,
    pub usable: bool,
    pub open_slots: Vec<Slot>,
    /// The person's booked sessions still to come.
    pub upcoming: Vec<Appointment>,
}

#[derive(Debug, Clone)]
pub struct AppointmentsView {
    pub person: Person,
    pub is_self: bool,
    /// Coaches and managers record attendance and read session notes.
    pub can_manage: bool,
    pub appointments: Vec<Appointment>,
    /// Free slots of the person's coach, for booking from their own space.
    pub open_slots: Vec<Slot>,
    pub coach_name: Option<String>,
    /// Minutes of held sessions.
    pub held_minutes: u32,
}

/// A link just created for the person to pick a slot.
#[derive(Debug, Clone)]
pub struct InvitationSent {
    pub link: String,
    pub emailed: bool,
}

/// Minutes of the sessions that took place.
pub fn held_minutes(appointments: &[Appointment]) -> u32 {
    appointments
        .iter()
        .filter(|a| a.status == AppointmentStatus::Held)
        .map(|a| u32::try_from(a.slot.minutes).unwrap_or(0))
        .sum()
}

const DAYS_FR: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const DAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
/// Month names, shared with the web layer's dates.
pub const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
pub const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Today's date in Paris.
pub fn paris_today(now: i64) -> time::Date {
    paris_local(now).date()
}

/// "mercredi 3 décembre 2026 à 10h00" in Paris time.
pub fn when_fr(ms: i64) -> String {
    let t = paris_local(ms);
    format!("{} à {}h{:02}", day_fr(ms), t.hour(), t.minute())
}

pub fn when_en(ms: i64) -> String {
    let t = paris_local(ms);
    format!("{} at {:02}:{:02}", day_en(ms), t.hour(), t.minute())
}

/// "jeudi 3 décembre 2026", the Paris date.
pub fn day_fr(ms: i64) -> String {
    let t = paris_local(ms);
    format!(
        "{} {} {} {}",
        DAYS_FR[usize::from(t.weekday().number_days_from_monday())],
        t.day(),
        MONTHS_FR[usize::from(u8::from(t.month())) - 1],
        t.year()
    )
}

/// "Thursday, 3 December 2026", the Paris date.
pub fn day_en(ms: i64) -> String {
    let t = paris_local(ms);
    format!(
        "{}, {} {} {}",
        DAYS_EN[usize::from(t.weekday().number_days_from_monday())],
        t.day(),
        MONTHS_EN[usize::from(u8::from(t.month())) - 1],
        t.year()
    )
}

fn mode_fr(mode: SessionMode) -> &'static str {
    match mode {
        SessionMode::Video => "en visio",
        SessionMode::Phone => "par téléphone",
        SessionMode::OnSite => "sur place",
    }
}

fn mode_en(mode: SessionMode) -> &'static str {
    match mode {
        SessionMode::Video => "by video",
        SessionMode::Phone => "by phone",
        SessionMode::OnSite => "on site",
    }
}

/// The calendar file of an appointment (no names: it travels by email).
pub fn calendar_of(appointment: &Appointment, base_url: &str, now: i64) -> String {
    let description = format!(
        "Rendez-vous Parcours ({}), {} min. / Parcours session ({}), {} min.\n{base_url}/parcours/rendez-vous",
        mode_fr(appointment.slot.mode),
        appointment.slot.minutes,
        mode_en(appointment.slot.mode),
        appointment.slot.minutes
    );
    ics(&CalendarEvent {
        uid: &format!("{}@parcours", appointment.id),
        starts_at: appointment.slot.starts_at,
        minutes: appointment.slot.minutes,
        summary: "Rendez-vous Parcours",
        location: &appointment.slot.place,
        description: &description,
        stamp: now,
        cancelled: appointment.status == AppointmentStatus::Cancelled,
    })
}

impl App {
    /// Where to write to the person: their contact address, else their login's.
    pub(crate) async fn contact_email(&self, person: &Person) -> Result<Option<String>, AppError> {
        if let Some(email) = &person.email {
            return Ok(Some(email.clone()));
        }
        Ok(match person.user_id {
            Some(user) => accounts::find_user(self.db(), user).await?.map(|u| u.email),
            None => None,
        })
    }

    /// Staff who run sessions: coaches and managers of the tenant.
    fn session_staff(actor: &Actor) -> Result<(), AppError> {
        if matches!(actor.role, Role::Coach | Role::ProgrammeManager) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub async fn publish_slots(&self, actor: &Actor, input: &SlotInput) -> Result<usize, AppError> {
        Self::session_staff(actor)?;
        let now = self.now();
        let (starts, minutes, mode, place) = input.parse(now)?;
        let scope = actor.tenant();
        let txn = self.change(actor).await?;
        for starts_at in &starts {
            repo::insert_slot(
                &*txn,
                scope,
                actor.user_id,
                &NewSlot {
                    starts_at: *starts_at,
                    minutes,
                    mode,
                    place: &place,
                },
                now,
            )
            .await?;
        }
        txn.commit(Audit::tenant(audit_action::SLOTS_PUBLISHED))
            .await?;
        Ok(starts.len())
    }

    /// The coach's agenda from today on: every slot, and who booked it.
    pub async fn agenda(&self, actor: &Actor) -> Result<Vec<AgendaSlot>, AppError> {
        Self::session_staff(actor)?;
        let scope = actor.tenant();
        let from = self.now() - 24 * 3600 * 1000;
        let slots = repo::slots_of_coach(self.db(), scope, actor.user_id, from).await?;
        // The names of everyone booked, in one query.
        let names = people::find_persons(
            self.db(),
            scope,
            slots
                .iter()
                .filter_map(|(_, b)| b.as_ref().map(|a| a.person_id)),
        )
        .await?;
        let out = slots
            .into_iter()
            .map(|(slot, booking)| AgendaSlot {
                slot,
                booking: booking.map(|a| {
                    let name = names
                        .get(&a.person_id)
                        .map(|p| format!("{} {}", p.first_name, p.last_name))
                        .unwrap_or_default();
                    (a, name)
                }),
            })
            .collect();
        Ok(out)
    }

    /// Withdraws a free slot of one's own agenda.
    pub async fn withdraw_slot(&self, actor: &Actor, slot_id: Uuid) -> Result<(), AppError> {
        Self::session_staff(actor)?;
        let scope = actor.tenant();
        let Some(slot) = repo::find_slot(self.db(), scope, slot_id).await? else {
            return Err(AppError::NotFound);
        };
        if slot.coach_id != actor.user_id {
            return Err(AppError::Forbidden);
        }
        let txn = self.change(actor).await?;
        let now = txn.at();
        // Under the slot's lock: a booking made meanwhile is seen, and one that comes
        // after finds the slot withdrawn.
        repo::lock_slot(&*txn, scope, slot.id).await?;
        if repo::is_held(&*txn, scope, slot.id).await? {
            return Err(AppError::invalid("slot", "booked"));
        }
        repo::withdraw_slot(&*txn, scope, slot.id, now).await?;
        txn.commit(Audit::tenant(audit_action::SLOT_WITHDRAWN))
            .await?;
        Ok(())
    }

    /// The coach invites the person to pick one of their slots: a link valid two weeks,
    /// emailed by the worker when the person has an address, shown to the coach anyway
    /// (to pass on by text message or on paper).
    pub async fn invite_to_book(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<InvitationSent, AppError> {
        Self::session_staff(actor)?;
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ManageJourney,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let now = self.now();
        let token = random_token();
        if token.is_empty() {
            return Err(AppError::Internal("no random source".into()));
        }
        let emailed = self.contact_email(&person).await?.is_some();
        let txn = self.change(actor).await?;
        let invitation = repo::insert_invitation(
            &*txn,
            scope,
            person.id,
            actor.user_id,
            &digest(&token),
            now + INVITATION_TTL_MS,
            now,
        )
        .await?;
        if emailed {
            jobs::queue(
                &*txn,
                Some(scope),
                kind::BOOKING_INVITATION,
                &Payload {
                    invitation_id: Some(invitation),
                    token: Some(token.clone()),
                    ..Payload::default()
                },
                now,
                now,
            )
            .await?;
        }
        txn.commit(Audit::of(audit_action::INVITED, person.id))
            .await?;
        Ok(InvitationSent {
            link: format!("{}/rendez-vous/{token}", self.config().base_url),
            emailed,
        })
    }

    /// What a link's token opens. The token is the key: no login, so that people far
    /// from digital tools can book from a text message.
    pub async fn invitation(&self, token: &str) -> Result<InvitationView, AppError> {
        let Some(invitation) = repo::invitation_by_token_hash(self.db(), &digest(token)).await?
        else {
            return Err(AppError::NotFound);
        };
        let scope = TenantScope::of(invitation.tenant_id);
        // Opened by whoever holds the link: no signed-in author.
        let txn = self.change_in(scope, None).await?;
        let now = txn.at();
        txn.commit(Audit::of(
            audit_action::INVITATION_OPENED,
            invitation.person_id,
        ))
        .await?;
        let usable = invitation.used_at.is_none() && invitation.expires_at > now;
        let open_slots = if usable {
            repo::open_slots_of_coach(self.db(), scope, invitation.coach_id, now).await?
        } else {
            Vec::new()
        };
        let upcoming = repo::appointments_of_person(self.db(), scope, invitation.person_id)
            .await?
            .into_iter()
            .filter(|a| a.status == AppointmentStatus::Booked && a.slot.starts_at > now)
            .collect();
        let coach_name = accounts::find_user(self.db(), invitation.coach_id)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default();
        Ok(InvitationView {
            coach_name,
            usable,
            open_slots,
            upcoming,
        })
    }

    /// Books a slot from an invitation link: once per link, a slot held by nobody.
    pub async fn book_with_invitation(&self, token: &str, slot_id: Uuid) -> Result<Uuid, AppError> {
        let Some(invitation) = repo::invitation_by_token_hash(self.db(), &digest(token)).await?
        else {
            return Err(AppError::NotFound);
        };
        let now = self.now();
        if invitation.used_at.is_some() || invitation.expires_at <= now {
            return Err(AppError::invalid("invitation", "expired"));
        }
        let scope = TenantScope::of(invitation.tenant_id);
        self.book(
            scope,
            invitation.coach_id,
            invitation.person_id,
            slot_id,
            BookedVia::Link,
            None,
            Some(invitation.id),
        )
        .await
    }

    /// The person books one of their coach's free slots from their own space.
    pub async fn book_own(&self, actor: &Actor, slot_id: Uuid) -> Result<Uuid, AppError> {
        let Some(person) =
            people::find_person_of_user(self.db(), actor.tenant(), actor.user_id).await?
        else {
            return Err(AppError::Forbidden);
        };
        let person = self
            .authorize_person(
                actor,
                person.id,
                Action::AnswerActivities,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let Some(coach) = people::current_enrolment(self.db(), actor.tenant(), person.id)
            .await?
            .and_then(|e| e.coach_id)
        else {
            return Err(AppError::invalid("slot", "no_coach"));
        };
        self.book(
            actor.tenant(),
            coach,
            person.id,
            slot_id,
            BookedVia::Account,
            Some(actor.user_id),
            None,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn book(
        &self,
        scope: TenantScope,
        coach: Uuid,
        person: Uuid,
        slot_id: Uuid,
        via: BookedVia,
        by_user: Option<Uuid>,
        invitation: Option<Uuid>,
    ) -> Result<Uuid, AppError> {
        let txn = self.change_in(scope, by_user).await?;
        let now = txn.at();
        // Read under the slot's lock: a withdrawal made meanwhile is seen (the slot
        // held by someone else fails on the unique hold below).
        let Some(slot) = repo::lock_slot(&*txn, scope, slot_id).await? else {
            return Err(AppError::invalid("slot", "unavailable"));
        };
        if slot.coach_id != coach || slot.cancelled_at.is_some() || slot.starts_at <= now {
            return Err(AppError::invalid("slot", "unavailable"));
        }
        if let Some(id) = invitation
            && !repo::use_invitation(&*txn, id, now).await?
        {
            return Err(AppError::invalid("invitation", "expired"));
        }
        let appointment =
            match repo::insert_appointment(&*txn, scope, slot.id, person, via, now).await {
                Ok(id) => id,
                Err(e) if is_unique_violation(&e) => {
                    return Err(AppError::invalid("slot", "taken"));
                }
                Err(e) => return Err(e.into()),
            };
        let payload = Payload {
            appointment_id: Some(appointment),
            ..Payload::default()
        };
        jobs::queue(
            &*txn,
            Some(scope),
            kind::APPOINTMENT_CONFIRMATION,
            &payload,
            now,
            now,
        )
        .await?;
        jobs::queue(
            &*txn,
            Some(scope),
            kind::APPOINTMENT_REMINDER,
            &payload,
            (slot.starts_at - REMINDER_LEAD_MS).max(now),
            now,
        )
        .await?;
        txn.commit(Audit::of(audit_action::BOOKED, person)).await?;
        Ok(appointment)
    }

    /// A person's sessions: for the person, their coach or manager. Audited.
    pub async fn appointments(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<AppointmentsView, AppError> {
        let person = self
            .read_person(
                actor,
                person_id,
                audit_action::READ,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let relation = relation_to(actor, &person);
        let can_manage = allows(actor.role, Action::ManageJourney, relation);
        let mut appointments = repo::appointments_of_person(self.db(), scope, person.id).await?;
        if !can_manage {
            // Session notes are the coaches' working notes.
            for a in &mut appointments {
                a.notes = None;
            }
        }
        let coach = people::current_enrolment(self.db(), scope, person.id)
            .await?
            .and_then(|e| e.coach_id);
        let open_slots = match (relation.is_self, coach) {
            (true, Some(coach)) => {
                repo::open_slots_of_coach(self.db(), scope, coach, self.now()).await?
            }
            _ => Vec::new(),
        };
        let coach_name = match coach {
            Some(id) => accounts::find_user(self.db(), id)
                .await?
                .map(|u| u.display_name),
            None => None,
        };
        Ok(AppointmentsView {
            held_minutes: held_minutes(&appointments),
            is_self: relation.is_self,
            can_manage,
            person,
            appointments,
            open_slots,
            coach_name,
        })
    }

    /// The appointment and the person it concerns, for someone allowed to act on it.
    /// The person an appointment of the actor's tenant is with, so that a page whose
    /// address names a person checks it before changing anything.
    pub async fn person_of_appointment(
        &self,
        actor: &Actor,
        appointment_id: Uuid,
    ) -> Result<Option<Uuid>, AppError> {
        Ok(
            repo::find_appointment(self.db(), actor.tenant(), appointment_id)
                .await?
                .map(|a| a.person_id),
        )
    }

    async fn appointment_for(
        &self,
        actor: &Actor,
        appointment_id: Uuid,
        action: Action,
    ) -> Result<(Appointment, Person), AppError> {
        let Some(appointment) =
            repo::find_appointment(self.db(), actor.tenant(), appointment_id).await?
        else {
            return Err(AppError::NotFound);
        };
        let person = self
            .authorize_person(
                actor,
                appointment.person_id,
                action,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        Ok((appointment, person))
    }

    /// The coach records what became of a session (held, missed, cancelled) and its
    /// notes; the person may only cancel a session still to come.
    pub async fn record_attendance(
        &self,
        actor: &Actor,
        appointment_id: Uuid,
        status: AppointmentStatus,
        notes: Option<&str>,
    ) -> Result<Uuid, AppError> {
        let (appointment, person) = self
            .appointment_for(actor, appointment_id, Action::ReadPersonFile)
            .await?;
        let relation = relation_to(actor, &person);
        let staff = allows(actor.role, Action::ManageJourney, relation);
        let now = self.now();
        let by_role = if staff { "coach" } else { "person" };
        if !staff {
            let own = allows(actor.role, Action::AnswerActivities, relation);
            if !own || status != AppointmentStatus::Cancelled || notes.is_some() {
                return Err(AppError::Forbidden);
            }
            if appointment.status != AppointmentStatus::Booked || appointment.slot.starts_at <= now
            {
                return Err(AppError::invalid("status", "too_late"));
            }
        }
        if status == AppointmentStatus::Booked {
            return Err(AppError::invalid("status", "unknown_choice"));
        }
        if matches!(status, AppointmentStatus::Held | AppointmentStatus::Missed)
            && appointment.slot.starts_at - RECORD_AHEAD_MS > now
        {
            return Err(AppError::invalid("status", "not_yet"));
        }
        if appointment.status == AppointmentStatus::Cancelled
            && status != AppointmentStatus::Cancelled
        {
            // A cancelled booking freed its slot: it cannot come back.
            return Err(AppError::invalid("status", "cancelled"));
        }
        let notes = match notes.map(str::trim) {
            Some(n) if n.chars().count() > MAX_NOTES => {
                return Err(AppError::invalid("notes", "too_long"));
            }
            Some("") => None,
            other => other,
        };
        let status_changed = status != appointment.status;
        let notes_changed = staff && notes != appointment.notes.as_deref();
        if !status_changed && !notes_changed {
            // Nothing to change, nothing to trace.
            return Ok(person.id);
        }
        let scope = actor.tenant();
        let txn = self.change(actor).await?;
        if status_changed {
            repo::set_status(
                &*txn,
                scope,
                appointment.id,
                status,
                Some(actor.user_id),
                by_role,
                now,
            )
            .await?;
        }
        if notes_changed {
            repo::set_notes(&*txn, scope, appointment.id, notes, actor.user_id, now).await?;
        }
        // One row per kind of change, the status's first.
        let last = if notes_changed {
            if status_changed {
                txn.audit(Audit::of(audit_action::STATUS_CHANGED, person.id))
                    .await?;
            }
            audit_action::NOTES_WRITTEN
        } else {
            audit_action::STATUS_CHANGED
        };
        txn.commit(Audit::of(last, person.id)).await?;
        Ok(person.id)
    }

    /// The calendar file of one's appointment (person or their staff).
    pub async fn appointment_calendar(
        &self,
        actor: &Actor,
        appointment_id: Uuid,
    ) -> Result<String, AppError> {
        let (appointment, person) = self
            .appointment_for(actor, appointment_id, Action::ReadPersonFile)
            .await?;
        self.record(actor, Audit::of(audit_action::READ, person.id))
            .await?;
        Ok(calendar_of(
            &appointment,
            &self.config().base_url,
            self.now(),
        ))
    }

    /// The calendar file from the invitation link (the token is the key).
    pub async fn invitation_calendar(
        &self,
        token: &str,
        appointment_id: Uuid,
    ) -> Result<String, AppError> {
        let Some(invitation) = repo::invitation_by_token_hash(self.db(), &digest(token)).await?
        else {
            return Err(AppError::NotFound);
        };
        let scope = TenantScope::of(invitation.tenant_id);
        match repo::find_appointment(self.db(), scope, appointment_id).await? {
            Some(a) if a.person_id == invitation.person_id => {
                Ok(calendar_of(&a, &self.config().base_url, self.now()))
            }
            _ => Err(AppError::NotFound),
        }
    }

    // ------------------------------------------------------------ worker side

    pub(crate) async fn send_invitation_mail(
        &self,
        scope: TenantScope,
        payload: &Payload,
    ) -> Result<(), AppError> {
        let (Some(token), Some(id)) = (&payload.token, payload.invitation_id) else {
            return Err(AppError::Internal(
                "invitation job without its token".into(),
            ));
        };
        let Some(invitation) = repo::invitation_by_token_hash(self.db(), &digest(token)).await?
        else {
            return Err(AppError::Internal(format!("invitation {id} is gone")));
        };
        let Some(person) = people::find_person(self.db(), scope, invitation.person_id).await?
        else {
            return Ok(());
        };
        let Some(to) = self.contact_email(&person).await? else {
            return Ok(());
        };
        let link = format!("{}/rendez-vous/{token}", self.config().base_url);
        let body = format!(
            "Bonjour,\n\nVotre conseiller ou conseillère Parcours vous propose de choisir un rendez-vous.\n\
             Ouvrez ce lien et prenez le créneau qui vous convient (valable 14 jours) :\n{link}\n\n\
             --\nHello,\nYour Parcours coach invites you to pick a time for your next session.\n\
             Open this link and choose the slot that suits you (valid for 14 days):\n{link}\n"
        );
        mail::send(
            &self.config().outbox_dir,
            OutgoingMail {
                to: &to,
                subject: "Parcours : choisissez votre rendez-vous",
                body,
                calendar: None,
            },
        )
    }

    pub(crate) async fn send_appointment_mail(
        &self,
        scope: TenantScope,
        job_kind: &str,
        payload: &Payload,
        now: i64,
    ) -> Result<(), AppError> {
        let Some(id) = payload.appointment_id else {
            return Err(AppError::Internal(
                "appointment job without its appointment".into(),
            ));
        };
        let Some(appointment) = repo::find_appointment(self.db(), scope, id).await? else {
            return Err(AppError::Internal(format!("appointment {id} is gone")));
        };
        // A cancelled or past session needs no reminder any more.
        if appointment.status != AppointmentStatus::Booked || appointment.slot.starts_at <= now {
            return Ok(());
        }
        let Some(person) = people::find_person(self.db(), scope, appointment.person_id).await?
        else {
            return Ok(());
        };
        let Some(to) = self.contact_email(&person).await? else {
            return Ok(());
        };
        let slot = &appointment.slot;
        let place = if slot.place.is_empty() {
            String::new()
        } else {
            format!("\n{}", slot.place)
        };
        let reminder = job_kind == kind::APPOINTMENT_REMINDER;
        let (subject, opening_fr, opening_en) = if reminder {
            (
                "Parcours : rappel de votre rendez-vous",
                "Petit rappel : vous avez rendez-vous",
                "A reminder: your session is",
            )
        } else {
            (
                "Parcours : votre rendez-vous est confirmé",
                "Votre rendez-vous est confirmé",
                "Your session is confirmed",
            )
        };
        let link = format!("{}/parcours/rendez-vous", self.config().base_url);
        let body = format!(
            "Bonjour,\n\n{opening_fr} le {} (heure de Paris), {} minutes, {}.{place}\n\n\
             Un empêchement ? Prévenez votre conseiller ou annulez depuis votre espace : {link}\n\n\
             --\nHello,\n\n{opening_en} on {} (Paris time), {} minutes, {}.{place}\n\n\
             Can't make it? Tell your coach or cancel from your space: {link}\n",
            when_fr(slot.starts_at),
            slot.minutes,
            mode_fr(slot.mode),
            when_en(slot.starts_at),
            slot.minutes,
            mode_en(slot.mode),
        );
        mail::send(
            &self.config().outbox_dir,
            OutgoingMail {
                to: &to,
                subject,
                body,
                calendar: Some(CalendarFile {
                    filename: "rendez-vous.ics".into(),
                    content: calendar_of(&appointment, &self.config().base_url, now),
                }),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_of_slots_follows_on() {
        let input = SlotInput {
            date: "2099-12-03".into(),
            time: "10:00".into(),
            minutes: "45".into(),
            mode: "phone".into(),
            place: String::new(),
            count: "3".into(),
        };
        let (starts, minutes, mode, _) = input.parse(0).unwrap();
        assert_eq!(starts.len(), 3);
        assert_eq!(starts[1] - starts[0], 45 * 60_000);
        assert_eq!((minutes, mode), (45, SessionMode::Phone));
        assert_eq!(paris_local(starts[0]).hour(), 10);
    }

    #[test]
    fn every_bad_field_is_named() {
        let input = SlotInput {
            date: "2020-01-01".into(),
            time: "25:00".into(),
            minutes: "5".into(),
            mode: "carrier pigeon".into(),
            place: String::new(),
            count: "99".into(),
        };
        let Err(AppError::Invalid(errors)) = input.parse(crate::now_ms()) else {
            panic!("expected field errors");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["time", "minutes", "mode", "count"]);
        let past = SlotInput {
            time: "10:00".into(),
            minutes: "60".into(),
            mode: "on_site".into(),
            ..input
        };
        let Err(AppError::Invalid(errors)) = past.parse(crate::now_ms()) else {
            panic!("expected field errors");
        };
        let codes: Vec<(&str, &str)> = errors.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            codes,
            [
                ("place", "required"),
                ("count", "out_of_range"),
                ("date", "in_the_past")
            ]
        );
    }

    #[test]
    fn dates_read_in_both_languages() {
        assert_eq!(when_fr(1_796_288_400_000), "jeudi 3 décembre 2026 à 10h00");
        assert_eq!(
            when_en(1_796_288_400_000),
            "Thursday, 3 December 2026 at 10:00"
        );
    }
}
