//! A farmer's own sales, and the short form to record one made offline (to a trader at the
//! farm gate), for the farmer or a helper acting for them.

use super::SavedQuery;
use super::layout::{csrf_field, date, error_summary, field_error, invalid, page, vnd};
use super::reports::{channel_name, html_table};
use super::{CheckedForm, Pairs, invalid_page};
use crate::actions;
use crate::auth::{Ctx, Viewer};
use crate::error::AppError;
use crate::export::{Cell, Table};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::html;
use nongsan_domain::FieldErrors;
use nongsan_domain::listing::{Status, format_date};
use nongsan_domain::quantity::{Unit, format_kg, format_vnd};
use nongsan_domain::sales::{Channel, RawSale, Source};
use nongsan_store::{Listing, NewSale, Period, Sale, SalesFilter, Totals, User, manual_sale_ref};

/// Months shown on the farmer's page.
const MONTHS: i64 = 12;
/// Recent sales listed.
const RECENT: i64 = 20;

/// Listings a sale can be recorded against: on sale or paused, with stock left.
fn sellable(listings: &[Listing]) -> Vec<&Listing> {
    listings.iter().filter(|l| matches!(l.status, Status::Approved | Status::Paused) && l.fields.quantity_kg > 0.0).collect()
}

struct View<'a> {
    farmer: &'a User,
    listings: Vec<Listing>,
    totals: Totals,
    by_channel: Vec<nongsan_store::Bucket>,
    by_month: Vec<nongsan_store::Bucket>,
    recent: Vec<Sale>,
}

async fn load<'a>(state: &AppState, farmer: &'a User) -> Result<View<'a>, AppError> {
    let today = actions::today();
    let filter = SalesFilter { farmer_id: Some(farmer.id), ..SalesFilter::default() };
    let months = SalesFilter { from: Some(today - time::Duration::days(MONTHS * 31)), ..filter.clone() };
    let store = &state.store;
    let (listings, totals, by_channel, by_month, recent) = tokio::try_join!(
        store.listings_of(farmer.id),
        store.sales_totals(&filter),
        store.sales_by_channel(&filter),
        store.sales_over_time(&months, Period::Month),
        store.sales_page(&filter, RECENT, 0),
    )?;
    Ok(View { farmer, listings, totals, by_channel, by_month, recent })
}

