//! The professional project and its validation gate: chosen from a piste, evidence
//! recorded with who and when, validation only with all of it and the coach's comment.

use axum_test::http::StatusCode;
use parcours_test_support::TestApp;
use serde_json::{Value, json};

use crate::TestResult;

const BENEFICIARY: &str = "beneficiaire@demo.parcours.test";
const EVIDENCE: [&str; 5] = [
    "informational_interview",
    "immersion",
    "training_path",
    "job_prospects",
    "constraints_compatible",
];

#[tokio::test]
async fn a_project_is_validated_only_with_evidence_and_the_coachs_comment() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as(BENEFICIARY).await?;
    let api = format!("/api/v1/beneficiaries/{person}/project");
    let empty = me.server.get(&api).await.json::<Value>();
    assert!(empty["status"].is_null());
    let page = me.server.get("/parcours/projet").await.text();
    assert!(page.contains("Aucun projet choisi"), "{page}");

    // Chosen from a piste card: the bakery.
    let chosen = me
        .submit(
            "/parcours/pistes",
            &format!("/beneficiaries/{person}/projet"),
            &[("kind", "occupation"), ("code", "D1102")],
        )
        .await;
    assert_eq!(chosen.header("location"), "/parcours/projet?saved=1");
    let project = me.server.get(&api).await.json::<Value>();
    assert_eq!(
        (project["status"].as_str(), project["code_rome"].as_str()),
        (Some("exploring"), Some("D1102"))
    );
    // An unknown code and an empty business title are refused by name.
    let bad = me
        .submit(
            "/parcours/projet",
            &format!("/beneficiaries/{person}/projet"),
            &[("kind", "business"), ("title", "  ")],
        )
        .await;
    assert_eq!(bad.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("Décrivez le projet d&#39;entreprise"));

    // The person asks for validation with two pieces of evidence; the coach cannot
    // validate until all five are in, and never without a comment.
    for item in &EVIDENCE[..2] {
        let saved = me
            .submit(
                "/parcours/projet",
                &format!("/beneficiaries/{person}/projet/preuves"),
                &[("item", item), ("note", "Fait avec la boulangerie Martin")],
            )
            .await;
        assert_eq!(saved.status_code(), StatusCode::SEE_OTHER);
    }
    let empty_note = me
        .submit(
            "/parcours/projet",
            &format!("/beneficiaries/{person}/projet/preuves"),
            &[("item", "immersion"), ("note", "")],
        )
        .await;
    assert_eq!(empty_note.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let ask = me
        .submit(
            "/parcours/projet",
            &format!("/beneficiaries/{person}/projet/statut"),
            &[("to", "validating")],
        )
        .await;
    assert_eq!(ask.status_code(), StatusCode::SEE_OTHER);
    let self_validate = me
        .put_json(
            &format!("{api}/status"),
            &json!({"to": "validated", "comment": "moi"}),
        )
        .await;
    assert_eq!(self_validate.status_code(), StatusCode::FORBIDDEN);

    let coach = t.login_as("coach@demo.parcours.test").await?;
    let early = coach
        .put_json(
            &format!("{api}/status"),
            &json!({"to": "validated", "comment": "Bon projet"}),
        )
        .await;
    assert_eq!(early.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(early.json::<Value>()["errors"][0]["field"], "evidence");
    for item in &EVIDENCE[2..] {
        let saved = coach
            .put_json(
                &format!("{api}/evidence/{item}"),
                &json!({"note": "Vérifié en entretien"}),
            )
            .await;
        assert_eq!(saved.status_code(), StatusCode::NO_CONTENT);
    }
    let no_comment = coach
        .submit(
            &format!("/beneficiaries/{person}/projet"),
            &format!("/beneficiaries/{person}/projet/statut"),
            &[("to", "validated"), ("comment", "")],
        )
        .await;
    assert_eq!(no_comment.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_comment
            .text()
            .contains("Un commentaire du conseiller est nécessaire")
    );
    let validated = coach
        .submit(
            &format!("/beneficiaries/{person}/projet"),
            &format!("/beneficiaries/{person}/projet/statut"),
            &[
                ("to", "validated"),
                ("comment", "Projet cohérent, financement CPF trouvé"),
            ],
        )
        .await;
    assert_eq!(
        validated.header("location"),
        format!("/beneficiaries/{person}/projet?saved=1")
    );

    let project = me.server.get(&api).await.json::<Value>();
    assert_eq!(project["status"], "validated");
    assert_eq!(
        project["criteria"],
        json!({"coherence": true, "prospects": true, "training_and_funding": true})
    );
    let evidence = project["evidence"].as_array().unwrap();
    assert!(evidence.iter().all(|e| e["confirmed_at"].is_number()));
    assert_eq!(evidence[0]["confirmed_by"], "Camille Martin");
    assert_eq!(evidence[4]["confirmed_by"], "Sophie Durand");
    let history: Vec<&str> = project["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap())
        .collect();
    assert_eq!(history, vec!["exploring", "validating", "validated"]);
    assert_eq!(
        project["history"][2]["comment"],
        "Projet cohérent, financement CPF trouvé"
    );
    let page = me.server.get("/parcours/projet").await.text();
    assert!(
        page.contains("Validé") && page.contains("financement CPF"),
        "{page}"
    );

    let other = t.login_as("coach@horizon.parcours.test").await?;
    assert_eq!(
        other.server.get(&api).await.status_code(),
        StatusCode::NOT_FOUND
    );
    crate::assert_audited(
        &t,
        person,
        &[
            "project.read",
            "project.chosen",
            "project.evidence_recorded",
            "project.status_changed",
        ],
    )
    .await?;
    Ok(())
}
