//! The introspection journal's guided prompts, defined as data per phase
//! (`crates/domain/instruments/journal-prompts.v1.toml`).

use serde::Deserialize;

use crate::instrument::{DefinitionError, Text};
use crate::journey::Phase;

/// Longest journal entry accepted, in characters.
pub const MAX_ENTRY: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Prompt {
    pub id: String,
    pub phase: Phase,
    pub text: Text,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Prompts {
    pub version: u32,
    pub prompts: Vec<Prompt>,
}

const FILE: &str = "journal-prompts.v1.toml";

impl Prompts {
    pub fn parse(file: &str, source: &str) -> Result<Self, DefinitionError> {
        let error = |message: String| DefinitionError {
            file: file.to_owned(),
            message,
        };
        let prompts: Prompts = toml::from_str(source).map_err(|e| error(e.to_string()))?;
        let mut seen = std::collections::BTreeSet::new();
        for p in &prompts.prompts {
            if !seen.insert(p.id.as_str()) {
                return Err(error(format!("prompt `{}` is defined twice", p.id)));
            }
        }
        Ok(prompts)
    }

    pub fn shipped() -> Result<Self, DefinitionError> {
        Self::parse(FILE, include_str!("../instruments/journal-prompts.v1.toml"))
    }

    pub fn get(&self, id: &str) -> Option<&Prompt> {
        self.prompts.iter().find(|p| p.id == id)
    }

    /// The prompts offered in a phase; before the bilan starts, the preliminary ones.
    pub fn for_phase(&self, phase: Phase) -> Vec<&Prompt> {
        let phase = if phase == Phase::Referred {
            Phase::Preliminary
        } else {
            phase
        };
        self.prompts.iter().filter(|p| p.phase == phase).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phase_of_the_bilan_has_prompts_in_both_languages() {
        let prompts = Prompts::shipped().unwrap();
        for phase in [
            Phase::Preliminary,
            Phase::Investigation,
            Phase::Conclusions,
            Phase::FollowUp,
        ] {
            assert!(!prompts.for_phase(phase).is_empty(), "{phase:?}");
        }
        assert_eq!(
            prompts.for_phase(Phase::Referred),
            prompts.for_phase(Phase::Preliminary)
        );
        assert!(
            prompts
                .prompts
                .iter()
                .all(|p| !p.text.fr.is_empty() && !p.text.en.is_empty())
        );
    }

    #[test]
    fn a_duplicate_prompt_is_refused_with_its_file() {
        let source = "version = 1\n[[prompts]]\nid = \"a\"\nphase = \"preliminary\"\ntext = { fr = \"x\", en = \"x\" }\n[[prompts]]\nid = \"a\"\nphase = \"conclusions\"\ntext = { fr = \"y\", en = \"y\" }\n";
        let err = Prompts::parse("p.toml", source).unwrap_err().to_string();
        assert!(err.contains("p.toml") && err.contains("`a`"), "{err}");
    }
}
