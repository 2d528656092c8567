//! Web security around accounts: cookie flags and HSTS behind TLS, password hashing
//! parameters, the lockout notice, limits on reset links, and signing out everywhere.

use axum_test::TestServer;
use axum_test::http::StatusCode;
use parcours_app::demo::DEMO_PASSWORD;
use parcours_db::{ConnectionTrait, Statement};
use parcours_test_support::TestApp;
use parcours_web::AppState;

use crate::TestResult;

#[tokio::test]
async fn cookies_are_http_only_and_same_site_and_secure_with_hsts_behind_tls() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let login = client
        .login("coach@demo.parcours.test", DEMO_PASSWORD)
        .await;
    let cookie = login.header("set-cookie");
    let cookie = cookie.to_str()?;
    assert!(cookie.starts_with("parcours_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP (tests, local demo): {cookie}"
    );
    assert!(login.maybe_header("strict-transport-security").is_none());

    // The same application behind TLS: Secure cookies and HSTS on every answer.
    let state = AppState {
        secure_cookies: true,
        ..AppState::new(t.app.clone())
    };
    let server = TestServer::builder()
        .http_transport()
        .save_cookies()
        .try_build(
            parcours_web::router(state)
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )?;
    let page = server.get("/login").await;
    assert_eq!(
        page.header("strict-transport-security"),
        "max-age=31536000; includeSubDomains"
    );
    let anonymous = page.header("set-cookie");
    assert!(anonymous.to_str()?.contains("Secure"), "{anonymous:?}");
    let csp = page.header("content-security-policy");
    let csp = csp.to_str()?;
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(
        server
            .get("/livez")
            .await
            .header("strict-transport-security"),
        "max-age=31536000; includeSubDomains"
    );
    Ok(())
}

