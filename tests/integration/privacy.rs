//! Personal data stays out of the logs: a server at the most verbose log level is
//! driven through sign-ins (good and bad), file reads and writes, refused forms and a
//! password reset; then its whole output is searched for every person's name and every
//! email address the database holds.

use std::process::Stdio;

use axum_test::http::StatusCode;
use parcours_db::{ConnectionTrait, Statement};
use parcours_test_support::TestApp;

use crate::TestResult;
use crate::processes::{form_encode, free_port, http, parcours, submit_login};

#[tokio::test]
async fn no_name_or_email_reaches_the_logs_even_at_trace_level() -> TestResult {
    let t = TestApp::spawn().await?;
    let dir = tempfile::tempdir()?;
    let log_path = dir.path().join("serve.log");
    let log = std::fs::File::create(&log_path)?;
    let port = free_port()?;
    let bind = format!("127.0.0.1:{port}");
    let child = parcours(&t, &["serve", "--bind", &bind, "--no-demo"])
        .env("PARCOURS_LOG", "trace")
        .env_remove("RUST_LOG")
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log))
        .spawn()?;
    let server = crate::processes::Running(child);
    crate::processes::wait_until_up(port)?;

    let person = t.world.beneficiary_person_id;
    let sign_in = |email: &str, password: &str| submit_login(port, port, email, password);
    // A wrong password, an unknown address, then the coach.
    sign_in("beneficiaire@demo.parcours.test", "wrong-password")?;
    sign_in("inconnu.personne@exemple.fr", "wrong-password")?;
    let (status, session) = sign_in(
        "coach@demo.parcours.test",
        parcours_app::demo::DEMO_PASSWORD,
    )?;
    assert_eq!(status, 303);
    let home = http(port, "GET", "/home", &session, None, None)?;
    let csrf = parcours_test_support::csrf_token(&home.body).unwrap_or_default();
    let file = format!("/beneficiaries/{person}");
    for path in [
        file.clone(),
        format!("{file}/parcours"),
        format!("{file}/plan"),
        format!("/api/v1/beneficiaries/{person}"),
    ] {
        http(port, "GET", &path, &session, None, None)?;
    }
    // Writes, one refused: a note naming someone, new contact details, a bad email.
    http(
        port,
        "POST",
        &format!("{file}/notes"),
        &session,
        Some(&csrf),
        Some(&form_encode(&[
            ("body", "Appeler Mme Bérénice Trouvetout au 06 11 22 33 44"),
            ("visibility", "private"),
        ])),
    )?;
    http(
        port,
        "POST",
        &format!("{file}/contact"),
        &session,
        Some(&csrf),
        Some(&form_encode(&[
            ("phone", "06 55 44 33 22"),
            ("email", "nouvelle.adresse@exemple.fr"),
        ])),
    )?;
    http(
        port,
        "POST",
        &format!("{file}/contact"),
        &session,
        Some(&csrf),
        Some(&form_encode(&[
            ("phone", "pas un numéro"),
            ("email", "pas-une-adresse"),
        ])),
    )?;
    // A reset asked for an address, a page that does not exist.
    let forgot = http(port, "GET", "/password/forgot", &[], None, None)?;
    let token = parcours_test_support::csrf_token(&forgot.body).unwrap_or_default();
    http(
        port,
        "POST",
        "/password/forgot",
        &forgot.cookies,
        None,
        Some(&form_encode(&[
            ("_csrf", &token),
            ("email", "coach@demo.parcours.test"),
        ])),
    )?;
    http(
        port,
        "GET",
        "/beneficiaries/not-an-id",
        &session,
        None,
        None,
    )?;
    drop(server);

    let whole = std::fs::read_to_string(&log_path)?;
    // The start-up banner lists the demo's fictional sign-ins on purpose (the README's
    // promise); what is logged while serving starts after it.
    let output = whole
        .split_once("(Ctrl-C to stop)")
        .map_or(whole.as_str(), |(_, served)| served);
    let lines = output.lines().count();
    if std::env::var_os("SHOW_LOG").is_some() {
        println!("{output}");
    }
    assert!(
        output.contains("request"),
        "the requests were logged:\n{output}"
    );
    // Everything personal the database holds, and what the test typed.
    let db = t.app.db();
    let mut secrets: Vec<String> = vec![
        "Bérénice".into(),
        "Trouvetout".into(),
        "06 11 22 33 44".into(),
        "06 55 44 33 22".into(),
        "nouvelle.adresse@exemple.fr".into(),
        "inconnu.personne@exemple.fr".into(),
        "pas-une-adresse".into(),
    ];
    for (sql, columns) in [
        (
            "SELECT first_name, last_name, email, phone FROM persons",
            &["first_name", "last_name", "email", "phone"][..],
        ),
        (
            "SELECT email, display_name FROM users",
            &["email", "display_name"][..],
        ),
    ] {
        let rows = db
            .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await?;
        for row in rows {
            for column in columns {
                if let Ok(Some(value)) = row.try_get::<Option<String>>("", column) {
                    // Whole names of three letters or more (short ones match ordinary words).
                    if value.chars().count() >= 3 {
                        secrets.push(value);
                    }
                }
            }
        }
    }
    let found: Vec<&String> = secrets
        .iter()
        .filter(|s| output.contains(s.as_str()))
        .collect();
    println!(
        "log scan: {lines} lines searched for {} names and addresses, {} found",
        secrets.len(),
        found.len()
    );
    assert!(found.is_empty(), "personal data in the logs: {found:?}");
    Ok(())
}

