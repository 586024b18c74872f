//! What buyers see: the catalogue with search and filters, a listing, a farmer.

use super::channels;
use super::layout::{date, field_error, invalid, page, vnd};
use super::manage::{listing_details, photo_strip};
use crate::actions;
use crate::auth::Ctx;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::params::CatalogueParams;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, PreEscaped, html};
use nongsan_domain::FieldErrors;
use nongsan_domain::account::Role;
use nongsan_domain::quantity::format_kg;
use nongsan_domain::reference::reference;
use nongsan_search::{CatalogueQuery, Hit};
use nongsan_store::Facet;

fn crop_icon(crop: &str) -> &'static str {
    match crop {
        "coffee" => "☕",
        "macadamia" => "🌰",
        "durian" => "🍈",
        _ => "🌱",
    }
}

fn commune_name(key: &str) -> String {
    let places = &reference().places;
    places.current(key).or_else(|| places.legacy(key)).map(|c| c.name.clone()).unwrap_or_else(|| key.to_owned())
}

/// A listing card: photo or crop icon, title, price, where.
fn card(lang: Lang, hit: &Hit, eager: bool) -> Markup {
    let l = &hit.listing;
    let loading = if eager { "eager" } else { "lazy" };
    html! {
        a.listing-card href={ "/listings/" (l.id) } {
            @if let Some(hash) = &l.cover_hash {
                img src=(actions::photo_url(hash, "thumb")) width="320" height="320" loading=(loading) alt=(l.fields.title);
            } @else {
                div.ph aria-hidden="true" { (crop_icon(&l.fields.crop)) }
            }
            div.body {
                h3 {
                    @if let Some(marked) = &hit.highlight { (PreEscaped(marked)) } @else { (l.fields.title) }
                }
                div.price { (vnd(l.fields.price_vnd_per_kg)) "/kg" }
                div.meta {
                    (format_kg(l.fields.quantity_kg)) " kg"
                    @if let Some(c) = &l.commune { " · " (commune_name(c)) }
                }
                div.meta { (lang.t("listing.until")) " " (date(l.fields.available_until)) }
            }
        }
    }
}

fn facet_links(params: &CatalogueParams, name: &str, facets: &[Facet], label: impl Fn(&str) -> String) -> Markup {
    let links: Vec<(String, String)> = facets
        .iter()
        .take(8)
        .map(|f| {
            let mut p = params.clone();
            match name {
                "crop" => p.crop = f.value.clone(),
                "commune" => p.commune = f.value.clone(),
                _ => p.certification = f.value.clone(),
            }
            (format!("/?{}", p.with_page(1)), format!("{} ({})", label(&f.value), f.count))
        })
        .collect();
    html! {
        @if links.len() > 1 {
            div.meta { @for (href, text) in &links { a.badge href=(href) { (text) } } }
        }
    }
}

const SUGGEST_JS: &str = "(function(){var q=document.getElementById('q'),l=document.getElementById('q-suggestions'),t;\
q.addEventListener('input',function(){clearTimeout(t);var v=q.value;if(v.length<2)return;t=setTimeout(function(){\
fetch('/api/v1/catalogue/suggest?q='+encodeURIComponent(v)).then(function(r){return r.json()}).then(function(d){\
l.textContent='';(d.suggestions||[]).forEach(function(s){var o=document.createElement('option');o.value=s.text;l.appendChild(o)})}).catch(function(){})},250)})})();";

