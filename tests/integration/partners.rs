//! Partner organisations and their people (issue 25, item 4): users invited from
//! `/partenaires`, one organisation shared by two operators without either seeing the
//! other; and the access log of a file names who opened it (item 10).

use axum_test::http::StatusCode;
use parcours_test_support::TestApp;

use crate::TestResult;

/// The rows of the access log table of a file page (its `<tbody>`).
fn access_log(page: &str) -> &str {
    let start = page.find("id=\"audit\"").unwrap_or(0);
    let rest = &page[start..];
    let body = rest.find("<tbody>").map_or(rest, |i| &rest[i..]);
    body.find("</tbody>").map_or(body, |i| &body[..i])
}

#[tokio::test]
async fn the_access_log_of_a_file_names_who_opened_it_with_role_and_organisation() -> TestResult {
    let t = TestApp::spawn().await?;
    let me = t.world.beneficiary_person_id;
    let file = format!("/beneficiaries/{me}");
    // The person opens their own file, then their coach does.
    let person = t.login_as("beneficiaire@demo.parcours.test").await?;
    person.server.get(&file).await.assert_status_ok();
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let page = coach.server.get(&file).await;
    page.assert_status_ok();
    let text = page.text();
    assert!(text.contains("<th scope=\"col\">Qui</th>"), "{text}");
    let log = access_log(&text);
    assert!(
        log.contains("Sophie Durand")
            && log.contains("conseiller ou conseillère, Cap Avenir Normandie"),
        "{log}"
    );
    assert!(
        log.contains("Camille Martin")
            && log.contains("personne accompagnée, Cap Avenir Normandie"),
        "{log}"
    );
    // In English too.
    let switched = coach.server.get(&format!("/lang/en?next={file}")).await;
    assert_eq!(switched.status_code(), StatusCode::SEE_OTHER);
    let text = coach.server.get(&file).await.text();
    assert!(text.contains("<th scope=\"col\">Who</th>"), "{text}");
    let log = access_log(&text);
    assert!(log.contains("coach, Cap Avenir Normandie"), "{log}");
    assert!(log.contains("participant, Cap Avenir Normandie"), "{log}");
    Ok(())
}

use parcours_db::TenantScope;
use parcours_db::repo::installation::accounts;
use parcours_db::repo::programmes;
use parcours_domain::{Email, OrgKind};
use parcours_test_support::Client;
use serde_json::{Value, json};
use uuid::Uuid;

const ADMIN: &str = "admin@demo.parcours.test";
const HORIZON_ADMIN: &str = "admin@horizon.parcours.test";
const PASSWORD: &str = "un mot de passe long";

/// The second operator's administrator (the demo has only its coach).
async fn horizon_admin(t: &TestApp) -> anyhow::Result<Client> {
    t.app
        .create_admin(
            HORIZON_ADMIN,
            "Hélène Morvan",
            "Horizon Emploi Bretagne",
            PASSWORD,
        )
        .await?;
    let client = t.client()?;
    let signed = client.login(HORIZON_ADMIN, PASSWORD).await;
    assert_eq!(signed.status_code(), StatusCode::SEE_OTHER);
    Ok(client)
}

/// The id of a partner created (or linked) through the API.
async fn add_partner(admin: &Client, name: &str, kind: &str) -> anyhow::Result<Uuid> {
    let created = admin
        .post_json(
            "/api/v1/organisations",
            &json!({"name": name, "kind": kind}),
        )
        .await;
    assert_eq!(
        created.status_code(),
        StatusCode::CREATED,
        "{}",
        created.text()
    );
    let body: Value = created.json();
    Ok(Uuid::parse_str(body["id"].as_str().unwrap_or_default())?)
}

/// The link emailed to `to` whose path starts with `marker` (the latest), once the
/// queue ran.
async fn emailed_link(t: &TestApp, to: &str, marker: &str) -> anyhow::Result<String> {
    t.app.run_due_jobs(t.app.now()).await?;
    let emails = t.sent_emails();
    let mail = emails
        .iter()
        .rev()
        .find(|e| e.contains(&format!("To: {to}")) && e.contains(marker))
        .ok_or_else(|| anyhow::anyhow!("no {marker} link to {to} in {emails:#?}"))?;
    Ok(format!("{marker}{}", crate::link_token(mail, marker)?))
}

