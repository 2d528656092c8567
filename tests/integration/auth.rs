//! Signing in and out, CSRF, the rate limit, password reset.

use axum_test::http::StatusCode;
use parcours_app::demo::DEMO_PASSWORD;
use parcours_test_support::{TestApp, csrf_token};

use crate::TestResult;

#[tokio::test]
async fn coach_signs_in_through_the_form_and_lands_on_the_coach_home() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let login_page = client.server.get("/login").await;
    login_page.assert_status_ok();
    assert!(
        csrf_token(&login_page.text()).is_some_and(|t| t.len() == 64),
        "login form carries a CSRF token"
    );

    let response = client
        .login("coach@demo.parcours.test", DEMO_PASSWORD)
        .await;
    response.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(response.header("location"), "/home");
    let cookie = response.header("set-cookie");
    let cookie = cookie.to_str()?;
    assert!(
        cookie.starts_with("parcours_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
    );

    let home = client.server.get("/home").await;
    home.assert_status_ok();
    let html = home.text();
    assert!(html.contains("Bonjour Sophie Durand"));
    assert!(html.contains("Mes personnes accompagnées"));
    assert!(
        html.contains("(50 personnes)"),
        "the demo coach follows half of the 100 beneficiaries"
    );
    Ok(())
}

#[tokio::test]
async fn every_demo_role_signs_in_to_its_own_home() -> TestResult {
    let t = TestApp::spawn().await?;
    let expectations = [
        ("manager@demo.parcours.test", "Mes programmes"),
        ("admin@demo.parcours.test", "Comptes de la structure"),
        ("beneficiaire@demo.parcours.test", "Ma prochaine étape"),
        ("funder@demo.parcours.test", "Programmes financés"),
        (
            "referrer@demo.parcours.test",
            "Les personnes que vous avez orientées",
        ),
        ("employer@demo.parcours.test", "Espace employeur"),
    ];
    for (email, heading) in expectations {
        let client = t.login_as(email).await?;
        let home = client.server.get("/home").await;
        home.assert_status_ok();
        assert!(
            home.text().contains(heading),
            "{email} should see «{heading}»"
        );
    }
    Ok(())
}

#[tokio::test]
async fn wrong_password_is_refused_with_the_error_next_to_the_field() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let response = client
        .login("coach@demo.parcours.test", "not-the-password")
        .await;
    response.assert_status(StatusCode::UNAUTHORIZED);
    let html = response.text();
    assert!(html.contains("ne correspond pas"));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(
        html.contains("value=\"coach@demo.parcours.test\""),
        "what was typed is kept"
    );
    client
        .server
        .get("/home")
        .await
        .assert_status(StatusCode::SEE_OTHER);
    Ok(())
}

#[tokio::test]
async fn empty_fields_get_their_own_messages() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let response = client.login("", "").await;
    response.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text();
    assert!(html.contains("id=\"email-error\"") && html.contains("Indiquez votre adresse e-mail."));
    assert!(
        html.contains("id=\"password-error\"") && html.contains("Indiquez votre mot de passe.")
    );
    Ok(())
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    client.server.get("/login").await;
    let no_token = client
        .server
        .post("/login")
        .form(&[
            ("email", "coach@demo.parcours.test"),
            ("password", DEMO_PASSWORD),
        ])
        .await;
    no_token.assert_status(StatusCode::FORBIDDEN);
    assert!(no_token.text().contains("Le formulaire a expiré"));
    let wrong = client
        .server
        .post("/login")
        .form(&[
            ("_csrf", "0".repeat(64).as_str()),
            ("email", "coach@demo.parcours.test"),
            ("password", DEMO_PASSWORD),
        ])
        .await;
    wrong.assert_status(StatusCode::FORBIDDEN);

    // Signed in, a state change without the session's token is refused too.
    let coach = t.login_as("coach@demo.parcours.test").await?;
    coach
        .server
        .post("/logout")
        .form(&[("x", "1")])
        .await
        .assert_status(StatusCode::FORBIDDEN);
    coach.server.get("/home").await.assert_status_ok();
    Ok(())
}

#[tokio::test]
async fn a_cross_site_post_is_refused_even_with_a_token() -> TestResult {
    let t = TestApp::spawn().await?;
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let token = coach.token_from("/home").await;
    let response = coach
        .server
        .post("/logout")
        .add_header("sec-fetch-site", "cross-site")
        .add_header("origin", "https://evil.example")
        .form(&[("_csrf", token.as_str())])
        .await;
    response.assert_status(StatusCode::FORBIDDEN);
    coach.server.get("/home").await.assert_status_ok();
    Ok(())
}

