//! Issue 25: the employer's offers through `/api/v1/opportunities`, with the same checks
//! and roles as the employer's space: an employer creates, lists, reads and changes its
//! own offers; the operator's manager reads those made to its candidates; another
//! employer's or operator's offer is not found; refusals are problem+json naming the field.

use parcours_db::TenantScope;
use parcours_db::repo::installation::accounts;
use parcours_db::repo::opportunities;
use parcours_domain::OrgKind;
use parcours_domain::opportunity::{OpportunityInput, RequestStatus};
use parcours_test_support::{Client, TestApp};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::TestResult;

const EMPLOYER: &str = "employer@demo.parcours.test";
const MANAGER: &str = "manager@demo.parcours.test";

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

/// An offer by another employer, in the given operator's tenant.
async fn someone_elses_offer(t: &TestApp, tenant: Uuid, name: &str) -> anyhow::Result<Uuid> {
    let db = t.app.db();
    let org = accounts::insert_organisation(db, OrgKind::Employer, name, 0).await?;
    let scope = TenantScope::of(tenant);
    opportunities::add_partner(db, scope, org, 0).await?;
    let offer = OpportunityInput {
        kind: "job".into(),
        title: format!("Poste chez {name}"),
        ..OpportunityInput::default()
    }
    .check()
    .map_err(|p| anyhow::anyhow!("{p:?}"))?;
    // The row keeps who created it (no key to the users table): any id will do.
    Ok(opportunities::insert(db, scope, org, Uuid::now_v7(), &offer, 0).await?)
}

