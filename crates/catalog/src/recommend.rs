//! The recommendation engine: ranks every ROME fiche for a person's profile and says
//! why, in plain French. Pure and deterministic: the same profile over the same catalog
//! gives the same list, ties broken by code.
//!
//! A fiche's score is the weighted mean of the components the profile informs
//! (the shape of the RIASEC profile, centres d'intérêt, skills from experience,
//! official mobility from a past job, work values, labour market in reach), multiplied
//! by penalties (training beyond what the person accepts given their qualification,
//! regulated occupation, rare part time, the current job's family for someone who wants
//! to change). The person's limits remove the fiches where they are part of the job and
//! caution the others (`data/constraints.toml`). The list is then spread over ROME
//! domains and over the centres d'intérêt rated 5/5. Every weight lives in [`Weights`],
//! versioned by [`WEIGHTS_VERSION`].

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::constraints::{Effect, Limit, PartTime};
use crate::entry::EntryRoute;
pub use crate::entry::Qualification;
use crate::geo::{AreaInReach, TensionSummary};
use crate::{Catalog, CoreLevel, Fiche};

/// Changes whenever a weight or a rule below changes, so that a stored ranking can say
/// which rules produced it.
pub const WEIGHTS_VERSION: &str = "2026-12.2";

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
    /// How far the centres d'intérêt fit spreads around neutral (0.5): the centred
    /// ratings, weighted mean, times this.
    pub interest_stretch: f64,
    /// Skills the person practised (past jobs, confirmed skills) that the fiche needs.
    pub skills: f64,
    /// Weight of a core skill (principal / emerging) of the target against the others.
    pub core_principal: f64,
    pub core_emerging: f64,
    /// An official mobility link from one of the person's past jobs.
    pub mobility: f64,
    /// Labour-market tension in the employment areas within the commute radius.
    pub market: f64,
    /// The market value of an occupation the 2020 file does not report in reach:
    /// unknown rather than absent (the file holds about a sixth of the pairs).
    pub market_unknown: f64,
    /// The person's top work values against what the fiche offers (see [`VALUES`]).
    pub values: f64,
    /// Multiplier per level of training beyond what the person accepts.
    pub training_gap_penalty: f64,
    /// Multiplier for a regulated occupation (a diploma or licence is mandatory).
    pub regulated_penalty: f64,
    /// Default commute radius when the profile gives a commune but no distance.
    pub default_commute_km: f64,
    /// Multiplier for the job the person holds, and for its ROME domain, when they want
    /// to change (`intent: change`).
    pub current_job_factor: f64,
    pub current_family_factor: f64,
    /// Multiplier per limit of the person that some posts of the fiche involve (a
    /// caution): kept, but below the fiches free of it.
    pub caution_penalty: f64,
    /// Multiplier for a fiche entered after a selection on performance or talent.
    pub selective_penalty: f64,
    /// For someone who wants to change (`intent: change`): what their past jobs weigh
    /// (skills, mobility), and what their centres d'intérêt weigh, against the usual.
    pub change_experience_factor: f64,
    pub change_interests_factor: f64,
    /// Multiplier for a fiche where part time is rare, for someone who wants part time.
    pub part_time_rare_penalty: f64,
    /// At most this many fiches of one ROME domain in the top 10 (unless `intent: stay`).
    pub domain_cap_top10: usize,
    /// A RIASEC profile whose highest and lowest scores are closer than this is flat.
    pub flat_riasec_spread: f64,
    /// No "employers struggle to recruit" claim on fewer offers than this.
    pub min_offers_for_claim: u64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            riasec: 2.0,
            riasec_major_share: 0.7,
            interests: 2.0,
            interest_principal_factor: 2.0,
            interest_stretch: 2.0,
            skills: 2.5,
            core_principal: 2.0,
            core_emerging: 1.5,
            mobility: 1.5,
            market: 1.0,
            market_unknown: 0.2,
            values: 1.0,
            training_gap_penalty: 0.75,
            regulated_penalty: 0.9,
            default_commute_km: 30.0,
            current_job_factor: 0.5,
            current_family_factor: 0.7,
            caution_penalty: 0.85,
            selective_penalty: 0.5,
            change_experience_factor: 0.5,
            change_interests_factor: 1.5,
            part_time_rare_penalty: 0.85,
            domain_cap_top10: 3,
            flat_riasec_spread: 15.0,
            min_offers_for_claim: 10,
        }
    }
}

/// Work values (the ids of the values ranking) and what in a fiche serves them: the
/// RIASEC letters whose occupations most offer that value (Holland's work-value
/// pairings), or, for the environment, a fiche ROME flags *Emploi Vert* (a job whose
/// purpose is the environment; *Emploi stratégique pour la transition écologique*
/// counts half and is never called green).
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

