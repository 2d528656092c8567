//! Email that leaves the building (issue 25, item 9): with `PARCOURS_SMTP_URL` set, a
//! message is queued, handed by the worker to a real SMTP server on loopback (Python's
//! aiosmtpd, started here), and its status (sent, retrying, refused with the server's
//! reply) is what the administrator sees. Without aiosmtpd the tests are skipped with
//! the reason printed, and fail under `CI=true`.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use axum_test::http::StatusCode;
use parcours_app::mail::MailSettings;
use parcours_app::mail::delivery::{Delivery, REFUSED, RETRYING, SENT};
use parcours_db::TenantScope;
use parcours_db::repo::installation::mail as deliveries;
use parcours_test_support::TestApp;
use serde_json::Value;

use crate::TestResult;

const COACH: &str = "coach@demo.parcours.test";
const ADMIN: &str = "admin@demo.parcours.test";

/// The SMTP server, stopped when dropped.
struct Sink {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sink {
    /// `None` when aiosmtpd is missing outside CI (the reason is printed).
    fn start(mode: &str) -> anyhow::Result<Option<Sink>> {
        let available = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !available {
            let reason = "python3 with aiosmtpd is not installed (pip install aiosmtpd)";
            anyhow::ensure!(
                std::env::var("CI").as_deref() != Ok("true"),
                "the SMTP tests must run under CI: {reason}"
            );
            println!("SKIPPED: {reason}");
            return Ok(None);
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let dir = tempfile::tempdir()?;
        let mut child = Command::new("python3")
            .args(["-c", include_str!("smtp_sink.py"), mode, &port.to_string()])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            BufReader::new(out).read_line(&mut line)?;
        }
        if line.trim() != "READY" {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                e.read_to_string(&mut err)?;
            }
            let _ = child.kill();
            anyhow::bail!("the SMTP server did not start: {err}");
        }
        Ok(Some(Sink { child, dir, port }))
    }

    /// Messages the server took, in order.
    fn received(&self) -> anyhow::Result<Vec<Value>> {
        let mut out = Vec::new();
        for n in 1.. {
            let path = self.dir.path().join(format!("{n}.json"));
            if !path.exists() {
                break;
            }
            out.push(serde_json::from_str(&std::fs::read_to_string(path)?)?);
        }
        Ok(out)
    }

    /// Recipients offered to the server (every try counts).
    fn attempts(&self) -> u32 {
        read_number(&self.dir.path().join("attempts"))
    }
}

fn read_number(path: &Path) -> u32 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// A Parcours whose emails leave through `url`, from the operator's own address.
async fn app_with_relay(url: &str) -> anyhow::Result<TestApp> {
    let mail = MailSettings::from_config(
        Some(url),
        Some("contact@avenir.example"),
        Some("Mission Avenir"),
    )
    .map_err(anyhow::Error::msg)?;
    TestApp::spawn_with(|config| config.mail = mail).await
}

/// The coach asks for a sign-in link on the public page.
async fn ask_for_sign_in_link(t: &TestApp) -> TestResult {
    let browser = t.client()?;
    let answer = browser
        .submit("/connexion", "/connexion", &[("email", COACH)])
        .await;
    assert_eq!(answer.status_code(), StatusCode::OK);
    Ok(())
}

/// Where the demo operator's emails stand, as stored.
async fn statuses(t: &TestApp) -> anyhow::Result<Vec<Delivery>> {
    Ok(deliveries::recent(t.app.db(), TenantScope::of(t.world.operator_id), 50).await?)
}

