//! The daily side: referrals left unanswered expire; managers are reminded first.

use super::*;

/// The managers' reminder of referrals about to expire (no names).
#[derive(askama::Template)]
#[template(path = "email/referrals_awaiting.txt")]
struct ReferralsAwaitingEmail<'a> {
    count: usize,
    days: i64,
    link: &'a str,
}

impl App {
    /// Daily: referrals unanswered past their date expire; managers are told (without
    /// names) about those expiring in a week. Returns how many expired.
    pub async fn expire_referrals(&self, now: i64) -> Result<usize, AppError> {
        let overdue = referrals::unscoped::overdue_in_every_tenant(self.db(), now).await?;
        for r in &overdue {
            let scope = TenantScope::of(r.tenant_id);
            let txn = self.change_in(scope, None).await?;
            // Decided meanwhile: nothing was written, the change is dropped.
            if referrals::decide(
                &*txn,
                scope,
                r.id,
                ReferralStatus::Expired,
                None,
                None,
                None,
                None,
                now,
            )
            .await?
            {
                txn.commit(Audit::tenant(audit_action::EXPIRED)).await?;
            }
        }
        let soon = referrals::unscoped::expiring_in_every_tenant(
            self.db(),
            now + (REMIND_BEFORE_DAYS - 1) * DAY_MS,
            now + REMIND_BEFORE_DAYS * DAY_MS,
        )
        .await?;
        let mut per_tenant: BTreeMap<Uuid, usize> = BTreeMap::new();
        for r in &soon {
            *per_tenant.entry(r.tenant_id).or_default() += 1;
        }
        for (tenant, n) in per_tenant {
            for (user, role) in accounts::members_of(self.db(), tenant).await? {
                if role != Role::ProgrammeManager {
                    continue;
                }
                let link = format!("{}/orientations", self.config().base_url);
                let body = mail::body(&ReferralsAwaitingEmail {
                    count: n,
                    days: REMIND_BEFORE_DAYS,
                    link: &link,
                })?;
                self.send_mail(
                    Some(TenantScope::of(tenant)),
                    OutgoingMail {
                        to: &user.email,
                        subject: "Parcours : orientations en attente",
                        body,
                        calendar: None,
                    },
                )
                .await?;
            }
        }
        Ok(overdue.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reminder_email_reads_as_it_did_when_written_inline() {
        let (n, link) = (3, "https://x/orientations");
        let before = format!(
            "Bonjour,\n\n{n} orientation(s) attendent votre réponse et expireront dans {REMIND_BEFORE_DAYS} jours.\n\
             Répondez depuis : {link}\n\n--\nHello,\n\n{n} referral(s) await your answer and will expire in \
             {REMIND_BEFORE_DAYS} days.\nAnswer from: {link}\n"
        );
        let now = mail::body(&ReferralsAwaitingEmail {
            count: n,
            days: REMIND_BEFORE_DAYS,
            link,
        })
        .unwrap();
        assert_eq!(now, before);
    }
}
