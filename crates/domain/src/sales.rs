//! Sales: where a sale came from, the offline-sale form's rules, and reading a pack size
//! ("hộp 5kg", "Combo 2 kg") out of a marketplace title.

use crate::errors::FieldErrors;
use crate::quantity::{self, Unit};
use serde::Serialize;
use time::Date;

/// Where a sale was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Postmart,
    Voso,
    /// Offline: a trader at the farm gate, a neighbour, a shop.
    Direct,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Postmart, Channel::Voso, Channel::Direct];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Postmart => "postmart",
            Channel::Voso => "voso",
            Channel::Direct => "direct",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Sold through a marketplace, which is what the district's digital push counts.
    pub fn is_online(self) -> bool {
        self != Channel::Direct
    }
}

/// How a sale reached the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A marketplace order.
    Order,
    /// Growth of the sold count on a marketplace page: quantity estimated.
    Observation,
    /// Typed by the farmer or a helper.
    Manual,
}

impl Source {
    pub const ALL: [Source; 3] = [Source::Order, Source::Observation, Source::Manual];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Order => "order",
            Source::Observation => "observation",
            Source::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The Monday of the week of `day`: weeks in reports start on Monday, as in Vietnam.
pub fn week_start(day: Date) -> Date {
    day - time::Duration::days(i64::from(day.weekday().number_days_from_monday()))
}

/// The kilograms one unit sold on a marketplace page weighs, read from its title: "hộp 5kg"
/// is 5, "Combo 2 kg" is 2, "túi 500g" is 0.5, "2 x 500g" is 1. `None` when the title names
/// no weight (the caller then assumes 1 kg and marks the sale estimated).
pub fn pack_kg(title: &str) -> Option<f64> {
    // Keep decimal separators between digits ("1,5 kg"); everything else that is not a letter
    // or a digit separates words.
    let chars: Vec<char> = title.to_lowercase().chars().collect();
    let mut cleaned = String::with_capacity(title.len());
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = i > 0 && chars[i - 1].is_ascii_digit() && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c.is_alphanumeric() {
            cleaned.push(c);
        } else if (c == ',' || c == '.') && between_digits {
            cleaned.push('.');
        } else {
            cleaned.push(' ');
        }
    }
    let tokens: Vec<&str> = cleaned.split_whitespace().collect();
    for (i, token) in tokens.iter().enumerate() {
        let Some((count, number, rest)) = split_number(token) else { continue };
        // "5kg" in one token, or "5" followed by "kg".
        let unit = if rest.is_empty() { tokens.get(i + 1).copied().unwrap_or("") } else { rest };
        let per_unit = match crate::text::fold(unit).as_str() {
            "kg" | "kgs" | "ki" | "ky" | "kilo" | "kilogram" => number,
            "g" | "gr" | "gam" | "gram" => number / 1000.0,
            "yen" => number * Unit::Yen.kg(),
            "ta" => number * Unit::Ta.kg(),
            _ => continue,
        };
        // "2 x 500g": a count of packs before the weight.
        let count = if count == 1.0 && i >= 2 && tokens[i - 1] == "x" { tokens[i - 2].parse().unwrap_or(1.0) } else { count };
        let kg = quantity::round_kg(per_unit * count);
        if kg > 0.0 {
            return Some(kg);
        }
    }
    None
}

/// A token's leading number, with a pack count when it reads "3x250": (count, number, rest).
fn split_number(token: &str) -> Option<(f64, f64, &str)> {
    let number_end = |s: &str| s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let end = number_end(token);
    if end == 0 {
        return None;
    }
    let first: f64 = token[..end].parse().ok()?;
    let rest = &token[end..];
    if let Some(after) = rest.strip_prefix('x') {
        let end2 = number_end(after);
        if end2 > 0 {
            let second: f64 = after[..end2].parse().ok()?;
            return Some((first, second, &after[end2..]));
        }
    }
    Some((1.0, first, rest))
}

/// The offline-sale form as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawSale {
    pub listing_id: String,
    pub quantity: String,
    pub unit: String,
    pub price_vnd_per_kg: String,
    pub sale_date: String,
    pub buyer_note: String,
}

/// A checked offline sale.
#[derive(Debug, Clone, PartialEq)]
pub struct SaleInput {
    pub listing_id: i64,
    pub quantity_kg: f64,
    pub unit_price_vnd: i64,
    pub sale_date: Date,
    pub buyer_note: String,
}

