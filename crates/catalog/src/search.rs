//! Occupation search over fiche labels and every appellation: accent-, case- and
//! gender-insensitive (labels carry both forms), by word prefix, tolerant of typos.
//!
//! Built once: a vocabulary of folded words with posting lists of label entries. A
//! query word is matched against the vocabulary (exact, prefix, then within an edit
//! distance that grows with its length); a label matches when every query word does.

use std::collections::HashMap;

use crate::fold::{distance_within, words};
use crate::{Appellation, Catalog, Fiche};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    fiche: u32,
    /// Index of the appellation, or None for the fiche label itself.
    appellation: Option<u32>,
    words: u16,
}

#[derive(Debug, Default)]
pub struct SearchIndex {
    entries: Vec<Entry>,
    vocabulary: Vec<String>,
    postings: Vec<Vec<u32>>,
    by_first_char: HashMap<char, Vec<u32>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OccupationHit {
    pub code: String,
    pub label: String,
    /// The appellation that matched, when it is not the fiche label.
    pub appellation: Option<String>,
    pub score: f32,
}

/// How well a query word matched a vocabulary word.
fn word_score(query: &str, word: &str) -> Option<f32> {
    if word == query {
        return Some(3.0);
    }
    if word.starts_with(query) {
        return Some(2.0 + query.len() as f32 / word.len() as f32 * 0.5);
    }
    let allowed = match query.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    };
    if allowed == 0 {
        return None;
    }
    // A typo in a word prefix ("devlop") matches the same length of the word.
    let cut: String = word.chars().take(query.chars().count() + allowed).collect();
    let best = [word, cut.as_str()]
        .iter()
        .filter_map(|w| distance_within(query, w, allowed))
        .min()?;
    Some(1.5 - best as f32 * 0.25)
}

impl SearchIndex {
    pub fn build(fiches: &[Fiche], appellations: &[Appellation]) -> Self {
        let mut index = SearchIndex::default();
        let mut word_ids: HashMap<String, u32> = HashMap::new();
        let mut add =
            |index: &mut SearchIndex, label: &str, fiche: usize, appellation: Option<usize>| {
                let ws = words(label);
                let entry_id = u32::try_from(index.entries.len()).unwrap_or(u32::MAX);
                index.entries.push(Entry {
                    fiche: u32::try_from(fiche).unwrap_or(u32::MAX),
                    appellation: appellation.and_then(|a| u32::try_from(a).ok()),
                    words: u16::try_from(ws.len()).unwrap_or(u16::MAX),
                });
                for w in ws {
                    let id = *word_ids.entry(w.clone()).or_insert_with(|| {
                        index.vocabulary.push(w.clone());
                        index.postings.push(Vec::new());
                        u32::try_from(index.vocabulary.len() - 1).unwrap_or(u32::MAX)
                    });
                    let list = &mut index.postings[id as usize];
                    if list.last() != Some(&entry_id) {
                        list.push(entry_id);
                    }
                }
            };
        for (i, f) in fiches.iter().enumerate() {
            add(&mut index, &f.label, i, None);
        }
        for (i, a) in appellations.iter().enumerate() {
            add(&mut index, &a.label, a.fiche, Some(i));
        }
        for (id, w) in index.vocabulary.iter().enumerate() {
            if let Some(c) = w.chars().next() {
                index
                    .by_first_char
                    .entry(c)
                    .or_default()
                    .push(u32::try_from(id).unwrap_or(u32::MAX));
            }
        }
        index
    }

    /// Vocabulary words matching one query word, with their score. Typos are looked
    /// for among words of the same first letter, then (for longer words) among all.
    fn matching_words(&self, q: &str) -> Vec<(u32, f32)> {
        let first = q.chars().next().unwrap_or(' ');
        let same_initial = self
            .by_first_char
            .get(&first)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mut out: Vec<(u32, f32)> = same_initial
            .iter()
            .filter_map(|id| word_score(q, &self.vocabulary[*id as usize]).map(|s| (*id, s)))
            .collect();
        if out.is_empty() && q.chars().count() >= 6 {
            out = (0..self.vocabulary.len())
                .filter_map(|id| {
                    let w = &self.vocabulary[id];
                    word_score(q, w).map(|s| (u32::try_from(id).unwrap_or(u32::MAX), s - 0.25))
                })
                .collect();
        }
        out
    }

    pub fn occupations(&self, catalog: &Catalog, query: &str, limit: usize) -> Vec<OccupationHit> {
        let query_words = words(query);
        if query_words.is_empty() || limit == 0 {
            return Vec::new();
        }
        // entry -> (query words matched, summed score)
        let mut scores: HashMap<u32, (usize, f32)> = HashMap::new();
        for (qi, q) in query_words.iter().enumerate() {
            let mut best_for_entry: HashMap<u32, f32> = HashMap::new();
            for (word, s) in self.matching_words(q) {
                for entry in &self.postings[word as usize] {
                    let e = best_for_entry.entry(*entry).or_insert(0.0);
                    if s > *e {
                        *e = s;
                    }
                }
            }
            for (entry, s) in best_for_entry {
                let slot = scores.entry(entry).or_insert((0, 0.0));
                if slot.0 == qi {
                    *slot = (qi + 1, slot.1 + s);
                }
            }
        }
        let needed = query_words.len();
        let mut best_per_fiche: HashMap<u32, (f32, Entry)> = HashMap::new();
        for (entry_id, (matched, score)) in scores {
            if matched < needed {
                continue;
            }
            let entry = self.entries[entry_id as usize];
            // Shorter labels (fewer extra words) rank higher; the fiche label a little more.
            let extra = f32::from(entry.words).max(needed as f32) - needed as f32;
            let score = score / needed as f32 - extra * 0.05
                + if entry.appellation.is_none() {
                    0.05
                } else {
                    0.0
                };
            let slot = best_per_fiche
                .entry(entry.fiche)
                .or_insert((f32::MIN, entry));
            if score > slot.0 {
                *slot = (score, entry);
            }
        }
        let mut ranked: Vec<(f32, Entry)> = best_per_fiche.into_values().collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.fiche.cmp(&b.1.fiche)));
        ranked
            .into_iter()
            .take(limit)
            .filter_map(|(score, entry)| {
                let fiche = catalog.fiches.get(entry.fiche as usize)?;
                let appellation = entry
                    .appellation
                    .and_then(|a| catalog.appellations.get(a as usize))
                    .map(|a| a.label.clone())
                    .filter(|l| l != &fiche.label);
                Some(OccupationHit {
                    code: fiche.code.clone(),
                    label: fiche.label.clone(),
                    appellation,
                    score,
                })
            })
            .collect()
    }
}
