//! A person's rights over their data: everything held about them, in one export, and
//! anonymisation that removes who they are and what they wrote while the facts the
//! programme's figures count (enrolments, phases, outcomes, placements) stay.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, Iterable,
    PrimaryKeyToColumn, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement,
};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::personal_data::{
    self, Blank, Class, OnErasure, PERSONAL_TABLES, PersonalTable, Reach, Section,
};
use crate::TenantScope;
use crate::entities::{
    activity, answer, appointment, audit_event, booking_invitation, caseload_transfer,
    committee_decision, consent, document, document_share, enrolment, journal_entry, membership,
    membership_invitation, message, message_read, message_thread, note, opportunity_feedback,
    opportunity_request, outcome, password_reset, person, piste_choice, placement, plan_action,
    plan_objective, project, project_event, project_evidence, referral, referral_event,
    selection_invitation, session, simulation_evaluation, sponsor_meeting, survey, survey_answer,
    user,
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

async fn rows<E>(conn: &impl ConnectionTrait, filter: Condition) -> Result<Vec<Value>, DbErr>
where
    E: EntityTrait,
    E::Model: Serialize,
{
    // In primary-key order (most tables' `id`; an invitation's token hash).
    let mut select = E::find().filter(filter);
    for key in E::PrimaryKey::iter() {
        select = select.order_by_asc(key.into_column());
    }
    select.all(conn).await?.iter().map(to_value).collect()
}

/// The rows of a table of the registry that `filter` selects, as JSON (secrets left
/// out by the entities themselves).
async fn rows_of_table(
    conn: &impl ConnectionTrait,
    table: &str,
    filter: Condition,
) -> Result<Vec<Value>, DbErr> {
    macro_rules! by_table {
        ($($name:literal => $entity:ident),* $(,)?) => {
            match table {
                $($name => rows::<$entity::Entity>(conn, filter).await,)*
                other => Err(DbErr::Custom(format!("export: no entity for table {other}"))),
            }
        };
    }
    by_table!(
        "activities" => activity,
        "answers" => answer,
        "appointments" => appointment,
        "audit_events" => audit_event,
        "booking_invitations" => booking_invitation,
        "caseload_transfers" => caseload_transfer,
        "committee_decisions" => committee_decision,
        "consents" => consent,
        "document_shares" => document_share,
        "documents" => document,
        "enrolments" => enrolment,
        "journal_entries" => journal_entry,
        "message_reads" => message_read,
        "message_threads" => message_thread,
        "membership_invitations" => membership_invitation,
        "messages" => message,
        "notes" => note,
        "opportunity_feedback" => opportunity_feedback,
        "opportunity_requests" => opportunity_request,
        "outcomes" => outcome,
        "persons" => person,
        "piste_choices" => piste_choice,
        "placements" => placement,
        "plan_actions" => plan_action,
        "plan_objectives" => plan_objective,
        "project_events" => project_event,
        "project_evidence" => project_evidence,
        "projects" => project,
        "referral_events" => referral_event,
        "referrals" => referral,
        "selection_invitations" => selection_invitation,
        "simulation_evaluations" => simulation_evaluation,
        "sponsor_meetings" => sponsor_meeting,
        "survey_answers" => survey_answer,
        "surveys" => survey,
        "users" => user,
    )
}

/// The person's rows of a table of the registry; `None` for their account when they
/// have none.
fn reach_condition(
    t: &PersonalTable,
    tenant: Uuid,
    person_id: Uuid,
    account: Option<Uuid>,
) -> Result<Option<Condition>, DbErr> {
    let col = |name: &str| Expr::col((Alias::new(t.table), Alias::new(name)));
    Ok(match t.reach {
        Reach::Person => Some(
            Condition::all()
                .add(col("tenant_id").eq(tenant))
                .add(col("id").eq(person_id)),
        ),
        Reach::Account => account.map(|id| Condition::all().add(col("id").eq(id))),
        Reach::Direct(column) => Some(
            Condition::all()
                .add(col("tenant_id").eq(tenant))
                .add(col(column).eq(person_id)),
        ),
        Reach::Via { column, parent } => {
            let parent = personal_data::table(parent)
                .ok_or_else(|| DbErr::Custom(format!("{}: parent {parent} not listed", t.table)))?;
            let Some(inner) = reach_condition(parent, tenant, person_id, account)? else {
                return Ok(None);
            };
            let ids = Query::select()
                .column((Alias::new(parent.table), Alias::new("id")))
                .from(Alias::new(parent.table))
                .cond_where(inner)
                .to_owned();
            Some(
                Condition::all()
                    .add(col("tenant_id").eq(tenant))
                    .add(col(column).in_subquery(ids)),
            )
        }
    })
}

/// The person's rows, one section per table of the registry
/// ([`personal_data::PERSONAL_TABLES`]); `None` when the person is not of this tenant.
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
    for t in PERSONAL_TABLES {
        let rows = match reach_condition(t, tenant, person_id, person.user_id)? {
            Some(filter) => rows_of_table(conn, t.table, filter).await?,
            None => Vec::new(),
        };
        let value = match t.section {
            Section::One(_) => rows.into_iter().next().unwrap_or(Value::Null),
            Section::Rows(_) => Value::Array(rows),
        };
        sections.insert(t.section.name().to_owned(), value);
    }

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
pub(crate) fn anonymous_name(person_id: Uuid) -> (String, String) {
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
    // The account can no longer sign in: its sessions, memberships and reset links go;
    // the row stays (others' rows point to it) and the walk below blanks it.
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
    }
    // Every table of the registry: what was written is deleted, what is counted
    // keeps its row with the personal text blanked. Children come before parents.
    for t in PERSONAL_TABLES {
        let Some(filter) = reach_condition(t, tenant, person_id, person.user_id)? else {
            continue;
        };
        match t.on_erasure {
            OnErasure::Delete => {
                let delete = Query::delete()
                    .from_table(Alias::new(t.table))
                    .cond_where(filter)
                    .to_owned();
                conn.execute(&delete).await?;
            }
            OnErasure::Blank => {
                let values: Vec<(Alias, Expr)> = t
                    .columns
                    .iter()
                    .filter_map(|(name, class)| match class {
                        Class::Erased(blank) | Class::Secret(Some(blank)) => Some((
                            Alias::new(*name),
                            blank_value(*blank, person_id, person.user_id),
                        )),
                        _ => None,
                    })
                    .collect();
                if values.is_empty() {
                    continue;
                }
                let update = Query::update()
                    .table(Alias::new(t.table))
                    .values(values)
                    .cond_where(filter)
                    .to_owned();
                conn.execute(&update).await?;
            }
        }
    }
    person::Entity::update_many()
        .col_expr(person::Column::UserId, Expr::value(Option::<Uuid>::None))
        .col_expr(person::Column::AnonymisedAt, Expr::value(now))
        .col_expr(person::Column::UpdatedAt, Expr::value(now))
        .filter(person::Column::Id.eq(person_id))
        .filter(person::Column::TenantId.eq(tenant))
        .exec(conn)
        .await?;
    Ok(true)
}

