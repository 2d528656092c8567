//! Outcomes: the programme's results for its manager and funder (charts with their data
//! tables, a CSV export), and a person's exit and follow-up facts recorded by the coach.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use parcours_app::AppError;
use parcours_app::outcomes::{PersonOutcomes, ProgrammeReport};
use parcours_domain::outcome::{
    Figure, OutcomeInput, ParticipantStatus, ParticipantsFigure, Section, Situation,
};
use parcours_domain::placement::ContractType;
use serde::Deserialize;

use crate::AppState;
use crate::context::Ctx;
use crate::errors::HttpError;
use crate::i18n::Lang;
use crate::pages::{Page, PageResult, SavedQuery, field_messages, parse_id, render, see_other};

/// One line of a chart and its table.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    /// None: suppressed.
    pub count: Option<u64>,
    pub percent: Option<f64>,
    /// Bar length in the 0–100 viewBox.
    pub width: f64,
}

fn bar(label: String, f: &Figure) -> Bar {
    match f {
        Figure::Shown { count, percent } => Bar {
            label,
            count: Some(*count),
            percent: Some(*percent),
            width: percent.clamp(0.0, 100.0),
        },
        Figure::Hidden { .. } => Bar {
            label,
            count: None,
            percent: None,
            width: 0.0,
        },
    }
}

/// One row of a breakdown table.
#[derive(Debug, Clone)]
pub struct BreakdownRow {
    pub key: String,
    pub participants: Option<u64>,
    pub finished: Bar,
    pub dropped: Bar,
    pub durable: Bar,
    pub dynamic: Bar,
}

#[derive(Debug, Clone)]
pub struct Chart {
    pub id: &'static str,
    pub title: String,
    pub bars: Vec<Bar>,
}

impl BreakdownRow {
    pub fn cells(&self) -> [&Bar; 4] {
        [&self.finished, &self.dropped, &self.durable, &self.dynamic]
    }
}

#[derive(Debug, Clone)]
pub struct Breakdown {
    pub id: &'static str,
    pub title: String,
    pub rows: Vec<BreakdownRow>,
}

#[derive(Template)]
#[template(path = "outcomes.html")]
struct OutcomesPage {
    p: Page,
    view: ProgrammeReport,
    notice: Option<String>,
    errors: Vec<String>,
    participants: Option<u64>,
    /// Status, outcomes at exit, labels, and dynamic exits by entry quarter (outcomes
    /// over time).
    charts: Vec<Chart>,
    breakdowns: Vec<Breakdown>,
    definitions: Vec<(String, String)>,
}

fn participants_of(s: &Section) -> Option<u64> {
    match s.participants {
        ParticipantsFigure::Count(n) => Some(n),
        ParticipantsFigure::Hidden { .. } => None,
    }
}

fn status_label(lang: Lang, s: ParticipantStatus) -> String {
    lang.t(&format!(
        "participant-status-{}",
        s.code().replace('_', "-")
    ))
}

fn situation_label(lang: Lang, s: Situation) -> String {
    lang.t(&format!("situation-{}", s.code().replace('_', "-")))
}

fn hidden() -> Figure {
    Figure::Hidden { suppressed: true }
}

fn breakdown_rows(
    lang: Lang,
    rows: &std::collections::BTreeMap<String, Section>,
    key_label: impl Fn(&str) -> String,
) -> Vec<BreakdownRow> {
    rows.iter()
        .map(|(key, s)| BreakdownRow {
            key: key_label(key),
            participants: participants_of(s),
            finished: bar(
                status_label(lang, ParticipantStatus::Finished),
                s.status
                    .get(&ParticipantStatus::Finished)
                    .unwrap_or(&hidden()),
            ),
            dropped: bar(
                status_label(lang, ParticipantStatus::Dropped),
                s.status
                    .get(&ParticipantStatus::Dropped)
                    .unwrap_or(&hidden()),
            ),
            durable: bar(lang.t("label-durable"), &s.durable_employment),
            dynamic: bar(lang.t("label-dynamic"), &s.dynamic_exits),
        })
        .collect()
}

