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

/// Return targets that would leave the site once a browser reads them (it drops tabs and
/// newlines, reads `\` as `/`, decodes what it is given): each falls back to a page of ours.
const OFFSITE_TARGETS: &[&str] = &[
    "/\t/evil.example",
    "/%09/evil.example",
    "//evil.example",
    "//evil.example/home",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https://evil.example",
    "HTTPS://evil.example/home",
    "http:evil.example",
    "javascript:alert(1)",
    "evil.example",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/%2f%5cevil.example",
    "/%252F%252Fevil.example",
    "/.//evil.example",
    "/./\\evil.example",
    "/ /evil.example",
    "/\u{3000}/evil.example",
    "/\u{ff0f}evil.example",
    "/\u{0}//evil.example",
    "/\u{b}/evil.example",
    "",
];

/// Targets that try to write a header: refused outright.
const HEADER_SPLITTING_TARGETS: &[&str] = &[
    "/\r\n/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/home\r\nSet-Cookie: parcours_session=x",
    "/%0d%0aSet-Cookie:x=1",
];

/// Our own pages are followed as given.
const LOCAL_TARGETS: &[&str] = &[
    "/explorer?q=aide%20soignant",
    "/home?tri=etape&filtre=a-surveiller",
    "/entreprises",
    "/beneficiaries/7d0e2a36-5b1a-4a6f-9c59-0d7b1f1a2b3c#space",
];

