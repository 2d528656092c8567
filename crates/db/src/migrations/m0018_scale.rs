//! Indexes found missing when measuring at a million beneficiaries: the manager's list
//! of the people followed, most recently active first, reads the tenant's newest
//! enrolments from an index instead of sorting them all.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0018_scale"
    }
}

#[derive(DeriveIden)]
enum Enrolments {
    Table,
    TenantId,
    LastActivityAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("idx_enrolments_tenant_activity")
                .table(Enrolments::Table)
                .col(Enrolments::TenantId)
                .col(Enrolments::LastActivityAt)
                .to_owned(),
        )
        .await
    }
}
