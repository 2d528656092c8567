//! Organisations, users and memberships.

use parcours_domain::{Email, OrgKind, Role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::TenantScope;
use crate::entities::{membership, membership_invitation, organisation, user};
use crate::repo::parse_code;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: Uuid,
    pub kind: OrgKind,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub locale: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub id: Uuid,
    pub user_id: Uuid,
    pub role: Role,
    pub organisation: Organisation,
    /// For a partner's user: the one operator this membership works with (each
    /// operator it works with has its own membership). None for an operator's own
    /// staff and people, and for partners' memberships made before contexts.
    pub operator_id: Option<Uuid>,
}

/// The operator of a membership row, when its context is not its own organisation.
fn operator_of(row: &membership::Model) -> Option<Uuid> {
    row.context_id.filter(|c| *c != row.organisation_id)
}

fn organisation_record(m: organisation::Model) -> Result<Organisation, DbErr> {
    Ok(Organisation {
        id: m.id,
        kind: parse_code(&m.kind)?,
        name: m.name,
    })
}

fn user_record(m: user::Model) -> User {
    User {
        id: m.id,
        email: m.email,
        display_name: m.display_name,
        password_hash: m.password_hash,
        locale: m.locale,
    }
}

pub async fn insert_organisation(
    conn: &impl ConnectionTrait,
    kind: OrgKind,
    name: &str,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    organisation::ActiveModel {
        id: Set(id),
        kind: Set(kind.code().to_owned()),
        name: Set(name.to_owned()),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

pub async fn find_organisation(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<Organisation>, DbErr> {
    organisation::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(organisation_record)
        .transpose()
}

pub async fn find_organisation_by_name(
    conn: &impl ConnectionTrait,
    kind: OrgKind,
    name: &str,
) -> Result<Option<Organisation>, DbErr> {
    organisation::Entity::find()
        .filter(organisation::Column::Kind.eq(kind.code()))
        .filter(organisation::Column::Name.eq(name))
        .one(conn)
        .await?
        .map(organisation_record)
        .transpose()
}

pub async fn count_organisations(conn: &impl ConnectionTrait) -> Result<u64, DbErr> {
    organisation::Entity::find().count(conn).await
}

pub async fn insert_user(
    conn: &impl ConnectionTrait,
    email: &Email,
    display_name: &str,
    password_hash: &str,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    user::ActiveModel {
        id: Set(id),
        email: Set(email.as_str().to_owned()),
        display_name: Set(display_name.to_owned()),
        password_hash: Set(password_hash.to_owned()),
        locale: Set("fr".to_owned()),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

pub async fn find_user_by_email(
    conn: &impl ConnectionTrait,
    email: &Email,
) -> Result<Option<User>, DbErr> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(conn)
        .await?
        .map(user_record))
}

pub async fn find_user(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<User>, DbErr> {
    Ok(user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(user_record))
}

pub async fn set_password_hash(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    hash: &str,
) -> Result<(), DbErr> {
    user::ActiveModel {
        id: Set(user_id),
        password_hash: Set(hash.to_owned()),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}

pub async fn insert_membership(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    organisation_id: Uuid,
    role: Role,
    now: i64,
) -> Result<Uuid, DbErr> {
    insert_membership_in(conn, user_id, organisation_id, role, organisation_id, now).await
}

/// A partner's user's membership that works with one operator (`operator_id`).
pub async fn insert_partner_membership(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    organisation_id: Uuid,
    role: Role,
    operator_id: Uuid,
    now: i64,
) -> Result<Uuid, DbErr> {
    insert_membership_in(conn, user_id, organisation_id, role, operator_id, now).await
}

async fn insert_membership_in(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    organisation_id: Uuid,
    role: Role,
    context_id: Uuid,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    membership::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        organisation_id: Set(organisation_id),
        role: Set(role.code().to_owned()),
        created_at: Set(now),
        context_id: Set(Some(context_id)),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// A user's memberships, oldest first, each with its organisation.
pub async fn memberships_of(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<Membership>, DbErr> {
    let rows = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .order_by_asc(membership::Column::CreatedAt)
        .order_by_asc(membership::Column::Id)
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(organisation) = find_organisation(conn, row.organisation_id).await? else {
            continue;
        };
        out.push(Membership {
            operator_id: operator_of(&row),
            id: row.id,
            user_id: row.user_id,
            role: parse_code(&row.role)?,
            organisation,
        });
    }
    Ok(out)
}

pub async fn find_membership(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<Membership>, DbErr> {
    let Some(row) = membership::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let Some(organisation) = find_organisation(conn, row.organisation_id).await? else {
        return Ok(None);
    };
    Ok(Some(Membership {
        operator_id: operator_of(&row),
        id: row.id,
        user_id: row.user_id,
        role: parse_code(&row.role)?,
        organisation,
    }))
}

/// Staff accounts of an organisation (for the admin home), by name.
pub async fn members_of(
    conn: &impl ConnectionTrait,
    organisation_id: Uuid,
) -> Result<Vec<(User, Role)>, DbErr> {
    let rows = membership::Entity::find()
        .filter(membership::Column::OrganisationId.eq(organisation_id))
        .filter(membership::Column::Role.ne(Role::Beneficiary.code()))
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|m| m.user_id).collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for row in rows {
        if let Some(u) = users.iter().find(|u| u.id == row.user_id) {
            out.push((user_record(u.clone()), parse_code(&row.role)?));
        }
    }
    out.sort_by(|a, b| a.0.display_name.cmp(&b.0.display_name));
    Ok(out)
}

/// Organisations of a kind, oldest first.
pub async fn organisations_of_kind(
    conn: &impl ConnectionTrait,
    kind: OrgKind,
) -> Result<Vec<Organisation>, DbErr> {
    organisation::Entity::find()
        .filter(organisation::Column::Kind.eq(kind.code()))
        .order_by_asc(organisation::Column::CreatedAt)
        .order_by_asc(organisation::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(organisation_record)
        .collect()
}

/// An existing account asked to join an organisation (an operator's manager invited its
/// address): nothing is linked until its owner accepts from the email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipInvitation {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub organisation_id: Uuid,
    pub role: Role,
    /// For a person's own space: the file the account is attached to.
    pub person_id: Option<Uuid>,
}

pub async fn insert_membership_invitation(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    token_hash: &str,
    invitation: &MembershipInvitation,
    invited_by: Uuid,
    now: i64,
    expires_at: i64,
) -> Result<(), DbErr> {
    membership_invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(token_hash.to_owned()),
        tenant_id: Set(scope.id()),
        user_id: Set(invitation.user_id),
        organisation_id: Set(invitation.organisation_id),
        role: Set(invitation.role.code().to_owned()),
        person_id: Set(invitation.person_id),
        invited_by: Set(invited_by),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The invitation behind a token, if it is unused and unexpired.
pub async fn find_membership_invitation(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    now: i64,
) -> Result<Option<MembershipInvitation>, DbErr> {
    let Some(m) = membership_invitation::Entity::find()
        .filter(membership_invitation::Column::TokenHash.eq(token_hash))
        .filter(membership_invitation::Column::ExpiresAt.gt(now))
        .filter(membership_invitation::Column::UsedAt.is_null())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(MembershipInvitation {
        tenant_id: m.tenant_id,
        user_id: m.user_id,
        organisation_id: m.organisation_id,
        role: parse_code(&m.role)?,
        person_id: m.person_id,
    }))
}

/// Marks the invitation used; false if it was used (or expired) first.
pub async fn consume_membership_invitation(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    now: i64,
) -> Result<bool, DbErr> {
    let result = membership_invitation::Entity::update_many()
        .col_expr(membership_invitation::Column::UsedAt, Some(now).into())
        .filter(membership_invitation::Column::TokenHash.eq(token_hash))
        .filter(membership_invitation::Column::UsedAt.is_null())
        .filter(membership_invitation::Column::ExpiresAt.gt(now))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// True when the person's file waits for an existing account to accept it.
pub async fn person_invitation_pending(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
    now: i64,
) -> Result<bool, DbErr> {
    Ok(membership_invitation::Entity::find()
        .filter(membership_invitation::Column::TenantId.eq(scope.id()))
        .filter(membership_invitation::Column::PersonId.eq(person_id))
        .filter(membership_invitation::Column::UsedAt.is_null())
        .filter(membership_invitation::Column::ExpiresAt.gt(now))
        .count(conn)
        .await?
        > 0)
}
