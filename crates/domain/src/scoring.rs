//! Scores derived from raw answers, never stored as truth: scale scores 0–100, the
//! Holland code, answer-quality flags, Cronbach's alpha for a cohort and the reliable
//! change index between a start and an end taking. Rules: `../shared/INSTRUMENTS.md`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::instrument::Instrument;

/// One stored answer: the item, the value as stored, and when it was given (epoch ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawAnswer {
    pub item: String,
    pub value: String,
    pub answered_at: i64,
}

/// A scale needs at least this share of its items answered to get a score.
pub const MIN_ANSWERED_SHARE: f64 = 2.0 / 3.0;
/// Straight-lining: at least this share of the answers on one point...
pub const STRAIGHT_LINING_SHARE: f64 = 0.9;
/// ...over at least this many answers.
pub const QUALITY_MIN_ANSWERS: usize = 5;
/// Too fast: median time between answers under this (milliseconds).
pub const TOO_FAST_MEDIAN_MS: i64 = 1500;
/// A change is real beyond this reliable change index (95 %, two-sided).
pub const RCI_THRESHOLD: f64 = 1.96;
/// Alpha below this, or fewer respondents than `ALPHA_MIN_N`, earns a warning.
pub const ALPHA_WARNING: f64 = 0.70;
pub const ALPHA_MIN_N: usize = 30;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleScore {
    pub scale: String,
    /// Items of the scale answered, and how many it has.
    pub answered: usize,
    pub items: usize,
    /// Mean of the answered items on the response points (reverse items flipped).
    pub raw_mean: Option<f64>,
    /// The mean mapped to 0–100; `None` when fewer than 2/3 of the items are answered.
    pub score: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityFlag {
    /// Not every question is answered.
    Incomplete,
    /// (Almost) every answer on the same point.
    StraightLining,
    /// Answered faster than one can read.
    TooFast,
}

impl QualityFlag {
    pub fn code(self) -> &'static str {
        match self {
            QualityFlag::Incomplete => "incomplete",
            QualityFlag::StraightLining => "straight_lining",
            QualityFlag::TooFast => "too_fast",
        }
    }
}

