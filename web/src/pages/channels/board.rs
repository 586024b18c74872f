//! The sync board: where every approved listing stands on every marketplace, what went wrong in
//! plain words, and the few things a curator can do about it (retry, publish a crop, route).

use super::{
    CHANNELS, action_text, chosen_channels, clock, error_sentence, is_channel, missing_notice, observed, page_detail, site, state_badge,
    style,
};
use crate::auth::{Ctx, require_reviewer};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::CheckedForm;
use crate::pages::layout::{csrf_field, page};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use nongsan_domain::account::Role;
use nongsan_domain::listing::Status;
use nongsan_domain::reference::reference;
use nongsan_store::{BoardFilter, ChannelAccount, ChannelState};

/// The board's filters as typed in the address; values it does not know are ignored.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct BoardQuery {
    channel: String,
    state: String,
    crop: String,
    commune: String,
    done: String,
    n: String,
    missing: String,
}

impl BoardQuery {
    fn filter(&self) -> BoardFilter {
        let data = reference();
        let known_commune = data.places.current(&self.commune).is_some() || data.places.legacy(&self.commune).is_some();
        BoardFilter {
            channel: Some(self.channel.clone()).filter(|c| is_channel(c)),
            state: ChannelState::parse(&self.state),
            crop: Some(self.crop.clone()).filter(|c| data.crop(c).is_some()),
            commune: Some(self.commune.clone()).filter(|_| known_commune),
            communes: None,
            assisted_tasks: false,
        }
    }
}

/// Most channel listings the board shows at once.
const BOARD_LIMIT: i64 = 300;

fn commune_name(key: Option<&str>) -> String {
    let places = &reference().places;
    key.and_then(|k| places.current(k).or_else(|| places.legacy(k))).map(|c| c.name.clone()).unwrap_or_default()
}

/// "The postmart.vn account is paused until 14:05 after 5 failures in a row", with a resume
/// button for admins.
pub fn paused_banners(lang: Lang, csrf: &str, accounts: &[ChannelAccount], admin: bool, next: &str) -> Markup {
    let now = nongsan_store::now();
    html! {
        @for a in accounts.iter().filter(|a| a.active && a.paused_at(now)) {
            @let until = clock(a.paused_until.unwrap_or(now));
            @let n = a.consecutive_failures.to_string();
            @let args = [("name", a.name.as_str()), ("channel", site(&a.channel)), ("time", until.as_str()), ("n", n.as_str())];
            div.error role="alert" {
                @match a.paused_reason.as_deref() {
                    Some("breaker.credentials") => { (lang.tf("breaker.credentials", &args)) }
                    Some("breaker.failures") => { (lang.tf("breaker.failures", &args)) }
                    _ => { (lang.tf("breaker.other", &args)) }
                }
                @if admin {
                    form.inline method="post" action={ "/admin/channels/" (a.id) "/resume" } {
                        (csrf_field(csrf))
                        input type="hidden" name="next" value=(next);
                        " " button.secondary type="submit" { (lang.t("accounts.resume")) }
                    }
                }
            }
        }
    }
}

