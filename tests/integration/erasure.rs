//! Erasure and export walk one registry of where a person's data lives
//! (`parcours_db::repo::personal_data`). These tests hold it to the live schema: every
//! table that references a person and every text column of one is classified; an
//! erasure leaves no marker of an erased column anywhere in the database (the SQLite
//! file and its WAL read as bytes; on PostgreSQL every text column of every table);
//! the export holds every column but secrets.

use std::collections::{BTreeMap, BTreeSet};

use axum_test::http::StatusCode;
use parcours_db::repo::personal_data::{
    Class, OnErasure, PERSONAL_TABLES, PersonalTable, Reach, Section,
};
use parcours_db::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use parcours_test_support::TestApp;
use uuid::Uuid;

use crate::TestResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Uuid,
    Int,
    Bool,
    Text,
    Blob,
    Other,
}

fn kind_of(declared: &str) -> Kind {
    let t = declared.to_lowercase();
    if t.starts_with("uuid") {
        Kind::Uuid
    } else if t.contains("bool") {
        Kind::Bool
    } else if t.contains("int") {
        Kind::Int
    } else if t.contains("char") || t.contains("text") || t.contains("clob") {
        Kind::Text
    } else if t.contains("blob") || t == "bytea" {
        Kind::Blob
    } else {
        Kind::Other
    }
}

#[derive(Debug, Clone)]
struct Col {
    name: String,
    kind: Kind,
    not_null: bool,
}

/// The live schema: each table's columns, and its foreign keys (column → table).
#[derive(Debug, Default)]
struct Schema {
    columns: BTreeMap<String, Vec<Col>>,
    foreign: BTreeMap<String, Vec<(String, String)>>,
}

fn sql(db: &DatabaseConnection, text: &str, values: Vec<Value>) -> Statement {
    let backend = db.get_database_backend();
    let mut text = text.to_owned();
    if backend == DbBackend::Postgres {
        let mut n = 0;
        while let Some(at) = text.find('?') {
            n += 1;
            text.replace_range(at..=at, &format!("${n}"));
        }
    }
    Statement::from_sql_and_values(backend, text, values)
}

async fn strings(
    db: &DatabaseConnection,
    text: &str,
    values: Vec<Value>,
) -> anyhow::Result<Vec<Vec<String>>> {
    let rows = db.query_all_raw(sql(db, text, values)).await?;
    let mut out = Vec::new();
    for row in rows {
        let mut fields = Vec::new();
        let mut i = 0;
        while let Ok(v) = row.try_get_by_index::<String>(i) {
            fields.push(v);
            i += 1;
        }
        out.push(fields);
    }
    Ok(out)
}

async fn read_schema(db: &DatabaseConnection) -> anyhow::Result<Schema> {
    let mut schema = Schema::default();
    if db.get_database_backend() == DbBackend::Postgres {
        for r in strings(
            db,
            "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             ORDER BY table_name, ordinal_position",
            vec![],
        )
        .await?
        {
            schema.columns.entry(r[0].clone()).or_default().push(Col {
                name: r[1].clone(),
                kind: kind_of(&r[2]),
                not_null: r[3] == "NO",
            });
        }
        for r in strings(
            db,
            "SELECT kcu.table_name::text, kcu.column_name::text, ccu.table_name::text \
             FROM information_schema.table_constraints tc \
             JOIN information_schema.key_column_usage kcu \
               ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema \
             JOIN information_schema.constraint_column_usage ccu \
               ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema \
             WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()",
            vec![],
        )
        .await?
        {
            schema
                .foreign
                .entry(r[0].clone())
                .or_default()
                .push((r[1].clone(), r[2].clone()));
        }
    } else {
        let tables = strings(
            db,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            vec![],
        )
        .await?;
        for t in tables {
            let table = &t[0];
            let rows = db
                .query_all_raw(sql(
                    db,
                    "SELECT name, type, \"notnull\" FROM pragma_table_info(?)",
                    vec![table.clone().into()],
                ))
                .await?;
            for r in rows {
                schema.columns.entry(table.clone()).or_default().push(Col {
                    name: r.try_get_by_index::<String>(0)?,
                    kind: kind_of(&r.try_get_by_index::<String>(1)?),
                    not_null: r.try_get_by_index::<i64>(2)? != 0,
                });
            }
            for r in strings(
                db,
                "SELECT \"from\", \"table\" FROM pragma_foreign_key_list(?)",
                vec![table.clone().into()],
            )
            .await?
            {
                schema
                    .foreign
                    .entry(table.clone())
                    .or_default()
                    .push((r[0].clone(), r[1].clone()));
            }
        }
    }
    schema.columns.remove("seaql_migrations");
    Ok(schema)
}

