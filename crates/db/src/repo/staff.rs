//! Staff accounts as an operator's administrator manages them: its own coaches,
//! managers and administrators, and the partners' users it invited; when each was
//! invited, last signed in, and whether it is deactivated.

use parcours_domain::Role;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::TenantScope;
use crate::entities::{enrolment, membership, organisation, session, staff_account, user};
use crate::repo::parse_code;

/// One account of the operator (a membership), with what the administrator sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    /// The membership's id: the account's id in the pages and the API.
    pub id: Uuid,
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub invited_at: Option<i64>,
    pub last_sign_in_at: Option<i64>,
    pub deactivated_at: Option<i64>,
}

impl StaffAccount {
    /// Invited and never signed in (nor deactivated): the invitation still waits.
    pub fn pending(&self) -> bool {
        self.invited_at.is_some() && self.last_sign_in_at.is_none() && self.deactivated_at.is_none()
    }

    pub fn active(&self) -> bool {
        self.deactivated_at.is_none()
    }
}

/// The operator's accounts: the memberships of its own organisation (people's own
/// spaces left out) and those of partners' users it invited; by name.
pub async fn accounts_of(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
) -> Result<Vec<StaffAccount>, DbErr> {
    let rows = staff_account::Entity::find()
        .filter(staff_account::Column::TenantId.eq(scope.id()))
        .all(conn)
        .await?;
    let invited_elsewhere: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let memberships = membership::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(membership::Column::OrganisationId.eq(scope.id()))
                .add(membership::Column::Id.is_in(invited_elsewhere)),
        )
        .filter(membership::Column::Role.ne(Role::Beneficiary.code()))
        .all(conn)
        .await?;
    let user_ids: Vec<Uuid> = memberships.iter().map(|m| m.user_id).collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(conn)
        .await?;
    let org_ids: Vec<Uuid> = memberships.iter().map(|m| m.organisation_id).collect();
    let orgs = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(org_ids))
        .all(conn)
        .await?;
    // Rows of memberships of the operator's own organisation that another tenant might
    // hold are not read: the operator's own rows only.
    let mut out = Vec::with_capacity(memberships.len());
    for m in memberships {
        let Some(u) = users.iter().find(|u| u.id == m.user_id) else {
            continue;
        };
        let row = rows.iter().find(|r| r.id == m.id);
        out.push(StaffAccount {
            id: m.id,
            user_id: m.user_id,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: parse_code(&m.role)?,
            organisation_id: m.organisation_id,
            organisation_name: orgs
                .iter()
                .find(|o| o.id == m.organisation_id)
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            invited_at: row.and_then(|r| r.invited_at),
            last_sign_in_at: row.and_then(|r| r.last_sign_in_at),
            deactivated_at: row.and_then(|r| r.deactivated_at),
        });
    }
    out.sort_by(|a, b| {
        a.display_name
            .to_lowercase()
            .cmp(&b.display_name.to_lowercase())
            .then(a.id.cmp(&b.id))
    });
    Ok(out)
}

