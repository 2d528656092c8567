//! The synthesis document of the phase de conclusions: circumstances, skills and
//! aptitudes, the results that matter, the project and its steps, the follow-up. The
//! coach issues it (a PDF kept as issued); the person owns it and downloads it, and
//! may give it to a named recipient (a link sent to them, on the consent the person
//! records for that recipient, revocable). Documents are destroyed once the bilan has
//! ended, unless the person asked in writing to keep them (then three years).

use parcours_db::TenantScope;
use parcours_db::repo::documents::{self, Document, NewShare};
pub use parcours_db::repo::documents::{DocumentInfo, Share};
use parcours_db::repo::{accounts, appointments, journey, people, plan, programmes, projects};
use parcours_documents::{ProjectPart, ResultLine, StepGroup, Synthesis, SynthesisLabels};
use parcours_domain::appointment::AppointmentStatus;
use parcours_domain::instrument::Kind;
use parcours_domain::workspace::{MAX_RECIPIENT_NAME, SHARE_VALID_MS};
use parcours_domain::{Action, Email, allows};
use uuid::Uuid;

use crate::appointments::{day_en, day_fr, held_minutes, when_en, when_fr};
use crate::auth::Actor;
use crate::bilan::{BILAN_CAP_MINUTES, Outcome, outcome};
use crate::jobs::{self, Payload};
use crate::mail::{self, OutgoingMail};
use crate::people::{Person, relation_to};
use crate::unit_of_work::Audit;
use crate::{App, AppError, digest, random_token};

pub const KIND_SYNTHESIS: &str = "synthesis";
/// The person's written agreement to keep their documents after the bilan.
pub const KEEP_CONSENT_SCOPE: &str = "keep_documents";
pub const KEEP_CONSENT_TEXT_VERSION: &str = "keep-documents-v1";
/// How long kept documents stay after the bilan's end.
pub const KEEP_MS: i64 = 3 * 365 * 24 * 3600 * 1000;
/// Time the person has to download their documents after the end, when not kept.
pub const GRACE_MS: i64 = 30 * 24 * 3600 * 1000;

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const ISSUED: AuditAction = AuditAction::SynthesisIssued;
    pub const DOWNLOADED: AuditAction = AuditAction::SynthesisDownloaded;
    pub const READ: AuditAction = AuditAction::SynthesisRead;
    pub const ACCESS_DENIED: AuditAction = AuditAction::SynthesisAccessDenied;
    pub const KEEP_GIVEN: AuditAction = AuditAction::ConsentKeepDocumentsGiven;
    pub const KEEP_WITHDRAWN: AuditAction = AuditAction::ConsentKeepDocumentsWithdrawn;
    pub const PURGED: AuditAction = AuditAction::DocumentsPurged;
    pub const SHARED: AuditAction = AuditAction::DocumentShared;
    pub const SHARE_REVOKED: AuditAction = AuditAction::DocumentShareRevoked;
    pub const SHARE_DOWNLOADED: AuditAction = AuditAction::DocumentShareDownloaded;
}

/// The wording the person agrees to when giving their synthesis to someone.
pub const SHARE_CONSENT_TEXT_VERSION: &str = "share-synthesis-v1";

/// Turns a translation key into text in the reader's language; the web layer owns
/// the words.
pub type Words<'a> = &'a (dyn Fn(&str) -> String + Sync);

#[derive(Debug, Clone)]
pub struct SynthesisView {
    pub person: Person,
    pub is_self: bool,
    /// The coach (or manager) may issue a new version.
    pub can_issue: bool,
    /// When the current version was issued, if any.
    pub issued_at: Option<i64>,
    pub keep_consent_at: Option<i64>,
    /// When the documents will be destroyed, once the bilan has ended.
    pub destroy_after: Option<i64>,
    /// Who the person gave the synthesis to, newest first.
    pub shares: Vec<Share>,
}

fn hours(minutes: u32, lang: &str) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match lang {
        "en" => format!("{h} h {m:02} min"),
        _ => format!("{h} h {m:02}"),
    }
}

/// The recipient's link to a shared synthesis (the person's name is not in it).
#[derive(askama::Template)]
#[template(path = "email/document_shared.txt")]
struct DocumentSharedEmail<'a> {
    link: &'a str,
}

