//! The job queue: rows that workers claim, retry and finish.
//!
//! A job is enqueued (optionally under a dedup key: one waiting job per key), claimed by one
//! worker at a time under a lease, and then completed, failed (to be retried at a time the
//! caller chooses), deferred (given back without using an attempt) or, after its last attempt,
//! left dead with its error for an admin to see and retry. A worker that dies keeps its jobs
//! only until the lease runs out; a worker that stops releases them at once.

use crate::{Backend, Result, Store, StoreError, int, now};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Queued,
    Running,
    /// Failed at least once and waiting for its next attempt.
    Failed,
    Done,
    /// Out of attempts; waits for an admin.
    Dead,
}

impl JobState {
    pub const ALL: [JobState; 5] = [JobState::Queued, JobState::Running, JobState::Failed, JobState::Done, JobState::Dead];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Failed => "failed",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|state| state.as_str() == s)
    }
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    /// At most one waiting job per key; enqueueing again while one waits does nothing.
    pub dedup_key: Option<String>,
    /// Not before this time (Unix seconds).
    pub run_at: i64,
    pub max_attempts: i64,
}

impl NewJob {
    pub fn new(kind: &str, payload: serde_json::Value) -> NewJob {
        NewJob { kind: kind.to_owned(), payload, dedup_key: None, run_at: now(), max_attempts: 8 }
    }

    pub fn dedup(mut self, key: impl Into<String>) -> NewJob {
        self.dedup_key = Some(key.into());
        self
    }

    pub fn at(mut self, run_at: i64) -> NewJob {
        self.run_at = run_at;
        self
    }

    pub fn attempts(mut self, max_attempts: i64) -> NewJob {
        self.max_attempts = max_attempts;
        self
    }
}

/// A stored job.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    pub dedup_key: Option<String>,
    pub state: JobState,
    /// Attempts started so far, including the one running.
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: i64,
    /// The worker holding it (running) or that finished it (done).
    pub locked_by: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const JOB_COLUMNS: &str =
    "id, kind, payload, dedup_key, state, attempts, max_attempts, run_at, locked_by, last_error, created_at, updated_at";

fn job_from_row(row: &AnyRow) -> Result<Job> {
    let payload: String = row.try_get("payload")?;
    let state: String = row.try_get("state")?;
    Ok(Job {
        id: int(row, "id")?,
        kind: row.try_get("kind")?,
        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
        dedup_key: row.try_get("dedup_key")?,
        state: JobState::parse(&state).unwrap_or(JobState::Dead),
        attempts: int(row, "attempts")?,
        max_attempts: int(row, "max_attempts")?,
        run_at: int(row, "run_at")?,
        locked_by: row.try_get("locked_by")?,
        last_error: row.try_get("last_error")?,
        created_at: int(row, "created_at")?,
        updated_at: int(row, "updated_at")?,
    })
}

/// Enqueues `job` in the caller's transaction; `None` when a job with its key already waits.
pub(crate) async fn enqueue_in(tx: &mut Transaction<'_, Any>, job: &NewJob) -> Result<Option<i64>> {
    let at = now();
    let row = sqlx::query(
        "insert into jobs (kind, payload, dedup_key, state, attempts, max_attempts, run_at, created_at, updated_at)
         values ($1, $2, $3, 'queued', 0, $4, $5, $6, $6)
         on conflict (dedup_key) where state in ('queued', 'failed') do nothing
         returning id",
    )
    .bind(job.kind.clone())
    .bind(job.payload.to_string())
    .bind(job.dedup_key.clone())
    .bind(job.max_attempts)
    .bind(job.run_at)
    .bind(at)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| int(&r, "id")).transpose()
}

