//! One profile file, its run through the engine, and the figures.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, bail};
use parcours_catalog::Catalog;
use parcours_catalog::recommend::{Profile, Weights, rank};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::reference::Reference;
use crate::rules;

/// How many proposals are checked for violations.
pub const TOP: usize = 40;
/// How many proposals acceptance and variety are measured on.
pub const HEAD: usize = 10;

/// The adviser's answer key, written from the story before any run.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Key {
    #[serde(default)]
    pub accepted: Vec<String>,
    /// Acceptable with a caveat (training to plan, only some posts fit…).
    #[serde(default)]
    pub caveat: Vec<String>,
    /// Not possible for this person (a constraint, an unrealistic gap, health).
    #[serde(default)]
    pub impossible: Vec<String>,
}

/// A profile file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    /// The person as the adviser tells it, a few lines.
    pub story: Vec<String>,
    /// The profile in the v2 format (today's keys and the v2 keys).
    pub profile: Map<String, Value>,
    pub key: Key,
    /// The person has answered nothing about themselves yet: the right answer is no
    /// list at all (an invitation to start the activities).
    #[serde(default)]
    pub expect_empty: bool,
    /// The adviser's notes on the key, if any.
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    Accepted,
    Caveat,
    Impossible,
    /// Not in the key: counts 0.
    Unjudged,
}

impl Judgement {
    fn mark(self) -> &'static str {
        match self {
            Judgement::Accepted => "accepted",
            Judgement::Caveat => "caveat",
            Judgement::Impossible => "IMPOSSIBLE",
            Judgement::Unjudged => "-",
        }
    }

    fn points(self) -> f64 {
        match self {
            Judgement::Accepted => 1.0,
            Judgement::Caveat => 0.5,
            Judgement::Impossible | Judgement::Unjudged => 0.0,
        }
    }
}

impl Case {
    /// Every `*.json` of the folder, in name order, each checked against the reference.
    pub fn read_all(dir: &Path, reference: &Reference) -> anyhow::Result<Vec<Case>> {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        let mut cases = Vec::new();
        let mut ids = BTreeSet::new();
        for path in paths {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let case: Case = serde_json::from_str(&text)
                .with_context(|| format!("{}: not a profile file", path.display()))?;
            case.check(reference)
                .with_context(|| format!("{}: bad answer key", path.display()))?;
            if !ids.insert(case.id.clone()) {
                bail!("{}: id `{}` used twice", path.display(), case.id);
            }
            cases.push(case);
        }
        Ok(cases)
    }

    /// Every code of the key is a real fiche, in one list only.
    fn check(&self, reference: &Reference) -> anyhow::Result<()> {
        let mut seen = BTreeSet::new();
        for code in self
            .key
            .accepted
            .iter()
            .chain(&self.key.caveat)
            .chain(&self.key.impossible)
        {
            if !reference.labels.contains_key(code) {
                bail!("`{code}` is not a ROME fiche code");
            }
            if !seen.insert(code) {
                bail!("`{code}` is in the key twice");
            }
        }
        if !self.expect_empty && self.key.accepted.is_empty() {
            bail!("no accepted fiche");
        }
        Ok(())
    }

    pub fn judge(&self, code: &str) -> Judgement {
        let has = |list: &[String]| list.iter().any(|c| c == code);
        if has(&self.key.accepted) {
            Judgement::Accepted
        } else if has(&self.key.caveat) {
            Judgement::Caveat
        } else if has(&self.key.impossible) {
            Judgement::Impossible
        } else {
            Judgement::Unjudged
        }
    }
}

/// A proposal in the top 40 that must not be there.
#[derive(Debug)]
pub struct Violation {
    pub rank: usize,
    pub code: String,
    pub label: String,
    pub rule: &'static str,
    pub detail: String,
}

/// One proposal of the list with its judgement.
#[derive(Debug)]
pub struct Line {
    pub code: String,
    pub label: String,
    pub score: f64,
    pub judgement: Judgement,
}

#[derive(Debug)]
pub struct Outcome {
    pub id: String,
    pub story: Vec<String>,
    pub notes: Option<String>,
    /// The engine refused the profile (or the empty-list expectation cannot be judged).
    pub error: Option<String>,
    pub acceptance_at_10: f64,
    pub violations: Vec<Violation>,
    /// Fiches of the top 40 with a context of one of the person's limits that the key
    /// does not judge: for the adviser to look at, not a failure.
    pub limit_flags: Vec<String>,
    pub domains_top10: usize,
    pub grand_domains_top10: usize,
    pub max_per_domain_top10: usize,
    pub proposals: usize,
    pub top: Vec<Line>,
}

