//! Occupation search over fiche labels and every appellation: accent-, case- and
//! gender-insensitive (labels carry both forms), by word prefix, tolerant of typos.
//!
//! Built once: a vocabulary of folded words with posting lists of label entries. A
//! query word is matched against the vocabulary (exact, prefix, then within an edit
//! distance that grows with its length); a label matches when every query word does.

use std::collections::HashMap;

use crate::fold::{distance_within_chars, words};
use crate::{Appellation, Catalog, Fiche};

/// What a search reads at most: a person types a few words (a pasted job title has up
/// to 16). Callers refuse longer queries with [`check_query`]; the index answers them
/// with nothing, so that no query costs more than a short one.
pub const MAX_QUERY_CHARS: usize = 200;
pub const MAX_QUERY_BYTES: usize = 400;
pub const MAX_QUERY_WORDS: usize = 16;
/// The largest edit distance tolerated (for words of 8 letters or more).
const MAX_TYPOS: usize = 2;
/// Typo matches kept per query word, the closest first: enough for any real typo,
/// few enough that a nonsense word cannot touch the whole vocabulary.
const MAX_FUZZY_WORDS: usize = 64;

/// Why a query is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryError {
    TooLong,
    TooManyWords,
}

impl QueryError {
    /// The field-error code (`too_long`, `too_many_words`).
    pub fn code(self) -> &'static str {
        match self {
            QueryError::TooLong => "too_long",
            QueryError::TooManyWords => "too_many_words",
        }
    }
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryError::TooLong => write!(
                f,
                "is longer than {MAX_QUERY_CHARS} characters ({MAX_QUERY_BYTES} bytes)"
            ),
            QueryError::TooManyWords => write!(f, "has more than {MAX_QUERY_WORDS} words"),
        }
    }
}

/// Whether a search query is within the bounds (length first: counting words reads it).
pub fn check_query(query: &str) -> Result<(), QueryError> {
    if query.len() > MAX_QUERY_BYTES || query.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong);
    }
    if words(query).len() > MAX_QUERY_WORDS {
        return Err(QueryError::TooManyWords);
    }
    Ok(())
}

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
    /// Folded words, sorted, so that a prefix is a contiguous range.
    vocabulary: Vec<String>,
    postings: Vec<Vec<u32>>,
    /// Characters in the longest vocabulary word: a longer query word (past the typos
    /// allowed) can match nothing, and is not compared with anything.
    longest_word: usize,
}

