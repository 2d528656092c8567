//! Several operators on one host (issue 25, item 6): `parcours tenant create` and the
//! host administrator's page create an operator whose first administrator is invited
//! by email; the host administrator opens nothing of any operator, and an operator's
//! administrator cannot open the host's page.

use std::process::Command;

use axum_test::http::StatusCode;
use parcours_app::demo::DEMO_PASSWORD;
use parcours_db::repo::installation::accounts;
use parcours_domain::OrgKind;
use parcours_test_support::{Client, TestApp};
use serde_json::Value;

use crate::TestResult;

const HOST: &str = "hote@parcours.test";

/// `parcours <args>` on the test's own database.
fn parcours(t: &TestApp, args: &[&str]) -> anyhow::Result<std::process::Output> {
    Ok(Command::new(env!("CARGO_BIN_EXE_parcours"))
        .args(args)
        .env("PARCOURS_DATABASE_URL", &t.database_url)
        .env("PARCOURS_OUTBOX_DIR", &t.outbox)
        .env("PARCOURS_ADMIN_PASSWORD", DEMO_PASSWORD)
        .env_remove("PARCOURS_SMTP_URL")
        .output()?)
}

async fn operator_names(t: &TestApp) -> anyhow::Result<Vec<String>> {
    Ok(
        accounts::organisations_of_kind(t.app.db(), OrgKind::Operator)
            .await?
            .into_iter()
            .map(|o| o.name)
            .collect(),
    )
}

/// The invitation emailed to `to` (once the job queue ran), accepted with a password:
/// the invitee's browser, signed in.
async fn accept_invitation(t: &TestApp, to: &str, password: &str) -> anyhow::Result<Client> {
    t.app.run_due_jobs(t.app.now()).await?;
    let emails = t.sent_emails();
    let mail = emails
        .iter()
        .rev()
        .find(|e| e.contains(&format!("To: {to}")) && e.contains("/invitation/"))
        .ok_or_else(|| anyhow::anyhow!("no invitation to {to} in {emails:#?}"))?;
    let link = format!("/invitation/{}", crate::link_token(mail, "/invitation/")?);
    let invitee = t.client()?;
    assert_eq!(
        invitee.server.get(&link).await.status_code(),
        StatusCode::OK
    );
    let chosen = invitee
        .submit(
            &link,
            &link,
            &[("password", password), ("confirm", password)],
        )
        .await;
    assert_eq!(
        chosen.status_code(),
        StatusCode::SEE_OTHER,
        "{}",
        chosen.text()
    );
    Ok(invitee)
}

