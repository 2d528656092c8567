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
