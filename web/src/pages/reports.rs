//! The office's sales dashboard: filters, totals, sales over time, the split by channel, the
//! weekly median price per kg against the price history, top communes and adoption; every
//! table also as CSV and XLSX with the same filters.

use super::layout::{date, page, vnd};
use crate::auth::{Ctx, require_reviewer};
use crate::chart::{self, Bar};
use crate::error::AppError;
use crate::export::{Cell, Format, Table, download};
use crate::i18n::Lang;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use nongsan_domain::FieldErrors;
use nongsan_domain::listing::{format_date, parse_date};
use nongsan_domain::reference::reference;
use nongsan_domain::sales::Channel;
use nongsan_store::{Bucket, Dashboard, Period, Sale, SalesFilter};
use time::Date;

/// The filters as the query string carries them; anything unreadable is a 422 that says which.
#[derive(Debug, Clone, Default, serde::Deserialize, PartialEq)]
#[serde(default)]
pub struct SalesQuery {
    pub from: String,
    pub to: String,
    pub crop: String,
    /// A current commune key, or `legacy:` and a legacy commune key.
    pub commune: String,
    pub channel: String,
    /// `week`, `month`, or empty to choose by the period's length.
    pub by: String,
}

/// A period without dates: the last half year.
pub const DEFAULT_DAYS: i64 = 182;
/// Periods longer than this are drawn by month.
const WEEKLY_UP_TO_DAYS: i64 = 190;
/// Rows a ledger export may hold; more must be narrowed first.
pub const MAX_EXPORT_ROWS: i64 = 100_000;
/// Rows of the ledger shown on the page.
const LEDGER_ROWS: i64 = 50;

