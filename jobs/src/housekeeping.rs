//! Housekeeping: listings whose availability window ended leave the catalogue (they already
//! stop showing the day after; this records the change in their history and takes them down
//! from marketplaces), and expired sessions and old finished jobs are removed.

use nongsan_store::Store;

/// What one housekeeping run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Housekeeping {
    pub expired_listings: Vec<i64>,
    pub pruned_sessions: u64,
    pub pruned_jobs: u64,
}

/// Finished jobs are kept this long for the admin page.
const KEEP_FINISHED_JOBS_SECS: i64 = 7 * 24 * 3600;

/// Expires listings whose window ended before `today` (in Vietnam) and prunes old rows.
/// Idempotent: a second run in a row does nothing.
pub async fn housekeeping(store: &Store, today: time::Date) -> anyhow::Result<Housekeeping> {
    let expired_listings = store.expire_listings(today).await?;
    let pruned_sessions = store.prune_sessions().await?;
    let pruned_jobs = store.prune_jobs(nongsan_store::now() - KEEP_FINISHED_JOBS_SECS).await?;
    if !expired_listings.is_empty() {
        tracing::info!(count = expired_listings.len(), "listings expired");
    }
    Ok(Housekeeping { expired_listings, pruned_sessions, pruned_jobs })
}

/// The `housekeeping` job.
pub(crate) async fn run(ctx: &crate::JobContext) -> anyhow::Result<crate::Outcome> {
    housekeeping(&ctx.store, nongsan_domain::local_date(nongsan_store::now())).await?;
    Ok(crate::Outcome::Done)
}
