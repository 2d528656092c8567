//! The recommendation engine: ranks every ROME fiche for a person's profile and says
//! why, in plain French. Pure and deterministic: the same profile over the same catalog
//! gives the same list, ties broken by code.
//!
//! A fiche's score is the weighted mean of the components the profile informs
//! (interests, centres d'intérêt, skills from experience, official mobility from a past
//! job, labour market in reach), multiplied by penalties (training beyond what the
//! person accepts, regulated occupation). A work context the person excludes removes
//! the fiche. Every weight lives in [`Weights`], versioned by [`WEIGHTS_VERSION`].

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::geo::{AreaInReach, TensionSummary};
use crate::{Catalog, CoreLevel, Fiche};

/// Changes whenever a weight or a rule below changes, so that a stored ranking can say
/// which rules produced it.
pub const WEIGHTS_VERSION: &str = "2026-11.2";

/// Every weight of the engine, in one place. See the README section "Recommendations".
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// RIASEC profile against the fiche's major and minor letters.
    pub riasec: f64,
    /// Share of the major letter in the RIASEC fit (the minor gets the rest).
    pub riasec_major_share: f64,
    /// Rated centres d'intérêt against the fiche's links.
    pub interests: f64,
    /// How much more the fiche's principal centre d'intérêt counts than the others.
    pub interest_principal_factor: f64,
    /// Skills the person practised (past jobs, confirmed skills) that the fiche needs.
    pub skills: f64,
    /// Weight of a core skill (principal / emerging) of the target against the others.
    pub core_principal: f64,
    pub core_emerging: f64,
    /// An official mobility link from one of the person's past jobs.
    pub mobility: f64,
    /// Labour-market tension in the employment areas within the commute radius.
    pub market: f64,
    /// The person's top work values against what the fiche offers (see [`VALUES`]).
    pub values: f64,
    /// Multiplier per level of training beyond what the person accepts.
    pub training_gap_penalty: f64,
    /// Multiplier for a regulated occupation (a diploma or licence is mandatory).
    pub regulated_penalty: f64,
    /// Default commute radius when the profile gives a commune but no distance.
    pub default_commute_km: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            riasec: 3.0,
            riasec_major_share: 0.7,
            interests: 2.0,
            interest_principal_factor: 2.0,
            skills: 2.5,
            core_principal: 2.0,
            core_emerging: 1.5,
            mobility: 1.5,
            market: 1.0,
            values: 1.0,
            training_gap_penalty: 0.75,
            regulated_penalty: 0.9,
            default_commute_km: 30.0,
        }
    }
}

/// Work values (the ids of the values ranking) and what in a fiche serves them: the
/// RIASEC letters whose occupations most offer that value (Holland's work-value
/// pairings), or, for the environment, a fiche flagged green or greening by ROME.
/// Values with no reliable signal in the ROME (work-life balance, variety) are not
/// scored. Our own mapping; part of [`WEIGHTS_VERSION`].
pub const VALUES: &[(&str, &str, &str)] = &[
    ("autonomy", "AI", "votre besoin d'autonomie"),
    ("security", "C", "votre besoin de sécurité"),
    ("recognition", "E", "votre envie de reconnaissance"),
    ("helping", "S", "votre envie d'être utile aux autres"),
    ("creativity", "A", "votre envie de créer"),
    ("income", "E", "l'importance que vous donnez au salaire"),
    ("relationships", "S", "l'importance des relations pour vous"),
    (
        "achievement",
        "R",
        "votre envie de voir le résultat de votre travail",
    ),
    ("learning", "I", "votre envie d'apprendre"),
    ("environment", "", "votre souci de l'environnement"),
    ("balance", "", ""),
    ("variety", "", ""),
];

/// How much training a person accepts, or a fiche requires, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Training {
    /// Accessible without a diploma.
    None,
    /// A few months: CQP, professional title, certificate, licence to operate.
    Short,
    /// About a year for an adult: CAP, BEP, BP, Bac.
    OneYear,
    /// Two years or more: BTS, DUT, Licence, Master, Diplôme d'État…
    More,
}

