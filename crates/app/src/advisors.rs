//! Referring advisors without an account: a referral may name the advisor who follows
//! the person at the referring organisation; that address gets a link (a random token,
//! only its SHA-256 stored, valid 90 days) to the referrals it follows: their status,
//! the decision and its reason, and the person's step when the person agreed, never
//! anything of the bilan. An expired link is replaced by asking with the address.

use std::collections::BTreeSet;

use parcours_db::repo::{installation::accounts, referrals};
use parcours_db::{ConnectionTrait, TenantScope};
use parcours_domain::Email;
use uuid::Uuid;

use crate::jobs::{self, AdvisorLink};
use crate::mail::{self, OutgoingMail};
use crate::referrals::ReferralsView;
use crate::unit_of_work::Audit;
use crate::{App, AppError, digest, random_token};

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const FOLLOWED: AuditAction = AuditAction::ReferralsReadByAdvisorLink;
}

/// How long an advisor's link opens their referrals.
pub const ADVISOR_LINK_TTL_MS: i64 = 90 * 24 * 3600 * 1000;
/// A new link is not sent to the same address more often than this (no mail bombing
/// through the request form).
const RESEND_AFTER_MS: i64 = 15 * 60 * 1000;

#[derive(askama::Template)]
#[template(path = "email/advisor_link.txt")]
struct AdvisorLinkEmail<'a> {
    operator: &'a str,
    url: &'a str,
}

impl App {
    /// In the transaction that stores new referrals: one link by email to each
    /// advisor address they name.
    pub(crate) async fn send_advisor_links(
        &self,
        conn: &impl ConnectionTrait,
        scope: TenantScope,
        emails: BTreeSet<String>,
        now: i64,
    ) -> Result<(), AppError> {
        for email in emails {
            issue_link(conn, scope, &email, now).await?;
        }
        Ok(())
    }

    /// The referrals an advisor follows, from their link; `NotFound` when the link is
    /// unknown or expired.
    pub async fn advisor_referrals(&self, token: &str) -> Result<ReferralsView, AppError> {
        let now = self.now();
        let Some(link) =
            referrals::unscoped::use_advisor_link(self.db(), &digest(token), now).await?
        else {
            return Err(AppError::NotFound);
        };
        let scope = TenantScope::of(link.tenant_id);
        let rows = referrals::of_advisor(self.db(), scope, &link.email).await?;
        let lines = self.lines(rows, false).await?;
        self.record_in(scope, None, Audit::tenant(audit_action::FOLLOWED))
            .await?;
        Ok(ReferralsView {
            deciding: false,
            lines,
            programmes: Vec::new(),
            cohorts: Vec::new(),
            advisor: Some(link.email),
        })
    }

    /// Anyone may ask for a new link with an address; the answer never says whether
    /// the address follows referrals.
    pub async fn request_advisor_link(&self, raw_email: &str) -> Result<(), AppError> {
        let Ok(email) = Email::parse(raw_email.trim()) else {
            return Err(AppError::invalid("email", "invalid"));
        };
        let now = self.now();
        if referrals::unscoped::advisor_link_since(self.db(), email.as_str(), now - RESEND_AFTER_MS)
            .await?
        {
            return Ok(());
        }
        for tenant in referrals::unscoped::tenants_of_advisor(self.db(), email.as_str()).await? {
            issue_link(self.db(), TenantScope::of(tenant), email.as_str(), now).await?;
        }
        Ok(())
    }

    pub(crate) async fn send_advisor_link(
        &self,
        scope: TenantScope,
        job: &AdvisorLink,
    ) -> Result<(), AppError> {
        let (link, token) = (job.link_id, &job.token);
        let Some(to) = referrals::advisor_link_email(self.db(), scope, link).await? else {
            return Ok(());
        };
        let operator = accounts::find_organisation(self.db(), scope.id())
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let url = format!("{}/orientations/suivi/{token}", self.config().base_url);
        self.send_mail(
            Some(scope),
            OutgoingMail {
                to: &to,
                subject: "Parcours : suivre vos orientations",
                body: mail::body(&AdvisorLinkEmail {
                    operator: &operator,
                    url: &url,
                })?,
                calendar: None,
            },
        )
        .await
    }
}

async fn issue_link(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    email: &str,
    now: i64,
) -> Result<Uuid, AppError> {
    let token = random_token();
    let link = referrals::insert_advisor_link(
        conn,
        scope,
        email,
        &digest(&token),
        now + ADVISOR_LINK_TTL_MS,
        now,
    )
    .await?;
    jobs::enqueue_job(
        conn,
        Some(scope),
        &AdvisorLink {
            link_id: link,
            token,
        },
        now,
        now,
    )
    .await?;
    Ok(link)
}

#[cfg(test)]
mod email_tests {
    use super::*;

    #[test]
    fn the_link_renders_the_text_it_always_had() {
        let (operator, url) = ("L'Atelier & co", "https://x/orientations/suivi/t");
        assert_eq!(
            mail::body(&AdvisorLinkEmail { operator, url }).unwrap(),
            format!(
                "Bonjour,\n\nVous suivez des personnes orientées vers {operator}. Sans compte, ce lien \
                 montre où en sont vos orientations (reçue, acceptée ou non et pourquoi, et l'étape du \
                 parcours quand la personne l'accepte). Il est valable 90 jours :\n{url}\n\n--\nHello,\n\n\
                 You follow people referred to {operator}. Without an account, this link shows where your \
                 referrals stand (received, accepted or not and why, and the person's step when they \
                 agree). It is valid for 90 days:\n{url}\n"
            )
        );
    }
}
