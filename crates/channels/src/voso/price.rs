//! Prices and packs as voso.vn writes them.
//!
//! Cards write `215,000₫` (comma for thousands), product pages `100.000đ` (dot), the RDFa
//! block a plain `199000`. A price the page does not show, or shows as zero ("Liên hệ",
//! "0đ"), is unknown: `None`, never 0.

use nongsan_domain::text::fold;

/// Longest run of digits a VND price can have (a trillion dong is not a farm product).
const MAX_DIGITS: usize = 13;

/// The whole-dong amount in `text`: the first number in it, with `.`, `,` or spaces as
/// thousands separators, a currency sign (₫, đ, VND) anywhere around it, and a decimal part
/// (`199000.00`) dropped. `None` when there is no positive amount.
pub fn parse_vnd(text: &str) -> Option<i64> {
    let groups = number_groups(text)?;
    let mut groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    // "199000.00" or "199000.5": a decimal part, not a thousands group.
    if groups.len() > 1 && groups.last().is_some_and(|g| g.len() < 3) {
        groups.pop();
    }
    // Thousands groups are exactly three digits; anything else is not a price we understand.
    if groups.iter().skip(1).any(|g| g.len() != 3) {
        return None;
    }
    let digits: String = groups.concat();
    if digits.is_empty() || digits.len() > MAX_DIGITS {
        return None;
    }
    digits.parse::<i64>().ok().filter(|v| *v > 0)
}

/// The first number of `text` split at its separators: `"1.250.000 đ"` → `["1", "250", "000"]`.
fn number_groups(text: &str) -> Option<Vec<String>> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let mut groups = vec![String::new()];
    let mut chars = text[start..].chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            groups.last_mut()?.push(c);
        } else if matches!(c, '.' | ',' | ' ' | '\u{a0}' | '\u{202f}') && chars.peek().is_some_and(char::is_ascii_digit) {
            groups.push(String::new());
        } else {
            break;
        }
    }
    Some(groups)
}

/// A count as pages write it: `6`, `2118`, `2.118`, `1,2k` (1200). `None` when there is none.
pub fn parse_count(text: &str) -> Option<i64> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let rest = &text[start..];
    let end = rest.find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ','))).unwrap_or(rest.len());
    let number = rest[..end].trim_end_matches(['.', ',']);
    let suffix = rest[end..].trim_start().chars().next().map(|c| c.to_ascii_lowercase());
    let scale = match suffix {
        Some('k') => 1_000.0,
        _ => 1.0,
    };
    if scale > 1.0 {
        // "1,2k" and "1.2k": a decimal mark before a multiplier.
        let value: f64 = number.replace(',', ".").parse().ok()?;
        return Some((value * scale).round() as i64);
    }
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if digits.len() > MAX_DIGITS {
        return None;
    }
    digits.parse().ok()
}

/// The weight of one pack named in a title, in kg: "hộp 5kg" → 5, "Combo 2 kg" → 2,
/// "túi 500g" → 0.5, "1 yến" → 10. The last weight named wins (voso titles end with the pack).
pub fn pack_kg(title: &str) -> Option<f64> {
    let words: Vec<String> = fold(&title.replace(',', ".")).split(' ').map(str::to_owned).collect();
    let mut found = None;
    for (i, word) in words.iter().enumerate() {
        let (number, unit) = split_number(word);
        let (number, unit) = match (number, unit) {
            (Some(n), Some(u)) => (n, u.to_owned()),
            (Some(n), None) => match words.get(i + 1) {
                Some(next) => (n, next.clone()),
                None => continue,
            },
            _ => continue,
        };
        let kg_per_unit = match unit.as_str() {
            "kg" | "kgs" | "kilo" | "ky" => 1.0,
            "g" | "gr" | "gram" | "gam" => 0.001,
            "yen" => 10.0,
            "ta" => 100.0,
            "tan" => 1000.0,
            _ => continue,
        };
        if number > 0.0 {
            found = Some(number * kg_per_unit);
        }
    }
    found
}

/// `"5kg"` → (5, "kg"), `"0.5"` → (0.5, none), `"ri6"` → (none, none).
fn split_number(word: &str) -> (Option<f64>, Option<&str>) {
    let end = word.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(word.len());
    if end == 0 {
        return (None, None);
    }
    let number = word[..end].parse().ok();
    let unit = Some(&word[end..]).filter(|u| !u.is_empty());
    (number, unit)
}

/// The price per kg of a product priced `price` for the pack its title names (1 kg when the
/// title names none: the listing package always names it).
pub fn price_per_kg(title: Option<&str>, price: i64) -> i64 {
    let pack = title.and_then(pack_kg).unwrap_or(1.0);
    (price as f64 / pack).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_price_styles_and_the_structured_one_read_as_whole_dong() {
        assert_eq!(parse_vnd("215,000₫"), Some(215_000));
        assert_eq!(parse_vnd("100.000đ"), Some(100_000));
        assert_eq!(parse_vnd(" 1.250.000 đ "), Some(1_250_000));
        assert_eq!(parse_vnd("199000"), Some(199_000));
        assert_eq!(parse_vnd("199000.00"), Some(199_000));
        assert_eq!(parse_vnd("Giá: 85 000 VND"), Some(85_000));
        assert_eq!(parse_vnd("45,5"), Some(45));
    }

    #[test]
    fn no_price_is_unknown_never_zero() {
        assert_eq!(parse_vnd(""), None);
        assert_eq!(parse_vnd("Liên hệ"), None);
        assert_eq!(parse_vnd("0đ"), None);
        assert_eq!(parse_vnd("1.25.000đ"), None, "a group of two digits inside is not a price");
        assert_eq!(parse_vnd("99999999999999999999"), None);
    }

    #[test]
    fn counts_read_with_separators_and_multipliers() {
        assert_eq!(parse_count("6"), Some(6));
        assert_eq!(parse_count("2118 đã bán"), Some(2118));
        assert_eq!(parse_count("2.118"), Some(2118));
        assert_eq!(parse_count("1,2k đã bán"), Some(1200));
        assert_eq!(parse_count("Đã bán"), None);
    }

    #[test]
    fn packs_come_from_the_title() {
        assert_eq!(pack_kg("Sầu riêng Ri6 Di Linh - hộp 5kg"), Some(5.0));
        assert_eq!(pack_kg("Combo 2 kg Mắc ca"), Some(2.0));
        assert_eq!(pack_kg("Cà phê rang xay túi 500g"), Some(0.5));
        assert_eq!(pack_kg("Sầu riêng Ri6 vườn 1 Di Linh – 1 kg"), Some(1.0));
        assert_eq!(pack_kg("Cà phê nhân 1 yến"), Some(10.0));
        assert_eq!(pack_kg("Sầu riêng Ri6 vườn 2"), None);
        assert_eq!(price_per_kg(Some("hộp 5kg"), 500_000), 100_000);
        assert_eq!(price_per_kg(None, 85_000), 85_000);
    }
}
