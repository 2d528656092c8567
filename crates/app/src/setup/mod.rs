//! An operator's set-up (issue 25): its organisation settings (legal identity, contacts,
//! the texts of its public pages, the default minimum cell of its reports), the public
//! pages' view of every operator, and the set-up checklist on the administrator's home.

mod checklist;
mod siret;
mod texts;

pub(crate) use checklist::checklist_of;
pub use checklist::{Checklist, ChecklistStep, Step};
pub use siret::parse_siret;
pub use texts::{DEFAULT_ACCESSIBILITY_STATEMENT, DEFAULT_PRIVACY_NOTICE};

use parcours_db::repo::installation::accounts;
use parcours_db::repo::setup;
use parcours_domain::aggregate::MIN_CELL;
use parcours_domain::{Email, OrgKind, Role};
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit_action::AuditAction;
use crate::unit_of_work::Audit;
use crate::{App, AppError, FieldError};

/// Longest text of a public page; far above a real notice, far below a flood.
pub const MAX_PUBLIC_TEXT: usize = 20_000;

/// An organisation as its settings page, its public pages and the API show it. The
/// texts are the operator's own, or the defaults when it never changed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationSettings {
    pub id: Uuid,
    pub kind: OrgKind,
    pub name: String,
    pub siret: String,
    pub address: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub dpo_contact: String,
    pub host: String,
    pub privacy_notice: String,
    pub accessibility_statement: String,
    pub min_cell: i32,
}

impl OrganisationSettings {
    pub(crate) fn of(
        id: Uuid,
        kind: OrgKind,
        name: String,
        saved: Option<setup::OperatorSettings>,
    ) -> Self {
        let s = saved.unwrap_or_default();
        OrganisationSettings {
            id,
            kind,
            name,
            siret: s.siret.unwrap_or_default(),
            address: s.address.unwrap_or_default(),
            contact_email: s.contact_email.unwrap_or_default(),
            contact_phone: s.contact_phone.unwrap_or_default(),
            dpo_contact: s.dpo_contact.unwrap_or_default(),
            host: s.host.unwrap_or_default(),
            privacy_notice: s
                .privacy_notice
                .unwrap_or_else(|| DEFAULT_PRIVACY_NOTICE.to_owned()),
            accessibility_statement: s
                .accessibility_statement
                .unwrap_or_else(|| DEFAULT_ACCESSIBILITY_STATEMENT.to_owned()),
            min_cell: if s.min_cell == 0 {
                MIN_CELL as i32
            } else {
                s.min_cell
            },
        }
    }

    /// What the legal notice needs: the checklist's first step is done with these.
    pub fn legal_identity_complete(&self) -> bool {
        [
            &self.name,
            &self.siret,
            &self.address,
            &self.contact_email,
            &self.dpo_contact,
        ]
        .iter()
        .all(|v| !v.trim().is_empty())
    }
}

/// What the settings form (or a PATCH) sends, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsInput {
    pub name: String,
    pub siret: String,
    pub address: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub dpo_contact: String,
    pub host: String,
    pub privacy_notice: String,
    pub accessibility_statement: String,
    pub min_cell: String,
}

impl From<&OrganisationSettings> for SettingsInput {
    fn from(s: &OrganisationSettings) -> Self {
        SettingsInput {
            name: s.name.clone(),
            siret: s.siret.clone(),
            address: s.address.clone(),
            contact_email: s.contact_email.clone(),
            contact_phone: s.contact_phone.clone(),
            dpo_contact: s.dpo_contact.clone(),
            host: s.host.clone(),
            privacy_notice: s.privacy_notice.clone(),
            accessibility_statement: s.accessibility_statement.clone(),
            min_cell: s.min_cell.to_string(),
        }
    }
}

/// A partial change (the API's PATCH): absent fields keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsPatch {
    pub name: Option<String>,
    pub siret: Option<String>,
    pub address: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub dpo_contact: Option<String>,
    pub host: Option<String>,
    pub privacy_notice: Option<String>,
    pub accessibility_statement: Option<String>,
    pub min_cell: Option<String>,
}

