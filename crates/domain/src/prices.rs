//! Farm-gate price history: the reference the office compares sales prices with.
//!
//! Read from `data/prices.toml` (compiled in, parsed once). Points are sparse and dated; the
//! reference for a day is the latest point seen on or before it.

use serde::Deserialize;
use std::sync::OnceLock;
use time::Date;

/// One dated price seen for a crop (and a form or variety when the source named one).
#[derive(Debug, Clone, Deserialize)]
pub struct PricePoint {
    pub crop: String,
    #[serde(default)]
    pub form: Option<String>,
    #[serde(default)]
    pub variety: Option<String>,
    /// The price, or the middle of a range.
    pub vnd_per_kg: i64,
    #[serde(default)]
    pub vnd_per_kg_min: Option<i64>,
    #[serde(default)]
    pub vnd_per_kg_max: Option<i64>,
    #[serde(deserialize_with = "iso_date")]
    pub seen: Date,
    /// What the source said about the date ("2024 peak").
    pub seen_text: String,
}

fn iso_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    let text = String::deserialize(d)?;
    crate::listing::parse_date(&text).ok_or_else(|| serde::de::Error::custom(format!("not an ISO date: {text}")))
}

#[derive(Deserialize)]
struct PricesFile {
    price: Vec<PricePoint>,
}

/// Every price point, oldest first.
pub fn history() -> &'static [PricePoint] {
    static DATA: OnceLock<Vec<PricePoint>> = OnceLock::new();
    DATA.get_or_init(|| {
        let file: PricesFile = toml::from_str(include_str!("../data/prices.toml")).expect("data/prices.toml");
        let mut points = file.price;
        points.sort_by_key(|p| p.seen);
        points
    })
}

/// The latest price of `crop` seen on or before `day`; when several points share that day
/// (durian varieties), the lowest, since the office compares against what a farmer could get
/// at the least.
pub fn reference_price(crop: &str, day: Date) -> Option<&'static PricePoint> {
    let points = history().iter().filter(|p| p.crop == crop && p.seen <= day);
    let latest = points.clone().map(|p| p.seen).max()?;
    points.filter(|p| p.seen == latest).min_by_key(|p| p.vnd_per_kg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::parse_date;

    #[test]
    fn the_reference_is_the_latest_point_before_the_day() {
        assert!(history().len() >= 9);
        let day = |s| parse_date(s).unwrap();
        assert_eq!(reference_price("coffee", day("2025-10-01")).unwrap().vnd_per_kg, 118_500);
        assert_eq!(reference_price("coffee", day("2026-01-05")).unwrap().vnd_per_kg, 95_000);
        assert_eq!(reference_price("durian", day("2025-01-01")).unwrap().vnd_per_kg, 135_000);
        assert_eq!(reference_price("macadamia", day("2026-03-01")).unwrap().vnd_per_kg, 70_000);
        assert!(reference_price("coffee", day("2010-01-01")).is_none());
        assert!(reference_price("pepper", day("2026-01-01")).is_none());
    }
}
