//! The access matrix: every route the router serves (and every path of the OpenAPI
//! document), called with every method it takes, as every role, on a resource of the
//! caller's own tenant and on one of the other tenant. The answers are checked against
//! rules that hold for every route (no server error, nothing of another tenant read or
//! written, nothing but public pages for an anonymous visitor) and against the reviewed
//! policy in `access_matrix.txt`, so a route added without thinking of its access, or
//! an access that changes, fails here. `UPDATE_ACCESS_MATRIX=1` rewrites the file for
//! review in the diff.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use axum_test::http::{HeaderName, HeaderValue, Method, StatusCode};
use parcours_db::{ConnectionTrait, DbBackend, Statement};
use parcours_test_support::{Client, TestApp};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use uuid::Uuid;

use crate::TestResult;

/// Who calls: `None` is an anonymous visitor. The order is the order of the sweep
/// (the most powerful last, since their writes may delete what others would read).
const CALLERS: [(&str, Option<&str>); 11] = [
    ("anonymous", None),
    // The installation's host administrator (issue 25, item 6): member of no operator,
    // created below; every operator route refuses it.
    ("host_admin", Some(HOST_ADMIN)),
    ("funder", Some("funder@demo.parcours.test")),
    ("referrer", Some("referrer@demo.parcours.test")),
    ("employer", Some("employer@demo.parcours.test")),
    ("beneficiary", Some("beneficiaire@demo.parcours.test")),
    ("other_coach", Some("coach@horizon.parcours.test")),
    ("coach2", Some("coach2@demo.parcours.test")),
    ("coach", Some("coach@demo.parcours.test")),
    ("manager", Some("manager@demo.parcours.test")),
    ("admin", Some("admin@demo.parcours.test")),
];

/// The host administrator's address (no demo account: made by `callers`).
const HOST_ADMIN: &str = "host@parcours.test";

/// Pages anyone may open without signing in (sign-in, links sent by email, the public
/// occupation explorer, operations endpoints).
const PUBLIC_PREFIXES: [&str; 22] = [
    "/login",
    "/confidentialite",
    "/accessibilite",
    "/mentions-legales",
    "/invitation/",
    "/password/",
    "/lang/",
    "/connexion",
    "/orientations/suivi",
    "/documents/partage/",
    "/questionnaire-suivi/",
    "/rendez-vous/",
    "/demandes/",
    "/metiers",
    "/api/v1/occupations",
    "/api/v1/communes",
    "/api/v1/openapi.json",
    "/healthz",
    "/livez",
    "/metrics",
    "/static/",
    // The SMS gateway's callbacks: authenticated by a message's secret or Basic auth.
    "/sms/",
];

/// Gives the demo tenant one of each thing a route names, written by the role that
/// writes it (the seed alone has no bilan activity, journal, plan, note, thread,
/// session, share, referral nor selection event), then copies into the other tenant
/// the rows it lacks, so that every route has a resource on each side.
async fn populate(t: &TestApp) -> TestResult {
    let person = t.world.beneficiary_person_id;
    t.app.seed_demo_answers(&t.world).await?;
    let me = t.login_as("beneficiaire@demo.parcours.test").await?;
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let manager = t.login_as("manager@demo.parcours.test").await?;
    let referrer = t.login_as("referrer@demo.parcours.test").await?;
    let expect = |what: &str, response: axum_test::TestResponse| {
        let status = response.status_code();
        anyhow::ensure!(
            status.is_success() || status.is_redirection(),
            "populating the matrix: {what} answered {status}: {}",
            response.text()
        );
        Ok(())
    };
    expect(
        "a journal entry",
        post_json(
            &me.server,
            format!("/api/v1/beneficiaries/{person}/journal"),
            serde_json::json!({"body": "Ce que j'ai appris cette semaine"}),
        )
        .await,
    )?;
    expect(
        "a plan objective",
        me.submit(
            "/parcours/plan",
            &format!("/beneficiaries/{person}/plan/objectifs"),
            &[("title", "Rencontrer deux boulangers")],
        )
        .await,
    )?;
    let objective = rows_of(t, "plan_objectives", t.world.operator_id, 1).await?;
    let objective = objective
        .first()
        .ok_or_else(|| anyhow::anyhow!("no objective"))?;
    expect(
        "a plan action",
        coach
            .submit(
                &format!("/beneficiaries/{person}/plan"),
                &format!("/beneficiaries/{person}/plan/objectifs/{objective}/actions"),
                &[
                    ("title", "Appeler la boulangerie"),
                    ("owner", "person"),
                    ("due_on", "2027-01-15"),
                ],
            )
            .await,
    )?;
    let file = format!("/beneficiaries/{person}");
    expect(
        "a note",
        coach
            .submit(
                &file,
                &format!("{file}/notes"),
                &[("body", "Motivé"), ("visibility", "shared")],
            )
            .await,
    )?;
    let threads = format!("{file}/messages");
    expect(
        "a thread",
        coach
            .submit(
                &threads,
                &threads,
                &[("subject", "Entretien"), ("body", "Apportez votre CV.")],
            )
            .await,
    )?;
    let day = time::OffsetDateTime::now_utc().date() + time::Duration::days(5);
    expect(
        "a slot",
        post_json(
            &coach.server,
            "/api/v1/slots".into(),
            serde_json::json!({"date": day.to_string(), "time": "14:30", "minutes": "45",
                "mode": "phone", "place": "", "count": "2"}),
        )
        .await,
    )?;
    let slot = rows_of(t, "slots", t.world.operator_id, 1).await?;
    let slot = slot
        .first()
        .ok_or_else(|| anyhow::anyhow!("no slot"))?
        .to_string();
    expect(
        "a booking",
        me.submit(
            "/parcours/rendez-vous",
            "/parcours/rendez-vous/reserver",
            &[("slot", &slot)],
        )
        .await,
    )?;
    expect(
        "the synthesis",
        post_json(
            &coach.server,
            format!("/api/v1/beneficiaries/{person}/synthesis"),
            serde_json::json!({}),
        )
        .await,
    )?;
    expect(
        "a share of the synthesis",
        me.submit(
            "/parcours/synthese",
            &format!("{file}/synthese/partages"),
            &[
                ("recipient_name", "Boulangerie Dupont"),
                ("recipient_email", "recrutement@boulangerie.example"),
                ("consent", "yes"),
            ],
        )
        .await,
    )?;
    expect(
        "a referral",
        post_json(
            &referrer.server,
            "/api/v1/referrals".into(),
            serde_json::json!({"programme_id": t.world.programme_id, "first_name": "Jeanne",
                "last_name": "Matrice", "birth_date": "1990-05-01", "email": "", "phone": "06 12 34 56 78",
                "commune_code": "76540", "publics": [], "motivation": "Reprendre un emploi",
                "advisor_email": "", "consent": true}),
        )
        .await,
    )?;
    expect(
        "a selection event",
        manager
            .submit(
                "/selection",
                "/selection/evenements",
                &[
                    ("programme", &t.world.programme_id.to_string()),
                    ("kind", "interview_simulation"),
                    ("title", "Simulations"),
                    ("date", "2027-03-02"),
                    ("time", "09:30"),
                    ("place", "Salle 2"),
                ],
            )
            .await,
    )?;
    copy_into_other_tenant(t).await
}

/// A JSON POST with the session's CSRF token, as the API's clients send it.
async fn post_json(
    server: &axum_test::TestServer,
    path: String,
    body: serde_json::Value,
) -> axum_test::TestResponse {
    let page = server.get("/home").await.text();
    let token = parcours_test_support::csrf_token(&page).unwrap_or_default();
    server
        .post(&path)
        .add_header("x-csrf-token", token)
        .json(&body)
        .await
}

