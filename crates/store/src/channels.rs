//! Channel accounts (shops on marketplaces) and their request budget and circuit breaker.
//!
//! Credentials arrive here already sealed (encrypted by the channels crate with a key from the
//! environment); the store never sees them in clear.

use crate::{Result, Store, StoreError, int, now};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A shop on a marketplace.
#[derive(Clone)]
pub struct ChannelAccount {
    pub id: i64,
    /// `postmart` or `voso`.
    pub channel: String,
    /// `api` or `assisted`.
    pub mode: String,
    pub name: String,
    pub base_url: String,
    pub credentials_sealed: Option<String>,
    /// The last characters of the credential, to recognise it without showing it.
    pub credentials_hint: Option<String>,
    /// The farmer whose own shop this is; `None` for the office's shared shop.
    pub farmer_id: Option<i64>,
    pub farmer_name: Option<String>,
    /// Crops routed to this account by default when a listing is approved.
    pub default_crops: Vec<String>,
    pub requests_per_minute: i64,
    pub consecutive_failures: i64,
    /// The circuit breaker: no requests before this time.
    pub paused_until: Option<i64>,
    pub paused_reason: Option<String>,
    pub orders_cursor: Option<String>,
    pub active: bool,
}

impl std::fmt::Debug for ChannelAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelAccount")
            .field("id", &self.id)
            .field("channel", &self.channel)
            .field("mode", &self.mode)
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials_hint.as_ref().map(|h| format!("…{h}")))
            .finish_non_exhaustive()
    }
}

impl ChannelAccount {
    /// True while the circuit breaker holds requests back.
    pub fn paused_at(&self, at: i64) -> bool {
        self.paused_until.is_some_and(|until| until > at)
    }
}

/// An account to create or the new settings of one.
#[derive(Debug, Clone, Default)]
pub struct AccountSettings {
    pub channel: String,
    pub mode: String,
    pub name: String,
    pub base_url: String,
    /// `Some` replaces the stored credential; `None` keeps it.
    pub credentials: Option<SealedCredential>,
    pub farmer_id: Option<i64>,
    pub default_crops: Vec<String>,
    pub requests_per_minute: i64,
    pub active: bool,
}

/// A credential as stored: sealed, with a hint of its last characters.
#[derive(Clone)]
pub struct SealedCredential {
    pub sealed: String,
    pub hint: String,
}

impl std::fmt::Debug for SealedCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedCredential(…{})", self.hint)
    }
}

const ACCOUNT_COLUMNS: &str = "a.id, a.channel, a.mode, a.name, a.base_url, a.credentials_sealed, a.credentials_hint, a.farmer_id,
    u.name as farmer_name, a.default_crops, a.requests_per_minute, a.consecutive_failures, a.paused_until, a.paused_reason,
    a.orders_cursor, a.active";

fn account_from_row(row: &AnyRow) -> Result<ChannelAccount> {
    let crops: String = row.try_get("default_crops")?;
    Ok(ChannelAccount {
        id: int(row, "id")?,
        channel: row.try_get("channel")?,
        mode: row.try_get("mode")?,
        name: row.try_get("name")?,
        base_url: row.try_get("base_url")?,
        credentials_sealed: row.try_get("credentials_sealed")?,
        credentials_hint: row.try_get("credentials_hint")?,
        farmer_id: row.try_get("farmer_id")?,
        farmer_name: row.try_get("farmer_name")?,
        default_crops: crops.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect(),
        requests_per_minute: int(row, "requests_per_minute")?,
        consecutive_failures: int(row, "consecutive_failures")?,
        paused_until: row.try_get("paused_until")?,
        paused_reason: row.try_get("paused_reason")?,
        orders_cursor: row.try_get("orders_cursor")?,
        active: int(row, "active")? == 1,
    })
}

