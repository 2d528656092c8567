//! The database, not a read before the write, keeps the rules that concurrent requests
//! raced past: one standing referral per person and programme (the identity keys of
//! name + birth date + email, and of name + birth date + phone, each unique among the
//! programme's submitted or accepted referrals), and one standing request per person
//! and opportunity. Twelve identical referrals fired at once had stored three copies.
//!
//! Existing rows: the keys are backfilled for the oldest standing row of each key
//! only. Duplicates that already stand keep a null key (outside the constraint, left as
//! they are for the manager to refuse with the reason "duplicate"); nothing is deleted
//! or changed. Rows that stop standing (refused, expired, declined) leave the partial
//! indexes by their status, so the person can be referred or request again.

use std::collections::HashSet;

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0021_race_guards"
    }
}

#[derive(DeriveIden)]
enum Referrals {
    Table,
    Id,
    ProgrammeId,
    IdentityKeys,
    Status,
    CreatedAt,
    EmailKey,
    PhoneKey,
}

#[derive(DeriveIden)]
enum OpportunityRequests {
    Table,
    PersonKey,
}

/// Statuses in which a referral stands (mirrors `ReferralStatus`).
const STANDING_REFERRAL: &str = "status IN ('submitted', 'accepted')";
/// Statuses in which a request stands (mirrors `RequestStatus`).
const STANDING_REQUEST: &str = "status IN ('requested', 'accepted')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        m.alter_table(
            Table::alter()
                .table(Referrals::Table)
                .add_column(text_null(Referrals::EmailKey))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Referrals::Table)
                .add_column(text_null(Referrals::PhoneKey))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(OpportunityRequests::Table)
                .add_column(uuid_null(OpportunityRequests::PersonKey))
                .to_owned(),
        )
        .await?;
        backfill_referral_keys(m).await?;
        let conn = m.get_connection();
        // The person of every request but a standing duplicate of an older standing one.
        conn.execute_unprepared(&format!(
            "UPDATE opportunity_requests SET person_key = person_id \
             WHERE NOT ({STANDING_REQUEST} AND EXISTS (\
               SELECT 1 FROM opportunity_requests o \
               WHERE o.opportunity_id = opportunity_requests.opportunity_id \
                 AND o.person_id = opportunity_requests.person_id \
                 AND o.status IN ('requested', 'accepted') \
                 AND (o.created_at < opportunity_requests.created_at \
                      OR (o.created_at = opportunity_requests.created_at \
                          AND o.id < opportunity_requests.id))))"
        ))
        .await?;
        // Partial unique indexes: same syntax on SQLite and PostgreSQL; nulls never clash.
        for (name, table, cols, standing) in [
            (
                "referrals_standing_email_key",
                "referrals",
                "programme_id, email_key",
                STANDING_REFERRAL,
            ),
            (
                "referrals_standing_phone_key",
                "referrals",
                "programme_id, phone_key",
                STANDING_REFERRAL,
            ),
            (
                "opportunity_requests_standing_person",
                "opportunity_requests",
                "opportunity_id, person_key",
                STANDING_REQUEST,
            ),
        ] {
            conn.execute_unprepared(&format!(
                "CREATE UNIQUE INDEX {name} ON {table} ({cols}) WHERE {standing}"
            ))
            .await?;
        }
        Ok(())
    }
}

/// Splits the stored identity keys (one per line) into the email key and the phone key
/// of each standing referral, oldest first, skipping a key an older one holds.
async fn backfill_referral_keys(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = m.get_connection();
    let rows = conn
        .query_all(
            &Query::select()
                .columns([
                    Referrals::Id,
                    Referrals::ProgrammeId,
                    Referrals::IdentityKeys,
                ])
                .from(Referrals::Table)
                .and_where(Expr::col(Referrals::Status).is_in(["submitted", "accepted"]))
                .order_by(Referrals::CreatedAt, Order::Asc)
                .order_by(Referrals::Id, Order::Asc)
                .to_owned(),
        )
        .await?;
    let mut held: HashSet<(uuid::Uuid, String)> = HashSet::new();
    for row in rows {
        let id: uuid::Uuid = row.try_get("", "id")?;
        let programme: uuid::Uuid = row.try_get("", "programme_id")?;
        let keys: String = row.try_get("", "identity_keys")?;
        let mut email_key = None;
        let mut phone_key = None;
        for key in keys.lines() {
            let slot = if key.contains("|@") {
                &mut email_key
            } else if key.contains("|#") {
                &mut phone_key
            } else {
                continue;
            };
            if slot.is_none() && held.insert((programme, key.to_owned())) {
                *slot = Some(key.to_owned());
            }
        }
        if email_key.is_none() && phone_key.is_none() {
            continue;
        }
        conn.execute(
            &Query::update()
                .table(Referrals::Table)
                .values([
                    (Referrals::EmailKey, email_key.into()),
                    (Referrals::PhoneKey, phone_key.into()),
                ])
                .and_where(Expr::col(Referrals::Id).eq(id))
                .to_owned(),
        )
        .await?;
    }
    Ok(())
}
