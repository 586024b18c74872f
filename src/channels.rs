//! Commands around channels: checking a postmart endpoint, inspecting a voso page, the demo's
//! sandboxes, the job queue.

use crate::cli::{DEMO_SANDBOX_TOKEN, JobsCommand};
use nongsan_channels::postmart::PostmartClient;
use nongsan_channels::sandbox::postmart::PostmartSandbox;
use nongsan_channels::sandbox::voso::{NewProduct, SHOP_PATH, VosoSandbox};
use nongsan_channels::secret::Sealer;
use nongsan_channels::voso::{self, FetchSettings, PageFetcher};
use nongsan_jobs::connector::postmart_api_account;
use nongsan_store::{AccountSettings, JobState, Store};
use std::net::SocketAddr;
use std::time::Duration;

/// `nongsan postmart categories`: what the endpoint answers, as a table.
pub async fn print_categories(base_url: &str, token: &str) -> anyhow::Result<()> {
    let client = PostmartClient::new(base_url, token, Duration::from_secs(20))?;
    let categories = client.categories().await?;
    println!("{:>8}  {:>8}  {:>10}  name", "id", "parent", "commission");
    for c in &categories {
        let parent = c.parent_id.map(|p| p.to_string()).unwrap_or_else(|| "-".into());
        println!("{:>8}  {:>8}  {:>9.2}%  {}{}", c.id, parent, c.commission_percent, c.name, if c.shown { "" } else { "  (hidden)" });
    }
    println!("{} categories from {}", categories.len(), client.base_url());
    Ok(())
}

/// Approved demo listings published to the sandbox at first start.
const DEMO_ROUTED: i64 = 12;

/// The name of the demo's shared postmart account.
const DEMO_ACCOUNT: &str = "Bưu điện Di Linh (sandbox)";

/// Starts the postmart sandbox for the demo and points a shared postmart account at it (the
/// address may differ from the last start). Keep the sandbox alive while serving.
pub async fn demo_sandbox(store: &Store, sealer: &Sealer, addr: SocketAddr) -> anyhow::Result<PostmartSandbox> {
    let sandbox = PostmartSandbox::new(DEMO_SANDBOX_TOKEN);
    let bound = sandbox.spawn(addr).await?;
    let crops = ["coffee", "macadamia", "durian"];
    let settings = AccountSettings {
        name: DEMO_ACCOUNT.into(),
        ..postmart_api_account(sealer, &format!("http://{bound}/"), DEMO_SANDBOX_TOKEN, 120, &crops)
    };
    match store.channel_accounts().await?.into_iter().find(|a| a.name == DEMO_ACCOUNT) {
        Some(account) => store.update_channel_account(account.id, &settings).await?,
        None => store.create_channel_account(&settings).await?,
    };
    // At first start some approved listings are already on postmart, so the sync board and the
    // listing pages show the whole flow; approving more routes them by their crop's defaults.
    if store.channel_counts().await?.is_empty() {
        for listing in store.public_listings_after(0, DEMO_ROUTED).await? {
            store.route_listing(listing.id, &["postmart".to_owned()]).await?;
        }
    }
    tracing::info!(%bound, "demo postmart sandbox serving");
    Ok(sandbox)
}

/// The name of the demo's shared voso account.
const DEMO_VOSO_ACCOUNT: &str = "Shop voso Di Linh (sandbox)";

/// A few products already on the voso sandbox's shop, so its page is not empty.
pub fn seed_voso_sandbox(sandbox: &VosoSandbox) {
    for (title, price, list, sold, rating) in [
        ("Cà phê Robusta Di Linh rang mộc - túi 500g", 95_000, None, Some(37), Some(4.6)),
        ("Mắc ca sấy nứt vỏ Di Linh - hộp 1kg", 280_000, Some(320_000), Some(112), Some(4.8)),
    ] {
        sandbox.add_product(NewProduct {
            title: title.into(),
            price_vnd: price,
            list_price_vnd: list,
            sold_count: sold,
            rating,
            review_count: rating.map(|_| 12),
            ..NewProduct::default()
        });
    }
}

