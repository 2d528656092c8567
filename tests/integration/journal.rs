//! The introspection journal: guided prompts of the current phase, entries private
//! unless shared, and what the coach, the manager and another tenant may see.

use axum_test::http::StatusCode;
use parcours_test_support::{Client, TestApp};
use serde_json::{Value, json};

use crate::TestResult;

const BENEFICIARY: &str = "beneficiaire@demo.parcours.test";

async fn journal(client: &Client, person: uuid::Uuid) -> axum_test::TestResponse {
    client
        .server
        .get(&format!("/api/v1/beneficiaries/{person}/journal"))
        .await
}

#[tokio::test]
async fn entries_stay_private_unless_shared_with_the_coach() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as(BENEFICIARY).await?;

    // The journal offers the prompts of the person's current phase.
    let page = me.server.get("/parcours/journal").await.text();
    assert!(page.contains("Vous n&#39;avez encore rien écrit"), "{page}");
    let mine = journal(&me, person).await.json::<Value>();
    let prompt = mine["prompts"][0]["id"].as_str().unwrap().to_owned();
    assert!(page.contains(&format!("/parcours/journal/nouveau?prompt={prompt}")));

    // An empty page is refused and nothing is stored.
    let form = format!("/parcours/journal/nouveau?prompt={prompt}");
    let empty = me
        .submit(
            &form,
            "/parcours/journal",
            &[("prompt", &prompt), ("body", "  ")],
        )
        .await;
    assert_eq!(empty.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text().contains("Écrivez quelques mots"));
    assert!(
        journal(&me, person).await.json::<Value>()["entries"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // One private answer to a prompt, one free page shared with the coach.
    let private = me
        .submit(
            &form,
            "/parcours/journal",
            &[
                ("prompt", &prompt),
                ("body", "Je doute de moi, surtout à l'écrit."),
            ],
        )
        .await;
    assert_eq!(private.header("location"), "/parcours/journal?saved=1");
    let shared = me
        .submit(
            "/parcours/journal/nouveau",
            "/parcours/journal",
            &[
                ("body", "J'ai aimé la visite de la boulangerie."),
                ("shared", "yes"),
            ],
        )
        .await;
    assert_eq!(shared.status_code(), StatusCode::SEE_OTHER);
    let mine = journal(&me, person).await.json::<Value>();
    let entries = mine["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    let private_id = entries
        .iter()
        .find(|e| e["shared"] == false)
        .and_then(|e| e["id"].as_str())
        .unwrap()
        .to_owned();
    let shared_id = entries
        .iter()
        .find(|e| e["shared"] == true)
        .and_then(|e| e["id"].as_str())
        .unwrap()
        .to_owned();

    // The coach sees the shared page only, and cannot open or change the private one.
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let seen = coach
        .server
        .get(&format!("/beneficiaries/{person}/journal"))
        .await
        .text();
    assert!(seen.contains("visite de la boulangerie"), "{seen}");
    assert!(!seen.contains("Je doute de moi"), "{seen}");
    let api = journal(&coach, person).await.json::<Value>();
    assert_eq!(api["is_owner"], false);
    assert_eq!(api["entries"].as_array().map(Vec::len), Some(1));
    assert!(api["prompts"].as_array().unwrap().is_empty());
    assert_eq!(
        coach
            .server
            .get(&format!("/parcours/journal/{private_id}"))
            .await
            .status_code(),
        StatusCode::NOT_FOUND
    );
    let write = coach
        .post_json(
            &format!("/api/v1/beneficiaries/{person}/journal"),
            &json!({"body": "Écrit par le conseiller"}),
        )
        .await;
    assert_eq!(write.status_code(), StatusCode::FORBIDDEN);
    let change = coach
        .put_json(
            &format!("/api/v1/journal/{shared_id}"),
            &json!({"body": "changé", "shared": true}),
        )
        .await;
    assert_eq!(change.status_code(), StatusCode::FORBIDDEN);

    // The programme manager and another tenant's coach read nothing.
    let manager = t.login_as("manager@demo.parcours.test").await?;
    assert_eq!(
        journal(&manager, person).await.status_code(),
        StatusCode::FORBIDDEN
    );
    let other = t.login_as("coach@horizon.parcours.test").await?;
    assert_eq!(
        journal(&other, person).await.status_code(),
        StatusCode::NOT_FOUND
    );

    // Unsharing hides the page from the coach again; deleting removes it.
    let unshare = me
        .put_json(
            &format!("/api/v1/journal/{shared_id}"),
            &json!({"body": "J'ai aimé la visite de la boulangerie.", "shared": false}),
        )
        .await;
    assert_eq!(unshare.status_code(), StatusCode::NO_CONTENT);
    assert_eq!(
        journal(&coach, person).await.json::<Value>()["entries"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let edit = format!("/parcours/journal/{private_id}");
    let deleted = me.submit(&edit, &format!("{edit}/supprimer"), &[]).await;
    assert_eq!(
        deleted.header("location"),
        "/parcours/journal?saved=deleted"
    );
    assert_eq!(
        journal(&me, person).await.json::<Value>()["entries"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let bad_prompt = me
        .post_json(
            &format!("/api/v1/beneficiaries/{person}/journal"),
            &json!({"prompt_id": "no-such-prompt", "body": "x"}),
        )
        .await;
    assert_eq!(bad_prompt.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_prompt.json::<Value>()["errors"][0]["field"], "prompt");

    crate::assert_audited(
        &t,
        person,
        &[
            "journal.read",
            "journal.entry_written",
            "journal.entry_changed",
            "journal.entry_deleted",
            "journal.access_denied",
        ],
    )
    .await?;
    Ok(())
}
