//! The one list of where a person's data lives: every table that references a person
//! (directly, or through an enrolment, a request, a thread…), how its rows are reached
//! from the person, and what each text column is. The export and the erasure both walk
//! it, so they can't drift; a test reads the live schema and fails when a table that
//! references a person, or a text column of one, is missing here.

/// What a column holds, and so what an erasure and an export do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// An id or a reference to another row.
    Key,
    /// A code, a date or a figure the programme's statistics need: kept, exported.
    Kept,
    /// Free text or a contact that can name or describe the person: exported, and
    /// erased (blanked as said, or gone with its row).
    Erased(Blank),
    /// A secret (a hash, a password): never exported; blanked on erasure when `Some`.
    Secret(Option<Blank>),
    /// A file's bytes: exported as a file beside the JSON, gone with its row.
    File,
}

/// What an erased column becomes when its row stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blank {
    Null,
    Empty,
    /// The anonymous name, first then last part (see `privacy::anonymous_name`).
    AnonymousFirstName,
    AnonymousLastName,
    /// An address that can't receive mail or sign in, unique per account.
    InvalidEmail,
    /// A password hash that no password matches.
    NoPassword,
}

/// How a table's rows are reached from the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The `persons` row itself.
    Person,
    /// The person's account: the `users` row `persons.user_id` points to.
    Account,
    /// `column` holds the person's id.
    Direct(&'static str),
    /// `column` holds the id of one of the person's rows of `parent` (itself listed).
    Via {
        column: &'static str,
        parent: &'static str,
    },
}

/// On erasure, the table's rows of the person are either deleted whole (what was
/// written) or kept with their personal columns blanked (counted facts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnErasure {
    Delete,
    Blank,
}

/// Where the table goes in the export: one object, or a list of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    One(&'static str),
    Rows(&'static str),
}

impl Section {
    pub fn name(self) -> &'static str {
        match self {
            Section::One(name) | Section::Rows(name) => name,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct PersonalTable {
    pub table: &'static str,
    pub reach: Reach,
    pub section: Section,
    pub on_erasure: OnErasure,
    /// Every text (and binary) column; other columns (numbers, dates as integers,
    /// booleans) are kept and exported as they are.
    pub columns: &'static [(&'static str, Class)],
}

impl PersonalTable {
    pub fn class_of(&self, column: &str) -> Option<Class> {
        self.columns
            .iter()
            .find(|(name, _)| *name == column)
            .map(|(_, class)| *class)
    }
}

use Class::{Erased, File, Kept, Key, Secret};

const NULL: Class = Erased(Blank::Null);
const EMPTY: Class = Erased(Blank::Empty);

macro_rules! table {
    ($table:literal, $reach:expr, $section:expr, $on:ident, [$($col:literal: $class:expr),* $(,)?]) => {
        PersonalTable {
            table: $table,
            reach: $reach,
            section: $section,
            on_erasure: OnErasure::$on,
            columns: &[("id", Key), ("tenant_id", Key), $(($col, $class)),*],
        }
    };
}

const fn via(column: &'static str, parent: &'static str) -> Reach {
    Reach::Via { column, parent }
}

const PERSON: Reach = Reach::Direct("person_id");

