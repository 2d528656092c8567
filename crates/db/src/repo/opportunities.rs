//! Employer partners, their opportunities, requests for them and feedback. Scoped by the
//! operator's tenant; an employer's own view is narrowed to its organisation.

use parcours_domain::opportunity::{FeedbackSide, Offer, OpportunityKind, RequestStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use super::parse_code;
use crate::entities::{employer_partner, opportunity, opportunity_feedback, opportunity_request};
use crate::{EmployerScope, TenantScope};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opportunity {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub employer_org_id: Uuid,
    pub kind: OpportunityKind,
    pub title: String,
    pub code_rome: Option<String>,
    pub description: String,
    pub commune_code: Option<String>,
    pub capacity: i32,
    pub respond_within_days: i32,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub paused: bool,
    pub created_at: i64,
}

impl TryFrom<opportunity::Model> for Opportunity {
    type Error = DbErr;
    fn try_from(m: opportunity::Model) -> Result<Self, DbErr> {
        Ok(Opportunity {
            id: m.id,
            tenant_id: m.tenant_id,
            employer_org_id: m.employer_org_id,
            kind: parse_code(&m.kind)?,
            title: m.title,
            code_rome: m.code_rome,
            description: m.description,
            commune_code: m.commune_code,
            capacity: m.capacity,
            respond_within_days: m.respond_within_days,
            starts_on: m.starts_on,
            ends_on: m.ends_on,
            paused: m.paused,
            created_at: m.created_at,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub opportunity_id: Uuid,
    pub person_id: Uuid,
    pub requested_by: Uuid,
    pub message: Option<String>,
    pub status: RequestStatus,
    pub respond_by: i64,
    pub responded_at: Option<i64>,
    pub created_at: i64,
}

impl TryFrom<opportunity_request::Model> for Request {
    type Error = DbErr;
    fn try_from(m: opportunity_request::Model) -> Result<Self, DbErr> {
        Ok(Request {
            id: m.id,
            tenant_id: m.tenant_id,
            opportunity_id: m.opportunity_id,
            person_id: m.person_id,
            requested_by: m.requested_by,
            message: m.message,
            status: parse_code(&m.status)?,
            respond_by: m.respond_by,
            responded_at: m.responded_at,
            created_at: m.created_at,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub request_id: Uuid,
    pub side: FeedbackSide,
    pub rating: i32,
    pub comment: Option<String>,
    pub created_at: i64,
}

pub async fn add_partner(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    employer_org: Uuid,
    now: i64,
) -> Result<(), DbErr> {
    employer_partner::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.id()),
        employer_org_id: Set(employer_org),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The operators an employer works with.
pub async fn operators_of_employer(
    conn: &impl ConnectionTrait,
    employer: EmployerScope,
) -> Result<Vec<Uuid>, DbErr> {
    Ok(employer_partner::Entity::find()
        .filter(employer_partner::Column::EmployerOrgId.eq(employer.id()))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| p.tenant_id)
        .collect())
}

/// The employers an operator works with.
pub async fn employers_of_operator(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
) -> Result<Vec<Uuid>, DbErr> {
    Ok(employer_partner::Entity::find()
        .filter(employer_partner::Column::TenantId.eq(scope.id()))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| p.employer_org_id)
        .collect())
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    employer_org: Uuid,
    by: Uuid,
    offer: &Offer,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    opportunity::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        employer_org_id: Set(employer_org),
        created_by: Set(by),
        kind: Set(offer.kind.code().to_owned()),
        title: Set(offer.title.clone()),
        code_rome: Set(offer.code_rome.clone()),
        description: Set(offer.description.clone()),
        commune_code: Set(offer.commune_code.clone()),
        capacity: Set(offer.capacity),
        respond_within_days: Set(offer.respond_within_days),
        starts_on: Set(offer.starts_on.clone()),
        ends_on: Set(offer.ends_on.clone()),
        paused: Set(false),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// Pauses or resumes one of the employer's own offers.
pub async fn set_paused(
    conn: &impl ConnectionTrait,
    employer: EmployerScope,
    id: Uuid,
    paused: bool,
) -> Result<bool, DbErr> {
    Ok(opportunity::Entity::update_many()
        .filter(opportunity::Column::EmployerOrgId.eq(employer.id()))
        .filter(opportunity::Column::Id.eq(id))
        .col_expr(opportunity::Column::Paused, Expr::value(paused))
        .exec(conn)
        .await?
        .rows_affected
        > 0)
}

/// Changes one of the employer's own offers (what it says; not its state or requests).
pub async fn update(
    conn: &impl ConnectionTrait,
    employer: EmployerScope,
    id: Uuid,
    offer: &Offer,
) -> Result<bool, DbErr> {
    Ok(opportunity::Entity::update_many()
        .filter(opportunity::Column::EmployerOrgId.eq(employer.id()))
        .filter(opportunity::Column::Id.eq(id))
        .col_expr(opportunity::Column::Kind, Expr::value(offer.kind.code()))
        .col_expr(opportunity::Column::Title, Expr::value(offer.title.clone()))
        .col_expr(
            opportunity::Column::CodeRome,
            Expr::value(offer.code_rome.clone()),
        )
        .col_expr(
            opportunity::Column::Description,
            Expr::value(offer.description.clone()),
        )
        .col_expr(
            opportunity::Column::CommuneCode,
            Expr::value(offer.commune_code.clone()),
        )
        .col_expr(opportunity::Column::Capacity, Expr::value(offer.capacity))
        .col_expr(
            opportunity::Column::RespondWithinDays,
            Expr::value(offer.respond_within_days),
        )
        .col_expr(
            opportunity::Column::StartsOn,
            Expr::value(offer.starts_on.clone()),
        )
        .col_expr(
            opportunity::Column::EndsOn,
            Expr::value(offer.ends_on.clone()),
        )
        .exec(conn)
        .await?
        .rows_affected
        > 0)
}

/// An employer's opportunities, newest first.
pub async fn of_employer(
    conn: &impl ConnectionTrait,
    employer: EmployerScope,
) -> Result<Vec<Opportunity>, DbErr> {
    opportunity::Entity::find()
        .filter(opportunity::Column::EmployerOrgId.eq(employer.id()))
        .order_by_desc(opportunity::Column::CreatedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(Opportunity::try_from)
        .collect()
}

/// The opportunities offered to an operator's candidates.
pub async fn of_tenant(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
) -> Result<Vec<Opportunity>, DbErr> {
    opportunity::Entity::find()
        .filter(opportunity::Column::TenantId.eq(scope.id()))
        .order_by_desc(opportunity::Column::CreatedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(Opportunity::try_from)
        .collect()
}

pub async fn find(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<Opportunity>, DbErr> {
    opportunity::Entity::find_by_id(id)
        .filter(opportunity::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(Opportunity::try_from)
        .transpose()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest<'a> {
    pub opportunity_id: Uuid,
    pub person_id: Uuid,
    pub requested_by: Uuid,
    pub message: Option<&'a str>,
    pub token_hash: &'a str,
    pub respond_by: i64,
}

/// A unique-constraint error ([`crate::is_unique_violation`]) means the person already
/// has a standing request for the opportunity (a concurrent one won).
pub async fn insert_request(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    new: NewRequest<'_>,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    opportunity_request::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        opportunity_id: Set(new.opportunity_id),
        person_id: Set(new.person_id),
        requested_by: Set(new.requested_by),
        message: Set(new.message.map(str::to_owned)),
        status: Set(RequestStatus::Requested.code().to_owned()),
        token_hash: Set(new.token_hash.to_owned()),
        respond_by: Set(new.respond_by),
        responded_at: Set(None),
        reminded_at: Set(None),
        created_at: Set(now),
        person_key: Set(Some(new.person_id)),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// Requests for some of the tenant's opportunities (their capacity).
pub async fn requests_for(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    opportunities: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<Request>, DbErr> {
    let own = opportunity::Entity::find()
        .select_only()
        .column(opportunity::Column::Id)
        .filter(opportunity::Column::TenantId.eq(scope.id()));
    requests_on(conn, opportunities, own).await
}

/// Requests for some of the employer's own offers, in every operator tenant (the
/// employer's lists).
pub async fn requests_for_employer(
    conn: &impl ConnectionTrait,
    employer: EmployerScope,
    opportunities: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<Request>, DbErr> {
    let own = opportunity::Entity::find()
        .select_only()
        .column(opportunity::Column::Id)
        .filter(opportunity::Column::EmployerOrgId.eq(employer.id()));
    requests_on(conn, opportunities, own).await
}

/// Requests on the given opportunities that the `own` query also lists.
async fn requests_on(
    conn: &impl ConnectionTrait,
    opportunities: impl IntoIterator<Item = Uuid>,
    own: sea_orm::Select<opportunity::Entity>,
) -> Result<Vec<Request>, DbErr> {
    requests_of(
        conn,
        opportunity_request::Entity::find()
            .filter(opportunity_request::Column::OpportunityId.is_in(opportunities))
            .filter(opportunity_request::Column::OpportunityId.in_subquery(own.into_query()))
            .order_by_desc(opportunity_request::Column::CreatedAt),
    )
    .await
}

pub async fn requests_of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
) -> Result<Vec<Request>, DbErr> {
    requests_of(
        conn,
        opportunity_request::Entity::find()
            .filter(opportunity_request::Column::TenantId.eq(scope.id()))
            .filter(opportunity_request::Column::PersonId.eq(person))
            .order_by_desc(opportunity_request::Column::CreatedAt),
    )
    .await
}

/// Lookups that cross tenants.
pub mod unscoped {
    use super::*;

    /// The request an employer's link opens: the token is the key, and the tenant is
    /// only known from the row it finds.
    pub async fn request_by_token_hash(
        conn: &impl ConnectionTrait,
        token_hash: &str,
    ) -> Result<Option<Request>, DbErr> {
        opportunity_request::Entity::find()
            .filter(opportunity_request::Column::TokenHash.eq(token_hash))
            .one(conn)
            .await?
            .map(Request::try_from)
            .transpose()
    }

    /// Requests still waiting past their answer date, of every operator: the
    /// installation's daily sweep expires them.
    pub async fn overdue_requests(
        conn: &impl ConnectionTrait,
        now: i64,
    ) -> Result<Vec<Request>, DbErr> {
        requests_of(
            conn,
            waiting().filter(opportunity_request::Column::RespondBy.lte(now)),
        )
        .await
    }

    /// Requests still waiting that fall due before `by` and were not reminded yet, of
    /// every operator: the installation's daily sweep reminds their employer.
    pub async fn requests_to_remind(
        conn: &impl ConnectionTrait,
        now: i64,
        by: i64,
    ) -> Result<Vec<Request>, DbErr> {
        requests_of(
            conn,
            waiting()
                .filter(opportunity_request::Column::RespondBy.gt(now))
                .filter(opportunity_request::Column::RespondBy.lte(by))
                .filter(opportunity_request::Column::RemindedAt.is_null()),
        )
        .await
    }
}

pub async fn find_request(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<Request>, DbErr> {
    opportunity_request::Entity::find_by_id(id)
        .filter(opportunity_request::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(Request::try_from)
        .transpose()
}

/// Locks an opportunity's row for the rest of the transaction and returns its places
/// and how many requests are accepted, read after the lock (None: not this tenant's).
/// Call it first in the transaction that accepts: it writes (a no-op update), so
/// PostgreSQL holds the row lock until commit and SQLite takes its write lock before
/// any read — concurrent acceptances then count one after the other.
pub async fn lock_places(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<(i32, u64)>, DbErr> {
    use sea_orm::PaginatorTrait;
    opportunity::Entity::update_many()
        .filter(opportunity::Column::TenantId.eq(scope.id()))
        .filter(opportunity::Column::Id.eq(id))
        .col_expr(
            opportunity::Column::Capacity,
            Expr::col(opportunity::Column::Capacity),
        )
        .exec(conn)
        .await?;
    let Some(found) = opportunity::Entity::find_by_id(id)
        .filter(opportunity::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let accepted = opportunity_request::Entity::find()
        .filter(opportunity_request::Column::OpportunityId.eq(id))
        .filter(opportunity_request::Column::Status.eq(RequestStatus::Accepted.code()))
        .count(conn)
        .await?;
    Ok(Some((found.capacity, accepted)))
}

/// Moves a request on from `requested`; false when it had moved already.
pub async fn answer_request(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    status: RequestStatus,
    now: i64,
) -> Result<bool, DbErr> {
    Ok(opportunity_request::Entity::update_many()
        .filter(opportunity_request::Column::TenantId.eq(scope.id()))
        .filter(opportunity_request::Column::Id.eq(id))
        .filter(opportunity_request::Column::Status.eq(RequestStatus::Requested.code()))
        .col_expr(
            opportunity_request::Column::Status,
            Expr::value(status.code()),
        )
        .col_expr(opportunity_request::Column::RespondedAt, Expr::value(now))
        .exec(conn)
        .await?
        .rows_affected
        > 0)
}

/// Requests still waiting for the employer's answer, of every operator.
fn waiting() -> sea_orm::Select<opportunity_request::Entity> {
    opportunity_request::Entity::find()
        .filter(opportunity_request::Column::Status.eq(RequestStatus::Requested.code()))
}

async fn requests_of(
    conn: &impl ConnectionTrait,
    query: sea_orm::Select<opportunity_request::Entity>,
) -> Result<Vec<Request>, DbErr> {
    query
        .all(conn)
        .await?
        .into_iter()
        .map(Request::try_from)
        .collect()
}

/// A unique-constraint error ([`crate::is_unique_violation`]) means this side already
/// gave its feedback (a concurrent submission won).
pub async fn insert_feedback(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    request: Uuid,
    side: FeedbackSide,
    rating: i32,
    comment: Option<&str>,
    now: i64,
) -> Result<(), DbErr> {
    opportunity_feedback::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.id()),
        request_id: Set(request),
        side: Set(side.code().to_owned()),
        rating: Set(rating),
        comment: Set(comment.map(str::to_owned)),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The feedback given on some of the tenant's requests.
pub async fn feedback_for(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    requests: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<Feedback>, DbErr> {
    let own = opportunity_request::Entity::find()
        .select_only()
        .column(opportunity_request::Column::Id)
        .filter(opportunity_request::Column::TenantId.eq(scope.id()))
        .into_query();
    opportunity_feedback::Entity::find()
        .filter(opportunity_feedback::Column::RequestId.is_in(requests))
        .filter(opportunity_feedback::Column::RequestId.in_subquery(own))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| {
            Ok(Feedback {
                request_id: m.request_id,
                side: parse_code(&m.side)?,
                rating: m.rating,
                comment: m.comment,
                created_at: m.created_at,
            })
        })
        .collect()
}

pub async fn mark_reminded(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    now: i64,
) -> Result<(), DbErr> {
    opportunity_request::Entity::update_many()
        .filter(opportunity_request::Column::TenantId.eq(scope.id()))
        .filter(opportunity_request::Column::Id.eq(id))
        .col_expr(opportunity_request::Column::RemindedAt, Expr::value(now))
        .exec(conn)
        .await?;
    Ok(())
}