#[tokio::test]
async fn passwords_are_hashed_with_argon2id_at_the_owasp_parameters() -> TestResult {
    let t = TestApp::spawn().await?;
    let db = t.app.db();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT password_hash FROM users",
        ))
        .await?;
    assert!(!rows.is_empty());
    for row in rows {
        let hash: String = row.try_get("", "password_hash")?;
        // OWASP Password Storage Cheat Sheet: Argon2id, 19 MiB, 2 iterations, 1 lane.
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_blocked_account_is_told_once_by_email_and_strangers_learn_nothing() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let notices = |t: &TestApp, to: &str| {
        t.sent_emails()
            .iter()
            .filter(|e| e.contains("connexion est bloquée") && e.contains(to))
            .count()
    };
    for attempt in 1..=4 {
        client
            .login("coach@demo.parcours.test", "wrong-password")
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
        assert_eq!(
            notices(&t, "coach@demo.parcours.test"),
            0,
            "attempt {attempt}"
        );
    }
    // The fifth failure blocks the account and tells its holder.
    client
        .login("coach@demo.parcours.test", "wrong-password")
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(notices(&t, "coach@demo.parcours.test"), 1);
    let mail = t
        .sent_emails()
        .into_iter()
        .find(|e| e.contains("connexion est bloquée"))
        .unwrap_or_default();
    assert!(
        mail.contains("15 minutes") && mail.contains("/password/forgot"),
        "{mail}"
    );
    // Blocked: even the right password waits, and no second notice is sent.
    for _ in 0..3 {
        client
            .login("coach@demo.parcours.test", DEMO_PASSWORD)
            .await
            .assert_status(StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(notices(&t, "coach@demo.parcours.test"), 1);
    // An address without an account gets the same answers and no email is written.
    let before = t.sent_emails().len();
    for _ in 0..6 {
        let answer = client
            .login("personne@nowhere.example", "wrong-password")
            .await;
        assert!(matches!(answer.status_code().as_u16(), 401 | 429));
    }
    assert_eq!(t.sent_emails().len(), before);
    Ok(())
}

#[tokio::test]
async fn reset_links_are_limited_per_address_without_telling_who_has_an_account() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let mut answers = Vec::new();
    for email in ["coach@demo.parcours.test"; 5]
        .into_iter()
        .chain(["personne@nowhere.example"; 2])
    {
        let answer = client
            .submit("/password/forgot", "/password/forgot", &[("email", email)])
            .await;
        answer.assert_status_ok();
        answers.push(answer.text().replace(email, ""));
    }
    // The same page whatever the address, whatever the count.
    assert!(answers.windows(2).all(|w| w[0] == w[1]));
    let links = t
        .sent_emails()
        .iter()
        .filter(|e| e.contains("/password/reset/"))
        .count();
    assert_eq!(links, parcours_app::auth::RESET_REQUESTS_PER_HOUR as usize);
    Ok(())
}

#[tokio::test]
async fn signing_out_everywhere_ends_the_sessions_on_every_device() -> TestResult {
    let t = TestApp::spawn().await?;
    let phone = t.login_as("coach@demo.parcours.test").await?;
    let office = t.login_as("coach@demo.parcours.test").await?;
    let other = t.login_as("coach2@demo.parcours.test").await?;
    let home = office.server.get("/home").await.text();
    assert!(
        home.contains("action=\"/logout/everywhere\""),
        "a button on every page"
    );
    let out = office.submit("/home", "/logout/everywhere", &[]).await;
    out.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(out.header("location"), "/login?bye=all");
    let page = office.server.get("/login?bye=all").await.text();
    assert!(page.contains("déconnecté de tous vos appareils"), "{page}");
    for device in [&phone, &office] {
        let home = device.server.get("/home").await;
        home.assert_status(StatusCode::SEE_OTHER);
        assert!(home.header("location").to_str()?.starts_with("/login"));
    }
    // Another person's session is not touched.
    other.server.get("/home").await.assert_status_ok();
    Ok(())
}

#[tokio::test]
async fn the_api_refuses_malformed_bodies_in_json_as_it_documents() -> TestResult {
    let t = TestApp::spawn().await?;
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let person = crate::some_person_of_coach(&t).await?;
    let token = coach.token_from("/home").await;
    let notes = format!("/api/v1/beneficiaries/{person}/notes");
    // A field of the wrong type, a body that is not JSON, no content type at all.
    let wrong_type = coach
        .post_json(
            &notes,
            &serde_json::json!({"body": {}, "visibility": "private"}),
        )
        .await;
    assert_eq!(wrong_type.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        wrong_type.header("content-type"),
        "application/problem+json"
    );
    let problem = wrong_type.json::<serde_json::Value>();
    assert_eq!(problem["status"], 422);
    assert_eq!(problem["errors"][0]["field"], "body");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("body")),
        "{problem}"
    );
    let not_json = coach
        .server
        .post(&notes)
        .add_header("x-csrf-token", token.clone())
        .bytes("{not json".into())
        .content_type("application/json")
        .await;
    assert_eq!(not_json.status_code(), StatusCode::BAD_REQUEST);
    assert_eq!(not_json.header("content-type"), "application/problem+json");
    let untyped = coach
        .server
        .post(&notes)
        .add_header("x-csrf-token", token)
        .text("body=x")
        .await;
    assert_eq!(untyped.status_code(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(untyped.json::<serde_json::Value>()["status"], 415);
    // The OpenAPI document says so.
    let spec = coach.server.get("/api/v1/openapi.json").await.text();
    assert!(spec.contains("application/problem+json") && spec.contains("\"Problem\""));
    Ok(())
}

/// Rows of the tables free text goes to, to check that a refused request wrote nothing.
async fn text_rows(t: &TestApp) -> anyhow::Result<Vec<i64>> {
    let db = t.app.db();
    let mut counts = Vec::new();
    for table in ["notes", "journal_entries", "messages", "login_attempts"] {
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no count of {table}"))?;
        counts.push(row.try_get::<i64>("", "n")?);
    }
    Ok(counts)
}

/// The Unicode Cc characters other than LF, TAB and CR, from the C0 and C1 ranges.
const CONTROLS: [&str; 7] = [
    "\0", "\u{1}", "\u{8}", "\u{b}", "\u{1b}", "\u{7f}", "\u{85}",
];

/// A control character in any text field — a form of a page, a JSON body, a query, signed
/// in or not — is refused with an error naming the field, writes nothing, and is never a
/// 500 (PostgreSQL cannot store NUL: it was one; SQLite stored it).
#[tokio::test]
async fn control_characters_in_any_text_field_are_refused_by_name_and_write_nothing() -> TestResult
{
    let t = TestApp::spawn().await?;
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let me = t.login_as("beneficiaire@demo.parcours.test").await?;
    let anonymous = t.client()?;
    let person = crate::some_person_of_coach(&t).await?;
    let file = format!("/beneficiaries/{person}");
    let notes_api = format!("/api/v1/beneficiaries/{person}/notes");
    let before = text_rows(&t).await?;
    for control in CONTROLS {
        let text = format!("Rendez-vous{control} mardi");
        let form = coach
            .submit(&file, &format!("{file}/notes"), &[("body", &text)])
            .await;
        assert_eq!(
            form.status_code(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{control:?}"
        );
        let page = form.text();
        assert!(page.contains("« body »"), "{control:?}: {page}");
        let journal = me
            .submit(
                "/parcours/journal/nouveau",
                "/parcours/journal",
                &[("prompt", ""), ("body", "ok"), ("shared", &text)],
            )
            .await;
        assert_eq!(
            journal.status_code(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{control:?}"
        );
        let message = me
            .submit(
                "/parcours/messages",
                "/parcours/messages",
                &[("subject", &text), ("body", "bonjour")],
            )
            .await;
        assert_eq!(
            message.status_code(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{control:?}"
        );
        assert!(message.text().contains("« subject »"), "{control:?}");
        let login = anonymous.login(&text, "whatever-password").await;
        assert_eq!(
            login.status_code(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{control:?}"
        );
        for body in [
            serde_json::json!({"body": text, "visibility": "private"}),
            serde_json::json!({"visibility": "private", "body": "ok", text.clone(): "x"}),
        ] {
            let json = coach.post_json(&notes_api, &body).await;
            assert_eq!(
                json.status_code(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{control:?}"
            );
            assert_eq!(json.header("content-type"), "application/problem+json");
            let problem = json.json::<serde_json::Value>();
            assert_eq!(
                problem["errors"][0]["code"], "control_character",
                "{problem}"
            );
            assert!(
                problem["errors"][0]["field"] == "body"
                    || problem["errors"][0]["field"] == text.as_str(),
                "{problem}"
            );
        }
        let search = anonymous
            .server
            .get("/api/v1/occupations")
            .add_query_param("q", &text)
            .await;
        assert_eq!(
            search.status_code(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{control:?}"
        );
        assert_eq!(
            search.json::<serde_json::Value>()["errors"][0]["field"],
            "q"
        );
    }
    assert_eq!(
        text_rows(&t).await?,
        before,
        "a refused request wrote something"
    );
    Ok(())
}

/// A textarea's line breaks arrive as CR LF: stored as LF, like a lone CR; tabs, and
/// separators that are not controls (U+2028, no-break space), are ordinary text.
#[tokio::test]
async fn line_breaks_are_stored_as_lf_and_other_text_is_kept() -> TestResult {
    let t = TestApp::spawn().await?;
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let person = crate::some_person_of_coach(&t).await?;
    let file = format!("/beneficiaries/{person}");
    let notes_api = format!("/api/v1/beneficiaries/{person}/notes");
    let form = coach
        .submit(
            &file,
            &format!("{file}/notes"),
            &[("body", "Ligne 1\r\nLigne 2\rLigne\t3\u{2028}fin\u{a0}!")],
        )
        .await;
    assert_eq!(form.status_code(), StatusCode::SEE_OTHER);
    let json = coach
        .post_json(
            &notes_api,
            &serde_json::json!({"body": "A\r\nB", "visibility": "private"}),
        )
        .await;
    assert_eq!(json.status_code(), StatusCode::CREATED);
    let notes = coach
        .server
        .get(&notes_api)
        .await
        .json::<serde_json::Value>();
    let bodies: Vec<&str> = notes
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["body"].as_str())
        .collect();
    assert!(
        bodies.contains(&"Ligne 1\nLigne 2\nLigne\t3\u{2028}fin\u{a0}!"),
        "{bodies:?}"
    );
    assert!(bodies.contains(&"A\nB"), "{bodies:?}");
    Ok(())
}

/// `/metrics` is served only to the bearer of the configured token (compared in constant
/// time); without one configured it does not exist.
#[tokio::test]
async fn metrics_need_the_configured_bearer_token() -> TestResult {
    let t = TestApp::spawn().await?;
    let disabled = t.client()?.server.get("/metrics").await;
    assert_eq!(disabled.status_code(), StatusCode::NOT_FOUND);
    assert!(!disabled.text().contains("http_requests_total"));

    let state = AppState::new(t.app.clone()).with_metrics_token(Some("s3cret-metrics".into()));
    let server = TestServer::builder().http_transport().try_build(
        parcours_web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )?;
    server.get("/login").await.assert_status_ok();
    for refused in [
        None,
        Some("Bearer wrong"),
        Some("Bearer s3cret-metric"),
        Some("Bearer s3cret-metrics2"),
        Some("Basic s3cret-metrics"),
        Some("s3cret-metrics"),
        Some("Bearer "),
    ] {
        let mut request = server.get("/metrics");
        if let Some(value) = refused {
            request = request.add_header("authorization", value.to_owned());
        }
        let r = request.await;
        assert_eq!(r.status_code(), StatusCode::UNAUTHORIZED, "{refused:?}");
        assert_eq!(r.header("www-authenticate"), "Bearer realm=\"metrics\"");
        assert!(!r.text().contains("http_requests_total"), "{refused:?}");
    }
    let metrics = server
        .get("/metrics")
        .add_header("authorization", "Bearer s3cret-metrics")
        .await;
    metrics.assert_status_ok();
    let text = metrics.text();
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(text.contains("route=\"/login\""), "{text}");
    // An empty setting is no token: still disabled.
    let empty = AppState::new(t.app.clone()).with_metrics_token(Some("  ".into()));
    assert!(empty.metrics_token.is_none());
    Ok(())
}