/// A folded query word, its characters read once.
struct QueryWord<'a> {
    text: &'a str,
    chars: Vec<char>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OccupationHit {
    pub code: String,
    pub label: String,
    /// The appellation that matched, when it is not the fiche label.
    pub appellation: Option<String>,
    pub score: f32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppellationHit {
    /// The appellation's `code_ogr`.
    pub code: u32,
    pub label: String,
    pub fiche_code: String,
    pub fiche_label: String,
}

/// How well a query word matched a vocabulary word.
fn word_score(query: &QueryWord<'_>, word: &str) -> Option<f32> {
    if word == query.text {
        return Some(3.0);
    }
    if word.starts_with(query.text) {
        return Some(2.0 + query.text.len() as f32 / word.len() as f32 * 0.5);
    }
    let length = query.chars.len();
    let allowed = match length {
        0..=3 => 0,
        4..=7 => 1,
        _ => MAX_TYPOS,
    };
    if allowed == 0 {
        return None;
    }
    // A typo in a word prefix ("devlop") matches the same length of the word.
    let cut_len = word
        .char_indices()
        .nth(length + allowed)
        .map_or(word.len(), |(at, _)| at);
    let cut = &word[..cut_len];
    let best = [word, cut]
        .iter()
        .filter_map(|w| distance_within_chars(&query.chars, w, allowed))
        .min()?;
    Some(1.5 - best as f32 * 0.25)
}

impl SearchIndex {
    pub fn build(fiches: &[Fiche], appellations: &[Appellation]) -> Self {
        let mut entries = Vec::new();
        let mut postings: HashMap<String, Vec<u32>> = HashMap::new();
        let mut add = |label: &str, fiche: usize, appellation: Option<usize>| {
            let ws = words(label);
            let entry_id = u32::try_from(entries.len()).unwrap_or(u32::MAX);
            entries.push(Entry {
                fiche: u32::try_from(fiche).unwrap_or(u32::MAX),
                appellation: appellation.and_then(|a| u32::try_from(a).ok()),
                words: u16::try_from(ws.len()).unwrap_or(u16::MAX),
            });
            for w in ws {
                let list = postings.entry(w).or_default();
                if list.last() != Some(&entry_id) {
                    list.push(entry_id);
                }
            }
        };
        for (i, f) in fiches.iter().enumerate() {
            add(&f.label, i, None);
        }
        for (i, a) in appellations.iter().enumerate() {
            add(&a.label, a.fiche, Some(i));
        }
        let mut sorted: Vec<(String, Vec<u32>)> = postings.into_iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let (vocabulary, postings): (Vec<String>, Vec<Vec<u32>>) = sorted.into_iter().unzip();
        let longest_word = vocabulary
            .iter()
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0);
        SearchIndex {
            entries,
            vocabulary,
            postings,
            longest_word,
        }
    }

    /// Vocabulary words matching one query word, with their score: the exact word and
    /// words it starts (a binary-searched range); only when there are none, the closest
    /// words within the allowed edit distance (same first letter first, then any).
    fn matching_words(&self, q: &QueryWord<'_>) -> Vec<(usize, f32)> {
        if q.chars.len() > self.longest_word + MAX_TYPOS {
            return Vec::new();
        }
        let start = self.vocabulary.partition_point(|w| w.as_str() < q.text);
        let out: Vec<(usize, f32)> = self.vocabulary[start..]
            .iter()
            .take_while(|w| w.starts_with(q.text))
            .enumerate()
            .filter_map(|(i, w)| word_score(q, w).map(|s| (start + i, s)))
            .collect();
        if !out.is_empty() {
            return out;
        }
        let first = q.chars.first().copied().unwrap_or(' ');
        let initial_start = self
            .vocabulary
            .partition_point(|w| w.chars().next().is_some_and(|c| c < first));
        let mut fuzzy: Vec<(usize, f32)> = self.vocabulary[initial_start..]
            .iter()
            .take_while(|w| w.starts_with(first))
            .enumerate()
            .filter_map(|(i, w)| word_score(q, w).map(|s| (initial_start + i, s)))
            .collect();
        if fuzzy.is_empty() && q.chars.len() >= 6 {
            fuzzy = self
                .vocabulary
                .iter()
                .enumerate()
                .filter_map(|(i, w)| word_score(q, w).map(|s| (i, s - 0.25)))
                .collect();
        }
        if fuzzy.len() > MAX_FUZZY_WORDS {
            fuzzy.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            fuzzy.truncate(MAX_FUZZY_WORDS);
        }
        fuzzy
    }

    /// Every label entry matching all query words, with its score: shorter labels (fewer
    /// extra words) higher, the fiche label a little more.
    fn scored_entries(&self, query: &str) -> Vec<(f32, Entry)> {
        if check_query(query).is_err() {
            return Vec::new();
        }
        let query_words = words(query);
        if query_words.is_empty() {
            return Vec::new();
        }
        // Per entry: how many query words matched so far, and the summed score.
        let mut matched = vec![0u8; self.entries.len()];
        let mut total = vec![0f32; self.entries.len()];
        let mut best_now = vec![0f32; self.entries.len()];
        let mut touched: Vec<u32> = Vec::new();
        for (qi, q) in query_words.iter().enumerate() {
            let qi = u8::try_from(qi).unwrap_or(u8::MAX);
            touched.clear();
            let q = QueryWord {
                text: q,
                chars: q.chars().collect(),
            };
            for (word, s) in self.matching_words(&q) {
                for entry in &self.postings[word] {
                    let e = *entry as usize;
                    if matched[e] != qi {
                        continue;
                    }
                    if best_now[e] == 0.0 {
                        touched.push(*entry);
                    }
                    if s > best_now[e] {
                        best_now[e] = s;
                    }
                }
            }
            for entry in &touched {
                let e = *entry as usize;
                matched[e] = qi + 1;
                total[e] += best_now[e];
                best_now[e] = 0.0;
            }
        }
        let needed = query_words.len();
        let mut out = Vec::new();
        for (entry_id, count) in matched.iter().enumerate() {
            if usize::from(*count) < needed {
                continue;
            }
            let entry = self.entries[entry_id];
            let extra = f32::from(entry.words).max(needed as f32) - needed as f32;
            let score = total[entry_id] / needed as f32 - extra * 0.05
                + if entry.appellation.is_none() {
                    0.05
                } else {
                    0.0
                };
            out.push((score, entry));
        }
        out
    }

    pub fn occupations(&self, catalog: &Catalog, query: &str, limit: usize) -> Vec<OccupationHit> {
        if limit == 0 {
            return Vec::new();
        }
        let mut best_per_fiche: HashMap<u32, (f32, Entry)> = HashMap::new();
        for (score, entry) in self.scored_entries(query) {
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

    /// Appellations (job titles) matching a query, best first: what a person picks when
    /// they name a job they have held.
    pub fn appellations(
        &self,
        catalog: &Catalog,
        query: &str,
        limit: usize,
    ) -> Vec<AppellationHit> {
        let mut ranked: Vec<(f32, u32)> = self
            .scored_entries(query)
            .into_iter()
            .filter_map(|(score, entry)| Some((score, entry.appellation?)))
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked
            .into_iter()
            .take(limit)
            .filter_map(|(_, a)| {
                let appellation = catalog.appellations.get(a as usize)?;
                let fiche = catalog.fiches.get(appellation.fiche)?;
                Some(AppellationHit {
                    code: appellation.code,
                    label: appellation.label.clone(),
                    fiche_code: fiche.code.clone(),
                    fiche_label: fiche.label.clone(),
                })
            })
            .collect()
    }
}