fn filters(lang: Lang, p: &CatalogueParams, errors: &FieldErrors) -> Markup {
    let data = reference();
    let en = lang.is_en();
    let sorted = !p.sort.is_empty() && p.sort != "relevance";
    let chosen =
        [&p.crop, &p.variety, &p.form, &p.commune, &p.certification, &p.ocop_stars, &p.min_price, &p.max_price, &p.in_season, &p.in_stock];
    let open = chosen.iter().any(|s| !s.is_empty()) || sorted || !errors.is_empty();
    html! {
        form method="get" action="/" role="search" {
            div.search {
                input #q type="search" name="q" value=(p.q) placeholder=(lang.t("catalogue.placeholder")) aria-label=(lang.t("catalogue.search")) aria-invalid=[invalid(errors, "q")] list="q-suggestions" autocomplete="off";
                datalist #q-suggestions {}
                button type="submit" { (lang.t("catalogue.search")) }
            }
            // Search-as-you-type: a few hundred bytes that spare a slow round trip per guess.
            script { (PreEscaped(SUGGEST_JS)) }
            (field_error(lang, errors, "q"))
            details.filters open[open] {
                summary { (lang.t("catalogue.filters")) }
                div.row {
                    div {
                        label for="f-crop" { (lang.t("listing.crop")) }
                        select #f-crop name="crop" aria-invalid=[invalid(errors, "crop")] {
                            option value="" { (lang.t("form.all")) }
                            @for c in &data.crops { option value=(c.key) selected[p.crop == c.key] { (c.name(en)) } }
                        }
                    }
                    div {
                        label for="f-variety" { (lang.t("listing.variety")) }
                        select #f-variety name="variety" aria-invalid=[invalid(errors, "variety")] {
                            option value="" { (lang.t("form.all")) }
                            @for c in &data.crops { optgroup label=(c.name(en)) {
                                @for v in &c.varieties { option value=(v.key) selected[p.variety == v.key] { (v.name(en)) } }
                            } }
                        }
                    }
                    div {
                        label for="f-commune" { (lang.t("profile.commune")) }
                        select #f-commune name="commune" aria-invalid=[invalid(errors, "commune")] {
                            option value="" { (lang.t("form.all")) }
                            @for c in &data.places.current { option value=(c.key) selected[p.commune == c.key] { "xã " (c.name) } }
                            optgroup label=(lang.t("profile.legacy_commune")) {
                                @for c in &data.places.legacy { option value=(c.key) selected[p.commune == c.key] { (c.name) } }
                            }
                        }
                    }
                    div {
                        label for="f-cert" { (lang.t("listing.certifications")) }
                        select #f-cert name="certification" aria-invalid=[invalid(errors, "certification")] {
                            option value="" { (lang.t("form.all")) }
                            @for c in &data.certifications { option value=(c.key) selected[p.certification == c.key] { (c.name(en)) } }
                        }
                    }
                }
                div.row {
                    div {
                        label for="f-form" { (lang.t("listing.form")) }
                        select #f-form name="form" aria-invalid=[invalid(errors, "form")] {
                            option value="" { (lang.t("form.all")) }
                            @for c in &data.crops { optgroup label=(c.name(en)) {
                                @for v in &c.forms { option value=(v.key) selected[p.form == v.key] { (v.name(en)) } }
                            } }
                        }
                    }
                    div {
                        label for="f-ocop" { (lang.t("catalogue.ocop")) }
                        select #f-ocop name="ocop_stars" aria-invalid=[invalid(errors, "ocop_stars")] {
                            option value="" { (lang.t("form.all")) }
                            @for s in ["3", "4", "5"] { option value=(s) selected[p.ocop_stars == s] { (lang.tf("catalogue.ocop_at_least", &[("n", s)])) } }
                        }
                    }
                }
                div.checks {
                    label { input type="checkbox" name="in_season" value="1" checked[!p.in_season.is_empty()]; (lang.t("catalogue.in_season")) }
                    label { input type="checkbox" name="in_stock" value="1" checked[!p.in_stock.is_empty()]; (lang.t("catalogue.in_stock")) }
                }
                div.row {
                    div {
                        label for="f-min" { (lang.t("catalogue.min_price")) }
                        input #f-min type="text" inputmode="numeric" name="min_price" value=(p.min_price) aria-invalid=[invalid(errors, "min_price")];
                        (field_error(lang, errors, "min_price"))
                    }
                    div {
                        label for="f-max" { (lang.t("catalogue.max_price")) }
                        input #f-max type="text" inputmode="numeric" name="max_price" value=(p.max_price) aria-invalid=[invalid(errors, "max_price")];
                        (field_error(lang, errors, "max_price"))
                    }
                    div {
                        label for="f-sort" { (lang.t("catalogue.sort")) }
                        select #f-sort name="sort" {
                            @for (v, k) in [("relevance", "sort.relevance"), ("price_asc", "sort.price_asc"), ("price_desc", "sort.price_desc"), ("newest", "sort.newest")] {
                                option value=(v) selected[p.sort == v] { (lang.t(k)) }
                            }
                        }
                    }
                }
                div.actions { button.secondary type="submit" { (lang.t("form.filter")) } a href="/" { (lang.t("catalogue.clear")) } }
            }
        }
    }
}

