//! Assisted channels: what a helper enters by hand in a marketplace's seller centre. Each task
//! is a ready-to-enter package (title with pack, description, price, category, square photos,
//! copy buttons, a downloadable bundle), and a form to say it is done (the product URL).

use super::package::{LISTING_TXT, Package, external_id, listing_txt, package, product_url_for, stock};
use super::{action_text, site, state_badge, style};
use crate::auth::{Ctx, Viewer};
use crate::bundle::Zip;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::layout::{csrf_field, error_summary, field_error, invalid, page, vnd};
use crate::pages::{CheckedForm, invalid_page};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use nongsan_domain::FieldErrors;
use nongsan_domain::account::Role;
use nongsan_domain::reference::reference;
use nongsan_store::{BoardFilter, ChannelListing, ChannelState};

/// Marketplace photos: square, 800 px, from originals of at least 500 px.
const PHOTO_SIDE: u32 = 800;
const PHOTO_MIN_SIDE: u32 = 500;
const TAKE_DOWN: &str = "action.take_down_in_seller_centre";

/// Shows the copy buttons (hidden without JavaScript: the texts stay selectable) and copies.
const COPY_JS: &str = "document.querySelectorAll('[data-copy]').forEach(function(b){b.hidden=false;b.addEventListener('click',function(){\
var t=document.getElementById(b.getAttribute('data-copy'));var v=t.value!==undefined?t.value:t.textContent;\
var ok=function(){b.textContent=b.getAttribute('data-done')};var no=function(){if(t.select)t.select()};\
if(navigator.clipboard){navigator.clipboard.writeText(v).then(ok,no)}else{no()}})})";

/// The task behind `id`, if the viewer may work on it: helpers for their communes, curators
/// and admins for all.
async fn task_for(state: &AppState, viewer: &Viewer, id: i64) -> Result<ChannelListing, AppError> {
    if !matches!(viewer.role(), Role::Helper | Role::Curator | Role::Admin) {
        return Err(AppError::Forbidden);
    }
    let cl = state.store.channel_listing(id).await?;
    if cl.account_mode != "assisted" {
        return Err(AppError::NotFound);
    }
    if viewer.role() == Role::Helper && !cl.commune.as_ref().is_some_and(|c| viewer.communes.contains(c)) {
        return Err(AppError::Forbidden);
    }
    Ok(cl)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct TasksQuery {
    done: Option<String>,
}

pub async fn tasks(State(state): State<AppState>, ctx: Ctx, Query(q): Query<TasksQuery>) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let communes = match viewer.role() {
        Role::Helper => Some(viewer.communes.clone()),
        Role::Curator | Role::Admin => None,
        Role::Farmer => return Err(AppError::Forbidden),
    };
    let list = state.store.channel_board(&BoardFilter { assisted_tasks: true, communes, ..BoardFilter::default() }, 300).await?;
    let lang = ctx.lang;
    let data = reference();
    let body = html! {
        (style())
        h1 { (lang.t("tasks.title")) }
        @match q.done.as_deref() {
            Some("watch") => { div.notice role="status" { (lang.t("tasks.done_watch")) } }
            Some(_) => { div.notice role="status" { (lang.t("tasks.done_notice")) } }
            None => {}
        }
        p.meta { (lang.t("tasks.intro")) }
        @if list.is_empty() { p.card { (lang.t("tasks.empty")) } }
        @else {
            ul.plain.card {
                @for cl in &list {
                    li {
                        a href={ "/helper/tasks/" (cl.id) } { strong { (cl.title) } }
                        " " span.badge { (site(&cl.channel)) }
                        div.meta {
                            (cl.farmer_name)
                            @if let Some(c) = cl.commune.as_deref().and_then(|k| data.places.current(k)) { " · xã " (c.name) }
                        }
                        @if let Some(action) = cl.action.as_deref() { div { (action_text(lang, action)) } }
                    }
                }
            }
        }
    };
    Ok(page(lang, ctx.viewer.as_ref(), lang.t("tasks.title"), &ctx.path, body).into_response())
}

fn copy_button(lang: Lang, target: &str) -> Markup {
    html! { button.secondary type="button" data-copy=(target) data-done=(lang.t("tasks.copied")) hidden { (lang.t("tasks.copy")) } }
}

