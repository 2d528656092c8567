//! Entry routes: the usual qualification level a fiche asks for and the typical
//! training for an adult who has none of it (the equivalent of O*NET's job zones), read
//! from the whole access text, then corrected by `data/entry_overrides.toml`.
//!
//! Reading rule: the entry sentence ("Cet emploi est accessible avec …") gives the
//! lowest level among the routes it names ("un CAP à un Bac+2" → CAP); any other sentence
//! that *requires* a diploma ("… est exigé", "obligatoire") raises it; the level is the
//! highest of these requirements. "Il est également accessible …" sentences (routes
//! through experience) do not lower it. Certifications (CQP, titre professionnel,
//! habilitation, CACES, permis) never set a level: they make a short training.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Fiche;
use crate::recommend::Training;

/// Reviewed corrections of the parser, as shipped.
pub const OVERRIDES_TOML: &str = include_str!("../data/entry_overrides.toml");

/// A qualification level (French national levels 3 to 7 and "none").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualification {
    None,
    CapBep,
    Bac,
    Bac2,
    Bac3,
    Bac5,
}

impl Qualification {
    pub const ALL: [Qualification; 6] = [
        Qualification::None,
        Qualification::CapBep,
        Qualification::Bac,
        Qualification::Bac2,
        Qualification::Bac3,
        Qualification::Bac5,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Qualification::None => "none",
            Qualification::CapBep => "cap_bep",
            Qualification::Bac => "bac",
            Qualification::Bac2 => "bac2",
            Qualification::Bac3 => "bac3",
            Qualification::Bac5 => "bac5",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Qualification::None => "sans diplôme",
            Qualification::CapBep => "CAP ou BEP",
            Qualification::Bac => "Bac",
            Qualification::Bac2 => "Bac+2",
            Qualification::Bac3 => "Bac+3",
            Qualification::Bac5 => "Bac+5 ou plus",
        }
    }

    pub fn step(self) -> i32 {
        match self {
            Qualification::None => 0,
            Qualification::CapBep => 1,
            Qualification::Bac => 2,
            Qualification::Bac2 => 3,
            Qualification::Bac3 => 4,
            Qualification::Bac5 => 5,
        }
    }
}

/// How a fiche is usually entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EntryRoute {
    /// The usual qualification asked; None when the text names none we recognise.
    pub level: Option<Qualification>,
    /// A certification, licence or habilitation is required on top.
    pub certificate: bool,
    /// Typical training for an adult without the qualification.
    pub training: Option<Training>,
    /// Set by the reviewed overrides file rather than the parser.
    pub reviewed: bool,
    /// Entered after a selection on performance or talent ("accessible après
    /// sélection"), whatever the diploma: a professional athlete.
    pub selective: bool,
}