pub async fn index(State(state): State<AppState>, ctx: Ctx, Query(params): Query<CatalogueParams>) -> Result<Response, AppError> {
    let lang = ctx.lang;
    let data = reference();
    let (query, errors) = match params.to_query() {
        Ok(q) => (q, FieldErrors::default()),
        Err(errors) => (CatalogueQuery { page: 1, ..CatalogueQuery::default() }, errors),
    };
    let result = state.catalogue.search(&query, actions::today()).await?;
    let pages = (result.total as u32).div_ceil(query.per_page.max(1)).max(1);
    let body = html! {
        h1 { (lang.t("catalogue.title")) }
        (filters(lang, &params, &errors))
        @if result.degraded { p.notice role="status" { (lang.t("catalogue.degraded")) } }
        p.meta role="status" { (lang.tf("catalogue.count", &[("n", &result.total.to_string())])) }
        (facet_links(&params, "crop", &result.facets.crop, |k| data.crop(k).map(|c| c.name(lang.is_en()).to_owned()).unwrap_or_default()))
        (facet_links(&params, "commune", &result.facets.commune, commune_name))
        @if result.hits.is_empty() {
            p.card { (lang.t("catalogue.empty")) }
        } @else {
            div.grid {
                @for (i, h) in result.hits.iter().enumerate() {
                    (card(lang, h, i < 4))
                }
            }
        }
        @if pages > 1 {
            nav.pager aria-label=(lang.t("catalogue.pages")) {
                @if query.page > 1 { a.button.secondary href={ "/?" (params.with_page(query.page - 1)) } { "← " (lang.t("catalogue.prev")) } } @else { span {} }
                span { (query.page) " / " (pages) }
                @if query.page < pages { a.button.secondary href={ "/?" (params.with_page(query.page + 1)) } { (lang.t("catalogue.next")) " →" } }
            }
        }
    };
    let mut response = page(lang, ctx.viewer.as_ref(), lang.t("catalogue.title"), &ctx.path, body).into_response();
    if !errors.is_empty() {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        response.extensions_mut().insert(crate::error::Rendered);
    }
    Ok(response)
}

pub async fn listing(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let lang = ctx.lang;
    let listing = actions::visible_listing(&state, ctx.viewer.as_ref(), id).await?;
    let farmer = state.store.user(listing.farmer_id).await?;
    let photos = state.store.photos_of(id).await?;
    let routed = state.store.channel_listings_of(id).await?;
    // Those who manage the listing also see where it stands on each marketplace.
    let manages = ctx.viewer.as_ref().is_some_and(|v| crate::auth::can_see_private(v, &farmer));
    let data = reference();
    let body = html! {
        h1 { (listing.fields.title) }
        @if !listing.status.is_public() { p.notice { (lang.t(&format!("status.{}", listing.status.as_str()))) } }
        section.card {
            (photo_strip(lang, &photos, None))
            (listing_details(lang, &listing))
            @if listing.status.is_public() { (channels::buy_links(lang, &routed)) }
        }
        @if manages && !routed.is_empty() {
            section.card {
                h2 { (lang.t("channel.title")) }
                (channels::channel_states(lang, &routed))
            }
        }
        section.card {
            h2 { (lang.t("listing.seller")) }
            p { a href={ "/farmers/" (farmer.id) } { strong { (farmer.profile.name) } } }
            p.meta {
                @if !farmer.profile.village.is_empty() { (farmer.profile.village) ", " }
                @if let Some(c) = farmer.profile.commune.as_deref().and_then(|k| data.places.current(k)) { "xã " (c.name) ", " (data.places.province) }
                @if let Some(label) = farmer.profile.legacy_commune.as_deref().and_then(|k| data.places.legacy_label(k)) { br; "(" (lang.t("listing.formerly")) " " (label) ")" }
            }
            @if let Some(phone) = &farmer.phone { a.button href={ "tel:" (phone) } { (lang.t("listing.call")) " " (phone) } }
        }
    };
    Ok(page(lang, ctx.viewer.as_ref(), &listing.fields.title, &ctx.path, body).into_response())
}

pub async fn farmer(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let lang = ctx.lang;
    let farmer = state.store.user(id).await?;
    if farmer.role != Role::Farmer {
        return Err(AppError::NotFound);
    }
    let filters = nongsan_store::Filters { farmer_id: Some(id), ..nongsan_store::Filters::default() };
    let query = CatalogueQuery { filters, page: 1, per_page: 100, ..CatalogueQuery::default() };
    let result = state.catalogue.search(&query, actions::today()).await?;
    let data = reference();
    let en = lang.is_en();
    let body = html! {
        h1 { (farmer.profile.name) }
        p.meta {
            (lang.t(&format!("seller_kind.{}", farmer.profile.seller_kind.as_str())))
            @if let Some(c) = farmer.profile.commune.as_deref().and_then(|k| data.places.current(k)) { " · xã " (c.name) }
            @if let Some(label) = farmer.profile.legacy_commune.as_deref().and_then(|k| data.places.legacy_label(k)) { " (" (label) ")" }
        }
        p {
            @for crop in &farmer.profile.crops { @if let Some(c) = data.crop(crop) { span.badge { (c.name(en)) } } }
            @for cert in &farmer.profile.certifications { @if let Some(c) = data.certification(cert) { span.badge { (c.name(en)) } } }
        }
        h2 { (lang.t("farmer.listings")) " (" (result.total) ")" }
        @if result.hits.is_empty() { p { (lang.t("farmer.no_listings")) } }
        div.grid { @for h in &result.hits { (card(lang, h, false)) } }
    };
    Ok(page(lang, ctx.viewer.as_ref(), &farmer.profile.name, &ctx.path, body).into_response())
}
