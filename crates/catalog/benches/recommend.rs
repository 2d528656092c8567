//! The recommendation engine over the real catalog: one full ranking with explanations
//! (criterion, then p50/p99/max over 2,000 varied profiles, single-threaded), and a
//! batch of 100,000 profiles ranked on every core.
//! Profiles also rank three work values and use the v2 keys (intent, qualification,
//! hours, schedule and health limits, licence, travel).
//! Run: cargo bench -p parcours-catalog --bench recommend
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Instant;

use criterion::Criterion;
use parcours_catalog::Catalog;
use parcours_catalog::recommend::{
    HealthLimit, Hours, Intent, Profile, Qualification, ScheduleLimit, Training, Travel,
    TravelMode, Weights, rank,
};

/// Deterministic profiles of every shape: some with everything, some nearly empty.
struct Profiles {
    state: u64,
    communes: Vec<String>,
    appellations: Vec<String>,
}

impl Profiles {
    fn new(catalog: &Catalog) -> Self {
        Profiles {
            state: 42,
            communes: catalog
                .geo
                .communes
                .iter()
                .filter(|c| c.position.is_some() && c.area.is_some())
                .map(|c| c.code.clone())
                .collect(),
            appellations: catalog
                .appellations
                .iter()
                .map(|a| a.code.to_string())
                .collect(),
        }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn profile(&mut self) -> Profile {
        let mut p = Profile::default();
        for letter in ["R", "I", "A", "S", "E", "C"] {
            p.riasec.insert(letter.into(), self.below(101) as f64);
        }
        for _ in 0..(3 + self.below(8)) {
            p.interests
                .insert((1 + self.below(30)).to_string(), 1 + self.below(5) as u8);
        }
        for _ in 0..self.below(3) {
            let i = self.below(self.appellations.len());
            p.experiences.push(self.appellations[i].clone());
        }
        let contexts = ["300795", "300803", "300800", "300783"];
        for _ in 0..self.below(3) {
            p.excluded_contexts
                .push(contexts[self.below(contexts.len())].into());
        }
        if self.below(10) < 8 {
            let i = self.below(self.communes.len());
            p.home_commune = Some(self.communes[i].clone());
            p.max_commute_km = Some(10.0 + self.below(41) as f64);
        }
        let values = [
            "helping",
            "security",
            "learning",
            "creativity",
            "income",
            "environment",
        ];
        for _ in 0..3 {
            p.values.push(values[self.below(values.len())].into());
        }
        p.intent = [
            None,
            Some(Intent::Change),
            Some(Intent::Stay),
            Some(Intent::Open),
        ][self.below(4)];
        p.qualification = Some(Qualification::ALL[self.below(6)]);
        p.hours = [
            None,
            Some(Hours::PartTime),
            Some(Hours::FullTime),
            Some(Hours::Any),
        ][self.below(4)];
        let schedule = [
            ScheduleLimit::Nights,
            ScheduleLimit::Weekends,
            ScheduleLimit::Shifts,
        ];
        for _ in 0..self.below(3) {
            p.schedule_limits.push(schedule[self.below(3)]);
        }
        let health = [
            HealthLimit::HeavyLoads,
            HealthLimit::Standing,
            HealthLimit::BendingKneeling,
            HealthLimit::Outdoors,
            HealthLimit::Noise,
        ];
        for _ in 0..self.below(3) {
            p.health_limits.push(health[self.below(health.len())]);
        }
        p.driving_licence = Some(self.below(4) > 0);
        if p.home_commune.is_some() && self.below(2) == 0 {
            let mode = [
                TravelMode::Walk,
                TravelMode::Bike,
                TravelMode::PublicTransport,
                TravelMode::Car,
            ][self.below(4)];
            p.travel = Some(Travel {
                mode,
                max_minutes: 15 + self.below(46) as u32,
            });
        }
        p.max_training = Some(
            [
                Training::None,
                Training::Short,
                Training::OneYear,
                Training::More,
            ][self.below(4)],
        );
        p
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
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
    let catalog = parcours_catalog::load(&dir).unwrap();
    let weights = Weights::default();
    let mut profiles_of = Profiles::new(&catalog);

    // Criterion: one profile with everything, prepared and ranked, top 40 explained.
    let full = profiles_of.profile();
    let mut criterion = Criterion::default().configure_from_args();
    criterion.bench_function(
        "recommend: prepare + rank 1,584 fiches, top 40 explained",
        |b| {
            b.iter(|| {
                let prepared = full.prepare(&catalog, &weights).unwrap();
                rank(&catalog, &prepared, &weights, 40)
            })
        },
    );
    let prepared_full = full.prepare(&catalog, &weights).unwrap();
    criterion.bench_function("recommend: rank 1,584 fiches, top 40 explained", |b| {
        b.iter(|| rank(&catalog, &prepared_full, &weights, 40))
    });
    criterion.bench_function("recommend: rank 1,584 fiches, all explained", |b| {
        b.iter(|| rank(&catalog, &prepared_full, &weights, 0))
    });
    criterion.final_summary();

    // Latency distribution over varied profiles, single-threaded.
    let profiles: Vec<Profile> = (0..2_000).map(|_| profiles_of.profile()).collect();
    let mut times = Vec::with_capacity(profiles.len());
    let mut prepare_times = Vec::with_capacity(profiles.len());
    for p in &profiles {
        let started = Instant::now();
        let prepared = p.prepare(&catalog, &weights).unwrap();
        prepare_times.push(started.elapsed().as_secs_f64() * 1e6);
        let list = rank(&catalog, &prepared, &weights, 40);
        times.push(started.elapsed().as_secs_f64() * 1e6);
        assert!(!list.is_empty());
    }
    prepare_times.sort_by(f64::total_cmp);
    println!(
        "of which prepare (checks, areas in reach, tension by occupation): p50 {:.0} µs, p99 {:.0} µs",
        percentile(&prepare_times, 0.5),
        percentile(&prepare_times, 0.99)
    );
    times.sort_by(f64::total_cmp);
    println!(
        "one ranking (prepare + rank + top 40 explained), {} profiles: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1]
    );

    // The ranking alone (profile prepared beforehand), single-threaded: top 40, and
    // every fiche explained.
    let prepared: Vec<_> = profiles
        .iter()
        .map(|p| p.prepare(&catalog, &weights).unwrap())
        .collect();
    for (limit, what) in [(40, "top 40 explained"), (0, "all fiches explained")] {
        let mut times = Vec::with_capacity(prepared.len());
        for p in &prepared {
            let started = Instant::now();
            let list = rank(&catalog, p, &weights, limit);
            times.push(started.elapsed().as_secs_f64() * 1e6);
            assert!(!list.is_empty());
        }
        times.sort_by(f64::total_cmp);
        println!(
            "rank only, {what}, {} profiles: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
            times.len(),
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            times[times.len() - 1]
        );
    }

    // A batch of 100,000 profiles over every core.
    let size = std::env::var("BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let batch: Vec<Profile> = (0..size).map(|_| profiles_of.profile()).collect();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = Instant::now();
    let ranked: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = batch
            .chunks(batch.len().div_ceil(threads))
            .map(|chunk| {
                let (catalog, weights) = (&catalog, &weights);
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|p| {
                            rank(catalog, &p.prepare(catalog, weights).unwrap(), weights, 40).len()
                        })
                        .sum::<usize>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    println!(
        "batch: {} profiles ranked on {threads} threads in {:.1} s ({} recommendations)",
        batch.len(),
        started.elapsed().as_secs_f64(),
        ranked
    );
}
