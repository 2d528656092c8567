//! SMS through a real gateway (issue 29, item 1). With `PARCOURS_SMS_URL` set, an SMS
//! is queued, handed by the worker to Kannel's `smsbox` (`sendsms`), routed by
//! `bearerbox` to Kannel's `fakesmsc` (the phones), and Kannel's delivery report comes
//! back to Parcours over HTTP: the administrator sees it delivered, or failed. A phone
//! answering STOP goes through Kannel's incoming-message callback. Kannel is started
//! on loopback by `kannel_gateway.py`; without it (Debian's `kannel` and
//! `kannel-extras`) those tests are skipped with the reason printed, and fail under
//! `CI=true`. The rules (numbers, quiet hours, daily cap, STOP) are also tested
//! without Kannel, with SMS written to the outbox.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use axum_test::http::StatusCode;
use parcours_app::sms::SmsSettings;
use parcours_db::TenantScope;
use parcours_db::repo::installation::sms::{self as messages, SmsRow};
use parcours_domain::appointment::{from_paris_local, paris_local};
use parcours_test_support::{Client, TestApp};
use serde_json::Value;

use crate::TestResult;

const ADMIN: &str = "admin@demo.parcours.test";
const COACH: &str = "coach@demo.parcours.test";
const USER: &str = "parcours";
const PASSWORD: &str = "s3cret";
/// Numbers Kannel's test configuration can't route: refused, reported failed.
const DENIED: &str = "+33699";