impl EntryRoute {
    /// The training a person with `held` (their highest qualification) needs here.
    pub fn training_for(&self, held: Qualification) -> Option<Training> {
        let level = self.level?;
        let gap = level.step() - held.step();
        Some(if gap <= 0 {
            if self.certificate {
                Training::Short
            } else {
                Training::None
            }
        } else if level <= Qualification::Bac || (gap == 1 && level == Qualification::Bac3) {
            // An adult route (titre professionnel, CAP in one year, licence pro) exists.
            Training::OneYear
        } else {
            Training::More
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverridesFile {
    version: String,
    #[serde(default)]
    fiches: BTreeMap<String, Override>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Override {
    level: Qualification,
    #[serde(default)]
    certificate: bool,
    #[serde(default)]
    training: Option<Training>,
    #[serde(default)]
    selective: bool,
    /// Why: kept in the file for the reviewer.
    #[allow(dead_code)]
    note: String,
}

/// The parsed overrides, keyed by fiche code.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub version: String,
    fiches: BTreeMap<String, Override>,
}

impl Overrides {
    pub fn shipped() -> Result<Self, String> {
        Self::from_toml(OVERRIDES_TOML)
    }

    pub fn from_toml(source: &str) -> Result<Self, String> {
        let file: OverridesFile = toml::from_str(source).map_err(|e| e.to_string())?;
        Ok(Overrides {
            version: file.version,
            fiches: file.fiches,
        })
    }

    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.fiches.keys().map(String::as_str)
    }
}

/// The typical training for an adult starting from no qualification.
fn typical_training(level: Option<Qualification>, certificate: bool) -> Option<Training> {
    Some(match level? {
        Qualification::None if certificate => Training::Short,
        Qualification::None => Training::None,
        Qualification::CapBep | Qualification::Bac => Training::OneYear,
        _ => Training::More,
    })
}

/// The fiche's entry route: the overrides file first, else the parser.
pub fn entry_route(fiche: &Fiche, overrides: &Overrides) -> EntryRoute {
    if let Some(o) = overrides.fiches.get(&fiche.code) {
        return EntryRoute {
            level: Some(o.level),
            certificate: o.certificate,
            training: o
                .training
                .or(typical_training(Some(o.level), o.certificate)),
            reviewed: true,
            selective: o.selective,
        };
    }
    parse_access(&fiche.access)
}

/// Folded words, "Bac + 2" as "bacplus2", "Bac+3/4" as "bacplus3".
fn normalise(sentence: &str) -> String {
    let folded = crate::fold::fold(&sentence.replace('+', " plus "));
    let words: Vec<&str> = folded.split_whitespace().collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if w == "bac"
            && words.get(i + 1) == Some(&"plus")
            && let Some(n) = words
                .get(i + 2)
                .filter(|n| n.chars().all(|c| c.is_ascii_digit()))
        {
            out.push(format!("bacplus{n}"));
            i += 3;
            continue;
        }
        out.push(w.to_owned());
        i += 1;
    }
    let mut text = out.join(" ");
    // A "Diplôme d'État" names many levels: the common ones by their own level, the
    // rest stay at Bac+2 (the generic entry below).
    for (phrase, level) in STATE_DIPLOMAS {
        if text.contains(phrase) {
            text = text.replace(phrase, level);
        }
    }
    text
}

/// Diplômes d'État by what they name (RNCP levels), rewritten to a level word.
const STATE_DIPLOMAS: &[(&str, &str)] = &[
    ("diplome d etat de docteur", "doctorat"),
    ("diplome d etat d architecte", "architecte"),
    ("diplome d etat de pharmacien", "doctorat"),
    ("diplome d etat en medecine", "doctorat"),
    ("diplome d etat en pharmacie", "doctorat"),
    ("diplome d etat de psychologue", "master"),
    ("diplome d etat de sage femme", "master"),
    ("diplome d etat de masseur kinesitherapeute", "master"),
    ("diplome d etat d infirmier", "bacplus3"),
    ("diplome d etat d educateur specialise", "bacplus3"),
    ("diplome d etat d assistant de service social", "bacplus3"),
    ("diplome d etat d ergotherapeute", "bacplus3"),
    ("diplome d etat de psychomotricien", "bacplus3"),
    ("diplome d etat d aide soignant", "bac"),
    ("diplome d etat d auxiliaire de puericulture", "bac"),
    ("diplome d etat de moniteur educateur", "bac"),
    ("diplome d etat d accompagnant educatif et social", "cap"),
];

const NO_DIPLOMA: &[&str] = &[
    "sans diplome",
    "sans qualification",
    "sans formation",
    "tous les niveaux",
    "aucun diplome",
    "sans condition de diplome",
    "sans niveau",
    "pas de diplome",
    "pas conditionne par la detention d un diplome",
];

/// Level words, each with the level it names. Longer phrases first where they overlap.
const LEVELS: &[(&str, Qualification)] = &[
    ("bacplus8", Qualification::Bac5),
    ("bacplus7", Qualification::Bac5),
    ("bacplus6", Qualification::Bac5),
    ("bacplus5", Qualification::Bac5),
    ("master", Qualification::Bac5),
    ("masters", Qualification::Bac5),
    ("diplome d ingenieur", Qualification::Bac5),
    ("ecole d ingenieurs", Qualification::Bac5),
    ("ecole d ingenieur", Qualification::Bac5),
    ("doctorat", Qualification::Bac5),
    ("docteur", Qualification::Bac5),
    ("dess", Qualification::Bac5),
    ("mba", Qualification::Bac5),
    ("ecole de commerce", Qualification::Bac5),
    ("ecole superieure de commerce", Qualification::Bac5),
    ("architecte", Qualification::Bac5),
    ("niveau 7", Qualification::Bac5),
    ("crpe", Qualification::Bac5),
    ("niveau 8", Qualification::Bac5),
    ("bacplus4", Qualification::Bac3),
    ("bacplus3", Qualification::Bac3),
    ("licence", Qualification::Bac3),
    ("licence professionnelle", Qualification::Bac3),
    ("bachelor", Qualification::Bac3),
    ("but", Qualification::Bac3),
    ("niveau 6", Qualification::Bac3),
    ("categorie a", Qualification::Bac3),
    ("desjeps", Qualification::Bac3),
    ("cafdes", Qualification::Bac5),
    ("bacplus2", Qualification::Bac2),
    ("bts", Qualification::Bac2),
    ("btsa", Qualification::Bac2),
    ("dut", Qualification::Bac2),
    ("deust", Qualification::Bac2),
    ("deug", Qualification::Bac2),
    ("dma", Qualification::Bac2),
    ("dejeps", Qualification::Bac2),
    ("niveau 5", Qualification::Bac2),
    ("diplome d etat", Qualification::Bac2),
    ("bac", Qualification::Bac),
    ("baccalaureat", Qualification::Bac),
    ("bac pro", Qualification::Bac),
    ("bac professionnel", Qualification::Bac),
    ("bp", Qualification::Bac),
    ("brevet professionnel", Qualification::Bac),
    ("bpjeps", Qualification::Bac),
    ("brevet de technicien", Qualification::Bac),
    ("bma", Qualification::Bac),
    ("niveau 4", Qualification::Bac),
    ("fin d etudes secondaires", Qualification::Bac),
    ("categorie b", Qualification::Bac),
    ("cap", Qualification::CapBep),
    ("capa", Qualification::CapBep),
    ("bep", Qualification::CapBep),
    ("bepa", Qualification::CapBep),
    ("mention complementaire", Qualification::CapBep),
    ("niveau 3", Qualification::CapBep),
    ("dnb", Qualification::None),
    ("diplome national du brevet", Qualification::None),
    ("categorie c", Qualification::None),
];

const CERTIFICATES: &[&str] = &[
    "cqp",
    "titre professionnel",
    "titre a finalite professionnelle",
    "certificat",
    "certification",
    "habilitation",
    "habilitations",
    "caces",
    "permis",
    "attestation",
    "fimo",
    "carte professionnelle",
    "agrement",
];

const REQUIRED: &[&str] = &[
    "exige",
    "exigee",
    "exiges",
    "exigees",
    "requis",
    "requise",
    "requises",
    "obligatoire",
    "obligatoires",
    "indispensable",
    "necessaire",
    "imposee",
    "necessite",
];

const OPTIONAL: &[&str] = &[
    "peut",
    "peuvent",
    "certains",
    "certaines",
    "selon",
    "apprecie",
    "appreciee",
    "appreciees",
    "atout",
    "souhaite",
    "souhaitable",
    "plus",
    "parfois",
    "eventuellement",
    "egalement",
];

fn has_word(text: &str, phrase: &str) -> bool {
    let mut start = 0;
    while let Some(at) = text[start..].find(phrase) {
        let begin = start + at;
        let end = begin + phrase.len();
        let before = text[..begin].chars().next_back().is_none_or(|c| c == ' ');
        let after = text[end..].chars().next().is_none_or(|c| c == ' ');
        if before && after {
            return true;
        }
        start = end;
    }
    false
}

fn levels_in(text: &str) -> Option<Qualification> {
    LEVELS
        .iter()
        .filter(|(w, _)| has_word(text, w))
        .map(|(_, l)| *l)
        .min()
}

/// Reads an access text (its sentences in order); see the module documentation.
pub fn parse_access(access: &[String]) -> EntryRoute {
    // ROME rows often hold several sentences; a later one ("Un niveau Bac+2 est
    // possible avec de l'expérience") must not count as the entry sentence.
    let sentences: Vec<String> = access
        .iter()
        .flat_map(|row| row.split(". "))
        .map(normalise)
        .filter(|s| !s.is_empty())
        .collect();
    let primary = sentences
        .iter()
        .position(|s| {
            (has_word(s, "accessible") || has_word(s, "acces"))
                && !s.contains("egalement accessible")
                && !s.contains("aussi accessible")
        })
        .or_else(|| sentences.iter().position(|s| levels_in(s).is_some()));
    let mut level: Option<Qualification> = None;
    let mut certificate = false;
    if let Some(p) = primary.and_then(|p| sentences.get(p)) {
        // "accessible sans diplôme. Un CAP est apprécié": the first clause decides.
        let no_diploma = NO_DIPLOMA.iter().filter_map(|w| p.find(w)).min();
        let first_level = LEVELS
            .iter()
            .filter_map(|(w, _)| {
                let at = p.find(w)?;
                has_word(p, w).then_some(at)
            })
            .min();
        level = match (no_diploma, first_level) {
            (Some(n), Some(l)) if n < l => Some(Qualification::None),
            (Some(_), None) => Some(Qualification::None),
            _ => levels_in(p),
        };
        // "Le permis C est obligatoire" counts; "un titre professionnel est un plus" not.
        let names_certificate = CERTIFICATES.iter().any(|w| has_word(p, w));
        let requires = REQUIRED.iter().any(|w| has_word(p, w));
        let optional = OPTIONAL.iter().any(|w| has_word(p, w));
        certificate = names_certificate
            && (requires || (!optional && level.is_none_or(|l| l == Qualification::None)));
        if level.is_none() && certificate {
            level = Some(Qualification::None);
        }
    }
    // "Cet emploi est accessible sous conditions : … Un CAP …": the entry sentence
    // named no level; the next sentence that does (not an "also accessible" route)
    // gives it.
    if level.is_none()
        && let Some(p) = primary
    {
        level = sentences
            .iter()
            .skip(p + 1)
            .filter(|s| !s.contains("egalement accessible") && !s.contains("aussi accessible"))
            .find_map(|s| levels_in(s));
    }
    for (i, s) in sentences.iter().enumerate() {
        if Some(i) == primary {
            continue;
        }
        let required = REQUIRED.iter().any(|w| has_word(s, w));
        let optional = OPTIONAL.iter().any(|w| has_word(s, w));
        if !required || optional {
            continue;
        }
        if let Some(l) = levels_in(s) {
            level = Some(level.map_or(l, |current| current.max(l)));
        } else if CERTIFICATES.iter().any(|w| has_word(s, w)) {
            certificate = true;
        }
    }
    let selective = sentences
        .iter()
        .any(|s| s.contains("apres selection") || s.contains("sur selection"));
    EntryRoute {
        level,
        certificate,
        training: typical_training(level, certificate),
        reviewed: false,
        selective,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(texts: &[&str]) -> Option<Qualification> {
        parse_access(&texts.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()).level
    }

    #[test]
    fn reads_the_entry_sentence_and_the_requirements() {
        assert_eq!(
            parse(&["Cet emploi est accessible sans diplôme. Un CAP est apprécié."]),
            Some(Qualification::None)
        );
        assert_eq!(
            parse(&[
                "Cet emploi est accessible avec un diplôme de niveau Bac+2 (BTS, DUT) à Bac+5."
            ]),
            Some(Qualification::Bac2)
        );
        // A certificate named first no longer hides an engineering degree.
        assert_eq!(
            parse(&[
                "Cet emploi est accessible avec un diplôme d'ingénieur. Une certification COFREND est un atout."
            ]),
            Some(Qualification::Bac5)
        );
        assert_eq!(
            parse(&[
                "Cet emploi est accessible avec un CAP.",
                "Un Bac + 3 est exigé pour exercer.",
            ]),
            Some(Qualification::Bac3)
        );
        // An alternative through experience does not lower the level.
        assert_eq!(
            parse(&[
                "Cet emploi est accessible avec un Master.",
                "Il est également accessible sans diplôme avec une expérience.",
            ]),
            Some(Qualification::Bac5)
        );
        assert_eq!(parse(&["La pratique de l'anglais est requise."]), None);
    }

    #[test]
    fn the_training_needed_depends_on_the_gap() {
        let route = EntryRoute {
            level: Some(Qualification::Bac2),
            certificate: false,
            training: Some(Training::More),
            reviewed: false,
            selective: false,
        };
        assert_eq!(
            route.training_for(Qualification::Bac3),
            Some(Training::None)
        );
        assert_eq!(route.training_for(Qualification::Bac), Some(Training::More));
        let cap = EntryRoute {
            level: Some(Qualification::CapBep),
            certificate: true,
            ..route
        };
        assert_eq!(
            cap.training_for(Qualification::None),
            Some(Training::OneYear)
        );
        assert_eq!(cap.training_for(Qualification::Bac), Some(Training::Short));
    }
}
