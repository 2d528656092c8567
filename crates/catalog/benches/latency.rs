//! Per-query search latency (p50/p99/max) over realistic queries made from all 13,120
//! appellations, plus resident memory before and after loading the full reference set.
//! Run: cargo bench -p parcours-catalog --bench latency
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Instant;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_owned)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let dir = std::env::var_os("PARCOURS_REF_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/ref"));
    if !dir.join("rome4/version.txt").is_file() {
        println!(
            "reference data not found at {}: set PARCOURS_REF_DIR",
            dir.display()
        );
        return;
    }
    let before = rss_kib();
    let started = Instant::now();
    let catalog = parcours_catalog::load(&dir).unwrap();
    let load_ms = started.elapsed().as_secs_f64() * 1000.0;
    let after = rss_kib();
    println!(
        "load: {load_ms:.0} ms; resident memory {} MiB before, {} MiB after (+{} MiB)",
        before / 1024,
        after / 1024,
        (after - before) / 1024
    );

    // What people type: the start of the first word, plus the next word if any, and a typo.
    let mut queries: Vec<String> = Vec::new();
    for a in &catalog.appellations {
        let words = parcours_catalog::fold::words(&a.label);
        let Some(first) = words.first() else { continue };
        let stem: String = first.chars().take(6).collect();
        match words.get(1) {
            Some(second) => queries.push(format!("{stem} {second}")),
            None => queries.push(stem.clone()),
        }
        if first.len() > 6 {
            let mut typo: Vec<char> = first.chars().collect();
            typo.swap(2, 3);
            queries.push(typo.into_iter().collect());
        }
    }
    let mut times: Vec<f64> = Vec::with_capacity(queries.len());
    let mut found = 0usize;
    for q in &queries {
        let t = Instant::now();
        let hits = catalog.search_occupations(q, 20);
        times.push(t.elapsed().as_secs_f64() * 1e6);
        found += usize::from(!hits.is_empty());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "search: {} queries ({} with results), p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        queries.len(),
        found,
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or(0.0)
    );
    let mut radius: Vec<f64> = Vec::new();
    for c in catalog.geo.communes.iter().step_by(50) {
        let t = Instant::now();
        let _ = catalog.geo.areas_within(&c.code, 30.0);
        radius.push(t.elapsed().as_secs_f64() * 1e6);
    }
    radius.sort_by(f64::total_cmp);
    println!(
        "areas within 30 km: {} communes, p50 {:.0} µs, p99 {:.0} µs",
        radius.len(),
        percentile(&radius, 0.5),
        percentile(&radius, 0.99)
    );
}