impl App {
    /// Who may have the synthesis: the person, and the staff who conduct the bilan.
    async fn synthesis_reader(&self, actor: &Actor, person_id: Uuid) -> Result<Person, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ReadPersonFile,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let relation = relation_to(actor, &person);
        if relation.is_self || allows(actor.role, Action::ManageJourney, relation) {
            return Ok(person);
        }
        self.record(actor, Audit::of(audit_action::ACCESS_DENIED, person.id))
            .await?;
        Err(AppError::Forbidden)
    }

    pub async fn synthesis(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<SynthesisView, AppError> {
        let person = self.synthesis_reader(actor, person_id).await?;
        let scope = actor.tenant();
        self.record(actor, Audit::of(audit_action::READ, person.id))
            .await?;
        let relation = relation_to(actor, &person);
        let issued_at = documents::latest(self.db(), scope, person.id, KIND_SYNTHESIS)
            .await?
            .map(|d| d.created_at);
        let keep =
            journey::current_consent(self.db(), scope, person.id, KEEP_CONSENT_SCOPE).await?;
        let ended = people::current_enrolment(self.db(), scope, person.id)
            .await?
            .and_then(|e| e.bilan_ended_at);
        Ok(SynthesisView {
            is_self: relation.is_self,
            can_issue: allows(actor.role, Action::ManageJourney, relation),
            issued_at,
            destroy_after: ended.map(|end| end + if keep.is_some() { KEEP_MS } else { GRACE_MS }),
            keep_consent_at: keep.map(|c| c.given_at),
            shares: documents::shares_of_person(self.db(), scope, person.id).await?,
            person,
        })
    }

    /// Everything the document says, worded in `lang` by `words`.
    async fn synthesis_content(
        &self,
        scope: TenantScope,
        person: &Person,
        lang: &str,
        words: Words<'_>,
        now: i64,
    ) -> Result<Synthesis, AppError> {
        let db = self.db();
        let when = |ms: i64| {
            if lang == "en" {
                when_en(ms)
            } else {
                when_fr(ms)
            }
        };
        let day = |ms: i64| if lang == "en" { day_en(ms) } else { day_fr(ms) };
        let operator = accounts::find_organisation(db, scope.id())
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let enrolment = people::current_enrolment(db, scope, person.id).await?;
        let mut programme = String::new();
        let mut circumstances = Vec::new();
        if let Some(e) = &enrolment {
            programme = programmes::find(db, e.programme_id)
                .await?
                .map(|p| p.name)
                .unwrap_or_default();
            circumstances.push(format!(
                "{} : {}",
                words("synthesis-started"),
                day(e.entered_at)
            ));
            circumstances.push(format!(
                "{} : {}",
                words("synthesis-phase"),
                words(&format!("phase-{}", e.phase.code()))
            ));
            if let Some(coach) = e.coach_id
                && let Some(u) = accounts::find_user(db, coach).await?
            {
                circumstances.push(format!("{} : {}", words("synthesis-coach"), u.display_name));
            }
        }
        let sessions = appointments::appointments_of_person(db, scope, person.id).await?;
        let held = sessions
            .iter()
            .filter(|a| a.status == AppointmentStatus::Held)
            .count();

        // Results of the completed activities, and the experiences.
        let catalog = self.catalog();
        let activities = journey::activities_of_person(db, scope, person.id).await?;
        let ids: Vec<Uuid> = activities.iter().map(|a| a.id).collect();
        let mut answers = journey::answers_of_activities(db, scope, &ids).await?;
        let mut results = Vec::new();
        let (mut jobs, mut life, mut skills) = (Vec::new(), Vec::new(), Vec::new());
        let mut activity_minutes = 0u32;
        for activity in &activities {
            let Some(instrument) =
                self.instrument(&activity.instrument_id, activity.instrument_version)
            else {
                continue;
            };
            let raw = answers.remove(&activity.id).unwrap_or_default();
            if activity.completed_at.is_none() {
                continue;
            }
            activity_minutes += instrument.minutes;
            let title = instrument.title.get(lang).to_owned();
            let summary = match outcome(&instrument, &raw, catalog.as_deref()) {
                Outcome::Likert(result) if instrument.kind == Kind::Likert => {
                    let mut scored: Vec<(f64, String)> = result
                        .scales
                        .iter()
                        .filter_map(|s| {
                            let label = instrument.scale(&s.scale)?.label.get(lang).to_owned();
                            Some((s.score?, label))
                        })
                        .collect();
                    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
                    let top: Vec<String> = scored
                        .iter()
                        .take(3)
                        .map(|(score, label)| format!("{label} ({score:.0}/100)"))
                        .collect();
                    if instrument.reference_items.is_some() || top.is_empty() {
                        None
                    } else {
                        Some(top.join(", "))
                    }
                }
                Outcome::Ranking { ranked } => Some(
                    ranked
                        .iter()
                        .take(3)
                        .map(|c| c.label.get(lang).to_owned())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                Outcome::Experiences(e) => {
                    jobs = e
                        .jobs
                        .iter()
                        .map(|j| format!("{} ({})", j.label, j.code_rome))
                        .collect();
                    life = e.life.iter().map(|t| t.get(lang).to_owned()).collect();
                    skills = e.confirmed().map(|s| s.label.clone()).collect();
                    None
                }
                // Constraints may hold health facts: they stay out of the document.
                Outcome::Form { .. } | Outcome::Likert(_) => None,
            };
            if let Some(summary) = summary.filter(|s| !s.is_empty()) {
                // An end taking replaces the start one of the same instrument.
                results.retain(|r: &ResultLine| r.title != title);
                results.push(ResultLine { title, summary });
            }
        }
        let minutes = (held_minutes(&sessions) + activity_minutes).min(BILAN_CAP_MINUTES);
        circumstances.push(format!(
            "{} : {} ({} {}, {} {})",
            words("synthesis-hours"),
            hours(minutes, lang),
            held,
            words("synthesis-sessions-held"),
            activities
                .iter()
                .filter(|a| a.completed_at.is_some())
                .count(),
            words("synthesis-activities-done"),
        ));

        let project = match projects::current_project(db, scope, person.id).await? {
            Some(p) => {
                let evidence = projects::evidence_of(db, scope, p.id)
                    .await?
                    .into_iter()
                    .map(|r| {
                        let label = words(&format!(
                            "project-evidence-{}",
                            r.item.code().replace('_', "-")
                        ));
                        if r.note.is_empty() {
                            label
                        } else {
                            format!("{label} : {}", r.note)
                        }
                    })
                    .collect();
                Some(ProjectPart {
                    label: p.title.clone(),
                    code: p
                        .code_rome
                        .clone()
                        .unwrap_or_else(|| words("project-kind-business")),
                    status: words(&format!("project-status-{}", p.status.code())),
                    evidence,
                })
            }
            None => None,
        };
        let steps = plan::plan_of_person(db, scope, person.id)
            .await?
            .into_iter()
            .map(|o| StepGroup {
                title: o.title,
                actions: o
                    .actions
                    .iter()
                    .map(|a| {
                        format!(
                            "{} — {} ({}, {})",
                            a.title,
                            words(&format!("plan-status-{}", a.status.code())),
                            words(if a.owner.code() == "coach" {
                                "plan-owner-coach"
                            } else {
                                "plan-owner-person"
                            }),
                            a.due_on
                        )
                    })
                    .collect(),
            })
            .collect();
        let mut follow_up: Vec<String> = sessions
            .iter()
            .filter(|a| a.status == AppointmentStatus::Booked && a.slot.starts_at > now)
            .map(|a| {
                format!(
                    "{} : {}",
                    words("synthesis-next-session"),
                    when(a.slot.starts_at)
                )
            })
            .collect();
        follow_up.push(words("synthesis-follow-up-six-months"));

        let label = |k: &str| words(&format!("synthesis-label-{k}"));
        Ok(Synthesis {
            lang: if lang == "en" {
                "en".into()
            } else {
                "fr".into()
            },
            title: words("synthesis-title"),
            person_name: format!("{} {}", person.first_name, person.last_name),
            operator,
            programme,
            issued_on: day(now),
            circumstances,
            jobs,
            life,
            skills,
            results,
            project,
            steps,
            follow_up,
            labels: SynthesisLabels {
                operator: label("operator"),
                programme: label("programme"),
                issued: label("issued"),
                circumstances: label("circumstances"),
                skills: label("skills"),
                jobs: label("jobs"),
                life: label("life"),
                confirmed_skills: label("confirmed-skills"),
                results: label("results"),
                result_what: label("result-what"),
                result_found: label("result-found"),
                project: label("project"),
                no_project: label("no-project"),
                project_status: label("project-status"),
                steps: label("steps"),
                follow_up: label("follow-up"),
                none: label("none"),
                ownership: label("ownership"),
            },
        })
    }

    /// The coach issues the synthesis as of now: typeset and kept as issued.
    pub async fn issue_synthesis(
        &self,
        actor: &Actor,
        person_id: Uuid,
        lang: &str,
        words: Words<'_>,
    ) -> Result<Uuid, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ManageJourney,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let now = self.now();
        let content = self
            .synthesis_content(scope, &person, lang, words, now)
            .await?;
        // Typesetting takes a moment of CPU: keep it off the async workers.
        let pdf = tokio::task::spawn_blocking(move || parcours_documents::synthesis_pdf(&content))
            .await
            .map_err(|e| AppError::Internal(format!("typesetting task: {e}")))?
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let txn = self.change(actor).await?;
        let id = documents::insert(
            &*txn,
            scope,
            person.id,
            KIND_SYNTHESIS,
            pdf,
            actor.user_id,
            now,
        )
        .await?;
        txn.commit(Audit::of(audit_action::ISSUED, person.id))
            .await?;
        Ok(id)
    }

    /// The issued synthesis, for the person or the staff conducting the bilan.
    pub async fn synthesis_document(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<Document, AppError> {
        let person = self.synthesis_reader(actor, person_id).await?;
        let scope = actor.tenant();
        let Some(document) = documents::latest(self.db(), scope, person.id, KIND_SYNTHESIS).await?
        else {
            return Err(AppError::NotFound);
        };
        self.record(actor, Audit::of(audit_action::DOWNLOADED, person.id))
            .await?;
        Ok(document)
    }

    /// The person agrees in writing to keep their documents three years, or withdraws.
    pub async fn set_keep_documents(
        &self,
        actor: &Actor,
        person_id: Uuid,
        keep: bool,
    ) -> Result<(), AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::AnswerActivities,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let now = self.now();
        let txn = self.change(actor).await?;
        let standing =
            journey::current_consent(&*txn, scope, person.id, KEEP_CONSENT_SCOPE).await?;
        let done = match (keep, standing) {
            (true, None) => {
                journey::record_consent(
                    &*txn,
                    scope,
                    person.id,
                    KEEP_CONSENT_SCOPE,
                    KEEP_CONSENT_TEXT_VERSION,
                    actor.user_id,
                    now,
                )
                .await?;
                audit_action::KEEP_GIVEN
            }
            (false, Some(_)) => {
                journey::withdraw_consent(&*txn, scope, person.id, KEEP_CONSENT_SCOPE, now).await?;
                audit_action::KEEP_WITHDRAWN
            }
            // Already as asked: nothing written, the change is dropped.
            _ => return Ok(()),
        };
        txn.commit(Audit::of(done, person.id)).await?;
        Ok(())
    }

    /// The retention rule, run daily by the worker: once a bilan has ended, its
    /// documents go after the grace period, or after three years if the person asked
    /// to keep them. Returns how many people's documents were destroyed.
    pub async fn purge_documents(&self, now: i64) -> Result<usize, AppError> {
        let mut purged = 0;
        for (tenant, person) in documents::holders(self.db()).await? {
            let scope = TenantScope::of(tenant);
            let Some(end) = people::current_enrolment(self.db(), scope, person)
                .await?
                .and_then(|e| e.bilan_ended_at)
            else {
                continue;
            };
            let keep = journey::current_consent(self.db(), scope, person, KEEP_CONSENT_SCOPE)
                .await?
                .is_some();
            let limit = end + if keep { KEEP_MS } else { GRACE_MS };
            if now < limit {
                continue;
            }
            let txn = self.change_in(scope, None).await?;
            documents::delete_of_person(&*txn, scope, person).await?;
            txn.commit(Audit::of(audit_action::PURGED, person)).await?;
            purged += 1;
        }
        Ok(purged)
    }
}