/// The training a fiche asks for an adult with no qualification, from its entry route
/// (see [`crate::entry`]); None when its access text names no level we recognise.
pub fn training_required(fiche: &Fiche) -> Option<Training> {
    crate::entry::parse_access(&fiche.access).training
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

/// What the person wants from the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Leave the current occupation: its family moves down the list.
    Change,
    /// Stay in the same trade: no spreading over domains.
    Stay,
    Open,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hours {
    FullTime,
    PartTime,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleLimit {
    Nights,
    Weekends,
    Shifts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthLimit {
    HeavyLoads,
    Standing,
    BendingKneeling,
    Heights,
    Outdoors,
    ChemicalsDust,
    Driving,
    Noise,
    RepetitiveGestures,
}

impl ScheduleLimit {
    pub fn limit(self) -> Limit {
        match self {
            ScheduleLimit::Nights => Limit::Nights,
            ScheduleLimit::Weekends => Limit::Weekends,
            ScheduleLimit::Shifts => Limit::Shifts,
        }
    }
}

impl HealthLimit {
    pub fn limit(self) -> Limit {
        match self {
            HealthLimit::HeavyLoads => Limit::HeavyLoads,
            HealthLimit::Standing => Limit::Standing,
            HealthLimit::BendingKneeling => Limit::BendingKneeling,
            HealthLimit::Heights => Limit::Heights,
            HealthLimit::Outdoors => Limit::Outdoors,
            HealthLimit::ChemicalsDust => Limit::ChemicalsDust,
            HealthLimit::Driving => Limit::Driving,
            HealthLimit::Noise => Limit::Noise,
            HealthLimit::RepetitiveGestures => Limit::RepetitiveGestures,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TravelMode {
    Walk,
    Bike,
    PublicTransport,
    Car,
}

impl TravelMode {
    /// Distance covered per hour, as the crow flies from home: door-to-door speeds
    /// lowered for detours, waiting and parking. Our own estimates, part of
    /// [`WEIGHTS_VERSION`]: walk 4 km/h, bike 12, public transport 15, car 40.
    pub fn crow_flies_kmh(self) -> f64 {
        match self {
            TravelMode::Walk => 4.0,
            TravelMode::Bike => 12.0,
            TravelMode::PublicTransport => 15.0,
            TravelMode::Car => 40.0,
        }
    }
}

/// How the person gets to work and for how long at most (one way).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Travel {
    pub mode: TravelMode,
    pub max_minutes: u32,
}

/// Longest one-way travel time accepted in a profile.
pub const MAX_TRAVEL_MINUTES: u32 = 240;

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
    /// ROME work-context codes the person cannot work in (removed outright).
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
    /// v2: change occupation, stay in it, or open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<Intent>,
    /// v2: the person's highest qualification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification: Option<Qualification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Hours>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedule_limits: Vec<ScheduleLimit>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub health_limits: Vec<HealthLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driving_licence: Option<bool>,
    /// v2: a hard commute limit; fiches with no offers in reach are left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub travel: Option<Travel>,
}

/// A profile field that does not fit the catalog or its range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ProfileError {
    pub field: String,
    pub message: String,
}

const LETTERS: [char; 6] = ['R', 'I', 'A', 'S', 'E', 'C'];

/// The shape of a RIASEC profile whose scores are all close.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlatRiasec {
    AllHigh,
    AllLow,
    Flat,
}

/// A profile checked against the catalog, with everything the ranking needs per fiche
/// computed once.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Ipsatised RIASEC scores (each minus the person's mean, over their spread);
    /// None when absent or flat.
    riasec: Option<[f64; 6]>,
    /// The person's two strongest letters (for the reasons).
    riasec_top: [usize; 2],
    flat: Option<FlatRiasec>,
    interests: IntMap<u8, f64>,
    /// The mean of the person's ratings (0–1): the fit reads each rating against it,
    /// so that someone who rates everything high is not matched on level alone.
    interest_mean: f64,
    /// Centres d'intérêt rated 5/5.
    loved: Vec<u8>,
    /// Skill code → weight of the evidence (a confirmed skill or a past job's skill).
    practised: IntMap<u32, f64>,
    /// Fiche index → labels of the past jobs with an official link to it.
    mobility_from: IntMap<usize, Vec<String>>,
    /// Fiche index → label of the past job held in it.
    held: IntMap<usize, String>,
    /// ROME domains (letter + 2 digits) and v3 parent codes of the held jobs.
    held_domains: Vec<[u8; 3]>,
    held_parents: Vec<u32>,
    /// A handful of codes: a linear scan beats hashing.
    excluded: Vec<u32>,
    limits: Vec<Limit>,
    /// Indices of the fiches the person turned down.
    rejected: Vec<usize>,
    max_training: Option<Training>,
    qualification: Option<Qualification>,
    intent: Option<Intent>,
    part_time: bool,
    /// The scored values among the person's top three: (weight, letters, green, words).
    values: Vec<(f64, &'static str, bool, &'static str)>,
    wants_environment: bool,
    /// Tension in reach per packed ROME v3 code, when a home commune is known.
    market: Option<IntMap<u32, TensionSummary>>,
    /// `travel` was given: fiches with no offers in reach are left out.
    hard_radius: bool,
    /// What past jobs and centres d'intérêt weigh for this person (intent).
    experience_factor: f64,
    interests_factor: f64,
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
        let mut loved = Vec::new();
        for (key, rating) in &self.interests {
            let code = key
                .parse::<u8>()
                .ok()
                .filter(|c| catalog.centre_interet(*c).is_some());
            match code {
                Some(c) if (1..=5).contains(rating) => {
                    interests.insert(c, f64::from(rating - 1) / 4.0);
                    if *rating == 5 {
                        loved.push(c);
                    }
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
        let mut held_domains = Vec::new();
        let mut held_parents = Vec::new();
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
            if let Some(domain) = domain_of(&fiche.code) {
                held_domains.push(domain);
            }
            if let Some(key) = crate::geo::code_key(&fiche.parent_v3) {
                held_parents.push(key);
            }
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
        let mut limits: Vec<Limit> = self
            .schedule_limits
            .iter()
            .map(|l| l.limit())
            .chain(self.health_limits.iter().map(|l| l.limit()))
            .collect();
        if self.driving_licence == Some(false) {
            limits.push(Limit::NoLicence);
        }
        limits.sort_unstable();
        limits.dedup();
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
        let mut wants_environment = false;
        for (i, id) in self.values.iter().enumerate() {
            match VALUES.iter().find(|(v, _, _)| v == id) {
                Some((v, letters, words)) if i < 3 && !words.is_empty() => {
                    wants_environment |= *v == "environment";
                    values.push((3.0 - i as f64, *letters, *v == "environment", *words));
                }
                Some(_) => {}
                None => error(
                    format!("values[{i}]"),
                    format!("`{id}` is not a work value"),
                ),
            }
        }
        let mut commute_km = match self.max_commute_km {
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
        if let Some(travel) = &self.travel {
            if travel.max_minutes > MAX_TRAVEL_MINUTES {
                error(
                    "travel.max_minutes".into(),
                    format!(
                        "{} is not between 0 and {MAX_TRAVEL_MINUTES}",
                        travel.max_minutes
                    ),
                );
            }
            // Both given: the tighter one holds.
            let km = travel.mode.crow_flies_kmh() * f64::from(travel.max_minutes) / 60.0;
            commute_km = match self.max_commute_km {
                Some(_) => commute_km.min(km),
                None => km,
            };
        }
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
        let (shape, top, flat) = riasec_shape(&self.riasec, &riasec, weights);
        Ok(Prepared {
            values,
            wants_environment,
            hard_radius: self.travel.is_some() && market.is_some(),
            experience_factor: if self.intent == Some(Intent::Change) {
                weights.change_experience_factor
            } else {
                1.0
            },
            interests_factor: if self.intent == Some(Intent::Change) {
                weights.change_interests_factor
            } else {
                1.0
            },
            market,
            riasec: shape,
            riasec_top: top,
            flat,
            interest_mean: if interests.is_empty() {
                0.5
            } else {
                interests.values().sum::<f64>() / interests.len() as f64
            },
            interests,
            loved,
            practised,
            mobility_from,
            held,
            held_domains,
            held_parents,
            excluded,
            limits,
            rejected,
            max_training: self.max_training,
            qualification: self.qualification,
            intent: self.intent,
            part_time: self.hours == Some(Hours::PartTime),
            commute_km,
        })
    }

    /// Takes out the codes a newer reference release no longer has (a past job, a
    /// skill, a centre d'intérêt, a context, a set-aside fiche), after mapping them
    /// through `transitions` (old code → new code, from the release's transition table),
    /// and says what was done with each, for the coach. Never drops one silently.
    pub fn fit_to(
        &mut self,
        catalog: &Catalog,
        transitions: &BTreeMap<String, String>,
    ) -> Vec<String> {
        let mut notes = Vec::new();
        let mut fit = |field: &str, codes: &mut Vec<String>, known: &dyn Fn(&str) -> bool| {
            let mut kept = Vec::with_capacity(codes.len());
            for code in codes.drain(..) {
                if known(&code) {
                    kept.push(code);
                } else if let Some(new) = transitions.get(&code).filter(|n| known(n)) {
                    notes.push(format!(
                        "{field}: `{code}` remplacé par `{new}` (nouvelle version du ROME)"
                    ));
                    kept.push(new.clone());
                } else {
                    notes.push(format!(
                        "{field}: `{code}` n'existe plus dans cette version du ROME, à redemander"
                    ));
                }
            }
            *codes = kept;
        };
        let appellation = |c: &str| {
            c.parse::<u32>()
                .ok()
                .and_then(|c| catalog.appellation(c))
                .is_some()
        };
        let item = |c: &str| {
            c.parse::<u32>()
                .ok()
                .is_some_and(|c| catalog.items.contains_key(&c))
        };
        let fiche = |c: &str| catalog.fiche(c).is_some();
        fit("experiences", &mut self.experiences, &appellation);
        fit("skills", &mut self.skills, &item);
        fit("excluded_contexts", &mut self.excluded_contexts, &item);
        fit("rejected", &mut self.rejected, &fiche);
        let unknown: Vec<String> = self
            .interests
            .keys()
            .filter(|k| {
                k.parse::<u8>()
                    .ok()
                    .and_then(|c| catalog.centre_interet(c))
                    .is_none()
            })
            .cloned()
            .collect();
        for key in unknown {
            self.interests.remove(&key);
            notes.push(format!(
                "interests: `{key}` n'existe plus dans cette version du ROME, à redemander"
            ));
        }
        notes
    }
}

/// The ROME domain of a fiche code: its letter and two digits.
fn domain_of(code: &str) -> Option<[u8; 3]> {
    let b = code.as_bytes();
    Some([*b.first()?, *b.get(1)?, *b.get(2)?])
}

/// Ipsatised scores (each minus the mean, over the standard deviation), the two
/// strongest letters, and whether the profile is flat (no shape to match on).
fn riasec_shape(
    given: &BTreeMap<String, f64>,
    scores: &[f64; 6],
    weights: &Weights,
) -> (Option<[f64; 6]>, [usize; 2], Option<FlatRiasec>) {
    if given.is_empty() {
        return (None, [0, 1], None);
    }
    let mean = scores.iter().sum::<f64>() / 6.0;
    let max = scores.iter().copied().fold(f64::MIN, f64::max);
    let min = scores.iter().copied().fold(f64::MAX, f64::min);
    let mut order: Vec<usize> = (0..6).collect();
    // Ties in the hexagon's order R-I-A-S-E-C.
    order.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]).then(a.cmp(b)));
    let top = [order[0], order[1]];
    if max - min < weights.flat_riasec_spread {
        let kind = if mean >= 65.0 {
            FlatRiasec::AllHigh
        } else if mean <= 35.0 {
            FlatRiasec::AllLow
        } else {
            FlatRiasec::Flat
        };
        return (None, top, Some(kind));
    }
    let sd = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / 6.0).sqrt();
    let mut z = [0.0; 6];
    for (out, s) in z.iter_mut().zip(scores) {
        *out = (s - mean) / sd;
    }
    (Some(z), top, None)
}

