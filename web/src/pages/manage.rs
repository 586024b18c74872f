//! A farmer's own listings, managed by the farmer or by a helper acting for them.

use super::forms::{ListingForm, listing_form, raw_listing};
use super::layout::{csrf_field, date, datetime, page, vnd};
use super::{CheckedForm, Pairs, invalid_page};
use crate::actions::{self, OwnerAction};
use crate::auth::{Ctx, Viewer};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use nongsan_domain::FieldErrors;
use nongsan_domain::listing::{RawListing, Status};
use nongsan_domain::quantity::format_kg;
use nongsan_domain::reference::reference;
use nongsan_store::{Change, Listing, Photo, User};

/// Reads a multipart form: text fields, and the bytes of each non-empty `photo` file.
pub async fn read_multipart(mut multipart: Multipart) -> Result<(Pairs, Vec<Vec<u8>>), AppError> {
    let mut pairs = Vec::new();
    let mut files = Vec::new();
    while let Some(field) = multipart.next_field().await? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photo" {
            let bytes = field.bytes().await?;
            if !bytes.is_empty() {
                files.push(bytes.to_vec());
            }
        } else {
            let text = field.text().await?;
            pairs.push((name, text));
        }
    }
    Ok((Pairs(pairs), files))
}

/// "Acting for Bà Ka Điệp" when a helper works on a farmer's behalf.
fn acting_banner(lang: Lang, viewer: &Viewer, farmer: &User) -> Markup {
    html! {
        @if viewer.id() != farmer.id {
            div.notice role="status" { (lang.tf("helper.acting_for", &[("name", &farmer.profile.name)])) }
        }
    }
}

pub fn status_badge(lang: Lang, status: Status) -> Markup {
    html! { span class={ "badge status-" (status.as_str()) } { (lang.t(&format!("status.{}", status.as_str()))) } }
}

/// One line of a listing in a list.
pub fn listing_summary(lang: Lang, l: &Listing, href: &str) -> Markup {
    let data = reference();
    let crop = data.crop(&l.fields.crop);
    html! {
        li {
            a href=(href) { strong { (l.fields.title) } }
            " " (status_badge(lang, l.status))
            div.meta {
                @if let Some(c) = crop { (c.name(lang.is_en())) " · " }
                span.price { (vnd(l.fields.price_vnd_per_kg)) "/kg" } " · " (format_kg(l.fields.quantity_kg)) " kg · "
                (date(l.fields.available_from)) " – " (date(l.fields.available_until))
            }
            @if let (Status::Rejected, Some(reason)) = (l.status, &l.rejection_reason) {
                div.error { (lang.t("listing.rejected_because")) " " (reason) }
            }
        }
    }
}

pub async fn my_listings(State(state): State<AppState>, ctx: Ctx, Path(farmer_id): Path<i64>) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let farmer = actions::farmer_for(&state, viewer, farmer_id).await?;
    let listings = state.store.listings_of(farmer.id).await?;
    let lang = ctx.lang;
    let body = html! {
        (acting_banner(lang, viewer, &farmer))
        h1 { (lang.t("manage.title")) }
        a.button href={ "/manage/" (farmer.id) "/listings/new" } { "+ " (lang.t("manage.new")) }
        @if listings.is_empty() {
            p { (lang.t("manage.empty")) }
        } @else {
            ul.plain.card { @for l in &listings { (listing_summary(lang, l, &format!("/manage/listings/{}", l.id))) } }
        }
        p { a href={ "/manage/" (farmer.id) "/profile" } { (lang.t("nav.profile")) } }
        p { a href={ "/manage/" (farmer.id) "/sales" } { (lang.t("nav.my_sales")) } }
    };
    Ok(page(lang, ctx.viewer.as_ref(), lang.t("manage.title"), &ctx.path, body).into_response())
}

fn new_page(ctx: &Ctx, farmer: &User, raw: &RawListing, errors: &FieldErrors, key: &str) -> axum::response::Html<String> {
    let lang = ctx.lang;
    let viewer = ctx.viewer.as_ref().expect("checked by the handler");
    let action = format!("/manage/{}/listings/new", farmer.id);
    let body = html! {
        (acting_banner(lang, viewer, farmer))
        h1 { (lang.t("manage.new")) }
        (listing_form(&ListingForm {
            lang, action: &action, csrf: &ctx.csrf, raw, errors, submission_key: Some(key), photos: true, reason: None,
            submit_label: lang.t("listing.submit_for_review"), draft_button: true,
        }))
    };
    page(lang, ctx.viewer.as_ref(), lang.t("manage.new"), &ctx.path, body)
}

