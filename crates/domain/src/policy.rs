//! Who may do what. The caller works out how the actor relates to the resource
//! (same tenant? the person themself? the funder of the programme?) and this module
//! decides; repositories never decide policy.

use crate::role::Role;

/// Something a signed-in user tries to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Open a person's file (identity, journey, results).
    ReadPersonFile,
    /// Change a person's file (contact details, journey).
    WritePersonFile,
    /// See the list of people followed in a tenant.
    ReadCaseload,
    /// See aggregated, anonymised programme figures.
    ReadAggregates,
    /// Create or change programmes and cohorts.
    ManageProgramme,
    /// Create accounts and memberships.
    ManageAccounts,
    /// Refer a candidate into a programme.
    ReferCandidate,
    /// Answer one's own bilan activities (questionnaires, forms, journal).
    AnswerActivities,
    /// Move a person's bilan to its next phase.
    ManageJourney,
    /// Read the journal entries a person chose to share (their own: all of them).
    ReadSharedJournal,
    /// Write notes on a person's file and read the private ones (coaches only).
    WriteNotes,
    /// Write and read messages between the person and the staff following them.
    ExchangeMessages,
    /// Hand a person's follow-up over to another coach.
    TransferCaseload,
    /// Give one's own documents to a named recipient (the person alone consents).
    ShareDocuments,
    /// Request an employer's opportunity for the person (themself, or their coach).
    RequestOpportunity,
    /// Offer opportunities to an operator's candidates (an employer partner of it: the
    /// caller sets `same_tenant` for the operator the employer works with).
    OfferOpportunities,
    /// Download everything held about a person (the person; a manager answering a
    /// request made another way).
    ExportPersonalData,
    /// Carry out an erasure: anonymise the person's file (managers only; the person
    /// asks for it, they don't run it).
    ErasePersonalData,
    /// Read answers that may hold health facts (the constraints form): the person and
    /// the coaches following them; others see that the activity exists, not its answers.
    ReadHealthAnswers,
    /// Create operators (tenants) on the installation and invite their first
    /// administrator; list them without any of their data (host administrators only).
    ManageOperators,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::ReadPersonFile,
        Action::WritePersonFile,
        Action::ReadCaseload,
        Action::ReadAggregates,
        Action::ManageProgramme,
        Action::ManageAccounts,
        Action::ReferCandidate,
        Action::AnswerActivities,
        Action::ManageJourney,
        Action::ReadSharedJournal,
        Action::WriteNotes,
        Action::ExchangeMessages,
        Action::TransferCaseload,
        Action::ShareDocuments,
        Action::RequestOpportunity,
        Action::OfferOpportunities,
        Action::ExportPersonalData,
        Action::ErasePersonalData,
        Action::ReadHealthAnswers,
        Action::ManageOperators,
    ];
}

/// How the actor stands towards the resource. Built by the application layer from
/// stored facts; every flag defaults to "no".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relation {
    /// The resource belongs to the actor's own tenant (operator organisation).
    pub same_tenant: bool,
    /// The resource is the actor's own person file.
    pub is_self: bool,
    /// The actor's organisation funds the programme the resource belongs to.
    pub funds_programme: bool,
    /// The actor's organisation is a partner referrer of the programme.
    pub refers_to_programme: bool,
    /// The actor is a coach following the person (the coach of one of their enrolments).
    pub follows: bool,
    /// The actor followed the person and handed the file over to another coach (the
    /// previous coach of the latest caseload transfer of one of their enrolments).
    pub handed_over: bool,
}