fn sales_page(ctx: &Ctx, view: &View<'_>, raw: &RawSale, errors: &FieldErrors, key: &str, saved: bool) -> Html<String> {
    let lang = ctx.lang;
    let viewer = ctx.viewer.as_ref().expect("checked by the handler");
    let farmer = view.farmer;
    let options = sellable(&view.listings);
    let header = |k: &str| lang.t(k).to_owned();
    let channels = Table {
        stem: "channels",
        title: lang.t("report.by_channel").into(),
        headers: vec![header("report.col.channel"), header("report.col.sales"), header("report.col.kg"), header("report.col.vnd")],
        rows: view
            .by_channel
            .iter()
            .map(|b| {
                vec![
                    Cell::text(channel_name(lang, &b.key)),
                    Cell::Int(b.totals.sales),
                    Cell::Kg(b.totals.quantity_kg),
                    Cell::Money(b.totals.total_vnd),
                ]
            })
            .collect(),
    };
    let months = Table {
        stem: "months",
        title: lang.t("sales.by_month").into(),
        headers: vec![header("report.col.month"), header("report.col.sales"), header("report.col.kg"), header("report.col.vnd")],
        rows: view
            .by_month
            .iter()
            .rev()
            .map(|b| {
                let label = b.key.split_once('-').map(|(y, m)| format!("{m}/{y}")).unwrap_or_else(|| b.key.clone());
                vec![Cell::Text(label), Cell::Int(b.totals.sales), Cell::Kg(b.totals.quantity_kg), Cell::Money(b.totals.total_vnd)]
            })
            .collect(),
    };
    let action = format!("/manage/{}/sales", farmer.id);
    let body = html! {
        @if viewer.id() != farmer.id {
            div.notice role="status" { (lang.tf("helper.acting_for", &[("name", &farmer.profile.name)])) }
        }
        h1 { (lang.t("sales.title")) }
        @if saved { div.notice role="status" { (lang.t("sales.saved")) } }
        section.card {
            h2 { (lang.t("sales.totals")) }
            p {
                strong.price { (vnd(view.totals.total_vnd)) } " · " (format_kg(view.totals.quantity_kg)) " kg · "
                (lang.tf("report.n_sales", &[("n", &format_vnd(view.totals.sales))]))
            }
            (html_table(lang, &channels, None))
            (html_table(lang, &months, None))
        }
        form.card method="post" action=(action) novalidate {
            h2 { (lang.t("sales.record")) }
            p.meta { (lang.t("sales.record_note")) }
            (csrf_field(&ctx.csrf))
            input type="hidden" name="submission_key" value=(key);
            (error_summary(lang, errors))
            @if options.is_empty() {
                p { (lang.t("sales.no_listing")) }
            } @else {
                label for="listing_id" { (lang.t("sales.listing")) }
                select #listing_id name="listing_id" aria-invalid=[invalid(errors, "listing_id")] {
                    @for l in &options {
                        option value=(l.id) selected[raw.listing_id == l.id.to_string()] {
                            (l.fields.title) " — " (format_kg(l.fields.quantity_kg)) " kg, " (vnd(l.fields.price_vnd_per_kg)) "/kg"
                        }
                    }
                }
                (field_error(lang, errors, "listing_id"))
                div.row {
                    div {
                        label for="quantity" { (lang.t("listing.quantity")) }
                        input #quantity type="text" inputmode="decimal" name="quantity" value=(raw.quantity) aria-invalid=[invalid(errors, "quantity")];
                        (field_error(lang, errors, "quantity"))
                    }
                    div {
                        label for="unit" { (lang.t("listing.unit")) }
                        select #unit name="unit" aria-invalid=[invalid(errors, "unit")] {
                            @for unit in Unit::ALL {
                                option value=(unit.as_str()) selected[Unit::parse(&raw.unit).unwrap_or_default() == unit] { (lang.t(&format!("unit.{}", unit.as_str()))) }
                            }
                        }
                        (field_error(lang, errors, "unit"))
                    }
                }
                label for="price_vnd_per_kg" { (lang.t("sales.price")) span.hint { (lang.t("sales.price_hint")) } }
                input #price_vnd_per_kg type="text" inputmode="numeric" name="price_vnd_per_kg" value=(raw.price_vnd_per_kg) aria-invalid=[invalid(errors, "price_vnd_per_kg")];
                (field_error(lang, errors, "price_vnd_per_kg"))
                label for="sale_date" { (lang.t("sales.date")) }
                input #sale_date type="date" name="sale_date" value=(raw.sale_date) aria-invalid=[invalid(errors, "sale_date")];
                (field_error(lang, errors, "sale_date"))
                label for="buyer_note" { (lang.t("sales.buyer_note")) span.hint { (lang.t("form.optional")) } }
                input #buyer_note type="text" name="buyer_note" value=(raw.buyer_note) maxlength="200" aria-invalid=[invalid(errors, "buyer_note")];
                (field_error(lang, errors, "buyer_note"))
                div.actions { button type="submit" { (lang.t("sales.record_submit")) } }
            }
        }
        section.card {
            h2 { (lang.t("sales.recent")) }
            @if view.recent.is_empty() { p { (lang.t("sales.none")) } }
            ul.plain {
                @for s in &view.recent {
                    li {
                        strong { (date(s.sale_date)) } " · " (s.listing_title.as_deref().unwrap_or(""))
                        div.meta {
                            (channel_name(lang, s.channel.as_str())) " · " (format_kg(s.quantity_kg)) " kg × " (vnd(s.unit_price_vnd)) " = "
                            span.price { (vnd(s.total_vnd)) }
                            @if s.estimated { " · " (lang.t("sales.estimated")) }
                            @if !s.buyer_note.is_empty() { " · " (s.buyer_note) }
                        }
                    }
                }
            }
        }
        p { a href={ "/manage/" (farmer.id) "/listings" } { (lang.t("nav.my_listings")) } }
    };
    page(lang, ctx.viewer.as_ref(), lang.t("sales.title"), &ctx.path, body)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(farmer_id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let farmer = actions::farmer_for(&state, viewer, farmer_id).await?;
    let view = load(&state, &farmer).await?;
    let raw = RawSale { unit: "kg".into(), sale_date: format_date(actions::today()), ..RawSale::default() };
    let key = nongsan_store::random_token();
    Ok(sales_page(&ctx, &view, &raw, &FieldErrors::default(), &key, q.saved.is_some()).into_response())
}