/// The invitee opens the emailed link and chooses a password: signed in.
async fn accept_invitation(t: &TestApp, to: &str) -> anyhow::Result<Client> {
    t.app.run_due_jobs(t.app.now()).await?;
    let invitee = t.client()?;
    // Invited twice, the latest link works (an earlier one is revoked).
    let mut link = None;
    for mail in t
        .sent_emails()
        .iter()
        .filter(|e| e.contains(&format!("To: {to}")))
    {
        let Ok(token) = crate::link_token(mail, "/invitation/") else {
            continue;
        };
        let candidate = format!("/invitation/{token}");
        if invitee.server.get(&candidate).await.status_code() == StatusCode::OK {
            link = Some(candidate);
        }
    }
    let link = link.ok_or_else(|| anyhow::anyhow!("no usable invitation to {to}"))?;
    let chosen = invitee
        .submit(
            &link,
            &link,
            &[("password", PASSWORD), ("confirm", PASSWORD)],
        )
        .await;
    assert_eq!(
        chosen.status_code(),
        StatusCode::SEE_OTHER,
        "{}",
        chosen.text()
    );
    Ok(invitee)
}

fn form<'a>(first: &'a str, last: &'a str, email: &'a str) -> [(&'static str, &'a str); 3] {
    [("first_name", first), ("last_name", last), ("email", email)]
}