/// Tables that reference a person: `persons`, any table with a `person_id` column
/// (declared a foreign key or not), and any table whose foreign key points at one of
/// those, transitively.
fn person_tables(schema: &Schema) -> BTreeSet<String> {
    let mut reached: BTreeSet<String> = schema
        .columns
        .iter()
        .filter(|(_, cols)| cols.iter().any(|c| c.name == "person_id"))
        .map(|(t, _)| t.clone())
        .collect();
    reached.insert("persons".into());
    loop {
        let more: Vec<String> = schema
            .foreign
            .iter()
            .filter(|(t, fks)| {
                !reached.contains(*t) && fks.iter().any(|(_, parent)| reached.contains(parent))
            })
            .map(|(t, _)| t.clone())
            .collect();
        if more.is_empty() {
            return reached;
        }
        reached.extend(more);
    }
}

fn text_like(kind: Kind) -> bool {
    matches!(kind, Kind::Text | Kind::Blob)
}

#[tokio::test]
async fn the_registry_classifies_every_text_column_of_every_table_that_references_a_person()
-> TestResult {
    let t = TestApp::spawn().await?;
    let schema = read_schema(t.app.db()).await?;
    let derived = person_tables(&schema);
    let listed: BTreeSet<String> = PERSONAL_TABLES.iter().map(|p| p.table.to_owned()).collect();
    let mut problems = Vec::new();
    for table in derived.difference(&listed) {
        problems.push(format!(
            "table {table} references a person and is not in the registry"
        ));
    }
    for p in PERSONAL_TABLES {
        if !derived.contains(p.table) && p.reach != Reach::Account {
            problems.push(format!("{} is listed but references no person", p.table));
        }
        let Some(cols) = schema.columns.get(p.table) else {
            problems.push(format!("{} is listed but does not exist", p.table));
            continue;
        };
        for c in cols {
            if text_like(c.kind) && p.class_of(&c.name).is_none() {
                problems.push(format!(
                    "{}.{} ({:?}) is not classified",
                    p.table, c.name, c.kind
                ));
            }
        }
        for (name, _) in p.columns {
            if !cols.iter().any(|c| c.name == *name) {
                problems.push(format!(
                    "{}.{name} is classified but does not exist",
                    p.table
                ));
            }
        }
        // The column that reaches the person is a real reference.
        if let Reach::Via { column, parent } = p.reach {
            let declared = schema
                .foreign
                .get(p.table)
                .is_some_and(|fks| fks.iter().any(|(c, t)| c == column && t == parent));
            if !declared {
                problems.push(format!(
                    "{}.{column} is no foreign key to {parent}",
                    p.table
                ));
            }
        }
    }
    println!(
        "schema coverage: {} tables reference a person, {} listed, {} problems",
        derived.len(),
        listed.len(),
        problems.len()
    );
    assert!(problems.is_empty(), "{problems:#?}");
    Ok(())
}

/// The registry's rows of the person in a table, as a WHERE clause and its values.
fn reach_where(p: &PersonalTable, person: Uuid, values: &mut Vec<Value>) -> String {
    match p.reach {
        Reach::Person => {
            values.push(person.into());
            "id = ?".into()
        }
        Reach::Account => {
            values.push(person.into());
            "id IN (SELECT user_id FROM persons WHERE id = ?)".into()
        }
        Reach::Direct(column) => {
            values.push(person.into());
            format!("{column} = ?")
        }
        Reach::Via { column, parent } => {
            let parent = PERSONAL_TABLES
                .iter()
                .find(|o| o.table == parent)
                .expect("parent listed");
            format!(
                "{column} IN (SELECT id FROM {} WHERE {})",
                parent.table,
                reach_where(parent, person, values)
            )
        }
    }
}

