//! The web shell: errors, languages, headers, health, metrics and the API description.

use axum_test::http::StatusCode;
use parcours_test_support::TestApp;

use crate::TestResult;

#[tokio::test]
async fn signed_out_visitors_are_sent_to_the_login_page() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let home = client.server.get("/home").await;
    home.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(home.header("location"), "/login?next=%2Fhome");
    let api = client.server.get("/api/v1/me").await;
    api.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(api.header("content-type"), "application/problem+json");
    Ok(())
}

#[tokio::test]
async fn login_honours_a_local_next_only() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let local = client
        .post_form(
            "/login",
            &[
                ("email", "coach@demo.parcours.test"),
                ("password", "parcours-demo"),
                ("next", "/api/v1/me"),
            ],
        )
        .await;
    assert_eq!(local.header("location"), "/api/v1/me");
    let other = t.client()?;
    let evil = other
        .post_form(
            "/login",
            &[
                ("email", "coach@demo.parcours.test"),
                ("password", "parcours-demo"),
                ("next", "//evil.example"),
            ],
        )
        .await;
    assert_eq!(evil.header("location"), "/home");
    Ok(())
}

#[tokio::test]
async fn the_api_describes_the_signed_in_user() -> TestResult {
    let t = TestApp::spawn().await?;
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let me = coach
        .server
        .get("/api/v1/me")
        .await
        .json::<serde_json::Value>();
    assert_eq!(me["role"], "coach");
    assert_eq!(me["email"], "coach@demo.parcours.test");
    assert_eq!(me["organisation"]["name"], "Cap Avenir Normandie");
    Ok(())
}

#[tokio::test]
async fn unknown_pages_get_a_helpful_localised_404() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let fr = client.server.get("/nulle-part").await;
    fr.assert_status(StatusCode::NOT_FOUND);
    assert!(fr.text().contains("Page introuvable") && fr.text().contains("Revenir à l"));
    let en = client
        .server
        .get("/nowhere")
        .add_header("accept-language", "en-GB,en;q=0.9")
        .await;
    assert!(en.text().contains("Page not found"));
    let api = client.server.get("/api/v1/nothing").await;
    api.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(api.header("content-type"), "application/problem+json");
    let wrong_method = client.server.delete("/login").await;
    wrong_method.assert_status(StatusCode::FORBIDDEN);
    Ok(())
}

#[tokio::test]
async fn the_language_switch_sets_a_cookie_and_returns_to_the_page() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    assert!(
        client
            .server
            .get("/login")
            .await
            .text()
            .contains("<html lang=\"fr\">")
    );
    let switch = client.server.get("/lang/en?next=/login").await;
    switch.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(switch.header("location"), "/login");
    let page = client.server.get("/login").await.text();
    assert!(
        page.contains("<html lang=\"en\">")
            && page.contains("Email address")
            && page.contains("Français")
    );
    client
        .server
        .get("/lang/xx")
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let back = client
        .server
        .get("/lang/fr?next=https://evil.example")
        .await;
    assert_eq!(back.header("location"), "/home");
    Ok(())
}

#[tokio::test]
async fn every_page_carries_the_security_headers() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    for path in ["/", "/login", "/nulle-part"] {
        let r = client.server.get(path).await;
        let csp = r.header("content-security-policy");
        let csp = csp.to_str()?;
        assert!(
            csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert_eq!(r.header("x-content-type-options"), "nosniff");
        assert_eq!(r.header("x-frame-options"), "DENY");
    }
    Ok(())
}

#[tokio::test]
async fn health_metrics_and_openapi_answer() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let health = client.server.get("/healthz").await;
    health.assert_status_ok();
    assert_eq!(health.text(), "ok");
    let live = client.server.get("/livez").await;
    live.assert_status_ok();
    assert_eq!(live.text(), "ok");
    // Without a configured token there are no metrics to read (see security.rs).
    let metrics = client.server.get("/metrics").await;
    assert_eq!(metrics.status_code(), 404);
    let spec = client
        .server
        .get("/api/v1/openapi.json")
        .await
        .json::<serde_json::Value>();
    assert!(spec["openapi"].as_str().is_some_and(|v| v.starts_with('3')));
    assert!(spec["paths"]["/api/v1/me"].is_object());
    assert!(spec["paths"]["/api/v1/beneficiaries/{id}"].is_object());
    Ok(())
}

#[tokio::test]
async fn migrations_are_idempotent() -> TestResult {
    let t = TestApp::spawn().await?;
    assert_eq!(parcours_db::migrate(t.app.db()).await?, 0);
    Ok(())
}
