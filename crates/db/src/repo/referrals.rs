//! Referrals, their history, the imports being corrected, and cohorts. Scoped by the
//! operator's tenant, or by the referrer's organisation for its own view across
//! operators; what must cross tenants is in [`unscoped`].

use parcours_domain::referral::{Candidate, ReferralStatus, RefusalReason};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use super::parse_code;
use crate::entities::{
    advisor_link, cohort, programme, programme_rule, referral, referral_event, referral_import,
    referrer_quota,
};
use crate::{ReferrerScope, TenantScope};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub programme_id: Uuid,
    pub referrer_org_id: Uuid,
    pub submitted_by: Uuid,
    pub import_id: Option<Uuid>,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub commune_code: Option<String>,
    pub publics: String,
    pub motivation: Option<String>,
    pub identity_keys: Vec<String>,
    pub status: ReferralStatus,
    pub refusal_reason: Option<RefusalReason>,
    pub cohort_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
    /// When the manager saw the proofs of what was declared (publics, age).
    pub evidence_checked_at: Option<i64>,
    /// The referring advisor without an account, who follows it from a link.
    pub advisor_email: Option<String>,
}

impl TryFrom<referral::Model> for Referral {
    type Error = DbErr;
    fn try_from(m: referral::Model) -> Result<Self, DbErr> {
        Ok(Referral {
            id: m.id,
            tenant_id: m.tenant_id,
            programme_id: m.programme_id,
            referrer_org_id: m.referrer_org_id,
            submitted_by: m.submitted_by,
            import_id: m.import_id,
            first_name: m.first_name,
            last_name: m.last_name,
            birth_date: m.birth_date,
            email: m.email,
            phone: m.phone,
            commune_code: m.commune_code,
            publics: m.publics,
            motivation: m.motivation,
            identity_keys: m.identity_keys.lines().map(str::to_owned).collect(),
            status: parse_code(&m.status)?,
            refusal_reason: m.refusal_reason.as_deref().map(parse_code).transpose()?,
            cohort_id: m.cohort_id,
            person_id: m.person_id,
            decided_by: m.decided_by,
            decided_at: m.decided_at,
            created_at: m.created_at,
            expires_at: m.expires_at,
            evidence_checked_at: m.evidence_checked_at,
            advisor_email: m.advisor_email,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralEvent {
    pub referral_id: Uuid,
    pub status: ReferralStatus,
    pub reason: Option<String>,
    pub by_user: Option<Uuid>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReferral<'a> {
    pub programme_id: Uuid,
    pub referrer_org_id: Uuid,
    pub submitted_by: Uuid,
    pub import_id: Option<Uuid>,
    pub candidate: &'a Candidate,
    pub expires_at: i64,
}

async fn record_event(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    referral: Uuid,
    status: ReferralStatus,
    reason: Option<&str>,
    by: Option<Uuid>,
    now: i64,
) -> Result<(), DbErr> {
    referral_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.id()),
        referral_id: Set(referral),
        status: Set(status.code().to_owned()),
        reason: Set(reason.map(str::to_owned)),
        by_user: Set(by),
        at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Stores a submitted referral and the first line of its history. A unique-constraint
/// error ([`crate::is_unique_violation`]) means the person already stands referred to
/// the programme (a concurrent submission won).
pub async fn insert(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    new: NewReferral<'_>,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    let c = new.candidate;
    let (email_key, phone_key) = c.contact_keys();
    referral::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        programme_id: Set(new.programme_id),
        referrer_org_id: Set(new.referrer_org_id),
        submitted_by: Set(new.submitted_by),
        import_id: Set(new.import_id),
        first_name: Set(c.first_name.clone()),
        last_name: Set(c.last_name.clone()),
        birth_date: Set(c.birth_date.clone()),
        email: Set(c.email.clone()),
        phone: Set(c.phone.clone()),
        commune_code: Set(c.commune_code.clone()),
        publics: Set(c
            .publics
            .iter()
            .map(|p| p.code())
            .collect::<Vec<_>>()
            .join(";")),
        motivation: Set(c.motivation.clone()),
        identity_keys: Set(c.identity_keys().join("\n")),
        status: Set(ReferralStatus::Submitted.code().to_owned()),
        refusal_reason: Set(None),
        cohort_id: Set(None),
        person_id: Set(None),
        decided_by: Set(None),
        decided_at: Set(None),
        created_at: Set(now),
        expires_at: Set(new.expires_at),
        evidence_checked_at: Set(None),
        evidence_checked_by: Set(None),
        advisor_email: Set(c.advisor_email.clone()),
        email_key: Set(email_key),
        phone_key: Set(phone_key),
    }
    .insert(conn)
    .await?;
    record_event(
        conn,
        scope,
        id,
        ReferralStatus::Submitted,
        None,
        Some(new.submitted_by),
        now,
    )
    .await?;
    Ok(id)
}

/// The identity keys of a programme's referrals still standing (submitted or accepted).
pub async fn standing_keys(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme: Uuid,
) -> Result<Vec<String>, DbErr> {
    let rows = referral::Entity::find()
        .filter(referral::Column::TenantId.eq(scope.id()))
        .filter(referral::Column::ProgrammeId.eq(programme))
        .filter(referral::Column::Status.is_in([
            ReferralStatus::Submitted.code(),
            ReferralStatus::Accepted.code(),
        ]))
        .all(conn)
        .await?;
    Ok(rows
        .iter()
        .flat_map(|r| r.identity_keys.lines().map(str::to_owned))
        .collect())
}

pub async fn find(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<Referral>, DbErr> {
    referral::Entity::find_by_id(id)
        .filter(referral::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(Referral::try_from)
        .transpose()
}

/// A referrer's referrals, newest first: to every operator, or to the one its scope
/// is limited to.
pub async fn of_referrer(
    conn: &impl ConnectionTrait,
    scope: ReferrerScope,
) -> Result<Vec<Referral>, DbErr> {
    referral::Entity::find()
        .filter(referral::Column::ReferrerOrgId.eq(scope.id()))
        .apply_if(scope.operator(), |q, op| {
            q.filter(referral::Column::TenantId.eq(op))
        })
        .order_by_desc(referral::Column::CreatedAt)
        .order_by_desc(referral::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Referral::try_from)
        .collect()
}

/// The referrals an operator received, newest first.
pub async fn of_tenant(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
) -> Result<Vec<Referral>, DbErr> {
    referral::Entity::find()
        .filter(referral::Column::TenantId.eq(scope.id()))
        .order_by_desc(referral::Column::CreatedAt)
        .order_by_desc(referral::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Referral::try_from)
        .collect()
}

/// Records a decision on a referral still submitted; false when it was not (decided
/// meanwhile, or expired).
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    status: ReferralStatus,
    reason: Option<RefusalReason>,
    cohort: Option<Uuid>,
    person: Option<Uuid>,
    by: Option<Uuid>,
    now: i64,
) -> Result<bool, DbErr> {
    let done = referral::Entity::update_many()
        .filter(referral::Column::TenantId.eq(scope.id()))
        .filter(referral::Column::Id.eq(id))
        .filter(referral::Column::Status.eq(ReferralStatus::Submitted.code()))
        .col_expr(referral::Column::Status, Expr::value(status.code()))
        .col_expr(
            referral::Column::RefusalReason,
            Expr::value(reason.map(|r| r.code().to_owned())),
        )
        .col_expr(referral::Column::CohortId, Expr::value(cohort))
        .col_expr(referral::Column::PersonId, Expr::value(person))
        .col_expr(referral::Column::DecidedBy, Expr::value(by))
        .col_expr(referral::Column::DecidedAt, Expr::value(now))
        .exec(conn)
        .await?
        .rows_affected
        > 0;
    if done {
        record_event(conn, scope, id, status, reason.map(|r| r.code()), by, now).await?;
    }
    Ok(done)
}

pub async fn history(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    referrals: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<ReferralEvent>, DbErr> {
    referral_event::Entity::find()
        .filter(referral_event::Column::TenantId.eq(scope.id()))
        .filter(referral_event::Column::ReferralId.is_in(referrals))
        .order_by_asc(referral_event::Column::At)
        .order_by_asc(referral_event::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| {
            Ok(ReferralEvent {
                referral_id: m.referral_id,
                status: parse_code(&m.status)?,
                reason: m.reason,
                by_user: m.by_user,
                at: m.at,
            })
        })
        .collect()
}

// ------------------------------------------------------------------ cohorts

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cohort {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub name: String,
    pub starts_on: String,
    pub capacity: Option<i32>,
}

pub async fn insert_cohort(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme: Uuid,
    name: &str,
    starts_on: &str,
    capacity: Option<i32>,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    cohort::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        programme_id: Set(programme),
        name: Set(name.to_owned()),
        starts_on: Set(starts_on.to_owned()),
        capacity: Set(capacity),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

pub async fn cohorts_of_tenant(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
) -> Result<Vec<Cohort>, DbErr> {
    Ok(cohort::Entity::find()
        .filter(cohort::Column::TenantId.eq(scope.id()))
        .order_by_asc(cohort::Column::StartsOn)
        .order_by_asc(cohort::Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| Cohort {
            id: m.id,
            programme_id: m.programme_id,
            name: m.name,
            starts_on: m.starts_on,
            capacity: m.capacity,
        })
        .collect())
}

// ------------------------------------------------------------------ imports

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub referrer_org_id: Uuid,
    pub uploaded_by: Uuid,
    pub filename: String,
    pub encoding: String,
    /// JSON of the rows being corrected.
    pub rows: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewImport<'a> {
    pub programme_id: Uuid,
    pub referrer_org_id: Uuid,
    pub uploaded_by: Uuid,
    pub filename: &'a str,
    pub encoding: &'a str,
    pub rows: &'a str,
}

pub async fn insert_import(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    new: NewImport<'_>,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    referral_import::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        programme_id: Set(new.programme_id),
        referrer_org_id: Set(new.referrer_org_id),
        uploaded_by: Set(new.uploaded_by),
        filename: Set(new.filename.to_owned()),
        encoding: Set(new.encoding.to_owned()),
        rows: Set(new.rows.to_owned()),
        status: Set("pending".to_owned()),
        created_at: Set(now),
        committed_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// An import of the referrer's organisation (in the operator its scope is limited to).
pub async fn find_import(
    conn: &impl ConnectionTrait,
    scope: ReferrerScope,
    id: Uuid,
) -> Result<Option<(Uuid, Import)>, DbErr> {
    Ok(referral_import::Entity::find_by_id(id)
        .filter(referral_import::Column::ReferrerOrgId.eq(scope.id()))
        .apply_if(scope.operator(), |q, op| {
            q.filter(referral_import::Column::TenantId.eq(op))
        })
        .one(conn)
        .await?
        .map(|m| {
            (
                m.tenant_id,
                Import {
                    id: m.id,
                    programme_id: m.programme_id,
                    referrer_org_id: m.referrer_org_id,
                    uploaded_by: m.uploaded_by,
                    filename: m.filename,
                    encoding: m.encoding,
                    rows: m.rows,
                    status: m.status,
                },
            )
        }))
}

pub async fn update_import_rows(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    rows: &str,
) -> Result<(), DbErr> {
    referral_import::Entity::update_many()
        .filter(referral_import::Column::TenantId.eq(scope.id()))
        .filter(referral_import::Column::Id.eq(id))
        .col_expr(referral_import::Column::Rows, Expr::value(rows))
        .exec(conn)
        .await?;
    Ok(())
}

/// Marks an import done (its rows are referrals now) and forgets the staged copy;
/// false if it was not pending any more (a double click).
pub async fn close_import(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    status: &str,
    now: i64,
) -> Result<bool, DbErr> {
    Ok(referral_import::Entity::update_many()
        .filter(referral_import::Column::TenantId.eq(scope.id()))
        .filter(referral_import::Column::Id.eq(id))
        .filter(referral_import::Column::Status.eq("pending"))
        .col_expr(referral_import::Column::Status, Expr::value(status))
        .col_expr(referral_import::Column::Rows, Expr::value("[]"))
        .col_expr(referral_import::Column::CommittedAt, Expr::value(now))
        .exec(conn)
        .await?
        .rows_affected
        > 0)
}

/// The manager saw (or unsees) the proofs of what a referral declared.
pub async fn set_evidence_checked(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    checked: Option<(i64, Uuid)>,
) -> Result<bool, DbErr> {
    Ok(referral::Entity::update_many()
        .filter(referral::Column::TenantId.eq(scope.id()))
        .filter(referral::Column::Id.eq(id))
        .col_expr(
            referral::Column::EvidenceCheckedAt,
            Expr::value(checked.map(|c| c.0)),
        )
        .col_expr(
            referral::Column::EvidenceCheckedBy,
            Expr::value(checked.map(|c| c.1)),
        )
        .exec(conn)
        .await?
        .rows_affected
        > 0)
}

// ------------------------------------------------------------------ programme rules

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    pub co_pilots: Option<String>,
    pub departements: Vec<String>,
    pub publics: Vec<String>,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
}

fn split(list: &str) -> Vec<String> {
    list.split(';')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub async fn rules(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme: Uuid,
) -> Result<Rules, DbErr> {
    Ok(programme_rule::Entity::find_by_id(programme)
        .filter(programme_rule::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(|m| Rules {
            co_pilots: m.co_pilots,
            departements: split(&m.departements),
            publics: split(&m.publics),
            min_age: m.min_age,
            max_age: m.max_age,
            starts_on: m.starts_on,
            ends_on: m.ends_on,
        })
        .unwrap_or_default())
}

pub async fn save_rules(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme: Uuid,
    r: &Rules,
    now: i64,
) -> Result<(), DbErr> {
    use sea_orm::sea_query::OnConflict;
    programme_rule::Entity::insert(programme_rule::ActiveModel {
        programme_id: Set(programme),
        tenant_id: Set(scope.id()),
        co_pilots: Set(r.co_pilots.clone()),
        departements: Set(r.departements.join(";")),
        publics: Set(r.publics.join(";")),
        min_age: Set(r.min_age),
        max_age: Set(r.max_age),
        starts_on: Set(r.starts_on.clone()),
        ends_on: Set(r.ends_on.clone()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(programme_rule::Column::ProgrammeId)
            .update_columns([
                programme_rule::Column::CoPilots,
                programme_rule::Column::Departements,
                programme_rule::Column::Publics,
                programme_rule::Column::MinAge,
                programme_rule::Column::MaxAge,
                programme_rule::Column::StartsOn,
                programme_rule::Column::EndsOn,
                programme_rule::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(())
}

/// The quota rows of the tenant's programmes. The quota table has no tenant column:
/// a quota belongs to the tenant of its programme.
fn quota_in(scope: TenantScope) -> sea_orm::Condition {
    use sea_orm::sea_query::Query;
    sea_orm::Condition::all().add(
        referrer_quota::Column::ProgrammeId.in_subquery(
            Query::select()
                .column(programme::Column::Id)
                .from(programme::Entity)
                .and_where(programme::Column::TenantId.eq(scope.id()))
                .to_owned(),
        ),
    )
}

/// Quotas of a programme per referrer organisation.
pub async fn quotas(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme: Uuid,
) -> Result<Vec<(Uuid, i32)>, DbErr> {
    Ok(referrer_quota::Entity::find()
        .filter(quota_in(scope))
        .filter(referrer_quota::Column::ProgrammeId.eq(programme))
        .all(conn)
        .await?
        .into_iter()
        .map(|q| (q.organisation_id, q.quota))
        .collect())
}

/// Sets (or, with None, lifts) a referrer's quota; refused on another tenant's programme.
pub async fn set_quota(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme: Uuid,
    organisation: Uuid,
    quota: Option<i32>,
) -> Result<(), DbErr> {
    use sea_orm::sea_query::OnConflict;
    super::programmes::require(conn, scope, programme).await?;
    referrer_quota::Entity::delete_many()
        .filter(referrer_quota::Column::ProgrammeId.eq(programme))
        .filter(referrer_quota::Column::OrganisationId.eq(organisation))
        .exec(conn)
        .await?;
    if let Some(quota) = quota {
        referrer_quota::Entity::insert(referrer_quota::ActiveModel {
            programme_id: Set(programme),
            organisation_id: Set(organisation),
            quota: Set(quota),
        })
        .on_conflict(
            OnConflict::columns([
                referrer_quota::Column::ProgrammeId,
                referrer_quota::Column::OrganisationId,
            ])
            .update_column(referrer_quota::Column::Quota)
            .to_owned(),
        )
        .exec(conn)
        .await?;
    }
    Ok(())
}

/// Locks a referrer's quota row of a programme for the rest of the transaction and
/// returns the quota, if any. Call it first in the transaction that refers: it writes
/// (a no-op update), so PostgreSQL holds the row lock until commit and SQLite takes its
/// write lock before any read — concurrent referrals of one referrer then count the
/// standing referrals one after the other, each seeing the ones committed before.
pub async fn lock_quota(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme: Uuid,
    organisation: Uuid,
) -> Result<Option<i32>, DbErr> {
    referrer_quota::Entity::update_many()
        .filter(quota_in(scope))
        .filter(referrer_quota::Column::ProgrammeId.eq(programme))
        .filter(referrer_quota::Column::OrganisationId.eq(organisation))
        .col_expr(
            referrer_quota::Column::Quota,
            Expr::col(referrer_quota::Column::Quota),
        )
        .exec(conn)
        .await?;
    Ok(referrer_quota::Entity::find()
        .filter(quota_in(scope))
        .filter(referrer_quota::Column::ProgrammeId.eq(programme))
        .filter(referrer_quota::Column::OrganisationId.eq(organisation))
        .one(conn)
        .await?
        .map(|q| q.quota))
}

/// Referrals of one referrer to a programme still standing (submitted or accepted).
pub async fn standing_count(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme: Uuid,
    referrer_org: Uuid,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    referral::Entity::find()
        .filter(referral::Column::TenantId.eq(scope.id()))
        .filter(referral::Column::ProgrammeId.eq(programme))
        .filter(referral::Column::ReferrerOrgId.eq(referrer_org))
        .filter(referral::Column::Status.is_in([
            ReferralStatus::Submitted.code(),
            ReferralStatus::Accepted.code(),
        ]))
        .count(conn)
        .await
}

/// The referrals an advisor without an account follows, in one tenant, newest first.
pub async fn of_advisor(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    email: &str,
) -> Result<Vec<Referral>, DbErr> {
    referral::Entity::find()
        .filter(referral::Column::TenantId.eq(scope.id()))
        .filter(referral::Column::AdvisorEmail.eq(email))
        .order_by_desc(referral::Column::CreatedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(Referral::try_from)
        .collect()
}

/// An advisor's link, by the hash of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisorLink {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub email: String,
    pub expires_at: i64,
}

pub async fn insert_advisor_link(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    email: &str,
    token_hash: &str,
    expires_at: i64,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    advisor_link::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        email: Set(email.to_owned()),
        token_hash: Set(token_hash.to_owned()),
        expires_at: Set(expires_at),
        created_at: Set(now),
        last_used_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// The address a link was made for.
pub async fn advisor_link_email(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<String>, DbErr> {
    Ok(advisor_link::Entity::find_by_id(id)
        .filter(advisor_link::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(|l| l.email))
}

/// What must cross tenants: the daily jobs, and an advisor without an account, known
/// only by their address or their link's token until the row found names the tenant.
pub mod unscoped {
    use super::*;

    /// Submitted referrals past their date, of every operator (the expiry job).
    pub async fn overdue_in_every_tenant(
        conn: &impl ConnectionTrait,
        now: i64,
    ) -> Result<Vec<Referral>, DbErr> {
        referral::Entity::find()
            .filter(referral::Column::Status.eq(ReferralStatus::Submitted.code()))
            .filter(referral::Column::ExpiresAt.lte(now))
            .all(conn)
            .await?
            .into_iter()
            .map(Referral::try_from)
            .collect()
    }

    /// Submitted referrals of every operator expiring between `from` and `to` (reminders).
    pub async fn expiring_in_every_tenant(
        conn: &impl ConnectionTrait,
        from: i64,
        to: i64,
    ) -> Result<Vec<Referral>, DbErr> {
        referral::Entity::find()
            .filter(referral::Column::Status.eq(ReferralStatus::Submitted.code()))
            .filter(referral::Column::ExpiresAt.gt(from))
            .filter(referral::Column::ExpiresAt.lte(to))
            .all(conn)
            .await?
            .into_iter()
            .map(Referral::try_from)
            .collect()
    }

    /// The tenants where an address follows referrals (to send it a new link).
    pub async fn tenants_of_advisor(
        conn: &impl ConnectionTrait,
        email: &str,
    ) -> Result<Vec<Uuid>, DbErr> {
        let mut tenants: Vec<Uuid> = referral::Entity::find()
            .select_only()
            .column(referral::Column::TenantId)
            .filter(referral::Column::AdvisorEmail.eq(email))
            .distinct()
            .into_tuple()
            .all(conn)
            .await?;
        tenants.sort();
        Ok(tenants)
    }

    /// The link if it exists and has not expired; its use is noted.
    pub async fn use_advisor_link(
        conn: &impl ConnectionTrait,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<AdvisorLink>, DbErr> {
        let Some(found) = advisor_link::Entity::find()
            .filter(advisor_link::Column::TokenHash.eq(token_hash))
            .filter(advisor_link::Column::ExpiresAt.gt(now))
            .one(conn)
            .await?
        else {
            return Ok(None);
        };
        advisor_link::Entity::update_many()
            .col_expr(advisor_link::Column::LastUsedAt, Some(now).into())
            .filter(advisor_link::Column::Id.eq(found.id))
            .exec(conn)
            .await?;
        Ok(Some(AdvisorLink {
            id: found.id,
            tenant_id: found.tenant_id,
            email: found.email,
            expires_at: found.expires_at,
        }))
    }

    /// Whether a link went to this address since `since` (any tenant).
    pub async fn advisor_link_since(
        conn: &impl ConnectionTrait,
        email: &str,
        since: i64,
    ) -> Result<bool, DbErr> {
        Ok(advisor_link::Entity::find()
            .filter(advisor_link::Column::Email.eq(email))
            .filter(advisor_link::Column::CreatedAt.gt(since))
            .one(conn)
            .await?
            .is_some())
    }
}
