//! The jobs: queued work that workers claim from the database, and the schedule that enqueues
//! the periodic ones.
//!
//! Every job is a row (see `nongsan_store::Job`); a worker ([`worker`]) claims due rows and runs
//! the handler of their kind, one file each: [`push`] brings a channel listing in step with its
//! listing, [`orders`] fetches a marketplace account's new orders, [`watch`] reads voso.vn's
//! public pages, [`housekeeping`] expires listings and prunes old rows. The schedule ([`schedule`]) only enqueues. Every handler is
//! idempotent: running a job twice changes nothing the second time.

pub mod backoff;
pub mod connector;
pub mod housekeeping;
pub mod orders;
pub mod push;
pub mod sales;
pub mod schedule;
pub mod watch;
pub mod worker;

pub use housekeeping::{Housekeeping, housekeeping};
pub use worker::{Outcome, WorkerConfig, run_worker};

use nongsan_channels::secret::Sealer;
use nongsan_media::MediaStore;
use nongsan_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Settings of the channel jobs.
#[derive(Debug, Clone)]
pub struct ChannelSettings {
    /// Each request to a marketplace gives up after this long.
    pub http_timeout: Duration,
    /// Consecutive failures of an account that open its circuit breaker.
    pub breaker_threshold: i64,
    /// How long an open breaker holds the account's requests back.
    pub breaker_cooldown: Duration,
}

impl Default for ChannelSettings {
    fn default() -> Self {
        ChannelSettings { http_timeout: Duration::from_secs(20), breaker_threshold: 5, breaker_cooldown: Duration::from_secs(60) }
    }
}

/// An account's categories and when they were fetched.
pub(crate) type CachedCategories = (std::time::Instant, Arc<Vec<nongsan_channels::Category>>);

/// What a job may use; built once per process and shared by its workers.
pub struct JobContext {
    /// The database: where jobs, listings and channel state live.
    pub store: Store,
    /// Photo files, for the sizes marketplaces ask for.
    pub media: MediaStore,
    /// Opens channel credentials; `None` when no key is configured (API mode then needs action).
    pub sealer: Option<Arc<Sealer>>,
    pub channels: ChannelSettings,
    /// Marketplace categories per account, fetched at most once an hour.
    pub(crate) categories: Mutex<HashMap<i64, CachedCategories>>,
    /// The polite reader of voso.vn pages, shared by every job of the process (see
    /// [`JobContext::voso`]).
    pub(crate) voso: std::sync::OnceLock<nongsan_channels::voso::PageFetcher>,
}

impl JobContext {
    pub fn new(store: Store, media: MediaStore, sealer: Option<Arc<Sealer>>, channels: ChannelSettings) -> Arc<JobContext> {
        Arc::new(JobContext { store, media, sealer, channels, categories: Mutex::new(HashMap::new()), voso: std::sync::OnceLock::new() })
    }
}

/// Keeps the search index in step: drains the outbox every `every`, picks up an index another
/// process rebuilt, and reconciles the index with the database every `reconcile_every` (which
/// also retires certifications that expired).
pub async fn run_search_indexer(search: Arc<nongsan_search::SearchService>, every: Duration, reconcile_every: Duration) {
    let mut tick = tokio::time::interval(every);
    let mut last_reconcile = tokio::time::Instant::now();
    loop {
        tick.tick().await;
        let switched = match search.engine().follow() {
            Ok(switched) => switched,
            Err(e) => {
                tracing::warn!(error = %e, "could not open the rebuilt search index");
                false
            }
        };
        if let Err(e) = search.drain_outbox().await {
            tracing::warn!(error = %e, "search indexing postponed");
        }
        if switched || last_reconcile.elapsed() >= reconcile_every {
            last_reconcile = tokio::time::Instant::now();
            if let Err(e) = search.reconcile().await {
                tracing::warn!(error = %e, "search reconcile postponed");
            }
        }
    }
}
