//! `import_sales`: turns what the marketplaces reported (raw orders, page observations) into
//! sales in the ledger. Each order or observation carries its own reference, so a second run,
//! or two workers running it at once, adds nothing.

use crate::{JobContext, Outcome};
use nongsan_store::SalesImport;

/// Imports new orders and observations; for the job and for tests.
pub async fn import_sales(store: &nongsan_store::Store) -> anyhow::Result<SalesImport> {
    let done = store.import_sales().await?;
    if done != SalesImport::default() {
        tracing::info!(orders = done.orders, observations = done.observations, voided = done.voided, "sales imported");
    }
    Ok(done)
}

pub(crate) async fn run(ctx: &JobContext) -> anyhow::Result<Outcome> {
    import_sales(&ctx.store).await?;
    Ok(Outcome::Done)
}
