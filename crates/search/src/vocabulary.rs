//! The words of the catalogue, with how many documents hold each: what typed words are checked
//! and corrected against, identically for every engine.

use std::collections::BTreeMap;

#[derive(Debug, Default, Clone)]
pub struct Vocabulary {
    terms: BTreeMap<String, u32>,
}

impl Vocabulary {
    /// Counts the distinct words of one document's folded text.
    pub fn add_text(&mut self, folded: &str) {
        let mut seen: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
        seen.sort_unstable();
        seen.dedup();
        for word in seen {
            *self.terms.entry(word.to_owned()).or_insert(0) += 1;
        }
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn contains(&self, term: &str) -> bool {
        self.terms.contains_key(term)
    }

    pub fn frequency(&self, term: &str) -> u32 {
        self.terms.get(term).copied().unwrap_or(0)
    }

    /// Words starting with `prefix`, most frequent first, at most `limit`.
    pub fn with_prefix(&self, prefix: &str, limit: usize) -> Vec<String> {
        let mut found: Vec<(&String, &u32)> = self.terms.range(prefix.to_owned()..).take_while(|(t, _)| t.starts_with(prefix)).collect();
        found.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        found.into_iter().take(limit).map(|(t, _)| t.clone()).collect()
    }

    /// The most frequent word within the edit distance allowed for `word`'s length: one edit
    /// for 3–5 letters (Vietnamese syllables), two from 6. Transpositions count as one edit.
    pub fn correct(&self, word: &str) -> Option<String> {
        let len = word.chars().count();
        let max = match len {
            0..=2 => return None,
            3..=5 => 1,
            _ => 2,
        };
        let target: Vec<char> = word.chars().collect();
        let mut best: Option<(usize, u32, &String)> = None;
        for (term, freq) in &self.terms {
            let tlen = term.chars().count();
            if tlen.abs_diff(len) > max || tlen < 2 {
                continue;
            }
            let candidate: Vec<char> = term.chars().collect();
            let Some(d) = bounded_distance(&target, &candidate, max) else { continue };
            let better = match best {
                None => true,
                Some((bd, bf, _)) => d < bd || (d == bd && *freq > bf),
            };
            if better {
                best = Some((d, *freq, term));
            }
        }
        best.map(|(_, _, t)| t.clone())
    }
}

/// Optimal string alignment distance (Damerau–Levenshtein with adjacent transpositions), or
/// `None` when it exceeds `max`.
pub fn bounded_distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > max {
        return None;
    }
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
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
    (prev[m] <= max).then_some(prev[m])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        let mut v = Vocabulary::default();
        v.add_text("sau rieng ri6 monthong durian");
        v.add_text("sau rieng monthong dona");
        v.add_text("ca phe robusta nhan xo coffee");
        v.add_text("mac ca macadamia nhan");
        v
    }

    #[test]
    fn corrects_long_words_and_short_syllables() {
        let v = vocab();
        assert_eq!(v.correct("robustaa").as_deref(), Some("robusta"));
        assert_eq!(v.correct("macadamai").as_deref(), Some("macadamia"));
        assert_eq!(v.correct("monthog").as_deref(), Some("monthong"));
        assert_eq!(v.correct("rien").as_deref(), Some("rieng"));
        assert_eq!(v.correct("saau").as_deref(), Some("sau"));
        assert_eq!(v.correct("zzzzzz"), None);
        assert_eq!(v.correct("xy"), None);
    }

    #[test]
    fn prefixes_come_most_frequent_first() {
        let v = vocab();
        assert_eq!(v.with_prefix("ri", 5), vec!["rieng", "ri6"]);
        assert_eq!(v.with_prefix("mon", 5), vec!["monthong"]);
    }
}
