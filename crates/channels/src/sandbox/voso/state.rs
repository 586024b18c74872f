//! What the voso sandbox remembers.

use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

/// A product on the sandbox's one shop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SandboxProduct {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub price_vnd: i64,
    pub list_price_vnd: Option<i64>,
    /// `None`: the page shows no sales (as for a new product).
    pub sold_count: Option<i64>,
    pub available: bool,
    pub rating: Option<f64>,
    pub review_count: Option<i64>,
    /// Removed by the seller: its page answers 404.
    pub removed: bool,
    /// The path of its page, e.g. `/sau-rieng-ri6-p12701.html`.
    pub path: String,
}

/// A product to create; what is left out is not shown on its page.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewProduct {
    pub title: String,
    pub description: String,
    pub price_vnd: i64,
    pub list_price_vnd: Option<i64>,
    pub sold_count: Option<i64>,
    /// In stock unless said otherwise.
    pub available: Option<bool>,
    pub rating: Option<f64>,
    pub review_count: Option<i64>,
}

/// A change to a product, as a seller or buyers make it; what is left out stays.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProductEdit {
    pub price_vnd: Option<i64>,
    pub list_price_vnd: Option<i64>,
    pub sold_count: Option<i64>,
    pub available: Option<bool>,
    pub rating: Option<f64>,
    pub review_count: Option<i64>,
    pub removed: Option<bool>,
}

/// One page request as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SandboxRequest {
    pub path: String,
    pub user_agent: String,
    pub at_unix_ms: i64,
}

pub(super) struct State {
    pub products: Vec<SandboxProduct>,
    pub requests: Vec<SandboxRequest>,
    pub next_id: i64,
    /// Product pages in a redesigned layout that the documented selectors miss.
    pub drift: bool,
    /// Pages answered as JSON instead of HTML.
    pub non_html: bool,
    pub robots: String,
    /// The next `n` page requests answer this HTTP status.
    pub failures: Option<(u16, u32)>,
}

/// What the sandbox's robots.txt says unless a test changes it.
pub const DEFAULT_ROBOTS: &str = "User-agent: *\nDisallow: /cart\nDisallow: /checkout\nDisallow: /_sandbox/\n";

impl State {
    pub fn new() -> State {
        State {
            products: Vec::new(),
            requests: Vec::new(),
            next_id: 12701,
            drift: false,
            non_html: false,
            robots: DEFAULT_ROBOTS.to_owned(),
            failures: None,
        }
    }

    pub fn product(&self, id: i64) -> Option<&SandboxProduct> {
        self.products.iter().find(|p| p.id == id)
    }

    pub fn add(&mut self, new: NewProduct) -> SandboxProduct {
        let id = self.next_id;
        self.next_id += 1;
        let slug = crate::slug::slug(&new.title);
        let product = SandboxProduct {
            id,
            path: format!("/{}-p{id}.html", if slug.is_empty() { "san-pham" } else { slug.as_str() }),
            title: new.title,
            description: new.description,
            price_vnd: new.price_vnd,
            list_price_vnd: new.list_price_vnd,
            sold_count: new.sold_count,
            available: new.available.unwrap_or(true),
            rating: new.rating,
            review_count: new.review_count,
            removed: false,
        };
        self.products.push(product.clone());
        product
    }

    pub fn edit(&mut self, id: i64, edit: &ProductEdit) -> Option<SandboxProduct> {
        let product = self.products.iter_mut().find(|p| p.id == id)?;
        if let Some(v) = edit.price_vnd {
            product.price_vnd = v;
        }
        if edit.list_price_vnd.is_some() {
            product.list_price_vnd = edit.list_price_vnd;
        }
        if edit.sold_count.is_some() {
            product.sold_count = edit.sold_count;
        }
        if let Some(v) = edit.available {
            product.available = v;
        }
        if edit.rating.is_some() {
            product.rating = edit.rating;
        }
        if edit.review_count.is_some() {
            product.review_count = edit.review_count;
        }
        if let Some(v) = edit.removed {
            product.removed = v;
        }
        Some(product.clone())
    }
}

pub(super) fn unix_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}