/// Pearson correlation between the person's ipsatised profile and the fiche's (major
/// 1, minor 0.5, others 0), mapped to 0–1.
fn riasec_fit(z: &[f64; 6], major: usize, minor: Option<usize>) -> f64 {
    let mut f = [0.0; 6];
    f[major] = 1.0;
    if let Some(m) = minor.filter(|m| *m != major) {
        f[m] = 0.5;
    }
    let mean = f.iter().sum::<f64>() / 6.0;
    let sd = (f.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 6.0).sqrt();
    if sd <= 0.0 {
        return 0.5;
    }
    let r = z
        .iter()
        .zip(&f)
        .map(|(a, b)| a * (b - mean) / sd)
        .sum::<f64>()
        / 6.0;
    ((r + 1.0) / 2.0).clamp(0.0, 1.0)
}

impl Prepared {
    /// Whether any activity informed the profile (interests, centres d'intérêt,
    /// experience, values); constraints alone do not make pistes.
    pub fn has_answers(&self) -> bool {
        self.riasec.is_some()
            || self.flat.is_some()
            || !self.interests.is_empty()
            || !self.practised.is_empty()
            || !self.values.is_empty()
    }

    /// A flat or all-high RIASEC profile: the list leans on the other answers.
    pub fn flat_riasec(&self) -> Option<FlatRiasec> {
        self.flat
    }

