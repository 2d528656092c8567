//! Issue 25, "Done when": from a fresh install (no demo) to a running programme, through
//! the API alone. The first administrator is made by the use case `parcours
//! create-admin` calls; then every step goes through `/api/v1` with the session of the
//! person who acts, except the two a browser must do: choosing a password from the
//! emailed invitation link and signing in (the API's sessions come from the sign-in form).

use axum_test::http::StatusCode;
use parcours_test_support::{Client, TestApp};
use serde_json::{Value, json};

use crate::TestResult;

const ADMIN: &str = "anne.martin@tremplin.example";
const PASSWORD: &str = "un mot de passe solide";

fn id_of(created: &axum_test::TestResponse) -> anyhow::Result<String> {
    anyhow::ensure!(
        created.status_code() == StatusCode::CREATED,
        "expected 201, got {}: {}",
        created.status_code(),
        created.text()
    );
    let body: Value = created.json();
    body["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no id in {body}"))
}

/// The invitee opens the link of the invitation emailed to `to`, chooses a password
/// (which signs them in), then signs in again from a browser of their own.
async fn accept_invitation(t: &TestApp, to: &str, role: &str) -> anyhow::Result<Client> {
    t.app.run_due_jobs(t.app.now()).await?;
    let emails = t.sent_emails();
    let mail = emails
        .iter()
        .rev()
        .find(|e| e.contains(&format!("To: {to}")) && e.contains("/invitation/"))
        .ok_or_else(|| anyhow::anyhow!("no invitation to {to} in the outbox"))?;
    let link = format!("/invitation/{}", crate::link_token(mail, "/invitation/")?);
    let invitee = t.client()?;
    assert_eq!(
        invitee.server.get(&link).await.status_code(),
        StatusCode::OK
    );
    let password = format!("{PASSWORD} de {role}");
    let chosen = invitee
        .submit(
            &link,
            &link,
            &[("password", &password), ("confirm", &password)],
        )
        .await;
    assert_eq!(chosen.status_code(), StatusCode::SEE_OTHER, "{to}");
    // The link served once.
    assert_eq!(
        t.client()?.server.get(&link).await.status_code(),
        StatusCode::GONE
    );
    let client = t.client()?;
    let signed = client.login(to, &password).await;
    assert_eq!(signed.status_code(), StatusCode::SEE_OTHER, "{to} signs in");
    let me: Value = client.server.get("/api/v1/me").await.json();
    assert_eq!(me["email"], to);
    assert_eq!(me["role"], role, "{me}");
    Ok(client)
}

async fn user_id(client: &Client) -> anyhow::Result<String> {
    let me: Value = client.server.get("/api/v1/me").await.json();
    me["user_id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no user_id in {me}"))
}

