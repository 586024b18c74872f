//! Watching voso.vn: `watch_pages` (scheduled) enqueues a `watch_page` for every linked voso
//! channel listing and a `find_on_shop` for every voso account with listings still waiting
//! for their product URL.
//!
//! `watch_page` reads one product page and stores what it shows as an observation (only when
//! something changed, so a second run on an unchanged page adds nothing): the first good
//! reading puts the channel listing live; a price differing from the listing's shows on the
//! sync board (from the observed price and title); sold-count growth stays in the
//! observations for the sales ledger. A page that no longer yields a title and a price
//! (removed, an error page, markup changed) puts the channel listing in needs action with the
//! reason; its observations stay. Passing trouble (timeouts, 5xx, a non-HTML answer) is
//! retried with backoff and leaves a live listing live.
//!
//! `find_on_shop` reads the account's shop page (its base URL) and matches the products on it
//! to the waiting listings by title: a confident match links the product and its page is
//! watched at once; a doubtful one is proposed to a helper, whose task shows the URL filled in.

use crate::JobContext;
use crate::connector::pace;
use crate::worker::Outcome;
use nongsan_channels::ChannelError;
use nongsan_channels::voso::matching::{Verdict, match_titles};
use nongsan_channels::voso::{self, FetchSettings, PageFetcher, ProductPage, ReadError};
use nongsan_store::{
    ChannelListing, ChannelState, Job, Observation, PAGE_GONE, PAGE_REFUSED, PAGE_UNREADABLE, StoreError, find_on_shop_job, now, watch_job,
};

/// The channel watched here.
const CHANNEL: &str = "voso";
/// How long a watch may hold its channel listing; longer than any fetch with its retries.
const HOLD_SECS: i64 = 300;

impl JobContext {
    /// The process's one polite page fetcher (built on first use, so that its per-host pacing
    /// holds across every job of the process).
    pub fn voso(&self) -> Result<&PageFetcher, ChannelError> {
        if let Some(fetcher) = self.voso.get() {
            return Ok(fetcher);
        }
        let fetcher = PageFetcher::new(FetchSettings { timeout: self.channels.http_timeout, ..FetchSettings::default() })?;
        // Another job may have built one meanwhile; either is fine, one is kept.
        let _ = self.voso.set(fetcher);
        self.voso.get().ok_or_else(|| ChannelError::Unavailable("page fetcher unavailable".into()))
    }
}

pub async fn run(ctx: &JobContext, job: &Job) -> anyhow::Result<Outcome> {
    match job.kind.as_str() {
        "watch_pages" => fan_out(ctx).await,
        "watch_page" => watch(ctx, job).await,
        "find_on_shop" => find_on_shop(ctx, job).await,
        other => Ok(Outcome::GiveUp(format!("watch cannot run {other}"))),
    }
}

/// One watch per linked page, spread one interval apart so that workers do not sit waiting
/// for the host's next slot; one shop search per account with waiting listings.
async fn fan_out(ctx: &JobContext) -> anyhow::Result<Outcome> {
    let spacing = FetchSettings::default().min_interval.as_secs().max(1) as i64;
    let at = now();
    let listings = ctx.store.watched_channel_listings(CHANNEL).await?;
    for (i, cl) in listings.iter().enumerate() {
        ctx.store.enqueue(&watch_job(cl.id).at(at + i as i64 * spacing)).await?;
    }
    let mut shops = 0;
    for account in ctx.store.channel_accounts().await?.into_iter().filter(|a| a.channel == CHANNEL && a.active) {
        if !ctx.store.unlinked_channel_listings(account.id).await?.is_empty() {
            ctx.store.enqueue(&find_on_shop_job(account.id)).await?;
            shops += 1;
        }
    }
    tracing::info!(pages = listings.len(), shops, "voso watching enqueued");
    Ok(Outcome::Done)
}

