//! Issue 25: the operator creates its partners, programmes and cohorts through the API
//! and the pages; refusals name their field; another tenant's programme is not found.

use parcours_db::TenantScope;
use parcours_db::repo::installation::accounts;
use parcours_db::repo::{programme_admin, programmes};
use parcours_domain::OrgKind;
use parcours_test_support::{Client, TestApp};
use serde_json::{Value, json};

use crate::TestResult;

const ADMIN: &str = "admin@demo.parcours.test";

async fn patch_json(client: &Client, path: &str, body: &Value) -> axum_test::TestResponse {
    let token = client.csrf().await;
    client
        .server
        .patch(path)
        .add_header("x-csrf-token", token)
        .json(body)
        .await
}

/// The fields a problem+json answer names.
fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn new_funder(admin: &Client, name: &str) -> anyhow::Result<String> {
    let created = admin
        .post_json(
            "/api/v1/organisations",
            &json!({"name": name, "kind": "funder"}),
        )
        .await;
    anyhow::ensure!(created.status_code() == 201, "{}", created.text());
    Ok(created.json::<Value>()["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

#[tokio::test]
async fn an_admin_creates_a_funder_a_programme_and_a_cohort_through_the_api() -> TestResult {
    let t = TestApp::spawn().await?;
    let admin = t.login_as(ADMIN).await?;
    let funder = new_funder(&admin, "Région Normandie").await?;

    let listed: Value = admin.server.get("/api/v1/organisations").await.json();
    let list = listed.as_array().cloned().unwrap_or_default();
    assert_eq!(list[0]["id"], json!(t.world.operator_id.to_string()));
    assert_eq!(list[0]["kind"], "operator");
    assert!(
        list.iter()
            .any(|o| o["id"] == json!(funder) && o["kind"] == "funder"),
        "{listed}"
    );

    let created = admin
        .post_json(
            "/api/v1/programmes",
            &json!({"name": "Cap Avenir 2027", "slug": "cap-avenir-2027", "funder_id": funder,
                "starts_on": "2027-01-04", "ends_on": "2027-12-17", "min_cell": 12,
                "departements": ["76", "27"], "publics": ["youth"]}),
        )
        .await;
    assert_eq!(created.status_code(), 201, "{}", created.text());
    let programme = created.json::<Value>()["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let all: Value = admin.server.get("/api/v1/programmes").await.json();
    assert!(
        all.as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["id"] == json!(programme)
                && p["slug"] == "cap-avenir-2027"
                && p["status"] == "open")),
        "{all}"
    );
    let one: Value = admin
        .server
        .get(&format!("/api/v1/programmes/{programme}"))
        .await
        .json();
    assert_eq!(one["funder_id"], json!(funder));
    assert_eq!(one["ends_on"], "2027-12-17");
    assert_eq!(one["min_cell"], 12);
    assert_eq!(one["departements"], json!(["76", "27"]));

    let cohort = admin
        .post_json(
            &format!("/api/v1/programmes/{programme}/cohorts"),
            &json!({"name": "Janvier 2027", "starts_on": "2027-01-04"}),
        )
        .await;
    assert_eq!(cohort.status_code(), 201, "{}", cohort.text());
    let cohort_id = cohort.json::<Value>()["id"].clone();
    let cohorts: Value = admin
        .server
        .get(&format!("/api/v1/programmes/{programme}/cohorts"))
        .await
        .json();
    assert!(
        cohorts.as_array().is_some_and(|cs| cs
            .iter()
            .any(|c| c["id"] == cohort_id && c["name"] == "Janvier 2027")),
        "{cohorts}"
    );

    // Closed: no new cohort; archived: read-only, the state alone may change.
    let closed = patch_json(
        &admin,
        &format!("/api/v1/programmes/{programme}"),
        &json!({"status": "archived"}),
    )
    .await;
    assert_eq!(closed.status_code(), 200, "{}", closed.text());
    let late = admin
        .post_json(
            &format!("/api/v1/programmes/{programme}/cohorts"),
            &json!({"name": "Juin 2027", "starts_on": "2027-06-01"}),
        )
        .await;
    assert_eq!(late.status_code(), 422);
    assert_eq!(fields(&late.json()), vec!["programme"]);
    let renamed = patch_json(
        &admin,
        &format!("/api/v1/programmes/{programme}"),
        &json!({"name": "Autre nom"}),
    )
    .await;
    assert_eq!(renamed.status_code(), 422);
    assert_eq!(fields(&renamed.json()), vec!["status"]);

    // Every change left its row in the audit log.
    let actions: Vec<String> = parcours_db::repo::audit::of_tenant(
        t.app.db(),
        TenantScope::of(t.world.operator_id),
        &parcours_db::repo::audit::TenantLogQuery {
            limit: 50,
            ..Default::default()
        },
    )
    .await?
    .into_iter()
    .map(|e| e.action)
    .collect();
    for action in [
        "partner.added",
        "programme.created",
        "cohort.added",
        "programme.status_changed",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
    Ok(())
}

#[tokio::test]
async fn refusals_name_their_field() -> TestResult {
    let t = TestApp::spawn().await?;
    let admin = t.login_as(ADMIN).await?;
    let funder = new_funder(&admin, "État").await?;
    let body = |slug: &str, starts: &str, ends: &str| {
        json!({"name": "Programme", "slug": slug, "funder_id": funder,
            "starts_on": starts, "ends_on": ends})
    };

    let backwards = admin
        .post_json(
            "/api/v1/programmes",
            &body("retour", "2027-06-01", "2027-01-01"),
        )
        .await;
    assert_eq!(backwards.status_code(), 422);
    assert!(
        backwards
            .header("content-type")
            .to_str()?
            .starts_with("application/problem+json")
    );
    assert_eq!(fields(&backwards.json()), vec!["ends_on"]);

    let first = admin
        .post_json(
            "/api/v1/programmes",
            &body("unique", "2027-01-01", "2027-06-01"),
        )
        .await;
    assert_eq!(first.status_code(), 201);
    let twice = admin
        .post_json(
            "/api/v1/programmes",
            &body("unique", "2027-01-01", "2027-06-01"),
        )
        .await;
    assert_eq!(twice.status_code(), 422);
    assert_eq!(fields(&twice.json()), vec!["slug"]);

    let missing = admin
        .post_json("/api/v1/programmes", &json!({"name": "Sans rien"}))
        .await;
    assert_eq!(missing.status_code(), 422);
    let mut named = fields(&missing.json());
    named.sort();
    assert_eq!(named, vec!["ends_on", "funder_id", "slug", "starts_on"]);

    // A referrer is not a funder, nor is another operator's funder one of ours.
    let referrer = admin
        .post_json(
            "/api/v1/organisations",
            &json!({"name": "Mission locale de Rouen", "kind": "referrer"}),
        )
        .await;
    assert_eq!(referrer.status_code(), 201);
    let referrer_id = referrer.json::<Value>()["id"].clone();
    let theirs =
        accounts::insert_organisation(t.app.db(), OrgKind::Funder, "Leur Région", 0).await?;
    programme_admin::add_partner(
        t.app.db(),
        TenantScope::of(t.world.other_operator_id),
        theirs,
        0,
    )
    .await?;
    for wrong in [referrer_id, json!(theirs.to_string())] {
        let refused = admin
            .post_json(
                "/api/v1/programmes",
                &json!({"name": "P", "slug": "p-autre", "funder_id": wrong,
                    "starts_on": "2027-01-01", "ends_on": "2027-02-01"}),
            )
            .await;
        assert_eq!(refused.status_code(), 422);
        assert_eq!(fields(&refused.json()), vec!["funder_id"]);
    }
    let listed: Value = admin.server.get("/api/v1/organisations").await.json();
    assert!(
        !listed.to_string().contains(&theirs.to_string()),
        "{listed}"
    );

    let small_cell = patch_json(
        &admin,
        &format!(
            "/api/v1/programmes/{}",
            first.json::<Value>()["id"].as_str().unwrap_or_default()
        ),
        &json!({"min_cell": 5}),
    )
    .await;
    assert_eq!(small_cell.status_code(), 422);
    assert_eq!(fields(&small_cell.json()), vec!["min_cell"]);

    let operator = admin
        .post_json(
            "/api/v1/organisations",
            &json!({"name": "Un autre opérateur", "kind": "operator"}),
        )
        .await;
    assert_eq!(operator.status_code(), 422);
    assert_eq!(fields(&operator.json()), vec!["kind"]);
    Ok(())
}

#[tokio::test]
async fn a_quota_cannot_go_under_the_referrals_already_counted() -> TestResult {
    let t = TestApp::spawn().await?;
    let referrer = t.login_as("referrer@demo.parcours.test").await?;
    let sent = referrer
        .post_json(
            "/api/v1/referrals",
            &json!({"programme_id": t.world.programme_id, "first_name": "Jeanne",
                "last_name": "Quota", "birth_date": "1990-05-01", "email": "", "phone": "06 12 34 56 78",
                "commune_code": "76540", "publics": [], "motivation": "Reprendre un emploi",
                "advisor_email": "", "consent": true}),
        )
        .await;
    assert_eq!(sent.status_code(), 201, "{}", sent.text());
    let admin = t.login_as(ADMIN).await?;
    let path = format!("/api/v1/programmes/{}", t.world.programme_id);
    let before: Value = admin.server.get(&path).await.json();
    let quotas = before["quotas"].as_array().cloned().unwrap_or_default();
    let counted = quotas
        .iter()
        .find(|q| q["referrals"].as_u64().unwrap_or(0) > 0)
        .ok_or_else(|| anyhow::anyhow!("no referrer with referrals: {before}"))?;
    let org = counted["organisation_id"].clone();
    let n = counted["referrals"].as_u64().unwrap_or(0);

    let under = patch_json(
        &admin,
        &path,
        &json!({"quotas": [{"organisation_id": org, "quota": n - 1}]}),
    )
    .await;
    assert_eq!(under.status_code(), 422, "{}", under.text());
    assert_eq!(fields(&under.json()), vec!["quotas"]);

    let enough = patch_json(
        &admin,
        &path,
        &json!({"quotas": [{"organisation_id": org, "quota": n}]}),
    )
    .await;
    assert_eq!(enough.status_code(), 200, "{}", enough.text());
    assert!(
        enough.json::<Value>()["quotas"]
            .as_array()
            .is_some_and(|qs| qs
                .iter()
                .any(|q| q["organisation_id"] == org && q["quota"] == json!(n))),
    );
    Ok(())
}

#[tokio::test]
async fn another_tenants_programme_is_not_found_and_a_coach_is_refused() -> TestResult {
    let t = TestApp::spawn().await?;
    let theirs = programmes::insert(
        t.app.db(),
        TenantScope::of(t.world.other_operator_id),
        None,
        "Leur programme",
        "leur-programme",
        0,
    )
    .await?;
    let admin = t.login_as(ADMIN).await?;
    let path = format!("/api/v1/programmes/{theirs}");
    assert_eq!(admin.server.get(&path).await.status_code(), 404);
    assert_eq!(
        patch_json(&admin, &path, &json!({"name": "Pris"}))
            .await
            .status_code(),
        404
    );
    assert_eq!(
        admin
            .server
            .get(&format!("{path}/cohorts"))
            .await
            .status_code(),
        404
    );
    assert_eq!(
        admin
            .post_json(
                &format!("{path}/cohorts"),
                &json!({"name": "Intrus", "starts_on": "2027-01-01"}),
            )
            .await
            .status_code(),
        404
    );
    let listed: Value = admin.server.get("/api/v1/programmes").await.json();
    assert!(!listed.to_string().contains(&theirs.to_string()));
    assert_eq!(
        admin
            .server
            .get(&format!("/programmes/{theirs}/modifier"))
            .await
            .status_code(),
        404
    );

    let coach = t.login_as("coach@demo.parcours.test").await?;
    assert_eq!(
        coach.server.get("/api/v1/programmes").await.status_code(),
        403
    );
    assert_eq!(
        coach
            .server
            .get("/api/v1/organisations")
            .await
            .status_code(),
        403
    );
    let tried = coach
        .post_json(
            "/api/v1/organisations",
            &json!({"name": "Région", "kind": "funder"}),
        )
        .await;
    assert_eq!(tried.status_code(), 403);
    assert_eq!(coach.server.get("/programmes").await.status_code(), 403);
    Ok(())
}

#[tokio::test]
async fn the_pages_keep_what_was_typed_and_name_the_refused_field() -> TestResult {
    let t = TestApp::spawn().await?;
    let admin = t.login_as(ADMIN).await?;

    let no_name = admin
        .post_form("/partenaires", &[("name", ""), ("kind", "funder")])
        .await;
    assert_eq!(no_name.status_code(), 422);
    let html = no_name.text();
    assert!(html.contains("Indiquez un nom."), "{html}");
    assert!(html.contains("value=\"funder\" selected"));
    let added = admin
        .post_form(
            "/partenaires",
            &[("name", "Région Bretagne"), ("kind", "funder")],
        )
        .await;
    assert_eq!(added.status_code(), 303);
    let partners = admin.server.get("/partenaires").await.text();
    assert!(partners.contains("Région Bretagne"));
    let funder: Value = admin.server.get("/api/v1/organisations").await.json();
    let funder_id = funder
        .as_array()
        .and_then(|os| os.iter().find(|o| o["name"] == "Région Bretagne"))
        .and_then(|o| o["id"].as_str())
        .unwrap_or_default()
        .to_owned();

    let form = admin.server.get("/programmes").await;
    assert_eq!(form.status_code(), 200);
    assert!(form.text().contains("Région Bretagne"));
    let backwards = admin
        .post_form(
            "/programmes",
            &[
                ("name", "Tremplin Rennes"),
                ("slug", "tremplin-rennes"),
                ("funder_id", &funder_id),
                ("starts_on", "2027-09-01"),
                ("ends_on", "2027-03-01"),
            ],
        )
        .await;
    assert_eq!(backwards.status_code(), 422);
    let html = backwards.text();
    assert!(
        html.contains("ne peut pas finir avant de commencer"),
        "{html}"
    );
    assert!(html.contains("href=\"#ends_on\""));
    assert!(html.contains("value=\"Tremplin Rennes\""));
    assert!(html.contains("value=\"2027-09-01\""));
    assert!(html.contains(&format!("value=\"{funder_id}\" selected")));

    let created = admin
        .post_form(
            "/programmes",
            &[
                ("name", "Tremplin Rennes"),
                ("slug", "tremplin-rennes"),
                ("funder_id", &funder_id),
                ("starts_on", "2027-03-01"),
                ("ends_on", "2027-09-01"),
            ],
        )
        .await;
    assert_eq!(created.status_code(), 303);
    let to = created.header("location").to_str()?.to_owned();
    assert!(to.ends_with("/modifier?saved=1"), "{to}");
    let edit = admin.server.get(&to).await;
    assert_eq!(edit.status_code(), 200);
    assert!(edit.text().contains("value=\"tremplin-rennes\""));

    let base = to.trim_end_matches("?saved=1").to_owned();
    let small = admin
        .post_form(
            &base,
            &[
                ("name", "Tremplin Rennes"),
                ("slug", "tremplin-rennes"),
                ("funder_id", &funder_id),
                ("starts_on", "2027-03-01"),
                ("ends_on", "2027-09-01"),
                ("min_cell", "4"),
                ("departements", "35"),
            ],
        )
        .await;
    assert_eq!(small.status_code(), 422);
    let html = small.text();
    assert!(html.contains("11 au moins"), "{html}");
    assert!(html.contains("value=\"4\""));
    assert!(html.contains("value=\"35\""));

    let cohort_path = base.replace("/modifier", "/cohortes");
    let opened = admin
        .post_form(
            &cohort_path,
            &[("name", "Mars"), ("starts_on", "2027-03-01")],
        )
        .await;
    assert_eq!(opened.status_code(), 303);
    assert!(admin.server.get(&base).await.text().contains("Mars"));
    Ok(())
}

fn referral_body(t: &TestApp, last_name: &str) -> Value {
    json!({"programme_id": t.world.programme_id, "first_name": "Jeanne",
        "last_name": last_name, "birth_date": "1990-05-01", "email": "", "phone": "06 12 34 56 78",
        "commune_code": "76540", "publics": [], "motivation": "Reprendre un emploi",
        "advisor_email": "", "consent": true})
}

#[tokio::test]
async fn a_closed_programme_takes_no_referral_and_an_archived_one_is_read_only() -> TestResult {
    let t = TestApp::spawn().await?;
    let admin = t.login_as(ADMIN).await?;
    let programme = t.world.programme_id.to_string();
    let path = format!("/api/v1/programmes/{programme}");
    let closed = patch_json(&admin, &path, &json!({"status": "closed"})).await;
    assert_eq!(closed.status_code(), 200, "{}", closed.text());

    // The API: refused, naming the programme and saying it is closed.
    let referrer = t.login_as("referrer@demo.parcours.test").await?;
    let sent = referrer
        .post_json("/api/v1/referrals", &referral_body(&t, "Close"))
        .await;
    assert_eq!(sent.status_code(), 422, "{}", sent.text());
    let problem: Value = sent.json();
    assert_eq!(fields(&problem), vec!["programme"]);
    assert_eq!(problem["errors"][0]["code"], "closed");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("closed")),
        "{problem}"
    );
    // The page: no longer offered, and refused with the reason if sent anyway.
    let page = referrer.server.get("/orientations").await.text();
    assert!(
        !page.contains(&format!("<option value=\"{programme}\"")),
        "{page}"
    );
    let form = referrer
        .post_form(
            "/orientations",
            &[
                ("programme", programme.as_str()),
                ("first_name", "Inès"),
                ("last_name", "Haddad"),
                ("birth_date", "28/02/1990"),
                ("phone", "06 11 22 33 44"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(form.status_code(), 422);
    assert!(
        form.text()
            .contains("Ce programme est clos : il ne reçoit plus de nouvelles orientations."),
        "{}",
        form.text()
    );
    // No new cohort either, from the programme's page or the referrals' page.
    let cohort = admin
        .post_json(
            &format!("{path}/cohorts"),
            &json!({"name": "Trop tard", "starts_on": "2027-06-01"}),
        )
        .await;
    assert_eq!(cohort.status_code(), 422);
    assert_eq!(fields(&cohort.json()), vec!["programme"]);
    let manager = t.login_as("manager@demo.parcours.test").await?;
    let other_page = manager
        .post_form(
            "/cohortes",
            &[
                ("programme", programme.as_str()),
                ("name", "Trop tard"),
                ("starts_on", "2027-06-01"),
            ],
        )
        .await;
    assert_eq!(other_page.status_code(), 422, "{}", other_page.text());

    // Open again: referrals come back.
    let reopened = patch_json(&admin, &path, &json!({"status": "open"})).await;
    assert_eq!(reopened.status_code(), 200);
    let sent = referrer
        .post_json("/api/v1/referrals", &referral_body(&t, "Rouverte"))
        .await;
    assert_eq!(sent.status_code(), 201, "{}", sent.text());

    // Archived: the rules and quotas no longer change, on either page; reports open.
    let archived = patch_json(&admin, &path, &json!({"status": "archived"})).await;
    assert_eq!(archived.status_code(), 200);
    let settings = manager
        .post_form(
            &format!("/programmes/{programme}"),
            &[("departements", "14"), ("min_age", "18")],
        )
        .await;
    assert_eq!(settings.status_code(), 422, "{}", settings.text());
    let rules: Value = admin.server.get(&path).await.json();
    assert_ne!(rules["departements"], json!(["14"]), "{rules}");
    let quotas = patch_json(&admin, &path, &json!({"quotas": []})).await;
    assert_eq!(quotas.status_code(), 422);
    assert_eq!(fields(&quotas.json()), vec!["status"]);
    let sent = referrer
        .post_json("/api/v1/referrals", &referral_body(&t, "Archivée"))
        .await;
    assert_eq!(sent.status_code(), 422);
    assert_eq!(fields(&sent.json()), vec!["programme"]);
    assert_eq!(
        manager
            .server
            .get(&format!("/programmes/{programme}/resultats"))
            .await
            .status_code(),
        200
    );
    assert_eq!(
        manager
            .server
            .get(&format!("/api/v1/programmes/{programme}/outcomes"))
            .await
            .status_code(),
        200
    );
    Ok(())
}

#[tokio::test]
async fn the_operators_minimum_cell_is_the_default_and_the_floor() -> TestResult {
    let t = TestApp::spawn().await?;
    let admin = t.login_as(ADMIN).await?;
    let own = format!("/api/v1/organisations/{}", t.world.operator_id);
    let set = patch_json(&admin, &own, &json!({"min_cell": 15})).await;
    assert_eq!(set.status_code(), 200, "{}", set.text());

    // A new programme starts from the operator's cell.
    let funder = new_funder(&admin, "Région Sud").await?;
    let created = admin
        .post_json(
            "/api/v1/programmes",
            &json!({"name": "Cellule", "slug": "cellule", "funder_id": funder,
                "starts_on": "2027-01-04", "ends_on": "2027-12-17"}),
        )
        .await;
    assert_eq!(created.status_code(), 201, "{}", created.text());
    let id = created.json::<Value>()["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = format!("/api/v1/programmes/{id}");
    let one: Value = admin.server.get(&path).await.json();
    assert_eq!(one["min_cell"], 15);

    // Its own cell may be larger, never smaller, here or on the results page.
    let under = patch_json(&admin, &path, &json!({"min_cell": 12})).await;
    assert_eq!(under.status_code(), 422);
    let problem: Value = under.json();
    assert_eq!(fields(&problem), vec!["min_cell"]);
    assert_eq!(problem["errors"][0]["code"], "below_operator");
    let over = patch_json(&admin, &path, &json!({"min_cell": 20})).await;
    assert_eq!(over.status_code(), 200, "{}", over.text());
    let manager = t.login_as("manager@demo.parcours.test").await?;
    let demo = t.world.programme_id;
    let page = manager
        .post_form(
            &format!("/programmes/{demo}/resultats/cellule"),
            &[("min_cell", "12")],
        )
        .await;
    assert_eq!(page.status_code(), 422);
    assert!(
        page.text()
            .contains("sous la taille minimale fixée pour votre organisation"),
        "{}",
        page.text()
    );

    // A programme without its own cell reports with the operator's.
    let report: Value = manager
        .server
        .get(&format!("/api/v1/programmes/{demo}/outcomes"))
        .await
        .json();
    assert_eq!(report["min_cell"], 15, "{report}");

    // The referrer's home hides its small cells under the operator's cell too: at
    // 1000 no count of the demo programme (a hundred people) is shown.
    let referrer = t.login_as("referrer@demo.parcours.test").await?;
    let before = referrer.server.get("/home").await.text();
    let set = patch_json(&admin, &own, &json!({"min_cell": 1000})).await;
    assert_eq!(set.status_code(), 200, "{}", set.text());
    let after = referrer.server.get("/home").await.text();
    assert!(
        after.matches("masqué").count() > before.matches("masqué").count(),
        "{after}"
    );
    let (_, report) = t.app.outcomes_report_by_slug("cellule", None).await?;
    assert_eq!(report.min_cell, 1000);
    Ok(())
}
