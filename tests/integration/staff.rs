//! Staff accounts (issue 25, item 3): invitation by email, roles, deactivation with
//! the caseload handed over, the last administrator, the CSV import, the API.

use axum_test::http::StatusCode;
use axum_test::multipart::MultipartForm;
use parcours_db::repo::installation::accounts;
use parcours_domain::Email;
use parcours_test_support::{Client, TestApp};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::TestResult;

const ADMIN: &str = "admin@demo.parcours.test";

/// The account id (membership) of a demo user in its first organisation.
async fn account_of(t: &TestApp, email: &str) -> anyhow::Result<Uuid> {
    let conn = t.app.db().clone();
    let user = accounts::find_user_by_email(&conn, &Email::parse(email)?)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user {email}"))?;
    let memberships = accounts::memberships_of(&conn, user.id).await?;
    Ok(memberships
        .first()
        .ok_or_else(|| anyhow::anyhow!("no membership"))?
        .id)
}

/// The invitation link emailed to `to`, once the queue ran.
async fn invitation_link(t: &TestApp, to: &str) -> anyhow::Result<String> {
    t.app.run_due_jobs(t.app.now()).await?;
    let emails = t.sent_emails();
    let mail = emails
        .iter()
        .rev()
        .find(|e| e.contains(&format!("To: {to}")) && e.contains("/invitation/"))
        .ok_or_else(|| anyhow::anyhow!("no invitation to {to} in {emails:#?}"))?;
    Ok(format!(
        "/invitation/{}",
        crate::link_token(mail, "/invitation/")?
    ))
}

async fn patch_json(client: &Client, path: &str, body: &Value) -> axum_test::TestResponse {
    let token = client.csrf().await;
    client
        .server
        .patch(path)
        .add_header("x-csrf-token", token)
        .json(body)
        .await
}

#[tokio::test]
async fn an_invited_coach_chooses_a_password_from_the_email_and_is_signed_in() -> TestResult {
    let t = TestApp::spawn().await?;
    let admin = t.login_as(ADMIN).await?;
    let form = [
        ("email", "nadia.roux@exemple.fr"),
        ("first_name", "Nadia"),
        ("last_name", "Roux"),
        ("role", "coach"),
    ];
    let invited = admin.submit("/admin/equipe", "/admin/equipe", &form).await;
    assert_eq!(invited.status_code(), StatusCode::SEE_OTHER);
    let list = admin.server.get("/admin/equipe?done=invited").await.text();
    assert!(list.contains("Invitation envoyée"), "{list}");
    assert!(
        list.contains("Nadia Roux"),
        "pending invitation listed: {list}"
    );

    let link = invitation_link(&t, "nadia.roux@exemple.fr").await?;
    let invitee = t.client()?;
    let open = invitee.server.get(&link).await;
    assert_eq!(open.status_code(), StatusCode::OK);
    // Two different passwords are refused, naming the field, and nothing is used up.
    let mismatch = invitee
        .submit(
            &link,
            &link,
            &[
                ("password", "un mot de passe long"),
                ("confirm", "autre chose"),
            ],
        )
        .await;
    assert_eq!(mismatch.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let chosen = invitee
        .submit(
            &link,
            &link,
            &[
                ("password", "un mot de passe long"),
                ("confirm", "un mot de passe long"),
            ],
        )
        .await;
    assert_eq!(chosen.status_code(), StatusCode::SEE_OTHER);
    assert_eq!(chosen.header("location"), "/home");
    let me: Value = invitee.server.get("/api/v1/me").await.json();
    assert_eq!(me["role"], "coach");
    assert_eq!(me["email"], "nadia.roux@exemple.fr");
    // The link served once; the password works from now on.
    let again = t.client()?.server.get(&link).await;
    assert_eq!(again.status_code(), StatusCode::GONE);
    let fresh = t.client()?;
    let signed = fresh
        .login("nadia.roux@exemple.fr", "un mot de passe long")
        .await;
    assert_eq!(signed.status_code(), StatusCode::SEE_OTHER);

    // The list now shows a sign-in and no pending invitation.
    let accounts: Value = admin.server.get("/api/v1/accounts").await.json();
    let nadia = accounts
        .as_array()
        .and_then(|a| a.iter().find(|x| x["email"] == "nadia.roux@exemple.fr"))
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("not listed: {accounts}"))?;
    assert_eq!(nadia["pending"], false);
    assert!(nadia["last_sign_in_at"].is_i64(), "{nadia}");
    // The change is in the audit log.
    let audit = admin.server.get("/admin/audit").await.text();
    assert!(audit.contains("Compte invité"), "{audit}");
    Ok(())
}