fn domain(code: &str) -> &str {
    code.get(..3).unwrap_or(code)
}

fn run_case(case: &Case, catalog: &Catalog, reference: &Reference, v1: bool) -> Outcome {
    let mut outcome = Outcome {
        id: case.id.clone(),
        story: case.story.clone(),
        notes: case.notes.clone(),
        error: None,
        acceptance_at_10: 0.0,
        violations: Vec::new(),
        limit_flags: Vec::new(),
        domains_top10: 0,
        grand_domains_top10: 0,
        max_per_domain_top10: 0,
        proposals: 0,
        top: Vec::new(),
    };
    let source = if v1 {
        rules::to_v1(&case.profile)
    } else {
        case.profile.clone()
    };
    // Through the text, as the CLI and the API take a profile.
    let text = Value::Object(source).to_string();
    let profile = match serde_json::from_str::<Profile>(&text) {
        Ok(p) => p,
        Err(e) => {
            outcome.error = Some(format!("profile refused: {e}"));
            return outcome;
        }
    };
    let weights = Weights::default();
    let list = match profile.prepare(catalog, &weights) {
        Ok(prepared) => rank(catalog, &prepared, &weights, TOP),
        // A profile with no answers may be refused as such: that is the empty list.
        Err(_) if case.expect_empty => Vec::new(),
        Err(errors) => {
            let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
            outcome.error = Some(format!("profile refused: {}", all.join("; ")));
            return outcome;
        }
    };
    outcome.proposals = list.len();
    if case.expect_empty {
        outcome.acceptance_at_10 = if list.is_empty() { 1.0 } else { 0.0 };
    }
    let limits = rules::limits(&case.profile);
    let rejected: Vec<&str> = case
        .profile
        .get("rejected")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let no_contexts = BTreeSet::new();
    let mut points = 0.0;
    let mut per_domain: BTreeMap<&str, usize> = BTreeMap::new();
    let mut grand: BTreeSet<char> = BTreeSet::new();
    for (i, r) in list.iter().enumerate() {
        let code = r.code_rome.as_str();
        let judgement = case.judge(code);
        if i < HEAD {
            points += judgement.points();
            *per_domain.entry(domain(code)).or_default() += 1;
            grand.extend(code.chars().next());
            outcome.top.push(Line {
                code: code.to_string(),
                label: r.label.clone(),
                score: r.score,
                judgement,
            });
        }
        let contexts = reference.contexts.get(code).unwrap_or(&no_contexts);
        let hits: Vec<String> = limits
            .iter()
            .flat_map(|limit| {
                rules::limit_contexts(limit)
                    .iter()
                    .filter(|c| contexts.contains(**c))
                    .map(move |c| {
                        let label = reference.context_labels.get(*c).map_or(*c, String::as_str);
                        format!("{limit}: {label}")
                    })
            })
            .collect();
        let mut violation = |rule: &'static str, detail: String| {
            outcome.violations.push(Violation {
                rank: i + 1,
                code: code.to_string(),
                label: r.label.clone(),
                rule,
                detail,
            });
        };
        if judgement == Judgement::Impossible {
            let detail = if hits.is_empty() {
                "the adviser's key marks it impossible".to_string()
            } else {
                format!(
                    "the adviser's key marks it impossible; ROME contexts: {}",
                    hits.join(", ")
                )
            };
            violation(
                if hits.is_empty() {
                    "key"
                } else {
                    "key+context"
                },
                detail,
            );
        } else if rejected.contains(&code) {
            violation("rejected", "the person set this fiche aside".into());
        } else if !matches!(judgement, Judgement::Accepted | Judgement::Caveat)
            && let Some(why) = rules::driving_rule(&case.profile, code)
        {
            violation("driving", why.to_string());
        } else if judgement == Judgement::Unjudged && !hits.is_empty() {
            outcome
                .limit_flags
                .push(format!("#{} {code} ({})", i + 1, hits.join(", ")));
        }
    }
    if !case.expect_empty {
        // Fiches not in the key count 0; a list shorter than 10 loses the missing slots.
        outcome.acceptance_at_10 = points / HEAD as f64;
    }
    outcome.domains_top10 = per_domain.len();
    outcome.grand_domains_top10 = grand.len();
    outcome.max_per_domain_top10 = per_domain.values().copied().max().unwrap_or(0);
    outcome
}

pub struct Report {
    pub v1: bool,
    pub outcomes: Vec<Outcome>,
    /// Mean over the profiles.
    pub acceptance_at_10: f64,
    pub violations: usize,
    pub errors: usize,
    pub limit_flags: usize,
    pub median_domains_top10: f64,
    pub mean_domains_top10: f64,
    pub profiles_over_3_per_domain: usize,
}

