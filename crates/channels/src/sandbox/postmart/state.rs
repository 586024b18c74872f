//! What the sandbox remembers.

use serde::Serialize;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A product as the sandbox stores it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SandboxProduct {
    pub id: i64,
    pub sku: String,
    pub title: String,
    pub description: String,
    pub category_id: Option<i64>,
    pub price_vnd: i64,
    pub stock_kg: i64,
    pub image_urls: Vec<String>,
    pub on_sale: bool,
    pub url: String,
}

/// One platform request as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SandboxRequest {
    pub method: String,
    pub path: String,
    pub at_unix_ms: i64,
}

/// A failure a real platform shows, injected on demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Handles the request, then holds the answer back this long.
    Slow(Duration),
    /// HTTP 429 with `Retry-After: <secs>` and envelope code 429.
    TooManyRequests { retry_after_secs: u64 },
    /// HTTP 500 with envelope code 500; the request is not handled.
    ServerError,
    /// HTTP 200 with an HTML maintenance page, as a captive proxy serves it.
    HtmlErrorPage,
    /// HTTP 200, `application/json`, and a body cut off mid-way.
    MalformedBody,
    /// HTTP 401 with envelope code 401, "token expired", for this request only.
    ExpiredCredential,
    /// Handles the request (a create is stored), then answers a gateway's 502 page instead.
    CreateAnswerLost,
    /// HTTP 200 with an envelope whose `code` is one no contract defines.
    WrongEnvelopeCode,
}

/// A fault waiting for matching requests.
pub(super) struct Armed {
    pub path: Option<String>,
    pub fault: Fault,
    pub remaining: u32,
}

/// An order as the sandbox stores it.
pub(super) struct SandboxOrder {
    pub order_sn: String,
    pub sku: String,
    pub quantity: f64,
    pub unit_price_vnd: i64,
    pub total_vnd: i64,
    pub state: i64,
    pub added_at: i64,
    pub updated_at: i64,
}

pub(super) struct State {
    pub token: String,
    pub token_expired: bool,
    pub down: bool,
    pub products: Vec<SandboxProduct>,
    pub orders: Vec<SandboxOrder>,
    pub requests: Vec<SandboxRequest>,
    pub faults: Vec<Armed>,
    pub category_ids: Vec<i64>,
    pub next_goods_id: i64,
    pub images_uploaded: u64,
}

impl State {
    pub fn new(token: &str) -> Self {
        Self {
            token: token.to_owned(),
            token_expired: false,
            down: false,
            products: Vec::new(),
            orders: Vec::new(),
            requests: Vec::new(),
            faults: Vec::new(),
            category_ids: category_ids(),
            next_goods_id: 43001,
            images_uploaded: 0,
        }
    }

    /// Consumes one use of the first armed fault that matches `path`.
    pub fn take_fault(&mut self, path: &str) -> Option<Fault> {
        let armed = self.faults.iter_mut().find(|a| a.remaining > 0 && a.path.as_deref().is_none_or(|p| path.contains(p)))?;
        armed.remaining -= 1;
        let fault = armed.fault.clone();
        self.faults.retain(|a| a.remaining > 0);
        Some(fault)
    }

    pub fn add_order(&mut self, sku: &str, quantity: f64, unit_price_vnd: i64) -> String {
        let now = unix_ms() / 1000;
        let order_sn = (250_301_000_001 + self.orders.len() as i64).to_string();
        let total_vnd = (quantity * unit_price_vnd as f64).round() as i64;
        self.orders.push(SandboxOrder {
            order_sn: order_sn.clone(),
            sku: sku.to_owned(),
            quantity,
            unit_price_vnd,
            total_vnd,
            state: 20,
            added_at: now,
            updated_at: now,
        });
        order_sn
    }
}

pub(super) fn unix_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// The ids a create may name as `gc_id`; the fixture is ours, checked by the tests.
fn category_ids() -> Vec<i64> {
    let parsed: serde_json::Value = serde_json::from_str(super::CATEGORIES_FIXTURE).unwrap_or_default();
    let rows = parsed.get("result").and_then(serde_json::Value::as_array).cloned().unwrap_or_default();
    rows.iter().filter_map(|row| row.get("gc_id").and_then(serde_json::Value::as_i64)).collect()
}