async fn ids_of(
    db: &DatabaseConnection,
    p: &PersonalTable,
    person: Uuid,
) -> anyhow::Result<Vec<Uuid>> {
    let mut values = Vec::new();
    let clause = reach_where(p, person, &mut values);
    let rows = db
        .query_all_raw(sql(
            db,
            &format!("SELECT id FROM {} WHERE {clause} ORDER BY id", p.table),
            values,
        ))
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get_by_index::<Uuid>(0).ok())
        .collect())
}

fn marker(table: &str, column: &str) -> String {
    format!("ZQX{table}.{column}#")
}

/// Gives the person at least one row in every table of the registry (a row inserted by
/// SQL where the demo world has none, its references pointing at existing rows), then
/// writes a marker into every text column of every one of their rows but the keys.
async fn fill_every_column(t: &TestApp, schema: &Schema, person: Uuid) -> anyhow::Result<()> {
    let db = t.app.db();
    let tenant = t.world.operator_id;
    let mut inserted = Vec::new();
    // Parents before children: the registry lists children first.
    for p in PERSONAL_TABLES.iter().rev() {
        if !ids_of(db, p, person).await?.is_empty() {
            continue;
        }
        let mut fixed: Vec<(String, Value)> = Vec::new();
        match p.reach {
            Reach::Direct(column) => fixed.push((column.into(), person.into())),
            Reach::Via { column, parent } => {
                let parent = PERSONAL_TABLES
                    .iter()
                    .find(|o| o.table == parent)
                    .expect("listed");
                fixed.push((column.into(), ids_of(db, parent, person).await?[0].into()));
            }
            Reach::Person | Reach::Account => anyhow::bail!("the person has no {}", p.table),
        }
        insert_row(db, schema, tenant, p.table, fixed).await?;
        inserted.push(p.table);
    }
    println!("rows inserted by SQL where the demo world had none: {inserted:?}");
    for p in PERSONAL_TABLES {
        let ids = ids_of(db, p, person).await?;
        anyhow::ensure!(!ids.is_empty(), "no row of the person in {}", p.table);
        for c in &schema.columns[p.table] {
            if !text_like(c.kind) || p.class_of(&c.name) == Some(Class::Key) {
                continue;
            }
            // The audit trail refuses updates; its row inserted above holds markers.
            if p.table == "audit_events" {
                continue;
            }
            for (n, id) in ids.iter().enumerate() {
                let text = format!("{}{n}", marker(p.table, &c.name));
                let value: Value = if c.kind == Kind::Blob {
                    text.into_bytes().into()
                } else {
                    text.into()
                };
                db.execute_raw(sql(
                    db,
                    &format!("UPDATE {} SET {} = ? WHERE id = ?", p.table, c.name),
                    vec![value, (*id).into()],
                ))
                .await
                .map_err(|e| anyhow::anyhow!("marking {}.{}: {e}", p.table, c.name))?;
            }
        }
    }
    Ok(())
}

/// Whether the column's marker must be gone after an erasure.
fn must_vanish(p: &PersonalTable, class: Class) -> bool {
    p.on_erasure == OnErasure::Delete
        || matches!(
            class,
            Class::Erased(_) | Class::Secret(Some(_)) | Class::File
        )
}

/// Every text column of every table, concatenated where it holds a marker.
async fn every_marker_in_columns(
    db: &DatabaseConnection,
    schema: &Schema,
) -> anyhow::Result<String> {
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    let mut found = String::new();
    for (table, cols) in &schema.columns {
        for c in cols.iter().filter(|c| text_like(c.kind)) {
            let value = match (postgres, c.kind) {
                (true, Kind::Blob) => format!("encode({}, 'escape')", c.name),
                (true, _) => format!("{}::text", c.name),
                (false, _) => format!("CAST({} AS TEXT)", c.name),
            };
            for r in strings(
                db,
                &format!("SELECT {value} FROM {table} WHERE {value} LIKE '%ZQX%'"),
                vec![],
            )
            .await?
            {
                found.push_str(&r.join(" "));
                found.push('\n');
            }
        }
    }
    Ok(found)
}