async fn count(t: &TestApp, sql: &str) -> anyhow::Result<i64> {
    let db = t.app.db();
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no row for {sql}"))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// Keys that must never leave the server, whatever the section.
fn secret_keys(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if ["password_hash", "token_hash", "csrf_token", "identity_keys"]
                    .contains(&k.as_str())
                {
                    out.push(k.clone());
                }
                secret_keys(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| secret_keys(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn a_person_downloads_their_data_and_a_manager_erases_it_on_request() -> TestResult {
    let t = TestApp::spawn().await?;
    t.app.seed_demo_answers(&t.world).await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as("beneficiaire@demo.parcours.test").await?;
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let written = me
        .submit(
            "/parcours/journal/nouveau",
            "/parcours/journal",
            &[
                ("body", "Un texte très personnel sur ma santé."),
                ("shared", "yes"),
            ],
        )
        .await;
    assert_eq!(written.status_code(), 303);
    let file = format!("/beneficiaries/{person}");
    let noted = coach
        .submit(
            &file,
            &format!("{file}/notes"),
            &[("body", "Note du conseiller."), ("visibility", "private")],
        )
        .await;
    assert_eq!(noted.status_code(), 303);

    let consent = me.submit("/parcours", "/parcours/consentement", &[]).await;
    assert_eq!(consent.status_code(), 303);
    // The page, linked from the person's home, lists what they agreed to.
    assert!(
        me.server
            .get("/home")
            .await
            .text()
            .contains("href=\"/parcours/donnees\"")
    );
    let page = me.server.get("/parcours/donnees").await;
    page.assert_status_ok();
    let text = page.text();
    assert!(text.contains("Faire le bilan de compétences"), "{text}");
    assert!(text.contains("href=\"/parcours/donnees/archive.zip\""));

    // The download: the JSON and the documents, nothing secret.
    let zip = me.server.get("/parcours/donnees/archive.zip").await;
    zip.assert_status_ok();
    assert_eq!(zip.header("content-type"), "application/zip");
    assert!(
        zip.header("content-disposition")
            .to_str()?
            .contains("parcours-donnees-")
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.as_bytes().to_vec()))?;
    let names: Vec<String> = archive.file_names().map(str::to_owned).collect();
    assert!(
        names.contains(&"donnees.json".to_owned()) && names.contains(&"LISEZMOI.txt".to_owned()),
        "{names:?}"
    );
    let mut json_text = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("donnees.json")?, &mut json_text)?;
    let data: serde_json::Value = serde_json::from_str(&json_text)?;
    assert_eq!(data["format"], "parcours.personal-data/1");
    assert_eq!(data["person"]["id"], person.to_string());
    let name = (
        data["person"]["first_name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        data["person"]["last_name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    );
    assert!(!name.1.is_empty());
    for section in [
        "consents",
        "enrolments",
        "activities",
        "journal_entries",
        "notes",
        "file_accesses",
    ] {
        assert!(
            data[section]
                .as_array()
                .is_some_and(|rows| !rows.is_empty()),
            "{section} is empty in {json_text}"
        );
    }
    assert!(
        json_text.contains("Un texte très personnel") && json_text.contains("Note du conseiller.")
    );
    let mut leaked = Vec::new();
    secret_keys(&data, &mut leaked);
    assert!(leaked.is_empty(), "secrets in the export: {leaked:?}");
    for listed in data["document_files"].as_array().into_iter().flatten() {
        let file = listed["file"].as_str().unwrap_or_default();
        assert!(
            names.iter().any(|n| n == file),
            "{file} listed, not in the archive"
        );
    }
    // The same through the API.
    let api = me.server.get("/api/v1/me/personal-data").await;
    api.assert_status_ok();
    assert_eq!(
        api.json::<serde_json::Value>()["person"]["id"],
        person.to_string()
    );
    // Nobody else downloads it: another role, another tenant.
    coach
        .server
        .get(&format!("/beneficiaries/{person}/donnees.zip"))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let other = t.world.other_tenant_person_id;
    let manager = t.login_as("manager@demo.parcours.test").await?;
    manager
        .server
        .get(&format!("/beneficiaries/{other}/donnees.zip"))
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Asking for erasure needs the box ticked; then the request waits for a manager.
    let unticked = me
        .submit("/parcours/donnees", "/parcours/donnees/effacement", &[])
        .await;
    assert_eq!(unticked.status_code(), 422);
    assert!(unticked.text().contains("Cochez la case"));
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM persons WHERE erasure_requested_at IS NOT NULL"
        )
        .await?,
        0
    );
    let asked = me
        .submit(
            "/parcours/donnees",
            "/parcours/donnees/effacement",
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(asked.header("location"), "/parcours/donnees?fait=demande");
    assert!(
        me.server
            .get("/parcours/donnees?fait=demande")
            .await
            .text()
            .contains("Annuler ma demande")
    );
    coach
        .server
        .get("/donnees")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let queue = manager.server.get("/donnees").await.text();
    assert!(
        manager
            .server
            .get("/home")
            .await
            .text()
            .contains("href=\"/donnees\"")
    );
    assert!(
        queue.contains(&format!("/beneficiaries/{person}/effacement")),
        "{queue}"
    );
    assert!(queue.contains(&name.1), "{queue}");
    let manager_zip = manager
        .server
        .get(&format!("/beneficiaries/{person}/donnees.zip"))
        .await;
    manager_zip.assert_status_ok();

    // The figures before; the erasure, confirmed; the figures after are the same.
    let before = parcours_app::outcomes::report_text(
        "normandie-2026",
        &t.app
            .outcomes_report_by_slug("normandie-2026", Some(1))
            .await?
            .1,
    );
    let enrolments = count(
        &t,
        "SELECT COUNT(*) FROM enrolments WHERE person_id IN (SELECT p.id FROM persons p \
         JOIN users u ON u.id = p.user_id WHERE u.email = 'beneficiaire@demo.parcours.test')",
    )
    .await?;
    assert!(enrolments > 0);
    let unconfirmed = manager
        .submit(
            "/donnees",
            &format!("/beneficiaries/{person}/effacement"),
            &[],
        )
        .await;
    assert_eq!(unconfirmed.status_code(), 422);
    assert!(
        unconfirmed
            .text()
            .contains("Cochez la case pour confirmer l&#39;effacement")
            || unconfirmed
                .text()
                .contains("Cochez la case pour confirmer l'effacement")
    );
    let erased = manager
        .submit(
            "/donnees",
            &format!("/beneficiaries/{person}/effacement"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(erased.header("location"), "/donnees?fait=effacee");
    t.app.run_due_jobs(parcours_app::now_ms()).await?;
    let after = parcours_app::outcomes::report_text(
        "normandie-2026",
        &t.app
            .outcomes_report_by_slug("normandie-2026", Some(1))
            .await?
            .1,
    );
    assert_eq!(before, after, "the programme's figures changed");

    // Who they were and what was written is gone; the facts stay.
    let file_page = coach.server.get(&file).await.text();
    assert!(
        !file_page.contains(&name.1) && !file_page.contains(&name.0),
        "{file_page}"
    );
    assert!(file_page.contains("Anonyme"));

    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM persons WHERE anonymised_at IS NOT NULL"
        )
        .await?,
        1
    );
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM journal_entries WHERE body LIKE '%très personnel%'"
        )
        .await?,
        0
    );
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM notes WHERE body = 'Note du conseiller.'"
        )
        .await?,
        0
    );
    assert_eq!(
        count(&t, "SELECT COUNT(*) FROM answers WHERE activity_id IN (SELECT a.id FROM activities a JOIN persons p ON p.id = a.person_id WHERE p.anonymised_at IS NOT NULL)").await?,
        0
    );
    assert_eq!(
        count(&t, "SELECT COUNT(*) FROM enrolments WHERE person_id IN (SELECT id FROM persons WHERE anonymised_at IS NOT NULL)").await?,
        enrolments
    );
    // They can no longer sign in, and the session they had is over.
    me.server
        .get("/parcours/donnees")
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let again = t
        .client()?
        .login(
            "beneficiaire@demo.parcours.test",
            parcours_app::demo::DEMO_PASSWORD,
        )
        .await;
    assert_ne!(again.status_code(), 303);
    // The request left the queue; the audit log has it.
    assert!(
        !manager
            .server
            .get("/donnees")
            .await
            .text()
            .contains(&format!("/beneficiaries/{person}/effacement"))
    );
    assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_events WHERE action IN ('privacy.erasure_requested', 'privacy.anonymised', 'privacy.exported')").await?, 5);
    Ok(())
}

