//! The agriculture office's review queue: approve, reject with a reason, correct with a record.

use super::forms::{ListingForm, listing_form, raw_listing};
use super::layout::{csrf_field, error_summary, field_error, invalid, page};
use super::manage::{change_log, listing_details, listing_summary, photo_strip, status_badge};
use super::{CheckedForm, channels, invalid_page};
use crate::actions::{self, Decision};
use crate::auth::{Ctx, require_reviewer};
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use nongsan_domain::FieldErrors;
use nongsan_domain::listing::{RawListing, Status};
use nongsan_domain::reference::reference;
use nongsan_store::ReviewFilter;

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct QueueQuery {
    crop: String,
    commune: String,
    done: Option<String>,
    missing: String,
}

pub async fn queue(State(state): State<AppState>, ctx: Ctx, Query(q): Query<QueueQuery>) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    require_reviewer(viewer)?;
    let filter =
        ReviewFilter { crop: Some(q.crop.clone()).filter(|s| !s.is_empty()), commune: Some(q.commune.clone()).filter(|s| !s.is_empty()) };
    let listings = state.store.review_queue(&filter).await?;
    let lang = ctx.lang;
    let data = reference();
    let en = lang.is_en();
    let body = html! {
        h1 { (lang.t("review.title")) " (" (listings.len()) ")" }
        @if q.done.is_some() { div.notice role="status" { (lang.t("review.done")) } }
        (channels::missing_notice(lang, &q.missing))
        form.card method="get" action="/review" {
            div.row {
                div {
                    label for="crop" { (lang.t("listing.crop")) }
                    select #crop name="crop" {
                        option value="" { (lang.t("form.all")) }
                        @for c in &data.crops { option value=(c.key) selected[q.crop == c.key] { (c.name(en)) } }
                    }
                }
                div {
                    label for="commune" { (lang.t("profile.commune")) }
                    select #commune name="commune" {
                        option value="" { (lang.t("form.all")) }
                        @for c in &data.places.current { option value=(c.key) selected[q.commune == c.key] { "xã " (c.name) } }
                        optgroup label=(lang.t("profile.legacy_commune")) {
                            @for c in &data.places.legacy { option value=(c.key) selected[q.commune == c.key] { (c.name) } }
                        }
                    }
                }
            }
            div.actions { button.secondary type="submit" { (lang.t("form.filter")) } }
        }
        @if listings.is_empty() { p { (lang.t("review.empty")) } }
        @else {
            ul.plain.card {
                @for l in &listings {
                    (listing_summary(lang, l, &format!("/review/{}", l.id)))
                }
            }
        }
    };
    Ok(page(lang, ctx.viewer.as_ref(), lang.t("review.title"), &ctx.path, body).into_response())
}

/// The channel parts of the review page: the choice at approval, the card of an approved
/// listing, and what the last routing said.
struct ChannelParts {
    picker: Markup,
    section: Markup,
    notice: Markup,
}

