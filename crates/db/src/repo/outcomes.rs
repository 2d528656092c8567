//! Outcomes: the facts recorded at exit and follow-up points (appended, never
//! rewritten), the exit situation kept on the enrolment for the report, the funders'
//! label rules, and the grouped counts the report is built from. Scoped by the
//! programme's tenant, the label rules by their funder; the command line's lookup by
//! slug and the planner's statistics are in [`unscoped`].

use parcours_domain::outcome::{
    CountRow, DropReason, FollowUpCounts, FollowUpPoint, FollowUpRow, LabelRule, ParticipantStatus,
    Situation,
};
use parcours_domain::placement::ContractType;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::parse_code;
use crate::entities::{enrolment, outcome, outcome_rule, programme};
use crate::{FunderScope, TenantScope};

/// One outcome fact as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutcomeFact {
    /// exit | m3 | m6 | m12
    pub point: String,
    pub status: String,
    pub situation: Option<String>,
    pub contract_type: Option<String>,
    pub starts_on: Option<String>,
    pub planned_end: Option<String>,
    pub contract_months: Option<i32>,
    pub weekly_hours: Option<i32>,
    pub training_name: Option<String>,
    pub qualifying: Option<bool>,
    /// The free text (optional).
    pub drop_reason: Option<String>,
    /// One of `DropReason`'s codes, when dropped.
    pub drop_reason_code: Option<String>,
    /// coach | survey | import
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeRecord {
    pub id: Uuid,
    pub enrolment_id: Uuid,
    pub fact: OutcomeFact,
    pub recorded_by: Option<Uuid>,
    pub recorded_at: i64,
}

pub(crate) fn fact_model(
    scope: TenantScope,
    enrolment_id: Uuid,
    person_id: Uuid,
    fact: &OutcomeFact,
    by: Option<Uuid>,
    now: i64,
) -> outcome::ActiveModel {
    outcome::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.id()),
        enrolment_id: Set(enrolment_id),
        person_id: Set(person_id),
        point: Set(fact.point.clone()),
        status: Set(fact.status.clone()),
        situation: Set(fact.situation.clone()),
        contract_type: Set(fact.contract_type.clone()),
        starts_on: Set(fact.starts_on.clone()),
        planned_end: Set(fact.planned_end.clone()),
        contract_months: Set(fact.contract_months),
        weekly_hours: Set(fact.weekly_hours),
        training_name: Set(fact.training_name.clone()),
        qualifying: Set(fact.qualifying),
        drop_reason: Set(fact.drop_reason.clone()),
        drop_reason_code: Set(fact.drop_reason_code.clone()),
        source: Set(fact.source.clone()),
        recorded_by: Set(by),
        recorded_at: Set(now),
    }
}

/// Appends a fact; at exit, the enrolment's status and exit situation follow it.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    enrolment_id: Uuid,
    person_id: Uuid,
    fact: &OutcomeFact,
    ended_on: Option<&str>,
    by: Option<Uuid>,
    now: i64,
) -> Result<Uuid, DbErr> {
    let model = fact_model(scope, enrolment_id, person_id, fact, by, now);
    let id = model.insert(conn).await?.id;
    if fact.point == "exit" {
        enrolment::Entity::update_many()
            .col_expr(enrolment::Column::Status, Expr::value(fact.status.clone()))
            .col_expr(
                enrolment::Column::EndedOn,
                Expr::value(ended_on.map(str::to_owned)),
            )
            .col_expr(
                enrolment::Column::DropReason,
                Expr::value(fact.drop_reason.clone()),
            )
            .col_expr(
                enrolment::Column::DropReasonCode,
                Expr::value(fact.drop_reason_code.clone()),
            )
            .col_expr(
                enrolment::Column::ExitSituation,
                Expr::value(fact.situation.clone()),
            )
            .col_expr(
                enrolment::Column::ExitContractType,
                Expr::value(fact.contract_type.clone()),
            )
            .col_expr(
                enrolment::Column::ExitContractMonths,
                Expr::value(fact.contract_months),
            )
            .col_expr(
                enrolment::Column::ExitQualifying,
                Expr::value(fact.qualifying),
            )
            .filter(enrolment::Column::Id.eq(enrolment_id))
            .filter(enrolment::Column::TenantId.eq(scope.id()))
            .exec(conn)
            .await?;
    }
    Ok(id)
}

