//! The full reference set of `../shared/ref` (or PARCOURS_REF_DIR), when present.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

fn ref_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PARCOURS_REF_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/ref"));
    if dir.join("rome4/version.txt").is_file() {
        Some(dir)
    } else {
        // CI always has it beside the clone; say loudly when it is not there.
        assert!(
            std::env::var("CI").is_err(),
            "reference data missing under CI: {}",
            dir.display()
        );
        eprintln!("skipped: no reference data at {}", dir.display());
        None
    }
}

#[test]
fn loads_the_official_counts_and_finds_occupations() {
    let Some(dir) = ref_dir() else { return };
    let catalog = parcours_catalog::load(&dir).unwrap();
    let counts = catalog.counts();
    assert_eq!(catalog.version.number, "60");
    assert_eq!(counts.fiches, 1584);
    assert_eq!(counts.appellations, 13120);
    assert_eq!(counts.centres_interet, 30);
    assert_eq!(counts.mobility_links, 14912);
    assert_eq!(counts.communes, 34875);
    assert_eq!(counts.esco_occupations, 2942);
    assert!(counts.tension_rows > 27_000);
    // Every fiche has exactly one principal centre d'intérêt.
    assert!(
        catalog
            .fiches
            .iter()
            .all(|f| f.interests.iter().filter(|(_, p)| *p).count() == 1)
    );

    let top = |q: &str| {
        catalog
            .search_occupations(q, 5)
            .into_iter()
            .map(|h| h.code)
            .collect::<Vec<_>>()
    };
    assert!(
        top("boulangere").contains(&"D1102".to_owned()),
        "{:?}",
        top("boulangere")
    );
    assert!(
        top("aide soignant").contains(&"J1501".to_owned()),
        "{:?}",
        top("aide soignant")
    );
    let dev = top("devloppeur");
    assert!(dev.iter().any(|c| c == "M1805" || c == "M1855"), "{dev:?}");
    assert!(top("xyzzyq").is_empty());

    let rouen = catalog.search_communes("rouen", 3);
    assert_eq!(rouen[0].code, "76540");
    let areas = catalog.geo.areas_within("76540", 30.0).unwrap();
    assert!(!areas.is_empty() && areas[0].distance_km == 0.0);
    let baker = catalog.fiche("D1102").unwrap();
    let summary = catalog.geo.tension_in_reach(baker, &areas);
    assert!(
        summary.areas_with_data >= 1 && summary.mean_index.is_some(),
        "{summary:?}"
    );
}