impl SalesQuery {
    /// The store's filter and the grouping over time, or every unreadable field.
    pub fn to_filter(&self, today: Date) -> Result<(SalesFilter, Period), FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut day = |field: &'static str, text: &str| {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            let parsed = parse_date(text);
            if parsed.is_none() {
                errors.add(field, "err.date.invalid");
            }
            parsed
        };
        let to = day("to", &self.to).unwrap_or(today);
        let from = day("from", &self.from).unwrap_or(to - time::Duration::days(DEFAULT_DAYS));
        if from > to {
            errors.add("from", "err.report.period");
        }
        let data = reference();
        let crop = Some(self.crop.trim().to_owned()).filter(|c| !c.is_empty());
        if crop.as_deref().is_some_and(|c| data.crop(c).is_none()) {
            errors.add("crop", "err.crop.unknown");
        }
        let (mut commune, mut legacy_commune) = (None, None);
        match self.commune.trim() {
            "" => {}
            value => match value.strip_prefix("legacy:") {
                Some(key) if data.places.legacy(key).is_some() => legacy_commune = Some(key.to_owned()),
                None if data.places.current(value).is_some() => commune = Some(value.to_owned()),
                _ => errors.add("commune", "err.commune.unknown"),
            },
        }
        let channel = match self.channel.trim() {
            "" => None,
            value => {
                let channel = Channel::parse(value);
                if channel.is_none() {
                    errors.add("channel", "err.channel.unknown");
                }
                channel
            }
        };
        let period = match self.by.as_str() {
            "week" => Period::Week,
            "month" => Period::Month,
            // Anything else means "choose for me": a bad value here hides nothing.
            _ if (to - from).whole_days() <= WEEKLY_UP_TO_DAYS => Period::Week,
            _ => Period::Month,
        };
        let filter = SalesFilter { from: Some(from), to: Some(to), crop, commune, legacy_commune, channel, farmer_id: None };
        errors.into_result((filter, period))
    }

    /// The query string of these filters, for export links.
    pub fn query_string(&self) -> String {
        let pairs = [
            ("from", &self.from),
            ("to", &self.to),
            ("crop", &self.crop),
            ("commune", &self.commune),
            ("channel", &self.channel),
            ("by", &self.by),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", crate::error::urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// A channel's name for people.
pub fn channel_name(lang: Lang, channel: &str) -> &'static str {
    lang.t(&format!("sales.channel.{channel}"))
}

/// A commune key's name, current or legacy.
fn commune_name(key: &str, legacy: bool) -> String {
    let places = &reference().places;
    let found = if legacy { places.legacy(key) } else { places.current(key) };
    found.map(|c| c.name.clone()).unwrap_or_else(|| if key.is_empty() { "—".into() } else { key.to_owned() })
}

fn crop_name(lang: Lang, key: &str) -> String {
    reference().crop(key).map(|c| c.name(lang.is_en()).to_owned()).unwrap_or_else(|| key.to_owned())
}

/// A period key ("2025-11-24" week, "2025-11" month) for people.
fn period_label(lang: Lang, period: Period, key: &str) -> String {
    match period {
        Period::Week => parse_date(key).map(|d| lang.tf("report.week_of", &[("date", &date(d))])).unwrap_or_else(|| key.to_owned()),
        Period::Month => match key.split_once('-') {
            Some((y, m)) => format!("{m}/{y}"),
            None => key.to_owned(),
        },
    }
}

/// Every week or month from `from` to `to`, with the buckets' totals and zero elsewhere:
/// a chart shows the quiet weeks too.
fn fill_periods(filter: &SalesFilter, period: Period, buckets: &[Bucket]) -> Vec<Bucket> {
    let (Some(from), Some(to)) = (filter.from, filter.to) else { return buckets.to_vec() };
    let mut keys = Vec::new();
    match period {
        Period::Week => {
            let mut d = nongsan_domain::sales::week_start(from);
            while d <= to {
                keys.push(format_date(d));
                d += time::Duration::weeks(1);
            }
        }
        Period::Month => {
            let (mut y, mut m) = (from.year(), from.month() as u8);
            while (y, m) <= (to.year(), to.month() as u8) {
                keys.push(format!("{y:04}-{m:02}"));
                (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            }
        }
    }
    keys.into_iter()
        .map(|key| buckets.iter().find(|b| b.key == key).cloned().unwrap_or(Bucket { key, totals: Default::default() }))
        .collect()
}

fn totals_headers(lang: Lang, first: &str) -> Vec<String> {
    vec![first.to_owned(), lang.t("report.col.sales").into(), lang.t("report.col.kg").into(), lang.t("report.col.vnd").into()]
}

fn totals_row(label: String, b: &Bucket) -> Vec<Cell> {
    vec![Cell::Text(label), Cell::Int(b.totals.sales), Cell::Kg(b.totals.quantity_kg), Cell::Money(b.totals.total_vnd)]
}

/// The dashboard's tables, in the order the page shows them.
pub fn tables(lang: Lang, d: &Dashboard, filter: &SalesFilter) -> Vec<Table> {
    let over_time = fill_periods(filter, d.period, &d.over_time);
    let by = match d.period {
        Period::Week => lang.t("report.col.week"),
        Period::Month => lang.t("report.col.month"),
    };
    let mut adoption_rows = vec![
        vec![Cell::text(lang.t("report.adoption.farmers")), Cell::Int(d.adoption.farmers)],
        vec![Cell::text(lang.t("report.adoption.listed")), Cell::Int(d.adoption.farmers_with_approved_listing)],
        vec![Cell::text(lang.t("report.adoption.online")), Cell::Int(d.adoption.farmers_with_online_sale)],
    ];
    for channel in [Channel::Postmart, Channel::Voso] {
        let live = d.adoption.live_listings.iter().find(|(c, _)| c == channel.as_str()).map_or(0, |(_, n)| *n);
        adoption_rows
            .push(vec![Cell::Text(lang.tf("report.adoption.live", &[("channel", channel_name(lang, channel.as_str()))])), Cell::Int(live)]);
    }
    vec![
        Table {
            stem: "totals",
            title: lang.t("report.totals").into(),
            headers: totals_headers(lang, lang.t("report.col.scope")),
            rows: vec![totals_row(lang.t("report.all_sales").into(), &Bucket { key: String::new(), totals: d.totals })],
        },
        Table {
            stem: "over-time",
            title: lang.t("report.over_time").into(),
            headers: totals_headers(lang, by),
            rows: over_time.iter().map(|b| totals_row(period_label(lang, d.period, &b.key), b)).collect(),
        },
        Table {
            stem: "channels",
            title: lang.t("report.by_channel").into(),
            headers: totals_headers(lang, lang.t("report.col.channel")),
            rows: d.by_channel.iter().map(|b| totals_row(channel_name(lang, &b.key).into(), b)).collect(),
        },
        Table {
            stem: "median-prices",
            title: lang.t("report.medians").into(),
            headers: vec![
                lang.t("report.col.crop").into(),
                lang.t("report.col.week").into(),
                lang.t("report.col.sales").into(),
                lang.t("report.col.median").into(),
                lang.t("report.col.reference").into(),
                lang.t("report.col.reference_date").into(),
            ],
            rows: d
                .medians
                .iter()
                .map(|m| {
                    let reference = nongsan_domain::prices::reference_price(&m.crop, m.week + time::Duration::days(6));
                    vec![
                        Cell::Text(crop_name(lang, &m.crop)),
                        Cell::Text(date(m.week)),
                        Cell::Int(m.sales),
                        Cell::Money(m.median_vnd_per_kg),
                        reference.map_or(Cell::text(""), |r| Cell::Money(r.vnd_per_kg)),
                        Cell::text(reference.map_or(String::new(), |r| r.seen_text.clone())),
                    ]
                })
                .collect(),
        },
        Table {
            stem: "communes",
            title: lang.t("report.communes").into(),
            headers: totals_headers(lang, lang.t("report.col.commune")),
            rows: d.communes.iter().map(|b| totals_row(commune_name(&b.key, false), b)).collect(),
        },
        Table {
            stem: "legacy-communes",
            title: lang.t("report.legacy_communes").into(),
            headers: totals_headers(lang, lang.t("report.col.legacy_commune")),
            rows: d.legacy_communes.iter().map(|b| totals_row(commune_name(&b.key, true), b)).collect(),
        },
        Table {
            stem: "adoption",
            title: lang.t("report.adoption").into(),
            headers: vec![lang.t("report.col.figure").into(), lang.t("report.col.count").into()],
            rows: adoption_rows,
        },
    ]
}

/// The ledger as a table.
pub fn ledger_table(lang: Lang, sales: &[Sale]) -> Table {
    Table {
        stem: "ledger",
        title: lang.t("report.ledger").into(),
        headers: [
            "report.col.date",
            "report.col.farmer",
            "report.col.listing",
            "report.col.crop",
            "report.col.commune",
            "report.col.legacy_commune",
            "report.col.channel",
            "report.col.source",
            "report.col.kg",
            "report.col.unit_price",
            "report.col.vnd",
            "report.col.estimated",
            "report.col.reference_id",
            "report.col.note",
        ]
        .iter()
        .map(|k| lang.t(k).to_owned())
        .collect(),
        rows: sales
            .iter()
            .map(|s| {
                vec![
                    Cell::Text(format_date(s.sale_date)),
                    Cell::Text(s.farmer_name.clone()),
                    Cell::Text(s.listing_title.clone().unwrap_or_default()),
                    Cell::Text(crop_name(lang, &s.crop)),
                    Cell::Text(commune_name(&s.commune, false)),
                    Cell::Text(commune_name(&s.legacy_commune, true)),
                    Cell::text(channel_name(lang, s.channel.as_str())),
                    Cell::text(lang.t(&format!("sales.source.{}", s.source.as_str()))),
                    Cell::Kg(s.quantity_kg),
                    Cell::Money(s.unit_price_vnd),
                    Cell::Money(s.total_vnd),
                    Cell::text(if s.estimated { lang.t("report.yes") } else { "" }),
                    Cell::Text(s.external_ref.clone()),
                    Cell::Text(s.buyer_note.clone()),
                ]
            })
            .collect(),
    }
}

/// A table as HTML, with a caption and export links.
pub fn html_table(lang: Lang, table: &Table, export_query: Option<&str>) -> Markup {
    html! {
        div.table-wrap {
            table {
                caption { (table.title) }
                thead { tr { @for h in &table.headers { th scope="col" { (h) } } } }
                tbody {
                    @if table.rows.is_empty() { tr { td colspan=(table.headers.len()) { (lang.t("report.empty")) } } }
                    @for row in &table.rows {
                        tr { @for cell in row { td style=[cell.is_number().then_some("text-align:right")] { (cell.display()) } } }
                    }
                }
            }
        }
        @if let Some(q) = export_query { (export_links(lang, table.stem, q)) }
    }
}

fn export_links(lang: Lang, stem: &str, query: &str) -> Markup {
    let sep = if query.is_empty() { "" } else { "?" };
    html! {
        p.meta {
            (lang.t("report.download")) " "
            a href={ "/reports/sales/export/" (stem) ".csv" (sep) (query) } download { "CSV" } " · "
            a href={ "/reports/sales/export/" (stem) ".xlsx" (sep) (query) } download { "XLSX" }
        }
    }
}

fn filter_form(lang: Lang, q: &SalesQuery, filter: &SalesFilter) -> Markup {
    let data = reference();
    let en = lang.is_en();
    let from = filter.from.map(format_date).unwrap_or_default();
    let to = filter.to.map(format_date).unwrap_or_default();
    html! {
        form.card method="get" action="/reports/sales" {
            div.row {
                div { label for="from" { (lang.t("report.from")) } input #from type="date" name="from" value=(from); }
                div { label for="to" { (lang.t("report.to")) } input #to type="date" name="to" value=(to); }
            }
            div.row {
                div {
                    label for="crop" { (lang.t("listing.crop")) }
                    select #crop name="crop" {
                        option value="" { (lang.t("form.all")) }
                        @for c in &data.crops { option value=(c.key) selected[q.crop == c.key] { (c.name(en)) } }
                    }
                }
                div {
                    label for="commune" { (lang.t("report.commune")) }
                    select #commune name="commune" {
                        option value="" { (lang.t("form.all")) }
                        optgroup label=(lang.t("report.current_communes")) {
                            @for c in &data.places.current { option value=(c.key) selected[q.commune == c.key] { (c.name) } }
                        }
                        optgroup label=(lang.t("report.legacy_communes_group")) {
                            @for c in &data.places.legacy {
                                @let value = format!("legacy:{}", c.key);
                                option value=(value) selected[q.commune == value] { (c.kind.as_deref().unwrap_or("xã")) " " (c.name) }
                            }
                        }
                    }
                }
                div {
                    label for="channel" { (lang.t("report.channel")) }
                    select #channel name="channel" {
                        option value="" { (lang.t("form.all")) }
                        @for c in Channel::ALL { option value=(c.as_str()) selected[q.channel == c.as_str()] { (channel_name(lang, c.as_str())) } }
                    }
                }
                div {
                    label for="by" { (lang.t("report.by")) }
                    select #by name="by" {
                        option value="" { (lang.t("report.by.auto")) }
                        option value="week" selected[q.by == "week"] { (lang.t("report.by.week")) }
                        option value="month" selected[q.by == "month"] { (lang.t("report.by.month")) }
                    }
                }
            }
            div.actions { button type="submit" { (lang.t("form.filter")) } a.button.secondary href="/reports/sales" { (lang.t("report.reset")) } }
        }
    }
}

