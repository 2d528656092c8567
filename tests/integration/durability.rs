//! Nothing acknowledged is lost: a backup restores what it holds (and only that, the
//! replaced database kept aside), and a server killed with SIGKILL in the middle of a
//! write load keeps, after its restart, every write it had acknowledged.

use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use parcours_db::{ConnectionTrait, DbBackend, Statement};
use parcours_test_support::TestApp;

use crate::TestResult;
use crate::processes::{form_encode, free_port, http, parcours, sign_in, start_server};

/// The bodies of the notes written on a person's file, read by a new connection.
async fn note_bodies(url: &str) -> anyhow::Result<Vec<String>> {
    let db = parcours_db::connect(url).await?;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT body FROM notes",
        ))
        .await?;
    let bodies = rows
        .iter()
        .map(|r| r.try_get::<String>("", "body"))
        .collect::<Result<_, _>>()?;
    db.close().await?;
    Ok(bodies)
}

async fn count(url: &str, table: &str) -> anyhow::Result<i64> {
    let db = parcours_db::connect(url).await?;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no count"))?;
    db.close().await?;
    Ok(row.try_get::<i64>("", "n")?)
}

#[tokio::test]
async fn a_backup_restores_what_it_holds_and_keeps_the_replaced_database() -> TestResult {
    let t = TestApp::spawn().await?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("sauvegarde.db");
    let run = |args: &[&str]| {
        parcours(&t, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
    };
    let backup = run(&["backup", &file.display().to_string()])?;
    let stdout = String::from_utf8_lossy(&backup.stdout);
    let stderr = String::from_utf8_lossy(&backup.stderr);
    if t.app.db().get_database_backend() == DbBackend::Postgres {
        // PostgreSQL has its own tools; the command says which, and writes nothing.
        assert!(!backup.status.success());
        assert!(
            stderr.contains("pg_dump") && stderr.contains("pg_restore"),
            "{stderr}"
        );
        assert!(!file.exists());
        return Ok(());
    }
    assert!(backup.status.success(), "{stderr}");
    assert!(
        stdout.contains("Backup written") && stdout.contains("checked"),
        "{stdout}"
    );
    let people = count(&t.database_url, "persons").await?;

    // Written after the backup: gone after the restore, kept in the file set aside.
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let person = t.world.beneficiary_person_id;
    let file_page = format!("/beneficiaries/{person}");
    let written = coach
        .submit(
            &file_page,
            &format!("{file_page}/notes"),
            &[
                ("body", "Écrite après la sauvegarde"),
                ("visibility", "shared"),
            ],
        )
        .await;
    assert_eq!(written.status_code(), 303);
    assert!(
        note_bodies(&t.database_url)
            .await?
            .iter()
            .any(|b| b.contains("après la sauvegarde"))
    );

    // A backup never overwrites; a file that is not a backup is refused, nothing moved.
    let again = run(&["backup", &file.display().to_string()])?;
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let junk = dir.path().join("pas-une-sauvegarde.db");
    std::fs::write(&junk, "nom;prénom\n")?;
    let refused = run(&["restore", &junk.display().to_string()])?;
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("not a Parcours backup"), "{why}");
    assert!(
        note_bodies(&t.database_url)
            .await?
            .iter()
            .any(|b| b.contains("après la sauvegarde"))
    );

    let restore = run(&["restore", &file.display().to_string()])?;
    let stdout = String::from_utf8_lossy(&restore.stdout);
    assert!(
        restore.status.success(),
        "{}",
        String::from_utf8_lossy(&restore.stderr)
    );
    assert!(
        stdout.contains("Restored") && stdout.contains("kept as"),
        "{stdout}"
    );
    assert!(
        !note_bodies(&t.database_url)
            .await?
            .iter()
            .any(|b| b.contains("après la sauvegarde"))
    );
    assert_eq!(count(&t.database_url, "persons").await?, people);
    let kept = stdout
        .lines()
        .find_map(|l| l.strip_prefix("The database it replaced is kept as "))
        .and_then(|l| l.strip_suffix('.'))
        .ok_or_else(|| anyhow::anyhow!("no kept file in {stdout}"))?;
    let kept_url = format!("sqlite://{kept}");
    assert!(
        note_bodies(&kept_url)
            .await?
            .iter()
            .any(|b| b.contains("après la sauvegarde"))
    );
    // The restored database serves: the coach signs in again.
    t.login_as("coach@demo.parcours.test").await?;
    Ok(())
}

#[tokio::test]
async fn every_write_acknowledged_before_a_sigkill_is_there_after_the_restart() -> TestResult {
    let t = TestApp::spawn().await?;
    let port = free_port()?;
    let mut server = start_server(&t, port)?;
    let (session, csrf) = sign_in(port, "coach@demo.parcours.test")?;
    let action = format!("/beneficiaries/{}/notes", t.world.beneficiary_person_id);

    // Four clients write notes as fast as the server answers; each keeps the notes the
    // server acknowledged (303 after the commit).
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for client in 0..4 {
        let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
        let (session, csrf, action) = (session.clone(), csrf.clone(), action.clone());
        clients.push(std::thread::spawn(move || {
            let mut attempted = 0usize;
            for n in 0.. {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let body = format!("crash-{client}-{n}");
                let form = form_encode(&[("body", &body), ("visibility", "private")]);
                attempted += 1;
                match http(port, "POST", &action, &session, Some(&csrf), Some(&form)) {
                    Ok(reply) if reply.status == 303 => {
                        if let Ok(mut list) = acknowledged.lock() {
                            list.push(body);
                        }
                    }
                    Ok(_) => {}
                    // The server is gone: what was not answered was not acknowledged.
                    Err(_) => break,
                }
            }
            attempted
        }));
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    // SIGKILL: no shutdown, no flush, requests in flight cut.
    server.0.kill()?;
    server.0.wait()?;
    stop.store(true, Ordering::Relaxed);
    let mut attempted = 0;
    for client in clients {
        attempted += client
            .join()
            .map_err(|_| anyhow::anyhow!("a client panicked"))?;
    }
    let acknowledged = acknowledged
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    assert!(
        acknowledged.len() >= 20,
        "the load ran: {} writes acknowledged",
        acknowledged.len()
    );

    drop(server);
    let _restarted = start_server(&t, port)?;
    let (session, _) = sign_in(port, "coach@demo.parcours.test")?;
    let stored = note_bodies(&t.database_url).await?;
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|b| !stored.contains(b))
        .collect();
    println!(
        "crash test: {attempted} writes sent, {} acknowledged, {} stored after the restart, {} missing",
        acknowledged.len(),
        stored.iter().filter(|b| b.starts_with("crash-")).count(),
        missing.len()
    );
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    // And the restarted server shows them on the file.
    let page = http(
        port,
        "GET",
        &format!("/beneficiaries/{}", t.world.beneficiary_person_id),
        &session,
        None,
        None,
    )?;
    assert_eq!(page.status, 200);
    Ok(())
}
