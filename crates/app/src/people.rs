//! A person's file: reading it and changing it, each access audited in its transaction.
//! The file gathers the coach's workspace, so it depends on `workspace`; the policy
//! gate both use is in `access`, below them.

use parcours_db::ConnectionTrait;
use parcours_db::repo::{audit, installation::accounts, journey, people, programmes};
use parcours_domain::{Action, Email};
use uuid::Uuid;

// The policy gate moved to `access` (below this file and the workspace); the use
// cases that read a person keep reaching it here.
pub(crate) use crate::access::{relation_to, relation_with_coaching};
use crate::auth::Actor;
use crate::unit_of_work::Audit;
use crate::{App, AppError, FieldError};

pub use parcours_db::repo::audit::AuditEvent;
pub use parcours_db::repo::people::{Contact, Enrolment, Person};

/// What the coach or the person sees of a file.
#[derive(Debug, Clone)]
pub struct PersonFile {
    pub person: Person,
    pub enrolments: Vec<EnrolmentView>,
    pub audit_trail: Vec<AuditEvent>,
    /// Who each row of the trail was (by user id): name, role and organisation.
    pub readers: std::collections::HashMap<Uuid, Reader>,
    /// The staff's workspace (overview, timeline, notes, documents, transfers); none
    /// for the person, who sees the notes shared with them in `shared_notes`.
    pub workspace: Option<crate::workspace::Workspace>,
    /// The latest shared notes, and how many there are in all.
    pub shared_notes: Vec<crate::workspace::NoteView>,
    pub shared_notes_total: u64,
}

/// Who opened or changed a file, as its access log shows them: their name, and the
/// role and organisation they hold in the file's operator (its own staff, or one of
/// its partners' users); none of their other memberships is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    pub name: String,
    pub role: Option<parcours_domain::Role>,
    pub organisation: Option<String>,
}

impl PersonFile {
    /// Who acted on a row of the access log (none: the system, or an erased account).
    pub fn reader(&self, event: &AuditEvent) -> Option<&Reader> {
        event.actor_user_id.and_then(|u| self.readers.get(&u))
    }
}

/// The readers of a trail: each user's name and their membership in the operator or
/// one of its partners (the operator's own first).
async fn trail_readers(
    conn: &impl ConnectionTrait,
    scope: parcours_db::TenantScope,
    trail: &[AuditEvent],
) -> Result<std::collections::HashMap<Uuid, Reader>, AppError> {
    let mut out = std::collections::HashMap::new();
    let mut users: Vec<Uuid> = trail.iter().filter_map(|e| e.actor_user_id).collect();
    users.sort_unstable();
    users.dedup();
    if users.is_empty() {
        return Ok(out);
    }
    let partners: Vec<Uuid> = parcours_db::repo::programme_admin::partners(conn, scope)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    for user_id in users {
        let Some(user) = accounts::find_user(conn, user_id).await? else {
            continue;
        };
        let memberships = accounts::memberships_of(conn, user_id).await?;
        let here = memberships
            .iter()
            .find(|m| m.organisation.id == scope.id())
            .or_else(|| {
                memberships
                    .iter()
                    .find(|m| partners.contains(&m.organisation.id))
            });
        out.insert(
            user_id,
            Reader {
                name: user.display_name,
                role: here.map(|m| m.role),
                organisation: here.map(|m| m.organisation.name.clone()),
            },
        );
    }
    Ok(out)
}

#[derive(Debug, Clone)]
pub struct EnrolmentView {
    pub enrolment: Enrolment,
    pub programme_name: String,
    pub coach_name: Option<String>,
}

/// Audit actions, stable strings: reports and exports rely on them.
pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const PERSON_READ: AuditAction = AuditAction::PersonRead;
    pub const PERSON_READ_DENIED: AuditAction = AuditAction::PersonReadDenied;
    pub const PERSON_CONTACT_UPDATED: AuditAction = AuditAction::PersonContactUpdated;
    pub const PERSON_WRITE_DENIED: AuditAction = AuditAction::PersonWriteDenied;
}

/// The contact form as typed; parsed into a [`Contact`] or field errors.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub email: String,
    pub phone: String,
    pub commune_code: String,
}

impl ContactInput {
    pub fn parse(&self) -> Result<Contact, Vec<FieldError>> {
        let mut errors = Vec::new();
        let email = match self.email.trim() {
            "" => None,
            raw => match Email::parse(raw) {
                Ok(e) => Some(e.to_string()),
                Err(_) => {
                    errors.push(FieldError {
                        field: "email",
                        code: "invalid",
                    });
                    None
                }
            },
        };
        let phone = match self.phone.trim() {
            "" => None,
            raw => {
                let digits = raw.chars().filter(char::is_ascii_digit).count();
                let allowed = raw
                    .chars()
                    .all(|c| c.is_ascii_digit() || " .+-()".contains(c));
                if allowed && (10..=15).contains(&digits) {
                    Some(raw.to_owned())
                } else {
                    errors.push(FieldError {
                        field: "phone",
                        code: "invalid",
                    });
                    None
                }
            }
        };
        let commune_code = match self.commune_code.trim() {
            "" => None,
            raw => {
                // INSEE codes: five characters, digits except Corsica's 2A/2B.
                let upper = raw.to_uppercase();
                let ok = upper.len() == 5
                    && upper
                        .chars()
                        .enumerate()
                        .all(|(i, c)| c.is_ascii_digit() || (i == 1 && (c == 'A' || c == 'B')));
                if ok {
                    Some(upper)
                } else {
                    errors.push(FieldError {
                        field: "commune_code",
                        code: "invalid",
                    });
                    None
                }
            }
        };
        if errors.is_empty() {
            Ok(Contact {
                email,
                phone,
                commune_code,
            })
        } else {
            Err(errors)
        }
    }
}

