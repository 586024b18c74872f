//! Channel listings: one per listing × channel, with the state of its copy on the marketplace,
//! and the raw orders marketplaces report.
//!
//! Every change that matters to a marketplace (routing, price, stock, lifecycle) enqueues a
//! `push` job for the channel listing in the same transaction as the change.

use crate::jobs::{NewJob, enqueue_in};
use crate::{Result, Store, StoreError, int, now};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// Where a listing stands on one marketplace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelState {
    NotPublished,
    Queued,
    Live,
    Failed,
    NeedsAction,
    Delisted,
}

impl ChannelState {
    pub const ALL: [ChannelState; 6] = [
        ChannelState::NotPublished,
        ChannelState::Queued,
        ChannelState::Live,
        ChannelState::Failed,
        ChannelState::NeedsAction,
        ChannelState::Delisted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelState::NotPublished => "not_published",
            ChannelState::Queued => "queued",
            ChannelState::Live => "live",
            ChannelState::Failed => "failed",
            ChannelState::NeedsAction => "needs_action",
            ChannelState::Delisted => "delisted",
        }
    }

    pub fn parse(s: &str) -> Option<ChannelState> {
        ChannelState::ALL.into_iter().find(|state| state.as_str() == s)
    }
}

/// A listing's copy on one marketplace, with what the sync board shows about it.
#[derive(Debug, Clone)]
pub struct ChannelListing {
    pub id: i64,
    pub listing_id: i64,
    pub channel: String,
    pub account_id: i64,
    pub state: ChannelState,
    /// The curator wants the listing on this channel.
    pub wanted: bool,
    /// The stable seller SKU sent to the marketplace.
    pub sku: String,
    pub external_id: Option<String>,
    pub url: Option<String>,
    /// A digest of what was last pushed, so an unchanged listing is not pushed again.
    pub pushed_hash: Option<String>,
    pub pushed_price: Option<i64>,
    pub pushed_stock: Option<i64>,
    pub category_id: Option<i64>,
    /// What the marketplace keeps of a sale in that category, in percent.
    pub commission_percent: Option<f64>,
    pub last_error: Option<String>,
    /// The class of the last error (`rate_limited`, `credentials`, ...), for its message.
    pub error_kind: Option<String>,
    pub attempts: i64,
    pub next_retry_at: Option<i64>,
    /// What a person must do, when the state is needs action.
    pub action: Option<String>,
    pub updated_at: i64,
    pub title: String,
    pub crop: String,
    pub commune: Option<String>,
    pub farmer_id: i64,
    pub farmer_name: String,
    pub account_mode: String,
    /// The listing's own price per kg, to compare with what the marketplace page shows.
    pub listing_price: i64,
    /// When a watcher last read the marketplace's public page.
    pub checked_at: Option<i64>,
    /// The price that page showed (for the pack its title names).
    pub observed_price: Option<i64>,
    /// The sold count that page showed.
    pub observed_sold: Option<i64>,
    /// The title that page showed.
    pub observed_title: Option<String>,
}

pub(crate) const COLUMNS: &str = "c.id, c.listing_id, c.channel, c.account_id, c.state, c.wanted, c.sku, c.external_id, c.url, c.pushed_hash,
    c.pushed_price, c.pushed_stock, c.category_id, c.commission_percent, c.last_error, c.error_kind, c.attempts, c.action, c.updated_at,
    (select min(j.run_at) from jobs j where j.dedup_key in ('push:' || c.id, 'watch_page:' || c.id) and j.state in ('queued', 'failed') and j.attempts > 0)
        as next_retry_at,
    l.title, l.crop, l.commune, l.farmer_id, u.name as farmer_name, a.mode as account_mode,
    l.price_vnd_per_kg as listing_price, c.checked_at, c.observed_price, c.observed_sold, c.observed_title";
pub(crate) const FROM: &str = "from channel_listings c join listings l on l.id = c.listing_id join users u on u.id = l.farmer_id join channel_accounts a on a.id = c.account_id";

