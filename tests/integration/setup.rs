//! An operator's set-up (issue 25): the first-run path of the command line, the
//! organisation settings page and its API, the public pages and the set-up checklist.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use parcours_db::repo::audit::{self, TenantLogQuery};
use parcours_db::{ConnectionTrait, TenantScope};
use parcours_test_support::{Client, TestApp};
use serde_json::{Value, json};

use crate::TestResult;
use crate::processes::{Running, free_port, http, submit_login, wait_until_up};

/// A valid SIRET (Luhn) and the settings an administrator fills in.
const SIRET: &str = "841 234 567 00011";

fn full_settings<'a>(name: &'a str, siret: &'a str, min_cell: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("siret", siret),
        ("address", "12 rue des Lilas\n76000 Rouen"),
        ("contact_email", "contact@tremplin.example"),
        ("contact_phone", "02 35 00 00 00"),
        (
            "dpo_contact",
            "Délégué à la protection des données, dpo@tremplin.example",
        ),
        (
            "host",
            "Hébergeur Exemple SAS, 1 quai du Port, 76600 Le Havre",
        ),
        (
            "privacy_notice",
            "## Nos engagements\n\nVos données restent chez Tremplin Rouen.",
        ),
        ("accessibility_statement", ""),
        ("min_cell", min_cell),
    ]
}

async fn patch_json(client: &Client, path: &str, body: &Value) -> axum_test::TestResponse {
    let token = client.csrf().await;
    client
        .server
        .patch(path)
        .add_header("x-csrf-token", token)
        .json(body)
        .await
}

async fn tenant_actions(t: &TestApp) -> anyhow::Result<Vec<String>> {
    let query = TenantLogQuery {
        person_id: None,
        refusals_only: false,
        before: None,
        limit: 10_000,
    };
    Ok(
        audit::of_tenant(t.app.db(), TenantScope::of(t.world.operator_id), &query)
            .await?
            .into_iter()
            .map(|e| e.action)
            .collect(),
    )
}

#[tokio::test]
async fn the_admin_saves_the_organisation_and_the_checklist_follows() -> TestResult {
    let t = TestApp::spawn().await?;
    let admin = t.login_as("admin@demo.parcours.test").await?;

    // The demo operator has staff, partners and a programme, not its legal identity.
    let home = admin.server.get("/home").await.text();
    assert!(home.contains("Mise en route"), "{home}");
    assert!(home.contains("id=\"setup-organisation\""));
    assert!(home.contains("href=\"/admin/organisation\""));

    let page = admin.server.get("/admin/organisation").await;
    assert_eq!(page.status_code(), 200);
    let page = page.text();
    for field in [
        "name",
        "siret",
        "address",
        "contact_email",
        "dpo_contact",
        "privacy_notice",
        "min_cell",
    ] {
        assert!(
            page.contains(&format!("name=\"{field}\"")),
            "{field} missing"
        );
    }
    // The default texts are offered for editing.
    assert!(page.contains("Vos droits"));

    let before = tenant_actions(&t).await?;
    let saved = admin
        .post_form(
            "/admin/organisation",
            &full_settings("Tremplin Rouen", SIRET, "15"),
        )
        .await;
    assert_eq!(saved.status_code(), 303, "{}", saved.text());
    let page = admin.server.get("/admin/organisation?saved=1").await.text();
    assert!(
        page.contains("value=\"84123456700011\""),
        "SIRET kept as digits"
    );
    assert!(page.contains("value=\"15\""));
    assert!(page.contains("C&#39;est enregistré") || page.contains("C&#x27;est enregistré"));
    let after = tenant_actions(&t).await?;
    assert_eq!(
        after
            .iter()
            .filter(|a| *a == "organisation.settings_saved")
            .count(),
        before
            .iter()
            .filter(|a| *a == "organisation.settings_saved")
            .count()
            + 1
    );

    // The organisation step is done: with every other step done in the demo, the
    // checklist leaves the home page.
    let home = admin.server.get("/home").await.text();
    assert!(!home.contains("id=\"setup-organisation\""), "{home}");
    assert!(!home.contains("Mise en route"));
    Ok(())
}

