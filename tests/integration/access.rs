//! Tenants stay apart, roles see what the policy allows, and every access to a
//! person's file leaves an audit row.

use axum_test::http::StatusCode;
use parcours_db::ConnectionTrait;
use parcours_test_support::TestApp;

use crate::{TestResult, audit_actions, some_person_of_coach};

#[tokio::test]
async fn coach_opens_a_file_of_the_tenant_and_the_read_is_audited() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = some_person_of_coach(&t).await?;
    assert!(
        audit_actions(&t, t.world.operator_id, person)
            .await?
            .is_empty()
    );
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let page = coach.server.get(&format!("/beneficiaries/{person}")).await;
    page.assert_status_ok();
    assert!(page.text().contains("Qui a consulté ce dossier"));
    coach
        .server
        .get(&format!("/api/v1/beneficiaries/{person}"))
        .await
        .assert_status_ok();
    assert_eq!(
        audit_actions(&t, t.world.operator_id, person).await?,
        vec!["person.read", "person.read"]
    );
    Ok(())
}

#[tokio::test]
async fn another_tenants_file_is_not_found_for_reads_and_writes() -> TestResult {
    let t = TestApp::spawn().await?;
    let foreign = t.world.other_tenant_person_id;
    let coach = t.login_as("coach@demo.parcours.test").await?;
    coach
        .server
        .get(&format!("/beneficiaries/{foreign}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let api = coach
        .server
        .get(&format!("/api/v1/beneficiaries/{foreign}"))
        .await;
    api.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(api.header("content-type"), "application/problem+json");
    let write = coach
        .submit(
            "/home",
            &format!("/beneficiaries/{foreign}/contact"),
            &[("phone", "06 99 99 99 99")],
        )
        .await;
    write.assert_status(StatusCode::NOT_FOUND);
    // Nothing changed and nothing was written in the other tenant's log by this coach.
    let owner = t.login_as("coach@horizon.parcours.test").await?;
    let file = owner
        .server
        .get(&format!("/api/v1/beneficiaries/{foreign}"))
        .await
        .json::<serde_json::Value>();
    assert_eq!(file["phone"], serde_json::Value::Null);
    assert_eq!(
        audit_actions(&t, t.world.other_operator_id, foreign).await?,
        vec!["person.read"]
    );
    Ok(())
}

#[tokio::test]
async fn the_other_operators_coach_cannot_open_ours() -> TestResult {
    let t = TestApp::spawn().await?;
    let ours = some_person_of_coach(&t).await?;
    let theirs = t.login_as("coach@horizon.parcours.test").await?;
    theirs
        .server
        .get(&format!("/beneficiaries/{ours}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let home = theirs.server.get("/home").await.text();
    assert!(home.contains("(3 personnes)") && !home.contains(&ours.to_string()));
    Ok(())
}

#[tokio::test]
async fn funders_referrers_and_employers_never_open_a_file() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = some_person_of_coach(&t).await?;
    for email in [
        "funder@demo.parcours.test",
        "referrer@demo.parcours.test",
        "employer@demo.parcours.test",
    ] {
        let client = t.login_as(email).await?;
        client
            .server
            .get(&format!("/beneficiaries/{person}"))
            .await
            .assert_status(StatusCode::NOT_FOUND);
        client
            .server
            .get(&format!("/api/v1/beneficiaries/{person}"))
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    Ok(())
}

#[tokio::test]
async fn same_tenant_roles_without_the_right_are_forbidden_and_audited() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = some_person_of_coach(&t).await?;
    let admin = t.login_as("admin@demo.parcours.test").await?;
    admin
        .server
        .get(&format!("/beneficiaries/{person}"))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let beneficiary = t.login_as("beneficiaire@demo.parcours.test").await?;
    beneficiary
        .server
        .get(&format!("/beneficiaries/{person}"))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let write = beneficiary
        .submit(
            "/home",
            &format!("/beneficiaries/{person}/contact"),
            &[("phone", "06 11 11 11 11")],
        )
        .await;
    write.assert_status(StatusCode::FORBIDDEN);
    // The manager may read but not change a file.
    let manager = t.login_as("manager@demo.parcours.test").await?;
    manager
        .server
        .get(&format!("/beneficiaries/{person}"))
        .await
        .assert_status_ok();
    let manager_write = manager
        .submit(
            "/home",
            &format!("/beneficiaries/{person}/contact"),
            &[("phone", "06 11 11 11 11")],
        )
        .await;
    manager_write.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(
        audit_actions(&t, t.world.operator_id, person).await?,
        vec![
            "person.write_denied",
            "person.read",
            "person.write_denied",
            "person.read_denied",
            "person.read_denied"
        ]
    );
    Ok(())
}

#[tokio::test]
async fn the_beneficiary_sees_their_own_file() -> TestResult {
    let t = TestApp::spawn().await?;
    let me = t.world.beneficiary_person_id;
    let client = t.login_as("beneficiaire@demo.parcours.test").await?;
    let home = client.server.get("/home").await.text();
    assert!(home.contains(&format!("/beneficiaries/{me}")) && home.contains("Votre conseiller"));
    let file = client.server.get(&format!("/beneficiaries/{me}")).await;
    file.assert_status_ok();
    assert!(file.text().contains("Camille Martin") && !file.text().contains("Qui a consulté"));
    Ok(())
}

#[tokio::test]
async fn the_coach_updates_contact_details_with_an_audit_row() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = some_person_of_coach(&t).await?;
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let page = format!("/beneficiaries/{person}");
    let action = format!("{page}/contact");

    let bad = coach
        .submit(
            &page,
            &action,
            &[
                ("email", "pas-un-email"),
                ("phone", "12"),
                ("commune_code", "76540"),
            ],
        )
        .await;
    bad.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text();
    assert!(html.contains("id=\"email-error\"") && html.contains("id=\"phone-error\""));
    assert!(!html.contains("id=\"commune_code-error\""));
    assert!(
        html.contains("value=\"pas-un-email\""),
        "what was typed is kept"
    );

    let ok = coach
        .submit(
            &page,
            &action,
            &[
                ("email", "Nouvelle@Adresse.fr"),
                ("phone", "06 12 34 56 78"),
                ("commune_code", "76540"),
            ],
        )
        .await;
    ok.assert_status(StatusCode::SEE_OTHER);
    let json = coach
        .server
        .get(&format!("/api/v1/beneficiaries/{person}"))
        .await
        .json::<serde_json::Value>();
    assert_eq!(json["email"], "nouvelle@adresse.fr");
    assert_eq!(json["phone"], "06 12 34 56 78");
    let actions = audit_actions(&t, t.world.operator_id, person).await?;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "person.contact_updated")
            .count(),
        1
    );
    Ok(())
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = some_person_of_coach(&t).await?;
    let coach = t.login_as("coach@demo.parcours.test").await?;
    coach
        .server
        .get(&format!("/beneficiaries/{person}"))
        .await
        .assert_status_ok();
    assert!(
        t.app
            .db()
            .execute_unprepared("UPDATE audit_events SET action = 'x'")
            .await
            .is_err()
    );
    assert!(
        t.app
            .db()
            .execute_unprepared("DELETE FROM audit_events")
            .await
            .is_err()
    );
    assert_eq!(
        audit_actions(&t, t.world.operator_id, person).await?,
        vec!["person.read"]
    );
    Ok(())
}

