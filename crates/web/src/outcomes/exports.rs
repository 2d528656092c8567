//! The outcomes report as CSV, XLSX and PDF.

use axum::extract::State;
use axum::response::Response;
use parcours_app::outcomes::ProgrammeReport;
use parcours_domain::outcome::{Figure, ParticipantsFigure, Section};

use super::*;
use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::HttpError;
use crate::i18n::Lang;
use crate::kit::IdPath;
use parcours_app::auth::Actor;
use parcours_domain::ids::ProgrammeId;

pub(super) fn csv_figure(f: &Figure) -> [String; 2] {
    match f {
        Figure::Shown { count, percent } => [count.to_string(), format!("{percent:.1}")],
        Figure::Hidden { .. } => ["suppressed".into(), "suppressed".into()],
    }
}

pub(super) fn csv_section(
    out: &mut Vec<[String; 6]>,
    lang: Lang,
    group: &str,
    key: &str,
    s: &Section,
) {
    let participants =
        participants_of(s).map_or_else(|| "suppressed".to_owned(), |n| n.to_string());
    let mut line = |indicator: String, [count, percent]: [String; 2], label: String| {
        out.push([group.into(), key.into(), indicator, count, percent, label]);
    };
    line(
        "participants".into(),
        [participants, String::new()],
        lang.t("col-people"),
    );
    for (k, f) in &s.status {
        line(
            format!("status.{}", k.code()),
            csv_figure(f),
            status_label(lang, *k),
        );
    }
    for (k, f) in &s.outcomes_among_finished {
        line(
            format!("outcome.{}", k.code()),
            csv_figure(f),
            situation_label(lang, *k),
        );
    }
    for (k, f, label) in [
        ("durable_employment", &s.durable_employment, "label-durable"),
        (
            "transition_employment",
            &s.transition_employment,
            "label-transition",
        ),
        ("positive_exits", &s.positive_exits, "label-positive"),
        ("dynamic_exits", &s.dynamic_exits, "label-dynamic"),
    ] {
        line(k.into(), csv_figure(f), lang.t(label));
    }
}

/// The report as lines of a spreadsheet, one figure per line (CSV and XLSX alike).
/// The last column is the indicator's name in the reader's language; the first five are
/// the stable keys and figures scripts read.
pub(super) fn report_lines(view: &ProgrammeReport, lang: Lang) -> Vec<[String; 6]> {
    let r = &view.report;
    let mut lines = Vec::new();
    csv_section(
        &mut lines,
        lang,
        "programme",
        &view.programme.slug,
        &r.overall,
    );
    for (group, rows) in [
        ("public", &r.by_public),
        ("referrer", &r.by_referrer),
        ("departement", &r.by_departement),
        ("entry_quarter", &r.by_entry_quarter),
    ] {
        for (key, s) in rows {
            csv_section(&mut lines, lang, group, key, s);
        }
    }
    // The time points: group `followup`, the point as key.
    let people = |f: &ParticipantsFigure| match f {
        ParticipantsFigure::Count(n) => n.to_string(),
        ParticipantsFigure::Hidden { .. } => "suppressed".to_owned(),
    };
    for (point, f) in &r.followup {
        let key = point.code();
        let mut line = |indicator: String, [count, percent]: [String; 2], label: String| {
            lines.push([
                "followup".into(),
                key.into(),
                indicator,
                count,
                percent,
                label,
            ]);
        };
        line(
            "measured".into(),
            [people(&f.measured), String::new()],
            lang.t("outcomes-followup-measured"),
        );
        line(
            "due".into(),
            [people(&f.due), String::new()],
            lang.t("outcomes-followup-due"),
        );
        line(
            "response_rate".into(),
            [
                String::new(),
                f.response_rate
                    .map_or_else(|| "suppressed".to_owned(), |pc| format!("{pc:.1}")),
            ],
            lang.t("outcomes-followup-rate"),
        );
        for (k, fig) in &f.situations {
            line(
                format!("situation.{}", k.code()),
                csv_figure(fig),
                situation_label(lang, *k),
            );
        }
        for (k, fig, label) in [
            (
                "durable_employment",
                &f.labels.durable_employment,
                "label-durable",
            ),
            (
                "transition_employment",
                &f.labels.transition_employment,
                "label-transition",
            ),
            ("positive_exits", &f.labels.positive_exits, "label-positive"),
            ("dynamic_exits", &f.labels.dynamic_exits, "label-dynamic"),
        ] {
            line(k.into(), csv_figure(fig), lang.t(label));
        }
    }
    for (k, fig) in &r.drop_reasons {
        let [count, percent] = csv_figure(fig);
        lines.push([
            "drop_reasons".into(),
            k.code().into(),
            "dropped".into(),
            count,
            percent,
            lang.t(&format!("drop-reason-{}", k.code().replace('_', "-"))),
        ]);
    }
    lines
}

