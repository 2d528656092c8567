//! The bilan: consent, answering one question per screen, resuming, results for the
//! person and the coach, refusals that store nothing, phases and change over time.

use axum_test::http::StatusCode;
use parcours_test_support::{Client, TestApp};
use serde_json::{Value, json};

use crate::{TestResult, audit_actions};

const BENEFICIARY: &str = "beneficiaire@demo.parcours.test";

async fn journey(client: &Client, person: uuid::Uuid) -> Value {
    client
        .server
        .get(&format!("/api/v1/beneficiaries/{person}/journey"))
        .await
        .json::<Value>()
}

fn activity_id(journey: &Value, instrument: &str, occasion: &str) -> String {
    journey["activities"]
        .as_array()
        .and_then(|list| {
            list.iter()
                .find(|a| a["instrument"] == instrument && a["occasion"] == occasion)
        })
        .and_then(|a| a["id"].as_str())
        .unwrap_or_else(|| panic!("no {instrument}/{occasion} in {journey}"))
        .to_owned()
}

async fn consent(client: &Client) {
    let response = client
        .submit("/parcours", "/parcours/consentement", &[])
        .await;
    assert_eq!(
        response.status_code(),
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
}

async fn put_answers(client: &Client, activity: &str, body: Value) -> axum_test::TestResponse {
    client
        .put_json(&format!("/api/v1/activities/{activity}/answers"), &body)
        .await
}

#[tokio::test]
async fn a_beneficiary_consents_answers_one_question_at_a_time_resumes_and_sees_results()
-> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as(BENEFICIARY).await?;
    let page = me.server.get("/parcours").await.text();
    assert!(
        page.contains("/parcours/consentement") && page.contains("bilan-consent-v1"),
        "{page}"
    );
    let before = journey(&me, person).await;
    assert_eq!(before["next"], "consent");
    assert!(before["activities"].as_array().is_some_and(Vec::is_empty));

    consent(&me).await;
    let after = journey(&me, person).await;
    assert_eq!(after["consent_text_version"], "bilan-consent-v1");
    assert_eq!(after["cap_minutes"], 24 * 60);
    let riasec = activity_id(&after, "riasec", "once");

    // Answer the first 10 questions through the real form; the social items (S1..S6)
    // get 5, everything else 2, so the profile is known in advance.
    let value_for = |item: &str| {
        if item.starts_with('S') {
            "5"
        } else if item.starts_with('E') {
            "4"
        } else {
            "2"
        }
    };
    let items: Vec<String> = me
        .server
        .get(&format!("/api/v1/activities/{riasec}"))
        .await
        .json::<Value>()["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(items.len(), 36);
    for (n, item) in items.iter().enumerate().take(10) {
        let path = format!("/activites/{riasec}/q/{}", n + 1);
        me.server.get(&path).await;
        let response = me
            .post_form(&path, &[("item", item), ("value", value_for(item))])
            .await;
        assert_eq!(response.status_code(), StatusCode::SEE_OTHER);
        assert_eq!(
            response.header("location"),
            format!("/activites/{riasec}/q/{}", n + 2)
        );
    }
    // Leave and come back: the activity resumes at question 11, and the journey says so.
    let resume = me.server.get(&format!("/activites/{riasec}")).await;
    assert_eq!(
        resume.header("location"),
        format!("/activites/{riasec}/q/11")
    );
    let mid = journey(&me, person).await;
    let status = mid["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == riasec.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (status["status"].as_str(), status["answered"].as_u64()),
        (Some("in_progress"), Some(10))
    );

    // The rest through the API in one go; the last answer completes the activity.
    let rest: Vec<Value> = items[10..]
        .iter()
        .map(|i| json!({"item": i, "value": value_for(i)}))
        .collect();
    let saved = put_answers(&me, &riasec, json!({ "answers": rest })).await;
    assert_eq!(saved.json::<Value>()["status"], "completed");

    let results = me
        .server
        .get(&format!("/api/v1/activities/{riasec}/results"))
        .await
        .json::<Value>();
    let outcome = &results["outcome"];
    assert_eq!(outcome["kind"], "likert");
    assert_eq!(outcome["holland"]["code"], "SER", "{outcome}");
    let social = outcome["scales"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scale"] == "S")
        .unwrap();
    assert_eq!(social["score"], 100.0);
    let page = me
        .server
        .get(&format!("/activites/{riasec}/resultats"))
        .await
        .text();
    assert!(
        page.contains("<svg class=\"hexagon\"") && page.contains("<table class=\"data\""),
        "{page}"
    );
    assert!(page.contains("code SER"), "{page}");
    // Quality flags are for the coach, never shown to the person.
    assert!(!page.contains("qualité des réponses"));

    // The coach sees the same results, with the quality section, and the read is audited.
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let coach_page = coach
        .server
        .get(&format!("/activites/{riasec}/resultats"))
        .await
        .text();
    assert!(
        coach_page.contains("code SER") && coach_page.contains("qualité des réponses"),
        "{coach_page}"
    );
    let coach_journey = coach
        .server
        .get(&format!("/beneficiaries/{person}/parcours"))
        .await
        .text();
    assert!(coach_journey.contains("Terminé"), "{coach_journey}");
    let actions = audit_actions(&t, t.world.operator_id, person).await?;
    for expected in [
        "consent.given",
        "activity.answers_saved",
        "activity.completed",
        "activity.read",
        "journey.read",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} not in {actions:?}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn nothing_is_answered_before_consent() -> TestResult {
    let t = TestApp::spawn().await?;
    let me = t.login_as(BENEFICIARY).await?;
    // Before consent there is no activity at all to answer.
    let j = journey(&me, t.world.beneficiary_person_id).await;
    assert_eq!(j["next"], "consent");
    assert!(j["activities"].as_array().is_some_and(Vec::is_empty));
    let page = me.server.get("/parcours").await.text();
    assert!(!page.contains("/activites/"));
    Ok(())
}

#[tokio::test]
async fn an_out_of_range_or_unknown_answer_is_refused_and_stores_nothing() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as(BENEFICIARY).await?;
    consent(&me).await;
    let riasec = activity_id(&journey(&me, person).await, "riasec", "once");
    let refused = put_answers(
        &me,
        &riasec,
        json!({"answers": [{"item": "R1", "value": "3"}, {"item": "R2", "value": "6"}, {"item": "Q9", "value": "1"}]}),
    )
    .await;
    assert_eq!(refused.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = refused.json::<Value>();
    let codes: Vec<(&str, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(codes, vec![("R2", "out_of_range"), ("Q9", "unknown_item")]);
    // R1 was valid but nothing at all was stored.
    let activity = me
        .server
        .get(&format!("/api/v1/activities/{riasec}"))
        .await
        .json::<Value>();
    assert!(
        activity["questions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["answer"].is_null())
    );
    // The page form says so next to the question, and stores nothing either.
    me.server.get(&format!("/activites/{riasec}/q/1")).await;
    let response = me
        .post_form(
            &format!("/activites/{riasec}/q/1"),
            &[("item", "R1"), ("value", "0")],
        )
        .await;
    assert_eq!(response.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().contains("id=\"question-error\""));
    let activity = me
        .server
        .get(&format!("/api/v1/activities/{riasec}"))
        .await
        .json::<Value>();
    assert!(activity["questions"][0]["answer"].is_null());
    Ok(())
}

#[tokio::test]
async fn only_the_person_answers_and_other_tenants_see_nothing() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as(BENEFICIARY).await?;
    consent(&me).await;
    let riasec = activity_id(&journey(&me, person).await, "riasec", "once");
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let by_coach = put_answers(
        &coach,
        &riasec,
        json!({"answers": [{"item": "R1", "value": "3"}]}),
    )
    .await;
    assert_eq!(by_coach.status_code(), StatusCode::FORBIDDEN);
    let other = t.login_as("coach@horizon.parcours.test").await?;
    assert_eq!(
        other
            .server
            .get(&format!("/api/v1/activities/{riasec}"))
            .await
            .status_code(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .server
            .get(&format!("/activites/{riasec}/resultats"))
            .await
            .status_code(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .server
            .get(&format!("/api/v1/beneficiaries/{person}/journey"))
            .await
            .status_code(),
        StatusCode::NOT_FOUND
    );
    // A funder works in its own organisation: a person's activity does not exist for it.
    let funder = t.login_as("funder@demo.parcours.test").await?;
    assert_eq!(
        funder
            .server
            .get(&format!("/activites/{riasec}/resultats"))
            .await
            .status_code(),
        StatusCode::NOT_FOUND
    );
    // A programme manager of the tenant reads results but never answers.
    let manager = t.login_as("manager@demo.parcours.test").await?;
    assert_eq!(
        manager
            .server
            .get(&format!("/api/v1/activities/{riasec}/results"))
            .await
            .status_code(),
        StatusCode::OK
    );
    let by_manager = put_answers(
        &manager,
        &riasec,
        json!({"answers": [{"item": "R1", "value": "3"}]}),
    )
    .await;
    assert_eq!(by_manager.status_code(), StatusCode::FORBIDDEN);
    Ok(())
}

#[tokio::test]
async fn rankings_and_constraints_are_checked_whole() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as(BENEFICIARY).await?;
    consent(&me).await;
    let j = journey(&me, person).await;
    let values = activity_id(&j, "values", "once");
    let path = format!("/activites/{values}");
    let duplicate = me
        .submit(
            &path,
            &path,
            &[
                ("rank1", "helping"),
                ("rank2", "helping"),
                ("rank3", "income"),
                ("rank4", "security"),
                ("rank5", "variety"),
                ("reason1", ""),
            ],
        )
        .await;
    assert_eq!(duplicate.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        duplicate.text().contains("href=\"#rank2\""),
        "{}",
        duplicate.text()
    );
    let ok = me
        .submit(
            &path,
            &path,
            &[
                ("rank1", "helping"),
                ("rank2", "balance"),
                ("rank3", "income"),
                ("rank4", "security"),
                ("rank5", "variety"),
                ("reason1", "J'aime aider"),
            ],
        )
        .await;
    assert_eq!(ok.status_code(), StatusCode::SEE_OTHER);
    let results = me
        .server
        .get(&format!("/activites/{values}/resultats"))
        .await
        .text();
    assert!(
        results.contains("Être utile aux autres") && results.contains("J&#39;aime aider"),
        "{results}"
    );

    let constraints = activity_id(&j, "constraints", "once");
    let path = format!("/activites/{constraints}");
    let unknown_commune = me
        .submit(
            &path,
            &path,
            &[("home_commune", "99999"), ("max_commute_km", "30")],
        )
        .await;
    assert_eq!(
        unknown_commune.status_code(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let ok = me
        .submit(
            &path,
            &path,
            &[
                ("home_commune", "rouen"),
                ("max_commute_km", "30"),
                ("health", "heavy_loads"),
                ("hours", "nights"),
                ("licence", "no"),
            ],
        )
        .await;
    assert_eq!(ok.status_code(), StatusCode::SEE_OTHER, "{}", ok.text());
    let results = me
        .server
        .get(&format!("/api/v1/activities/{constraints}/results"))
        .await
        .json::<Value>();
    assert_eq!(
        results["outcome"]["excluded_contexts"],
        json!(["300795", "300803"])
    );
    // The commune typed by name is stored as its INSEE code.
    let facts = results["outcome"]["facts"].as_array().unwrap();
    assert!(
        facts
            .iter()
            .any(|f| f["field"] == "home_commune" && f["value"] == "76540"),
        "{results}"
    );
    Ok(())
}

#[tokio::test]
async fn the_coach_moves_the_bilan_on_and_end_takings_show_the_change() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as(BENEFICIARY).await?;
    consent(&me).await;
    let j = journey(&me, person).await;
    let start = activity_id(&j, "self_efficacy", "start");
    let end = activity_id(&j, "self_efficacy", "end");
    let all = |value: &str, reversed: &str| -> Value {
        let ids = [
            "K1", "K2", "K3", "N1", "N2", "N3", "G1", "G2", "G3", "L1", "L2", "L3", "O1", "O2",
            "O3", "B1", "B2", "B3", "B4", "B5",
        ];
        let answers: Vec<Value> = ids
            .iter()
            .map(|i| json!({"item": i, "value": if ["B1", "B2", "B3", "B4"].contains(i) { reversed } else { value }}))
            .collect();
        json!({ "answers": answers })
    };
    assert_eq!(
        put_answers(&me, &start, all("2", "4"))
            .await
            .json::<Value>()["status"],
        "completed"
    );
    // The end taking belongs to the conclusions phase: refused until the coach moves on.
    let early = put_answers(&me, &end, all("5", "1")).await;
    assert_eq!(early.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        early.json::<Value>()["errors"][0]["code"],
        "activity_upcoming"
    );

    let coach = t.login_as("coach@demo.parcours.test").await?;
    let journey_path = format!("/beneficiaries/{person}/parcours");
    let mut phase = journey(&coach, person).await["phase"]
        .as_str()
        .unwrap()
        .to_owned();
    while phase != "conclusions" {
        let moved = coach
            .submit(
                &journey_path,
                &format!("/beneficiaries/{person}/phase"),
                &[],
            )
            .await;
        assert_eq!(moved.status_code(), StatusCode::SEE_OTHER);
        phase = journey(&coach, person).await["phase"]
            .as_str()
            .unwrap()
            .to_owned();
    }
    assert!(
        audit_actions(&t, t.world.operator_id, person)
            .await?
            .iter()
            .any(|a| a == "journey.phase_changed")
    );

    assert_eq!(
        put_answers(&me, &end, all("5", "1")).await.json::<Value>()["status"],
        "completed"
    );
    let results = me
        .server
        .get(&format!("/api/v1/activities/{end}/results"))
        .await
        .json::<Value>();
    let changes = results["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 6, "{results}");
    // From 25 to 100 on every scale, far beyond the reliable change threshold.
    assert!(
        changes
            .iter()
            .all(|c| c["reading"]["change"] == "up" && c["reading"]["before"] == 25.0)
    );
    let page = me
        .server
        .get(&format!("/activites/{end}/resultats"))
        .await
        .text();
    assert!(page.contains("une vraie progression"), "{page}");
    Ok(())
}

fn answered(journey: &Value, activity: &str) -> u64 {
    journey["activities"]
        .as_array()
        .and_then(|list| list.iter().find(|a| a["id"] == activity))
        .and_then(|a| a["answered"].as_u64())
        .unwrap_or_else(|| panic!("no activity {activity} in {journey}"))
}

#[tokio::test]
async fn past_jobs_and_life_experiences_become_skills_the_person_confirms() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as(BENEFICIARY).await?;
    consent(&me).await;
    let id = activity_id(&journey(&me, person).await, "experiences", "once");
    let path = format!("/activites/{id}");

    // The empty state explains what to do; a search lists job titles with their codes.
    let empty = me.server.get(&path).await.text();
    assert!(empty.contains("pas encore ajouté d&#39;emploi"), "{empty}");
    let found = me.server.get(&format!("{path}?q=boulangere")).await.text();
    assert!(
        found.contains("Boulanger / Boulangère") && found.contains("value=\"11573\""),
        "{found}"
    );
    let added = me
        .submit(&path, &path, &[("op", "add_job"), ("job", "11573")])
        .await;
    assert_eq!(added.status_code(), StatusCode::SEE_OTHER);
    assert_eq!(added.header("location"), format!("{path}?saved=jobs#jobs"));

    // A code that is not an appellation is refused, and nothing is stored.
    let refused = me
        .submit(&path, &path, &[("op", "add_job"), ("job", "99999999")])
        .await;
    assert_eq!(refused.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("répertoire des métiers"));
    let unknown_life = put_answers(
        &me,
        &id,
        json!({"answers": [{"item": "life:parenting", "value": "yes"}, {"item": "life:skydiving", "value": "yes"}]}),
    )
    .await;
    assert_eq!(unknown_life.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        unknown_life.json::<Value>()["errors"][0]["field"],
        "life:skydiving"
    );
    assert_eq!(answered(&journey(&me, person).await, &id), 1);

    let life = me
        .submit(
            &path,
            &path,
            &[("op", "life"), ("life", "parenting"), ("life", "languages")],
        )
        .await;
    assert_eq!(life.status_code(), StatusCode::SEE_OTHER);

    // The skills proposed come from the bakery fiche and from both life experiences.
    let results = me
        .server
        .get(&format!("/api/v1/activities/{id}/results"))
        .await
        .json::<Value>();
    let outcome = &results["outcome"];
    assert_eq!(outcome["kind"], "experiences");
    assert_eq!(outcome["jobs"][0]["code_rome"], "D1102");
    let skills = outcome["skills"].as_array().unwrap();
    let codes: Vec<u64> = skills.iter().filter_map(|s| s["code"].as_u64()).collect();
    assert!(
        codes.contains(&300411) && codes.contains(&107848),
        "{codes:?}"
    );
    assert!(
        skills.len() > 5 && skills.iter().all(|s| s["confirmed"].is_null()),
        "{skills:?}"
    );
    let page = me.server.get(&path).await.text();
    assert!(
        page.contains("name=\"skill\" value=\"300411\"") && page.contains("Vient de"),
        "{page}"
    );

    // Confirm one skill, decline another, then finish.
    let confirmed = me
        .submit(
            &path,
            &path,
            &[
                ("op", "skills"),
                ("shown", "300411"),
                ("shown", "300406"),
                ("skill", "300411"),
            ],
        )
        .await;
    assert_eq!(confirmed.status_code(), StatusCode::SEE_OTHER);
    let finish = me.submit(&path, &path, &[("op", "finish")]).await;
    assert_eq!(
        finish.header("location"),
        format!("/activites/{id}/resultats")
    );
    let results = me
        .server
        .get(&format!("/api/v1/activities/{id}/results"))
        .await
        .json::<Value>();
    assert_eq!(results["status"], "done");
    let said = |code: u64| {
        results["outcome"]["skills"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["code"] == code)
            .map(|s| s["confirmed"].clone())
    };
    assert_eq!(said(300411), Some(json!(true)));
    assert_eq!(said(300406), Some(json!(false)));

    // The coach sees the same confirmed skills in the person's file.
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let seen = coach
        .server
        .get(&format!("/activites/{id}/resultats"))
        .await
        .text();
    assert!(
        seen.contains("Parler une ou plusieurs langues étrangères")
            && seen.contains("Boulanger / Boulangère")
            && !seen.contains("Ecrire une ou plusieurs langues"),
        "{seen}"
    );
    Ok(())
}

#[tokio::test]
async fn the_number_of_past_jobs_is_capped() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as(BENEFICIARY).await?;
    consent(&me).await;
    let id = activity_id(&journey(&me, person).await, "experiences", "once");
    // All thirteen appellations of the fixture reference: one more than allowed.
    let codes = [
        11573, 11574, 11001, 38970, 38971, 90001, 90002, 90003, 90004, 90005, 90006, 90007, 90008,
    ];
    let answers: Vec<Value> = codes
        .iter()
        .map(|c| json!({"item": format!("job:{c}"), "value": "yes"}))
        .collect();
    let refused = put_answers(&me, &id, json!({ "answers": answers })).await;
    assert_eq!(refused.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = refused.json::<Value>();
    assert!(
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == "too_many" && e["field"] == "jobs"),
        "{problem}"
    );
    assert_eq!(answered(&journey(&me, person).await, &id), 0);
    Ok(())
}

/// The row of a scale in the managers' reliability table: (people, alpha).
/// A scale's line in the reliability table of the demo's current programme.
fn reliability_row(home: &str, scale: &str) -> (usize, Option<f64>) {
    let home = home
        .split("Fiabilité des questionnaires")
        .find(|table| {
            table
                .chars()
                .take(60)
                .collect::<String>()
                .contains("Normandie 2026")
        })
        .unwrap_or_else(|| panic!("no reliability table of Normandie 2026 in {home}"));
    let marker = format!("<th scope=\"row\">{scale}</th><td>");
    let at = home
        .find(&marker)
        .unwrap_or_else(|| panic!("no {scale} row in {home}"));
    let rest = &home[at + marker.len()..];
    let n: usize = rest[..rest.find('<').unwrap()].parse().unwrap();
    let rest = &rest[rest.find("<td>").unwrap() + 4..];
    // French decimals on a French page: "0,79".
    let alpha = rest[..rest.find(['<', ' ']).unwrap()]
        .replace(',', ".")
        .parse()
        .ok();
    (n, alpha)
}

#[tokio::test]
async fn the_demo_cohort_gives_managers_alpha_and_end_takings_cohort_norms() -> TestResult {
    let t = TestApp::spawn().await?;
    let manager = t.login_as("manager@demo.parcours.test").await?;
    let before = manager.server.get("/home").await.text();
    assert_eq!(reliability_row(&before, "Réaliste"), (0, None));

    let completed = t.app.seed_demo_answers(&t.world).await?;
    assert!(completed > 150, "{completed} takings seeded");
    let home = manager.server.get("/home").await.text();
    let (n, alpha) = reliability_row(&home, "Réaliste");
    assert!(n >= 30, "RIASEC baseline n = {n}");
    let alpha = alpha.expect("alpha computed");
    assert!((0.6..1.0).contains(&alpha), "alpha {alpha}");

    // The statistics read the programme's latest baseline takings, never more than
    // asked, whatever the cohort's size: a bounded sample, not a list of every enrolment.
    let scope = parcours_db::TenantScope::of(t.world.operator_id);
    let riasec = t
        .app
        .instruments()
        .current()
        .into_iter()
        .find(|i| i.id == "riasec");
    let version = riasec.map(|i| i.version).unwrap();
    let takings = |limit| {
        parcours_db::repo::journey::completed_answers_in_programme(
            t.app.db(),
            scope,
            t.world.programme_id,
            "riasec",
            version,
            limit,
        )
    };
    assert_eq!(
        takings(10_000).await?.len(),
        n,
        "every baseline taking, one per person"
    );
    let few = takings(7).await?;
    assert_eq!(few.len(), 7);
    assert!(
        few.iter().all(|answers| answers.len() >= 10),
        "with their answers"
    );

    // A person of the cohort in conclusions: the change since the start is read
    // against the cohort's own spread and reliability.
    let coach = t.login_as("coach@demo.parcours.test").await?;
    // The caseload says who needs attention: late activities, no activity for weeks.
    let home = coach.server.get("/home").await.text();
    assert!(
        home.contains("activité(s) en retard") && home.contains("Sans activité depuis"),
        "{home}"
    );
    let member = t
        .world
        .cohort
        .iter()
        .find(|m| m.phase == parcours_domain::Phase::Conclusions)
        .unwrap();
    let j = journey(&coach, member.person_id).await;
    let end = activity_id(&j, "self_efficacy", "end");
    let results = coach
        .server
        .get(&format!("/api/v1/activities/{end}/results"))
        .await
        .json::<Value>();
    let changes = results["changes"].as_array().unwrap();
    assert!(!changes.is_empty(), "{results}");
    assert!(
        changes.iter().all(|c| c["basis"] == "cohort"),
        "{changes:?}"
    );
    Ok(())
}

/// The constraints form holds health facts ("this stays between you and your coach"):
/// the person and the coach following them read its answers, on pages and API; a
/// manager or another coach of the operator sees that the activity exists and is done,
/// and is refused its answers (each refusal audited); a likert activity stays open to
/// them as before.
#[tokio::test]
async fn health_answers_stay_with_the_person_and_their_coaches() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as(BENEFICIARY).await?;
    consent(&me).await;
    let j = journey(&me, person).await;
    let constraints = activity_id(&j, "constraints", "once");
    let path = format!("/activites/{constraints}");
    let saved = me
        .submit(
            &path,
            &path,
            &[
                ("home_commune", "76540"),
                ("max_commute_km", "30"),
                ("health", "heavy_loads"),
                ("health", "standing"),
            ],
        )
        .await;
    assert_eq!(
        saved.status_code(),
        StatusCode::SEE_OTHER,
        "{}",
        saved.text()
    );
    let values = activity_id(&j, "values", "once");
    let ways = |id: &str| {
        vec![
            format!("/activites/{id}"),
            format!("/activites/{id}/q/1"),
            format!("/activites/{id}/resultats"),
            format!("/api/v1/activities/{id}"),
            format!("/api/v1/activities/{id}/results"),
        ]
    };
    let health_label = "Porter des charges lourdes";

    // The person and their coach read the answers.
    let coach = t.login_as("coach@demo.parcours.test").await?;
    for who in [&me, &coach] {
        let results = who
            .server
            .get(&format!("/activites/{constraints}/resultats"))
            .await;
        assert_eq!(results.status_code(), StatusCode::OK);
        assert!(results.text().contains(health_label));
        let api = who
            .server
            .get(&format!("/api/v1/activities/{constraints}/results"))
            .await;
        assert_eq!(api.status_code(), StatusCode::OK);
        assert!(api.text().contains("heavy_loads"));
    }

    // A manager and another coach of the operator: the activity, not its answers.
    for email in ["manager@demo.parcours.test", "coach2@demo.parcours.test"] {
        let staff = t.login_as(email).await?;
        let before = audit_actions(&t, t.world.operator_id, person)
            .await?
            .iter()
            .filter(|a| *a == "activity.health_answers_denied")
            .count();
        for way in ways(&constraints) {
            let response = staff.server.get(&way).await;
            assert_eq!(
                response.status_code(),
                StatusCode::FORBIDDEN,
                "{email} {way}"
            );
            assert!(!response.text().contains(health_label), "{email} {way}");
            assert!(!response.text().contains("heavy_loads"), "{email} {way}");
        }
        let after = audit_actions(&t, t.world.operator_id, person)
            .await?
            .iter()
            .filter(|a| *a == "activity.health_answers_denied")
            .count();
        assert_eq!(after - before, ways(&constraints).len(), "{email}: audited");
        // The journey still lists it, with its status, and links nowhere.
        let listed = journey(&staff, person).await;
        let row = listed["activities"]
            .as_array()
            .and_then(|all| all.iter().find(|a| a["id"] == constraints.as_str()))
            .cloned()
            .unwrap_or_default();
        assert_eq!(row["instrument"], "constraints", "{email}: {listed}");
        let page = staff
            .server
            .get(&format!("/beneficiaries/{person}/parcours"))
            .await
            .text();
        assert!(page.contains("Ma situation et mes contraintes"), "{email}");
        assert!(
            !page.contains(&format!("/activites/{constraints}")),
            "{email}"
        );
        assert!(page.contains("réponses réservées à la personne et à ses conseillers"));
        // Other activities are read as before.
        assert_eq!(
            staff
                .server
                .get(&format!("/api/v1/activities/{values}"))
                .await
                .status_code(),
            StatusCode::OK,
            "{email}"
        );
    }
    Ok(())
}

/// The live job-title search of the experiences activity is bounded like the public
/// searches: an overlong query is refused with a message, not searched.
#[tokio::test]
async fn the_live_job_search_refuses_an_overlong_query() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as(BENEFICIARY).await?;
    consent(&me).await;
    let id = activity_id(&journey(&me, person).await, "experiences", "once");
    let path = format!("/activites/{id}");
    for q in ["boulangere ".repeat(5000), vec!["boulangere"; 17].join(" ")] {
        let page = me.server.get(&path).add_query_param("q", &q).await.text();
        assert!(
            page.contains("Cette recherche est trop longue")
                || page.contains("Cette recherche compte trop de mots"),
            "{page}"
        );
        assert!(!page.contains("value=\"11573\""), "searched anyway");
    }
    Ok(())
}
