//! Jobs that keep the catalogue honest without anyone pressing a button.
//!
//! For now one housekeeping job runs on a timer inside `nongsan serve`: listings whose
//! availability window ended leave the catalogue (they already stop showing the day after;
//! this records the change in their history), and expired sessions are removed.

use nongsan_store::Store;
use std::time::Duration;

/// What one housekeeping run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Housekeeping {
    pub expired_listings: Vec<i64>,
    pub pruned_sessions: u64,
}

/// Expires listings whose window ended before today (in Vietnam) and prunes sessions.
/// Idempotent: a second run in a row does nothing.
pub async fn housekeeping(store: &Store, today: time::Date) -> anyhow::Result<Housekeeping> {
    let expired_listings = store.expire_listings(today).await?;
    let pruned_sessions = store.prune_sessions().await?;
    if !expired_listings.is_empty() {
        tracing::info!(count = expired_listings.len(), "listings expired");
    }
    Ok(Housekeeping { expired_listings, pruned_sessions })
}

/// Runs [`housekeeping`] now and then every `every`, until the task is dropped.
pub async fn run_housekeeping(store: Store, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let today = nongsan_domain::local_date(nongsan_store::now());
        if let Err(e) = housekeeping(&store, today).await {
            tracing::error!(error = %e, "housekeeping failed");
        }
    }
}

/// Keeps the search index in step: drains the outbox every `every`, picks up an index another
/// process rebuilt, and reconciles the index with the database every `reconcile_every` (which
/// also retires certifications that expired).
pub async fn run_search_indexer(search: std::sync::Arc<nongsan_search::SearchService>, every: Duration, reconcile_every: Duration) {
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