#[tokio::test]
async fn from_an_empty_database_to_a_person_in_a_coachs_caseload_through_the_api() -> TestResult {
    let t = TestApp::spawn_empty().await?;
    // Nothing but the reference data: nobody can sign in.
    let nobody = t.client()?;
    assert_ne!(
        nobody.login(ADMIN, PASSWORD).await.status_code(),
        StatusCode::SEE_OTHER
    );

    // 1. `parcours create-admin`: the operator and its first administrator.
    t.app
        .create_admin(ADMIN, "Anne Martin", "Tremplin Rouen", PASSWORD)
        .await?;
    let admin = t.client()?;
    assert_eq!(
        admin.login(ADMIN, PASSWORD).await.status_code(),
        StatusCode::SEE_OTHER
    );
    let me: Value = admin.server.get("/api/v1/me").await.json();
    assert_eq!(me["role"], "admin");
    let operator = me["organisation"]["id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no organisation in {me}"))?
        .to_owned();

    // 2. The organisation.
    let saved = admin
        .patch_json(
            &format!("/api/v1/organisations/{operator}"),
            &json!({
                "siret": "73282932000074",
                "address": "12 rue Jeanne d'Arc, 76000 Rouen",
                "contact_email": "contact@tremplin.example",
                "contact_phone": "02 35 00 00 00",
                "dpo_contact": "dpo@tremplin.example",
                "min_cell": 11,
            }),
        )
        .await;
    assert_eq!(saved.status_code(), StatusCode::OK, "{}", saved.text());
    let org: Value = saved.json();
    assert_eq!(org["kind"], "operator");
    assert_eq!(org["siret"], "73282932000074");
    assert_eq!(org["name"], "Tremplin Rouen");

    // 3. The staff: a manager and two coaches, invited by email.
    for (email, first, last, role) in [
        ("paul.leroy@tremplin.example", "Paul", "Leroy", "manager"),
        ("nadia.roux@tremplin.example", "Nadia", "Roux", "coach"),
        ("samir.haddad@tremplin.example", "Samir", "Haddad", "coach"),
    ] {
        let invited = admin
            .post_json(
                "/api/v1/accounts",
                &json!({"email": email, "first_name": first, "last_name": last, "role": role}),
            )
            .await;
        id_of(&invited)?;
    }

    // 4. The partners: a France Travail agency and a Region, each with its user.
    let agency = id_of(
        &admin
            .post_json(
                "/api/v1/organisations",
                &json!({"name": "France Travail Rouen Saint-Sever", "kind": "referrer"}),
            )
            .await,
    )?;
    let region = id_of(
        &admin
            .post_json(
                "/api/v1/organisations",
                &json!({"name": "Région Normandie", "kind": "funder"}),
            )
            .await,
    )?;
    let organisations: Value = admin.server.get("/api/v1/organisations").await.json();
    let kinds: Vec<(&str, &str)> = organisations
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| Some((o["name"].as_str()?, o["kind"].as_str()?)))
        .collect();
    assert_eq!(
        kinds.first(),
        Some(&("Tremplin Rouen", "operator")),
        "{kinds:?}"
    );
    assert!(kinds.contains(&("France Travail Rouen Saint-Sever", "referrer")));
    assert!(kinds.contains(&("Région Normandie", "funder")));
    for (email, first, last, role, org) in [
        (
            "lea.morel@francetravail.example",
            "Léa",
            "Morel",
            "referrer",
            &agency,
        ),
        (
            "marc.dupont@normandie.example",
            "Marc",
            "Dupont",
            "funder",
            &region,
        ),
    ] {
        let invited = admin
            .post_json(
                "/api/v1/accounts",
                &json!({"email": email, "first_name": first, "last_name": last,
                        "role": role, "organisation_id": org}),
            )
            .await;
        id_of(&invited)?;
    }
    let accounts: Value = admin.server.get("/api/v1/accounts").await.json();
    let pending = accounts
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["pending"] == true)
        .count();
    assert_eq!(pending, 5, "five invitations wait: {accounts}");

    // 5. Each accepts from the link in their email and signs in.
    let manager = accept_invitation(&t, "paul.leroy@tremplin.example", "programme_manager").await?;
    let coach = accept_invitation(&t, "nadia.roux@tremplin.example", "coach").await?;
    let coach2 = accept_invitation(&t, "samir.haddad@tremplin.example", "coach").await?;
    let referrer = accept_invitation(&t, "lea.morel@francetravail.example", "referrer").await?;
    let funder = accept_invitation(&t, "marc.dupont@normandie.example", "funder").await?;
    let accounts: Value = admin.server.get("/api/v1/accounts").await.json();
    assert!(
        accounts
            .as_array()
            .into_iter()
            .flatten()
            .all(|a| a["pending"] == false && a["active"] == true),
        "every invitation accepted: {accounts}"
    );
    let coach_id = user_id(&coach).await?;
    let coach2_id = user_id(&coach2).await?;

    // 6. A programme with its rules, quotas and coaches, then a cohort.
    let programme = id_of(
        &admin
            .post_json(
                "/api/v1/programmes",
                &json!({"name": "Cap Avenir 2027", "slug": "cap-avenir-2027",
                        "funder_id": region, "starts_on": "2027-01-04",
                        "ends_on": "2027-12-17"}),
            )
            .await,
    )?;
    let path = format!("/api/v1/programmes/{programme}");
    let ruled = admin
        .patch_json(
            &path,
            &json!({"departements": ["76"], "publics": ["youth"], "min_age": 16,
                    "max_age": 30, "min_cell": 11, "coach_ids": [coach_id, coach2_id],
                    "quotas": [{"organisation_id": agency, "quota": 40}]}),
        )
        .await;
    assert_eq!(ruled.status_code(), StatusCode::OK, "{}", ruled.text());
    let rules: Value = ruled.json();
    assert_eq!(rules["status"], "open");
    assert_eq!(rules["departements"], json!(["76"]));
    assert_eq!(rules["quotas"][0]["quota"], 40);
    assert_eq!(rules["coach_ids"].as_array().map(Vec::len), Some(2));
    let cohort = id_of(
        &admin
            .post_json(
                &format!("{path}/cohorts"),
                &json!({"name": "Janvier 2027", "starts_on": "2027-01-11"}),
            )
            .await,
    )?;
    let cohorts: Value = manager.server.get(&format!("{path}/cohorts")).await.json();
    assert_eq!(cohorts[0]["id"], cohort.as_str(), "{cohorts}");

    // 7. The referrer refers a person.
    let referral = id_of(
        &referrer
            .post_json(
                "/api/v1/referrals",
                &json!({"programme_id": programme, "first_name": "Inès",
                        "last_name": "Benali", "birth_date": "2004-05-17",
                        "email": "ines.benali@example.org", "commune_code": "76540",
                        "publics": ["youth"], "motivation": "Veut travailler dans le soin.",
                        "consent": true}),
            )
            .await,
    )?;
    let sent: Value = referrer.server.get("/api/v1/referrals").await.json();
    assert_eq!(sent[0]["id"], referral.as_str(), "{sent}");
    assert_eq!(sent[0]["status"], "submitted");

    // 8. The manager accepts it into the cohort and gives the person a coach.
    let received: Value = manager.server.get("/api/v1/referrals").await.json();
    assert_eq!(received[0]["id"], referral.as_str(), "{received}");
    let decided = manager
        .put_json(
            &format!("/api/v1/referrals/{referral}/decision"),
            &json!({"decision": "accept", "cohort": cohort}),
        )
        .await;
    assert_eq!(
        decided.status_code(),
        StatusCode::NO_CONTENT,
        "{}",
        decided.text()
    );
    let received: Value = manager.server.get("/api/v1/referrals").await.json();
    assert_eq!(received[0]["status"], "accepted");
    assert_eq!(received[0]["cohort_id"], cohort.as_str());
    let person = received[0]["person_id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no person in {received}"))?
        .to_owned();
    let assigned = manager
        .put_json(
            &format!("/api/v1/beneficiaries/{person}/coach"),
            &json!({"coach": coach_id, "reason": "Première affectation"}),
        )
        .await;
    assert_eq!(
        assigned.status_code(),
        StatusCode::NO_CONTENT,
        "{}",
        assigned.text()
    );

    // 9. The coach sees the person in the caseload, and opens the file.
    let caseload: Value = coach.server.get("/api/v1/caseload").await.json();
    let line = caseload
        .as_array()
        .and_then(|l| l.iter().find(|p| p["person_id"] == person.as_str()))
        .ok_or_else(|| anyhow::anyhow!("not in the coach's caseload: {caseload}"))?;
    assert_eq!(line["last_name"], "Benali");
    assert_eq!(line["programme_id"], programme.as_str());
    assert_eq!(line["coach_id"], coach_id.as_str());
    assert_eq!(line["phase"], "referred");
    let file = coach
        .server
        .get(&format!("/api/v1/beneficiaries/{person}"))
        .await;
    assert_eq!(file.status_code(), StatusCode::OK);
    assert_eq!(
        file.json::<Value>()["enrolments"][0]["programme"],
        "Cap Avenir 2027"
    );
    // The other coach's caseload stays empty; the manager's lists the person.
    let other: Value = coach2.server.get("/api/v1/caseload").await.json();
    assert_eq!(other, json!([]));
    let all: Value = manager.server.get("/api/v1/caseload").await.json();
    assert_eq!(all.as_array().map(Vec::len), Some(1), "{all}");
    // Neither the referrer nor the funder reads a caseload.
    for outsider in [&referrer, &funder] {
        assert_eq!(
            outsider.server.get("/api/v1/caseload").await.status_code(),
            StatusCode::FORBIDDEN
        );
    }

    // 10. The funder sees the programme it funds, and its report (small cells hidden).
    let funded: Value = funder.server.get("/api/v1/funded-programmes").await.json();
    assert_eq!(funded[0]["id"], programme.as_str(), "{funded}");
    assert_eq!(funded[0]["name"], "Cap Avenir 2027");
    assert_eq!(funded[0]["total"], Value::Null, "one person: hidden");
    let report = funder.server.get(&format!("{path}/outcomes")).await;
    assert_eq!(report.status_code(), StatusCode::OK, "{}", report.text());
    assert_eq!(
        coach
            .server
            .get("/api/v1/funded-programmes")
            .await
            .status_code(),
        StatusCode::FORBIDDEN
    );

    // Every change is in the operator's audit log, with who made it.
    let audit = admin.server.get("/admin/audit").await.text();
    for (action, who) in [
        ("Compte invité", "Anne Martin"),
        ("Paul Leroy", "Paul Leroy"),
    ] {
        assert!(audit.contains(action), "{action} in the audit log");
        assert!(audit.contains(who), "{who} in the audit log");
    }
    Ok(())
}