impl Store {
    /// Enqueues a job; `None` when one with the same key already waits.
    pub async fn enqueue(&self, job: &NewJob) -> Result<Option<i64>> {
        let mut tx = self.pool.begin().await?;
        let id = enqueue_in(&mut tx, job).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Enqueues the job of `schedule` for time `slot`, once: every later call for the same
    /// slot, from this instance or another, does nothing. Returns the new job's id.
    pub async fn enqueue_slot(&self, schedule: &str, slot: i64, job: &NewJob) -> Result<Option<i64>> {
        let mut tx = self.pool.begin().await?;
        let claimed = sqlx::query("insert into job_slots (schedule, slot) values ($1, $2) on conflict do nothing")
            .bind(schedule.to_owned())
            .bind(slot)
            .execute(&mut *tx)
            .await?;
        if claimed.rows_affected() == 0 {
            return Ok(None);
        }
        let id = enqueue_in(&mut tx, job).await?;
        sqlx::query("update job_slots set job_id = $1 where schedule = $2 and slot = $3")
            .bind(id)
            .bind(schedule.to_owned())
            .bind(slot)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The latest slot enqueued for `schedule`, to catch up on slots missed while no
    /// instance ran.
    pub async fn last_slot(&self, schedule: &str) -> Result<Option<i64>> {
        let row = sqlx::query("select max(slot) as slot from job_slots where schedule = $1")
            .bind(schedule.to_owned())
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<Option<i64>, _>("slot")?)
    }

    /// Claims the next due job for `worker` for `lease_secs`, atomically: two workers never
    /// claim the same job. A running job whose lease ran out (its worker died) is due again.
    pub async fn claim_job(&self, worker: &str, lease_secs: i64) -> Result<Option<Job>> {
        let at = now();
        let lock = match self.backend {
            Backend::Postgres => "for update skip locked",
            // SQLite runs one writer at a time: the statement below is the atomic claim.
            Backend::Sqlite => "",
        };
        let sql = format!(
            "update jobs set state = 'running', attempts = attempts + 1, locked_by = $1, locked_until = $2, updated_at = $3
             where id = (
                 select id from jobs
                 where (state in ('queued', 'failed') and run_at <= $3) or (state = 'running' and locked_until < $3)
                 order by run_at, id limit 1 {lock}
             )
             returning {JOB_COLUMNS}"
        );
        let row = sqlx::query(&sql).bind(worker.to_owned()).bind(at + lease_secs).bind(at).fetch_optional(&self.pool).await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// Marks a job done; `locked_by` keeps who ran it. Returns false when `worker` no longer held it (its lease ran out and
    /// another worker took it over).
    pub async fn complete_job(&self, id: i64, worker: &str) -> Result<bool> {
        let at = now();
        let done = sqlx::query(
            "update jobs set state = 'done', locked_until = null, updated_at = $1, finished_at = $1
             where id = $2 and state = 'running' and locked_by = $3",
        )
        .bind(at)
        .bind(id)
        .bind(worker.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a failed attempt: the job runs again at `retry_at`, or is dead when it has used
    /// its last attempt (or `retry_at` is `None`: nothing would change by retrying).
    pub async fn fail_job(&self, id: i64, worker: &str, error: &str, retry_at: Option<i64>) -> Result<JobState> {
        let job = self.job(id).await?;
        let state = match retry_at {
            Some(_) if job.attempts < job.max_attempts => JobState::Failed,
            _ => JobState::Dead,
        };
        self.park(id, worker, state, retry_at.unwrap_or(job.run_at), 0, Some(error)).await?;
        Ok(state)
    }

    /// Gives a claimed job back without using up its attempt, to run at `run_at` (the channel
    /// it needs is paused, or the listing is busy elsewhere).
    pub async fn defer_job(&self, id: i64, worker: &str, run_at: i64) -> Result<()> {
        self.park(id, worker, JobState::Queued, run_at, -1, None).await
    }

    /// Gives back every job `worker` holds, for a graceful shutdown; returns how many.
    pub async fn release_jobs(&self, worker: &str) -> Result<u64> {
        let held = sqlx::query("select id from jobs where state = 'running' and locked_by = $1")
            .bind(worker.to_owned())
            .fetch_all(&self.pool)
            .await?;
        for row in &held {
            self.park(int(row, "id")?, worker, JobState::Queued, now(), -1, None).await?;
        }
        Ok(held.len() as u64)
    }

    /// Moves a running job to a waiting or final state. When a newer job with the same key
    /// already waits, this one is superseded: the newer one does the same work.
    async fn park(&self, id: i64, worker: &str, state: JobState, run_at: i64, attempts_delta: i64, error: Option<&str>) -> Result<()> {
        let at = now();
        let finished = matches!(state, JobState::Dead | JobState::Done).then_some(at);
        let outcome = sqlx::query(
            "update jobs set state = $1, run_at = $2, attempts = attempts + $3, last_error = coalesce($4, last_error),
                 locked_by = null, locked_until = null, updated_at = $5, finished_at = $6
             where id = $7 and state = 'running' and locked_by = $8",
        )
        .bind(state.as_str())
        .bind(run_at)
        .bind(attempts_delta)
        .bind(error.map(str::to_owned))
        .bind(at)
        .bind(finished)
        .bind(id)
        .bind(worker.to_owned())
        .execute(&self.pool)
        .await;
        match outcome {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                sqlx::query(
                    "update jobs set state = 'done', last_error = coalesce($1, last_error), locked_by = null, locked_until = null,
                         updated_at = $2, finished_at = $2
                     where id = $3 and state = 'running' and locked_by = $4",
                )
                .bind(error.map(str::to_owned))
                .bind(at)
                .bind(id)
                .bind(worker.to_owned())
                .execute(&self.pool)
                .await?;
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// An admin's retry: a failed or dead job runs again now with fresh attempts. Returns
    /// false when the job cannot be retried (running, done, or another job with its key waits).
    pub async fn retry_job(&self, id: i64) -> Result<bool> {
        let at = now();
        let outcome = sqlx::query(
            "update jobs set state = 'queued', attempts = 0, run_at = $1, updated_at = $1, finished_at = null
             where id = $2 and state in ('failed', 'dead')",
        )
        .bind(at)
        .bind(id)
        .execute(&self.pool)
        .await;
        match outcome {
            Ok(done) => Ok(done.rows_affected() == 1),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn job(&self, id: i64) -> Result<Job> {
        let row = sqlx::query(&format!("select {JOB_COLUMNS} from jobs where id = $1")).bind(id).fetch_optional(&self.pool).await?;
        job_from_row(&row.ok_or(StoreError::NotFound)?)
    }

    /// Jobs in `state` (all but done when `None`), the most recently touched first.
    pub async fn jobs(&self, state: Option<JobState>, limit: i64) -> Result<Vec<Job>> {
        let rows = match state {
            Some(state) => {
                sqlx::query(&format!("select {JOB_COLUMNS} from jobs where state = $1 order by updated_at desc, id desc limit $2"))
                    .bind(state.as_str())
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query(&format!("select {JOB_COLUMNS} from jobs where state <> 'done' order by updated_at desc, id desc limit $1"))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(job_from_row).collect()
    }

    /// How many jobs are in each state.
    pub async fn job_counts(&self) -> Result<Vec<(JobState, i64)>> {
        let rows = sqlx::query("select state, count(*) as n from jobs group by state").fetch_all(&self.pool).await?;
        let mut counts: Vec<(JobState, i64)> = JobState::ALL.iter().map(|s| (*s, 0)).collect();
        for row in rows {
            let state: String = row.try_get("state")?;
            if let Some(slot) = counts.iter_mut().find(|(s, _)| s.as_str() == state) {
                slot.1 = int(&row, "n")?;
            }
        }
        Ok(counts)
    }

    /// Removes finished jobs older than `before` (and their slots); returns how many.
    pub async fn prune_jobs(&self, before: i64) -> Result<u64> {
        let pruned = sqlx::query("delete from jobs where state = 'done' and finished_at < $1").bind(before).execute(&self.pool).await?;
        sqlx::query("delete from job_slots where slot < $1").bind(before).execute(&self.pool).await?;
        Ok(pruned.rows_affected())
    }
}
