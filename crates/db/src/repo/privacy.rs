//! A person's rights over their data: everything held about them, in one export, and
//! anonymisation that removes who they are and what they wrote while the facts the
//! programme's figures count (enrolments, phases, outcomes, placements) stay.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::TenantScope;
use crate::entities::{
    activity, answer, appointment, audit_event, booking_invitation, caseload_transfer,
    committee_decision, consent, document, document_share, enrolment, journal_entry, membership,
    message, message_read, message_thread, note, opportunity_request, outcome, password_reset,
    person, piste_choice, placement, plan_action, plan_objective, project, project_event,
    project_evidence, referral, referral_event, selection_invitation, session,
    simulation_evaluation, sponsor_meeting, survey, survey_answer, user,
};

/// Everything held about one person: named sections of rows, and their documents whole.
#[derive(Debug, Clone)]
pub struct PersonalData {
    pub sections: Map<String, Value>,
    pub documents: Vec<ExportedDocument>,
}

#[derive(Debug, Clone)]
pub struct ExportedDocument {
    pub id: Uuid,
    pub kind: String,
    pub created_at: i64,
    pub content: Vec<u8>,
}

async fn rows<E>(conn: &impl ConnectionTrait, filter: Condition) -> Result<Value, DbErr>
where
    E: EntityTrait,
    E::Model: Serialize,
{
    let models = E::find().filter(filter).all(conn).await?;
    serde_json::to_value(models).map_err(|e| DbErr::Custom(format!("export: {e}")))
}