/// The access policy. Personal files are open only to the person and to the staff of
/// the operator that follows them; funders only ever see aggregates.
pub fn allows(role: Role, action: Action, relation: Relation) -> bool {
    use Action::*;
    use Role::*;
    let tenant = relation.same_tenant;
    match (role, action) {
        // Only the person answers their own questionnaires: nobody answers for them.
        (
            Beneficiary,
            ReadPersonFile | WritePersonFile | AnswerActivities | ReadSharedJournal
            | ExchangeMessages | ShareDocuments | RequestOpportunity | ExportPersonalData
            | ReadHealthAnswers,
        ) => tenant && relation.is_self,
        // The journal is shared "with the coach", notes are the coaches' and messages go
        // between the person and their coach: managers read none of them.
        (
            Coach,
            ReadPersonFile | WritePersonFile | ReadCaseload | ManageJourney | ReadSharedJournal
            | WriteNotes | TransferCaseload | RequestOpportunity,
        ) => tenant,
        // Messages are the person's and their coach's, not every coach's of the operator:
        // the coach who handed the file over keeps the conversation they had.
        (Coach, ExchangeMessages) => tenant && (relation.follows || relation.handed_over),
        // The constraints form says "this stays between you and your coach".
        (Coach, ReadHealthAnswers) => tenant && relation.follows,
        (
            ProgrammeManager,
            ReadPersonFile | ReadCaseload | ReadAggregates | ManageProgramme | ManageJourney
            | TransferCaseload | ExportPersonalData | ErasePersonalData,
        ) => tenant,
        (Admin, ManageAccounts | ManageProgramme) => tenant,
        (Employer, OfferOpportunities) => tenant,
        (Funder, ReadAggregates) => relation.funds_programme,
        (Referrer, ReferCandidate) => relation.refers_to_programme,
        // The host administrator belongs to no operator: whatever the relation says, it
        // manages the list of operators and nothing inside any of them.
        (HostAdmin, ManageOperators) => true,
        (HostAdmin, _) => false,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Role::*;

    /// The whole policy written out as a table: (role, action) -> the relation flag
    /// that grants it, or None when nothing does. Any change to `allows` must change
    /// this table too.
    fn expected_grant(role: Role, action: Action) -> Option<fn(Relation) -> bool> {
        let tenant: fn(Relation) -> bool = |r| r.same_tenant;
        let own_file: fn(Relation) -> bool = |r| r.same_tenant && r.is_self;
        let funds: fn(Relation) -> bool = |r| r.funds_programme;
        let refers: fn(Relation) -> bool = |r| r.refers_to_programme;
        let always: fn(Relation) -> bool = |_| true;
        let own_coach: fn(Relation) -> bool = |r| r.same_tenant && r.follows;
        let own_or_former_coach: fn(Relation) -> bool =
            |r| r.same_tenant && (r.follows || r.handed_over);
        match (role, action) {
            (Beneficiary, ReadPersonFile)
            | (Beneficiary, WritePersonFile)
            | (Beneficiary, AnswerActivities)
            | (Beneficiary, ReadSharedJournal)
            | (Beneficiary, ExchangeMessages)
            | (Beneficiary, ShareDocuments)
            | (Beneficiary, RequestOpportunity)
            | (Beneficiary, ExportPersonalData)
            | (Beneficiary, ReadHealthAnswers) => Some(own_file),
            (Coach, ExchangeMessages) => Some(own_or_former_coach),
            (Coach, ReadHealthAnswers) => Some(own_coach),
            (Coach, ReadPersonFile)
            | (Coach, ReadSharedJournal)
            | (Coach, WritePersonFile)
            | (Coach, ReadCaseload)
            | (Coach, ManageJourney)
            | (Coach, WriteNotes)
            | (Coach, TransferCaseload)
            | (Coach, RequestOpportunity) => Some(tenant),
            (ProgrammeManager, ReadPersonFile)
            | (ProgrammeManager, ReadCaseload)
            | (ProgrammeManager, ReadAggregates)
            | (ProgrammeManager, ManageProgramme)
            | (ProgrammeManager, ManageJourney)
            | (ProgrammeManager, TransferCaseload)
            | (ProgrammeManager, ExportPersonalData)
            | (ProgrammeManager, ErasePersonalData) => Some(tenant),
            (Admin, ManageAccounts) | (Admin, ManageProgramme) => Some(tenant),
            (Employer, OfferOpportunities) => Some(tenant),
            (Funder, ReadAggregates) => Some(funds),
            (Referrer, ReferCandidate) => Some(refers),
            (HostAdmin, ManageOperators) => Some(always),
            _ => None,
        }
    }

    fn all_relations() -> Vec<Relation> {
        let mut out = Vec::new();
        for bits in 0..64u8 {
            out.push(Relation {
                same_tenant: bits & 1 != 0,
                is_self: bits & 2 != 0,
                funds_programme: bits & 4 != 0,
                refers_to_programme: bits & 8 != 0,
                follows: bits & 16 != 0,
                handed_over: bits & 32 != 0,
            });
        }
        out
    }

    #[test]
    fn every_role_action_relation_matches_the_table() {
        let mut checked = 0;
        for role in Role::ALL {
            for action in Action::ALL {
                for relation in all_relations() {
                    let expected =
                        expected_grant(*role, *action).is_some_and(|grant| grant(relation));
                    assert_eq!(
                        allows(*role, *action, relation),
                        expected,
                        "{role:?} {action:?} {relation:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 8 * 20 * 64);
    }

    #[test]
    fn nothing_crosses_tenants_for_operator_roles() {
        let other_tenant = Relation {
            same_tenant: false,
            is_self: true,
            ..Relation::default()
        };
        for role in [Beneficiary, Coach, ProgrammeManager, Admin] {
            for action in Action::ALL {
                assert!(!allows(role, *action, other_tenant), "{role:?} {action:?}");
            }
        }
    }

    #[test]
    fn funders_referrers_employers_never_open_a_file() {
        let everything = Relation {
            same_tenant: true,
            is_self: true,
            funds_programme: true,
            refers_to_programme: true,
            follows: true,
            handed_over: true,
        };
        for role in [Funder, Referrer, Employer] {
            assert!(!allows(role, ReadPersonFile, everything));
            assert!(!allows(role, WritePersonFile, everything));
            assert!(!allows(role, AnswerActivities, everything));
            assert!(!allows(role, ReadSharedJournal, everything));
            assert!(!allows(role, WriteNotes, everything));
            assert!(!allows(role, ExchangeMessages, everything));
            assert!(!allows(role, ShareDocuments, everything));
            assert!(!allows(role, ReadHealthAnswers, everything));
        }
    }

    /// Health answers and messages: the person and the coaches who follow them (for
    /// messages, also the coach who handed the file over); no other coach of the
    /// operator, and no manager, whatever else holds.
    #[test]
    fn health_answers_and_messages_stay_with_the_persons_coaches() {
        let colleague = Relation {
            same_tenant: true,
            ..Relation::default()
        };
        let follower = Relation {
            follows: true,
            ..colleague
        };
        let former = Relation {
            handed_over: true,
            ..colleague
        };
        assert!(!allows(Coach, ReadHealthAnswers, colleague));
        assert!(!allows(Coach, ExchangeMessages, colleague));
        assert!(allows(Coach, ReadHealthAnswers, follower));
        assert!(allows(Coach, ExchangeMessages, follower));
        assert!(allows(Coach, ExchangeMessages, former));
        assert!(!allows(Coach, ReadHealthAnswers, former));
        // The file itself stays open to every coach and manager of the operator.
        assert!(allows(Coach, ReadPersonFile, colleague));
        assert!(allows(ProgrammeManager, ReadPersonFile, colleague));
        for relation in [colleague, follower, former] {
            assert!(!allows(ProgrammeManager, ReadHealthAnswers, relation));
            assert!(!allows(ProgrammeManager, ExchangeMessages, relation));
            assert!(!allows(Admin, ReadHealthAnswers, relation));
        }
        // Another tenant's follower flags count for nothing.
        let elsewhere = Relation {
            same_tenant: false,
            follows: true,
            handed_over: true,
            ..Relation::default()
        };
        assert!(!allows(Coach, ReadHealthAnswers, elsewhere));
        assert!(!allows(Coach, ExchangeMessages, elsewhere));
    }

    /// The host administrator opens nothing of any operator, whatever the relation
    /// (even "same tenant" or "the person themself"), and nobody else manages operators.
    #[test]
    fn the_host_administrator_opens_no_tenant_data() {
        for relation in all_relations() {
            for action in Action::ALL {
                assert_eq!(
                    allows(HostAdmin, *action, relation),
                    *action == ManageOperators,
                    "{action:?} {relation:?}"
                );
            }
            for role in Role::ALL.iter().filter(|r| **r != HostAdmin) {
                assert!(!allows(*role, ManageOperators, relation), "{role:?}");
            }
        }
    }
}
