//! Prints how the access texts of a reference release classify into training levels,
//! and a sample of those left unclassified: `cargo run -p parcours-catalog --example
//! training_levels -- ../shared/ref`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/ref".into());
    let catalog = parcours_catalog::load(std::path::Path::new(&dir)).expect("reference data");
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut unknown = Vec::new();
    for fiche in &catalog.fiches {
        let level = parcours_catalog::recommend::training_required(fiche);
        *counts.entry(format!("{level:?}")).or_default() += 1;
        if level.is_none() {
            unknown.push(format!("{} {}", fiche.code, fiche.access.join(" ")));
        }
    }
    println!("{counts:?}");
    for line in unknown.iter().take(200) {
        println!("{}", line.chars().take(300).collect::<String>());
    }
}
