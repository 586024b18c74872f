//! `push`: brings one channel listing in step with its listing.
//!
//! The listing is the master. When it is public and wanted on the channel, the marketplace
//! must show it with the listing's text, price and stock; otherwise it must not show it. The
//! job compares what it last pushed with what the listing says and sends only the difference,
//! so a second run in a row sends nothing. Before creating anything it looks the seller SKU
//! up: a create whose answer was lost (timeout, crash) is found, not repeated.

use crate::JobContext;
use crate::connector::{client, failed, pace};
use crate::worker::Outcome;
use nongsan_channels::{Category, Channel, ChannelError, Image, Product};
use nongsan_domain::reference::reference;
use nongsan_domain::text::fold;
use nongsan_store::{ChannelAccount, ChannelListing, ChannelState, Job, Listing, now};
use std::sync::Arc;

/// Square product photos of this side are sent to postmart (assumption: its storefront shows
/// square images; it is the size its public product pages use).
pub const POSTMART_IMAGE_SIDE: u32 = 800;
/// Photos smaller than this are not sent.
pub const POSTMART_MIN_IMAGE_SIDE: u32 = 500;
/// At most this many photos per product.
const MAX_IMAGES: usize = 5;
/// While an account's breaker is open, one request probes it this often.
const PROBE_SECS: i64 = 10;
/// How long a push may hold its channel listing; longer than any push takes.
const HOLD_SECS: i64 = 300;

pub async fn run(ctx: &JobContext, job: &Job) -> anyhow::Result<Outcome> {
    let Some(id) = job.payload.get("channel_listing").and_then(serde_json::Value::as_i64) else {
        return Ok(Outcome::GiveUp("payload without channel_listing".into()));
    };
    let listing = match ctx.store.channel_listing(id).await {
        Ok(listing) => listing,
        // The listing was deleted: nothing left to keep in step.
        Err(nongsan_store::StoreError::NotFound) => return Ok(Outcome::Done),
        Err(e) => return Err(e.into()),
    };
    let account = ctx.store.channel_account(listing.account_id).await?;
    if account.paused_at(now()) {
        // One job at a time probes a marketplace that failed; the rest look again soon, so
        // that they follow within seconds once it answers.
        let probe = account.paused_reason.as_deref() == Some("breaker.failures") && ctx.store.probe_account(account.id, PROBE_SECS).await?;
        if !probe {
            let until = account.paused_until.unwrap_or_else(now).min(now() + PROBE_SECS);
            return Ok(Outcome::Defer { until: until + spread() });
        }
    }
    let holder = format!("job-{}", job.id);
    if !ctx.store.hold_channel_listing(id, &holder, now() + HOLD_SECS).await? {
        return Ok(Outcome::Defer { until: now() + 5 });
    }
    let outcome = push(ctx, &account, &listing).await;
    ctx.store.let_go_channel_listing(id, &holder).await?;
    outcome
}

/// A few seconds of spread, so the jobs an open breaker held back do not all return at once.
fn spread() -> i64 {
    (crate::backoff::unit_random() * 10.0) as i64
}

async fn push(ctx: &JobContext, account: &ChannelAccount, cl: &ChannelListing) -> anyhow::Result<Outcome> {
    let listing = ctx.store.listing(cl.listing_id).await?;
    let today = nongsan_domain::local_date(now());
    let wanted = cl.wanted && listing.status.is_public() && listing.fields.available_until >= today && listing.fields.quantity_kg >= 1.0;
    if account.mode == "assisted" {
        return assisted(ctx, cl, &listing, wanted).await;
    }
    let client = match client(ctx, account) {
        Ok(client) => client,
        Err(action) => {
            ctx.store.mark_channel_needs_action(cl.id, action, Some("credentials"), None).await?;
            return Ok(Outcome::Done);
        }
    };
    let result = if wanted { publish(ctx, &client, account, cl, &listing).await } else { take_down(ctx, &client, account, cl).await };
    match result {
        Ok(()) => {
            ctx.store.account_succeeded(account.id).await?;
            Ok(Outcome::Done)
        }
        Err(Step::Channel(error)) => failed(ctx, account, cl, &error).await,
        Err(Step::Internal(error)) => Err(error),
    }
}

enum Step {
    Channel(ChannelError),
    Internal(anyhow::Error),
}

impl From<ChannelError> for Step {
    fn from(e: ChannelError) -> Self {
        Step::Channel(e)
    }
}

impl From<nongsan_store::StoreError> for Step {
    fn from(e: nongsan_store::StoreError) -> Self {
        Step::Internal(e.into())
    }
}

impl From<anyhow::Error> for Step {
    fn from(e: anyhow::Error) -> Self {
        Step::Internal(e)
    }
}

