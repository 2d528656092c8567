//! Emailed links get a purpose (issue 23): a sign-in link no longer opens the reset
//! form, nor a reset link a session, and revoking "every link of an account" is one
//! update. Requests for links are counted in a row per key that is updated in place
//! (a locked counter), so that a burst of requests cannot pass the limit together.
//! An existing account invited to another organisation joins only when its owner
//! accepts: the pending invitation waits in `membership_invitations`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, string, uuid, uuid_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0022_link_purposes"
    }
}

#[derive(DeriveIden)]
enum PasswordResets {
    Table,
    UserId,
    Purpose,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum LinkRequestLimits {
    Table,
    Key,
    WindowStart,
    Count,
}

#[derive(DeriveIden)]
enum MembershipInvitations {
    Table,
    Id,
    TokenHash,
    TenantId,
    UserId,
    OrganisationId,
    Role,
    PersonId,
    InvitedBy,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(PasswordResets::Table)
                .add_column(string(PasswordResets::Purpose).default("invitation"))
                .to_owned(),
        )
        .await?;
        // Links of an hour (resets and sign-in links) could be either: they are
        // revoked (their owners ask again); the longer ones are invitations.
        m.exec_stmt(
            Query::update()
                .table(PasswordResets::Table)
                .value(PasswordResets::UsedAt, Expr::col(PasswordResets::CreatedAt))
                .and_where(
                    Expr::col(PasswordResets::ExpiresAt)
                        .sub(Expr::col(PasswordResets::CreatedAt))
                        .lte(3_600_000),
                )
                .and_where(Expr::col(PasswordResets::UsedAt).is_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_password_resets_user")
                .table(PasswordResets::Table)
                .col(PasswordResets::UserId)
                .col(PasswordResets::Purpose)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LinkRequestLimits::Table)
                .col(string(LinkRequestLimits::Key).primary_key())
                .col(big_integer(LinkRequestLimits::WindowStart))
                .col(big_integer(LinkRequestLimits::Count))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MembershipInvitations::Table)
                .col(uuid(MembershipInvitations::Id).primary_key())
                .col(string(MembershipInvitations::TokenHash).unique_key())
                .col(uuid(MembershipInvitations::TenantId))
                .col(uuid(MembershipInvitations::UserId))
                .col(uuid(MembershipInvitations::OrganisationId))
                .col(string(MembershipInvitations::Role))
                .col(uuid_null(MembershipInvitations::PersonId))
                .col(uuid(MembershipInvitations::InvitedBy))
                .col(big_integer(MembershipInvitations::CreatedAt))
                .col(big_integer(MembershipInvitations::ExpiresAt))
                .col(big_integer_null(MembershipInvitations::UsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(MembershipInvitations::Table, MembershipInvitations::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            MembershipInvitations::Table,
                            MembershipInvitations::OrganisationId,
                        )
                        .to(Organisations::Table, Organisations::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_membership_invitations_user")
                .table(MembershipInvitations::Table)
                .col(MembershipInvitations::UserId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