impl App {
    /// One of the person's documents by id (older versions included), for the person or
    /// the staff conducting the bilan.
    pub async fn person_document(
        &self,
        actor: &Actor,
        person_id: Uuid,
        document_id: Uuid,
    ) -> Result<Document, AppError> {
        let person = self.synthesis_reader(actor, person_id).await?;
        let Some(document) = documents::find(self.db(), actor.tenant(), document_id).await? else {
            return Err(AppError::NotFound);
        };
        if document.person_id != person.id {
            return Err(AppError::NotFound);
        }
        self.record(actor, Audit::of(audit_action::DOWNLOADED, person.id))
            .await?;
        Ok(document)
    }

    /// The person gives their current synthesis to a named recipient: their consent for
    /// that recipient is recorded with its wording, and a link valid 30 days is emailed
    /// to the recipient. Only the person can do this.
    pub async fn share_synthesis(
        &self,
        actor: &Actor,
        person_id: Uuid,
        recipient_name: &str,
        recipient_email: &str,
        consent: bool,
    ) -> Result<Uuid, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ShareDocuments,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let mut errors = Vec::new();
        let name = crate::text_field("recipient_name", recipient_name, MAX_RECIPIENT_NAME)
            .map_err(|e| errors.push(e));
        let email = Email::parse(recipient_email.trim());
        if email.is_err() {
            errors.push(crate::FieldError {
                field: "recipient_email",
                code: if recipient_email.trim().is_empty() {
                    "required"
                } else {
                    "invalid"
                },
            });
        }
        if !consent {
            errors.push(crate::FieldError {
                field: "consent",
                code: "required",
            });
        }
        let scope = actor.tenant();
        let Some(document) = documents::latest(self.db(), scope, person.id, KIND_SYNTHESIS).await?
        else {
            return Err(AppError::invalid("document", "none"));
        };
        let (Ok(name), Ok(email), true) = (name, email, errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let token = random_token();
        let now = self.now();
        let txn = self.change(actor).await?;
        let id = documents::insert_share(
            &*txn,
            scope,
            NewShare {
                person_id: person.id,
                document_id: document.id,
                recipient_name: &name,
                recipient_email: email.as_str(),
                token_hash: &digest(&token),
                consent_text_version: SHARE_CONSENT_TEXT_VERSION,
                expires_at: now + SHARE_VALID_MS,
            },
            now,
        )
        .await?;
        jobs::queue(
            &*txn,
            Some(scope),
            jobs::kind::DOCUMENT_SHARE,
            &Payload {
                share_id: Some(id),
                token: Some(token),
                ..Payload::default()
            },
            now,
            now,
        )
        .await?;
        txn.commit(Audit::of(audit_action::SHARED, person.id))
            .await?;
        Ok(id)
    }

