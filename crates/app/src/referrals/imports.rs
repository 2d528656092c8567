//! A referrer's file: uploaded and kept aside, corrected row by row, then referred
//! whole in one transaction.

use super::*;

impl App {
    /// A referrer uploads a file: it is read and kept aside, nothing is referred yet.
    /// The whole file is refused when it cannot be read as a table.
    pub async fn start_import(
        &self,
        actor: &Actor,
        programme_id: Uuid,
        filename: &str,
        bytes: &[u8],
        consent: bool,
    ) -> Result<Uuid, ImportFailure> {
        let programme = self.referable(actor, programme_id).await?;
        self.open_for_referrals(&programme).await?;
        if !consent {
            return Err(AppError::invalid("consent", "required").into());
        }
        let (rows, encoding) = parse_import(bytes).map_err(ImportFailure::File)?;
        let json = serde_json::to_string(&rows)
            .map_err(|e| AppError::Internal(format!("import rows: {e}")))?;
        let name: String = filename.chars().take(120).collect();
        let scope = TenantScope::of(programme.tenant_id);
        // The referrer changes the programme's tenant, not their own.
        let txn = self.change_in(scope, Some(actor.user_id)).await?;
        let id = referrals::insert_import(
            &*txn,
            scope,
            NewImport {
                programme_id: programme.id,
                referrer_org_id: actor.organisation_id,
                uploaded_by: actor.user_id,
                filename: &name,
                encoding,
                rows: &json,
            },
            txn.at(),
        )
        .await?;
        txn.commit(Audit::tenant(audit_action::IMPORT_UPLOADED))
            .await?;
        Ok(id)
    }

    async fn import_of(
        &self,
        actor: &Actor,
        import_id: Uuid,
    ) -> Result<(TenantScope, referrals::Import, Programme, Vec<ImportRow>), AppError> {
        if actor.role != Role::Referrer {
            return Err(AppError::Forbidden);
        }
        let Some((tenant, import)) =
            referrals::find_import(self.db(), actor.referrer_scope(), import_id).await?
        else {
            return Err(AppError::NotFound);
        };
        let programme = self.referable(actor, import.programme_id).await?;
        let rows: Vec<ImportRow> = serde_json::from_str(&import.rows)
            .map_err(|e| AppError::Internal(format!("import rows: {e}")))?;
        Ok((TenantScope::of(tenant), import, programme, rows))
    }

    async fn checked(
        &self,
        programme: &Programme,
        rows: &[ImportRow],
    ) -> Result<Vec<CheckedRow>, AppError> {
        let standing: HashSet<String> = referrals::standing_keys(
            self.db(),
            TenantScope::of(programme.tenant_id),
            programme.id,
        )
        .await?
        .into_iter()
        .collect();
        Ok(check_rows(rows, &standing, this_year(self.now())))
    }

    pub async fn import_view(
        &self,
        actor: &Actor,
        import_id: Uuid,
    ) -> Result<ImportView, AppError> {
        let (_, import, programme, rows) = self.import_of(actor, import_id).await?;
        let checked = self.checked(&programme, &rows).await?;
        let skipped = checked.iter().filter(|c| c.row.skip).count();
        let ready = checked
            .iter()
            .filter(|c| !c.row.skip && c.problems.is_empty())
            .count();
        Ok(ImportView {
            id: import.id,
            filename: import.filename,
            encoding: import.encoding,
            pending: import.status == "pending",
            to_fix: checked
                .into_iter()
                .filter(|c| !c.problems.is_empty() || c.row.skip)
                .collect(),
            ready,
            skipped,
            programme,
        })
    }

    /// Saves the referrer's corrections of some rows (by line); other rows stay as they are.
    pub async fn correct_import(
        &self,
        actor: &Actor,
        import_id: Uuid,
        corrections: &[ImportRow],
    ) -> Result<(), AppError> {
        let (scope, import, _, mut rows) = self.import_of(actor, import_id).await?;
        if import.status != "pending" {
            return Err(AppError::invalid("import", "closed"));
        }
        for fix in corrections {
            if let Some(row) = rows.iter_mut().find(|r| r.line == fix.line) {
                *row = fix.clone();
            }
        }
        let json = serde_json::to_string(&rows)
            .map_err(|e| AppError::Internal(format!("import rows: {e}")))?;
        let txn = self.change_in(scope, Some(actor.user_id)).await?;
        referrals::update_import_rows(&*txn, scope, import.id, &json).await?;
        txn.commit(Audit::tenant(audit_action::IMPORT_CORRECTED))
            .await?;
        Ok(())
    }

    /// Refers every row not left out, in one transaction, once no row has a problem;
    /// otherwise nothing is written.
    pub async fn commit_import(&self, actor: &Actor, import_id: Uuid) -> Result<usize, AppError> {
        let (scope, import, programme, rows) = self.import_of(actor, import_id).await?;
        if import.status != "pending" {
            return Err(AppError::invalid("import", "closed"));
        }
        self.open_for_referrals(&programme).await?;
        let checked = self.checked(&programme, &rows).await?;
        if checked.iter().any(|c| !c.problems.is_empty()) {
            return Err(AppError::invalid("import", "rows_to_fix"));
        }
        let ready = checked.iter().filter(|c| !c.row.skip).count();
        let now = self.now();
        let year = this_year(now);
        // The referrer changes the programme's tenant, not their own.
        let txn = self.change_in(scope, Some(actor.user_id)).await?;
        // Closing first is a write: a second commit of the same import waits, then
        // finds it closed. The quota is counted under its lock, as for one referral.
        if !referrals::close_import(&*txn, scope, import.id, "committed", now).await? {
            return Err(AppError::invalid("import", "closed"));
        }
        let quota =
            referrals::lock_quota(&*txn, scope, programme.id, actor.organisation_id).await?;
        check_quota(
            &txn,
            scope,
            actor,
            &programme,
            quota,
            u64::try_from(ready).unwrap_or(u64::MAX),
        )
        .await?;
        let mut count = 0;
        let mut advisors = std::collections::BTreeSet::new();
        for row in checked.iter().filter(|c| !c.row.skip) {
            let candidate = row
                .row
                .input()
                .check(year)
                .map_err(|p| AppError::Invalid(field_errors(&p)))?;
            // A person referred meanwhile by someone else: nothing of the file is kept,
            // and the file's page then shows the row to fix, as it would have before.
            self.insert_referral(
                &*txn,
                scope,
                actor,
                &programme,
                &candidate,
                Some(import.id),
                now,
            )
            .await
            .map_err(|e| already_referred_if_unique(e, "import", "rows_to_fix"))?;
            advisors.extend(candidate.advisor_email);
            count += 1;
        }
        self.send_advisor_links(&*txn, scope, advisors, now).await?;
        txn.commit(Audit::tenant(audit_action::IMPORTED)).await?;
        Ok(count)
    }
}

/// An import refused: a field of the upload form, or the file itself.
#[derive(Debug)]
pub enum ImportFailure {
    App(AppError),
    File(FileProblem),
}

impl From<AppError> for ImportFailure {
    fn from(e: AppError) -> Self {
        ImportFailure::App(e)
    }
}

impl From<parcours_db::DbErr> for ImportFailure {
    fn from(e: parcours_db::DbErr) -> Self {
        ImportFailure::App(e.into())
    }
}