fn amount_units(lang: Lang) -> (&'static str, &'static str, &'static str) {
    (lang.t("chart.billion"), lang.t("chart.million"), lang.t("chart.thousand"))
}

fn dashboard_body(lang: Lang, q: &SalesQuery, filter: &SalesFilter, d: &Dashboard, ledger: &[Sale]) -> Markup {
    let tables = tables(lang, d, filter);
    let query = q.query_string();
    let units = amount_units(lang);
    let money = move |v: i64| format!("{} ₫", chart::short_amount(v, units));
    let over_time = fill_periods(filter, d.period, &d.over_time);
    let time_bars: Vec<Bar> = over_time
        .iter()
        .map(|b| Bar {
            label: match d.period {
                Period::Week => parse_date(&b.key).map(|d| format!("{}/{}", d.day(), d.month() as u8)).unwrap_or_default(),
                Period::Month => period_label(lang, d.period, &b.key),
            },
            value: b.totals.total_vnd,
        })
        .collect();
    let channel_bars: Vec<Bar> =
        d.by_channel.iter().map(|b| Bar { label: channel_name(lang, &b.key).to_owned(), value: b.totals.total_vnd }).collect();
    let period_text =
        lang.tf("report.period", &[("from", &filter.from.map(date).unwrap_or_default()), ("to", &filter.to.map(date).unwrap_or_default())]);
    html! {
        h1 { (lang.t("report.title")) }
        p.meta { (period_text) }
        (filter_form(lang, q, filter))
        section.card aria-labelledby="totals-h" {
            h2 #totals-h { (lang.t("report.totals")) }
            p {
                strong.price { (vnd(d.totals.total_vnd)) } " · "
                (nongsan_domain::quantity::format_kg(d.totals.quantity_kg)) " kg · "
                (lang.tf("report.n_sales", &[("n", &nongsan_domain::quantity::format_vnd(d.totals.sales))]))
            }
            (export_links(lang, "totals", &query))
        }
        section.card aria-labelledby="time-h" {
            h2 #time-h { (lang.t("report.over_time")) }
            (chart::columns("chart-time", lang.t("report.over_time"), &period_text, &time_bars, &money))
            (html_table(lang, &tables[1], Some(&query)))
        }
        section.card aria-labelledby="channel-h" {
            h2 #channel-h { (lang.t("report.by_channel")) }
            @if !channel_bars.is_empty() {
                (chart::rows("chart-channel", lang.t("report.by_channel"), &period_text, &channel_bars, &|v| vnd(v)))
            }
            (html_table(lang, &tables[2], Some(&query)))
        }
        section.card aria-labelledby="median-h" {
            h2 #median-h { (lang.t("report.medians")) }
            p.meta { (lang.t("report.medians_note")) }
            (html_table(lang, &tables[3], Some(&query)))
        }
        section.card aria-labelledby="communes-h" {
            h2 #communes-h { (lang.t("report.communes")) }
            (html_table(lang, &tables[4], Some(&query)))
            (html_table(lang, &tables[5], Some(&query)))
        }
        section.card aria-labelledby="adoption-h" {
            h2 #adoption-h { (lang.t("report.adoption")) }
            p.meta { (lang.t("report.adoption_note")) }
            (html_table(lang, &tables[6], Some(&query)))
        }
        section.card aria-labelledby="ledger-h" {
            h2 #ledger-h { (lang.t("report.ledger")) }
            p.meta { (lang.tf("report.ledger_note", &[("n", &LEDGER_ROWS.to_string())])) }
            (html_table(lang, &ledger_table(lang, ledger), Some(&query)))
        }
    }
}

