//! A profile as the recommendation engine takes it (`parcours recommend --profile`):
//! any JSON is refused with a message or prepared and ranked against the fixture
//! catalog, never a panic, never a NaN score.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use parcours_catalog::Catalog;
use parcours_catalog::recommend::{Profile, Weights, rank};

fn catalog() -> Option<&'static Catalog> {
    static CATALOG: OnceLock<Option<Catalog>> = OnceLock::new();
    CATALOG
        .get_or_init(|| {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../crates/catalog/tests/fixtures/ref");
            parcours_catalog::load(&dir).ok()
        })
        .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let Some(catalog) = catalog() else { return };
    let Ok(profile) = serde_json::from_slice::<Profile>(data) else { return };
    let weights = Weights::default();
    if let Ok(prepared) = profile.prepare(catalog, &weights) {
        for r in rank(catalog, &prepared, &weights, 0) {
            assert!(r.score.is_finite(), "score {} for {}", r.score, r.code_rome);
        }
    }
});
