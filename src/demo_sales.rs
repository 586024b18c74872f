//! A season of sales for the demo and the sales benchmark: offline sales to traders (most of
//! the volume), postmart orders and voso sales estimated from page counts, at prices around
//! each listing's own (which follow the price history), over the last months. Deterministic.

use crate::rng::Rng;
use nongsan_domain::sales::{Channel, Source};
use nongsan_store::{HistoricSale, Listing, Store};
use time::Date;

/// What a generated sale needs to know about the listing it sells.
#[derive(Debug, Clone)]
pub struct Offer {
    pub listing_id: i64,
    pub farmer_id: i64,
    pub crop: String,
    pub commune: String,
    pub legacy_commune: String,
    pub price_vnd_per_kg: i64,
}

impl From<&Listing> for Offer {
    fn from(l: &Listing) -> Offer {
        Offer {
            listing_id: l.id,
            farmer_id: l.farmer_id,
            crop: l.fields.crop.clone(),
            commune: l.commune.clone().unwrap_or_default(),
            legacy_commune: l.legacy_commune.clone().unwrap_or_default(),
            price_vnd_per_kg: l.fields.price_vnd_per_kg,
        }
    }
}

/// `n` sales of `offers` on days up to `days` before `today`, references prefixed `prefix`.
pub fn synthetic_sales(rng: &mut Rng, offers: &[Offer], n: usize, today: Date, days: i64, prefix: &str) -> Vec<HistoricSale> {
    let mut out = Vec::with_capacity(n);
    if offers.is_empty() {
        return out;
    }
    for i in 0..n {
        let offer = rng.pick(offers);
        // Seven in ten sales go to traders at the farm gate; marketplaces sell small packs.
        let (channel, source, kg) = match rng.below(10) {
            0..=6 => (Channel::Direct, Source::Manual, rng.range(5, 200) as f64 * 10.0),
            7 | 8 => (Channel::Postmart, Source::Order, rng.range(1, 30) as f64),
            _ => (Channel::Voso, Source::Observation, [1.0, 2.0, 5.0][rng.below(3)] * rng.range(1, 4) as f64),
        };
        // Prices move around the listing's own, by up to ±12 %, in steps of 500 đồng.
        let factor = 0.88 + rng.below(25) as f64 / 100.0;
        let price = ((offer.price_vnd_per_kg as f64 * factor) as i64 / 500 * 500).max(1_000);
        out.push(HistoricSale {
            listing_id: Some(offer.listing_id),
            farmer_id: offer.farmer_id,
            channel,
            source,
            external_ref: format!("{prefix}{i}"),
            quantity_kg: kg,
            unit_price_vnd: price,
            total_vnd: (kg * price as f64).round() as i64,
            sale_date: today - time::Duration::days(rng.range(0, days - 1)),
            estimated: source == Source::Observation,
            crop: offer.crop.clone(),
            commune: offer.commune.clone(),
            legacy_commune: offer.legacy_commune.clone(),
        });
    }
    out
}

/// Loads about three thousand sales of the demo's approved listings over the last five months.
pub async fn seed_sales(store: &Store, listings: &[Listing], today: Date) -> anyhow::Result<u64> {
    let offers: Vec<Offer> = listings.iter().map(Offer::from).collect();
    let mut rng = Rng(0x5EED_5A1E_2025_0001);
    let sales = synthetic_sales(&mut rng, &offers, 3000, today, 150, "demo:");
    Ok(store.load_sales_history(&sales).await?)
}