async fn publish(
    ctx: &JobContext,
    client: &impl Channel,
    account: &ChannelAccount,
    cl: &ChannelListing,
    listing: &Listing,
) -> Result<(), Step> {
    let (category_id, commission) = match category_for(ctx, client, account, listing).await? {
        Some(category) => (Some(category.id), Some(category.commission_percent)),
        None => (cl.category_id, cl.commission_percent),
    };
    if category_id != cl.category_id || commission != cl.commission_percent {
        ctx.store.set_channel_category(cl.id, category_id, commission).await?;
    }
    let mut product = product_of(cl, listing, category_id);
    let hash = digest(&product);
    if cl.state == ChannelState::Live && cl.pushed_hash.as_deref() == Some(hash.as_str()) {
        return Ok(());
    }
    let external = match &cl.external_id {
        Some(id) => Some((id.clone(), cl.url.clone())),
        None => {
            pace(ctx, account).await?;
            client.find_by_sku(&cl.sku).await?.map(|remote| (remote.external_id, remote.url))
        }
    };
    let (external_id, url) = match external {
        Some((external_id, url)) => {
            pace(ctx, account).await?;
            client.update(&external_id, &product).await?;
            (external_id, url)
        }
        None => {
            product.images = images_of(ctx, listing).await?;
            // Each image is one more request.
            for _ in 0..=product.images.len() {
                pace(ctx, account).await?;
            }
            let remote = client.create(&product).await?;
            (remote.external_id, remote.url)
        }
    };
    ctx.store.mark_channel_live(cl.id, &external_id, url.as_deref(), &hash, product.price_vnd, product.stock_kg).await?;
    tracing::info!(channel_listing.id = cl.id, listing.id = cl.listing_id, %external_id, "channel listing live");
    Ok(())
}

async fn take_down(ctx: &JobContext, client: &impl Channel, account: &ChannelAccount, cl: &ChannelListing) -> Result<(), Step> {
    // Already down, or never reached the marketplace: nothing to take down.
    if cl.state == ChannelState::Delisted || (cl.state == ChannelState::NotPublished && cl.external_id.is_none()) {
        return Ok(());
    }
    let external_id = match &cl.external_id {
        Some(id) => Some(id.clone()),
        None => {
            pace(ctx, account).await?;
            client.find_by_sku(&cl.sku).await?.map(|remote| remote.external_id)
        }
    };
    if let Some(external_id) = &external_id {
        pace(ctx, account).await?;
        client.delist(external_id).await?;
        ctx.store.set_channel_external_id(cl.id, external_id, None).await?;
    }
    ctx.store.mark_channel_delisted(cl.id, external_id.is_some()).await?;
    Ok(())
}

/// Assisted mode: a person enters the listing in the seller centre; nongsan says what to do.
async fn assisted(ctx: &JobContext, cl: &ChannelListing, listing: &Listing, wanted: bool) -> anyhow::Result<Outcome> {
    let store = &ctx.store;
    match (wanted, cl.state) {
        (true, ChannelState::Live)
            if cl.pushed_price != Some(listing.fields.price_vnd_per_kg) || cl.pushed_stock != Some(stock(listing)) =>
        {
            store.mark_channel_needs_action(cl.id, "action.update_in_seller_centre", None, None).await?;
        }
        (true, ChannelState::Live) => {}
        // voso: the product URL is known (pasted or found on the shop page); the page watcher
        // confirms it and puts the listing live.
        (true, ChannelState::Queued | ChannelState::Failed) if cl.channel == "voso" && cl.url.is_some() => {
            store.enqueue(&nongsan_store::watch_job(cl.id)).await?;
        }
        (true, _) if cl.external_id.is_some() && cl.action.as_deref() == Some("action.update_in_seller_centre") => {}
        (true, _) => store.mark_channel_needs_action(cl.id, "action.enter_in_seller_centre", None, None).await?,
        (false, ChannelState::Live) => store.mark_channel_needs_action(cl.id, "action.take_down_in_seller_centre", None, None).await?,
        (false, ChannelState::NeedsAction) if cl.external_id.is_some() => {}
        (false, ChannelState::Delisted | ChannelState::NotPublished) => {}
        (false, _) => store.mark_channel_delisted(cl.id, false).await?,
    }
    Ok(Outcome::Done)
}

fn stock(listing: &Listing) -> i64 {
    listing.fields.quantity_kg.floor() as i64
}

/// What the marketplace should show for `listing`.
pub fn product_of(cl: &ChannelListing, listing: &Listing, category_id: Option<i64>) -> Product {
    Product {
        sku: cl.sku.clone(),
        title: listing.fields.title.clone(),
        description: listing.fields.description.clone(),
        category_id,
        price_vnd: listing.fields.price_vnd_per_kg,
        stock_kg: stock(listing),
        images: Vec::new(),
    }
}

