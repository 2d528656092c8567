//! The French occupational reference (ROME 4.0, France Travail) with geography and
//! labour-market tension, loaded from the official files into compact in-memory
//! indexes. Pure: no database, no network. Data: France Travail RefRomeCsv (Licence
//! Ouverte / Etalab 2.0), Mobiville tension 2020, communes centroids, ESCO (EC).

pub mod constraints;
pub mod entry;
pub mod fold;
pub mod geo;
mod load;
pub mod recommend;
mod resolve;
pub mod search;

use std::collections::HashMap;

pub use geo::{AreaInReach, Commune, CommuneHit, EmploymentArea, Tension, TensionSummary};
pub use load::{LoadError, MAX_REFERENCE_FILE_MIB, MAX_REFERENCE_LINE_BYTES, load};
pub use search::{AppellationHit, OccupationHit};

/// Which release of the reference is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogVersion {
    /// ROME release number, e.g. "60".
    pub number: String,
    pub published: String,
    pub title: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    SavoirFaire,
    SavoirEtre,
    Savoir,
    Context,
}

/// A skill, knowledge or work context of the reference, keyed by `code_ogr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub code: u32,
    pub label: String,
    pub kind: ItemKind,
    /// For contexts: the kind of context ("Horaires et durée du travail"…).
    pub group: Option<String>,
}

/// Whether a skill is at the core of the occupation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoreLevel {
    Principal,
    Emerging,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FicheItem {
    pub code: u32,
    pub core: Option<CoreLevel>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appellation {
    pub code: u32,
    pub label: String,
    pub short_label: String,
    pub fiche: usize,
    pub rarely_used: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentreInteret {
    pub code: u8,
    pub label: String,
    pub definition: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub code: String,
    pub label: String,
}

/// A ROME fiche métier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fiche {
    pub code: String,
    pub label: String,
    pub grand_domaine: String,
    pub domaine: String,
    pub definition: Vec<String>,
    pub access: Vec<String>,
    pub riasec_major: Option<char>,
    pub riasec_minor: Option<char>,
    /// Centres d'intérêt linked to the fiche: (code, principal?).
    pub interests: Vec<(u8, bool)>,
    pub appellations: Vec<usize>,
    pub skills: Vec<FicheItem>,
    pub contexts: Vec<u32>,
    /// Fiches a person can move to, in the reference's order.
    pub mobility: Vec<String>,
    pub regulated: bool,
    pub cadre: bool,
    pub transition_eco: Option<String>,
    pub transition_num: bool,
    pub transition_demo: bool,
    /// ROME v3 code this fiche descends from (labour-market data is keyed on it).
    pub parent_v3: String,
}

/// Counts shown after a load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub fiches: usize,
    pub appellations: usize,
    pub centres_interet: usize,
    pub mobility_links: usize,
    pub items: usize,
    pub communes: usize,
    pub employment_areas: usize,
    pub tension_rows: usize,
    pub esco_occupations: usize,
    pub esco_skills: usize,
}

/// Skill code → the fiches that list it, with its core level there.
type SkillPostings = HashMap<u32, Vec<(usize, Option<CoreLevel>)>>;

/// Per-fiche figures derived from the reference, cached for the recommendation engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FicheFacts {
    pub principal_skills: u32,
    pub emerging_skills: u32,
    pub other_skills: u32,
    pub parent_v3_key: Option<u32>,
}

#[derive(Debug)]
pub struct Catalog {
    pub version: CatalogVersion,
    pub fiches: Vec<Fiche>,
    pub appellations: Vec<Appellation>,
    pub centres_interet: Vec<CentreInteret>,
    pub grands_domaines: Vec<Domain>,
    pub domaines: Vec<Domain>,
    pub items: HashMap<u32, Item>,
    pub geo: geo::Geo,
    pub esco_occupations: usize,
    pub esco_skills: usize,
    fiche_index: HashMap<String, usize>,
    appellation_index: HashMap<u32, usize>,
    /// How each fiche is entered, read once from its access text and the overrides.
    entry: std::sync::OnceLock<Vec<entry::EntryRoute>>,
    entry_overrides: entry::Overrides,
    /// The limits of a profile resolved for every fiche (`data/constraints.toml`).
    pub constraints: constraints::Constraints,
    /// Per fiche: how many fiches share its ROME v3 parent code (labour-market data).
    parent_shared: std::sync::OnceLock<Vec<u16>>,
    /// Per fiche: its principal know-how skills (code, label), for "skills you have /
    /// to acquire" without a lookup in the large items map per skill.
    core_know_how: std::sync::OnceLock<Vec<Vec<(u32, String)>>>,
    /// Per fiche: whether its ROME v3 parent has any labour-market row.
    codes_with_market: std::sync::OnceLock<Vec<bool>>,
    skill_postings: std::sync::OnceLock<SkillPostings>,
    /// Per fiche: (principal, emerging, other) skill counts and the packed ROME v3 code.
    fiche_facts: std::sync::OnceLock<Vec<FicheFacts>>,
    search: search::SearchIndex,
}

