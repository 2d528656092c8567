//! Catalog benchmarks on the full reference set (skipped when it is absent):
//! load time, occupation search, commune-radius lookup.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};

fn ref_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PARCOURS_REF_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/ref"));
    dir.join("rome4/version.txt").is_file().then_some(dir)
}

fn benches(c: &mut Criterion) {
    let Some(dir) = ref_dir() else {
        eprintln!("reference data not found: set PARCOURS_REF_DIR");
        return;
    };
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    group.bench_function("full reference set", |b| {
        b.iter(|| parcours_catalog::load(black_box(&dir)).unwrap())
    });
    group.finish();

    let catalog = parcours_catalog::load(&dir).unwrap();
    let queries = [
        "boulangere",
        "aide soignant",
        "devloppeur",
        "conducteur",
        "infirmier bloc",
        "plombier",
        "a",
        "xyzzy",
    ];
    let mut group = c.benchmark_group("search");
    for q in queries {
        group.bench_function(q, |b| {
            b.iter(|| catalog.search_occupations(black_box(q), 20))
        });
    }
    group.finish();
    c.bench_function("areas within 30 km of Rouen", |b| {
        b.iter(|| catalog.geo.areas_within(black_box("76540"), 30.0).unwrap())
    });
}

criterion_group!(catalog, benches);
criterion_main!(catalog);