fn review_page(
    ctx: &Ctx,
    state_data: (&nongsan_store::Listing, &[nongsan_store::Photo], &[nongsan_store::Change], &nongsan_store::User),
    edit: (&RawListing, &str),
    errors: &FieldErrors,
    parts: &ChannelParts,
) -> axum::response::Html<String> {
    let (l, photos, changes, farmer) = state_data;
    let lang = ctx.lang;
    let data = reference();
    let action = format!("/review/{}/edit", l.id);
    let body = html! {
        p { a href="/review" { "← " (lang.t("review.title")) } }
        (parts.notice)
        h1 { (l.fields.title) " " (status_badge(lang, l.status)) }
        p.meta {
            (lang.t("review.farmer")) ": " a href={ "/farmers/" (farmer.id) } { (farmer.profile.name) }
            @if let Some(c) = farmer.profile.commune.as_deref().and_then(|k| data.places.current(k)) { " · xã " (c.name) }
            @if let Some(label) = farmer.profile.legacy_commune.as_deref().and_then(|k| data.places.legacy_label(k)) { " (" (label) ")" }
            @if let Some(p) = &farmer.phone { " · " a href={ "tel:" (p) } { (p) } }
        }
        section.card {
            (listing_details(lang, l))
            (photo_strip(lang, photos, None))
        }
        @if l.status == Status::PendingReview {
            form.card method="post" action={ "/review/" (l.id) "/decision" } novalidate {
                h2 { (lang.t("review.decide")) }
                (csrf_field(&ctx.csrf))
                (error_summary(lang, errors))
                label for="decision-reason" { (lang.t("review.reason")) span.hint { (lang.t("review.reason_hint")) } }
                textarea #decision-reason name="reason" maxlength="1000" aria-invalid=[invalid(errors, "reason")] {}
                (field_error(lang, errors, "reason"))
                (parts.picker)
                div.actions {
                    button type="submit" name="decision" value="approve" { (lang.t("review.approve")) }
                    button.danger type="submit" name="decision" value="reject" { (lang.t("review.reject")) }
                }
            }
        }
        (parts.section)
        @if l.status.is_editable() {
            details.card open[!errors.is_empty() && errors.get("reason").is_none_or(|_| errors.0.len() > 1)] {
                summary { (lang.t("review.edit")) }
                (listing_form(&ListingForm {
                    lang, action: &action, csrf: &ctx.csrf, raw: edit.0, errors, submission_key: None, photos: false,
                    reason: Some(edit.1), submit_label: lang.t("review.save_edit"), draft_button: false,
                }))
            }
        }
        (change_log(lang, changes))
    };
    page(lang, ctx.viewer.as_ref(), &l.fields.title, &ctx.path, body)
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    edit: Option<(&RawListing, &str)>,
    errors: &FieldErrors,
    notice: Markup,
) -> Result<axum::response::Html<String>, AppError> {
    let listing = state.store.listing(id).await?;
    let photos = state.store.photos_of(id).await?;
    let changes = state.store.changes(id).await?;
    let farmer = state.store.user(listing.farmer_id).await?;
    let raw = listing.fields.to_raw();
    let edit = edit.unwrap_or((&raw, ""));
    let routed = state.store.channel_listings_of(id).await?;
    let (available, defaults) = channels::channel_choice(state, listing.farmer_id, &listing.fields.crop).await?;
    let parts = ChannelParts {
        picker: if listing.status == Status::PendingReview {
            channels::channel_picker(ctx.lang, &defaults, &available)
        } else {
            html! {}
        },
        section: channels::routing_section(ctx.lang, &ctx.csrf, &listing, &routed, &available),
        notice,
    };
    Ok(review_page(ctx, (&listing, &photos, &changes, &farmer), edit, errors, &parts))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    routed: Option<String>,
    missing: String,
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<ShowQuery>) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    require_reviewer(viewer)?;
    let lang = ctx.lang;
    let notice = html! {
        @if q.routed.is_some() { div.notice role="status" { (lang.t("channel.routed")) } }
        (channels::missing_notice(lang, &q.missing))
    };
    Ok(render(&state, &ctx, id, None, &FieldErrors::default(), notice).await?.into_response())
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    require_reviewer(viewer)?;
    let decision = match form.get("decision").as_str() {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject,
        _ => return Err(AppError::BadRequest("err.bad_request")),
    };
    match actions::review(&state, viewer, id, decision, &form.get("reason")).await {
        Ok(_) => {
            let mut missing = Vec::new();
            if decision == Decision::Approve
                && let Some(chosen) = channels::chosen_channels(&form)
            {
                missing = state.store.route_listing(id, &chosen).await?;
                tracing::info!(listing.id = id, curator.id = viewer.id(), channels = ?chosen, "listing routed at approval");
            }
            Ok(Redirect::to(&format!("/review?done=1&missing={}", missing.join(","))).into_response())
        }
        Err(AppError::Invalid(errors)) => Ok(invalid_page(render(&state, &ctx, id, None, &errors, html! {}).await?)),
        Err(e) => Err(e),
    }
}

pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    require_reviewer(viewer)?;
    let raw = raw_listing(&form);
    let reason = form.get("reason");
    match actions::edit_listing(&state, viewer, id, &raw, Some(&reason)).await {
        Ok(_) => Ok(Redirect::to(&format!("/review/{id}")).into_response()),
        Err(AppError::Invalid(errors)) => Ok(invalid_page(render(&state, &ctx, id, Some((&raw, &reason)), &errors, html! {}).await?)),
        Err(e) => Err(e),
    }
}