/// The day the enrolment's participant left the programme (YYYY-MM-DD), if recorded.
pub async fn ended_on(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    enrolment_id: Uuid,
) -> Result<Option<String>, DbErr> {
    Ok(enrolment::Entity::find_by_id(enrolment_id)
        .filter(enrolment::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .and_then(|e| e.ended_on))
}

/// The facts of one enrolment, oldest first.
pub async fn of_enrolment(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    enrolment_id: Uuid,
) -> Result<Vec<OutcomeRecord>, DbErr> {
    Ok(outcome::Entity::find()
        .filter(outcome::Column::TenantId.eq(scope.id()))
        .filter(outcome::Column::EnrolmentId.eq(enrolment_id))
        .order_by_asc(outcome::Column::RecordedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| OutcomeRecord {
            id: m.id,
            enrolment_id: m.enrolment_id,
            fact: OutcomeFact {
                point: m.point,
                situation: m.situation,
                contract_type: m.contract_type,
                starts_on: m.starts_on,
                planned_end: m.planned_end,
                contract_months: m.contract_months,
                weekly_hours: m.weekly_hours,
                training_name: m.training_name,
                qualifying: m.qualifying,
                drop_reason_code: m
                    .drop_reason_code
                    .or_else(|| (m.status == "dropped").then(|| "other".to_owned())),
                status: m.status,
                drop_reason: m.drop_reason,
                source: m.source,
            },
            recorded_by: m.recorded_by,
            recorded_at: m.recorded_at,
        })
        .collect())
}

/// A participant imported from a spreadsheet, with the exit facts it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedParticipant {
    pub person_id: Uuid,
    pub enrolment_id: Uuid,
    pub external_id: String,
    pub birth_year: Option<i32>,
    pub commune_code: Option<String>,
    pub departement: Option<String>,
    pub referrer_id: Option<Uuid>,
    pub publics_mask: i64,
    pub entered_at: i64,
    pub entry_quarter: Option<String>,
    pub status: String,
    pub ended_on: Option<String>,
    pub exit: Option<OutcomeFact>,
}

/// Writes imported participants in batches (person, enrolment, exit fact); the caller
/// holds the transaction, so a failure writes nothing.
pub async fn insert_participants(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
    participants: &[ImportedParticipant],
    now: i64,
) -> Result<(), DbErr> {
    use crate::entities::person;
    // SQLite takes at most 32,766 bound values per statement; 25 columns × 500 rows fits.
    for chunk in participants.chunks(500) {
        person::Entity::insert_many(chunk.iter().map(|p| person::ActiveModel {
            id: Set(p.person_id),
            tenant_id: Set(scope.id()),
            user_id: Set(None),
            first_name: Set(String::new()),
            last_name: Set(p.external_id.clone()),
            email: Set(None),
            phone: Set(None),
            commune_code: Set(p.commune_code.clone()),
            birth_year: Set(p.birth_year),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }))
        .exec(conn)
        .await?;
        enrolment::Entity::insert_many(chunk.iter().map(|p| {
            let exit = p.exit.as_ref();
            enrolment::ActiveModel {
                id: Set(p.enrolment_id),
                tenant_id: Set(scope.id()),
                person_id: Set(p.person_id),
                programme_id: Set(programme_id),
                coach_id: Set(None),
                referrer_id: Set(p.referrer_id),
                phase: Set(if p.status == ParticipantStatus::InProgress.code() {
                    "investigation".to_owned()
                } else {
                    "follow_up".to_owned()
                }),
                status: Set(p.status.clone()),
                entered_at: Set(p.entered_at),
                last_activity_at: Set(p.entered_at),
                bilan_ended_at: Set(None),
                cohort_id: Set(None),
                ended_on: Set(p.ended_on.clone()),
                drop_reason: Set(exit.and_then(|e| e.drop_reason.clone())),
                drop_reason_code: Set(exit.and_then(|e| e.drop_reason_code.clone())),
                external_id: Set(Some(p.external_id.clone())),
                publics_mask: Set(p.publics_mask),
                departement: Set(p.departement.clone()),
                entry_quarter: Set(p.entry_quarter.clone()),
                exit_situation: Set(exit.and_then(|e| e.situation.clone())),
                exit_contract_type: Set(exit.and_then(|e| e.contract_type.clone())),
                exit_contract_months: Set(exit.and_then(|e| e.contract_months)),
                exit_qualifying: Set(exit.and_then(|e| e.qualifying)),
            }
        }))
        .exec(conn)
        .await?;
        let facts: Vec<outcome::ActiveModel> = chunk
            .iter()
            .filter_map(|p| {
                let fact = p.exit.as_ref()?;
                Some(fact_model(
                    scope,
                    p.enrolment_id,
                    p.person_id,
                    fact,
                    None,
                    now,
                ))
            })
            .collect();
        if !facts.is_empty() {
            outcome::Entity::insert_many(facts).exec(conn).await?;
        }
    }
    Ok(())
}

