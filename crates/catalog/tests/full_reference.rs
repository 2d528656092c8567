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

#[test]
fn every_fiche_gets_an_entry_route_read_from_its_whole_access_text() {
    use parcours_catalog::entry::Qualification;
    let Some(dir) = ref_dir() else { return };
    let catalog = parcours_catalog::load(&dir).unwrap();
    let mut by_level = std::collections::BTreeMap::new();
    for i in 0..catalog.fiches.len() {
        let route = catalog.entry_at(i).unwrap();
        *by_level
            .entry(route.level.map_or("unknown", |l| l.code()))
            .or_insert(0usize) += 1;
    }
    eprintln!(
        "entry levels over {} fiches: {by_level:?}",
        catalog.fiches.len()
    );
    // Counts of the ROME 4.0 v460 release with the shipped overrides; a change in the
    // parser or the data shows here.
    assert_eq!(by_level.values().sum::<usize>(), 1584);
    assert!(
        by_level.get("unknown").copied().unwrap_or(0) < 70,
        "{by_level:?}"
    );
    // An entry sentence that opens on a master, an engineering degree or a Bac+5 (the
    // cases the first-word parser read as "none" or "short") is read as Bac+5.
    let mut misread = Vec::new();
    let mut checked = 0;
    let mut exact = 0;
    for (i, fiche) in catalog.fiches.iter().enumerate() {
        let Some(first) = fiche.access.first() else {
            continue;
        };
        let folded = parcours_catalog::fold::fold(first)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let high = [
            "accessible avec un master",
            "accessible avec un diplome d ingenieur",
            "accessible avec un bac 5",
            "accessible avec un diplome de niveau bac 5",
        ]
        .iter()
        .any(|w| folded.contains(w));
        if !high {
            continue;
        }
        checked += 1;
        let level = catalog.entry_at(i).unwrap().level;
        if level == Some(Qualification::Bac5) {
            exact += 1;
        }
        // A lower route in the same sentence ("ou une Licence") may lower it, never
        // below Bac+2.
        if level.is_none_or(|l| l < Qualification::Bac2) {
            misread.push(format!("{} {level:?} {first}", fiche.code));
        }
    }
    eprintln!("{checked} fiches open on a Bac+5 route, {exact} read as Bac+5");
    assert!(checked > 50);
    assert!(misread.is_empty(), "{misread:#?}");
    // A sample for checking by hand: every 40th fiche.
    for (i, fiche) in catalog.fiches.iter().enumerate().step_by(40) {
        let route = catalog.entry_at(i).unwrap();
        eprintln!(
            "SAMPLE {} {:?} cert={} :: {}",
            fiche.code,
            route.level,
            route.certificate,
            fiche.access.join(" ").chars().take(220).collect::<String>()
        );
    }
    // Every override names a real fiche.
    for code in catalog.entry_overrides().codes() {
        assert!(catalog.fiche(code).is_some(), "override for unknown {code}");
    }
}

#[test]
fn the_constraints_file_names_real_codes_and_removes_what_it_says() {
    use parcours_catalog::constraints::{Effect, Limit};
    let Some(dir) = ref_dir() else { return };
    let catalog = parcours_catalog::load(&dir).unwrap();
    let constraints = &catalog.constraints;
    for code in &constraints.context_codes {
        let item = catalog.items.get(code);
        assert!(
            item.is_some_and(|i| i.kind == parcours_catalog::ItemKind::Context),
            "{code} is not a ROME work context"
        );
    }
    for entry in &constraints.fiche_entries {
        assert!(
            catalog
                .fiches
                .iter()
                .any(|f| f.code.starts_with(entry.as_str())),
            "{entry} names no fiche"
        );
    }
    for limit in Limit::ALL {
        eprintln!(
            "{}: {:?} (excluded, cautioned)",
            limit.id(),
            constraints.counts(limit)
        );
    }
    // "Weekends and public holidays" (23376) counts as weekend work.
    let index = |code: &str| catalog.fiches.iter().position(|f| f.code == code).unwrap();
    let with_23376 = catalog
        .fiches
        .iter()
        .position(|f| f.contexts.contains(&23376) && !f.code.starts_with(['C', 'F', 'H', 'I', 'M']))
        .unwrap();
    assert_eq!(
        constraints.effect(Limit::Weekends, with_23376),
        Effect::Excluded
    );
    assert!(constraints.counts(Limit::Weekends).0 >= 400);
    // A rotating-shift fiche is removed for "no shifts".
    let rotating = catalog
        .fiches
        .iter()
        .position(|f| {
            f.contexts.contains(&300808)
                && !f.contexts.contains(&126450)
                && !["D1106", "G1608", "F1620", "K1707", "I1310"].contains(&f.code.as_str())
        })
        .unwrap();
    assert_eq!(
        constraints.effect(Limit::Shifts, rotating),
        Effect::Excluded
    );
    // Intrinsic: handling carries loads in every post; a nanny's nights are some posts.
    assert_eq!(
        constraints.effect(Limit::HeavyLoads, index("N1105")),
        Effect::Excluded
    );
    assert_ne!(
        constraints.effect(Limit::Nights, index("K1303")),
        Effect::Excluded
    );
    // The curated table: demands ROME's contexts do not carry (flour dust for a
    // pizzaïolo, solvents for a car body painter, noise for a welder, heights for an
    // antenna installer); split shifts (400005) remove a dishwasher.
    for (code, limit) in [
        ("G1604", Limit::ChemicalsDust),
        ("I1606", Limit::ChemicalsDust),
        ("H2913", Limit::Noise),
        ("I1307", Limit::Heights),
        ("G1605", Limit::Shifts),
        ("J1301", Limit::Shifts),
    ] {
        assert_eq!(
            constraints.effect(limit, index(code)),
            Effect::Excluded,
            "{code}"
        );
    }
    // Collective catering keeps its weekday posts, with a caution.
    assert_eq!(
        constraints.effect(Limit::Weekends, index("G1606")),
        Effect::Caution
    );
}

