//! The job queue, for admins: how many jobs wait, run, failed or died, what each was about,
//! and a retry for the ones that stopped.

use super::{require_admin, style};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::pages::CheckedForm;
use crate::pages::layout::{csrf_field, datetime, page};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use nongsan_store::JobState;

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct JobsQuery {
    state: String,
    done: Option<String>,
}

/// The payload in one short line: `channel_listing=12`.
fn summary(payload: &serde_json::Value) -> String {
    let text = match payload {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}={s}"),
                other => format!("{k}={other}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    if text.chars().count() > 120 { format!("{}…", text.chars().take(120).collect::<String>()) } else { text }
}

pub async fn jobs(State(state): State<AppState>, ctx: Ctx, Query(q): Query<JobsQuery>) -> Result<Response, AppError> {
    require_admin(ctx.require()?)?;
    let filter = JobState::parse(&q.state);
    let counts = state.store.job_counts().await?;
    let list = state.store.jobs(filter, 200).await?;
    let lang = ctx.lang;
    let state_name = |s: JobState| lang.t(&format!("jobstate.{}", s.as_str()));
    let body = html! {
        (style())
        h1 { (lang.t("jobs.title")) }
        @if q.done.is_some() { div.notice role="status" { (lang.t("jobs.retried")) } }
        nav.actions aria-label=(lang.t("sync.state")) {
            a.button.secondary href="/admin/jobs" { (lang.t("jobs.waiting")) }
            @for (s, n) in &counts {
                a.button.secondary href={ "/admin/jobs?state=" (s.as_str()) } aria-current=[(filter == Some(*s)).then_some("page")] {
                    (state_name(*s)) ": " (n)
                }
            }
        }
        @if list.is_empty() { p.card { (lang.t("jobs.empty")) } }
        @else {
            div.table-wrap {
                table.cards {
                    thead { tr {
                        th { "#" } th { (lang.t("jobs.kind")) } th { (lang.t("jobs.payload")) } th { (lang.t("sync.state")) }
                        th { (lang.t("sync.attempts")) } th { (lang.t("jobs.next_run")) } th { (lang.t("jobs.last_error")) } th {}
                    } }
                    tbody {
                        @for job in &list {
                            tr {
                                td data-label="#" { (job.id) }
                                td data-label=(lang.t("jobs.kind")) { code { (job.kind) } }
                                td data-label=(lang.t("jobs.payload")) { code { (summary(&job.payload)) } }
                                td data-label=(lang.t("sync.state")) { span class={ "badge jobstate-" (job.state.as_str()) } { (state_name(job.state)) } }
                                td data-label=(lang.t("sync.attempts")) { (job.attempts) "/" (job.max_attempts) }
                                td data-label=(lang.t("jobs.next_run")) {
                                    @if matches!(job.state, JobState::Queued | JobState::Failed) { (datetime(job.run_at)) }
                                    @else if let Some(worker) = &job.locked_by { span.meta { (worker) } }
                                }
                                td data-label=(lang.t("jobs.last_error")) { (job.last_error.as_deref().unwrap_or("")) }
                                td {
                                    @if matches!(job.state, JobState::Failed | JobState::Dead) {
                                        form.inline method="post" action={ "/admin/jobs/" (job.id) "/retry" } {
                                            (csrf_field(&ctx.csrf))
                                            button.secondary type="submit" { (lang.t("sync.retry")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(lang, ctx.viewer.as_ref(), lang.t("jobs.title"), &ctx.path, body).into_response())
}

/// An admin runs a failed or dead job again now.
pub async fn retry_job(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, _form: CheckedForm) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    require_admin(viewer)?;
    let job = state.store.job(id).await?;
    if !state.store.retry_job(id).await? {
        return Err(AppError::Conflict("err.job.not_retryable"));
    }
    tracing::info!(job.id = id, job.kind = %job.kind, admin.id = viewer.id(), "job retried");
    Ok(Redirect::to("/admin/jobs?done=retry").into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn payloads_read_in_one_line() {
        assert_eq!(super::summary(&serde_json::json!({ "channel_listing": 12, "why": "price" })), "channel_listing=12, why=price");
        assert_eq!(super::summary(&serde_json::Value::Null), "");
        assert!(super::summary(&serde_json::json!({ "x": "y".repeat(300) })).ends_with('…'));
    }
}
