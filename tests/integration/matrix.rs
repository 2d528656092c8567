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
const CALLERS: [(&str, Option<&str>); 10] = [
    ("anonymous", None),
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

/// Pages anyone may open without signing in (sign-in, links sent by email, the public
/// occupation explorer, operations endpoints).
const PUBLIC_PREFIXES: [&str; 17] = [
    "/login",
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
];

/// Every table holding one tenant's data: a cross-tenant call must change none of the
/// other tenant's rows, not even its audit log.
const TENANT_TABLES: [&str; 45] = [
    "activities",
    "advisor_links",
    "answers",
    "appointments",
    "audit_events",
    "booking_invitations",
    "caseload_transfers",
    "cohorts",
    "committee_decisions",
    "consents",
    "document_shares",
    "documents",
    "employer_partners",
    "enrolments",
    "jobs",
    "journal_entries",
    "message_reads",
    "message_threads",
    "messages",
    "notes",
    "opportunities",
    "opportunity_feedback",
    "opportunity_requests",
    "outcomes",
    "persons",
    "piste_choices",
    "placements",
    "plan_actions",
    "plan_objectives",
    "programme_rules",
    "programmes",
    "project_events",
    "project_evidence",
    "projects",
    "referral_events",
    "referral_imports",
    "referrals",
    "selection_events",
    "selection_invitations",
    "simulation_evaluations",
    "slots",
    "sponsor_meetings",
    "survey_answers",
    "survey_questions",
    "surveys",
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
    let mut tables: Vec<&str> = TENANT_TABLES.to_vec();
    tables.extend(["users", "organisations"]);
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
        "id" => {
            const BY_PREFIX: [(&str, &str); 21] = [
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
                ("/orientations/import/", "referral_imports"),
                ("/orientations/", "referrals"),
                ("/api/v1/threads/", "message_threads"),
                ("/entreprise/opportunites/", "opportunities"),
                ("/programmes/", "programmes"),
                ("/selection/evenements/", "selection_events"),
                ("/rendez-vous/", "slots"),
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

/// How many rows each tenant table holds for `tenant`.
async fn fingerprint(t: &TestApp, tenant: Uuid) -> anyhow::Result<BTreeMap<&'static str, i64>> {
    let db = t.app.db();
    let mut counts = BTreeMap::new();
    for table in TENANT_TABLES {
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                sql(
                    db,
                    &format!("SELECT COUNT(*) AS n FROM {table} WHERE tenant_id = ?"),
                ),
                [tenant.into()],
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no count for {table}"))?;
        counts.insert(table, row.try_get::<i64>("", "n")?);
    }
    Ok(counts)
}

/// One cell of the matrix: a caller's answer on their own tenant and on the other.
struct Route {
    method: Method,
    path: &'static str,
}

impl Route {
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
    async fn call(&self, method: &Method, url: &str) -> axum_test::TestResponse {
        let mut request = self.client.server.method(method.clone(), url);
        if let Some(token) = &self.csrf {
            request = request.add_header(
                HeaderName::from_static("x-csrf-token"),
                HeaderValue::from_str(token).unwrap_or(HeaderValue::from_static("")),
            );
        }
        if *method == Method::GET {
            request.await
        } else if url.starts_with("/api/") {
            request.json(&serde_json::json!({})).await
        } else {
            request.form(&[("_empty", "")]).await
        }
    }
}

async fn callers(t: &TestApp) -> anyhow::Result<Vec<Caller>> {
    let mut callers = Vec::new();
    for (name, email) in CALLERS {
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
        let probe = Route {
            method: Method::PATCH,
            path,
        };
        let answer = admin.call(&Method::PATCH, &probe.url(ids)).await;
        anyhow::ensure!(
            answer.status_code() == StatusCode::METHOD_NOT_ALLOWED,
            "PATCH {}: expected 405, got {}",
            probe.url(ids),
            answer.status_code()
        );
        let allow = answer
            .maybe_header("allow")
            .and_then(|v| v.to_str().ok().map(str::to_owned))
            .ok_or_else(|| anyhow::anyhow!("PATCH {path}: 405 without Allow"))?;
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

/// What a caller may get on another tenant's resource: refused or not found, or for
/// a write whose (empty) body is refused first, the form's error — never a page of it.
fn refused(status: StatusCode) -> bool {
    matches!(
        status.as_u16(),
        400 | 401 | 403 | 404 | 405 | 413 | 415 | 422
    )
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_policy_says() -> TestResult {
    let t = TestApp::spawn().await?;
    populate(&t).await?;
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

    let hostile_columns = make_hostile(&t).await?;
    let mut hostile_pages = 0usize;
    let mut matrix: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut violations = Vec::new();
    let mut calls = 0usize;
    for caller in &callers {
        let (mine, theirs, their_tenant) = if caller.tenant == t.world.operator_id {
            (&own_ids, &other_ids, t.world.other_operator_id)
        } else {
            (&other_ids, &own_ids, t.world.operator_id)
        };
        let before = fingerprint(&t, their_tenant).await?;
        for route in &routes {
            let key = format!("{} {}", route.method, route.path);
            let own = caller.call(&route.method, &route.url(mine)).await;
            calls += 1;
            let mut cell = format!("{}={}", caller.name, own.status_code().as_u16());
            let mut answers = vec![("own", &own)];
            let other;
            if route
                .tenant_table()
                .is_some_and(|table| theirs.contains_key(table))
            {
                other = caller.call(&route.method, &route.url(theirs)).await;
                calls += 1;
                let _ = write!(cell, "/{}", other.status_code().as_u16());
                if caller.csrf.is_some() && !refused(other.status_code()) {
                    violations.push(format!(
                        "{key}: {} got {} on the other tenant's resource",
                        caller.name,
                        other.status_code()
                    ));
                }
                answers.push(("other", &other));
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
                    violations.push(format!("{key}: {} ({side}) got {status}", caller.name));
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
        let after = fingerprint(&t, their_tenant).await?;
        if before != after {
            let changed: Vec<_> = before
                .iter()
                .filter(|(table, n)| after.get(*table) != Some(n))
                .map(|(table, n)| format!("{table}: {n} -> {:?}", after.get(table)))
                .collect();
            violations.push(format!(
                "{} changed the other tenant's data: {changed:?}",
                caller.name
            ));
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));

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
        let call = async {
            let before = if crossing {
                Some(fingerprint(&t, tenant).await?)
            } else {
                None
            };
            let status = caller.call(&route.method, &url).await.status_code();
            let after = if crossing {
                Some(fingerprint(&t, tenant).await?)
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
