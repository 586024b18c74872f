//! voso through the job queue, against the voso sandbox, on SQLite and PostgreSQL: a pasted
//! or discovered product URL goes live on the first good reading of its page, sold counts
//! build up as observations, an unchanged page changes nothing, and a page that stops giving
//! a product puts the listing in front of a person without losing what was seen.

use nongsan_channels::sandbox::voso::{NewProduct, ProductEdit, SHOP_PATH, SandboxProduct, VosoSandbox};
use nongsan_jobs::schedule::{SCHEDULES, enqueue_due};
use nongsan_jobs::worker::drain;
use nongsan_jobs::{ChannelSettings, JobContext, WorkerConfig};
use nongsan_media::MediaStore;
use nongsan_store::testing::{TestDb, approved_listing, farmer};
use nongsan_store::{
    AccountSettings, CONFIRM_MATCH, ChannelListing, ChannelState, JobState, NewJob, PAGE_GONE, PAGE_UNREADABLE, Store, find_on_shop_job,
    watch_job,
};
use std::sync::Arc;
use std::time::Duration;

struct Rig {
    db: TestDb,
    sandbox: VosoSandbox,
    base: String,
    ctx: Arc<JobContext>,
    config: WorkerConfig,
    account: i64,
    farmer: i64,
    media_dir: std::path::PathBuf,
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.media_dir);
    }
}

async fn rig() -> Rig {
    let db = TestDb::new().await;
    let sandbox = VosoSandbox::new();
    let addr = sandbox.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let base = format!("http://{addr}");
    let account = db
        .store
        .create_channel_account(&AccountSettings {
            channel: "voso".into(),
            mode: "assisted".into(),
            name: "Shop voso Di Linh".into(),
            base_url: format!("{base}{SHOP_PATH}"),
            credentials: None,
            farmer_id: None,
            default_crops: vec!["durian".into()],
            requests_per_minute: 6000,
            active: true,
        })
        .await
        .unwrap();
    let media_dir = std::env::temp_dir().join(format!("nongsan-voso-test-{}", &nongsan_store::random_token()[..12]));
    let settings = ChannelSettings { http_timeout: Duration::from_secs(3), ..ChannelSettings::default() };
    let ctx = JobContext::new(db.store.clone(), MediaStore::new(media_dir.clone(), 1), None, settings);
    // The one-second pacing is the fetcher's own test; here it would only slow the suite.
    ctx.voso().unwrap().set_min_interval(Duration::from_millis(5));
    let farmer = farmer(&db.store, "0912000001").await;
    Rig { db, sandbox, base, ctx, config: WorkerConfig::new(1), account: account.id, farmer, media_dir }
}

impl Rig {
    fn store(&self) -> &Store {
        &self.db.store
    }

    /// An approved listing routed to voso, its push run: it waits for a helper.
    async fn waiting_listing(&self, n: usize) -> ChannelListing {
        let id = approved_listing(self.store(), self.farmer, n).await;
        assert!(self.store().route_listing(id, &["voso".into()]).await.unwrap().is_empty());
        self.drain().await;
        let cl = self.store().channel_listings_of(id).await.unwrap().remove(0);
        assert_eq!((cl.state, cl.action.as_deref()), (ChannelState::NeedsAction, Some("action.enter_in_seller_centre")));
        cl
    }

    /// The product a helper entered in the seller centre.
    fn entered(&self, title: &str, price: i64, sold: Option<i64>) -> (SandboxProduct, String) {
        let product =
            self.sandbox.add_product(NewProduct { title: title.into(), price_vnd: price, sold_count: sold, ..NewProduct::default() });
        let url = format!("{}{}", self.base, product.path);
        (product, url)
    }

    async fn drain(&self) -> usize {
        drain(&self.ctx, &self.config).await.unwrap()
    }

    /// Skips the waits: every waiting job is due now.
    async fn time_passes(&self) {
        self.store().execute_raw("update jobs set run_at = 0 where state in ('queued', 'failed')").await.unwrap();
    }

