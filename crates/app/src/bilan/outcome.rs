//! The outcome of a taking, computed from its raw answers alone (no database): scores,
//! rankings, facts, and the skills that a person's experiences propose.

use std::collections::BTreeMap;

use parcours_catalog::Catalog;
use parcours_domain::instrument::{
    FieldType, Instrument, JOB_PREFIX, Kind, LIFE_PREFIX, SKILL_PREFIX, Text,
};
use parcours_domain::scoring::{self, RawAnswer};

use super::*;

/// The result of a taking, from its raw answers.
pub fn outcome(
    instrument: &Instrument,
    answers: &[RawAnswer],
    catalog: Option<&Catalog>,
) -> Outcome {
    let value = |id: &str| {
        answers
            .iter()
            .find(|a| a.item == id)
            .map(|a| a.value.clone())
    };
    match instrument.kind {
        Kind::Likert => Outcome::Likert(scoring::score_likert(instrument, answers)),
        Kind::Ranking => {
            let ranked = instrument
                .ranking
                .as_ref()
                .map(|r| {
                    (1..=r.pick)
                        .filter_map(|n| {
                            let id = value(&format!("rank{n}"))?;
                            let option = r.options.iter().find(|o| o.id == id)?;
                            Some(RankedChoice {
                                id,
                                label: option.label.clone(),
                                reason: value(&format!("reason{n}")).filter(|r| !r.is_empty()),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            Outcome::Ranking { ranked }
        }
        Kind::Form => {
            let mut facts = Vec::new();
            let mut excluded = Vec::new();
            for field in &instrument.fields {
                let Some(v) = value(&field.id) else { continue };
                let shown = match &field.field_type {
                    FieldType::Choice { choices } | FieldType::Multi { choices } => {
                        let picked: Vec<&str> = v.split(',').collect();
                        choices
                            .iter()
                            .filter(|c| picked.contains(&c.id.as_str()))
                            .map(|c| {
                                excluded.extend(c.excludes_contexts.iter().cloned());
                                c.label.clone()
                            })
                            .collect()
                    }
                    FieldType::YesNo => vec![if v == "yes" {
                        Text::new("Oui", "Yes")
                    } else {
                        Text::new("Non", "No")
                    }],
                    FieldType::Number { unit, .. } => vec![Text::new(
                        format!("{v} {}", unit.fr),
                        format!("{v} {}", unit.en),
                    )],
                    FieldType::Commune => Vec::new(),
                };
                facts.push(FormFact {
                    field: field.id.clone(),
                    label: field.label.clone(),
                    value: v,
                    shown,
                });
            }
            excluded.sort();
            excluded.dedup();
            Outcome::Form {
                facts,
                excluded_contexts: excluded,
            }
        }
        Kind::Experiences => Outcome::Experiences(experiences(instrument, answers, catalog)),
    }
}

/// The jobs and life experiences a person listed, and the skills they suggest: each
/// job's core know-how, then each experience's skills, without repeats.
pub fn experiences(
    instrument: &Instrument,
    answers: &[RawAnswer],
    catalog: Option<&Catalog>,
) -> ExperiencesOutcome {
    let mut out = ExperiencesOutcome {
        jobs: Vec::new(),
        life: Vec::new(),
        skills: Vec::new(),
    };
    let (Some(spec), Some(catalog)) = (&instrument.experiences, catalog) else {
        return out;
    };
    let said: BTreeMap<u32, bool> = answers
        .iter()
        .filter_map(|a| {
            let code = a.item.strip_prefix(SKILL_PREFIX)?.parse().ok()?;
            Some((code, a.value == "yes"))
        })
        .collect();
    let mut propose = |code: u32, source: &Text| {
        if let Some(existing) = out.skills.iter_mut().find(|s| s.code == code) {
            if !existing.sources.contains(source) {
                existing.sources.push(source.clone());
            }
            return;
        }
        let Some(item) = catalog.items.get(&code) else {
            return;
        };
        out.skills.push(ProposedSkill {
            code,
            label: item.label.clone(),
            sources: vec![source.clone()],
            confirmed: said.get(&code).copied(),
        });
    };
    // Jobs in the order they were added.
    let mut jobs: Vec<&RawAnswer> = answers
        .iter()
        .filter(|a| a.item.starts_with(JOB_PREFIX))
        .collect();
    jobs.sort_by(|a, b| a.answered_at.cmp(&b.answered_at).then(a.item.cmp(&b.item)));
    for answer in jobs {
        let Some(code) = answer
            .item
            .strip_prefix(JOB_PREFIX)
            .and_then(|c| c.parse::<u32>().ok())
        else {
            continue;
        };
        let Some((appellation, fiche)) = catalog.appellation(code) else {
            continue;
        };
        let source = Text::new(appellation.label.clone(), appellation.label.clone());
        for skill in catalog.practised_skills(fiche, spec.skills_per_job) {
            propose(skill, &source);
        }
        out.jobs.push(JobExperience {
            code,
            label: appellation.label.clone(),
            code_rome: fiche.code.clone(),
            fiche_label: fiche.label.clone(),
        });
    }
    for life in &spec.life {
        if answers
            .iter()
            .any(|a| a.item.strip_prefix(LIFE_PREFIX) == Some(life.id.as_str()) && a.value == "yes")
        {
            for skill in &life.skills {
                propose(*skill, &life.label);
            }
            out.life.push(life.label.clone());
        }
    }
    out
}