impl Training {
    pub fn code(self) -> &'static str {
        match self {
            Training::None => "none",
            Training::Short => "short",
            Training::OneYear => "one_year",
            Training::More => "more",
        }
    }

    fn step(self) -> i32 {
        match self {
            Training::None => 0,
            Training::Short => 1,
            Training::OneYear => 2,
            Training::More => 3,
        }
    }

    fn label_fr(self) -> &'static str {
        match self {
            Training::None => "aucune formation",
            Training::Short => "une formation courte (quelques mois)",
            Training::OneYear => "une formation d'environ un an (CAP, Bac)",
            Training::More => "une formation de deux ans ou plus",
        }
    }
}

/// The training a fiche's access text asks for: the lowest level named in its
/// "accessible …" sentences (the whole text when none says so). None when no level we
/// recognise is named.
pub fn training_required(fiche: &Fiche) -> Option<Training> {
    // Folded words, with "Bac+2" kept apart from a plain "Bac" as "bacplus 2".
    let sentences: Vec<String> = fiche
        .access
        .iter()
        .map(|s| {
            crate::fold::fold(&s.replace('+', " plus "))
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .replace("bac plus", "bacplus")
        })
        .collect();
    let entry: Vec<&String> = sentences
        .iter()
        .filter(|s| s.contains("accessible"))
        .collect();
    let text = if entry.is_empty() {
        sentences.join(" ")
    } else {
        entry
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let has = |words: &[&str]| words.iter().any(|w| contains_word(&text, w));
    if has(&["sans diplome", "sans qualification"]) {
        return Some(Training::None);
    }
    if has(&[
        "cqp",
        "titre professionnel",
        "titre a finalite professionnelle",
        "certificat",
        "habilitation",
        "caces",
        "permis",
        "attestation",
        "heures de formation",
    ]) {
        return Some(Training::Short);
    }
    if has(&[
        "cap",
        "bep",
        "bp",
        "bpa",
        "capa",
        "bac",
        "bac pro",
        "brevet professionnel",
    ]) {
        return Some(Training::OneYear);
    }
    if has(&[
        "bacplus",
        "bts",
        "dut",
        "but",
        "licence",
        "master",
        "diplome d etat",
        "ingenieur",
        "doctorat",
    ]) {
        return Some(Training::More);
    }
    None
}

/// Whether `word` occurs in `text` between non-alphanumeric characters.
fn contains_word(text: &str, word: &str) -> bool {
    let mut start = 0;
    while let Some(at) = text[start..].find(word) {
        let begin = start + at;
        let end = begin + word.len();
        let before_ok = text[..begin]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let after_ok = text[end..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        if before_ok && after_ok {
            return true;
        }
        start = end;
    }
    false
}

/// The tension of every occupation over the areas in reach, keyed by packed ROME v3
/// code: offers and seekers summed, the index weighted by offers.
fn market_in_reach(catalog: &Catalog, areas: &[AreaInReach]) -> IntMap<u32, TensionSummary> {
    let mut sums: IntMap<u32, (TensionSummary, f64, f64)> = IntMap::default();
    catalog.geo.each_tension_in(areas, |code, t| {
        let (summary, weighted, weights) = sums.entry(code).or_insert((
            TensionSummary {
                areas_with_data: 0,
                offers: 0,
                seekers: 0,
                mean_index: None,
            },
            0.0,
            0.0,
        ));
        summary.areas_with_data += 1;
        summary.offers += u64::from(t.offers);
        summary.seekers += u64::from(t.seekers);
        let w = f64::from(t.offers.max(1));
        *weighted += w * f64::from(t.index);
        *weights += w;
    });
    sums.into_iter()
        .map(|(code, (mut summary, weighted, weights))| {
            if weights > 0.0 {
                summary.mean_index = Some(weighted / weights);
            }
            (code, summary)
        })
        .collect()
}

/// A multiplicative hash for the small integer keys of a ranking's maps (skill codes,
/// fiche indices, packed ROME codes): they are ours, not attacker-chosen, and SipHash
/// would cost more than the rest of a ranking.
#[derive(Default)]
struct IntHasher(u64);

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7C_C1_B7_27_22_0A_95);
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

type IntMap<K, V> = HashMap<K, V, BuildHasherDefault<IntHasher>>;

/// What is known of the person. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Scores 0–100 keyed by R, I, A, S, E, C.
    #[serde(default)]
    pub riasec: BTreeMap<String, f64>,
    /// Centre d'intérêt code → rating 1–5.
    #[serde(default)]
    pub interests: BTreeMap<String, u8>,
    /// Appellation codes (`code_ogr`) of past jobs.
    #[serde(default)]
    pub experiences: Vec<String>,
    /// ROME skill codes the person confirmed (the experiences activity).
    #[serde(default)]
    pub skills: Vec<String>,
    /// ROME work-context codes the person cannot work in.
    #[serde(default)]
    pub excluded_contexts: Vec<String>,
    #[serde(default)]
    pub home_commune: Option<String>,
    #[serde(default)]
    pub max_commute_km: Option<f64>,
    #[serde(default)]
    pub max_training: Option<Training>,
    /// Fiches the person said are not for them: never proposed.
    #[serde(default)]
    pub rejected: Vec<String>,
    /// Work values, most important first (ids of [`VALUES`]).
    #[serde(default)]
    pub values: Vec<String>,
}