/// A digest of the product's text, category, price and stock.
fn digest(product: &Product) -> String {
    let text = serde_json::to_string(product).unwrap_or_default();
    nongsan_store::sha256_hex(text.as_bytes())
}

async fn images_of(ctx: &JobContext, listing: &Listing) -> Result<Vec<Image>, Step> {
    let mut images = Vec::new();
    for photo in ctx.store.photos_of(listing.id).await?.into_iter().take(MAX_IMAGES) {
        match ctx.media.channel_variant(&photo.hash, POSTMART_IMAGE_SIDE, true, POSTMART_MIN_IMAGE_SIDE).await {
            Ok(jpeg) => images.push(Image { file_name: format!("{}.jpg", &photo.hash[..16]), jpeg }),
            Err(e) => tracing::info!(photo = %photo.hash, error = %e, "photo not sent to the marketplace"),
        }
    }
    Ok(images)
}

/// The account's categories, fetched at most once an hour per process.
async fn categories(ctx: &JobContext, client: &impl Channel, account: &ChannelAccount) -> Result<Arc<Vec<Category>>, Step> {
    if let Ok(cache) = ctx.categories.lock()
        && let Some((at, categories)) = cache.get(&account.id)
        && at.elapsed().as_secs() < 3600
    {
        return Ok(categories.clone());
    }
    pace(ctx, account).await?;
    let fetched = Arc::new(client.categories().await?);
    if let Ok(mut cache) = ctx.categories.lock() {
        cache.insert(account.id, (std::time::Instant::now(), fetched.clone()));
    }
    Ok(fetched)
}

async fn category_for(
    ctx: &JobContext,
    client: &impl Channel,
    account: &ChannelAccount,
    listing: &Listing,
) -> Result<Option<Category>, Step> {
    let categories = categories(ctx, client, account).await?;
    Ok(best_category(&categories, &listing.fields.crop, &listing.fields.form).cloned())
}

/// The marketplace category whose name best matches the crop and form: the one sharing the
/// longest stretch with their names and synonyms, the more specific (a child) on a tie.
pub fn best_category<'a>(categories: &'a [Category], crop: &str, form: &str) -> Option<&'a Category> {
    let crop = reference().crop(crop)?;
    let mut terms: Vec<String> = vec![fold(&crop.name_vi)];
    terms.extend(crop.synonyms.iter().map(|s| fold(s)));
    if let Some(form) = crop.form(form) {
        terms.push(fold(&form.name_vi));
        terms.push(format!("{} {}", fold(&crop.name_vi), fold(&form.name_vi)));
        terms.extend(form.synonyms.iter().map(|s| fold(s)));
    }
    let terms: Vec<String> = terms.into_iter().filter(|t| t.chars().count() >= 3).collect();
    categories
        .iter()
        .filter(|c| c.shown)
        .map(|c| {
            let name = fold(&c.name);
            // What matched is the shorter of the two: "cà phê nhân xô" names the category
            // "Cà phê nhân" by 11 letters, and "Cà phê" by only 6.
            let matched = |t: &String| match (name.contains(t.as_str()), t.contains(name.as_str())) {
                (true, _) => t.len(),
                (false, true) => name.len(),
                (false, false) => 0,
            };
            let score = terms.iter().map(matched).max().unwrap_or(0);
            (score, c.parent_id.is_some(), c)
        })
        .filter(|(score, _, _)| *score > 0)
        .max_by_key(|(score, child, c)| (*score, *child, std::cmp::Reverse(c.id)))
        .map(|(_, _, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(id: i64, name: &str, parent_id: Option<i64>) -> Category {
        Category { id, name: name.into(), parent_id, commission_percent: 5.0, shown: true, sort: 0 }
    }

    #[test]
    fn listings_map_to_the_most_specific_matching_category() {
        let tree = [
            category(782, "Thực Phẩm - Đặc sản", None),
            category(783, "Cà phê", Some(782)),
            category(790, "Cà phê rang xay", Some(783)),
            category(791, "Cà phê nhân", Some(783)),
            category(784, "Hạt dinh dưỡng", Some(782)),
            category(792, "Mắc ca", Some(784)),
            category(785, "Trái cây tươi", Some(782)),
            category(793, "Sầu riêng", Some(785)),
        ];
        let id = |crop: &str, form: &str| best_category(&tree, crop, form).map(|c| c.id);
        assert_eq!(id("durian", "whole"), Some(793));
        assert_eq!(id("coffee", "green"), Some(791));
        assert_eq!(id("coffee", "ground"), Some(790));
        assert_eq!(id("coffee", "cherry"), Some(783), "no form category: the crop's");
        assert_eq!(id("macadamia", "kernel"), Some(792));
        assert_eq!(best_category(&tree[..1], "durian", "whole").map(|c| c.id), None, "nothing matches: no guess");
    }
}
