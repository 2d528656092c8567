//! The action plan: the person and the coach both add objectives and actions and move
//! them on; bad dates and empty titles are refused; other tenants see nothing.

use axum_test::http::StatusCode;
use parcours_test_support::TestApp;
use serde_json::{Value, json};

use crate::TestResult;

#[tokio::test]
async fn the_person_and_the_coach_share_one_action_plan() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as("beneficiaire@demo.parcours.test").await?;
    let api = format!("/api/v1/beneficiaries/{person}/plan");
    let page = me.server.get("/parcours/plan").await.text();
    assert!(page.contains("Pas encore d&#39;objectif"), "{page}");

    let added = me
        .submit(
            "/parcours/plan",
            &format!("/beneficiaries/{person}/plan/objectifs"),
            &[("title", "Rencontrer deux boulangers")],
        )
        .await;
    assert_eq!(added.header("location"), "/parcours/plan?saved=1");
    let empty = me
        .submit(
            "/parcours/plan",
            &format!("/beneficiaries/{person}/plan/objectifs"),
            &[("title", " ")],
        )
        .await;
    assert_eq!(empty.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text().contains("Donnez un titre"));
    let plan = me.server.get(&api).await.json::<Value>();
    let objective = plan["objectives"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(plan["objectives"].as_array().map(Vec::len), Some(1));

    // The coach adds an action for the person; a date that does not exist is refused.
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let bad_date = coach
        .submit(
            &format!("/beneficiaries/{person}/plan"),
            &format!("/beneficiaries/{person}/plan/objectifs/{objective}/actions"),
            &[
                ("title", "Appeler la boulangerie Martin"),
                ("owner", "person"),
                ("due_on", "2026-02-30"),
            ],
        )
        .await;
    assert_eq!(bad_date.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_date.text().contains("Choisissez une date valide"));
    let action = coach
        .submit(
            &format!("/beneficiaries/{person}/plan"),
            &format!("/beneficiaries/{person}/plan/objectifs/{objective}/actions"),
            &[
                ("title", "Appeler la boulangerie Martin"),
                ("owner", "person"),
                ("due_on", "2026-12-15"),
            ],
        )
        .await;
    assert_eq!(
        action.header("location"),
        format!("/beneficiaries/{person}/plan?saved=1")
    );

    // The person marks it done through the API.
    let plan = me.server.get(&api).await.json::<Value>();
    let action_id = plan["objectives"][0]["actions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(plan["objectives"][0]["actions"][0]["status"], "todo");
    assert_eq!(plan["objectives"][0]["actions"][0]["due_on"], "2026-12-15");
    let done = me
        .put_json(
            &format!("/api/v1/plan/actions/{action_id}/status"),
            &json!({"status": "done"}),
        )
        .await;
    assert_eq!(done.status_code(), StatusCode::NO_CONTENT);
    let unknown = me
        .put_json(
            &format!("/api/v1/plan/actions/{action_id}/status"),
            &json!({"status": "abandoned"}),
        )
        .await;
    assert_eq!(unknown.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let seen = coach
        .server
        .get(&format!("/beneficiaries/{person}/plan"))
        .await
        .text();
    assert!(
        seen.contains("Appeler la boulangerie Martin") && seen.contains("Fait"),
        "{seen}"
    );

    let other = t.login_as("coach@horizon.parcours.test").await?;
    assert_eq!(
        other.server.get(&api).await.status_code(),
        StatusCode::NOT_FOUND
    );
    let foreign = other
        .put_json(
            &format!("/api/v1/plan/actions/{action_id}/status"),
            &json!({"status": "todo"}),
        )
        .await;
    assert_eq!(foreign.status_code(), StatusCode::NOT_FOUND);
    let funder = t.login_as("funder@demo.parcours.test").await?;
    assert_ne!(funder.server.get(&api).await.status_code(), StatusCode::OK);
    crate::assert_audited(&t, person, &["plan.read", "plan.changed"]).await?;
    Ok(())
}
