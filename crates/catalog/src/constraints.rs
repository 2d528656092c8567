//! What a person's limits (night work, heavy loads, no driving licence…) mean for each
//! fiche: removed, kept with a caution, or untouched. The mapping lives in
//! `data/constraints.toml` (sources and rules there), embedded in the binary and
//! resolved once per loaded reference, so that a ranking reads one byte per fiche and
//! limit.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::Fiche;

/// The mapping file, as shipped.
pub const CONSTRAINTS_TOML: &str = include_str!("../data/constraints.toml");

/// The limits a profile can state, in the order of [`Limit::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Limit {
    Nights,
    Weekends,
    Shifts,
    HeavyLoads,
    Standing,
    BendingKneeling,
    Heights,
    Outdoors,
    ChemicalsDust,
    Driving,
    Noise,
    RepetitiveGestures,
    /// No driving licence (`driving_licence: false`).
    NoLicence,
}

impl Limit {
    pub const ALL: [Limit; 13] = [
        Limit::Nights,
        Limit::Weekends,
        Limit::Shifts,
        Limit::HeavyLoads,
        Limit::Standing,
        Limit::BendingKneeling,
        Limit::Heights,
        Limit::Outdoors,
        Limit::ChemicalsDust,
        Limit::Driving,
        Limit::Noise,
        Limit::RepetitiveGestures,
        Limit::NoLicence,
    ];

    /// The key of the limit in the profile and in the mapping file.
    pub fn id(self) -> &'static str {
        match self {
            Limit::Nights => "nights",
            Limit::Weekends => "weekends",
            Limit::Shifts => "shifts",
            Limit::HeavyLoads => "heavy_loads",
            Limit::Standing => "standing",
            Limit::BendingKneeling => "bending_kneeling",
            Limit::Heights => "heights",
            Limit::Outdoors => "outdoors",
            Limit::ChemicalsDust => "chemicals_dust",
            Limit::Driving => "driving",
            Limit::Noise => "noise",
            Limit::RepetitiveGestures => "repetitive_gestures",
            Limit::NoLicence => "licence",
        }
    }

    fn slot(self) -> usize {
        Limit::ALL.iter().position(|l| *l == self).unwrap_or(0)
    }
}