async fn watch(ctx: &JobContext, job: &Job) -> anyhow::Result<Outcome> {
    let Some(id) = job.payload.get("channel_listing").and_then(serde_json::Value::as_i64) else {
        return Ok(Outcome::GiveUp("payload without channel_listing".into()));
    };
    let cl = match ctx.store.channel_listing(id).await {
        Ok(cl) => cl,
        Err(StoreError::NotFound) => return Ok(Outcome::Done),
        Err(e) => return Err(e.into()),
    };
    let Some(url) = cl.url.clone() else { return Ok(Outcome::Done) };
    let waiting_for_person = cl.state == ChannelState::NeedsAction && cl.action.as_deref() == Some(nongsan_store::CONFIRM_MATCH);
    if cl.channel != CHANNEL || !cl.wanted || waiting_for_person || matches!(cl.state, ChannelState::Delisted | ChannelState::NotPublished)
    {
        return Ok(Outcome::Done);
    }
    let account = ctx.store.channel_account(cl.account_id).await?;
    if !account.active {
        return Ok(Outcome::Done);
    }
    let holder = format!("job-{}", job.id);
    if !ctx.store.hold_channel_listing(id, &holder, now() + HOLD_SECS).await? {
        return Ok(Outcome::Defer { until: now() + 5 });
    }
    let outcome = read_and_record(ctx, &account, &cl, &url).await;
    ctx.store.let_go_channel_listing(id, &holder).await?;
    outcome
}

async fn read_and_record(
    ctx: &JobContext,
    account: &nongsan_store::ChannelAccount,
    cl: &ChannelListing,
    url: &str,
) -> anyhow::Result<Outcome> {
    let fetcher = match ctx.voso() {
        Ok(fetcher) => fetcher,
        Err(e) => return Ok(Outcome::Retry { error: e.to_string(), retry_after: None }),
    };
    pace(ctx, account).await?;
    let started = std::time::Instant::now();
    let read = voso::read_product(fetcher, url).await;
    let duration_ms = started.elapsed().as_millis() as u64;
    match read {
        Ok(page) => {
            observed(ctx, cl, url, &page).await?;
            tracing::info!(channel_listing.id = cl.id, price = page.price_vnd, sold = ?page.sold_count, duration_ms, "voso page read");
            Ok(Outcome::Done)
        }
        Err(ReadError::Gone { status, url }) => page_problem(ctx, cl, PAGE_GONE, &format!("HTTP {status}: {url}")).await,
        Err(ReadError::Unreadable(e)) => page_problem(ctx, cl, PAGE_UNREADABLE, &e.to_string()).await,
        Err(ReadError::Channel(e)) if !e.retryable() => page_problem(ctx, cl, PAGE_REFUSED, &e.to_string()).await,
        Err(ReadError::Channel(e)) => {
            let detail = e.to_string();
            tracing::warn!(channel_listing.id = cl.id, kind = e.kind(), error = %detail, duration_ms, "voso page not read");
            // A live listing stays live through passing trouble; one not yet confirmed shows it.
            if matches!(cl.state, ChannelState::Queued | ChannelState::Failed) {
                ctx.store.mark_channel_failed(cl.id, e.kind(), &detail).await?;
            }
            Ok(Outcome::Retry { error: detail, retry_after: e.retry_after() })
        }
    }
}

/// Stores a good reading; the first one (or the first after a page problem) puts the channel
/// listing live, at the price and stock the package asked the helper to enter.
async fn observed(ctx: &JobContext, cl: &ChannelListing, url: &str, page: &ProductPage) -> anyhow::Result<()> {
    let at = now();
    let observation = Observation {
        url: url.to_owned(),
        title: Some(page.title.clone()),
        price_vnd: Some(page.price_vnd),
        list_price_vnd: page.list_price_vnd,
        available: page.available,
        rating: page.rating,
        review_count: page.review_count,
        sold_count: page.sold_count,
        seller: page.seller.clone(),
        source: page.source.as_str().to_owned(),
    };
    if let Some(row) = ctx.store.record_observation(cl.id, at, &observation).await? {
        tracing::info!(channel_listing.id = cl.id, observation.id = row, sold = ?page.sold_count, "voso page changed");
    }
    ctx.store.set_observed(cl.id, at, &page.title, page.price_vnd, page.sold_count).await?;
    let page_problem = cl.state == ChannelState::NeedsAction
        && cl.action.as_deref().is_some_and(|a| [PAGE_GONE, PAGE_UNREADABLE, PAGE_REFUSED].contains(&a));
    if matches!(cl.state, ChannelState::Queued | ChannelState::Failed) || page_problem {
        let listing = ctx.store.listing(cl.listing_id).await?;
        let external_id = voso::product_id(url).unwrap_or_else(|| url.to_owned());
        let stock = listing.fields.quantity_kg.floor() as i64;
        ctx.store.mark_channel_live(cl.id, &external_id, Some(url), "assisted", listing.fields.price_vnd_per_kg, stock).await?;
        tracing::info!(channel_listing.id = cl.id, %external_id, "voso listing live");
    }
    let per_kg = voso::price::price_per_kg(Some(&page.title), page.price_vnd);
    if per_kg != cl.listing_price {
        tracing::info!(channel_listing.id = cl.id, voso_per_kg = per_kg, listing = cl.listing_price, "voso price differs from the listing");
    }
    Ok(())
}

