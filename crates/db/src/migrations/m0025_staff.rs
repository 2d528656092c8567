//! Staff accounts (issue 25, item 3): what an operator knows of each account it
//! invited or manages besides the membership itself — when it was invited and by whom,
//! when it last signed in, and whether it is deactivated. A separate table, keyed by
//! the membership, so that memberships stay as they are for every other reader.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer_null, uuid, uuid_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0025_staff"
    }
}

#[derive(DeriveIden)]
enum StaffAccounts {
    Table,
    Id,
    TenantId,
    InvitedBy,
    InvitedAt,
    LastSignInAt,
    DeactivatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // `id` is the membership's id. No foreign key: the row is the operator's record
        // of the account, removed with it by the code that removes a membership.
        m.create_table(
            Table::create()
                .table(StaffAccounts::Table)
                .col(uuid(StaffAccounts::Id).primary_key())
                // The operator that manages the account (its own staff, or a partner's
                // user it invited).
                .col(uuid(StaffAccounts::TenantId))
                .col(uuid_null(StaffAccounts::InvitedBy))
                .col(big_integer_null(StaffAccounts::InvitedAt))
                .col(big_integer_null(StaffAccounts::LastSignInAt))
                .col(big_integer_null(StaffAccounts::DeactivatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_staff_accounts_tenant")
                .table(StaffAccounts::Table)
                .col(StaffAccounts::TenantId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