#[tokio::test]
async fn a_sign_in_link_reaches_the_smtp_server_and_signs_in() -> TestResult {
    let Some(sink) = Sink::start("accept")? else {
        return Ok(());
    };
    let t = app_with_relay(&format!("smtp://parcours:s3cret@127.0.0.1:{}", sink.port)).await?;
    ask_for_sign_in_link(&t).await?;

    // Queued, not written to the outbox, not sent before the worker runs.
    assert!(t.sent_emails().is_empty(), "nothing goes to the outbox");
    let queued = statuses(&t).await?;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].status, "queued");
    assert!(sink.received()?.is_empty());

    t.app.run_due_jobs(t.app.now()).await?;
    let received = sink.received()?;
    assert_eq!(received.len(), 1, "{received:?}");
    let mail = &received[0];
    assert_eq!(
        mail["login"], "parcours",
        "authenticated with the URL's credentials"
    );
    assert_eq!(mail["mail_from"], "contact@avenir.example");
    assert_eq!(mail["rcpt_tos"][0], COACH);
    assert_eq!(mail["from"], "Mission Avenir <contact@avenir.example>");
    assert_eq!(mail["to"], COACH);
    assert!(
        mail["subject"]
            .as_str()
            .is_some_and(|s| s.contains("Parcours")),
        "{mail}"
    );
    assert_eq!(mail["content_type"], "multipart/alternative");
    let text = mail["text"].as_str().unwrap_or_default();
    let html = mail["html"].as_str().unwrap_or_default();
    assert!(
        text.contains("Pour entrer dans Parcours sans mot de passe"),
        "{text}"
    );
    let token = crate::link_token(text, "http://parcours.test/connexion/")?;
    assert_eq!(token.len(), 64, "{text}");
    let link = format!("http://parcours.test/connexion/{token}");
    assert!(
        html.contains(&format!("<a href=\"{link}\">{link}</a>")),
        "{html}"
    );

    // The link works.
    let browser = t.client()?;
    let path = format!("/connexion/{token}");
    let answer = browser.submit(&path, &path, &[]).await;
    assert_eq!(answer.status_code(), StatusCode::SEE_OTHER);

    let sent = statuses(&t).await?;
    assert_eq!(sent[0].status, SENT);
    assert_eq!(sent[0].attempts, 1);
    assert!(sent[0].sent_at.is_some());
    assert!(
        sent[0].message.is_none(),
        "the message (and its link) is not kept"
    );
    let reply = sent[0].last_reply.clone().unwrap_or_default();
    assert!(
        reply.starts_with("250 ") && reply.contains("TEST1"),
        "{reply}"
    );

    // The administrator sees it; a coach does not.
    let admin = t.login_as(ADMIN).await?;
    let page = admin.server.get("/home").await.text();
    assert!(
        page.contains("href=\"/admin/courriels\""),
        "linked from the admin's home"
    );
    let page = admin.server.get("/admin/courriels").await;
    assert_eq!(page.status_code(), StatusCode::OK);
    let page = page.text();
    assert!(
        page.contains(&format!("smtp://127.0.0.1:{}", sink.port)),
        "{page}"
    );
    assert!(
        !page.contains("s3cret"),
        "the relay's password is never shown"
    );
    assert!(
        page.contains(COACH) && page.contains("Envoyé") && page.contains("TEST1"),
        "{page}"
    );
    let coach = t.login_as(COACH).await?;
    assert_eq!(
        coach.server.get("/admin/courriels").await.status_code(),
        StatusCode::FORBIDDEN
    );
    Ok(())
}

#[tokio::test]
async fn a_refusal_is_recorded_with_the_reply_and_not_retried() -> TestResult {
    let Some(sink) = Sink::start("refuse")? else {
        return Ok(());
    };
    let t = app_with_relay(&format!("smtp://127.0.0.1:{}", sink.port)).await?;
    ask_for_sign_in_link(&t).await?;
    t.app.run_due_jobs(t.app.now()).await?;
    assert_eq!(sink.attempts(), 1);
    let refused = statuses(&t).await?;
    assert_eq!(refused[0].status, REFUSED);
    let reply = refused[0].last_reply.clone().unwrap_or_default();
    assert!(
        reply.contains("550") && reply.contains("Mailbox unavailable"),
        "{reply}"
    );

    // Hours later, nothing was tried again and no job waits or died.
    t.app.clock().advance_ms(7 * 3600 * 1000);
    t.app.run_due_jobs(t.app.now()).await?;
    assert_eq!(sink.attempts(), 1, "a 5xx refusal is not retried");
    assert!(sink.received()?.is_empty());
    let admin = t.login_as(ADMIN).await?;
    let jobs = admin.server.get("/api/v1/admin/jobs").await.json::<Value>();
    assert_eq!(jobs["troubled"].as_array().map(Vec::len), Some(0), "{jobs}");
    let page = admin.server.get("/admin/courriels").await.text();
    assert!(
        page.contains("Refusé") && page.contains("Mailbox unavailable"),
        "{page}"
    );
    Ok(())
}

#[tokio::test]
async fn a_temporary_failure_is_retried_after_a_while_then_sent() -> TestResult {
    let Some(sink) = Sink::start("busy-once")? else {
        return Ok(());
    };
    let t = app_with_relay(&format!("smtp://127.0.0.1:{}", sink.port)).await?;
    ask_for_sign_in_link(&t).await?;
    let report = t.app.run_due_jobs(t.app.now()).await?;
    assert_eq!(report.retried, 1, "{report:?}");
    let waiting = statuses(&t).await?;
    assert_eq!(waiting[0].status, RETRYING);
    assert!(waiting[0].message.is_some(), "kept for the next try");
    assert!(
        waiting[0]
            .last_reply
            .as_deref()
            .unwrap_or_default()
            .contains("451"),
        "{waiting:?}"
    );
    // The job's error, seen on the jobs page and in logs, names no address.
    let admin = t.login_as(ADMIN).await?;
    let jobs = admin.server.get("/api/v1/admin/jobs").await.json::<Value>();
    let error = jobs["troubled"][0]["last_error"]
        .as_str()
        .unwrap_or_default();
    assert!(error.contains("451") && !error.contains('@'), "{jobs}");

    // Not before the backoff; after it, sent.
    t.app.run_due_jobs(t.app.now()).await?;
    assert_eq!(sink.attempts(), 1);
    t.app
        .clock()
        .advance_ms(parcours_app::jobs::backoff_ms(1) + 1000);
    t.app.run_due_jobs(t.app.now()).await?;
    assert_eq!(sink.attempts(), 2);
    assert_eq!(sink.received()?.len(), 1);
    let sent = statuses(&t).await?;
    assert_eq!((sent[0].status.as_str(), sent[0].attempts), (SENT, 2));
    Ok(())
}
