//! One struct per kind of background job: what its row carries, under the kind string
//! stored with it (rows queued by an older version must still read back).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{BackgroundJob, kind};

/// A personal space was opened: the person gets their sign-in link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonInvitation {
    pub user_id: Uuid,
    pub token: String,
}

impl BackgroundJob for PersonInvitation {
    const KIND: &'static str = kind::PERSON_INVITATION;
}

/// An existing account is asked to accept joining an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinInvitation {
    pub user_id: Uuid,
    pub token: String,
}

impl BackgroundJob for JoinInvitation {
    const KIND: &'static str = kind::MEMBERSHIP_INVITATION;
}

/// A referrer's advisor gets the link to the referrals they follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisorLink {
    pub link_id: Uuid,
    pub token: String,
}

impl BackgroundJob for AdvisorLink {
    const KIND: &'static str = kind::ADVISOR_LINK;
}

/// A person without contact for almost two years is told before their file goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InactivityNotice {
    pub person_id: Uuid,
}

impl BackgroundJob for InactivityNotice {
    const KIND: &'static str = kind::INACTIVITY_NOTICE;
}

/// A person is sent the link to pick a booking slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingInvitation {
    pub invitation_id: Uuid,
    pub token: String,
}

impl BackgroundJob for BookingInvitation {
    const KIND: &'static str = kind::BOOKING_INVITATION;
}

/// A booked session is confirmed by email, with its calendar file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentConfirmation {
    pub appointment_id: Uuid,
}

impl BackgroundJob for AppointmentConfirmation {
    const KIND: &'static str = kind::APPOINTMENT_CONFIRMATION;
}

/// The day before a booked session, a reminder (skipped if cancelled or past).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentReminder {
    pub appointment_id: Uuid,
}

impl BackgroundJob for AppointmentReminder {
    const KIND: &'static str = kind::APPOINTMENT_REMINDER;
}

/// One side of a thread is told a message waits (unless read meanwhile).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageNotice {
    pub thread_id: Uuid,
    /// Which side of the thread to tell.
    pub notify: parcours_domain::workspace::MessageSide,
}

impl BackgroundJob for MessageNotice {
    const KIND: &'static str = kind::MESSAGE_NOTICE;
}

/// The recipient of a shared document gets its link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentShare {
    pub share_id: Uuid,
    pub token: String,
}

impl BackgroundJob for DocumentShare {
    const KIND: &'static str = kind::DOCUMENT_SHARE;
}

/// An employer is asked, by a link, to answer a request for their offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpportunityRequest {
    pub request_id: Uuid,
    pub token: String,
}

impl BackgroundJob for OpportunityRequest {
    const KIND: &'static str = kind::OPPORTUNITY_REQUEST;
}

/// The person is told the employer answered their request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpportunityAnswer {
    pub request_id: Uuid,
}

impl BackgroundJob for OpportunityAnswer {
    const KIND: &'static str = kind::OPPORTUNITY_ANSWER;
}

/// An employer's light account opens: its contact gets the sign-in link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmployerInvitation {
    pub user_id: Uuid,
    pub token: String,
}

impl BackgroundJob for EmployerInvitation {
    const KIND: &'static str = kind::EMPLOYER_INVITATION;
}

/// A person is invited to an event of the selection week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectionInvitation {
    pub event_id: Uuid,
    pub person_id: Uuid,
}

impl BackgroundJob for SelectionInvitation {
    const KIND: &'static str = kind::SELECTION_INVITATION;
}

/// One follow-up survey is emailed when due (unless the daily job sent it already).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpSurvey {
    pub survey_id: Uuid,
}

impl BackgroundJob for FollowUpSurvey {
    const KIND: &'static str = kind::SURVEY;
}

/// The installation's daily jobs carry nothing (`{}`); each queues itself again.
macro_rules! daily_job {
    ($(#[$doc:meta])* $name:ident = $kind:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $name {}

        impl BackgroundJob for $name {
            const KIND: &'static str = $kind;
        }
    };
}

daily_job!(
    /// Documents past their retention are deleted.
    DocumentsPurge = kind::DOCUMENTS_PURGE
);
daily_job!(
    /// Referrals and opportunity requests left unanswered expire.
    ReferralsExpiry = kind::REFERRALS_EXPIRY
);
daily_job!(
    /// Follow-up surveys due are emailed, unanswered ones reminded once.
    SurveysSend = kind::SURVEYS_SEND
);
daily_job!(
    /// Files without contact are told, then anonymised.
    PersonsInactivity = kind::PERSONS_INACTIVITY
);
daily_job!(
    /// After erasures, the space their text held is released.
    ErasedSpace = kind::ERASED_SPACE
);

/// The email that opens an invited account: the link to choose a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffInvitation {
    pub user_id: Uuid,
    pub role: parcours_domain::Role,
    pub token: String,
}

impl BackgroundJob for StaffInvitation {
    const KIND: &'static str = "email.staff_invitation";
}