/// Every table holding data about a person. Rows that hang from another table's rows
/// come before it, so an erasure deletes children first. `persons` and `users` come
/// last: the walk reaches the account through `persons.user_id`.
pub const PERSONAL_TABLES: &[PersonalTable] = &[
    // Deleted: what the person, the staff or a questionnaire wrote.
    table!("answers", via("activity_id", "activities"), Section::Rows("answers"), Delete, [
        "activity_id": Key, "item_id": Kept, "value": Erased(Blank::Empty),
    ]),
    table!("journal_entries", PERSON, Section::Rows("journal_entries"), Delete, [
        "person_id": Key, "prompt_id": Kept, "phase": Kept, "body": EMPTY,
    ]),
    table!("notes", PERSON, Section::Rows("notes"), Delete, [
        "person_id": Key, "author_id": Key, "visibility": Kept, "body": EMPTY,
    ]),
    table!("messages", via("thread_id", "message_threads"), Section::Rows("messages"), Delete, [
        "thread_id": Key, "author_id": Key, "author_side": Kept, "body": EMPTY,
    ]),
    table!("message_reads", via("thread_id", "message_threads"), Section::Rows("message_reads"), Delete, [
        "thread_id": Key, "user_id": Key, "side": Kept,
    ]),
    table!("message_threads", PERSON, Section::Rows("message_threads"), Delete, [
        "person_id": Key, "created_by": Key, "subject": EMPTY,
    ]),
    table!("plan_actions", via("objective_id", "plan_objectives"), Section::Rows("plan_actions"), Delete, [
        "objective_id": Key, "updated_by": Key, "title": EMPTY, "owner": Kept, "due_on": Kept,
        "status": Kept,
    ]),
    table!("plan_objectives", PERSON, Section::Rows("plan_objectives"), Delete, [
        "person_id": Key, "created_by": Key, "title": EMPTY,
    ]),
    table!("document_shares", PERSON, Section::Rows("document_shares"), Delete, [
        "person_id": Key, "document_id": Key, "recipient_name": EMPTY, "recipient_email": EMPTY,
        "token_hash": Secret(None), "consent_text_version": Kept,
    ]),
    table!("documents", PERSON, Section::Rows("documents"), Delete, [
        "person_id": Key, "created_by": Key, "kind": Kept, "content": File,
    ]),
    table!("booking_invitations", PERSON, Section::Rows("booking_invitations"), Delete, [
        "person_id": Key, "coach_id": Key, "token_hash": Secret(None),
    ]),
    table!("membership_invitations", PERSON, Section::Rows("membership_invitations"), Delete, [
        "token_hash": Secret(None), "user_id": Key, "organisation_id": Key, "role": Kept,
        "person_id": Key, "invited_by": Key,
    ]),
    // Kept, personal text blanked: counted facts.
    table!("activities", PERSON, Section::Rows("activities"), Blank, [
        "person_id": Key, "enrolment_id": Key, "instrument_id": Kept, "occasion": Kept,
        "phase": Kept, "quality_flags": Kept,
    ]),
    table!("project_events", via("project_id", "projects"), Section::Rows("project_events"), Blank, [
        "project_id": Key, "by": Key, "from_status": Kept, "to_status": Kept, "comment": EMPTY,
    ]),
    table!("project_evidence", via("project_id", "projects"), Section::Rows("project_evidence"), Blank, [
        "project_id": Key, "confirmed_by": Key, "item": Kept, "note": EMPTY,
    ]),
    table!("projects", PERSON, Section::Rows("projects"), Blank, [
        "person_id": Key, "created_by": Key, "kind": Kept, "code_rome": Kept, "title": EMPTY,
        "status": Kept,
    ]),
    table!("piste_choices", PERSON, Section::Rows("piste_choices"), Blank, [
        "person_id": Key, "updated_by": Key, "code_rome": Kept, "rejected_reason": NULL,
    ]),
    table!("appointments", PERSON, Section::Rows("appointments"), Blank, [
        "person_id": Key, "slot_id": Key, "slot_hold": Key, "status_by": Key, "notes_by": Key,
        "booked_via": Kept, "status": Kept, "status_by_role": Kept, "notes": NULL,
    ]),
    table!("sponsor_meetings", via("request_id", "opportunity_requests"), Section::Rows("sponsor_meetings"), Blank, [
        "request_id": Key, "created_by": Key, "met_on": Kept, "note": NULL,
    ]),
    table!("opportunity_feedback", via("request_id", "opportunity_requests"), Section::Rows("opportunity_feedback"), Blank, [
        "request_id": Key, "side": Kept, "comment": NULL,
    ]),
    table!("opportunity_requests", PERSON, Section::Rows("opportunity_requests"), Blank, [
        "person_id": Key, "opportunity_id": Key, "requested_by": Key, "message": NULL,
        "status": Kept, "token_hash": Secret(None), "person_key": Key,
    ]),
    table!("placements", PERSON, Section::Rows("placements"), Blank, [
        "person_id": Key, "request_id": Key, "recorded_by": Key, "kind": Kept,
        "contract_type": Kept, "starts_on": Kept, "planned_end": Kept, "employer_name": NULL,
        "training_name": NULL, "business_activity": NULL,
    ]),
    table!("outcomes", PERSON, Section::Rows("outcomes"), Blank, [
        "person_id": Key, "enrolment_id": Key, "recorded_by": Key, "point": Kept, "status": Kept,
        "situation": Kept, "contract_type": Kept, "starts_on": Kept, "planned_end": Kept,
        "training_name": NULL, "drop_reason": NULL, "drop_reason_code": Kept, "source": Kept,
    ]),
    table!("survey_answers", via("survey_id", "surveys"), Section::Rows("survey_answers"), Blank, [
        "survey_id": Key, "programme_id": Key, "question_id": Key, "text": NULL,
    ]),
    table!("surveys", PERSON, Section::Rows("surveys"), Blank, [
        "person_id": Key, "programme_id": Key, "enrolment_id": Key, "point": Kept,
        "token_hash": Secret(None),
    ]),
    table!("selection_invitations", PERSON, Section::Rows("selection_invitations"), Blank, [
        "person_id": Key, "event_id": Key, "recorded_by": Key, "attendance": Kept,
    ]),
    table!("simulation_evaluations", PERSON, Section::Rows("simulation_evaluations"), Blank, [
        "person_id": Key, "event_id": Key, "evaluator_id": Key, "scores": Kept, "comment": NULL,
    ]),
    table!("committee_decisions", PERSON, Section::Rows("committee_decisions"), Blank, [
        "person_id": Key, "programme_id": Key, "decided_by": Key, "decision": Kept,
        "reasons": EMPTY,
    ]),
    table!("caseload_transfers", PERSON, Section::Rows("caseload_transfers"), Blank, [
        "person_id": Key, "enrolment_id": Key, "from_coach": Key, "to_coach": Key, "by_user": Key,
        "reason": NULL,
    ]),
    table!("referral_events", via("referral_id", "referrals"), Section::Rows("referral_events"), Blank, [
        "referral_id": Key, "by_user": Key, "status": Kept, "reason": NULL,
    ]),
    table!("referrals", PERSON, Section::Rows("referrals"), Blank, [
        "person_id": Key, "programme_id": Key, "referrer_org_id": Key, "submitted_by": Key,
        "import_id": Key, "cohort_id": Key, "decided_by": Key, "evidence_checked_by": Key,
        "first_name": Erased(Blank::AnonymousFirstName),
        "last_name": Erased(Blank::AnonymousLastName), "birth_date": EMPTY, "email": NULL,
        "phone": NULL, "commune_code": NULL, "publics": Kept, "motivation": NULL,
        "identity_keys": Secret(Some(Blank::Empty)), "email_key": Secret(Some(Blank::Null)),
        "phone_key": Secret(Some(Blank::Null)), "status": Kept, "refusal_reason": NULL,
        "advisor_email": NULL,
    ]),
    table!("enrolments", PERSON, Section::Rows("enrolments"), Blank, [
        "person_id": Key, "programme_id": Key, "coach_id": Key, "referrer_id": Key,
        "cohort_id": Key, "phase": Kept, "status": Kept, "ended_on": Kept, "drop_reason": NULL,
        "drop_reason_code": Kept,
        "external_id": NULL, "departement": Kept, "entry_quarter": Kept, "exit_situation": Kept,
        "exit_contract_type": Kept,
    ]),
    table!("consents", PERSON, Section::Rows("consents"), Blank, [
        "person_id": Key, "recorded_by": Key, "scope": Kept, "text_version": Kept,
    ]),
    // Who opened the file, and when: the person's own view of the audit trail.
    table!("audit_events", PERSON, Section::Rows("file_accesses"), Blank, [
        "person_id": Key, "actor_user_id": Key, "action": Kept,
    ]),
    table!("persons", Reach::Person, Section::One("person"), Blank, [
        "user_id": Key, "first_name": Erased(Blank::AnonymousFirstName),
        "last_name": Erased(Blank::AnonymousLastName), "email": NULL, "phone": NULL,
        "commune_code": NULL,
    ]),
    PersonalTable {
        table: "users",
        reach: Reach::Account,
        section: Section::One("account"),
        on_erasure: OnErasure::Blank,
        columns: &[
            ("id", Key),
            ("email", Erased(Blank::InvalidEmail)),
            ("display_name", Erased(Blank::AnonymousFirstName)),
            ("password_hash", Secret(Some(Blank::NoPassword))),
            ("locale", Kept),
        ],
    },
];