fn task_page(
    ctx: &Ctx,
    cl: &ChannelListing,
    pkg: &Package,
    photos: usize,
    url: &str,
    errors: &FieldErrors,
) -> axum::response::Html<String> {
    let lang = ctx.lang;
    let take_down = cl.action.as_deref() == Some(TAKE_DOWN);
    let body = html! {
        (style())
        p { a href="/helper/tasks" { "← " (lang.t("tasks.title")) } }
        h1 { (cl.title) }
        p.meta {
            (cl.farmer_name) " · " (site(&cl.channel)) " " (state_badge(lang, cl.state))
        }
        @if let Some(action) = cl.action.as_deref() {
            div.notice role="status" { strong { (lang.t("channel.action_needed")) ": " } (action_text(lang, action)) }
        }
        section.card.pkg {
            h2 { (lang.t("tasks.package")) }
            label for="pkg-title" { (lang.t("pkg.title")) }
            input #pkg-title type="text" readonly value=(pkg.title);
            (copy_button(lang, "pkg-title"))
            label for="pkg-price" { (lang.t("pkg.price")) span.hint { (vnd(pkg.price)) "/kg" } }
            input #pkg-price type="text" readonly value=(pkg.price);
            (copy_button(lang, "pkg-price"))
            label for="pkg-stock" { (lang.t("pkg.stock")) }
            input #pkg-stock type="text" readonly value=(pkg.stock_kg);
            (copy_button(lang, "pkg-stock"))
            label for="pkg-category" { (lang.t("pkg.category")) }
            input #pkg-category type="text" readonly value=(pkg.category);
            (copy_button(lang, "pkg-category"))
            label for="pkg-description" { (lang.t("pkg.description")) }
            textarea #pkg-description readonly rows="10" { (pkg.description) }
            (copy_button(lang, "pkg-description"))
            h3 { (lang.t("tasks.photos")) }
            @if photos == 0 { p.meta { (lang.t("tasks.no_photos")) } }
            div.photos {
                @for n in 1..=photos {
                    figure {
                        a href={ "/helper/tasks/" (cl.id) "/photos/" (n) ".jpg" } download={ "anh-" (n) ".jpg" } {
                            img src={ "/helper/tasks/" (cl.id) "/photos/" (n) ".jpg" } width="120" height="120" loading="lazy" alt=(lang.t("listing.photo_alt"));
                        }
                    }
                }
            }
            div.actions { a.button.secondary href={ "/helper/tasks/" (cl.id) "/bundle.zip" } download { (lang.t("tasks.bundle")) } }
            script { (PreEscaped(COPY_JS)) }
        }
        @if cl.state == ChannelState::NeedsAction {
            form.card method="post" action={ "/helper/tasks/" (cl.id) "/done" } novalidate {
                (csrf_field(&ctx.csrf))
                (error_summary(lang, errors))
                @if take_down {
                    p { (lang.tf("tasks.confirm_take_down", &[("site", site(&cl.channel))])) }
                    div.actions { button type="submit" { (lang.t("tasks.taken_down")) } }
                } @else {
                    label for="url" { (lang.t("tasks.url")) span.hint { (lang.tf("tasks.url_hint", &[("site", site(&cl.channel))])) } }
                    input #url type="text" inputmode="url" name="url" value=(url) aria-invalid=[invalid(errors, "url")];
                    (field_error(lang, errors, "url"))
                    div.actions { button type="submit" { (lang.t("tasks.done")) } }
                }
            }
        }
    };
    page(lang, ctx.viewer.as_ref(), &cl.title, &ctx.path, body)
}

pub async fn task(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let cl = task_for(&state, viewer, id).await?;
    let listing = state.store.listing(cl.listing_id).await?;
    let photos = state.store.photos_of(cl.listing_id).await?;
    let url = cl.url.clone().unwrap_or_default();
    Ok(task_page(&ctx, &cl, &package(&listing, &cl), photos.len(), &url, &FieldErrors::default()).into_response())
}