/// Copies one row of each table the routes name from the demo tenant into the other
/// one when it has none, its person repointed to the other tenant's person.
async fn copy_into_other_tenant(t: &TestApp) -> TestResult {
    let db = t.app.db();
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    let mut theirs: BTreeMap<&str, parcours_db::Value> = BTreeMap::new();
    theirs.insert("tenant_id", t.world.other_operator_id.into());
    theirs.insert("person_id", t.world.other_tenant_person_id.into());
    // Unique: an appointment holds its slot.
    theirs.insert("slot_hold", Option::<Uuid>::None.into());
    // Another organisation's offers: the demo employer's own must not be copied.
    theirs.insert("employer_org_id", t.world.other_operator_id.into());
    theirs.insert("token_hash", Uuid::new_v4().simple().to_string().into());
    // Parents before children, so that a copy points at the other tenant's parent
    // (an appointment at its slot, an action at its objective, …).
    const PARENTS: [(&str, &str); 9] = [
        ("enrolment_id", "enrolments"),
        ("programme_id", "programmes"),
        ("slot_id", "slots"),
        ("objective_id", "plan_objectives"),
        ("thread_id", "message_threads"),
        ("document_id", "documents"),
        ("opportunity_id", "opportunities"),
        ("event_id", "selection_events"),
        ("appointment_id", "appointments"),
    ];
    let mut tables: Vec<&str> = PARENTS.iter().map(|(_, table)| *table).collect();
    tables.extend(id_tables());
    let mut done = BTreeSet::new();
    for table in tables {
        if !done.insert(table) {
            continue;
        }
        if let Some(id) = rows_of(t, table, t.world.other_operator_id, 1)
            .await?
            .first()
        {
            if let Some((column, _)) = PARENTS.iter().find(|(_, parent)| *parent == table) {
                theirs.insert(column, (*id).into());
            }
            continue;
        }
        let Some(source) = rows_of(t, table, t.world.operator_id, 1)
            .await?
            .first()
            .copied()
        else {
            continue;
        };
        let columns: Vec<String> = if postgres {
            db.query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT column_name AS name FROM information_schema.columns \
                 WHERE table_name = $1 ORDER BY ordinal_position",
                [table.into()],
            ))
            .await?
        } else {
            db.query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                format!("SELECT name FROM pragma_table_info('{table}')"),
            ))
            .await?
        }
        .iter()
        .map(|r| r.try_get::<String>("", "name"))
        .collect::<Result<_, _>>()?;
        let select: Vec<String> = columns
            .iter()
            .map(|c| {
                if c == "id" || theirs.contains_key(c.as_str()) {
                    "?".to_owned()
                } else {
                    c.clone()
                }
            })
            .collect();
        let copy = Uuid::now_v7();
        let mut values: Vec<parcours_db::Value> = Vec::new();
        for c in &columns {
            if c == "id" {
                values.push(copy.into());
            } else if let Some(value) = theirs.get(c.as_str()) {
                values.push(value.clone());
            }
        }
        values.push(source.into());
        let text = format!(
            "INSERT INTO {table} ({}) SELECT {} FROM {table} WHERE id = ?",
            columns.join(", "),
            select.join(", ")
        );
        db.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql(db, &text),
            values,
        ))
        .await
        .map_err(|e| anyhow::anyhow!("copying a row of {table} into the other tenant: {e}"))?;
        if let Some((column, _)) = PARENTS.iter().find(|(_, parent)| *parent == table) {
            theirs.insert(column, copy.into());
        }
    }
    Ok(())
}

/// What an attacker would type in any free-text field: markup, an event handler, a
/// template expression, a formula. Every page must show it as text.
/// Markup, template and formula injections, and what people paste: tabs, control
/// characters, emoji, scripts no font of the PDFs draws.
const HOSTILE: &str =
    "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>{{7*7}}=1+1\t😀\u{1}ꙮ #[*_]";
const HOSTILE_MARKERS: [&str; 2] = ["<script>alert(1)", "<img src=x"];
const FREE_TEXT: [&str; 15] = [
    "first_name",
    "last_name",
    "name",
    "title",
    "body",
    "subject",
    "comment",
    "note",
    "notes",
    "place",
    "motivation",
    "message",
    "recipient_name",
    "training_name",
    "filename",
];

/// Puts [`HOSTILE`] in every free-text column of every table (names of people,
/// organisations and programmes, notes, journal, messages, plan, places, …); returns
/// how many columns took it.
async fn make_hostile(t: &TestApp) -> anyhow::Result<usize> {
    let db = t.app.db();
    let mut tables: Vec<String> = tenant_tables(t)
        .await?
        .into_iter()
        .map(|table| table.name)
        .collect();
    tables.push("users".into());
    let mut written = 0;
    for table in tables {
        for column in FREE_TEXT {
            let statement = Statement::from_sql_and_values(
                db.get_database_backend(),
                sql(
                    db,
                    &format!("UPDATE {table} SET {column} = ? WHERE {column} IS NOT NULL"),
                ),
                [HOSTILE.into()],
            );
            // Most tables lack most of these columns.
            if db.execute_raw(statement).await.is_ok() {
                written += 1;
            }
        }
    }
    Ok(written)
}

