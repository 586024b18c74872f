//! `nongsan bench channels`: publishing throughput against the postmart sandbox at a rate
//! limit, and how long the queue takes to drain after a marketplace outage.

use nongsan_channels::sandbox::postmart::PostmartSandbox;
use nongsan_channels::secret::Sealer;
use nongsan_jobs::connector::postmart_api_account;
use nongsan_jobs::{ChannelSettings, JobContext, WorkerConfig, run_worker};
use nongsan_media::MediaStore;
use nongsan_store::testing::{approved_listing, farmer};
use nongsan_store::{ChannelState, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-token";

/// What the benchmark is asked to do.
pub struct ChannelBench {
    pub listings: usize,
    pub requests_per_minute: i64,
    pub outage: Duration,
    pub concurrency: usize,
    pub channels: ChannelSettings,
}

pub async fn run(bench: ChannelBench) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("nongsan-bench-channels-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let outcome = run_in(&dir, &bench).await;
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

async fn run_in(dir: &std::path::Path, bench: &ChannelBench) -> anyhow::Result<()> {
    println!(
        "publishing to the postmart sandbox: {} listings, {} requests/min, {} workers, breaker {} failures / {} s",
        bench.listings,
        bench.requests_per_minute,
        bench.concurrency,
        bench.channels.breaker_threshold,
        bench.channels.breaker_cooldown.as_secs()
    );
    // Throughput.
    let (store, sandbox) = setup(&dir.join("rate"), bench, bench.listings).await?;
    let started = Instant::now();
    let (stop, worker) = start_worker(&store, &dir.join("rate"), bench);
    wait_live(&store, bench.listings, Duration::from_secs(3600)).await?;
    let elapsed = started.elapsed().as_secs_f64();
    let _ = stop.send(true);
    worker.await??;
    let requests = sandbox.requests().len();
    println!(
        "throughput: {} listings live in {elapsed:.1} s = {:.1} listings/s ({requests} requests, {:.1} requests/s; the limit allows {:.1}/s)",
        bench.listings,
        bench.listings as f64 / elapsed,
        requests as f64 / elapsed,
        bench.requests_per_minute as f64 / 60.0
    );
    anyhow::ensure!(sandbox.products().len() == bench.listings, "{} products for {} listings", sandbox.products().len(), bench.listings);
    store.close().await;

    // Outage: the marketplace goes down early in the run and comes back after `outage`.
    let n = bench.listings;
    let (store, sandbox) = setup(&dir.join("outage"), bench, n).await?;
    let (stop, worker) = start_worker(&store, &dir.join("outage"), bench);
    while sandbox.products().len() < n / 10 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    sandbox.set_down(true);
    let before = live(&store).await?;
    tokio::time::sleep(bench.outage).await;
    let during = live(&store).await? - before;
    sandbox.set_down(false);
    let back = Instant::now();
    wait_live(&store, n, Duration::from_secs(3600)).await?;
    let drained = back.elapsed().as_secs_f64();
    let _ = stop.send(true);
    worker.await??;
    let refused = sandbox.requests().len();
    println!(
        "outage: down for {} s after {before} of {n} were live ({during} went live meanwhile); queue drained {drained:.1} s after the sandbox returned; {refused} requests sent in all; {} products (no duplicates: {})",
        bench.outage.as_secs(),
        sandbox.products().len(),
        sandbox.products().len() == n
    );
    store.close().await;
    Ok(())
}

async fn setup(dir: &std::path::Path, bench: &ChannelBench, n: usize) -> anyhow::Result<(Store, PostmartSandbox)> {
    std::fs::create_dir_all(dir)?;
    let store = Store::open_data_dir(dir).await?;
    let sandbox = PostmartSandbox::new(TOKEN);
    let addr = sandbox.spawn("127.0.0.1:0".parse()?).await?;
    let sealer = sealer(dir)?;
    let settings = postmart_api_account(&sealer, &format!("http://{addr}/"), TOKEN, bench.requests_per_minute, &[]);
    store.create_channel_account(&settings).await?;
    let farmer = farmer(&store, "0912999999").await;
    for i in 0..n {
        let id = approved_listing(&store, farmer, i).await;
        store.route_listing(id, &["postmart".into()]).await?;
    }
    Ok((store, sandbox))
}

fn sealer(dir: &std::path::Path) -> anyhow::Result<Sealer> {
    let path = dir.join("key");
    if !path.exists() {
        std::fs::write(&path, Sealer::generate_hex())?;
    }
    Ok(Sealer::from_hex(&std::fs::read_to_string(path)?)?)
}

fn start_worker(
    store: &Store,
    dir: &std::path::Path,
    bench: &ChannelBench,
) -> (tokio::sync::watch::Sender<bool>, tokio::task::JoinHandle<anyhow::Result<()>>) {
    let sealer = sealer(dir).ok().map(Arc::new);
    let ctx = JobContext::new(store.clone(), MediaStore::new(dir.join("photos"), 1), sealer, bench.channels.clone());
    let mut config = WorkerConfig::new(bench.concurrency);
    config.idle_poll = Duration::from_millis(200);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    (stop, tokio::spawn(run_worker(ctx, config, stopped)))
}

async fn live(store: &Store) -> anyhow::Result<usize> {
    Ok(store.channel_counts().await?.iter().filter(|(_, state, _)| *state == ChannelState::Live).map(|(_, _, n)| *n as usize).sum())
}

async fn wait_live(store: &Store, n: usize, limit: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    while live(store).await? < n {
        anyhow::ensure!(started.elapsed() < limit, "not all live after {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}