/// A control character other than tab and line breaks is refused (422) by the one text
/// rule of every field before any handler, the redirect check included.
fn refused_by_the_text_rule(target: &str) -> bool {
    target
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

fn percent_encode_all(raw: &str) -> String {
    raw.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn a_language_switch_only_returns_to_a_page_of_the_site() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let long = format!("/{}", "a".repeat(5000));
    for target in OFFSITE_TARGETS.iter().copied().chain([long.as_str()]) {
        let answer = client
            .server
            .get(&format!("/lang/en?next={}", percent_encode_all(target)))
            .await;
        if refused_by_the_text_rule(target) {
            assert_eq!(
                answer.status_code(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{target:?}"
            );
            continue;
        }
        assert_eq!(answer.status_code(), StatusCode::SEE_OTHER, "{target:?}");
        assert_eq!(answer.header("location"), "/home", "{target:?}");
    }
    for target in HEADER_SPLITTING_TARGETS {
        let answer = client
            .server
            .get(&format!("/lang/en?next={}", percent_encode_all(target)))
            .await;
        assert_eq!(answer.status_code(), StatusCode::BAD_REQUEST, "{target:?}");
    }
    for target in LOCAL_TARGETS {
        let answer = client
            .server
            .get(&format!("/lang/fr?next={}", percent_encode_all(target)))
            .await;
        assert_eq!(answer.status_code(), StatusCode::SEE_OTHER, "{target:?}");
        assert_eq!(answer.header("location"), *target);
    }
    Ok(())
}

#[tokio::test]
async fn signing_in_only_returns_to_a_page_of_the_site() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let sign_in = |next: String| {
        let client = &client;
        async move {
            let token = client.token_from("/connexion").await;
            client
                .server
                .post("/login")
                .form(&[
                    ("_csrf", token.as_str()),
                    ("email", "coach@demo.parcours.test"),
                    ("password", DEMO_PASSWORD),
                    ("next", next.as_str()),
                ])
                .await
        }
    };
    let long = format!("/{}", "a".repeat(5000));
    for target in OFFSITE_TARGETS.iter().copied().chain([long.as_str()]) {
        let answer = sign_in(target.to_owned()).await;
        if refused_by_the_text_rule(target) {
            assert_eq!(
                answer.status_code(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{target:?}"
            );
            continue;
        }
        assert_eq!(answer.status_code(), StatusCode::SEE_OTHER, "{target:?}");
        assert_eq!(answer.header("location"), "/home", "{target:?}");
        // Already signed in: the login page sends on at once, through the same check.
        let again = client
            .server
            .get(&format!("/login?next={}", percent_encode_all(target)))
            .await;
        assert_eq!(again.header("location"), "/home", "{target:?}");
    }
    for target in HEADER_SPLITTING_TARGETS {
        let answer = sign_in((*target).to_owned()).await;
        assert_eq!(answer.status_code(), StatusCode::BAD_REQUEST, "{target:?}");
    }
    for target in LOCAL_TARGETS {
        let answer = sign_in((*target).to_owned()).await;
        assert_eq!(answer.header("location"), *target);
    }
    Ok(())
}

/// Every `/connexion/…` or `/password/reset/…` token in the emails to `to`.
fn tokens_sent_to(t: &TestApp, to: &str, marker: &str) -> Vec<String> {
    t.sent_emails()
        .iter()
        .filter(|e| e.contains(&format!("To: {to}")))
        .filter_map(|e| crate::link_token(e, marker).ok())
        .collect()
}

/// Uses a sign-in link in a fresh browser: true when it signed in.
async fn sign_in_link_works(t: &TestApp, token: &str) -> anyhow::Result<bool> {
    let browser = t.client()?;
    let link = format!("/connexion/{token}");
    let answer = browser.submit(&link, &link, &[]).await;
    Ok(answer.status_code() == StatusCode::SEE_OTHER)
}

/// Many requests for a sign-in link at once (issue 23, item 6): a few emails at most,
/// one live link per address, and the same answer whether the address has an account.
#[tokio::test]
async fn sign_in_links_are_limited_and_one_stays_live_under_a_burst() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let token = client.token_from("/connexion").await;
    let known = "coach@demo.parcours.test";
    let unknown = "personne@nowhere.example";
    let mut burst = tokio::task::JoinSet::new();
    for i in 0..48 {
        let email = if i % 2 == 0 { known } else { unknown };
        let request = client
            .server
            .post("/connexion")
            .form(&[("_csrf", token.as_str()), ("email", email)]);
        burst.spawn(async move { (email, request.await) });
    }
    let mut answers = Vec::new();
    while let Some(joined) = burst.join_next().await {
        let (email, answer) = joined?;
        answers.push((answer.status_code(), answer.text().replace(email, "")));
    }
    assert_eq!(answers.len(), 48);
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "the same answer for every request: {:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert_eq!(answers[0].0, StatusCode::OK);
    let sent = tokens_sent_to(&t, known, "/connexion/");
    println!("{} sign-in emails for 24 requests", sent.len());
    assert!(
        (1..=parcours_app::auth::RESET_REQUESTS_PER_HOUR as usize).contains(&sent.len()),
        "{} emails",
        sent.len()
    );
    assert!(tokens_sent_to(&t, unknown, "/connexion/").is_empty());
    let mut live = 0;
    for token in &sent {
        if sign_in_link_works(&t, token).await? {
            live += 1;
        }
    }
    assert_eq!(live, 1, "one live link per address");
    // Past the limit the page is the same, and no email is written.
    let after = client
        .submit("/connexion", "/connexion", &[("email", known)])
        .await;
    assert_eq!(after.status_code(), StatusCode::OK);
    assert_eq!(after.text().replace(known, ""), answers[0].1);
    assert_eq!(tokens_sent_to(&t, known, "/connexion/").len(), sent.len());
    Ok(())
}

/// A new sign-in link revokes the previous one (sequential requests, under the limit).
#[tokio::test]
async fn a_new_sign_in_link_revokes_the_previous_one() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let known = "coach2@demo.parcours.test";
    for _ in 0..2 {
        client
            .submit("/connexion", "/connexion", &[("email", known)])
            .await
            .assert_status_ok();
    }
    let sent = tokens_sent_to(&t, known, "/connexion/");
    assert_eq!(sent.len(), 2);
    // The outbox is not read in order: one of the two works, the other is revoked.
    let first = sign_in_link_works(&t, &sent[0]).await?;
    let second = sign_in_link_works(&t, &sent[1]).await?;
    assert!(first != second, "one live link: {first} {second}");
    Ok(())
}