#[tokio::test]
async fn an_invitation_answers_the_same_for_a_new_an_invited_and_an_existing_address() -> TestResult
{
    let t = TestApp::spawn().await?;
    let admin = t.login_as(ADMIN).await?;
    let mut answers = Vec::new();
    for email in [
        "nouveau@exemple.fr",
        "nouveau@exemple.fr",
        "coach2@demo.parcours.test",
        "coach@horizon.parcours.test",
    ] {
        let body =
            json!({"email": email, "first_name": "Ana", "last_name": "Roux", "role": "coach"});
        let answer = admin.post_json("/api/v1/accounts", &body).await;
        let json: Value = answer.json();
        answers.push((
            answer.status_code(),
            json.as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        ));
        assert!(json["id"].is_string(), "{json}");
        let form = [
            ("email", email),
            ("first_name", "Ana"),
            ("last_name", "Roux"),
            ("role", "manager"),
        ];
        let page = admin.submit("/admin/equipe", "/admin/equipe", &form).await;
        assert_eq!(page.status_code(), StatusCode::SEE_OTHER);
        assert_eq!(page.header("location"), "/admin/equipe?done=invited");
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:#?}");
    assert_eq!(answers[0].0, StatusCode::CREATED);
    // The new address got one account (invited again, not twice); the other operator's
    // coach is asked to accept, nothing is linked yet.
    let list: Value = admin.server.get("/api/v1/accounts").await.json();
    let rows = list.as_array().cloned().unwrap_or_default();
    assert_eq!(
        rows.iter()
            .filter(|r| r["email"] == "nouveau@exemple.fr")
            .count(),
        1
    );
    assert!(
        !rows
            .iter()
            .any(|r| r["email"] == "coach@horizon.parcours.test")
    );
    Ok(())
}

#[tokio::test]
async fn a_coach_leaves_only_once_the_caseload_is_handed_over() -> TestResult {
    let t = TestApp::spawn().await?;
    let admin = t.login_as(ADMIN).await?;
    let coach_session = t.login_as("coach@demo.parcours.test").await?;
    let coach = account_of(&t, "coach@demo.parcours.test").await?;
    let coach2 = account_of(&t, "coach2@demo.parcours.test").await?;
    let page = format!("/admin/equipe/{coach}");
    let shown = admin.server.get(&page).await;
    assert_eq!(shown.status_code(), StatusCode::OK);
    assert!(
        shown.text().contains("handover_to"),
        "the handover is on the same screen"
    );

    // Without a receiving coach: refused, naming the field; nothing changes.
    let refused = admin
        .submit(&page, &format!("{page}/desactiver"), &[("handover_to", "")])
        .await;
    assert_eq!(refused.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .contains("Choisissez le conseiller qui reprend")
    );
    let api = patch_json(
        &admin,
        &format!("/api/v1/accounts/{coach}"),
        &json!({"active": false}),
    )
    .await;
    assert_eq!(api.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = api.json();
    assert_eq!(problem["errors"][0]["field"], "handover_to", "{problem}");
    assert_eq!(
        coach_session.server.get("/api/v1/me").await.status_code(),
        StatusCode::OK
    );

    let caseload_before: Value = t
        .login_as("coach2@demo.parcours.test")
        .await?
        .server
        .get("/api/v1/me")
        .await
        .json();
    assert_eq!(caseload_before["role"], "coach");
    let coach2_str = coach2.to_string();
    let done = admin
        .submit(
            &page,
            &format!("{page}/desactiver"),
            &[("handover_to", coach2_str.as_str())],
        )
        .await;
    assert_eq!(done.status_code(), StatusCode::SEE_OTHER);
    // Its session ended, and it can no longer sign in.
    assert_eq!(
        coach_session.server.get("/api/v1/me").await.status_code(),
        StatusCode::UNAUTHORIZED
    );
    let again = t.client()?;
    let login = again
        .login(
            "coach@demo.parcours.test",
            parcours_app::demo::DEMO_PASSWORD,
        )
        .await;
    assert_ne!(login.status_code(), StatusCode::SEE_OTHER);
    // Nobody's file is left with the deactivated coach.
    let conn = t.app.db().clone();
    let user = accounts::find_user_by_email(&conn, &Email::parse("coach@demo.parcours.test")?)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user"))?;
    let scope = parcours_db::TenantScope::of(t.world.operator_id);
    assert!(
        parcours_db::repo::staff::open_caseload(&conn, scope, user.id)
            .await?
            .is_empty()
    );
    // Reactivated, it signs in again.
    let back = patch_json(
        &admin,
        &format!("/api/v1/accounts/{coach}"),
        &json!({"active": true}),
    )
    .await;
    assert_eq!(back.status_code(), StatusCode::OK);
    let body: Value = back.json();
    assert_eq!(body["active"], true);
    let login = t
        .client()?
        .login(
            "coach@demo.parcours.test",
            parcours_app::demo::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(login.status_code(), StatusCode::SEE_OTHER);
    Ok(())
}

#[tokio::test]
async fn the_last_administrator_is_neither_deactivated_nor_demoted() -> TestResult {
    let t = TestApp::spawn().await?;
    let admin = t.login_as(ADMIN).await?;
    let me = account_of(&t, ADMIN).await?;
    let path = format!("/api/v1/accounts/{me}");
    for (body, field) in [
        (json!({"active": false}), "active"),
        (json!({"role": "coach"}), "role"),
    ] {
        let refused = patch_json(&admin, &path, &body).await;
        assert_eq!(refused.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = refused.json();
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let page = format!("/admin/equipe/{me}");
    let refused = admin
        .submit(&page, &format!("{page}/desactiver"), &[])
        .await;
    assert_eq!(refused.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("dernier administrateur"));

    // With a second administrator, the first may step down.
    let manager = account_of(&t, "manager@demo.parcours.test").await?;
    let promoted = patch_json(
        &admin,
        &format!("/api/v1/accounts/{manager}"),
        &json!({"role": "admin"}),
    )
    .await;
    assert_eq!(promoted.status_code(), StatusCode::OK);
    let stepped_down = patch_json(&admin, &path, &json!({"role": "manager"})).await;
    assert_eq!(stepped_down.status_code(), StatusCode::OK);
    // Its session carried the old role: it ended.
    assert_eq!(
        admin.server.get("/api/v1/me").await.status_code(),
        StatusCode::UNAUTHORIZED
    );
    Ok(())
}

#[tokio::test]
async fn a_staff_file_is_imported_whole_or_not_at_all() -> TestResult {
    let t = TestApp::spawn().await?;
    let admin = t.login_as(ADMIN).await?;
    let bad = "email;prenom;nom;role\n\
               ana@exemple.fr;Ana;Roux;coach\n\
               pas-une-adresse;Bo;Li;manager\n\
               cy@exemple.fr;Cy;;admin\n\
               dee@exemple.fr;Dee;Ka;chef\n";
    let upload = |text: &str| {
        let form = MultipartForm::new().add_text("csv", text.to_owned());
        (form, text.to_owned())
    };
    let token = admin.token_from("/admin/equipe/import").await;
    let (form, _) = upload(bad);
    let refused = admin
        .server
        .post("/admin/equipe/import")
        .multipart(form.add_text("_csrf", token.clone()))
        .await;
    assert_eq!(refused.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text();
    assert!(page.contains("Ligne 3"), "{page}");
    assert!(page.contains("Ligne 4"), "{page}");
    assert!(page.contains("Ligne 5"), "{page}");
    assert!(!page.contains("Ligne 2 "), "{page}");
    assert!(
        page.contains("pas-une-adresse;Bo;Li;manager"),
        "the text stays for correction"
    );
    let list: Value = admin.server.get("/api/v1/accounts").await.json();
    assert!(
        !list.to_string().contains("ana@exemple.fr"),
        "nothing saved while a line is refused"
    );

    let good = "email;prenom;nom;role\n\
                ana@exemple.fr;Ana;Roux;coach\n\
                bo@exemple.fr;Bo;Li;manager\n\
                cy@exemple.fr;Cy;Ka;admin\n";
    let token = admin.token_from("/admin/equipe/import").await;
    let (form, _) = upload(good);
    let done = admin
        .server
        .post("/admin/equipe/import")
        .multipart(form.add_text("_csrf", token))
        .await;
    assert_eq!(done.status_code(), StatusCode::SEE_OTHER);
    let list: Value = admin.server.get("/api/v1/accounts").await.json();
    for (email, role) in [
        ("ana@exemple.fr", "coach"),
        ("bo@exemple.fr", "manager"),
        ("cy@exemple.fr", "admin"),
    ] {
        let row = list
            .as_array()
            .and_then(|a| a.iter().find(|r| r["email"] == email))
            .ok_or_else(|| anyhow::anyhow!("{email} not imported: {list}"))?;
        assert_eq!(row["role"], role);
        assert_eq!(row["pending"], true);
        invitation_link(&t, email).await?;
    }
    Ok(())
}

#[tokio::test]
async fn pending_invitations_are_resent_or_cancelled() -> TestResult {
    let t = TestApp::spawn().await?;
    let admin = t.login_as(ADMIN).await?;
    let body = json!({"email": "eve@exemple.fr", "first_name": "Eve", "last_name": "Ka", "role": "manager"});
    let created = admin.post_json("/api/v1/accounts", &body).await;
    assert_eq!(created.status_code(), StatusCode::CREATED);
    let id = created.json::<Value>()["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let first = invitation_link(&t, "eve@exemple.fr").await?;
    let page = format!("/admin/equipe/{id}");
    let resent = admin.submit(&page, &format!("{page}/relancer"), &[]).await;
    assert_eq!(resent.status_code(), StatusCode::SEE_OTHER);
    t.app.run_due_jobs(t.app.now()).await?;
    // The outbox is not read in order: the new link is the one that is not the first.
    let links: Vec<String> = t
        .sent_emails()
        .iter()
        .filter(|e| e.contains("To: eve@exemple.fr"))
        .filter_map(|e| crate::link_token(e, "/invitation/").ok())
        .map(|token| format!("/invitation/{token}"))
        .collect();
    assert_eq!(links.len(), 2, "{links:?}");
    let second = links
        .into_iter()
        .find(|l| *l != first)
        .ok_or_else(|| anyhow::anyhow!("the same link twice"))?;
    assert_eq!(
        t.client()?.server.get(&first).await.status_code(),
        StatusCode::GONE,
        "a new link revokes the previous one"
    );
    let cancelled = admin.submit(&page, &format!("{page}/annuler"), &[]).await;
    assert_eq!(cancelled.status_code(), StatusCode::SEE_OTHER);
    assert_eq!(
        t.client()?.server.get(&second).await.status_code(),
        StatusCode::GONE
    );
    assert_eq!(
        admin.server.get(&page).await.status_code(),
        StatusCode::NOT_FOUND
    );
    Ok(())
}

#[tokio::test]
async fn accounts_stay_within_their_operator_and_their_administrators() -> TestResult {
    let t = TestApp::spawn().await?;
    let admin = t.login_as(ADMIN).await?;
    let other = account_of(&t, "coach@horizon.parcours.test").await?;
    let patched = patch_json(
        &admin,
        &format!("/api/v1/accounts/{other}"),
        &json!({"active": false}),
    )
    .await;
    assert_eq!(patched.status_code(), StatusCode::NOT_FOUND);
    assert_eq!(
        admin
            .server
            .get(&format!("/admin/equipe/{other}"))
            .await
            .status_code(),
        StatusCode::NOT_FOUND
    );
    // The other operator's coach still signs in.
    let login = t
        .client()?
        .login(
            "coach@horizon.parcours.test",
            parcours_app::demo::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(login.status_code(), StatusCode::SEE_OTHER);

    let coach = t.login_as("coach@demo.parcours.test").await?;
    let coach2 = account_of(&t, "coach2@demo.parcours.test").await?;
    assert_eq!(
        coach.server.get("/api/v1/accounts").await.status_code(),
        StatusCode::FORBIDDEN
    );
    let body =
        json!({"email": "x@exemple.fr", "first_name": "X", "last_name": "Y", "role": "admin"});
    assert_eq!(
        coach
            .post_json("/api/v1/accounts", &body)
            .await
            .status_code(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        patch_json(
            &coach,
            &format!("/api/v1/accounts/{coach2}"),
            &json!({"role": "admin"})
        )
        .await
        .status_code(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        coach.server.get("/admin/equipe").await.status_code(),
        StatusCode::FORBIDDEN
    );

    // Partner roles need one of the operator's partner organisations; refusals name
    // the field.
    for body in [
        json!({"email": "p@exemple.fr", "first_name": "P", "last_name": "Q", "role": "referrer"}),
        json!({"email": "p@exemple.fr", "first_name": "P", "last_name": "Q", "role": "funder", "organisation_id": t.world.other_operator_id}),
        json!({"email": "p@exemple.fr", "first_name": "P", "last_name": "Q", "role": "coach", "organisation_id": "pas-un-id"}),
    ] {
        let refused = admin.post_json("/api/v1/accounts", &body).await;
        assert_eq!(
            refused.status_code(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
        let problem: Value = refused.json();
        assert_eq!(
            problem["errors"][0]["field"], "organisation_id",
            "{problem}"
        );
    }
    let refused = admin
        .post_json(
            "/api/v1/accounts",
            &json!({"email": "", "first_name": "P", "last_name": "Q", "role": "chef"}),
        )
        .await;
    let problem: Value = refused.json();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(fields, ["email", "role"]);
    // The demo's funder organisation is a partner of the operator: its user can be
    // invited there.
    let funder_org = {
        let conn = t.app.db().clone();
        let programmes = parcours_db::repo::programmes::list_in_tenant(
            &conn,
            parcours_db::TenantScope::of(t.world.operator_id),
        )
        .await?;
        programmes
            .iter()
            .find_map(|p| p.funder_id)
            .ok_or_else(|| anyhow::anyhow!("no funder"))?
    };
    let invited = admin
        .post_json(
            "/api/v1/accounts",
            &json!({"email": "region@exemple.fr", "first_name": "R", "last_name": "G", "role": "funder", "organisation_id": funder_org}),
        )
        .await;
    assert_eq!(invited.status_code(), StatusCode::CREATED);
    let list: Value = admin.server.get("/api/v1/accounts").await.json();
    assert!(list.to_string().contains("region@exemple.fr"));
    Ok(())
}