pub async fn dashboard(State(state): State<AppState>, ctx: Ctx, Query(q): Query<SalesQuery>) -> Result<Response, AppError> {
    require_reviewer(ctx.require()?)?;
    let (filter, period) = q.to_filter(crate::actions::today()).map_err(AppError::Invalid)?;
    let (d, ledger) = tokio::try_join!(state.store.sales_dashboard(&filter, period), state.store.sales_page(&filter, LEDGER_ROWS, 0))?;
    let lang = ctx.lang;
    Ok(page(lang, ctx.viewer.as_ref(), lang.t("report.title"), &ctx.path, dashboard_body(lang, &q, &filter, &d, &ledger)).into_response())
}

pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
    Query(q): Query<SalesQuery>,
) -> Result<Response, AppError> {
    require_reviewer(ctx.require()?)?;
    let (stem, format) = Format::split(&file).ok_or(AppError::NotFound)?;
    let (filter, period) = q.to_filter(crate::actions::today()).map_err(AppError::Invalid)?;
    let lang = ctx.lang;
    if stem == "ledger" {
        let count = state.store.sales_totals(&filter).await?.sales;
        if count > MAX_EXPORT_ROWS {
            return Err(AppError::invalid("from", "err.report.too_many"));
        }
        let sales = state.store.sales_page(&filter, MAX_EXPORT_ROWS, 0).await?;
        return Ok(download(&ledger_table(lang, &sales), format));
    }
    let d = state.store.sales_dashboard(&filter, period).await?;
    let table = tables(lang, &d, &filter).into_iter().find(|t| t.stem == stem).ok_or(AppError::NotFound)?;
    Ok(download(&table, format))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nongsan_domain::sales::Source;

    #[test]
    fn every_sales_message_is_in_both_catalogues() {
        let mut used: Vec<String> = Vec::new();
        for text in [include_str!("reports.rs"), include_str!("sales.rs"), include_str!("../chart.rs")] {
            for chunk in text.split('"').skip(1).step_by(2) {
                let prefix = chunk.split('.').next().unwrap_or("");
                if ["sales", "report", "chart"].contains(&prefix)
                    && chunk.chars().all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
                    && !chunk.ends_with(".rs")
                {
                    used.push(chunk.to_owned());
                }
            }
        }
        used.extend(Channel::ALL.iter().map(|c| format!("sales.channel.{}", c.as_str())));
        used.extend(Source::ALL.iter().map(|s| format!("sales.source.{}", s.as_str())));
        let (vi, en) = crate::i18n::keys();
        let missing: Vec<_> = used.iter().filter(|k| !vi.contains(k) || !en.contains(k)).collect();
        assert!(missing.is_empty(), "missing messages: {missing:?}");
        assert!(used.len() > 60, "the scan found the keys ({})", used.len());
    }

    #[test]
    fn filters_refuse_what_they_cannot_read_and_default_the_period() {
        let today = parse_date("2025-12-01").unwrap();
        let (filter, period) = SalesQuery::default().to_filter(today).unwrap();
        assert_eq!(filter.to, Some(today));
        assert_eq!(filter.from, Some(today - time::Duration::days(DEFAULT_DAYS)));
        assert_eq!(period, Period::Week);
        let q = SalesQuery { commune: "legacy:dinh-lac".into(), channel: "voso".into(), by: "month".into(), ..Default::default() };
        let (filter, period) = q.to_filter(today).unwrap();
        assert_eq!(
            (filter.legacy_commune.as_deref(), filter.commune, filter.channel, period),
            (Some("dinh-lac"), None, Some(Channel::Voso), Period::Month)
        );
        let bad = SalesQuery {
            from: "2025-13-01".into(),
            crop: "pepper".into(),
            commune: "hanoi".into(),
            channel: "tiki".into(),
            ..Default::default()
        };
        let errors = bad.to_filter(today).unwrap_err();
        for field in ["from", "crop", "commune", "channel"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        let reversed = SalesQuery { from: "2025-11-02".into(), to: "2025-11-01".into(), ..Default::default() };
        assert_eq!(reversed.to_filter(today).unwrap_err().get("from"), Some("err.report.period"));
    }
}
