//! The schedule: cron ticks that only enqueue.
//!
//! Each tick enqueues the job of its schedule for the tick's time slot, once per slot across
//! every instance (`job_slots` has one row per slot). Slots missed while no instance ran are
//! recorded too at the next tick or start, and served by one job, since a waiting job with
//! the same dedup key already covers them: nothing is silently lost, nothing runs a day's worth
//! of times.

use nongsan_store::{NewJob, Store, now};
use tokio_cron_scheduler::{Job as CronJob, JobScheduler};

/// A periodic job.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub name: &'static str,
    /// When it ticks (seconds first, as tokio-cron-scheduler reads it).
    pub cron: &'static str,
    /// The slot length: the tick's time rounded down to a multiple of this names its slot.
    pub period_secs: i64,
}

pub const SCHEDULES: &[Schedule] = &[
    Schedule { name: "housekeeping", cron: "0 5 * * * *", period_secs: 3600 },
    Schedule { name: "fetch_orders", cron: "0 */10 * * * *", period_secs: 600 },
    // Three minutes past the half hours, away from the order fetches on the tens.
    Schedule { name: "watch_pages", cron: "0 3,33 * * * *", period_secs: 1800 },
    // Two minutes after the orders are fetched, so a run usually finds them.
    Schedule { name: "import_sales", cron: "0 2-59/10 * * * *", period_secs: 600 },
];

/// Missed slots further back than this many periods are not recorded.
const MAX_CATCH_UP: i64 = 48;

/// The jobs one tick of `schedule` enqueues, each with the slot series it belongs to.
async fn jobs_of(store: &Store, schedule: &Schedule) -> anyhow::Result<Vec<(String, NewJob)>> {
    Ok(match schedule.name {
        "fetch_orders" => store
            .channel_accounts()
            .await?
            .into_iter()
            .filter(|a| a.active && a.mode == "api")
            .map(|a| {
                let series = format!("fetch_orders:{}", a.id);
                (series.clone(), NewJob::new("fetch_orders", serde_json::json!({ "account": a.id })).dedup(series).attempts(3))
            })
            .collect(),
        name => vec![(name.to_owned(), NewJob::new(name, serde_json::json!({})).dedup(name).attempts(3))],
    })
}

/// Enqueues the jobs of `schedule` for every slot since the last one recorded, up to the slot
/// of `at`. Returns how many jobs it created (0 when another instance was first).
pub async fn enqueue_due(store: &Store, schedule: &Schedule, at: i64) -> anyhow::Result<usize> {
    let period = schedule.period_secs;
    let current = at - at.rem_euclid(period);
    let mut created = 0;
    for (series, job) in jobs_of(store, schedule).await? {
        let first = match store.last_slot(&series).await? {
            Some(last) => last + period,
            None => current,
        }
        .max(current - (MAX_CATCH_UP - 1) * period);
        let mut slot = first;
        while slot <= current {
            if store.enqueue_slot(&series, slot, &job).await?.is_some() {
                created += 1;
            }
            slot += period;
        }
    }
    Ok(created)
}

/// Starts the cron scheduler, after catching up on slots missed while nothing ran. Keep the
/// returned scheduler; `shutdown` it on stop.
pub async fn start(store: Store) -> anyhow::Result<JobScheduler> {
    for schedule in SCHEDULES {
        enqueue_due(&store, schedule, now()).await?;
    }
    let scheduler = JobScheduler::new().await?;
    for schedule in SCHEDULES {
        let store = store.clone();
        scheduler
            .add(CronJob::new_async(schedule.cron, move |_, _| {
                let store = store.clone();
                Box::pin(async move {
                    if let Err(e) = enqueue_due(&store, schedule, now()).await {
                        tracing::warn!(schedule = schedule.name, error = %e, "could not enqueue a scheduled job");
                    }
                })
            })?)
            .await?;
    }
    scheduler.start().await?;
    Ok(scheduler)
}
