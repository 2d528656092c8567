//! The loader on a small hand-made reference set, and how it refuses broken files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use parcours_catalog::{CoreLevel, LoadError, load};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ref")
}

/// A writable copy of the fixture set.
fn copy_fixture() -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(&fixture(), dir.path());
    dir
}

fn edit(dir: &Path, rel: &str, f: impl FnOnce(String) -> String) {
    let path = dir.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(path, f(text)).unwrap();
}

const CODES: &str = "rome4/unix_referentiel_code_rome_v460_utf8.csv";
const APPELLATIONS: &str = "rome4/unix_referentiel_appellation_v460_utf8.csv";

#[test]
fn loads_the_fixture_model() {
    let c = load(&fixture()).unwrap();
    let counts = c.counts();
    assert_eq!(
        (
            counts.fiches,
            counts.appellations,
            counts.centres_interet,
            counts.mobility_links
        ),
        (3, 13, 2, 2)
    );
    assert_eq!(counts.esco_occupations, 1);
    let baker = c.fiche("D1102").unwrap();
    assert_eq!(baker.domaine, "D11");
    assert_eq!(
        (baker.riasec_major, baker.riasec_minor),
        (Some('R'), Some('C'))
    );
    assert_eq!(
        baker.mobility,
        vec!["M1805", "J1501"],
        "mobility in numero_ordre order"
    );
    assert_eq!(
        baker.definition,
        vec!["Première phrase.", "Deuxième phrase."]
    );
    assert_eq!(baker.access, vec!["Un CAP suffit."]);
    assert_eq!(baker.interests, vec![(1, true), (4, false)]);
    assert_eq!(baker.contexts, vec![300803]);
    assert_eq!(
        baker
            .skills
            .iter()
            .filter(|s| s.core == Some(CoreLevel::Principal))
            .count(),
        1
    );
    let carer = c.fiche("J1501").unwrap();
    assert!(carer.regulated && carer.transition_demo && !carer.cadre);
    assert!(c.fiche("M1805").unwrap().cadre);
    assert_eq!(
        c.centre_interet(1).unwrap().definition,
        "Texte d'essai.\n\nSur deux paragraphes."
    );
    assert_eq!(
        c.fiches_with_interest(4)
            .iter()
            .map(|f| f.code.as_str())
            .collect::<Vec<_>>(),
        vec!["J1501", "D1102"]
    );
}

#[test]
fn search_ignores_accents_case_gender_and_typos() {
    let c = load(&fixture()).unwrap();
    let first = |q: &str| c.search_occupations(q, 3).first().map(|h| h.code.clone());
    assert_eq!(first("boulangere").as_deref(), Some("D1102"));
    assert_eq!(first("BOULANGÈRE pâtissière").as_deref(), Some("D1102"));
    assert_eq!(first("aide soignant").as_deref(), Some("J1501"));
    assert_eq!(first("aide-soignante").as_deref(), Some("J1501"));
    assert_eq!(first("devloppeur").as_deref(), Some("M1805"));
    assert_eq!(first("develop").as_deref(), Some("M1805"));
    assert_eq!(first("boul").as_deref(), Some("D1102"));
    assert_eq!(first("zzz"), None);
    let hit = &c.search_occupations("developpeuse web", 1)[0];
    assert_eq!(
        hit.appellation.as_deref(),
        Some("Développeur / Développeuse web")
    );
}

#[test]
fn job_titles_are_found_with_their_code_and_practised_skills() {
    let c = load(&fixture()).unwrap();
    let hits = c.search_appellations("boulangere", 5);
    assert_eq!(hits.len(), 2, "both bakery titles match: {hits:?}");
    assert_eq!(hits[0].code, 11573, "the shorter title first");
    assert_eq!(hits[0].fiche_code, "D1102");
    assert!(c.search_appellations("zzz", 5).is_empty());
    let (appellation, fiche) = c.appellation(11574).unwrap();
    assert_eq!(appellation.short_label, "Boulanger-pâtissier");
    assert_eq!(fiche.code, "D1102");
    assert!(c.appellation(1).is_none());
    // Know-how only (not knowledge 100002 nor the night-work context), core first.
    assert_eq!(c.practised_skills(fiche, 8), vec![100001]);
    assert!(c.practised_skills(fiche, 0).is_empty());
}

#[test]
fn communes_areas_and_tension() {
    let c = load(&fixture()).unwrap();
    assert_eq!(c.search_communes("evr", 5)[0].code, "27229");
    assert_eq!(c.search_communes("76", 5).len(), 2);
    assert_eq!(c.search_communes("havre", 5)[0].name, "Le Havre");
    let near = c.geo.areas_within("76540", 60.0).unwrap();
    assert_eq!(
        near.iter().map(|a| a.code).collect::<Vec<_>>(),
        vec![2811, 2804]
    );
    let far = c.geo.areas_within("76540", 100.0).unwrap();
    assert_eq!(far.len(), 3);
    assert!(
        c.geo.areas_within("12218", 50.0).is_none(),
        "no position, no radius"
    );
    let t = c.geo.tension_in_reach(c.fiche("D1102").unwrap(), &near);
    assert_eq!((t.areas_with_data, t.offers, t.seekers), (2, 50, 90));
    assert!(
        (t.mean_index.unwrap() - 3.6).abs() < 1e-9,
        "offer-weighted: (40*4 + 10*2) / 50"
    );
}