/// What fills a path parameter: a row of a tenant's table, or a fixed value that
/// belongs to no tenant (tokens sent by email, codes of the reference data).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Source {
    Table(&'static str),
    Fixed(&'static str),
}

fn source_of(path: &str, param: &str) -> Option<Source> {
    use Source::{Fixed, Table};
    let table = match param {
        "token" => {
            return Some(Fixed(
                "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
            ));
        }
        "code" if path.starts_with("/lang/") => return Some(Fixed("en")),
        "code" => return Some(Fixed("D1102")),
        "n" => return Some(Fixed("1")),
        // An SMS's delivery report: the gateway's, no tenant's (its secret is the query's).
        "id" if path.starts_with("/sms/dlr/") => {
            return Some(Fixed("00000000-0000-7000-8000-000000000000"));
        }
        "item" => return Some(Fixed("immersion")),
        "person" => "persons",
        "document" => "documents",
        "note" => "notes",
        "share" => "document_shares",
        "request" => "opportunity_requests",
        "appointment" => "appointments",
        "objective" => "plan_objectives",
        "action" => "plan_actions",
        "thread" => "message_threads",
        // A partner's user's account: the membership's id, kept with its tenant there.
        "account" => "staff_accounts",
        "id" => {
            const BY_PREFIX: [(&str, &str); 27] = [
                ("/beneficiaries/", "persons"),
                ("/api/v1/beneficiaries/", "persons"),
                ("/activites/", "activities"),
                ("/api/v1/activities/", "activities"),
                ("/admin/taches/", "jobs"),
                ("/agenda/creneaux/", "slots"),
                ("/api/v1/appointments/", "appointments"),
                ("/parcours/rendez-vous/", "appointments"),
                ("/api/v1/journal/", "journal_entries"),
                ("/parcours/journal/", "journal_entries"),
                ("/api/v1/plan/actions/", "plan_actions"),
                ("/api/v1/plan/objectives/", "plan_objectives"),
                ("/api/v1/referrals/", "referrals"),
                ("/api/v1/programmes/", "programmes"),
                ("/api/v1/organisations/", "organisations"),
                ("/orientations/import/", "referral_imports"),
                ("/orientations/", "referrals"),
                ("/api/v1/threads/", "message_threads"),
                ("/entreprise/opportunites/", "opportunities"),
                ("/api/v1/opportunities/", "opportunities"),
                ("/programmes/", "programmes"),
                ("/selection/evenements/", "selection_events"),
                ("/rendez-vous/", "slots"),
                // Staff accounts: the membership's id, kept with its tenant there.
                ("/admin/equipe/", "staff_accounts"),
                ("/api/v1/accounts/", "staff_accounts"),
                // A partner organisation (the tenant's own row: not one of its partners).
                ("/partenaires/", "organisations"),
                // A space is a membership of the caller's.
                ("/espaces/", "staff_accounts"),
            ];
            BY_PREFIX
                .iter()
                .find(|(prefix, _)| path.starts_with(prefix))
                .map(|(_, table)| *table)?
        }
        _ => return None,
    };
    Some(Table(table))
}

/// The `{param}` names of a path pattern, in order.
fn params_of(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

fn is_public(path: &str) -> bool {
    path == "/" || PUBLIC_PREFIXES.iter().any(|p| path.starts_with(p))
}

/// `?` placeholders as the backend spells them.
pub(crate) fn sql(db: &impl ConnectionTrait, text: &str) -> String {
    if db.get_database_backend() == DbBackend::Postgres {
        let mut n = 0;
        text.chars()
            .map(|c| {
                if c == '?' {
                    n += 1;
                    format!("${n}")
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        text.to_owned()
    }
}

/// Ids of a tenant's rows of `table`, the demo beneficiary's own first (so that the
/// beneficiary's access to their own things is in the matrix), then by creation.
async fn rows_of(t: &TestApp, table: &str, tenant: Uuid, limit: u32) -> anyhow::Result<Vec<Uuid>> {
    // A tenant's organisation row is the tenant itself.
    if table == "organisations" {
        return Ok(vec![tenant]);
    }
    let db = t.app.db();
    let order = if PERSON_TABLES.contains(&table) {
        "CASE WHEN person_id = ? THEN 0 ELSE 1 END, id"
    } else {
        "CASE WHEN id = ? THEN 0 ELSE 1 END, id"
    };
    let text = format!("SELECT id FROM {table} WHERE tenant_id = ? ORDER BY {order} LIMIT {limit}");
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql(db, &text),
            [tenant.into(), t.world.beneficiary_person_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<Uuid>("", "id")?))
        .collect()
}

/// The tenant tables that have a `person_id` column.
const PERSON_TABLES: [&str; 13] = [
    "activities",
    "appointments",
    "booking_invitations",
    "document_shares",
    "documents",
    "journal_entries",
    "message_threads",
    "notes",
    "opportunity_requests",
    "placements",
    "plan_objectives",
    "referrals",
    "selection_invitations",
];

/// The tables the routes' parameters name.
fn id_tables() -> BTreeSet<&'static str> {
    parcours_web::route_paths()
        .into_iter()
        .flat_map(|path| {
            params_of(path)
                .into_iter()
                .filter_map(move |p| match source_of(path, p) {
                    Some(Source::Table(table)) => Some(table),
                    _ => None,
                })
        })
        .collect()
}

/// One table holding tenants' data, as the schema says, and how to pick one tenant's
/// rows of it.
#[derive(Clone, Debug)]
struct TenantTable {
    name: String,
    columns: Vec<String>,
    key: Vec<String>,
    /// A condition with one `?` per use of the tenant's id.
    filter: String,
}

/// Each table's columns, primary key and foreign keys (column, parent table, parent
/// column).
type Schema = BTreeMap<String, (Vec<String>, Vec<String>, Vec<(String, String, String)>)>;

/// The schema, read from the database itself.
async fn schema(t: &TestApp) -> anyhow::Result<Schema> {
    let db = t.app.db();
    let backend = db.get_database_backend();
    let strings =
        |rows: Vec<parcours_db::QueryResult>, column: &str| -> anyhow::Result<Vec<String>> {
            rows.iter()
                .map(|r| Ok(r.try_get::<String>("", column)?))
                .collect()
        };
    let postgres = backend == DbBackend::Postgres;
    let names = strings(
        db.query_all_raw(Statement::from_string(
            backend,
            if postgres {
                "SELECT table_name AS name FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            } else {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            },
        ))
        .await?,
        "name",
    )?;
    let mut out = BTreeMap::new();
    for name in names {
        let one = |text: &str| Statement::from_sql_and_values(backend, text, [name.clone().into()]);
        let (columns, key, fks) = if postgres {
            let columns = strings(
                db.query_all_raw(one(
                    "SELECT column_name::text AS name FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                ))
                .await?,
                "name",
            )?;
            let key = strings(
                db.query_all_raw(one("SELECT a.attname::text AS name FROM pg_index i \
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
                     WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY a.attnum"))
                    .await?,
                "name",
            )?;
            let fks = db
                .query_all_raw(one(
                    "SELECT kcu.column_name::text AS col, ccu.table_name::text AS parent, \
                     ccu.column_name::text AS target \
                     FROM information_schema.table_constraints tc \
                     JOIN information_schema.key_column_usage kcu \
                       ON tc.constraint_name = kcu.constraint_name AND tc.table_schema = kcu.table_schema \
                     JOIN information_schema.constraint_column_usage ccu \
                       ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema \
                     WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema() \
                       AND tc.table_name = $1",
                ))
                .await?;
            (columns, key, fks)
        } else {
            let info = db
                .query_all_raw(one(
                    "SELECT name, pk FROM pragma_table_info(?) ORDER BY cid",
                ))
                .await?;
            let mut columns = Vec::new();
            let mut key: Vec<(i64, String)> = Vec::new();
            for row in &info {
                let column = row.try_get::<String>("", "name")?;
                let pk = row.try_get::<i64>("", "pk")?;
                if pk > 0 {
                    key.push((pk, column.clone()));
                }
                columns.push(column);
            }
            key.sort();
            let fks = db
                .query_all_raw(one(
                    "SELECT \"from\" AS col, \"table\" AS parent, \"to\" AS target \
                     FROM pragma_foreign_key_list(?)",
                ))
                .await?;
            (columns, key.into_iter().map(|(_, k)| k).collect(), fks)
        };
        let fks = fks
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<String>("", "col")?,
                    r.try_get::<String>("", "parent")?,
                    r.try_get::<String>("", "target")?,
                ))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        out.insert(name, (columns, key, fks));
    }
    Ok(out)
}

/// Every table that holds a tenant's data, derived from the schema: a table with a
/// `tenant_id` column, the organisations themselves and any table with a foreign key
/// to an organisation, and any table whose foreign keys lead (in a chain) to one of
/// those. A cross-tenant call must change none of the other tenant's rows of any of
/// them, not even its audit log.
async fn tenant_tables(t: &TestApp) -> anyhow::Result<Vec<TenantTable>> {
    let schema = schema(t).await?;
    fn filter(schema: &Schema, table: &str, path: &mut Vec<String>) -> Option<String> {
        let (columns, _, fks) = schema.get(table)?;
        // The tenant column is authoritative when there is one.
        if columns.iter().any(|c| c == "tenant_id") {
            return Some("tenant_id = ?".into());
        }
        if table == "organisations" {
            return Some("id = ?".into());
        }
        let mut any = Vec::new();
        path.push(table.to_owned());
        for (column, parent, target) in fks {
            if parent == "organisations" {
                any.push(format!("{column} = ?"));
            } else if path.len() < 5
                && !path.contains(parent)
                && let Some(inner) = filter(schema, parent, path)
            {
                any.push(format!(
                    "{column} IN (SELECT {target} FROM {parent} WHERE {inner})"
                ));
            }
        }
        path.pop();
        (!any.is_empty()).then(|| format!("({})", any.join(" OR ")))
    }
    let mut tables = Vec::new();
    for (name, (columns, key, _)) in &schema {
        if let Some(filter) = filter(&schema, name, &mut Vec::new()) {
            tables.push(TenantTable {
                name: name.clone(),
                columns: columns.clone(),
                key: key.clone(),
                filter,
            });
        }
    }
    // Whatever a person's file holds is a tenant's data: the derivation must find it.
    for (name, (columns, _, _)) in &schema {
        if columns.iter().any(|c| c == "person_id" || c == "tenant_id") {
            anyhow::ensure!(
                tables.iter().any(|t| &t.name == name),
                "{name} holds a person's or a tenant's data but the schema walk missed it"
            );
        }
    }
    Ok(tables)
}

/// A hash of the contents of every row of every tenant table that `tenant` owns, in
/// primary-key order, with the row count (so that a report names what changed). One
/// statement for all the tables: it runs around every call of the sweep.
async fn fingerprint(
    t: &TestApp,
    tables: &[TenantTable],
    tenant: Uuid,
) -> anyhow::Result<BTreeMap<String, (usize, u64)>> {
    use std::hash::{Hash, Hasher};
    let db = t.app.db();
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    let mut parts = Vec::new();
    let mut uses = 0;
    for table in tables {
        let key = if table.key.is_empty() {
            table.columns.clone()
        } else {
            table.key.clone()
        };
        let part = if postgres {
            let order: Vec<String> = key.iter().map(|k| format!("tenant_row.{k}")).collect();
            format!(
                "SELECT '{name}' AS t, COUNT(*) AS n, \
                 md5(COALESCE(string_agg(CAST(tenant_row AS TEXT), E'\\n' ORDER BY {order}), '')) AS c \
                 FROM {name} AS tenant_row WHERE {filter}",
                name = table.name,
                order = order.join(", "),
                filter = table.filter,
            )
        } else {
            let row: Vec<String> = table
                .columns
                .iter()
                .map(|c| format!("quote({c})"))
                .collect();
            format!(
                "SELECT '{name}' AS t, COUNT(*) AS n, COALESCE(group_concat(r, char(10)), '') AS c \
                 FROM (SELECT {row} AS r FROM {name} WHERE {filter} ORDER BY {order})",
                name = table.name,
                row = row.join(" || '|' || "),
                filter = table.filter,
                order = key.join(", "),
            )
        };
        uses += table.filter.matches('?').count();
        parts.push(part);
    }
    let text = parts.join(" UNION ALL ");
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql(db, &text),
            std::iter::repeat_n(parcours_db::Value::from(tenant), uses),
        ))
        .await
        .map_err(|e| anyhow::anyhow!("fingerprinting the tenant tables: {e}"))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        row.try_get::<String>("", "c")?.hash(&mut hasher);
        out.insert(
            row.try_get::<String>("", "t")?,
            (
                usize::try_from(row.try_get::<i64>("", "n")?)?,
                hasher.finish(),
            ),
        );
    }
    anyhow::ensure!(
        out.len() == tables.len(),
        "a tenant table has no fingerprint"
    );
    Ok(out)
}

/// The tables whose rows differ between two fingerprints.
fn changed_tables(
    before: &BTreeMap<String, (usize, u64)>,
    after: &BTreeMap<String, (usize, u64)>,
) -> Vec<String> {
    before
        .iter()
        .filter(|(table, v)| after.get(*table) != Some(v))
        .map(|(table, (n, _))| {
            let now = after.get(table).map_or(0, |(n, _)| *n);
            format!("{table} ({n} -> {now} rows, contents changed)")
        })
        .collect()
}

/// Write routes that may change a tenant's rows without an audit row: bookkeeping of
/// one's own sign-in, never a person's file. Each with its reason.
const BOOKKEEPING: [(&str, &str); 5] = [
    ("POST /login", "signing in opens a session"),
    (
        "POST /connexion",
        "asking for a sign-in link stores the link",
    ),
    (
        "POST /connexion/{token}",
        "signing in by link opens a session",
    ),
    (
        "POST /password/forgot",
        "asking to reset one's own password stores the link",
    ),
    (
        "POST /password/reset/{token}",
        "changing one's own password, by its link",
    ),
];

/// Tenant tables whose rows change as the bookkeeping of any request, not as data: the
/// audit log itself (what is counted) and the sessions (each request touches its own).
const NOT_DATA: [&str; 2] = ["audit_events", "sessions"];

/// The data tables (not [`NOT_DATA`]) whose rows differ between two fingerprints.
fn changed_data(
    before: &BTreeMap<String, (usize, u64)>,
    after: &BTreeMap<String, (usize, u64)>,
) -> Vec<String> {
    changed_tables(before, after)
        .into_iter()
        .filter(|c| !NOT_DATA.iter().any(|t| c.starts_with(&format!("{t} "))))
        .collect()
}

/// How many audit rows a fingerprint counts.
fn audit_rows(fingerprint: &BTreeMap<String, (usize, u64)>) -> usize {
    fingerprint.get("audit_events").map_or(0, |(n, _)| *n)
}

/// One cell of the matrix: a caller's answer on their own tenant and on the other.
struct Route {
    method: Method,
    path: &'static str,
}

impl Route {
    /// The tenant tables its parameters come from, in order, each once.
    fn tenant_tables(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for p in params_of(self.path) {
            if let Some(Source::Table(t)) = source_of(self.path, p)
                && !out.contains(&t)
            {
                out.push(t);
            }
        }
        out
    }

    /// The tenant table a parameter of this route comes from, if any.
    fn tenant_table(&self) -> Option<&'static str> {
        params_of(self.path)
            .into_iter()
            .find_map(|p| match source_of(self.path, p) {
                Some(Source::Table(t)) => Some(t),
                _ => None,
            })
    }

    fn url(&self, ids: &BTreeMap<&'static str, Uuid>) -> String {
        let mut url = String::new();
        for seg in self.path.split('/').skip(1) {
            url.push('/');
            match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => match source_of(self.path, param) {
                    Some(Source::Fixed(v)) => url.push_str(v),
                    Some(Source::Table(table)) => {
                        // A table with no row: an id nobody has.
                        url.push_str(&ids.get(table).copied().unwrap_or(Uuid::nil()).to_string())
                    }
                    None => {}
                },
                None => url.push_str(seg),
            }
        }
        url
    }
}

struct Caller {
    name: &'static str,
    client: Client,
    csrf: Option<String>,
    tenant: Uuid,
}

impl Caller {
    async fn call(&self, method: &Method, url: &str, body: &Body) -> axum_test::TestResponse {
        let mut request = self.client.server.method(method.clone(), url);
        if let Some(token) = &self.csrf {
            request = request.add_header(
                HeaderName::from_static("x-csrf-token"),
                HeaderValue::from_str(token).unwrap_or(HeaderValue::from_static("")),
            );
        }
        match body {
            Body::None => request.await,
            Body::Json(value) => request.json(value).await,
            Body::Form(fields) => request.form(fields).await,
            Body::Multipart(fields, file) => {
                let mut form = axum_test::multipart::MultipartForm::new();
                for (name, value) in fields {
                    form = form.add_text(name.clone(), value.clone());
                }
                let form = form.add_part(
                    "file",
                    axum_test::multipart::Part::bytes(file.clone())
                        .file_name("orientations.csv")
                        .mime_type("text/csv"),
                );
                request.multipart(form).await
            }
        }
    }
}

/// What a write sends: a valid body, so that the call reaches the route's
/// authorisation instead of being refused for its shape.
#[derive(Clone, Debug)]
enum Body {
    None,
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
    Multipart(Vec<(String, String)>, Vec<u8>),
}

/// What fills the placeholders of the example bodies: the caller's own tenant, its rows,
/// another coach of it (to hand a file over to) and a date ahead.
struct Fill<'a> {
    tenant: Uuid,
    ids: &'a BTreeMap<&'static str, Uuid>,
    coach: Option<Uuid>,
    day: String,
}

