//! The job queue on SQLite and PostgreSQL (NONGSAN_TEST_DATABASE_URL): dedup, atomic claims,
//! backoff into dead, leases, release on shutdown, and the schedule's slots.

use nongsan_jobs::schedule::{Schedule, enqueue_due};
use nongsan_store::testing::TestDb;
use nongsan_store::{JobState, NewJob, now};
use std::collections::HashSet;

fn job(key: &str) -> NewJob {
    NewJob::new("noop", serde_json::json!({ "key": key })).dedup(key)
}

#[tokio::test]
async fn one_waiting_job_per_dedup_key_but_a_running_one_does_not_block_the_next() {
    let db = TestDb::new().await;
    let store = &db.store;
    let first = store.enqueue(&job("push:1")).await.unwrap();
    assert!(first.is_some());
    assert_eq!(store.enqueue(&job("push:1")).await.unwrap(), None, "a second enqueue while one waits does nothing");
    assert!(store.enqueue(&job("push:2")).await.unwrap().is_some());
    let claimed = store.claim_job("w1", 60).await.unwrap().unwrap();
    assert_eq!(Some(claimed.id), first);
    let next = store.enqueue(&job("push:1")).await.unwrap();
    assert!(next.is_some(), "a change while the job runs is queued again");
    // The running job fails: the newer waiting one supersedes it rather than colliding.
    store.fail_job(claimed.id, "w1", "boom", Some(now() + 60)).await.unwrap();
    assert_eq!(store.job(claimed.id).await.unwrap().state, JobState::Done);
    assert_eq!(store.job(next.unwrap()).await.unwrap().state, JobState::Queued);
}

#[tokio::test]
async fn concurrent_claims_never_hand_out_the_same_job_twice() {
    let db = TestDb::new().await;
    for i in 0..40 {
        db.store.enqueue(&job(&format!("k{i}"))).await.unwrap();
    }
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = db.store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(job) = store.claim_job(&format!("w{w}"), 60).await.unwrap() {
                mine.push(job.id);
                store.complete_job(job.id, &format!("w{w}")).await.unwrap();
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 40, "every job ran once");
    assert_eq!(unique.len(), 40);
}

#[tokio::test]
async fn failures_wait_for_their_retry_time_then_die_after_the_last_attempt() {
    let db = TestDb::new().await;
    let store = &db.store;
    let id = store.enqueue(&job("flaky").attempts(2)).await.unwrap().unwrap();
    let run = store.claim_job("w", 60).await.unwrap().unwrap();
    assert_eq!(run.attempts, 1);
    assert_eq!(store.fail_job(id, "w", "HTTP 503", Some(now() + 3600)).await.unwrap(), JobState::Failed);
    assert!(store.claim_job("w", 60).await.unwrap().is_none(), "not before its retry time");
    // Its time comes.
    store.execute_raw(&format!("update jobs set run_at = 0 where id = {id}")).await.unwrap();
    let run = store.claim_job("w", 60).await.unwrap().unwrap();
    assert_eq!(run.attempts, 2);
    assert_eq!(store.fail_job(id, "w", "HTTP 503 again", Some(now())).await.unwrap(), JobState::Dead);
    let dead = store.jobs(Some(JobState::Dead), 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("HTTP 503 again"));
    assert!(store.claim_job("w", 60).await.unwrap().is_none(), "dead jobs stay dead");
    // An admin retries it: fresh attempts, due now.
    assert!(store.retry_job(id).await.unwrap());
    let run = store.claim_job("w", 60).await.unwrap().unwrap();
    assert_eq!((run.id, run.attempts), (id, 1));
    assert!(!store.retry_job(id).await.unwrap(), "a running job cannot be retried");
}

#[tokio::test]
async fn a_dead_workers_jobs_return_when_the_lease_runs_out_and_a_stopping_worker_gives_them_back() {
    let db = TestDb::new().await;
    let store = &db.store;
    let a = store.enqueue(&job("a")).await.unwrap().unwrap();
    let b = store.enqueue(&job("b")).await.unwrap().unwrap();
    assert_eq!(store.claim_job("crashed", 60).await.unwrap().unwrap().id, a);
    assert_eq!(store.claim_job("stopping", 60).await.unwrap().unwrap().id, b);
    assert!(store.claim_job("other", 60).await.unwrap().is_none(), "both are held");
    // The stopping worker releases what it holds; the attempt does not count.
    assert_eq!(store.release_jobs("stopping").await.unwrap(), 1);
    let again = store.claim_job("other", 60).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (b, 1));
    // The crashed worker's lease runs out.
    store.execute_raw(&format!("update jobs set locked_until = 0 where id = {a}")).await.unwrap();
    let taken = store.claim_job("other", 60).await.unwrap().unwrap();
    assert_eq!(taken.id, a);
    assert!(!store.complete_job(a, "crashed").await.unwrap(), "the old holder cannot complete it any more");
    assert!(store.complete_job(a, "other").await.unwrap());
}

#[tokio::test]
async fn each_schedule_slot_gets_one_job_and_missed_slots_are_covered() {
    let db = TestDb::new().await;
    let store = &db.store;
    let schedule = Schedule { name: "housekeeping", cron: "0 5 * * * *", period_secs: 3600 };
    let at = 1_800_000_000;
    // Two instances tick for the same slot.
    assert_eq!(enqueue_due(store, &schedule, at).await.unwrap(), 1);
    assert_eq!(enqueue_due(store, &schedule, at + 10).await.unwrap(), 0);
    let job = store.claim_job("w", 60).await.unwrap().unwrap();
    store.complete_job(job.id, "w").await.unwrap();
    // Nothing ran for five hours: the missed slots are recorded and one job serves them all.
    assert_eq!(enqueue_due(store, &schedule, at + 5 * 3600).await.unwrap(), 1);
    assert_eq!(store.last_slot("housekeeping").await.unwrap(), Some(at - at % 3600 + 5 * 3600));
    assert_eq!(store.jobs(Some(JobState::Queued), 10).await.unwrap().len(), 1);
    assert_eq!(enqueue_due(store, &schedule, at + 5 * 3600).await.unwrap(), 0);
}