fn load_err(dir: &Path) -> String {
    match load(dir) {
        Ok(_) => panic!("the broken set loaded"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_truncated_line_names_file_and_line() {
    let dir = copy_fixture();
    edit(dir.path(), APPELLATIONS, |t| {
        t.replace(r#","Boulanger-pâtissier","D1102","Emploi Blanc","","","","","SYNONYME","","D1102","N""#, r#","Boulanger-pâtissier""#)
    });
    let e = load_err(dir.path());
    assert!(e.starts_with(&format!("{APPELLATIONS}:3:")), "{e}");
    assert!(e.contains("fields where the header has 13"), "{e}");
}

#[test]
fn an_unknown_code_names_file_line_and_column() {
    let dir = copy_fixture();
    edit(dir.path(), APPELLATIONS, |t| {
        t.replacen(r#""M1805","Emploi"#, r#""M9999","Emploi"#, 1)
    });
    assert_eq!(
        load(dir.path()).err(),
        Some(LoadError::Field {
            file: APPELLATIONS.into(),
            line: 5,
            column: "code_rome".into(),
            message: "unknown ROME code `M9999`".into()
        })
    );
    let dir = copy_fixture();
    edit(dir.path(), CODES, |t| {
        t.replace(r#""J1501","101""#, r#""J15O1","101""#)
    });
    assert!(load_err(dir.path()).starts_with(&format!(
        "{CODES}:3: column `code_rome`: `J15O1` is not a ROME code"
    )));
}

#[test]
fn a_wrong_column_bad_encoding_or_missing_file_is_refused() {
    let dir = copy_fixture();
    edit(dir.path(), CODES, |t| {
        t.replacen("libelle_rome", "intitule", 1)
    });
    assert_eq!(
        load_err(dir.path()),
        format!("{CODES}:1: column `libelle_rome`: column missing from the header")
    );

    let dir = copy_fixture();
    let path = dir.path().join("geo/communes_centroids.csv");
    let mut bytes = std::fs::read(&path).unwrap();
    let needle = "Évreux".as_bytes();
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    bytes.splice(at..at + 2, [0xC9u8]); // "É" in cp1252
    std::fs::write(&path, bytes).unwrap();
    let e = load_err(dir.path());
    assert!(
        e.starts_with("geo/communes_centroids.csv:4:") && e.contains("UTF-8"),
        "{e}"
    );

    let dir = copy_fixture();
    std::fs::remove_file(dir.path().join("tension2020/lexique-bassins.csv")).unwrap();
    assert_eq!(
        load_err(dir.path()),
        "tension2020/lexique-bassins.csv: file missing"
    );

    let dir = copy_fixture();
    edit(dir.path(), "rome4/version.txt", |_| "rien\n".into());
    assert!(load_err(dir.path()).starts_with("rome4/version.txt:1: no `Numero de version"));
}

#[test]
fn inconsistent_values_are_refused() {
    let dir = copy_fixture();
    edit(
        dir.path(),
        "rome4/unix_referentiel_code_rome_riasec_v460_utf8.csv",
        |t| t.replace(r#""M1805","I","""#, r#""M1805","X","""#),
    );
    assert!(
        load_err(dir.path()).contains("column `riasec_majeur`: `X` is not one of R, I, A, S, E, C")
    );
    let dir = copy_fixture();
    edit(dir.path(), "tension2020/cities-tension-utf8.csv", |t| {
        t.replace(";40;60;4", ";40;60;9")
    });
    assert_eq!(
        load_err(dir.path()),
        "tension2020/cities-tension-utf8.csv:2: column `ind_tension_d`: `9` is not between 1 and 5"
    );
    let dir = copy_fixture();
    edit(dir.path(), "rome4/unix_coherence_item_v460_utf8.csv", |t| {
        t.replace("100002", "999999")
    });
    assert!(
        load_err(dir.path()).contains(
            "unix_coherence_item_v460_utf8.csv:3: column `code_ogr`: unknown item `999999`"
        )
    );
}

#[test]
fn a_huge_line_or_file_is_refused_without_reading_it_whole() {
    use parcours_catalog::{MAX_REFERENCE_FILE_MIB, MAX_REFERENCE_LINE_BYTES};
    // A 100 MB line, first in the header, then on line 3 of a file.
    for (rel, at_line) in [(CODES, 1), (APPELLATIONS, 3)] {
        let dir = copy_fixture();
        edit(dir.path(), rel, |t| {
            let mut lines: Vec<String> = t.lines().map(str::to_owned).collect();
            lines[at_line - 1].push_str(&"x".repeat(100 * 1024 * 1024));
            lines.join("\n")
        });
        assert_eq!(
            load_err(dir.path()),
            format!("{rel}:{at_line}: line longer than {MAX_REFERENCE_LINE_BYTES} bytes")
        );
    }
    // A file past the bound, made of short (blank) lines; and a sparse one of 1 GiB.
    let dir = copy_fixture();
    edit(dir.path(), APPELLATIONS, |t| {
        t + &"\n".repeat(MAX_REFERENCE_FILE_MIB as usize * 1024 * 1024)
    });
    let e = load_err(dir.path());
    assert!(
        e.starts_with(APPELLATIONS)
            && e.ends_with(&format!("file larger than {MAX_REFERENCE_FILE_MIB} MiB")),
        "{e}"
    );
    let dir = copy_fixture();
    let file = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join(CODES))
        .unwrap();
    file.set_len(1024 * 1024 * 1024).unwrap();
    let e = load_err(dir.path());
    assert!(
        e.starts_with(&format!("{CODES}:")) && e.contains("longer than"),
        "{e}"
    );
}