    /// The person withdraws a share: the link stops working at once.
    pub async fn revoke_share(
        &self,
        actor: &Actor,
        person_id: Uuid,
        share_id: Uuid,
    ) -> Result<(), AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ShareDocuments,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let Some(share) = documents::find_share(self.db(), scope, share_id).await? else {
            return Err(AppError::NotFound);
        };
        if share.person_id != person.id {
            return Err(AppError::NotFound);
        }
        let now = self.now();
        let txn = self.change(actor).await?;
        // Already revoked: nothing written, the change is dropped.
        if documents::revoke_share(&*txn, scope, share.id, now).await? {
            txn.commit(Audit::of(audit_action::SHARE_REVOKED, person.id))
                .await?;
        }
        Ok(())
    }

    /// What a share link opens, for a recipient without an account: the document the
    /// person consented to give, while the link is valid and not withdrawn. Each
    /// download is counted and audited.
    pub async fn shared_document(&self, token: &str) -> Result<Document, AppError> {
        let Some(share) = documents::share_by_token_hash(self.db(), &digest(token)).await? else {
            return Err(AppError::NotFound);
        };
        let now = self.now();
        if share.revoked_at.is_some() || share.expires_at <= now {
            return Err(AppError::NotFound);
        }
        let scope = TenantScope::of(share.tenant_id);
        let Some(document) = documents::find(self.db(), scope, share.document_id).await? else {
            return Err(AppError::NotFound);
        };
        // The recipient has no account: the change is the system's, on the person's file.
        let txn = self.change_in(scope, None).await?;
        documents::count_download(&*txn, scope, share.id, now).await?;
        txn.commit(Audit::of(audit_action::SHARE_DOWNLOADED, share.person_id))
            .await?;
        Ok(document)
    }

    /// The worker's side: the link to the recipient. The person's name is not in the
    /// email (the document itself says whose it is).
    pub(crate) async fn send_share_mail(
        &self,
        scope: TenantScope,
        payload: &Payload,
    ) -> Result<(), AppError> {
        let (Some(id), Some(token)) = (payload.share_id, &payload.token) else {
            return Err(AppError::Internal("share job without its link".into()));
        };
        let Some(share) = documents::find_share(self.db(), scope, id).await? else {
            return Ok(());
        };
        if share.revoked_at.is_some() {
            return Ok(());
        }
        let link = format!("{}/documents/partage/{token}", self.config().base_url);
        let body = mail::body(&DocumentSharedEmail { link: &link })?;
        mail::send(
            &self.config().outbox_dir,
            OutgoingMail {
                to: &share.recipient_email,
                subject: "Parcours : un document vous est transmis",
                body,
                calendar: None,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_email_reads_as_it_did_when_written_inline() {
        let link = "https://x/documents/partage/t";
        let before = format!(
            "Bonjour,\n\nUne personne accompagnée dans Parcours vous transmet la synthèse de son \
             bilan, avec son accord enregistré.\nTéléchargez-la depuis ce lien, valable 30 jours \
             (la personne peut le retirer à tout moment) :\n{link}\n\n\
             --\nHello,\n\nA person supported in Parcours gives you the synthesis of their bilan, \
             with their recorded consent.\nDownload it from this link, valid for 30 days (the \
             person may withdraw it at any time):\n{link}\n"
        );
        let now = mail::body(&DocumentSharedEmail { link }).unwrap();
        assert_eq!(now, before);
    }
}