#[tokio::test]
async fn a_refused_save_names_the_field_and_keeps_what_was_typed() -> TestResult {
    let t = TestApp::spawn().await?;
    let admin = t.login_as("admin@demo.parcours.test").await?;
    let refused = admin
        .post_form(
            "/admin/organisation",
            &full_settings("Nom tapé à la main", "841 234 567 00012", "5"),
        )
        .await;
    assert_eq!(refused.status_code(), 422);
    let html = refused.text();
    assert!(html.contains("id=\"siret-error\""), "{html}");
    assert!(html.contains("Ce SIRET n"));
    assert!(
        html.contains("href=\"#siret\""),
        "the summary links to the field"
    );
    assert!(html.contains("id=\"min_cell-error\""));
    assert!(html.contains("11 ou plus"));
    assert!(
        html.contains("value=\"Nom tapé à la main\""),
        "the name typed is kept"
    );
    assert!(
        html.contains("value=\"841 234 567 00012\""),
        "the SIRET typed is kept"
    );
    assert!(html.contains("12 rue des Lilas"));
    // Nothing was saved.
    let page = admin.server.get("/admin/organisation").await.text();
    assert!(!page.contains("Nom tapé à la main"));
    Ok(())
}

#[tokio::test]
async fn only_the_admin_reaches_the_settings() -> TestResult {
    let t = TestApp::spawn().await?;
    for who in [
        "coach@demo.parcours.test",
        "manager@demo.parcours.test",
        "referrer@demo.parcours.test",
    ] {
        let c = t.login_as(who).await?;
        assert_eq!(
            c.server.get("/admin/organisation").await.status_code(),
            403,
            "{who}"
        );
        let post = c
            .post_form("/admin/organisation", &full_settings("Pirate", SIRET, "11"))
            .await;
        assert_eq!(post.status_code(), 403, "{who}");
        // Nor the checklist on their home.
        assert!(!c.server.get("/home").await.text().contains("Mise en route"));
    }
    let anonymous = t.client()?;
    assert_eq!(
        anonymous
            .server
            .get("/admin/organisation")
            .await
            .status_code(),
        303
    );
    let admin = t.login_as("admin@demo.parcours.test").await?;
    assert!(
        !admin
            .server
            .get("/admin/organisation")
            .await
            .text()
            .contains("Pirate")
    );
    Ok(())
}

#[tokio::test]
async fn the_api_reads_and_patches_the_callers_operator_only() -> TestResult {
    let t = TestApp::spawn().await?;
    let own = format!("/api/v1/organisations/{}", t.world.operator_id);
    let other = format!("/api/v1/organisations/{}", t.world.other_operator_id);
    let admin = t.login_as("admin@demo.parcours.test").await?;

    let got = admin.server.get(&own).await;
    assert_eq!(got.status_code(), 200);
    let json: Value = got.json();
    assert_eq!(json["kind"], "operator");
    assert_eq!(json["min_cell"], 11);
    assert!(json["siret"].is_null());
    assert!(
        json["privacy_notice"]
            .as_str()
            .unwrap()
            .contains("Vos droits")
    );

    let refused = patch_json(
        &admin,
        &own,
        &json!({"siret": "12345678901234", "min_cell": 3}),
    )
    .await;
    assert_eq!(refused.status_code(), 422);
    assert!(
        refused
            .header("content-type")
            .to_str()?
            .starts_with("application/problem+json")
    );
    let problem: Value = refused.json();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["siret", "min_cell"], "{problem}");

    let saved = patch_json(&admin, &own, &json!({"siret": SIRET, "min_cell": 20})).await;
    assert_eq!(saved.status_code(), 200, "{}", saved.text());
    let json: Value = saved.json();
    assert_eq!(json["siret"], "84123456700011");
    assert_eq!(json["min_cell"], 20);
    assert_eq!(
        json["name"],
        admin_org_name(&t).await?,
        "absent fields are kept"
    );

    // Another operator's organisation is not found; others may read but not change.
    assert_eq!(admin.server.get(&other).await.status_code(), 404);
    assert_eq!(
        patch_json(&admin, &other, &json!({"name": "X"}))
            .await
            .status_code(),
        404
    );
    let coach = t.login_as("coach@demo.parcours.test").await?;
    assert_eq!(coach.server.get(&own).await.status_code(), 200);
    assert_eq!(
        patch_json(&coach, &own, &json!({"name": "X"}))
            .await
            .status_code(),
        403
    );
    let other_coach = t.login_as("coach@horizon.parcours.test").await?;
    assert_eq!(other_coach.server.get(&own).await.status_code(), 404);
    assert_eq!(t.client()?.server.get(&own).await.status_code(), 401);

    // Documented in the OpenAPI document.
    let doc: Value = t.client()?.server.get("/api/v1/openapi.json").await.json();
    let path = &doc["paths"]["/api/v1/organisations/{id}"];
    assert!(
        path["get"].is_object() && path["patch"].is_object(),
        "{path}"
    );
    Ok(())
}

