//! The stored shape of jobs: kinds and payloads as older versions wrote them.

use super::*;
use parcours_domain::workspace::MessageSide;
use serde::Deserialize;

#[test]
fn backoff_doubles_and_is_capped() {
    assert_eq!(backoff_ms(1), 30_000);
    assert_eq!(backoff_ms(2), 60_000);
    assert_eq!(backoff_ms(4), 240_000);
    assert_eq!(backoff_ms(30), 6 * 3600 * 1000);
}

/// The shared payload every kind carried before each had its struct, kept here
/// to prove that rows queued by earlier versions still read back.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Payload {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    appointment_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    invitation_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    thread_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notify: Option<parcours_domain::workspace::MessageSide>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    share_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    request_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    link_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    person_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    survey_id: Option<Uuid>,
}

/// A typed job writes the JSON the shared payload wrote, and a row queued in the old
/// shape reads back as its kind's struct.
fn same_shape<J: BackgroundJob + PartialEq + std::fmt::Debug>(typed: &J, old: &Payload) {
    // Same keys and values (JSON objects have no order; rows are read by key).
    let old_json = serde_json::to_string(old).unwrap();
    assert_eq!(
        serde_json::to_value(typed).unwrap(),
        serde_json::to_value(old).unwrap(),
        "{}",
        J::KIND
    );
    assert_eq!(&serde_json::from_str::<J>(&old_json).unwrap(), typed);
}

#[test]
fn typed_jobs_keep_the_stored_payloads() {
    let id = Uuid::from_u128(7);
    let token = "tok".to_owned();
    same_shape(
        &PersonInvitation {
            user_id: id,
            token: token.clone(),
        },
        &Payload {
            user_id: Some(id),
            token: Some(token.clone()),
            ..Payload::default()
        },
    );
    same_shape(
        &JoinInvitation {
            user_id: id,
            token: token.clone(),
        },
        &Payload {
            user_id: Some(id),
            token: Some(token.clone()),
            ..Payload::default()
        },
    );
    same_shape(
        &AdvisorLink {
            link_id: id,
            token: token.clone(),
        },
        &Payload {
            link_id: Some(id),
            token: Some(token.clone()),
            ..Payload::default()
        },
    );
    same_shape(
        &InactivityNotice { person_id: id },
        &Payload {
            person_id: Some(id),
            ..Payload::default()
        },
    );
    same_shape(
        &BookingInvitation {
            invitation_id: id,
            token: token.clone(),
        },
        &Payload {
            invitation_id: Some(id),
            token: Some(token.clone()),
            ..Payload::default()
        },
    );
    let appointment = Payload {
        appointment_id: Some(id),
        ..Payload::default()
    };
    same_shape(
        &AppointmentConfirmation { appointment_id: id },
        &appointment,
    );
    same_shape(&AppointmentReminder { appointment_id: id }, &appointment);
    for side in [MessageSide::Person, MessageSide::Staff] {
        same_shape(
            &MessageNotice {
                thread_id: id,
                notify: side,
            },
            &Payload {
                thread_id: Some(id),
                notify: Some(side),
                ..Payload::default()
            },
        );
    }
    same_shape(
        &DocumentShare {
            share_id: id,
            token: token.clone(),
        },
        &Payload {
            share_id: Some(id),
            token: Some(token.clone()),
            ..Payload::default()
        },
    );
    same_shape(
        &OpportunityRequest {
            request_id: id,
            token: token.clone(),
        },
        &Payload {
            request_id: Some(id),
            token: Some(token.clone()),
            ..Payload::default()
        },
    );
    same_shape(
        &OpportunityAnswer { request_id: id },
        &Payload {
            request_id: Some(id),
            ..Payload::default()
        },
    );
    same_shape(
        &EmployerInvitation {
            user_id: id,
            token: token.clone(),
        },
        &Payload {
            user_id: Some(id),
            token: Some(token.clone()),
            ..Payload::default()
        },
    );
    let other = Uuid::from_u128(8);
    same_shape(
        &SelectionInvitation {
            event_id: id,
            person_id: other,
        },
        &Payload {
            event_id: Some(id),
            person_id: Some(other),
            ..Payload::default()
        },
    );
    same_shape(
        &FollowUpSurvey { survey_id: id },
        &Payload {
            survey_id: Some(id),
            ..Payload::default()
        },
    );
    // The stored kind strings never change: rows already queued name them.
    for (kind, expected) in [
        (BookingInvitation::KIND, "email.booking_invitation"),
        (
            AppointmentConfirmation::KIND,
            "email.appointment_confirmation",
        ),
        (AppointmentReminder::KIND, "email.appointment_reminder"),
        (MessageNotice::KIND, "email.message_notice"),
        (DocumentShare::KIND, "email.document_share"),
        (OpportunityRequest::KIND, "email.opportunity_request"),
        (OpportunityAnswer::KIND, "email.opportunity_answer"),
        (EmployerInvitation::KIND, "email.employer_invitation"),
        (PersonInvitation::KIND, "email.person_invitation"),
        (SelectionInvitation::KIND, "email.selection_invitation"),
        (FollowUpSurvey::KIND, "email.survey"),
    ] {
        assert_eq!(kind, expected);
    }
    same_shape(&DocumentsPurge {}, &Payload::default());
    same_shape(&ErasedSpace {}, &Payload::default());
    assert_eq!(PersonsInactivity::KIND, "persons.inactivity");
    assert_eq!(SurveysSend::KIND, "surveys.send");
    assert_eq!(ReferralsExpiry::KIND, "referrals.expire");
}
