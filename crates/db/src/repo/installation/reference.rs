//! The record of which reference-data release is active.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::entities::catalog_version;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveCatalog {
    pub rome_version: String,
    pub published: String,
    pub fiches: i32,
    pub appellations: i32,
    pub loaded_at: i64,
}

/// Makes this release the active one (the previous one stays in the history).
pub async fn activate(conn: &impl ConnectionTrait, active: &ActiveCatalog) -> Result<(), DbErr> {
    catalog_version::Entity::update_many()
        .col_expr(catalog_version::Column::Active, false.into())
        .filter(catalog_version::Column::Active.eq(true))
        .exec(conn)
        .await?;
    catalog_version::ActiveModel {
        rome_version: Set(active.rome_version.clone()),
        published: Set(active.published.clone()),
        fiches: Set(active.fiches),
        appellations: Set(active.appellations),
        loaded_at: Set(active.loaded_at),
        active: Set(true),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub async fn active(conn: &impl ConnectionTrait) -> Result<Option<ActiveCatalog>, DbErr> {
    Ok(catalog_version::Entity::find()
        .filter(catalog_version::Column::Active.eq(true))
        .order_by_desc(catalog_version::Column::Id)
        .one(conn)
        .await?
        .map(|m| ActiveCatalog {
            rome_version: m.rome_version,
            published: m.published,
            fiches: m.fiches,
            appellations: m.appellations,
            loaded_at: m.loaded_at,
        }))
}
