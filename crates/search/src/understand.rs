//! Query understanding, shared by every engine: what a buyer meant by what they typed.
//!
//! Words are folded (marks optional, đ = d). A word the catalogue does not know is read as
//! Telex ("saauf" → sầu) or VNI ("ca2" → cà), then corrected for typos against the catalogue's
//! vocabulary; the last word, while the buyer is still typing, may be a prefix. Words nothing
//! can explain are dropped rather than emptying the result. Engines receive the resolved words,
//! so they answer the same question.

use crate::vocabulary::Vocabulary;
use nongsan_domain::text::fold;

/// Longest query considered, in characters; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 200;
/// At most this many words are searched.
pub const MAX_WORDS: usize = 10;
/// A prefix matches at most this many of the catalogue's words.
pub const MAX_EXPANSIONS: usize = 40;

/// One resolved word of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    /// The folded word to match.
    pub term: String,
    /// The word as typed, lower case, when it carried Vietnamese marks and is searched as
    /// typed: not corrected into another word, and not a prefix that is no word of the
    /// catalogue yet ("riê"). Such a word has no accents a listing could hold.
    pub accented: Option<String>,
    /// Match as a prefix (the buyer is still typing it).
    pub prefix: bool,
    /// For a prefix: the catalogue's words it may complete to, most frequent first.
    pub expansions: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Understood {
    pub words: Vec<QueryWord>,
    /// True when the query had words but none could be understood: the answer is empty.
    pub nothing_matches: bool,
}

impl Understood {
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The folded words joined by spaces: the text an engine is given.
    pub fn text(&self) -> String {
        self.words.iter().map(|w| w.term.as_str()).collect::<Vec<_>>().join(" ")
    }
}

/// Reads Telex: doubled vowels (aa, ee, oo), w for the horn and breve (aw, ow, uw), dd for đ,
/// and a tone key (s f r x j z) closing the syllable. Returns the folded word, if it changed.
pub fn telex(word: &str) -> Option<String> {
    let mut w = word.to_owned();
    if w.len() > 2 && w.ends_with(['s', 'f', 'r', 'x', 'j', 'z']) && w[..w.len() - 1].chars().any(|c| "aeiouy".contains(c)) {
        w.pop();
    }
    let replaced = w
        .replace("dd", "d")
        .replace("aa", "a")
        .replace("ee", "e")
        .replace("oo", "o")
        .replace("aw", "a")
        .replace("ow", "o")
        .replace("uw", "u");
    (replaced != word).then_some(replaced)
}

/// Reads VNI: digits 1–9 after letters mark tones and vowel shapes ("ca2 phe6" is cà phê).
pub fn vni(word: &str) -> Option<String> {
    if !word.chars().any(|c| c.is_ascii_alphabetic()) || !word.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    // A VNI word starts with a letter; digits only follow letters.
    if !word.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let plain: String = word.chars().filter(|c| !('1'..='9').contains(c)).collect();
    (plain != word && !plain.is_empty()).then_some(plain)
}

/// Splits typed text into lower-case words, marks kept.
fn typed_words(text: &str) -> Vec<String> {
    crate::doc::accented_words(text).split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect()
}

/// Resolves what was typed against `vocab`; see the module documentation.
pub fn understand(text: &str, vocab: &Vocabulary) -> Understood {
    let text: String = text.chars().take(MAX_QUERY_CHARS).collect();
    let still_typing = !text.ends_with(char::is_whitespace);
    let typed = typed_words(&text);
    let count = typed.len().min(MAX_WORDS);
    let mut words = Vec::new();
    for (i, raw) in typed.into_iter().take(MAX_WORDS).enumerate() {
        let folded = fold(&raw);
        if folded.is_empty() {
            continue;
        }
        let accented = (folded != raw).then(|| raw.clone());
        let last = i + 1 == count && still_typing;
        let known = |t: &str| vocab.contains(t) || (last && !vocab.with_prefix(t, 1).is_empty());
        let resolved = if known(&folded) {
            Some(folded.clone())
        } else if let Some(t) = telex(&folded).filter(|t| known(t)) {
            Some(t)
        } else if let Some(t) = vni(&folded).filter(|t| known(t)) {
            Some(t)
        } else {
            vocab.correct(&folded)
        };
        if let Some(term) = resolved {
            let prefix = last && !vocab.with_prefix(&term, 2).iter().all(|t| *t == term);
            let expansions = if prefix { vocab.with_prefix(&term, MAX_EXPANSIONS) } else { Vec::new() };
            let accented = accented.filter(|_| term == folded && (!prefix || expansions.contains(&term)));
            words.push(QueryWord { term, accented, prefix, expansions });
        }
    }
    let nothing_matches = words.is_empty() && count > 0;
    Understood { words, nothing_matches }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        let mut v = Vocabulary::default();
        v.add_text("sau rieng ri6 ri 6 monthong durian dinh lac");
        v.add_text("ca phe robusta nhan xo coffee cafe");
        v.add_text("mac ca macca macadamia nhan");
        v
    }

    fn terms(q: &str) -> Vec<String> {
        understand(q, &vocab()).words.into_iter().map(|w| w.term).collect()
    }

    #[test]
    fn accents_case_and_d_are_optional() {
        assert_eq!(terms("SẦU RIÊNG "), vec!["sau", "rieng"]);
        assert_eq!(terms("Đinh Lạc "), vec!["dinh", "lac"]);
        let u = understand("sầu riêng ", &vocab());
        assert_eq!(u.words[0].accented.as_deref(), Some("sầu"));
    }

    #[test]
    fn telex_and_vni_are_read() {
        assert_eq!(terms("saauf rieeng "), vec!["sau", "rieng"]);
        assert_eq!(terms("ca2 phe6 "), vec!["ca", "phe"]);
        assert_eq!(terms("ri6 "), vec!["ri6"], "a known word is never rewritten");
    }

    #[test]
    fn typos_and_prefixes() {
        assert_eq!(terms("robustaa "), vec!["robusta"]);
        assert_eq!(terms("sau rien "), vec!["sau", "rieng"]);
        let u = understand("sau ri", &vocab());
        assert_eq!(u.words[1].term, "ri");
        assert!(u.words[1].prefix);
        let mut expansions = u.words[1].expansions.clone();
        expansions.sort();
        assert_eq!(expansions, vec!["ri", "ri6", "rieng"]);
    }

    #[test]
    fn unknown_words_are_dropped_but_nonsense_finds_nothing() {
        assert_eq!(terms("bán sầu riêng "), vec!["sau", "rieng"]);
        let u = understand("crop = 'x' OR id > 0 \u{0}😀", &vocab());
        assert!(u.words.iter().all(|w| vocab().contains(&w.term) || w.prefix));
        assert!(understand("qqqqqq zzzzzz", &vocab()).nothing_matches);
        assert_eq!(understand(&"a".repeat(10_000), &vocab()).words.len(), 0);
    }
}
