//! Coaching sessions end to end: the coach publishes slots, invites the person, the
//! person books from the link without signing in, the worker emails the confirmation
//! (with the .ics) and the reminder, the coach records attendance and notes, held time
//! counts in the bilan; and nothing of it crosses tenants.

use axum_test::http::StatusCode;
use parcours_db::ConnectionTrait;
use parcours_test_support::TestApp;
use serde_json::{Value, json};

use crate::TestResult;

const HOUR: i64 = 3600 * 1000;

/// A date `days` ahead, as the slot form wants it.
fn day_ahead(days: i64) -> String {
    let d = time::OffsetDateTime::now_utc() + time::Duration::days(days);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn query_value(location: &str, key: &str) -> String {
    location
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_person_books_from_the_link_and_the_coach_records_the_session() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let date = day_ahead(3);

    // A bad form names every refused field and publishes nothing.
    let bad = coach
        .submit(
            "/agenda",
            "/agenda/creneaux",
            &[
                ("date", "2020-01-01"),
                ("time", "10:00"),
                ("minutes", "5"),
                ("mode", "on_site"),
                ("place", ""),
                ("count", "1"),
            ],
        )
        .await;
    assert_eq!(bad.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = bad.text();
    assert!(
        text.contains("La durée va de 15 à 240 minutes") && text.contains("Indiquez l&#39;adresse"),
        "{text}"
    );
    let free_before = coach
        .server
        .get("/agenda")
        .await
        .text()
        .matches(">Libre<")
        .count();
    assert!(free_before > 0, "the demo coach has free slots");

    let published = coach
        .submit(
            "/agenda",
            "/agenda/creneaux",
            &[
                ("date", &date),
                ("time", "10:00"),
                ("minutes", "60"),
                ("mode", "on_site"),
                ("place", "12 rue des Lilas, Lyon"),
                ("count", "2"),
            ],
        )
        .await;
    assert_eq!(published.header("location"), "/agenda?saved=1");
    let agenda = coach.server.get("/agenda").await.text();
    // Two consecutive hours, in Paris time.
    let ours: Vec<&str> = agenda
        .split("<li>")
        .filter(|li| li.contains("12 rue des Lilas"))
        .collect();
    assert_eq!(ours.len(), 2, "{agenda}");
    assert!(
        ours[0].contains("à 10h00 (heure de Paris)")
            && ours[1].contains("à 11h00 (heure de Paris)")
    );
    assert_eq!(agenda.matches(">Libre<").count(), free_before + 2);

    // The coach invites; the worker emails the link to the person's address.
    let invited = coach
        .submit(
            &format!("/beneficiaries/{person}/rendez-vous"),
            &format!("/beneficiaries/{person}/rendez-vous/invitation"),
            &[],
        )
        .await;
    assert_eq!(
        invited.status_code(),
        StatusCode::SEE_OTHER,
        "{}",
        invited.text()
    );
    let location = invited.header("location").to_str()?.to_owned();
    assert_eq!(query_value(&location, "saved"), "emailed");
    let token = query_value(&location, "lien");
    assert_eq!(token.len(), 64);
    assert!(
        coach
            .server
            .get(&location)
            .await
            .text()
            .contains(&format!("/rendez-vous/{token}"))
    );
    let now = parcours_app::now_ms();
    let report = t.app.run_due_jobs(now).await?;
    assert!(report.done >= 1, "{report:?}");
    let emails = t.sent_emails();
    let invitation = emails
        .iter()
        .find(|e| e.contains("choisissez votre rendez-vous"))
        .expect("invitation email");
    assert!(invitation.contains(&format!("/rendez-vous/{token}")));
    assert!(invitation.contains("To: beneficiaire@demo.parcours.test"));
    assert!(
        !invitation.contains("Martin"),
        "no personal content: {invitation}"
    );

    // The person books from the link, not signed in.
    let visitor = t.client()?;
    let page = visitor
        .server
        .get(&format!("/rendez-vous/{token}"))
        .await
        .text();
    assert!(
        page.contains("Choisir mon rendez-vous") && page.contains("12 rue des Lilas"),
        "{page}"
    );
    // The first of the two slots just published (the demo agenda has others).
    let marker = "name=\"slot\" value=\"";
    let ours = page.find("12 rue des Lilas").expect("our slot");
    let start = page[..ours].rfind(marker).expect("a slot to pick") + marker.len();
    let slot = page[start..start + 36].to_owned();
    let booked = visitor
        .post_form(&format!("/rendez-vous/{token}"), &[("slot", slot.as_str())])
        .await;
    assert_eq!(
        booked.header("location"),
        format!("/rendez-vous/{token}?reserve=1")
    );
    let again = visitor
        .post_form(&format!("/rendez-vous/{token}"), &[("slot", slot.as_str())])
        .await;
    assert_eq!(again.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text().contains("a déjà servi"));
    let confirmed = visitor
        .server
        .get(&format!("/rendez-vous/{token}?reserve=1"))
        .await
        .text();
    assert!(confirmed.contains("C&#39;est réservé"), "{confirmed}");

    // The calendar file from the link, and from the person's own space.
    let me = t.login_as("beneficiaire@demo.parcours.test").await?;
    let api = format!("/api/v1/beneficiaries/{person}/appointments");
    let mine = me.server.get(&api).await.json::<Value>();
    let appointment = mine["appointments"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(mine["appointments"][0]["status"], "booked");
    assert_eq!(mine["appointments"][0]["booked_via"], "link");
    let starts_at = mine["appointments"][0]["slot"]["starts_at"]
        .as_i64()
        .unwrap();
    let ics = visitor
        .server
        .get(&format!("/rendez-vous/{token}/{appointment}/agenda.ics"))
        .await;
    assert_eq!(ics.header("content-type"), "text/calendar; charset=utf-8");
    assert!(
        ics.text().contains("BEGIN:VEVENT")
            && ics.text().contains("LOCATION:12 rue des Lilas\\, Lyon")
    );
    let own_ics = me
        .server
        .get(&format!("/parcours/rendez-vous/{appointment}/agenda.ics"))
        .await;
    assert_eq!(own_ics.status_code(), StatusCode::OK);

    // Confirmation now, with the calendar attached; the reminder the day before.
    t.app.run_due_jobs(parcours_app::now_ms()).await?;
    let emails = t.sent_emails();
    let confirmation = emails
        .iter()
        .find(|e| e.contains("Votre rendez-vous est confirmé le"))
        .unwrap_or_else(|| panic!("confirmation in {emails:#?}"));
    assert!(confirmation.contains("text/calendar") && confirmation.contains("BEGIN:VCALENDAR"));
    assert!(
        !emails
            .iter()
            .any(|e| e.contains("Petit rappel : vous avez rendez-vous"))
    );
    t.app.run_due_jobs(starts_at - 23 * HOUR).await?;
    let emails = t.sent_emails();
    let reminder = emails
        .iter()
        .find(|e| e.contains("Petit rappel : vous avez rendez-vous"))
        .expect("reminder");
    assert!(reminder.contains("10h00") && reminder.contains("heure de Paris"));

    // Too early to say it was held; once past, the coach records it with notes.
    let attendance = format!("/beneficiaries/{person}/rendez-vous/{appointment}");
    let early = coach
        .submit(
            &format!("/beneficiaries/{person}/rendez-vous"),
            &attendance,
            &[("status", "held"), ("notes", "")],
        )
        .await;
    assert_eq!(early.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.text().contains("pas encore eu lieu"));
    t.app.clock().advance_ms(4 * 24 * HOUR);
    // Four days on, both sessions went idle: sign in again.
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let me = t.login_as("beneficiaire@demo.parcours.test").await?;
    let held = coach
        .submit(
            &format!("/beneficiaries/{person}/rendez-vous"),
            &attendance,
            &[
                ("status", "held"),
                (
                    "notes",
                    "Parle volontiers de la boulangerie ; piste à creuser.",
                ),
            ],
        )
        .await;
    assert_eq!(
        held.header("location"),
        format!("/beneficiaries/{person}/rendez-vous?saved=1")
    );
    let seen = coach
        .server
        .get(&format!("/beneficiaries/{person}/rendez-vous"))
        .await
        .text();
    assert!(
        seen.contains("piste à creuser") && seen.contains("A eu lieu"),
        "{seen}"
    );
    // Notes are the coaches': the person sees the session, not the notes.
    let own = me.server.get("/parcours/rendez-vous").await.text();
    assert!(
        own.contains("A eu lieu") && !own.contains("piste à creuser"),
        "{own}"
    );
    assert!(me.server.get(&api).await.json::<Value>()["appointments"][0]["notes"].is_null());
    assert_eq!(
        me.server.get(&api).await.json::<Value>()["held_minutes"],
        60
    );
    let journey = me
        .server
        .get(&format!("/api/v1/beneficiaries/{person}/journey"))
        .await
        .json::<Value>();
    assert!(
        journey["minutes_done"].as_u64().unwrap_or(0) >= 60,
        "{journey}"
    );
    // The person cannot rewrite what the coach recorded.
    let forged = me
        .put_json(
            &format!("/api/v1/appointments/{appointment}/attendance"),
            &json!({"status": "missed"}),
        )
        .await;
    assert_eq!(forged.status_code(), StatusCode::FORBIDDEN);

    // Another organisation's coach sees nothing of it.
    let other = t.login_as("coach@horizon.parcours.test").await?;
    assert_eq!(
        other.server.get(&api).await.status_code(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .server
            .get(&format!("/parcours/rendez-vous/{appointment}/agenda.ics"))
            .await
            .status_code(),
        StatusCode::NOT_FOUND
    );
    let foreign = other
        .put_json(
            &format!("/api/v1/appointments/{appointment}/attendance"),
            &json!({"status": "cancelled"}),
        )
        .await;
    assert_eq!(foreign.status_code(), StatusCode::NOT_FOUND);
    assert!(
        !other
            .server
            .get("/agenda")
            .await
            .text()
            .contains("12 rue des Lilas")
    );

    crate::assert_audited(
        &t,
        person,
        &[
            "appointment.invited",
            "appointment.invitation_opened",
            "appointment.booked",
            "appointment.status_changed",
            "appointment.notes_written",
            "appointment.read",
        ],
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn the_person_books_and_cancels_from_their_space_and_the_slot_frees_up() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let published = coach.post_json("/api/v1/slots", &json!({"date": day_ahead(5), "time": "14:30", "minutes": "45", "mode": "phone", "place": "", "count": "1"})).await;
    assert_eq!(published.status_code(), StatusCode::CREATED);
    assert_eq!(published.json::<Value>()["published"], 1);

    let me = t.login_as("beneficiaire@demo.parcours.test").await?;
    let api = format!("/api/v1/beneficiaries/{person}/appointments");
    let open = me.server.get(&api).await.json::<Value>();
    let offered = |v: &Value, id: &str| {
        v["open_slots"]
            .as_array()
            .is_some_and(|all| all.iter().any(|s| s["id"] == id))
    };
    let slot = open["open_slots"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["mode"] == "phone"))
        .and_then(|s| s["id"].as_str())
        .unwrap()
        .to_owned();
    let booked = me
        .submit(
            "/parcours/rendez-vous",
            "/parcours/rendez-vous/reserver",
            &[("slot", &slot)],
        )
        .await;
    assert_eq!(booked.header("location"), "/parcours/rendez-vous?saved=1");
    let after = me.server.get(&api).await.json::<Value>();
    assert!(
        !offered(&after, &slot),
        "the booked slot is no longer offered"
    );
    let appointment = after["appointments"][0]["id"].as_str().unwrap().to_owned();

    let cancelled = me
        .submit(
            "/parcours/rendez-vous",
            &format!("/beneficiaries/{person}/rendez-vous/{appointment}"),
            &[("status", "cancelled")],
        )
        .await;
    assert_eq!(
        cancelled.header("location"),
        "/parcours/rendez-vous?saved=1"
    );
    let after = me.server.get(&api).await.json::<Value>();
    assert_eq!(after["appointments"][0]["status"], "cancelled");
    assert_eq!(after["appointments"][0]["status_by"], "person");
    assert!(offered(&after, &slot), "the slot is free again");
    // A cancelled session sends no reminder.
    t.app
        .run_due_jobs(parcours_app::now_ms() + 6 * 24 * HOUR)
        .await?;
    assert!(
        !t.sent_emails()
            .iter()
            .any(|e| e.contains("Petit rappel : vous avez rendez-vous"))
    );

    // Booked again, then missed: the coach's caseload shows it to watch.
    me.submit(
        "/parcours/rendez-vous",
        "/parcours/rendez-vous/reserver",
        &[("slot", &slot)],
    )
    .await;
    let home = coach.server.get("/home").await.text();
    assert!(home.contains("Prochain rendez-vous"), "{home}");
    // Sorted by next session, the only person with one comes first.
    let by_session = coach.server.get("/home?tri=rdv").await.text();
    let first_row = by_session
        .split("<tbody>")
        .nth(1)
        .and_then(|b| b.split("</tr>").next())
        .unwrap_or_default();
    assert!(first_row.contains("Martin Camille"), "{first_row}");
    assert!(by_session.contains("<option value=\"rdv\" selected>"));
    assert_eq!(
        coach
            .server
            .get("/home?tri=n%27importe")
            .await
            .status_code(),
        StatusCode::OK
    );
    // Kept as SQL: the caseload's "to watch" rule below is still computed in web on the
    // wall clock, and moving the app's clock would age every other person too.
    t.app
        .db()
        .execute_unprepared(&format!(
            "UPDATE slots SET starts_at = starts_at - {}",
            6 * 24 * HOUR
        ))
        .await?;
    let again = me.server.get(&api).await.json::<Value>();
    let second = again["appointments"]
        .as_array()
        .and_then(|all| all.iter().find(|a| a["status"] == "booked"))
        .and_then(|a| a["id"].as_str())
        .unwrap()
        .to_owned();
    let missed = coach
        .submit(
            &format!("/beneficiaries/{person}/rendez-vous"),
            &format!("/beneficiaries/{person}/rendez-vous/{second}"),
            &[("status", "missed"), ("notes", "")],
        )
        .await;
    assert_eq!(missed.status_code(), StatusCode::SEE_OTHER);
    let home = coach.server.get("/home").await.text();
    assert!(home.contains("1 rendez-vous manqué(s)"), "{home}");
    // Filtered to those to watch: every row shows a signal, and Camille is among them.
    let watch = coach.server.get("/home?filtre=a-surveiller").await.text();
    let body = watch.split("<tbody>").nth(1).unwrap_or_default();
    let rows: Vec<&str> = body
        .split("</tr>")
        .filter(|r| r.contains("<th scope=\"row\">"))
        .collect();
    assert!(!rows.is_empty() && rows.len() < home.matches("<th scope=\"row\">").count());
    assert!(
        rows.iter().all(|r| r.contains("class=\"overdue\"")),
        "{watch}"
    );
    assert!(rows.iter().any(|r| r.contains("Martin Camille")));
    Ok(())
}

#[tokio::test]
async fn a_failing_job_is_retried_with_backoff_then_shown_to_admins() -> TestResult {
    let t = TestApp::spawn().await?;
    let now = parcours_app::now_ms();
    let scope = parcours_db::TenantScope::of(t.world.operator_id);
    let id = parcours_db::repo::installation::jobs::enqueue(
        t.app.db(),
        parcours_db::repo::installation::jobs::NewJob {
            tenant: Some(scope),
            kind: parcours_app::jobs::kind::APPOINTMENT_REMINDER,
            payload: json!({"appointment_id": uuid::Uuid::now_v7()}).to_string(),
            run_at: now,
            max_attempts: parcours_app::jobs::MAX_ATTEMPTS,
        },
        now,
    )
    .await?;
    let first = t.app.run_due_jobs(now).await?;
    assert_eq!((first.retried, first.dead), (1, 0));
    let job = parcours_db::repo::installation::jobs::find(t.app.db(), id)
        .await?
        .unwrap();
    assert_eq!(job.run_at, now + 30_000, "first retry after 30 s");
    assert!(
        job.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("is gone")
    );
    // Not due yet: nothing runs.
    assert_eq!(t.app.run_due_jobs(now + 1_000).await?.retried, 0);
    let mut at = now;
    for _ in 1..parcours_app::jobs::MAX_ATTEMPTS {
        at += parcours_app::jobs::backoff_ms(5);
        t.app.run_due_jobs(at).await?;
    }
    let job = parcours_db::repo::installation::jobs::find(t.app.db(), id)
        .await?
        .unwrap();
    assert_eq!((job.status.as_str(), job.attempts), ("dead", 5));

    let admin = t.login_as("admin@demo.parcours.test").await?;
    let page = admin.server.get("/admin/taches").await.text();
    assert!(
        page.contains("email.appointment_reminder") && page.contains("is gone"),
        "{page}"
    );
    let api = admin.server.get("/api/v1/admin/jobs").await.json::<Value>();
    assert_eq!(api["dead"], 1);
    let retried = admin
        .submit(
            "/admin/taches",
            &format!("/admin/taches/{id}/relancer"),
            &[],
        )
        .await;
    assert_eq!(retried.header("location"), "/admin/taches?saved=1");
    let job = parcours_db::repo::installation::jobs::find(t.app.db(), id)
        .await?
        .unwrap();
    assert_eq!((job.status.as_str(), job.attempts), ("pending", 0));
    // Coaches do not see the jobs.
    let coach = t.login_as("coach@demo.parcours.test").await?;
    assert_eq!(
        coach.server.get("/api/v1/admin/jobs").await.status_code(),
        StatusCode::FORBIDDEN
    );
    Ok(())
}

/// A Paris date `days` from the app's today, as the forms want it.
fn paris_day(t: &TestApp, days: i64) -> String {
    let d = parcours_app::appointments::paris_today(t.app.now()) + time::Duration::days(days);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The number before `marker` in `text` ("3 séance(s) tenue(s)" → 3).
fn count_before(text: &str, marker: &str) -> usize {
    let Some(at) = text.find(marker) else {
        panic!("«{marker}» not in {text}");
    };
    text[..at]
        .trim_end()
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count before «{marker}»"))
}

#[tokio::test]
async fn a_coach_records_a_past_session_and_it_counts_in_the_bilan() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let me = t.login_as("beneficiaire@demo.parcours.test").await?;
    let page = format!("/beneficiaries/{person}/rendez-vous");
    let action = format!("/beneficiaries/{person}/rendez-vous/passe");
    let api = format!("/api/v1/beneficiaries/{person}/appointments");
    let held_of = |v: &Value| {
        v["appointments"].as_array().map_or(0, |all| {
            all.iter().filter(|a| a["status"] == "held").count()
        })
    };
    let before = coach.server.get(&api).await.json::<Value>();
    let (minutes_before, held_before) =
        (before["held_minutes"].as_u64().unwrap(), held_of(&before));
    let journey_api = format!("/api/v1/beneficiaries/{person}/journey");
    let journey_before = coach.server.get(&journey_api).await.json::<Value>()["minutes_done"]
        .as_u64()
        .unwrap();
    let file = coach
        .server
        .get(&format!("/beneficiaries/{person}"))
        .await
        .text();
    let file_before = count_before(&file, "séance(s) tenue(s)");

    // The form is on the person's sessions page, for the coach only.
    let shown = coach.server.get(&page).await.text();
    assert!(
        shown.contains("Noter un entretien passé")
            && shown.contains(&format!("action=\"{action}\"")),
        "{shown}"
    );
    assert!(
        !me.server
            .get("/parcours/rendez-vous")
            .await
            .text()
            .contains("Noter un entretien passé")
    );

    // A date to come and a length out of bounds: each field named, what was typed kept.
    let tomorrow = paris_day(&t, 1);
    let refused = coach
        .submit(
            &page,
            &action,
            &[
                ("date", &tomorrow),
                ("time", "09:30"),
                ("minutes", "0"),
                ("mode", "phone"),
                ("notes", "Appel de suivi : pas encore."),
            ],
        )
        .await;
    assert_eq!(refused.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = refused.text();
    assert!(
        text.contains("Date de l&#39;entretien : elle est à venir")
            && text.contains("Durée : de 1 à 480 minutes"),
        "{text}"
    );
    assert!(
        text.contains(&format!("value=\"{tomorrow}\""))
            && text.contains("id=\"past-minutes\" name=\"minutes\"")
            && text.contains("value=\"0\"")
            && text.contains("Appel de suivi : pas encore.</textarea>")
            && text.contains("id=\"past-mode-phone\" name=\"mode\" value=\"phone\" checked"),
        "{text}"
    );
    let too_long = coach
        .submit(
            &page,
            &action,
            &[
                ("date", &paris_day(&t, -1)),
                ("time", "09:30"),
                ("minutes", "481"),
                ("mode", "on_site"),
                ("notes", ""),
            ],
        )
        .await;
    assert_eq!(too_long.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long.text().contains("Durée : de 1 à 480 minutes"));
    assert_eq!(
        held_of(&coach.server.get(&api).await.json::<Value>()),
        held_before
    );

    // Yesterday, 45 minutes on the phone: held, with its notes.
    let yesterday = paris_day(&t, -1);
    let recorded = coach
        .submit(
            &page,
            &action,
            &[
                ("date", &yesterday),
                ("time", "16:15"),
                ("minutes", "45"),
                ("mode", "phone"),
                ("notes", "Appel : envies de métiers de bouche."),
            ],
        )
        .await;
    assert_eq!(
        recorded.status_code(),
        StatusCode::SEE_OTHER,
        "{}",
        recorded.text()
    );
    assert_eq!(recorded.header("location"), format!("{page}?saved=1"));
    let after = coach.server.get(&api).await.json::<Value>();
    assert_eq!(held_of(&after), held_before + 1);
    assert_eq!(after["held_minutes"].as_u64().unwrap(), minutes_before + 45);
    let ours = after["appointments"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|a| a["notes"] == "Appel : envies de métiers de bouche.")
        })
        .cloned()
        .expect("the past session");
    assert_eq!(
        (
            ours["status"].as_str(),
            ours["status_by"].as_str(),
            ours["booked_via"].as_str()
        ),
        (Some("held"), Some("coach"), Some("coach"))
    );
    assert_eq!(
        (
            ours["slot"]["minutes"].as_i64(),
            ours["slot"]["mode"].as_str()
        ),
        (Some(45), Some("phone"))
    );
    assert!(ours["slot"]["starts_at"].as_i64().unwrap() < t.app.now());
    let seen = coach.server.get(&page).await.text();
    assert!(seen.contains("A eu lieu") && seen.contains("envies de métiers de bouche"));
    // The notes stay the coaches': the person sees the session, not them.
    let own = me.server.get("/parcours/rendez-vous").await.text();
    assert!(
        own.contains("A eu lieu") && !own.contains("métiers de bouche"),
        "{own}"
    );
    assert!(
        me.server.get(&api).await.json::<Value>()["appointments"]
            .as_array()
            .is_some_and(|all| all.iter().all(|a| a["notes"].is_null()))
    );
    // It counts wherever the bilan's sessions and hours do: the journey, the file, the
    // synthesis.
    let journey_after = coach.server.get(&journey_api).await.json::<Value>()["minutes_done"]
        .as_u64()
        .unwrap();
    assert!(
        journey_after == journey_before + 45 || journey_after == 24 * 60,
        "{journey_before} → {journey_after}"
    );
    let file = coach
        .server
        .get(&format!("/beneficiaries/{person}"))
        .await
        .text();
    assert_eq!(count_before(&file, "séance(s) tenue(s)"), file_before + 1);
    coach
        .submit(
            &format!("/beneficiaries/{person}/synthese"),
            &format!("/beneficiaries/{person}/synthese"),
            &[],
        )
        .await;
    let pdf = me
        .server
        .get(&format!("/beneficiaries/{person}/synthese/document"))
        .await;
    assert_eq!(pdf.status_code(), StatusCode::OK);
    let text = crate::pdf_text(pdf.as_bytes())?;
    let duration = text
        .lines()
        .find(|l| l.contains("Durée du bilan"))
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        count_before(&duration, "entretien"),
        held_before + 1,
        "{duration}"
    );

    // The API: the same rules, each refused field named.
    let bad = coach
        .post_json(&api, &json!({"date": paris_day(&t, 3), "time": "10:00", "minutes": "600", "mode": "fax", "notes": ""}))
        .await;
    assert_eq!(bad.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = bad.json::<Value>();
    let fields: Vec<(&str, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("date", "in_the_future"),
            ("minutes", "out_of_range"),
            ("mode", "unknown_choice")
        ],
        "{problem}"
    );
    let created = coach
        .post_json(&api, &json!({"date": paris_day(&t, -2), "time": "11:00", "minutes": "30", "mode": "on_site", "notes": "Passage à l'accueil."}))
        .await;
    assert_eq!(
        created.status_code(),
        StatusCode::CREATED,
        "{}",
        created.text()
    );
    let id = created.json::<Value>()["id"].as_str().unwrap().to_owned();
    let listed = coach.server.get(&api).await.json::<Value>();
    assert_eq!(
        listed["held_minutes"].as_u64().unwrap(),
        minutes_before + 75
    );
    assert!(listed["appointments"].as_array().is_some_and(|all| {
        all.iter()
            .any(|a| a["id"] == id.as_str() && a["status"] == "held")
    }));
    // The person does not record sessions; another organisation does not see the file.
    let own_try = me
        .post_json(
            &api,
            &json!({"date": paris_day(&t, -1), "time": "10:00", "minutes": "30", "mode": "phone"}),
        )
        .await;
    assert_eq!(own_try.status_code(), StatusCode::FORBIDDEN);
    let other = t.login_as("coach@horizon.parcours.test").await?;
    let foreign = other
        .post_json(
            &api,
            &json!({"date": paris_day(&t, -1), "time": "10:00", "minutes": "30", "mode": "phone"}),
        )
        .await;
    assert_eq!(foreign.status_code(), StatusCode::NOT_FOUND);
    assert_eq!(
        coach.server.get(&api).await.json::<Value>()["held_minutes"]
            .as_u64()
            .unwrap(),
        minutes_before + 75
    );

    crate::assert_audited(&t, person, &["appointment.past_recorded"]).await?;
    Ok(())
}

#[tokio::test]
async fn a_session_to_come_offers_cancelling_not_attendance() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let published = coach
        .post_json(
            "/api/v1/slots",
            &json!({"date": day_ahead(2), "time": "10:00", "minutes": "60", "mode": "video", "place": "https://visio.example.org/a-venir", "count": "1"}),
        )
        .await;
    assert_eq!(published.status_code(), StatusCode::CREATED);
    let me = t.login_as("beneficiaire@demo.parcours.test").await?;
    let api = format!("/api/v1/beneficiaries/{person}/appointments");
    let slot = me.server.get(&api).await.json::<Value>()["open_slots"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|s| s["place"] == "https://visio.example.org/a-venir")
        })
        .and_then(|s| s["id"].as_str())
        .unwrap()
        .to_owned();
    me.submit(
        "/parcours/rendez-vous",
        "/parcours/rendez-vous/reserver",
        &[("slot", &slot)],
    )
    .await;
    let appointment = me.server.get(&api).await.json::<Value>()["appointments"]
        .as_array()
        .and_then(|all| all.iter().find(|a| a["slot"]["id"] == slot.as_str()))
        .and_then(|a| a["id"].as_str())
        .unwrap()
        .to_owned();

    // Before it starts: a line saying when attendance can be recorded, and a cancel button.
    let page = format!("/beneficiaries/{person}/rendez-vous");
    let text = coach.server.get(&page).await.text();
    let card = text
        .split("<section class=\"card\"")
        .find(|s| s.contains(&format!("id=\"session-{appointment}\"")))
        .unwrap_or_default();
    assert!(card.contains("une fois le rendez-vous commencé"), "{card}");
    assert!(
        !card.contains("value=\"held\"") && !card.contains("value=\"missed\""),
        "{card}"
    );
    assert!(card.contains("value=\"cancelled\"") && card.contains("Annuler le rendez-vous du"));
    // The app refuses it too, before the start.
    let early = coach
        .submit(
            &page,
            &format!("{page}/{appointment}"),
            &[("status", "held"), ("notes", "")],
        )
        .await;
    assert_eq!(early.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.text().contains("pas encore eu lieu"));

    // Once started, the held/no-show form is there.
    t.app.clock().advance_ms(3 * 24 * HOUR);
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let text = coach.server.get(&page).await.text();
    let card = text
        .split("<section class=\"card\"")
        .find(|s| s.contains(&format!("id=\"session-{appointment}\"")))
        .unwrap_or_default();
    assert!(
        card.contains("value=\"held\"")
            && card.contains("value=\"missed\"")
            && !card.contains("une fois le rendez-vous commencé"),
        "{card}"
    );

    // Back before its start, the coach cancels it from the page.
    t.app.clock().advance_ms(-(3 * 24 * HOUR));
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let cancelled = coach
        .submit(
            &page,
            &format!("{page}/{appointment}"),
            &[("status", "cancelled")],
        )
        .await;
    assert_eq!(cancelled.header("location"), format!("{page}?saved=1"));
    let after = coach.server.get(&api).await.json::<Value>();
    let ours = after["appointments"]
        .as_array()
        .and_then(|all| all.iter().find(|a| a["id"] == appointment.as_str()))
        .cloned()
        .unwrap();
    assert_eq!(
        (ours["status"].as_str(), ours["status_by"].as_str()),
        (Some("cancelled"), Some("coach"))
    );
    Ok(())
}
