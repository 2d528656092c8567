//! Importing referrals from a CSV or XLSX file: upload, corrections, commit.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_app::referrals::{FileProblem, ImportFailure, ImportRow, ImportView};
use uuid::Uuid;

use super::*;
use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::i18n::Lang;
use crate::kit::{IdPath, Page, PageResult, field_messages, render, see_other};
use parcours_app::auth::Actor;
use parcours_domain::ids::ReferralImportId;

/// What is wrong with a file, in the reader's words.
pub(super) fn file_message(lang: Lang, problem: &FileProblem) -> String {
    use fluent_templates::fluent_bundle::FluentValue as V;
    use parcours_app::referrals;
    match problem {
        FileProblem::Empty => lang.t("import-error-empty"),
        FileProblem::NotText => lang.t("import-error-not-text"),
        FileProblem::Utf16 => lang.t("import-error-utf16"),
        FileProblem::Workbook => lang.t("import-error-workbook"),
        FileProblem::TooLarge => lang.t("import-error-file-too-large"),
        FileProblem::TooManyColumns { line, found } => lang.t_args(
            "import-error-too-many-columns",
            &[
                ("line", V::from(*line)),
                ("found", V::from(*found)),
                ("max", V::from(referrals::MAX_IMPORT_COLUMNS)),
            ],
        ),
        FileProblem::CellTooLong { line } => lang.t_args(
            "import-error-cell-too-long",
            &[
                ("line", V::from(*line)),
                ("max", V::from(referrals::MAX_CELL_BYTES)),
            ],
        ),
        FileProblem::SheetTooLarge { sheet, cell } => lang.t_args(
            "import-error-sheet-too-large",
            &[
                ("sheet", V::from(sheet.clone())),
                ("cell", V::from(cell.clone())),
                ("rows", V::from(referrals::MAX_SHEET_ROWS)),
                ("columns", V::from(referrals::MAX_IMPORT_COLUMNS)),
            ],
        ),
        FileProblem::WorkbookParts { parts } => lang.t_args(
            "import-error-workbook-parts",
            &[
                ("parts", V::from(*parts)),
                ("max", V::from(referrals::MAX_WORKBOOK_PARTS)),
            ],
        ),
        FileProblem::Inflated { part, limit_mib } => lang.t_args(
            "import-error-inflated",
            &[
                ("part", V::from(part.clone())),
                ("max", V::from(*limit_mib)),
            ],
        ),
        FileProblem::TooManyRows { rows } => lang.t_args(
            "import-error-too-many-rows",
            &[
                ("rows", V::from(*rows)),
                ("max", V::from(parcours_app::referrals::MAX_IMPORT_ROWS)),
            ],
        ),
        FileProblem::MissingColumn { column } => lang.t_args(
            "import-error-missing-column",
            &[(
                "column",
                V::from(lang.t(&format!("import-column-{}", column.replace('_', "-")))),
            )],
        ),
        FileProblem::UnknownColumn { column } => lang.t_args(
            "import-error-unknown-column",
            &[("column", V::from(column.clone()))],
        ),
        FileProblem::Ragged {
            line,
            found,
            expected,
        } => lang.t_args(
            "import-error-ragged",
            &[
                ("line", V::from(*line)),
                ("found", V::from(*found)),
                ("expected", V::from(*expected)),
            ],
        ),
    }
}