#[tokio::test]
async fn the_funder_sees_figures_without_small_cells() -> TestResult {
    let t = TestApp::spawn().await?;
    let funder = t.login_as("funder@demo.parcours.test").await?;
    let html = funder.server.get("/home").await.text();
    assert!(html.contains("Parcours Normandie 2026"));
    // 10 people were referred: fewer than 11, so hidden (with the next smallest phase,
    // or 100 - 25 - 35 - 20 - 10 would give it back); 35 in investigation: shown.
    assert!(html.contains("masqué"));
    assert!(
        !html.contains("moins de 11"),
        "a hidden cell says nothing of its size"
    );
    assert!(html.contains("<td class=\"num\">35</td>"));
    assert!(html.contains("<td class=\"num\">100</td>"));
    assert!(!html.contains("/beneficiaries/"), "no link to any file");
    Ok(())
}

#[tokio::test]
async fn malformed_ids_are_not_found() -> TestResult {
    let t = TestApp::spawn().await?;
    let coach = t.login_as("coach@demo.parcours.test").await?;
    coach
        .server
        .get("/beneficiaries/not-a-uuid")
        .await
        .assert_status(StatusCode::NOT_FOUND);
    coach
        .server
        .get("/api/v1/beneficiaries/1%27%20OR%201=1")
        .await
        .assert_status(StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn administrators_read_the_audit_log_with_refusals_and_pages() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = some_person_of_coach(&t).await?;
    let coach = t.login_as("coach@demo.parcours.test").await?;
    coach
        .server
        .get(&format!("/beneficiaries/{person}"))
        .await
        .assert_status_ok();
    // A refused access, by a funder.
    let funder = t.login_as("funder@demo.parcours.test").await?;
    let refused = funder.server.get(&format!("/beneficiaries/{person}")).await;
    assert!(refused.status_code().is_client_error());

    // Only administrators read it.
    for email in [
        "coach@demo.parcours.test",
        "manager@demo.parcours.test",
        "funder@demo.parcours.test",
    ] {
        let other = t.login_as(email).await?;
        other
            .server
            .get("/admin/audit")
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
    let admin = t.login_as("admin@demo.parcours.test").await?;
    let home = admin.server.get("/home").await.text();
    assert!(
        home.contains("href=\"/admin/audit\""),
        "linked from the admin's home"
    );
    let page = admin.server.get("/admin/audit").await;
    page.assert_status_ok();
    let text = page.text();
    assert!(
        text.contains("Journal d&#39;audit") || text.contains("Journal d'audit"),
        "{text}"
    );
    assert!(
        text.contains("consultation") && text.contains(&person.to_string()),
        "{text}"
    );

    // One file's trail; the refusals only; a bad identifier explained.
    let one = admin
        .server
        .get(&format!("/admin/audit?personne={person}"))
        .await
        .text();
    assert!(one.contains("consultation"));
    let refusals = admin.server.get("/admin/audit?refus=1").await.text();
    assert!(!refusals.contains("<td>consultation</td>"), "{refusals}");
    let bad = admin.server.get("/admin/audit?personne=12345").await.text();
    assert!(
        bad.contains("identifiant n&#39;est pas valide")
            || bad.contains("identifiant n'est pas valide"),
        "{bad}"
    );

    // A hundred rows a page, then a link to older ones that shows the rest.
    for _ in 0..110 {
        coach.server.get(&format!("/beneficiaries/{person}")).await;
    }
    let first = admin
        .server
        .get(&format!("/admin/audit?personne={person}"))
        .await
        .text();
    assert_eq!(first.matches("<tr>").count() - 1, 100, "header row + 100");
    let marker = "href=\"/admin/audit?personne=";
    let start = first
        .rfind(marker)
        .ok_or_else(|| anyhow::anyhow!("no older link"))?
        + 6;
    let end = first[start..]
        .find('"')
        .ok_or_else(|| anyhow::anyhow!("unterminated"))?
        + start;
    let older = first[start..end].replace("&amp;", "&");
    let second = admin.server.get(&older).await.text();
    assert!(second.matches("<tr>").count() > 1, "{second}");
    Ok(())
}
