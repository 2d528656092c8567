//! Documents Parcours produces: the synthesis of a bilan as an accessible PDF (tagged,
//! fonts embedded, PDF/UA-1 checked by typst), made with typst as a library. No
//! package or font is ever downloaded: the fonts ship inside the binary.

use std::sync::OnceLock;

use serde::Serialize;
use typst::foundations::{Dict, IntoValue};
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;

const SYNTHESIS_TEMPLATE: &str = include_str!("../templates/synthesis.typ");

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

fn engine() -> &'static TypstEngine<TypstTemplateMainFile> {
    static ENGINE: OnceLock<TypstEngine<TypstTemplateMainFile>> = OnceLock::new();
    ENGINE.get_or_init(|| {
        TypstEngine::builder()
            .main_file(SYNTHESIS_TEMPLATE)
            .fonts(typst_assets::fonts())
            .build()
    })
}

/// The synthesis as PDF bytes.
pub fn synthesis_pdf(data: &Synthesis) -> Result<Vec<u8>, DocumentError> {
    let json = serde_json::to_string(data).map_err(|e| DocumentError::Data(e.to_string()))?;
    let mut inputs = Dict::new();
    inputs.insert("data".into(), json.into_value());
    let document: PagedDocument = engine()
        .compile_with_input(inputs)
        .output
        .map_err(|e| DocumentError::Typeset(format!("{e:?}")))?;
    let standards = typst_pdf::PdfStandards::new(&[typst_pdf::PdfStandard::Ua_1])
        .map_err(|e| DocumentError::Pdf(e.message().to_string()))?;
    let options = typst_pdf::PdfOptions {
        standards,
        ..Default::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|e| DocumentError::Pdf(format!("{e:?}")))
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
}
