//! Employers open doors: an employer offers, a candidate requests an immersion, the
//! employer accepts from the emailed link without an account, both leave feedback;
//! names and contacts are shown only as far as needed; requests left unanswered expire.

use axum_test::http::StatusCode;
use parcours_db::ConnectionTrait;
use parcours_test_support::TestApp;

use crate::TestResult;

const EMPLOYER: &str = "employer@demo.parcours.test";
const BENEFICIARY: &str = "beneficiaire@demo.parcours.test";

#[tokio::test]
async fn a_candidate_requests_an_immersion_the_employer_accepts_from_the_link() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let employer = t.login_as(EMPLOYER).await?;
    let space = employer.server.get("/entreprise").await.text();
    assert!(space.contains("Deux semaines au fournil"), "{space}");
    let operator = t.world.operator_id.to_string();
    let too_long = employer
        .submit(
            "/entreprise",
            "/entreprise/opportunites",
            &[
                ("operator", operator.as_str()),
                ("kind", "immersion"),
                ("title", "Immersion en pâtisserie"),
                ("starts_on", "2027-03-01"),
                ("ends_on", "2027-04-20"),
            ],
        )
        .await;
    assert_eq!(too_long.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        too_long
            .text()
            .contains("Une immersion dure un mois au plus")
    );
    let unknown_rome = employer
        .submit(
            "/entreprise",
            "/entreprise/opportunites",
            &[
                ("operator", operator.as_str()),
                ("kind", "job"),
                ("title", "Vendeuse"),
                ("code_rome", "Z9999"),
            ],
        )
        .await;
    assert_eq!(unknown_rome.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let job = employer
        .submit(
            "/entreprise",
            "/entreprise/opportunites",
            &[
                ("operator", operator.as_str()),
                ("kind", "job"),
                ("title", "Vendeuse en boulangerie"),
                ("capacity", "1"),
                ("respond_within_days", "5"),
            ],
        )
        .await;
    assert_eq!(job.header("location"), "/entreprise?saved=1");

    // The candidate sees both offers and asks for the immersion.
    let me = t.login_as(BENEFICIARY).await?;
    let page = me.server.get("/parcours/opportunites").await.text();
    assert!(page.contains("Deux semaines au fournil") && page.contains("Vendeuse en boulangerie"));
    let id_before = |page: &str, title: &str| -> String {
        let at = page.find(title).unwrap_or(0);
        let marker = "name=\"opportunity\" value=\"";
        let start = page[at..].find(marker).map_or(0, |i| at + i + marker.len());
        page[start..start + 36].to_owned()
    };
    let immersion = id_before(&page, "Deux semaines au fournil");
    let request_path = format!("/beneficiaries/{person}/opportunites/demandes");
    let asked = me
        .submit(
            "/parcours/opportunites",
            &request_path,
            &[
                ("opportunity", immersion.as_str()),
                ("message", "J'aimerais découvrir le fournil."),
            ],
        )
        .await;
    assert_eq!(
        asked.header("location"),
        "/parcours/opportunites?saved=1#requests"
    );
    let again = me
        .submit(
            "/parcours/opportunites",
            &request_path,
            &[("opportunity", immersion.as_str())],
        )
        .await;
    assert_eq!(again.status_code(), StatusCode::UNPROCESSABLE_ENTITY);

    // The employer gets a link by email: no name in it.
    t.app.run_due_jobs(parcours_app::now_ms()).await?;
    let emails = t.sent_emails();
    let mail = emails
        .iter()
        .find(|e| e.contains("To: employer@demo.parcours.test"))
        .ok_or_else(|| anyhow::anyhow!("no employer email in {emails:#?}"))?;
    assert!(!mail.contains("Martin") && !mail.contains("Camille"));
    let token = crate::link_token(mail, "/demandes/")?;
    let link = format!("/demandes/{token}");

    // Without an account: first name and initial until accepted, then the contact.
    let anonymous = t.client()?;
    let before = anonymous.server.get(&link).await.text();
    assert!(
        before.contains("Camille M.") && !before.contains("Martin"),
        "{before}"
    );
    assert!(before.contains("J&#39;aimerais découvrir le fournil."));
    let accepted = anonymous
        .submit(&link, &link, &[("decision", "accept")])
        .await;
    assert_eq!(accepted.header("location"), format!("{link}?saved=1"));
    let after = anonymous.server.get(&link).await.text();
    assert!(
        after.contains("beneficiaire@demo.parcours.test"),
        "contact shown once accepted"
    );
    assert!(
        !before.contains("beneficiaire@demo.parcours.test"),
        "no contact before"
    );
    let twice = anonymous
        .submit(&link, &link, &[("decision", "decline")])
        .await;
    assert_eq!(twice.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    t.app.run_due_jobs(parcours_app::now_ms()).await?;
    assert!(
        t.sent_emails()
            .iter()
            .any(|e| e.contains("To: beneficiaire@demo.parcours.test")
                && e.contains("Une entreprise a répondu"))
    );

    // Both sides give feedback once.
    let no_rating = anonymous
        .submit(&link, &format!("{link}/avis"), &[("comment", "x")])
        .await;
    assert_eq!(no_rating.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let given = anonymous
        .submit(
            &link,
            &format!("{link}/avis"),
            &[("rating", "4"), ("comment", "Très motivée.")],
        )
        .await;
    assert_eq!(given.status_code(), StatusCode::SEE_OTHER);
    assert!(
        anonymous
            .server
            .get(&link)
            .await
            .text()
            .contains("Merci pour votre avis")
    );
    let page = me.server.get("/parcours/opportunites").await.text();
    assert!(page.contains("acceptée"));
    let marker = format!("/beneficiaries/{person}/opportunites/demandes/");
    let start = page
        .find(&marker)
        .ok_or_else(|| anyhow::anyhow!("no feedback form"))?
        + marker.len();
    let request_id = page[start..start + 36].to_owned();
    let mine = me
        .submit(
            "/parcours/opportunites",
            &format!("{marker}{request_id}/avis"),
            &[("rating", "3")],
        )
        .await;
    assert_eq!(mine.status_code(), StatusCode::SEE_OTHER);
    assert!(
        me.server
            .get("/parcours/opportunites")
            .await
            .text()
            .contains("Merci pour votre avis")
    );

    // Nobody else: another operator's coach, a manager, a wrong link.
    let other = t.login_as("coach@horizon.parcours.test").await?;
    assert_eq!(
        other
            .server
            .get(&format!("/beneficiaries/{person}/opportunites"))
            .await
            .status_code(),
        StatusCode::NOT_FOUND
    );
    let manager = t.login_as("manager@demo.parcours.test").await?;
    assert_eq!(
        manager
            .server
            .get(&format!("/beneficiaries/{person}/opportunites"))
            .await
            .status_code(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        me.server.get("/entreprise").await.status_code(),
        StatusCode::FORBIDDEN
    );
    let wrong = anonymous
        .server
        .get(&format!("/demandes/{}", "0".repeat(64)))
        .await;
    assert_eq!(wrong.status_code(), StatusCode::NOT_FOUND);
    assert!(wrong.text().contains("Ce lien ne fonctionne plus"));

    // The coach asks for the job on the person's behalf; unanswered, it expires.
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let page = coach
        .server
        .get(&format!("/beneficiaries/{person}/opportunites"))
        .await
        .text();
    let job_id = id_before(&page, "Vendeuse en boulangerie");
    let by_coach = coach
        .submit(
            &format!("/beneficiaries/{person}/opportunites"),
            &request_path,
            &[("opportunity", job_id.as_str())],
        )
        .await;
    assert_eq!(by_coach.status_code(), StatusCode::SEE_OTHER);
    // A day before its date, the employer is reminded once; after it, it expires.
    const DAY: i64 = 24 * 3600 * 1000;
    let respond_by = t
        .app
        .db()
        .query_one_raw(parcours_db::Statement::from_string(
            t.app.db().get_database_backend(),
            "SELECT MAX(respond_by) AS d FROM opportunity_requests WHERE status = 'requested'",
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no request"))?
        .try_get::<i64>("", "d")?;
    t.app.clock().advance_ms(respond_by - DAY - t.app.now());
    assert_eq!(t.app.expire_requests(t.app.now()).await?, 0);
    t.app.expire_requests(t.app.now()).await?;
    let reminders = t
        .sent_emails()
        .iter()
        .filter(|e| {
            e.contains("To: employer@demo.parcours.test")
                && e.contains("attend votre réponse avant deux jours")
        })
        .count();
    assert_eq!(reminders, 1);
    t.app.clock().advance_ms(2 * DAY);
    assert_eq!(t.app.expire_requests(t.app.now()).await?, 1);
    // The person's session went idle while the days passed.
    let me = t.login_as(BENEFICIARY).await?;
    assert!(
        me.server
            .get("/parcours/opportunites")
            .await
            .text()
            .contains("expirée sans réponse")
    );
    Ok(())
}

#[tokio::test]
async fn the_coach_records_a_placement_as_facts_the_person_sees_it() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let page = format!("/beneficiaries/{person}/sorties");
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let missing_end = coach
        .submit(
            &page,
            &page,
            &[
                ("kind", "employment"),
                ("contract_type", "cdd"),
                ("starts_on", "2027-01-04"),
                ("employer_name", "Boulangeries du Vexin"),
            ],
        )
        .await;
    assert_eq!(missing_end.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing_end.text().contains("donnez la fin prévue"));
    let recorded = coach
        .submit(
            &page,
            &page,
            &[
                ("kind", "employment"),
                ("contract_type", "cdd"),
                ("starts_on", "2027-01-04"),
                ("planned_end", "2027-07-03"),
                ("weekly_hours", "35"),
                ("employer_name", "Boulangeries du Vexin"),
            ],
        )
        .await;
    assert_eq!(recorded.header("location"), format!("{page}?saved=1"));
    let me = t.login_as(BENEFICIARY).await?;
    let own = me.server.get("/parcours/sorties").await.text();
    assert!(
        own.contains("Boulangeries du Vexin") && own.contains("35 h par semaine"),
        "{own}"
    );
    assert!(
        !own.contains("Noter une sortie"),
        "the person does not record"
    );
    let api: Vec<serde_json::Value> = me
        .server
        .get(&format!("/api/v1/beneficiaries/{person}/placements"))
        .await
        .json();
    assert_eq!(api.len(), 1);
    assert_eq!(api[0]["contract_type"], "cdd");
    assert_eq!(api[0]["planned_end"], "2027-07-03");
    let by_person = me
        .submit(
            "/parcours/sorties",
            &page,
            &[
                ("kind", "business"),
                ("starts_on", "2027-01-01"),
                ("business_activity", "x"),
            ],
        )
        .await;
    assert_eq!(by_person.status_code(), StatusCode::FORBIDDEN);
    let other = t.login_as("coach@horizon.parcours.test").await?;
    assert_eq!(
        other.server.get(&page).await.status_code(),
        StatusCode::NOT_FOUND
    );
    Ok(())
}

#[tokio::test]
async fn a_manager_opens_a_light_account_for_an_employer_who_enters_with_a_link() -> TestResult {
    let t = TestApp::spawn().await?;
    let manager = t.login_as("manager@demo.parcours.test").await?;
    let form = [
        ("organisation", "Pâtisserie Lemaire"),
        ("contact_name", "Hélène Lemaire"),
        ("email", "helene@lemaire.example"),
    ];
    let invited = manager.submit("/entreprises", "/entreprises", &form).await;
    assert_eq!(invited.header("location"), "/entreprises?saved=1");
    assert!(
        manager
            .server
            .get("/entreprises")
            .await
            .text()
            .contains("Pâtisserie Lemaire")
    );
    // The same address again: the same answer (an existing account is asked by email).
    let again = manager.submit("/entreprises", "/entreprises", &form).await;
    assert_eq!(again.header("location"), "/entreprises?saved=1");

    t.app.run_due_jobs(parcours_app::now_ms()).await?;
    let emails = t.sent_emails();
    let mail = emails
        .iter()
        .find(|e| e.contains("To: helene@lemaire.example") && e.contains("/connexion/"))
        .ok_or_else(|| anyhow::anyhow!("no invitation in {emails:#?}"))?;
    let token = crate::link_token(mail, "/connexion/")?;
    let link = format!("/connexion/{token}");

    // Opening the link shows a button (a mail scanner's visit uses nothing up).
    let browser = t.client()?;
    assert_eq!(
        browser.server.get(&link).await.status_code(),
        StatusCode::OK
    );
    let entered = browser.submit(&link, &link, &[]).await;
    assert_eq!(entered.header("location"), "/home");
    let space = browser.server.get("/entreprise").await;
    assert_eq!(space.status_code(), StatusCode::OK);
    assert!(space.text().contains("Pâtisserie Lemaire"));
    // Once only.
    let other = t.client()?;
    let reused = other.submit(&link, &link, &[]).await;
    assert_eq!(reused.status_code(), StatusCode::GONE);

    // Anyone may ask for a link instead of a password; the answer does not say who exists.
    let asker = t.client()?;
    let asked = asker
        .submit(
            "/connexion",
            "/connexion",
            &[("email", "helene@lemaire.example")],
        )
        .await;
    assert_eq!(asked.status_code(), StatusCode::OK);
    let unknown = asker
        .submit(
            "/connexion",
            "/connexion",
            &[("email", "nobody@example.org")],
        )
        .await;
    assert_eq!(
        unknown.text().contains("Si un compte existe"),
        asked.text().contains("Si un compte existe")
    );
    // Only managers open spaces.
    let coach = t.login_as("coach@demo.parcours.test").await?;
    assert_eq!(
        coach.server.get("/entreprises").await.status_code(),
        StatusCode::FORBIDDEN
    );
    Ok(())
}

#[tokio::test]
async fn a_sponsor_follows_their_mentee_and_records_meetings() -> TestResult {
    let t = TestApp::spawn().await?;
    let employer = t.login_as(EMPLOYER).await?;
    let space = employer.server.get("/entreprise").await.text();
    assert!(space.contains("/entreprise/filleuls"));
    let page = employer.server.get("/entreprise/filleuls").await.text();
    assert!(page.contains("Parrainage par un chef de rayon"), "{page}");
    assert!(page.contains("Premier café"), "the demo meeting: {page}");
    assert!(page.contains("Étape du bilan"), "the mentee's step: {page}");
    let marker = "id=\"mentee-";
    let start = page
        .find(marker)
        .map(|i| i + marker.len())
        .ok_or_else(|| anyhow::anyhow!("a mentee card"))?;
    let request = page[start..start + 36].to_owned();
    let row = t
        .app
        .db()
        .query_one_raw(parcours_db::Statement::from_sql_and_values(
            t.app.db().get_database_backend(),
            if t.app.db().get_database_backend() == parcours_db::DbBackend::Postgres {
                "SELECT person_id FROM opportunity_requests WHERE id = $1"
            } else {
                "SELECT person_id FROM opportunity_requests WHERE id = ?"
            },
            [request.parse::<uuid::Uuid>()?.into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no request"))?;
    let person: uuid::Uuid = row.try_get("", "person_id")?;
    let action = format!("/entreprise/filleuls/{request}/rencontres");

    // A date in the future and a note too long are refused, nothing recorded.
    let refused = employer
        .submit(
            "/entreprise/filleuls",
            &action,
            &[("met_on", "2999-01-01"), ("note", &"x".repeat(1001))],
        )
        .await;
    assert_eq!(refused.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = refused.text();
    assert!(
        text.contains("dans le futur") && text.contains("trop longue"),
        "{text}"
    );
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let logged = employer
        .submit(
            "/entreprise/filleuls",
            &action,
            &[
                ("met_on", today.as_str()),
                ("note", "Simulation d'entretien réussie."),
            ],
        )
        .await;
    assert_eq!(
        logged.header("location"),
        format!("/entreprise/filleuls?saved=1#mentee-{request}")
    );
    crate::assert_audited(&t, person, &["mentees.read", "sponsor.meeting_logged"]).await?;

    // The person's coaches read the meetings on the person's opportunities.
    let mut seen = false;
    for coach in ["coach@demo.parcours.test", "coach2@demo.parcours.test"] {
        let c = t.login_as(coach).await?;
        let res = c
            .server
            .get(&format!("/beneficiaries/{person}/opportunites"))
            .await;
        if res.status_code() == StatusCode::OK {
            let text = res.text();
            seen |= text.contains("Simulation d&#39;entretien réussie.")
                && text.contains("Premier café");
        }
    }
    assert!(seen, "a coach of the person sees the meetings");

    // The job found through the sponsorship is recorded as following it.
    let manager = t.login_as("manager@demo.parcours.test").await?;
    let sorties = format!("/beneficiaries/{person}/sorties");
    let placement = [
        ("kind", "employment"),
        ("contract_type", "cdi"),
        ("starts_on", "2027-02-01"),
        ("weekly_hours", "35"),
        ("employer_name", "Boulangerie Vasseur"),
    ];
    let mut bogus = placement.to_vec();
    let made_up = uuid::Uuid::now_v7().to_string();
    bogus.push(("request", made_up.as_str()));
    let refused = manager.submit(&sorties, &sorties, &bogus).await;
    assert_eq!(refused.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("pas une demande acceptée"));
    let mut linked = placement.to_vec();
    linked.push(("request", request.as_str()));
    let recorded = manager.submit(&sorties, &sorties, &linked).await;
    assert_eq!(recorded.status_code(), StatusCode::SEE_OTHER);
    let page = manager.server.get(&sorties).await.text();
    assert!(
        page.contains("À la suite de : Parrainage par un chef de rayon"),
        "{page}"
    );
    let api: Vec<serde_json::Value> = manager
        .server
        .get(&format!("/api/v1/beneficiaries/{person}/placements"))
        .await
        .json();
    assert_eq!(api[0]["request_id"], request.as_str());

    // Only the sponsor: a coach, another operator's coach, and a made-up request.
    let coach = t.login_as("coach@demo.parcours.test").await?;
    assert_eq!(
        coach.server.get("/entreprise/filleuls").await.status_code(),
        StatusCode::FORBIDDEN
    );
    let unknown = employer
        .submit(
            "/entreprise/filleuls",
            &format!("/entreprise/filleuls/{}/rencontres", uuid::Uuid::now_v7()),
            &[("met_on", today.as_str())],
        )
        .await;
    assert_eq!(unknown.status_code(), StatusCode::NOT_FOUND);
    Ok(())
}

/// A manager's invitation answers the same whether the address is new, has an account
/// in the same operator, or in another operator (issue 23, item 11); an existing
/// account joins only when its owner accepts from the email.
#[tokio::test]
async fn an_invitation_does_not_tell_whether_the_address_has_an_account() -> TestResult {
    let t = TestApp::spawn().await?;
    let manager = t.login_as("manager@demo.parcours.test").await?;
    let mut answers = Vec::new();
    for email in [
        "nouvelle@lemaire.example",
        "coach2@demo.parcours.test",
        "coach@horizon.parcours.test",
    ] {
        let form = [
            ("organisation", "Pâtisserie Lemaire"),
            ("contact_name", "Hélène Lemaire"),
            ("email", email),
        ];
        let answer = manager.submit("/entreprises", "/entreprises", &form).await;
        let location = answer
            .maybe_header("location")
            .map(|l| l.to_str().unwrap_or_default().to_owned());
        answers.push((answer.status_code(), location, answer.text()));
    }
    println!(
        "{:?}",
        answers
            .iter()
            .map(|a| (a.0, a.1.clone()))
            .collect::<Vec<_>>()
    );
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:#?}");
    assert_eq!(answers[0].0, StatusCode::SEE_OTHER);
    let page = manager.server.get("/entreprises?saved=1").await.text();
    assert!(page.contains("Invitation envoyée"), "{page}");

    t.app.run_due_jobs(parcours_app::now_ms()).await?;
    let conn = t.app.db().clone();
    let horizon = parcours_db::repo::installation::accounts::find_user_by_email(
        &conn,
        &parcours_domain::Email::parse("coach@horizon.parcours.test")?,
    )
    .await?
    .ok_or_else(|| anyhow::anyhow!("demo user"))?;
    let before =
        parcours_db::repo::installation::accounts::memberships_of(&conn, horizon.id).await?;
    // Nothing is linked until the owner accepts; the email asks them.
    let emails = t.sent_emails();
    let mail = emails
        .iter()
        .find(|e| e.contains("To: coach@horizon.parcours.test"))
        .ok_or_else(|| anyhow::anyhow!("no email to the account's owner in {emails:#?}"))?;
    assert!(mail.contains("Pâtisserie Lemaire"), "{mail}");
    let token = crate::link_token(mail, "/rejoindre/")?;
    let link = format!("/rejoindre/{token}");
    let owner = t.login_as("coach@horizon.parcours.test").await?;
    let open = owner.server.get(&link).await;
    assert_eq!(open.status_code(), StatusCode::OK);
    assert_eq!(
        parcours_db::repo::installation::accounts::memberships_of(&conn, horizon.id)
            .await?
            .len(),
        before.len(),
        "opening the link links nothing"
    );
    let accepted = owner.submit(&link, &link, &[]).await;
    assert_eq!(accepted.status_code(), StatusCode::SEE_OTHER);
    let after =
        parcours_db::repo::installation::accounts::memberships_of(&conn, horizon.id).await?;
    assert_eq!(after.len(), before.len() + 1);
    assert!(
        after
            .iter()
            .any(|m| m.role == parcours_domain::Role::Employer
                && m.organisation.name == "Pâtisserie Lemaire")
    );
    // Once only.
    let again = owner.submit(&link, &link, &[]).await;
    assert_ne!(again.status_code(), StatusCode::SEE_OTHER);
    Ok(())
}