/// The referrer uploads a CSV file (multipart: `programme`, `consent`, `file`).
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    mut multipart: Multipart,
) -> PageResult {
    let mut programme = String::new();
    let mut consent = false;
    let mut filename = String::new();
    let mut bytes = Vec::new();
    let mut unreadable = false;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                unreadable = true;
                break;
            }
        };
        match field.name().unwrap_or("") {
            "programme" => programme = field.text().await.unwrap_or_default(),
            "consent" => consent = field.text().await.is_ok_and(|v| v == "yes"),
            "file" => {
                filename = field.file_name().unwrap_or("import.csv").to_owned();
                match field.bytes().await {
                    Ok(b) => bytes = b.to_vec(),
                    Err(_) => unreadable = true,
                }
            }
            _ => {}
        }
    }
    let outcome = if unreadable {
        Err(ImportFailure::App(AppError::invalid("file", "too_large")))
    } else {
        match programme.parse::<Uuid>() {
            Ok(programme) => {
                state
                    .app
                    .start_import(&actor, programme, &filename, &bytes, consent)
                    .await
            }
            Err(_) => Err(ImportFailure::App(AppError::invalid(
                "programme",
                "required",
            ))),
        }
    };
    let refusal = match outcome {
        Ok(id) => return Ok(see_other(&format!("/orientations/import/{id}"))),
        Err(ImportFailure::File(problem)) => vec![file_message(ctx.lang, &problem)],
        Err(ImportFailure::App(AppError::Invalid(errors))) => {
            field_messages(ctx.lang, "import", &errors)
        }
        Err(ImportFailure::App(e)) => return Err(e.into()),
    };
    let view = state.app.referrals(&actor).await?;
    let page = page(
        &ctx,
        view,
        None,
        Vec::new(),
        ReferralForm::default(),
        refusal,
    );
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "referral_import.html")]
pub(super) struct ImportPage {
    p: Page,
    view: ImportView,
    notice: Option<String>,
    errors: Vec<String>,
}

impl ImportPage {
    /// The message of a row's problem, in the reader's words.
    fn problem(&self, field: &str, code: &str) -> String {
        self.p.lang.t(&format!(
            "referral-error-{}-{}",
            field.replace('_', "-"),
            code.replace('_', "-")
        ))
    }
    fn has_problem(&self, row: &parcours_app::referrals::CheckedRow, field: &str) -> bool {
        row.problems.iter().any(|p| p.field == field)
    }
}

pub(super) async fn show_import(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    notice: Option<String>,
    errors: Vec<String>,
    status: StatusCode,
) -> PageResult {
    let view = state.app.import_view(actor, id).await?;
    let page = ImportPage {
        p: Page::new(ctx, ctx.lang.t("import-title")),
        view,
        notice,
        errors,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn import_page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ReferralImportId>,
    Query(q): Query<crate::kit::SavedQuery>,
) -> PageResult {
    show_import(
        &state,
        &ctx,
        &actor,
        id.into(),
        q.notice(ctx.lang),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// Corrections: fields named `l{line}_{field}` and `l{line}_skip`, for the rows shown.
pub async fn correct(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ReferralImportId>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let id = id.uuid();
    let mut rows: HashMap<u64, ImportRow> = HashMap::new();
    for (name, value) in fields {
        let Some(rest) = name.strip_prefix('l') else {
            continue;
        };
        let Some((line, field)) = rest.split_once('_') else {
            continue;
        };
        let Ok(line) = line.parse::<u64>() else {
            continue;
        };
        let row = rows.entry(line).or_insert_with(|| ImportRow {
            line,
            ..ImportRow::default()
        });
        match field {
            "first_name" => row.first_name = value,
            "last_name" => row.last_name = value,
            "birth_date" => row.birth_date = value,
            "email" => row.email = value,
            "phone" => row.phone = value,
            "commune_code" => row.commune_code = value,
            "publics" => row.publics = value,
            "motivation" => row.motivation = value,
            "advisor_email" => row.advisor_email = value,
            "skip" => row.skip = value == "yes",
            _ => {}
        }
    }
    let rows: Vec<ImportRow> = rows.into_values().collect();
    state.app.correct_import(&actor, id, &rows).await?;
    Ok(see_other(&format!("/orientations/import/{id}?saved=1")))
}

pub async fn commit(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ReferralImportId>,
) -> PageResult {
    let id = id.uuid();
    match state.app.commit_import(&actor, id).await {
        Ok(n) => Ok(see_other(&format!("/orientations?imported={n}"))),
        Err(AppError::Invalid(errors)) => {
            let messages = field_messages(ctx.lang, "import", &errors);
            show_import(
                &state,
                &ctx,
                &actor,
                id,
                None,
                messages,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