fn outcomes_page(
    ctx: &Ctx,
    view: ProgrammeReport,
    notice: Option<String>,
    errors: Vec<String>,
) -> OutcomesPage {
    let lang = ctx.lang;
    let r = &view.report;
    let status: Vec<Bar> = r
        .overall
        .status
        .iter()
        .map(|(k, f)| bar(status_label(lang, *k), f))
        .collect();
    let outcomes: Vec<Bar> = r
        .overall
        .outcomes_among_finished
        .iter()
        .map(|(k, f)| bar(situation_label(lang, *k), f))
        .collect();
    let labels = vec![
        bar(lang.t("label-durable"), &r.overall.durable_employment),
        bar(lang.t("label-transition"), &r.overall.transition_employment),
        bar(lang.t("label-positive"), &r.overall.positive_exits),
        bar(lang.t("label-dynamic"), &r.overall.dynamic_exits),
    ];
    let unknown = lang.t("outcomes-unknown");
    let named = |k: &str| {
        if k == parcours_domain::outcome::UNKNOWN {
            unknown.clone()
        } else {
            k.to_owned()
        }
    };
    let breakdowns = vec![
        Breakdown {
            id: "by-public",
            title: lang.t("outcomes-by-public"),
            rows: breakdown_rows(lang, &r.by_public, |k| {
                lang.t(&format!("public-{}", k.replace('_', "-")))
            }),
        },
        Breakdown {
            id: "by-referrer",
            title: lang.t("outcomes-by-referrer"),
            rows: breakdown_rows(lang, &r.by_referrer, named),
        },
        Breakdown {
            id: "by-departement",
            title: lang.t("outcomes-by-departement"),
            rows: breakdown_rows(lang, &r.by_departement, named),
        },
        Breakdown {
            id: "by-quarter",
            title: lang.t("outcomes-by-quarter"),
            rows: breakdown_rows(lang, &r.by_entry_quarter, named),
        },
    ];
    let over_time: Vec<Bar> = r
        .by_entry_quarter
        .iter()
        .map(|(k, s)| bar(named(k), &s.dynamic_exits))
        .collect();
    let definitions = parcours_domain::outcome::DEFINITIONS
        .iter()
        .map(|(k, _)| {
            (
                lang.t(&format!("outcomes-term-{}", k.replace('_', "-"))),
                lang.t(&format!("outcomes-def-{}", k.replace('_', "-"))),
            )
        })
        .collect();
    OutcomesPage {
        p: Page::new(
            ctx,
            lang.t_args(
                "outcomes-title",
                &[(
                    "name",
                    fluent_templates::fluent_bundle::FluentValue::from(view.programme.name.clone()),
                )],
            ),
        ),
        participants: participants_of(&r.overall),
        charts: vec![
            Chart {
                id: "status",
                title: lang.t("outcomes-status-title"),
                bars: status,
            },
            Chart {
                id: "exit",
                title: lang.t("outcomes-exit-title"),
                bars: outcomes,
            },
            Chart {
                id: "labels",
                title: lang.t("outcomes-labels-title"),
                bars: labels,
            },
            Chart {
                id: "over-time",
                title: lang.t("outcomes-over-time-title"),
                bars: over_time,
            },
        ],
        breakdowns,
        definitions,
        view,
        notice,
        errors,
    }
}

pub async fn results(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let view = state
        .app
        .programme_report(ctx.actor()?, parse_id(&id)?)
        .await?;
    let page = outcomes_page(&ctx, view, q.notice(ctx.lang), Vec::new());
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct MinCellForm {
    min_cell: String,
}

pub async fn set_min_cell(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<MinCellForm>,
) -> PageResult {
    let actor = ctx.actor()?;
    let programme = parse_id(&id)?;
    match state
        .app
        .set_programme_min_cell(actor, programme, &form.min_cell)
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/programmes/{programme}/resultats?saved=1"
        ))),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.programme_report(actor, programme).await?;
            let messages = field_messages(ctx.lang, "outcomes", &errors);
            let page = outcomes_page(&ctx, view, None, messages);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct RuleForm {
    durable_months: String,
    /// "yes" when a business created counts as durable employment.
    business_is_durable: String,
}