impl Fill<'_> {
    /// `{table}` is a row of the caller's tenant, `{tenant}` its organisation,
    /// `{coach}` another coach of it, `{day}` a date ahead; anything else as is.
    fn value(&self, v: &str) -> String {
        match v {
            "{tenant}" => self.tenant.to_string(),
            "{coach}" => self.coach.unwrap_or(Uuid::nil()).to_string(),
            "{day}" => self.day.clone(),
            _ => match v.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
                Some(table) => self
                    .ids
                    .get(table)
                    .copied()
                    .unwrap_or(Uuid::nil())
                    .to_string(),
                None => v.to_owned(),
            },
        }
    }

    fn json(&self, v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::String(s) => serde_json::Value::String(self.value(s)),
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(|i| self.json(i)).collect())
            }
            serde_json::Value::Object(map) => serde_json::Value::Object(
                map.iter().map(|(k, v)| (k.clone(), self.json(v))).collect(),
            ),
            other => other.clone(),
        }
    }
}

/// The fields of each HTML form a write route takes, valid for the caller's own
/// tenant (placeholders as in [`Fill::value`]). A form that takes no field is absent.
/// Checked by the test: a route whose every caller gets 422 means a form is missing.
fn form_example(path: &str) -> Option<&'static [(&'static str, &'static str)]> {
    const TEXT: &str = "Appeler la boulangerie";
    Some(match path {
        "/activites/{id}" => &[("complete", "1")],
        "/activites/{id}/q/{n}" => &[("item", "1"), ("value", "3")],
        "/agenda/creneaux" => &[
            ("date", "{day}"),
            ("time", "14:30"),
            ("minutes", "45"),
            ("mode", "phone"),
            ("place", ""),
            ("count", "1"),
        ],
        "/beneficiaries/{id}/contact" => &[("phone", "06 11 22 33 44")],
        // The manager's own call stops at the missing confirmation (422): erasing the
        // demo person mid-sweep would empty what the later calls read. Every other
        // caller is refused before (403/404), so the check is reached.
        "/beneficiaries/{id}/effacement" => &[("confirm", "")],
        // The request is withdrawn by `/parcours/donnees/effacement/annuler`, next.
        "/parcours/donnees/effacement" => &[("confirm", "yes")],
        "/beneficiaries/{id}/messages" | "/parcours/messages" => {
            &[("subject", "Entretien"), ("body", TEXT)]
        }
        "/messages/{thread}" => &[("body", TEXT)],
        "/beneficiaries/{id}/notes" => &[("body", TEXT), ("visibility", "shared")],
        "/beneficiaries/{id}/opportunites/demandes" => {
            &[("opportunity", "{opportunities}"), ("message", TEXT)]
        }
        "/beneficiaries/{id}/opportunites/demandes/{request}/avis" | "/demandes/{token}/avis" => {
            &[("rating", "4"), ("comment", TEXT)]
        }
        "/beneficiaries/{id}/orienteur" => &[("share", "yes")],
        "/beneficiaries/{id}/pistes" => &[("op", "pin"), ("code", "D1102")],
        "/beneficiaries/{id}/pistes/{code}" => &[("op", "pin")],
        "/beneficiaries/{id}/plan/actions/{action}" => &[("status", "done")],
        "/beneficiaries/{id}/plan/objectifs" => &[("title", TEXT)],
        "/beneficiaries/{id}/plan/objectifs/{objective}/actions" => {
            &[("title", TEXT), ("owner", "person"), ("due_on", "{day}")]
        }
        "/beneficiaries/{id}/projet" => &[("kind", "occupation"), ("code", "D1102")],
        "/beneficiaries/{id}/projet/preuves" => &[("item", "immersion"), ("note", TEXT)],
        "/beneficiaries/{id}/projet/statut" => &[("to", "validating"), ("comment", TEXT)],
        "/beneficiaries/{id}/rendez-vous/{appointment}" => &[("status", "held"), ("notes", "")],
        "/beneficiaries/{id}/sorties" => &[
            ("kind", "employment"),
            ("contract_type", "cdi"),
            ("starts_on", "{day}"),
            ("weekly_hours", "35"),
            ("employer_name", "Boulangerie Vasseur"),
        ],
        "/beneficiaries/{id}/suivi" => &[
            ("point", "exit"),
            ("status", "finished"),
            ("situation", "employment"),
            ("contract_type", "cdi"),
            ("starts_on", "{day}"),
            ("weekly_hours", "35"),
        ],
        "/beneficiaries/{id}/synthese/conservation" => &[("keep", "yes")],
        "/beneficiaries/{id}/synthese/partages" => &[
            ("recipient_name", "Boulangerie Dupont"),
            ("recipient_email", "recrutement@boulangerie.example"),
            ("consent", "yes"),
        ],
        "/beneficiaries/{id}/transfert" => &[("coach", "{coach}"), ("reason", TEXT)],
        "/cohortes" => &[
            ("programme", "{programmes}"),
            ("name", "Session de printemps"),
            ("starts_on", "{day}"),
            ("capacity", "12"),
        ],
        "/admin/organisation" => &[("name", "Organisme de la matrice"), ("min_cell", "11")],
        "/connexion" | "/orientations/suivi" | "/password/forgot" => {
            &[("email", "personne@matrice.example")]
        }
        "/demandes/{token}" => &[("decision", "accept")],
        "/entreprise/filleuls/{request}/rencontres" => &[("met_on", "2026-01-15"), ("note", TEXT)],
        "/entreprise/opportunites" => &[
            ("operator", "{tenant}"),
            ("kind", "immersion"),
            ("title", "Immersion en boulangerie"),
            ("code_rome", "D1102"),
            ("description", TEXT),
            ("commune_code", "76540"),
            ("capacity", "2"),
            ("respond_within_days", "7"),
            ("starts_on", "{day}"),
            ("ends_on", ""),
        ],
        "/entreprise/opportunites/{id}/pause" => &[("paused", "yes")],
        "/entreprises" => &[
            ("organisation", "Boulangerie Dupont"),
            ("contact_name", "Marie Dupont"),
            ("email", "marie@boulangerie.example"),
        ],
        // An unknown address (401, then 429 once the peer has failed five times): a
        // sign-in that succeeds would swap the caller's session mid-sweep.
        "/login" => &[
            ("email", "personne@matrice.example"),
            ("password", "pas le bon mot de passe"),
            ("next", ""),
        ],
        // Not the person `populate` referred, nor the API's: a duplicate is refused.
        "/orientations" => &[
            ("programme", "{programmes}"),
            ("first_name", "Paul"),
            ("last_name", "Matrice"),
            ("birth_date", "1985-03-02"),
            ("phone", "06 12 34 56 78"),
            ("commune_code", "76540"),
            ("motivation", TEXT),
            ("consent", "yes"),
        ],
        "/orientations/{id}/decision" => &[("decision", "refuse"), ("reason", "not_eligible")],
        "/orientations/{id}/justificatifs" => &[("seen", "yes")],
        "/parcours/journal" | "/parcours/journal/{id}" => {
            &[("prompt", ""), ("body", TEXT), ("shared", "yes")]
        }
        "/parcours/rendez-vous/reserver" | "/rendez-vous/{token}" => &[("slot", "{slots}")],
        "/password/reset/{token}" | "/invitation/{token}" => &[
            ("password", "un mot de passe assez long"),
            ("confirm", "un mot de passe assez long"),
        ],
        "/programmes/{id}/resultats/cellule" => &[("min_cell", "11")],
        "/programmes/{id}/resultats/questions" => {
            &[("text", "Avez-vous un emploi ?"), ("kind", "agree")]
        }
        "/programmes/{id}/resultats/regle" => {
            &[("durable_months", "6"), ("business_is_durable", "yes")]
        }
        "/selection/candidats/{person}/decision" => &[("decision", "selected"), ("reasons", TEXT)],
        "/selection/evenements" => &[
            ("programme", "{programmes}"),
            ("kind", "interview_simulation"),
            ("title", "Simulations"),
            ("date", "{day}"),
            ("time", "09:30"),
            ("place", "Salle 2"),
        ],
        "/selection/evenements/{id}/invitations" => &[("person", "{persons}")],
        "/selection/evenements/{id}/presence/{person}" => &[("attendance", "attended")],
        _ => return None,
    })
}

