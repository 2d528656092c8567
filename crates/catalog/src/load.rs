//! Reading the reference files. Every problem names the file, the line and, where it
//! applies, the column; nothing is half-loaded: a load either returns a whole catalog
//! or an error.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use crate::fold::fold;
use crate::geo::{Commune, EmploymentArea, Geo, Tension};
use crate::search::SearchIndex;
use crate::{
    Appellation, Catalog, CatalogVersion, CentreInteret, CoreLevel, Domain, Fiche, FicheItem, Item,
    ItemKind,
};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoadError {
    #[error("{file}: file missing")]
    Missing { file: String },
    #[error("{file}:{line}: column `{column}`: {message}")]
    Field {
        file: String,
        line: u64,
        column: String,
        message: String,
    },
    #[error("{file}:{line}: {message}")]
    Line {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{file}: {message}")]
    File { file: String, message: String },
}

/// The largest reference file read (the largest published one is about 3 MB).
pub const MAX_REFERENCE_FILE_MIB: u64 = 64;
/// The longest line of a reference file (the longest published one is under 1 KB).
pub const MAX_REFERENCE_LINE_BYTES: usize = 64 * 1024;

/// A line or a file past its bound, found while reading.
#[derive(Debug)]
struct Oversized {
    line: u64,
    message: String,
}

impl std::fmt::Display for Oversized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Oversized {}

/// A reader that fails, instead of growing a buffer, on a line over
/// [`MAX_REFERENCE_LINE_BYTES`] or more than [`MAX_REFERENCE_FILE_MIB`] in all.
struct Bounded<R> {
    inner: R,
    read: u64,
    line: u64,
    line_bytes: usize,
}

impl<R> Bounded<R> {
    fn new(inner: R) -> Self {
        Bounded {
            inner,
            read: 0,
            line: 1,
            line_bytes: 0,
        }
    }
}

impl<R: std::io::Read> std::io::Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let oversized = |line, message: String| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, Oversized { line, message })
        };
        self.read += n as u64;
        if self.read > MAX_REFERENCE_FILE_MIB * 1024 * 1024 {
            return Err(oversized(
                self.line,
                format!("file larger than {MAX_REFERENCE_FILE_MIB} MiB"),
            ));
        }
        for &b in &buf[..n] {
            if b == b'\n' {
                self.line += 1;
                self.line_bytes = 0;
            } else {
                self.line_bytes += 1;
                if self.line_bytes > MAX_REFERENCE_LINE_BYTES {
                    return Err(oversized(
                        self.line,
                        format!("line longer than {MAX_REFERENCE_LINE_BYTES} bytes"),
                    ));
                }
            }
        }
        Ok(n)
    }
}

struct Table {
    name: String,
    reader: csv::Reader<Bounded<File>>,
    columns: HashMap<String, usize>,
}

struct Row<'a> {
    table: &'a str,
    line: u64,
    record: &'a csv::StringRecord,
    columns: &'a HashMap<String, usize>,
}

impl Row<'_> {
    fn get(&self, column: &str) -> &str {
        self.columns
            .get(column)
            .and_then(|i| self.record.get(*i))
            .unwrap_or("")
            .trim()
    }

    fn err(&self, column: &str, message: impl Into<String>) -> LoadError {
        LoadError::Field {
            file: self.table.to_owned(),
            line: self.line,
            column: column.to_owned(),
            message: message.into(),
        }
    }

    fn required(&self, column: &str) -> Result<&str, LoadError> {
        let v = self.get(column);
        if v.is_empty() {
            Err(self.err(column, "empty value"))
        } else {
            Ok(v)
        }
    }

    fn number<T: std::str::FromStr>(&self, column: &str) -> Result<T, LoadError> {
        let v = self.get(column);
        v.parse()
            .map_err(|_| self.err(column, format!("`{v}` is not a number")))
    }

    fn fiche(&self, column: &str, index: &HashMap<String, usize>) -> Result<usize, LoadError> {
        let code = self.required(column)?;
        index
            .get(code)
            .copied()
            .ok_or_else(|| self.err(column, format!("unknown ROME code `{code}`")))
    }
}

fn csv_error(table: &str, e: &csv::Error) -> LoadError {
    if let csv::ErrorKind::Io(io) = e.kind()
        && let Some(over) = io.get_ref().and_then(|e| e.downcast_ref::<Oversized>())
    {
        return LoadError::Line {
            file: table.to_owned(),
            line: over.line,
            message: over.message.clone(),
        };
    }
    let line = e.position().map_or(0, csv::Position::line);
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "bad encoding: the file must be UTF-8".to_owned(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("{len} fields where the header has {expected_len} (truncated or broken line?)")
        }
        _ => e.to_string(),
    };
    LoadError::Line {
        file: table.to_owned(),
        line,
        message,
    }
}