fn kannel_installed() -> bool {
    Path::new("/usr/sbin/bearerbox").exists()
        && Path::new("/usr/sbin/smsbox").exists()
        && Path::new("/usr/lib/kannel/test/fakesmsc").exists()
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// bearerbox + smsbox + fakesmsc, stopped when dropped.
struct Kannel {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    dir: tempfile::TempDir,
}

impl Drop for Kannel {
    fn drop(&mut self) {
        // End of input: the helper stops its processes.
        drop(self.stdin.take());
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Kannel {
    /// `None` when Kannel is missing outside CI (the reason is printed).
    fn start(sendsms_port: u16, parcours_port: u16) -> anyhow::Result<Option<Kannel>> {
        let python = Command::new("python3")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !kannel_installed() || !python {
            let reason = "Kannel is not installed (apt-get install kannel kannel-extras) or python3 is missing";
            anyhow::ensure!(
                std::env::var("CI").as_deref() != Ok("true"),
                "the SMS gateway tests must run under CI: {reason}"
            );
            println!("SKIPPED: {reason}");
            return Ok(None);
        }
        let dir = tempfile::tempdir()?;
        let mut child = Command::new("python3")
            .args(["-c", include_str!("kannel_gateway.py")])
            .arg(dir.path())
            .arg(sendsms_port.to_string())
            .arg(format!("http://127.0.0.1:{parcours_port}"))
            .args([USER, PASSWORD, DENIED])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.path().join("helper.err"))?)
            .spawn()?;
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(
            child
                .stdout
                .take()
                .ok_or_else(|| anyhow::anyhow!("no stdout"))?,
        );
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        let kannel = Kannel {
            child,
            stdin,
            stdout,
            dir,
        };
        if line.trim() != "READY" {
            anyhow::bail!("Kannel did not start: {line}\n{}", kannel.logs());
        }
        Ok(Some(kannel))
    }

    /// A phone sends `text` to the operator's number.
    fn phone_sends(&mut self, from: &str, text: &str) -> anyhow::Result<()> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| anyhow::anyhow!("Kannel stopped"))?;
        writeln!(stdin, "MO {from} 36180 {text}")?;
        stdin.flush()?;
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        anyhow::ensure!(line.trim() == "OK", "{line}");
        Ok(())
    }

    /// Messages the phones received, in order.
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

    /// The processes' logs, for a failure's message.
    fn logs(&self) -> String {
        ["bearerbox.log", "smsbox.log", "kannel.out", "helper.err"]
            .iter()
            .map(|name| {
                let text = std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(40).collect();
                format!(
                    "--- {name}\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A Parcours whose SMS leave through Kannel on `sendsms_port`, reports coming back
/// to `parcours_port`.
async fn app_with_gateway(sendsms_port: u16, parcours_port: u16) -> anyhow::Result<TestApp> {
    let sms = SmsSettings::from_config(
        Some(&format!("http://127.0.0.1:{sendsms_port}/cgi-bin/sendsms")),
        Some(USER),
        Some(PASSWORD),
        Some("Avenir"),
        Some(&format!("http://127.0.0.1:{parcours_port}")),
    )
    .map_err(anyhow::Error::msg)?;
    let t = TestApp::spawn_with(|config| config.sms = sms).await?;
    at_paris_hour(&t, 10);
    Ok(t)
}

/// Moves the application's clock to the next `hour`:00 in Paris.
fn at_paris_hour(t: &TestApp, hour: u8) {
    let now = t.app.now();
    let local = paris_local(now);
    let mut day = local.date();
    loop {
        let at = from_paris_local(time::PrimitiveDateTime::new(
            day,
            time::Time::from_hms(hour, 0, 0).unwrap(),
        ));
        if at > now {
            t.app.clock().advance_ms(at - now);
            return;
        }
        day = day.next_day().unwrap();
    }
}

/// The demo operator's SMS, newest first.
async fn statuses(t: &TestApp) -> anyhow::Result<Vec<SmsRow>> {
    Ok(messages::recent(t.app.db(), TenantScope::of(t.world.operator_id), 50).await?)
}

/// Waits (up to 20 s) until `check` holds, letting the server answer Kannel meanwhile.
async fn eventually<F, Fut>(what: &str, kannel: &Kannel, mut check: F) -> TestResult
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    for _ in 0..200 {
        if check().await? {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("timed out waiting for {what}\n{}", kannel.logs())
}

async fn send_test(admin: &Client, phone: &str) -> axum_test::TestResponse {
    admin
        .post_form("/admin/sms/essai", &[("phone", phone)])
        .await
}

/// Kannel, and a Parcours that reaches it, serving its callbacks on a known port.
async fn gateway() -> anyhow::Result<Option<(Kannel, TestApp, Client)>> {
    if !kannel_installed() && std::env::var("CI").as_deref() != Ok("true") {
        println!("SKIPPED: Kannel is not installed (apt-get install kannel kannel-extras)");
        return Ok(None);
    }
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let parcours_port = listener.local_addr()?.port();
    let sendsms_port = free_port()?;
    let t = app_with_gateway(sendsms_port, parcours_port).await?;
    let callbacks = t.client_on(listener)?;
    let Some(kannel) = Kannel::start(sendsms_port, parcours_port)? else {
        return Ok(None);
    };
    Ok(Some((kannel, t, callbacks)))
}

#[tokio::test]
async fn an_sms_reaches_the_phone_through_kannel_and_is_reported_delivered() -> TestResult {
    let Some((kannel, t, _callbacks)) = gateway().await? else {
        return Ok(());
    };
    let admin = t.login_as(ADMIN).await?;
    let answer = send_test(&admin, "06 12 34 56 78").await;
    assert_eq!(answer.status_code(), StatusCode::SEE_OTHER);
    let queued = statuses(&t).await?;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].status, "queued");
    assert_eq!(queued[0].recipient, "+33612345678");
    assert!(
        kannel.received()?.is_empty(),
        "nothing leaves before the worker"
    );
    assert!(
        !t.outbox.join(format!("{}.sms", queued[0].id)).exists(),
        "nothing goes to the outbox"
    );

    t.app.run_due_jobs(t.app.now()).await?;
    eventually("the phone to receive the SMS", &kannel, || async {
        Ok(!kannel.received()?.is_empty())
    })
    .await?;
    let received = kannel.received()?;
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0]["to"], "+33612345678");
    assert_eq!(received[0]["from"], "Avenir");
    let text = received[0]["text"].as_str().unwrap_or_default();
    assert!(text.contains("message d'essai"), "{text}");

    // Kannel's report comes back: taken by the operator (8), then delivered (1).
    eventually("the delivery report", &kannel, || async {
        Ok(statuses(&t).await?[0].status == "delivered")
    })
    .await?;
    let row = &statuses(&t).await?[0];
    assert_eq!(row.attempts, 1);
    assert!(row.sent_at.is_some() && row.delivered_at.is_some());
    assert!(row.body.is_none(), "the text is not kept once sent");
    assert!(
        row.last_reply
            .as_deref()
            .is_some_and(|r| r.starts_with("DLR 1")),
        "{row:?}"
    );

    // The administrator sees it; a coach does not.
    let home = admin.server.get("/home").await.text();
    assert!(
        home.contains("href=\"/admin/sms\""),
        "linked from the admin's home"
    );
    let page = admin.server.get("/admin/sms").await;
    assert_eq!(page.status_code(), StatusCode::OK);
    let page = page.text();
    assert!(
        page.contains("06 12 34 56 78") && page.contains("Reçu"),
        "{page}"
    );
    assert!(
        page.contains("/cgi-bin/sendsms") && !page.contains(PASSWORD),
        "{page}"
    );
    let coach = t.login_as(COACH).await?;
    assert_eq!(
        coach.server.get("/admin/sms").await.status_code(),
        StatusCode::FORBIDDEN
    );
    Ok(())
}

#[tokio::test]
async fn a_message_the_network_refuses_is_shown_failed_and_not_retried() -> TestResult {
    let Some((kannel, t, _callbacks)) = gateway().await? else {
        return Ok(());
    };
    let admin = t.login_as(ADMIN).await?;
    assert_eq!(
        send_test(&admin, "06 99 12 34 56").await.status_code(),
        StatusCode::SEE_OTHER
    );
    t.app.run_due_jobs(t.app.now()).await?;
    let row = &statuses(&t).await?[0];
    assert_eq!(row.status, "failed", "{row:?}");
    assert_eq!(row.attempts, 1);
    // Kannel's answer (403 Not routable) or its failure report (16), whichever came first.
    let reply = row.last_reply.clone().unwrap_or_default();
    assert!(
        reply.contains("Not routable") || reply.starts_with("DLR 16"),
        "{reply}"
    );
    // Hours later: not tried again, no job waits or died, nothing reached a phone.
    t.app.clock().advance_ms(3 * 3600 * 1000);
    let report = t.app.run_due_jobs(t.app.now()).await?;
    assert_eq!((report.retried, report.dead), (0, 0), "{report:?}");
    assert!(kannel.received()?.is_empty());
    let page = admin.server.get("/admin/sms").await.text();
    assert!(
        page.contains("06 99 12 34 56") && page.contains("Échec"),
        "{page}"
    );
    Ok(())
}

#[tokio::test]
async fn a_phone_answering_stop_through_kannel_gets_no_more_sms() -> TestResult {
    let Some((mut kannel, t, _callbacks)) = gateway().await? else {
        return Ok(());
    };
    kannel.phone_sends("+33612345678", "STOP")?;
    eventually("the STOP to reach Parcours", &kannel, || async {
        Ok(messages::is_opted_out(t.app.db(), "+33612345678").await?)
    })
    .await?;
    let admin = t.login_as(ADMIN).await?;
    let answer = send_test(&admin, "06 12 34 56 78").await;
    assert_eq!(answer.header("location"), "/admin/sms?done=not_sent");
    t.app.run_due_jobs(t.app.now()).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(kannel.received()?.is_empty(), "{:?}", kannel.received()?);
    let row = &statuses(&t).await?[0];
    assert_eq!((row.status.as_str(), row.attempts), ("failed", 0));
    let page = admin.server.get("/admin/sms").await.text();
    assert!(page.contains("a répondu STOP"), "{page}");
    // Another number still receives.
    send_test(&admin, "07 81 23 45 67").await;
    t.app.run_due_jobs(t.app.now()).await?;
    eventually("the other phone to receive", &kannel, || async {
        Ok(kannel.received()?.len() == 1)
    })
    .await?;
    assert_eq!(kannel.received()?[0]["to"], "+33781234567");
    Ok(())
}

// Without Kannel: the rules, with SMS written to the outbox.

async fn outbox_app() -> anyhow::Result<TestApp> {
    let t = TestApp::spawn().await?;
    at_paris_hour(&t, 10);
    Ok(t)
}

fn outbox_sms(t: &TestApp) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(&t.outbox) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "sms"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect()
}

