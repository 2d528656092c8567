//! Several operators on one host (issue 25, item 6). The host administrator (an
//! account of the installation, member of no operator) creates operators and invites
//! each one's first administrator by email, from `parcours tenant create` or from the
//! host's page; the list of operators shows names, dates and counts, no one's data.
//! Inside an operator the host administrator can do nothing: the access policy refuses
//! every action but [`Action::ManageOperators`] to [`Role::HostAdmin`].

use parcours_db::TenantScope;
use parcours_db::is_unique_violation;
use parcours_db::repo::installation::{accounts, tenants};
use parcours_domain::{Action, Email, OrgKind, Relation, Role, allows};
use uuid::Uuid;

use crate::auth::{Actor, check_new_password};
use crate::setup::{OrganisationSettings, checklist_of};
use crate::unit_of_work::{Audit, Bookkeeping};
use crate::{App, AppError, FieldError, random_token};

pub mod audit_action {
    use crate::audit_action::AuditAction;

    /// In the new tenant: the operator was created (by the host administrator, or by
    /// the system from the command line).
    pub const OPERATOR_CREATED: AuditAction = AuditAction::OperatorCreated;
    /// In the new tenant: its first administrator was invited.
    pub const FIRST_ADMIN_INVITED: AuditAction = AuditAction::StaffInvited;
}

/// Longest operator name.
pub const MAX_OPERATOR_NAME_CHARS: usize = 120;
const MAX_PERSON_NAME_CHARS: usize = 80;

/// A new operator and its first administrator, as typed on the command line or in the
/// host's form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewOperator {
    pub name: String,
    pub admin_email: String,
    /// Optional: the invitation greets the address's owner by it.
    pub admin_first_name: String,
    pub admin_last_name: String,
}

/// What was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedOperator {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    /// The first administrator's account (its membership id).
    pub admin_account: Uuid,
    pub admin_email: String,
}

/// One operator on the host's list: no one's data, only names, dates and counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorSummary {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub created_at: i64,
    pub active_accounts: u64,
    pub pending_invitations: u64,
    /// Steps of the set-up checklist done, out of [`crate::setup::Step::ALL`].
    pub setup_done: usize,
    pub setup_complete: bool,
}

/// The operator's name as a slug (lowercase ASCII words joined by `-`): two operators
/// whose names give the same slug ("Mission Avenir", "mission-avenir", "MISSION
/// AVENIR ") would be told apart by nobody, so the second is refused.
pub fn operator_slug(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
            'ç' => "c",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'î' | 'ï' | 'í' | 'ì' => "i",
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => "o",
            'û' | 'ü' | 'ù' | 'ú' => "u",
            'ÿ' | 'ý' => "y",
            'ñ' => "n",
            'œ' => "oe",
            'æ' => "ae",
            c if c.is_ascii_alphanumeric() => {
                if dash && !out.is_empty() {
                    out.push('-');
                }
                dash = false;
                out.push(c);
                continue;
            }
            _ => {
                dash = true;
                continue;
            }
        };
        if dash && !out.is_empty() {
            out.push('-');
        }
        dash = false;
        out.push_str(folded);
    }
    out
}

/// An operator whose fields passed their rules.
struct CheckedOperator {
    name: String,
    slug: String,
    email: Email,
    display_name: String,
}

/// Checks the fields that need no database (each refusal names its field).
fn check_fields(input: &NewOperator) -> Result<CheckedOperator, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = crate::text_field("name", &input.name, MAX_OPERATOR_NAME_CHARS)
        .map_err(|e| errors.push(e))
        .ok();
    let slug = name.as_deref().map(operator_slug).unwrap_or_default();
    if name.is_some() && slug.is_empty() {
        errors.push(FieldError {
            field: "name",
            code: "no_letters",
        });
    }
    let email = Email::parse(input.admin_email.trim()).ok();
    if input.admin_email.trim().is_empty() {
        errors.push(FieldError {
            field: "admin_email",
            code: "required",
        });
    } else if email.is_none() {
        errors.push(FieldError {
            field: "admin_email",
            code: "invalid",
        });
    }
    let mut names = Vec::new();
    for (field, raw) in [
        ("admin_first_name", &input.admin_first_name),
        ("admin_last_name", &input.admin_last_name),
    ] {
        match crate::text_field(field, raw, MAX_PERSON_NAME_CHARS) {
            Ok(text) => names.push(text),
            Err(e) if e.code == "required" => {}
            Err(e) => errors.push(e),
        }
    }
    match (name, email) {
        (Some(name), Some(email)) if errors.is_empty() => {
            // Without a name, the address's owner is greeted by its local part.
            let display_name = if names.is_empty() {
                email
                    .as_str()
                    .split('@')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            } else {
                names.join(" ")
            };
            Ok(CheckedOperator {
                name,
                slug,
                email,
                display_name,
            })
        }
        _ => Err(errors),
    }
}

