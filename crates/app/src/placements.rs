//! Placements: the staff conducting the bilan record what became of the person (a
//! contract, a training, a business) as facts; the person sees them on their journey.

use parcours_db::repo::placements::{self, PlacementRecord};
use parcours_db::repo::{installation::accounts, opportunities};
use parcours_domain::Action;
use parcours_domain::opportunity::RequestStatus;
use parcours_domain::placement::PlacementInput;
use uuid::Uuid;

use crate::auth::Actor;
use crate::people::{Person, relation_to};
use crate::unit_of_work::Audit;
use crate::workspace::user_names;
use crate::{App, AppError, FieldError};

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const RECORDED: AuditAction = AuditAction::PlacementRecorded;
    pub const READ: AuditAction = AuditAction::PlacementsRead;
    pub const ACCESS_DENIED: AuditAction = AuditAction::PlacementsAccessDenied;
}

#[derive(Debug, Clone)]
pub struct PlacementLine {
    pub record: PlacementRecord,
    pub recorded_by_name: String,
    /// "Immersion — Boulangerie Vasseur" when it followed an employer's opportunity.
    pub followed: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PlacementsView {
    pub person: Person,
    pub is_self: bool,
    pub can_record: bool,
    pub lines: Vec<PlacementLine>,
    /// The opportunities the person was accepted for (request id, what and with whom),
    /// a placement may follow one.
    pub accepted_requests: Vec<(Uuid, String)>,
}

impl App {
    pub async fn placements(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<PlacementsView, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ReadPersonFile,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let relation = relation_to(actor, &person);
        let txn = self.change(actor).await?;
        let records = placements::of_person(&*txn, actor.tenant(), person.id).await?;
        let names = user_names(&*txn, records.iter().map(|r| r.recorded_by).collect()).await?;
        txn.commit(Audit::of(audit_action::READ, person.id)).await?;
        let accepted_requests = self.accepted_requests(actor, person.id).await?;
        Ok(PlacementsView {
            is_self: relation.is_self,
            can_record: parcours_domain::allows(actor.role, Action::ManageJourney, relation),
            lines: records
                .into_iter()
                .map(|record| PlacementLine {
                    recorded_by_name: names.get(&record.recorded_by).cloned().unwrap_or_default(),
                    followed: record.request_id.and_then(|r| {
                        accepted_requests
                            .iter()
                            .find(|(id, _)| *id == r)
                            .map(|(_, label)| label.clone())
                    }),
                    record,
                })
                .collect(),
            accepted_requests,
            person,
        })
    }

    /// The coach (or manager) records a hire, a training entry or a business created.
    pub async fn record_placement(
        &self,
        actor: &Actor,
        person_id: Uuid,
        input: &PlacementInput,
        after_request: &str,
    ) -> Result<Uuid, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ManageJourney,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let facts = input.check().map_err(|problems| {
            AppError::Invalid(
                problems
                    .iter()
                    .map(|p| FieldError {
                        field: p.field,
                        code: p.code,
                    })
                    .collect(),
            )
        })?;
        let request = match after_request.trim() {
            "" => None,
            raw => {
                let known = self.accepted_requests(actor, person.id).await?;
                match raw.parse::<Uuid>() {
                    Ok(id) if known.iter().any(|(r, _)| *r == id) => Some(id),
                    _ => return Err(AppError::invalid("request", "unknown")),
                }
            }
        };
        let txn = self.change(actor).await?;
        let now = txn.at();
        let id = placements::insert(
            &*txn,
            actor.tenant(),
            person.id,
            &facts,
            request,
            actor.user_id,
            now,
        )
        .await?;
        txn.commit(Audit::of(audit_action::RECORDED, person.id))
            .await?;
        Ok(id)
    }

    /// The person's accepted opportunity requests, labelled "kind — title, employer".
    async fn accepted_requests(
        &self,
        actor: &Actor,
        person: Uuid,
    ) -> Result<Vec<(Uuid, String)>, AppError> {
        let scope = actor.tenant();
        let requests = opportunities::requests_of_person(self.db(), scope, person).await?;
        let mut out = Vec::new();
        for r in requests
            .into_iter()
            .filter(|r| r.status == RequestStatus::Accepted)
        {
            let Some(o) = opportunities::find(self.db(), scope, r.opportunity_id).await? else {
                continue;
            };
            let employer = accounts::find_organisation(self.db(), o.employer_org_id)
                .await?
                .map(|org| org.name)
                .unwrap_or_default();
            out.push((r.id, format!("{} ({employer})", o.title)));
        }
        Ok(out)
    }
}