pub async fn change_rule(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<RuleForm>,
) -> PageResult {
    let actor = ctx.actor()?;
    let programme = parse_id(&id)?;
    match state
        .app
        .change_label_rule(
            actor,
            programme,
            &form.durable_months,
            form.business_is_durable == "yes",
        )
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/programmes/{programme}/resultats?saved=1"
        ))),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.programme_report(actor, programme).await?;
            let messages = field_messages(ctx.lang, "outcomes", &errors);
            let page = outcomes_page(&ctx, view, None, messages);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn csv_figure(f: &Figure) -> [String; 2] {
    match f {
        Figure::Shown { count, percent } => [count.to_string(), format!("{percent:.1}")],
        Figure::Hidden { .. } => ["suppressed".into(), "suppressed".into()],
    }
}

fn csv_section(out: &mut Vec<[String; 5]>, group: &str, key: &str, s: &Section) {
    let participants =
        participants_of(s).map_or_else(|| "suppressed".to_owned(), |n| n.to_string());
    out.push([
        group.into(),
        key.into(),
        "participants".into(),
        participants,
        String::new(),
    ]);
    for (k, f) in &s.status {
        let [c, p] = csv_figure(f);
        out.push([
            group.into(),
            key.into(),
            format!("status.{}", k.code()),
            c,
            p,
        ]);
    }
    for (k, f) in &s.outcomes_among_finished {
        let [c, p] = csv_figure(f);
        out.push([
            group.into(),
            key.into(),
            format!("outcome.{}", k.code()),
            c,
            p,
        ]);
    }
    for (k, f) in [
        ("durable_employment", &s.durable_employment),
        ("transition_employment", &s.transition_employment),
        ("positive_exits", &s.positive_exits),
        ("dynamic_exits", &s.dynamic_exits),
    ] {
        let [c, p] = csv_figure(f);
        out.push([group.into(), key.into(), k.into(), c, p]);
    }
}

/// The report as lines of a spreadsheet, one figure per line (CSV and XLSX alike).
fn report_lines(view: &ProgrammeReport) -> Vec<[String; 5]> {
    let r = &view.report;
    let mut lines = Vec::new();
    csv_section(&mut lines, "programme", &view.programme.slug, &r.overall);
    for (group, rows) in [
        ("public", &r.by_public),
        ("referrer", &r.by_referrer),
        ("departement", &r.by_departement),
        ("entry_quarter", &r.by_entry_quarter),
    ] {
        for (key, s) in rows {
            csv_section(&mut lines, group, key, s);
        }
    }
    lines
}

/// The programme's report for the signed-in reader, as the downloads need it.
async fn report_view(state: &AppState, ctx: &Ctx, id: &str) -> Result<ProgrammeReport, HttpError> {
    Ok(state
        .app
        .programme_report(ctx.actor()?, parse_id(id)?)
        .await?)
}

const REPORT_HEADER: [&str; 5] = ["group", "key", "indicator", "count", "percent"];

/// The report for a spreadsheet: `;`, a BOM for Excel, one figure per line.
pub async fn results_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    let view = report_view(&state, &ctx, &id).await?;
    let lines = report_lines(&view);
    crate::referrals::csv_attachment(
        &REPORT_HEADER,
        lines.into_iter().map(|l| l.to_vec()),
        "resultats.csv",
    )
}

