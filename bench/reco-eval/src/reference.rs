//! What the judge reads from the reference files itself, with its own CSV reader, so
//! that the objective checks do not depend on the engine's loader or rules: every
//! fiche's code, label and work contexts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

pub struct Reference {
    /// ROME code → label.
    pub labels: BTreeMap<String, String>,
    /// ROME code → work-context codes (`code_ogr`) of the fiche.
    pub contexts: BTreeMap<String, BTreeSet<String>>,
    /// Context code → label, for the messages.
    pub context_labels: BTreeMap<String, String>,
}

/// The one file of `rome4/` whose name starts with `unix_{name}_v` (the release
/// number follows, and changes three times a year).
fn rome_file(dir: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let folder = dir.join("rome4");
    let prefix = format!("unix_{name}_v");
    let entries =
        std::fs::read_dir(&folder).with_context(|| format!("reading {}", folder.display()))?;
    for entry in entries {
        let path = entry?.path();
        let matches = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".csv"));
        if matches {
            return Ok(path);
        }
    }
    bail!("no {prefix}*.csv in {}", folder.display())
}

/// Rows of a `"`-quoted, `,`-separated file with a header, as maps column → value.
fn rows(path: &Path) -> anyhow::Result<Vec<BTreeMap<String, String>>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("reading {}", path.display()))?;
        out.push(
            headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect(),
        );
    }
    Ok(out)
}

fn field<'a>(row: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    row.get(name).map_or("", String::as_str)
}

impl Reference {
    pub fn read(dir: &Path) -> anyhow::Result<Self> {
        let mut labels = BTreeMap::new();
        for row in rows(&rome_file(dir, "referentiel_code_rome")?)? {
            labels.insert(
                field(&row, "code_rome").to_string(),
                field(&row, "libelle_rome").to_string(),
            );
        }
        let mut context_labels = BTreeMap::new();
        for row in rows(&rome_file(dir, "referentiel_contexte_travail")?)? {
            context_labels.insert(
                field(&row, "code_ogr").to_string(),
                field(&row, "libelle_cont_travail").to_string(),
            );
        }
        // The fiche ↔ item links hold skills, knowledge and contexts alike: keep the
        // contexts.
        let mut contexts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for row in rows(&rome_file(dir, "coherence_item")?)? {
            let item = field(&row, "code_ogr");
            if context_labels.contains_key(item) {
                contexts
                    .entry(field(&row, "code_rome").to_string())
                    .or_default()
                    .insert(item.to_string());
            }
        }
        if labels.is_empty() {
            bail!("no ROME fiche found under {}", dir.display());
        }
        Ok(Reference {
            labels,
            contexts,
            context_labels,
        })
    }
}