impl Store {
    pub async fn create_channel_account(&self, settings: &AccountSettings) -> Result<ChannelAccount> {
        let at = now();
        let row = sqlx::query(
            "insert into channel_accounts (channel, mode, name, base_url, credentials_sealed, credentials_hint, farmer_id, default_crops,
                 requests_per_minute, active, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) returning id",
        )
        .bind(settings.channel.clone())
        .bind(settings.mode.clone())
        .bind(settings.name.clone())
        .bind(settings.base_url.clone())
        .bind(settings.credentials.as_ref().map(|c| c.sealed.clone()))
        .bind(settings.credentials.as_ref().map(|c| c.hint.clone()))
        .bind(settings.farmer_id)
        .bind(settings.default_crops.join(","))
        .bind(settings.requests_per_minute.max(1))
        .bind(i64::from(settings.active))
        .bind(at)
        .fetch_one(&self.pool)
        .await?;
        self.channel_account(int(&row, "id")?).await
    }

    /// Saves new settings; a changed credential also closes the circuit breaker, since the
    /// old one is the usual reason it opened.
    pub async fn update_channel_account(&self, id: i64, settings: &AccountSettings) -> Result<ChannelAccount> {
        let renewed = settings.credentials.is_some();
        let updated = sqlx::query(
            "update channel_accounts set mode = $1, name = $2, base_url = $3,
                 credentials_sealed = coalesce($4, credentials_sealed), credentials_hint = coalesce($5, credentials_hint),
                 farmer_id = $6, default_crops = $7, requests_per_minute = $8, active = $9, updated_at = $10,
                 paused_until = case when $11 = 1 then null else paused_until end,
                 consecutive_failures = case when $11 = 1 then 0 else consecutive_failures end
             where id = $12",
        )
        .bind(settings.mode.clone())
        .bind(settings.name.clone())
        .bind(settings.base_url.clone())
        .bind(settings.credentials.as_ref().map(|c| c.sealed.clone()))
        .bind(settings.credentials.as_ref().map(|c| c.hint.clone()))
        .bind(settings.farmer_id)
        .bind(settings.default_crops.join(","))
        .bind(settings.requests_per_minute.max(1))
        .bind(i64::from(settings.active))
        .bind(now())
        .bind(i64::from(renewed))
        .bind(id)
        .execute(&self.pool)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.channel_account(id).await
    }

    pub async fn channel_account(&self, id: i64) -> Result<ChannelAccount> {
        let row = sqlx::query(&format!(
            "select {ACCOUNT_COLUMNS} from channel_accounts a left join users u on u.id = a.farmer_id where a.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        account_from_row(&row.ok_or(StoreError::NotFound)?)
    }

    pub async fn channel_accounts(&self) -> Result<Vec<ChannelAccount>> {
        let rows = sqlx::query(&format!(
            "select {ACCOUNT_COLUMNS} from channel_accounts a left join users u on u.id = a.farmer_id order by a.channel, a.id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(account_from_row).collect()
    }

    /// The account a farmer's listing goes out through on `channel`: the farmer's own shop
    /// when there is one, else the office's shared shop.
    pub async fn account_for(&self, channel: &str, farmer_id: i64) -> Result<Option<ChannelAccount>> {
        let row = sqlx::query(&format!(
            "select {ACCOUNT_COLUMNS} from channel_accounts a left join users u on u.id = a.farmer_id
             where a.channel = $1 and a.active = 1 and (a.farmer_id = $2 or a.farmer_id is null)
             order by case when a.farmer_id is null then 1 else 0 end, a.id limit 1"
        ))
        .bind(channel.to_owned())
        .bind(farmer_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(account_from_row).transpose()
    }

    /// Reserves the account's next request slot, `interval_ms` after the previous one, across
    /// every worker process; returns how many milliseconds to wait before sending.
    pub async fn reserve_request_slot(&self, account_id: i64, interval_ms: i64) -> Result<i64> {
        let now_ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
        let row = sqlx::query(
            "update channel_accounts set rate_next_ms = (case when rate_next_ms > $1 then rate_next_ms else $1 end) + $2
             where id = $3 returning rate_next_ms",
        )
        .bind(now_ms)
        .bind(interval_ms)
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        let next = int(&row.ok_or(StoreError::NotFound)?, "rate_next_ms")?;
        Ok((next - interval_ms - now_ms).max(0))
    }

    /// Counts a failed request against the account; at `threshold` consecutive failures the
    /// breaker opens for `cooldown_secs`. Returns true when this failure opened (or re-opened) it.
    pub async fn account_failed(&self, account_id: i64, threshold: i64, cooldown_secs: i64, reason: &str) -> Result<bool> {
        let at = now();
        let row = sqlx::query(
            "update channel_accounts set consecutive_failures = consecutive_failures + 1,
                 paused_until = case when consecutive_failures + 1 >= $1 then $2 else paused_until end,
                 paused_reason = case when consecutive_failures + 1 >= $1 then $3 else paused_reason end
             where id = $4 returning consecutive_failures",
        )
        .bind(threshold)
        .bind(at + cooldown_secs)
        .bind(reason.to_owned())
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(int(&row.ok_or(StoreError::NotFound)?, "consecutive_failures")? >= threshold)
    }

    /// While the breaker is open, lets one request through every `interval_secs` to see
    /// whether the marketplace is back ("half-open"). True for the caller that may send it.
    pub async fn probe_account(&self, account_id: i64, interval_secs: i64) -> Result<bool> {
        let at = now();
        let taken = sqlx::query(
            "update channel_accounts set probe_at = $1
             where id = $2 and paused_until > $1 and (probe_at is null or probe_at <= $3)",
        )
        .bind(at)
        .bind(account_id)
        .bind(at - interval_secs)
        .execute(&self.pool)
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    /// Pauses the account until an admin acts (expired credentials, say).
    pub async fn pause_account(&self, account_id: i64, until: i64, reason: &str) -> Result<()> {
        sqlx::query("update channel_accounts set paused_until = $1, paused_reason = $2 where id = $3")
            .bind(until)
            .bind(reason.to_owned())
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A request went through: the failure streak ends and the breaker closes.
    pub async fn account_succeeded(&self, account_id: i64) -> Result<()> {
        sqlx::query(
            "update channel_accounts set consecutive_failures = 0, paused_until = null, paused_reason = null
             where id = $1 and (consecutive_failures <> 0 or paused_until is not null)",
        )
        .bind(account_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// An admin closes the breaker now.
    pub async fn resume_account(&self, account_id: i64) -> Result<()> {
        self.account_succeeded(account_id).await
    }

    pub async fn set_orders_cursor(&self, account_id: i64, cursor: &str) -> Result<()> {
        sqlx::query("update channel_accounts set orders_cursor = $1 where id = $2")
            .bind(cursor.to_owned())
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
