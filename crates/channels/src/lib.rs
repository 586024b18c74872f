//! Talking to marketplaces: publishing nongsan listings to them, reading back what they show,
//! and fetching the orders they take.
//!
//! This crate owns the vocabulary every channel shares ([`Product`], [`Remote`], [`Order`],
//! [`ChannelError`]), one client per marketplace (API mode; today [`postmart`]), and an in-memory
//! contract sandbox per marketplace ([`sandbox`]) that tests and demos run the real clients
//! against. voso has no seller API: [`voso`] reads its public pages instead. Nothing here touches the database: callers store what comes back.

mod channel;
mod error;
pub mod postmart;
pub mod sandbox;
pub mod secret;
mod slug;
pub mod voso;

pub use channel::{Category, Channel};
pub use error::ChannelError;

/// What nongsan wants a marketplace to show for one listing.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Product {
    /// Stable seller SKU, e.g. "NS-12-3" (listing 12, channel account 3): the key that finds a
    /// product again after a write whose outcome is unknown.
    pub sku: String,
    pub title: String,
    pub description: String,
    /// Marketplace category (`gc_id` on postmart).
    pub category_id: Option<i64>,
    /// Price per kilogram.
    pub price_vnd: i64,
    /// Whole kilograms available.
    pub stock_kg: i64,
    pub images: Vec<Image>,
}

/// One photo of a product, as JPEG bytes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Image {
    pub file_name: String,
    /// Skipped by serde: a product is serialised for logs and job payloads, where bytes do not
    /// belong; the caller loads them from the photo store just before publishing.
    #[serde(skip)]
    pub jpeg: Vec<u8>,
}

/// A product as the marketplace knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Remote {
    pub external_id: String,
    /// The public product page, when known.
    pub url: Option<String>,
    pub price_vnd: Option<i64>,
    pub stock_kg: Option<i64>,
    pub on_sale: bool,
}

/// One order line as fetched; the caller stores `raw` as it came.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub external_id: String,
    pub sku: Option<String>,
    pub quantity: f64,
    pub unit_price_vnd: i64,
    pub total_vnd: i64,
    pub status: String,
    /// Unix seconds.
    pub placed_at: i64,
    pub raw: serde_json::Value,
}

/// Orders fetched since a cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct OrdersPage {
    pub orders: Vec<Order>,
    /// Pass back on the next call. `None` means caught up: keep the cursor you had.
    pub next_cursor: Option<String>,
}
