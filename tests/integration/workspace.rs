//! The coach's workspace: the file with its overview, notes (private or shared),
//! timeline, documents and transfers; messages with read status and content-free
//! emails; the person giving their synthesis to a named recipient; answers of doubtful
//! quality flagged in the caseload. Nothing of it crosses organisations.

use axum_test::http::StatusCode;
use parcours_test_support::{Client, TestApp};
use serde_json::{Value, json};

use crate::TestResult;

const COACH: &str = "coach@demo.parcours.test";
const COACH2: &str = "coach2@demo.parcours.test";
const BENEFICIARY: &str = "beneficiaire@demo.parcours.test";
const OTHER_COACH: &str = "coach@horizon.parcours.test";

async fn api_post(client: &Client, path: &str, body: Value) -> axum_test::TestResponse {
    client.post_json(path, &body).await
}

async fn api_put(client: &Client, path: &str, body: Value) -> axum_test::TestResponse {
    client.put_json(path, &body).await
}

/// The user id of a staff member, from the coach's transfer form.
fn option_value(page: &str, label: &str) -> Option<String> {
    let end = page.find(&format!("\">{label}</option>"))?;
    let start = page[..end].rfind("value=\"")? + "value=\"".len();
    Some(page[start..end].to_owned())
}

#[tokio::test]
async fn the_file_gathers_notes_timeline_and_transfers() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let file = format!("/beneficiaries/{person}");
    let notes_api = format!("/api/v1/beneficiaries/{person}/notes");
    let coach = t.login_as(COACH).await?;
    let page = coach.server.get(&file).await.text();
    for part in [
        "Où en est le bilan",
        "Activités : 0 sur 0 terminées",
        "Pas encore de note.",
        "Suivi par",
        "Chronologie",
        "Aucun document pour l&#39;instant",
    ] {
        assert!(page.contains(part), "«{part}» missing");
    }

    // An empty note is refused, nothing stored.
    let refused = coach
        .submit(&file, &format!("{file}/notes"), &[("body", "  ")])
        .await;
    assert_eq!(refused.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("Écrivez la note"));
    assert_eq!(
        coach.server.get(&notes_api).await.json::<Value>(),
        json!([])
    );
    for (body, visibility) in [
        ("Fatiguée, à revoir dans 15 jours.", "private"),
        ("Bravo pour l'enquête métier !", "shared"),
    ] {
        let written = coach
            .submit(
                &file,
                &format!("{file}/notes"),
                &[("body", body), ("visibility", visibility)],
            )
            .await;
        assert_eq!(written.header("location"), format!("{file}?saved=1#notes"));
    }
    let bad = api_post(
        &coach,
        &notes_api,
        json!({"body": "x", "visibility": "public"}),
    )
    .await;
    assert_eq!(bad.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        coach
            .server
            .get(&notes_api)
            .await
            .json::<Vec<Value>>()
            .len(),
        2
    );

    // The person reads the shared note only, on their file and in the API.
    let me = t.login_as(BENEFICIARY).await?;
    let own = me.server.get(&file).await.text();
    assert!(own.contains("Bravo pour l&#39;enquête métier !"), "{own}");
    assert!(!own.contains("Fatiguée"));
    let theirs = me.server.get(&notes_api).await.json::<Vec<Value>>();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["visibility"], "shared");
    assert_eq!(
        api_post(&me, &notes_api, json!({"body": "moi"}))
            .await
            .status_code(),
        StatusCode::FORBIDDEN
    );
    // Managers see the shared one, write none; another organisation sees nothing.
    let manager = t.login_as("manager@demo.parcours.test").await?;
    assert_eq!(
        manager
            .server
            .get(&notes_api)
            .await
            .json::<Vec<Value>>()
            .len(),
        1
    );
    assert_eq!(
        api_post(&manager, &notes_api, json!({"body": "x"}))
            .await
            .status_code(),
        StatusCode::FORBIDDEN
    );
    let other = t.login_as(OTHER_COACH).await?;
    assert_eq!(
        other.server.get(&file).await.status_code(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other.server.get(&notes_api).await.status_code(),
        StatusCode::NOT_FOUND
    );
    // Only its author deletes a note.
    let note_id = theirs[0]["id"].as_str().unwrap_or_default().to_owned();
    let colleague = t.login_as(COACH2).await?;
    let not_theirs = colleague
        .submit(&file, &format!("{file}/notes/{note_id}/supprimer"), &[])
        .await;
    assert_eq!(not_theirs.status_code(), StatusCode::FORBIDDEN);

    // Hand the follow-up to the colleague, with a reason; the history keeps it.
    let page = coach.server.get(&file).await.text();
    let colleague_name = "Olivier Bernard";
    let to = option_value(&page, colleague_name)
        .ok_or_else(|| anyhow::anyhow!("no {colleague_name} in the transfer form"))?;
    let unknown = coach
        .submit(
            &file,
            &format!("{file}/transfert"),
            &[("coach", "0190a1b2-0000-7000-8000-000000000000")],
        )
        .await;
    assert_eq!(unknown.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown
            .text()
            .contains("pas conseillère dans votre structure")
    );
    let moved = coach
        .submit(
            &file,
            &format!("{file}/transfert"),
            &[("coach", to.as_str()), ("reason", "Congé de longue durée")],
        )
        .await;
    assert_eq!(moved.header("location"), format!("{file}?saved=1#transfer"));
    let page = coach.server.get(&file).await.text();
    assert!(page.contains(&format!("Suivi actuellement par {colleague_name}.")));
    assert!(page.contains("Congé de longue durée"), "history");
    assert!(
        page.contains("Note écrite") && page.contains("Suivi transféré"),
        "timeline"
    );
    // It left one caseload for the other.
    assert!(!coach.server.get("/home").await.text().contains(&file));
    assert!(colleague.server.get("/home").await.text().contains(&file));
    let again = api_put(
        &colleague,
        &format!("/api/v1/beneficiaries/{person}/coach"),
        json!({"coach": to}),
    )
    .await;
    assert_eq!(again.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let by_person = api_put(
        &me,
        &format!("/api/v1/beneficiaries/{person}/coach"),
        json!({"coach": to}),
    )
    .await;
    assert_eq!(by_person.status_code(), StatusCode::FORBIDDEN);

    crate::assert_audited(
        &t,
        person,
        &[
            "note.written",
            "notes.read",
            "notes.access_denied",
            "caseload.transferred",
            "caseload.transfer_denied",
        ],
    )
    .await?;
    Ok(())
}

/// A file that collected many notes shows the latest ten and links to every note, fifty
/// a page, newest first; the person pages through the shared ones only. (Under load a
/// file with thousands of notes grew every opening of it by megabytes.)
#[tokio::test]
async fn a_file_shows_its_latest_notes_and_pages_through_the_rest() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let file = format!("/beneficiaries/{person}");
    let notes = format!("{file}/notes");
    let notes_api = format!("/api/v1/beneficiaries/{person}/notes");
    let coach = t.login_as(COACH).await?;
    // 61 private notes and 12 shared ones, numbered in the order written.
    for i in 1..=73 {
        let visibility = if i % 6 == 0 { "shared" } else { "private" };
        let body = format!("Note numéro {i:03}.");
        let written = api_post(
            &coach,
            &notes_api,
            json!({"body": body, "visibility": visibility}),
        )
        .await;
        assert_eq!(written.status_code(), StatusCode::CREATED);
    }
    let count = |page: &str| page.matches("Note numéro ").count();

    let page = coach.server.get(&file).await.text();
    assert_eq!(count(&page), 10, "the file shows the latest ten");
    assert!(page.contains("Note numéro 073.") && page.contains("Note numéro 064."));
    assert!(!page.contains("Note numéro 063."));
    assert!(
        page.contains(&format!("href=\"{notes}\">Toutes les notes (73)")),
        "{page}"
    );

    let first = coach.server.get(&notes).await;
    assert_eq!(first.status_code(), StatusCode::OK);
    let first = first.text();
    assert_eq!(count(&first), 50);
    assert!(first.contains("Page 1 sur 2 (73 notes)"));
    assert!(first.find("Note numéro 073.") < first.find("Note numéro 024."));
    assert!(first.contains(&format!("href=\"{notes}?page=2\" rel=\"next\"")));
    assert!(!first.contains("rel=\"prev\""));
    assert!(first.contains("privée") && first.contains("Supprimer cette note"));
    let second = coach.server.get(&format!("{notes}?page=2")).await.text();
    assert_eq!(count(&second), 23);
    assert!(second.contains("Note numéro 001.") && !second.contains("Note numéro 024."));
    assert!(second.contains("rel=\"prev\"") && !second.contains("rel=\"next\""));
    // Past the end, or not a number: the last page, the first page.
    let past = coach.server.get(&format!("{notes}?page=99")).await.text();
    assert!(past.contains("Page 2 sur 2") && past.contains("Note numéro 001."));
    let junk = coach.server.get(&format!("{notes}?page=abc")).await.text();
    assert!(junk.contains("Page 1 sur 2"));
    for huge in ["18446744073709551615", "9223372036854775808", "0"] {
        let answer = coach.server.get(&format!("{notes}?page={huge}")).await;
        assert_eq!(answer.status_code(), StatusCode::OK, "page={huge}");
        let expected = if huge == "0" {
            "Page 1 sur 2"
        } else {
            "Page 2 sur 2"
        };
        assert!(answer.text().contains(expected), "page={huge}");
    }
    // The API still lists every note.
    let all = coach.server.get(&notes_api).await.json::<Vec<Value>>();
    assert_eq!(all.len(), 73);

    // The person: the latest ten shared notes on their file, the twelve on the page.
    let me = t.login_as(BENEFICIARY).await?;
    let own = me.server.get(&file).await.text();
    assert_eq!(count(&own), 10);
    assert!(own.contains("Toutes les notes (12)"));
    let theirs = me.server.get(&notes).await.text();
    assert_eq!(count(&theirs), 12);
    assert!(theirs.contains("Page 1 sur 1 (12 notes)"));
    assert!(!theirs.contains("Note numéro 001.") && !theirs.contains("privée"));
    assert!(!theirs.contains("Supprimer cette note"));

    // Another organisation's coach: not found.
    let other = t.login_as(OTHER_COACH).await?;
    assert_eq!(
        other.server.get(&notes).await.status_code(),
        StatusCode::NOT_FOUND
    );
    // Each page read is audited.
    let reads = crate::audit_actions(&t, t.world.operator_id, person).await?;
    assert!(reads.iter().filter(|a| a.as_str() == "notes.read").count() >= 6);
    Ok(())
}

