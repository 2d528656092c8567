//! The person gives their synthesis to a named recipient by a link, and may withdraw it.

use super::*;

/// The recipient's link to a shared synthesis (the person's name is not in it).
#[derive(askama::Template)]
#[template(path = "email/document_shared.txt")]
struct DocumentSharedEmail<'a> {
    link: &'a str,
}

impl App {
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
        txn.queue(
            &DocumentShare {
                share_id: id,
                token,
            },
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
        let Some(share) =
            documents::unscoped::share_by_token_hash(self.db(), &digest(token)).await?
        else {
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
        job: &DocumentShare,
    ) -> Result<(), AppError> {
        let (id, token) = (job.share_id, &job.token);
        let Some(share) = documents::find_share(self.db(), scope, id).await? else {
            return Ok(());
        };
        if share.revoked_at.is_some() {
            return Ok(());
        }
        let link = format!("{}/documents/partage/{token}", self.config().base_url);
        let body = mail::body(&DocumentSharedEmail { link: &link })?;
        self.send_mail(
            Some(scope),
            OutgoingMail {
                to: &share.recipient_email,
                subject: "Parcours : un document vous est transmis",
                body,
                calendar: None,
            },
        )
        .await
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