impl App {
    /// Only the host administrator manages the installation's operators.
    fn hosting(actor: &Actor) -> Result<(), AppError> {
        if allows(actor.role, Action::ManageOperators, Relation::default()) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The host's page: creates an operator and invites its first administrator.
    pub async fn create_operator(
        &self,
        actor: &Actor,
        input: &NewOperator,
    ) -> Result<CreatedOperator, AppError> {
        Self::hosting(actor)?;
        self.create_operator_by(Some(actor.user_id), input).await
    }

    /// `parcours tenant create`: the same, by the system (whoever runs the command on
    /// the host already holds the database).
    pub async fn create_operator_from_cli(
        &self,
        input: &NewOperator,
    ) -> Result<CreatedOperator, AppError> {
        self.create_operator_by(None, input).await
    }

    /// In one change: the operator, its first administrator's account (a random
    /// password nobody knows) and the link to choose one, emailed by the job queue;
    /// audited in the new tenant. A name (or slug) already taken by an operator, or an
    /// address that already has an account, is refused before anything is written.
    async fn create_operator_by(
        &self,
        by: Option<Uuid>,
        input: &NewOperator,
    ) -> Result<CreatedOperator, AppError> {
        let checked = check_fields(input).map_err(AppError::Invalid)?;
        let hash = self.hash_password(&random_token()).await?;
        let undecided = self.change_undecided().await?;
        let now = undecided.at();
        let names = tenants::operator_names(&*undecided).await?;
        if names
            .iter()
            .any(|n| n.trim().eq_ignore_ascii_case(&checked.name))
        {
            return Err(AppError::invalid("name", "taken"));
        }
        if names.iter().any(|n| operator_slug(n) == checked.slug) {
            return Err(AppError::invalid("name", "slug_taken"));
        }
        if accounts::find_user_by_email(&*undecided, &checked.email)
            .await?
            .is_some()
        {
            return Err(AppError::invalid("admin_email", "taken"));
        }
        let id = accounts::insert_organisation(&*undecided, OrgKind::Operator, &checked.name, now)
            .await?;
        let scope = TenantScope::of(id);
        let txn = undecided.in_tenant(scope, by);
        let user =
            match accounts::insert_user(&*txn, &checked.email, &checked.display_name, &hash, now)
                .await
            {
                Ok(user) => user,
                // Taken at the same moment by another request.
                Err(e) if is_unique_violation(&e) => {
                    return Err(AppError::invalid("admin_email", "taken"));
                }
                Err(e) => return Err(e.into()),
            };
        let membership = accounts::insert_membership(&*txn, user, id, Role::Admin, now).await?;
        tenants::mark_first_admin_invited(&*txn, scope, membership, by, now).await?;
        self.queue_staff_link(&txn, user, Role::Admin).await?;
        txn.audit(Audit::tenant(audit_action::OPERATOR_CREATED))
            .await?;
        txn.commit(Audit::tenant(audit_action::FIRST_ADMIN_INVITED))
            .await?;
        Ok(CreatedOperator {
            id,
            name: checked.name,
            slug: checked.slug,
            admin_account: membership,
            admin_email: checked.email.as_str().to_owned(),
        })
    }

    /// The installation's operators, oldest first, for the host administrator: names,
    /// creation dates, account counts and whether the set-up checklist is done.
    pub async fn operators(&self, actor: &Actor) -> Result<Vec<OperatorSummary>, AppError> {
        Self::hosting(actor)?;
        Ok(tenants::operators(self.db())
            .await?
            .into_iter()
            .map(|row| {
                let settings = OrganisationSettings::of(
                    row.id,
                    OrgKind::Operator,
                    row.name.clone(),
                    row.settings,
                );
                let checklist = checklist_of(&settings, &row.counts);
                OperatorSummary {
                    id: row.id,
                    slug: operator_slug(&row.name),
                    name: row.name,
                    created_at: row.created_at,
                    active_accounts: row.active_accounts,
                    pending_invitations: row.pending_invitations,
                    setup_done: checklist.done_count(),
                    setup_complete: checklist.complete(),
                }
            })
            .collect())
    }

    /// `parcours host-admin create`: an account of the installation itself (member of
    /// the host organisation, of no operator) that manages operators and nothing else.
    pub async fn create_host_admin(
        &self,
        raw_email: &str,
        display_name: &str,
        password: &str,
    ) -> Result<Uuid, AppError> {
        let email =
            Email::parse(raw_email.trim()).map_err(|_| AppError::invalid("email", "invalid"))?;
        if display_name.trim().is_empty() {
            return Err(AppError::invalid("name", "required"));
        }
        check_new_password(password)?;
        let hash = self.hash_password(password).await?;
        let now = self.now();
        // No operator's data is touched: the installation's own account, like an
        // operator's first one from `create-admin`.
        let txn = self.bookkeeping(Bookkeeping::Seed).await?;
        let host = tenants::host_organisation(&*txn, now).await?;
        let user = match accounts::insert_user(&*txn, &email, display_name.trim(), &hash, now).await
        {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => return Err(AppError::invalid("email", "taken")),
            Err(e) => return Err(e.into()),
        };
        accounts::insert_membership(&*txn, user, host, Role::HostAdmin, now).await?;
        txn.commit().await?;
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_fold_case_accents_and_punctuation() {
        assert_eq!(operator_slug("Mission Avenir"), "mission-avenir");
        assert_eq!(operator_slug("  MISSION   avenir "), "mission-avenir");
        assert_eq!(operator_slug("mission-avenir"), "mission-avenir");
        assert_eq!(operator_slug("Élan & Œuvre (Lyon)"), "elan-oeuvre-lyon");
        assert_eq!(operator_slug("!!!"), "");
    }

    #[test]
    fn fields_are_refused_by_name() {
        let bad = check_fields(&NewOperator {
            name: "  ".into(),
            admin_email: "not an address".into(),
            admin_first_name: "x".repeat(81),
            admin_last_name: String::new(),
        })
        .err()
        .unwrap_or_default();
        let fields: Vec<(&str, &str)> = bad.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            fields,
            [
                ("name", "required"),
                ("admin_email", "invalid"),
                ("admin_first_name", "too_long")
            ]
        );
        let ok = check_fields(&NewOperator {
            name: "Mission Avenir".into(),
            admin_email: "claire@avenir.example".into(),
            ..NewOperator::default()
        });
        assert!(ok.is_ok_and(|c| c.display_name == "claire" && c.slug == "mission-avenir"));
    }
}
