//! Test kit: a real Parcours (router, database, demo world) per test, on SQLite by
//! default or PostgreSQL when `TEST_DATABASE_URL=postgres://…` is set (each test
//! then gets its own database, dropped afterwards).

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum_test::TestServer;
use parcours_app::demo::{DEMO_PASSWORD, DemoWorld};
use parcours_app::{App, AppConfig};
use parcours_web::AppState;
use sea_orm::ConnectionTrait;

pub use axum_test;

mod builders;

/// A database made for one test; removed when dropped.
enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Dropping runs outside the test's runtime, so use a small one of its own.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    if let Ok(conn) = parcours_db::connect(&admin_url).await {
                        let _ = conn
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                        let _ = conn.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// Replaces the database name (the URL path) of a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_end..]
        .find('/')
        .map_or(base.len(), |i| authority_end + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

async fn create_database() -> anyhow::Result<(String, TestDb)> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let name = format!("parcours_t_{}", uuid::Uuid::new_v4().simple());
            let admin = parcours_db::connect(&url).await?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await?;
            admin.close().await?;
            Ok((
                with_database(&url, &name),
                TestDb::Postgres {
                    admin_url: url,
                    name,
                },
            ))
        }
        Ok(url) if !url.is_empty() => {
            anyhow::bail!("TEST_DATABASE_URL must be postgres://…, got another scheme")
        }
        _ => {
            let dir = tempfile::tempdir()?;
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            Ok((url, TestDb::Sqlite(dir)))
        }
    }
}

/// The small hand-made reference set (3 fiches, 4 communes) the suite serves.
pub fn fixture_reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../catalog/tests/fixtures/ref")
}

/// Which backend the suite runs on, from the environment.
pub fn expected_backend() -> &'static str {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => "PostgreSQL",
        _ => "SQLite",
    }
}

pub struct TestApp {
    pub app: App,
    /// The test's own database, for processes started beside it.
    pub database_url: String,
    pub world: DemoWorld,
    pub outbox: PathBuf,
    state: AppState,
    _outbox_dir: tempfile::TempDir,
    _db: TestDb,
}

impl TestApp {
    /// A migrated database with the demo world, and the web application over it.
    pub async fn spawn() -> anyhow::Result<TestApp> {
        Self::spawn_with(|_| {}).await
    }

    /// The same, its settings changed first (an SMTP relay, a sender).
    pub async fn spawn_with(configure: impl FnOnce(&mut AppConfig)) -> anyhow::Result<TestApp> {
        Self::build(configure, true).await
    }

    /// A fresh install: a migrated database with the reference data and nothing else (no
    /// organisation, no account, no programme), as `parcours serve --no-demo` finds it.
    /// `world` names nothing there (nil ids, no logins).
    pub async fn spawn_empty() -> anyhow::Result<TestApp> {
        Self::build(|_| {}, false).await
    }

    async fn build(configure: impl FnOnce(&mut AppConfig), demo: bool) -> anyhow::Result<TestApp> {
        let (url, db_guard) = create_database().await?;
        let conn = parcours_db::connect(&url).await?;
        parcours_db::migrate(&conn).await?;
        let outbox_dir = tempfile::tempdir()?;
        let outbox = outbox_dir.path().to_path_buf();
        let mut config = AppConfig::new(outbox.clone(), "http://parcours.test".into());
        configure(&mut config);
        let app = App::new(conn, config)?;
        let world = if demo {
            app.seed_demo().await?
        } else {
            DemoWorld {
                logins: Vec::new(),
                operator_id: uuid::Uuid::nil(),
                other_operator_id: uuid::Uuid::nil(),
                other_tenant_person_id: uuid::Uuid::nil(),
                beneficiary_person_id: uuid::Uuid::nil(),
                programme_id: uuid::Uuid::nil(),
                cohort: Vec::new(),
            }
        };
        app.import_reference(&fixture_reference_dir()).await?;
        let state = AppState::new(app.clone());
        Ok(TestApp {
            app,
            database_url: url,
            world,
            outbox,
            state,
            _outbox_dir: outbox_dir,
            _db: db_guard,
        })
    }