impl Table {
    fn open(dir: &Path, rel: &str, delimiter: u8, expected: &[&str]) -> Result<Table, LoadError> {
        let path: PathBuf = dir.join(rel);
        if !path.is_file() {
            return Err(LoadError::Missing {
                file: rel.to_owned(),
            });
        }
        let file = File::open(&path).map_err(|e| LoadError::File {
            file: rel.to_owned(),
            message: e.to_string(),
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(false)
            .from_reader(Bounded::new(file));
        let headers = reader.headers().map_err(|e| csv_error(rel, &e))?.clone();
        let columns: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_owned(), i))
            .collect();
        for column in expected {
            if !columns.contains_key(*column) {
                return Err(LoadError::Field {
                    file: rel.to_owned(),
                    line: 1,
                    column: (*column).to_owned(),
                    message: "column missing from the header".to_owned(),
                });
            }
        }
        Ok(Table {
            name: rel.to_owned(),
            reader,
            columns,
        })
    }

    fn each(
        mut self,
        mut f: impl FnMut(&Row<'_>) -> Result<(), LoadError>,
    ) -> Result<(), LoadError> {
        let mut record = csv::StringRecord::new();
        loop {
            match self.reader.read_record(&mut record) {
                Ok(false) => return Ok(()),
                Ok(true) => {
                    let line = record.position().map_or(0, csv::Position::line);
                    f(&Row {
                        table: &self.name,
                        line,
                        record: &record,
                        columns: &self.columns,
                    })?;
                }
                Err(e) => return Err(csv_error(&self.name, &e)),
            }
        }
    }
}

fn read_version(dir: &Path) -> Result<CatalogVersion, LoadError> {
    let rel = "rome4/version.txt";
    let mut text = Vec::new();
    File::open(dir.join(rel))
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 64 * 1024), &mut text))
        .map_err(|_| LoadError::Missing {
            file: rel.to_owned(),
        })?;
    let text = String::from_utf8(text).map_err(|_| LoadError::File {
        file: rel.to_owned(),
        message: "bad encoding: the file must be UTF-8".into(),
    })?;
    let field = |prefix: &str| {
        text.lines()
            .find(|l| fold(l).trim_start().starts_with(prefix))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
    };
    let number = field("numero de version")
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    let Some(number) = number else {
        return Err(LoadError::Line {
            file: rel.to_owned(),
            line: 1,
            message: "no `Numero de version : N` line".into(),
        });
    };
    Ok(CatalogVersion {
        published: field("date de publication").unwrap_or_default(),
        title: field("titre").unwrap_or_default(),
        number,
    })
}

/// The ROME text file escapes apostrophes SQL-style inside an already quoted CSV field
/// ("l''entretien"): 5,248 of its lines in release 60. No French text has two in a row.
fn unescape_doubled_quotes(text: &str) -> String {
    text.replace("''", "'")
}

fn is_rome_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 5 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit)
}

fn flag(v: &str) -> bool {
    v == "O"
}

fn riasec(row: &Row<'_>, column: &str) -> Result<Option<char>, LoadError> {
    match row.get(column) {
        "" => Ok(None),
        v if v.len() == 1 && "RIASEC".contains(v) => Ok(v.chars().next()),
        v => Err(row.err(column, format!("`{v}` is not one of R, I, A, S, E, C"))),
    }
}

