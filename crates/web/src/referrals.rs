//! Referrals: the referrer's form, file import and corrections; the manager's decisions
//! and cohorts; the CSV export; and the API.

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use parcours_app::AppError;
use parcours_app::referrals::{FileProblem, ImportFailure, ImportRow, ImportView, ReferralsView};
use parcours_domain::referral::{Public, ReferralInput, ReferralStatus, RefusalReason};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::context::Ctx;
use crate::errors::HttpError;
use crate::i18n::Lang;
use crate::pages::{
    ForgotForm, LinkKind, Page, PageResult, field_messages, link_request, link_request_form,
    parse_id, render, see_other,
};

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct ReferralForm {
    programme: String,
    first_name: String,
    last_name: String,
    birth_date: String,
    email: String,
    phone: String,
    commune_code: String,
    publics: Vec<String>,
    motivation: String,
    advisor_email: String,
    /// A checkbox: "yes" when ticked.
    consent: String,
}

#[derive(Template)]
#[template(path = "referrals.html")]
struct ReferralsPage {
    p: Page,
    view: ReferralsView,
    notice: Option<String>,
    errors: Vec<String>,
    form: ReferralForm,
    import_errors: Vec<String>,
    publics: Vec<(&'static str, String)>,
    reasons: Vec<(&'static str, String)>,
}

impl ReferralsPage {
    fn status(&self, s: &ReferralStatus) -> String {
        self.p.coded("referral-status", s.code())
    }
    fn reason(&self, r: &RefusalReason) -> String {
        self.p.coded("refusal-reason", &r.code().replace('_', "-"))
    }
    fn public_checked(&self, code: &str) -> bool {
        self.form.publics.iter().any(|p| p == code)
    }
    fn publics_of(&self, codes: &str) -> String {
        codes
            .split(';')
            .filter(|c| !c.is_empty())
            .map(|c| self.p.coded("public", &c.replace('_', "-")))
            .collect::<Vec<_>>()
            .join(", ")
    }
    fn gaps(&self, gaps: &[parcours_domain::referral::Gap]) -> String {
        gaps.iter()
            .map(|g| self.p.coded("eligibility-gap", g.code()))
            .collect::<Vec<_>>()
            .join(", ")
    }
    fn cohorts_of(&self, programme: &Uuid) -> Vec<(Uuid, String)> {
        self.view
            .cohorts
            .iter()
            .filter(|c| c.programme_id == *programme)
            .map(|c| (c.id, format!("{} ({})", c.name, c.starts_on)))
            .collect()
    }
}

fn publics(lang: Lang) -> Vec<(&'static str, String)> {
    Public::ALL
        .iter()
        .map(|p| {
            (
                p.code(),
                lang.t(&format!("public-{}", p.code().replace('_', "-"))),
            )
        })
        .collect()
}

fn reasons(lang: Lang) -> Vec<(&'static str, String)> {
    RefusalReason::ALL
        .iter()
        .map(|r| {
            (
                r.code(),
                lang.t(&format!("refusal-reason-{}", r.code().replace('_', "-"))),
            )
        })
        .collect()
}

fn page(
    ctx: &Ctx,
    view: ReferralsView,
    notice: Option<String>,
    errors: Vec<String>,
    form: ReferralForm,
    import_errors: Vec<String>,
) -> ReferralsPage {
    ReferralsPage {
        p: Page::new(ctx, ctx.lang.t("referrals-title")),
        view,
        notice,
        errors,
        form,
        import_errors,
        publics: publics(ctx.lang),
        reasons: reasons(ctx.lang),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ReferralsQuery {
    saved: String,
    imported: Option<usize>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ReferralsQuery>,
) -> PageResult {
    let view = state.app.referrals(ctx.actor()?).await?;
    let notice = match q.imported {
        Some(n) => Some(ctx.lang.t_args(
            "referrals-imported",
            &[(
                "count",
                fluent_templates::fluent_bundle::FluentValue::from(n),
            )],
        )),
        None => (!q.saved.is_empty()).then(|| ctx.lang.t("saved-notice")),
    };
    let page = page(
        &ctx,
        view,
        notice,
        Vec::new(),
        ReferralForm::default(),
        Vec::new(),
    );
    Ok(render(&page)?.into_response())
}

/// A referring advisor without an account asks for a new link to their referrals.
pub async fn advisor_request_page(ctx: Ctx) -> PageResult {
    link_request_form(&ctx, "", LinkKind::AdvisorFollow).respond(StatusCode::OK)
}

pub async fn advisor_request_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(form): axum::Form<ForgotForm>,
) -> PageResult {
    link_request(&state, &ctx, &form.email, LinkKind::AdvisorFollow).await
}

/// The referrals an advisor follows, from the link emailed to them (no account); an
/// unknown or expired link offers to send a new one.
pub async fn advisor_follow(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> PageResult {
    match state.app.advisor_referrals(&token).await {
        Ok(view) => {
            let mut page = page(
                &ctx,
                view,
                None,
                Vec::new(),
                ReferralForm::default(),
                Vec::new(),
            );
            page.p.title = ctx.lang.t("advisor-follow-title");
            Ok(([(header::REFERRER_POLICY, "no-referrer")], render(&page)?).into_response())
        }
        Err(AppError::NotFound) => {
            let mut page = link_request_form(&ctx, "", LinkKind::AdvisorFollow);
            page.intro = Some(ctx.lang.t("advisor-link-expired"));
            page.respond(StatusCode::GONE)
        }
        Err(e) => Err(e.into()),
    }
}

fn input_of(form: &ReferralForm) -> ReferralInput {
    ReferralInput {
        first_name: form.first_name.clone(),
        last_name: form.last_name.clone(),
        birth_date: form.birth_date.clone(),
        email: form.email.clone(),
        phone: form.phone.clone(),
        commune_code: form.commune_code.clone(),
        publics: form.publics.join(";"),
        motivation: form.motivation.clone(),
        advisor_email: form.advisor_email.clone(),
        consent: form.consent == "yes",
    }
}

/// The form as sent: publics is a group of checkboxes (a repeated key).
fn referral_form(fields: Vec<(String, String)>) -> ReferralForm {
    let mut form = ReferralForm::default();
    for (name, value) in fields {
        match name.as_str() {
            "programme" => form.programme = value,
            "first_name" => form.first_name = value,
            "last_name" => form.last_name = value,
            "birth_date" => form.birth_date = value,
            "email" => form.email = value,
            "phone" => form.phone = value,
            "commune_code" => form.commune_code = value,
            "publics" => form.publics.push(value),
            "motivation" => form.motivation = value,
            "advisor_email" => form.advisor_email = value,
            "consent" => form.consent = value,
            _ => {}
        }
    }
    form
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = ctx.actor()?;
    let form = referral_form(fields);
    let outcome = match form.programme.parse::<Uuid>() {
        Ok(programme) => state.app.refer(actor, programme, &input_of(&form)).await,
        Err(_) => Err(AppError::invalid("programme", "required")),
    };
    match outcome {
        Ok(_) => Ok(see_other("/orientations?saved=1")),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.referrals(actor).await?;
            let messages = field_messages(ctx.lang, "referral", &errors);
            let page = page(&ctx, view, None, messages, form, Vec::new());
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// What is wrong with a file, in the reader's words.
fn file_message(lang: Lang, problem: &FileProblem) -> String {
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
    mut multipart: Multipart,
) -> PageResult {
    let actor = ctx.actor()?;
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
                    .start_import(actor, programme, &filename, &bytes, consent)
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
    let view = state.app.referrals(actor).await?;
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
struct ImportPage {
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

async fn show_import(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    notice: Option<String>,
    errors: Vec<String>,
    status: StatusCode,
) -> PageResult {
    let view = state.app.import_view(ctx.actor()?, id).await?;
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
    Path(id): Path<String>,
    Query(q): Query<crate::pages::SavedQuery>,
) -> PageResult {
    show_import(
        &state,
        &ctx,
        parse_id(&id)?,
        q.notice(ctx.lang),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// Corrections: fields named `l{line}_{field}` and `l{line}_skip`, for the rows shown.
pub async fn correct(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let id = parse_id(&id)?;
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
    state.app.correct_import(ctx.actor()?, id, &rows).await?;
    Ok(see_other(&format!("/orientations/import/{id}?saved=1")))
}

pub async fn commit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let id = parse_id(&id)?;
    match state.app.commit_import(ctx.actor()?, id).await {
        Ok(n) => Ok(see_other(&format!("/orientations?imported={n}"))),
        Err(AppError::Invalid(errors)) => {
            let messages = field_messages(ctx.lang, "import", &errors);
            show_import(
                &state,
                &ctx,
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

#[derive(Debug, Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct DecisionForm {
    /// `accept` or `refuse`.
    pub decision: String,
    /// For an acceptance: a cohort of the programme (optional).
    pub cohort: String,
    /// For a refusal: one of not_eligible, programme_full, unreachable,
    /// declined_by_person, duplicate, better_elsewhere.
    pub reason: String,
}

async fn decide_with(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    form: &DecisionForm,
) -> Result<(), AppError> {
    let actor = ctx.actor().map_err(|_| AppError::Unauthenticated)?;
    match form.decision.as_str() {
        "accept" => state
            .app
            .accept_referral(actor, id, &form.cohort)
            .await
            .map(|_| ()),
        "refuse" => state.app.refuse_referral(actor, id, &form.reason).await,
        _ => Err(AppError::invalid("decision", "required")),
    }
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<DecisionForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    match decide_with(&state, &ctx, id, &form).await {
        Ok(()) => Ok(see_other(&format!("/orientations?saved=1#referral-{id}"))),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.referrals(ctx.actor()?).await?;
            let messages = field_messages(ctx.lang, "referral", &errors);
            let page = page(
                &ctx,
                view,
                None,
                messages,
                ReferralForm::default(),
                Vec::new(),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct CohortForm {
    programme: String,
    name: String,
    starts_on: String,
    capacity: String,
}

pub async fn add_cohort(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(form): axum::Form<CohortForm>,
) -> PageResult {
    let actor = ctx.actor()?;
    let outcome = match form.programme.parse::<Uuid>() {
        Ok(programme) => {
            state
                .app
                .add_cohort(
                    actor,
                    programme,
                    &form.name,
                    &form.starts_on,
                    &form.capacity,
                )
                .await
        }
        Err(_) => Err(AppError::invalid("programme", "unknown")),
    };
    match outcome {
        Ok(_) => Ok(see_other("/orientations?saved=1#cohorts")),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.referrals(actor).await?;
            let messages = field_messages(ctx.lang, "cohort", &errors);
            let page = page(
                &ctx,
                view,
                None,
                messages,
                ReferralForm::default(),
                Vec::new(),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A cell a spreadsheet would run as a formula is written as text (a leading quote).
/// A CSV download for French Excel: `;`, a BOM, every cell safe from formula
/// evaluation, never cached on the way.
pub(crate) fn csv_attachment(
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
    filename: &str,
) -> Result<Response, HttpError> {
    let fail = |e: csv::Error| HttpError::Internal(format!("csv: {e}"));
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    writer.write_record(header).map_err(fail)?;
    for row in rows {
        writer
            .write_record(row.iter().map(|c| spreadsheet_safe(c)))
            .map_err(fail)?;
    }
    let mut body = "\u{feff}".as_bytes().to_vec();
    body.extend(
        writer
            .into_inner()
            .map_err(|e| HttpError::Internal(format!("csv: {e}")))?,
    );
    Ok(attachment("text/csv; charset=utf-8", filename, body))
}

/// A file to download, never cached (exports hold personal or programme data).
pub(crate) fn attachment(content_type: &str, filename: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

pub(crate) fn spreadsheet_safe(cell: &str) -> String {
    if parcours_domain::referral::looks_like_formula(cell) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// The manager's export of the referrals received: `;`-separated with a BOM, so that
/// French Excel opens it as it is; no cell can run as a formula.
pub async fn export(State(state): State<AppState>, ctx: Ctx) -> Result<Response, HttpError> {
    let actor = ctx.actor()?;
    let view = state.app.referrals(actor).await?;
    if !view.deciding {
        return Err(HttpError::Forbidden);
    }
    let header = [
        "programme",
        "referrer",
        "first_name",
        "last_name",
        "birth_date",
        "email",
        "phone",
        "commune_code",
        "publics",
        "status",
        "refusal_reason",
        "submitted_on",
    ];
    let rows = view.lines.iter().map(|line| {
        let r = &line.referral;
        [
            line.programme_name.clone(),
            line.referrer_name.clone(),
            r.first_name.clone(),
            r.last_name.clone(),
            r.birth_date.clone(),
            r.email.clone().unwrap_or_default(),
            r.phone.clone().unwrap_or_default(),
            r.commune_code.clone().unwrap_or_default(),
            r.publics.clone(),
            r.status.code().to_owned(),
            r.refusal_reason
                .map(|x| x.code().to_owned())
                .unwrap_or_default(),
            crate::pages::iso_date(r.created_at),
        ]
        .to_vec()
    });
    csv_attachment(&header, rows, "orientations.csv")
}

#[derive(Serialize, ToSchema)]
pub struct ReferralDto {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub programme: String,
    pub referrer: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: String,
    /// submitted | accepted | refused | expired
    pub status: String,
    pub refusal_reason: Option<String>,
    pub cohort_id: Option<Uuid>,
    /// The person's file, once accepted (managers only).
    pub person_id: Option<Uuid>,
    /// The bilan's phase, when the person lets their referrer see it.
    pub milestone: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// The referrals the caller sent (referrer) or received (manager), newest first.
#[utoipa::path(get, path = "/api/v1/referrals",
    responses(
        (status = 200, description = "The referrals", body = [ReferralDto]),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only referrers and programme managers")
))]
pub async fn api_list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<ReferralDto>>, HttpError> {
    let view = state.app.referrals(ctx.actor()?).await?;
    let deciding = view.deciding;
    Ok(Json(
        view.lines
            .into_iter()
            .map(|l| ReferralDto {
                id: l.referral.id,
                programme_id: l.referral.programme_id,
                programme: l.programme_name,
                referrer: l.referrer_name,
                first_name: l.referral.first_name,
                last_name: l.referral.last_name,
                birth_date: l.referral.birth_date,
                status: l.referral.status.code().to_owned(),
                refusal_reason: l.referral.refusal_reason.map(|r| r.code().to_owned()),
                cohort_id: l.referral.cohort_id,
                person_id: if deciding { l.referral.person_id } else { None },
                milestone: l.milestone.map(|p| p.code().to_owned()),
                created_at: l.referral.created_at,
                expires_at: l.referral.expires_at,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewReferralDto {
    pub programme_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    /// YYYY-MM-DD (or DD/MM/YYYY).
    pub birth_date: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub commune_code: String,
    /// Codes among qpv, zrr, youth, single_parent, social_minima, rqth, low_qualification.
    #[serde(default)]
    pub publics: Vec<String>,
    #[serde(default)]
    pub motivation: String,
    /// The advisor following the person, when they have no account: a link to follow
    /// the referral is emailed to this address.
    #[serde(default)]
    pub advisor_email: String,
    /// The person agreed to be referred; must be true.
    #[serde(default)]
    pub consent: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ReferralCreatedDto {
    pub id: Uuid,
}

/// A referrer sends a candidate to a programme it refers to.
#[utoipa::path(post, path = "/api/v1/referrals",
    request_body = NewReferralDto,
    responses(
        (status = 201, description = "Submitted", body = ReferralCreatedDto),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only referrers of the programme"),
        (status = 422, description = "A field is refused, or the person is already referred; nothing saved", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(dto): Json<NewReferralDto>,
) -> Result<(StatusCode, Json<ReferralCreatedDto>), HttpError> {
    let input = ReferralInput {
        first_name: dto.first_name,
        last_name: dto.last_name,
        birth_date: dto.birth_date,
        email: dto.email,
        phone: dto.phone,
        commune_code: dto.commune_code,
        publics: dto.publics.join(";"),
        motivation: dto.motivation,
        advisor_email: dto.advisor_email,
        consent: dto.consent,
    };
    let id = state
        .app
        .refer(ctx.actor()?, dto.programme_id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(ReferralCreatedDto { id })))
}

/// The manager accepts (into a cohort) or refuses (with a reason) a submitted referral.
#[utoipa::path(put, path = "/api/v1/referrals/{id}/decision",
    params(("id" = Uuid, Path, description = "Referral id")),
    request_body = DecisionForm,
    responses(
        (status = 204, description = "Decided"),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Only the operator's programme managers"),
        (status = 404, description = "No such referral for your organisation"),
        (status = 422, description = "Unknown decision, reason or cohort, or already decided", body = crate::errors::Problem, content_type = "application/problem+json")
))]
pub async fn api_decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(form): Json<DecisionForm>,
) -> Result<StatusCode, HttpError> {
    decide_with(&state, &ctx, parse_id(&id)?, &form).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct EvidenceForm {
    /// "yes" once the proofs were seen, anything else to take it back.
    seen: String,
}

pub async fn evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<EvidenceForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    state
        .app
        .check_evidence(ctx.actor()?, id, form.seen == "yes")
        .await?;
    Ok(see_other(&format!("/orientations?saved=1#referral-{id}")))
}

#[derive(Template)]
#[template(path = "programme_settings.html")]
struct SettingsPage {
    p: Page,
    settings: parcours_app::referrals::ProgrammeSettings,
    notice: Option<String>,
    errors: Vec<String>,
    publics: Vec<(&'static str, String)>,
}

impl SettingsPage {
    fn has_public(&self, code: &str) -> bool {
        self.settings.rules.publics.iter().any(|p| p == code)
    }
    fn opt(&self, v: &Option<i32>) -> String {
        v.map(|n| n.to_string()).unwrap_or_default()
    }
}

async fn settings_page(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    notice: Option<String>,
    errors: Vec<String>,
) -> PageResult {
    let settings = state.app.programme_settings(ctx.actor()?, id).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = SettingsPage {
        p: Page::new(
            ctx,
            ctx.lang.t_args(
                "programme-settings-of",
                &[(
                    "name",
                    fluent_templates::fluent_bundle::FluentValue::from(
                        settings.programme.name.clone(),
                    ),
                )],
            ),
        ),
        settings,
        notice,
        errors,
        publics: publics(ctx.lang),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<crate::pages::SavedQuery>,
) -> PageResult {
    settings_page(&state, &ctx, parse_id(&id)?, q.notice(ctx.lang), Vec::new()).await
}

/// The settings form: plain fields, repeated `publics`, and `quota_{organisation}`.
pub async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let id = parse_id(&id)?;
    let mut input = parcours_app::referrals::SettingsInput::default();
    for (name, value) in fields {
        match name.as_str() {
            "co_pilots" => input.co_pilots = value,
            "departements" => input.departements = value,
            "publics" => input.publics.push(value),
            "min_age" => input.min_age = value,
            "max_age" => input.max_age = value,
            "starts_on" => input.starts_on = value,
            "ends_on" => input.ends_on = value,
            other => {
                if let Some(org) = other.strip_prefix("quota_").and_then(|o| o.parse().ok()) {
                    input.quotas.push((org, value));
                }
            }
        }
    }
    match state
        .app
        .save_programme_settings(ctx.actor()?, id, &input)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/programmes/{id}?saved=1"))),
        Err(AppError::Invalid(errors)) => {
            let messages = field_messages(ctx.lang, "programme", &errors);
            settings_page(&state, &ctx, id, None, messages).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn cells_that_would_run_as_formulas_are_written_as_text() {
        assert_eq!(
            spreadsheet_safe("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("-2+3"), "'-2+3");
        assert_eq!(spreadsheet_safe("Gaël Lévy"), "Gaël Lévy");
        assert_eq!(spreadsheet_safe("2026-11-23"), "2026-11-23");
    }
}