/// Per-route JSON examples where the OpenAPI schema can't say what is valid (choices
/// written as prose, ids of the caller's tenant); merged over the schema's.
fn json_example(method: &Method, path: &str) -> Option<serde_json::Value> {
    use serde_json::json;
    const TEXT: &str = "Appeler la boulangerie";
    Some(match (method.as_str(), path) {
        ("POST", "/api/v1/beneficiaries/{id}/journal") => {
            json!({"prompt_id": null, "body": TEXT, "shared": true})
        }
        ("POST", "/api/v1/beneficiaries/{id}/messages") => {
            json!({"subject": "Entretien", "body": TEXT})
        }
        ("POST", "/api/v1/threads/{id}/messages") => json!({"body": TEXT}),
        ("POST", "/api/v1/beneficiaries/{id}/notes") => {
            json!({"body": TEXT, "visibility": "shared"})
        }
        ("POST", "/api/v1/beneficiaries/{id}/placements") => json!({"kind": "employment",
            "contract_type": "cdi", "starts_on": "{day}", "planned_end": "", "weekly_hours": "35",
            "employer_name": "Boulangerie Vasseur", "training_name": "", "qualifying": "",
            "business_activity": "", "request": ""}),
        ("POST", "/api/v1/beneficiaries/{id}/project") => {
            json!({"kind": "occupation", "code": "D1102", "title": ""})
        }
        ("POST", "/api/v1/beneficiaries/{id}/synthesis/shares") => json!({
            "recipient_name": "Boulangerie Dupont",
            "recipient_email": "recrutement@boulangerie.example", "consent": true}),
        ("POST", "/api/v1/plan/objectives/{id}/actions") => {
            json!({"title": TEXT, "owner": "person", "due_on": "{day}"})
        }
        ("POST", "/api/v1/beneficiaries/{id}/plan/objectives") => json!({"title": TEXT}),
        ("POST", "/api/v1/referrals") => json!({"programme_id": "{programmes}",
            "first_name": "Louise", "last_name": "Matrice", "birth_date": "1987-07-03",
            "email": "", "phone": "06 12 34 56 78", "commune_code": "76540", "publics": [],
            "motivation": TEXT, "advisor_email": "", "consent": true}),
        ("POST", "/api/v1/slots") => json!({"date": "{day}", "time": "14:30", "minutes": "45",
            "mode": "phone", "place": "", "count": "1"}),
        ("PUT", "/api/v1/activities/{id}/answers") => {
            json!({"answers": [{"item": "1", "value": "3"}], "complete": false})
        }
        ("PUT", "/api/v1/appointments/{id}/attendance") => json!({"status": "held", "notes": ""}),
        ("PUT", "/api/v1/beneficiaries/{id}/coach") => json!({"coach": "{coach}", "reason": TEXT}),
        ("PUT", "/api/v1/beneficiaries/{id}/pistes/{code}") => json!({"op": "pin", "reason": ""}),
        ("PUT", "/api/v1/beneficiaries/{id}/project/evidence/{item}") => json!({"note": TEXT}),
        ("PUT", "/api/v1/beneficiaries/{id}/project/status") => {
            json!({"to": "validating", "comment": TEXT})
        }
        ("PUT", "/api/v1/journal/{id}") => json!({"body": TEXT, "shared": true}),
        ("PUT", "/api/v1/plan/actions/{id}/status") => json!({"status": "done"}),
        ("POST", "/api/v1/opportunities") => json!({"kind": "job", "title": TEXT,
            "operator_id": null, "capacity": 1, "respond_within_days": 7, "paused": null}),
        ("PATCH", "/api/v1/opportunities/{id}") => json!({"title": TEXT,
            "operator_id": null, "kind": null, "capacity": null, "paused": null}),
        ("PATCH", "/api/v1/organisations/{id}") => {
            json!({"name": "Organisme de la matrice", "min_cell": 11})
        }
        ("PUT", "/api/v1/referrals/{id}/decision") => {
            json!({"decision": "refuse", "cohort": "", "reason": "not_eligible"})
        }
        _ => return None,
    })
}