pub async fn task_photo(State(state): State<AppState>, ctx: Ctx, Path((id, file)): Path<(i64, String)>) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let n: usize = file.strip_suffix(".jpg").and_then(|n| n.parse().ok()).ok_or(AppError::NotFound)?;
    let cl = task_for(&state, viewer, id).await?;
    let photos = state.store.photos_of(cl.listing_id).await?;
    let photo = n.checked_sub(1).and_then(|i| photos.get(i)).ok_or(AppError::NotFound)?;
    let jpeg = state.media.channel_variant(&photo.hash, PHOTO_SIDE, true, PHOTO_MIN_SIDE).await?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "private, max-age=3600")], jpeg).into_response())
}

fn local_now() -> time::PrimitiveDateTime {
    let offset = time::UtcOffset::from_whole_seconds(nongsan_domain::VIETNAM_UTC_OFFSET_SECS as i32).unwrap_or(time::UtcOffset::UTC);
    let now = time::OffsetDateTime::now_utc().to_offset(offset);
    time::PrimitiveDateTime::new(now.date(), now.time())
}

pub async fn task_bundle(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let cl = task_for(&state, viewer, id).await?;
    let listing = state.store.listing(cl.listing_id).await?;
    let pkg = package(&listing, &cl);
    let mut zip = Zip::new(local_now());
    let fail = |e: crate::bundle::ZipError| AppError::Internal(e.to_string());
    zip.add(LISTING_TXT, &listing_txt(&pkg, &cl)).map_err(fail)?;
    for (i, photo) in state.store.photos_of(cl.listing_id).await?.iter().enumerate() {
        match state.media.channel_variant(&photo.hash, PHOTO_SIDE, true, PHOTO_MIN_SIDE).await {
            Ok(jpeg) => zip.add(&format!("anh-{}.jpg", i + 1), &jpeg).map_err(fail)?,
            // A photo too small for the marketplace stays out of the bundle, as it does from the page's use.
            Err(e) => tracing::info!(photo = %photo.hash, error = %e, "photo left out of the bundle"),
        }
    }
    let disposition = format!("attachment; filename=\"nongsan-{}.zip\"", cl.sku);
    Ok(([(header::CONTENT_TYPE, "application/zip".to_owned()), (header::CONTENT_DISPOSITION, disposition)], zip.finish()).into_response())
}

pub async fn task_done(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let cl = task_for(&state, viewer, id).await?;
    if cl.state != ChannelState::NeedsAction {
        return Err(AppError::Conflict("err.task.not_pending"));
    }
    if cl.action.as_deref() == Some(TAKE_DOWN) {
        state.store.mark_channel_delisted(id, true).await?;
        tracing::info!(channel_listing.id = id, helper.id = viewer.id(), "assisted listing taken down");
        return Ok(Redirect::to("/helper/tasks?done=1").into_response());
    }
    let listing = state.store.listing(cl.listing_id).await?;
    let typed = form.get("url");
    // The account's own host counts too: a shop elsewhere (the demo's sandbox) has its
    // product pages there.
    let account = state.store.channel_account(cl.account_id).await?;
    let url = match product_url_for(&cl.channel, &typed, &account.base_url) {
        Ok(url) => url,
        Err(key) => {
            let photos = state.store.photos_of(cl.listing_id).await?;
            let errors = FieldErrors::single("url", key);
            return Ok(invalid_page(task_page(&ctx, &cl, &package(&listing, &cl), photos.len(), &typed, &errors)));
        }
    };
    let external = external_id(&cl.channel, &url);
    if cl.channel == "voso" {
        // voso's page is read before the listing counts as live: the watcher confirms it.
        state.store.link_channel_page(id, &url, &external).await?;
        tracing::info!(channel_listing.id = id, helper.id = viewer.id(), external_id = %external, "assisted listing linked to its page");
        return Ok(Redirect::to("/helper/tasks?done=watch").into_response());
    }
    state.store.mark_channel_live(id, &external, Some(&url), "assisted", listing.fields.price_vnd_per_kg, stock(&listing)).await?;
    tracing::info!(channel_listing.id = id, helper.id = viewer.id(), external_id = %external, "assisted listing live");
    Ok(Redirect::to("/helper/tasks?done=1").into_response())
}