#[tokio::test]
async fn french_numbers_are_normalised_and_others_refused_naming_the_field() -> TestResult {
    let t = outbox_app().await?;
    let admin = t.login_as(ADMIN).await?;
    for raw in ["06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678"] {
        let answer = send_test(&admin, raw).await;
        assert_eq!(answer.status_code(), StatusCode::SEE_OTHER, "{raw}");
    }
    let rows = statuses(&t).await?;
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter().all(|r| r.recipient == "+33612345678"),
        "{rows:?}"
    );

    let answer = send_test(&admin, "01 23 45 67 89").await;
    assert_eq!(answer.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = answer.text();
    assert!(
        page.contains("href=\"#phone\"") && page.contains("pas un portable"),
        "{page}"
    );
    let answer = send_test(&admin, "06 12").await;
    assert_eq!(answer.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.text().contains("pas valide"));

    // Abroad: refused until the operator enables it.
    let answer = send_test(&admin, "+32 470 12 34 56").await;
    assert_eq!(answer.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.text().contains("pas français"));
    let saved = admin
        .post_form(
            "/admin/sms/regles",
            &[("abroad_allowed", "1"), ("daily_cap", "3")],
        )
        .await;
    assert_eq!(saved.header("location"), "/admin/sms?done=rules");
    assert_eq!(
        send_test(&admin, "+32 470 12 34 56").await.status_code(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(statuses(&t).await?[0].recipient, "+32470123456");
    // A cap out of range names its field.
    let refused = admin
        .post_form("/admin/sms/regles", &[("daily_cap", "500")])
        .await;
    assert_eq!(refused.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("entre 1 et 20"));

    // Written to the outbox by the worker.
    t.app.run_due_jobs(t.app.now()).await?;
    let written = outbox_sms(&t);
    assert_eq!(written.len(), 4, "{written:?}");
    assert!(written.iter().any(|s| s.starts_with("To: +32470123456\n")));
    assert!(statuses(&t).await?.iter().all(|r| r.status == "sent"));
    Ok(())
}

#[tokio::test]
async fn nothing_leaves_at_night_the_sms_waits_for_eight() -> TestResult {
    let t = TestApp::spawn().await?;
    at_paris_hour(&t, 22);
    let admin = t.login_as(ADMIN).await?;
    assert_eq!(
        send_test(&admin, "06 12 34 56 78").await.status_code(),
        StatusCode::SEE_OTHER
    );
    let row = statuses(&t).await?[0].clone();
    assert_eq!(row.status, "queued");
    let wait = row.send_after - row.created_at;
    assert!(
        wait > (9 * 60 + 59) * 60 * 1000 && wait <= 10 * 3600 * 1000,
        "{row:?}"
    );
    let leaves = paris_local(row.send_after);
    assert_eq!((leaves.hour(), leaves.minute()), (8, 0));
    let page = admin.server.get("/admin/sms").await.text();
    assert!(page.contains("Part le"), "{page}");

    // At 23:00 and at 07:59, still nothing.
    t.app.clock().advance_ms(3600 * 1000);
    t.app.run_due_jobs(t.app.now()).await?;
    t.app.clock().advance_ms(8 * 3600 * 1000 + 59 * 60 * 1000);
    t.app.run_due_jobs(t.app.now()).await?;
    assert!(outbox_sms(&t).is_empty());
    assert_eq!(statuses(&t).await?[0].status, "queued");
    // At 08:00 it leaves.
    t.app.clock().advance_ms(60 * 1000);
    t.app.run_due_jobs(t.app.now()).await?;
    assert_eq!(outbox_sms(&t).len(), 1);
    assert_eq!(statuses(&t).await?[0].status, "sent");
    Ok(())
}

#[tokio::test]
async fn a_number_gets_at_most_the_daily_cap_then_again_the_next_day() -> TestResult {
    let t = outbox_app().await?;
    let admin = t.login_as(ADMIN).await?;
    let saved = admin
        .post_form("/admin/sms/regles", &[("daily_cap", "2")])
        .await;
    assert_eq!(saved.status_code(), StatusCode::SEE_OTHER);
    for _ in 0..2 {
        let answer = send_test(&admin, "06 12 34 56 78").await;
        assert_eq!(answer.header("location"), "/admin/sms?done=queued");
    }
    let third = send_test(&admin, "06 12 34 56 78").await;
    assert_eq!(third.header("location"), "/admin/sms?done=not_sent");
    // Another number is not affected.
    let other = send_test(&admin, "07 81 23 45 67").await;
    assert_eq!(other.header("location"), "/admin/sms?done=queued");
    let rows = statuses(&t).await?;
    let capped: Vec<&SmsRow> = rows.iter().filter(|r| r.status == "failed").collect();
    assert_eq!(capped.len(), 1, "{rows:?}");
    assert_eq!(capped[0].last_reply.as_deref(), Some("daily_cap"));
    let page = admin.server.get("/admin/sms").await.text();
    assert!(page.contains("assez de SMS aujourd"), "{page}");
    t.app.run_due_jobs(t.app.now()).await?;
    assert_eq!(outbox_sms(&t).len(), 3);

    // The next day (Paris time), the number may receive again.
    t.app.clock().advance_days(1);
    let admin = t.login_as(ADMIN).await?;
    let next = send_test(&admin, "06 12 34 56 78").await;
    assert_eq!(next.header("location"), "/admin/sms?done=queued");
    Ok(())
}

/// A Parcours with a gateway configured that is never reached: the callbacks alone.
async fn app_with_unreachable_gateway() -> anyhow::Result<TestApp> {
    let port = free_port()?;
    let sms = SmsSettings::from_config(
        Some(&format!("http://127.0.0.1:{port}/cgi-bin/sendsms")),
        Some(USER),
        Some(PASSWORD),
        None,
        None,
    )
    .map_err(anyhow::Error::msg)?;
    let t = TestApp::spawn_with(|config| config.sms = sms).await?;
    at_paris_hour(&t, 10);
    Ok(t)
}

fn basic(user: &str, password: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{user}:{password}").into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    format!("Basic {out}")
}

#[tokio::test]
async fn stop_needs_the_gateway_credentials_and_stops_every_sms_after() -> TestResult {
    let t = app_with_unreachable_gateway().await?;
    let client = t.client()?;
    let path = "/sms/mo?from=%2B33612345678&text=Stop";
    // No credentials, wrong ones: refused, nothing recorded.
    let anonymous = client.server.get(path).await;
    assert_eq!(anonymous.status_code(), StatusCode::UNAUTHORIZED);
    let wrong = client
        .server
        .get(path)
        .add_header("authorization", basic(USER, "guess"))
        .await;
    assert_eq!(wrong.status_code(), StatusCode::UNAUTHORIZED);
    assert!(!messages::is_opted_out(t.app.db(), "+33612345678").await?);
    // Any other word changes nothing.
    let hello = client
        .server
        .get("/sms/mo?from=%2B33612345678&text=Bonjour")
        .add_header("authorization", basic(USER, PASSWORD))
        .await;
    assert_eq!(hello.status_code(), StatusCode::OK);
    assert!(!messages::is_opted_out(t.app.db(), "+33612345678").await?);

    // A message queued before the STOP is not sent after it either.
    let admin = t.login_as(ADMIN).await?;
    assert_eq!(
        send_test(&admin, "06 12 34 56 78").await.header("location"),
        "/admin/sms?done=queued"
    );
    let stop = client
        .server
        .get(path)
        .add_header("authorization", basic(USER, PASSWORD))
        .await;
    assert_eq!(stop.status_code(), StatusCode::OK);
    assert!(stop.text().is_empty(), "nothing is sent back");
    assert!(messages::is_opted_out(t.app.db(), "+33612345678").await?);
    t.app.run_due_jobs(t.app.now()).await?;
    let row = &statuses(&t).await?[0];
    assert_eq!(row.status, "failed");
    assert_eq!(row.last_reply.as_deref(), Some("stop"));
    let later = send_test(&admin, "+33 6 12 34 56 78").await;
    assert_eq!(later.header("location"), "/admin/sms?done=not_sent");

    // Without a gateway there is no incoming route to call.
    let plain = TestApp::spawn().await?;
    let answer = plain
        .client()?
        .server
        .get(path)
        .add_header("authorization", basic(USER, PASSWORD))
        .await;
    assert_eq!(answer.status_code(), StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn a_delivery_report_needs_the_secret_of_its_own_message() -> TestResult {
    let t = app_with_unreachable_gateway().await?;
    let admin = t.login_as(ADMIN).await?;
    send_test(&admin, "06 12 34 56 78").await;
    let row = statuses(&t).await?[0].clone();
    let client = t.client()?;
    for query in ["", "?status=1", "?token=&status=1", "?token=00ff&status=1"] {
        let answer = client
            .server
            .get(&format!("/sms/dlr/{}{query}", row.id))
            .await;
        assert!(
            matches!(answer.status_code().as_u16(), 404 | 422),
            "{query}: {}",
            answer.status_code()
        );
    }
    let unknown = client
        .server
        .get("/sms/dlr/not-an-id?token=x&status=1")
        .await;
    assert_eq!(unknown.status_code(), StatusCode::NOT_FOUND);
    assert_eq!(statuses(&t).await?[0].status, "queued");

    // The gateway out of reach: the job is retried, the row waits, then fails.
    let report = t.app.run_due_jobs(t.app.now()).await?;
    assert_eq!(report.retried, 1, "{report:?}");
    let waiting = statuses(&t).await?[0].clone();
    assert_eq!((waiting.status.as_str(), waiting.attempts), ("queued", 1));
    assert!(waiting.body.is_some(), "kept for the next try");
    assert!(
        waiting
            .last_reply
            .as_deref()
            .is_some_and(|r| r.starts_with("unreachable")),
        "{waiting:?}"
    );
    for attempt in 1..parcours_app::jobs::MAX_ATTEMPTS {
        t.app
            .clock()
            .advance_ms(parcours_app::jobs::backoff_ms(attempt) + 1000);
        t.app.run_due_jobs(t.app.now()).await?;
    }
    let given_up = statuses(&t).await?[0].clone();
    assert_eq!(given_up.status, "failed", "{given_up:?}");
    assert!(given_up.body.is_none());
    Ok(())
}