    async fn watch(&self, id: i64) {
        self.store().enqueue(&watch_job(id)).await.unwrap();
        self.drain().await;
    }

    async fn cl(&self, id: i64) -> ChannelListing {
        self.store().channel_listing(id).await.unwrap()
    }

    fn page_reads(&self) -> usize {
        self.sandbox.requests().iter().filter(|r| r.path.ends_with(".html")).count()
    }
}

fn edit() -> ProductEdit {
    ProductEdit::default()
}

#[tokio::test]
async fn a_pasted_url_goes_live_on_the_first_good_reading_and_sales_build_up() {
    let rig = rig().await;
    let cl = rig.waiting_listing(1).await;
    let (product, url) = rig.entered("Sầu riêng Ri6 vườn 1 Di Linh – 1 kg", 85_000, None);

    // What the helper's "done" form does: the URL is kept and the page is read at once.
    rig.store().link_channel_page(cl.id, &url, &product.id.to_string()).await.unwrap();
    assert_eq!(rig.cl(cl.id).await.state, ChannelState::Queued, "not live before its page is read");
    rig.drain().await;
    let live = rig.cl(cl.id).await;
    assert_eq!(live.state, ChannelState::Live, "{live:?}");
    assert_eq!((live.url.as_deref(), live.external_id.as_deref()), (Some(url.as_str()), Some(product.id.to_string().as_str())));
    assert_eq!((live.observed_price, live.observed_sold, live.pushed_price), (Some(85_000), None, Some(85_000)));
    assert!(live.checked_at.is_some());
    let first = rig.store().observations_of(cl.id).await.unwrap();
    assert_eq!(first.len(), 1);
    let o = &first[0].observation;
    assert_eq!(
        (o.title.as_deref(), o.price_vnd, o.sold_count, o.available),
        (Some("Sầu riêng Ri6 vườn 1 Di Linh – 1 kg"), Some(85_000), None, Some(true))
    );
    assert_eq!(o.source, "both", "structured data and the visible sold count");
    assert_eq!(o.seller.as_deref(), Some("HTX Nông sản Di Linh (sandbox)"));

    // Buyers buy: each new sold count is one more observation.
    for sold in [3, 7, 12] {
        rig.sandbox.edit_product(product.id, &ProductEdit { sold_count: Some(sold), ..edit() });
        rig.watch(cl.id).await;
    }
    let seen = rig.store().observations_of(cl.id).await.unwrap();
    assert_eq!(seen.iter().map(|s| s.observation.sold_count).collect::<Vec<_>>(), [None, Some(3), Some(7), Some(12)]);
    assert!(seen.windows(2).all(|w| w[0].seen_at <= w[1].seen_at && w[0].digest != w[1].digest));
    assert_eq!(rig.cl(cl.id).await.observed_sold, Some(12));

    // The same page again: read, and nothing changes.
    let before = rig.cl(cl.id).await;
    let reads = rig.page_reads();
    rig.watch(cl.id).await;
    rig.watch(cl.id).await;
    assert_eq!(rig.page_reads(), reads + 2, "the page was read");
    let after = rig.cl(cl.id).await;
    assert_eq!(rig.store().observations_of(cl.id).await.unwrap().len(), 4, "no new observation");
    assert_eq!(
        (after.state, after.updated_at, after.observed_price, after.observed_sold),
        (before.state, before.updated_at, before.observed_price, before.observed_sold)
    );
}

