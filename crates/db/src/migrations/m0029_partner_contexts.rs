//! Issue 25, item 4: a partner organisation shared by several operators. A partner's
//! user works with each operator through a membership of its own, whose `context_id`
//! names that operator; the sessions of that membership see only that operator's
//! programmes and referrals. For every other membership (an operator's staff, a
//! person's space) the context is the organisation itself. The unique membership is
//! now per user, organisation, role and context.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::uuid_null;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0029_partner_contexts"
    }
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    UserId,
    OrganisationId,
    Role,
    ContextId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Memberships::Table)
                .add_column(uuid_null(Memberships::ContextId))
                .to_owned(),
        )
        .await?;
        let conn = m.get_connection();
        conn.execute_unprepared("UPDATE memberships SET context_id = organisation_id")
            .await?;
        // A partner's user invited by an operator (its row in `staff_accounts`) works
        // in that operator's context.
        conn.execute_unprepared(
            "UPDATE memberships SET context_id = (\
               SELECT s.tenant_id FROM staff_accounts s WHERE s.id = memberships.id) \
             WHERE role IN ('referrer', 'funder', 'employer') AND EXISTS (\
               SELECT 1 FROM staff_accounts s WHERE s.id = memberships.id \
                 AND s.tenant_id <> memberships.organisation_id)",
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("memberships_user_org_role")
                .table(Memberships::Table)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("memberships_user_org_role_context")
                .table(Memberships::Table)
                .col(Memberships::UserId)
                .col(Memberships::OrganisationId)
                .col(Memberships::Role)
                .col(Memberships::ContextId)
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