    /// A browser of its own (own cookie jar) talking to the app over real HTTP.
    pub fn client(&self) -> anyhow::Result<Client> {
        let service = parcours_web::router(self.state.clone())
            .into_make_service_with_connect_info::<SocketAddr>();
        let server = TestServer::builder()
            .http_transport()
            .save_cookies()
            .try_build(service)?;
        Ok(Client {
            server,
            csrf: std::sync::Mutex::new(None),
        })
    }

    /// The same browser, served on `listener`: for a process that calls the
    /// application back at a known address (the SMS gateway's delivery reports).
    pub fn client_on(&self, listener: std::net::TcpListener) -> anyhow::Result<Client> {
        let service = parcours_web::router(self.state.clone())
            .into_make_service_with_connect_info::<SocketAddr>();
        let server = TestServer::builder()
            .http_transport_with_tcp_listener(listener)
            .save_cookies()
            .try_build(service)?;
        Ok(Client {
            server,
            csrf: std::sync::Mutex::new(None),
        })
    }

    /// A client signed in through the real login form, CSRF token included.
    pub async fn login_as(&self, email: &str) -> anyhow::Result<Client> {
        let client = self.client()?;
        let response = client.login(email, DEMO_PASSWORD).await;
        anyhow::ensure!(
            response.status_code() == 303,
            "login as {email} failed: {}",
            response.status_code()
        );
        Ok(client)
    }

    /// The emails written so far, quoted-printable decoded.
    pub fn sent_emails(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.outbox) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .map(|raw| decode_quoted_printable(&raw))
            .collect()
    }
}

/// Undoes quoted-printable soft line breaks and `=XX` escapes (what a mail reader does).
pub fn decode_quoted_printable(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub struct Client {
    pub server: TestServer,
    /// The session's CSRF token, read once from a page and kept until the next login.
    csrf: std::sync::Mutex<Option<String>>,
}

/// The CSRF token a page's forms carry.
pub fn csrf_token(html: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

impl Client {
    /// GETs a page and returns the CSRF token its forms carry.
    pub async fn token_from(&self, path: &str) -> String {
        let page = self.server.get(path).await;
        csrf_token(&page.text()).unwrap_or_default()
    }

    /// The token this client's state-changing requests carry: the session's once signed
    /// in (read from `/home`), the anonymous cookie's before (read from `/login`). Kept
    /// until [`Client::login`] or [`Client::forget_csrf`], since a session keeps its token.
    pub async fn csrf(&self) -> String {
        if let Some(token) = self.csrf.lock().ok().and_then(|c| c.clone()) {
            return token;
        }
        let mut token = self.token_from("/home").await;
        if token.is_empty() {
            token = self.token_from("/login").await;
        }
        if let Ok(mut cache) = self.csrf.lock() {
            *cache = Some(token.clone());
        }
        token
    }

    /// Reads the token from `page`'s forms and keeps it for the calls that follow (a race
    /// test warms it up so that its calls fire together without a page load each).
    pub async fn csrf_from(&self, page: &str) -> String {
        let token = self.token_from(page).await;
        if let Ok(mut cache) = self.csrf.lock() {
            *cache = Some(token.clone());
        }
        token
    }

    /// Drops the kept token (after a sign-out or anything else that changes the session).
    pub fn forget_csrf(&self) {
        if let Ok(mut cache) = self.csrf.lock() {
            *cache = None;
        }
    }

    /// POSTs a form with the `_csrf` field added, as the page's form would send it.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> axum_test::TestResponse {
        let token = self.csrf().await;
        let mut form: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        form.extend_from_slice(fields);
        let response = self.server.post(path).form(&form).await;
        if path.starts_with("/login") || path.starts_with("/logout") {
            // Signing in or out gives the client another session, with another token.
            self.forget_csrf();
        }
        response
    }

    /// POSTs a JSON body with the `X-CSRF-Token` header, as the API's clients send it.
    pub async fn post_json<J: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        body: &J,
    ) -> axum_test::TestResponse {
        let token = self.csrf().await;
        self.server
            .post(path)
            .add_header("x-csrf-token", token)
            .json(body)
            .await
    }

    /// PUTs a JSON body with the `X-CSRF-Token` header.
    pub async fn put_json<J: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        body: &J,
    ) -> axum_test::TestResponse {
        let token = self.csrf().await;
        self.server
            .put(path)
            .add_header("x-csrf-token", token)
            .json(body)
            .await
    }

    /// PATCHes a JSON body with the `X-CSRF-Token` header.
    pub async fn patch_json<J: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        body: &J,
    ) -> axum_test::TestResponse {
        let token = self.csrf().await;
        self.server
            .patch(path)
            .add_header("x-csrf-token", token)
            .json(body)
            .await
    }

    /// DELETEs with the `X-CSRF-Token` header.
    pub async fn delete(&self, path: &str) -> axum_test::TestResponse {
        let token = self.csrf().await;
        self.server
            .delete(path)
            .add_header("x-csrf-token", token)
            .await
    }

    /// Fills and submits the login form.
    pub async fn login(&self, email: &str, password: &str) -> axum_test::TestResponse {
        self.forget_csrf();
        let token = self.token_from("/login").await;
        self.server
            .post("/login")
            .form(&[
                ("_csrf", token.as_str()),
                ("email", email),
                ("password", password),
                ("next", ""),
            ])
            .await
    }

    /// Submits a form from `page` to `action`, with the page's CSRF token.
    pub async fn submit(
        &self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> axum_test::TestResponse {
        let token = self.token_from(page).await;
        let mut form: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        form.extend_from_slice(fields);
        self.server.post(action).form(&form).await
    }
}

