//! The stored shape of jobs: kinds and payloads as older versions wrote them.

use super::*;
use parcours_domain::workspace::MessageSide;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

#[test]
fn backoff_doubles_and_is_capped() {
    assert_eq!(backoff_ms(1), 30_000);
    assert_eq!(backoff_ms(2), 60_000);
    assert_eq!(backoff_ms(4), 240_000);
    assert_eq!(backoff_ms(30), 6 * 3600 * 1000);
}

/// One kind of job: its kind string and payload as typed now, beside the kind string
/// and payload rows queued by earlier versions hold (every kind once shared one
/// payload of optional keys, written only when set).
struct Stored {
    kind: &'static str,
    typed: Value,
    stored_kind: &'static str,
    stored: Value,
    /// The stored payload read back as the kind's struct equals the typed job.
    reads_back: bool,
}

fn stored<J: BackgroundJob + PartialEq + DeserializeOwned>(
    typed: J,
    stored_kind: &'static str,
    stored: Value,
) -> Stored {
    Stored {
        kind: J::KIND,
        typed: serde_json::to_value(&typed).unwrap(),
        stored_kind,
        reads_back: serde_json::from_value::<J>(stored.clone()).ok() == Some(typed),
        stored,
    }
}

#[test]
fn typed_jobs_keep_the_stored_kinds_and_payloads() {
    let id = Uuid::from_u128(7);
    let other = Uuid::from_u128(8);
    let token = || "tok".to_owned();
    let side = |s: MessageSide| serde_json::to_value(s).unwrap();
    let rows = [
        stored(
            PersonInvitation {
                user_id: id,
                token: token(),
            },
            "email.person_invitation",
            json!({ "user_id": id, "token": "tok" }),
        ),
        stored(
            JoinInvitation {
                user_id: id,
                token: token(),
            },
            "email.membership_invitation",
            json!({ "user_id": id, "token": "tok" }),
        ),
        stored(
            AdvisorLink {
                link_id: id,
                token: token(),
            },
            "email.advisor_link",
            json!({ "link_id": id, "token": "tok" }),
        ),
        stored(
            InactivityNotice { person_id: id },
            "email.inactivity_notice",
            json!({ "person_id": id }),
        ),
        stored(
            BookingInvitation {
                invitation_id: id,
                token: token(),
            },
            "email.booking_invitation",
            json!({ "invitation_id": id, "token": "tok" }),
        ),
        stored(
            AppointmentConfirmation { appointment_id: id },
            "email.appointment_confirmation",
            json!({ "appointment_id": id }),
        ),
        stored(
            AppointmentReminder { appointment_id: id },
            "email.appointment_reminder",
            json!({ "appointment_id": id }),
        ),
        stored(
            MessageNotice {
                thread_id: id,
                notify: MessageSide::Person,
            },
            "email.message_notice",
            json!({ "thread_id": id, "notify": side(MessageSide::Person) }),
        ),
        stored(
            MessageNotice {
                thread_id: id,
                notify: MessageSide::Staff,
            },
            "email.message_notice",
            json!({ "thread_id": id, "notify": side(MessageSide::Staff) }),
        ),
        stored(
            DocumentShare {
                share_id: id,
                token: token(),
            },
            "email.document_share",
            json!({ "share_id": id, "token": "tok" }),
        ),
        stored(
            OpportunityRequest {
                request_id: id,
                token: token(),
            },
            "email.opportunity_request",
            json!({ "request_id": id, "token": "tok" }),
        ),
        stored(
            OpportunityAnswer { request_id: id },
            "email.opportunity_answer",
            json!({ "request_id": id }),
        ),
        stored(
            EmployerInvitation {
                user_id: id,
                token: token(),
            },
            "email.employer_invitation",
            json!({ "user_id": id, "token": "tok" }),
        ),
        stored(
            SelectionInvitation {
                event_id: id,
                person_id: other,
            },
            "email.selection_invitation",
            json!({ "event_id": id, "person_id": other }),
        ),
        stored(
            FollowUpSurvey { survey_id: id },
            "email.survey",
            json!({ "survey_id": id }),
        ),
        stored(DocumentsPurge {}, "documents.purge", json!({})),
        stored(ReferralsExpiry {}, "referrals.expire", json!({})),
        stored(SurveysSend {}, "surveys.send", json!({})),
        stored(PersonsInactivity {}, "persons.inactivity", json!({})),
        stored(ErasedSpace {}, "privacy.vacuum", json!({})),
    ];
    for row in rows {
        // The kind strings never change: rows already queued name them.
        assert_eq!(row.kind, row.stored_kind);
        // Same keys and values (JSON objects have no order; rows are read by key).
        assert_eq!(row.typed, row.stored, "{}", row.kind);
        assert!(row.reads_back, "{}", row.kind);
    }
}