async fn enrolment_views(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    person_id: Uuid,
) -> Result<Vec<EnrolmentView>, AppError> {
    let mut views = Vec::new();
    for enrolment in people::enrolments_of_person(conn, actor.tenant(), person_id).await? {
        let programme_name = programmes::unscoped::find(conn, enrolment.programme_id)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        let coach_name = match enrolment.coach_id {
            Some(id) => accounts::find_user(conn, id).await?.map(|u| u.display_name),
            None => None,
        };
        views.push(EnrolmentView {
            enrolment,
            programme_name,
            coach_name,
        });
    }
    Ok(views)
}

/// Rows of the access log shown on a file (the whole log stays in the database).
pub const AUDIT_TRAIL_SHOWN: u64 = 200;

impl App {
    /// Opens a person's file. Another tenant's person is "not found"; a person of the
    /// tenant the role may not open is "forbidden" (and the refusal is audited too).
    pub async fn person_file(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<PersonFile, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ReadPersonFile,
                audit_action::PERSON_READ_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        // The read is recorded first, so that the trail shown includes it.
        self.record(actor, Audit::of(audit_action::PERSON_READ, person.id))
            .await?;
        let txn = self.db();
        let enrolments = enrolment_views(txn, actor, person.id).await?;
        // The person's own pages never show the access log; staff see its latest rows.
        let (workspace, (shared_notes, shared_notes_total), audit_trail) =
            if relation_to(actor, &person).is_self {
                let shared =
                    crate::workspace::latest_note_views(txn, scope, person.id, false, None).await?;
                (None, shared, Vec::new())
            } else {
                let trail = audit::for_person(txn, scope, person.id, AUDIT_TRAIL_SHOWN).await?;
                let workspace = self.workspace_of(txn, actor, &person).await?;
                (Some(workspace), (Vec::new(), 0), trail)
            };
        let readers = trail_readers(txn, scope, &audit_trail).await?;
        Ok(PersonFile {
            person,
            enrolments,
            audit_trail,
            readers,
            workspace,
            shared_notes,
            shared_notes_total,
        })
    }

    /// The signed-in beneficiary's own file, if they have one in their tenant.
    pub async fn own_file(&self, actor: &Actor) -> Result<Option<PersonFile>, AppError> {
        let Some(person) =
            people::find_person_of_user(self.db(), actor.tenant(), actor.user_id).await?
        else {
            return Ok(None);
        };
        self.person_file(actor, person.id).await.map(Some)
    }

    /// Changes a person's contact details, with its audit row in the same transaction.
    pub async fn update_contact(
        &self,
        actor: &Actor,
        person_id: Uuid,
        input: &ContactInput,
    ) -> Result<(), AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::WritePersonFile,
                audit_action::PERSON_WRITE_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let now = self.now();
        let contact = input.parse().map_err(AppError::Invalid)?;
        let txn = self.change(actor).await?;
        if !people::update_contact(&txn, scope, person.id, &contact, now).await? {
            return Err(AppError::NotFound);
        }
        txn.commit(Audit::of(audit_action::PERSON_CONTACT_UPDATED, person.id))
            .await?;
        Ok(())
    }
}

/// A consent the person gives or withdraws on their own file: its name and text
/// version as stored, and the audit rows of a refusal, a consent given, withdrawn.
pub(crate) struct PersonConsent {
    pub name: &'static str,
    pub text_version: &'static str,
    pub denied: crate::audit_action::AuditAction,
    pub given: crate::audit_action::AuditAction,
    pub withdrawn: crate::audit_action::AuditAction,
}

impl App {
    /// The person gives (or withdraws) a consent; asked for what already stands,
    /// nothing is written.
    pub(crate) async fn set_person_consent(
        &self,
        actor: &Actor,
        person_id: Uuid,
        give: bool,
        consent: &PersonConsent,
    ) -> Result<(), AppError> {
        let person = self
            .authorize_person(actor, person_id, Action::AnswerActivities, consent.denied)
            .await?;
        let scope = actor.tenant();
        let now = self.now();
        let txn = self.change(actor).await?;
        let standing = journey::current_consent(&*txn, scope, person.id, consent.name).await?;
        let done = match (give, standing) {
            (true, None) => {
                journey::record_consent(
                    &*txn,
                    scope,
                    person.id,
                    consent.name,
                    consent.text_version,
                    actor.user_id,
                    now,
                )
                .await?;
                consent.given
            }
            (false, Some(_)) => {
                journey::withdraw_consent(&*txn, scope, person.id, consent.name, now).await?;
                consent.withdrawn
            }
            // Already as asked: nothing written, the change is dropped.
            _ => return Ok(()),
        };
        txn.commit(Audit::of(done, person.id)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_input_is_parsed_field_by_field() {
        let ok = ContactInput {
            email: " A@B.fr ".into(),
            phone: "06 12 34 56 78".into(),
            commune_code: "2a004".into(),
        };
        assert_eq!(
            ok.parse(),
            Ok(Contact {
                email: Some("a@b.fr".into()),
                phone: Some("06 12 34 56 78".into()),
                commune_code: Some("2A004".into())
            })
        );
        let bad = ContactInput {
            email: "nope".into(),
            phone: "12".into(),
            commune_code: "7654".into(),
        };
        let fields: Vec<_> = bad
            .parse()
            .err()
            .unwrap_or_default()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["email", "phone", "commune_code"]);
        assert_eq!(
            ContactInput::default().parse(),
            Ok(Contact {
                email: None,
                phone: None,
                commune_code: None
            })
        );
    }
}