/// Fires `n` calls at once and returns every result, in the order of `i`.
///
/// Each call runs as a task of its own and waits at a shared barrier until all `n` are
/// ready, so the requests reach the server together (over the real HTTP transport of
/// [`TestApp::client`], each on its own connection) and interleave inside the handlers;
/// on a multi-threaded test runtime they also run in parallel. Share a [`Client`] between
/// the calls through an `Arc`.
pub async fn concurrently<T, F, Fut>(n: usize, call: F) -> anyhow::Result<Vec<T>>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let gate = Arc::new(tokio::sync::Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let gate = Arc::clone(&gate);
            let fire = call(i);
            tokio::spawn(async move {
                gate.wait().await;
                fire.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for task in tasks {
        out.push(task.await?);
    }
    Ok(out)
}

/// How many responses came back with each status code, sorted by code: what a race
/// test asserts (e.g. one 201 and nineteen 422, never a 500).
pub fn status_counts(responses: &[axum_test::TestResponse]) -> Vec<(u16, usize)> {
    let mut counts = std::collections::BTreeMap::new();
    for r in responses {
        *counts.entry(r.status_code().as_u16()).or_insert(0) += 1;
    }
    counts.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_quoted_printable() {
        assert_eq!(
            decode_quoted_printable("http://x/ab=\r\ncd caf=C3=A9"),
            "http://x/abcd café"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_calls_all_start_before_any_finishes() -> anyhow::Result<()> {
        // Each call records that it started, then waits until all have: it only
        // returns if the helper really ran the calls together (a sequential runner would
        // hang on the first; the timeout turns that into a failure).
        let started = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let run = concurrently(8, |i| {
            let started = Arc::clone(&started);
            async move {
                started.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                while started.load(std::sync::atomic::Ordering::SeqCst) < 8 {
                    tokio::task::yield_now().await;
                }
                i
            }
        });
        let out = tokio::time::timeout(std::time::Duration::from_secs(10), run).await??;
        assert_eq!(out, (0..8).collect::<Vec<_>>());
        Ok(())
    }

    #[test]
    fn swaps_the_database_name() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