#[tokio::test]
async fn an_employer_creates_lists_reads_and_changes_its_offers() -> TestResult {
    let t = TestApp::spawn().await?;
    let employer = t.login_as(EMPLOYER).await?;

    // The employer works with one operator: it need not name it.
    let created = employer
        .post_json(
            "/api/v1/opportunities",
            &json!({"kind": "immersion", "title": "Une semaine en cuisine",
                "code_rome": "D1102", "commune_code": "76540", "capacity": 2,
                "starts_on": "2027-03-01", "ends_on": "2027-03-07"}),
        )
        .await;
    assert_eq!(created.status_code(), 201, "{}", created.text());
    let id = created.json::<Value>()["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(Uuid::parse_str(&id).is_ok(), "{id}");

    let listed: Value = employer.server.get("/api/v1/opportunities").await.json();
    let list = listed.as_array().cloned().unwrap_or_default();
    assert!(
        list.iter().any(|o| o["id"] == json!(id)
            && o["operator_id"] == json!(t.world.operator_id.to_string())
            && o["kind"] == "immersion"
            && o["paused"] == false),
        "{listed}"
    );
    // The demo's offers too: the immersion at the bakery and the sponsorship.
    assert!(listed.to_string().contains("Deux semaines au fournil"));

    let path = format!("/api/v1/opportunities/{id}");
    let one: Value = employer.server.get(&path).await.json();
    assert_eq!(one["title"], "Une semaine en cuisine");
    assert_eq!(one["capacity"], 2);
    assert_eq!(one["ends_on"], "2027-03-07");
    assert_eq!(one["code_rome"], "D1102");

    // A change sends only what changes; pausing is a change too.
    let changed = patch_json(
        &employer,
        &path,
        &json!({"title": "Une semaine en cuisine centrale", "capacity": "3", "paused": true}),
    )
    .await;
    assert_eq!(changed.status_code(), 200, "{}", changed.text());
    let saved: Value = changed.json();
    assert_eq!(saved["title"], "Une semaine en cuisine centrale");
    assert_eq!(saved["capacity"], 3);
    assert_eq!(saved["paused"], true);
    assert_eq!(saved["starts_on"], "2027-03-01", "untouched fields stay");

    // The employer's space shows what the API saved.
    let space = employer.server.get("/entreprise").await.text();
    assert!(space.contains("Une semaine en cuisine centrale"), "{space}");

    // The manager reads the offers made to the operator's candidates, never changes them.
    let manager = t.login_as(MANAGER).await?;
    let theirs: Value = manager.server.get("/api/v1/opportunities").await.json();
    assert!(theirs.to_string().contains(&id), "{theirs}");
    assert_eq!(manager.server.get(&path).await.status_code(), 200);
    assert_eq!(
        patch_json(&manager, &path, &json!({"title": "Pris"}))
            .await
            .status_code(),
        403
    );
    assert_eq!(
        manager
            .post_json(
                "/api/v1/opportunities",
                &json!({"kind": "job", "title": "Poste"})
            )
            .await
            .status_code(),
        403
    );

    // Every change left its row in the operator's audit log.
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
        "opportunity.offered",
        "opportunity.updated",
        "opportunity.paused",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
    Ok(())
}

#[tokio::test]
async fn refusals_name_their_field_and_save_nothing() -> TestResult {
    let t = TestApp::spawn().await?;
    let employer = t.login_as(EMPLOYER).await?;

    let bad = employer
        .post_json(
            "/api/v1/opportunities",
            &json!({"kind": "party", "title": "", "capacity": "beaucoup"}),
        )
        .await;
    assert_eq!(bad.status_code(), 422, "{}", bad.text());
    assert!(
        bad.header("content-type")
            .to_str()?
            .starts_with("application/problem+json")
    );
    assert_eq!(fields(&bad.json()), vec!["kind", "title", "capacity"]);

    let long = employer
        .post_json(
            "/api/v1/opportunities",
            &json!({"kind": "immersion", "title": "Trop longue",
                "starts_on": "2027-03-01", "ends_on": "2027-05-01"}),
        )
        .await;
    assert_eq!(long.status_code(), 422);
    assert_eq!(fields(&long.json()), vec!["ends_on"]);

    // An operator the employer does not work with is refused, named.
    let elsewhere = employer
        .post_json(
            "/api/v1/opportunities",
            &json!({"operator_id": t.world.other_operator_id, "kind": "job", "title": "Poste"}),
        )
        .await;
    assert_eq!(elsewhere.status_code(), 422);
    assert_eq!(fields(&elsewhere.json()), vec!["operator_id"]);

    let before: Value = employer.server.get("/api/v1/opportunities").await.json();
    let sponsorship = before
        .as_array()
        .and_then(|os| os.iter().find(|o| o["kind"] == "sponsorship"))
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no sponsorship in {before}"))?;
    let id = Uuid::parse_str(sponsorship["id"].as_str().unwrap_or_default())?;
    let path = format!("/api/v1/opportunities/{id}");

    // A second accepted request: the capacity may not go under the two.
    let scope = TenantScope::of(t.world.operator_id);
    let person = t.world.cohort[5].person_id;
    let request = opportunities::insert_request(
        t.app.db(),
        scope,
        opportunities::NewRequest {
            opportunity_id: id,
            person_id: person,
            requested_by: t.world.cohort[5].coach_id,
            message: None,
            token_hash: "not-a-real-token-hash",
            respond_by: 0,
        },
        0,
    )
    .await?;
    opportunities::answer_request(t.app.db(), scope, request, RequestStatus::Accepted, 0).await?;
    let under = patch_json(&employer, &path, &json!({"capacity": 1})).await;
    assert_eq!(under.status_code(), 422, "{}", under.text());
    assert_eq!(fields(&under.json()), vec!["capacity"]);
    let backwards = patch_json(
        &employer,
        &path,
        &json!({"starts_on": "2027-06-01", "ends_on": "2027-01-01"}),
    )
    .await;
    assert_eq!(backwards.status_code(), 422);
    assert_eq!(fields(&backwards.json()), vec!["ends_on"]);
    let moved = patch_json(
        &employer,
        &path,
        &json!({"operator_id": t.world.other_operator_id}),
    )
    .await;
    assert_eq!(moved.status_code(), 422);
    assert_eq!(fields(&moved.json()), vec!["operator_id"]);
    let not_bool = patch_json(&employer, &path, &json!({"paused": "oui"})).await;
    assert_eq!(not_bool.status_code(), 422);
    assert_eq!(fields(&not_bool.json()), vec!["paused"]);

    // Nothing of the refused changes was saved.
    let after: Value = employer.server.get(&path).await.json();
    assert_eq!(after["capacity"], sponsorship["capacity"]);
    assert_eq!(after["starts_on"], sponsorship["starts_on"]);
    assert_eq!(after["requests_accepted"], 2);
    Ok(())
}

#[tokio::test]
async fn another_employers_or_operators_offer_is_not_found_and_other_roles_are_refused()
-> TestResult {
    let t = TestApp::spawn().await?;
    let neighbour = someone_elses_offer(&t, t.world.operator_id, "Boulangerie voisine").await?;
    let far = someone_elses_offer(&t, t.world.other_operator_id, "Garage lointain").await?;

    let employer = t.login_as(EMPLOYER).await?;
    for id in [neighbour, far] {
        let path = format!("/api/v1/opportunities/{id}");
        assert_eq!(employer.server.get(&path).await.status_code(), 404);
        assert_eq!(
            patch_json(&employer, &path, &json!({"title": "Pris"}))
                .await
                .status_code(),
            404
        );
        // A refused field does not tell whether the offer exists.
        assert_eq!(
            patch_json(&employer, &path, &json!({"paused": 3}))
                .await
                .status_code(),
            404
        );
    }
    let mine: Value = employer.server.get("/api/v1/opportunities").await.json();
    for id in [neighbour, far] {
        assert!(!mine.to_string().contains(&id.to_string()), "{mine}");
    }

    // The manager sees its operator's offers, not another operator's.
    let manager = t.login_as(MANAGER).await?;
    let listed: Value = manager.server.get("/api/v1/opportunities").await.json();
    assert!(listed.to_string().contains(&neighbour.to_string()));
    assert!(!listed.to_string().contains(&far.to_string()));
    assert_eq!(
        manager
            .server
            .get(&format!("/api/v1/opportunities/{far}"))
            .await
            .status_code(),
        404
    );

    // Neither a coach, a referrer nor a person reads or offers.
    for who in [
        "coach@demo.parcours.test",
        "referrer@demo.parcours.test",
        "beneficiaire@demo.parcours.test",
    ] {
        let client = t.login_as(who).await?;
        assert_eq!(
            client
                .server
                .get("/api/v1/opportunities")
                .await
                .status_code(),
            403,
            "{who}"
        );
        assert_eq!(
            client
                .server
                .get(&format!("/api/v1/opportunities/{neighbour}"))
                .await
                .status_code(),
            403,
            "{who}"
        );
        assert_eq!(
            client
                .post_json(
                    "/api/v1/opportunities",
                    &json!({"kind": "job", "title": "Poste"})
                )
                .await
                .status_code(),
            403,
            "{who}"
        );
    }
    let anonymous = t.client()?;
    assert_eq!(
        anonymous
            .server
            .get("/api/v1/opportunities")
            .await
            .status_code(),
        401
    );
    Ok(())
}

#[tokio::test]
async fn the_openapi_document_describes_the_opportunities() -> TestResult {
    let t = TestApp::spawn().await?;
    let doc: Value = t.client()?.server.get("/api/v1/openapi.json").await.json();
    let paths = &doc["paths"];
    for (path, methods) in [
        ("/api/v1/opportunities", &["get", "post"][..]),
        ("/api/v1/opportunities/{id}", &["get", "patch"][..]),
    ] {
        for m in methods {
            assert!(paths[path][m].is_object(), "{path} {m}");
        }
    }
    for schema in [
        "OpportunityDto",
        "OpportunityInputDto",
        "OpportunityCreatedDto",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    Ok(())
}
