//! The one typed state every handler receives.

use nongsan_channels::secret::Sealer;
use nongsan_media::MediaStore;
use nongsan_search::Catalogue;
use nongsan_store::Store;
use std::ops::Deref;
use std::sync::Arc;

/// Settings the web application needs; the binary fills them from flags and environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Mark cookies `Secure` (serve behind HTTPS).
    pub secure_cookies: bool,
    /// How long a login lasts, in seconds.
    pub session_ttl_secs: i64,
    /// Failed logins allowed per phone number in [`Config::throttle_window_secs`].
    pub max_failures_per_phone: i64,
    /// Failed logins allowed per client address in [`Config::throttle_window_secs`].
    pub max_failures_per_address: i64,
    pub throttle_window_secs: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookies: false,
            session_ttl_secs: 30 * 24 * 3600,
            max_failures_per_phone: 5,
            max_failures_per_address: 30,
            throttle_window_secs: 15 * 60,
        }
    }
}

/// Everything a request may need.
pub struct App {
    /// The database: source of truth.
    pub store: Store,
    /// The search engine answering catalogue queries.
    pub catalogue: Arc<dyn Catalogue>,
    /// Photo files.
    pub media: MediaStore,
    /// Seals channel credentials an admin enters; `None` when no key is configured.
    pub sealer: Option<Arc<Sealer>>,
    /// Settings.
    pub config: Config,
}

/// Cheap to clone; extracted with `State`.
#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl AppState {
    pub fn new(app: App) -> Self {
        AppState(Arc::new(app))
    }
}

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}
