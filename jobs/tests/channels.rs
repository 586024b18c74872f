//! Publishing to postmart through the job queue, against the contract sandbox, on SQLite and
//! PostgreSQL: once and only once, in step with the listing, and every fault ends as a retry,
//! a clear error or needs action.

use nongsan_channels::sandbox::postmart::{Fault, PostmartSandbox};
use nongsan_channels::secret::Sealer;
use nongsan_domain::listing::Event;
use nongsan_jobs::connector::postmart_api_account;
use nongsan_jobs::worker::drain;
use nongsan_jobs::{ChannelSettings, JobContext, WorkerConfig};
use nongsan_media::MediaStore;
use nongsan_store::testing::{TestDb, approved_listing, farmer};
use nongsan_store::{ChannelState, JobState, NewJob, Store, now};
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "pm-test-token-7f3a9c";

struct Rig {
    db: TestDb,
    sandbox: PostmartSandbox,
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

async fn rig(requests_per_minute: i64) -> Rig {
    let db = TestDb::new().await;
    let sandbox = PostmartSandbox::new(TOKEN);
    let addr = sandbox.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let sealer = Arc::new(Sealer::from_hex(&Sealer::generate_hex()).unwrap());
    let settings = postmart_api_account(&sealer, &format!("http://{addr}/"), TOKEN, requests_per_minute, &["durian"]);
    let account = db.store.create_channel_account(&settings).await.unwrap();
    let media_dir = std::env::temp_dir().join(format!("nongsan-jobs-test-{}", &nongsan_store::random_token()[..12]));
    let settings =
        ChannelSettings { http_timeout: Duration::from_millis(800), breaker_threshold: 3, breaker_cooldown: Duration::from_secs(60) };
    let ctx = JobContext::new(db.store.clone(), MediaStore::new(media_dir.clone(), 1), Some(sealer), settings);
    let farmer = farmer(&db.store, "0912000001").await;
    Rig { db, sandbox, ctx, config: WorkerConfig::new(1), account: account.id, farmer, media_dir }
}

impl Rig {
    fn store(&self) -> &Store {
        &self.db.store
    }

    /// `n` approved listings routed to postmart.
    async fn listings(&self, n: usize) -> Vec<i64> {
        let mut ids = Vec::new();
        for i in 0..n {
            let id = approved_listing(self.store(), self.farmer, i).await;
            assert!(self.store().route_listing(id, &["postmart".into()]).await.unwrap().is_empty());
            ids.push(id);
        }
        ids
    }

    async fn drain(&self) -> usize {
        drain(&self.ctx, &self.config).await.unwrap()
    }

    /// Skips the backoff waits: every waiting job is due now.
    async fn time_passes(&self) {
        self.store().execute_raw("update jobs set run_at = 0 where state in ('queued', 'failed')").await.unwrap();
    }

    async fn state(&self, listing: i64) -> nongsan_store::ChannelListing {
        self.store().channel_listings_of(listing).await.unwrap().remove(0)
    }