async fn host_admin(t: &TestApp) -> anyhow::Result<Client> {
    t.app
        .create_host_admin(HOST, "Hélène Hôte", DEMO_PASSWORD)
        .await?;
    t.login_as(HOST).await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_creates_an_operator_whose_invited_admin_sees_only_their_operator() -> TestResult {
    let t = TestApp::spawn().await?;
    let out = parcours(
        &t,
        &[
            "tenant",
            "create",
            "--name",
            "Tremplin Rouen",
            "--admin-email",
            "anne@tremplin.example",
            "--admin-first-name",
            "Anne",
            "--admin-last-name",
            "Martin",
        ],
    )?;
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{printed} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        printed.contains("Operator \"Tremplin Rouen\" created (slug tremplin-rouen)"),
        "{printed}"
    );
    assert!(
        printed.contains("anne@tremplin.example invited"),
        "{printed}"
    );
    assert!(
        printed.contains("parcours worker --once"),
        "the next step: {printed}"
    );

    // The email goes through the job queue (outbox here), with the operator's name.
    let anne = accept_invitation(&t, "anne@tremplin.example", "un mot de passe solide").await?;
    let invitation = t
        .sent_emails()
        .into_iter()
        .find(|e| e.contains("To: anne@tremplin.example"))
        .unwrap_or_default();
    assert!(invitation.contains("Tremplin Rouen"), "{invitation}");
    let me: Value = anne.server.get("/api/v1/me").await.json();
    assert_eq!(me["role"], "admin");
    assert_eq!(me["display_name"], "Anne Martin");
    assert_eq!(me["organisation"]["name"], "Tremplin Rouen");
    // Signing in with the chosen password works too.
    let again = t.client()?;
    let signed = again
        .login("anne@tremplin.example", "un mot de passe solide")
        .await;
    assert_eq!(signed.status_code(), StatusCode::SEE_OTHER);

    // Only her operator: one account (hers), the set-up checklist, no demo data.
    let home = anne.server.get("/home").await.text();
    assert!(
        home.contains("Tremplin Rouen") || home.contains("Anne Martin"),
        "{home}"
    );
    assert!(!home.contains("@demo.parcours.test"), "{home}");
    let accounts: Value = anne.server.get("/api/v1/accounts").await.json();
    let list = accounts.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 1, "{accounts}");
    assert_eq!(list[0]["email"], "anne@tremplin.example");
    let person = t.world.beneficiary_person_id;
    for path in [
        format!("/beneficiaries/{person}"),
        format!("/api/v1/beneficiaries/{person}"),
    ] {
        let status = anne.server.get(&path).await.status_code();
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let staff = anne.server.get("/admin/equipe").await.text();
    assert!(!staff.contains("@demo.parcours.test"), "{staff}");
    // Audited in the new tenant.
    let audit = anne.server.get("/admin/audit").await.text();
    assert!(audit.contains("Opérateur créé"), "{audit}");
    assert!(audit.contains("Compte invité"), "{audit}");
    // The demo administrator does not see the new operator's account either.
    let demo_admin = t.login_as("admin@demo.parcours.test").await?;
    let theirs = demo_admin.server.get("/admin/equipe").await.text();
    assert!(!theirs.contains("anne@tremplin.example"), "{theirs}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_refuses_a_duplicate_operator_and_a_bad_email_naming_the_flag() -> TestResult {
    let t = TestApp::spawn().await?;
    let create = |name: &str, email: &str| {
        parcours(
            &t,
            &["tenant", "create", "--name", name, "--admin-email", email],
        )
    };
    let first = create("Tremplin Rouen", "anne@tremplin.example")?;
    assert!(first.status.success());
    let before = operator_names(&t).await?;
    for (name, email, says) in [
        (
            "Tremplin Rouen",
            "autre@tremplin.example",
            "--name: an operator with this name already exists",
        ),
        (
            "tremplin  ROUEN!",
            "autre@tremplin.example",
            "--name: an operator's name already gives the slug \"tremplin-rouen\"",
        ),
        (
            "Cap Avenir Normandie",
            "autre@cap.example",
            "--name: an operator with this name already exists",
        ),
        (
            "Élan Caen",
            "pas une adresse",
            "--admin-email: not a valid email address",
        ),
        (
            "Élan Caen",
            "admin@demo.parcours.test",
            "--admin-email: an account with this email already exists",
        ),
        (
            "   ",
            "x@y.example",
            "--name: the operator's name is needed",
        ),
    ] {
        let out = create(name, email)?;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name} {email}: {err}");
        assert!(err.contains(says), "{name} {email}: {err}");
        assert!(err.contains("nothing was created"), "{err}");
    }
    assert_eq!(operator_names(&t).await?, before, "nothing was created");
    Ok(())
}

