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
        .server
        .post(&notes)
        .add_header("x-csrf-token", token.clone())
        .json(&serde_json::json!({"body": {}, "visibility": "private"}))
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
