//! The issued document: issued, downloaded, kept on the person's word, purged when due.

use super::*;

impl App {
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
        self.set_person_consent(
            actor,
            person_id,
            keep,
            &crate::people::PersonConsent {
                name: KEEP_CONSENT_SCOPE,
                text_version: KEEP_CONSENT_TEXT_VERSION,
                denied: audit_action::ACCESS_DENIED,
                given: audit_action::KEEP_GIVEN,
                withdrawn: audit_action::KEEP_WITHDRAWN,
            },
        )
        .await
    }

    /// The retention rule, run daily by the worker: once a bilan has ended, its
    /// documents go after the grace period, or after three years if the person asked
    /// to keep them. Returns how many people's documents were destroyed.
    pub async fn purge_documents(&self, now: i64) -> Result<usize, AppError> {
        let mut purged = 0;
        for (tenant, person) in documents::unscoped::holders_in_every_tenant(self.db()).await? {
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
}
