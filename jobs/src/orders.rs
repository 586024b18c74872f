//! `fetch_orders`: brings a marketplace account's new orders into the raw orders table.
//!
//! Incremental: the account keeps the cursor the marketplace gave last time. Each order is
//! stored once whatever the number of fetches (a later fetch only updates its status), so a
//! repeated or overlapping fetch adds nothing.

use crate::JobContext;
use crate::connector::{client, pace};
use crate::worker::Outcome;
use nongsan_channels::Channel;
use nongsan_store::{Job, RawOrder};

pub async fn run(ctx: &JobContext, job: &Job) -> anyhow::Result<Outcome> {
    let Some(account_id) = job.payload.get("account").and_then(serde_json::Value::as_i64) else {
        return Ok(Outcome::GiveUp("payload without account".into()));
    };
    let account = ctx.store.channel_account(account_id).await?;
    if account.mode != "api" || !account.active {
        return Ok(Outcome::Done);
    }
    if account.paused_at(nongsan_store::now()) {
        return Ok(Outcome::Defer { until: account.paused_until.unwrap_or_default() + 1 });
    }
    let Ok(client) = client(ctx, &account) else {
        return Ok(Outcome::GiveUp("the account cannot be reached: see its settings".into()));
    };
    pace(ctx, &account).await?;
    let page = match client.orders_since(account.orders_cursor.as_deref()).await {
        Ok(page) => page,
        Err(e) if e.retryable() => return Ok(Outcome::Retry { error: e.to_string(), retry_after: e.retry_after() }),
        Err(e) => return Ok(Outcome::GiveUp(e.to_string())),
    };
    let mut new = 0;
    for order in &page.orders {
        let raw = RawOrder {
            external_id: order.external_id.clone(),
            sku: order.sku.clone(),
            quantity: order.quantity,
            unit_price_vnd: order.unit_price_vnd,
            total_vnd: order.total_vnd,
            status: order.status.clone(),
            placed_at: order.placed_at,
            raw: order.raw.to_string(),
        };
        if ctx.store.record_order(account.id, &raw).await? {
            new += 1;
        }
    }
    if let Some(cursor) = &page.next_cursor {
        ctx.store.set_orders_cursor(account.id, cursor).await?;
    }
    tracing::info!(account.id = account.id, fetched = page.orders.len(), new, "orders fetched");
    Ok(Outcome::Done)
}