/// What a limit does to one fiche.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Effect {
    None,
    /// Some posts involve it: kept, with a caution naming it.
    Caution,
    /// Part of the job (intrinsic, or a ROME context the limit excludes): removed.
    Excluded,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: String,
    limits: BTreeMap<String, LimitSpec>,
    licence: LicenceSpec,
    part_time: PartTimeSpec,
    /// The curated table: fiche code → the limits intrinsic to it (`[]`: reviewed,
    /// none).
    #[serde(default)]
    fiches: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitSpec {
    label: String,
    #[serde(default)]
    exclude_contexts: Vec<u32>,
    #[serde(default)]
    caution_contexts: Vec<u32>,
    #[serde(default)]
    some_posts: Vec<String>,
    #[serde(default)]
    intrinsic: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LicenceSpec {
    label: String,
    #[serde(default)]
    caution_contexts: Vec<u32>,
    required: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartTimeSpec {
    rare: Vec<String>,
    common: Vec<String>,
}

/// How common part-time work is in a fiche's family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartTime {
    Rare,
    Usual,
    Common,
}

/// The mapping resolved against the loaded fiches.
#[derive(Debug, Clone)]
pub struct Constraints {
    pub version: String,
    labels: Vec<String>,
    /// Per limit (slot of [`Limit::ALL`]), per fiche index.
    effects: Vec<Vec<Effect>>,
    part_time: Vec<PartTime>,
    /// Every context code the file names, to check against the reference.
    pub context_codes: Vec<u32>,
    /// Every fiche code or prefix the file names, to check against the reference.
    pub fiche_entries: Vec<String>,
}

/// Whether a fiche code is named by an entry: a full code or a domain prefix.
fn named(code: &str, entries: &[String]) -> bool {
    entries.iter().any(|e| code.starts_with(e.as_str()))
}

impl Constraints {
    /// Parses the shipped mapping and resolves it for `fiches`.
    pub fn build(fiches: &[Fiche]) -> Result<Self, String> {
        Self::from_toml(CONSTRAINTS_TOML, fiches)
    }

    pub fn from_toml(source: &str, fiches: &[Fiche]) -> Result<Self, String> {
        let file: File = toml::from_str(source).map_err(|e| e.to_string())?;
        let mut labels = Vec::new();
        let mut effects = Vec::new();
        let mut context_codes = Vec::new();
        let mut fiche_entries: Vec<String> = file.fiches.keys().cloned().collect();
        for (code, limits) in &file.fiches {
            if let Some(unknown) = limits
                .iter()
                .find(|l| !Limit::ALL.iter().any(|k| k.id() == l.as_str()))
            {
                return Err(format!(
                    "fiches.{code}: `{unknown}` is not a limit of the profile"
                ));
            }
        }
        for limit in Limit::ALL {
            let tabled: Vec<String> = file
                .fiches
                .iter()
                .filter(|(_, limits)| limits.iter().any(|l| l == limit.id()))
                .map(|(code, _)| code.clone())
                .collect();
            let (label, exclude, caution, some_posts, intrinsic): (
                &str,
                &[u32],
                &[u32],
                &[String],
                &[String],
            ) = if limit == Limit::NoLicence {
                (
                    &file.licence.label,
                    &[],
                    &file.licence.caution_contexts,
                    &[],
                    &file.licence.required,
                )
            } else {
                let spec = file
                    .limits
                    .get(limit.id())
                    .ok_or_else(|| format!("limits.{}: missing", limit.id()))?;
                (
                    &spec.label,
                    &spec.exclude_contexts,
                    &spec.caution_contexts,
                    &spec.some_posts,
                    &spec.intrinsic,
                )
            };
            fiche_entries.extend(some_posts.iter().chain(intrinsic).cloned());
            context_codes.extend_from_slice(exclude);
            context_codes.extend_from_slice(caution);
            labels.push(label.to_owned());
            effects.push(
                fiches
                    .iter()
                    .map(|f| {
                        let has = |codes: &[u32]| f.contexts.iter().any(|c| codes.contains(c));
                        if named(&f.code, intrinsic) || tabled.contains(&f.code) {
                            Effect::Excluded
                        } else if has(exclude) {
                            if named(&f.code, some_posts) {
                                Effect::Caution
                            } else {
                                Effect::Excluded
                            }
                        } else if has(caution) {
                            Effect::Caution
                        } else {
                            Effect::None
                        }
                    })
                    .collect(),
            );
        }
        if let Some(unknown) = file
            .limits
            .keys()
            .find(|k| !Limit::ALL.iter().any(|l| l.id() == k.as_str()))
        {
            return Err(format!("limits.{unknown}: not a limit of the profile"));
        }
        let part_time = fiches
            .iter()
            .map(|f| {
                if named(&f.code, &file.part_time.common) {
                    PartTime::Common
                } else if f.cadre || named(&f.code, &file.part_time.rare) {
                    PartTime::Rare
                } else {
                    PartTime::Usual
                }
            })
            .collect();
        context_codes.sort_unstable();
        context_codes.dedup();
        fiche_entries.extend(
            file.part_time
                .rare
                .iter()
                .chain(&file.part_time.common)
                .cloned(),
        );
        fiche_entries.sort_unstable();
        fiche_entries.dedup();
        Ok(Constraints {
            version: file.version,
            labels,
            effects,
            part_time,
            context_codes,
            fiche_entries,
        })
    }

    /// What `limit` does to the fiche at `index`.
    pub fn effect(&self, limit: Limit, index: usize) -> Effect {
        self.effects
            .get(limit.slot())
            .and_then(|e| e.get(index))
            .copied()
            .unwrap_or(Effect::None)
    }

    /// The words naming a limit in a caution ("le travail de nuit").
    pub fn label(&self, limit: Limit) -> &str {
        self.labels.get(limit.slot()).map_or("", String::as_str)
    }

    pub fn part_time(&self, index: usize) -> PartTime {
        self.part_time
            .get(index)
            .copied()
            .unwrap_or(PartTime::Usual)
    }

    /// How many fiches a limit removes and cautions.
    pub fn counts(&self, limit: Limit) -> (usize, usize) {
        let effects = self
            .effects
            .get(limit.slot())
            .map_or(&[][..], Vec::as_slice);
        (
            effects.iter().filter(|e| **e == Effect::Excluded).count(),
            effects.iter().filter(|e| **e == Effect::Caution).count(),
        )
    }
}