/// A profile field that does not fit the catalog or its range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ProfileError {
    pub field: String,
    pub message: String,
}

const LETTERS: [char; 6] = ['R', 'I', 'A', 'S', 'E', 'C'];

/// A profile checked against the catalog, with everything the ranking needs per fiche
/// computed once.
#[derive(Debug, Clone)]
pub struct Prepared {
    riasec: Option<[f64; 6]>,
    interests: IntMap<u8, f64>,
    /// Skill code → weight of the evidence (a confirmed skill or a past job's skill).
    practised: IntMap<u32, f64>,
    /// Fiche index → labels of the past jobs with an official link to it.
    mobility_from: IntMap<usize, Vec<String>>,
    /// Fiche index → label of the past job held in it.
    held: IntMap<usize, String>,
    /// A handful of codes: a linear scan beats hashing.
    excluded: Vec<u32>,
    /// Indices of the fiches the person turned down.
    rejected: Vec<usize>,
    max_training: Option<Training>,
    /// The scored values among the person's top three: (weight, letters, green, words).
    values: Vec<(f64, &'static str, bool, &'static str)>,
    /// Tension in reach per packed ROME v3 code, when a home commune is known.
    market: Option<IntMap<u32, TensionSummary>>,
    commute_km: f64,
}

impl Profile {
    /// Checks every field against the catalog; all the problems at once.
    pub fn prepare(
        &self,
        catalog: &Catalog,
        weights: &Weights,
    ) -> Result<Prepared, Vec<ProfileError>> {
        let mut errors = Vec::new();
        let mut error =
            |field: String, message: String| errors.push(ProfileError { field, message });
        let mut riasec = [0.0; 6];
        for (key, value) in &self.riasec {
            match LETTERS
                .iter()
                .position(|l| key.len() == 1 && key.starts_with(*l))
            {
                Some(i) if (0.0..=100.0).contains(value) => riasec[i] = *value,
                Some(_) => error(
                    format!("riasec.{key}"),
                    format!("{value} is not between 0 and 100"),
                ),
                None => error(
                    format!("riasec.{key}"),
                    "not one of R, I, A, S, E, C".into(),
                ),
            }
        }
        let mut interests = IntMap::default();
        for (key, rating) in &self.interests {
            let code = key
                .parse::<u8>()
                .ok()
                .filter(|c| catalog.centre_interet(*c).is_some());
            match code {
                Some(c) if (1..=5).contains(rating) => {
                    interests.insert(c, f64::from(rating - 1) / 4.0);
                }
                Some(_) => error(
                    format!("interests.{key}"),
                    format!("{rating} is not between 1 and 5"),
                ),
                None => error(
                    format!("interests.{key}"),
                    "unknown centre d'intérêt code".into(),
                ),
            }
        }
        let mut practised: IntMap<u32, f64> = IntMap::default();
        let mut mobility_from: IntMap<usize, Vec<String>> = IntMap::default();
        let mut held = IntMap::default();
        for (i, code) in self.experiences.iter().enumerate() {
            let Some((appellation, fiche)) = code
                .parse::<u32>()
                .ok()
                .and_then(|c| catalog.appellation(c))
            else {
                error(
                    format!("experiences[{i}]"),
                    format!("`{code}` is not a ROME appellation code"),
                );
                continue;
            };
            let label = appellation.short_label.clone();
            for skill in &fiche.skills {
                // A past job is evidence for its core skills more than for the others.
                let evidence = if skill.core.is_some() { 1.0 } else { 0.6 };
                let slot = practised.entry(skill.code).or_insert(0.0);
                *slot = slot.max(evidence);
            }
            held.entry(appellation.fiche)
                .or_insert_with(|| label.clone());
            for target in &fiche.mobility {
                if let Some(index) = catalog.fiche_index.get(target) {
                    mobility_from.entry(*index).or_default().push(label.clone());
                }
            }
        }
        for (i, code) in self.skills.iter().enumerate() {
            match code
                .parse::<u32>()
                .ok()
                .filter(|c| catalog.items.contains_key(c))
            {
                Some(c) => {
                    practised.insert(c, 1.0);
                }
                None => error(
                    format!("skills[{i}]"),
                    format!("`{code}` is not a ROME skill code"),
                ),
            }
        }
        let mut excluded = Vec::new();
        for (i, code) in self.excluded_contexts.iter().enumerate() {
            match code.parse::<u32>().ok().filter(|c| {
                catalog
                    .items
                    .get(c)
                    .is_some_and(|item| item.kind == crate::ItemKind::Context)
            }) {
                Some(c) => {
                    excluded.push(c);
                }
                None => error(
                    format!("excluded_contexts[{i}]"),
                    format!("`{code}` is not a ROME work-context code"),
                ),
            }
        }
        let mut rejected = Vec::new();
        for (i, code) in self.rejected.iter().enumerate() {
            if let Some(index) = catalog.fiche_index.get(code) {
                rejected.push(*index);
            } else {
                error(
                    format!("rejected[{i}]"),
                    format!("`{code}` is not a ROME fiche code"),
                );
            }
        }
        let mut values = Vec::new();
        for (i, id) in self.values.iter().enumerate() {
            match VALUES.iter().find(|(v, _, _)| v == id) {
                Some((v, letters, words)) if i < 3 && !words.is_empty() => {
                    values.push((3.0 - i as f64, *letters, *v == "environment", *words));
                }
                Some(_) => {}
                None => error(
                    format!("values[{i}]"),
                    format!("`{id}` is not a work value"),
                ),
            }
        }
        let commute_km = match self.max_commute_km {
            Some(km) if (0.0..=500.0).contains(&km) => km,
            Some(km) => {
                error(
                    "max_commute_km".into(),
                    format!("{km} is not between 0 and 500"),
                );
                0.0
            }
            None => weights.default_commute_km,
        };
        let areas = match &self.home_commune {
            Some(code) => match catalog.geo.areas_within(code, commute_km) {
                Some(areas) => Some(areas),
                None => {
                    error(
                        "home_commune".into(),
                        format!("`{code}` is not a known INSEE commune code"),
                    );
                    None
                }
            },
            None => None,
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let market = areas.as_ref().map(|areas| market_in_reach(catalog, areas));
        Ok(Prepared {
            values,
            market,
            riasec: (!self.riasec.is_empty()).then_some(riasec),
            interests,
            practised,
            mobility_from,
            held,
            excluded,
            rejected,
            max_training: self.max_training,
            commute_km,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub code_rome: String,
    pub label: String,
    /// 0–100.
    pub score: f64,
    /// The 2–4 things that weigh most, in plain French.
    pub reasons: Vec<String>,
    pub cautions: Vec<String>,
    /// The training the fiche asks for, if its access text says.
    pub training: Option<Training>,
    /// A diploma or licence is mandatory (ROME's regulated flag).
    pub regulated: bool,
}

/// One component's contribution to a fiche, with the sentence that explains it.
struct Part {
    weight: f64,
    value: f64,
    reason: Option<String>,
}

fn riasec_name(letter: char) -> &'static str {
    match letter {
        'R' => "réaliste (concret, manuel)",
        'I' => "investigateur (comprendre, analyser)",
        'A' => "artistique (créer, s'exprimer)",
        'S' => "social (aider, accompagner)",
        'E' => "entreprenant (convaincre, diriger)",
        _ => "conventionnel (organiser, suivre des règles)",
    }
}

fn letter_index(letter: char) -> Option<usize> {
    LETTERS.iter().position(|l| *l == letter)
}

/// Ranks every fiche for a prepared profile, best first; excluded and rejected fiches
/// are left out. `limit` of 0 means all.
pub fn rank(
    catalog: &Catalog,
    profile: &Prepared,
    weights: &Weights,
    limit: usize,
) -> Vec<Recommendation> {
    let ranker = Ranker {
        catalog,
        profile,
        weights,
        overlap: SkillOverlap::new(catalog, profile, weights),
    };
    // One buffer of parts for the whole pass, not one allocation per fiche.
    let mut buffer = Vec::with_capacity(5);
    let mut scored: Vec<(f64, usize)> = Vec::with_capacity(catalog.fiches.len());
    for (index, fiche) in catalog.fiches.iter().enumerate() {
        if let Some(score) = ranker.score_only(index, fiche, &mut buffer) {
            scored.push((score, index));
        }
    }
    // Best first; equal scores in code order, so that the list is stable. Only the top
    // `limit` are put in order.
    let order = |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    let take = if limit == 0 {
        scored.len()
    } else {
        limit.min(scored.len())
    };
    if take > 0 && take < scored.len() {
        scored.select_nth_unstable_by(take - 1, order);
        scored.truncate(take);
    }
    scored.sort_by(order);
    scored
        .into_iter()
        .take(take)
        .filter_map(|(_, index)| ranker.explain(index))
        .collect()
}

/// One fiche explained for a profile, whatever its rank: for a piste the coach pinned
/// or the person kept. A work context the person excludes becomes a caution here rather
/// than a removal. None for an unknown code.
pub fn explain_fiche(
    catalog: &Catalog,
    profile: &Prepared,
    weights: &Weights,
    code: &str,
) -> Option<Recommendation> {
    let index = *catalog.fiche_index.get(code)?;
    let ranker = Ranker {
        catalog,
        profile,
        weights,
        overlap: SkillOverlap::new(catalog, profile, weights),
    };
    let mut recommendation = ranker.explain(index)?;
    let fiche = catalog.fiches.get(index)?;
    if profile.excluded.iter().any(|c| fiche.contexts.contains(c)) {
        recommendation.cautions.insert(
            0,
            "Comporte une condition de travail que vous avez exclue".into(),
        );
    }
    Some(recommendation)
}

/// For every fiche, the weighted share of its skills the person has practised and how
/// many: computed from the skills' postings (skill → fiches), so that a ranking touches
/// only the fiches that share a skill instead of looking up every skill of every fiche.
struct SkillOverlap {
    have: Vec<f64>,
    total: Vec<f64>,
    shared: Vec<u16>,
}

impl SkillOverlap {
    fn new(catalog: &Catalog, profile: &Prepared, weights: &Weights) -> Self {
        let n = catalog.fiches.len();
        let mut overlap = SkillOverlap {
            have: vec![0.0; n],
            total: Vec::new(),
            shared: vec![0; n],
        };
        if profile.practised.is_empty() {
            return overlap;
        }
        let weight = |core: Option<CoreLevel>| match core {
            Some(CoreLevel::Principal) => weights.core_principal,
            Some(CoreLevel::Emerging) => weights.core_emerging,
            None => 1.0,
        };
        overlap.total = (0..n)
            .map(|i| {
                catalog.facts_at(i).map_or(0.0, |f| {
                    f64::from(f.principal_skills) * weights.core_principal
                        + f64::from(f.emerging_skills) * weights.core_emerging
                        + f64::from(f.other_skills)
                })
            })
            .collect();
        for (code, evidence) in &profile.practised {
            for (fiche, core) in catalog.fiches_with_skill(*code) {
                if let Some(have) = overlap.have.get_mut(*fiche) {
                    *have += weight(*core) * evidence;
                }
                if let Some(shared) = overlap.shared.get_mut(*fiche) {
                    *shared = shared.saturating_add(1);
                }
            }
        }
        overlap
    }
}

fn removed(profile: &Prepared, index: usize, fiche: &Fiche) -> bool {
    profile.rejected.contains(&index) || profile.excluded.iter().any(|c| fiche.contexts.contains(c))
}

/// The score alone (no sentences), for the ranking pass over all fiches.
/// Everything one ranking reads, so that the per-fiche functions take few arguments.
struct Ranker<'a> {
    catalog: &'a Catalog,
    profile: &'a Prepared,
    weights: &'a Weights,
    overlap: SkillOverlap,
}

impl Ranker<'_> {
    fn score_only(&self, index: usize, fiche: &Fiche, buffer: &mut Vec<Part>) -> Option<f64> {
        if removed(self.profile, index, fiche) {
            return None;
        }
        buffer.clear();
        let penalty = self.parts(index, fiche, false, buffer);
        Some(combine(buffer, penalty))
    }
}

fn combine(parts: &[Part], penalty: f64) -> f64 {
    let total: f64 = parts.iter().map(|p| p.weight).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let mean = parts.iter().map(|p| p.weight * p.value).sum::<f64>() / total;
    (mean * penalty * 100.0 * 10.0).round() / 10.0
}

/// The components the profile informs for one fiche, and the penalty multiplier.
/// Sentences are written only when `explain` is set.
impl Ranker<'_> {
    fn parts(&self, index: usize, fiche: &Fiche, explain: bool, parts: &mut Vec<Part>) -> f64 {
        let Ranker {
            catalog,
            profile,
            weights,
            overlap,
        } = self;
        if let (Some(scores), Some(major)) = (&profile.riasec, fiche.riasec_major) {
            let major_score = letter_index(major).map_or(0.0, |i| scores[i] / 100.0);
            let value = match fiche.riasec_minor.and_then(letter_index) {
                Some(minor) => {
                    weights.riasec_major_share * major_score
                        + (1.0 - weights.riasec_major_share) * scores[minor] / 100.0
                }
                None => major_score,
            };
            parts.push(Part {
                weight: weights.riasec,
                value,
                reason: (explain && major_score >= 0.6)
                    .then(|| format!("Correspond à votre côté {}", riasec_name(major))),
            });
        }
        if !profile.interests.is_empty() {
            let mut sum = 0.0;
            let mut total = 0.0;
            let mut best: Option<(f64, u8)> = None;
            for (code, principal) in &fiche.interests {
                let w = if *principal {
                    weights.interest_principal_factor
                } else {
                    1.0
                };
                // An unrated centre d'intérêt counts as neutral.
                let rating = profile.interests.get(code).copied().unwrap_or(0.5);
                sum += w * rating;
                total += w;
                if rating >= 0.75 && best.is_none_or(|(r, _)| rating * w > r) {
                    best = Some((rating * w, *code));
                }
            }
            if total > 0.0 {
                parts.push(Part {
                    weight: weights.interests,
                    value: sum / total,
                    reason: if explain {
                        best.and_then(|(_, code)| catalog.centre_interet(code))
                            .map(|c| format!("Rejoint ce qui vous attire : « {} »", c.label))
                    } else {
                        None
                    },
                });
            }
        }
        if !profile.practised.is_empty() && !fiche.skills.is_empty() {
            let total = overlap.total.get(index).copied().unwrap_or(0.0);
            let have = overlap.have.get(index).copied().unwrap_or(0.0);
            let shared = overlap.shared.get(index).copied().unwrap_or(0);
            let value = if total > 0.0 { have / total } else { 0.0 };
            let held = profile.held.get(&index);
            parts.push(Part {
                weight: weights.skills,
                value: if held.is_some() { 1.0 } else { value },
                reason: if !explain {
                    None
                } else if let Some(job) = held {
                    Some(format!("Vous avez déjà exercé ce métier ({job})"))
                } else if shared >= 2 {
                    Some(format!("Reprend {shared} compétences que vous avez déjà"))
                } else {
                    None
                },
            });
        }
        if !profile.held.is_empty() {
            let from = profile.mobility_from.get(&index);
            parts.push(Part {
                weight: weights.mobility,
                value: if from.is_some() || profile.held.contains_key(&index) {
                    1.0
                } else {
                    0.0
                },
                reason: if explain {
                    from.and_then(|jobs| jobs.first())
                        .map(|job| format!("Passerelle reconnue depuis votre emploi de {job}"))
                } else {
                    None
                },
            });
        }
        if !profile.values.is_empty() {
            let mut sum = 0.0;
            let mut total = 0.0;
            let mut best: Option<(f64, &str)> = None;
            for (w, letters, green, words) in &profile.values {
                let served = if *green {
                    if fiche.transition_eco.is_some() {
                        1.0
                    } else {
                        0.0
                    }
                } else if fiche.riasec_major.is_some_and(|l| letters.contains(l)) {
                    1.0
                } else if fiche.riasec_minor.is_some_and(|l| letters.contains(l)) {
                    0.5
                } else {
                    0.0
                };
                sum += w * served;
                total += w;
                if served >= 1.0 && best.is_none_or(|(b, _)| *w > b) {
                    best = Some((*w, words));
                }
            }
            parts.push(Part {
                weight: weights.values,
                value: if total > 0.0 { sum / total } else { 0.0 },
                reason: if explain {
                    best.map(|(_, words)| format!("Répond à {words}"))
                } else {
                    None
                },
            });
        }
        if let Some(market) = &profile.market {
            let summary = catalog
                .facts_at(index)
                .and_then(|f| f.parent_v3_key)
                .and_then(|k| market.get(&k));
            let mean_index = summary.and_then(|s| s.mean_index);
            let offers = summary.map_or(0, |s| s.offers);
            // No data in reach counts as a weak market rather than an unknown one.
            let value = mean_index.map_or(0.2, |i| (i - 1.0) / 4.0);
            parts.push(Part {
            weight: weights.market,
            value,
            reason: match mean_index {
                Some(i) if explain && i >= 3.5 => Some(format!(
                    "Les employeurs peinent à recruter à moins de {} km ({offers} offres en 2020)",
                    profile.commute_km.round(),
                )),
                _ => None,
            },
        });
        }
        let mut penalty = 1.0;
        if let (Some(accepted), Some(required)) = (profile.max_training, catalog.training_at(index))
        {
            let gap = required.step() - accepted.step();
            if gap > 0 {
                penalty *= weights.training_gap_penalty.powi(gap);
            }
        }
        if fiche.regulated {
            penalty *= weights.regulated_penalty;
        }
        penalty
    }
}