/// The same lines as an Excel workbook: counts and percentages as numbers, text cells
/// written as text (a workbook never evaluates them).
pub async fn results_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    let view = report_view(&state, &ctx, &id).await?;
    let lines = report_lines(&view);
    let fail = |e: rust_xlsxwriter::XlsxError| HttpError::Internal(format!("xlsx: {e}"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, title) in (0_u16..).zip(REPORT_HEADER) {
        sheet.write_string_only(0, col, title).map_err(fail)?;
    }
    for (row, line) in (1_u32..).zip(&lines) {
        for (col, cell) in (0_u16..).zip(line) {
            match cell.parse::<f64>() {
                Ok(n) if col >= 3 => sheet.write_number_only(row, col, n).map_err(fail)?,
                _ => sheet.write_string_only(row, col, cell).map_err(fail)?,
            };
        }
    }
    let body = book.save_to_buffer().map_err(fail)?;
    Ok(crate::referrals::attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "resultats.xlsx",
        body,
    ))
}

/// A figure as the PDF prints it: "63 (63,0 %)" in French, "masqué" when hidden.
fn pdf_cells(lang: Lang, b: &Bar, hidden_word: &str) -> [String; 2] {
    match (b.count, b.percent) {
        (Some(c), Some(pc)) => [c.to_string(), percent_text(lang, pc)],
        (Some(c), None) => [c.to_string(), String::new()],
        _ => [hidden_word.to_owned(), String::new()],
    }
}

fn percent_text(lang: Lang, pc: f64) -> String {
    let n = format!("{pc:.1}");
    match lang {
        Lang::Fr => format!("{} %", n.replace('.', ",")),
        Lang::En => format!("{n}%"),
    }
}

/// The results page as a document of tables: the charts' data tables, the breakdowns,
/// satisfaction and the definitions, with what the page says about hidden cells.
fn pdf_report(page: &OutcomesPage, issued_ms: i64) -> parcours_documents::TableReport {
    use parcours_documents::{Definition, TableSection};
    let p = &page.p;
    let lang = p.lang;
    let hidden_word = p.t("outcomes-suppressed");
    let empty = p.t("outcomes-empty");
    let r = &page.view.report;
    let mut sections = Vec::new();
    for chart in &page.charts {
        sections.push(TableSection {
            title: chart.title.clone(),
            note: None,
            columns: vec![p.t("outcomes-col-what"), p.t("col-people"), "%".into()],
            rows: chart
                .bars
                .iter()
                .map(|b| {
                    let [c, pc] = pdf_cells(lang, b, &hidden_word);
                    vec![b.label.clone(), c, pc]
                })
                .collect(),
            empty: empty.clone(),
        });
    }
    for bd in &page.breakdowns {
        sections.push(TableSection {
            title: bd.title.clone(),
            note: None,
            columns: vec![
                p.t("outcomes-col-group"),
                p.t("outcomes-participants"),
                p.t("participant-status-finished"),
                p.t("participant-status-dropped"),
                p.t("label-durable"),
                p.t("label-dynamic"),
            ],
            rows: bd
                .rows
                .iter()
                .map(|row| {
                    let mut cells = vec![
                        row.key.clone(),
                        row.participants
                            .map_or_else(|| hidden_word.clone(), |n| n.to_string()),
                    ];
                    cells.extend(row.cells().iter().map(|b| {
                        match pdf_cells(lang, b, &hidden_word) {
                            [c, pc] if pc.is_empty() => c,
                            [c, pc] => format!("{c} ({pc})"),
                        }
                    }));
                    cells
                })
                .collect(),
            empty: empty.clone(),
        });
    }
    sections.push(TableSection {
        title: p.t("outcomes-satisfaction"),
        note: Some(p.t("outcomes-satisfaction-note")),
        columns: vec![
            p.t("outcomes-question"),
            p.t("outcomes-answers"),
            p.t("outcomes-agree"),
        ],
        rows: r
            .satisfaction
            .iter()
            .map(|s| {
                vec![
                    s.question.clone(),
                    match s.answers {
                        ParticipantsFigure::Count(n) => n.to_string(),
                        ParticipantsFigure::Hidden { .. } => hidden_word.clone(),
                    },
                    s.agree_percent
                        .map_or_else(|| "–".to_owned(), |pc| percent_text(lang, pc)),
                ]
            })
            .collect(),
        empty: empty.clone(),
    });
    let mut rule = p.tn(
        "outcomes-rule",
        &[
            ("version", r.rule.version.to_string()),
            ("months", r.rule.durable_months.to_string()),
        ],
    );
    if r.rule.business_is_durable {
        rule = format!("{rule} {}", p.t("outcomes-rule-business"));
    }
    let participants = page
        .participants
        .map_or_else(|| hidden_word.clone(), |n| n.to_string());
    parcours_documents::TableReport {
        lang: lang.code().to_owned(),
        title: p.title.clone(),
        author: "Parcours".into(),
        about: vec![
            p.tn("outcomes-pdf-issued", &[("date", p.date(&issued_ms))]),
            format!("{} : {participants}", p.t("outcomes-participants")),
            rule,
        ],
        sections,
        definitions_title: p.t("outcomes-definitions"),
        definitions: page
            .definitions
            .iter()
            .map(|(term, text)| Definition {
                term: term.clone(),
                text: text.clone(),
            })
            .collect(),
        footer: p.ta("outcomes-intro", "min", r.min_cell),
    }
}

