//! What marketplaces' public pages showed for channel listings (`channel_observations`), and
//! the channel listing updates of the page watcher.
//!
//! An observation is stored only when it differs from the latest one of its channel listing
//! (compared by a digest of the values read), so watching an unchanged page adds nothing and
//! the table is the history of changes: prices, availability and sold counts over time (the
//! sales ledger reads sold-count growth from it). A field the page did not show is `None`.

use crate::channel_listings::{COLUMNS, FROM, from_row};
use crate::jobs::{NewJob, enqueue_in};
use crate::{ChannelListing, Result, Store, StoreError, int, now, sha256_hex};
use sqlx::Row;
use sqlx::any::AnyRow;

/// The action of a channel listing whose product a shop-page match proposes; a person
/// confirms the URL it holds.
pub const CONFIRM_MATCH: &str = "action.confirm_voso_match";
/// The action of a channel listing whose page is gone (404/410).
pub const PAGE_GONE: &str = "action.voso_page_gone";
/// The action of a channel listing whose page no longer yields a title and a price.
pub const PAGE_UNREADABLE: &str = "action.voso_page_unreadable";
/// The action of a channel listing whose page robots.txt or the site refuses us.
pub const PAGE_REFUSED: &str = "action.voso_page_refused";

/// What one reading of a page showed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Observation {
    pub url: String,
    pub title: Option<String>,
    pub price_vnd: Option<i64>,
    pub list_price_vnd: Option<i64>,
    pub available: Option<bool>,
    pub rating: Option<f64>,
    pub review_count: Option<i64>,
    pub sold_count: Option<i64>,
    pub seller: Option<String>,
    /// `rdfa`, `markup` or `both`.
    pub source: String,
}

impl Observation {
    /// A digest of the values read (not of where they came from: the same values read from
    /// the other source are the same observation).
    pub fn digest(&self) -> String {
        let values = serde_json::json!([
            self.url,
            self.title,
            self.price_vnd,
            self.list_price_vnd,
            self.available,
            self.rating.map(|r| format!("{r:.2}")),
            self.review_count,
            self.sold_count,
            self.seller
        ]);
        sha256_hex(values.to_string().as_bytes())
    }
}

/// A stored observation.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredObservation {
    pub id: i64,
    pub channel_listing_id: i64,
    /// Unix seconds.
    pub seen_at: i64,
    pub observation: Observation,
    pub digest: String,
}

/// The job that reads one channel listing's product page.
pub fn watch_job(channel_listing_id: i64) -> NewJob {
    NewJob::new("watch_page", serde_json::json!({ "channel_listing": channel_listing_id }))
        .dedup(format!("watch_page:{channel_listing_id}"))
        .attempts(3)
}

/// The job that looks for an account's waiting listings on its shop page.
pub fn find_on_shop_job(account_id: i64) -> NewJob {
    NewJob::new("find_on_shop", serde_json::json!({ "account": account_id })).dedup(format!("find_on_shop:{account_id}")).attempts(3)
}

fn observation_from_row(row: &AnyRow) -> Result<StoredObservation> {
    let available: Option<i64> = row.try_get("available")?;
    Ok(StoredObservation {
        id: int(row, "id")?,
        channel_listing_id: int(row, "channel_listing_id")?,
        seen_at: int(row, "seen_at")?,
        digest: row.try_get("digest")?,
        observation: Observation {
            url: row.try_get("url")?,
            title: row.try_get("title")?,
            price_vnd: row.try_get("price_vnd")?,
            list_price_vnd: row.try_get("list_price_vnd")?,
            available: available.map(|a| a == 1),
            rating: row.try_get("rating")?,
            review_count: row.try_get("review_count")?,
            sold_count: row.try_get("sold_count")?,
            seller: row.try_get("seller")?,
            source: row.try_get("source")?,
        },
    })
}