fn sqlite_file(t: &TestApp) -> Option<std::path::PathBuf> {
    let rest = t.database_url.strip_prefix("sqlite://")?;
    Some(rest.split('?').next()?.into())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn an_erasure_leaves_no_erased_text_in_the_database_file_its_wal_or_any_column() -> TestResult
{
    let t = TestApp::spawn().await?;
    t.app.seed_demo_answers(&t.world).await?;
    let db = t.app.db();
    let schema = read_schema(db).await?;
    let person = t.world.beneficiary_person_id;
    fill_every_column(&t, &schema, person).await?;

    let manager = t.login_as("manager@demo.parcours.test").await?;
    let erased = manager
        .submit(
            "/donnees",
            &format!("/beneficiaries/{person}/effacement"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(
        erased.status_code(),
        StatusCode::SEE_OTHER,
        "{}",
        erased.text()
    );

    // Where to look: every text column of every table, and on SQLite the file and
    // its WAL as bytes (freed pages and old frames included).
    let in_columns = every_marker_in_columns(db, &schema).await?.into_bytes();
    let found: Vec<u8> = match sqlite_file(&t) {
        Some(path) => {
            let mut bytes = std::fs::read(&path)?;
            let wal = format!("{}-wal", path.display());
            if let Ok(more) = std::fs::read(&wal) {
                println!("read {} + {} bytes (file + WAL)", bytes.len(), more.len());
                bytes.extend(more);
            }
            bytes
        }
        None => in_columns.clone(),
    };
    let (mut left, mut live) = (Vec::new(), Vec::new());
    let mut kept_lost = Vec::new();
    for p in PERSONAL_TABLES {
        for c in &schema.columns[p.table] {
            let Some(class) = p.class_of(&c.name) else {
                continue;
            };
            if !text_like(c.kind) || class == Class::Key {
                continue;
            }
            let mark = marker(p.table, &c.name);
            if must_vanish(p, class) {
                if contains(&in_columns, mark.as_bytes()) {
                    live.push(format!("{}.{}", p.table, c.name));
                }
                if contains(&found, mark.as_bytes()) {
                    left.push(format!("{}.{}", p.table, c.name));
                }
            } else {
                // What the statistics need stays, in the row.
                let held = strings(
                    db,
                    &format!("SELECT {} FROM {} WHERE {} LIKE ?", c.name, p.table, c.name),
                    vec![format!("{mark}%").into()],
                )
                .await?;
                if held.is_empty() {
                    kept_lost.push(format!("{}.{}", p.table, c.name));
                }
            }
        }
    }
    println!("erased columns whose marker is still in a column: {live:?}");
    println!("erased columns whose marker is still in the database: {left:?}");
    assert!(left.is_empty(), "erased text left behind: {left:#?}");
    assert!(kept_lost.is_empty(), "kept facts lost: {kept_lost:#?}");
    Ok(())
}

#[tokio::test]
async fn the_export_holds_every_column_of_every_table_of_the_registry_but_secrets() -> TestResult {
    let t = TestApp::spawn().await?;
    t.app.seed_demo_answers(&t.world).await?;
    let schema = read_schema(t.app.db()).await?;
    let person = t.world.beneficiary_person_id;
    fill_every_column(&t, &schema, person).await?;

    // The person's own account holds markers now: a manager downloads it for them.
    let manager = t.login_as("manager@demo.parcours.test").await?;
    let zip = manager
        .server
        .get(&format!("/beneficiaries/{person}/donnees.zip"))
        .await;
    zip.assert_status_ok();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.as_bytes().to_vec()))?;
    let names: Vec<String> = archive.file_names().map(str::to_owned).collect();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("donnees.json")?, &mut text)?;
    let data: serde_json::Value = serde_json::from_str(&text)?;
    assert_eq!(data["format"], "parcours.personal-data/1");

    let mut missing = Vec::new();
    for p in PERSONAL_TABLES {
        let rows: Vec<&serde_json::Value> = match p.section {
            Section::One(name) => data
                .get(name)
                .filter(|v| v.is_object())
                .into_iter()
                .collect(),
            Section::Rows(name) => data
                .get(name)
                .and_then(|v| v.as_array())
                .map(|rows| rows.iter().collect())
                .unwrap_or_default(),
        };
        if rows.is_empty() {
            missing.push(format!("section {} ({})", p.section.name(), p.table));
            continue;
        }
        for c in &schema.columns[p.table] {
            let class = p.class_of(&c.name).unwrap_or(Class::Kept);
            let present = rows.iter().all(|r| r.get(&c.name).is_some());
            let anywhere = rows.iter().any(|r| r.get(&c.name).is_some());
            let hidden = matches!(class, Class::Secret(_) | Class::File);
            if hidden && anywhere {
                missing.push(format!("secret {}.{} exported", p.table, c.name));
            } else if !hidden && !present {
                missing.push(format!("{}.{}", p.table, c.name));
            }
            if class == Class::File {
                // The bytes go beside the JSON, one file per row.
                for r in &rows {
                    let id = r["id"].as_str().unwrap_or_default();
                    if !names
                        .iter()
                        .any(|n| n.starts_with("documents/") && n.contains(id))
                    {
                        missing.push(format!("file of {}.{} {id}", p.table, c.name));
                    }
                }
            }
            if text_like(c.kind) && matches!(class, Class::Erased(_)) {
                let mark = marker(p.table, &c.name);
                if !text.contains(&mark) {
                    missing.push(format!("{}.{} text", p.table, c.name));
                }
            }
        }
    }
    println!(
        "export: {} sections of the registry checked, {} gaps",
        PERSONAL_TABLES.len(),
        missing.len()
    );
    assert!(missing.is_empty(), "missing from the export: {missing:#?}");
    Ok(())
}