/// Sensible defaults: the farmer's first crop, from today for the usual season.
fn blank_listing(farmer: &User) -> RawListing {
    let today = actions::today();
    let until = nongsan_domain::listing::add_months(today, 2);
    RawListing {
        crop: farmer.profile.crops.first().cloned().unwrap_or_default(),
        unit: "kg".into(),
        available_from: nongsan_domain::listing::format_date(today),
        available_until: nongsan_domain::listing::format_date(until),
        ..RawListing::default()
    }
}

pub async fn new_form(State(state): State<AppState>, ctx: Ctx, Path(farmer_id): Path<i64>) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let farmer = actions::farmer_for(&state, viewer, farmer_id).await?;
    Ok(new_page(&ctx, &farmer, &blank_listing(&farmer), &FieldErrors::default(), &nongsan_store::random_token()).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(farmer_id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let (form, files) = read_multipart(multipart).await?;
    ctx.verify_csrf(&form.get("csrf"))?;
    let farmer = actions::farmer_for(&state, viewer, farmer_id).await?;
    let raw = raw_listing(&form);
    let key = form.get("submission_key");
    let submit = form.get("intent") != "draft";
    let mut errors = raw.validate(actions::today()).err().unwrap_or_default();
    if files.len() as i64 > nongsan_store::MAX_PHOTOS_PER_LISTING {
        errors.add("photo", "err.photo.too_many");
    }
    // Every photo is checked before anything is saved: a bad one keeps the whole form.
    let mut accepted = Vec::new();
    if errors.get("photo").is_none() {
        for bytes in files {
            match state.media.accept(bytes).await {
                Ok(stored) => accepted.push(stored),
                Err(e) if e == nongsan_media::PhotoError::Storage => return Err(e.into()),
                Err(e) => {
                    errors.add("photo", e.key());
                    break;
                }
            }
        }
    }
    if !errors.is_empty() {
        return Ok(invalid_page(new_page(&ctx, &farmer, &raw, &errors, &key)));
    }
    let (listing, _) = actions::create_listing(&state, viewer, farmer.id, &raw, submit, Some(key)).await?;
    for stored in accepted {
        state.store.add_photo(listing.id, &stored.hash, stored.width, stored.height, stored.bytes).await?;
    }
    state.catalogue.listing_changed(listing.id).await;
    Ok(Redirect::to(&format!("/manage/listings/{}?created=1", listing.id)).into_response())
}

/// The change log as the farmer sees it.
pub fn change_log(lang: Lang, changes: &[Change]) -> Markup {
    html! {
        h2 { (lang.t("changes.title")) }
        div.table-wrap {
            table {
                thead { tr { th { (lang.t("changes.when")) } th { (lang.t("changes.who")) } th { (lang.t("changes.what")) } th { (lang.t("changes.why")) } } }
                tbody {
                    @for c in changes {
                        tr {
                            td { (datetime(c.at)) }
                            td { (c.actor_name.as_deref().unwrap_or(lang.t("changes.system"))) }
                            td {
                                (lang.t(&format!("field.{}", c.field))) ": "
                                @if c.field == "status" {
                                    @if let Some(old) = c.old_value.as_deref().and_then(Status::parse) { (lang.t(&format!("status.{}", old.as_str()))) " → " }
                                    @if let Some(new) = c.new_value.as_deref().and_then(Status::parse) { (lang.t(&format!("status.{}", new.as_str()))) }
                                } @else {
                                    del { (c.old_value.as_deref().unwrap_or("")) } " → " ins { (c.new_value.as_deref().unwrap_or("")) }
                                }
                            }
                            td { (c.reason.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
    }
}

/// The details of a listing, as its farmer and curators read them.
pub fn listing_details(lang: Lang, l: &Listing) -> Markup {
    let data = reference();
    let en = lang.is_en();
    let crop = data.crop(&l.fields.crop);
    html! {
        dl {
            dt { (lang.t("listing.crop")) } dd { (crop.map(|c| c.name(en)).unwrap_or(&l.fields.crop)) }
            dt { (lang.t("listing.variety")) } dd { (crop.and_then(|c| c.variety(&l.fields.variety)).map(|v| v.name(en)).unwrap_or(&l.fields.variety)) }
            dt { (lang.t("listing.form")) } dd { (crop.and_then(|c| c.form(&l.fields.form)).map(|v| v.name(en)).unwrap_or(&l.fields.form)) }
            @if let Some(g) = l.fields.grade.as_deref() { dt { (lang.t("listing.grade")) } dd { (crop.and_then(|c| c.grade(g)).map(|v| v.name(en)).unwrap_or(g)) } }
            dt { (lang.t("listing.price")) } dd.price { (vnd(l.fields.price_vnd_per_kg)) "/kg " span.meta { "(" (lang.tf("listing.price_date", &[("date", &date(l.price_set_on))])) ")" } }
            dt { (lang.t("listing.quantity")) } dd { (format_kg(l.fields.quantity_kg)) " kg" }
            dt { (lang.t("listing.window")) } dd { (date(l.fields.available_from)) " – " (date(l.fields.available_until)) }
            @if !l.fields.certifications.is_empty() {
                dt { (lang.t("listing.certifications")) }
                dd { @for c in &l.fields.certifications { (certification_badge(lang, c, actions::today())) } }
            }
            @if !l.fields.description.is_empty() { dt { (lang.t("listing.description")) } dd { (l.fields.description) } }
        }
    }
}

/// A certification badge; an expired one is not shown.
pub fn certification_badge(lang: Lang, c: &nongsan_domain::listing::CertificationClaim, today: time::Date) -> Markup {
    let data = reference();
    html! {
        @if c.is_valid_on(today) {
            span.badge {
                (data.certification(&c.code).map(|x| x.name(lang.is_en())).unwrap_or(&c.code))
                @if let Some(s) = c.stars { " " (s) "★" }
            }
        }
    }
}

pub fn photo_strip(lang: Lang, photos: &[Photo], delete: Option<(&str, i64)>) -> Markup {
    html! {
        @if !photos.is_empty() {
            div.photos {
                @for p in photos {
                    figure {
                        a href=(actions::photo_url(&p.hash, "large")) {
                            img src=(actions::photo_url(&p.hash, "thumb")) width="120" height="120" loading="lazy" alt=(lang.t("listing.photo_alt"));
                        }
                        @if let Some((csrf, listing_id)) = delete {
                            form method="post" action={ "/manage/listings/" (listing_id) "/photos/" (p.id) "/delete" } {
                                (csrf_field(csrf))
                                button.link type="submit" { (lang.t("photo.delete")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn owner_actions(lang: Lang, csrf: &str, l: &Listing) -> Markup {
    let actions: Vec<(&str, &str)> = match l.status {
        Status::Draft | Status::Rejected | Status::Expired => vec![("submit", "action.submit")],
        Status::Approved => vec![("pause", "action.pause"), ("sell_out", "action.sell_out")],
        Status::Paused => vec![("resume", "action.resume")],
        Status::SoldOut => vec![("restock", "action.restock")],
        Status::PendingReview | Status::Archived => vec![],
    };
    html! {
        div.actions {
            @if l.status.is_editable() { a.button.secondary href={ "/manage/listings/" (l.id) "/edit" } { (lang.t("action.edit")) } }
            @for (action, label) in actions {
                form.inline method="post" action={ "/manage/listings/" (l.id) "/action" } {
                    (csrf_field(csrf)) input type="hidden" name="action" value=(action);
                    button type="submit" { (lang.t(label)) }
                }
            }
            @if l.status != Status::Archived {
                form.inline method="post" action={ "/manage/listings/" (l.id) "/action" } {
                    (csrf_field(csrf)) input type="hidden" name="action" value="archive";
                    button.danger type="submit" { (lang.t("action.archive")) }
                }
            }
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    created: Option<String>,
    saved: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<ShowQuery>,
) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let listing = actions::own_listing(&state, viewer, id).await?;
    let farmer = state.store.user(listing.farmer_id).await?;
    let photos = state.store.photos_of(id).await?;
    let changes = state.store.changes(id).await?;
    let channels = state.store.channel_listings_of(id).await?;
    let lang = ctx.lang;
    let body = html! {
        (acting_banner(lang, viewer, &farmer))
        p { a href={ "/manage/" (farmer.id) "/listings" } { "← " (lang.t("manage.title")) } }
        @if q.created.is_some() { div.notice role="status" { (lang.t(if listing.status == Status::Draft { "manage.saved_draft" } else { "manage.created" })) } }
        @if q.saved.is_some() { div.notice role="status" { (lang.t("manage.saved")) } }
        h1 { (listing.fields.title) " " (status_badge(lang, listing.status)) }
        @if let (Status::Rejected, Some(reason)) = (listing.status, &listing.rejection_reason) {
            div.error { (lang.t("listing.rejected_because")) " " (reason) }
        }
        @if listing.status.is_public() { p { a href={ "/listings/" (listing.id) } { (lang.t("manage.public_page")) } } }
        section.card {
            (listing_details(lang, &listing))
            (photo_strip(lang, &photos, Some((&ctx.csrf, listing.id))))
            @if (photos.len() as i64) < nongsan_store::MAX_PHOTOS_PER_LISTING && listing.status != Status::Archived {
                form method="post" action={ "/manage/listings/" (listing.id) "/photos" } enctype="multipart/form-data" {
                    (csrf_field(&ctx.csrf))
                    label for="photo" { (lang.t("photo.add")) span.hint { (lang.t("listing.photos_hint")) } }
                    input #photo type="file" name="photo" accept="image/jpeg,image/png,image/webp" multiple data-shrink;
                    div.photos #photo-preview {}
                    progress #photo-progress hidden max="100" value="0" {}
                    div.actions { button.secondary type="submit" { (lang.t("photo.upload")) } }
                    script { (maud::PreEscaped(super::forms::SHRINK_JS)) }
                }
            }
            (owner_actions(lang, &ctx.csrf, &listing))
        }
        (super::channels::channel_states(lang, &channels))
        (change_log(lang, &changes))
    };
    Ok(page(lang, ctx.viewer.as_ref(), &listing.fields.title, &ctx.path, body).into_response())
}

fn edit_page(ctx: &Ctx, l: &Listing, raw: &RawListing, errors: &FieldErrors) -> axum::response::Html<String> {
    let lang = ctx.lang;
    let action = format!("/manage/listings/{}/edit", l.id);
    let body = html! {
        p { a href={ "/manage/listings/" (l.id) } { "← " (l.fields.title) } }
        h1 { (lang.t("manage.edit")) }
        @if matches!(l.status, Status::Approved | Status::Paused | Status::SoldOut) { p.notice { (lang.t("manage.edit_review_note")) } }
        (listing_form(&ListingForm {
            lang, action: &action, csrf: &ctx.csrf, raw, errors, submission_key: None, photos: false, reason: None,
            submit_label: lang.t("form.save"), draft_button: false,
        }))
    };
    page(lang, ctx.viewer.as_ref(), lang.t("manage.edit"), &ctx.path, body)
}

pub async fn edit_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let listing = actions::own_listing(&state, viewer, id).await?;
    Ok(edit_page(&ctx, &listing, &listing.fields.to_raw(), &FieldErrors::default()).into_response())
}

pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let listing = actions::own_listing(&state, viewer, id).await?;
    let raw = raw_listing(&form);
    match actions::edit_listing(&state, viewer, id, &raw, None).await {
        Ok(_) => Ok(Redirect::to(&format!("/manage/listings/{id}?saved=1")).into_response()),
        Err(AppError::Invalid(errors)) => Ok(invalid_page(edit_page(&ctx, &listing, &raw, &errors))),
        Err(e) => Err(e),
    }
}

pub async fn action(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let action: OwnerAction =
        serde_json::from_value(serde_json::Value::String(form.get("action"))).map_err(|_| AppError::BadRequest("err.bad_request"))?;
    actions::owner_action(&state, viewer, id, action).await?;
    Ok(Redirect::to(&format!("/manage/listings/{id}")).into_response())
}

pub async fn add_photos(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, multipart: Multipart) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let (form, files) = read_multipart(multipart).await?;
    ctx.verify_csrf(&form.get("csrf"))?;
    if files.is_empty() {
        return Err(AppError::invalid("photo", "err.photo.empty"));
    }
    for bytes in files {
        actions::add_photo(&state, viewer, id, bytes).await?;
    }
    Ok(Redirect::to(&format!("/manage/listings/{id}")).into_response())
}

pub async fn delete_photo(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, photo_id)): Path<(i64, i64)>,
    _checked: CheckedForm,
) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    actions::delete_photo(&state, viewer, id, photo_id).await?;
    Ok(Redirect::to(&format!("/manage/listings/{id}")).into_response())
}
