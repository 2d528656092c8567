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
    let base = profile(r#"{"riasec": {"R": 50, "S": 60, "I": 40}}"#);
    assert_eq!(codes(&c, &base).len(), 3);
    let nights =
        profile(r#"{"riasec": {"R": 50, "S": 60, "I": 40}, "excluded_contexts": ["300803"]}"#);
    assert_eq!(codes(&c, &nights), vec!["J1501", "M1805"]);
    let loads = profile(
        r#"{"riasec": {"R": 50, "S": 60, "I": 40}, "excluded_contexts": ["300795", "300803"]}"#,
    );
    assert_eq!(codes(&c, &loads), vec!["M1805"]);
    let rejected = profile(r#"{"riasec": {"R": 50, "S": 60, "I": 40}, "rejected": ["M1805"]}"#);
    assert!(!codes(&c, &rejected).contains(&"M1805".to_owned()));
}

#[test]
fn no_answers_make_no_pistes() {
    let c = catalog();
    let w = Weights::default();
    let only_constraints = profile(r#"{"schedule_limits": ["nights"], "home_commune": "76540"}"#);
    let prepared = only_constraints.prepare(&c, &w).unwrap();
    assert!(!prepared.has_answers());
    assert!(rank(&c, &prepared, &w, 40).is_empty());
    assert_eq!(prepared.flags(), vec!["no_answers"]);
}

#[test]
fn profile_v2_keys_are_read_and_unknown_ones_refused_by_name() {
    let p = profile(
        r#"{"intent": "change", "qualification": "cap_bep", "hours": "part_time",
            "schedule_limits": ["nights", "weekends", "shifts"],
            "health_limits": ["heavy_loads", "standing", "bending_kneeling", "heights", "outdoors",
                              "chemicals_dust", "driving", "noise", "repetitive_gestures"],
            "driving_licence": false, "travel": {"mode": "public_transport", "max_minutes": 40}}"#,
    );
    assert_eq!(p.health_limits.len(), 9);
    let error = serde_json::from_str::<Profile>(r#"{"travel": {"mode": "car", "max_km": 3}}"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains("max_km"), "{error}");
    let error = serde_json::from_str::<Profile>(r#"{"intnet": "change"}"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains("intnet"), "{error}");
    assert!(serde_json::from_str::<Profile>(r#"{"schedule_limits": ["mornings"]}"#).is_err());
    assert!(serde_json::from_str::<Profile>(r#"{"qualification": "phd"}"#).is_err());
    let c = catalog();
    let w = Weights::default();
    let errors = profile(r#"{"travel": {"mode": "walk", "max_minutes": 999}}"#)
        .prepare(&c, &w)
        .unwrap_err();
    assert_eq!(errors[0].field, "travel.max_minutes");
}

#[test]
fn a_schedule_limit_removes_the_fiches_with_its_contexts() {
    let c = catalog();
    // The baker's fiche carries night work (300803): gone for someone who cannot.
    let nights =
        profile(r#"{"riasec": {"R": 80, "C": 60, "S": 20}, "schedule_limits": ["nights"]}"#);
    assert!(!codes(&c, &nights).contains(&"D1102".to_owned()));
    // Heavy loads on the care assistant's fiche: intrinsic there (curated table).
    let loads =
        profile(r#"{"riasec": {"R": 80, "C": 60, "S": 20}, "health_limits": ["heavy_loads"]}"#);
    assert!(!codes(&c, &loads).contains(&"J1501".to_owned()));
}

#[test]
fn intent_change_moves_the_current_job_down_and_says_so() {
    let c = catalog();
    let w = Weights::default();
    let stay = profile(r#"{"riasec": {"R": 70, "C": 60, "I": 50}, "experiences": ["11573"]}"#);
    assert_eq!(codes(&c, &stay)[0], "D1102");
    let change = profile(
        r#"{"riasec": {"R": 70, "C": 60, "I": 50}, "experiences": ["11573"], "intent": "change"}"#,
    );
    let list = rank(&c, &change.prepare(&c, &w).unwrap(), &w, 0);
    let baker = list.iter().position(|r| r.code_rome == "D1102").unwrap();
    assert!(baker > 0, "{list:?}");
    assert!(list[baker].current_job);
    assert!(
        list[baker]
            .cautions
            .iter()
            .any(|r| r.contains("votre métier actuel")),
        "{:?}",
        list[baker]
    );
    // A job already held asks for no training.
    assert_eq!(list[baker].training, Some(Training::None));
    assert!(!list[baker].cautions.iter().any(|r| r.contains("Demande")));
}

#[test]
fn a_flat_riasec_profile_is_flagged() {
    let c = catalog();
    let w = Weights::default();
    let high = profile(r#"{"riasec": {"R": 90, "I": 92, "A": 88, "S": 91, "E": 89, "C": 90}}"#);
    let prepared = high.prepare(&c, &w).unwrap();
    assert_eq!(prepared.flags(), vec!["riasec_all_high"]);
    assert!(!prepared.notes_fr().is_empty());
    let shaped = profile(r#"{"riasec": {"R": 90, "I": 20, "A": 10, "S": 30, "E": 20, "C": 60}}"#);
    assert!(shaped.prepare(&c, &w).unwrap().flags().is_empty());
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
    // A flat profile scores every fiche alike: code order.
    let flat = profile(r#"{"riasec": {"R": 50, "I": 50, "A": 50, "S": 50, "E": 50, "C": 50}}"#);
    assert_eq!(codes(&c, &flat), vec!["D1102", "J1501", "M1805"]);
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
