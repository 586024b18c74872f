//! The worker: claims due jobs, runs them a few at a time, and settles each outcome.

use crate::JobContext;
use crate::backoff::Backoff;
use nongsan_store::{Job, now};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// What a job's run means for its row.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done,
    /// Try again after a backoff (at least `retry_after` when the other side asked for it).
    Retry {
        error: String,
        retry_after: Option<Duration>,
    },
    /// Not now, and not a failure: run again at `until` without using an attempt.
    Defer {
        until: i64,
    },
    /// Retrying cannot help; the job is dead with this error.
    GiveUp(String),
}

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Names the worker in the job rows it holds; unique per process.
    pub name: String,
    /// Jobs run at once.
    pub concurrency: usize,
    /// How long a claimed job is held before another worker may take it over (its worker died).
    pub lease_secs: i64,
    /// How long to wait before looking again when no job is due.
    pub idle_poll: Duration,
    /// On shutdown, how long running jobs may take to finish before they are released.
    pub grace: Duration,
    pub backoff: Backoff,
}

impl WorkerConfig {
    pub fn new(concurrency: usize) -> WorkerConfig {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
        let name = format!("{host}-{}-{:04x}", std::process::id(), (crate::backoff::unit_random() * 65535.0) as u32);
        WorkerConfig {
            name,
            concurrency: concurrency.max(1),
            lease_secs: 300,
            idle_poll: Duration::from_secs(1),
            grace: Duration::from_secs(10),
            backoff: Backoff::default(),
        }
    }
}

/// Runs the handler of the job's kind.
pub async fn run_job(ctx: &JobContext, job: &Job) -> Outcome {
    let result = match job.kind.as_str() {
        "push" => crate::push::run(ctx, job).await,
        "fetch_orders" => crate::orders::run(ctx, job).await,
        "housekeeping" => crate::housekeeping::run(ctx).await,
        "watch_pages" | "watch_page" | "find_on_shop" => crate::watch::run(ctx, job).await,
        "import_sales" => crate::sales::run(ctx).await,
        other => Ok(Outcome::GiveUp(format!("unknown job kind {other}"))),
    };
    // An internal error (the database went away) is retried like any other failure.
    result.unwrap_or_else(|e| Outcome::Retry { error: format!("{e:#}"), retry_after: None })
}

/// Writes the outcome of a run to the job's row.
pub async fn settle(ctx: &JobContext, config: &WorkerConfig, job: &Job, outcome: Outcome) -> anyhow::Result<()> {
    let store = &ctx.store;
    match outcome {
        Outcome::Done => {
            store.complete_job(job.id, &config.name).await?;
        }
        Outcome::Retry { error, retry_after } => {
            let delay = config.backoff.delay(job.attempts, retry_after);
            let state = store.fail_job(job.id, &config.name, &error, Some(now() + delay.as_secs().max(1) as i64)).await?;
            tracing::info!(job.id = job.id, job.kind = %job.kind, attempts = job.attempts, state = state.as_str(), error = %error, "job failed");
        }
        Outcome::Defer { until } => store.defer_job(job.id, &config.name, until).await?,
        Outcome::GiveUp(error) => {
            store.fail_job(job.id, &config.name, &error, None).await?;
            tracing::warn!(job.id = job.id, job.kind = %job.kind, error = %error, "job dead");
        }
    }
    Ok(())
}

/// Runs due jobs one by one until none is due; returns how many ran. For tests and
/// `nongsan worker --drain`.
pub async fn drain(ctx: &JobContext, config: &WorkerConfig) -> anyhow::Result<usize> {
    let mut ran = 0;
    while let Some(job) = ctx.store.claim_job(&config.name, config.lease_secs).await? {
        let outcome = run_job(ctx, &job).await;
        settle(ctx, config, &job, outcome).await?;
        ran += 1;
    }
    Ok(ran)
}

/// Claims and runs jobs until `shutdown` turns true; then lets running jobs finish within the
/// grace period and releases the rest, so another worker picks them up at once.
pub async fn run_worker(ctx: Arc<JobContext>, config: WorkerConfig, mut shutdown: watch::Receiver<bool>) -> anyhow::Result<()> {
    let config = Arc::new(config);
    let mut running: JoinSet<()> = JoinSet::new();
    tracing::info!(worker = %config.name, concurrency = config.concurrency, "worker started");
    while !*shutdown.borrow() {
        while running.len() < config.concurrency {
            match ctx.store.claim_job(&config.name, config.lease_secs).await {
                Ok(Some(job)) => {
                    let (ctx, config) = (ctx.clone(), config.clone());
                    running.spawn(async move {
                        let outcome = run_job(&ctx, &job).await;
                        if let Err(e) = settle(&ctx, &config, &job, outcome).await {
                            tracing::error!(job.id = job.id, error = %e, "could not record a job's outcome; its lease will run out");
                        }
                    });
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim a job");
                    break;
                }
            }
        }
        tokio::select! {
            _ = shutdown.changed() => {}
            Some(_) = running.join_next(), if !running.is_empty() => {}
            _ = tokio::time::sleep(config.idle_poll) => {}
        }
    }
    let finishing = tokio::time::timeout(config.grace, async { while running.join_next().await.is_some() {} }).await;
    if finishing.is_err() {
        running.abort_all();
        while running.join_next().await.is_some() {}
    }
    let released = ctx.store.release_jobs(&config.name).await?;
    tracing::info!(worker = %config.name, released, "worker stopped");
    Ok(())
}
