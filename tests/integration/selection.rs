//! The selection week: an interview simulation, invitations and attendance, the
//! evaluation grid, and the committee's decision with its reasons.

use axum_test::http::StatusCode;
use parcours_test_support::TestApp;

use crate::{TestResult, audit_actions};

#[tokio::test]
async fn a_simulation_is_evaluated_and_the_committee_decides() -> TestResult {
    let t = TestApp::spawn().await?;
    let manager = t.login_as("manager@demo.parcours.test").await?;
    let page = manager.server.get("/selection").await.text();
    assert!(page.contains("Comité de sélection"));
    let programme = t.world.programme_id.to_string();
    let bad = manager
        .submit(
            "/selection",
            "/selection/evenements",
            &[
                ("programme", programme.as_str()),
                ("kind", "interview_simulation"),
                ("title", ""),
                ("date", "2027-03-02"),
                ("time", "25:00"),
            ],
        )
        .await;
    assert_eq!(bad.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = bad.text();
    assert!(
        text.contains("Donnez un intitulé") && text.contains("L&#39;heure s&#39;écrit 09:30"),
        "{text}"
    );
    let created = manager
        .submit(
            "/selection",
            "/selection/evenements",
            &[
                ("programme", programme.as_str()),
                ("kind", "interview_simulation"),
                ("title", "Simulations avec les boulangeries"),
                ("date", "2027-03-02"),
                ("time", "09:30"),
                ("place", "Salle 2"),
            ],
        )
        .await;
    let location = created.header("location").to_str()?.to_owned();
    assert!(location.starts_with("/selection/evenements/"), "{location}");
    let event = location.trim_end_matches("?saved=1").to_owned();
    let page = manager.server.get(&event).await.text();
    let marker = "name=\"person\" value=\"";
    let start = page
        .find(marker)
        .ok_or_else(|| anyhow::anyhow!("no candidate to invite in {page}"))?
        + marker.len();
    let person = page[start..start + 36].to_owned();
    let none = manager
        .submit(&event, &format!("{event}/invitations"), &[])
        .await;
    assert_eq!(none.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let invited = manager
        .submit(
            &event,
            &format!("{event}/invitations"),
            &[("person", person.as_str())],
        )
        .await;
    assert_eq!(invited.status_code(), StatusCode::SEE_OTHER);
    // The person with an address is told by email, once even if invited twice.
    let camille = t.world.beneficiary_person_id.to_string();
    for _ in 0..2 {
        let again = manager
            .submit(
                &event,
                &format!("{event}/invitations"),
                &[("person", camille.as_str()), ("person", person.as_str())],
            )
            .await;
        assert_eq!(again.status_code(), StatusCode::SEE_OTHER);
    }
    t.app.run_due_jobs(parcours_app::now_ms()).await?;
    let invitations: Vec<String> = t
        .sent_emails()
        .into_iter()
        .filter(|e| e.contains("To: beneficiaire@demo.parcours.test"))
        .collect();
    assert_eq!(invitations.len(), 1, "{invitations:#?}");
    assert!(
        invitations[0].contains("une simulation d'entretien")
            && invitations[0].contains("Simulations avec les boulangeries")
            && invitations[0].contains("Salle 2")
            && invitations[0].contains("9h30"),
        "{}",
        invitations[0]
    );
    let came = manager
        .submit(
            &event,
            &format!("{event}/presence/{person}"),
            &[("attendance", "attended")],
        )
        .await;
    assert_eq!(came.status_code(), StatusCode::SEE_OTHER);
    let grid = format!("{event}/grille/{person}");
    let partial = manager
        .submit(&event, &grid, &[("presentation", "3")])
        .await;
    assert_eq!(partial.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(partial.text().contains("Notez chaque critère"));
    let full = manager
        .submit(
            &event,
            &grid,
            &[
                ("presentation", "3"),
                ("motivation", "4"),
                ("communication", "3"),
                ("knowledge_of_job", "2"),
                ("punctuality", "3"),
                ("comment", "Très motivée, à l'aise."),
            ],
        )
        .await;
    assert_eq!(full.status_code(), StatusCode::SEE_OTHER);
    let page = manager.server.get(&event).await.text();
    assert!(
        page.contains("présent(e)") && page.contains("Votre grille : 3,0 / 4"),
        "{page}"
    );

    // The committee: reasons are required; the decision shows with its summary.
    let decide = format!("/selection/candidats/{person}/decision");
    let no_reason = manager
        .submit("/selection", &decide, &[("decision", "selected")])
        .await;
    assert_eq!(no_reason.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let decided = manager
        .submit(
            "/selection",
            &decide,
            &[
                ("decision", "selected"),
                ("reasons", "Projet clair, présente à toutes les étapes."),
            ],
        )
        .await;
    assert_eq!(decided.status_code(), StatusCode::SEE_OTHER);
    let page = manager.server.get("/selection").await.text();
    assert!(
        page.contains("retenu(e)")
            && page.contains("Venu(e) à 1 événement(s) sur 1")
            && page.contains("grille : 3,0 / 4"),
        "{page}"
    );

    // Not for the person, not across organisations.
    let me = t.login_as("beneficiaire@demo.parcours.test").await?;
    assert_eq!(
        me.server.get("/selection").await.status_code(),
        StatusCode::FORBIDDEN
    );
    let other = t.login_as("coach@horizon.parcours.test").await?;
    assert_eq!(
        other.server.get(&event).await.status_code(),
        StatusCode::NOT_FOUND
    );
    let actions = audit_actions(&t, t.world.operator_id, person.parse()?).await?;
    for action in [
        "selection.attendance_recorded",
        "selection.evaluated",
        "selection.decided",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} not in {actions:?}"
        );
    }
    Ok(())
}