/// The hexagon order R-I-A-S-E-C, which also breaks ties in the Holland code.
pub const HEXAGON: [char; 6] = ['R', 'I', 'A', 'S', 'E', 'C'];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Consistency {
    /// The two strongest types are neighbours on the hexagon.
    High,
    /// One type lies between them.
    Medium,
    /// They are opposite.
    Low,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HollandCode {
    /// The three highest letters, ties broken by the hexagon order.
    pub code: String,
    /// Highest minus lowest score (0–100): a flat profile is itself information.
    pub differentiation: f64,
    pub consistency: Consistency,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LikertResult {
    pub scales: Vec<ScaleScore>,
    pub quality: Vec<QualityFlag>,
    pub holland: Option<HollandCode>,
    /// Items ranked by answer, strongest first (for the centres d'intérêt); ties keep
    /// the order of the instrument.
    pub ranked_items: Vec<(String, u32)>,
}

/// Scores a Likert response. Answers to unknown items or out of range are ignored
/// (they cannot be stored, see `Instrument::validate`).
pub fn score_likert(instrument: &Instrument, answers: &[RawAnswer]) -> LikertResult {
    let points = instrument.points.len() as u32;
    let by_item: BTreeMap<&str, u32> = answers
        .iter()
        .filter_map(|a| {
            let v = a
                .value
                .parse::<u32>()
                .ok()
                .filter(|v| (1..=points).contains(v))?;
            instrument.item(&a.item).map(|_| (a.item.as_str(), v))
        })
        .collect();
    let scales = instrument
        .scales
        .iter()
        .map(|scale| {
            let items: Vec<_> = instrument
                .items
                .iter()
                .filter(|i| i.scale == scale.id)
                .collect();
            let values: Vec<f64> = items
                .iter()
                .filter_map(|item| {
                    by_item.get(item.id.as_str()).map(|v| {
                        let v = if item.reverse { points + 1 - v } else { *v };
                        f64::from(v)
                    })
                })
                .collect();
            let raw_mean =
                (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
            let enough =
                !items.is_empty() && values.len() as f64 >= MIN_ANSWERED_SHARE * items.len() as f64;
            let score = raw_mean
                .filter(|_| enough)
                .map(|m| (m - 1.0) / f64::from(points - 1) * 100.0);
            ScaleScore {
                scale: scale.id.clone(),
                answered: values.len(),
                items: items.len(),
                raw_mean,
                score,
            }
        })
        .collect::<Vec<_>>();
    let holland = holland_code(&scales);
    let mut ranked_items: Vec<(String, u32)> = instrument
        .items
        .iter()
        .filter_map(|i| by_item.get(i.id.as_str()).map(|v| (i.id.clone(), *v)))
        .collect();
    // Stable sort: equal answers keep the instrument's order.
    ranked_items.sort_by_key(|(_, v)| std::cmp::Reverse(*v));
    LikertResult {
        quality: quality_flags(instrument.items.len(), answers),
        scales,
        holland,
        ranked_items,
    }
}

/// The Holland code when the six RIASEC scales all have a score.
pub fn holland_code(scales: &[ScaleScore]) -> Option<HollandCode> {
    let mut scored: Vec<(usize, char, f64)> = Vec::with_capacity(6);
    for (position, letter) in HEXAGON.iter().enumerate() {
        let score = scales
            .iter()
            .find(|s| s.scale.len() == 1 && s.scale.starts_with(*letter))?
            .score?;
        scored.push((position, *letter, score));
    }
    // Highest first; equal scores keep the hexagon order.
    scored.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    let code: String = scored.iter().take(3).map(|s| s.1).collect();
    let highest = scored.first().map_or(0.0, |s| s.2);
    let lowest = scored.last().map_or(0.0, |s| s.2);
    let distance = {
        let d = scored[0].0.abs_diff(scored[1].0);
        d.min(6 - d)
    };
    let consistency = match distance {
        1 => Consistency::High,
        2 => Consistency::Medium,
        _ => Consistency::Low,
    };
    Some(HollandCode {
        code,
        differentiation: highest - lowest,
        consistency,
    })
}

/// Quality flags of a response with `expected` questions.
pub fn quality_flags(expected: usize, answers: &[RawAnswer]) -> Vec<QualityFlag> {
    let mut flags = Vec::new();
    if answers.len() < expected {
        flags.push(QualityFlag::Incomplete);
    }
    if answers.len() >= QUALITY_MIN_ANSWERS {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for a in answers {
            *counts.entry(a.value.as_str()).or_default() += 1;
        }
        let most = counts.values().copied().max().unwrap_or(0);
        if most as f64 >= STRAIGHT_LINING_SHARE * answers.len() as f64 {
            flags.push(QualityFlag::StraightLining);
        }
        let mut times: Vec<i64> = answers.iter().map(|a| a.answered_at).collect();
        times.sort_unstable();
        let mut gaps: Vec<i64> = times.windows(2).map(|w| w[1] - w[0]).collect();
        gaps.sort_unstable();
        if let Some(median) = median_i64(&gaps)
            && median < TOO_FAST_MEDIAN_MS
        {
            flags.push(QualityFlag::TooFast);
        }
    }
    flags
}

fn median_i64(sorted: &[i64]) -> Option<i64> {
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[n / 2]),
        n => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

/// Cronbach's alpha of a scale over a cohort: `rows` are respondents who answered every
/// item of the scale, each a vector of item values (reverse items already flipped).
/// `None` with fewer than 2 items or 2 respondents, or no variance at all.
pub fn cronbach_alpha(rows: &[Vec<f64>]) -> Option<f64> {
    let k = rows.first()?.len();
    if k < 2 || rows.len() < 2 || rows.iter().any(|r| r.len() != k) {
        return None;
    }
    let item_variance_sum: f64 = (0..k)
        .map(|j| variance(&rows.iter().map(|r| r[j]).collect::<Vec<_>>()))
        .sum();
    let total_variance = variance(&rows.iter().map(|r| r.iter().sum()).collect::<Vec<_>>());
    if total_variance == 0.0 {
        return None;
    }
    let k = k as f64;
    Some(k / (k - 1.0) * (1.0 - item_variance_sum / total_variance))
}

/// Sample variance (n − 1).
pub fn variance(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() as f64 - 1.0)
}

/// The item values of one respondent on one scale, reverse items flipped, or `None` if
/// any item of the scale is unanswered (alpha needs complete rows).
pub fn scale_row(instrument: &Instrument, scale: &str, answers: &[RawAnswer]) -> Option<Vec<f64>> {
    let points = instrument.points.len() as u32;
    instrument
        .items
        .iter()
        .filter(|i| i.scale == scale)
        .map(|item| {
            let v = answers
                .iter()
                .find(|a| a.item == item.id)?
                .value
                .parse::<u32>()
                .ok()
                .filter(|v| (1..=points).contains(v))?;
            Some(f64::from(if item.reverse { points + 1 - v } else { v }))
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Up,
    Down,
    Stable,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChangeReading {
    pub before: f64,
    pub after: f64,
    pub rci: f64,
    pub change: Change,
}

/// Reliable change index (Jacobson & Truax): difference / (SD × √(2 × (1 − alpha))).
/// `None` when the spread or reliability make it undefined.
pub fn reliable_change(before: f64, after: f64, sd: f64, alpha: f64) -> Option<ChangeReading> {
    let denominator = sd * (2.0 * (1.0 - alpha)).sqrt();
    if !(denominator.is_finite() && denominator > 0.0) {
        return None;
    }
    let rci = (after - before) / denominator;
    let change = if rci > RCI_THRESHOLD {
        Change::Up
    } else if rci < -RCI_THRESHOLD {
        Change::Down
    } else {
        Change::Stable
    };
    Some(ChangeReading {
        before,
        after,
        rci,
        change,
    })
}

/// Score band of a 0–100 score, for interpretation texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Low,
    Middle,
    High,
}

pub fn band(score: f64) -> Band {
    if score < 40.0 {
        Band::Low
    } else if score < 60.0 {
        Band::Middle
    } else {
        Band::High
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::instrument::{Item, Kind, Occasion, Scale, Text};
    use crate::journey::Phase;

    fn scale(id: &str) -> Scale {
        Scale {
            id: id.into(),
            label: Text::new(id, id),
            high: Text::new("h", "h"),
            low: Text::new("l", "l"),
            norm_sd: None,
            norm_alpha: None,
        }
    }

    fn item(id: &str, scale: &str, reverse: bool) -> Item {
        Item {
            id: id.into(),
            scale: scale.into(),
            text: Text::new(id, id),
            reverse,
        }
    }

    /// Two scales: X with three items (X3 reversed), Y with three items; 5 points.
    fn small() -> Instrument {
        Instrument {
            id: "small".into(),
            version: 1,
            kind: Kind::Likert,
            phase: Phase::Investigation,
            occasions: vec![Occasion::Once],
            minutes: 1,
            title: Text::new("t", "t"),
            purpose: Text::new("p", "p"),
            points: (1..=5)
                .map(|n| Text::new(n.to_string(), n.to_string()))
                .collect(),
            scales: vec![scale("X"), scale("Y")],
            items: vec![
                item("X1", "X", false),
                item("X2", "X", false),
                item("X3", "X", true),
                item("Y1", "Y", false),
                item("Y2", "Y", false),
                item("Y3", "Y", false),
            ],
            reference_items: None,
            ranking: None,
            fields: Vec::new(),
            experiences: None,
            health: false,
        }
    }

    fn answers(pairs: &[(&str, u32)]) -> Vec<RawAnswer> {
        pairs
            .iter()
            .enumerate()
            .map(|(n, (item, value))| RawAnswer {
                item: (*item).into(),
                value: value.to_string(),
                answered_at: n as i64 * 4000,
            })
            .collect()
    }

    #[test]
    fn reverse_keys_are_flipped_and_scores_map_to_0_100() {
        // X: 5, 4, reverse(2) = 4 -> mean 13/3; (13/3 - 1) / 4 * 100 = 83.33
        let result = score_likert(
            &small(),
            &answers(&[
                ("X1", 5),
                ("X2", 4),
                ("X3", 2),
                ("Y1", 1),
                ("Y2", 1),
                ("Y3", 1),
            ]),
        );
        let x = &result.scales[0];
        assert!((x.raw_mean.unwrap() - 13.0 / 3.0).abs() < 1e-9);
        assert!((x.score.unwrap() - 250.0 / 3.0).abs() < 1e-9);
        assert_eq!(result.scales[1].score, Some(0.0));
        assert!(result.quality.is_empty(), "{:?}", result.quality);
    }

    #[test]
    fn a_scale_with_under_two_thirds_answered_has_no_score() {
        // X: 2 of 3 answered = exactly 2/3: scored. Y: 1 of 3: no score.
        let result = score_likert(&small(), &answers(&[("X1", 3), ("X3", 5), ("Y2", 5)]));
        // X: 3 and reverse(5) = 1 -> mean 2 -> 25.
        assert_eq!(result.scales[0].score, Some(25.0));
        assert_eq!(result.scales[0].answered, 2);
        assert_eq!(result.scales[1].score, None);
        assert_eq!(result.scales[1].raw_mean, Some(5.0));
        assert_eq!(result.quality, vec![QualityFlag::Incomplete]);
    }

    fn six(scores: [f64; 6]) -> Vec<ScaleScore> {
        HEXAGON
            .iter()
            .zip(scores)
            .map(|(l, s)| ScaleScore {
                scale: l.to_string(),
                answered: 6,
                items: 6,
                raw_mean: None,
                score: Some(s),
            })
            .collect()
    }

    #[test]
    fn holland_code_breaks_ties_by_hexagon_order() {
        // S = E = C = 80: the hexagon order gives S, E, C.
        let code = holland_code(&six([10.0, 20.0, 30.0, 80.0, 80.0, 80.0])).unwrap();
        assert_eq!(code.code, "SEC");
        assert_eq!(code.differentiation, 70.0);
        assert_eq!(code.consistency, Consistency::High);
        // All equal: RIA, flat profile.
        let flat = holland_code(&six([50.0; 6])).unwrap();
        assert_eq!(flat.code, "RIA");
        assert_eq!(flat.differentiation, 0.0);
        // R and C are neighbours round the hexagon.
        let rc = holland_code(&six([90.0, 0.0, 0.0, 0.0, 0.0, 80.0])).unwrap();
        assert_eq!(rc.code, "RCI");
        assert_eq!(rc.consistency, Consistency::High);
        // R and S are opposite; R and A one apart.
        assert_eq!(
            holland_code(&six([90.0, 0.0, 0.0, 80.0, 0.0, 0.0]))
                .unwrap()
                .consistency,
            Consistency::Low
        );
        assert_eq!(
            holland_code(&six([90.0, 0.0, 80.0, 0.0, 0.0, 0.0]))
                .unwrap()
                .consistency,
            Consistency::Medium
        );
    }

    #[test]
    fn no_holland_code_when_a_type_has_no_score() {
        let mut scales = six([10.0, 20.0, 30.0, 40.0, 50.0, 60.0]);
        scales[2].score = None;
        assert_eq!(holland_code(&scales), None);
    }

    #[test]
    fn quality_flags_are_raised() {
        let all_threes = answers(&[
            ("X1", 3),
            ("X2", 3),
            ("X3", 3),
            ("Y1", 3),
            ("Y2", 3),
            ("Y3", 3),
        ]);
        assert_eq!(
            quality_flags(6, &all_threes),
            vec![QualityFlag::StraightLining]
        );
        let mut fast = answers(&[
            ("X1", 1),
            ("X2", 2),
            ("X3", 3),
            ("Y1", 4),
            ("Y2", 5),
            ("Y3", 1),
        ]);
        for (n, a) in fast.iter_mut().enumerate() {
            a.answered_at = n as i64 * 1000;
        }
        assert_eq!(quality_flags(6, &fast), vec![QualityFlag::TooFast]);
        // Under five answers, only completeness is judged.
        assert_eq!(
            quality_flags(6, &all_threes[..3]),
            vec![QualityFlag::Incomplete]
        );
    }

    #[test]
    fn cronbach_alpha_matches_a_hand_computation() {
        // Items a, b, c over 4 people. Item variances: 1.6667, 1.6667, 1.6667 (sum 5);
        // totals 3, 6, 9, 12: variance 15. alpha = 3/2 * (1 - 5/15) = 1.0
        let rows = vec![
            vec![1.0, 1.0, 1.0],
            vec![2.0, 2.0, 2.0],
            vec![3.0, 3.0, 3.0],
            vec![4.0, 4.0, 4.0],
        ];
        assert!((cronbach_alpha(&rows).unwrap() - 1.0).abs() < 1e-9);
        // Item variances 2/3 and 2/3 (sum 4/3); totals 2, 4, 4, 2: variance 4/3.
        // alpha = 2/1 * (1 - (4/3)/(4/3)) = 0: the two items do not hang together.
        let rows = vec![
            vec![1.0, 1.0],
            vec![2.0, 2.0],
            vec![1.0, 3.0],
            vec![0.0, 2.0],
        ];
        let alpha = cronbach_alpha(&rows).unwrap();
        assert!(alpha.abs() < 1e-9, "{alpha}");
        assert_eq!(cronbach_alpha(&rows[..1]), None);
        assert_eq!(cronbach_alpha(&[vec![2.0, 2.0], vec![2.0, 2.0]]), None);
    }

    #[test]
    fn reliable_change_index() {
        // sd 10, alpha 0.8: denominator 10 * sqrt(0.4) = 6.3246
        let up = reliable_change(40.0, 60.0, 10.0, 0.8).unwrap();
        assert!((up.rci - 20.0 / (10.0 * 0.4f64.sqrt())).abs() < 1e-9);
        assert_eq!(up.change, Change::Up);
        assert_eq!(
            reliable_change(40.0, 50.0, 10.0, 0.8).unwrap().change,
            Change::Stable
        );
        assert_eq!(
            reliable_change(60.0, 40.0, 10.0, 0.8).unwrap().change,
            Change::Down
        );
        assert_eq!(reliable_change(40.0, 60.0, 10.0, 1.0), None);
    }

    proptest! {
        #[test]
        fn scores_stay_in_range_and_order_does_not_matter(
            values in proptest::collection::vec(proptest::option::of(1u32..=5), 6),
            rotation in 0usize..6,
        ) {
            let instrument = small();
            let ids = ["X1", "X2", "X3", "Y1", "Y2", "Y3"];
            let given: Vec<RawAnswer> = ids
                .iter()
                .zip(&values)
                .enumerate()
                .filter_map(|(n, (id, v))| v.map(|v| RawAnswer { item: (*id).into(), value: v.to_string(), answered_at: n as i64 * 3000 }))
                .collect();
            let result = score_likert(&instrument, &given);
            for s in &result.scales {
                if let Some(score) = s.score {
                    prop_assert!((0.0..=100.0).contains(&score), "{score}");
                }
                prop_assert!(s.answered <= s.items);
            }
            let mut shuffled = given.clone();
            if !shuffled.is_empty() {
                let by = rotation % shuffled.len();
                shuffled.rotate_left(by);
                shuffled.reverse();
            }
            prop_assert_eq!(score_likert(&instrument, &shuffled).scales, result.scales);
        }

        #[test]
        fn holland_code_is_three_distinct_letters(scores in proptest::array::uniform6(0.0f64..=100.0)) {
            let code = holland_code(&six(scores)).unwrap();
            prop_assert_eq!(code.code.len(), 3);
            let mut letters: Vec<char> = code.code.chars().collect();
            letters.dedup();
            prop_assert_eq!(letters.len(), 3);
            prop_assert!((0.0..=100.0).contains(&code.differentiation));
        }
    }
}
