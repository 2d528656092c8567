//! Prints the ranking of one reco-eval profile with scores, training and cautions:
//! `cargo run --release -p parcours-catalog --example explain_profile -- REF_DIR FILE [N]`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use parcours_catalog::recommend::{Profile, Weights, rank};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "../shared/ref".into());
    let catalog = parcours_catalog::load(std::path::Path::new(&dir)).expect("reference data");
    let mut weights = Weights::default();
    // Experiments: RECO_W="interests=4,riasec=2".
    for pair in std::env::var("RECO_W").unwrap_or_default().split(',') {
        let Some((k, v)) = pair.split_once('=') else {
            continue;
        };
        let v: f64 = v.parse().unwrap();
        match k {
            "riasec" => weights.riasec = v,
            "interests" => weights.interests = v,
            "principal" => weights.interest_principal_factor = v,
            "skills" => weights.skills = v,
            "mobility" => weights.mobility = v,
            "market" => weights.market = v,
            "values" => weights.values = v,
            "gap" => weights.training_gap_penalty = v,
            "current" => weights.current_job_factor = v,
            "family" => weights.current_family_factor = v,
            "regulated" => weights.regulated_penalty = v,
            "munknown" => weights.market_unknown = v,
            "sel" => weights.selective_penalty = v,
            "stretch" => weights.interest_stretch = v,
            "caution" => weights.caution_penalty = v,
            "cexp" => weights.change_experience_factor = v,
            "cint" => weights.change_interests_factor = v,
            _ => panic!("{k}"),
        }
    }
    let n: usize = std::env::var("RECO_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    for file in args {
        let text = std::fs::read_to_string(&file).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let profile: Profile =
            serde_json::from_value(value.get("profile").cloned().unwrap_or(value.clone())).unwrap();
        let prepared = profile.prepare(&catalog, &weights).unwrap();
        println!("== {file}");
        for code in std::env::var("RECO_WHY")
            .unwrap_or_default()
            .split(',')
            .filter(|c| !c.is_empty())
        {
            let r = parcours_catalog::recommend::explain_fiche(&catalog, &prepared, &weights, code);
            println!(
                "why {code}: {:?}",
                r.map(|r| (r.score, r.training, r.entry_level, r.cautions))
            );
        }
        for (i, r) in rank(&catalog, &prepared, &weights, n).iter().enumerate() {
            println!(
                "{:2}. {} {:50.50} {:5.1} {:?}/{:?} R={:?} C={:?}",
                i + 1,
                r.code_rome,
                r.label,
                r.score,
                r.training,
                r.entry_level,
                r.reasons,
                r.cautions
            );
        }
    }
}