pub(crate) fn from_row(row: &AnyRow) -> Result<ChannelListing> {
    let state: String = row.try_get("state")?;
    Ok(ChannelListing {
        id: int(row, "id")?,
        listing_id: int(row, "listing_id")?,
        channel: row.try_get("channel")?,
        account_id: int(row, "account_id")?,
        state: ChannelState::parse(&state).unwrap_or(ChannelState::Failed),
        wanted: int(row, "wanted")? == 1,
        sku: row.try_get("sku")?,
        external_id: row.try_get("external_id")?,
        url: row.try_get("url")?,
        pushed_hash: row.try_get("pushed_hash")?,
        pushed_price: row.try_get("pushed_price")?,
        pushed_stock: row.try_get("pushed_stock")?,
        category_id: row.try_get("category_id")?,
        commission_percent: row.try_get("commission_percent")?,
        last_error: row.try_get("last_error")?,
        error_kind: row.try_get("error_kind")?,
        attempts: int(row, "attempts")?,
        next_retry_at: row.try_get("next_retry_at")?,
        action: row.try_get("action")?,
        updated_at: int(row, "updated_at")?,
        title: row.try_get("title")?,
        crop: row.try_get("crop")?,
        commune: row.try_get("commune")?,
        farmer_id: int(row, "farmer_id")?,
        farmer_name: row.try_get("farmer_name")?,
        account_mode: row.try_get("account_mode")?,
        listing_price: int(row, "listing_price")?,
        checked_at: row.try_get("checked_at")?,
        observed_price: row.try_get("observed_price")?,
        observed_sold: row.try_get("observed_sold")?,
        observed_title: row.try_get("observed_title")?,
    })
}

/// The seller SKU of a listing on a channel: stable, so a lost answer can be looked up.
pub fn seller_sku(listing_id: i64, channel: &str) -> String {
    let code = match channel {
        "postmart" => "PM",
        "voso" => "VS",
        _ => "CH",
    };
    format!("NS-{listing_id}-{code}")
}

/// The job that brings one channel listing in step with its listing.
pub fn push_job(channel_listing_id: i64) -> NewJob {
    NewJob::new("push", serde_json::json!({ "channel_listing": channel_listing_id })).dedup(format!("push:{channel_listing_id}"))
}

/// Enqueues a push for every channel listing of `listing_id` that is or may be on a
/// marketplace, in the caller's transaction.
pub(crate) async fn enqueue_pushes(tx: &mut Transaction<'_, Any>, listing_id: i64) -> Result<()> {
    let rows = sqlx::query("select id from channel_listings where listing_id = $1 and state <> 'not_published'")
        .bind(listing_id)
        .fetch_all(&mut **tx)
        .await?;
    for row in rows {
        enqueue_in(tx, &push_job(int(&row, "id")?)).await?;
    }
    Ok(())
}

/// Narrows the sync board.
#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    pub channel: Option<String>,
    pub state: Option<ChannelState>,
    pub crop: Option<String>,
    pub commune: Option<String>,
    /// Only the channel listings of these communes (a helper's).
    pub communes: Option<Vec<String>>,
    /// Only assisted accounts' listings that wait for a person.
    pub assisted_tasks: bool,
}

/// An order as a marketplace reported it.
#[derive(Debug, Clone)]
pub struct RawOrder {
    pub external_id: String,
    pub sku: Option<String>,
    pub quantity: f64,
    pub unit_price_vnd: i64,
    pub total_vnd: i64,
    pub status: String,
    pub placed_at: i64,
    pub raw: String,
}

