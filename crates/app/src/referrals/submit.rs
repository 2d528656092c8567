//! A referrer sends one candidate to a programme.

use super::*;

impl App {
    /// A referrer sends one candidate to a programme.
    pub async fn refer(
        &self,
        actor: &Actor,
        programme_id: Uuid,
        input: &ReferralInput,
    ) -> Result<Uuid, AppError> {
        let programme = self.referable(actor, programme_id).await?;
        self.open_for_referrals(&programme).await?;
        let now = self.now();
        let candidate = input
            .check(this_year(now))
            .map_err(|p| AppError::Invalid(field_errors(&p)))?;
        let scope = TenantScope::of(programme.tenant_id);
        // Checked inside the transaction, after the quota row is locked: concurrent
        // referrals of the same referrer are counted one after the other, and the
        // unique identity keys refuse the same person submitted at once by anyone.
        // The referrer changes the programme's tenant, not their own.
        let txn = self.change_in(scope, Some(actor.user_id)).await?;
        let quota =
            referrals::lock_quota(&*txn, scope, programme.id, actor.organisation_id).await?;
        let standing: HashSet<String> = referrals::standing_keys(&*txn, scope, programme.id)
            .await?
            .into_iter()
            .collect();
        if candidate
            .identity_keys()
            .iter()
            .any(|k| standing.contains(k))
        {
            return Err(AppError::invalid("identity", "already_referred"));
        }
        check_quota(&txn, scope, actor, &programme, quota, 1).await?;
        let id = self
            .insert_referral(&*txn, scope, actor, &programme, &candidate, None, now)
            .await
            .map_err(|e| already_referred_if_unique(e, "identity", "already_referred"))?;
        self.send_advisor_links(
            &*txn,
            scope,
            candidate.advisor_email.iter().cloned().collect(),
            now,
        )
        .await?;
        txn.commit(Audit::tenant(audit_action::SUBMITTED)).await?;
        Ok(id)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn insert_referral(
        &self,
        conn: &impl parcours_db::ConnectionTrait,
        scope: TenantScope,
        actor: &Actor,
        programme: &Programme,
        candidate: &Candidate,
        import_id: Option<Uuid>,
        now: i64,
    ) -> Result<Uuid, AppError> {
        Ok(referrals::insert(
            conn,
            scope,
            NewReferral {
                programme_id: programme.id,
                referrer_org_id: actor.organisation_id,
                submitted_by: actor.user_id,
                import_id,
                candidate,
                expires_at: now + EXPIRES_AFTER_DAYS * DAY_MS,
            },
            now,
        )
        .await?)
    }
}
