//! The synthesis document: the coach issues it, the person downloads a PDF whose text
//! (read in Rust) holds the parts the law asks for; nobody else gets it; the
//! retention purge destroys it after the bilan unless the person asked to keep it.

use axum_test::http::StatusCode;
use parcours_db::ConnectionTrait;
use parcours_test_support::TestApp;
use serde_json::Value;

use crate::TestResult;

const DAY: i64 = 24 * 3600 * 1000;

#[tokio::test]
async fn the_coach_issues_the_synthesis_and_the_person_downloads_it() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as("beneficiaire@demo.parcours.test").await?;
    let page = me.server.get("/parcours/synthese").await.text();
    assert!(
        page.contains("l&#39;établira pendant la phase de conclusions"),
        "{page}"
    );
    assert_eq!(
        me.server
            .get(&format!("/beneficiaries/{person}/synthese/document"))
            .await
            .status_code(),
        StatusCode::NOT_FOUND
    );
    // The person cannot issue it themself.
    let refused = me
        .submit(
            "/parcours/synthese",
            &format!("/beneficiaries/{person}/synthese"),
            &[],
        )
        .await;
    assert_eq!(refused.status_code(), StatusCode::FORBIDDEN);

    // Something in the plan, so that the steps are not empty.
    me.submit(
        "/parcours/plan",
        &format!("/beneficiaries/{person}/plan/objectifs"),
        &[("title", "Devenir boulangère")],
    )
    .await;

    let coach = t.login_as("coach@demo.parcours.test").await?;
    let issued = coach
        .submit(
            &format!("/beneficiaries/{person}/synthese"),
            &format!("/beneficiaries/{person}/synthese"),
            &[],
        )
        .await;
    assert_eq!(
        issued.header("location"),
        format!("/beneficiaries/{person}/synthese?saved=1")
    );

    let download = me
        .server
        .get(&format!("/beneficiaries/{person}/synthese/document"))
        .await;
    assert_eq!(download.status_code(), StatusCode::OK);
    assert_eq!(download.header("content-type"), "application/pdf");
    let pdf = download.as_bytes().to_vec();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = crate::pdf_text(&pdf)?;
    for part in [
        "Document de synthèse du bilan de compétences",
        "Camille Martin",
        "Circonstances du bilan",
        "Bilan commencé le",
        "Durée du bilan",
        "Compétences et aptitudes",
        "Résultats qui comptent",
        "Projet professionnel",
        "Étapes du projet",
        "Devenir boulangère",
        "Suivi prévu",
        "six mois après la fin du bilan",
    ] {
        assert!(text.contains(part), "«{part}» missing from:\n{text}");
    }
    // Tagged and with its fonts inside (PDF/UA asks for both).
    let raw = String::from_utf8_lossy(&pdf);
    assert!(
        raw.contains("/StructTreeRoot") || raw.contains("StructTreeRoot"),
        "not tagged"
    );
    assert!(raw.contains("/FontFile"), "fonts not embedded");

    // Another organisation, a funder, a referrer: nothing.
    let api = format!("/api/v1/beneficiaries/{person}/synthesis");
    let other = t.login_as("coach@horizon.parcours.test").await?;
    assert_eq!(
        other.server.get(&api).await.status_code(),
        StatusCode::NOT_FOUND
    );
    for login in ["funder@demo.parcours.test", "referrer@demo.parcours.test"] {
        let c = t.login_as(login).await?;
        assert_ne!(
            c.server.get(&api).await.status_code(),
            StatusCode::OK,
            "{login}"
        );
    }
    crate::assert_audited(
        &t,
        person,
        &[
            "synthesis.issued",
            "synthesis.downloaded",
            "synthesis.read",
            "synthesis.access_denied",
        ],
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn documents_go_after_the_bilan_unless_the_person_keeps_them() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let token = coach.token_from("/home").await;
    let issued = coach
        .server
        .post(&format!("/api/v1/beneficiaries/{person}/synthesis"))
        .add_header("x-csrf-token", token)
        .await;
    assert_eq!(issued.status_code(), StatusCode::CREATED);
    assert!(issued.json::<Value>()["document_id"].is_string());

    let me = t.login_as("beneficiaire@demo.parcours.test").await?;
    let kept = me
        .submit(
            "/parcours/synthese",
            &format!("/beneficiaries/{person}/synthese/conservation"),
            &[("keep", "yes")],
        )
        .await;
    assert_eq!(kept.header("location"), "/parcours/synthese?saved=1");
    assert!(
        me.server
            .get("/parcours/synthese")
            .await
            .text()
            .contains("Vous avez demandé à les garder")
    );

    let now = parcours_app::now_ms();
    // The bilan is still going: nothing is destroyed.
    assert_eq!(t.app.purge_documents(now).await?, 0);
    // It ended 40 days ago: kept documents stay (three years), ...
    // Kept as SQL: this also ends the bilan (no use case dates an end in the past), and
    // the pages read below still compute the destruction date on the web's wall clock.
    t.app
        .db()
        .execute_unprepared(&format!(
            "UPDATE enrolments SET bilan_ended_at = {}",
            now - 40 * DAY
        ))
        .await?;
    assert_eq!(t.app.purge_documents(now).await?, 0);
    let download = format!("/beneficiaries/{person}/synthese/document");
    assert_eq!(me.server.get(&download).await.status_code(), StatusCode::OK);
    assert!(
        me.server
            .get("/parcours/synthese")
            .await
            .text()
            .contains("Destruction prévue le")
    );
    // ... until the person withdraws: then they go at the next purge.
    me.submit(
        "/parcours/synthese",
        &format!("/beneficiaries/{person}/synthese/conservation"),
        &[("keep", "no")],
    )
    .await;
    assert_eq!(t.app.purge_documents(now).await?, 1);
    assert_eq!(
        me.server.get(&download).await.status_code(),
        StatusCode::NOT_FOUND
    );
    crate::assert_audited(
        &t,
        person,
        &[
            "consent.keep_documents_given",
            "consent.keep_documents_withdrawn",
            "documents.purged",
        ],
    )
    .await?;
    Ok(())
}
