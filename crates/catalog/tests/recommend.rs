//! The ranking rules on the hand-made fixture catalog: D1102 baker (R/C, night work,
//! mobility to J1501 and M1805), J1501 care assistant (S/R, heavy loads, high tension
//! around Rouen), M1805 developer (I).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use parcours_catalog::recommend::{Profile, Training, Weights, rank, training_required};
use parcours_catalog::{Catalog, load};

fn catalog() -> Catalog {
    load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ref")).unwrap()
}

fn profile(json: &str) -> Profile {
    serde_json::from_str(json).unwrap()
}

fn codes(c: &Catalog, p: &Profile) -> Vec<String> {
    let w = Weights::default();
    rank(c, &p.prepare(c, &w).unwrap(), &w, 0)
        .into_iter()
        .map(|r| r.code_rome)
        .collect()
}

fn score_of(c: &Catalog, p: &Profile, code: &str) -> f64 {
    let w = Weights::default();
    rank(c, &p.prepare(c, &w).unwrap(), &w, 0)
        .into_iter()
        .find(|r| r.code_rome == code)
        .map(|r| r.score)
        .unwrap()
}

#[test]
fn an_excluded_context_removes_the_fiche() {
    let c = catalog();
    assert_eq!(codes(&c, &Profile::default()).len(), 3);
    let nights = profile(r#"{"excluded_contexts": ["300803"]}"#);
    assert_eq!(codes(&c, &nights), vec!["J1501", "M1805"]);
    let loads = profile(r#"{"excluded_contexts": ["300795", "300803"]}"#);
    assert_eq!(codes(&c, &loads), vec!["M1805"]);
    let rejected = profile(r#"{"rejected": ["M1805"]}"#);
    assert!(!codes(&c, &rejected).contains(&"M1805".to_owned()));
}

#[test]
fn a_mobility_link_from_a_past_job_raises_its_target() {
    let c = catalog();
    // Same interests; only the past job differs: the baker's fiche links to M1805.
    let from_baker = profile(r#"{"riasec": {"I": 50}, "experiences": ["11573"]}"#);
    let from_care = profile(r#"{"riasec": {"I": 50}, "experiences": ["11001"]}"#);
    assert!(score_of(&c, &from_baker, "M1805") > score_of(&c, &from_care, "M1805"));
    let w = Weights::default();
    let top = rank(&c, &from_baker.prepare(&c, &w).unwrap(), &w, 0);
    let dev = top.iter().find(|r| r.code_rome == "M1805").unwrap();
    assert!(
        dev.reasons
            .iter()
            .any(|r| r.contains("Passerelle reconnue")),
        "{dev:?}"
    );
    let baker = top.iter().find(|r| r.code_rome == "D1102").unwrap();
    assert!(
        baker.reasons.iter().any(|r| r.contains("déjà exercé")),
        "{baker:?}"
    );
}

#[test]
fn ties_are_broken_by_code_and_the_ranking_is_deterministic() {
    let c = catalog();
    let empty = Profile::default();
    assert_eq!(codes(&c, &empty), vec!["D1102", "J1501", "M1805"]);
    let p = profile(r#"{"riasec": {"R": 40, "S": 40, "I": 40}}"#);
    let first = codes(&c, &p);
    for _ in 0..5 {
        assert_eq!(codes(&c, &p), first);
    }
}

#[test]
fn interests_market_and_training_shape_the_ranking_with_reasons_and_cautions() {
    let c = catalog();
    let w = Weights::default();
    let p = profile(
        r#"{"riasec": {"S": 90, "R": 60, "I": 10, "C": 20}, "interests": {"4": 5, "1": 1},
            "home_commune": "76540", "max_commute_km": 20, "max_training": "none"}"#,
    );
    let list = rank(&c, &p.prepare(&c, &w).unwrap(), &w, 2);
    assert_eq!(list.len(), 2, "the limit is respected");
    let care = &list[0];
    assert_eq!(care.code_rome, "J1501");
    assert!((0.0..=100.0).contains(&care.score));
    assert!((2..=4).contains(&care.reasons.len()), "{care:?}");
    assert!(
        care.reasons.iter().any(|r| r.contains("social")),
        "{care:?}"
    );
    assert!(
        care.reasons.iter().any(|r| r.contains("sens du contact")),
        "{care:?}"
    );
    assert!(
        care.reasons
            .iter()
            .any(|r| r.contains("peinent à recruter")),
        "{care:?}"
    );
    // The baker's fiche asks for a CAP: more than "no training".
    let all = rank(&c, &p.prepare(&c, &w).unwrap(), &w, 0);
    let baker = all.iter().find(|r| r.code_rome == "D1102").unwrap();
    assert_eq!(baker.training, Some(Training::OneYear));
    assert!(
        baker.cautions.iter().any(|r| r.contains("Demande")),
        "{baker:?}"
    );
    assert_eq!(
        training_required(c.fiche("D1102").unwrap()),
        Some(Training::OneYear)
    );
}

#[test]
fn a_bad_profile_names_every_bad_field() {
    let c = catalog();
    let w = Weights::default();
    let p = profile(
        r#"{"riasec": {"S": 120, "Z": 3}, "interests": {"99": 3, "4": 7},
            "experiences": ["1"], "excluded_contexts": ["100001"], "home_commune": "00000"}"#,
    );
    let errors = p.prepare(&c, &w).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        vec![
            "riasec.S",
            "riasec.Z",
            "interests.4",
            "interests.99",
            "experiences[0]",
            "excluded_contexts[0]",
            "home_commune"
        ]
    );
    assert!(serde_json::from_str::<Profile>(r#"{"riasec": {"S": "high"}}"#).is_err());
    assert!(serde_json::from_str::<Profile>(r#"{"hobbies": []}"#).is_err());
}

#[test]
fn the_training_a_fiche_asks_for_is_read_from_its_access_text() {
    let c = catalog();
    let mut fiche = c.fiche("D1102").unwrap().clone();
    let mut level = |text: &str| {
        fiche.access = vec![text.to_owned()];
        training_required(&fiche)
    };
    assert_eq!(
        level("Cet emploi est accessible sans diplôme particulier."),
        Some(Training::None)
    );
    assert_eq!(
        level("Cet emploi est accessible avec un CQP ou un titre professionnel."),
        Some(Training::Short)
    );
    assert_eq!(
        level("Cet emploi est accessible avec un diplôme de niveau CAP à Bac+2."),
        Some(Training::OneYear)
    );
    assert_eq!(
        level("Cet emploi est accessible avec un diplôme de niveau Bac + 2 à Bac + 3."),
        Some(Training::More)
    );
    assert_eq!(
        level("Cet emploi est accessible avec un Diplôme d''Etat d''éducateur spécialisé."),
        Some(Training::More)
    );
    // The entry sentence decides; an extra licence mentioned later does not.
    assert_eq!(
        level(
            "Cet emploi est accessible avec un BTS. Des habilitations électriques sont nécessaires."
        ),
        Some(Training::More)
    );
    assert_eq!(level("Une expérience de 3 ans est requise."), None);
}

#[test]
fn the_top_work_values_favour_the_fiches_that_serve_them() {
    let c = catalog();
    let helping = profile(r#"{"values": ["helping", "balance", "learning"]}"#);
    assert_eq!(codes(&c, &helping)[0], "J1501");
    let w = Weights::default();
    let care = rank(&c, &helping.prepare(&c, &w).unwrap(), &w, 1);
    assert!(
        care[0]
            .reasons
            .iter()
            .any(|r| r.contains("utile aux autres")),
        "{care:?}"
    );
    let learning = profile(r#"{"values": ["learning"]}"#);
    assert_eq!(codes(&c, &learning)[0], "M1805");
    let errors = profile(r#"{"values": ["fame"]}"#)
        .prepare(&c, &w)
        .unwrap_err();
    assert_eq!(errors[0].field, "values[0]");
}
