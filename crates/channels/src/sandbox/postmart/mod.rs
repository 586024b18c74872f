//! The postmart contract sandbox.
//!
//! It serves the documented envelope and `categories/all` exactly as documented (the body is
//! `fixtures/postmart/categories_all.json`, a farm-produce tree under "Thực Phẩm - Đặc sản",
//! id 782), and implements the provisional calls the way
//! [`crate::postmart::provisional`] assumes them: correct one, correct both.
//!
//! Like a platform, it checks the bearer token (a wrong one answers HTTP 401 with envelope code
//! 401, and deliberately echoes the token back, so that the client's redaction is exercised),
//! validates products (missing title, SKU or price: code 422), numbers products from 43001 and
//! gives them `https://postmart.vn/p/<slug>-<id>.html` URLs. Business errors come as HTTP 200
//! with a non-200 envelope code; prices come back as decimal strings (`"120000.00"`), as
//! DSMall sends them. Duplicate SKUs are accepted and kept, as a careless platform would.
//!
//! # Control endpoints
//! Not authenticated, never faulted, not recorded; for driving a sandbox run as its own process:
//! - `GET /_sandbox/products`: every product created, in order, duplicates included.
//! - `GET /_sandbox/requests`: every platform request received: method, path, `at_unix_ms`.
//! - `POST /_sandbox/fault` with `{"kind": K, "times": N, "path": P, "millis": MS,
//!   "retry_after_secs": S}`: the next N requests whose path contains P (any path when P is
//!   absent) get fault K, one of `slow` (with `millis`), `too_many_requests` (with
//!   `retry_after_secs`), `server_error`, `html_error_page`, `malformed_body`,
//!   `expired_credential`, `create_answer_lost`, `wrong_envelope_code`.
//! - `POST /_sandbox/down`, `POST /_sandbox/up`: start and end an outage (every request 503).
//! - `POST /_sandbox/expire-token`: the token stops working for good.
//! - `POST /_sandbox/orders` with `{"sku": S, "quantity": Q, "unit_price_vnd": P}`: a buyer
//!   orders; answers `{"order_sn": …}`.
//! - `POST /_sandbox/price` with `{"external_id": ID, "price_vnd": P}`: a seller-centre edit.
//!
//! For example: `curl -X POST localhost:8787/_sandbox/fault -d '{"kind":"server_error","times":2}'`.

mod api;
mod control;
mod gate;
mod state;

pub use state::{Fault, SandboxProduct, SandboxRequest};

use state::{Armed, State};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The documented categories response body, served byte for byte.
pub const CATEGORIES_FIXTURE: &str = include_str!("../../../../../fixtures/postmart/categories_all.json");

/// An in-memory postmart; clones share the same state.
#[derive(Clone)]
pub struct PostmartSandbox {
    state: Arc<Mutex<State>>,
}

impl PostmartSandbox {
    /// A sandbox whose one valid credential is `token`.
    pub fn new(token: &str) -> Self {
        Self { state: Arc::new(Mutex::new(State::new(token))) }
    }

    // A handler that panicked mid-update leaves state no worse than a half-applied request on a
    // real platform; carrying on keeps the other tests and the demo running.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The platform API and the control endpoints.
    pub fn router(&self) -> axum::Router {
        api::router()
            .layer(axum::middleware::from_fn_with_state(self.clone(), gate::gate))
            .merge(control::router())
            .with_state(self.clone())
    }

    /// Serves on `addr` (port 0 picks a free one) in a background task; returns the address
    /// bound.
    pub async fn spawn(&self, addr: SocketAddr) -> std::io::Result<SocketAddr> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let router = self.router();
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                tracing::error!(%error, "postmart sandbox stopped");
            }
        });
        Ok(bound)
    }

    /// Every product created, in creation order, duplicates included.
    pub fn products(&self) -> Vec<SandboxProduct> {
        self.lock().products.clone()
    }

    /// Every platform request received, in order.
    pub fn requests(&self) -> Vec<SandboxRequest> {
        self.lock().requests.clone()
    }

    /// The next `times` platform requests get `fault`.
    pub fn inject(&self, fault: Fault, times: u32) {
        self.lock().faults.push(Armed { path: None, fault, remaining: times });
    }

    /// The next `times` requests whose path contains `path` (e.g. `"products/create"`) get
    /// `fault`; other requests pass untouched.
    pub fn inject_on(&self, path: &str, fault: Fault, times: u32) {
        self.lock().faults.push(Armed { path: Some(path.to_owned()), fault, remaining: times });
    }

    /// An outage: every platform request answers 503 until called with `false`.
    pub fn set_down(&self, down: bool) {
        self.lock().down = down;
    }

    /// The token stops working: requests carrying it get envelope code 401, "expired".
    pub fn expire_token(&self) {
        self.lock().token_expired = true;
    }

    /// A buyer orders `quantity` kg of `sku`; returns the new `order_sn`.
    pub fn add_order(&self, sku: &str, quantity: f64, unit_price_vnd: i64) -> String {
        self.lock().add_order(sku, quantity, unit_price_vnd)
    }

    /// The seller changed the price in the seller centre, behind nongsan's back.
    pub fn edit_price_on_platform(&self, external_id: &str, price: i64) {
        let mut state = self.lock();
        if let Some(product) = state.products.iter_mut().find(|p| p.id.to_string() == external_id) {
            product.price_vnd = price;
        }
    }
}