/// Loads the whole reference set from `dir` (the layout of `shared/ref`).
pub fn load(dir: &Path) -> Result<Catalog, LoadError> {
    let version = read_version(dir)?;
    let rome = |name: &str| format!("rome4/unix_{name}_v4{:0>2}_utf8.csv", version.number);

    let mut grands_domaines = Vec::new();
    Table::open(
        dir,
        &rome("grand_domaine"),
        b',',
        &["code_grand_domaine", "libelle_grand_domaine"],
    )?
    .each(|r| {
        grands_domaines.push(Domain {
            code: r.required("code_grand_domaine")?.to_owned(),
            label: r.required("libelle_grand_domaine")?.to_owned(),
        });
        Ok(())
    })?;
    let mut domaines = Vec::new();
    Table::open(
        dir,
        &rome("domaine_professionnel"),
        b',',
        &[
            "code_domaine_professionnel",
            "libelle_domaine_professionnel",
        ],
    )?
    .each(|r| {
        domaines.push(Domain {
            code: r.required("code_domaine_professionnel")?.to_owned(),
            label: r.required("libelle_domaine_professionnel")?.to_owned(),
        });
        Ok(())
    })?;

    let mut fiches: Vec<Fiche> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let cols = [
        "code_rome",
        "libelle_rome",
        "transition_eco",
        "transition_num",
        "transition_demo",
        "emploi_reglemente",
        "emploi_cadre",
        "code_rome_parent",
    ];
    Table::open(dir, &rome("referentiel_code_rome"), b',', &cols)?.each(|r| {
        let code = r.required("code_rome")?;
        if !is_rome_code(code) {
            return Err(r.err(
                "code_rome",
                format!("`{code}` is not a ROME code (letter + 4 digits)"),
            ));
        }
        let parent = r.required("code_rome_parent")?;
        if !is_rome_code(parent) {
            return Err(r.err("code_rome_parent", format!("`{parent}` is not a ROME code")));
        }
        if index.insert(code.to_owned(), fiches.len()).is_some() {
            return Err(r.err("code_rome", format!("`{code}` appears twice")));
        }
        let eco = r.get("transition_eco");
        fiches.push(Fiche {
            code: code.to_owned(),
            label: r.required("libelle_rome")?.to_owned(),
            grand_domaine: code[..1].to_owned(),
            domaine: code[..3].to_owned(),
            definition: Vec::new(),
            access: Vec::new(),
            riasec_major: None,
            riasec_minor: None,
            interests: Vec::new(),
            appellations: Vec::new(),
            skills: Vec::new(),
            contexts: Vec::new(),
            mobility: Vec::new(),
            regulated: flag(r.get("emploi_reglemente")),
            cadre: flag(r.get("emploi_cadre")),
            transition_eco: (!eco.is_empty() && eco != "Emploi Blanc").then(|| eco.to_owned()),
            transition_num: flag(r.get("transition_num")),
            transition_demo: flag(r.get("transition_demo")),
            parent_v3: parent.to_owned(),
        });
        Ok(())
    })?;

    let gd_cols = [
        "code_rome",
        "code_grand_domaine",
        "code_domaine_professionel",
    ];
    Table::open(dir, &rome("cr_gd_dp"), b',', &gd_cols)?.each(|r| {
        let i = r.fiche("code_rome", &index)?;
        fiches[i].grand_domaine = r.required("code_grand_domaine")?.to_owned();
        fiches[i].domaine = r.required("code_domaine_professionel")?.to_owned();
        Ok(())
    })?;

    Table::open(
        dir,
        &rome("referentiel_code_rome_riasec"),
        b',',
        &["code_rome", "riasec_majeur", "riasec_mineur"],
    )?
    .each(|r| {
        let i = r.fiche("code_rome", &index)?;
        fiches[i].riasec_major = riasec(r, "riasec_majeur")?;
        fiches[i].riasec_minor = riasec(r, "riasec_mineur")?;
        Ok(())
    })?;

    let mut appellations = Vec::new();
    let app_cols = [
        "code_ogr",
        "libelle_appellation_long",
        "libelle_appellation_court",
        "code_rome",
        "peu_usite",
    ];
    Table::open(dir, &rome("referentiel_appellation"), b',', &app_cols)?.each(|r| {
        let fiche = r.fiche("code_rome", &index)?;
        fiches[fiche].appellations.push(appellations.len());
        appellations.push(Appellation {
            code: r.number("code_ogr")?,
            label: r.required("libelle_appellation_long")?.to_owned(),
            short_label: r.get("libelle_appellation_court").to_owned(),
            fiche,
            rarely_used: r.get("peu_usite") == "O",
        });
        Ok(())
    })?;

    let mut centres_interet = Vec::new();
    let ci_cols = [
        "code_centre_interet",
        "libelle_centre_interet",
        "definition_centre_interet",
    ];
    Table::open(dir, &rome("centre_interet"), b',', &ci_cols)?.each(|r| {
        centres_interet.push(CentreInteret {
            code: r.number("code_centre_interet")?,
            label: r.required("libelle_centre_interet")?.to_owned(),
            definition: r.get("definition_centre_interet").to_owned(),
        });
        Ok(())
    })?;
    Table::open(
        dir,
        &rome("arborescence_centre_interet"),
        b',',
        &["code_centre_interet", "code_rome", "principal"],
    )?
    .each(|r| {
        let code: u8 = r.number("code_centre_interet")?;
        if !centres_interet.iter().any(|c| c.code == code) {
            return Err(r.err(
                "code_centre_interet",
                format!("unknown centre d'intérêt `{code}`"),
            ));
        }
        let i = r.fiche("code_rome", &index)?;
        fiches[i]
            .interests
            .push((code, r.get("principal") == "oui"));
        Ok(())
    })?;

    let mut mobility: Vec<(usize, u32, String)> = Vec::new();
    Table::open(
        dir,
        &rome("rubrique_mobilite"),
        b',',
        &["code_rome", "code_rome_cible", "numero_ordre"],
    )?
    .each(|r| {
        let from = r.fiche("code_rome", &index)?;
        let to = r.fiche("code_rome_cible", &index)?;
        mobility.push((from, r.number("numero_ordre")?, fiches[to].code.clone()));
        Ok(())
    })?;
    mobility.sort_by_key(|a| (a.0, a.1));
    for (from, _, target) in mobility {
        fiches[from].mobility.push(target);
    }

    let mut texts: Vec<(usize, bool, u32, String)> = Vec::new();
    let text_cols = [
        "code_rome",
        "libelle_type_texte",
        "position_phrase",
        "libelle_texte",
    ];
    Table::open(dir, &rome("texte"), b',', &text_cols)?.each(|r| {
        let i = r.fiche("code_rome", &index)?;
        let is_definition = match r.get("libelle_type_texte") {
            "definition" => true,
            "acces_metier" => false,
            other => {
                return Err(r.err("libelle_type_texte", format!("unknown text type `{other}`")));
            }
        };
        texts.push((
            i,
            is_definition,
            r.number("position_phrase")?,
            unescape_doubled_quotes(r.get("libelle_texte")),
        ));
        Ok(())
    })?;
    texts.sort_by_key(|a| (a.0, a.1, a.2));
    for (i, is_definition, _, text) in texts {
        if is_definition {
            fiches[i].definition.push(text)
        } else {
            fiches[i].access.push(text)
        }
    }

    let mut items: HashMap<u32, Item> = HashMap::new();
    Table::open(
        dir,
        &rome("item"),
        b',',
        &["code_ogr", "libelle", "code_rubrique"],
    )?
    .each(|r| {
        let code: u32 = r.number("code_ogr")?;
        let kind = match r.get("code_rubrique") {
            "1" => ItemKind::SavoirFaire,
            "2" => ItemKind::SavoirEtre,
            "3" => ItemKind::Savoir,
            "" => ItemKind::Context,
            other => return Err(r.err("code_rubrique", format!("unknown rubrique `{other}`"))),
        };
        items.insert(
            code,
            Item {
                code,
                label: r.required("libelle")?.to_owned(),
                kind,
                group: None,
            },
        );
        Ok(())
    })?;
    Table::open(
        dir,
        &rome("referentiel_contexte_travail"),
        b',',
        &["code_ogr", "libelle_type_cont_trav"],
    )?
    .each(|r| {
        let code: u32 = r.number("code_ogr")?;
        let Some(item) = items.get_mut(&code) else {
            return Err(r.err(
                "code_ogr",
                format!("context `{code}` is not in the item list"),
            ));
        };
        item.kind = ItemKind::Context;
        item.group = Some(r.get("libelle_type_cont_trav").to_owned());
        Ok(())
    })?;
    Table::open(
        dir,
        &rome("coherence_item"),
        b',',
        &["code_rome", "code_ogr", "coeur_metier"],
    )?
    .each(|r| {
        let i = r.fiche("code_rome", &index)?;
        let code: u32 = r.number("code_ogr")?;
        let Some(item) = items.get(&code) else {
            return Err(r.err("code_ogr", format!("unknown item `{code}`")));
        };
        let core = match r.get("coeur_metier") {
            "" => None,
            "Principale" => Some(CoreLevel::Principal),
            "Émergente" => Some(CoreLevel::Emerging),
            other => return Err(r.err("coeur_metier", format!("unknown value `{other}`"))),
        };
        if item.kind == ItemKind::Context {
            fiches[i].contexts.push(code);
        } else {
            fiches[i].skills.push(FicheItem { code, core });
        }
        Ok(())
    })?;

    let geo = load_geo(dir)?;
    let esco_occupations = count_rows(
        dir,
        "esco-fr/occupations_fr.csv",
        &["conceptUri", "iscoGroup", "preferredLabel"],
    )?;
    let esco_skills = count_rows(
        dir,
        "esco-fr/skills_fr.csv",
        &["conceptUri", "preferredLabel"],
    )?;

    let search = SearchIndex::build(&fiches, &appellations);
    let appellation_index = appellations
        .iter()
        .enumerate()
        .map(|(i, a)| (a.code, i))
        .collect();
    // Our own data files, embedded: a defect there is a build defect, named here.
    let constraints =
        crate::constraints::Constraints::build(&fiches).map_err(|message| LoadError::File {
            file: "crates/catalog/data/constraints.toml".into(),
            message,
        })?;
    let entry_overrides =
        crate::entry::Overrides::shipped().map_err(|message| LoadError::File {
            file: "crates/catalog/data/entry_overrides.toml".into(),
            message,
        })?;
    Ok(Catalog {
        version,
        fiches,
        appellations,
        centres_interet,
        grands_domaines,
        domaines,
        items,
        geo,
        esco_occupations,
        esco_skills,
        fiche_index: index,
        appellation_index,
        entry: std::sync::OnceLock::new(),
        entry_overrides,
        constraints,
        parent_shared: std::sync::OnceLock::new(),
        codes_with_market: std::sync::OnceLock::new(),
        core_know_how: std::sync::OnceLock::new(),
        skill_postings: std::sync::OnceLock::new(),
        fiche_facts: std::sync::OnceLock::new(),
        search,
    })
}

