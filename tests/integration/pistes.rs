//! Pistes: occupations proposed from the bilan, kept or turned down by the person,
//! pinned by the coach; the ranking respects what the person said.

use axum_test::http::StatusCode;
use parcours_test_support::{Client, TestApp};
use serde_json::{Value, json};

use crate::TestResult;

const BENEFICIARY: &str = "beneficiaire@demo.parcours.test";

async fn pistes(client: &Client, person: uuid::Uuid) -> Value {
    client
        .server
        .get(&format!("/api/v1/beneficiaries/{person}/pistes"))
        .await
        .json::<Value>()
}

fn codes(v: &Value) -> Vec<String> {
    v["pistes"]
        .as_array()
        .unwrap_or_else(|| panic!("no pistes in {v}"))
        .iter()
        .map(|p| p["code_rome"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn pistes_follow_the_bilan_and_respect_what_the_person_says() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as(BENEFICIARY).await?;
    me.submit("/parcours", "/parcours/consentement", &[]).await;
    let journey = me
        .server
        .get(&format!("/api/v1/beneficiaries/{person}/journey"))
        .await
        .json::<Value>();
    let constraints = journey["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["instrument"] == "constraints")
        .and_then(|a| a["id"].as_str())
        .unwrap()
        .to_owned();
    // Before any answer there is nothing to base pistes on: none, and an invitation.
    let before = pistes(&me, person).await;
    assert_eq!(codes(&before).len(), 0, "{before}");
    assert_eq!(before["needs_answers"], true);
    let page = me.server.get("/parcours/pistes").await.text();
    assert!(page.contains("Commencer les activités"), "{page}");
    // Painful postures excluded: the care assistant (bending and kneeling are intrinsic
    // to it in the constraints table) is no longer proposed; the bakery stays.
    let path = format!("/activites/{constraints}");
    let saved = me
        .submit(
            &path,
            &path,
            &[
                ("home_commune", "76540"),
                ("max_commute_km", "30"),
                ("health", "painful_posture"),
                ("training", "short"),
            ],
        )
        .await;
    assert_eq!(saved.status_code(), StatusCode::SEE_OTHER);
    // Constraints alone say what is impossible, not what the person would like.
    assert_eq!(codes(&pistes(&me, person).await).len(), 0);
    let riasec = journey["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["instrument"] == "riasec")
        .and_then(|a| a["id"].as_str())
        .unwrap()
        .to_owned();
    let answers: Vec<Value> = "RIASEC"
        .chars()
        .flat_map(|scale| {
            let level = match scale {
                'R' | 'I' => "5",
                'S' => "4",
                _ => "2",
            };
            (1..=6).map(move |n| json!({"item": format!("{scale}{n}"), "value": level}))
        })
        .collect();
    let answered = me
        .put_json(
            &format!("/api/v1/activities/{riasec}/answers"),
            &json!({ "answers": answers }),
        )
        .await;
    assert!(answered.status_code().is_success(), "{}", answered.text());
    let mine = pistes(&me, person).await;
    let mut proposed = codes(&mine);
    proposed.sort();
    assert_eq!(proposed, vec!["D1102", "M1805"], "{mine}");
    assert_eq!(mine["needs_answers"], false);
    assert!(
        mine["pistes"][0]["score"].is_null(),
        "no score for the person"
    );
    let page = me.server.get("/parcours/pistes").await.text();
    assert!(
        page.contains("Boulanger") && !page.contains("Aide-soignant"),
        "{page}"
    );
    assert!(
        page.contains("Ma situation et mes contraintes"),
        "the basis is named"
    );

    // Keep the developer, turn the bakery down with a reason.
    let kept = me
        .submit(
            "/parcours/pistes",
            &format!("/beneficiaries/{person}/pistes/M1805"),
            &[("op", "shortlist")],
        )
        .await;
    assert_eq!(
        kept.header("location"),
        "/parcours/pistes?saved=1#piste-M1805"
    );
    me.submit(
        "/parcours/pistes",
        &format!("/beneficiaries/{person}/pistes/D1102"),
        &[
            ("op", "reject"),
            ("reason", "Je ne veux pas travailler la nuit"),
        ],
    )
    .await;
    let mine = pistes(&me, person).await;
    assert_eq!(codes(&mine), vec!["M1805"]);
    assert_eq!(mine["pistes"][0]["shortlisted"], true);
    assert_eq!(mine["rejected"][0]["code_rome"], "D1102");
    assert_eq!(
        mine["rejected"][0]["reason"],
        "Je ne veux pas travailler la nuit"
    );

    // The coach sees the scores, pins a piste the engine left out, and cannot keep or
    // turn down for the person; the person cannot pin.
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let seen = coach
        .server
        .get(&format!("/beneficiaries/{person}/pistes"))
        .await
        .text();
    assert!(
        seen.contains("score") && seen.contains("Pistes écartées par la personne"),
        "{seen}"
    );
    let added = coach
        .submit(
            &format!("/beneficiaries/{person}/pistes"),
            &format!("/beneficiaries/{person}/pistes"),
            &[("op", "pin"), ("code", "j1501")],
        )
        .await;
    assert_eq!(
        added.status_code(),
        StatusCode::SEE_OTHER,
        "{}",
        added.text()
    );
    let theirs = pistes(&coach, person).await;
    let care = theirs["pistes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code_rome"] == "J1501")
        .unwrap()
        .clone();
    assert_eq!(
        (care["pinned"].as_bool(), care["added"].as_bool()),
        (Some(true), Some(true))
    );
    assert!(care["score"].is_number());
    assert!(
        care["cautions"]
            .as_array()
            .unwrap()
            .iter()
            // The pinned fiche says which of the person's limits it meets.
            .any(|c| c.as_str().unwrap().contains("ne pas pouvoir faire")),
        "{care}"
    );
    let unknown = coach
        .submit(
            &format!("/beneficiaries/{person}/pistes"),
            &format!("/beneficiaries/{person}/pistes"),
            &[("op", "pin"), ("code", "Z9999")],
        )
        .await;
    assert_eq!(unknown.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown
            .text()
            .contains("n&#39;existe pas dans le répertoire")
    );
    let forbidden = coach
        .put_json(
            &format!("/api/v1/beneficiaries/{person}/pistes/M1805"),
            &json!({"op": "unshortlist"}),
        )
        .await;
    assert_eq!(forbidden.status_code(), StatusCode::FORBIDDEN);
    let pin = me
        .put_json(
            &format!("/api/v1/beneficiaries/{person}/pistes/M1805"),
            &json!({"op": "pin"}),
        )
        .await;
    assert_eq!(pin.status_code(), StatusCode::FORBIDDEN);

    // The person sees the pinned piste first and can put the bakery back.
    let mine = pistes(&me, person).await;
    assert_eq!(codes(&mine)[0..2], ["J1501".to_owned(), "M1805".to_owned()]);
    let back = me
        .put_json(
            &format!("/api/v1/beneficiaries/{person}/pistes/D1102"),
            &json!({"op": "unreject"}),
        )
        .await;
    assert_eq!(back.status_code(), StatusCode::NO_CONTENT);
    assert!(codes(&pistes(&me, person).await).contains(&"D1102".to_owned()));

    let other = t.login_as("coach@horizon.parcours.test").await?;
    assert_eq!(
        other
            .server
            .get(&format!("/api/v1/beneficiaries/{person}/pistes"))
            .await
            .status_code(),
        StatusCode::NOT_FOUND
    );
    crate::assert_audited(
        &t,
        person,
        &["pistes.read", "pistes.changed", "pistes.access_denied"],
    )
    .await?;
    Ok(())
}