/// Starts the voso sandbox for the demo and points a shared voso account (assisted mode) at
/// its shop page. Keep the sandbox alive while serving.
pub async fn demo_voso_sandbox(store: &Store, addr: SocketAddr) -> anyhow::Result<VosoSandbox> {
    let sandbox = VosoSandbox::new();
    seed_voso_sandbox(&sandbox);
    let bound = sandbox.spawn(addr).await?;
    let settings = AccountSettings {
        channel: "voso".into(),
        mode: "assisted".into(),
        name: DEMO_VOSO_ACCOUNT.into(),
        base_url: format!("http://{bound}{SHOP_PATH}"),
        credentials: None,
        farmer_id: None,
        default_crops: Vec::new(),
        requests_per_minute: 60,
        active: true,
    };
    match store.channel_accounts().await?.into_iter().find(|a| a.name == DEMO_VOSO_ACCOUNT) {
        Some(account) => store.update_channel_account(account.id, &settings).await?,
        None => store.create_channel_account(&settings).await?,
    };
    tracing::info!(%bound, seller_centre = %format!("http://{bound}/_sandbox/seller"), "demo voso sandbox serving");
    Ok(sandbox)
}

/// `nongsan voso inspect <file or URL>`: everything the scraper reads, as JSON.
pub async fn inspect_voso(target: &str) -> anyhow::Result<()> {
    let (url, status, body) = if target.starts_with("http://") || target.starts_with("https://") {
        let fetcher = PageFetcher::new(FetchSettings::default())?;
        let page = fetcher.page(target).await?;
        (Some(page.url), Some(page.status), page.body)
    } else {
        let body = std::fs::read(target).map_err(|e| anyhow::anyhow!("{target}: {e}"))?;
        (None, None, String::from_utf8_lossy(&body).into_owned())
    };
    let started = std::time::Instant::now();
    let product = voso::parse_product(&body);
    let product_ms = started.elapsed().as_secs_f64() * 1000.0;
    let started = std::time::Instant::now();
    let shop = voso::parse_shop(&body, url.as_deref());
    let shop_ms = started.elapsed().as_secs_f64() * 1000.0;
    let ms = |v: f64| (v * 1000.0).round() / 1000.0;
    let report = serde_json::json!({
        "target": target,
        "url": url,
        "http_status": status,
        "bytes": body.len(),
        "product": product.as_ref().ok(),
        "product_error": product.as_ref().err().map(|e| serde_json::json!({ "missing": e.missing, "page_title": e.page_title, "message": e.to_string() })),
        "shop": shop,
        "parse_ms": { "product": ms(product_ms), "shop": ms(shop_ms) },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// `nongsan jobs list|retry`.
pub async fn jobs_command(store: &Store, command: JobsCommand) -> anyhow::Result<()> {
    match command {
        JobsCommand::List { state } => {
            let state = match state {
                Some(s) => {
                    Some(JobState::parse(&s).ok_or_else(|| anyhow::anyhow!("unknown state {s}: queued, running, failed, done or dead"))?)
                }
                None => None,
            };
            for (state, n) in store.job_counts().await? {
                print!("{}={n} ", state.as_str());
            }
            println!();
            for job in store.jobs(state, 100).await? {
                println!(
                    "#{} {} {} attempts {}/{} {} {}",
                    job.id,
                    job.kind,
                    job.state.as_str(),
                    job.attempts,
                    job.max_attempts,
                    job.payload,
                    job.last_error.unwrap_or_default()
                );
            }
        }
        JobsCommand::Retry { id } => {
            anyhow::ensure!(store.retry_job(id).await?, "job {id} is not failed or dead, or another job with its key waits");
            println!("job {id} queued again");
        }
    }
    Ok(())
}