/// The ids of the person's rows of a table, to reach the rows that hang from them.
fn ids(rows: &Value) -> Vec<Uuid> {
    rows.as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|r| r.get("id")?.as_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The person's rows, section by section; `None` when the person is not of this tenant.
pub async fn export(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
) -> Result<Option<PersonalData>, DbErr> {
    let tenant = scope.id();
    let Some(person) = person::Entity::find_by_id(person_id)
        .filter(person::Column::TenantId.eq(tenant))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let mut sections = Map::new();
    let account = match person.user_id {
        Some(user_id) => user::Entity::find_by_id(user_id).one(conn).await?,
        None => None,
    };
    let mut put = |name: &str, value: Value| {
        sections.insert(name.to_owned(), value);
    };
    put("person", to_value(&person)?);
    put("account", to_value(&account)?);

    // Tables that name the person directly.
    macro_rules! of_person {
        ($entity:ident) => {
            rows::<$entity::Entity>(
                conn,
                Condition::all()
                    .add($entity::Column::TenantId.eq(tenant))
                    .add($entity::Column::PersonId.eq(person_id)),
            )
            .await?
        };
    }
    // Tables that hang from one of those.
    macro_rules! under {
        ($entity:ident, $column:ident, $parents:expr) => {
            rows::<$entity::Entity>(
                conn,
                Condition::all()
                    .add($entity::Column::TenantId.eq(tenant))
                    .add($entity::Column::$column.is_in(ids(&$parents))),
            )
            .await?
        };
    }
    let activities = of_person!(activity);
    let threads = of_person!(message_thread);
    let objectives = of_person!(plan_objective);
    let projects = of_person!(project);
    let referrals = rows::<referral::Entity>(
        conn,
        Condition::all()
            .add(referral::Column::TenantId.eq(tenant))
            .add(referral::Column::PersonId.eq(person_id)),
    )
    .await?;
    let surveys = of_person!(survey);
    let requests = of_person!(opportunity_request);

    put("consents", of_person!(consent));
    put("enrolments", of_person!(enrolment));
    put("answers", under!(answer, ActivityId, activities));
    put("activities", activities);
    put("journal_entries", of_person!(journal_entry));
    put("notes", of_person!(note));
    put("messages", under!(message, ThreadId, threads));
    put("message_threads", threads);
    put("plan_actions", under!(plan_action, ObjectiveId, objectives));
    put("plan_objectives", objectives);
    put("project_events", under!(project_event, ProjectId, projects));
    put(
        "project_evidence",
        under!(project_evidence, ProjectId, projects),
    );
    put("projects", projects);
    put("piste_choices", of_person!(piste_choice));
    put("appointments", of_person!(appointment));
    put("booking_invitations", of_person!(booking_invitation));
    put(
        "referral_events",
        under!(referral_event, ReferralId, referrals),
    );
    put("referrals", referrals);
    put(
        "sponsor_meetings",
        under!(sponsor_meeting, RequestId, requests),
    );
    put("opportunity_requests", requests);
    put("placements", of_person!(placement));
    put("outcomes", of_person!(outcome));
    put("survey_answers", under!(survey_answer, SurveyId, surveys));
    put("surveys", surveys);
    put("selection_invitations", of_person!(selection_invitation));
    put("simulation_evaluations", of_person!(simulation_evaluation));
    put("committee_decisions", of_person!(committee_decision));
    put("caseload_transfers", of_person!(caseload_transfer));
    put("document_shares", of_person!(document_share));
    put("documents", of_person!(document));
    // Who opened the file, and when: the person's own view of the audit trail.
    let trail = audit_event::Entity::find()
        .filter(audit_event::Column::TenantId.eq(tenant))
        .filter(audit_event::Column::PersonId.eq(person_id))
        .order_by_asc(audit_event::Column::At)
        .all(conn)
        .await?;
    put("file_accesses", to_value(&trail)?);

    let documents = document::Entity::find()
        .filter(document::Column::TenantId.eq(tenant))
        .filter(document::Column::PersonId.eq(person_id))
        .order_by_asc(document::Column::CreatedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(|d| ExportedDocument {
            id: d.id,
            kind: d.kind,
            created_at: d.created_at,
            content: d.content,
        })
        .collect();
    Ok(Some(PersonalData {
        sections,
        documents,
    }))
}

fn to_value(model: &impl Serialize) -> Result<Value, DbErr> {
    serde_json::to_value(model).map_err(|e| DbErr::Custom(format!("export: {e}")))
}

/// The name an anonymised person goes by: nothing of who they were, only enough to tell
/// two apart in a list.
pub fn anonymous_name(person_id: Uuid) -> (String, String) {
    let simple = person_id.simple().to_string();
    let tail = simple.get(simple.len().saturating_sub(6)..).unwrap_or("");
    ("Anonyme".to_owned(), tail.to_owned())
}

/// Removes who the person is and what they or others wrote about them; keeps their
/// enrolments, phases, activities' dates, projects' codes, placements and outcomes, so
/// the programme's figures stay the same. Their account can no longer sign in. Run it in
/// a transaction.
pub async fn anonymise(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
    now: i64,
) -> Result<bool, DbErr> {
    let tenant = scope.id();
    let Some(person) = person::Entity::find_by_id(person_id)
        .filter(person::Column::TenantId.eq(tenant))
        .one(conn)
        .await?
    else {
        return Ok(false);
    };
    if person.anonymised_at.is_some() {
        return Ok(false);
    }
    let none_text = || Expr::value(Option::<String>::None);
    let (first, last) = anonymous_name(person_id);

    if let Some(user_id) = person.user_id {
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
            .exec(conn)
            .await?;
        membership::Entity::delete_many()
            .filter(membership::Column::UserId.eq(user_id))
            .exec(conn)
            .await?;
        password_reset::Entity::delete_many()
            .filter(password_reset::Column::UserId.eq(user_id))
            .exec(conn)
            .await?;
        // The row stays (others' rows point to it); nothing in it can sign in or name.
        user::Entity::update_many()
            .col_expr(
                user::Column::Email,
                Expr::value(format!("anonymised-{user_id}@invalid")),
            )
            .col_expr(user::Column::DisplayName, Expr::value(first.clone()))
            .col_expr(user::Column::PasswordHash, Expr::value("!"))
            .filter(user::Column::Id.eq(user_id))
            .exec(conn)
            .await?;
    }
    person::Entity::update_many()
        .col_expr(person::Column::FirstName, Expr::value(first.clone()))
        .col_expr(person::Column::LastName, Expr::value(last.clone()))
        .col_expr(person::Column::Email, none_text())
        .col_expr(person::Column::Phone, none_text())
        .col_expr(person::Column::CommuneCode, none_text())
        .col_expr(person::Column::UserId, Expr::value(Option::<Uuid>::None))
        .col_expr(person::Column::AnonymisedAt, Expr::value(now))
        .col_expr(person::Column::UpdatedAt, Expr::value(now))
        .filter(person::Column::Id.eq(person_id))
        .filter(person::Column::TenantId.eq(tenant))
        .exec(conn)
        .await?;

    // The person's rows of a table, or the rows hanging from some of them.
    macro_rules! theirs {
        ($entity:ident) => {
            Condition::all()
                .add($entity::Column::TenantId.eq(tenant))
                .add($entity::Column::PersonId.eq(person_id))
        };
        ($entity:ident, $column:ident in $parents:expr) => {
            Condition::all()
                .add($entity::Column::TenantId.eq(tenant))
                .add($entity::Column::$column.is_in($parents))
        };
    }
    macro_rules! ids {
        ($entity:ident) => {
            $entity::Entity::find()
                .select_only()
                .column($entity::Column::Id)
                .filter(theirs!($entity))
                .into_tuple::<Uuid>()
                .all(conn)
                .await?
        };
    }
    macro_rules! delete {
        ($entity:ident, $condition:expr) => {
            $entity::Entity::delete_many()
                .filter($condition)
                .exec(conn)
                .await?;
        };
    }
    macro_rules! set {
        ($entity:ident, $condition:expr, $($column:ident = $value:expr),+) => {
            $entity::Entity::update_many()
                $(.col_expr($entity::Column::$column, $value))+
                .filter($condition)
                .exec(conn)
                .await?;
        };
    }
    let activities = ids!(activity);
    let threads = ids!(message_thread);
    let objectives = ids!(plan_objective);
    let projects = ids!(project);
    let requests = ids!(opportunity_request);
    let surveys = ids!(survey);
    let referrals = ids!(referral);

    // Gone: answers to the questionnaires (psychological results; the activities'
    // dates stay), what the person and the staff wrote, documents, invitations.
    delete!(answer, theirs!(answer, ActivityId in activities));
    delete!(journal_entry, theirs!(journal_entry));
    delete!(note, theirs!(note));
    delete!(message, theirs!(message, ThreadId in threads.clone()));
    delete!(message_read, theirs!(message_read, ThreadId in threads));
    delete!(message_thread, theirs!(message_thread));
    delete!(plan_action, theirs!(plan_action, ObjectiveId in objectives));
    delete!(plan_objective, theirs!(plan_objective));
    delete!(document_share, theirs!(document_share));
    delete!(document, theirs!(document));
    delete!(booking_invitation, theirs!(booking_invitation));

    // Emptied: free texts written about the person where the row itself is a counted
    // fact. Survey ratings stay in the survey's figures; what the person wrote goes.
    let empty = || Expr::value("");
    set!(
        project_event,
        theirs!(project_event, ProjectId in projects.clone()),
        Comment = empty()
    );
    set!(
        project_evidence,
        theirs!(project_evidence, ProjectId in projects),
        Note = empty()
    );
    set!(
        piste_choice,
        theirs!(piste_choice),
        RejectedReason = none_text()
    );
    set!(appointment, theirs!(appointment), Notes = none_text());
    set!(
        opportunity_request,
        theirs!(opportunity_request),
        Message = none_text()
    );
    set!(
        sponsor_meeting,
        theirs!(sponsor_meeting, RequestId in requests),
        Note = none_text()
    );
    set!(
        simulation_evaluation,
        theirs!(simulation_evaluation),
        Comment = none_text()
    );
    set!(
        caseload_transfer,
        theirs!(caseload_transfer),
        Reason = none_text()
    );
    set!(
        survey_answer,
        theirs!(survey_answer, SurveyId in surveys),
        Text = none_text()
    );
    set!(enrolment, theirs!(enrolment), ExternalId = none_text());
    set!(
        referral,
        theirs!(referral, Id in referrals.clone()),
        FirstName = Expr::value(first),
        LastName = Expr::value(last),
        BirthDate = empty(),
        Email = none_text(),
        Phone = none_text(),
        CommuneCode = none_text(),
        Motivation = none_text(),
        IdentityKeys = empty(),
        EmailKey = none_text(),
        PhoneKey = none_text(),
        AdvisorEmail = none_text(),
        RefusalReason = none_text()
    );
    set!(
        referral_event,
        theirs!(referral_event, ReferralId in referrals),
        Reason = none_text()
    );
    Ok(true)
}

/// Records the person's request to be erased (kept until a manager carries it out).
pub async fn request_erasure(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
    now: i64,
) -> Result<bool, DbErr> {
    let r = person::Entity::update_many()
        .col_expr(person::Column::ErasureRequestedAt, Expr::value(now))
        .filter(person::Column::Id.eq(person_id))
        .filter(person::Column::TenantId.eq(scope.id()))
        .filter(person::Column::ErasureRequestedAt.is_null())
        .filter(person::Column::AnonymisedAt.is_null())
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}

/// Withdraws the request while it waits.
pub async fn withdraw_erasure(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
) -> Result<bool, DbErr> {
    let r = person::Entity::update_many()
        .col_expr(
            person::Column::ErasureRequestedAt,
            Expr::value(Option::<i64>::None),
        )
        .filter(person::Column::Id.eq(person_id))
        .filter(person::Column::TenantId.eq(scope.id()))
        .filter(person::Column::ErasureRequestedAt.is_not_null())
        .filter(person::Column::AnonymisedAt.is_null())
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}

/// A file waiting for a decision on its data: an erasure request, or a notice of
/// inactivity that runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPerson {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub erasure_requested_at: Option<i64>,
    pub inactivity_notice_at: Option<i64>,
}

/// The tenant's erasure requests and running inactivity notices, oldest first.
pub async fn pending(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    limit: u64,
) -> Result<Vec<PendingPerson>, DbErr> {
    let rows = person::Entity::find()
        .filter(person::Column::TenantId.eq(scope.id()))
        .filter(person::Column::AnonymisedAt.is_null())
        .filter(
            Condition::any()
                .add(person::Column::ErasureRequestedAt.is_not_null())
                .add(person::Column::InactivityNoticeAt.is_not_null()),
        )
        .order_by_asc(person::Column::ErasureRequestedAt)
        .order_by_asc(person::Column::InactivityNoticeAt)
        .limit(limit)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|p| PendingPerson {
            id: p.id,
            first_name: p.first_name,
            last_name: p.last_name,
            erasure_requested_at: p.erasure_requested_at,
            inactivity_notice_at: p.inactivity_notice_at,
        })
        .collect())
}