/// How far back an offline sale may be dated: last season, not a typo of the year.
pub const MAX_SALE_AGE_DAYS: i64 = 400;
pub const MAX_BUYER_NOTE_CHARS: usize = 200;

impl RawSale {
    /// Checks every field; `today` is the day in Vietnam.
    pub fn validate(&self, today: Date) -> Result<SaleInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let listing_id = match self.listing_id.trim().parse::<i64>() {
            Ok(id) if id > 0 => id,
            _ if self.listing_id.trim().is_empty() => {
                errors.add("listing_id", "err.required");
                0
            }
            _ => {
                errors.add("listing_id", "err.sale.listing");
                0
            }
        };
        let quantity_kg = quantity::read_kg(&self.quantity, &self.unit, &mut errors);
        let price = quantity::read_price_per_kg(&self.price_vnd_per_kg, crate::listing::MIN_PRICE_VND_PER_KG, &mut errors);
        let sale_date = if self.sale_date.trim().is_empty() {
            today
        } else {
            match crate::listing::parse_date(&self.sale_date) {
                None => {
                    errors.add("sale_date", "err.date.invalid");
                    today
                }
                Some(d) if d > today => {
                    errors.add("sale_date", "err.sale.date_future");
                    today
                }
                Some(d) if (today - d).whole_days() > MAX_SALE_AGE_DAYS => {
                    errors.add("sale_date", "err.sale.date_too_old");
                    today
                }
                Some(d) => d,
            }
        };
        let buyer_note = crate::text::tidy(&self.buyer_note);
        if buyer_note.chars().count() > MAX_BUYER_NOTE_CHARS {
            errors.add("buyer_note", "err.sale.note_too_long");
        }
        errors.into_result(SaleInput { listing_id, quantity_kg, unit_price_vnd: price, sale_date, buyer_note })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::parse_date;

    #[test]
    fn packs_are_read_from_titles() {
        assert_eq!(pack_kg("Sầu riêng Ri6 - hộp 5kg"), Some(5.0));
        assert_eq!(pack_kg("Combo 2 kg mắc ca sấy"), Some(2.0));
        assert_eq!(pack_kg("Cà phê rang xay túi 500g"), Some(0.5));
        assert_eq!(pack_kg("Mắc ca 2 x 500g"), Some(1.0));
        assert_eq!(pack_kg("Mắc ca 3x250gr"), Some(0.75));
        assert_eq!(pack_kg("Cà phê nhân 1,5 kg"), Some(1.5));
        assert_eq!(pack_kg("Sầu riêng Ri6 Di Linh"), None);
        assert_eq!(pack_kg("Cà phê Robusta TR9"), None);
    }

    #[test]
    fn weeks_start_on_monday() {
        let d = parse_date("2025-11-30").unwrap(); // a Sunday
        assert_eq!(week_start(d), parse_date("2025-11-24").unwrap());
        assert_eq!(week_start(parse_date("2025-11-24").unwrap()), parse_date("2025-11-24").unwrap());
    }

    #[test]
    fn an_offline_sale_accepts_farmers_units_and_refuses_nonsense() {
        let today = parse_date("2025-12-01").unwrap();
        let raw = RawSale {
            listing_id: "7".into(),
            quantity: "2,5".into(),
            unit: "tạ".into(),
            price_vnd_per_kg: "95.000".into(),
            sale_date: "2025-11-30".into(),
            buyer_note: "  thương lái  Hòa ".into(),
        };
        let sale = raw.validate(today).unwrap();
        assert_eq!(sale.quantity_kg, 250.0);
        assert_eq!(sale.unit_price_vnd, 95_000);
        assert_eq!(sale.buyer_note, "thương lái Hòa");
        let bad = RawSale {
            listing_id: "x".into(),
            quantity: "-1".into(),
            unit: "bao".into(),
            price_vnd_per_kg: "95.5".into(),
            sale_date: "2025-13-01".into(),
            buyer_note: String::new(),
        };
        let errors = bad.validate(today).unwrap_err();
        for field in ["listing_id", "quantity", "unit", "price_vnd_per_kg", "sale_date"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        let future = RawSale { sale_date: "2025-12-02".into(), ..raw };
        assert_eq!(future.validate(today).unwrap_err().get("sale_date"), Some("err.sale.date_future"));
    }
}