/// What an erased column becomes.
fn blank_value(blank: Blank, person_id: Uuid, account: Option<Uuid>) -> Expr {
    let (first, last) = anonymous_name(person_id);
    match blank {
        Blank::Null => Expr::value(Option::<String>::None),
        Blank::Empty => Expr::value(""),
        Blank::AnonymousFirstName => Expr::value(first),
        Blank::AnonymousLastName => Expr::value(last),
        Blank::InvalidEmail => Expr::value(format!(
            "anonymised-{}@invalid",
            account.unwrap_or(person_id)
        )),
        Blank::NoPassword => Expr::value("!"),
    }
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

/// Functions that cross tenants; each says why.
pub mod unscoped {
    use super::*;

    /// Makes the space an erasure freed unreadable: on SQLite (where `secure_delete`
    /// already zeroes freed cells and pages) the WAL, which still holds the pages as they
    /// were, is checkpointed and truncated; on PostgreSQL the registry's tables are
    /// vacuumed, so the dead rows' space is reclaimed. Returns false when SQLite could not
    /// finish the checkpoint (a reader held it): the daily job tries again.
    ///
    /// Crosses tenants: the freed space is the database's, shared by every tenant.
    pub async fn release_erased_space(conn: &impl ConnectionTrait) -> Result<bool, DbErr> {
        match conn.get_database_backend() {
            DbBackend::Sqlite => {
                let row = conn
                    .query_one_raw(Statement::from_string(
                        DbBackend::Sqlite,
                        "PRAGMA wal_checkpoint(TRUNCATE)",
                    ))
                    .await?;
                let busy = match row {
                    Some(row) => row.try_get_by_index::<i64>(0)?,
                    None => 0,
                };
                Ok(busy == 0)
            }
            DbBackend::Postgres => {
                let tables: Vec<&str> = PERSONAL_TABLES.iter().map(|t| t.table).collect();
                // VACUUM runs outside a transaction; the names are the registry's constants.
                conn.execute_unprepared(&format!("VACUUM {}", tables.join(", ")))
                    .await?;
                Ok(true)
            }
            _ => Ok(true),
        }
    }

    /// Whether any file was anonymised (audit `action`) since `since`.
    ///
    /// Crosses tenants: the daily release of erased space runs once for the whole installation.
    pub async fn erased_since(
        conn: &impl ConnectionTrait,
        action: &str,
        since: i64,
    ) -> Result<bool, DbErr> {
        Ok(audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq(action))
            .filter(audit_event::Column::At.gte(since))
            .one(conn)
            .await?
            .is_some())
    }

    /// People of any tenant, not anonymised, with no contact since `before`: their file
    /// was last changed and their enrolments last active before it. With
    /// `noticed_before`, those whose notice went out by then; without, those never told.
    ///
    /// Crosses tenants: the installation's daily inactivity sweep runs over every tenant.
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
            .filter(
                Expr::col((person::Entity, person::Column::Id)).not_in_subquery(recent_enrolments),
            );
        let query = match noticed_before {
            Some(at) => query.filter(person::Column::InactivityNoticeAt.lte(at)),
            None => query.filter(person::Column::InactivityNoticeAt.is_null()),
        };
        query.limit(limit).into_tuple().all(conn).await
    }

    /// Files with a running notice where the person came back after it (a sign-in, a
    /// change to the file, activity in an enrolment): the notice is withdrawn.
    ///
    /// Crosses tenants: the installation's daily inactivity sweep runs over every tenant.
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
    ///
    /// Crosses tenants: sign-in knows the user, not yet the tenant of their person file.
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
}
