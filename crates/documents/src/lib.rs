//! Documents Parcours produces as accessible PDFs (tagged, fonts embedded, PDF/UA-1
//! checked by typst), made with typst as a library: the synthesis of a bilan, and
//! reports made of tables (a programme's results). No package or font is ever
//! downloaded: the fonts ship inside the binary.

pub mod outcomes_text;
pub mod spreadsheet;

use std::sync::OnceLock;

use serde::Serialize;
use std::collections::HashSet;
use typst::foundations::{Bytes, Dict, IntoValue};
use typst::text::Font;
use typst_as_lib::{TypstEngine, TypstTemplateCollection};
use typst_layout::PagedDocument;

const SYNTHESIS: &str = "synthesis.typ";
const REPORT: &str = "report.typ";
const TEMPLATES: [(&str, &str); 2] = [
    (SYNTHESIS, include_str!("../templates/synthesis.typ")),
    (REPORT, include_str!("../templates/report.typ")),
];

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("document data: {0}")]
    Data(String),
    #[error("typesetting: {0}")]
    Typeset(String),
    #[error("PDF export: {0}")]
    Pdf(String),
}

/// The labels of the document, in the person's language.
#[derive(Debug, Clone, Serialize)]
pub struct SynthesisLabels {
    pub operator: String,
    pub programme: String,
    pub issued: String,
    pub circumstances: String,
    pub skills: String,
    pub jobs: String,
    pub life: String,
    pub confirmed_skills: String,
    pub results: String,
    pub result_what: String,
    pub result_found: String,
    pub project: String,
    pub no_project: String,
    pub project_status: String,
    pub steps: String,
    pub follow_up: String,
    pub none: String,
    pub ownership: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResultLine {
    pub title: String,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectPart {
    pub label: String,
    pub code: String,
    pub status: String,
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepGroup {
    pub title: String,
    pub actions: Vec<String>,
}

/// Everything the synthesis says, already worded.
#[derive(Debug, Clone, Serialize)]
pub struct Synthesis {
    /// "fr" or "en".
    pub lang: String,
    pub title: String,
    pub person_name: String,
    pub operator: String,
    pub programme: String,
    pub issued_on: String,
    pub circumstances: Vec<String>,
    pub jobs: Vec<String>,
    pub life: Vec<String>,
    pub skills: Vec<String>,
    pub results: Vec<ResultLine>,
    pub project: Option<ProjectPart>,
    pub steps: Vec<StepGroup>,
    pub follow_up: Vec<String>,
    pub labels: SynthesisLabels,
}

/// A report made of tables: a title, a few lines saying what it covers, sections each
/// with its table, and the definitions of the terms used.
#[derive(Debug, Clone, Serialize)]
pub struct TableReport {
    /// "fr" or "en".
    pub lang: String,
    pub title: String,
    pub author: String,
    pub about: Vec<String>,
    pub sections: Vec<TableSection>,
    pub definitions_title: String,
    pub definitions: Vec<Definition>,
    pub footer: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableSection {
    pub title: String,
    pub note: Option<String>,
    pub columns: Vec<String>,
    /// Each row has one cell per column; the first is the row's header.
    pub rows: Vec<Vec<String>>,
    /// Shown instead of the table when there is no row.
    pub empty: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Definition {
    pub term: String,
    pub text: String,
}

fn engine() -> &'static TypstEngine<TypstTemplateCollection> {
    static ENGINE: OnceLock<TypstEngine<TypstTemplateCollection>> = OnceLock::new();
    ENGINE.get_or_init(|| {
        TypstEngine::builder()
            .with_static_source_file_resolver(TEMPLATES)
            .fonts(typst_assets::fonts())
            .build()
    })
}

/// Every character one of the bundled fonts draws. PDF/UA refuses a document holding
/// a character no font has, so one emoji in a journal entry would stop the synthesis.
fn drawable() -> &'static HashSet<u32> {
    static DRAWABLE: OnceLock<HashSet<u32>> = OnceLock::new();
    DRAWABLE.get_or_init(|| {
        typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .flat_map(|font| font.info().coverage.iter().collect::<Vec<_>>())
            .collect()
    })
}

/// Text as a document can show it: control characters become spaces (line breaks
/// stay), characters no bundled font draws are left out.
fn printable(text: &str) -> String {
    let drawable = drawable();
    text.chars()
        .filter_map(|c| match c {
            '\n' => Some(c),
            c if c.is_control() => Some(' '),
            c if c.is_whitespace() || drawable.contains(&u32::from(c)) => Some(c),
            _ => None,
        })
        .collect()
}

fn make_printable(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(text) => *text = printable(text),
        serde_json::Value::Array(items) => items.iter_mut().for_each(make_printable),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(make_printable),
        _ => {}
    }
}

/// Typesets `template` with `data` as JSON in `sys.inputs.data`, to a PDF/UA-1 file.
fn typeset(template: &str, data: &impl Serialize) -> Result<Vec<u8>, DocumentError> {
    let mut value = serde_json::to_value(data).map_err(|e| DocumentError::Data(e.to_string()))?;
    make_printable(&mut value);
    let json = value.to_string();
    let mut inputs = Dict::new();
    inputs.insert("data".into(), json.into_value());
    let document: PagedDocument = engine()
        .compile_with_input(template, inputs)
        .output
        .map_err(|e| DocumentError::Typeset(without_quotes(&format!("{e:?}"))))?;
    let standards = typst_pdf::PdfStandards::new(&[typst_pdf::PdfStandard::Ua_1])
        .map_err(|e| DocumentError::Pdf(e.message().to_string()))?;
    let options = typst_pdf::PdfOptions {
        standards,
        ..Default::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|e| {
        let messages: Vec<&str> = e.iter().map(|d| d.message.as_str()).collect();
        DocumentError::Pdf(without_quotes(&messages.join("; ")))
    })
}

/// An error message without the text it quotes between backticks: the text is the
/// person's, and errors go to the logs.
fn without_quotes(message: &str) -> String {
    message
        .split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { "…" } else { part })
        .collect()
}

/// The synthesis as PDF bytes.
pub fn synthesis_pdf(data: &Synthesis) -> Result<Vec<u8>, DocumentError> {
    typeset(SYNTHESIS, data)
}

/// A report of tables as PDF bytes.
pub fn table_report_pdf(data: &TableReport) -> Result<Vec<u8>, DocumentError> {
    typeset(REPORT, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> SynthesisLabels {
        let s = |x: &str| x.to_owned();
        SynthesisLabels {
            operator: s("Organisme"),
            programme: s("Programme"),
            issued: s("Établi le"),
            circumstances: s("Circonstances du bilan"),
            skills: s("Compétences et aptitudes"),
            jobs: s("Emplois occupés"),
            life: s("Expériences de vie"),
            confirmed_skills: s("Compétences confirmées"),
            results: s("Résultats"),
            result_what: s("Activité"),
            result_found: s("Ce qui ressort"),
            project: s("Projet professionnel"),
            no_project: s("Pas encore de projet validé"),
            project_status: s("Statut"),
            steps: s("Étapes"),
            follow_up: s("Suivi prévu"),
            none: s("Rien pour l'instant"),
            ownership: s("Ce document vous appartient."),
        }
    }

    #[test]
    fn a_synthesis_typesets_to_a_pdf() {
        let data = Synthesis {
            lang: "fr".into(),
            title: "Document de synthèse".into(),
            person_name: "Camille Martin".into(),
            operator: "Orientation Rhône".into(),
            programme: "Cap Métiers, Lyon".into(),
            issued_on: "3 décembre 2026".into(),
            circumstances: vec!["Bilan commencé le 2 octobre 2026".into()],
            jobs: vec!["Vendeuse en boulangerie".into()],
            life: vec![],
            skills: vec![
                "Accueillir une clientèle".into(),
                "Tenir une caisse; (#[*_])".into(),
            ],
            results: vec![ResultLine {
                title: "Intérêts".into(),
                summary: "Social, Artistique".into(),
            }],
            project: None,
            steps: vec![StepGroup {
                title: "Se former".into(),
                actions: vec!["S'inscrire au CAP".into()],
            }],
            follow_up: vec![],
            labels: labels(),
        };
        let pdf = synthesis_pdf(&data).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() > 1000);
    }

    /// What people type: emoji, tabs, pasted control characters, scripts the fonts
    /// lack. The document leaves out what it cannot draw rather than failing.
    const HOSTILE: &str = "=1+1 #[*_] $x$ \\ <b>\tCafé 😀\u{1}\u{7f}\u{fffe}ꙮ\r\nfin";

    #[test]
    fn errors_do_not_repeat_the_text() {
        assert_eq!(
            without_quotes("the text `Camille` could not be displayed with font `X`"),
            "the text … could not be displayed with font …"
        );
    }

    #[test]
    fn text_the_fonts_cannot_draw_is_left_out() {
        assert_eq!(
            printable("Café 😀\tà\u{1}demain\nfin"),
            "Café  à demain\nfin"
        );
        assert_eq!(printable("ꙮ"), "");
    }

    #[test]
    fn a_synthesis_typesets_whatever_its_text() {
        let h = || HOSTILE.to_owned();
        let data = Synthesis {
            lang: "fr".into(),
            title: "Document de synthèse".into(),
            person_name: h(),
            operator: h(),
            programme: h(),
            issued_on: "3 décembre 2026".into(),
            circumstances: vec![h()],
            jobs: vec![h()],
            life: vec![h()],
            skills: vec![h()],
            results: vec![ResultLine {
                title: h(),
                summary: h(),
            }],
            project: Some(ProjectPart {
                label: h(),
                code: h(),
                status: h(),
                evidence: vec![h()],
            }),
            steps: vec![StepGroup {
                title: h(),
                actions: vec![h(), "😀".into()],
            }],
            follow_up: vec![h()],
            labels: labels(),
        };
        let pdf = synthesis_pdf(&data).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }

    #[test]
    fn a_report_of_tables_typesets_to_a_pdf_whatever_its_text() {
        let hostile = HOSTILE;
        let data = TableReport {
            lang: "fr".into(),
            title: "Résultats : Cap Métiers".into(),
            author: "Orientation Rhône".into(),
            about: vec!["Établi le 3 décembre 2026".into(), hostile.into()],
            sections: vec![
                TableSection {
                    title: "Où en sont les participants".into(),
                    note: Some(hostile.into()),
                    columns: vec!["Situation".into(), "Personnes".into(), "%".into()],
                    rows: vec![
                        vec!["Terminé".into(), "63".into(), "63,0 %".into()],
                        vec![hostile.into(), "masqué".into(), String::new()],
                    ],
                    empty: "Rien".into(),
                },
                TableSection {
                    title: "Par public".into(),
                    note: None,
                    columns: vec!["Public".into()],
                    rows: vec![],
                    empty: "Pas encore de données".into(),
                },
            ],
            definitions_title: "Définitions".into(),
            definitions: vec![Definition {
                term: "Emploi durable".into(),
                text: hostile.into(),
            }],
            footer: "Cellules de moins de 11 personnes masquées.".into(),
        };
        let pdf = table_report_pdf(&data).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() > 1000);
    }
}