fn counts_table(lang: Lang, counts: &[(String, ChannelState, i64)]) -> Markup {
    let mut channels: Vec<&str> = CHANNELS.to_vec();
    for (c, _, _) in counts {
        if !channels.contains(&c.as_str()) {
            channels.push(c);
        }
    }
    let count =
        |channel: &str, state: ChannelState| counts.iter().find(|(c, s, _)| c == channel && *s == state).map(|(_, _, n)| *n).unwrap_or(0);
    html! {
        div.table-wrap {
            table.counts {
                thead { tr { th { (lang.t("sync.channel")) } @for s in ChannelState::ALL { th { (state_badge(lang, s)) } } } }
                tbody {
                    @for channel in channels {
                        tr {
                            td { a href={ "/sync?channel=" (channel) } { (site(channel)) } }
                            @for s in ChannelState::ALL {
                                td {
                                    @let n = count(channel, s);
                                    @if n > 0 { a href={ "/sync?channel=" (channel) "&state=" (s.as_str()) } { (n) } } @else { span.meta { "0" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn filters(lang: Lang, q: &BoardQuery) -> Markup {
    let data = reference();
    let en = lang.is_en();
    html! {
        form.card method="get" action="/sync" {
            div.row {
                div {
                    label for="f-channel" { (lang.t("sync.channel")) }
                    select #f-channel name="channel" {
                        option value="" { (lang.t("form.all")) }
                        @for c in CHANNELS { option value=(c) selected[q.channel == c] { (site(c)) } }
                    }
                }
                div {
                    label for="f-state" { (lang.t("sync.state")) }
                    select #f-state name="state" {
                        option value="" { (lang.t("form.all")) }
                        @for s in ChannelState::ALL { option value=(s.as_str()) selected[q.state == s.as_str()] { (lang.t(&format!("chstate.{}", s.as_str()))) } }
                    }
                }
                div {
                    label for="f-crop" { (lang.t("listing.crop")) }
                    select #f-crop name="crop" {
                        option value="" { (lang.t("form.all")) }
                        @for c in &data.crops { option value=(c.key) selected[q.crop == c.key] { (c.name(en)) } }
                    }
                }
                div {
                    label for="f-commune" { (lang.t("profile.commune")) }
                    select #f-commune name="commune" {
                        option value="" { (lang.t("form.all")) }
                        @for c in &data.places.current { option value=(c.key) selected[q.commune == c.key] { "xã " (c.name) } }
                        optgroup label=(lang.t("profile.legacy_commune")) {
                            @for c in &data.places.legacy { option value=(c.key) selected[q.commune == c.key] { (c.name) } }
                        }
                    }
                }
            }
            div.actions { button.secondary type="submit" { (lang.t("form.filter")) } a href="/sync" { (lang.t("catalogue.clear")) } }
        }
    }
}

fn publish_form(lang: Lang, csrf: &str) -> Markup {
    let data = reference();
    html! {
        details.card {
            summary { (lang.t("sync.publish_title")) }
            form method="post" action="/sync/publish" {
                (csrf_field(csrf))
                p.meta { (lang.t("sync.publish_hint")) }
                div.row {
                    div {
                        label for="p-crop" { (lang.t("listing.crop")) }
                        select #p-crop name="crop" { @for c in &data.crops { option value=(c.key) { (c.name(lang.is_en())) } } }
                    }
                    div {
                        label for="p-channel" { (lang.t("sync.channel")) }
                        select #p-channel name="channel" { @for c in CHANNELS { option value=(c) { (site(c)) } } }
                    }
                }
                div.actions { button type="submit" { (lang.t("sync.publish_submit")) } }
            }
        }
    }
}

pub async fn board(State(state): State<AppState>, ctx: Ctx, Query(q): Query<BoardQuery>) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    require_reviewer(viewer)?;
    let rows = state.store.channel_board(&q.filter(), BOARD_LIMIT).await?;
    let counts = state.store.channel_counts().await?;
    let accounts = state.store.channel_accounts().await?;
    let lang = ctx.lang;
    let admin = viewer.role() == Role::Admin;
    let label = |key: &str| lang.t(key);
    let body = html! {
        (style())
        h1 { (lang.t("sync.title")) }
        @match q.done.as_str() {
            "retry" => { div.notice role="status" { (lang.t("sync.retried")) } }
            "published" => { div.notice role="status" { (lang.tf("sync.published", &[("n", &q.n.parse::<u32>().unwrap_or(0).to_string())])) } }
            _ => {}
        }
        (missing_notice(lang, &q.missing))
        (paused_banners(lang, &ctx.csrf, &accounts, admin, &ctx.path))
        (counts_table(lang, &counts))
        (filters(lang, &q))
        (publish_form(lang, &ctx.csrf))
        p { a href="/helper/tasks" { (lang.t("sync.tasks_link")) } }
        @if rows.is_empty() {
            p.card { (lang.t("sync.empty")) }
        } @else {
            p.meta role="status" { (lang.tf("sync.count", &[("n", &rows.len().to_string())])) }
            div.table-wrap {
                table.cards {
                    thead {
                        tr {
                            th { (label("sync.listing")) } th { (label("review.farmer")) } th { (label("profile.commune")) }
                            th { (label("sync.channel")) } th { (label("sync.state")) } th { (label("sync.problem")) }
                            th { (label("sync.attempts")) } th {}
                        }
                    }
                    tbody {
                        @for cl in &rows {
                            tr {
                                td data-label=(label("sync.listing")) { a href={ "/review/" (cl.listing_id) } { (cl.title) } }
                                td data-label=(label("review.farmer")) { (cl.farmer_name) }
                                td data-label=(label("profile.commune")) { (commune_name(cl.commune.as_deref())) }
                                td data-label=(label("sync.channel")) {
                                    (site(&cl.channel))
                                    @if cl.account_mode == "assisted" { " " span.meta { "(" (lang.t("accounts.mode.assisted")) ")" } }
                                }
                                td data-label=(label("sync.state")) {
                                    (state_badge(lang, cl.state))
                                    @if let (ChannelState::Live, Some(url)) = (cl.state, cl.url.as_deref().and_then(super::safe_url)) {
                                        br; a href=(url) rel="noopener" { (lang.tf("channel.view_on", &[("site", site(&cl.channel))])) }
                                    }
                                    (observed(lang, cl))
                                }
                                td data-label=(label("sync.problem")) {
                                    // A queued retry keeps its last error in the row; it no longer describes the present.
                                    @if matches!(cl.state, ChannelState::Failed | ChannelState::NeedsAction)
                                        && let Some(sentence) = error_sentence(lang, cl)
                                    {
                                        (sentence)
                                    }
                                    @if let (ChannelState::NeedsAction, Some(action)) = (cl.state, cl.action.as_deref()) {
                                        div { strong { (lang.t("channel.action_needed")) ": " } (action_text(lang, action)) }
                                        (page_detail(lang, cl))
                                    }
                                }
                                td data-label=(label("sync.attempts")) { (cl.attempts) }
                                td {
                                    @if matches!(cl.state, ChannelState::Failed | ChannelState::NeedsAction) {
                                        form.inline method="post" action={ "/sync/" (cl.id) "/retry" } {
                                            (csrf_field(&ctx.csrf))
                                            button.secondary type="submit" { (lang.t("sync.retry")) }
                                        }
                                    }
                                    @if cl.account_mode == "assisted" && cl.state == ChannelState::NeedsAction {
                                        " " a href={ "/helper/tasks/" (cl.id) } { (lang.t("tasks.open")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(lang, ctx.viewer.as_ref(), lang.t("sync.title"), &ctx.path, body).into_response())
}

/// A curator's retry of one channel listing.
pub async fn retry(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, _form: CheckedForm) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    require_reviewer(viewer)?;
    state.store.channel_listing(id).await?;
    state.store.retry_channel_listing(id).await?;
    tracing::info!(channel_listing.id = id, curator.id = viewer.id(), "channel listing retried");
    Ok(Redirect::to("/sync?done=retry").into_response())
}

/// Most listings one bulk publish routes.
const PUBLISH_LIMIT: usize = 1000;

/// Routes every approved listing of a crop that is not on a channel yet to that channel,
/// keeping the channels each already goes to.
pub async fn publish(State(state): State<AppState>, ctx: Ctx, CheckedForm(form): CheckedForm) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    require_reviewer(viewer)?;
    let crop = form.get("crop");
    let channel = form.get("channel");
    if reference().crop(&crop).is_none() {
        return Err(AppError::invalid("crop", "err.crop.unknown"));
    }
    if !is_channel(&channel) {
        return Err(AppError::invalid("channel", "err.channel.unknown"));
    }
    let mut routed = 0;
    let mut after = 0;
    'pages: loop {
        let batch = state.store.public_listings_after(after, 200).await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        for listing in batch.iter().filter(|l| l.status == Status::Approved && l.fields.crop == crop) {
            let current = state.store.channel_listings_of(listing.id).await?;
            if current.iter().any(|c| c.channel == channel && c.wanted && c.state != ChannelState::NotPublished) {
                continue;
            }
            let mut wanted: Vec<String> = current.iter().filter(|c| c.wanted).map(|c| c.channel.clone()).collect();
            wanted.retain(|c| c != &channel);
            wanted.push(channel.clone());
            let missing = state.store.route_listing(listing.id, &wanted).await?;
            if missing.contains(&channel) {
                // No account for this farmer on the channel: with a shared account missing,
                // every other listing would fail the same way.
                if state.store.channel_accounts().await?.iter().all(|a| !(a.channel == channel && a.active && a.farmer_id.is_none())) {
                    return Ok(Redirect::to(&format!("/sync?done=published&n={routed}&missing={channel}")).into_response());
                }
                continue;
            }
            routed += 1;
            if routed >= PUBLISH_LIMIT {
                break 'pages;
            }
        }
    }
    tracing::info!(crop, channel, routed, curator.id = viewer.id(), "bulk publish");
    Ok(Redirect::to(&format!("/sync?done=published&n={routed}&channel={channel}&crop={crop}")).into_response())
}

/// A curator changes the channels of an approved listing.
pub async fn route(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    require_reviewer(viewer)?;
    let listing = state.store.listing(id).await?;
    if listing.status != Status::Approved {
        return Err(AppError::Conflict("err.channel.not_approved"));
    }
    let channels = chosen_channels(&form).ok_or(AppError::BadRequest("err.bad_request"))?;
    let missing = state.store.route_listing(id, &channels).await?;
    tracing::info!(listing.id = id, curator.id = viewer.id(), ?channels, "listing routed");
    Ok(Redirect::to(&format!("/review/{id}?routed=1&missing={}#channels", missing.join(","))).into_response())
}