/// Checks what was typed, field by field; every refusal names its field.
fn validate(input: &SettingsInput) -> Result<(String, setup::OperatorSettings), AppError> {
    let mut errors = Vec::new();
    let mut refuse = |field, code| errors.push(FieldError { field, code });
    let optional = |raw: &str| {
        let v = raw.trim();
        (!v.is_empty()).then(|| v.to_owned())
    };
    let name = input.name.trim().to_owned();
    if name.is_empty() {
        refuse("name", "required");
    } else if name.chars().count() > 200 {
        refuse("name", "too_long");
    }
    let siret = match input.siret.trim() {
        "" => None,
        raw => {
            let parsed = parse_siret(raw);
            if parsed.is_none() {
                refuse("siret", "invalid");
            }
            parsed
        }
    };
    let address = optional(&input.address);
    if address.as_ref().is_some_and(|a| a.chars().count() > 500) {
        refuse("address", "too_long");
    }
    let contact_email = match input.contact_email.trim() {
        "" => None,
        raw => match Email::parse(raw) {
            Ok(e) => Some(e.as_str().to_owned()),
            Err(_) => {
                refuse("contact_email", "invalid");
                None
            }
        },
    };
    let contact_phone = optional(&input.contact_phone);
    if let Some(phone) = &contact_phone {
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +.-()".contains(c));
        if !allowed || !(10..=15).contains(&digits) {
            refuse("contact_phone", "invalid");
        }
    }
    let dpo_contact = optional(&input.dpo_contact);
    if dpo_contact
        .as_ref()
        .is_some_and(|d| d.chars().count() > 500)
    {
        refuse("dpo_contact", "too_long");
    }
    let host = optional(&input.host);
    if host.as_ref().is_some_and(|h| h.chars().count() > 500) {
        refuse("host", "too_long");
    }
    // The default text, or nothing, is stored as "the default": better defaults reach
    // operators who never changed theirs.
    let text = |raw: &str, default: &str| {
        let v = raw.trim();
        (!v.is_empty() && v != default.trim()).then(|| v.to_owned())
    };
    let privacy_notice = text(&input.privacy_notice, DEFAULT_PRIVACY_NOTICE);
    if input.privacy_notice.chars().count() > MAX_PUBLIC_TEXT {
        refuse("privacy_notice", "too_long");
    }
    let accessibility_statement = text(
        &input.accessibility_statement,
        DEFAULT_ACCESSIBILITY_STATEMENT,
    );
    if input.accessibility_statement.chars().count() > MAX_PUBLIC_TEXT {
        refuse("accessibility_statement", "too_long");
    }
    let min_cell = match input.min_cell.trim() {
        "" => MIN_CELL as i32,
        raw => match raw.parse::<i32>() {
            Ok(n) if n < MIN_CELL as i32 => {
                refuse("min_cell", "too_small");
                MIN_CELL as i32
            }
            Ok(n) if n > 1000 => {
                refuse("min_cell", "too_large");
                MIN_CELL as i32
            }
            Ok(n) => n,
            Err(_) => {
                refuse("min_cell", "invalid");
                MIN_CELL as i32
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok((
        name,
        setup::OperatorSettings {
            siret,
            address,
            contact_email,
            contact_phone,
            dpo_contact,
            host,
            privacy_notice,
            accessibility_statement,
            min_cell,
        },
    ))
}

impl App {
    /// The operator's settings as its administrator edits them.
    pub async fn organisation_settings(
        &self,
        actor: &Actor,
    ) -> Result<OrganisationSettings, AppError> {
        if actor.role != Role::Admin {
            return Err(AppError::Forbidden);
        }
        self.organisation_view(actor).await
    }

    async fn organisation_view(&self, actor: &Actor) -> Result<OrganisationSettings, AppError> {
        let org = accounts::find_organisation(self.db(), actor.organisation_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let saved = if org.kind == OrgKind::Operator {
            setup::settings(self.db(), actor.tenant()).await?
        } else {
            None
        };
        Ok(OrganisationSettings::of(org.id, org.kind, org.name, saved))
    }

    /// The administrator saves the operator's settings (all fields, as the form sends
    /// them); audited as `organisation.settings_saved`.
    pub async fn save_organisation_settings(
        &self,
        actor: &Actor,
        input: &SettingsInput,
    ) -> Result<(), AppError> {
        if actor.role != Role::Admin {
            return Err(AppError::Forbidden);
        }
        let (name, settings) = validate(input)?;
        let txn = self.change(actor).await?;
        let at = txn.at();
        setup::save(&*txn, actor.tenant(), &name, &settings, at).await?;
        txn.commit(Audit::tenant(AuditAction::OrganisationSettingsSaved))
            .await?;
        Ok(())
    }

    /// One organisation, by id, for the API: only the caller's own (another's answers
    /// 404 like one that does not exist). Staff and partners read it; the people
    /// followed read the public pages instead.
    pub async fn organisation(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<OrganisationSettings, AppError> {
        if id != actor.organisation_id {
            return Err(AppError::NotFound);
        }
        if actor.role == Role::Beneficiary {
            return Err(AppError::Forbidden);
        }
        self.organisation_view(actor).await
    }

    /// The API's PATCH: the administrator changes some fields of their operator.
    pub async fn patch_organisation(
        &self,
        actor: &Actor,
        id: Uuid,
        patch: SettingsPatch,
    ) -> Result<OrganisationSettings, AppError> {
        if id != actor.organisation_id {
            return Err(AppError::NotFound);
        }
        let current = self.organisation_settings(actor).await?;
        let mut input = SettingsInput::from(&current);
        let fields = [
            (patch.name, &mut input.name),
            (patch.siret, &mut input.siret),
            (patch.address, &mut input.address),
            (patch.contact_email, &mut input.contact_email),
            (patch.contact_phone, &mut input.contact_phone),
            (patch.dpo_contact, &mut input.dpo_contact),
            (patch.host, &mut input.host),
            (patch.privacy_notice, &mut input.privacy_notice),
            (
                patch.accessibility_statement,
                &mut input.accessibility_statement,
            ),
            (patch.min_cell, &mut input.min_cell),
        ];
        for (new, slot) in fields {
            if let Some(v) = new {
                *slot = v;
            }
        }
        self.save_organisation_settings(actor, &input).await?;
        self.organisation_view(actor).await
    }

    /// Every operator of the installation as its public pages show it (legal notice,
    /// privacy notice, accessibility statement), oldest first. Read without signing in.
    pub async fn public_operators(&self) -> Result<Vec<OrganisationSettings>, AppError> {
        Ok(setup::unscoped::operators(self.db())
            .await?
            .into_iter()
            .map(|(id, name, saved)| OrganisationSettings::of(id, OrgKind::Operator, name, saved))
            .collect())
    }

    /// True on a fresh installation: no operator has an administrator yet, so the
    /// first one must be created with `parcours create-admin`.
    pub async fn needs_first_admin(&self) -> Result<bool, AppError> {
        Ok(setup::unscoped::operators_with_admin(self.db()).await? == 0)
    }
}