/// The page gives no product: a person must look. Said once; a second run on the same page
/// changes nothing.
async fn page_problem(ctx: &JobContext, cl: &ChannelListing, action: &str, detail: &str) -> anyhow::Result<Outcome> {
    tracing::warn!(channel_listing.id = cl.id, action, error = %detail, "voso page gives no product");
    ctx.store.set_checked(cl.id, now()).await?;
    let ours = cl.action.as_deref().is_some_and(|a| [PAGE_GONE, PAGE_UNREADABLE, PAGE_REFUSED].contains(&a));
    let movable = matches!(cl.state, ChannelState::Live | ChannelState::Queued | ChannelState::Failed)
        || (cl.state == ChannelState::NeedsAction && ours);
    let same = cl.state == ChannelState::NeedsAction && cl.action.as_deref() == Some(action) && cl.last_error.as_deref() == Some(detail);
    if movable && !same {
        ctx.store.mark_channel_needs_action(cl.id, action, None, Some(detail)).await?;
    }
    Ok(Outcome::Done)
}

async fn find_on_shop(ctx: &JobContext, job: &Job) -> anyhow::Result<Outcome> {
    let Some(account_id) = job.payload.get("account").and_then(serde_json::Value::as_i64) else {
        return Ok(Outcome::GiveUp("payload without account".into()));
    };
    let account = match ctx.store.channel_account(account_id).await {
        Ok(account) => account,
        Err(StoreError::NotFound) => return Ok(Outcome::Done),
        Err(e) => return Err(e.into()),
    };
    if account.channel != CHANNEL || !account.active {
        return Ok(Outcome::Done);
    }
    let waiting = ctx.store.unlinked_channel_listings(account.id).await?;
    if waiting.is_empty() {
        return Ok(Outcome::Done);
    }
    let fetcher = match ctx.voso() {
        Ok(fetcher) => fetcher,
        Err(e) => return Ok(Outcome::Retry { error: e.to_string(), retry_after: None }),
    };
    pace(ctx, &account).await?;
    let shop = match voso::read_shop(fetcher, &account.base_url).await {
        Ok(shop) => shop,
        Err(e) if e.retryable() => return Ok(Outcome::Retry { error: e.to_string(), retry_after: e.retry_after() }),
        Err(e) => return Ok(Outcome::GiveUp(format!("the account's shop page: {e}"))),
    };
    let linked = ctx.store.linked_urls(account.id).await?;
    let is_linked =
        |url: &str| linked.iter().any(|l| l == url || (voso::product_id(l).is_some() && voso::product_id(l) == voso::product_id(url)));
    let cards: Vec<&voso::Card> = shop.cards.iter().filter(|c| !is_linked(&c.url)).collect();
    let titles: Vec<&str> = waiting.iter().map(|cl| cl.title.as_str()).collect();
    let names: Vec<&str> = cards.iter().map(|c| c.name.as_str()).collect();
    let (mut linked_now, mut proposed) = (0, 0);
    for (cl, verdict) in waiting.iter().zip(match_titles(&titles, &names)) {
        match verdict {
            Verdict::Confident(i, score) => {
                let url = &cards[i].url;
                let external_id = voso::product_id(url).unwrap_or_else(|| url.clone());
                ctx.store.link_channel_page(cl.id, url, &external_id).await?;
                tracing::info!(channel_listing.id = cl.id, %url, score, "voso product found on the shop page");
                linked_now += 1;
            }
            Verdict::Doubtful(i, score) => {
                ctx.store.propose_channel_page(cl.id, &cards[i].url).await?;
                tracing::info!(channel_listing.id = cl.id, url = %cards[i].url, score, "voso product proposed for a person to confirm");
                proposed += 1;
            }
            Verdict::None => {}
        }
    }
    tracing::info!(
        account.id = account.id,
        cards = shop.cards.len(),
        waiting = waiting.len(),
        linked = linked_now,
        proposed,
        "voso shop page read"
    );
    Ok(Outcome::Done)
}