#[test]
fn rankings_on_the_full_reference_hold_the_constraints_and_spread_the_list() {
    use parcours_catalog::constraints::{Effect, Limit};
    use parcours_catalog::recommend::{Profile, Weights, rank};
    let Some(dir) = ref_dir() else { return };
    let catalog = parcours_catalog::load(&dir).unwrap();
    let w = Weights::default();
    // A single parent, former cashier with back problems, who cannot work weekends
    // or nights and wants to change; two centres d'intérêt rated 5/5.
    let p: Profile = serde_json::from_str(
        r#"{"riasec": {"R": 40, "I": 30, "A": 55, "S": 80, "E": 35, "C": 60},
            "interests": {"1": 5, "12": 5, "20": 2},
            "experiences": ["11640"],
            "intent": "change", "qualification": "cap_bep", "hours": "part_time",
            "schedule_limits": ["weekends", "nights"], "health_limits": ["heavy_loads", "standing"],
            "driving_licence": false, "home_commune": "76540",
            "travel": {"mode": "public_transport", "max_minutes": 45}}"#,
    )
    .unwrap();
    let prepared = p.prepare(&catalog, &w).unwrap();
    let list = rank(&catalog, &prepared, &w, 40);
    assert_eq!(list.len(), 40);
    let index = |code: &str| catalog.fiches.iter().position(|f| f.code == code).unwrap();
    for r in &list {
        let i = index(&r.code_rome);
        for limit in [
            Limit::Weekends,
            Limit::Nights,
            Limit::HeavyLoads,
            Limit::Standing,
            Limit::NoLicence,
        ] {
            assert_ne!(
                catalog.constraints.effect(limit, i),
                Effect::Excluded,
                "{} {}",
                r.code_rome,
                limit.id()
            );
        }
        assert!(!r.reasons.is_empty());
    }
    let mut domains = std::collections::BTreeMap::new();
    for r in list.iter().take(10) {
        *domains.entry(&r.code_rome[..3]).or_insert(0) += 1;
    }
    assert!(domains.values().all(|n| *n <= 3), "{domains:?}");
    for loved in [1u8, 12] {
        let principal = |code: &str| {
            catalog
                .fiche(code)
                .unwrap()
                .interests
                .iter()
                .any(|(c, p)| *p && *c == loved)
        };
        // "When any fiche fits the constraints": one in the whole ranking.
        let all = rank(&catalog, &prepared, &w, 0);
        let possible = all.iter().filter(|r| principal(&r.code_rome)).count();
        eprintln!("centre d'intérêt {loved}: {possible} fiches fit");
        if possible > 0 {
            assert!(
                list.iter().take(20).any(|r| principal(&r.code_rome)),
                "interest {loved}"
            );
        }
    }
    for r in list.iter().take(10) {
        eprintln!(
            "{} {} {:.1} {:?} {:?}",
            r.code_rome, r.label, r.score, r.reasons, r.cautions
        );
    }
}

#[test]
fn no_reference_text_keeps_a_doubled_apostrophe() {
    let Some(dir) = ref_dir() else { return };
    let catalog = parcours_catalog::load(&dir).unwrap();
    let doubled: Vec<String> = catalog
        .fiches
        .iter()
        .flat_map(|f| {
            f.definition
                .iter()
                .chain(f.access.iter())
                .map(move |t| (f, t))
        })
        .filter(|(_, t)| t.contains("''"))
        .map(|(f, t)| format!("{}: {t}", f.code))
        .collect();
    assert!(
        doubled.is_empty(),
        "{} texts with '': {:?}",
        doubled.len(),
        doubled.first()
    );
    // The unescaped apostrophe is there (the file writes it doubled on 5,248 lines).
    let with_apostrophe = catalog
        .fiches
        .iter()
        .flat_map(|f| f.definition.iter().chain(f.access.iter()))
        .filter(|t| t.contains("l'entretien"))
        .count();
    assert!(with_apostrophe > 10, "{with_apostrophe}");
}
