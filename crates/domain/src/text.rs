//! Text folding for Vietnamese: what buyers type without a Vietnamese keyboard.
//!
//! `fold("Sầu riêng Đinh Lạc")` is `"sau rieng dinh lac"`: diacritics removed, đ read as d,
//! lower case, runs of whitespace and punctuation collapsed to one space. Both precomposed
//! (NFC) and decomposed (NFD, combining marks) input fold the same way.

const GROUPS: &[(char, &str)] = &[
    ('a', "àáảãạăằắẳẵặâầấẩẫậ"),
    ('e', "èéẻẽẹêềếểễệ"),
    ('i', "ìíỉĩị"),
    ('o', "òóỏõọôồốổỗộơờớởỡợ"),
    ('u', "ùúủũụưừứửữự"),
    ('y', "ỳýỷỹỵ"),
    ('d', "đ"),
];

/// Every marked lower-case letter with its base, sorted by the marked letter: looked up by
/// binary search.
static BASES: std::sync::LazyLock<Vec<(char, char)>> = std::sync::LazyLock::new(|| {
    let mut bases: Vec<(char, char)> = GROUPS.iter().flat_map(|(plain, marked)| marked.chars().map(|m| (m, *plain))).collect();
    bases.sort_unstable();
    bases
});

/// The base letter of one lower-case character, without its Vietnamese marks.
fn base(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c);
    }
    if ('\u{0300}'..='\u{036f}').contains(&c) {
        return None; // a combining mark of decomposed input
    }
    Some(BASES.binary_search_by_key(&c, |(m, _)| *m).map_or(c, |i| BASES[i].1))
}

/// Folds text for accent-insensitive matching; see the module documentation.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    let mut push = |b: char, out: &mut String| {
        if b.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(b);
        } else {
            pending_space = true;
        }
    };
    for c in text.chars() {
        if c.is_ascii() {
            push(c.to_ascii_lowercase(), &mut out);
        } else {
            for lower in c.to_lowercase() {
                if let Some(b) = base(lower) {
                    push(b, &mut out);
                }
            }
        }
    }
    out
}

/// Trims and collapses inner whitespace, keeping the marks: for names and titles people typed.
pub fn tidy(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_marks_and_d() {
        assert_eq!(fold("Sầu riêng Ri6"), "sau rieng ri6");
        assert_eq!(fold("SẦU RIÊNG"), "sau rieng");
        assert_eq!(fold("Đinh Lạc, Di Linh"), "dinh lac di linh");
        assert_eq!(fold("Mắc-ca  nhân"), "mac ca nhan");
    }

    #[test]
    fn folds_decomposed_input_like_precomposed() {
        let decomposed = "Sa\u{0302}\u{0300}u rie\u{0302}ng";
        assert_eq!(fold(decomposed), "sau rieng");
    }

    #[test]
    fn tidy_keeps_marks() {
        assert_eq!(tidy("  Cà   phê  nhân "), "Cà phê nhân");
    }
}