/// Whether the programme is one of the tenant's. The queries on a programme's
/// enrolments check this first rather than filter each row by tenant: they read
/// indexes that start with the programme (the report's counts from the index alone).
async fn programme_in(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
) -> Result<bool, DbErr> {
    Ok(super::programmes::row(conn, scope, programme_id)
        .await?
        .is_some())
}

/// External ids already in the programme, among those given.
pub async fn existing_external_ids(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
) -> Result<std::collections::HashSet<String>, DbErr> {
    if !programme_in(conn, scope, programme_id).await? {
        return Ok(std::collections::HashSet::new());
    }
    let ids: Vec<Option<String>> = enrolment::Entity::find()
        .select_only()
        .column(enrolment::Column::ExternalId)
        .filter(enrolment::Column::ProgrammeId.eq(programme_id))
        .filter(enrolment::Column::ExternalId.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    Ok(ids.into_iter().flatten().collect())
}

#[derive(Debug, FromQueryResult)]
struct PlaceRow {
    status: String,
    exit_situation: Option<String>,
    exit_contract_type: Option<String>,
    exit_contract_months: Option<i32>,
    exit_qualifying: Option<bool>,
    referrer_id: Option<Uuid>,
    departement: Option<String>,
    entry_quarter: Option<String>,
    n: i64,
}

#[derive(Debug, FromQueryResult)]
struct PublicRow {
    status: String,
    exit_situation: Option<String>,
    exit_contract_type: Option<String>,
    exit_contract_months: Option<i32>,
    exit_qualifying: Option<bool>,
    publics_mask: i64,
    n: i64,
}

/// The exit facts of a group, read back into the domain's codes.
fn facts_row(
    status: &str,
    situation: Option<&str>,
    contract_type: Option<&str>,
    contract_months: Option<i32>,
    qualifying: Option<bool>,
    n: i64,
) -> Result<CountRow, DbErr> {
    Ok(CountRow {
        status: parse_code::<ParticipantStatus>(status)?,
        situation: situation.map(parse_code::<Situation>).transpose()?,
        contract_type: contract_type.map(parse_code::<ContractType>).transpose()?,
        contract_months,
        qualifying,
        referrer: None,
        departement: None,
        quarter: None,
        publics_mask: 0,
        count: u64::try_from(n).unwrap_or(0),
    })
}

const FACTS: [enrolment::Column; 5] = [
    enrolment::Column::Status,
    enrolment::Column::ExitSituation,
    enrolment::Column::ExitContractType,
    enrolment::Column::ExitContractMonths,
    enrolment::Column::ExitQualifying,
];

/// The programme's participants counted for the report, in two scans run side by side
/// (each GROUP BY is a prefix of its covering index, and `COUNT(*)` needs no table row,
/// so SQLite streams the groups from the index alone): by exit facts, referrer,
/// département and entry quarter; then by exit facts and declared publics. Grouping
/// every dimension at once would return about one group per participant. Referrers
/// come back as ids: the caller names them.
pub async fn report_counts(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
) -> Result<(Vec<(CountRow, Option<Uuid>)>, Vec<CountRow>), DbErr> {
    if !programme_in(conn, scope, programme_id).await? {
        return Ok((Vec::new(), Vec::new()));
    }
    tokio::try_join!(
        counts_by_place(conn, programme_id),
        counts_by_public(conn, programme_id)
    )
}

async fn counts_by_place(
    conn: &impl ConnectionTrait,
    programme_id: Uuid,
) -> Result<Vec<(CountRow, Option<Uuid>)>, DbErr> {
    use enrolment::Column as C;
    let mut query = enrolment::Entity::find()
        .select_only()
        .filter(C::ProgrammeId.eq(programme_id));
    for c in FACTS
        .iter()
        .chain(&[C::ReferrerId, C::Departement, C::EntryQuarter])
    {
        query = query.column(*c).group_by(*c);
    }
    query
        .column_as(Expr::cust("COUNT(*)"), "n")
        .into_model::<PlaceRow>()
        .all(conn)
        .await?
        .into_iter()
        .map(|r| {
            let mut row = facts_row(
                &r.status,
                r.exit_situation.as_deref(),
                r.exit_contract_type.as_deref(),
                r.exit_contract_months,
                r.exit_qualifying,
                r.n,
            )?;
            row.departement = r.departement;
            row.quarter = r.entry_quarter;
            Ok((row, r.referrer_id))
        })
        .collect()
}

async fn counts_by_public(
    conn: &impl ConnectionTrait,
    programme_id: Uuid,
) -> Result<Vec<CountRow>, DbErr> {
    use enrolment::Column as C;
    let mut query = enrolment::Entity::find()
        .select_only()
        .filter(C::ProgrammeId.eq(programme_id));
    for c in FACTS.iter().chain(&[C::PublicsMask]) {
        query = query.column(*c).group_by(*c);
    }
    query
        .column_as(Expr::cust("COUNT(*)"), "n")
        .into_model::<PublicRow>()
        .all(conn)
        .await?
        .into_iter()
        .map(|r| {
            let mut row = facts_row(
                &r.status,
                r.exit_situation.as_deref(),
                r.exit_contract_type.as_deref(),
                r.exit_contract_months,
                r.exit_qualifying,
                r.n,
            )?;
            row.publics_mask = r.publics_mask;
            Ok(row)
        })
        .collect()
}

#[derive(Debug, FromQueryResult)]
struct FollowUpGroup {
    point: String,
    situation: String,
    contract_type: Option<String>,
    contract_months: Option<i32>,
    qualifying: Option<bool>,
    n: i64,
}

#[derive(Debug, FromQueryResult)]
struct Counted {
    n: i64,
}

#[derive(Debug, FromQueryResult)]
struct ReasonGroup {
    drop_reason_code: Option<String>,
    n: i64,
}

/// The follow-up figures of a programme's finished participants: at each point (+3,
/// +6, +12 months) the latest fact of each participant, grouped; how many were due on
/// `today` (left at least the point's window ago, or measured anyway); and the dropped
/// participants by reason (`other` for the free text of earlier records and for none).
pub async fn followup_counts(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
    today: time::Date,
) -> Result<FollowUpCounts, DbErr> {
    if !programme_in(conn, scope, programme_id).await? {
        return Ok(FollowUpCounts::default());
    }
    use outcome::Column as O;
    // Built with the query builder, not raw `?` SQL: the placeholders differ by backend.
    let finished = || {
        O::EnrolmentId.in_subquery(
            Query::select()
                .column(enrolment::Column::Id)
                .from(enrolment::Entity)
                .and_where(enrolment::Column::ProgrammeId.eq(programme_id))
                .and_where(enrolment::Column::Status.eq("finished"))
                .to_owned(),
        )
    };
    let mut query = outcome::Entity::find()
        .select_only()
        .filter(O::TenantId.eq(scope.id()))
        // The follow-up points only (the answers to the exit questionnaire have a
        // point of their own).
        .filter(O::Point.is_in(["m3", "m6", "m12"]))
        .filter(O::Situation.is_not_null())
        .filter(finished())
        // The latest fact of the participant at this point.
        .filter(Expr::cust(
            "NOT EXISTS (SELECT 1 FROM outcomes o2 WHERE o2.enrolment_id = outcomes.enrolment_id \
             AND o2.point = outcomes.point AND o2.situation IS NOT NULL \
             AND (o2.recorded_at > outcomes.recorded_at \
             OR (o2.recorded_at = outcomes.recorded_at AND o2.id > outcomes.id)))",
        ));
    for c in [
        O::Point,
        O::Situation,
        O::ContractType,
        O::ContractMonths,
        O::Qualifying,
    ] {
        query = query.column(c).group_by(c);
    }
    let rows = query
        .column_as(Expr::cust("COUNT(*)"), "n")
        .into_model::<FollowUpGroup>()
        .all(conn)
        .await?
        .into_iter()
        .map(|g| {
            Ok(FollowUpRow {
                point: parse_code::<FollowUpPoint>(&g.point)?,
                situation: parse_code::<Situation>(&g.situation)?,
                contract_type: g
                    .contract_type
                    .as_deref()
                    .map(parse_code::<ContractType>)
                    .transpose()?,
                contract_months: g.contract_months,
                qualifying: g.qualifying,
                count: u64::try_from(g.n).unwrap_or(0),
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    let mut due = Vec::new();
    for point in &FollowUpPoint::ALL[1..] {
        let Some(cutoff) = point
            .opens_after_days()
            .and_then(|d| today.checked_sub(time::Duration::days(d)))
        else {
            continue;
        };
        let counted = enrolment::Entity::find()
            .select_only()
            .column_as(Expr::cust("COUNT(*)"), "n")
            .filter(enrolment::Column::TenantId.eq(scope.id()))
            .filter(enrolment::Column::ProgrammeId.eq(programme_id))
            .filter(enrolment::Column::Status.eq("finished"))
            .filter(
                Condition::any()
                    .add(enrolment::Column::EndedOn.lte(cutoff.to_string()))
                    .add(Expr::exists(
                        Query::select()
                            .expr(Expr::val(1))
                            .from(outcome::Entity)
                            .and_where(
                                Expr::col((outcome::Entity, O::EnrolmentId))
                                    .equals((enrolment::Entity, enrolment::Column::Id)),
                            )
                            .and_where(Expr::col((outcome::Entity, O::Point)).eq(point.code()))
                            .and_where(Expr::col((outcome::Entity, O::Situation)).is_not_null())
                            .to_owned(),
                    )),
            )
            .into_model::<Counted>()
            .one(conn)
            .await?
            .map_or(0, |c| c.n);
        due.push((*point, u64::try_from(counted).unwrap_or(0)));
    }
    let mut drop_reasons: Vec<(DropReason, u64)> = Vec::new();
    for g in enrolment::Entity::find()
        .select_only()
        .column(enrolment::Column::DropReasonCode)
        .group_by(enrolment::Column::DropReasonCode)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(enrolment::Column::TenantId.eq(scope.id()))
        .filter(enrolment::Column::ProgrammeId.eq(programme_id))
        .filter(enrolment::Column::Status.eq("dropped"))
        .into_model::<ReasonGroup>()
        .all(conn)
        .await?
    {
        let reason = DropReason::of_stored(g.drop_reason_code.as_deref());
        drop_reasons.push((reason, u64::try_from(g.n).unwrap_or(0)));
    }
    Ok(FollowUpCounts {
        rows,
        due,
        drop_reasons,
    })
}

/// The funder's rule in force (its latest version), or the default when it set none
/// (or the programme has no funder).
pub async fn current_rule(
    conn: &impl ConnectionTrait,
    funder: Option<FunderScope>,
) -> Result<LabelRule, DbErr> {
    let Some(funder) = funder else {
        return Ok(LabelRule::default());
    };
    Ok(outcome_rule::Entity::find()
        .filter(outcome_rule::Column::FunderOrgId.eq(funder.id()))
        .order_by_desc(outcome_rule::Column::Version)
        .one(conn)
        .await?
        .map_or_else(LabelRule::default, |m| LabelRule {
            version: m.version,
            durable_months: m.durable_months,
            business_is_durable: m.business_is_durable,
        }))
}

/// Every version of the funder's rule, oldest first.
pub async fn rules_of(
    conn: &impl ConnectionTrait,
    funder: FunderScope,
) -> Result<Vec<LabelRule>, DbErr> {
    Ok(outcome_rule::Entity::find()
        .filter(outcome_rule::Column::FunderOrgId.eq(funder.id()))
        .order_by_asc(outcome_rule::Column::Version)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| LabelRule {
            version: m.version,
            durable_months: m.durable_months,
            business_is_durable: m.business_is_durable,
        })
        .collect())
}

/// Stores the funder's rule as a new version; returns the version number.
pub async fn save_rule(
    conn: &impl ConnectionTrait,
    funder: FunderScope,
    durable_months: i32,
    business_is_durable: bool,
    by: Uuid,
    now: i64,
) -> Result<i32, DbErr> {
    let version = current_rule(conn, Some(funder)).await?.version + 1;
    outcome_rule::ActiveModel {
        id: Set(Uuid::now_v7()),
        funder_org_id: Set(funder.id()),
        version: Set(version),
        durable_months: Set(durable_months),
        business_is_durable: Set(business_is_durable),
        created_by: Set(Some(by)),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(version)
}

/// The programme's own minimum cell, if its manager set one.
pub async fn min_cell(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
) -> Result<Option<i32>, DbErr> {
    Ok(super::programmes::row(conn, scope, programme_id)
        .await?
        .and_then(|p| p.min_cell))
}

/// The programme's own minimum cell, when its manager set one.
pub async fn set_min_cell(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
    min_cell: Option<i32>,
) -> Result<(), DbErr> {
    programme::Entity::update_many()
        .col_expr(programme::Column::MinCell, Expr::value(min_cell))
        .filter(programme::Column::TenantId.eq(scope.id()))
        .filter(programme::Column::Id.eq(programme_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// What is not one tenant's: the command line names a programme by its slug before any
/// tenant is known, and the planner's statistics cover the whole database.
pub mod unscoped {
    use super::*;

    /// A programme by its slug, in any tenant (the command line names programmes so).
    pub async fn programmes_by_slug(
        conn: &impl ConnectionTrait,
        slug: &str,
    ) -> Result<Vec<(Uuid, Uuid, Option<Uuid>, Option<i32>)>, DbErr> {
        Ok(programme::Entity::find()
            .filter(programme::Column::Slug.eq(slug))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| (p.id, p.tenant_id, p.funder_id, p.min_cell))
            .collect())
    }

    /// Refreshes the planner's statistics after a bulk load (and, on PostgreSQL, the
    /// visibility map that lets the report read its index alone).
    pub async fn refresh_statistics(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
        if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
            // Every table a bulk load wrote: without statistics the planner scans the
            // activities of a million people for one caseload (6.7 s instead of 13 ms).
            conn.execute_unprepared("ANALYZE").await?;
            conn.execute_unprepared("VACUUM enrolments").await?;
        } else {
            conn.execute_unprepared("ANALYZE").await?;
        }
        Ok(())
    }
}