/// Each link kind opens only its own door (issue 23, item 8).
#[tokio::test]
async fn a_sign_in_link_does_not_open_the_reset_form_and_vice_versa() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let known = "coach@demo.parcours.test";
    client
        .submit("/connexion", "/connexion", &[("email", known)])
        .await
        .assert_status_ok();
    client
        .submit("/password/forgot", "/password/forgot", &[("email", known)])
        .await
        .assert_status_ok();
    let sign_in = tokens_sent_to(&t, known, "/connexion/").remove(0);
    let reset = tokens_sent_to(&t, known, "/password/reset/").remove(0);
    // The sign-in token on the reset URL: neither the form nor a new password.
    let path = format!("/password/reset/{sign_in}");
    let form = client.server.get(&path).await;
    assert_eq!(form.status_code(), StatusCode::NOT_FOUND, "reset form");
    let set = client
        .submit(
            "/password/forgot",
            &path,
            &[
                ("password", "un autre mot de passe"),
                ("confirm", "un autre mot de passe"),
            ],
        )
        .await;
    assert_eq!(set.status_code(), StatusCode::NOT_FOUND, "reset submit");
    // The reset token on the sign-in URL: no session.
    assert!(
        !sign_in_link_works(&t, &reset).await?,
        "reset token signs in"
    );
    // Both still do their own job.
    let form = client.server.get(&format!("/password/reset/{reset}")).await;
    assert_eq!(form.status_code(), StatusCode::OK);
    assert!(sign_in_link_works(&t, &sign_in).await?);
    Ok(())
}

/// A password reset, and signing out everywhere, revoke every other open link.
#[tokio::test]
async fn a_reset_or_signing_out_everywhere_revokes_every_other_link() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let known = "coach@demo.parcours.test";
    for action in ["/connexion", "/password/forgot", "/password/forgot"] {
        client
            .submit(action, action, &[("email", known)])
            .await
            .assert_status_ok();
    }
    let sign_in = tokens_sent_to(&t, known, "/connexion/").remove(0);
    let resets = tokens_sent_to(&t, known, "/password/reset/");
    assert_eq!(resets.len(), 2);
    // One live link per address: the second request revoked the first. The outbox is
    // not read in sending order, so find the live one by opening both.
    let mut live = Vec::new();
    for reset in &resets {
        let status = client
            .server
            .get(&format!("/password/reset/{reset}"))
            .await
            .status_code();
        if status == StatusCode::OK {
            live.push(reset.clone());
        } else {
            assert_eq!(status, StatusCode::NOT_FOUND, "a revoked reset link");
        }
    }
    assert_eq!(live.len(), 1, "one live reset link");
    let path = format!("/password/reset/{}", live[0]);
    client
        .submit(
            &path,
            &path,
            &[
                ("password", "un nouveau mot de passe"),
                ("confirm", "un nouveau mot de passe"),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(
        !sign_in_link_works(&t, &sign_in).await?,
        "sign-in link after reset"
    );
    for reset in &resets {
        assert_eq!(
            client
                .server
                .get(&format!("/password/reset/{reset}"))
                .await
                .status_code(),
            StatusCode::NOT_FOUND,
            "a reset link after the reset"
        );
    }

    // Signing out everywhere: the links sent before are dead too.
    let known = "coach2@demo.parcours.test";
    for action in ["/connexion", "/password/forgot"] {
        client
            .submit(action, action, &[("email", known)])
            .await
            .assert_status_ok();
    }
    let office = t.login_as(known).await?;
    office
        .submit("/home", "/logout/everywhere", &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let sign_in = tokens_sent_to(&t, known, "/connexion/").remove(0);
    let reset = tokens_sent_to(&t, known, "/password/reset/").remove(0);
    assert!(
        !sign_in_link_works(&t, &sign_in).await?,
        "sign-in link after sign-out"
    );
    assert_eq!(
        client
            .server
            .get(&format!("/password/reset/{reset}"))
            .await
            .status_code(),
        StatusCode::NOT_FOUND,
        "reset link after sign-out everywhere"
    );
    Ok(())
}
