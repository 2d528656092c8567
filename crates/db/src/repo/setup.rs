//! An operator's set-up: its organisation settings (legal identity, contacts, public
//! texts, default minimum cell) and the counts its set-up checklist is computed from.

use parcours_domain::{OrgKind, Role};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use crate::TenantScope;
use crate::entities::{membership, operator_settings, organisation, programme, programme_referrer};

/// The saved settings of an operator (absent texts: the product's defaults apply).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperatorSettings {
    pub siret: Option<String>,
    pub address: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub dpo_contact: Option<String>,
    /// Who hosts the service (the legal notice names it).
    pub host: Option<String>,
    pub privacy_notice: Option<String>,
    pub accessibility_statement: Option<String>,
    pub min_cell: i32,
}

fn record(m: operator_settings::Model) -> OperatorSettings {
    OperatorSettings {
        siret: m.siret,
        address: m.address,
        contact_email: m.contact_email,
        contact_phone: m.contact_phone,
        dpo_contact: m.dpo_contact,
        host: m.host,
        privacy_notice: m.privacy_notice,
        accessibility_statement: m.accessibility_statement,
        min_cell: m.min_cell,
    }
}

/// The tenant's saved settings, if it ever saved them.
pub async fn settings(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
) -> Result<Option<OperatorSettings>, DbErr> {
    Ok(operator_settings::Entity::find_by_id(scope.id())
        .one(conn)
        .await?
        .map(record))
}

/// Saves the tenant's settings (created on the first save) and its operator's name.
pub async fn save(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    name: &str,
    s: &OperatorSettings,
    now: i64,
) -> Result<(), DbErr> {
    organisation::Entity::update_many()
        .col_expr(organisation::Column::Name, Expr::value(name.to_owned()))
        .filter(organisation::Column::Id.eq(scope.id()))
        .filter(organisation::Column::Kind.eq(OrgKind::Operator.code()))
        .exec(conn)
        .await?;
    let model = operator_settings::ActiveModel {
        tenant_id: Set(scope.id()),
        siret: Set(s.siret.clone()),
        address: Set(s.address.clone()),
        contact_email: Set(s.contact_email.clone()),
        contact_phone: Set(s.contact_phone.clone()),
        dpo_contact: Set(s.dpo_contact.clone()),
        host: Set(s.host.clone()),
        privacy_notice: Set(s.privacy_notice.clone()),
        accessibility_statement: Set(s.accessibility_statement.clone()),
        min_cell: Set(s.min_cell),
        updated_at: Set(now),
    };
    if operator_settings::Entity::find_by_id(scope.id())
        .one(conn)
        .await?
        .is_some()
    {
        model.update(conn).await?;
    } else {
        model.insert(conn).await?;
    }
    Ok(())
}

/// What the set-up checklist reads: how many of each thing the tenant has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetupCounts {
    pub coaches: u64,
    pub programmes: u64,
    /// Referrer organisations attached to one of the tenant's programmes.
    pub referrer_organisations: u64,
    /// Accounts of those referrer organisations.
    pub referrer_users: u64,
}

pub async fn counts(conn: &impl ConnectionTrait, scope: TenantScope) -> Result<SetupCounts, DbErr> {
    let coaches = membership::Entity::find()
        .filter(membership::Column::OrganisationId.eq(scope.id()))
        .filter(membership::Column::Role.eq(Role::Coach.code()))
        .count(conn)
        .await?;
    let programmes = programme::Entity::find()
        .filter(programme::Column::TenantId.eq(scope.id()))
        .count(conn)
        .await?;
    let own = programme::Entity::find()
        .select_only()
        .column(programme::Column::Id)
        .filter(programme::Column::TenantId.eq(scope.id()))
        .into_query();
    let mut referrers: Vec<Uuid> = programme_referrer::Entity::find()
        .filter(programme_referrer::Column::ProgrammeId.in_subquery(own))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.organisation_id)
        .collect();
    referrers.sort_unstable();
    referrers.dedup();
    let referrer_users = if referrers.is_empty() {
        0
    } else {
        membership::Entity::find()
            .filter(membership::Column::OrganisationId.is_in(referrers.clone()))
            .filter(membership::Column::Role.eq(Role::Referrer.code()))
            .count(conn)
            .await?
    };
    Ok(SetupCounts {
        coaches,
        programmes,
        referrer_organisations: referrers.len() as u64,
        referrer_users,
    })
}

/// Lookups that cross tenants.
pub mod unscoped {
    use super::*;

    /// Every operator with its saved settings, oldest first: the public pages (privacy
    /// notice, accessibility statement, legal notice) are read without signing in, and
    /// an operator's legal identity is public by law. No personal data is read.
    pub async fn operators(
        conn: &impl ConnectionTrait,
    ) -> Result<Vec<(Uuid, String, Option<OperatorSettings>)>, DbErr> {
        let orgs =
            crate::repo::installation::accounts::organisations_of_kind(conn, OrgKind::Operator)
                .await?;
        let ids: Vec<Uuid> = orgs.iter().map(|o| o.id).collect();
        let saved = operator_settings::Entity::find()
            .filter(operator_settings::Column::TenantId.is_in(ids))
            .all(conn)
            .await?;
        Ok(orgs
            .into_iter()
            .map(|o| {
                let s = saved
                    .iter()
                    .find(|s| s.tenant_id == o.id)
                    .cloned()
                    .map(record);
                (o.id, o.name, s)
            })
            .collect())
    }

    /// How many operator organisations have an administrator: none means a fresh
    /// installation that waits for `parcours create-admin`.
    pub async fn operators_with_admin(conn: &impl ConnectionTrait) -> Result<u64, DbErr> {
        let operators = organisation::Entity::find()
            .select_only()
            .column(organisation::Column::Id)
            .filter(organisation::Column::Kind.eq(OrgKind::Operator.code()))
            .into_query();
        let mut orgs: Vec<Uuid> = membership::Entity::find()
            .filter(membership::Column::Role.eq(Role::Admin.code()))
            .filter(membership::Column::OrganisationId.in_subquery(operators))
            .all(conn)
            .await?
            .into_iter()
            .map(|m| m.organisation_id)
            .collect();
        orgs.sort_unstable();
        orgs.dedup();
        Ok(orgs.len() as u64)
    }
}