    /// What the coach should know about how the list was built (stable ids).
    pub fn flags(&self) -> Vec<&'static str> {
        let mut flags = Vec::new();
        if !self.has_answers() {
            flags.push("no_answers");
        }
        match self.flat {
            Some(FlatRiasec::AllHigh) => flags.push("riasec_all_high"),
            Some(FlatRiasec::AllLow) => flags.push("riasec_all_low"),
            Some(FlatRiasec::Flat) => flags.push("riasec_flat"),
            None => {}
        }
        flags
    }

    /// The coach's words for [`Prepared::flags`].
    pub fn notes_fr(&self) -> Vec<&'static str> {
        let mut notes = Vec::new();
        if !self.has_answers() {
            notes.push("Aucune réponse aux activités pour l'instant : pas de pistes proposées.");
        }
        match self.flat {
            Some(FlatRiasec::AllHigh) => notes.push(
                "Profil d'intérêts RIASEC élevé partout : il ne distingue aucun type. Les pistes s'appuient sur les centres d'intérêt, les valeurs et l'expérience ; à explorer en entretien.",
            ),
            Some(FlatRiasec::AllLow) => notes.push(
                "Profil d'intérêts RIASEC bas partout : il ne distingue aucun type. Les pistes s'appuient sur les centres d'intérêt, les valeurs et l'expérience ; à explorer en entretien.",
            ),
            Some(FlatRiasec::Flat) => notes.push(
                "Profil d'intérêts RIASEC plat : il ne distingue aucun type. Les pistes s'appuient sur les centres d'intérêt, les valeurs et l'expérience.",
            ),
            None => {}
        }
        notes
    }

    fn is_current(&self, index: usize) -> bool {
        self.held.contains_key(&index)
    }

    /// Held, or of the same ROME v3 parent as a held job: no qualification gap.
    fn close_to_held(&self, catalog: &Catalog, index: usize) -> bool {
        !self.held.is_empty()
            && (self.is_current(index)
                || catalog
                    .facts_at(index)
                    .and_then(|f| f.parent_v3_key)
                    .is_some_and(|k| self.held_parents.contains(&k)))
    }

    fn in_held_domain(&self, fiche: &Fiche) -> bool {
        domain_of(&fiche.code).is_some_and(|d| self.held_domains.contains(&d))
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
    /// The training this person needs for the fiche (given their qualification and past
    /// jobs), else the fiche's typical training; None when the access text is unclear.
    pub training: Option<Training>,
    /// A diploma or licence is mandatory (ROME's regulated flag).
    pub regulated: bool,
    /// The qualification usually asked (entry route).
    pub entry_level: Option<Qualification>,
    /// The person's own job, or its ROME domain, while they want to change.
    pub current_job: bool,
    /// Core know-how of the fiche the person has practised, and some they would learn.
    pub skills_you_have: Vec<String>,
    pub skills_to_acquire: Vec<String>,
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
/// are left out, and a profile with no answers gets none. The top 10 holds at most
/// [`Weights::domain_cap_top10`] fiches of one ROME domain (unless `intent: stay`), and
/// each centre d'intérêt rated 5/5 has a piste in the top 20 when one fits. `limit` of
/// 0 means all.
pub fn rank(
    catalog: &Catalog,
    profile: &Prepared,
    weights: &Weights,
    limit: usize,
) -> Vec<Recommendation> {
    if !profile.has_answers() {
        return Vec::new();
    }
    let ranker = Ranker {
        catalog,
        profile,
        weights,
        overlap: SkillOverlap::new(catalog, profile, weights),
    };
    // One buffer of parts for the whole pass, not one allocation per fiche.
    let mut buffer = Vec::with_capacity(6);
    let mut scored: Vec<(f64, usize)> = Vec::with_capacity(catalog.fiches.len());
    for (index, fiche) in catalog.fiches.iter().enumerate() {
        if let Some(score) = ranker.score_only(index, fiche, &mut buffer) {
            scored.push((score, index));
        }
    }
    // Best first; equal scores in code order, so that the list is stable.
    scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut order: Vec<usize> = scored.into_iter().map(|(_, i)| i).collect();
    if profile.intent != Some(Intent::Stay) {
        spread_domains(catalog, &mut order, weights.domain_cap_top10, 10);
    }
    lift_loved_interests(catalog, profile, &mut order, 20);
    let take = if limit == 0 {
        order.len()
    } else {
        limit.min(order.len())
    };
    order
        .into_iter()
        .take(take)
        .filter_map(|index| ranker.explain(index))
        .collect()
}

/// Moves the fiches past `cap` of one domain out of the first `top` places, keeping
/// the order otherwise.
fn spread_domains(catalog: &Catalog, order: &mut Vec<usize>, cap: usize, top: usize) {
    let mut head: Vec<usize> = Vec::with_capacity(top);
    let mut deferred: Vec<usize> = Vec::new();
    let mut counts: Vec<([u8; 3], usize)> = Vec::with_capacity(top);
    let mut next = 0;
    while head.len() < top && next < order.len() {
        let index = order[next];
        next += 1;
        let domain = catalog.fiches.get(index).and_then(|f| domain_of(&f.code));
        let count = match domain {
            Some(d) => match counts.iter_mut().find(|(c, _)| *c == d) {
                Some((_, n)) => n,
                None => {
                    counts.push((d, 0));
                    match counts.last_mut() {
                        Some((_, n)) => n,
                        None => continue,
                    }
                }
            },
            None => {
                head.push(index);
                continue;
            }
        };
        if *count < cap {
            *count += 1;
            head.push(index);
        } else {
            deferred.push(index);
        }
    }
    if deferred.is_empty() {
        return;
    }
    head.extend(deferred);
    head.extend_from_slice(&order[next..]);
    *order = head;
}

/// Puts, for each centre d'intérêt rated 5/5 with no piste among the first `top`, its
/// best-ranked fiche (the one whose principal centre it is) at the end of those places.
fn lift_loved_interests(catalog: &Catalog, profile: &Prepared, order: &mut Vec<usize>, top: usize) {
    let principal = |index: usize| {
        catalog
            .fiches
            .get(index)
            .and_then(|f| f.interests.iter().find(|(_, p)| *p).map(|(c, _)| *c))
    };
    let mut lifted: Vec<usize> = Vec::new();
    for code in &profile.loved {
        let shown = order.iter().take(top).any(|i| principal(*i) == Some(*code))
            || lifted.iter().any(|i| principal(*i) == Some(*code));
        if shown {
            continue;
        }
        if let Some(index) = order
            .iter()
            .skip(top)
            .find(|i| principal(**i) == Some(*code))
        {
            lifted.push(*index);
        }
    }
    if lifted.is_empty() {
        return;
    }
    // All at once at the end of the top, so that they do not push each other out.
    order.retain(|i| !lifted.contains(i));
    let at = top.saturating_sub(lifted.len()).min(order.len());
    order.splice(at..at, lifted);
}

/// One fiche explained for a profile, whatever its rank: for a piste the coach pinned
/// or the person kept. A limit or context the person excludes becomes a caution here
/// rather than a removal. None for an unknown code.
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
    for limit in &profile.limits {
        if catalog.constraints.effect(*limit, index) == Effect::Excluded {
            recommendation.cautions.insert(
                0,
                format!(
                    "Comporte {}, que vous avez indiqué ne pas pouvoir faire",
                    catalog.constraints.label(*limit)
                ),
            );
        }
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

/// Everything one ranking reads, so that the per-fiche functions take few arguments.
struct Ranker<'a> {
    catalog: &'a Catalog,
    profile: &'a Prepared,
    weights: &'a Weights,
    overlap: SkillOverlap,
}

impl Ranker<'_> {
    /// The tension in reach of the fiche's ROME v3 parent, when a commune is known.
    fn market_of(&self, index: usize) -> Option<Option<&TensionSummary>> {
        let market = self.profile.market.as_ref()?;
        Some(
            self.catalog
                .facts_at(index)
                .and_then(|f| f.parent_v3_key)
                .and_then(|k| market.get(&k)),
        )
    }

    fn removed(&self, index: usize, fiche: &Fiche) -> bool {
        let profile = self.profile;
        if profile.rejected.contains(&index)
            || profile.excluded.iter().any(|c| fiche.contexts.contains(c))
            || profile
                .limits
                .iter()
                .any(|l| self.catalog.constraints.effect(*l, index) == Effect::Excluded)
        {
            return true;
        }
        // The person set a travel limit: the areas in reach report this occupation
        // and no offer, the fiche is left out. An occupation the file does not report
        // in reach is unknown there, not absent (the 2020 file holds about a sixth of
        // the occupation × area pairs): kept, with a caution and a weak market.
        if profile.hard_radius
            && !profile.is_current(index)
            && let Some(summary) = self.market_of(index).flatten()
            && summary.areas_with_data > 0
            && summary.offers == 0
        {
            return true;
        }
        false
    }

    /// The score alone (no sentences), for the ranking pass over all fiches.
    fn score_only(&self, index: usize, fiche: &Fiche, buffer: &mut Vec<Part>) -> Option<f64> {
        if self.removed(index, fiche) {
            return None;
        }
        buffer.clear();
        let penalty = self.parts(index, fiche, false, buffer);
        Some(combine(buffer, penalty))
    }

    /// The training this person needs for the fiche: none for a job held or of the same
    /// ROME v3 parent; from the qualification gap when known; else the fiche's typical.
    fn training_needed(&self, index: usize) -> (Option<Training>, Option<EntryRoute>) {
        let route = self.catalog.entry_at(index);
        if self.no_gap(index) {
            return (Some(Training::None), route);
        }
        let needed = match (route, self.profile.qualification) {
            (Some(r), Some(q)) => r.training_for(q),
            (Some(r), None) => r.training,
            (None, _) => None,
        };
        (needed, route)
    }

    /// A job held, or one of the same ROME v3 parent that asks no more than one level
    /// above the person's and no regulated diploma: experience makes up for the gap.
    /// (An accountant is close to an auditor, but the auditor's diploma is still due.)
    fn no_gap(&self, index: usize) -> bool {
        let profile = self.profile;
        if profile.is_current(index) {
            return true;
        }
        if !profile.close_to_held(self.catalog, index)
            || self.catalog.fiches.get(index).is_some_and(|f| f.regulated)
        {
            return false;
        }
        match (
            self.catalog.entry_at(index).and_then(|r| r.level),
            profile.qualification,
        ) {
            (Some(level), Some(held)) => level.step() <= held.step() + 1,
            _ => true,
        }
    }

    /// What the person accepts: their answer, else a year when their qualification is
    /// known (so that a gap still counts), else anything.
    fn accepted(&self) -> Option<Training> {
        self.profile
            .max_training
            .or(self.profile.qualification.map(|_| Training::OneYear))
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
        if let (Some(z), Some(major)) = (&profile.riasec, fiche.riasec_major.and_then(letter_index))
        {
            let value = riasec_fit(z, major, fiche.riasec_minor.and_then(letter_index));
            let strong = profile.riasec_top.contains(&major) && z[major] > 0.3;
            parts.push(Part {
                weight: weights.riasec,
                value,
                reason: (explain && strong)
                    .then(|| format!("Correspond à votre côté {}", riasec_name(LETTERS[major]))),
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
                // The shape of the ratings: each against the person's own mean; an
                // unrated centre d'intérêt counts as neutral.
                let rating = profile.interests.get(code).copied();
                sum += w * rating.map_or(0.0, |r| r - profile.interest_mean);
                total += w;
                let rating = rating.unwrap_or(0.0);
                if rating >= 0.75 && best.is_none_or(|(r, _)| rating * w > r) {
                    best = Some((rating * w, *code));
                }
            }
            if total > 0.0 {
                parts.push(Part {
                    weight: weights.interests * profile.interests_factor,
                    value: (0.5 + weights.interest_stretch * sum / total).clamp(0.0, 1.0),
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
                weight: weights.skills * profile.experience_factor,
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
                weight: weights.mobility * profile.experience_factor,
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
                    match fiche.transition_eco.as_deref() {
                        Some("Emploi Vert") => 1.0,
                        Some("Emploi stratégique pour la Transition écologique") => 0.5,
                        _ => 0.0,
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
        if let Some(summary) = self.market_of(index) {
            let mean_index = summary.and_then(|s| s.mean_index);
            let offers = summary.map_or(0, |s| s.offers);
            let value = mean_index.map_or(weights.market_unknown, |i| (i - 1.0) / 4.0);
            let reason = match mean_index {
                Some(i) if explain && i >= 3.5 && offers >= weights.min_offers_for_claim => {
                    // Labour-market data is keyed on the ROME v3 parent: say so when
                    // it covers more than this fiche.
                    let shared =
                        catalog.parent_shared_at(index) > 1 || fiche.parent_v3 != fiche.code;
                    Some(format!(
                        "Les employeurs peinent à recruter {} à moins de {} km ({offers} offres en 2020)",
                        if shared {
                            "dans ce métier et les métiers proches"
                        } else {
                            "dans ce métier"
                        },
                        profile.commute_km.round(),
                    ))
                }
                _ => None,
            };
            parts.push(Part {
                weight: weights.market,
                value,
                reason,
            });
        }
        let mut penalty = 1.0;
        let (needed, _) = self.training_needed(index);
        // A fiche whose access text names a qualification at no level we recognise
        // counts as about a year of training, not as none.
        let needed = needed.or(Some(Training::OneYear));
        if let (Some(accepted), Some(required)) = (self.accepted(), needed) {
            let gap = required.step() - accepted.step();
            if gap > 0 {
                penalty *= weights.training_gap_penalty.powi(gap);
            }
        }
        if !self.no_gap(index) {
            let route = catalog.entry_at(index);
            // "Two years or more" covers two levels (Bac → Bac+2); each level beyond
            // (no diploma → Bac+3 is a Bac and three years) counts one step more.
            if let (Some(level), Some(held)) = (route.and_then(|r| r.level), profile.qualification)
            {
                let beyond = level.step() - held.step() - 2;
                if beyond > 0 {
                    penalty *= weights.training_gap_penalty.powi(beyond);
                }
            }
            if route.is_some_and(|r| r.selective) {
                penalty *= weights.selective_penalty;
            }
        }
        if fiche.regulated && !self.no_gap(index) {
            penalty *= weights.regulated_penalty;
        }
        if profile.part_time && catalog.constraints.part_time(index) == PartTime::Rare {
            penalty *= weights.part_time_rare_penalty;
        }
        for limit in &profile.limits {
            if catalog.constraints.effect(*limit, index) == Effect::Caution {
                penalty *= weights.caution_penalty;
            }
        }
        if profile.intent == Some(Intent::Change) {
            if profile.is_current(index) {
                penalty *= weights.current_job_factor;
            } else if profile.in_held_domain(fiche) {
                penalty *= weights.current_family_factor;
            }
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
        let mut parts = Vec::with_capacity(6);
        let penalty = self.parts(index, fiche, true, &mut parts);
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
        let current = profile.intent == Some(Intent::Change)
            && (profile.is_current(index) || profile.in_held_domain(fiche));
        if current {
            cautions.push(if profile.is_current(index) {
                "C'est votre métier actuel : vous souhaitez en changer".to_owned()
            } else {
                "Même famille que votre métier actuel, que vous souhaitez quitter".to_owned()
            });
        }
        let (needed, route) = self.training_needed(index);
        let close = self.no_gap(index);
        match (self.accepted(), needed) {
            _ if close => {}
            (Some(accepted), Some(required)) if required > accepted => {
                let level = route
                    .and_then(|r| r.level)
                    .map(|l| format!(" (niveau habituel : {})", l.label_fr()))
                    .unwrap_or_default();
                cautions.push(format!(
                    "Demande {}{level} alors que vous souhaitez au plus {}",
                    required.label_fr(),
                    accepted.label_fr()
                ));
            }
            (_, None) => {
                cautions.push("Formation nécessaire à vérifier avec votre conseiller".into())
            }
            _ => {}
        }
        if !close && route.is_some_and(|r| r.selective) {
            cautions.push("Accès sur sélection (performances, talent) : très peu de places".into());
        }
        if fiche.regulated && !close {
            cautions
                .push("Métier réglementé : un diplôme ou une autorisation est obligatoire".into());
        }
        for limit in &profile.limits {
            if catalog.constraints.effect(*limit, index) == Effect::Caution {
                cautions.push(format!(
                    "Certains postes comportent {} : à vérifier avec l'employeur",
                    catalog.constraints.label(*limit)
                ));
            }
        }
        if profile.part_time && catalog.constraints.part_time(index) == PartTime::Rare {
            cautions.push("Le temps partiel est rare dans ce métier".into());
        }
        if profile.wants_environment && fiche.transition_eco.as_deref() == Some("Emploi Brun") {
            cautions.push(
                "Emploi « brun » selon le ROME : son activité pèse sur l'environnement et devra se transformer avec la transition écologique"
                    .into(),
            );
        }
        if let Some(summary) = self.market_of(index) {
            if summary.is_none_or(|s| s.areas_with_data == 0) {
                cautions.push("Pas de chiffres d'embauche près de chez vous pour ce métier".into());
            } else if summary.is_some_and(|s| {
                s.offers >= self.weights.min_offers_for_claim
                    && s.mean_index.is_some_and(|i| i < 2.0)
            }) {
                cautions.push(
                    "Peu de recrutements difficiles près de chez vous : beaucoup de candidats"
                        .into(),
                );
            }
        }
        let (skills_you_have, skills_to_acquire) = self.skills_split(index);
        Some(Recommendation {
            code_rome: fiche.code.clone(),
            label: fiche.label.clone(),
            score,
            reasons,
            cautions,
            training: needed,
            regulated: fiche.regulated,
            entry_level: route.and_then(|r| r.level),
            current_job: current,
            skills_you_have,
            skills_to_acquire,
        })
    }

    /// Up to three core know-how skills of the fiche the person has practised, and up
    /// to three they would learn (as France Travail's "Changer de métier" shows).
    fn skills_split(&self, index: usize) -> (Vec<String>, Vec<String>) {
        const SHOWN: usize = 3;
        let mut have = Vec::new();
        let mut acquire = Vec::new();
        for (code, label) in self.catalog.core_know_how_at(index) {
            if self.profile.practised.contains_key(code) {
                if have.len() < SHOWN {
                    have.push(label.clone());
                }
            } else if acquire.len() < SHOWN {
                acquire.push(label.clone());
            }
            if have.len() == SHOWN && acquire.len() == SHOWN {
                break;
            }
        }
        (have, acquire)
    }
}
