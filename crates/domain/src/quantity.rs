//! Quantities (kg internally, typed in kg, yến, tạ or tấn) and prices (whole VND per kg).

use serde::{Deserialize, Serialize};

/// A unit of weight Vietnamese farmers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    #[default]
    Kg,
    /// yến, 10 kg
    Yen,
    /// tạ, 100 kg
    Ta,
    /// tấn, 1,000 kg
    Tan,
}

impl Unit {
    pub const ALL: [Unit; 4] = [Unit::Kg, Unit::Yen, Unit::Ta, Unit::Tan];

    pub fn kg(self) -> f64 {
        match self {
            Unit::Kg => 1.0,
            Unit::Yen => 10.0,
            Unit::Ta => 100.0,
            Unit::Tan => 1000.0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Kg => "kg",
            Unit::Yen => "yen",
            Unit::Ta => "ta",
            Unit::Tan => "tan",
        }
    }

    /// Accepts the key and the Vietnamese word, with or without marks ("tạ", "ta", "tấn").
    pub fn parse(s: &str) -> Option<Unit> {
        match crate::text::fold(s).as_str() {
            "kg" | "kilogram" | "ky" | "ki" | "can" => Some(Unit::Kg),
            "yen" => Some(Unit::Yen),
            "ta" => Some(Unit::Ta),
            "tan" | "t" => Some(Unit::Tan),
            _ => None,
        }
    }
}

/// The largest quantity one listing may offer (10,000 tấn); more is a typing mistake.
pub const MAX_QUANTITY_KG: f64 = 10_000_000.0;
/// The highest price per kg accepted (100 million VND); more is a typing mistake.
pub const MAX_PRICE_VND_PER_KG: i64 = 100_000_000;

/// Parses a number as people type it: "1,5" and "1.5" are both one and a half;
/// "1.500" with a thousands dot is fifteen hundred only for prices (see [`parse_vnd`]).
pub fn parse_amount(input: &str) -> Option<f64> {
    let cleaned: String = input.trim().chars().filter(|c| !c.is_whitespace()).collect();
    if cleaned.is_empty() {
        return None;
    }
    let normalised = cleaned.replace(',', ".");
    if normalised.matches('.').count() > 1 {
        return None;
    }
    let value: f64 = normalised.parse().ok()?;
    value.is_finite().then_some(value)
}

/// Parses a VND amount: whole đồng, thousands separated by dots, commas or spaces
/// ("95.000", "95,000", "95 000đ"). Decimals are refused: VND has none.
pub fn parse_vnd(input: &str) -> Option<i64> {
    let trimmed = input.trim().trim_end_matches(['đ', 'd', '₫']).trim();
    if trimmed.is_empty() {
        return None;
    }
    let mut digits = String::new();
    for c in trimmed.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '.' | ',' | ' ' => {}
            _ => return None,
        }
    }
    // "95.5" is not a VND amount; separators must split groups of three.
    let groups: Vec<&str> = trimmed.split(['.', ',', ' ']).collect();
    if groups.len() > 1 && groups[1..].iter().any(|g| g.len() != 3) {
        return None;
    }
    digits.parse().ok()
}

/// Rounds kg to grams, so sums and comparisons stay exact enough.
pub fn round_kg(kg: f64) -> f64 {
    (kg * 1000.0).round() / 1000.0
}

/// Formats whole VND the Vietnamese way: 95.000.
pub fn format_vnd(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if amount < 0 { format!("-{out}") } else { out }
}

/// Formats kg without trailing zeros, with a decimal comma: 1.250,5 kg reads "1250,5".
pub fn format_kg(kg: f64) -> String {
    let rounded = round_kg(kg);
    if rounded.fract() == 0.0 {
        format_vnd(rounded as i64)
    } else {
        let whole = rounded.trunc() as i64;
        let frac = format!("{:.3}", rounded.fract());
        format!("{},{}", format_vnd(whole), frac.trim_start_matches("0.").trim_end_matches('0'))
    }
}

/// Reads a typed amount in `unit` (kg when blank) as kilograms, noting what is wrong in
/// `errors` under `quantity` and `unit`. 0 when it cannot be read.
pub fn read_kg(amount: &str, unit: &str, errors: &mut crate::errors::FieldErrors) -> f64 {
    let unit = if unit.trim().is_empty() { Some(Unit::Kg) } else { Unit::parse(unit) };
    if unit.is_none() {
        errors.add("unit", "err.unit.unknown");
    }
    let mut kg = 0.0;
    match parse_amount(amount) {
        _ if amount.trim().is_empty() => errors.add("quantity", "err.required"),
        None => errors.add("quantity", "err.quantity.not_number"),
        Some(q) if q <= 0.0 => errors.add("quantity", "err.quantity.not_positive"),
        Some(q) => {
            kg = round_kg(q * unit.unwrap_or_default().kg());
            if kg > MAX_QUANTITY_KG {
                errors.add("quantity", "err.quantity.too_large");
            } else if kg < 0.001 {
                errors.add("quantity", "err.quantity.not_positive");
            }
        }
    }
    kg
}

/// Reads a price per kg in whole đồng, noting what is wrong in `errors` under
/// `price_vnd_per_kg`: farm produce never sells below `min`. 0 when it cannot be read.
pub fn read_price_per_kg(input: &str, min: i64, errors: &mut crate::errors::FieldErrors) -> i64 {
    let mut price = 0;
    match parse_vnd(input) {
        _ if input.trim().is_empty() => errors.add("price_vnd_per_kg", "err.required"),
        _ if input.trim().starts_with('-') => errors.add("price_vnd_per_kg", "err.price.not_positive"),
        None => errors.add("price_vnd_per_kg", "err.price.not_whole"),
        Some(p) if p <= 0 => errors.add("price_vnd_per_kg", "err.price.not_positive"),
        Some(p) if p < min => errors.add("price_vnd_per_kg", "err.price.too_low"),
        Some(p) if p > MAX_PRICE_VND_PER_KG => errors.add("price_vnd_per_kg", "err.price.too_high"),
        Some(p) => price = p,
    }
    price
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_convert_to_kg() {
        assert_eq!(Unit::parse("tạ").unwrap().kg() * 3.0, 300.0);
        assert_eq!(Unit::parse("TẤN").unwrap(), Unit::Tan);
        assert_eq!(Unit::parse("yến").unwrap().kg(), 10.0);
        assert_eq!(Unit::parse("kg").unwrap(), Unit::Kg);
        assert!(Unit::parse("bao").is_none());
    }

    #[test]
    fn vnd_accepts_separators_and_refuses_decimals() {
        assert_eq!(parse_vnd("95.000"), Some(95_000));
        assert_eq!(parse_vnd("95,000đ"), Some(95_000));
        assert_eq!(parse_vnd("131200"), Some(131_200));
        assert_eq!(parse_vnd("95.5"), None);
        assert_eq!(parse_vnd("-5"), None);
        assert_eq!(parse_vnd("abc"), None);
        assert_eq!(format_vnd(131_200), "131.200");
    }

    #[test]
    fn amounts_take_a_decimal_comma() {
        assert_eq!(parse_amount("1,5"), Some(1.5));
        assert_eq!(parse_amount("2.25"), Some(2.25));
        assert_eq!(parse_amount("1.2.3"), None);
        assert_eq!(format_kg(1250.5), "1.250,5");
        assert_eq!(format_kg(300.0), "300");
    }
}
