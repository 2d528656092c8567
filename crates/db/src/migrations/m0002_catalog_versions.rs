//! Which release of the reference data (ROME) is active, and when it was loaded.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_catalog_versions"
    }
}

#[derive(DeriveIden)]
enum CatalogVersions {
    Table,
    Id,
    RomeVersion,
    Published,
    Fiches,
    Appellations,
    LoadedAt,
    Active,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CatalogVersions::Table)
                .col(big_pk_auto(CatalogVersions::Id))
                .col(string(CatalogVersions::RomeVersion))
                .col(string(CatalogVersions::Published))
                .col(integer(CatalogVersions::Fiches))
                .col(integer(CatalogVersions::Appellations))
                .col(big_integer(CatalogVersions::LoadedAt))
                .col(boolean(CatalogVersions::Active))
                .to_owned(),
        )
        .await
    }
}