/// A value for an OpenAPI schema: its example, its first choice, or one of its type
/// and format; objects get every property (required or not), optional nullable ones
/// null.
fn from_schema(
    spec: &serde_json::Value,
    schema: &serde_json::Value,
    depth: usize,
) -> serde_json::Value {
    use serde_json::{Value, json};
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .strip_prefix("#/components/schemas/")
            .and_then(|name| spec["components"]["schemas"].get(name))
            .unwrap_or(&Value::Null),
        None => schema,
    };
    if depth > 6 {
        return Value::Null;
    }
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    for combinator in ["allOf", "oneOf", "anyOf"] {
        if let Some(first) = schema
            .get(combinator)
            .and_then(Value::as_array)
            .and_then(|all| all.iter().find(|s| s.get("type") != Some(&json!("null"))))
        {
            return from_schema(spec, first, depth + 1);
        }
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let kind = types
        .iter()
        .find(|t| **t != "null")
        .copied()
        .unwrap_or("object");
    match kind {
        "object" => {
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut out = serde_json::Map::new();
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (name, property) in properties {
                    let nullable = property
                        .get("type")
                        .and_then(Value::as_array)
                        .is_some_and(|ts| ts.contains(&json!("null")));
                    let value = if nullable && !required.contains(&name.as_str()) {
                        Value::Null
                    } else {
                        from_schema(spec, property, depth + 1)
                    };
                    out.insert(name.clone(), value);
                }
            }
            Value::Object(out)
        }
        "array" => json!([from_schema(spec, &schema["items"], depth + 1)]),
        "integer" | "number" => json!(1),
        "boolean" => json!(true),
        _ => match schema.get("format").and_then(Value::as_str) {
            Some("date") => json!("2027-01-15"),
            Some("date-time") => json!("2027-01-15T10:00:00Z"),
            Some("uuid") => json!(Uuid::nil()),
            Some("email") => json!("personne@matrice.example"),
            _ => json!("Texte"),
        },
    }
}

/// The body a caller sends to a route: none for reads, the OpenAPI schema's request
/// body (with the route's example over it) for the API, the route's form otherwise.
fn body_for(route: &Route, spec: &serde_json::Value, fill: &Fill) -> Body {
    if route.method == Method::GET {
        return Body::None;
    }
    if route.path.starts_with("/api/") {
        let schema = &spec["paths"][route.path][route.method.as_str().to_lowercase()]["requestBody"]
            ["content"]["application/json"]["schema"];
        let mut value = if schema.is_null() {
            serde_json::json!({})
        } else {
            from_schema(spec, schema, 0)
        };
        if let (Some(example), Some(object)) = (
            json_example(&route.method, route.path),
            value.as_object_mut(),
        ) {
            if let Some(fields) = example.as_object() {
                for (k, v) in fields {
                    object.insert(k.clone(), v.clone());
                }
            }
        } else if let Some(example) = json_example(&route.method, route.path) {
            value = example;
        }
        return Body::Json(fill.json(&value));
    }
    let fields: Vec<(String, String)> = form_example(route.path)
        .unwrap_or(&[])
        .iter()
        .map(|(k, v)| ((*k).to_owned(), fill.value(v)))
        .collect();
    if route.path == "/admin/equipe/import" {
        return Body::Multipart(
            Vec::new(),
            b"email;prenom;nom;role\r\njeanne.matrice@exemple.fr;Jeanne;Matrice;coach\r\n".to_vec(),
        );
    }
    if route.path == "/orientations/import" {
        return Body::Multipart(
            vec![
                ("programme".into(), fill.value("{programmes}")),
                ("consent".into(), "yes".into()),
            ],
            b"prenom;nom;date_naissance\r\nJeanne;Matrice;01/05/1990\r\n".to_vec(),
        );
    }
    Body::Form(fields)
}

/// A coach of the tenant to hand a file over to: the demo beneficiary's is
/// `coach@demo`, so the first address (`coach2@demo`) when the tenant has two.
async fn other_coach_of(t: &TestApp, tenant: Uuid) -> anyhow::Result<Option<Uuid>> {
    let db = t.app.db();
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql(
                db,
                "SELECT u.id AS id FROM users u JOIN memberships m ON m.user_id = u.id \
                 WHERE m.organisation_id = ? AND m.role = 'coach' ORDER BY u.email",
            ),
            [tenant.into()],
        ))
        .await?;
    Ok(match row {
        Some(r) => Some(r.try_get::<Uuid>("", "id")?),
        None => None,
    })
}

async fn callers(t: &TestApp) -> anyhow::Result<Vec<Caller>> {
    let mut callers = Vec::new();
    for (name, email) in CALLERS {
        if email == Some(HOST_ADMIN) {
            t.app
                .create_host_admin(HOST_ADMIN, "Host", parcours_app::demo::DEMO_PASSWORD)
                .await?;
        }
        let (client, csrf) = match email {
            Some(email) => {
                let client = t.login_as(email).await?;
                let token = client.token_from("/home").await;
                anyhow::ensure!(!token.is_empty(), "no CSRF token on {name}'s home");
                (client, Some(token))
            }
            None => (t.client()?, None),
        };
        let tenant = if email.is_some_and(|e| e.ends_with("@horizon.parcours.test")) {
            t.world.other_operator_id
        } else {
            t.world.operator_id
        };
        callers.push(Caller {
            name,
            client,
            csrf,
            tenant,
        });
    }
    Ok(callers)
}

/// The routes with the methods each takes: the router's paths and the OpenAPI
/// document's, each asked with a method nobody routes (405 and its `Allow` header).
async fn routes(admin: &Caller, ids: &BTreeMap<&'static str, Uuid>) -> anyhow::Result<Vec<Route>> {
    let mut paths: BTreeSet<&'static str> = parcours_web::route_paths().into_iter().collect();
    let spec = admin
        .client
        .server
        .get("/api/v1/openapi.json")
        .await
        .json::<serde_json::Value>();
    let documented = spec["paths"]
        .as_object()
        .ok_or_else(|| anyhow::anyhow!("no paths in the OpenAPI document"))?;
    for path in documented.keys() {
        anyhow::ensure!(
            paths.contains(path.as_str()),
            "the OpenAPI document names {path}, which the router does not serve"
        );
    }
    for path in &paths {
        if path.starts_with("/api/v1/") && *path != "/api/v1/openapi.json" {
            anyhow::ensure!(
                documented.contains_key(*path),
                "{path} is served but not in the OpenAPI document"
            );
        }
    }
    // End the caller's sessions: tested in auth.rs and security.rs.
    paths.remove("/logout");
    paths.remove("/logout/everywhere");
    let mut routes = Vec::new();
    for path in paths {
        for param in params_of(path) {
            anyhow::ensure!(
                source_of(path, param).is_some(),
                "{path}: say in matrix.rs what fills {{{param}}}"
            );
        }
        // TRACE, which no route takes (PATCH is taken since issue 25): its 405 lists
        // the methods the path takes.
        let probe = Route {
            method: Method::TRACE,
            path,
        };
        let answer = admin
            .call(&Method::TRACE, &probe.url(ids), &Body::None)
            .await;
        anyhow::ensure!(
            answer.status_code() == StatusCode::METHOD_NOT_ALLOWED,
            "TRACE {}: expected 405, got {}",
            probe.url(ids),
            answer.status_code()
        );
        let allow = answer
            .maybe_header("allow")
            .and_then(|v| v.to_str().ok().map(str::to_owned))
            .ok_or_else(|| anyhow::anyhow!("TRACE {path}: 405 without Allow"))?;
        for method in allow.split(',').map(str::trim) {
            if method == "HEAD" || method.is_empty() {
                continue;
            }
            routes.push(Route {
                method: method.parse()?,
                path,
            });
        }
    }
    // Reads first, then writes, deletions last: a write must not hide a read.
    let rank = |m: &Method| match *m {
        Method::GET => 0,
        Method::DELETE => 2,
        _ => 1,
    };
    routes.sort_by(|a, b| (rank(&a.method), a.path).cmp(&(rank(&b.method), b.path)));
    Ok(routes)
}