#[tokio::test]
async fn a_price_on_voso_is_compared_per_kg_with_the_listings() {
    let rig = rig().await;
    let cl = rig.waiting_listing(1).await;
    // A 5 kg box at 425,000 is the listing's 85,000 per kg.
    let (product, url) = rig.entered("Sầu riêng Ri6 vườn 1 - hộp 5kg", 425_000, Some(2));
    rig.store().link_channel_page(cl.id, &url, &product.id.to_string()).await.unwrap();
    rig.drain().await;
    let live = rig.cl(cl.id).await;
    assert_eq!(live.state, ChannelState::Live);
    let per_kg =
        |cl: &ChannelListing| nongsan_channels::voso::price::price_per_kg(cl.observed_title.as_deref(), cl.observed_price.unwrap());
    assert_eq!(per_kg(&live), live.listing_price, "no drift");
    // The seller raised the price in the seller centre.
    rig.sandbox.edit_product(product.id, &ProductEdit { price_vnd: Some(450_000), ..edit() });
    rig.watch(cl.id).await;
    let drifted = rig.cl(cl.id).await;
    assert_eq!((drifted.observed_price, per_kg(&drifted), drifted.listing_price), (Some(450_000), 90_000, 85_000));
    assert_eq!(drifted.state, ChannelState::Live, "a different price is flagged, not a failure");
    assert_eq!(rig.store().observations_of(cl.id).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_page_that_stops_giving_a_product_needs_a_person_and_keeps_what_was_seen() {
    let rig = rig().await;
    let cl = rig.waiting_listing(1).await;
    let (product, url) = rig.entered("Sầu riêng Ri6 vườn 1", 85_000, Some(4));
    rig.store().link_channel_page(cl.id, &url, &product.id.to_string()).await.unwrap();
    rig.drain().await;
    assert_eq!(rig.cl(cl.id).await.state, ChannelState::Live);

    // voso changes its layout.
    rig.sandbox.set_drift(true);
    rig.watch(cl.id).await;
    let broken = rig.cl(cl.id).await;
    assert_eq!((broken.state, broken.action.as_deref()), (ChannelState::NeedsAction, Some(PAGE_UNREADABLE)));
    let reason = broken.last_error.clone().unwrap_or_default();
    assert!(reason.contains("no title") && reason.contains("span.c-product-main__price"), "{reason}");
    assert_eq!(rig.store().observations_of(cl.id).await.unwrap().len(), 1, "earlier observations stay");
    assert_eq!((broken.observed_price, broken.observed_sold), (Some(85_000), Some(4)), "the last good reading stays on the board");
    rig.watch(cl.id).await;
    assert_eq!(rig.cl(cl.id).await.updated_at, broken.updated_at, "said once");

    // The layout comes back (or the scraper is fixed): live again on the next reading.
    rig.sandbox.set_drift(false);
    rig.watch(cl.id).await;
    assert_eq!(rig.cl(cl.id).await.state, ChannelState::Live);
    assert_eq!(rig.store().observations_of(cl.id).await.unwrap().len(), 1, "the same values as before");

    // The seller removes the product: voso answers its 404 page.
    rig.sandbox.edit_product(product.id, &ProductEdit { removed: Some(true), ..edit() });
    rig.watch(cl.id).await;
    let gone = rig.cl(cl.id).await;
    assert_eq!((gone.state, gone.action.as_deref()), (ChannelState::NeedsAction, Some(PAGE_GONE)));
    assert!(gone.last_error.as_deref().is_some_and(|e| e.contains("HTTP 404")), "{gone:?}");
    assert_eq!(rig.store().observations_of(cl.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn passing_trouble_is_retried_and_a_live_listing_stays_live() {
    let rig = rig().await;
    let cl = rig.waiting_listing(1).await;
    let (product, url) = rig.entered("Sầu riêng Ri6 vườn 1", 85_000, None);

    // Not yet confirmed, and voso answers JSON: the board says so and the job retries.
    rig.sandbox.set_non_html(true);
    rig.store().link_channel_page(cl.id, &url, &product.id.to_string()).await.unwrap();
    rig.drain().await;
    let failed = rig.cl(cl.id).await;
    assert_eq!((failed.state, failed.error_kind.as_deref()), (ChannelState::Failed, Some("protocol")));
    assert!(failed.last_error.as_deref().is_some_and(|e| e.contains("expected an HTML page")), "{failed:?}");
    let jobs = rig.store().jobs(Some(JobState::Failed), 10).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert!(jobs[0].last_error.as_deref().is_some_and(|e| e.contains("application/json")));

    rig.sandbox.set_non_html(false);
    rig.time_passes().await;
    rig.drain().await;
    assert_eq!(rig.cl(cl.id).await.state, ChannelState::Live, "the retry read the page");

    rig.sandbox.set_non_html(true);
    rig.watch(cl.id).await;
    let still = rig.cl(cl.id).await;
    assert_eq!(still.state, ChannelState::Live, "passing trouble does not take a live listing down");
    assert_eq!(rig.store().observations_of(cl.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_shop_page_links_a_clear_match_and_proposes_a_doubtful_one() {
    let rig = rig().await;
    let first = rig.waiting_listing(1).await;
    let second = rig.waiting_listing(2).await;
    let third = rig.waiting_listing(3).await;
    rig.entered("Cà phê Robusta Di Linh rang mộc - túi 500g", 95_000, Some(37));
    let (found, found_url) = rig.entered("Sầu riêng Ri6 vườn 1 Di Linh – 1 kg", 85_000, Some(5));
    // No garden number on voso: it may be listing 2, a person says.
    let (_, maybe_url) = rig.entered("Sầu riêng Ri6 Di Linh", 85_000, None);

    // The schedule's fan-out: a shop search for the account, then the watch it starts.
    rig.store().enqueue(&NewJob::new("watch_pages", serde_json::json!({}))).await.unwrap();
    rig.drain().await;
    rig.time_passes().await;
    rig.drain().await;
    let linked = rig.cl(first.id).await;
    assert_eq!((linked.state, linked.url.as_deref()), (ChannelState::Live, Some(found_url.as_str())), "{linked:?}");
    assert_eq!(linked.external_id, Some(found.id.to_string()));
    assert_eq!(linked.observed_sold, Some(5));
    let proposed = rig.cl(second.id).await;
    assert_eq!(
        (proposed.state, proposed.action.as_deref(), proposed.url.as_deref()),
        (ChannelState::NeedsAction, Some(CONFIRM_MATCH), Some(maybe_url.as_str()))
    );
    let untouched = rig.cl(third.id).await;
    assert_eq!((untouched.state, untouched.url), (ChannelState::NeedsAction, None));
    assert!(rig.store().observations_of(second.id).await.unwrap().is_empty(), "a proposal is not watched before a person confirms it");

    // Again: nothing more to find, nothing changes.
    let shop_reads = rig.sandbox.requests().iter().filter(|r| r.path == SHOP_PATH).count();
    rig.store().enqueue(&find_on_shop_job(rig.account)).await.unwrap();
    rig.drain().await;
    assert_eq!(rig.cl(second.id).await.updated_at, proposed.updated_at);
    assert_eq!(rig.cl(third.id).await.updated_at, untouched.updated_at);
    assert_eq!(rig.sandbox.requests().iter().filter(|r| r.path == SHOP_PATH).count(), shop_reads + 1);
}

#[tokio::test]
async fn the_schedule_enqueues_the_watch_every_half_hour() {
    let rig = rig().await;
    let schedule = SCHEDULES.iter().find(|s| s.name == "watch_pages").expect("a watch_pages schedule");
    assert_eq!(schedule.period_secs, 1800);
    let at = nongsan_store::now();
    assert_eq!(enqueue_due(rig.store(), schedule, at).await.unwrap(), 1);
    assert_eq!(enqueue_due(rig.store(), schedule, at).await.unwrap(), 0, "once per slot");
    let jobs = rig.store().jobs(Some(JobState::Queued), 10).await.unwrap();
    assert!(jobs.iter().any(|j| j.kind == "watch_pages"));

    // A listing linked before a price change: the push leaves it to the watcher.
    let cl = rig.waiting_listing(1).await;
    let (product, url) = rig.entered("Sầu riêng Ri6 vườn 1", 85_000, None);
    rig.sandbox.set_non_html(true);
    rig.store().link_channel_page(cl.id, &url, &product.id.to_string()).await.unwrap();
    rig.drain().await;
    rig.store().retry_channel_listing(cl.id).await.unwrap();
    rig.sandbox.set_non_html(false);
    rig.time_passes().await;
    rig.drain().await;
    assert_eq!(rig.cl(cl.id).await.state, ChannelState::Live, "the push handed it to the watcher, which read the page");
}
