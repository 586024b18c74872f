//! Product page slugs the way postmart.vn writes them: lowercase ASCII words joined by dashes.

/// `"Sầu riêng Ri6 - hộp 5kg"` becomes `"sau-rieng-ri6-hop-5kg"`.
pub(crate) fn slug(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for c in title.chars().flat_map(char::to_lowercase) {
        // Decomposed text (base letter + combining mark) is common from phone keyboards; the
        // mark alone must not split a word.
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue;
        }
        let c = deaccent(c);
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// The base letter of a lowercase Vietnamese letter; anything else is returned unchanged.
fn deaccent(c: char) -> char {
    const GROUPS: [(char, &str); 7] = [
        ('a', "àáảãạăằắẳẵặâầấẩẫậ"),
        ('e', "èéẻẽẹêềếểễệ"),
        ('i', "ìíỉĩị"),
        ('o', "òóỏõọôồốổỗộơờớởỡợ"),
        ('u', "ùúủũụưừứửữự"),
        ('y', "ỳýỷỹỵ"),
        ('d', "đ"),
    ];
    GROUPS.iter().find(|(_, accented)| accented.contains(c)).map_or(c, |(base, _)| *base)
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn vietnamese_titles_become_ascii_slugs() {
        assert_eq!(slug("Sầu riêng Ri6 - hộp 5kg"), "sau-rieng-ri6-hop-5kg");
        assert_eq!(slug("Cà phê Robusta Di Linh (1kg)"), "ca-phe-robusta-di-linh-1kg");
        assert_eq!(slug("ĐẶC SẢN Đà Lạt: Mắc-ca sấy"), "dac-san-da-lat-mac-ca-say");
        assert_eq!(slug("  --  "), "");
        assert_eq!(slug("Ca\u{300} phe\u{302}"), "ca-phe");
    }
}
