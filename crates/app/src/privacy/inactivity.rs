//! Files without contact for two years: the person is told 30 days before, the
//! notice withdrawn if they come back, the file anonymised if they do not.

use super::*;

#[derive(askama::Template)]
#[template(path = "email/inactivity_notice.txt")]
struct InactivityNoticeEmail<'a> {
    day: &'a str,
    base: &'a str,
}

/// What one daily pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InactivityReport {
    pub notices: usize,
    pub withdrawn: usize,
    pub anonymised: usize,
}

impl App {
    /// The daily pass over files without contact: withdraws the notices of people who
    /// came back, anonymises those told 30 days ago who did not, and tells those
    /// reaching two years minus 30 days.
    pub async fn sweep_inactive(&self, now: i64) -> Result<InactivityReport, AppError> {
        let mut report = InactivityReport::default();
        for (tenant, person) in privacy::unscoped::returned_after_notice(self.db()).await? {
            let scope = TenantScope::of(tenant);
            let txn = self.change_at(scope, None, now).await?;
            privacy::set_inactivity_notice(&txn, scope, person, None).await?;
            txn.commit(Audit::of(audit_action::NOTICE_WITHDRAWN, person))
                .await?;
            report.withdrawn += 1;
        }
        loop {
            let due = privacy::unscoped::inactive_since(
                self.db(),
                now - INACTIVITY_MS,
                Some(now - NOTICE_MS),
                BATCH,
            )
            .await?;
            for (tenant, person) in &due {
                let scope = TenantScope::of(*tenant);
                let txn = self.change_at(scope, None, now).await?;
                if privacy::anonymise(&txn, scope, *person, now).await? {
                    txn.commit(Audit::of(audit_action::ANONYMISED, *person))
                        .await?;
                    report.anonymised += 1;
                }
            }
            if (due.len() as u64) < BATCH {
                break;
            }
        }
        loop {
            let to_tell = privacy::unscoped::inactive_since(
                self.db(),
                now - INACTIVITY_MS + NOTICE_MS,
                None,
                BATCH,
            )
            .await?;
            for (tenant, person) in &to_tell {
                let scope = TenantScope::of(*tenant);
                let txn = self.change_at(scope, None, now).await?;
                privacy::set_inactivity_notice(&txn, scope, *person, Some(now)).await?;
                txn.queue(&InactivityNotice { person_id: *person }, now)
                    .await?;
                txn.commit(Audit::of(audit_action::INACTIVITY_NOTICE, *person))
                    .await?;
                report.notices += 1;
            }
            if (to_tell.len() as u64) < BATCH {
                break;
            }
        }
        if report.anonymised > 0 {
            self.release_erased_space().await;
            self.forget_reports().await;
            self.forget_cohorts().await;
        }
        Ok(report)
    }

    /// The notice itself, by email when the file has an address.
    pub(crate) async fn send_inactivity_notice(
        &self,
        scope: TenantScope,
        job: &InactivityNotice,
    ) -> Result<(), AppError> {
        let person_id = job.person_id;
        let Some(person) = people::find_person(self.db(), scope, person_id).await? else {
            return Ok(());
        };
        let Some((_, Some(notice_at), None)) = privacy::status(self.db(), scope, person_id).await?
        else {
            // Withdrawn or already anonymised: nothing to say.
            return Ok(());
        };
        let Some(to) = self.contact_email(&person).await? else {
            return Ok(());
        };
        let base = &self.config().base_url;
        let day = crate::utc_day(notice_at + NOTICE_MS);
        let body = mail::body(&InactivityNoticeEmail { day: &day, base })?;
        self.send_mail(
            Some(scope),
            OutgoingMail {
                to: &to,
                subject: "Parcours : votre dossier va être anonymisé",
                body,
                calendar: None,
            },
        )
        .await
    }
}

#[cfg(test)]
mod email_tests {
    use super::*;

    #[test]
    fn the_notice_renders_the_text_it_always_had() {
        let (day, base) = ("2026-12-07", "https://x");
        assert_eq!(
            mail::body(&InactivityNoticeEmail { day, base }).unwrap(),
            format!(
                "Bonjour,\n\nVotre dossier Parcours n'a pas bougé depuis bientôt deux ans.\n\
                 Sans nouvelles de votre part d'ici le {day}, il sera anonymisé : votre nom, \
                 vos coordonnées et ce que vous avez écrit seront effacés.\n\
                 Pour le garder, connectez-vous ({base}/login) ou contactez votre conseiller.\n\
                 Vous pouvez aussi télécharger vos données : {base}/parcours/donnees\n\n\
                 --\nHello,\n\nYour Parcours file has not changed for almost two years.\n\
                 Unless we hear from you by {day}, it will be anonymised: your name, contact \
                 details and what you wrote will be erased.\n\
                 To keep it, sign in ({base}/login) or contact your coach.\n\
                 You can also download your data: {base}/parcours/donnees\n"
            )
        );
    }
}