fn redirects_to_login(response: &axum_test::TestResponse) -> bool {
    response.status_code() == StatusCode::SEE_OTHER
        && response
            .maybe_header("location")
            .and_then(|v| v.to_str().ok().map(|l| l.starts_with("/login")))
            .unwrap_or(false)
}

/// What a caller may get on another tenant's resource: refused or not found, or the
/// form's error on a field (a body valid in the caller's tenant may name nothing of
/// the other one) — never a page of it.
fn refused(status: StatusCode) -> bool {
    matches!(
        status.as_u16(),
        400 | 401 | 403 | 404 | 405 | 413 | 415 | 422
    )
}

/// Write routes where a body is refused before any authorisation by design, so that
/// every caller gets the form's error: each with why. Any other write route whose
/// every caller gets 400 or 422 fails the matrix (its body never reached the check).
const BODY_REFUSED_FIRST: [(&str, &str); 0] = [];

/// Whether a status means the body was refused for its shape or content.
fn body_refused(status: u16) -> bool {
    matches!(status, 400 | 422)
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_policy_says() -> TestResult {
    let t = TestApp::spawn().await?;
    populate(&t).await?;
    let tables = tenant_tables(&t).await?;
    let callers = callers(&t).await?;
    let mut own_ids = BTreeMap::new();
    let mut other_ids = BTreeMap::new();
    for table in id_tables() {
        if let Some(id) = rows_of(&t, table, t.world.operator_id, 1).await?.first() {
            own_ids.insert(table, *id);
        }
        if let Some(id) = rows_of(&t, table, t.world.other_operator_id, 1)
            .await?
            .first()
        {
            other_ids.insert(table, *id);
        }
    }
    let admin = callers.last().ok_or_else(|| anyhow::anyhow!("no admin"))?;
    let routes = routes(admin, &own_ids).await?;
    let spec = admin
        .client
        .server
        .get("/api/v1/openapi.json")
        .await
        .json::<serde_json::Value>();
    let day = (time::OffsetDateTime::now_utc().date() + time::Duration::days(30)).to_string();
    let own_coach = other_coach_of(&t, t.world.operator_id).await?;
    let other_coach = other_coach_of(&t, t.world.other_operator_id).await?;

    let hostile_columns = make_hostile(&t).await?;
    let mut hostile_pages = 0usize;
    let mut matrix: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut violations = Vec::new();
    let mut calls = 0usize;
    let mut fingerprints = 0usize;
    let mut mixed_calls = 0usize;
    // Writes that changed their own tenant's data and added no audit row.
    let mut unaudited = Vec::new();
    let mut audit_checks = 0usize;
    // Every signed-in caller's answers to each write route, both tenants.
    let mut writes: BTreeMap<String, Vec<u16>> = BTreeMap::new();
    for caller in &callers {
        let (mine, theirs, their_tenant, coach) = if caller.tenant == t.world.operator_id {
            (&own_ids, &other_ids, t.world.other_operator_id, own_coach)
        } else {
            (&other_ids, &own_ids, t.world.operator_id, other_coach)
        };
        let fill = Fill {
            tenant: caller.tenant,
            ids: mine,
            coach,
            day: day.clone(),
        };
        let mut last = fingerprint(&t, &tables, their_tenant).await?;
        for route in &routes {
            let key = format!("{} {}", route.method, route.path);
            let body = body_for(route, &spec, &fill);
            let write = route.method != Method::GET;
            // A write done on the caller's own tenant commits with its audit row: the
            // tenant's data before and after, and its audit rows counted.
            let own_before = if write && caller.csrf.is_some() {
                Some(fingerprint(&t, &tables, caller.tenant).await?)
            } else {
                None
            };
            let own = caller.call(&route.method, &route.url(mine), &body).await;
            calls += 1;
            if let Some(before) = own_before {
                let after = fingerprint(&t, &tables, caller.tenant).await?;
                audit_checks += 1;
                let status = own.status_code().as_u16();
                let changed = changed_data(&before, &after);
                if (200..400).contains(&status)
                    && !changed.is_empty()
                    && audit_rows(&after) <= audit_rows(&before)
                    && !BOOKKEEPING.iter().any(|(route, _)| *route == key)
                {
                    unaudited.push(format!(
                        "{key}: {} got {status} and changed {changed:?} with no audit row",
                        caller.name
                    ));
                }
            }
            if write && caller.csrf.is_some() {
                writes
                    .entry(key.clone())
                    .or_default()
                    .push(own.status_code().as_u16());
            }
            // Nothing a caller does in their own tenant touches the other one.
            if write {
                let now = fingerprint(&t, &tables, their_tenant).await?;
                fingerprints += 1;
                let changed = changed_tables(&last, &now);
                if !changed.is_empty() {
                    violations.push(format!(
                        "{key}: {} on their own tenant changed the other tenant's {changed:?}",
                        caller.name
                    ));
                }
                last = now;
            }
            let mut cell = format!("{}={}", caller.name, own.status_code().as_u16());
            let mut answers = vec![("own", &own)];
            let other;
            if route
                .tenant_table()
                .is_some_and(|table| theirs.contains_key(table))
            {
                // A read of their own changes nothing of the other tenant either: had
                // it, the comparison below would say so.
                let before = last.clone();
                other = caller.call(&route.method, &route.url(theirs), &body).await;
                calls += 1;
                let after = fingerprint(&t, &tables, their_tenant).await?;
                fingerprints += 1;
                let changed = changed_tables(&before, &after);
                if !changed.is_empty() {
                    violations.push(format!(
                        "{key}: {} on the other tenant's resource ({}) changed its {changed:?}",
                        caller.name,
                        other.status_code()
                    ));
                }
                last = after;
                let _ = write!(cell, "/{}", other.status_code().as_u16());
                if write && caller.csrf.is_some() {
                    writes
                        .entry(key.clone())
                        .or_default()
                        .push(other.status_code().as_u16());
                }
                if caller.csrf.is_some() && !refused(other.status_code()) {
                    violations.push(format!(
                        "{key}: {} got {} on the other tenant's resource",
                        caller.name,
                        other.status_code()
                    ));
                }
                answers.push(("other", &other));
            }
            // An address naming two things (a person and their action, an event and a
            // candidate, …) with one of them from the other tenant: refused too, never
            // a change of the caller's own thing under another tenant's name.
            if caller.csrf.is_some() {
                for table in route.tenant_tables() {
                    if route.tenant_tables().len() < 2 || !theirs.contains_key(table) {
                        continue;
                    }
                    let mut mixed = mine.clone();
                    mixed.insert(table, theirs[table]);
                    let url = route.url(&mixed);
                    let answer = caller.call(&route.method, &url, &body).await;
                    calls += 1;
                    mixed_calls += 1;
                    let after = fingerprint(&t, &tables, their_tenant).await?;
                    fingerprints += 1;
                    let changed = changed_tables(&last, &after);
                    last = after;
                    let status = answer.status_code();
                    if !refused(status) || !changed.is_empty() {
                        violations.push(format!(
                            "{} {url}: {} (only its {table} of the other tenant) got {status}, \
                             other tenant's tables changed: {changed:?}",
                            route.method, caller.name
                        ));
                    }
                }
            }
            for (side, answer) in answers {
                let status = answer.status_code();
                let html = answer
                    .maybe_header("content-type")
                    .is_some_and(|v| v.to_str().unwrap_or_default().starts_with("text/html"));
                if html {
                    let text = answer.text();
                    if HOSTILE_MARKERS.iter().any(|m| text.contains(m)) {
                        violations.push(format!(
                            "{key}: {} ({side}) got markup from a field",
                            caller.name
                        ));
                    }
                    // askama writes `<` as `&#60;`.
                    if text.contains("&#60;script&#62;alert(1)") {
                        hostile_pages += 1;
                    }
                }
                if status.is_server_error() {
                    violations.push(format!(
                        "{key}: {} ({side}) got {status}: {}",
                        caller.name,
                        answer.text().chars().take(300).collect::<String>()
                    ));
                }
                if caller.csrf.is_none()
                    && !is_public(route.path)
                    && !(redirects_to_login(answer) || refused(status))
                {
                    violations.push(format!(
                        "{key}: an anonymous visitor got {status} on a private route"
                    ));
                }
            }
            matrix.entry(key).or_default().push(cell);
        }
        let after = fingerprint(&t, &tables, their_tenant).await?;
        let changed = changed_tables(&last, &after);
        if !changed.is_empty() {
            violations.push(format!(
                "{} changed the other tenant's data: {changed:?}",
                caller.name
            ));
        }
    }

    // Did every write reach its authorisation?
    let (mut denied, mut invalid, mut done, mut others) = (0usize, 0usize, 0usize, 0usize);
    for (key, statuses) in &writes {
        for status in statuses {
            match status {
                403 | 404 => denied += 1,
                400 | 422 => invalid += 1,
                200..=399 => done += 1,
                _ => others += 1,
            }
        }
        if statuses.iter().all(|s| body_refused(*s))
            && !BODY_REFUSED_FIRST.iter().any(|(route, _)| route == key)
        {
            violations.push(format!(
                "{key}: every caller got {statuses:?}: the body never reached the \
                 authorisation (give the route a valid body in matrix.rs)"
            ));
        }
    }
    let signed_in = callers.iter().filter(|c| c.csrf.is_some()).count();
    println!(
        "write routes: {} routes x {signed_in} signed-in roles x own/other tenant = {} calls: \
         {denied} answered 403/404, {invalid} answered 400/422, {done} 2xx/3xx, {others} other",
        writes.len(),
        denied + invalid + done + others
    );
    println!(
        "tenant tables from the schema: {}; {fingerprints} before/after comparisons of \
         the other tenant's rows; {mixed_calls} calls naming one thing of each tenant",
        tables.len()
    );
    println!(
        "audit rows: {audit_checks} writes on their own tenant compared before/after, \
         {} changed data with no audit row",
        unaudited.len()
    );
    assert!(violations.is_empty(), "{}", violations.join("\n"));
    assert!(
        unaudited.is_empty(),
        "a write committed without its audit row:\n{}",
        unaudited.join("\n")
    );

    let mut text = String::from(
        "# The access matrix (tests/integration/matrix.rs): for each route, each caller's\n\
         # status on a resource of their own tenant / of the other tenant. Reviewed policy:\n\
         # regenerate with UPDATE_ACCESS_MATRIX=1 and read the diff.\n",
    );
    for (key, cells) in &matrix {
        let _ = writeln!(text, "{key}\n    {}", cells.join(" "));
    }
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/integration/access_matrix.txt");
    println!("hostile text in {hostile_columns} columns, shown escaped on {hostile_pages} pages");
    assert!(
        hostile_pages > 100,
        "the hostile text is displayed: {hostile_pages} pages"
    );
    println!(
        "access matrix: {} routes x {} callers, {calls} calls",
        routes.len(),
        callers.len()
    );
    if std::env::var_os("UPDATE_ACCESS_MATRIX").is_some() {
        std::fs::write(&file, &text)?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(&file).unwrap_or_default();
    if expected != text {
        let diff: Vec<String> = text
            .lines()
            .zip(expected.lines().chain(std::iter::repeat("")))
            .filter(|(now, was)| now != was)
            .take(20)
            .map(|(now, was)| format!("- {was}\n+ {now}"))
            .collect();
        panic!(
            "the access matrix changed (UPDATE_ACCESS_MATRIX=1 rewrites {} for review):\n{}",
            file.display(),
            diff.join("\n")
        );
    }
    Ok(())
}

/// Random signed-in callers on random routes with random resource ids of either
/// tenant: whatever the combination, nothing of another tenant is read or written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_callers_on_random_resources_never_cross_tenants() -> TestResult {
    let t = TestApp::spawn().await?;
    populate(&t).await?;
    let callers: Vec<Caller> = callers(&t)
        .await?
        .into_iter()
        .filter(|c| c.csrf.is_some())
        .collect();
    let admin = callers.last().ok_or_else(|| anyhow::anyhow!("no admin"))?;
    let mut own_ids = BTreeMap::new();
    for table in id_tables() {
        if let Some(id) = rows_of(&t, table, t.world.operator_id, 1).await?.first() {
            own_ids.insert(table, *id);
        }
    }
    let routes: Vec<Route> = routes(admin, &own_ids)
        .await?
        .into_iter()
        .filter(|r| r.tenant_table().is_some())
        .collect();
    // Every row of every table a route names, with its tenant.
    let mut pool: BTreeMap<&'static str, Vec<(Uuid, Uuid)>> = BTreeMap::new();
    for route in &routes {
        let Some(table) = route.tenant_table() else {
            continue;
        };
        if pool.contains_key(table) {
            continue;
        }
        let mut rows = Vec::new();
        for tenant in [t.world.operator_id, t.world.other_operator_id] {
            rows.extend(
                rows_of(&t, table, tenant, 50)
                    .await?
                    .into_iter()
                    .map(|id| (id, tenant)),
            );
        }
        pool.insert(table, rows);
    }
    let tables = tenant_tables(&t).await?;
    let spec = admin
        .client
        .server
        .get("/api/v1/openapi.json")
        .await
        .json::<serde_json::Value>();
    let day = (time::OffsetDateTime::now_utc().date() + time::Duration::days(30)).to_string();
    let mut coaches = BTreeMap::new();
    for tenant in [t.world.operator_id, t.world.other_operator_id] {
        coaches.insert(tenant, other_coach_of(&t, tenant).await?);
    }
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config {
        cases: 300,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        0..callers.len(),
        0..routes.len(),
        any::<bool>(),
        any::<prop::sample::Index>(),
    );
    let cross_tenant_calls = std::cell::Cell::new(0usize);
    let result = runner.run(&strategy, |(c, r, crossing_wanted, pick)| {
        let caller = &callers[c];
        let route = &routes[r];
        let Some(table) = route.tenant_table() else {
            return Ok(());
        };
        // Half the calls aim at the caller's own tenant, half at the other one.
        let rows: Vec<&(Uuid, Uuid)> = pool[table]
            .iter()
            .filter(|(_, tenant)| (*tenant == caller.tenant) != crossing_wanted)
            .collect();
        if rows.is_empty() {
            return Ok(());
        }
        let (id, tenant) = *rows[pick.index(rows.len())];
        let mut ids = own_ids.clone();
        ids.insert(table, id);
        let url = route.url(&ids);
        let crossing = tenant != caller.tenant;
        let fill = Fill {
            tenant: caller.tenant,
            ids: &own_ids,
            coach: coaches.get(&caller.tenant).copied().flatten(),
            day: day.clone(),
        };
        let body = body_for(route, &spec, &fill);
        let call = async {
            let before = if crossing {
                Some(fingerprint(&t, &tables, tenant).await?)
            } else {
                None
            };
            let status = caller.call(&route.method, &url, &body).await.status_code();
            let after = if crossing {
                Some(fingerprint(&t, &tables, tenant).await?)
            } else {
                None
            };
            anyhow::Ok((status, before == after))
        };
        let (status, untouched) = tokio::task::block_in_place(|| handle.block_on(call))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(
            !status.is_server_error(),
            "{} {url} as {}: {status}",
            route.method,
            caller.name
        );
        if crossing {
            cross_tenant_calls.set(cross_tenant_calls.get() + 1);
            prop_assert!(
                refused(status) && untouched,
                "{} {url} as {} (another tenant's {table}): {status}, data untouched: {untouched}",
                route.method,
                caller.name
            );
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    println!(
        "property: 300 random calls, {} on another tenant's resource",
        cross_tenant_calls.get()
    );
    Ok(())
}