#[tokio::test]
async fn files_without_contact_for_two_years_are_told_then_anonymised_unless_the_person_returns()
-> TestResult {
    const DAY: i64 = 24 * 3600 * 1000;
    let t = TestApp::spawn().await?;
    let now = parcours_app::now_ms();
    let db = t.app.db();
    // The demo beneficiary and one other person of the programme, last seen 2 years ago
    // minus a week.
    let quiet = t.world.beneficiary_person_id;
    let other = t
        .world
        .cohort
        .iter()
        .map(|m| m.person_id)
        .find(|id| *id != quiet)
        .ok_or_else(|| anyhow::anyhow!("no cohort"))?;
    // Kept as SQL: only these two persons go quiet; moving the clock would age the whole
    // demo world and change the counts below.
    let old = now - 723 * DAY;
    for id in [quiet, other] {
        for sql in [
            format!("UPDATE persons SET updated_at = {old} WHERE id = $ID"),
            format!("UPDATE enrolments SET last_activity_at = {old} WHERE person_id = $ID"),
        ] {
            let (sql, value) = (
                sql.replace(
                    "$ID",
                    if db.get_database_backend() == parcours_db::DbBackend::Postgres {
                        "$1"
                    } else {
                        "?"
                    },
                ),
                id,
            );
            db.execute_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                sql,
                [value.into()],
            ))
            .await?;
        }
    }
    let first = t.app.sweep_inactive(now).await?;
    assert_eq!(
        (first.notices, first.anonymised, first.withdrawn),
        (2, 0, 0),
        "{first:?}"
    );
    t.app.run_due_jobs(now).await?;
    let notices: Vec<String> = t
        .sent_emails()
        .into_iter()
        .filter(|m| m.contains("sera anonymis"))
        .collect();
    assert!(!notices.is_empty(), "the notice went out by email");
    assert!(notices[0].contains("/parcours/donnees"));
    // A second pass the next day tells nobody twice.
    let second = t.app.sweep_inactive(now + DAY).await?;
    assert_eq!(second.notices, 0);
    // The demo beneficiary signs in: that is a contact, their notice is lifted.
    t.login_as("beneficiaire@demo.parcours.test").await?;
    let manager = t.login_as("manager@demo.parcours.test").await?;
    assert!(
        manager
            .server
            .get("/donnees")
            .await
            .text()
            .contains("Prévenue le")
    );
    // 31 days later the other one, still silent, is anonymised; the figures stay.
    let before = parcours_app::outcomes::report_text(
        "normandie-2026",
        &t.app
            .outcomes_report_by_slug("normandie-2026", Some(1))
            .await?
            .1,
    );
    let later = t.app.sweep_inactive(now + 31 * DAY).await?;
    assert_eq!((later.anonymised, later.notices), (1, 0), "{later:?}");
    let after = parcours_app::outcomes::report_text(
        "normandie-2026",
        &t.app
            .outcomes_report_by_slug("normandie-2026", Some(1))
            .await?
            .1,
    );
    assert_eq!(before, after);
    let anonymised: Vec<String> = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT first_name FROM persons WHERE anonymised_at IS NOT NULL",
        ))
        .await?
        .iter()
        .filter_map(|r| r.try_get::<String>("", "first_name").ok())
        .collect();
    assert_eq!(anonymised, vec!["Anonyme".to_owned()]);
    assert_eq!(
        count(&t, "SELECT COUNT(*) FROM audit_events WHERE action = 'privacy.anonymised' AND actor_user_id IS NULL").await?,
        1
    );
    // The daily job is queued with the others.
    assert!(
        count(
            &t,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'persons.inactivity'"
        )
        .await?
            >= 1
    );
    Ok(())
}