/// People of any tenant, not anonymised, with no contact since `before`: their file
/// was last changed and their enrolments last active before it. With
/// `noticed_before`, those whose notice went out by then; without, those never told.
pub async fn inactive_since(
    conn: &impl ConnectionTrait,
    before: i64,
    noticed_before: Option<i64>,
    limit: u64,
) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    let recent_enrolments = enrolment::Entity::find()
        .select_only()
        .column(enrolment::Column::PersonId)
        .filter(enrolment::Column::LastActivityAt.gte(before))
        .as_query()
        .to_owned();
    let query = person::Entity::find()
        .select_only()
        .column(person::Column::TenantId)
        .column(person::Column::Id)
        .filter(person::Column::AnonymisedAt.is_null())
        .filter(person::Column::UpdatedAt.lt(before))
        .filter(Expr::col((person::Entity, person::Column::Id)).not_in_subquery(recent_enrolments));
    let query = match noticed_before {
        Some(at) => query.filter(person::Column::InactivityNoticeAt.lte(at)),
        None => query.filter(person::Column::InactivityNoticeAt.is_null()),
    };
    query.limit(limit).into_tuple().all(conn).await
}

/// The consents the person gave, and withdrew, oldest first.
pub async fn consents(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
) -> Result<Vec<ConsentRecord>, DbErr> {
    Ok(consent::Entity::find()
        .filter(consent::Column::TenantId.eq(scope.id()))
        .filter(consent::Column::PersonId.eq(person_id))
        .order_by_asc(consent::Column::GivenAt)
        .all(conn)
        .await?
        .into_iter()
        .map(|c| ConsentRecord {
            scope: c.scope,
            text_version: c.text_version,
            given_at: c.given_at,
            withdrawn_at: c.withdrawn_at,
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub scope: String,
    pub text_version: String,
    pub given_at: i64,
    pub withdrawn_at: Option<i64>,
}

/// Where the person's file stands on erasure: asked when, told of inactivity when,
/// anonymised when.
pub async fn status(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
) -> Result<Option<(Option<i64>, Option<i64>, Option<i64>)>, DbErr> {
    Ok(person::Entity::find_by_id(person_id)
        .filter(person::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(|p| {
            (
                p.erasure_requested_at,
                p.inactivity_notice_at,
                p.anonymised_at,
            )
        }))
}

/// Marks the notice sent (or, with `None`, withdraws it after a contact).
pub async fn set_inactivity_notice(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
    at: Option<i64>,
) -> Result<(), DbErr> {
    person::Entity::update_many()
        .col_expr(person::Column::InactivityNoticeAt, Expr::value(at))
        .filter(person::Column::Id.eq(person_id))
        .filter(person::Column::TenantId.eq(scope.id()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Files with a running notice where the person came back after it (a sign-in, a
/// change to the file, activity in an enrolment): the notice is withdrawn.
pub async fn returned_after_notice(
    conn: &impl ConnectionTrait,
) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    let noticed: Vec<(Uuid, Uuid, i64, i64)> = person::Entity::find()
        .select_only()
        .column(person::Column::TenantId)
        .column(person::Column::Id)
        .column(person::Column::InactivityNoticeAt)
        .column(person::Column::UpdatedAt)
        .filter(person::Column::AnonymisedAt.is_null())
        .filter(person::Column::InactivityNoticeAt.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    let mut back = Vec::new();
    for (tenant, id, notice, updated) in noticed {
        let active_after = enrolment::Entity::find()
            .filter(enrolment::Column::TenantId.eq(tenant))
            .filter(enrolment::Column::PersonId.eq(id))
            .filter(enrolment::Column::LastActivityAt.gt(notice))
            .one(conn)
            .await?
            .is_some();
        if updated > notice || active_after {
            back.push((tenant, id));
        }
    }
    Ok(back)
}

/// A sign-in is a contact: it touches the person's file and withdraws any notice.
pub async fn touch_person_of_user(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    now: i64,
) -> Result<(), DbErr> {
    person::Entity::update_many()
        .col_expr(person::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            person::Column::InactivityNoticeAt,
            Expr::value(Option::<i64>::None),
        )
        .filter(person::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}