/// The registry's entry for a table.
pub fn table(name: &str) -> Option<&'static PersonalTable> {
    PERSONAL_TABLES.iter().find(|t| t.table == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parent_is_listed_after_its_children_and_names_are_unique() {
        for (i, t) in PERSONAL_TABLES.iter().enumerate() {
            assert_eq!(
                PERSONAL_TABLES
                    .iter()
                    .filter(|o| o.table == t.table)
                    .count(),
                1,
                "{} listed twice",
                t.table
            );
            assert_eq!(
                PERSONAL_TABLES
                    .iter()
                    .filter(|o| o.section.name() == t.section.name())
                    .count(),
                1,
                "section {} twice",
                t.section.name()
            );
            if let Reach::Via { parent, column } = t.reach {
                let at = PERSONAL_TABLES.iter().position(|o| o.table == parent);
                assert!(at.is_some_and(|p| p > i), "{}: parent {parent}", t.table);
                assert_eq!(t.class_of(column), Some(Key), "{}.{column}", t.table);
            }
            if let Reach::Direct(column) = t.reach {
                assert_eq!(t.class_of(column), Some(Key), "{}.{column}", t.table);
            }
            // A deleted row takes its text with it; a blanked one must say how.
            if t.on_erasure == OnErasure::Blank {
                assert!(
                    t.columns.iter().all(|(_, c)| *c != File),
                    "{}: a file in a kept row",
                    t.table
                );
            }
        }
    }
}
