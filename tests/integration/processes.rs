//! Several processes over one database, as behind a load balancer: two `serve` and two
//! `worker`. Sessions live in the database, so a person signed in on one server is
//! signed in on the other and after a restart; each job is done by one worker only.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use parcours_test_support::TestApp;

use crate::TestResult;

/// A child process killed when the test ends, passing or not.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

pub fn parcours(t: &TestApp, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_parcours"));
    command
        .args(args)
        .env("PARCOURS_DATABASE_URL", &t.database_url)
        .env("PARCOURS_OUTBOX_DIR", &t.outbox)
        .env(
            "PARCOURS_REF_DIR",
            parcours_test_support::fixture_reference_dir(),
        )
        .env("PARCOURS_WORKER_POLL_MS", "100")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// One HTTP/1.1 exchange on a fresh connection (the suite has no client library for
/// other processes).
pub struct Reply {
    pub status: u16,
    pub cookies: Vec<String>,
    pub body: String,
}

pub fn http(
    port: u16,
    method: &str,
    path: &str,
    cookies: &[String],
    csrf: Option<&str>,
    form: Option<&str>,
) -> anyhow::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if !cookies.is_empty() {
        request.push_str(&format!("Cookie: {}\r\n", cookies.join("; ")));
    }
    if let Some(token) = csrf {
        request.push_str(&format!("X-CSRF-Token: {token}\r\n"));
    }
    let body = form.unwrap_or("");
    if form.is_some() {
        request.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no status in {head}"))?;
    let cookies = head
        .lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .filter_map(|c| c.split(';').next())
        .map(str::to_owned)
        .collect();
    // Chunked bodies keep their chunk sizes: fine for searching the text.
    Ok(Reply {
        status,
        cookies,
        body: body.to_owned(),
    })
}

pub fn start_server(t: &TestApp, port: u16) -> anyhow::Result<Running> {
    let bind = format!("127.0.0.1:{port}");
    let child = parcours(t, &["serve", "--bind", &bind, "--no-demo", "--no-worker"]).spawn()?;
    let running = Running(child);
    wait_until_up(port)?;
    Ok(running)
}

/// Waits for the server on `port` to answer its health check (a minute at most).
pub fn wait_until_up(port: u16) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if http(port, "GET", "/healthz", &[], None, None).is_ok_and(|r| r.status == 200) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    anyhow::bail!("the server on {port} did not start")
}

/// Fills the login form of the server on `form_port` and submits it to `to_port` (the
/// same server, or another sharing the database): the answer's status and the session
/// cookie it set.
pub fn submit_login(
    form_port: u16,
    to_port: u16,
    email: &str,
    password: &str,
) -> anyhow::Result<(u16, Vec<String>)> {
    let form = http(form_port, "GET", "/login", &[], None, None)?;
    let token = parcours_test_support::csrf_token(&form.body)
        .ok_or_else(|| anyhow::anyhow!("no token on the login page"))?;
    let reply = http(
        to_port,
        "POST",
        "/login",
        &form.cookies,
        None,
        Some(&form_encode(&[
            ("_csrf", &token),
            ("email", email),
            ("password", password),
            ("next", ""),
        ])),
    )?;
    let session = reply
        .cookies
        .into_iter()
        .filter(|c| c.starts_with("parcours_session="))
        .collect();
    Ok((reply.status, session))
}

/// Signs in with the demo password: the session cookie and the session's CSRF token.
pub fn sign_in(port: u16, email: &str) -> anyhow::Result<(Vec<String>, String)> {
    let (status, session) = submit_login(port, port, email, parcours_app::demo::DEMO_PASSWORD)?;
    anyhow::ensure!(status == 303, "sign-in as {email}: {status}");
    let home = http(port, "GET", "/home", &session, None, None)?;
    let csrf = parcours_test_support::csrf_token(&home.body)
        .ok_or_else(|| anyhow::anyhow!("no token on the home page"))?;
    Ok((session, csrf))
}

pub fn form_encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            let v: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test]
async fn two_servers_and_two_workers_share_sessions_and_do_each_job_once() -> TestResult {
    let t = TestApp::spawn().await?;
    let (port_a, port_b) = (free_port()?, free_port()?);
    let mut server_a = start_server(&t, port_a)?;
    let _server_b = start_server(&t, port_b)?;

    // The login form from A, submitted to B: the anonymous CSRF cookie and the session
    // are in the database, not in a process.
    let (status, session) = submit_login(
        port_a,
        port_b,
        "coach@demo.parcours.test",
        parcours_app::demo::DEMO_PASSWORD,
    )?;
    assert_eq!(status, 303);
    assert_eq!(session.len(), 1, "{session:?}");
    let home = http(port_a, "GET", "/home", &session, None, None)?;
    assert_eq!(home.status, 200);
    let csrf = parcours_test_support::csrf_token(&home.body)
        .ok_or_else(|| anyhow::anyhow!("no token on the home page"))?;
    assert!(home.body.contains("Camille"), "the coach's caseload");

    // A restarted server still knows the session.
    drop(server_a);
    server_a = start_server(&t, port_a)?;
    assert_eq!(
        http(port_a, "GET", "/home", &session, None, None)?.status,
        200
    );

    // Invitations asked on both servers queue one email job each, before any worker
    // runs (the demo person with an email address, invited again and again).
    let person = t.world.beneficiary_person_id;
    let mut emailed = 0;
    for i in 0..40 {
        let port = if i % 2 == 0 { port_a } else { port_b };
        let reply = http(
            port,
            "POST",
            &format!("/api/v1/beneficiaries/{person}/booking-invitations"),
            &session,
            Some(&csrf),
            Some(""),
        )?;
        assert_eq!(reply.status, 201, "{}", reply.body);
        if reply.body.contains("\"emailed\":true") {
            emailed += 1;
        }
    }
    assert_eq!(emailed, 40, "invitations emailed");

    // Two workers race for them.
    let workers = [
        Running(parcours(&t, &["worker"]).spawn()?),
        Running(parcours(&t, &["worker"]).spawn()?),
    ];
    let booking_emails = || {
        t.sent_emails()
            .iter()
            .filter(|e| e.contains("/rendez-vous/"))
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while booking_emails() < emailed && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A moment more: a job done twice would show as an extra email.
    tokio::time::sleep(Duration::from_secs(1)).await;
    drop(workers);
    drop(server_a);
    assert_eq!(
        booking_emails(),
        emailed,
        "each invitation emailed exactly once"
    );

    use parcours_db::ConnectionTrait;
    let db = t.app.db();
    let rows = db
        .query_all_raw(parcours_db::Statement::from_string(
            db.get_database_backend(),
            "SELECT status, attempts FROM jobs WHERE kind = 'email.booking_invitation'",
        ))
        .await?;
    assert_eq!(rows.len(), emailed);
    for row in rows {
        let status: String = row.try_get("", "status")?;
        let attempts: i32 = row.try_get("", "attempts")?;
        assert_eq!((status.as_str(), attempts), ("done", 1));
    }
    Ok(())
}
