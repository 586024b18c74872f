//! Worker processes against the postmart sandbox, on SQLite and PostgreSQL
//! (NONGSAN_TEST_DATABASE_URL): a worker killed with SIGKILL in the middle of publishing and
//! restarted, and two workers publishing at once, leave exactly one product per listing.

use nongsan_channels::sandbox::postmart::{Fault, PostmartSandbox};
use nongsan_channels::secret::Sealer;
use nongsan_jobs::connector::postmart_api_account;
use nongsan_store::testing::{TestDb, approved_listing, farmer};
use nongsan_store::{ChannelState, Store};
use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "pm-worker-test-token";

struct Rig {
    db: TestDb,
    sandbox: PostmartSandbox,
    key: String,
    data_dir: std::path::PathBuf,
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// A database with `n` approved listings routed to a postmart account on a fresh sandbox.
async fn rig(n: usize) -> Rig {
    let db = TestDb::new().await;
    let sandbox = PostmartSandbox::new(TOKEN);
    let addr = sandbox.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let key = Sealer::generate_hex();
    let sealer = Sealer::from_hex(&key).unwrap();
    let settings = postmart_api_account(&sealer, &format!("http://{addr}/"), TOKEN, 60_000, &[]);
    db.store.create_channel_account(&settings).await.unwrap();
    let farmer = farmer(&db.store, "0912000009").await;
    for i in 0..n {
        let id = approved_listing(&db.store, farmer, i).await;
        db.store.route_listing(id, &["postmart".into()]).await.unwrap();
    }
    let data_dir = std::env::temp_dir().join(format!("nongsan-worker-test-{}", &nongsan_store::random_token()[..12]));
    Rig { db, sandbox, key, data_dir }
}

impl Rig {
    fn worker(&self) -> Child {
        Command::new(env!("CARGO_BIN_EXE_nongsan"))
            .arg("worker")
            .env("DATABASE_URL", &self.db.url)
            .env("NONGSAN_SECRET_KEY", &self.key)
            .env("NONGSAN_DATA_DIR", &self.data_dir)
            .env("NONGSAN_JOB_LEASE_SECS", "2")
            .env("NONGSAN_WORKER_CONCURRENCY", "4")
            .env("NONGSAN_WORKER_POLL_MS", "100")
            .env("NONGSAN_RETRY_BASE_SECS", "1")
            .env("NONGSAN_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start nongsan worker")
    }

    async fn live(store: &Store) -> usize {
        store.channel_counts().await.unwrap().iter().filter(|(_, state, _)| *state == ChannelState::Live).map(|(_, _, n)| *n as usize).sum()
    }

    /// Waits until every routed listing is live, or fails after `limit`.
    async fn wait_all_live(&self, n: usize, limit: Duration) {
        let started = Instant::now();
        while Rig::live(&self.db.store).await < n {
            assert!(started.elapsed() < limit, "only {} of {n} live after {limit:?}", Rig::live(&self.db.store).await);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn assert_one_product_per_listing(&self, n: usize) {
        let products = self.sandbox.products();
        let skus: HashSet<String> = products.iter().map(|p| p.sku.clone()).collect();
        assert_eq!(skus.len(), n, "every listing published");
        assert_eq!(products.len(), n, "none twice");
    }
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_publish_and_restarted_publishes_each_listing_once() {
    let rig = rig(50).await;
    // Slow creates, so the kill lands while creates are in flight.
    rig.sandbox.inject_on("products/create", Fault::Slow(Duration::from_millis(150)), 1000);
    let mut worker = rig.worker();
    let started = Instant::now();
    while rig.sandbox.products().len() < 15 {
        assert!(started.elapsed() < Duration::from_secs(60), "the worker published nothing");
        assert!(worker.try_wait().unwrap().is_none(), "the worker exited early");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.kill().expect("SIGKILL");
    worker.wait().unwrap();
    let at_kill = rig.sandbox.products().len();
    assert!(at_kill < 50, "killed in the middle ({at_kill} published)");
    let restarted = rig.worker();
    rig.wait_all_live(50, Duration::from_secs(120)).await;
    stop(restarted);
    rig.assert_one_product_per_listing(50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_publishing_at_once_publish_each_listing_once() {
    let rig = rig(200).await;
    let (a, b) = (rig.worker(), rig.worker());
    rig.wait_all_live(200, Duration::from_secs(180)).await;
    stop(a);
    stop(b);
    rig.assert_one_product_per_listing(200);
    let done = rig.db.store.jobs(Some(nongsan_store::JobState::Done), 1000).await.unwrap();
    let workers: HashSet<Option<String>> = done.iter().map(|j| j.locked_by.clone()).collect();
    assert_eq!(workers.len(), 2, "both workers took part: {workers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_worker_finishes_what_it_runs_and_holds_nothing() {
    let rig = rig(8).await;
    rig.sandbox.inject_on("products/create", Fault::Slow(Duration::from_millis(700)), 1000);
    let mut worker = rig.worker();
    let started = Instant::now();
    while rig.sandbox.requests().iter().all(|r| !r.path.contains("products/create")) {
        assert!(started.elapsed() < Duration::from_secs(60), "the worker sent nothing");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let term = Command::new("kill").arg("-TERM").arg(worker.id().to_string()).status().expect("kill -TERM");
    assert!(term.success());
    let stopping = Instant::now();
    let status = loop {
        if let Some(status) = worker.try_wait().unwrap() {
            break status;
        }
        assert!(stopping.elapsed() < Duration::from_secs(20), "the worker did not stop");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "a clean exit: {status:?}");
    let running = rig.db.store.jobs(Some(nongsan_store::JobState::Running), 100).await.unwrap();
    assert!(running.is_empty(), "nothing left held: {running:?}");
    // What it had started went through; the rest waits for the next worker, unharmed.
    let live = Rig::live(&rig.db.store).await;
    assert!((1..8).contains(&live), "{live} live");
    assert_eq!(rig.sandbox.products().len(), live, "no product without its channel listing live");
    let next = rig.worker();
    rig.wait_all_live(8, Duration::from_secs(60)).await;
    stop(next);
    rig.assert_one_product_per_listing(8);
}
