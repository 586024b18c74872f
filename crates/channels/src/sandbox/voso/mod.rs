//! The voso contract sandbox: public pages the way `shared/channels/voso.md` documents them.
//!
//! voso has no seller API, so this sandbox serves what the watcher reads: product pages
//! (`/<slug>-p<id>.html`, RDFa block and visible markup, prices as `100.000đ`), the one shop
//! page ([`SHOP_PATH`], cards with prices as `215,000₫`), voso's 404 page for unknown or
//! removed products, and a robots.txt. Prices, list prices, sold counts, ratings and
//! availability change on request, and switches turn on the failures a scraper meets.
//!
//! # Control endpoints
//! Not recorded, never faulted:
//! - `GET /_sandbox/products`: every product, removed ones included.
//! - `GET /_sandbox/requests`: every public request: path, user agent, `at_unix_ms`.
//! - `POST /_sandbox/products` with `{"title": T, "price_vnd": P, "sold_count": N,
//!   "list_price_vnd": L, "available": B, "rating": R, "review_count": C, "description": D}`
//!   (only title and price required): a new product; answers it, with its `path`.
//! - `POST /_sandbox/products/<id>` with any of `price_vnd`, `list_price_vnd`, `sold_count`,
//!   `available`, `rating`, `review_count`, `removed` (404 page while true).
//! - `POST /_sandbox/drift` and `/_sandbox/non-html` with `{"on": true|false}`: product pages
//!   in a redesigned layout; pages answered as JSON.
//! - `POST /_sandbox/fail` with `{"status": 503, "times": 2}`: the next page requests fail.
//! - `POST /_sandbox/robots` with the new robots.txt as the body.
//! - `GET /_sandbox/seller`: a stand-in for the seller centre (mc.voso.vn), a form that puts a
//!   product on the shop and shows its URL, for demos.
//!
//! For example: `curl -X POST localhost:8092/_sandbox/products/12701 -d '{"sold_count": 9}'`.

mod control;
mod pages;
mod state;

pub use state::{DEFAULT_ROBOTS, NewProduct, ProductEdit, SandboxProduct, SandboxRequest};

use state::State;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The path of the sandbox's one shop page.
pub const SHOP_PATH: &str = "/hop-tac-xa-nong-san-di-linh-s3021";
/// The shop's name, as its pages show it.
pub const SHOP_NAME: &str = "HTX Nông sản Di Linh (sandbox)";

/// An in-memory voso; clones share the same state.
#[derive(Clone)]
pub struct VosoSandbox {
    state: Arc<Mutex<State>>,
}

impl Default for VosoSandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl VosoSandbox {
    /// An empty shop.
    pub fn new() -> Self {
        Self { state: Arc::new(Mutex::new(State::new())) }
    }

    // A handler that panicked mid-update leaves state no worse than a half-applied request;
    // carrying on keeps the other tests and the demo running.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The public pages and the control endpoints.
    pub fn router(&self) -> axum::Router {
        control::router().fallback(axum::routing::get(pages::page)).with_state(self.clone())
    }

    /// Serves on `addr` (port 0 picks a free one) in a background task; returns the address.
    pub async fn spawn(&self, addr: SocketAddr) -> std::io::Result<SocketAddr> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let router = self.router();
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                tracing::error!(%error, "voso sandbox stopped");
            }
        });
        Ok(bound)
    }

    /// Puts a product on the shop.
    pub fn add_product(&self, product: NewProduct) -> SandboxProduct {
        self.lock().add(product)
    }

    /// Changes a product; `None` when there is no such product.
    pub fn edit_product(&self, id: i64, edit: &ProductEdit) -> Option<SandboxProduct> {
        self.lock().edit(id, edit)
    }

    pub fn products(&self) -> Vec<SandboxProduct> {
        self.lock().products.clone()
    }

    /// Every public request received, in order.
    pub fn requests(&self) -> Vec<SandboxRequest> {
        self.lock().requests.clone()
    }

    /// Product pages in a redesigned layout (new class names, no RDFa) while on.
    pub fn set_drift(&self, on: bool) {
        self.lock().drift = on;
    }

    /// Pages answered as JSON instead of HTML while on.
    pub fn set_non_html(&self, on: bool) {
        self.lock().non_html = on;
    }

    /// The next `times` page requests (robots.txt excluded) answer HTTP `status`.
    pub fn fail_next(&self, status: u16, times: u32) {
        self.lock().failures = (times > 0).then_some((status, times));
    }

    pub fn set_robots(&self, text: &str) {
        self.lock().robots = text.to_owned();
    }
}
