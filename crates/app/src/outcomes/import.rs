//! The historical import of a participants file into a programme, all or nothing.

use super::*;

impl App {
    /// The programme with this slug; created (in `operator`, or the oldest operator,
    /// or a new one) when none exists.
    pub(super) async fn programme_for_import(
        &self,
        conn: &impl parcours_db::ConnectionTrait,
        slug: &str,
        operator: Option<&str>,
        now: i64,
    ) -> Result<(ProgrammeRef, bool, String), ImportFailure> {
        let found = outcomes::unscoped::programmes_by_slug(conn, slug).await?;
        let operator_org = match operator {
            Some(name) => {
                accounts::find_organisation_by_name(conn, OrgKind::Operator, name).await?
            }
            None => None,
        };
        let matching: Vec<_> = found
            .into_iter()
            .filter(|(_, tenant, _, _)| operator_org.as_ref().is_none_or(|o| o.id == *tenant))
            .collect();
        match matching.as_slice() {
            [(id, tenant, funder, min_cell)] => {
                let name = accounts::find_organisation(conn, *tenant)
                    .await?
                    .map(|o| o.name)
                    .unwrap_or_default();
                return Ok((
                    ProgrammeRef {
                        id: *id,
                        tenant: TenantScope::of(*tenant),
                        funder: *funder,
                        min_cell: *min_cell,
                    },
                    false,
                    name,
                ));
            }
            [] => {}
            _ => {
                return Err(ImportFailure::File(format!(
                    "several operators have a programme {slug:?}: name one with --operator"
                )));
            }
        }
        if slug.is_empty()
            || slug.len() > 60
            || !slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(ImportFailure::File(format!(
                "{slug:?} is not a programme slug (lower-case letters, digits and -)"
            )));
        }
        let org = match (operator_org, operator) {
            (Some(o), _) => o,
            (None, Some(name)) => {
                let id = accounts::insert_organisation(conn, OrgKind::Operator, name, now).await?;
                accounts::find_organisation(conn, id)
                    .await?
                    .ok_or(AppError::NotFound)?
            }
            (None, None) => {
                match accounts::organisations_of_kind(conn, OrgKind::Operator)
                    .await?
                    .into_iter()
                    .next()
                {
                    Some(o) => o,
                    None => {
                        let id = accounts::insert_organisation(
                            conn,
                            OrgKind::Operator,
                            "Opérateur",
                            now,
                        )
                        .await?;
                        accounts::find_organisation(conn, id)
                            .await?
                            .ok_or(AppError::NotFound)?
                    }
                }
            }
        };
        let tenant = TenantScope::of(org.id);
        let id = programmes::insert(conn, tenant, None, slug, slug, now).await?;
        Ok((
            ProgrammeRef {
                id,
                tenant,
                funder: None,
                min_cell: None,
            },
            true,
            org.name,
        ))
    }

    /// Imports a participants file (see [`PARTICIPANTS_HEADER`]) into a programme: every
    /// row is checked first; one problem anywhere and nothing is written.
    pub async fn import_participants(
        &self,
        slug: &str,
        operator: Option<&str>,
        bytes: &[u8],
    ) -> Result<ImportSummary, ImportFailure> {
        let now = self.now();
        let this_year = time::OffsetDateTime::now_utc().year();
        let catalog = self.catalog();
        let (rows, mut problems) =
            read_participants(bytes, this_year, catalog.as_ref().map(|c| &c.geo))?;
        let txn = self.change_undecided().await?;
        let (programme, created, operator_name) =
            self.programme_for_import(&txn, slug, operator, now).await?;
        let existing =
            outcomes::existing_external_ids(&txn, programme.tenant, programme.id).await?;
        for (line, (p, _)) in &rows {
            if existing.contains(&p.external_id) {
                problems.push(RowProblem {
                    line: *line,
                    field: "external_id",
                    message: format!("{:?} is already in the programme", p.external_id),
                });
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.line);
            // Dropping the transaction undoes a programme created above.
            return Err(ImportFailure::Rows(problems));
        }
        let mut referrers: HashMap<String, Uuid> = HashMap::new();
        let mut participants = Vec::with_capacity(rows.len());
        let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
        for (_, (mut p, referrer)) in rows {
            if let Some(name) = referrer {
                let id = match referrers.get(&name) {
                    Some(id) => *id,
                    None => {
                        let id = match accounts::find_organisation_by_name(
                            &txn,
                            OrgKind::Referrer,
                            &name,
                        )
                        .await?
                        {
                            Some(o) => o.id,
                            None => {
                                accounts::insert_organisation(&txn, OrgKind::Referrer, &name, now)
                                    .await?
                            }
                        };
                        referrers.insert(name, id);
                        id
                    }
                };
                p.referrer_id = Some(id);
            }
            *by_status.entry(p.status.clone()).or_default() += 1;
            participants.push(p);
        }
        let known: HashSet<Uuid> = programmes::referrers_of(&txn, programme.tenant, programme.id)
            .await?
            .into_iter()
            .collect();
        for id in referrers.values().filter(|id| !known.contains(id)) {
            programmes::add_referrer(&txn, programme.tenant, programme.id, *id).await?;
        }
        outcomes::insert_participants(&txn, programme.tenant, programme.id, &participants, now)
            .await?;
        let txn = txn.in_tenant(programme.tenant, None);
        txn.commit(Audit::tenant(
            crate::audit_action::AuditAction::ParticipantsImported,
        ))
        .await?;
        self.forget_reports().await;
        Ok(ImportSummary {
            programme_id: programme.id,
            programme_created: created,
            operator: operator_name,
            imported: participants.len(),
            by_status,
        })
    }
}