#[tokio::test]
async fn the_host_admin_lists_operators_and_creates_one_with_its_admin_invited() -> TestResult {
    let t = TestApp::spawn().await?;
    let host = host_admin(&t).await?;
    // Its home is the list: every operator, with counts and no one's data.
    let home = host.server.get("/home").await;
    assert_eq!(home.status_code(), StatusCode::OK);
    let home = home.text();
    assert!(home.contains("Opérateurs hébergés"), "{home}");
    assert!(home.contains("Cap Avenir Normandie"), "{home}");
    assert!(home.contains("Horizon Emploi Bretagne"), "{home}");
    assert!(home.contains("Comptes actifs"), "{home}");
    assert!(home.contains("Mise en place"), "{home}");
    assert!(
        !home.contains("@demo.parcours.test"),
        "no one's address: {home}"
    );
    assert!(!home.contains("/beneficiaries/"), "no one's file: {home}");
    // Without JavaScript: a plain form posted to the page, nothing driven by htmx.
    assert!(
        home.contains("<form method=\"post\" action=\"/hote/operateurs\""),
        "{home}"
    );
    assert!(!home.contains("hx-"), "works without JavaScript");
    assert!(
        home.contains("name=\"viewport\" content=\"width=device-width"),
        "the page follows the screen's width"
    );

    // A refusal names the field and keeps what was typed.
    let page = "/hote/operateurs";
    let refused = host
        .submit(
            page,
            page,
            &[("name", "cap avenir normandie"), ("admin_email", "paul@")],
        )
        .await;
    assert_eq!(refused.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = refused.text();
    assert!(
        text.contains("Elle doit ressembler à nom@exemple.fr"),
        "{text}"
    );
    assert!(
        text.contains("href=\"#admin_email\""),
        "the summary links the field"
    );
    assert!(text.contains("value=\"cap avenir normandie\""), "{text}");
    let duplicate = host
        .submit(
            page,
            page,
            &[
                ("name", "CAP AVENIR – Normandie"),
                ("admin_email", "paul@elan.example"),
            ],
        )
        .await;
    assert_eq!(duplicate.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        duplicate.text().contains("presque identique"),
        "{}",
        duplicate.text()
    );

    let created = host
        .submit(
            page,
            page,
            &[
                ("name", "Élan Caen"),
                ("admin_email", "paul@elan.example"),
                ("admin_first_name", "Paul"),
                ("admin_last_name", "Durand"),
            ],
        )
        .await;
    assert_eq!(created.status_code(), StatusCode::SEE_OTHER);
    assert_eq!(
        created.header("location"),
        "/hote/operateurs?cree=elan-caen"
    );
    let list = host
        .server
        .get("/hote/operateurs?cree=elan-caen")
        .await
        .text();
    assert!(list.contains("Opérateur « Élan Caen » créé"), "{list}");
    assert!(list.contains("invitations en attente : 1"), "{list}");
    assert!(operator_names(&t).await?.contains(&"Élan Caen".to_owned()));

    // Its administrator receives the invitation, signs in, and the creation is in the
    // new operator's audit log, by the host administrator.
    let paul = accept_invitation(&t, "paul@elan.example", "un mot de passe solide").await?;
    let me: Value = paul.server.get("/api/v1/me").await.json();
    assert_eq!(me["organisation"]["name"], "Élan Caen");
    assert_eq!(me["role"], "admin");
    let audit = paul.server.get("/admin/audit").await.text();
    assert!(audit.contains("Opérateur créé"), "{audit}");
    assert!(audit.contains("Hélène Hôte"), "{audit}");
    let list = host.server.get(page).await.text();
    assert!(list.contains("Comptes actifs : 1"), "{list}");

    // In English too.
    host.server.get("/lang/en?next=/hote/operateurs").await;
    let english = host.server.get(page).await.text();
    assert!(english.contains("Hosted operators"), "{english}");
    assert!(english.contains("Create an operator"), "{english}");
    Ok(())
}

#[tokio::test]
async fn the_host_admin_opens_no_operator_page_and_operators_cannot_open_the_host_page()
-> TestResult {
    let t = TestApp::spawn().await?;
    let host = host_admin(&t).await?;
    let person = t.world.beneficiary_person_id;
    let other = t.world.other_tenant_person_id;
    let mut checked = 0;
    for path in [
        "/admin/equipe".to_owned(),
        "/admin/audit".to_owned(),
        "/admin/organisation".to_owned(),
        "/admin/courriels".to_owned(),
        "/partenaires".to_owned(),
        "/orientations".to_owned(),
        "/selection".to_owned(),
        format!("/beneficiaries/{person}"),
        format!("/beneficiaries/{other}"),
        format!("/beneficiaries/{person}/plan"),
        "/api/v1/accounts".to_owned(),
        "/api/v1/organisations".to_owned(),
        "/api/v1/programmes".to_owned(),
        format!("/api/v1/beneficiaries/{person}"),
        format!("/api/v1/beneficiaries/{person}/journal"),
    ] {
        let status = host.server.get(&path).await.status_code();
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{path}: {status}"
        );
        checked += 1;
    }
    assert_eq!(checked, 15);
    // Nor can it write: inviting into an operator is refused.
    let invite = host
        .post_form(
            "/admin/equipe",
            &[
                ("email", "x@y.example"),
                ("first_name", "X"),
                ("last_name", "Y"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(invite.status_code(), StatusCode::FORBIDDEN);

    for email in [
        "admin@demo.parcours.test",
        "manager@demo.parcours.test",
        "coach@demo.parcours.test",
    ] {
        let user = t.login_as(email).await?;
        let page = user.server.get("/hote/operateurs").await;
        assert_eq!(page.status_code(), StatusCode::FORBIDDEN, "{email}");
        let post = user
            .post_form(
                "/hote/operateurs",
                &[("name", "Pirate"), ("admin_email", "pirate@x.example")],
            )
            .await;
        assert_eq!(post.status_code(), StatusCode::FORBIDDEN, "{email}");
    }
    assert!(!operator_names(&t).await?.contains(&"Pirate".to_owned()));
    let anonymous = t.client()?.server.get("/hote/operateurs").await;
    assert_eq!(anonymous.status_code(), StatusCode::SEE_OTHER);
    Ok(())
}