fn raw_sale(form: &Pairs) -> RawSale {
    RawSale {
        listing_id: form.get("listing_id"),
        quantity: form.get("quantity"),
        unit: form.get("unit"),
        price_vnd_per_kg: form.get("price_vnd_per_kg"),
        sale_date: form.get("sale_date"),
        buyer_note: form.get("buyer_note"),
    }
}

/// Checks an offline sale against the farmer's listings and records it once per form key.
pub async fn record_offline_sale(
    state: &AppState,
    viewer: &Viewer,
    farmer: &User,
    listings: &[Listing],
    raw: &RawSale,
    key: &str,
) -> Result<(i64, bool), AppError> {
    let key = key.trim();
    if key.is_empty() || key.len() > 100 {
        return Err(AppError::BadRequest("err.bad_request"));
    }
    // The same form sent twice: the first sending may already have sold the listing out.
    if let Some(done) = state.store.sale_by_ref(Source::Manual, &manual_sale_ref(farmer.id, key)).await? {
        return Ok((done.id, false));
    }
    let mut sale = raw.validate(actions::today()).map_err(AppError::Invalid)?;
    let Some(listing) = sellable(listings).into_iter().find(|l| l.id == sale.listing_id) else {
        return Err(AppError::invalid("listing_id", "err.sale.listing"));
    };
    // A sale of a little more than listed is a rounding of the scales, not a new harvest.
    if sale.quantity_kg > listing.fields.quantity_kg + 0.5 {
        return Err(AppError::invalid("quantity", "err.sale.more_than_listed"));
    }
    sale.quantity_kg = sale.quantity_kg.min(listing.fields.quantity_kg);
    let total = (sale.quantity_kg * sale.unit_price_vnd as f64).round() as i64;
    let new = NewSale {
        listing_id: listing.id,
        channel: Channel::Direct,
        source: Source::Manual,
        external_ref: manual_sale_ref(farmer.id, key),
        quantity_kg: sale.quantity_kg,
        unit_price_vnd: sale.unit_price_vnd,
        total_vnd: total,
        sale_date: sale.sale_date,
        estimated: false,
        buyer_note: sale.buyer_note,
        recorded_by: Some(viewer.id()),
    };
    Ok(state.store.record_sale(&new).await?)
}

pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(farmer_id): Path<i64>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let farmer = actions::farmer_for(&state, viewer, farmer_id).await?;
    let raw = raw_sale(&form);
    let key = form.get("submission_key");
    let listings = state.store.listings_of(farmer.id).await?;
    match record_offline_sale(&state, viewer, &farmer, &listings, &raw, &key).await {
        Ok(_) => Ok(Redirect::to(&format!("/manage/{}/sales?saved=1", farmer.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let view = load(&state, &farmer).await?;
            Ok(invalid_page(sales_page(&ctx, &view, &raw, &errors, &key, false)))
        }
        Err(e) => Err(e),
    }
}