/// The programme's report for the signed-in reader, as the downloads need it.
pub(super) async fn report_view(
    state: &AppState,
    actor: &Actor,
    id: ProgrammeId,
) -> Result<ProgrammeReport, HttpError> {
    Ok(state.app.programme_report(actor, id.into()).await?)
}

pub(super) const REPORT_HEADER: [&str; 6] =
    ["group", "key", "indicator", "count", "percent", "label"];

/// The report for a spreadsheet: `;`, a BOM for Excel, one figure per line; in French a
/// decimal comma, which French Excel reads as a number (a point makes it text or a date).
pub async fn results_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ProgrammeId>,
) -> Result<Response, HttpError> {
    let view = report_view(&state, &actor, id).await?;
    let mut lines = report_lines(&view, ctx.lang);
    if ctx.lang == Lang::Fr {
        for line in &mut lines {
            line[4] = line[4].replace('.', ",");
        }
    }
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
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ProgrammeId>,
) -> Result<Response, HttpError> {
    let view = report_view(&state, &actor, id).await?;
    let lines = report_lines(&view, ctx.lang);
    let lines: Vec<Vec<String>> = lines.into_iter().map(|l| l.to_vec()).collect();
    // Counts and percentages (from the fourth column on) are numbers.
    let body = parcours_documents::spreadsheet::xlsx(&REPORT_HEADER, &lines, 3)
        .map_err(|e| HttpError::internal("xlsx", e))?;
    Ok(crate::referrals::attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "resultats.xlsx",
        body,
    ))
}

/// A figure as the PDF prints it: "63 (63,0 %)" in French, "masqué" when hidden.
pub(super) fn pdf_cells(lang: Lang, b: &Bar, hidden_word: &str) -> [String; 2] {
    match (b.count, b.percent) {
        (Some(c), Some(pc)) => [c.to_string(), crate::kit::format_percent(lang, pc)],
        (Some(c), None) => [c.to_string(), String::new()],
        _ => [hidden_word.to_owned(), String::new()],
    }
}

/// The results page as a document of tables: the charts' data tables, the breakdowns,
/// satisfaction and the definitions, with what the page says about hidden cells.
pub(super) fn pdf_report(page: &OutcomesPage, issued_ms: i64) -> parcours_documents::TableReport {
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
    for pt in &page.points {
        let shown = |n: Option<u64>| n.map_or_else(|| hidden_word.clone(), |n| n.to_string());
        sections.push(TableSection {
            title: pt.title.clone(),
            note: Some(format!(
                "{} : {} · {} : {} · {} : {}",
                p.t("outcomes-followup-measured"),
                shown(pt.measured),
                p.t("outcomes-followup-due"),
                shown(pt.due),
                p.t("outcomes-followup-rate"),
                pt.rate.map_or_else(
                    || hidden_word.clone(),
                    |pc| crate::kit::format_percent(lang, pc)
                ),
            )),
            columns: vec![p.t("outcomes-col-what"), p.t("col-people"), "%".into()],
            rows: pt
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
                        .map_or_else(|| "–".to_owned(), |pc| crate::kit::format_percent(lang, pc)),
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
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ProgrammeId>,
) -> Result<Response, HttpError> {
    let view = report_view(&state, &actor, id).await?;
    let page = outcomes_page(&ctx, view, None, Vec::new());
    let report = pdf_report(&page, state.app.now());
    // Typesetting takes a moment of CPU: keep it off the async workers.
    let pdf = tokio::task::spawn_blocking(move || parcours_documents::table_report_pdf(&report))
        .await
        .map_err(|e| HttpError::internal("typesetting task", e))?
        .map_err(|e| HttpError::internal("outcomes pdf", e))?;
    Ok(crate::referrals::attachment(
        "application/pdf",
        "resultats.pdf",
        pdf,
    ))
}