impl Store {
    /// Stores what a page showed at `seen_at`, unless the latest observation of the channel
    /// listing showed the same. Returns the new row's id, `None` when nothing changed.
    pub async fn record_observation(&self, channel_listing_id: i64, seen_at: i64, observation: &Observation) -> Result<Option<i64>> {
        let digest = observation.digest();
        let mut tx = self.pool.begin().await?;
        let latest: Option<String> =
            sqlx::query("select digest from channel_observations where channel_listing_id = $1 order by seen_at desc, id desc limit 1")
                .bind(channel_listing_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| row.try_get("digest"))
                .transpose()?;
        if latest.as_deref() == Some(digest.as_str()) {
            return Ok(None);
        }
        let o = observation;
        let row = sqlx::query(
            "insert into channel_observations (channel_listing_id, seen_at, url, title, price_vnd, list_price_vnd, available, rating,
                 review_count, sold_count, seller, source, digest)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning id",
        )
        .bind(channel_listing_id)
        .bind(seen_at)
        .bind(o.url.clone())
        .bind(o.title.clone())
        .bind(o.price_vnd)
        .bind(o.list_price_vnd)
        .bind(o.available.map(i64::from))
        .bind(o.rating)
        .bind(o.review_count)
        .bind(o.sold_count)
        .bind(o.seller.clone())
        .bind(o.source.clone())
        .bind(digest)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(int(&row, "id")?))
    }

    /// Every observation of a channel listing, oldest first.
    pub async fn observations_of(&self, channel_listing_id: i64) -> Result<Vec<StoredObservation>> {
        let rows = sqlx::query(
            "select id, channel_listing_id, seen_at, url, title, price_vnd, list_price_vnd, available, rating, review_count, sold_count,
                 seller, source, digest
             from channel_observations where channel_listing_id = $1 order by seen_at, id",
        )
        .bind(channel_listing_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(observation_from_row).collect()
    }

    /// Records when the page was read and what it showed. The observed values stay as they
    /// were when the page did not show one (unknown is not a change).
    pub async fn set_observed(&self, id: i64, checked_at: i64, title: &str, price: i64, sold: Option<i64>) -> Result<()> {
        sqlx::query(
            "update channel_listings set checked_at = $1, observed_title = $2, observed_price = $3,
                 observed_sold = coalesce($4, observed_sold) where id = $5",
        )
        .bind(checked_at)
        .bind(title.to_owned())
        .bind(price)
        .bind(sold)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records only that the page was read (it showed no product).
    pub async fn set_checked(&self, id: i64, checked_at: i64) -> Result<()> {
        sqlx::query("update channel_listings set checked_at = $1 where id = $2").bind(checked_at).bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// The channel listings on `channel` whose page there is to watch: wanted, with a URL,
    /// on an active account, and not waiting for a person to confirm a proposed match.
    pub async fn watched_channel_listings(&self, channel: &str) -> Result<Vec<ChannelListing>> {
        let rows = sqlx::query(&format!(
            "select {COLUMNS} {FROM}
             where c.channel = $1 and a.active = 1 and c.wanted = 1 and c.url is not null
               and (c.state in ('queued', 'live', 'failed') or (c.state = 'needs_action' and coalesce(c.action, '') <> $2))
             order by c.id"
        ))
        .bind(channel.to_owned())
        .bind(CONFIRM_MATCH.to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The account's channel listings waiting for a helper to enter them, without a URL yet:
    /// the ones a shop page may reveal.
    pub async fn unlinked_channel_listings(&self, account_id: i64) -> Result<Vec<ChannelListing>> {
        let rows = sqlx::query(&format!(
            "select {COLUMNS} {FROM}
             where c.account_id = $1 and c.wanted = 1 and c.url is null and c.state = 'needs_action' and c.action = 'action.enter_in_seller_centre'
             order by c.id"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The product URLs the account's channel listings already hold (linked or proposed).
    pub async fn linked_urls(&self, account_id: i64) -> Result<Vec<String>> {
        let rows = sqlx::query("select url from channel_listings where account_id = $1 and url is not null")
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| Ok(row.try_get("url")?)).collect()
    }

    /// Links a channel listing to its product page (a helper pasted it, or the shop page
    /// revealed it): queued until the watcher reads the page, which is enqueued at once.
    pub async fn link_channel_page(&self, id: i64, url: &str, external_id: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "update channel_listings set url = $1, external_id = $2, state = 'queued', action = null, last_error = null,
                 error_kind = null, attempts = 0, updated_at = $3 where id = $4",
        )
        .bind(url.to_owned())
        .bind(external_id.to_owned())
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        enqueue_in(&mut tx, &watch_job(id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Proposes a product page to a person: the URL waits, filled in, on the helper's task.
    pub async fn propose_channel_page(&self, id: i64, url: &str) -> Result<()> {
        sqlx::query("update channel_listings set url = $1, action = $2, updated_at = $3 where id = $4 and state = 'needs_action'")
            .bind(url.to_owned())
            .bind(CONFIRM_MATCH.to_owned())
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