impl Catalog {
    pub fn fiche(&self, code: &str) -> Option<&Fiche> {
        self.fiche_index.get(code).and_then(|i| self.fiches.get(*i))
    }

    /// An appellation by its `code_ogr`, with its fiche.
    pub fn appellation(&self, code: u32) -> Option<(&Appellation, &Fiche)> {
        let appellation = self.appellations.get(*self.appellation_index.get(&code)?)?;
        Some((appellation, self.fiches.get(appellation.fiche)?))
    }

    /// The know-how of a fiche a person who held it most likely practised: its core
    /// skills first (principal, then emerging), then the others, in reference order.
    pub fn practised_skills(&self, fiche: &Fiche, limit: usize) -> Vec<u32> {
        let rank = |core: Option<CoreLevel>| match core {
            Some(CoreLevel::Principal) => 0,
            Some(CoreLevel::Emerging) => 1,
            None => 2,
        };
        let mut skills: Vec<&FicheItem> = fiche
            .skills
            .iter()
            .filter(|s| {
                self.items
                    .get(&s.code)
                    .is_some_and(|i| i.kind == ItemKind::SavoirFaire)
            })
            .collect();
        skills.sort_by_key(|s| rank(s.core));
        skills.into_iter().take(limit).map(|s| s.code).collect()
    }

    /// The fiches that list a skill, with its core level there (built on first use).
    pub fn fiches_with_skill(&self, code: u32) -> &[(usize, Option<CoreLevel>)] {
        self.skill_postings
            .get_or_init(|| {
                let mut postings: HashMap<u32, Vec<(usize, Option<CoreLevel>)>> = HashMap::new();
                for (index, fiche) in self.fiches.iter().enumerate() {
                    for skill in &fiche.skills {
                        postings
                            .entry(skill.code)
                            .or_default()
                            .push((index, skill.core));
                    }
                }
                postings
            })
            .get(&code)
            .map_or(&[], Vec::as_slice)
    }

    /// Facts about the fiche at `index` that every ranking needs, computed once.
    pub fn facts_at(&self, index: usize) -> Option<&FicheFacts> {
        self.fiche_facts
            .get_or_init(|| {
                self.fiches
                    .iter()
                    .map(|f| {
                        let count = |level: Option<CoreLevel>| {
                            f.skills.iter().filter(|s| s.core == level).count() as u32
                        };
                        FicheFacts {
                            principal_skills: count(Some(CoreLevel::Principal)),
                            emerging_skills: count(Some(CoreLevel::Emerging)),
                            other_skills: count(None),
                            parent_v3_key: geo::code_key(&f.parent_v3),
                        }
                    })
                    .collect()
            })
            .get(index)
    }

    /// The training the fiche at `index` asks for an adult starting from no
    /// qualification (see [`entry`]).
    pub fn training_at(&self, index: usize) -> Option<recommend::Training> {
        self.entry_at(index).and_then(|e| e.training)
    }

    /// How the fiche at `index` is entered, computed for every fiche on first use.
    pub fn entry_at(&self, index: usize) -> Option<entry::EntryRoute> {
        self.entry
            .get_or_init(|| {
                self.fiches
                    .iter()
                    .map(|f| entry::entry_route(f, &self.entry_overrides))
                    .collect()
            })
            .get(index)
            .copied()
    }

    /// The reviewed overrides of the entry routes.
    pub fn entry_overrides(&self) -> &entry::Overrides {
        &self.entry_overrides
    }