/// One account of the operator; None for another tenant's (or no) membership.
pub async fn find_account(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<StaffAccount>, DbErr> {
    Ok(accounts_of(conn, scope)
        .await?
        .into_iter()
        .find(|a| a.id == id))
}

/// Inserts or updates the operator's row of a membership, leaving unnamed columns.
async fn upsert(
    conn: &impl ConnectionTrait,
    row: staff_account::ActiveModel,
    update: &[staff_account::Column],
) -> Result<(), DbErr> {
    staff_account::Entity::insert(row)
        .on_conflict(
            OnConflict::column(staff_account::Column::Id)
                .update_columns(update.iter().copied())
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The membership was (again) invited by `by` at `now`.
pub async fn mark_invited(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    membership_id: Uuid,
    by: Uuid,
    now: i64,
) -> Result<(), DbErr> {
    upsert(
        conn,
        staff_account::ActiveModel {
            id: Set(membership_id),
            tenant_id: Set(scope.id()),
            invited_by: Set(Some(by)),
            invited_at: Set(Some(now)),
            last_sign_in_at: Set(None),
            deactivated_at: Set(None),
        },
        &[
            staff_account::Column::InvitedBy,
            staff_account::Column::InvitedAt,
        ],
    )
    .await
}

/// Records a membership as the operator's account (a partner's user who accepted to
/// work with it from an account they already had).
pub async fn adopt(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    membership_id: Uuid,
) -> Result<(), DbErr> {
    staff_account::Entity::insert(staff_account::ActiveModel {
        id: Set(membership_id),
        tenant_id: Set(scope.id()),
        invited_by: Set(None),
        invited_at: Set(None),
        last_sign_in_at: Set(None),
        deactivated_at: Set(None),
    })
    .on_conflict(
        OnConflict::column(staff_account::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Deactivates (`Some(at)`) or reactivates (`None`) an account of the operator.
pub async fn set_deactivated(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    membership_id: Uuid,
    at: Option<i64>,
) -> Result<(), DbErr> {
    upsert(
        conn,
        staff_account::ActiveModel {
            id: Set(membership_id),
            tenant_id: Set(scope.id()),
            invited_by: Set(None),
            invited_at: Set(None),
            last_sign_in_at: Set(None),
            deactivated_at: Set(at),
        },
        &[staff_account::Column::DeactivatedAt],
    )
    .await
}

/// Changes the role of a membership of the operator's own organisation.
pub async fn set_role(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    membership_id: Uuid,
    role: Role,
) -> Result<bool, DbErr> {
    let result = membership::Entity::update_many()
        .col_expr(membership::Column::Role, role.code().into())
        .filter(membership::Column::Id.eq(membership_id))
        .filter(membership::Column::OrganisationId.eq(scope.id()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Ends every session opened with the membership (a deactivated account).
pub async fn end_sessions(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    membership_id: Uuid,
) -> Result<u64, DbErr> {
    if find_account(conn, scope, membership_id).await?.is_none() {
        return Ok(0);
    }
    Ok(session::Entity::delete_many()
        .filter(session::Column::MembershipId.eq(membership_id))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Removes a membership nobody ever signed in with (a cancelled invitation); its
/// row here goes with it. False when it is not the operator's or was used.
pub async fn delete_unused_membership(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    membership_id: Uuid,
) -> Result<bool, DbErr> {
    let Some(account) = find_account(conn, scope, membership_id).await? else {
        return Ok(false);
    };
    if account.last_sign_in_at.is_some() {
        return Ok(false);
    }
    session::Entity::delete_many()
        .filter(session::Column::MembershipId.eq(membership_id))
        .exec(conn)
        .await?;
    staff_account::Entity::delete_by_id(membership_id)
        .exec(conn)
        .await?;
    let result = membership::Entity::delete_by_id(membership_id)
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// A coach's open enrolments in the tenant (ended ones keep their coach as history):
/// (enrolment, person) pairs.
pub async fn open_caseload(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    coach_user_id: Uuid,
) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    Ok(enrolment::Entity::find()
        .filter(enrolment::Column::TenantId.eq(scope.id()))
        .filter(enrolment::Column::CoachId.eq(coach_user_id))
        .filter(enrolment::Column::EndedOn.is_null())
        .all(conn)
        .await?
        .into_iter()
        .map(|e| (e.id, e.person_id))
        .collect())
}

/// What sign-in needs, before any tenant is known: it reads and writes by membership.
pub mod unscoped {
    use super::*;

    /// The memberships among `ids` that an operator deactivated.
    pub async fn deactivated_among(
        conn: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> Result<Vec<Uuid>, DbErr> {
        Ok(staff_account::Entity::find()
            .filter(staff_account::Column::Id.is_in(ids.iter().copied()))
            .filter(staff_account::Column::DeactivatedAt.is_not_null())
            .all(conn)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect())
    }

    /// Remembers a sign-in with the membership (the list's "last sign-in").
    pub async fn record_sign_in(
        conn: &impl ConnectionTrait,
        membership_id: Uuid,
        organisation_id: Uuid,
        now: i64,
    ) -> Result<(), DbErr> {
        upsert(
            conn,
            staff_account::ActiveModel {
                id: Set(membership_id),
                tenant_id: Set(organisation_id),
                invited_by: Set(None),
                invited_at: Set(None),
                last_sign_in_at: Set(Some(now)),
                deactivated_at: Set(None),
            },
            &[staff_account::Column::LastSignInAt],
        )
        .await
    }
}
