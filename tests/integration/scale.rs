//! `parcours seed --beneficiaries N`: generated people a benchmark can sign in to and
//! measure, consistent with what the product reads.

use parcours_test_support::TestApp;

use crate::TestResult;

#[tokio::test]
async fn generated_beneficiaries_fill_caseloads_results_and_bilans() -> TestResult {
    let t = TestApp::spawn().await?;
    let seeded = t.app.seed_beneficiaries("generated", 205).await?;
    assert_eq!(seeded.beneficiaries, 205);
    assert_eq!(seeded.coaches, 6, "one coach per 40 people, rounded up");
    assert!(seeded.activities > 205, "{seeded:?}");
    assert!(
        seeded.answers > 0 && seeded.pistes > 0 && seeded.sessions > 205,
        "{seeded:?}"
    );
    assert!(seeded.exits > 20, "{seeded:?}");

    // A generated coach signs in with the demo password and finds their 40 people.
    let coach = t.login_as(&seeded.first_coach_email).await?;
    let home = coach.server.get("/home").await.text();
    assert!(home.contains("(40 personnes)"), "{home}");
    assert!(home.contains("Généré 0"), "{home}");

    // The programme's results count them all; those who left have exit facts.
    let (_, report) = t.app.outcomes_report_by_slug("generated", Some(1)).await?;
    let json = serde_json::to_value(&report)?;
    assert_eq!(json["participants"], 205);
    let finished = json["status"]["finished"]["count"].as_u64().unwrap_or(0);
    let dropped = json["status"]["dropped"]["count"].as_u64().unwrap_or(0);
    assert_eq!(finished + dropped, seeded.exits as u64, "{json}");

    // Seeding again adds to the same programme with new coaches.
    let again = t.app.seed_beneficiaries("generated", 10).await?;
    assert_eq!(again.coaches, 1);
    let (_, report) = t.app.outcomes_report_by_slug("generated", Some(1)).await?;
    assert_eq!(serde_json::to_value(&report)?["participants"], 215);

    // The manager's home counts everyone followed but lists the most recently active
    // only: a tenant can hold a million people.
    let manager = t.login_as("manager@demo.parcours.test").await?;
    let home = manager.server.get("/home").await.text();
    assert!(home.contains("(315 personnes)"), "{home}");
    assert!(
        home.contains("Les 300 personnes les plus récemment actives"),
        "{home}"
    );

    // The dashboard serves recent figures from memory, and computes again once
    // outcomes change (here an import of one more participant).
    let generated = home
        .split("href=\"")
        .filter_map(|h| {
            let (href, rest) = h.split_once("\">")?;
            (href.ends_with("/resultats") && rest.starts_with("Résultats de generated"))
                .then(|| href.to_owned())
        })
        .next()
        .ok_or_else(|| anyhow::anyhow!("no results link for generated"))?;
    let big = |page: &str| page.contains("<p class=\"big-number\">215</p>");
    assert!(big(&manager.server.get(&generated).await.text()));
    t.app
        .import_participants(
            "generated",
            None,
            b"external_id,birth_year,commune,referrer,publics,entered_on,status,ended_on,drop_reason,outcome,contract_type,contract_months,training_qualifying\nlate-1,1990,76540,,,2026-01-05,in_progress,,,,,,\n",
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let again = manager.server.get(&generated).await.text();
    assert!(again.contains("<p class=\"big-number\">216</p>"), "{again}");
    Ok(())
}
