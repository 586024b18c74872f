//! Reaching a channel account: opening its credential, pacing its requests, and turning what
//! went wrong into the next step for the job and the sync board.

use crate::JobContext;
use crate::worker::Outcome;
use nongsan_channels::postmart::PostmartClient;
use nongsan_channels::secret::{Sealer, Secret};
use nongsan_channels::{Channel, ChannelError};
use nongsan_store::{AccountSettings, ChannelAccount, ChannelListing, SealedCredential, now};
use std::time::Duration;

/// The API client of an account, or what a person must do before there can be one. Only
/// postmart has a seller API; other channels are assisted.
pub fn client(ctx: &JobContext, account: &ChannelAccount) -> Result<impl Channel + use<>, &'static str> {
    if account.channel != "postmart" {
        return Err("action.account_settings");
    }
    let sealer = ctx.sealer.as_ref().ok_or("action.secret_key_missing")?;
    let sealed = account.credentials_sealed.as_deref().ok_or("action.credentials_missing")?;
    let secret = sealer.open(sealed).map_err(|_| "action.credentials_unreadable")?;
    PostmartClient::new(&account.base_url, secret.expose(), ctx.channels.http_timeout).map_err(|_| "action.account_settings")
}

/// Waits for the account's next request slot: the account's rate limit holds across every
/// worker process, because the slots are handed out by the database.
pub async fn pace(ctx: &JobContext, account: &ChannelAccount) -> anyhow::Result<()> {
    let interval_ms = 60_000 / account.requests_per_minute.max(1);
    let wait = ctx.store.reserve_request_slot(account.id, interval_ms).await?;
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }
    Ok(())
}

/// Records a failed call on the channel listing and the account, and says what the job does
/// next: retry with backoff, or stop and wait for a person.
pub async fn failed(ctx: &JobContext, account: &ChannelAccount, listing: &ChannelListing, error: &ChannelError) -> anyhow::Result<Outcome> {
    let store = &ctx.store;
    let detail = error.to_string();
    tracing::warn!(channel_listing.id = listing.id, channel = %listing.channel, account.id = account.id, kind = error.kind(), error = %detail, "channel call failed");
    if error.counts_against_account() {
        let threshold = ctx.channels.breaker_threshold;
        if store.account_failed(account.id, threshold, ctx.channels.breaker_cooldown.as_secs() as i64, "breaker.failures").await? {
            tracing::warn!(account.id = account.id, "circuit breaker open");
        }
    }
    match error {
        ChannelError::Credentials(_) => {
            // Every listing of the account would fail the same way: hold them all back.
            store.pause_account(account.id, now() + 3600, "breaker.credentials").await?;
            store.mark_channel_needs_action(listing.id, "action.renew_credentials", Some(error.kind()), Some(&detail)).await?;
            Ok(Outcome::Done)
        }
        ChannelError::Rejected(_) => {
            store.mark_channel_needs_action(listing.id, "action.fix_listing", Some(error.kind()), Some(&detail)).await?;
            Ok(Outcome::Done)
        }
        _ => {
            store.mark_channel_failed(listing.id, error.kind(), &detail).await?;
            Ok(Outcome::Retry { error: detail, retry_after: error.retry_after() })
        }
    }
}

/// The settings of a shared (office) postmart account in API mode at `base_url`, its
/// credential `token` sealed with `sealer`: for the demo, the benchmark and tests, which point
/// it at a sandbox.
pub fn postmart_api_account(sealer: &Sealer, base_url: &str, token: &str, requests_per_minute: i64, crops: &[&str]) -> AccountSettings {
    let secret = Secret::new(token);
    AccountSettings {
        channel: "postmart".into(),
        mode: "api".into(),
        name: "Bưu điện Di Linh".into(),
        base_url: base_url.into(),
        credentials: Some(SealedCredential { sealed: sealer.seal(&secret), hint: secret.hint() }),
        farmer_id: None,
        default_crops: crops.iter().map(|c| (*c).to_owned()).collect(),
        requests_per_minute,
        active: true,
    }
}
