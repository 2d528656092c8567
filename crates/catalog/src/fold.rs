//! Text folding for search: lower case, no accents, ligatures split, anything that is
//! not a letter or digit becomes a space. "Aide-soignante" and "aide soignante" fold
//! to the same words.

pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' | 'À' | 'Â' | 'Ä' | 'Á' | 'Ã' | 'Å' => {
                out.push('a')
            }
            'ç' | 'Ç' => out.push('c'),
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => out.push('e'),
            'î' | 'ï' | 'í' | 'ì' | 'Î' | 'Ï' | 'Í' | 'Ì' => out.push('i'),
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' | 'Ô' | 'Ö' | 'Ó' | 'Ò' | 'Õ' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' | 'Ù' | 'Û' | 'Ü' | 'Ú' => out.push('u'),
            'ÿ' | 'ý' | 'Ÿ' | 'Ý' => out.push('y'),
            'ñ' | 'Ñ' => out.push('n'),
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => out.push(' '),
        }
    }
    out
}

/// The folded words of a text.
pub fn words(text: &str) -> Vec<String> {
    fold(text).split_whitespace().map(str::to_owned).collect()
}

/// Edit distance with transpositions (optimal string alignment), giving up past `max`.
pub fn distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    distance_within_chars(&a, b, max)
}

/// [`distance_within`] with the first text's characters read once by the caller, who
/// compares it with many words. Lengths further apart than `max` are not compared, and
/// the table stops as soon as a whole row is past `max` (dissimilar words in a few rows).
pub fn distance_within_chars(a: &[char], b: &str, max: usize) -> Option<usize> {
    let b_len = b.chars().count();
    if a.len().abs_diff(b_len) > max {
        return None;
    }
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    let mut prev2 = vec![0usize; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur = vec![0usize; width];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_and_punctuation() {
        assert_eq!(
            fold("Aide-soignant / Aide-soignante"),
            "aide soignant   aide soignante"
        );
        assert_eq!(
            words("Boulanger / Boulangère"),
            vec!["boulanger", "boulangere"]
        );
        assert_eq!(fold("Œnologue"), "oenologue");
    }

    #[test]
    fn distances() {
        assert_eq!(distance_within("devloppeur", "developpeur", 2), Some(1));
        assert_eq!(distance_within("boulnager", "boulanger", 1), Some(1));
        assert_eq!(distance_within("chat", "chien", 1), None);
        assert_eq!(distance_within("abc", "abc", 0), Some(0));
    }
}
