//! Races: N identical (or competing) requests fired at once through the real HTTP stack
//! must leave what N sequential ones leave — one referral per person and programme,
//! never more referrals than the quota, one live request per person and opportunity,
//! one feedback per side, one booking per slot and per link, one invitation email per
//! person — and the losers get the same clear error as in the sequential case, never a
//! 500. Run on SQLite and on PostgreSQL (TEST_DATABASE_URL).

use std::sync::Arc;

use axum_test::http::StatusCode;
use parcours_db::ConnectionTrait;
use parcours_db::repo::{installation::accounts, referrals};
use parcours_domain::email::Email;
use parcours_test_support::{Client, TestApp, concurrently, status_counts};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::TestResult;

const REFERRER: &str = "referrer@demo.parcours.test";
const MANAGER: &str = "manager@demo.parcours.test";
/// How many requests each race fires at once.
const N: usize = 20;

/// The organisation of a demo login.
async fn organisation_of(t: &TestApp, email: &str) -> anyhow::Result<Uuid> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let user = accounts::find_user_by_email(t.app.db(), &email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user"))?;
    let first = accounts::memberships_of(t.app.db(), user.id)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no membership"))?;
    Ok(first.organisation.id)
}

/// The problem codes of a 422 answer (problem+json).
fn codes(r: &axum_test::TestResponse) -> Vec<String> {
    let body: Value = serde_json::from_str(&r.text()).unwrap_or(Value::Null);
    body["errors"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|e| e["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Every loser answered 422 with exactly this code; the winners `created`.
fn assert_losers(responses: &[axum_test::TestResponse], created: u16, winners: usize, code: &str) {
    let statuses = status_counts(responses);
    assert_eq!(
        statuses,
        if winners == responses.len() {
            vec![(created, winners)]
        } else if winners == 0 {
            vec![(422, responses.len())]
        } else {
            vec![(created, winners), (422, responses.len() - winners)]
        },
        "statuses (code, how many); first bodies: {:?}",
        responses
            .iter()
            .filter(|r| r.status_code().as_u16() != created)
            .take(2)
            .map(|r| r.text())
            .collect::<Vec<_>>()
    );
    for r in responses.iter().filter(|r| r.status_code() == 422) {
        assert_eq!(codes(r), vec![code.to_owned()], "{}", r.text());
    }
}

fn referral_body(programme: Uuid, i: usize, same_person: bool) -> Value {
    // The same person typed N ways (case, accents, spaces, phone format), or N people.
    let (first, last) = if same_person {
        [
            ("Élodie", "Le Goff"),
            ("elodie", "LE GOFF"),
            (" Elodie ", "le  goff"),
            ("ÉLODIE", "Le-Goff"),
        ][i % 4]
    } else {
        ("Alix", "Course")
    };
    let phone = if same_person {
        [
            "06 12 34 56 78",
            "+33 6.12.34.56.78",
            "0612345678",
            "06-12-34-56-78",
        ][i % 4]
            .to_owned()
    } else {
        format!("06 00 00 {:02} {:02}", i / 100, i % 100)
    };
    json!({
        "programme_id": programme,
        "first_name": first,
        "last_name": last,
        "birth_date": if same_person { "1994-02-28".to_owned() } else { format!("1990-01-{:02}", i % 28 + 1) },
        "phone": phone,
        "commune_code": "76540",
        "publics": ["qpv"],
        "consent": true,
    })
}

async fn post_referrals(
    referrer: &Arc<Client>,
    bodies: Vec<Value>,
) -> anyhow::Result<Vec<axum_test::TestResponse>> {
    let bodies = Arc::new(bodies);
    concurrently(bodies.len(), |i| {
        let (referrer, bodies) = (Arc::clone(referrer), Arc::clone(&bodies));
        async move { referrer.post_json("/api/v1/referrals", &bodies[i]).await }
    })
    .await
}

/// The referrals standing for the programme whose last name folds to `last`.
async fn stored(t: &TestApp, manager: &Client, last: &str) -> usize {
    let _ = t;
    let list: Vec<Value> = manager.server.get("/api/v1/referrals").await.json();
    list.iter()
        .filter(|r| {
            r["last_name"]
                .as_str()
                .is_some_and(|l| l.to_lowercase().replace(['-', ' '], "") == last)
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_person_referred_at_once_is_stored_once() -> TestResult {
    let t = TestApp::spawn().await?;
    let programme = t.world.programme_id;
    let referrer = Arc::new(t.login_as(REFERRER).await?);
    let manager = t.login_as(MANAGER).await?;
    referrer.csrf_from("/orientations").await;
    // N identical requests, then the same person spelt four ways.
    let identical = (0..N).map(|_| referral_body(programme, 0, true)).collect();
    let responses = post_referrals(&referrer, identical).await?;
    let kept = stored(&t, &manager, "legoff").await;
    println!(
        "identical: statuses {:?}, stored {kept}",
        status_counts(&responses)
    );
    assert_eq!(kept, 1, "one referral of the person");
    assert_losers(&responses, 201, 1, "already_referred");

    // Refused, the person may be referred again: once more, whatever the spelling.
    let list: Vec<Value> = manager.server.get("/api/v1/referrals").await.json();
    let first = list
        .iter()
        .find(|r| r["last_name"] == "Le Goff")
        .and_then(|r| r["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    let refused = manager
        .put_json(
            &format!("/api/v1/referrals/{first}/decision"),
            &json!({"decision": "refuse", "reason": "unreachable"}),
        )
        .await;
    assert_eq!(
        refused.status_code(),
        StatusCode::NO_CONTENT,
        "{}",
        refused.text()
    );
    let spelt = (0..N).map(|i| referral_body(programme, i, true)).collect();
    let responses = post_referrals(&referrer, spelt).await?;
    let kept = stored(&t, &manager, "legoff").await;
    println!(
        "spellings: statuses {:?}, stored {kept}",
        status_counts(&responses)
    );
    assert_eq!(kept, 2, "the refused one and one new");
    assert_losers(&responses, 201, 1, "already_referred");
    Ok(())
}

/// Sets the referrer's quota so that `left` places remain; returns how many stand.
async fn leave_places(t: &TestApp, referrer_org: Uuid, left: i32) -> anyhow::Result<i32> {
    let scope = parcours_db::TenantScope::of(t.world.operator_id);
    let standing =
        referrals::standing_count(t.app.db(), scope, t.world.programme_id, referrer_org).await?;
    let standing = i32::try_from(standing)?;
    referrals::set_quota(
        t.app.db(),
        scope,
        t.world.programme_id,
        referrer_org,
        Some(standing + left),
    )
    .await?;
    Ok(standing)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_referrer_one_short_of_its_quota_gets_one_more_whatever_the_race() -> TestResult {
    let t = TestApp::spawn().await?;
    let programme = t.world.programme_id;
    let org = organisation_of(&t, REFERRER).await?;
    let referrer = Arc::new(t.login_as(REFERRER).await?);
    referrer.csrf_from("/orientations").await;
    for left in [1, 3] {
        let before = leave_places(&t, org, left).await?;
        let people = (0..N)
            .map(|i| referral_body(programme, i + 100 * left as usize, false))
            .collect();
        let responses = post_referrals(&referrer, people).await?;
        let after = referrals::standing_count(
            t.app.db(),
            parcours_db::TenantScope::of(t.world.operator_id),
            programme,
            org,
        )
        .await?;
        println!(
            "quota with {left} left: statuses {:?}, over quota by {}",
            status_counts(&responses),
            i64::try_from(after)? - i64::from(before + left)
        );
        assert_eq!(
            after,
            u64::try_from(before + left)?,
            "the quota is reached, never passed"
        );
        assert_losers(&responses, 201, usize::try_from(left)?, "quota_reached");
    }
    Ok(())
}

/// Posts `forms` to `action` at once from one client (whose CSRF token the caller has
/// kept with `csrf_from`), one form per request.
async fn post_forms(
    client: &Arc<Client>,
    action: &str,
    forms: Vec<Vec<(String, String)>>,
) -> anyhow::Result<Vec<axum_test::TestResponse>> {
    let forms = Arc::new(forms);
    concurrently(forms.len(), |i| {
        let (client, forms) = (Arc::clone(client), Arc::clone(&forms));
        let action = action.to_owned();
        async move {
            let form: Vec<(&str, &str)> = forms[i]
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            client.post_form(&action, &form).await
        }
    })
    .await
}

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Statuses, and that every loser's page says `message` (the sequential case's words).
fn assert_page_losers(responses: &[axum_test::TestResponse], winners: usize, message: &str) {
    let statuses = status_counts(responses);
    let expected = if winners == responses.len() {
        vec![(303, winners)]
    } else {
        vec![(303, winners), (422, responses.len() - winners)]
    };
    assert_eq!(
        statuses,
        expected,
        "statuses (code, how many); a loser: {:?}",
        responses.iter().find(|r| r.status_code() != 303).map(|r| r
            .text()
            .chars()
            .take(400)
            .collect::<String>())
    );
    for r in responses.iter().filter(|r| r.status_code() == 422) {
        assert!(r.text().contains(message), "{message} in {}", r.text());
    }
}

async fn upload_csv(client: &Client, programme: Uuid, csv: &str) -> anyhow::Result<String> {
    use axum_test::multipart::{MultipartForm, Part};
    let token = client.csrf_from("/orientations").await;
    let form = MultipartForm::new()
        .add_text("_csrf", token)
        .add_text("programme", programme.to_string())
        .add_text("consent", "yes")
        .add_part(
            "file",
            Part::bytes(csv.as_bytes().to_vec())
                .file_name("orientations.csv")
                .mime_type("text/csv"),
        );
    let r = client
        .server
        .post("/orientations/import")
        .multipart(form)
        .await;
    anyhow::ensure!(r.status_code() == 303, "upload: {}", r.text());
    Ok(r.header("location").to_str()?.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn imports_and_single_referrals_share_the_quota_and_the_person_atomically() -> TestResult {
    let t = TestApp::spawn().await?;
    let programme = t.world.programme_id;
    let org = organisation_of(&t, REFERRER).await?;
    let referrer = Arc::new(t.login_as(REFERRER).await?);
    let manager = t.login_as(MANAGER).await?;
    referrer.csrf_from("/orientations").await;
    let header = "prenom;nom;date_naissance;email;telephone;commune;publics\n";
    // Two files of two people each (4 > the 3 places left), committed at once with
    // single referrals of other people.
    let a = upload_csv(
        &referrer,
        programme,
        &format!("{header}Ana;Lot;1990-01-01;;0600000101;76540;qpv\nBen;Lot;1990-01-02;;0600000102;76540;qpv\n"),
    )
    .await?;
    let b = upload_csv(
        &referrer,
        programme,
        &format!("{header}Cléo;Lot;1990-01-03;;0600000103;76540;qpv\nDan;Lot;1990-01-04;;0600000104;76540;qpv\n"),
    )
    .await?;
    let before = leave_places(&t, org, 3).await?;
    let (a, b) = (Arc::new(a), Arc::new(b));
    let referrer2 = Arc::clone(&referrer);
    let bodies: Vec<Value> = (0..N - 2)
        .map(|i| referral_body(programme, 500 + i, false))
        .collect();
    let bodies = Arc::new(bodies);
    let responses = concurrently(N, |i| {
        let (referrer, bodies) = (Arc::clone(&referrer2), Arc::clone(&bodies));
        let (a, b) = (Arc::clone(&a), Arc::clone(&b));
        async move {
            match i {
                0 | 1 => {
                    let check = if i == 0 { a } else { b };
                    referrer.post_form(&format!("{check}/valider"), &[]).await
                }
                _ => {
                    referrer
                        .post_json("/api/v1/referrals", &bodies[i - 2])
                        .await
                }
            }
        }
    })
    .await?;
    let scope = parcours_db::TenantScope::of(t.world.operator_id);
    let after = referrals::standing_count(t.app.db(), scope, programme, org).await?;
    println!(
        "imports + singles with 3 left: statuses {:?}, over quota by {}",
        status_counts(&responses),
        i64::try_from(after)? - i64::from(before + 3)
    );
    assert!(
        responses.iter().all(|r| r.status_code() != 500),
        "no 500: {:?}",
        status_counts(&responses)
    );
    assert_eq!(
        after,
        u64::try_from(before + 3)?,
        "the quota is reached, never passed"
    );

    // The same person in a file and in N - 1 single referrals: stored once.
    referrals::set_quota(t.app.db(), scope, programme, org, None).await?;
    let c = Arc::new(
        upload_csv(
            &referrer,
            programme,
            &format!("{header}Élodie;Le Goff;1994-02-28;;06 12 34 56 78;76540;qpv\n"),
        )
        .await?,
    );
    let responses = concurrently(N, |i| {
        let (referrer, c) = (Arc::clone(&referrer), Arc::clone(&c));
        async move {
            if i == 0 {
                referrer.post_form(&format!("{c}/valider"), &[]).await
            } else {
                referrer
                    .post_json("/api/v1/referrals", &referral_body(programme, i, true))
                    .await
            }
        }
    })
    .await?;
    let kept = stored(&t, &manager, "legoff").await;
    println!(
        "file + singles of one person: statuses {:?}, stored {kept}",
        status_counts(&responses)
    );
    assert!(responses.iter().all(|r| r.status_code() != 500));
    assert_eq!(kept, 1, "one referral of the person");
    Ok(())
}

const EMPLOYER: &str = "employer@demo.parcours.test";
const BENEFICIARY: &str = "beneficiaire@demo.parcours.test";

/// The demo operator's opportunities.
async fn opportunities_of(
    t: &TestApp,
) -> anyhow::Result<Vec<parcours_db::repo::opportunities::Opportunity>> {
    Ok(parcours_db::repo::opportunities::of_tenant(
        t.app.db(),
        parcours_db::TenantScope::of(t.world.operator_id),
    )
    .await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_opportunity_requested_at_once_is_requested_once_and_the_employer_told_once()
-> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = Arc::new(t.login_as(BENEFICIARY).await?);
    me.csrf_from("/parcours/opportunites").await;
    let offers = opportunities_of(&t).await?;
    let offer = offers
        .iter()
        .find(|o| o.title == "Deux semaines au fournil")
        .ok_or_else(|| anyhow::anyhow!("no demo offer"))?;
    let id = offer.id.to_string();
    let action = format!("/beneficiaries/{person}/opportunites/demandes");
    let forms = (0..N)
        .map(|_| pairs(&[("opportunity", id.as_str()), ("message", "Bonjour")]))
        .collect();
    let responses = post_forms(&me, &action, forms).await?;
    let requests = parcours_db::repo::opportunities::requests_of_person(
        t.app.db(),
        parcours_db::TenantScope::of(t.world.operator_id),
        person,
    )
    .await?
    .into_iter()
    .filter(|r| r.opportunity_id == offer.id)
    .count();
    t.app.run_due_jobs(parcours_app::now_ms()).await?;
    let emails = t
        .sent_emails()
        .iter()
        .filter(|e| e.contains(&format!("To: {EMPLOYER}")))
        .count();
    println!(
        "opportunity request: statuses {:?}, requests stored {requests}, employer emails {emails}",
        status_counts(&responses)
    );
    assert_eq!((requests, emails), (1, 1));
    assert_page_losers(&responses, 1, "Cette offre est déjà demandée");
    Ok(())
}

/// Requests of `n` people of the demo cohort for `offer`, each with its employer link.
async fn requests_with_links(
    t: &TestApp,
    offer: Uuid,
    n: usize,
) -> anyhow::Result<Vec<(Uuid, String)>> {
    let scope = parcours_db::TenantScope::of(t.world.operator_id);
    let now = parcours_app::now_ms();
    let mut out = Vec::new();
    for (i, member) in t.world.cohort.iter().take(n).enumerate() {
        let token = format!("race-link-{i}-{}", Uuid::new_v4().simple());
        let id = parcours_db::repo::opportunities::insert_request(
            t.app.db(),
            scope,
            parcours_db::repo::opportunities::NewRequest {
                opportunity_id: offer,
                person_id: member.person_id,
                requested_by: member.coach_id,
                message: None,
                token_hash: &parcours_app::digest(&token),
                respond_by: now + 5 * 24 * 3600 * 1000,
            },
            now,
        )
        .await?;
        out.push((id, token));
    }
    anyhow::ensure!(out.len() == n, "the demo cohort has {} people", out.len());
    Ok(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_employer_accepts_no_more_candidates_than_places_and_gives_feedback_once() -> TestResult
{
    let t = TestApp::spawn().await?;
    let offers = opportunities_of(&t).await?;
    let offer = offers
        .iter()
        .find(|o| o.title == "Deux semaines au fournil")
        .ok_or_else(|| anyhow::anyhow!("no demo offer"))?;
    let links = requests_with_links(&t, offer.id, N).await?;
    let accepted_before = parcours_db::repo::opportunities::requests_for(
        t.app.db(),
        parcours_db::TenantScope::of(offer.tenant_id),
        [offer.id],
    )
    .await?
    .iter()
    .filter(|r| r.status == parcours_domain::opportunity::RequestStatus::Accepted)
    .count();
    let places = usize::try_from(offer.capacity)?.saturating_sub(accepted_before);
    anyhow::ensure!((1..N).contains(&places), "{places} places left");
    // Each link answered from a browser of its own (no account: the link is the key).
    let browsers = Arc::new(
        (0..N)
            .map(|_| t.client())
            .collect::<anyhow::Result<Vec<_>>>()?,
    );
    for (i, (_, link)) in links.iter().enumerate() {
        browsers[i].csrf_from(&format!("/demandes/{link}")).await;
    }
    let links = Arc::new(links);
    let answers = concurrently(N, |i| {
        let (browsers, links) = (Arc::clone(&browsers), Arc::clone(&links));
        async move {
            let link = format!("/demandes/{}", links[i].1);
            browsers[i]
                .post_form(&link, &[("decision", "accept")])
                .await
        }
    })
    .await?;
    let accepted = parcours_db::repo::opportunities::requests_for(
        t.app.db(),
        parcours_db::TenantScope::of(offer.tenant_id),
        [offer.id],
    )
    .await?
    .iter()
    .filter(|r| r.status == parcours_domain::opportunity::RequestStatus::Accepted)
    .count()
        - accepted_before;
    println!(
        "accepting {N} candidates for {places} place(s): statuses {:?}, accepted {accepted}",
        status_counts(&answers)
    );
    assert_eq!(accepted, places, "never more than the places");
    assert_page_losers(
        &answers,
        places,
        "Toutes les places de cette offre sont prises",
    );

    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn feedback_given_at_once_is_kept_once_per_side() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let offers = opportunities_of(&t).await?;
    let offer = offers
        .iter()
        .find(|o| o.title == "Deux semaines au fournil")
        .ok_or_else(|| anyhow::anyhow!("no demo offer"))?;
    // The demo beneficiary asks, the employer accepts from the link.
    let me = Arc::new(t.login_as(BENEFICIARY).await?);
    let asked = me
        .submit(
            "/parcours/opportunites",
            &format!("/beneficiaries/{person}/opportunites/demandes"),
            &[("opportunity", offer.id.to_string().as_str())],
        )
        .await;
    assert_eq!(asked.status_code(), StatusCode::SEE_OTHER);
    t.app.run_due_jobs(parcours_app::now_ms()).await?;
    let emails = t.sent_emails();
    let mail = emails
        .iter()
        .find(|e| e.contains(&format!("To: {EMPLOYER}")))
        .ok_or_else(|| anyhow::anyhow!("no employer email"))?;
    let link = format!("/demandes/{}", crate::link_token(mail, "/demandes/")?);
    let employer = Arc::new(t.client()?);
    let accepted = employer
        .submit(&link, &link, &[("decision", "accept")])
        .await;
    assert_eq!(accepted.status_code(), StatusCode::SEE_OTHER);
    let request = parcours_db::repo::opportunities::requests_of_person(
        t.app.db(),
        parcours_db::TenantScope::of(t.world.operator_id),
        person,
    )
    .await?
    .into_iter()
    .find(|r| r.opportunity_id == offer.id)
    .ok_or_else(|| anyhow::anyhow!("no request"))?;

    // The employer's side, N times at once from the link.
    employer.csrf_from(&link).await;
    let forms = (0..N)
        .map(|_| pairs(&[("rating", "4"), ("comment", "Bien")]))
        .collect();
    let responses = post_forms(&employer, &format!("{link}/avis"), forms).await?;
    let given = parcours_db::repo::opportunities::feedback_for(
        t.app.db(),
        parcours_db::TenantScope::of(request.tenant_id),
        [request.id],
    )
    .await?;
    println!(
        "employer feedback x{N}: statuses {:?}, stored {}",
        status_counts(&responses),
        given.len()
    );
    assert_eq!(given.len(), 1);
    assert_page_losers(&responses, 1, "L&#39;avis est déjà donné");

    // The person's side, likewise.
    me.csrf_from("/parcours/opportunites").await;
    let forms = (0..N).map(|_| pairs(&[("rating", "3")])).collect();
    let action = format!(
        "/beneficiaries/{person}/opportunites/demandes/{}/avis",
        request.id
    );
    let responses = post_forms(&me, &action, forms).await?;
    let given = parcours_db::repo::opportunities::feedback_for(
        t.app.db(),
        parcours_db::TenantScope::of(request.tenant_id),
        [request.id],
    )
    .await?;
    println!(
        "candidate feedback x{N}: statuses {:?}, stored {}",
        status_counts(&responses),
        given.len()
    );
    assert_eq!(given.len(), 2, "one per side");
    assert_page_losers(&responses, 1, "L&#39;avis est déjà donné");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slot_is_booked_once_and_a_link_books_once() -> TestResult {
    use parcours_db::repo::appointments;
    let t = TestApp::spawn().await?;
    let scope = parcours_db::TenantScope::of(t.world.operator_id);
    let person = t.world.beneficiary_person_id;
    let (coach, coach_email) = t.coach_of(person).await?;
    let now = parcours_app::now_ms();
    let actor = t.actor(&coach_email).await?;
    let mut slots = Vec::new();
    for day in 0..=N {
        for slot in t
            .publish_slots(&actor, 3 + i64::try_from(day)?, "09:00", 1)
            .await?
        {
            slots.push(slot.to_string());
        }
    }
    // The person books the same slot N times at once from their space.
    let me = Arc::new(t.login_as(BENEFICIARY).await?);
    me.csrf_from("/parcours/rendez-vous").await;
    let forms = (0..N)
        .map(|_| pairs(&[("slot", slots[0].as_str())]))
        .collect();
    let responses = post_forms(&me, "/parcours/rendez-vous/reserver", forms).await?;
    let booked = |all: Vec<appointments::Appointment>, slot: &str| {
        all.iter()
            .filter(|a| {
                a.slot.id.to_string() == slot
                    && a.status == parcours_domain::appointment::AppointmentStatus::Booked
            })
            .count()
    };
    let held = booked(
        appointments::appointments_of_person(t.app.db(), scope, person).await?,
        &slots[0],
    );
    println!(
        "one slot booked {N} times: statuses {:?}, booked {held}",
        status_counts(&responses)
    );
    assert_eq!(held, 1);
    assert_page_losers(&responses, 1, "Quelqu&#39;un vient de prendre ce créneau");

    // One invitation link, N different slots at once: one booking.
    let link = format!("race-{}", Uuid::new_v4().simple());
    appointments::insert_invitation(
        t.app.db(),
        scope,
        person,
        coach,
        &parcours_app::digest(&link),
        now + 24 * 3600 * 1000,
        now,
    )
    .await?;
    let visitor = Arc::new(t.client()?);
    visitor.csrf_from(&format!("/rendez-vous/{link}")).await;
    let forms = (1..=N)
        .map(|i| pairs(&[("slot", slots[i].as_str())]))
        .collect();
    let responses = post_forms(&visitor, &format!("/rendez-vous/{link}"), forms).await?;
    let all = appointments::appointments_of_person(t.app.db(), scope, person).await?;
    let from_link: usize = slots[1..].iter().map(|s| booked(all.clone(), s)).sum();
    println!(
        "one link, {N} slots at once: statuses {:?}, booked {from_link}",
        status_counts(&responses)
    );
    assert_eq!(from_link, 1);
    assert_page_losers(&responses, 1, "a déjà servi");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slot_is_never_both_withdrawn_and_booked() -> TestResult {
    use parcours_db::repo::appointments;
    let t = TestApp::spawn().await?;
    let scope = parcours_db::TenantScope::of(t.world.operator_id);
    let person = t.world.beneficiary_person_id;
    let (_, coach_email) = t.coach_of(person).await?;
    let actor = t.actor(&coach_email).await?;
    let coach = Arc::new(t.login_as(&coach_email).await?);
    let me = Arc::new(t.login_as(BENEFICIARY).await?);
    coach.csrf_from("/agenda").await;
    me.csrf_from("/parcours/rendez-vous").await;
    let mut both = 0;
    for round in 0..5 {
        let slot = t
            .publish_slots(&actor, 4, &format!("{:02}:00", 9 + round), 1)
            .await?
            .first()
            .copied()
            .ok_or_else(|| anyhow::anyhow!("no slot"))?;
        let responses = concurrently(N, |i| {
            let (coach, me) = (Arc::clone(&coach), Arc::clone(&me));
            async move {
                if i % 2 == 0 {
                    coach
                        .post_form(&format!("/agenda/creneaux/{slot}/retirer"), &[])
                        .await
                } else {
                    me.post_form(
                        "/parcours/rendez-vous/reserver",
                        &[("slot", slot.to_string().as_str())],
                    )
                    .await
                }
            }
        })
        .await?;
        assert!(
            responses.iter().all(|r| r.status_code() != 500),
            "{:?}",
            status_counts(&responses)
        );
        let withdrawn = appointments::find_slot(t.app.db(), scope, slot)
            .await?
            .is_some_and(|s| s.cancelled_at.is_some());
        let held = appointments::is_held(t.app.db(), scope, slot).await?;
        if withdrawn && held {
            both += 1;
        }
        // Free the person for the next round.
        if held {
            t.app
                .db()
                .execute_unprepared(
                    "UPDATE appointments SET slot_hold = NULL, status = 'cancelled'",
                )
                .await?;
        }
    }
    println!("withdraw vs book, 5 rounds of {N}: withdrawn and booked at once {both} time(s)");
    assert_eq!(both, 0, "a withdrawn slot must not stay booked");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_person_invited_at_once_to_a_selection_event_gets_one_email() -> TestResult {
    let t = TestApp::spawn().await?;
    let manager = Arc::new(t.login_as(MANAGER).await?);
    let programme = t.world.programme_id.to_string();
    let created = manager
        .submit(
            "/selection",
            "/selection/evenements",
            &[
                ("programme", programme.as_str()),
                ("kind", "workshop"),
                ("title", "Atelier CV"),
                ("date", "2027-03-02"),
                ("time", "09:30"),
                ("place", "Salle 1"),
            ],
        )
        .await;
    let event = created
        .header("location")
        .to_str()?
        .trim_end_matches("?saved=1")
        .to_owned();
    manager.csrf_from(&event).await;
    let camille = t.world.beneficiary_person_id.to_string();
    let forms = (0..N)
        .map(|_| pairs(&[("person", camille.as_str())]))
        .collect();
    let responses = post_forms(&manager, &format!("{event}/invitations"), forms).await?;
    t.app.run_due_jobs(parcours_app::now_ms()).await?;
    let emails = t
        .sent_emails()
        .iter()
        .filter(|e| e.contains(&format!("To: {BENEFICIARY}")) && e.contains("Atelier CV"))
        .count();
    println!(
        "selection invitation x{N}: statuses {:?}, emails {emails}",
        status_counts(&responses)
    );
    assert_eq!(emails, 1, "one email per person invited");
    assert_eq!(
        status_counts(&responses),
        vec![(303, N)],
        "inviting again is not an error"
    );
    Ok(())
}

/// m0021 on a database that already holds standing duplicates (the state the races
/// left): the migration keeps every row, gives the keys to the oldest standing one of
/// each person, and the database then refuses a new duplicate.
#[tokio::test]
async fn the_race_guard_migration_keeps_existing_duplicates_and_constrains_new_ones() -> TestResult
{
    use parcours_db::repo::opportunities;
    use parcours_domain::referral::ReferralInput;
    let t = TestApp::spawn().await?;
    let db = t.app.db();
    let scope = parcours_db::TenantScope::of(t.world.operator_id);
    let programme = t.world.programme_id;
    let org = organisation_of(&t, REFERRER).await?;
    let referrer_email = Email::parse(REFERRER).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let referrer_user = accounts::find_user_by_email(db, &referrer_email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no referrer"))?;
    // Back to the schema before m0021 (its indexes gone), then the duplicates of old.
    for index in [
        "referrals_standing_email_key",
        "referrals_standing_phone_key",
        "opportunity_requests_standing_person",
    ] {
        db.execute_unprepared(&format!("DROP INDEX {index}"))
            .await?;
    }
    let candidate = ReferralInput {
        first_name: "Jeanne".into(),
        last_name: "Doublon".into(),
        birth_date: "1991-04-05".into(),
        email: "jeanne@example.org".into(),
        phone: "06 98 76 54 32".into(),
        consent: true,
        ..ReferralInput::default()
    }
    .check(2026)
    .map_err(|p| anyhow::anyhow!("{p:?}"))?;
    let now = parcours_app::now_ms();
    for i in 0..3 {
        referrals::insert(
            db,
            scope,
            referrals::NewReferral {
                programme_id: programme,
                referrer_org_id: org,
                submitted_by: referrer_user.id,
                import_id: None,
                candidate: &candidate,
                expires_at: now + 86_400_000,
            },
            now + i,
        )
        .await?;
    }
    let offers = opportunities_of(&t).await?;
    let offer = offers
        .iter()
        .find(|o| o.title == "Deux semaines au fournil")
        .ok_or_else(|| anyhow::anyhow!("no demo offer"))?;
    let member = t
        .world
        .cohort
        .first()
        .ok_or_else(|| anyhow::anyhow!("no cohort"))?;
    for i in 0..2 {
        opportunities::insert_request(
            db,
            scope,
            opportunities::NewRequest {
                opportunity_id: offer.id,
                person_id: member.person_id,
                requested_by: member.coach_id,
                message: None,
                token_hash: &parcours_app::digest(&format!("old-{i}")),
                respond_by: now + 86_400_000,
            },
            now + i,
        )
        .await?;
    }
    for (table, column) in [
        ("referrals", "email_key"),
        ("referrals", "phone_key"),
        ("opportunity_requests", "person_key"),
    ] {
        db.execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN {column}"))
            .await?;
    }
    db.execute_unprepared("DELETE FROM seaql_migrations WHERE version = 'm0021_race_guards'")
        .await?;

    assert_eq!(parcours_db::migrate(db).await?, 1, "m0021 runs again");
    let count = |sql: &'static str| async move {
        let row = db
            .query_one_raw(parcours_db::Statement::from_string(
                db.get_database_backend(),
                sql,
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no count"))?;
        anyhow::Ok(row.try_get::<i64>("", "n")?)
    };
    let kept = count("SELECT COUNT(*) AS n FROM referrals WHERE last_name = 'Doublon'").await?;
    let keyed = count(
        "SELECT COUNT(*) AS n FROM referrals WHERE last_name = 'Doublon' \
         AND email_key IS NOT NULL AND phone_key IS NOT NULL",
    )
    .await?;
    let requests = count("SELECT COUNT(*) AS n FROM opportunity_requests WHERE token_hash IS NOT NULL AND person_key IS NULL").await?;
    println!(
        "migration over duplicates: {kept} referrals kept, {keyed} keyed; {requests} request(s) left unkeyed"
    );
    assert_eq!((kept, keyed, requests), (3, 1, 1));
    // From now on the database refuses the same person, whatever the app checked.
    let again = referrals::insert(
        db,
        scope,
        referrals::NewReferral {
            programme_id: programme,
            referrer_org_id: org,
            submitted_by: referrer_user.id,
            import_id: None,
            candidate: &candidate,
            expires_at: now + 86_400_000,
        },
        now + 10,
    )
    .await;
    assert!(
        again.as_ref().is_err_and(parcours_db::is_unique_violation),
        "{again:?}"
    );
    let again = opportunities::insert_request(
        db,
        scope,
        opportunities::NewRequest {
            opportunity_id: offer.id,
            person_id: member.person_id,
            requested_by: member.coach_id,
            message: None,
            token_hash: &parcours_app::digest("new"),
            respond_by: now + 86_400_000,
        },
        now + 10,
    )
    .await;
    assert!(
        again.as_ref().is_err_and(parcours_db::is_unique_violation),
        "{again:?}"
    );
    Ok(())
}
