//! Accounts, organisations, memberships, programmes, people and their enrolments,
//! sessions, login attempts, password resets and the append-only audit log.
//! Times are Unix epoch milliseconds (BIGINT): they sort and compare the same on
//! SQLite and PostgreSQL.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_foundation"
    }
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Kind,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    DisplayName,
    PasswordHash,
    Locale,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    UserId,
    OrganisationId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Programmes {
    Table,
    Id,
    TenantId,
    FunderId,
    Name,
    Slug,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProgrammeReferrers {
    Table,
    ProgrammeId,
    OrganisationId,
}

#[derive(DeriveIden)]
enum Persons {
    Table,
    Id,
    TenantId,
    UserId,
    FirstName,
    LastName,
    Email,
    Phone,
    CommuneCode,
    BirthYear,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Enrolments {
    Table,
    Id,
    TenantId,
    PersonId,
    ProgrammeId,
    CoachId,
    ReferrerId,
    Phase,
    Status,
    EnteredAt,
    LastActivityAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    MembershipId,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Id,
    AccountKey,
    Ip,
    Succeeded,
    At,
}

#[derive(DeriveIden)]
enum PasswordResets {
    Table,
    TokenHash,
    UserId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    TenantId,
    ActorUserId,
    Action,
    PersonId,
    At,
}

pub(super) fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Organisations::Table)
                .col(uuid(Organisations::Id).primary_key())
                .col(string(Organisations::Kind))
                .col(string(Organisations::Name))
                .col(big_integer(Organisations::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(uuid(Users::Id).primary_key())
                .col(string_uniq(Users::Email))
                .col(string(Users::DisplayName))
                .col(string(Users::PasswordHash))
                .col(string(Users::Locale))
                .col(big_integer(Users::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Memberships::Table)
                .col(uuid(Memberships::Id).primary_key())
                .col(uuid(Memberships::UserId))
                .col(uuid(Memberships::OrganisationId))
                .col(string(Memberships::Role))
                .col(big_integer(Memberships::CreatedAt))
                .foreign_key(&mut fk(
                    Memberships::Table,
                    Memberships::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .foreign_key(&mut fk(
                    Memberships::Table,
                    Memberships::OrganisationId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("memberships_user_org_role")
                .table(Memberships::Table)
                .col(Memberships::UserId)
                .col(Memberships::OrganisationId)
                .col(Memberships::Role)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Programmes::Table)
                .col(uuid(Programmes::Id).primary_key())
                .col(uuid(Programmes::TenantId))
                .col(uuid_null(Programmes::FunderId))
                .col(string(Programmes::Name))
                .col(string(Programmes::Slug))
                .col(big_integer(Programmes::CreatedAt))
                .foreign_key(&mut fk(
                    Programmes::Table,
                    Programmes::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    Programmes::Table,
                    Programmes::FunderId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("programmes_tenant_slug")
                .table(Programmes::Table)
                .col(Programmes::TenantId)
                .col(Programmes::Slug)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ProgrammeReferrers::Table)
                .col(uuid(ProgrammeReferrers::ProgrammeId))
                .col(uuid(ProgrammeReferrers::OrganisationId))
                .primary_key(
                    Index::create()
                        .col(ProgrammeReferrers::ProgrammeId)
                        .col(ProgrammeReferrers::OrganisationId),
                )
                .foreign_key(&mut fk(
                    ProgrammeReferrers::Table,
                    ProgrammeReferrers::ProgrammeId,
                    Programmes::Table,
                    Programmes::Id,
                ))
                .foreign_key(&mut fk(
                    ProgrammeReferrers::Table,
                    ProgrammeReferrers::OrganisationId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Persons::Table)
                .col(uuid(Persons::Id).primary_key())
                .col(uuid(Persons::TenantId))
                .col(uuid_null(Persons::UserId).unique_key())
                .col(string(Persons::FirstName))
                .col(string(Persons::LastName))
                .col(string_null(Persons::Email))
                .col(string_null(Persons::Phone))
                .col(string_null(Persons::CommuneCode))
                .col(integer_null(Persons::BirthYear))
                .col(big_integer(Persons::CreatedAt))
                .col(big_integer(Persons::UpdatedAt))
                .foreign_key(&mut fk(
                    Persons::Table,
                    Persons::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    Persons::Table,
                    Persons::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("persons_tenant")
                .table(Persons::Table)
                .col(Persons::TenantId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Enrolments::Table)
                .col(uuid(Enrolments::Id).primary_key())
                .col(uuid(Enrolments::TenantId))
                .col(uuid(Enrolments::PersonId))
                .col(uuid(Enrolments::ProgrammeId))
                .col(uuid_null(Enrolments::CoachId))
                .col(uuid_null(Enrolments::ReferrerId))
                .col(string(Enrolments::Phase))
                .col(string(Enrolments::Status))
                .col(big_integer(Enrolments::EnteredAt))
                .col(big_integer(Enrolments::LastActivityAt))
                .foreign_key(&mut fk(
                    Enrolments::Table,
                    Enrolments::TenantId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    Enrolments::Table,
                    Enrolments::PersonId,
                    Persons::Table,
                    Persons::Id,
                ))
                .foreign_key(&mut fk(
                    Enrolments::Table,
                    Enrolments::ProgrammeId,
                    Programmes::Table,
                    Programmes::Id,
                ))
                .foreign_key(&mut fk(
                    Enrolments::Table,
                    Enrolments::CoachId,
                    Users::Table,
                    Users::Id,
                ))
                .foreign_key(&mut fk(
                    Enrolments::Table,
                    Enrolments::ReferrerId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("enrolments_tenant_coach")
                .table(Enrolments::Table)
                .col(Enrolments::TenantId)
                .col(Enrolments::CoachId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("enrolments_programme_phase")
                .table(Enrolments::Table)
                .col(Enrolments::ProgrammeId)
                .col(Enrolments::Phase)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("enrolments_person")
                .table(Enrolments::Table)
                .col(Enrolments::PersonId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(string(Sessions::Id).primary_key())
                .col(uuid(Sessions::UserId))
                .col(uuid(Sessions::MembershipId))
                .col(string(Sessions::CsrfToken))
                .col(big_integer(Sessions::CreatedAt))
                .col(big_integer(Sessions::ExpiresAt))
                .col(big_integer(Sessions::LastSeenAt))
                .foreign_key(&mut fk(
                    Sessions::Table,
                    Sessions::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .foreign_key(&mut fk(
                    Sessions::Table,
                    Sessions::MembershipId,
                    Memberships::Table,
                    Memberships::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("sessions_user")
                .table(Sessions::Table)
                .col(Sessions::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LoginAttempts::Table)
                .col(big_pk_auto(LoginAttempts::Id))
                .col(string(LoginAttempts::AccountKey))
                .col(string(LoginAttempts::Ip))
                .col(boolean(LoginAttempts::Succeeded))
                .col(big_integer(LoginAttempts::At))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("login_attempts_account_at")
                .table(LoginAttempts::Table)
                .col(LoginAttempts::AccountKey)
                .col(LoginAttempts::At)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("login_attempts_ip_at")
                .table(LoginAttempts::Table)
                .col(LoginAttempts::Ip)
                .col(LoginAttempts::At)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PasswordResets::Table)
                .col(string(PasswordResets::TokenHash).primary_key())
                .col(uuid(PasswordResets::UserId))
                .col(big_integer(PasswordResets::CreatedAt))
                .col(big_integer(PasswordResets::ExpiresAt))
                .col(big_integer_null(PasswordResets::UsedAt))
                .foreign_key(&mut fk(
                    PasswordResets::Table,
                    PasswordResets::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(uuid(AuditEvents::Id).primary_key())
                .col(uuid(AuditEvents::TenantId))
                .col(uuid_null(AuditEvents::ActorUserId))
                .col(string(AuditEvents::Action))
                .col(uuid_null(AuditEvents::PersonId))
                .col(big_integer(AuditEvents::At))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("audit_events_tenant_at")
                .table(AuditEvents::Table)
                .col(AuditEvents::TenantId)
                .col(AuditEvents::At)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("audit_events_person")
                .table(AuditEvents::Table)
                .col(AuditEvents::PersonId)
                .to_owned(),
        )
        .await?;

        // The audit log is append-only: the database itself refuses updates and deletes.
        let conn = m.get_connection();
        match conn.get_database_backend() {
            DbBackend::Postgres => {
                conn.execute_unprepared(
                    "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$",
                )
                .await?;
                conn.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events \
                     FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
                )
                .await?;
            }
            _ => {
                for op in ["UPDATE", "DELETE"] {
                    conn.execute_unprepared(&format!(
                        "CREATE TRIGGER audit_events_no_{op} BEFORE {op} ON audit_events \
                         BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }
}