#[tokio::test]
async fn each_login_gets_a_new_session_and_logout_ends_it() -> TestResult {
    let t = TestApp::spawn().await?;
    let first = t.client()?;
    let a = first
        .login("coach@demo.parcours.test", DEMO_PASSWORD)
        .await
        .header("set-cookie");
    let second = t.client()?;
    let b = second
        .login("coach@demo.parcours.test", DEMO_PASSWORD)
        .await
        .header("set-cookie");
    assert_ne!(a, b, "a new session id on every login");

    let token = first.token_from("/home").await;
    let out = first
        .server
        .post("/logout")
        .form(&[("_csrf", token.as_str())])
        .await;
    out.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(out.header("location"), "/login?bye=1");
    // The old cookie no longer opens anything, even if replayed.
    let replay = t.client()?;
    let old = a.to_str()?.split(';').next().unwrap_or_default().to_owned();
    let response = replay
        .server
        .get("/home")
        .add_header("cookie", old.as_str())
        .do_not_save_cookies()
        .await;
    response.assert_status(StatusCode::SEE_OTHER);
    assert!(response.header("location").to_str()?.starts_with("/login"));
    second.server.get("/home").await.assert_status_ok();
    Ok(())
}

#[tokio::test]
async fn repeated_failures_are_rate_limited_per_account() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    for _ in 0..5 {
        client
            .login("coach@demo.parcours.test", "wrong-password")
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
    let blocked = client
        .login("coach@demo.parcours.test", DEMO_PASSWORD)
        .await;
    blocked.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.text().contains("essais en peu de temps"));
    assert_eq!(blocked.header("retry-after"), "900");
    // Another account from the same browser is not locked out by it.
    client
        .login("coach2@demo.parcours.test", DEMO_PASSWORD)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    Ok(())
}

#[tokio::test]
async fn password_reset_by_emailed_link() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let sent = client
        .submit(
            "/password/forgot",
            "/password/forgot",
            &[("email", "coach@demo.parcours.test")],
        )
        .await;
    sent.assert_status_ok();
    assert!(sent.text().contains("est envoyé"));
    // Unknown addresses get the same answer and no email.
    let unknown = client
        .submit(
            "/password/forgot",
            "/password/forgot",
            &[("email", "nobody@demo.parcours.test")],
        )
        .await;
    unknown.assert_status_ok();
    assert!(unknown.text().contains("est envoyé"));

    let emails = t.sent_emails();
    assert_eq!(emails.len(), 1, "one .eml in the outbox");
    let email = &emails[0];
    assert!(email.contains("To: coach@demo.parcours.test"));
    let start = email
        .find("http://parcours.test/password/reset/")
        .expect("link in the email");
    let link = &email[start + "http://parcours.test".len()..];
    let path: String = link.chars().take_while(|c| !c.is_whitespace()).collect();

    let mismatch = client
        .submit(
            &path,
            &path,
            &[
                ("password", "un nouveau mot de passe"),
                ("confirm", "autre chose"),
            ],
        )
        .await;
    mismatch.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.text().contains("ne sont pas identiques"));
    let short = client
        .submit(&path, &path, &[("password", "court"), ("confirm", "court")])
        .await;
    short.assert_status(StatusCode::UNPROCESSABLE_ENTITY);

    let done = client
        .submit(
            &path,
            &path,
            &[
                ("password", "un nouveau mot de passe"),
                ("confirm", "un nouveau mot de passe"),
            ],
        )
        .await;
    done.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(done.header("location"), "/login?reset=1");

    client
        .login("coach@demo.parcours.test", DEMO_PASSWORD)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    client
        .login("coach@demo.parcours.test", "un nouveau mot de passe")
        .await
        .assert_status(StatusCode::SEE_OTHER);
    // The link works once.
    let again = t.client()?.server.get(&path).await;
    again.assert_status(StatusCode::NOT_FOUND);
    assert!(again.text().contains("Ce lien ne marche plus"));
    Ok(())
}

#[tokio::test]
async fn create_admin_makes_a_working_account_and_refuses_duplicates() -> TestResult {
    let t = TestApp::spawn().await?;
    t.app
        .create_admin(
            "boss@new.example",
            "Nouvelle Admin",
            "Nouvelle structure",
            "un mot de passe solide",
        )
        .await?;
    let again = t
        .app
        .create_admin(
            "BOSS@new.example",
            "X",
            "Nouvelle structure",
            "un mot de passe solide",
        )
        .await;
    assert!(matches!(again, Err(parcours_app::AppError::Invalid(ref f)) if f[0].code == "taken"));
    let short = t
        .app
        .create_admin("other@new.example", "X", "Y", "court")
        .await;
    assert!(
        matches!(short, Err(parcours_app::AppError::Invalid(ref f)) if f[0].field == "password")
    );
    let client = t.client()?;
    client
        .login("boss@new.example", "un mot de passe solide")
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let home = client.server.get("/home").await.text();
    assert!(home.contains("Nouvelle Admin") && home.contains("Comptes de la structure"));
    Ok(())
}