#[tokio::test]
async fn messages_are_threaded_read_and_announced_without_their_content() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let coach = t.login_as(COACH).await?;
    let list = format!("/beneficiaries/{person}/messages");

    let empty = coach
        .submit(&list, &list, &[("subject", ""), ("body", "")])
        .await;
    assert_eq!(empty.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text().contains("Donnez un sujet"));
    let started = coach
        .submit(
            &list,
            &list,
            &[
                ("subject", "Préparer l'entretien"),
                ("body", "Pensez à apporter votre CV mardi."),
            ],
        )
        .await;
    let location = started.header("location");
    let location = location.to_str()?;
    assert!(location.starts_with("/messages/"), "{location}");
    let thread = location
        .trim_start_matches("/messages/")
        .trim_end_matches("?saved=1")
        .to_owned();
    assert!(
        coach
            .server
            .get(&format!("/messages/{thread}"))
            .await
            .text()
            .contains("Pas encore lu")
    );

    // The person is told a message waits, and nothing of what it says.
    t.app.run_due_jobs(parcours_app::now_ms()).await?;
    let emails = t.sent_emails();
    let notice = emails
        .iter()
        .find(|e| e.contains("Un nouveau message vous attend"))
        .ok_or_else(|| anyhow::anyhow!("no notice in {emails:#?}"))?;
    assert!(notice.contains("To: beneficiaire@demo.parcours.test"));
    assert!(notice.contains(&format!("/messages/{thread}")));
    // What a reader sees: not the MIME boundaries and message id, random text that may
    // hold "CV" by chance.
    let readable: Vec<&str> = notice
        .lines()
        .filter(|l| {
            let lower = l.to_ascii_lowercase();
            !l.starts_with("--") && !lower.starts_with("message-id") && !lower.contains("boundary=")
        })
        .collect();
    let readable = readable.join("\n");
    assert!(
        !readable.contains("CV") && !readable.contains("entretien") && !readable.contains("Martin"),
        "{readable}"
    );

    let me = t.login_as(BENEFICIARY).await?;
    assert!(
        me.server
            .get("/parcours/messages")
            .await
            .text()
            .contains("1 non lu(s)")
    );
    let opened = me.server.get(&format!("/messages/{thread}")).await.text();
    assert!(opened.contains("Pensez à apporter votre CV mardi."));
    assert!(
        coach
            .server
            .get(&format!("/messages/{thread}"))
            .await
            .text()
            .contains(">Lu<")
    );
    let blank = me
        .submit(
            &format!("/messages/{thread}"),
            &format!("/messages/{thread}"),
            &[("body", " ")],
        )
        .await;
    assert_eq!(blank.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    for body in ["D'accord, merci.", "Je l'apporterai imprimé."] {
        let sent = me
            .submit(
                &format!("/messages/{thread}"),
                &format!("/messages/{thread}"),
                &[("body", body)],
            )
            .await;
        assert_eq!(sent.status_code(), StatusCode::SEE_OTHER);
    }
    // Two messages, one email to the coach: the second waits behind the first.
    t.app.run_due_jobs(parcours_app::now_ms()).await?;
    let to_coach = t
        .sent_emails()
        .iter()
        .filter(|e| e.contains("To: coach@demo.parcours.test") && e.contains("nouveau message"))
        .count();
    assert_eq!(to_coach, 1);
    assert!(
        coach
            .server
            .get("/home")
            .await
            .text()
            .contains("2 message(s) non lu(s)")
    );
    let api = coach
        .server
        .get(&format!("/api/v1/beneficiaries/{person}/messages"))
        .await
        .json::<Value>();
    assert_eq!(api["threads"][0]["unread"], 2);
    assert_eq!(api["threads"][0]["messages"], 3);
    let messages = coach
        .server
        .get(&format!("/api/v1/threads/{thread}"))
        .await
        .json::<Vec<Value>>();
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[0]["side"], "staff");
    assert_eq!(messages[0]["read"], true);
    assert!(!coach.server.get("/home").await.text().contains("non lu(s)"));

    // Nobody else: another organisation, a manager, a person without an account.
    let other = t.login_as(OTHER_COACH).await?;
    assert_eq!(
        other
            .server
            .get(&format!("/messages/{thread}"))
            .await
            .status_code(),
        StatusCode::NOT_FOUND
    );
    let manager = t.login_as("manager@demo.parcours.test").await?;
    assert_eq!(
        manager
            .server
            .get(&format!("/messages/{thread}"))
            .await
            .status_code(),
        StatusCode::FORBIDDEN
    );
    let unreachable = t
        .world
        .cohort
        .iter()
        .find(|m| m.person_id != person)
        .map(|m| m.person_id)
        .ok_or_else(|| anyhow::anyhow!("no cohort"))?;
    let no_account = api_post(
        &coach,
        &format!("/api/v1/beneficiaries/{unreachable}/messages"),
        json!({"subject": "Bonjour", "body": "Bonjour"}),
    )
    .await;
    assert_eq!(no_account.status_code(), StatusCode::UNPROCESSABLE_ENTITY);

    crate::assert_audited(
        &t,
        person,
        &["message.sent", "messages.read", "messages.access_denied"],
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn the_person_gives_the_synthesis_to_a_named_recipient_and_can_take_it_back() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let coach = t.login_as(COACH).await?;
    let issued = api_post(
        &coach,
        &format!("/api/v1/beneficiaries/{person}/synthesis"),
        json!({}),
    )
    .await;
    assert_eq!(issued.status_code(), StatusCode::CREATED);
    // Staff cannot give it away.
    let shares_api = format!("/api/v1/beneficiaries/{person}/synthesis/shares");
    let by_coach = api_post(
        &coach,
        &shares_api,
        json!({"recipient_name": "X", "recipient_email": "x@example.org", "consent": true}),
    )
    .await;
    assert_eq!(by_coach.status_code(), StatusCode::FORBIDDEN);

    let me = t.login_as(BENEFICIARY).await?;
    let share = format!("/beneficiaries/{person}/synthese/partages");
    let refused = me
        .submit(
            "/parcours/synthese",
            &share,
            &[
                ("recipient_name", "Boulangerie Dupont"),
                ("recipient_email", "pas-une-adresse"),
            ],
        )
        .await;
    assert_eq!(refused.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = refused.text();
    assert!(
        text.contains("Cochez la case") && text.contains("n&#39;est pas valide"),
        "{text}"
    );
    assert_eq!(
        me.server.get(&shares_api).await.json::<Vec<Value>>().len(),
        0
    );

    let given = me
        .submit(
            "/parcours/synthese",
            &share,
            &[
                ("recipient_name", "Boulangerie Dupont"),
                ("recipient_email", "recrutement@boulangerie.example"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(
        given.header("location"),
        "/parcours/synthese?saved=1#share-title"
    );
    t.app.run_due_jobs(parcours_app::now_ms()).await?;
    let emails = t.sent_emails();
    let mail = emails
        .iter()
        .find(|e| e.contains("To: recrutement@boulangerie.example"))
        .ok_or_else(|| anyhow::anyhow!("no share email in {emails:#?}"))?;
    assert!(!mail.contains("Martin"));
    let marker = "/documents/partage/";
    let token = crate::link_token(mail, marker)?;
    assert_eq!(token.len(), 64);

    // The recipient downloads it without an account; the download is counted.
    let recipient = t.client()?;
    let link = format!("{marker}{token}");
    let pdf = recipient.server.get(&link).await;
    assert_eq!(pdf.status_code(), StatusCode::OK);
    assert_eq!(pdf.header("content-type"), "application/pdf");
    assert_eq!(pdf.header("referrer-policy"), "no-referrer");
    assert!(pdf.as_bytes().starts_with(b"%PDF-"));
    let shares = coach.server.get(&shares_api).await.json::<Vec<Value>>();
    assert_eq!(shares.len(), 1);
    assert_eq!(shares[0]["downloads"], 1);
    assert_eq!(shares[0]["consent_text_version"], "share-synthesis-v1");
    let file = coach
        .server
        .get(&format!("/beneficiaries/{person}"))
        .await
        .text();
    assert!(file.contains("Boulangerie Dupont"));
    // The documents list links each version.
    let doc_marker = format!("/beneficiaries/{person}/documents/");
    let start = file
        .find(&doc_marker)
        .ok_or_else(|| anyhow::anyhow!("no document link"))?;
    let doc_link: String = file[start..].chars().take_while(|c| *c != '"').collect();
    assert_eq!(
        coach.server.get(&doc_link).await.status_code(),
        StatusCode::OK
    );
    let other = t.login_as(OTHER_COACH).await?;
    assert_eq!(
        other.server.get(&doc_link).await.status_code(),
        StatusCode::NOT_FOUND
    );

    // Withdrawn: the link stops at once.
    let id = shares[0]["id"].as_str().unwrap_or_default();
    let withdrawn = me
        .submit("/parcours/synthese", &format!("{share}/{id}/retirer"), &[])
        .await;
    assert_eq!(withdrawn.status_code(), StatusCode::SEE_OTHER);
    let gone = recipient.server.get(&link).await;
    assert_eq!(gone.status_code(), StatusCode::NOT_FOUND);
    assert!(gone.text().contains("Ce lien ne fonctionne plus"));
    assert_eq!(
        recipient
            .server
            .get(&format!("{marker}{}", "0".repeat(64)))
            .await
            .status_code(),
        StatusCode::NOT_FOUND
    );

    crate::assert_audited(
        &t,
        person,
        &[
            "document.shared",
            "document.share_downloaded",
            "document.share_revoked",
        ],
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn hurried_answers_are_flagged_in_the_caseload() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as(BENEFICIARY).await?;
    let consent = me.submit("/parcours", "/parcours/consentement", &[]).await;
    assert_eq!(consent.status_code(), StatusCode::SEE_OTHER);
    let journey = me
        .server
        .get(&format!("/api/v1/beneficiaries/{person}/journey"))
        .await
        .json::<Value>();
    let riasec = journey["activities"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["instrument"] == "riasec"))
        .and_then(|a| a["id"].as_str())
        .ok_or_else(|| anyhow::anyhow!("no riasec in {journey}"))?
        .to_owned();
    let items: Vec<Value> = me
        .server
        .get(&format!("/api/v1/activities/{riasec}"))
        .await
        .json::<Value>()["questions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // Every question answered "3" in one go: straight-lining, and too fast.
    let answers: Vec<Value> = items
        .iter()
        .map(|q| json!({"item": q["id"], "value": "3"}))
        .collect();
    let saved = api_put(
        &me,
        &format!("/api/v1/activities/{riasec}/answers"),
        json!({ "answers": answers }),
    )
    .await;
    assert_eq!(saved.status_code(), StatusCode::OK, "{}", saved.text());

    let coach = t.login_as(COACH).await?;
    let home = coach.server.get("/home?filtre=a-surveiller").await.text();
    assert!(
        home.contains("1 questionnaire(s) aux réponses à vérifier"),
        "{home}"
    );
    assert!(home.contains(&format!("/beneficiaries/{person}")));
    // Progress: one activity finished of those planned at consent.
    let planned = journey["activities"].as_array().map_or(0, Vec::len);
    assert!(home.contains(&format!("1 / {planned} activités")), "{home}");
    let file = coach
        .server
        .get(&format!("/beneficiaries/{person}"))
        .await
        .text();
    assert!(file.contains("1 questionnaire(s) aux réponses à vérifier"));
    Ok(())
}

/// The caseload counts every person's activities and sessions in a few grouped
/// queries; the same figures counted row by row must agree.
#[tokio::test]
async fn the_caseload_figures_match_the_rows_counted_one_by_one() -> TestResult {
    use parcours_db::{ConnectionTrait, Statement};

    let t = TestApp::spawn().await?;
    t.app.seed_demo_answers(&t.world).await?;
    let db = t.app.db();
    let tenant = t.world.operator_id;
    let now = parcours_app::now_ms();
    let rows =
        parcours_db::repo::people::caseload(db, parcours_db::TenantScope::of(tenant), None, now)
            .await?;
    let select = |text: &str| {
        Statement::from_sql_and_values(
            db.get_database_backend(),
            crate::matrix::sql(db, text),
            [tenant.into()],
        )
    };
    let activities = db
        .query_all_raw(select(
            "SELECT enrolment_id, phase, due_at, completed_at, quality_flags \
             FROM activities WHERE tenant_id = ?",
        ))
        .await?;
    let sessions = db
        .query_all_raw(select(
            "SELECT a.person_id, s.starts_at FROM appointments a \
             JOIN slots s ON s.id = a.slot_id WHERE a.tenant_id = ? AND a.status = 'booked'",
        ))
        .await?;
    let (mut late, mut done, mut flagged) = (0, 0, 0);
    for row in &rows {
        let reached = row.enrolment.phase.step();
        let (mut planned, mut finished, mut overdue, mut doubtful) = (0, 0, 0, 0);
        for a in &activities {
            if a.try_get::<uuid::Uuid>("", "enrolment_id")? != row.enrolment.id {
                continue;
            }
            planned += 1;
            let completed = a.try_get::<Option<i64>>("", "completed_at")?.is_some();
            finished += usize::from(completed);
            let phase: String = a.try_get("", "phase")?;
            let reached_phase = phase
                .parse::<parcours_domain::Phase>()
                .is_ok_and(|p| p.step() <= reached);
            let due: i64 = a.try_get("", "due_at")?;
            overdue += usize::from(!completed && due < now && reached_phase);
            let flags: Option<String> = a.try_get("", "quality_flags")?;
            doubtful += usize::from(flags.is_some_and(|f| !f.is_empty()));
        }
        let mut next = None;
        for s in &sessions {
            let at: i64 = s.try_get("", "starts_at")?;
            if s.try_get::<uuid::Uuid>("", "person_id")? == row.person_id && at > now {
                next = Some(next.map_or(at, |n: i64| n.min(at)));
            }
        }
        let who = &row.last_name;
        assert_eq!(row.activities_planned as usize, planned, "{who}");
        assert_eq!(row.activities_done as usize, finished, "{who}");
        assert_eq!(row.overdue_activities as usize, overdue, "{who}");
        assert_eq!(row.flagged_answers as usize, doubtful, "{who}");
        assert_eq!(row.next_appointment, next, "{who}");
        late += overdue;
        done += finished;
        flagged += doubtful;
    }
    // The demo spreads people over the journey: there is something to count.
    assert!(
        rows.len() >= 50 && late > 0 && done > 0,
        "{late} late, {done} done"
    );
    println!(
        "caseload: {} people, {late} late, {done} done, {flagged} flagged",
        rows.len()
    );
    Ok(())
}

/// A user's id, by address.
async fn user_id(t: &TestApp, email: &str) -> anyhow::Result<uuid::Uuid> {
    use parcours_db::ConnectionTrait;
    let db = t.app.db();
    let row = db
        .query_one_raw(parcours_db::Statement::from_sql_and_values(
            db.get_database_backend(),
            crate::matrix::sql(db, "SELECT id FROM users WHERE email = ?"),
            [email.into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user {email}"))?;
    Ok(row.try_get::<uuid::Uuid>("", "id")?)
}

/// Every way into a person's messages, reading and writing, pages and API, with the
/// status it answers.
async fn message_ways(client: &Client, person: uuid::Uuid, thread: &str) -> Vec<(String, u16)> {
    let list = format!("/beneficiaries/{person}/messages");
    let page = format!("/messages/{thread}");
    let mut out = Vec::new();
    for path in [
        list.clone(),
        page.clone(),
        format!("/api/v1/beneficiaries/{person}/messages"),
        format!("/api/v1/threads/{thread}"),
    ] {
        let status = client.server.get(&path).await.status_code().as_u16();
        out.push((format!("GET {path}"), status));
    }
    let started = client
        .post_form(&list, &[("subject", "Un sujet"), ("body", "Un message")])
        .await;
    out.push((format!("POST {list}"), started.status_code().as_u16()));
    let replied = client.post_form(&page, &[("body", "Une réponse")]).await;
    out.push((format!("POST {page}"), replied.status_code().as_u16()));
    let api_start = api_post(
        client,
        &format!("/api/v1/beneficiaries/{person}/messages"),
        json!({"subject": "Un sujet", "body": "Un message"}),
    )
    .await;
    out.push(("POST api start".into(), api_start.status_code().as_u16()));
    let api_reply = api_post(
        client,
        &format!("/api/v1/threads/{thread}/messages"),
        json!({"body": "Une réponse"}),
    )
    .await;
    out.push(("POST api reply".into(), api_reply.status_code().as_u16()));
    out
}

/// Messages are between the person and their coaches: another coach of the same
/// operator is refused on every way in (each refusal audited like the others), until
/// the file is handed to them; the coach who handed it over keeps the conversation.
#[tokio::test]
async fn only_the_persons_coaches_and_the_one_who_handed_over_read_their_messages() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let coach = t.login_as(COACH).await?;
    let colleague = t.login_as(COACH2).await?;
    let colleague_id = user_id(&t, COACH2).await?;
    let started = api_post(
        &coach,
        &format!("/api/v1/beneficiaries/{person}/messages"),
        json!({"subject": "Préparer l'entretien", "body": "Apportez votre CV."}),
    )
    .await;
    assert_eq!(
        started.status_code(),
        StatusCode::CREATED,
        "{}",
        started.text()
    );
    let thread = started.json::<Value>()["id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no thread id"))?
        .to_owned();

    let denied_before = denials(&t, person, colleague_id).await?;
    let tried = message_ways(&colleague, person, &thread).await;
    for (way, status) in &tried {
        assert_eq!(*status, 403, "another coach of the operator: {way}");
    }
    assert_eq!(
        denials(&t, person, colleague_id).await? - denied_before,
        tried.len(),
        "each refusal is audited"
    );
    // The file itself stays open to them, without the messages' link or count.
    let file = colleague
        .server
        .get(&format!("/beneficiaries/{person}"))
        .await;
    assert_eq!(file.status_code(), StatusCode::OK);
    assert!(
        !file
            .text()
            .contains(&format!("/beneficiaries/{person}/messages\""))
    );
    // Another organisation's coach does not even see that the thread exists.
    let stranger = t.login_as(OTHER_COACH).await?;
    for (way, status) in message_ways(&stranger, person, &thread).await {
        assert_eq!(status, 404, "another organisation: {way}");
    }

    // The file is handed over: the new coach reads and writes, and so does the one
    // who handed it over.
    let moved = api_put(
        &coach,
        &format!("/api/v1/beneficiaries/{person}/coach"),
        json!({"coach": colleague_id, "reason": "Congé"}),
    )
    .await;
    assert!(moved.status_code().is_success(), "{}", moved.text());
    for who in [&colleague, &coach] {
        for (way, status) in message_ways(who, person, &thread).await {
            assert!(
                matches!(status, 200 | 201 | 204 | 303),
                "a coach of the person after the transfer: {way} answered {status}"
            );
        }
    }
    crate::assert_audited(&t, person, &["messages.access_denied", "messages.read"]).await?;
    Ok(())
}

/// How many refusals of the person's messages were audited for a user.
async fn denials(t: &TestApp, person: uuid::Uuid, user: uuid::Uuid) -> anyhow::Result<usize> {
    Ok(parcours_db::repo::audit::for_person(
        t.app.db(),
        parcours_db::TenantScope::of(t.world.operator_id),
        person,
        1_000_000,
    )
    .await?
    .into_iter()
    .filter(|e| e.action == "messages.access_denied" && e.actor_user_id == Some(user))
    .count())
}