/// The results as a PDF for the funder's files: the same figures and hidden cells as
/// the page, tagged for screen readers.
pub async fn results_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    let view = report_view(&state, &ctx, &id).await?;
    let page = outcomes_page(&ctx, view, None, Vec::new());
    let report = pdf_report(&page, parcours_app::now_ms());
    // Typesetting takes a moment of CPU: keep it off the async workers.
    let pdf = tokio::task::spawn_blocking(move || parcours_documents::table_report_pdf(&report))
        .await
        .map_err(|e| HttpError::Internal(format!("typesetting task: {e}")))?
        .map_err(|e| HttpError::Internal(e.to_string()))?;
    Ok(crate::referrals::attachment(
        "application/pdf",
        "resultats.pdf",
        pdf,
    ))
}

// ---------------------------------------------------------------- a person's outcomes

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct OutcomeForm {
    point: String,
    ended_on: String,
    status: String,
    situation: String,
    contract_type: String,
    starts_on: String,
    planned_end: String,
    weekly_hours: String,
    training_name: String,
    qualifying: String,
    drop_reason: String,
}

impl OutcomeForm {
    fn input(&self) -> OutcomeInput {
        OutcomeInput {
            point: self.point.clone(),
            status: self.status.clone(),
            situation: self.situation.clone(),
            contract_type: self.contract_type.clone(),
            starts_on: self.starts_on.clone(),
            planned_end: self.planned_end.clone(),
            weekly_hours: self.weekly_hours.clone(),
            training_name: self.training_name.clone(),
            qualifying: self.qualifying.clone(),
            drop_reason: self.drop_reason.clone(),
            ended_on: self.ended_on.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "person_outcomes.html")]
struct PersonOutcomesPage {
    p: Page,
    view: PersonOutcomes,
    notice: Option<String>,
    errors: Vec<String>,
    form: OutcomeForm,
    points: Vec<(&'static str, String)>,
    situations: Vec<(&'static str, String)>,
    contracts: Vec<(&'static str, String)>,
}

impl PersonOutcomesPage {
    fn fact_line(&self, f: &parcours_app::outcomes::Fact) -> String {
        let lang = self.p.lang;
        let mut parts = vec![lang.t(&format!(
            "participant-status-{}",
            f.status.replace('_', "-")
        ))];
        if let Some(s) = &f.situation {
            parts.push(lang.t(&format!("situation-{}", s.replace('_', "-"))));
        }
        if let Some(c) = &f.contract_type {
            parts.push(lang.t(&format!("contract-{c}")));
        }
        if let Some(m) = f.contract_months {
            parts.push(self.p.ta("outcome-months", "count", m));
        }
        if let Some(t) = &f.training_name {
            parts.push(t.clone());
        }
        if let Some(q) = f.qualifying {
            parts.push(lang.t(if q {
                "placement-qualifying"
            } else {
                "placement-not-qualifying"
            }));
        }
        if let Some(r) = &f.drop_reason {
            parts.push(r.clone());
        }
        parts.join(" · ")
    }
    fn recorded_by(&self, r: &parcours_app::outcomes::OutcomeRecord) -> String {
        r.recorded_by
            .and_then(|u| self.view.recorded_by.get(&u).cloned())
            .unwrap_or_else(|| self.p.t(&format!("outcome-source-{}", r.fact.source)))
    }
}

fn coded_options<T: Copy>(
    lang: Lang,
    all: &[T],
    code: fn(T) -> &'static str,
    prefix: &str,
) -> Vec<(&'static str, String)> {
    all.iter()
        .map(|v| {
            let c = code(*v);
            (c, lang.t(&format!("{prefix}-{}", c.replace('_', "-"))))
        })
        .collect()
}

fn person_page(
    ctx: &Ctx,
    view: PersonOutcomes,
    notice: Option<String>,
    errors: Vec<String>,
    form: OutcomeForm,
) -> PersonOutcomesPage {
    let lang = ctx.lang;
    PersonOutcomesPage {
        p: Page::new(
            ctx,
            lang.t_args(
                "outcome-person-title",
                &[(
                    "name",
                    fluent_templates::fluent_bundle::FluentValue::from(format!(
                        "{} {}",
                        view.person.first_name, view.person.last_name
                    )),
                )],
            ),
        ),
        points: coded_options(
            lang,
            parcours_domain::outcome::FollowUpPoint::ALL,
            |p| p.code(),
            "outcome-point",
        ),
        situations: coded_options(lang, Situation::ALL, |s| s.code(), "situation"),
        contracts: coded_options(lang, ContractType::ALL, |c| c.code(), "contract"),
        view,
        notice,
        errors,
        form,
    }
}

pub async fn person_outcomes(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let view = state
        .app
        .person_outcomes(ctx.actor()?, parse_id(&id)?)
        .await?;
    let page = person_page(
        &ctx,
        view,
        q.notice(ctx.lang),
        Vec::new(),
        OutcomeForm::default(),
    );
    Ok(render(&page)?.into_response())
}

pub async fn record_outcome(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<OutcomeForm>,
) -> PageResult {
    let actor = ctx.actor()?;
    let person = parse_id(&id)?;
    match state.app.record_outcome(actor, person, &form.input()).await {
        Ok(_) => Ok(see_other(&format!("/beneficiaries/{person}/suivi?saved=1"))),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.person_outcomes(actor, person).await?;
            let messages = field_messages(ctx.lang, "outcome", &errors);
            let page = person_page(&ctx, view, None, messages, form);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- follow-up surveys

#[derive(Template)]
#[template(path = "survey.html")]
struct SurveyPage {
    p: Page,
    token: String,
    view: parcours_app::surveys::SurveyView,
    errors: Vec<String>,
    form: OutcomeForm,
    answers: std::collections::HashMap<String, String>,
    done: bool,
    situations: Vec<(&'static str, String)>,
    contracts: Vec<(&'static str, String)>,
}

impl SurveyPage {
    fn answer(&self, question: &uuid::Uuid) -> String {
        self.answers
            .get(&question.to_string())
            .cloned()
            .unwrap_or_default()
    }
}

fn survey_page(
    ctx: &Ctx,
    token: String,
    view: parcours_app::surveys::SurveyView,
    errors: Vec<String>,
    form: OutcomeForm,
    answers: std::collections::HashMap<String, String>,
    done: bool,
) -> SurveyPage {
    let lang = ctx.lang;
    SurveyPage {
        p: Page::new(ctx, lang.t("survey-title")),
        token,
        view,
        errors,
        form,
        answers,
        done,
        situations: coded_options(lang, Situation::ALL, |s| s.code(), "situation"),
        contracts: coded_options(lang, ContractType::ALL, |c| c.code(), "contract"),
    }
}

fn survey_gone(ctx: &Ctx) -> PageResult {
    let mut page = crate::pages::link_request_form(ctx, "", crate::pages::LinkKind::SignIn);
    page.intro = Some(ctx.lang.t("survey-gone"));
    page.respond(StatusCode::GONE)
}

/// The follow-up survey, opened from its emailed link without an account.
pub async fn survey(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    match state.app.survey_form(&token).await {
        Ok(view) => {
            let done = view.answered || q.notice(ctx.lang).is_some();
            let page = survey_page(
                &ctx,
                token,
                view,
                Vec::new(),
                OutcomeForm::default(),
                std::collections::HashMap::new(),
                done,
            );
            Ok(([(header::REFERRER_POLICY, "no-referrer")], render(&page)?).into_response())
        }
        Err(AppError::NotFound) => survey_gone(&ctx),
        Err(e) => Err(e.into()),
    }
}

pub async fn answer_survey(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let mut form = OutcomeForm::default();
    let mut answers = std::collections::HashMap::new();
    for (name, value) in fields {
        match name.as_str() {
            "situation" => form.situation = value,
            "contract_type" => form.contract_type = value,
            "starts_on" => form.starts_on = value,
            "planned_end" => form.planned_end = value,
            "weekly_hours" => form.weekly_hours = value,
            "training_name" => form.training_name = value,
            "qualifying" => form.qualifying = value,
            other => {
                if let Some(id) = other.strip_prefix("q_") {
                    answers.insert(id.to_owned(), value);
                }
            }
        }
    }
    match state
        .app
        .answer_survey(&token, &form.input(), &answers)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/questionnaire-suivi/{token}?saved=1"))),
        // Sent twice (a back button): the thanks page again, nothing recorded twice.
        Err(AppError::Invalid(errors)) if errors.iter().any(|e| e.code == "answered") => {
            Ok(see_other(&format!("/questionnaire-suivi/{token}?saved=1")))
        }
        Err(AppError::Invalid(errors)) => {
            let Ok(view) = state.app.survey_form(&token).await else {
                return survey_gone(&ctx);
            };
            let done = view.answered;
            let messages = field_messages(ctx.lang, "survey", &errors);
            let page = survey_page(&ctx, token, view, messages, form, answers, done);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(AppError::NotFound) => survey_gone(&ctx),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct QuestionsForm {
    /// A new question's text (empty: none added).
    text: String,
    /// agree | text
    kind: String,
    /// A question to stop asking.
    retire: String,
    /// "yes" / "no": ask again twelve months after exit.
    follow_up_m12: String,
}

pub async fn edit_questions(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<QuestionsForm>,
) -> PageResult {
    let actor = ctx.actor()?;
    let programme = parse_id(&id)?;
    let retire = match form.retire.trim() {
        "" => None,
        raw => Some(parse_id(raw)?),
    };
    let add = (!form.text.trim().is_empty()).then_some((form.text.as_str(), form.kind.as_str()));
    let m12 = match form.follow_up_m12.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    match state
        .app
        .edit_survey_questions(actor, programme, add, retire, m12)
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/programmes/{programme}/resultats?saved=1#survey"
        ))),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.programme_report(actor, programme).await?;
            let messages = field_messages(ctx.lang, "survey", &errors);
            let page = outcomes_page(&ctx, view, None, messages);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A programme's outcomes report for its manager or funder: the same keys as
/// `parcours report outcomes --format json`, with the same cells hidden as on the
/// results page and its exports.
#[utoipa::path(get, path = "/api/v1/programmes/{id}/outcomes",
    params(("id" = uuid::Uuid, Path, description = "Programme id")),
    responses(
        (status = 200, description = "The report (participants, status, outcomes_among_finished, labels, breakdowns, rule, min_cell; a hidden figure is {\"suppressed\": true})"),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "The role may not read this programme's results"),
        (status = 404, description = "No such programme among yours")
))]
pub async fn api_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<axum::Json<serde_json::Value>, HttpError> {
    let view = report_view(&state, &ctx, &id).await?;
    serde_json::to_value(&view.report)
        .map(axum::Json)
        .map_err(|e| HttpError::Internal(format!("report json: {e}")))
}
