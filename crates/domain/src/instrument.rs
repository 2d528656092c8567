//! Self-knowledge instruments defined as data (`crates/domain/instruments/*.toml`):
//! scales, items, response format, reverse keys and versions. Answers are validated here
//! so that nothing out of range or unknown ever reaches the database.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::journey::Phase;

/// A text in both interface languages; French is the reference.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Text {
    pub fr: String,
    pub en: String,
}

impl Text {
    pub fn new(fr: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            fr: fr.into(),
            en: en.into(),
        }
    }

    /// The text in `lang` ("fr" or "en"); French for anything else.
    pub fn get(&self, lang: &str) -> &str {
        if lang == "en" { &self.en } else { &self.fr }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Statements rated on an n-point scale, scored per scale.
    Likert,
    /// Choose and order the few options that matter most.
    Ranking,
    /// Facts: fields of several types (constraints and imperatives).
    Form,
    /// Past jobs and life experiences, turned into skills the person confirms.
    Experiences,
}

/// When an instrument is taken: once, or at the start and again at the end of the bilan
/// so that change can be measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Occasion {
    Once,
    Start,
    End,
}

impl Occasion {
    pub fn code(self) -> &'static str {
        match self {
            Occasion::Once => "once",
            Occasion::Start => "start",
            Occasion::End => "end",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Occasion::Once, Occasion::Start, Occasion::End]
            .into_iter()
            .find(|o| o.code() == code)
    }

    /// The phase in which this occasion is taken, for an instrument whose first taking
    /// is in `phase`.
    pub fn phase(self, phase: Phase) -> Phase {
        match self {
            Occasion::End => Phase::Conclusions,
            Occasion::Once | Occasion::Start => phase,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Scale {
    pub id: String,
    pub label: Text,
    /// What a high score means, in plain words.
    pub high: Text,
    /// What a low score means.
    pub low: Text,
    /// Provisional spread and reliability used for the reliable change index until a
    /// cohort of 30 gives its own.
    #[serde(default)]
    pub norm_sd: Option<f64>,
    #[serde(default)]
    pub norm_alpha: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Item {
    pub id: String,
    pub scale: String,
    pub text: Text,
    #[serde(default)]
    pub reverse: bool,
}

/// One choice of a ranking or a form field.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Choice {
    pub id: String,
    pub label: Text,
    /// ROME work-context codes this choice excludes (health restrictions, hours).
    #[serde(default)]
    pub excludes_contexts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum FieldType {
    /// An INSEE commune code, checked against the reference data by the caller.
    Commune,
    Number {
        min: u32,
        max: u32,
        unit: Text,
    },
    YesNo,
    Choice {
        choices: Vec<Choice>,
    },
    Multi {
        choices: Vec<Choice>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Field {
    pub id: String,
    pub label: Text,
    #[serde(default)]
    pub hint: Option<Text>,
    #[serde(flatten)]
    pub field_type: FieldType,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Ranking {
    /// How many options the person orders (the top `pick`).
    pub pick: usize,
    /// For how many of the top options the person says why (free text).
    pub reasons: usize,
    pub options: Vec<Choice>,
}

/// Something done outside work that shows skills (volunteering, caring, languages…).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct LifeExperience {
    pub id: String,
    pub label: Text,
    #[serde(default)]
    pub hint: Option<Text>,
    /// ROME 4.0 skill codes (`code_ogr`) this experience usually involves.
    pub skills: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ExperiencesSpec {
    /// How many past jobs a person can list.
    pub max_jobs: usize,
    /// How many skills of each past job are proposed for confirmation.
    pub skills_per_job: usize,
    pub life: Vec<LifeExperience>,
}

/// The answers of an experiences activity are keyed `job:<appellation code>`,
/// `life:<experience id>` and `skill:<skill code>`.
pub const JOB_PREFIX: &str = "job:";
pub const LIFE_PREFIX: &str = "life:";
pub const SKILL_PREFIX: &str = "skill:";

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Instrument {
    pub id: String,
    pub version: u32,
    pub kind: Kind,
    pub phase: Phase,
    pub occasions: Vec<Occasion>,
    pub minutes: u32,
    pub title: Text,
    pub purpose: Text,
    /// Labels of the points of a Likert scale, lowest first.
    #[serde(default)]
    pub points: Vec<Text>,
    #[serde(default)]
    pub scales: Vec<Scale>,
    #[serde(default)]
    pub items: Vec<Item>,
    /// The items come from the reference data (the ROME centres d'intérêt), filled in
    /// by the caller with [`Instrument::with_reference_items`].
    #[serde(default)]
    pub reference_items: Option<String>,
    #[serde(default)]
    pub ranking: Option<Ranking>,
    #[serde(default)]
    pub fields: Vec<Field>,
    #[serde(default)]
    pub experiences: Option<ExperiencesSpec>,
    /// The answers may hold health facts: only the person and the coaches following
    /// them read them (`Action::ReadHealthAnswers`).
    #[serde(default)]
    pub health: bool,
}

/// A validated answer value, stored as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerValue(pub String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("unknown question `{item}`")]
    UnknownItem { item: String },
    #[error("`{item}`: the answer must be a whole number from {min} to {max}")]
    OutOfRange { item: String, min: u32, max: u32 },
    #[error("`{item}`: `{value}` is not one of the choices")]
    UnknownChoice { item: String, value: String },
    #[error("`{item}`: `{value}` is chosen twice")]
    Duplicate { item: String, value: String },
    #[error("`{item}`: the text is longer than {max} characters")]
    TooLong { item: String, max: usize },
    #[error("`{item}`: `{value}` is not in the reference data")]
    NotInReference { item: String, value: String },
    #[error("`{item}`: at most {max} may be listed")]
    TooMany { item: String, max: usize },
}

/// Longest free-text answer (reasons, commune code) accepted.
pub const MAX_TEXT: usize = 2000;

#[derive(Debug, thiserror::Error)]
#[error("instrument file {file}: {message}")]
pub struct DefinitionError {
    pub file: String,
    pub message: String,
}

impl Instrument {
    pub fn parse(file: &str, source: &str) -> Result<Self, DefinitionError> {
        let error = |message: String| DefinitionError {
            file: file.to_owned(),
            message,
        };
        let instrument: Instrument = toml::from_str(source).map_err(|e| error(e.to_string()))?;
        instrument.check().map_err(error)?;
        Ok(instrument)
    }

    /// Internal consistency of a definition: every item on a declared scale, unique ids,
    /// a response format for Likert instruments.
    fn check(&self) -> Result<(), String> {
        if self.occasions.is_empty() {
            return Err("`occasions` is empty".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for item in &self.items {
            if !seen.insert(item.id.as_str()) {
                return Err(format!("item `{}` is defined twice", item.id));
            }
            if !self.scales.iter().any(|s| s.id == item.scale) {
                return Err(format!(
                    "item `{}` is on unknown scale `{}`",
                    item.id, item.scale
                ));
            }
        }
        match self.kind {
            Kind::Likert => {
                if self.points.len() < 2 {
                    return Err("a likert instrument needs at least 2 `points`".into());
                }
                if self.items.is_empty() && self.reference_items.is_none() {
                    return Err("a likert instrument needs `items` or `reference_items`".into());
                }
            }
            Kind::Ranking => match &self.ranking {
                Some(r) if r.pick >= 1 && r.pick <= r.options.len() && r.reasons <= r.pick => {}
                _ => return Err("`ranking` needs 1 ≤ reasons ≤ pick ≤ options".into()),
            },
            Kind::Form => {
                if self.fields.is_empty() {
                    return Err("a form needs `fields`".into());
                }
            }
            Kind::Experiences => match &self.experiences {
                Some(e) if e.max_jobs >= 1 && !e.life.is_empty() => {
                    let mut ids = std::collections::BTreeSet::new();
                    if let Some(dup) = e.life.iter().find(|l| !ids.insert(l.id.as_str())) {
                        return Err(format!("life experience `{}` is defined twice", dup.id));
                    }
                }
                _ => return Err("`experiences` needs max_jobs ≥ 1 and `life` entries".into()),
            },
        }
        Ok(())
    }

    /// Fills the items of an instrument that takes them from the reference data: one
    /// item per (code, statement), each on the single scale of the instrument.
    pub fn with_reference_items(mut self, items: impl IntoIterator<Item = (String, Text)>) -> Self {
        let Some(scale) = self.scales.first().map(|s| s.id.clone()) else {
            return self;
        };
        self.items = items
            .into_iter()
            .map(|(id, text)| Item {
                id,
                scale: scale.clone(),
                text,
                reverse: false,
            })
            .collect();
        self
    }

    /// The questions of the instrument, in order, as (id, text) for display: items for
    /// Likert, ranks and reasons for a ranking, fields for a form.
    pub fn question_ids(&self) -> Vec<String> {
        match self.kind {
            Kind::Likert => self.items.iter().map(|i| i.id.clone()).collect(),
            Kind::Ranking => {
                let Some(r) = &self.ranking else {
                    return Vec::new();
                };
                (1..=r.pick)
                    .map(|n| format!("rank{n}"))
                    .chain((1..=r.reasons).map(|n| format!("reason{n}")))
                    .collect()
            }
            Kind::Form => self.fields.iter().map(|f| f.id.clone()).collect(),
            // Open-ended: as many jobs and skills as the person names.
            Kind::Experiences => Vec::new(),
        }
    }

    /// Checks one answer. `value` is what the person sent; the result is what is stored.
    /// Commune codes are only checked for shape here; the caller checks they exist.
    pub fn validate(&self, item: &str, value: &str) -> Result<AnswerValue, AnswerError> {
        let value = value.trim();
        let unknown = || AnswerError::UnknownItem {
            item: item.to_owned(),
        };
        match self.kind {
            Kind::Likert => {
                if !self.items.iter().any(|i| i.id == item) {
                    return Err(unknown());
                }
                let max = self.points.len() as u32;
                match value.parse::<u32>() {
                    Ok(v) if (1..=max).contains(&v) => Ok(AnswerValue(v.to_string())),
                    _ => Err(AnswerError::OutOfRange {
                        item: item.to_owned(),
                        min: 1,
                        max,
                    }),
                }
            }
            Kind::Ranking => {
                let r = self.ranking.as_ref().ok_or_else(unknown)?;
                if let Some(n) = item
                    .strip_prefix("rank")
                    .and_then(|n| n.parse::<usize>().ok())
                    && (1..=r.pick).contains(&n)
                {
                    return if r.options.iter().any(|o| o.id == value) {
                        Ok(AnswerValue(value.to_owned()))
                    } else {
                        Err(AnswerError::UnknownChoice {
                            item: item.to_owned(),
                            value: value.to_owned(),
                        })
                    };
                }
                if let Some(n) = item
                    .strip_prefix("reason")
                    .and_then(|n| n.parse::<usize>().ok())
                    && (1..=r.reasons).contains(&n)
                {
                    return text(item, value);
                }
                Err(unknown())
            }
            Kind::Form => {
                let field = self
                    .fields
                    .iter()
                    .find(|f| f.id == item)
                    .ok_or_else(unknown)?;
                validate_field(field, value)
            }
            Kind::Experiences => {
                let spec = self.experiences.as_ref().ok_or_else(unknown)?;
                let choice = |allowed: &[&str]| {
                    if allowed.contains(&value) {
                        Ok(AnswerValue(value.to_owned()))
                    } else {
                        Err(AnswerError::UnknownChoice {
                            item: item.to_owned(),
                            value: value.to_owned(),
                        })
                    }
                };
                let is_code = |code: &str| !code.is_empty() && code.parse::<u32>().is_ok();
                if let Some(code) = item.strip_prefix(JOB_PREFIX)
                    && is_code(code)
                {
                    return choice(&["yes"]);
                }
                if let Some(id) = item.strip_prefix(LIFE_PREFIX)
                    && spec.life.iter().any(|l| l.id == id)
                {
                    return choice(&["yes"]);
                }
                if let Some(code) = item.strip_prefix(SKILL_PREFIX)
                    && is_code(code)
                {
                    return choice(&["yes", "no"]);
                }
                Err(unknown())
            }
        }
    }

    /// Whether `item` names an answer this instrument can hold, even when the answer is
    /// being removed.
    pub fn knows_item(&self, item: &str) -> bool {
        match self.kind {
            Kind::Experiences => self.validate(item, "yes").is_ok(),
            _ => self.question_ids().iter().any(|q| q == item),
        }
    }

    /// Checks a whole ranking: every rank filled and no option chosen twice.
    pub fn validate_ranking(
        &self,
        answers: &BTreeMap<String, String>,
    ) -> Result<Vec<(String, AnswerValue)>, Vec<AnswerError>> {
        let mut errors = Vec::new();
        let mut out = Vec::new();
        let mut chosen = std::collections::BTreeSet::new();
        for id in self.question_ids() {
            let value = answers.get(&id).map(String::as_str).unwrap_or("");
            if value.trim().is_empty() && id.starts_with("reason") {
                continue;
            }
            match self.validate(&id, value) {
                Ok(v) => {
                    if id.starts_with("rank") && !chosen.insert(v.0.clone()) {
                        errors.push(AnswerError::Duplicate {
                            item: id,
                            value: v.0,
                        });
                    } else {
                        out.push((id, v));
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    pub fn scale(&self, id: &str) -> Option<&Scale> {
        self.scales.iter().find(|s| s.id == id)
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }
}

fn text(item: &str, value: &str) -> Result<AnswerValue, AnswerError> {
    if value.chars().count() > MAX_TEXT {
        return Err(AnswerError::TooLong {
            item: item.to_owned(),
            max: MAX_TEXT,
        });
    }
    Ok(AnswerValue(value.to_owned()))
}

fn validate_field(field: &Field, value: &str) -> Result<AnswerValue, AnswerError> {
    let item = field.id.as_str();
    let unknown_choice = |v: &str| AnswerError::UnknownChoice {
        item: item.to_owned(),
        value: v.to_owned(),
    };
    match &field.field_type {
        FieldType::Commune => {
            // INSEE codes: 5 characters, digits except Corsica's 2A/2B.
            let ok = value.len() == 5
                && value.chars().all(|c| c.is_ascii_alphanumeric())
                && value[2..].chars().all(|c| c.is_ascii_digit());
            if ok {
                Ok(AnswerValue(value.to_ascii_uppercase()))
            } else {
                Err(unknown_choice(value))
            }
        }
        FieldType::Number { min, max, .. } => match value.parse::<u32>() {
            Ok(v) if (*min..=*max).contains(&v) => Ok(AnswerValue(v.to_string())),
            _ => Err(AnswerError::OutOfRange {
                item: item.to_owned(),
                min: *min,
                max: *max,
            }),
        },
        FieldType::YesNo => match value {
            "yes" | "no" => Ok(AnswerValue(value.to_owned())),
            other => Err(unknown_choice(other)),
        },
        FieldType::Choice { choices } => {
            if choices.iter().any(|c| c.id == value) {
                Ok(AnswerValue(value.to_owned()))
            } else {
                Err(unknown_choice(value))
            }
        }
        FieldType::Multi { choices } => {
            // Stored as the chosen ids in the order of the definition, comma-separated.
            let picked: Vec<&str> = value
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .collect();
            if let Some(bad) = picked.iter().find(|v| !choices.iter().any(|c| c.id == **v)) {
                return Err(unknown_choice(bad));
            }
            let ordered: Vec<&str> = choices
                .iter()
                .filter(|c| picked.contains(&c.id.as_str()))
                .map(|c| c.id.as_str())
                .collect();
            Ok(AnswerValue(ordered.join(",")))
        }
    }
}

/// The instrument files shipped with Parcours, every version of each, so that answers
/// given under an old version are still scored by its own rules.
const FILES: &[(&str, &str)] = &[
    (
        "riasec.v1.toml",
        include_str!("../instruments/riasec.v1.toml"),
    ),
    (
        "centres-interet.v1.toml",
        include_str!("../instruments/centres-interet.v1.toml"),
    ),
    (
        "values.v1.toml",
        include_str!("../instruments/values.v1.toml"),
    ),
    (
        "drivers.v1.toml",
        include_str!("../instruments/drivers.v1.toml"),
    ),
    (
        "self-efficacy.v1.toml",
        include_str!("../instruments/self-efficacy.v1.toml"),
    ),
    (
        "constraints.v1.toml",
        include_str!("../instruments/constraints.v1.toml"),
    ),
    (
        "experiences.v1.toml",
        include_str!("../instruments/experiences.v1.toml"),
    ),
];

/// All shipped instrument versions, keyed by (id, version).
#[derive(Debug, Clone, Default)]
pub struct Registry {
    versions: BTreeMap<(String, u32), Instrument>,
}

impl Registry {
    pub fn shipped() -> Result<Self, DefinitionError> {
        let mut registry = Registry::default();
        for (file, source) in FILES {
            registry.insert(Instrument::parse(file, source)?);
        }
        Ok(registry)
    }

    pub fn insert(&mut self, instrument: Instrument) {
        self.versions
            .insert((instrument.id.clone(), instrument.version), instrument);
    }

    pub fn get(&self, id: &str, version: u32) -> Option<&Instrument> {
        self.versions.get(&(id.to_owned(), version))
    }

    /// The newest version of each instrument, in the order of the journey.
    pub fn current(&self) -> Vec<&Instrument> {
        let mut newest: BTreeMap<&str, &Instrument> = BTreeMap::new();
        for ((id, _), instrument) in &self.versions {
            newest.insert(id.as_str(), instrument);
        }
        let mut list: Vec<&Instrument> = newest.into_values().collect();
        list.sort_by_key(|i| (i.phase.step(), journey_order(&i.id)));
        list
    }

    /// Fills reference items (centres d'intérêt) into every version that asks for them.
    pub fn fill_reference(&mut self, source: &str, items: &[(String, Text)]) {
        for instrument in self.versions.values_mut() {
            if instrument.reference_items.as_deref() == Some(source) {
                *instrument = instrument
                    .clone()
                    .with_reference_items(items.iter().cloned());
            }
        }
    }
}

/// The order in which a person meets the instruments within a phase.
fn journey_order(id: &str) -> usize {
    [
        "constraints",
        "self_efficacy",
        "drivers",
        "riasec",
        "centres_interet",
        "values",
        "experiences",
    ]
    .iter()
    .position(|x| *x == id)
    .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_instruments_parse_and_cover_the_issue() {
        let registry = Registry::shipped().unwrap();
        let ids: Vec<&str> = registry.current().iter().map(|i| i.id.as_str()).collect();
        for id in [
            "riasec",
            "centres_interet",
            "values",
            "drivers",
            "self_efficacy",
            "constraints",
            "experiences",
        ] {
            assert!(ids.contains(&id), "{id} missing from {ids:?}");
        }
        let experiences = registry.get("experiences", 1).unwrap();
        let life = &experiences.experiences.as_ref().unwrap().life;
        for id in ["volunteering", "parenting", "caring", "travel", "languages"] {
            assert!(life.iter().any(|l| l.id == id), "life experience {id}");
        }
        assert!(life.iter().all(|l| !l.skills.is_empty()));
        let riasec = registry.get("riasec", 1).unwrap();
        for letter in ["R", "I", "A", "S", "E", "C"] {
            let n = riasec.items.iter().filter(|i| i.scale == letter).count();
            assert!(n >= 6, "{letter} has {n} items");
        }
        let drivers = registry.get("drivers", 1).unwrap();
        assert_eq!(drivers.scales.len(), 5);
        assert_eq!(drivers.occasions, vec![Occasion::Start, Occasion::End]);
        let efficacy = registry.get("self_efficacy", 1).unwrap();
        assert_eq!(efficacy.occasions, vec![Occasion::Start, Occasion::End]);
        assert!(efficacy.items.iter().any(|i| i.reverse));
        let values = registry.get("values", 1).unwrap();
        assert!(values.ranking.as_ref().unwrap().options.len() >= 10);
        let constraints = registry.get("constraints", 1).unwrap();
        let contexts: Vec<String> = constraints
            .fields
            .iter()
            .flat_map(|f| match &f.field_type {
                FieldType::Multi { choices } | FieldType::Choice { choices } => choices.clone(),
                _ => Vec::new(),
            })
            .flat_map(|c| c.excludes_contexts)
            .collect();
        for code in ["300795", "300803", "300800", "300783"] {
            assert!(contexts.iter().any(|c| c == code), "{code} not mapped");
        }
        // Every text has both languages.
        for instrument in registry.current() {
            for item in &instrument.items {
                assert!(
                    !item.text.fr.is_empty() && !item.text.en.is_empty(),
                    "{}",
                    item.id
                );
            }
        }
    }

    #[test]
    fn likert_answers_are_checked() {
        let registry = Registry::shipped().unwrap();
        let riasec = registry.get("riasec", 1).unwrap();
        let first = &riasec.items[0].id;
        assert_eq!(riasec.validate(first, " 5 ").unwrap().0, "5");
        assert_eq!(
            riasec.validate(first, "6"),
            Err(AnswerError::OutOfRange {
                item: first.clone(),
                min: 1,
                max: 5
            })
        );
        assert!(matches!(
            riasec.validate(first, "0"),
            Err(AnswerError::OutOfRange { .. })
        ));
        assert!(matches!(
            riasec.validate(first, "beaucoup"),
            Err(AnswerError::OutOfRange { .. })
        ));
        assert!(matches!(
            riasec.validate("Z9", "3"),
            Err(AnswerError::UnknownItem { .. })
        ));
    }

    #[test]
    fn rankings_refuse_duplicates_and_unknown_options() {
        let registry = Registry::shipped().unwrap();
        let values = registry.get("values", 1).unwrap();
        let options: Vec<String> = values
            .ranking
            .as_ref()
            .unwrap()
            .options
            .iter()
            .map(|o| o.id.clone())
            .collect();
        let mut answers: BTreeMap<String, String> = (1..=5)
            .map(|n| (format!("rank{n}"), options[n - 1].clone()))
            .collect();
        answers.insert("reason1".into(), "Parce que".into());
        assert_eq!(values.validate_ranking(&answers).unwrap().len(), 6);
        answers.insert("rank2".into(), options[0].clone());
        let errors = values.validate_ranking(&answers).unwrap_err();
        assert!(matches!(&errors[0], AnswerError::Duplicate { item, .. } if item == "rank2"));
        answers.insert("rank2".into(), "fame".into());
        assert!(matches!(
            &values.validate_ranking(&answers).unwrap_err()[0],
            AnswerError::UnknownChoice { .. }
        ));
    }

    #[test]
    fn form_fields_are_checked() {
        let registry = Registry::shipped().unwrap();
        let form = registry.get("constraints", 1).unwrap();
        assert_eq!(form.validate("home_commune", "76540").unwrap().0, "76540");
        assert_eq!(form.validate("home_commune", "2a004").unwrap().0, "2A004");
        assert!(form.validate("home_commune", "Rouen").is_err());
        assert!(form.validate("max_commute_km", "30").is_ok());
        assert!(form.validate("max_commute_km", "-3").is_err());
        assert_eq!(
            form.validate("health", "outdoors, heavy_loads").unwrap().0,
            "heavy_loads,outdoors"
        );
        assert!(form.validate("health", "heavy_loads,flying").is_err());
        assert!(form.validate("licence", "maybe").is_err());
    }

    #[test]
    fn experience_answers_are_checked() {
        let registry = Registry::shipped().unwrap();
        let e = registry.get("experiences", 1).unwrap();
        assert_eq!(e.validate("job:11573", "yes").unwrap().0, "yes");
        assert!(matches!(
            e.validate("job:11573", "no"),
            Err(AnswerError::UnknownChoice { .. })
        ));
        assert!(matches!(
            e.validate("job:boulanger", "yes"),
            Err(AnswerError::UnknownItem { .. })
        ));
        assert!(matches!(
            e.validate("job:", "yes"),
            Err(AnswerError::UnknownItem { .. })
        ));
        assert!(e.validate("life:parenting", "yes").is_ok());
        assert!(matches!(
            e.validate("life:skydiving", "yes"),
            Err(AnswerError::UnknownItem { .. })
        ));
        assert!(e.validate("skill:300465", "no").is_ok());
        assert!(e.validate("skill:300465", "maybe").is_err());
        assert!(e.validate("anything", "yes").is_err());
        assert!(e.knows_item("life:parenting") && !e.knows_item("life:skydiving"));
        assert!(e.question_ids().is_empty());
    }

    #[test]
    fn a_broken_definition_names_its_file() {
        let err = Instrument::parse("broken.toml", "id = 'x'").unwrap_err();
        assert!(
            err.to_string().starts_with("instrument file broken.toml:"),
            "{err}"
        );
        let source =
            include_str!("../instruments/riasec.v1.toml").replace("scale = \"R\"", "scale = \"Q\"");
        let err = Instrument::parse("riasec.v1.toml", &source).unwrap_err();
        assert!(err.to_string().contains("unknown scale `Q`"), "{err}");
    }
}