async fn any_user(db: &DatabaseConnection) -> anyhow::Result<Uuid> {
    let row = db
        .query_one_raw(sql(db, "SELECT id FROM users LIMIT 1", vec![]))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user"))?;
    Ok(row.try_get_by_index::<Uuid>(0)?)
}

/// Inserts a row into `table`: the given values, a new id, the tenant, references to
/// an existing row (made the same way when the table referenced is empty), and for
/// other required columns a zero, false, or a marker.
fn insert_row<'a>(
    db: &'a DatabaseConnection,
    schema: &'a Schema,
    tenant: Uuid,
    table: &'a str,
    fixed: Vec<(String, Value)>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<Uuid>> + 'a>> {
    Box::pin(async move {
        let cols = &schema.columns[table];
        let fks = schema.foreign.get(table).cloned().unwrap_or_default();
        let id = Uuid::now_v7();
        let (mut names, mut values) = (Vec::new(), Vec::<Value>::new());
        for c in cols {
            let fk = fks
                .iter()
                .find(|(col, _)| *col == c.name)
                .map(|(_, t)| t.clone());
            let value: Option<Value> =
                if let Some((_, v)) = fixed.iter().find(|(n, _)| *n == c.name) {
                    Some(v.clone())
                } else if c.name == "id" {
                    Some(id.into())
                } else if c.name == "tenant_id" {
                    Some(tenant.into())
                } else if let Some(parent) = fk {
                    let has_tenant = schema.columns[&parent]
                        .iter()
                        .any(|c| c.name == "tenant_id");
                    let (clause, vals): (&str, Vec<Value>) = if has_tenant {
                        ("WHERE tenant_id = ?", vec![tenant.into()])
                    } else {
                        ("", vec![])
                    };
                    let row = db
                        .query_one_raw(sql(
                            db,
                            &format!("SELECT id FROM {parent} {clause} LIMIT 1"),
                            vals,
                        ))
                        .await?;
                    Some(match row {
                        Some(row) => row.try_get_by_index::<Uuid>(0)?.into(),
                        None => insert_row(db, schema, tenant, &parent, vec![])
                            .await?
                            .into(),
                    })
                } else if !c.not_null {
                    None
                } else {
                    Some(match c.kind {
                        Kind::Uuid => any_user(db).await?.into(),
                        Kind::Int => 0_i64.into(),
                        Kind::Bool => false.into(),
                        Kind::Text => format!("{}0", marker(table, &c.name)).into(),
                        Kind::Blob => marker(table, &c.name).into_bytes().into(),
                        Kind::Other => anyhow::bail!("{table}.{}: unknown type", c.name),
                    })
                };
            if let Some(v) = value {
                names.push(c.name.clone());
                values.push(v);
            }
        }
        let holes = vec!["?"; names.len()].join(", ");
        db.execute_raw(sql(
            db,
            &format!(
                "INSERT INTO {table} ({}) VALUES ({holes})",
                names.join(", ")
            ),
            values,
        ))
        .await
        .map_err(|e| anyhow::anyhow!("insert into {table}: {e}"))?;
        Ok(id)
    })
}

