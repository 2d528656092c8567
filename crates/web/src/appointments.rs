//! Coaching sessions: the coach's agenda (publish and withdraw slots), a person's
//! sessions (book, cancel, attendance and notes, calendar file), the invitation link
//! a person books from without signing in, and their API.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use parcours_app::AppError;
use parcours_app::appointments::{
    AgendaSlot, Appointment, AppointmentsView, InvitationView, MAX_NOTES, MAX_PAST_MINUTES,
    PastSessionInput, Slot, SlotInput, paris_today,
};
use parcours_domain::appointment::{
    AppointmentStatus, MAX_MINUTES, MAX_SERIES, MIN_MINUTES, SessionMode,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::{HttpError, parse_choice};
use crate::i18n::Lang;
use crate::kit::{
    IdPath, Page, PageResult, SavedQuery, field_messages, journey_href, page_person, render,
    saved_redirect, see_other,
};
use crate::routes::Routes;
use axum::routing::{get, post};
use parcours_app::auth::Actor;
use parcours_domain::ids::{AppointmentId, PersonId, SlotId};
use utoipa_axum::routes;

fn mode_label(lang: Lang, mode: SessionMode) -> String {
    lang.t(&format!("session-mode-{}", mode.code().replace('_', "-")))
}

fn status_label(lang: Lang, status: AppointmentStatus) -> String {
    lang.t(&format!("session-status-{}", status.code()))
}

struct SlotRow {
    id: Uuid,
    when: String,
    minutes: i32,
    mode: String,
    place: String,
}

fn slot_row(p: &Page, slot: &Slot) -> SlotRow {
    SlotRow {
        id: slot.id,
        when: p.session_time(&slot.starts_at),
        minutes: slot.minutes,
        mode: mode_label(p.lang, slot.mode),
        place: slot.place.clone(),
    }
}

fn calendar(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"rendez-vous.ics\"",
            ),
        ],
        body,
    )
        .into_response()
}

// ------------------------------------------------------------------ agenda

struct AgendaRow {
    slot: SlotRow,
    withdrawn: bool,
    booked_by: Option<(Uuid, String, String)>,
}