fn count_rows(dir: &Path, rel: &str, expected: &[&str]) -> Result<usize, LoadError> {
    let mut n = 0;
    Table::open(dir, rel, b',', expected)?.each(|_| {
        n += 1;
        Ok(())
    })?;
    Ok(n)
}

fn load_geo(dir: &Path) -> Result<Geo, LoadError> {
    let mut communes = Vec::new();
    Table::open(
        dir,
        "geo/communes_centroids.csv",
        b',',
        &["code_insee", "nom", "population_municipale", "lat", "lon"],
    )?
    .each(|r| {
        let code = r.required("code_insee")?;
        if code.len() != 5 {
            return Err(r.err(
                "code_insee",
                format!("`{code}` is not a 5-character INSEE code"),
            ));
        }
        // A few communes (merged ones) have no centroid: kept, without a position.
        let position = if r.get("lat").is_empty() && r.get("lon").is_empty() {
            None
        } else {
            let lat: f64 = r.number("lat")?;
            let lon: f64 = r.number("lon")?;
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                return Err(r.err("lat", "position out of range"));
            }
            Some((lat, lon))
        };
        communes.push(Commune {
            code: code.to_owned(),
            name: r.required("nom")?.to_owned(),
            population: r.get("population_municipale").parse().unwrap_or(0),
            position,
            area: None,
        });
        Ok(())
    })?;
    let mut commune_areas: HashMap<String, u32> = HashMap::new();
    let mut areas: HashMap<u32, EmploymentArea> = HashMap::new();
    Table::open(
        dir,
        "tension2020/lexique-bassins.csv",
        b',',
        &["CODE_COMMUNE_INSEE", "BE19", "NOMBE19"],
    )?
    .each(|r| {
        let area: u32 = r.number("BE19")?;
        commune_areas.insert(r.required("CODE_COMMUNE_INSEE")?.to_owned(), area);
        areas.entry(area).or_insert_with(|| EmploymentArea {
            code: area,
            name: r.get("NOMBE19").to_owned(),
        });
        Ok(())
    })?;
    for c in &mut communes {
        c.area = commune_areas.get(&c.code).copied();
    }
    let mut tension: HashMap<(String, u32), Tension> = HashMap::new();
    let t_cols = [
        "ROME",
        "cbassin",
        "lib_bassin_bmo19",
        "oee",
        "defm_abc",
        "ind_tension_d",
    ];
    Table::open(dir, "tension2020/cities-tension-utf8.csv", b';', &t_cols)?.each(|r| {
        let code = r.required("ROME")?;
        if !is_rome_code(code) {
            return Err(r.err("ROME", format!("`{code}` is not a ROME code")));
        }
        let area: u32 = r.number("cbassin")?;
        let index: u8 = r.number("ind_tension_d")?;
        if !(1..=5).contains(&index) {
            return Err(r.err("ind_tension_d", format!("`{index}` is not between 1 and 5")));
        }
        areas.entry(area).or_insert_with(|| EmploymentArea {
            code: area,
            name: r.get("lib_bassin_bmo19").to_owned(),
        });
        tension.insert(
            (code.to_owned(), area),
            Tension {
                offers: r.number("oee")?,
                seekers: r.number("defm_abc")?,
                index,
            },
        );
        Ok(())
    })?;
    Ok(Geo::new(communes, areas, tension))
}