fn median(mut values: Vec<usize>) -> f64 {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => values.get(n / 2).copied().unwrap_or(0) as f64,
        _ => {
            let a = values.get(n / 2 - 1).copied().unwrap_or(0);
            let b = values.get(n / 2).copied().unwrap_or(0);
            (a + b) as f64 / 2.0
        }
    }
}

impl Report {
    pub fn build(cases: &[Case], catalog: &Catalog, reference: &Reference, v1: bool) -> Self {
        let outcomes: Vec<Outcome> = cases
            .iter()
            .map(|c| run_case(c, catalog, reference, v1))
            .collect();
        let n = outcomes.len().max(1) as f64;
        let with_list: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.error.is_none() && o.proposals > 0)
            .collect();
        Report {
            v1,
            acceptance_at_10: outcomes.iter().map(|o| o.acceptance_at_10).sum::<f64>() / n,
            violations: outcomes.iter().map(|o| o.violations.len()).sum(),
            errors: outcomes.iter().filter(|o| o.error.is_some()).count(),
            limit_flags: outcomes.iter().map(|o| o.limit_flags.len()).sum(),
            median_domains_top10: median(with_list.iter().map(|o| o.domains_top10).collect()),
            mean_domains_top10: with_list.iter().map(|o| o.domains_top10).sum::<usize>() as f64
                / with_list.len().max(1) as f64,
            profiles_over_3_per_domain: with_list
                .iter()
                .filter(|o| o.max_per_domain_top10 > 3)
                .count(),
            outcomes,
        }
    }

    pub fn to_text(&self, verbose: bool, floor: Option<f64>) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "reco-eval · {} profiles · engine fed {} · acceptance@10: accepted 1, caveat 0.5, \
             not in the key 0, over 10 slots",
            self.outcomes.len(),
            if self.v1 {
                "v1 (v2 keys stripped, limits as today's form maps them)"
            } else {
                "v2"
            }
        );
        let width = self.outcomes.iter().map(|o| o.id.len()).max().unwrap_or(7);
        let _ = writeln!(
            out,
            "\n{:<width$} {:>7} {:>5} {:>5} {:>4} {:>5}",
            "profile", "acc@10", "viol", "dom10", "max", "flags"
        );
        for o in &self.outcomes {
            let _ = writeln!(
                out,
                "{:<width$} {:>6.0}% {:>5} {:>5} {:>4} {:>5}{}",
                o.id,
                o.acceptance_at_10 * 100.0,
                o.violations.len(),
                o.domains_top10,
                o.max_per_domain_top10,
                o.limit_flags.len(),
                o.error
                    .as_ref()
                    .map(|e| format!("  ERROR {e}"))
                    .unwrap_or_default()
            );
            for v in &o.violations {
                let _ = writeln!(
                    out,
                    "    ! #{} {} {} [{}] {}",
                    v.rank, v.code, v.label, v.rule, v.detail
                );
            }
            if verbose {
                for line in o.story.iter().chain(&o.notes) {
                    let _ = writeln!(out, "    | {line}");
                }
                for (i, l) in o.top.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "    {:>2}. {} {:<60} {:>5.1} {}",
                        i + 1,
                        l.code,
                        l.label.chars().take(60).collect::<String>(),
                        l.score,
                        l.judgement.mark()
                    );
                }
                for f in &o.limit_flags {
                    let _ = writeln!(out, "    ? {f}");
                }
            }
        }
        let _ = writeln!(
            out,
            "\noverall: acceptance@10 {:.1} %{} · violations in top {TOP}: {} · profile errors: {} · \
             distinct domains (letter+2 digits) in top 10: median {:.1}, mean {:.1} · \
             lists with more than 3 fiches of one domain in top 10: {} · limit flags (unjudged \
             fiches with a context of a limit): {}",
            self.acceptance_at_10 * 100.0,
            floor
                .map(|f| format!(" (floor {:.1} %)", f * 100.0))
                .unwrap_or_default(),
            self.violations,
            self.errors,
            self.median_domains_top10,
            self.mean_domains_top10,
            self.profiles_over_3_per_domain,
            self.limit_flags,
        );
        out
    }

    pub fn to_json(&self, floor: Option<f64>) -> Value {
        let profiles: Vec<Value> = self
            .outcomes
            .iter()
            .map(|o| {
                json!({
                    "id": o.id,
                    "story": o.story,
                    "notes": o.notes,
                    "error": o.error,
                    "acceptance_at_10": o.acceptance_at_10,
                    "violations": o.violations.iter().map(|v| json!({
                        "rank": v.rank, "code_rome": v.code, "label": v.label,
                        "rule": v.rule, "detail": v.detail,
                    })).collect::<Vec<_>>(),
                    "domains_top10": o.domains_top10,
                    "grand_domains_top10": o.grand_domains_top10,
                    "max_per_domain_top10": o.max_per_domain_top10,
                    "proposals": o.proposals,
                    "limit_flags": o.limit_flags,
                    "top10": o.top.iter().map(|l| json!({
                        "code_rome": l.code, "label": l.label, "score": l.score,
                        "judgement": l.judgement.mark().to_lowercase(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "engine_input": if self.v1 { "v1" } else { "v2" },
            "top_checked": TOP,
            "overall": {
                "profiles": self.outcomes.len(),
                "acceptance_at_10": self.acceptance_at_10,
                "min_acceptance": floor,
                "violations": self.violations,
                "errors": self.errors,
                "limit_flags": self.limit_flags,
                "median_domains_top10": self.median_domains_top10,
                "mean_domains_top10": self.mean_domains_top10,
                "profiles_over_3_per_domain_top10": self.profiles_over_3_per_domain,
            },
            "profiles": profiles,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(accepted: &[&str], caveat: &[&str], impossible: &[&str]) -> Case {
        let list = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        Case {
            id: "t".into(),
            story: vec![],
            profile: Map::new(),
            key: Key {
                accepted: list(accepted),
                caveat: list(caveat),
                impossible: list(impossible),
            },
            expect_empty: false,
            notes: None,
        }
    }

    #[test]
    fn judgement_follows_the_key_and_scores_caveats_half() {
        let c = case(&["K1303"], &["K1310"], &["N4101"]);
        assert_eq!(c.judge("K1303"), Judgement::Accepted);
        assert_eq!(c.judge("K1310"), Judgement::Caveat);
        assert_eq!(c.judge("N4101"), Judgement::Impossible);
        assert_eq!(c.judge("M1805"), Judgement::Unjudged);
        assert_eq!(
            Judgement::Caveat.points() + Judgement::Unjudged.points(),
            0.5
        );
    }

    #[test]
    fn median_of_even_and_odd_lists() {
        assert_eq!(median(vec![3, 1, 2]), 2.0);
        assert_eq!(median(vec![4, 1, 2, 3]), 2.5);
        assert_eq!(median(vec![]), 0.0);
    }

    /// The profile files use the v2 keys with the values issue 26 names, so that the
    /// engine's parser is what decides, not a typo of ours.
    #[test]
    fn every_profile_file_uses_the_v2_vocabulary() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
        let one_of = |v: Option<&Value>, allowed: &[&str]| {
            v.is_none_or(|v| v.as_str().is_some_and(|s| allowed.contains(&s)))
        };
        let all_of = |v: Option<&Value>, allowed: &[&str]| {
            v.is_none_or(|v| {
                v.as_array().is_some_and(|a| {
                    a.iter()
                        .all(|x| x.as_str().is_some_and(|s| allowed.contains(&s)))
                })
            })
        };
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let case: Case = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
            let p = &case.profile;
            let id = &case.id;
            assert!(one_of(p.get("intent"), &["change", "stay", "open"]), "{id}");
            assert!(
                one_of(
                    p.get("qualification"),
                    &["none", "cap_bep", "bac", "bac2", "bac3", "bac5"]
                ),
                "{id}"
            );
            assert!(
                one_of(p.get("hours"), &["full_time", "part_time", "any"]),
                "{id}"
            );
            assert!(
                all_of(p.get("schedule_limits"), &["nights", "weekends", "shifts"]),
                "{id}"
            );
            assert!(
                all_of(
                    p.get("health_limits"),
                    &[
                        "heavy_loads",
                        "standing",
                        "bending_kneeling",
                        "heights",
                        "outdoors",
                        "chemicals_dust",
                        "driving",
                        "noise",
                        "repetitive_gestures"
                    ]
                ),
                "{id}"
            );
            assert!(
                p.get("driving_licence").is_none_or(Value::is_boolean),
                "{id}"
            );
            if let Some(travel) = p.get("travel") {
                assert!(
                    one_of(
                        travel.get("mode"),
                        &["walk", "bike", "public_transport", "car"]
                    ),
                    "{id}"
                );
                assert!(travel.get("max_minutes").is_some_and(Value::is_u64), "{id}");
            }
            assert!(
                case.expect_empty || case.key.accepted.len() >= 3,
                "{id}: an adviser's key names more than a couple of accepted fiches"
            );
            count += 1;
        }
        assert!(count >= 40, "only {count} profiles in {}", dir.display());
    }

    #[test]
    fn domain_is_letter_and_two_digits() {
        assert_eq!(domain("M1805"), "M18");
    }
}