#[derive(Template)]
#[template(path = "agenda.html")]
struct AgendaPage {
    p: Page,
    notice: Option<String>,
    errors: Vec<String>,
    rows: Vec<AgendaRow>,
    modes: Vec<(&'static str, String)>,
    form: SlotForm,
    min_minutes: i32,
    max_minutes: i32,
    max_series: u32,
}

#[derive(Debug, Deserialize, Default, Clone, ToSchema)]
#[serde(default)]
pub struct SlotForm {
    /// YYYY-MM-DD (Paris time).
    date: String,
    /// HH:MM (Paris time).
    time: String,
    /// 15 to 240.
    minutes: String,
    /// video, phone or on_site.
    mode: String,
    /// Address, video link or how the call happens.
    place: String,
    /// Consecutive slots, 1 to 12.
    count: String,
}

impl SlotForm {
    fn input(&self) -> SlotInput {
        SlotInput {
            date: self.date.clone(),
            time: self.time.clone(),
            minutes: self.minutes.clone(),
            mode: self.mode.clone(),
            place: self.place.clone(),
            count: self.count.clone(),
        }
    }
}

fn agenda_page(
    ctx: &Ctx,
    slots: Vec<AgendaSlot>,
    notice: Option<String>,
    errors: Vec<String>,
    form: SlotForm,
) -> AgendaPage {
    let p = Page::new(ctx, ctx.lang.t("agenda-title"));
    let rows = slots
        .iter()
        .map(|s| AgendaRow {
            slot: slot_row(&p, &s.slot),
            withdrawn: s.slot.cancelled_at.is_some(),
            booked_by: s
                .booking
                .as_ref()
                .map(|(a, name)| (a.person_id, name.clone(), status_label(ctx.lang, a.status))),
        })
        .collect();
    AgendaPage {
        notice,
        errors,
        rows,
        modes: SessionMode::ALL
            .iter()
            .map(|m| (m.code(), mode_label(ctx.lang, *m)))
            .collect(),
        form: SlotForm {
            minutes: if form.minutes.is_empty() {
                "60".into()
            } else {
                form.minutes
            },
            count: if form.count.is_empty() {
                "1".into()
            } else {
                form.count
            },
            mode: if form.mode.is_empty() {
                "on_site".into()
            } else {
                form.mode
            },
            ..form
        },
        min_minutes: MIN_MINUTES,
        max_minutes: MAX_MINUTES,
        max_series: MAX_SERIES,
        p,
    }
}

pub async fn agenda(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let slots = state.app.agenda(&actor).await?;
    Ok(render(&agenda_page(
        &ctx,
        slots,
        q.notice(ctx.lang),
        Vec::new(),
        SlotForm::default(),
    ))?
    .into_response())
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    axum::Form(form): axum::Form<SlotForm>,
) -> PageResult {
    match state.app.publish_slots(&actor, &form.input()).await {
        Ok(_) => Ok(see_other("/agenda?saved=1")),
        Err(AppError::Invalid(errors)) => {
            let slots = state.app.agenda(&actor).await?;
            let page = agenda_page(
                &ctx,
                slots,
                None,
                field_messages(ctx.lang, "session", &errors),
                form,
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<SlotId>,
) -> PageResult {
    match state.app.withdraw_slot(&actor, id.into()).await {
        Ok(()) => Ok(see_other("/agenda?saved=1")),
        Err(AppError::Invalid(errors)) => {
            let slots = state.app.agenda(&actor).await?;
            let page = agenda_page(
                &ctx,
                slots,
                None,
                field_messages(ctx.lang, "session", &errors),
                SlotForm::default(),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------ a person's sessions

struct SessionRow {
    id: Uuid,
    slot: SlotRow,
    status: String,
    status_code: &'static str,
    by: String,
    notes: String,
    upcoming: bool,
}

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    p: Page,
    is_self: bool,
    can_manage: bool,
    person_id: Uuid,
    person_name: String,
    coach_name: Option<String>,
    notice: Option<String>,
    invitation_link: Option<String>,
    errors: Vec<String>,
    sessions: Vec<SessionRow>,
    open_slots: Vec<SlotRow>,
    held: String,
    statuses: Vec<(&'static str, String)>,
    max_notes: usize,
    back_href: String,
    /// The form of a session recorded after the fact, as typed.
    past: PastSessionForm,
    modes: Vec<(&'static str, String)>,
    /// Today in Paris (YYYY-MM-DD): the latest date of a past session.
    today: String,
    max_past_minutes: i32,
}

fn session_row(p: &Page, a: &Appointment, now: i64) -> SessionRow {
    let by = match a.status_by_role.as_deref() {
        Some("coach") => p.lang.t("session-by-coach"),
        Some("person") => p.lang.t("session-by-person"),
        _ => String::new(),
    };
    SessionRow {
        id: a.id,
        slot: slot_row(p, &a.slot),
        status: status_label(p.lang, a.status),
        status_code: a.status.code(),
        by,
        notes: a.notes.clone().unwrap_or_default(),
        upcoming: a.slot.starts_at > now,
    }
}

fn sessions_page(
    ctx: &Ctx,
    view: AppointmentsView,
    notice: Option<String>,
    invitation_link: Option<String>,
    errors: Vec<String>,
    past: PastSessionForm,
) -> SessionsPage {
    let p = Page::new(ctx, ctx.lang.t("sessions-title"));
    let now = ctx.now;
    let today = paris_today(now);
    let held = format!("{} h {:02}", view.held_minutes / 60, view.held_minutes % 60);
    SessionsPage {
        is_self: view.is_self,
        can_manage: view.can_manage,
        person_id: view.person.id,
        person_name: format!("{} {}", view.person.first_name, view.person.last_name),
        coach_name: view.coach_name.clone(),
        notice,
        invitation_link,
        errors,
        sessions: view
            .appointments
            .iter()
            .rev()
            .map(|a| session_row(&p, a, now))
            .collect(),
        open_slots: view.open_slots.iter().map(|s| slot_row(&p, s)).collect(),
        held,
        statuses: [
            AppointmentStatus::Held,
            AppointmentStatus::Missed,
            AppointmentStatus::Cancelled,
        ]
        .iter()
        .map(|s| (s.code(), status_label(ctx.lang, *s)))
        .collect(),
        max_notes: MAX_NOTES,
        back_href: journey_href(view.is_self, view.person.id),
        past,
        modes: SessionMode::ALL
            .iter()
            .map(|m| (m.code(), mode_label(ctx.lang, *m)))
            .collect(),
        today: format!(
            "{:04}-{:02}-{:02}",
            today.year(),
            u8::from(today.month()),
            today.day()
        ),
        max_past_minutes: MAX_PAST_MINUTES,
        p,
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct SessionsQuery {
    saved: String,
    /// Set after an invitation: the link to pass on.
    lien: String,
}

async fn show(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Option<PersonId>,
    q: &SessionsQuery,
) -> PageResult {
    let person = page_person(state, actor, id).await?;
    let view = state.app.appointments(actor, person).await?;
    let notice = match q.saved.as_str() {
        "" => None,
        "emailed" => Some(ctx.lang.t("sessions-invite-emailed")),
        _ => Some(ctx.lang.t("saved-notice")),
    };
    let link = (!q.lien.is_empty())
        .then(|| format!("{}/rendez-vous/{}", state.app.config().base_url, q.lien));
    Ok(render(&sessions_page(
        ctx,
        view,
        notice,
        link,
        Vec::new(),
        PastSessionForm::initial(),
    ))?
    .into_response())
}

pub async fn own_sessions(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<SessionsQuery>,
) -> PageResult {
    show(&state, &ctx, &actor, None, &q).await
}

pub async fn person_sessions(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Query(q): Query<SessionsQuery>,
) -> PageResult {
    show(&state, &ctx, &actor, Some(id), &q).await
}

async fn after(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    person: Uuid,
    result: Result<(), AppError>,
) -> PageResult {
    match result {
        Ok(()) => {
            saved_redirect(
                state,
                actor,
                person,
                "/parcours/rendez-vous",
                "rendez-vous",
                "",
            )
            .await
        }
        Err(AppError::Invalid(errors)) => {
            let view = state.app.appointments(actor, person).await?;
            let page = sessions_page(
                ctx,
                view,
                None,
                None,
                field_messages(ctx.lang, "session", &errors),
                PastSessionForm::initial(),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The coach invites the person to pick a slot; the page then shows the link.
pub async fn invite(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> PageResult {
    let person = id.uuid();
    let sent = state.app.invite_to_book(&actor, person).await?;
    let token = sent.link.rsplit('/').next().unwrap_or_default().to_owned();
    let saved = if sent.emailed { "emailed" } else { "1" };
    Ok(see_other(&format!(
        "/beneficiaries/{person}/rendez-vous?saved={saved}&lien={token}"
    )))
}

#[derive(Debug, Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct BookForm {
    slot: String,
}

pub async fn book_own(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    axum::Form(form): axum::Form<BookForm>,
) -> PageResult {
    let Some(person) = state.app.own_person_id(&actor).await? else {
        return Err(HttpError::NotFound);
    };
    let slot =
        Uuid::parse_str(&form.slot).map_err(|_| HttpError::unknown_choice("slot", &form.slot))?;
    let result = state.app.book_own(&actor, slot).await.map(|_| ());
    after(&state, &ctx, &actor, person, result).await
}

#[derive(Debug, Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct AttendanceForm {
    /// held, missed or cancelled.
    status: String,
    /// Session notes (coaches only).
    notes: Option<String>,
}

pub async fn attendance(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath((id, appointment)): IdPath<(PersonId, AppointmentId)>,
    axum::Form(form): axum::Form<AttendanceForm>,
) -> PageResult {
    let person = id.uuid();
    let appointment = appointment.uuid();
    // The address names the person: someone else's appointment is not found here.
    if state.app.person_of_appointment(&actor, appointment).await? != Some(person) {
        return Err(HttpError::NotFound);
    }
    let status: AppointmentStatus = parse_choice("status", &form.status)?;
    let result = state
        .app
        .record_attendance(&actor, appointment, status, form.notes.as_deref())
        .await
        .map(|_| ());
    after(&state, &ctx, &actor, person, result).await
}

#[derive(Debug, Deserialize, Default, Clone, ToSchema)]
#[serde(default)]
pub struct PastSessionForm {
    /// YYYY-MM-DD (Paris time), today at the latest.
    date: String,
    /// HH:MM (Paris time): when the session started.
    time: String,
    /// 1 to 480.
    minutes: String,
    /// video, phone or on_site.
    mode: String,
    /// Session notes (coaches only).
    notes: String,
}

impl PastSessionForm {
    /// The form as first shown: an hour on the phone, the usual call.
    fn initial() -> Self {
        PastSessionForm {
            minutes: "60".into(),
            mode: SessionMode::Phone.code().into(),
            ..PastSessionForm::default()
        }
    }

    fn input(&self) -> PastSessionInput {
        PastSessionInput {
            date: self.date.clone(),
            time: self.time.clone(),
            minutes: self.minutes.clone(),
            mode: self.mode.clone(),
            notes: self.notes.clone(),
        }
    }
}

/// The coach records a session held without a slot (a call, a walk-in); on a refused
/// field the page comes back with what was typed.
pub async fn record_past(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    axum::Form(form): axum::Form<PastSessionForm>,
) -> PageResult {
    let person = id.uuid();
    match state
        .app
        .record_past_session(&actor, person, &form.input())
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/beneficiaries/{person}/rendez-vous?saved=1"
        ))),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.appointments(&actor, person).await?;
            let page = sessions_page(
                &ctx,
                view,
                None,
                None,
                field_messages(ctx.lang, "past-session", &errors),
                form,
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn calendar_file(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<AppointmentId>,
) -> Result<Response, HttpError> {
    let body = state.app.appointment_calendar(&actor, id.into()).await?;
    Ok(calendar(body))
}

// ------------------------------------------------------------ invitation link

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    p: Page,
    token: String,
    view: InvitationView,
    slots: Vec<SlotRow>,
    upcoming: Vec<(Uuid, SlotRow)>,
    booked: bool,
    errors: Vec<String>,
}

fn invitation_page(
    ctx: &Ctx,
    token: &str,
    view: InvitationView,
    booked: bool,
    errors: Vec<String>,
) -> InvitationPage {
    let p = Page::new(ctx, ctx.lang.t("invitation-title"));
    InvitationPage {
        token: token.to_owned(),
        slots: view.open_slots.iter().map(|s| slot_row(&p, s)).collect(),
        upcoming: view
            .upcoming
            .iter()
            .map(|a| (a.id, slot_row(&p, &a.slot)))
            .collect(),
        view,
        booked,
        errors,
        p,
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct BookedQuery {
    reserve: String,
}

pub async fn invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Query(q): Query<BookedQuery>,
) -> PageResult {
    let view = state.app.invitation(&token).await?;
    let page = invitation_page(&ctx, &token, view, !q.reserve.is_empty(), Vec::new());
    Ok(([(header::REFERRER_POLICY, "no-referrer")], render(&page)?).into_response())
}

pub async fn book_from_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    axum::Form(form): axum::Form<BookForm>,
) -> PageResult {
    let slot =
        Uuid::parse_str(&form.slot).map_err(|_| HttpError::unknown_choice("slot", &form.slot))?;
    match state.app.book_with_invitation(&token, slot).await {
        Ok(_) => Ok(see_other(&format!("/rendez-vous/{token}?reserve=1"))),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.invitation(&token).await?;
            let page = invitation_page(
                &ctx,
                &token,
                view,
                false,
                field_messages(ctx.lang, "session", &errors),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn invitation_calendar(
    State(state): State<AppState>,
    IdPath((token, id)): IdPath<(String, AppointmentId)>,
) -> Result<Response, HttpError> {
    let body = state.app.invitation_calendar(&token, id.into()).await?;
    Ok(calendar(body))
}

// ---------------------------------------------------------------- API

#[derive(Serialize, ToSchema)]
pub struct SlotDto {
    pub id: Uuid,
    /// Milliseconds since the epoch, UTC.
    pub starts_at: i64,
    pub minutes: i32,
    pub mode: String,
    pub place: String,
}

fn slot_dto(s: &Slot) -> SlotDto {
    SlotDto {
        id: s.id,
        starts_at: s.starts_at,
        minutes: s.minutes,
        mode: s.mode.code().to_owned(),
        place: s.place.clone(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct AppointmentDto {
    pub id: Uuid,
    pub slot: SlotDto,
    pub status: String,
    /// person or coach: who recorded the status.
    pub status_by: Option<String>,
    pub booked_via: String,
    /// Session notes: coaches and managers only.
    pub notes: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AppointmentsDto {
    pub person_id: Uuid,
    pub held_minutes: u32,
    pub appointments: Vec<AppointmentDto>,
    /// Free slots of the person's coach (for the person).
    pub open_slots: Vec<SlotDto>,
}

/// A person's sessions with the coach, and the hours held.
#[utoipa::path(get, path = "/api/v1/beneficiaries/{id}/appointments",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The sessions", body = AppointmentsDto),
        (status = 403, description = "The role may not open this file"),
        (status = 404, description = "No such person in your organisation")
))]
pub async fn api_appointments(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> Result<Json<AppointmentsDto>, HttpError> {
    let view = state.app.appointments(&actor, id.into()).await?;
    Ok(Json(AppointmentsDto {
        person_id: view.person.id,
        held_minutes: view.held_minutes,
        appointments: view
            .appointments
            .iter()
            .map(|a| AppointmentDto {
                id: a.id,
                slot: slot_dto(&a.slot),
                status: a.status.code().to_owned(),
                status_by: a.status_by_role.clone(),
                booked_via: a.booked_via.code().to_owned(),
                notes: a.notes.clone(),
            })
            .collect(),
        open_slots: view.open_slots.iter().map(slot_dto).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PublishedDto {
    pub published: usize,
}

/// Publishes one slot or a series of consecutive slots in the caller's agenda.
#[utoipa::path(post, path = "/api/v1/slots",
    request_body = SlotForm,
    responses(
        (status = 201, description = "Published", body = PublishedDto),
        (status = 403, description = "Only coaches and managers publish slots"),
        (status = 422, description = "A field is refused", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_publish(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Json(form): Json<SlotForm>,
) -> Result<(StatusCode, Json<PublishedDto>), HttpError> {
    let published = state.app.publish_slots(&actor, &form.input()).await?;
    Ok((StatusCode::CREATED, Json(PublishedDto { published })))
}

#[derive(Serialize, ToSchema)]
pub struct InvitationDto {
    /// The link to pass on (also emailed when the person has an address).
    pub link: String,
    pub emailed: bool,
}

/// Invites the person to pick one of the caller's free slots.
#[utoipa::path(post, path = "/api/v1/beneficiaries/{id}/booking-invitations",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 201, description = "Invitation created", body = InvitationDto),
        (status = 403, description = "Only the person's coach or manager invites"),
        (status = 404, description = "No such person in your organisation")
))]
pub async fn api_invite(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> Result<(StatusCode, Json<InvitationDto>), HttpError> {
    let sent = state.app.invite_to_book(&actor, id.into()).await?;
    Ok((
        StatusCode::CREATED,
        Json(InvitationDto {
            link: sent.link,
            emailed: sent.emailed,
        }),
    ))
}

/// Records what became of a session (held, missed, cancelled) and its notes.
#[utoipa::path(put, path = "/api/v1/appointments/{id}/attendance",
    params(("id" = Uuid, Path, description = "Appointment id")),
    request_body = AttendanceForm,
    responses(
        (status = 204, description = "Saved"),
        (status = 403, description = "The person may only cancel; others may not act"),
        (status = 404, description = "No such appointment in your organisation"),
        (status = 422, description = "Unknown status, too early or too late", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_attendance(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<AppointmentId>,
    Json(form): Json<AttendanceForm>,
) -> Result<StatusCode, HttpError> {
    let status: AppointmentStatus = parse_choice("status", &form.status)?;
    state
        .app
        .record_attendance(&actor, id.into(), status, form.notes.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct PastSessionDto {
    /// The appointment recorded (held).
    pub id: Uuid,
}

/// Records a session held without a published slot (a call, a walk-in): it counts as
/// held in the bilan's hours.
#[utoipa::path(post, path = "/api/v1/beneficiaries/{id}/appointments",
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = PastSessionForm,
    responses(
        (status = 201, description = "Recorded as held", body = PastSessionDto),
        (status = 403, description = "Only the person's coach or manager records sessions"),
        (status = 404, description = "No such person in your organisation"),
        (status = 422, description = "A field is refused (a date to come, a length outside 1 to 480 minutes…)", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_record_past(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
    Json(form): Json<PastSessionForm>,
) -> Result<(StatusCode, Json<PastSessionDto>), HttpError> {
    let id = state
        .app
        .record_past_session(&actor, id.into(), &form.input())
        .await?;
    Ok((StatusCode::CREATED, Json(PastSessionDto { id })))
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/agenda", get(agenda))
        .route("/agenda/creneaux", post(publish))
        .route("/agenda/creneaux/{id}/retirer", post(withdraw))
        .route("/parcours/rendez-vous", get(own_sessions))
        .route("/parcours/rendez-vous/reserver", post(book_own))
        .route("/parcours/rendez-vous/{id}/agenda.ics", get(calendar_file))
        .route("/beneficiaries/{id}/rendez-vous", get(person_sessions))
        .route("/beneficiaries/{id}/rendez-vous/invitation", post(invite))
        .route("/beneficiaries/{id}/rendez-vous/passe", post(record_past))
        .route(
            "/beneficiaries/{id}/rendez-vous/{appointment}",
            post(attendance),
        )
        .route(
            "/rendez-vous/{token}",
            get(invitation).post(book_from_invitation),
        )
        .route(
            "/rendez-vous/{token}/{id}/agenda.ics",
            get(invitation_calendar),
        )
        .api(routes!(api_publish))
        .api(routes!(api_appointments, api_record_past))
        .api(routes!(api_invite))
        .api(routes!(api_attendance))
}