/// The person and the employer both give feedback on an immersion; the person's
/// download holds both; after the erasure the employer's link page (no sign-in) shows
/// neither the person's business project, their message, nor any feedback text.
#[tokio::test]
async fn opportunity_feedback_is_exported_both_ways_and_erased_from_the_employer_link() -> TestResult
{
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as("beneficiaire@demo.parcours.test").await?;
    let project = me
        .submit(
            "/parcours/projet",
            &format!("/beneficiaries/{person}/projet"),
            &[
                ("kind", "business"),
                ("title", "Food-truck de crêpes bretonnes"),
            ],
        )
        .await;
    assert_eq!(project.status_code(), StatusCode::SEE_OTHER);
    let page = me.server.get("/parcours/opportunites").await.text();
    let at = page.find("Deux semaines au fournil").unwrap_or(0);
    let field = "name=\"opportunity\" value=\"";
    let start = page[at..].find(field).map_or(0, |i| at + i + field.len());
    let immersion = page[start..start + 36].to_owned();
    let asked = me
        .submit(
            "/parcours/opportunites",
            &format!("/beneficiaries/{person}/opportunites/demandes"),
            &[
                ("opportunity", immersion.as_str()),
                ("message", "Je sors d'une longue maladie."),
            ],
        )
        .await;
    assert_eq!(asked.status_code(), StatusCode::SEE_OTHER);
    t.app.run_due_jobs(parcours_app::now_ms()).await?;
    let mail = t
        .sent_emails()
        .into_iter()
        .find(|e| e.contains("To: employer@demo.parcours.test"))
        .ok_or_else(|| anyhow::anyhow!("no email to the employer"))?;
    let link = format!("/demandes/{}", crate::link_token(&mail, "/demandes/")?);
    let employer = t.client()?;
    let before = employer.server.get(&link).await.text();
    assert!(
        before.contains("Food-truck de crêpes bretonnes"),
        "{before}"
    );
    let accepted = employer
        .submit(&link, &link, &[("decision", "accept")])
        .await;
    assert_eq!(accepted.status_code(), StatusCode::SEE_OTHER);
    let theirs = employer
        .submit(
            &link,
            &format!("{link}/avis"),
            &[
                ("rating", "4"),
                ("comment", "Ponctuelle, à l'aise avec la clientèle."),
            ],
        )
        .await;
    assert_eq!(theirs.status_code(), StatusCode::SEE_OTHER);
    let page = me.server.get("/parcours/opportunites").await.text();
    let form = format!("/beneficiaries/{person}/opportunites/demandes/");
    let start = page
        .find(&form)
        .ok_or_else(|| anyhow::anyhow!("no feedback form"))?
        + form.len();
    let request = page[start..start + 36].to_owned();
    let mine = me
        .submit(
            "/parcours/opportunites",
            &format!("{form}{request}/avis"),
            &[
                ("rating", "3"),
                ("comment", "Le boulanger m'a beaucoup appris."),
            ],
        )
        .await;
    assert_eq!(mine.status_code(), StatusCode::SEE_OTHER);

    // Both sides' feedback, in the download and in the API's copy.
    let zip = me.server.get("/parcours/donnees/archive.zip").await;
    zip.assert_status_ok();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.as_bytes().to_vec()))?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("donnees.json")?, &mut text)?;
    let api = me
        .server
        .get("/api/v1/me/personal-data")
        .await
        .json::<serde_json::Value>();
    for data in [serde_json::from_str::<serde_json::Value>(&text)?, api] {
        let feedback = data["opportunity_feedback"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut sides: Vec<(String, String)> = feedback
            .iter()
            .map(|f| {
                (
                    f["side"].as_str().unwrap_or_default().to_owned(),
                    f["comment"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        sides.sort();
        assert_eq!(
            sides,
            vec![
                (
                    "candidate".to_owned(),
                    "Le boulanger m'a beaucoup appris.".to_owned()
                ),
                (
                    "employer".to_owned(),
                    "Ponctuelle, à l'aise avec la clientèle.".to_owned()
                ),
            ],
            "{data}"
        );
        assert_eq!(data["format"], "parcours.personal-data/1");
    }

    let manager = t.login_as("manager@demo.parcours.test").await?;
    let erased = manager
        .submit(
            "/donnees",
            &format!("/beneficiaries/{person}/effacement"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(erased.status_code(), StatusCode::SEE_OTHER);
    let after = employer.server.get(&link).await.text();
    for gone in [
        "Food-truck",
        "longue maladie",
        "Camille",
        "Ponctuelle",
        "beneficiaire@",
    ] {
        assert!(
            !after.contains(gone),
            "{gone} still on the employer's page: {after}"
        );
    }
    let db = t.app.db();
    let left = strings(
        db,
        "SELECT f.side FROM opportunity_feedback f JOIN opportunity_requests r \
         ON r.id = f.request_id WHERE r.person_id = ? AND f.comment IS NOT NULL",
        vec![person.into()],
    )
    .await?;
    assert!(left.is_empty(), "feedback comments left: {left:?}");
    // The ratings stay: they are the employers' figures.
    let ratings = db
        .query_one_raw(sql(
            db,
            "SELECT COUNT(*) FROM opportunity_feedback f JOIN opportunity_requests r \
             ON r.id = f.request_id WHERE r.person_id = ?",
            vec![person.into()],
        ))
        .await?
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?;
    assert_eq!(ratings, Some(2));
    Ok(())
}

/// Every SQLite connection of the pool zeroes what it deletes; after an erasure the
/// daily job releases the space (on PostgreSQL: the registry's tables are vacuumed).
#[tokio::test]
async fn sqlite_connections_delete_securely_and_the_daily_job_vacuums_after_erasures() -> TestResult
{
    let t = TestApp::spawn().await?;
    let db = t.app.db();
    if db.get_database_backend() == DbBackend::Sqlite {
        // The application's pool, and connections opened afresh the same way.
        let fresh = [
            parcours_db::connect(&t.database_url).await?,
            parcours_db::connect(&t.database_url).await?,
        ];
        for conn in std::iter::once(db).chain(fresh.iter()) {
            let row = conn
                .query_one_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    "PRAGMA secure_delete",
                ))
                .await?
                .ok_or_else(|| anyhow::anyhow!("no answer"))?;
            assert_eq!(row.try_get_by_index::<i64>(0)?, 1, "secure_delete is off");
        }
        for conn in fresh {
            conn.close().await?;
        }
        println!("PRAGMA secure_delete = 1 on the pool and 2 fresh connections");
    }
    let now = parcours_app::now_ms();
    // Nothing erased yet: the daily pass has nothing to release.
    assert!(!t.app.release_space_after_erasures(0).await?);
    let person = t.world.beneficiary_person_id;
    let manager = t.login_as("manager@demo.parcours.test").await?;
    let erased = manager
        .submit(
            "/donnees",
            &format!("/beneficiaries/{person}/effacement"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(erased.status_code(), StatusCode::SEE_OTHER);
    t.app.run_due_jobs(now).await?;
    let done = strings(
        db,
        "SELECT status FROM jobs WHERE kind = 'privacy.vacuum' AND status = 'done'",
        vec![],
    )
    .await?;
    assert_eq!(done.len(), 1, "the daily job ran once");
    // The next pass looks only at erasures after the previous one.
    assert!(
        !t.app
            .release_space_after_erasures(parcours_app::now_ms() + 1)
            .await?
    );
    if db.get_database_backend() == DbBackend::Postgres {
        let vacuumed = strings(
            db,
            "SELECT relname::text FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL",
            vec![],
        )
        .await?;
        let vacuumed: BTreeSet<String> = vacuumed.into_iter().map(|r| r[0].clone()).collect();
        let missing: Vec<&str> = PERSONAL_TABLES
            .iter()
            .map(|p| p.table)
            .filter(|t| !vacuumed.contains(*t))
            .collect();
        assert!(missing.is_empty(), "not vacuumed: {missing:?}");
        println!(
            "VACUUM ran on the {} tables of the registry",
            PERSONAL_TABLES.len()
        );
    }
    Ok(())
}