#[tokio::test]
async fn an_admin_invites_a_partners_users_from_its_page() -> TestResult {
    let t = TestApp::spawn().await?;
    let admin = t.login_as(ADMIN).await?;
    let created = admin
        .submit(
            "/partenaires",
            "/partenaires",
            &[
                ("name", "France Travail – agence du Havre"),
                ("kind", "referrer"),
            ],
        )
        .await;
    assert_eq!(created.status_code(), StatusCode::SEE_OTHER);
    let orgs: Value = admin.server.get("/api/v1/organisations").await.json();
    let agency = orgs
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|o| o["name"] == "France Travail – agence du Havre")
        })
        .and_then(|o| o["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    let page = format!("/partenaires/{agency}");
    let list = admin.server.get("/partenaires").await.text();
    assert!(list.contains(&format!("href=\"{page}\"")), "{list}");
    let shown = admin.server.get(&page).await;
    assert_eq!(shown.status_code(), StatusCode::OK);
    assert!(
        shown.text().contains("Aucun compte pour l&#39;instant")
            || shown.text().contains("Aucun compte")
    );

    // Refused fields are named, and what was typed stays.
    let action = format!("{page}/utilisateurs");
    let refused = admin
        .submit(&page, &action, &form("", "Lemoine", "pas-une-adresse"))
        .await;
    assert_eq!(refused.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = refused.text();
    assert!(text.contains("Indiquez le prénom."), "{text}");
    assert!(
        text.contains("Cette adresse e-mail n&#39;est pas valide")
            || text.contains("Cette adresse e-mail n'est pas valide"),
        "{text}"
    );
    assert!(
        text.contains("value=\"Lemoine\"") && text.contains("value=\"pas-une-adresse\""),
        "{text}"
    );
    assert!(text.contains("aria-invalid=\"true\" aria-describedby=\"first_name-error\""));

    // A new address, the same again, and another operator's account: one answer.
    for email in [
        "agent.havre@francetravail.fr",
        "agent.havre@francetravail.fr",
        "coach@horizon.parcours.test",
    ] {
        let sent = admin
            .submit(&page, &action, &form("Lucie", "Lemoine", email))
            .await;
        assert_eq!(sent.status_code(), StatusCode::SEE_OTHER, "{email}");
        assert_eq!(sent.header("location"), format!("{page}?done=invited"));
    }
    let shown = admin
        .server
        .get(&format!("{page}?done=invited"))
        .await
        .text();
    assert!(shown.contains("Invitation envoyée"), "{shown}");
    assert!(shown.contains("agent.havre@francetravail.fr"), "{shown}");
    assert!(
        !shown.contains("coach@horizon.parcours.test"),
        "nothing linked before accepting"
    );
    // The role follows the organisation's kind.
    let invitee = accept_invitation(&t, "agent.havre@francetravail.fr").await?;
    let me: Value = invitee.server.get("/api/v1/me").await.json();
    assert_eq!(me["role"], "referrer", "{me}");
    let shown = admin.server.get(&page).await.text();
    assert!(
        shown.contains("Lucie Lemoine") && !shown.contains("/relancer"),
        "{shown}"
    );

    // A co-pilot company's users are employers; a pending invitation is resent, then cancelled.
    let copilot = add_partner(&admin, "Transports Normands", "copilot").await?;
    let page = format!("/partenaires/{copilot}");
    let sent = admin
        .submit(
            &page,
            &format!("{page}/utilisateurs"),
            &form("Paul", "Morel", "paul@transports.fr"),
        )
        .await;
    assert_eq!(sent.status_code(), StatusCode::SEE_OTHER);
    let accounts: Value = admin.server.get("/api/v1/accounts").await.json();
    let paul = accounts
        .as_array()
        .and_then(|a| a.iter().find(|x| x["email"] == "paul@transports.fr"))
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("not listed: {accounts}"))?;
    assert_eq!(paul["role"], "employer", "{paul}");
    let account = paul["id"].as_str().unwrap_or_default().to_owned();
    let resent = admin
        .submit(
            &page,
            &format!("{page}/utilisateurs/{account}/relancer"),
            &[],
        )
        .await;
    assert_eq!(resent.header("location"), format!("{page}?done=resent"));
    let cancelled = admin
        .submit(
            &page,
            &format!("{page}/utilisateurs/{account}/annuler"),
            &[],
        )
        .await;
    assert_eq!(
        cancelled.header("location"),
        format!("{page}?done=cancelled")
    );
    assert!(
        !admin
            .server
            .get(&page)
            .await
            .text()
            .contains("paul@transports.fr")
    );

    // Administrators only; another operator, or the operator itself, is not a partner.
    let manager = t.login_as("manager@demo.parcours.test").await?;
    assert_eq!(
        manager.server.get(&page).await.status_code(),
        StatusCode::FORBIDDEN
    );
    for other in [t.world.other_operator_id, t.world.operator_id] {
        let answer = admin.server.get(&format!("/partenaires/{other}")).await;
        assert_eq!(answer.status_code(), StatusCode::NOT_FOUND);
    }
    Ok(())
}

/// The referrals the caller sees, as (last name, programme id).
async fn referrals_seen(client: &Client) -> Vec<(String, String)> {
    let list: Value = client.server.get("/api/v1/referrals").await.json();
    list.as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| {
            (
                r["last_name"].as_str().unwrap_or_default().to_owned(),
                r["programme_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn referral(programme: Uuid, last: &str) -> Value {
    json!({"programme_id": programme, "first_name": "Jeanne", "last_name": last,
        "birth_date": "1990-05-01", "email": "", "phone": "06 12 34 56 78",
        "commune_code": "76540", "publics": [], "motivation": "Reprendre un emploi",
        "advisor_email": "", "consent": true})
}

/// Switches the session to the space working with `operator` (from `/espaces`).
async fn switch_to(client: &Client, operator: &str) -> anyhow::Result<()> {
    let page = client.server.get("/espaces").await.text();
    let at = page
        .find(&format!("avec {operator}"))
        .ok_or_else(|| anyhow::anyhow!("no space with {operator}: {page}"))?;
    let marker = "action=\"/espaces/";
    let start = page[at..]
        .find(marker)
        .ok_or_else(|| anyhow::anyhow!("already in the space with {operator}: {page}"))?
        + at
        + marker.len();
    let action = format!("/espaces/{}", &page[start..start + 36]);
    let switched = client.submit("/espaces", &action, &[]).await;
    assert_eq!(switched.status_code(), StatusCode::SEE_OTHER);
    Ok(())
}

#[tokio::test]
async fn an_agency_shared_by_two_operators_sees_each_apart() -> TestResult {
    let t = TestApp::spawn().await?;
    let conn = t.app.db().clone();
    let admin_a = t.login_as(ADMIN).await?;
    let admin_b = horizon_admin(&t).await?;
    let operator_b = t.world.other_operator_id;

    // Both operators add the same agency: one organisation, linked to each.
    let name = "France Travail – agence de Brest";
    let agency = add_partner(&admin_a, name, "referrer").await?;
    assert_eq!(add_partner(&admin_b, name, "referrer").await?, agency);
    let same_name = accounts::organisations_of_kind(&conn, OrgKind::Referrer)
        .await?
        .into_iter()
        .filter(|o| o.name == name)
        .count();
    assert_eq!(same_name, 1);
    // Each operator's list shows it, and B's shows nothing of A's partners.
    let list_b: Value = admin_b.server.get("/api/v1/organisations").await.json();
    let names_b: Vec<&str> = list_b
        .as_array()
        .map(|a| a.iter().filter_map(|o| o["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(names_b.contains(&name), "{names_b:?}");
    assert!(
        !names_b
            .iter()
            .any(|n| n.starts_with("Mission locale") || *n == "Cap Avenir Normandie"),
        "{names_b:?}"
    );

    // Each operator has a programme the agency refers to.
    let programme_a = t.world.programme_id;
    programmes::add_referrer(
        &conn,
        TenantScope::of(t.world.operator_id),
        programme_a,
        agency,
    )
    .await?;
    let scope_b = TenantScope::of(operator_b);
    let programme_b = programmes::insert(
        &conn,
        scope_b,
        None,
        "Horizon Brest 2026",
        "horizon-brest-2026",
        t.app.now(),
    )
    .await?;
    programmes::add_referrer(&conn, scope_b, programme_b, agency).await?;

    // A invites the agent from its page; B invites the same address through the API,
    // with the same answer as for a new address; the agent accepts both.
    let agent = "yann.le-bihan@francetravail.fr";
    let page_a = format!("/partenaires/{agency}");
    let sent = admin_a
        .submit(
            &page_a,
            &format!("{page_a}/utilisateurs"),
            &form("Yann", "Le Bihan", agent),
        )
        .await;
    assert_eq!(sent.status_code(), StatusCode::SEE_OTHER);
    let client = accept_invitation(&t, agent).await?;
    let invited_b = admin_b
        .post_json(
            "/api/v1/accounts",
            &json!({"email": agent, "first_name": "Yann", "last_name": "Le Bihan",
                "role": "referrer", "organisation_id": agency}),
        )
        .await;
    assert_eq!(
        invited_b.status_code(),
        StatusCode::CREATED,
        "{}",
        invited_b.text()
    );
    let join = emailed_link(&t, agent, "/rejoindre/").await?;
    let accepted = client.submit(&join, &join, &[]).await;
    assert_eq!(
        accepted.status_code(),
        StatusCode::SEE_OTHER,
        "{}",
        accepted.text()
    );
    let user = accounts::find_user_by_email(&conn, &Email::parse(agent)?)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no agent"))?;
    let memberships = accounts::memberships_of(&conn, user.id).await?;
    assert_eq!(memberships.len(), 2, "one membership per operator");

    // Each operator lists its own account of the agent, never the other's.
    let ids_of = |list: &Value| -> Vec<String> {
        list.as_array()
            .map(|a| {
                a.iter()
                    .filter(|x| x["email"] == agent)
                    .filter_map(|x| x["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let seen_a = ids_of(&admin_a.server.get("/api/v1/accounts").await.json());
    let seen_b = ids_of(&admin_b.server.get("/api/v1/accounts").await.json());
    assert_eq!((seen_a.len(), seen_b.len()), (1, 1));
    assert_ne!(seen_a, seen_b);
    let page_b = admin_b
        .server
        .get(&format!("/partenaires/{agency}"))
        .await
        .text();
    assert!(page_b.contains("Yann Le Bihan"));

    // Signed in, the agent works with A: A's programme only, referrals to A only.
    let sent = client
        .post_json("/api/v1/referrals", &referral(programme_a, "Alpha"))
        .await;
    assert_eq!(sent.status_code(), StatusCode::CREATED, "{}", sent.text());
    let wrong = client
        .post_json("/api/v1/referrals", &referral(programme_b, "Intrus"))
        .await;
    assert!(
        matches!(
            wrong.status_code(),
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        ),
        "{}",
        wrong.text()
    );
    let orientations = client.server.get("/orientations").await.text();
    assert!(orientations.contains("Parcours Normandie 2026"));
    assert!(!orientations.contains("Horizon Brest 2026"));
    assert!(
        !client
            .server
            .get("/home")
            .await
            .text()
            .contains("Horizon Brest 2026")
    );

    // In B's space: B's programme only, none of the referrals sent to A.
    switch_to(&client, "Horizon Emploi Bretagne").await?;
    let me: Value = client.server.get("/api/v1/me").await.json();
    assert_eq!(me["role"], "referrer");
    assert!(referrals_seen(&client).await.is_empty());
    let orientations = client.server.get("/orientations").await.text();
    assert!(
        orientations.contains("Horizon Brest 2026"),
        "{orientations}"
    );
    assert!(!orientations.contains("Parcours Normandie 2026") && !orientations.contains("Alpha"));
    let home = client.server.get("/home").await.text();
    assert!(
        home.contains("Horizon Brest 2026") && !home.contains("Parcours Normandie 2026"),
        "{home}"
    );
    let wrong = client
        .post_json("/api/v1/referrals", &referral(programme_a, "Intrus"))
        .await;
    assert!(matches!(
        wrong.status_code(),
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    let sent = client
        .post_json("/api/v1/referrals", &referral(programme_b, "Bravo"))
        .await;
    assert_eq!(sent.status_code(), StatusCode::CREATED, "{}", sent.text());
    assert_eq!(
        referrals_seen(&client).await,
        vec![("Bravo".to_owned(), programme_b.to_string())]
    );

    // Back in A's space: Alpha, never Bravo.
    switch_to(&client, "Cap Avenir Normandie").await?;
    assert_eq!(
        referrals_seen(&client).await,
        vec![("Alpha".to_owned(), programme_a.to_string())]
    );
    let orientations = client.server.get("/orientations").await.text();
    assert!(!orientations.contains("Bravo") && !orientations.contains("Horizon Brest 2026"));

    // Each operator received its own referral only (their people stay apart too).
    let manager_a = t.login_as("manager@demo.parcours.test").await?;
    let received_a: Vec<String> = referrals_seen(&manager_a)
        .await
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert!(received_a.contains(&"Alpha".to_owned()) && !received_a.contains(&"Bravo".to_owned()));
    let b_rows = parcours_db::repo::referrals::of_tenant(&conn, scope_b).await?;
    assert_eq!(
        b_rows
            .iter()
            .map(|r| r.last_name.as_str())
            .collect::<Vec<_>>(),
        vec!["Bravo"]
    );
    Ok(())
}

#[tokio::test]
async fn a_funder_shared_by_two_operators_sees_each_operators_programmes_apart() -> TestResult {
    let t = TestApp::spawn().await?;
    let conn = t.app.db().clone();
    let admin_a = t.login_as(ADMIN).await?;
    let admin_b = horizon_admin(&t).await?;
    // B adds the Region the demo operator already works with: linked, not duplicated.
    let region = add_partner(&admin_b, "Région Normandie", "funder").await?;
    let regions = accounts::organisations_of_kind(&conn, OrgKind::Funder).await?;
    assert_eq!(
        regions
            .iter()
            .filter(|o| o.name == "Région Normandie")
            .count(),
        1
    );
    assert!(regions.iter().any(|o| o.id == region));
    let scope_b = TenantScope::of(t.world.other_operator_id);
    let programme_b = programmes::insert(
        &conn,
        scope_b,
        Some(region),
        "Horizon Normandie 2026",
        "horizon-normandie-2026",
        t.app.now(),
    )
    .await?;

    let officer = "chargee.emploi@normandie.fr";
    let page_a = format!("/partenaires/{region}");
    let sent = admin_a
        .submit(
            &page_a,
            &format!("{page_a}/utilisateurs"),
            &form("Anne", "Quéré", officer),
        )
        .await;
    assert_eq!(sent.status_code(), StatusCode::SEE_OTHER);
    let client = accept_invitation(&t, officer).await?;
    let page_b = format!("/partenaires/{region}");
    let sent = admin_b
        .submit(
            &page_b,
            &format!("{page_b}/utilisateurs"),
            &form("Anne", "Quéré", officer),
        )
        .await;
    assert_eq!(sent.status_code(), StatusCode::SEE_OTHER);
    let join = emailed_link(&t, officer, "/rejoindre/").await?;
    assert_eq!(
        client.submit(&join, &join, &[]).await.status_code(),
        StatusCode::SEE_OTHER
    );

    // With A: A's programmes; B's report is not found.
    let home = client.server.get("/home").await.text();
    assert!(
        home.contains("Parcours Normandie 2026") && !home.contains("Horizon Normandie 2026"),
        "{home}"
    );
    let report_b = format!("/programmes/{programme_b}/resultats");
    assert_eq!(
        client.server.get(&report_b).await.status_code(),
        StatusCode::NOT_FOUND
    );
    let report_a = format!("/programmes/{}/resultats", t.world.programme_id);
    assert_eq!(
        client.server.get(&report_a).await.status_code(),
        StatusCode::OK
    );

    // With B: the other way round.
    switch_to(&client, "Horizon Emploi Bretagne").await?;
    let home = client.server.get("/home").await.text();
    assert!(
        home.contains("Horizon Normandie 2026") && !home.contains("Parcours Normandie 2026"),
        "{home}"
    );
    assert_eq!(
        client.server.get(&report_a).await.status_code(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        client.server.get(&report_b).await.status_code(),
        StatusCode::OK
    );
    Ok(())
}
