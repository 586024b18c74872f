//! Product page slugs the way postmart.vn writes them: lowercase ASCII words joined by dashes.

/// `"Sầu riêng Ri6 - hộp 5kg"` becomes `"sau-rieng-ri6-hop-5kg"`: the catalogue's folding (marks
/// off, đ as d), ASCII letters and digits only.
pub(crate) fn slug(title: &str) -> String {
    let folded = nongsan_domain::text::fold(title);
    let words = folded.split(' ').map(|w| w.chars().filter(char::is_ascii_alphanumeric).collect::<String>());
    words.filter(|w| !w.is_empty()).collect::<Vec<_>>().join("-")
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