/// The full recommendation for one fiche, with its reasons and cautions.
impl Ranker<'_> {
    fn explain(&self, index: usize) -> Option<Recommendation> {
        let Ranker {
            catalog, profile, ..
        } = self;
        let fiche = catalog.fiches.get(index)?;
        let mut parts_found = Vec::with_capacity(5);
        let penalty = self.parts(index, fiche, true, &mut parts_found);
        let parts = parts_found;
        let score = combine(&parts, penalty);
        let mut weighted: Vec<(f64, String)> = parts
            .into_iter()
            .filter_map(|p| Some((p.weight * p.value, p.reason?)))
            .collect();
        weighted.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut reasons: Vec<String> = weighted.into_iter().take(4).map(|(_, r)| r).collect();
        if reasons.is_empty() {
            reasons
                .push("Proche de l'ensemble de votre profil, sans point fort particulier".into());
        }
        let mut cautions = Vec::new();
        let training = catalog.training_at(index);
        match (profile.max_training, training) {
            (Some(accepted), Some(required)) if required > accepted => cautions.push(format!(
                "Demande {} alors que vous souhaitez au plus {}",
                required.label_fr(),
                accepted.label_fr()
            )),
            (_, None) => {
                cautions.push("Formation nécessaire à vérifier avec votre conseiller".into())
            }
            _ => {}
        }
        if fiche.regulated {
            cautions
                .push("Métier réglementé : un diplôme ou une autorisation est obligatoire".into());
        }
        if let Some(market) = &profile.market {
            let summary = catalog
                .facts_at(index)
                .and_then(|f| f.parent_v3_key)
                .and_then(|k| market.get(&k));
            if summary.is_none_or(|s| s.areas_with_data == 0) {
                cautions.push("Pas de chiffres d'embauche près de chez vous pour ce métier".into());
            } else if summary.and_then(|s| s.mean_index).is_some_and(|i| i < 2.0) {
                cautions.push(
                    "Peu de recrutements difficiles près de chez vous : beaucoup de candidats"
                        .into(),
                );
            }
        }
        Some(Recommendation {
            code_rome: fiche.code.clone(),
            label: fiche.label.clone(),
            score,
            reasons,
            cautions,
            training,
            regulated: fiche.regulated,
        })
    }
}
