//! Many invitations at once from a CSV file `email;prenom;nom;role`: every line is
//! checked first and nothing is written unless all pass (all-or-nothing); the
//! refusals name their line and field so the administrator can correct the text.

use super::*;

/// Lines of staff a file may hold.
pub const MAX_STAFF_IMPORT_ROWS: usize = 500;
/// The header the file starts with.
pub const STAFF_CSV_HEADER: [&str; 4] = ["email", "prenom", "nom", "role"];

/// One refusal in the file: its line (the header is line 1), the field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub field: &'static str,
    pub code: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum StaffImportError {
    /// The refusals, by line; nothing was saved.
    #[error("lines refused")]
    Lines(Vec<LineError>),
    #[error(transparent)]
    App(#[from] AppError),
}

/// A line read from the file, before its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffLine {
    pub line: u64,
    pub invite: StaffInvite,
}

fn line_error(line: u64, field: &'static str, code: &'static str) -> LineError {
    LineError { line, field, code }
}

/// Reads the file into lines; the refusals of its shape (header, columns, size).
pub fn read_staff_csv(text: &str) -> Result<Vec<StaffLine>, Vec<LineError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    let mut header_seen = false;
    // One record per line of the file, numbered as a spreadsheet shows it (the csv
    // reader's own positions skip blank lines): a staff list has no multi-line cells.
    for (index, raw) in text.lines().enumerate() {
        let line = u64::try_from(index).unwrap_or(u64::MAX).saturating_add(1);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(false)
            .flexible(true)
            .from_reader(raw.as_bytes());
        let record = match reader.records().next() {
            None => continue,
            Some(Ok(r)) => r,
            Some(Err(_)) => {
                errors.push(line_error(line, "file", "unreadable"));
                break;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if !header_seen {
            header_seen = true;
            let header: Vec<String> = record.iter().map(|c| c.trim().to_lowercase()).collect();
            if header != STAFF_CSV_HEADER {
                errors.push(line_error(line, "header", "invalid"));
                break;
            }
            continue;
        }
        if record.len() != STAFF_CSV_HEADER.len() {
            errors.push(line_error(line, "columns", "count"));
            continue;
        }
        if lines.len() >= MAX_STAFF_IMPORT_ROWS {
            errors.push(line_error(line, "file", "too_many_rows"));
            break;
        }
        let cell = |i: usize| record.get(i).unwrap_or_default().trim().to_owned();
        lines.push(StaffLine {
            line,
            invite: StaffInvite {
                email: cell(0),
                first_name: cell(1),
                last_name: cell(2),
                role: cell(3),
                organisation_id: None,
            },
        });
    }
    if !header_seen {
        errors.push(line_error(1, "header", "invalid"));
    } else if lines.is_empty() && errors.is_empty() {
        errors.push(line_error(2, "file", "empty"));
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(errors)
    }
}

impl App {
    /// Invites every line of the file, or none: returns how many were invited.
    pub async fn import_staff(&self, actor: &Actor, text: &str) -> Result<usize, StaffImportError> {
        Self::administering(actor)?;
        let lines = read_staff_csv(text).map_err(StaffImportError::Lines)?;
        let mut errors = Vec::new();
        let mut checked = Vec::with_capacity(lines.len());
        let mut seen: Vec<String> = Vec::new();
        for line in &lines {
            // The file holds the operator's own staff only.
            if parse_role(&line.invite.role).is_some_and(|r| !is_staff_role(r)) {
                errors.push(line_error(line.line, "role", "invalid"));
            }
            match self.check_invite(actor, &line.invite).await {
                Ok(invite) => {
                    let key = line.invite.email.trim().to_lowercase();
                    if seen.contains(&key) {
                        errors.push(line_error(line.line, "email", "duplicate"));
                    }
                    seen.push(key);
                    checked.push(invite);
                }
                Err(refused) => errors.extend(
                    refused
                        .into_iter()
                        .map(|e| line_error(line.line, e.field, e.code)),
                ),
            }
        }
        if !errors.is_empty() {
            errors.dedup();
            return Err(StaffImportError::Lines(errors));
        }
        // One unknown password for every new account of the file: nobody signs in with
        // it (each chooses theirs from the link), and hashing once keeps the import fast.
        let hash = self.hash_password(&crate::random_token()).await?;
        let txn = self.change(actor).await?;
        for invite in &checked {
            self.invite_in(&txn, actor, invite, &hash).await?;
            txn.audit(Audit::tenant(audit_action::INVITED)).await?;
        }
        txn.commit(Audit::tenant(audit_action::IMPORTED)).await?;
        Ok(checked.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_numbered_from_the_header() {
        let text =
            "\u{feff}email;prenom;nom;role\r\na@x.fr;Ana;Roux;coach\r\n\r\nb@x.fr;Bo;Li;manager\n";
        let lines = read_staff_csv(text).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].line, 2);
        assert_eq!(lines[0].invite.first_name, "Ana");
        assert_eq!(lines[1].line, 4);
        assert_eq!(lines[1].invite.role, "manager");
    }

    #[test]
    fn a_wrong_header_or_a_short_line_is_refused_with_its_line() {
        assert_eq!(
            read_staff_csv("mail;nom\na;b\n").unwrap_err(),
            vec![line_error(1, "header", "invalid")]
        );
        assert_eq!(
            read_staff_csv("email;prenom;nom;role\na@x.fr;Ana;coach\n").unwrap_err(),
            vec![line_error(2, "columns", "count")]
        );
        assert_eq!(
            read_staff_csv("email;prenom;nom;role\n").unwrap_err(),
            vec![line_error(2, "file", "empty")]
        );
        assert_eq!(
            read_staff_csv("").unwrap_err(),
            vec![line_error(1, "header", "invalid")]
        );
    }
}