    fn creates(&self) -> usize {
        self.sandbox.requests().iter().filter(|r| r.path.contains("products/create")).count()
    }
}

#[tokio::test]
async fn an_approved_listing_goes_live_once_and_a_second_run_sends_nothing() {
    let rig = rig(6000).await;
    let id = rig.listings(1).await[0];
    rig.drain().await;
    let cl = rig.state(id).await;
    assert_eq!(cl.state, ChannelState::Live, "{cl:?}");
    let products = rig.sandbox.products();
    assert_eq!(products.len(), 1);
    assert_eq!(products[0].sku, format!("NS-{id}-PM"));
    assert_eq!(products[0].price_vnd, 85_000);
    assert_eq!(products[0].stock_kg, 800);
    assert_eq!(cl.external_id.as_deref(), Some(products[0].id.to_string().as_str()));
    assert_eq!(cl.url.as_deref(), Some(products[0].url.as_str()));
    assert!(products[0].url.starts_with("https://postmart.vn/p/sau-rieng-ri6-vuon-0-"), "{}", products[0].url);
    assert_eq!(cl.category_id, Some(793), "mapped to the durian category");
    assert_eq!(cl.commission_percent, Some(8.0));
    // The same job again changes nothing and sends nothing.
    let before = rig.sandbox.requests().len();
    rig.store().enqueue(&nongsan_store::push_job(cl.id)).await.unwrap();
    assert_eq!(rig.drain().await, 1);
    assert_eq!(rig.sandbox.requests().len(), before);
    assert_eq!(rig.sandbox.products().len(), 1);
    assert_eq!(rig.state(id).await.updated_at, cl.updated_at);
}

#[tokio::test]
async fn price_and_stock_follow_the_listing_and_pausing_takes_it_down() {
    let rig = rig(6000).await;
    let id = rig.listings(1).await[0];
    rig.drain().await;
    let listing = rig.store().listing(id).await.unwrap();
    let mut fields = listing.fields.clone();
    fields.price_vnd_per_kg = 92_000;
    fields.quantity_kg = 350.5;
    rig.store().update_listing(id, rig.farmer, &fields, None, false).await.unwrap();
    rig.drain().await;
    let product = &rig.sandbox.products()[0];
    assert_eq!((product.price_vnd, product.stock_kg, product.on_sale), (92_000, 350, true));
    assert_eq!(rig.state(id).await.pushed_price, Some(92_000));

    rig.store().transition(id, Some(rig.farmer), Event::Pause, None).await.unwrap();
    rig.drain().await;
    assert_eq!(rig.state(id).await.state, ChannelState::Delisted);
    assert!(!rig.sandbox.products()[0].on_sale);

    rig.store().transition(id, Some(rig.farmer), Event::Resume, None).await.unwrap();
    rig.drain().await;
    assert_eq!(rig.state(id).await.state, ChannelState::Live);
    assert!(rig.sandbox.products()[0].on_sale, "back on sale");
    assert_eq!(rig.sandbox.products().len(), 1, "the same product, not a new one");
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_found_by_its_sku_not_created_again() {
    let rig = rig(6000).await;
    rig.sandbox.inject_on("products/create", Fault::CreateAnswerLost, 1);
    let id = rig.listings(1).await[0];
    rig.drain().await;
    let cl = rig.state(id).await;
    assert_eq!(cl.state, ChannelState::Failed);
    assert_eq!(cl.error_kind.as_deref(), Some("unknown_outcome"));
    assert_eq!(rig.sandbox.products().len(), 1, "the platform did create it");
    rig.time_passes().await;
    rig.drain().await;
    assert_eq!(rig.state(id).await.state, ChannelState::Live);
    assert_eq!(rig.sandbox.products().len(), 1, "found by SKU, not created twice");
    assert_eq!(rig.creates(), 1);
}

#[tokio::test]
async fn a_slow_answer_past_the_timeout_is_an_unknown_outcome_and_never_a_duplicate() {
    let rig = rig(6000).await;
    rig.sandbox.inject_on("products/create", Fault::Slow(Duration::from_millis(1500)), 1);
    let id = rig.listings(1).await[0];
    rig.drain().await;
    assert_eq!(rig.state(id).await.error_kind.as_deref(), Some("unknown_outcome"));
    rig.time_passes().await;
    rig.drain().await;
    assert_eq!(rig.state(id).await.state, ChannelState::Live);
    assert_eq!(rig.sandbox.products().len(), 1);
}

#[tokio::test]
async fn rate_limits_server_errors_and_garbage_are_retried_with_the_error_on_the_board() {
    for (fault, kind) in [
        (Fault::TooManyRequests { retry_after_secs: 120 }, "rate_limited"),
        (Fault::ServerError, "unknown_outcome"),
        (Fault::HtmlErrorPage, "protocol"),
        (Fault::MalformedBody, "protocol"),
        (Fault::WrongEnvelopeCode, "protocol"),
    ] {
        let rig = rig(6000).await;
        rig.sandbox.inject_on("products/create", fault.clone(), 1);
        let id = rig.listings(1).await[0];
        rig.drain().await;
        let cl = rig.state(id).await;
        assert_eq!((cl.state, cl.error_kind.as_deref()), (ChannelState::Failed, Some(kind)), "{fault:?}: {cl:?}");
        assert!(cl.last_error.as_deref().is_some_and(|e| !e.is_empty() && !e.contains(TOKEN)), "{fault:?}");
        let job = &rig.store().jobs(Some(JobState::Failed), 10).await.unwrap()[0];
        assert!(job.run_at > now(), "{fault:?}: waits before retrying");
        if kind == "rate_limited" {
            assert!(job.run_at >= now() + 119, "Retry-After honoured: {}", job.run_at - now());
        }
        rig.time_passes().await;
        rig.drain().await;
        assert_eq!(rig.state(id).await.state, ChannelState::Live, "{fault:?}");
        assert_eq!(rig.sandbox.products().len(), 1, "{fault:?}");
    }
}

#[tokio::test]
async fn an_expired_credential_needs_an_admin_and_holds_the_account_back() {
    let rig = rig(6000).await;
    rig.sandbox.expire_token();
    let ids = rig.listings(2).await;
    rig.drain().await;
    let first = rig.state(ids[0]).await;
    assert_eq!(first.state, ChannelState::NeedsAction);
    assert_eq!(first.action.as_deref(), Some("action.renew_credentials"));
    assert!(!first.last_error.unwrap_or_default().contains(TOKEN));
    let account = rig.store().channel_account(rig.account).await.unwrap();
    assert!(account.paused_at(now()), "the other listings wait instead of failing one by one");
    assert_eq!(rig.state(ids[1]).await.state, ChannelState::Queued);
    assert!(rig.store().jobs(Some(JobState::Dead), 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_circuit_breaker_pauses_an_account_that_keeps_failing_and_closes_when_a_probe_succeeds() {
    let rig = rig(6000).await;
    rig.sandbox.set_down(true);
    let ids = rig.listings(8).await;
    rig.drain().await;
    let account = rig.store().channel_account(rig.account).await.unwrap();
    assert!(account.paused_at(now()), "open after 3 failures in a row");
    assert_eq!(account.paused_reason.as_deref(), Some("breaker.failures"));
    let mut failed = 0;
    for id in &ids {
        match rig.state(*id).await.state {
            ChannelState::Failed => failed += 1,
            ChannelState::Queued => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(failed, 4, "three opened the breaker, one probed it; the others were held back, not failed");
    let deferred = rig.store().jobs(Some(JobState::Queued), 10).await.unwrap();
    assert_eq!(deferred.len(), 4);
    assert!(deferred.iter().all(|j| j.attempts == 0 && j.run_at > now()), "{deferred:?}");
    // Still down: the next probe fails and the others keep waiting.
    rig.time_passes().await;
    rig.store().execute_raw("update channel_accounts set probe_at = 0").await.unwrap();
    rig.drain().await;
    assert!(rig.store().channel_account(rig.account).await.unwrap().paused_at(now()));
    assert_eq!(rig.sandbox.products().len(), 0);
    // The marketplace is back; ten seconds later a probe goes through and everything follows.
    rig.sandbox.set_down(false);
    rig.time_passes().await;
    rig.store().execute_raw("update channel_accounts set probe_at = 0").await.unwrap();
    rig.drain().await;
    assert!(!rig.store().channel_account(rig.account).await.unwrap().paused_at(now()), "closed by the probe, no admin needed");
    for id in &ids {
        assert_eq!(rig.state(*id).await.state, ChannelState::Live);
    }
    assert_eq!(rig.sandbox.products().len(), 8);
}

#[tokio::test]
async fn an_admin_resumes_a_paused_account_at_once() {
    let rig = rig(6000).await;
    rig.sandbox.set_down(true);
    let ids = rig.listings(4).await;
    rig.drain().await;
    assert!(rig.store().channel_account(rig.account).await.unwrap().paused_at(now()));
    rig.sandbox.set_down(false);
    rig.store().resume_account(rig.account).await.unwrap();
    rig.time_passes().await;
    rig.drain().await;
    for id in &ids {
        assert_eq!(rig.state(*id).await.state, ChannelState::Live);
    }
}

#[tokio::test]
async fn requests_to_one_account_are_spaced_by_its_rate_limit() {
    let rig = rig(600).await;
    rig.listings(4).await;
    rig.drain().await;
    let times: Vec<i64> = rig.sandbox.requests().iter().map(|r| r.at_unix_ms).collect();
    assert!(times.len() >= 8, "{times:?}");
    let span = times.last().unwrap() - times.first().unwrap();
    assert!(span >= (times.len() as i64 - 1) * 100 - 20, "{} requests in {span} ms at 600/min", times.len());
}

#[tokio::test]
async fn orders_are_fetched_incrementally_and_stored_once() {
    let rig = rig(6000).await;
    let id = rig.listings(1).await[0];
    rig.drain().await;
    let sku = rig.state(id).await.sku;
    rig.sandbox.add_order(&sku, 2.0, 85_000);
    rig.sandbox.add_order(&sku, 5.0, 85_000);
    let fetch = || NewJob::new("fetch_orders", serde_json::json!({ "account": rig.account }));
    rig.store().enqueue(&fetch()).await.unwrap();
    rig.drain().await;
    rig.store().enqueue(&fetch()).await.unwrap();
    rig.drain().await;
    let orders = rig.store().orders_of(rig.account).await.unwrap();
    assert_eq!(orders.len(), 2, "two fetches, each order once");
    assert!(orders.iter().all(|(o, listing)| *listing == Some(id) && o.unit_price_vnd == 85_000));
    rig.sandbox.add_order(&sku, 1.0, 85_000);
    rig.store().enqueue(&fetch()).await.unwrap();
    rig.drain().await;
    assert_eq!(rig.store().orders_of(rig.account).await.unwrap().len(), 3);
    // A full refetch from the start adds nothing either.
    rig.store().execute_raw("update channel_accounts set orders_cursor = null").await.unwrap();
    rig.store().enqueue(&fetch()).await.unwrap();
    rig.drain().await;
    assert_eq!(rig.store().orders_of(rig.account).await.unwrap().len(), 3);
}