    /// How many fiches share the ROME v3 parent code of the fiche at `index`.
    pub fn parent_shared_at(&self, index: usize) -> u16 {
        self.parent_shared
            .get_or_init(|| {
                let mut counts: HashMap<&str, u16> = HashMap::new();
                for f in &self.fiches {
                    *counts.entry(f.parent_v3.as_str()).or_default() += 1;
                }
                self.fiches
                    .iter()
                    .map(|f| counts.get(f.parent_v3.as_str()).copied().unwrap_or(1))
                    .collect()
            })
            .get(index)
            .copied()
            .unwrap_or(1)
    }

    /// The principal know-how skills of the fiche at `index`, in reference order.
    pub fn core_know_how_at(&self, index: usize) -> &[(u32, String)] {
        self.core_know_how
            .get_or_init(|| {
                self.fiches
                    .iter()
                    .map(|f| {
                        f.skills
                            .iter()
                            .filter(|s| s.core == Some(CoreLevel::Principal))
                            .filter_map(|s| {
                                let item = self.items.get(&s.code)?;
                                (item.kind == ItemKind::SavoirFaire)
                                    .then(|| (s.code, item.label.clone()))
                            })
                            .collect()
                    })
                    .collect()
            })
            .get(index)
            .map_or(&[], Vec::as_slice)
    }

    /// Whether any labour-market row exists, anywhere, for the ROME v3 parent of the
    /// fiche at `index`.
    pub fn has_market_data_at(&self, index: usize) -> bool {
        self.codes_with_market
            .get_or_init(|| {
                let codes = self.geo.codes_with_data();
                (0..self.fiches.len())
                    .map(|i| {
                        self.facts_at(i)
                            .and_then(|f| f.parent_v3_key)
                            .is_some_and(|k| codes.contains(&k))
                    })
                    .collect()
            })
            .get(index)
            .copied()
            .unwrap_or(false)
    }

    pub fn fiche_at(&self, index: usize) -> Option<&Fiche> {
        self.fiches.get(index)
    }

    pub fn centre_interet(&self, code: u8) -> Option<&CentreInteret> {
        self.centres_interet.iter().find(|c| c.code == code)
    }

    pub fn domain_label(&self, code: &str) -> Option<&str> {
        self.domaines
            .iter()
            .chain(&self.grands_domaines)
            .find(|d| d.code == code)
            .map(|d| d.label.as_str())
    }

    pub fn counts(&self) -> Counts {
        Counts {
            fiches: self.fiches.len(),
            appellations: self.appellations.len(),
            centres_interet: self.centres_interet.len(),
            mobility_links: self.fiches.iter().map(|f| f.mobility.len()).sum(),
            items: self.items.len(),
            communes: self.geo.communes.len(),
            employment_areas: self.geo.areas.len(),
            tension_rows: self.geo.tension_rows(),
            esco_occupations: self.esco_occupations,
            esco_skills: self.esco_skills,
        }
    }

    /// Fiches whose code starts with a domain code ("M" or "M18"), in code order.
    pub fn fiches_in_domain<'a>(&'a self, domain: &'a str) -> impl Iterator<Item = &'a Fiche> + 'a {
        self.fiches
            .iter()
            .filter(move |f| f.code.starts_with(domain))
    }

    /// Fiches linked to a centre d'intérêt, the principal links first.
    pub fn fiches_with_interest(&self, code: u8) -> Vec<&Fiche> {
        let mut out: Vec<(&Fiche, bool)> = self
            .fiches
            .iter()
            .filter_map(|f| {
                f.interests
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map(|(_, p)| (f, *p))
            })
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.code.cmp(&b.0.code)));
        out.into_iter().map(|(f, _)| f).collect()
    }

    /// Occupations matching a free-text query (see [`search`]).
    pub fn search_occupations(&self, query: &str, limit: usize) -> Vec<OccupationHit> {
        self.search.occupations(self, query, limit)
    }

    /// Job titles matching a free-text query, each with its appellation code.
    pub fn search_appellations(&self, query: &str, limit: usize) -> Vec<search::AppellationHit> {
        self.search.appellations(self, query, limit)
    }

    /// Communes by name prefix or INSEE code prefix, the most populated first.
    pub fn search_communes(&self, query: &str, limit: usize) -> Vec<CommuneHit> {
        self.geo.search(query, limit)
    }
}