impl Store {
    /// Routes a listing to exactly `channels`: creates or re-queues a channel listing for
    /// each (through the farmer's own account, else the shared one) and takes it down from
    /// the others. Channels without an account are returned, untouched.
    pub async fn route_listing(&self, listing_id: i64, channels: &[String]) -> Result<Vec<String>> {
        let listing = self.listing(listing_id).await?;
        let existing = self.channel_listings_of(listing_id).await?;
        let mut missing = Vec::new();
        let mut tx = self.pool.begin().await?;
        let at = now();
        for channel in channels {
            if let Some(current) = existing.iter().find(|c| &c.channel == channel) {
                if !current.wanted || current.state == ChannelState::NotPublished {
                    sqlx::query(
                        "update channel_listings set wanted = 1, state = case when state in ('not_published', 'delisted') then 'queued' else state end,
                             updated_at = $1 where id = $2",
                    )
                    .bind(at)
                    .bind(current.id)
                    .execute(&mut *tx)
                    .await?;
                    enqueue_in(&mut tx, &push_job(current.id)).await?;
                }
                continue;
            }
            let Some(account) = self.account_for(channel, listing.farmer_id).await? else {
                missing.push(channel.clone());
                continue;
            };
            let row = sqlx::query(
                "insert into channel_listings (listing_id, channel, account_id, state, wanted, sku, created_at, updated_at)
                 values ($1, $2, $3, 'queued', 1, $4, $5, $5) returning id",
            )
            .bind(listing_id)
            .bind(channel.clone())
            .bind(account.id)
            .bind(seller_sku(listing_id, channel))
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::on_unique(e, "channel"))?;
            enqueue_in(&mut tx, &push_job(int(&row, "id")?)).await?;
        }
        for current in existing.iter().filter(|c| c.wanted && !channels.contains(&c.channel)) {
            sqlx::query("update channel_listings set wanted = 0, updated_at = $1 where id = $2")
                .bind(at)
                .bind(current.id)
                .execute(&mut *tx)
                .await?;
            enqueue_in(&mut tx, &push_job(current.id)).await?;
        }
        tx.commit().await?;
        Ok(missing)
    }

    pub async fn channel_listing(&self, id: i64) -> Result<ChannelListing> {
        let row = sqlx::query(&format!("select {COLUMNS} {FROM} where c.id = $1")).bind(id).fetch_optional(&self.pool).await?;
        from_row(&row.ok_or(StoreError::NotFound)?)
    }

    pub async fn channel_listings_of(&self, listing_id: i64) -> Result<Vec<ChannelListing>> {
        let rows = sqlx::query(&format!("select {COLUMNS} {FROM} where c.listing_id = $1 order by c.channel"))
            .bind(listing_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// The sync board: channel listings matching `filter`, the most recently changed first.
    pub async fn channel_board(&self, filter: &BoardFilter, limit: i64) -> Result<Vec<ChannelListing>> {
        let mut sql = format!("select {COLUMNS} {FROM} where 1 = 1");
        let mut args: Vec<String> = Vec::new();
        // Each `?` in a clause is the same value, bound once.
        let mut push = |sql: &mut String, clause: &str, value: String| {
            args.push(value);
            sql.push_str(&clause.replace('?', &format!("${}", args.len())));
        };
        if let Some(channel) = &filter.channel {
            push(&mut sql, " and c.channel = ?", channel.clone());
        }
        if let Some(state) = filter.state {
            push(&mut sql, " and c.state = ?", state.as_str().to_owned());
        }
        if let Some(crop) = &filter.crop {
            push(&mut sql, " and l.crop = ?", crop.clone());
        }
        if let Some(commune) = &filter.commune {
            push(&mut sql, " and (l.commune = ? or l.legacy_commune = ?)", commune.clone());
        }
        if let Some(communes) = &filter.communes {
            sql.push_str(" and l.commune in (");
            for (i, commune) in communes.iter().enumerate() {
                args.push(commune.clone());
                sql.push_str(&format!("{}${}", if i == 0 { "" } else { ", " }, args.len()));
            }
            if communes.is_empty() {
                sql.push_str("null");
            }
            sql.push(')');
        }
        if filter.assisted_tasks {
            sql.push_str(" and a.mode = 'assisted' and c.state = 'needs_action'");
        }
        sql.push_str(&format!(" order by c.updated_at desc, c.id desc limit {}", limit.clamp(1, 1000)));
        let mut query = sqlx::query(&sql);
        for arg in args {
            query = query.bind(arg);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(from_row).collect()
    }

    /// How many channel listings are in each state, per channel: the board's summary.
    pub async fn channel_counts(&self) -> Result<Vec<(String, ChannelState, i64)>> {
        let rows = sqlx::query("select channel, state, count(*) as n from channel_listings group by channel, state order by channel")
            .fetch_all(&self.pool)
            .await?;
        let mut counts = Vec::new();
        for row in rows {
            let state: String = row.try_get("state")?;
            if let Some(state) = ChannelState::parse(&state) {
                counts.push((row.try_get("channel")?, state, int(&row, "n")?));
            }
        }
        Ok(counts)
    }

    /// Takes the channel listing for `holder` until `until`, so no two jobs talk to the
    /// marketplace about the same listing at once. False when someone else holds it.
    pub async fn hold_channel_listing(&self, id: i64, holder: &str, until: i64) -> Result<bool> {
        let taken = sqlx::query(
            "update channel_listings set busy_by = $1, busy_until = $2
             where id = $3 and (busy_by is null or busy_by = $1 or busy_until < $4)",
        )
        .bind(holder.to_owned())
        .bind(until)
        .bind(id)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    pub async fn let_go_channel_listing(&self, id: i64, holder: &str) -> Result<()> {
        sqlx::query("update channel_listings set busy_by = null, busy_until = null where id = $1 and busy_by = $2")
            .bind(id)
            .bind(holder.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records that the marketplace shows what was pushed.
    pub async fn mark_channel_live(&self, id: i64, external_id: &str, url: Option<&str>, hash: &str, price: i64, stock: i64) -> Result<()> {
        sqlx::query(
            "update channel_listings set state = 'live', external_id = $1, url = coalesce($2, url), pushed_hash = $3, pushed_price = $4,
                 pushed_stock = $5, last_error = null, error_kind = null, attempts = 0, action = null, updated_at = $6
             where id = $7",
        )
        .bind(external_id.to_owned())
        .bind(url.map(str::to_owned))
        .bind(hash.to_owned())
        .bind(price)
        .bind(stock)
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that the external product is known before it is confirmed live (a create
    /// whose later steps failed): the next attempt updates instead of creating.
    pub async fn set_channel_external_id(&self, id: i64, external_id: &str, url: Option<&str>) -> Result<()> {
        sqlx::query("update channel_listings set external_id = $1, url = coalesce($2, url), updated_at = $3 where id = $4")
            .bind(external_id.to_owned())
            .bind(url.map(str::to_owned))
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records the marketplace category chosen for the listing and its commission.
    pub async fn set_channel_category(&self, id: i64, category_id: Option<i64>, commission_percent: Option<f64>) -> Result<()> {
        sqlx::query("update channel_listings set category_id = $1, commission_percent = $2 where id = $3")
            .bind(category_id)
            .bind(commission_percent)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records that the listing is off the marketplace (or never got there).
    pub async fn mark_channel_delisted(&self, id: i64, published: bool) -> Result<()> {
        sqlx::query(
            "update channel_listings set state = $1, pushed_hash = null, last_error = null, error_kind = null, attempts = 0,
                 action = null, updated_at = $2 where id = $3",
        )
        .bind(if published { "delisted" } else { "not_published" })
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt; the job that failed says when it runs again.
    pub async fn mark_channel_failed(&self, id: i64, kind: &str, error: &str) -> Result<()> {
        sqlx::query(
            "update channel_listings set state = 'failed', error_kind = $1, last_error = $2, attempts = attempts + 1,
                 updated_at = $3 where id = $4",
        )
        .bind(kind.to_owned())
        .bind(error.to_owned())
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that a person must act (`action` says what) before the listing can go on.
    pub async fn mark_channel_needs_action(&self, id: i64, action: &str, kind: Option<&str>, error: Option<&str>) -> Result<()> {
        sqlx::query(
            "update channel_listings set state = 'needs_action', action = $1, error_kind = $2, last_error = $3,
                 updated_at = $4 where id = $5",
        )
        .bind(action.to_owned())
        .bind(kind.map(str::to_owned))
        .bind(error.map(str::to_owned))
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A curator's retry: the channel listing is queued again with a fresh push job.
    pub async fn retry_channel_listing(&self, id: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "update channel_listings set state = case when state in ('failed', 'needs_action') then 'queued' else state end,
                 attempts = 0, updated_at = $1 where id = $2",
        )
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        enqueue_in(&mut tx, &push_job(id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores an order once: a second fetch of the same order only updates its status.
    /// Returns true when the order is new.
    pub async fn record_order(&self, account_id: i64, order: &RawOrder) -> Result<bool> {
        let at = now();
        let listing_id = match &order.sku {
            Some(sku) => sqlx::query("select listing_id from channel_listings where sku = $1 and account_id = $2")
                .bind(sku.clone())
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await?
                .map(|row| int(&row, "listing_id"))
                .transpose()?,
            None => None,
        };
        let inserted = sqlx::query(
            "insert into channel_orders (account_id, external_id, sku, listing_id, quantity, unit_price_vnd, total_vnd, status, placed_at, raw,
                 first_seen_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
             on conflict (account_id, external_id) do nothing",
        )
        .bind(account_id)
        .bind(order.external_id.clone())
        .bind(order.sku.clone())
        .bind(listing_id)
        .bind(order.quantity)
        .bind(order.unit_price_vnd)
        .bind(order.total_vnd)
        .bind(order.status.clone())
        .bind(order.placed_at)
        .bind(order.raw.clone())
        .bind(at)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(true);
        }
        sqlx::query(
            "update channel_orders set status = $1, raw = $2, updated_at = $3
             where account_id = $4 and external_id = $5 and (status <> $1 or raw <> $2)",
        )
        .bind(order.status.clone())
        .bind(order.raw.clone())
        .bind(at)
        .bind(account_id)
        .bind(order.external_id.clone())
        .execute(&self.pool)
        .await?;
        Ok(false)
    }

    /// Orders of an account, newest first.
    pub async fn orders_of(&self, account_id: i64) -> Result<Vec<(RawOrder, Option<i64>)>> {
        let rows = sqlx::query(
            "select external_id, sku, listing_id, quantity, unit_price_vnd, total_vnd, status, placed_at, raw from channel_orders
             where account_id = $1 order by placed_at desc, id desc",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    RawOrder {
                        external_id: row.try_get("external_id")?,
                        sku: row.try_get("sku")?,
                        quantity: row.try_get("quantity")?,
                        unit_price_vnd: int(row, "unit_price_vnd")?,
                        total_vnd: int(row, "total_vnd")?,
                        status: row.try_get("status")?,
                        placed_at: int(row, "placed_at")?,
                        raw: row.try_get("raw")?,
                    },
                    row.try_get("listing_id")?,
                ))
            })
            .collect()
    }
}
