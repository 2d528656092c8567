//! sea-orm entities: private to this crate; the rest of Parcours sees records.
pub mod activity;
pub mod answer;
pub mod audit_event;
pub mod catalog_version;
pub mod consent;
pub mod enrolment;
pub mod journal_entry;
pub mod login_attempt;
pub mod membership;
pub mod organisation;
pub mod password_reset;
pub mod person;
pub mod piste_choice;
pub mod programme;
pub mod programme_referrer;
pub mod session;
pub mod user;