async fn admin_org_name(t: &TestApp) -> anyhow::Result<String> {
    let row = t
        .app
        .db()
        .query_one_raw(parcours_db::Statement::from_sql_and_values(
            t.app.db().get_database_backend(),
            if t.app.db().get_database_backend() == parcours_db::DbBackend::Postgres {
                "SELECT name FROM organisations WHERE id = $1"
            } else {
                "SELECT name FROM organisations WHERE id = ?"
            },
            [t.world.operator_id.into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no operator"))?;
    Ok(row.try_get::<String>("", "name")?)
}

#[tokio::test]
async fn the_public_pages_render_the_operators_texts_without_sign_in() -> TestResult {
    let t = TestApp::spawn().await?;
    let admin = t.login_as("admin@demo.parcours.test").await?;
    let saved = admin
        .post_form(
            "/admin/organisation",
            &full_settings("Tremplin Rouen", SIRET, "11"),
        )
        .await;
    assert_eq!(saved.status_code(), 303);

    let anonymous = t.client()?;
    let privacy = anonymous.server.get("/confidentialite").await;
    assert_eq!(privacy.status_code(), 200);
    let privacy = privacy.text();
    assert!(
        privacy.contains("<h2>Nos engagements</h2>")
            || privacy.contains("<h3>Nos engagements</h3>")
    );
    assert!(privacy.contains("Vos données restent chez Tremplin Rouen."));
    assert!(privacy.contains("dpo@tremplin.example"));
    // Two operators on this host: each is listed, with its own text.
    assert!(privacy.contains("Plusieurs organismes"), "{privacy}");
    assert!(
        privacy.contains("Vos droits"),
        "the other operator keeps the default text"
    );

    let legal = anonymous.server.get("/mentions-legales").await;
    assert_eq!(legal.status_code(), 200);
    let legal = legal.text();
    for expected in [
        "Tremplin Rouen",
        "84123456700011",
        "12 rue des Lilas",
        "contact@tremplin.example",
        "Hébergeur Exemple SAS",
    ] {
        assert!(legal.contains(expected), "{expected} missing");
    }
    let accessibility = anonymous.server.get("/accessibilite").await;
    assert_eq!(accessibility.status_code(), 200);
    assert!(accessibility.text().contains("Défenseur des droits"));

    // A member of an operator sees their own operator only.
    let page = admin.server.get("/confidentialite").await.text();
    assert!(!page.contains("Plusieurs organismes"));
    assert!(page.contains("Vos données restent chez Tremplin Rouen."));

    // Every page's footer links to the three.
    for path in ["/login", "/metiers", "/confidentialite"] {
        let html = anonymous.server.get(path).await.text();
        for link in [
            "href=\"/confidentialite\"",
            "href=\"/accessibilite\"",
            "href=\"/mentions-legales\"",
        ] {
            assert!(html.contains(link), "{link} missing on {path}");
        }
    }
    let home = admin.server.get("/home").await.text();
    assert!(home.contains("href=\"/mentions-legales\""));
    Ok(())
}

/// An empty database of the suite's backend, for a process started on it.
struct EmptyDb {
    url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl EmptyDb {
    async fn create() -> anyhow::Result<EmptyDb> {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if admin_url.starts_with("postgres") => {
                let name = format!("parcours_t_{}", uuid::Uuid::new_v4().simple());
                let admin = parcours_db::connect(&admin_url).await?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await?;
                admin.close().await?;
                let (base, _) = admin_url.rsplit_once('/').unwrap_or((&admin_url, ""));
                Ok(EmptyDb {
                    url: format!("{base}/{name}"),
                    _dir: None,
                    pg: Some((admin_url, name)),
                })
            }
            _ => {
                let dir = tempfile::tempdir()?;
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("fresh.db").display()
                );
                Ok(EmptyDb {
                    url,
                    _dir: Some(dir),
                    pg: None,
                })
            }
        }
    }

    async fn drop_database(&self) {
        if let Some((admin_url, name)) = &self.pg
            && let Ok(conn) = parcours_db::connect(admin_url).await
        {
            let _ = conn
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
            let _ = conn.close().await;
        }
    }
}

fn parcours_on(db: &EmptyDb, outbox: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_parcours"));
    command
        .args(args)
        .env("PARCOURS_DATABASE_URL", &db.url)
        .env("PARCOURS_OUTBOX_DIR", outbox)
        .env(
            "PARCOURS_REF_DIR",
            parcours_test_support::fixture_reference_dir(),
        )
        .env("RUST_LOG", "warn");
    command
}

/// Starts `serve --no-demo` and returns it with what it printed before listening.
fn serve_fresh(
    db: &EmptyDb,
    outbox: &std::path::Path,
    port: u16,
) -> anyhow::Result<(Running, String)> {
    let bind = format!("127.0.0.1:{port}");
    let mut child = parcours_on(db, outbox, &["--no-demo", "--no-worker", "--bind", &bind])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let running = Running(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = String::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) {
        let done = line.contains("Open http://");
        printed.push_str(&line);
        printed.push('\n');
        if done {
            break;
        }
    }
    wait_until_up(port)?;
    Ok((running, printed))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fresh_install_says_how_to_create_the_first_admin_who_then_sees_the_checklist()
-> TestResult {
    let db = EmptyDb::create().await?;
    let outbox = tempfile::tempdir()?;
    let result = async {
        let (server, printed) = serve_fresh(&db, outbox.path(), free_port()?)?;
        drop(server);
        assert!(printed.contains("No administrator yet"), "{printed}");
        assert!(printed.contains("create-admin --email"), "{printed}");
        assert!(!printed.contains("Demo logins"), "--no-demo seeds nothing");

        let created = parcours_on(
            &db,
            outbox.path(),
            &[
                "create-admin",
                "--email",
                "anne@tremplin.example",
                "--name",
                "Anne Martin",
                "--organisation",
                "Tremplin Rouen",
            ],
        )
        .env("PARCOURS_ADMIN_PASSWORD", "un mot de passe solide")
        .output()?;
        let out = String::from_utf8_lossy(&created.stdout);
        assert!(
            created.status.success(),
            "{out} {}",
            String::from_utf8_lossy(&created.stderr)
        );
        assert!(
            out.contains("Administrator anne@tremplin.example created"),
            "{out}"
        );

        let port = free_port()?;
        let (_server, printed) = serve_fresh(&db, outbox.path(), port)?;
        assert!(!printed.contains("No administrator yet"), "{printed}");
        let (status, session) = submit_login(
            port,
            port,
            "anne@tremplin.example",
            "un mot de passe solide",
        )?;
        assert_eq!(status, 303);
        let home = http(port, "GET", "/home", &session, None, None)?;
        assert_eq!(home.status, 200);
        // Every step is still to do: the first one is put forward, each links to its page.
        assert!(home.body.contains("Mise en route"), "{}", home.body);
        assert!(home.body.contains("0 étape(s) faite(s) sur 5"));
        assert!(home.body.contains("aria-current=\"step\""));
        assert!(home.body.contains("href=\"/admin/organisation\""));
        for page in ["/admin/equipe", "/partenaires", "/programmes"] {
            assert!(home.body.contains(&format!("href=\"{page}\"")), "{page}");
        }
        let settings = http(port, "GET", "/admin/organisation", &session, None, None)?;
        assert_eq!(settings.status, 200);
        assert!(settings.body.contains("value=\"Tremplin Rouen\""));
        let public = http(port, "GET", "/mentions-legales", &[], None, None)?;
        assert_eq!(public.status, 200);
        assert!(public.body.contains("Tremplin Rouen"));
        anyhow::Ok(())
    }
    .await;
    db.drop_database().await;
    result
}
