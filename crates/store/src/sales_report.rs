//! What the sales ledger adds up to, computed in the database with the same SQL on SQLite and
//! PostgreSQL: totals, per channel, per week or month, per commune, the weekly median price per
//! kg of each crop, and the adoption figures the district reports on.
//!
//! Sums read `sales_daily` (per-day totals kept with every sale) unless a farmer is named
//! (their own page), so a dashboard over a million sales reads thousands of rows. The median
//! reads the sales themselves, through a covering index.

use crate::sales::{SALE_COLUMNS, SALE_FROM, Sale, sale_from_row};
use crate::{Result, Store, int};
use nongsan_domain::listing::{format_date, parse_date};
use nongsan_domain::sales::Channel;
use sqlx::Row;
use sqlx::any::AnyRow;
use time::Date;

/// Which sales a report covers. Every part is optional; dates are inclusive days in Vietnam.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SalesFilter {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub crop: Option<String>,
    /// A current commune key.
    pub commune: Option<String>,
    /// A legacy (before July 2025) commune key.
    pub legacy_commune: Option<String>,
    pub channel: Option<Channel>,
    /// One farmer's own sales.
    pub farmer_id: Option<i64>,
}

/// Count, weight and value of some sales.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    pub sales: i64,
    pub quantity_kg: f64,
    pub total_vnd: i64,
}

/// The totals of one group: a channel, a week ("2025-11-24", its Monday), a month ("2025-11")
/// or a commune key.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub key: String,
    pub totals: Totals,
}

/// How sales over time are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Week,
    Month,
}

/// The median price per kg of a crop's sales in one week.
#[derive(Debug, Clone, PartialEq)]
pub struct WeeklyMedian {
    pub crop: String,
    /// The Monday of the week.
    pub week: Date,
    pub sales: i64,
    pub median_vnd_per_kg: i64,
}

/// How far the digital push has come.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Adoption {
    pub farmers: i64,
    /// Farmers with at least one listing that passed review and is still offered (approved,
    /// paused or sold out).
    pub farmers_with_approved_listing: i64,
    /// Listings live on each marketplace.
    pub live_listings: Vec<(String, i64)>,
    /// Farmers with at least one sale on a marketplace.
    pub farmers_with_online_sale: i64,
}

/// Everything the dashboard shows for one filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub totals: Totals,
    pub by_channel: Vec<Bucket>,
    pub period: Period,
    pub over_time: Vec<Bucket>,
    pub medians: Vec<WeeklyMedian>,
    pub communes: Vec<Bucket>,
    pub legacy_communes: Vec<Bucket>,
    pub adoption: Adoption,
}

/// How many communes the dashboard ranks.
pub const TOP_COMMUNES: i64 = 10;

enum Arg {
    Text(String),
    Int(i64),
}

/// A `where` clause for `filter` over a table aliased `t` with the ledger's column names
/// (`sales`, `sales_daily` and `sales_weekly_prices` share them), and its values. `first` is
/// the number of the first placeholder.
fn conditions(filter: &SalesFilter, first: usize) -> (String, Vec<Arg>) {
    conditions_on(filter, first, "t.sale_date")
}

/// [`conditions`] with the period read from `day`: a day column, or `t.sale_week` for the
/// weekly price counts (whose weeks then count when they start within a week of the period).
fn conditions_on(filter: &SalesFilter, first: usize, day: &str) -> (String, Vec<Arg>) {
    let mut sql = String::from("1 = 1");
    let mut args = Vec::new();
    let mut push = |clause: &str, arg: Arg| {
        args.push(arg);
        sql.push_str(&clause.replace('?', &format!("${}", first + args.len() - 1)));
    };
    let weekly = day == "t.sale_week";
    if let Some(from) = filter.from {
        let from = if weekly { nongsan_domain::sales::week_start(from) } else { from };
        push(&format!(" and {day} >= ?"), Arg::Text(format_date(from)));
    }
    if let Some(to) = filter.to {
        push(&format!(" and {day} <= ?"), Arg::Text(format_date(to)));
    }
    if let Some(crop) = &filter.crop {
        push(" and t.crop = ?", Arg::Text(crop.clone()));
    }
    if let Some(commune) = &filter.commune {
        push(" and t.commune = ?", Arg::Text(commune.clone()));
    }
    if let Some(legacy) = &filter.legacy_commune {
        push(" and t.legacy_commune = ?", Arg::Text(legacy.clone()));
    }
    if let Some(channel) = filter.channel {
        push(" and t.channel = ?", Arg::Text(channel.as_str().to_owned()));
    }
    if let Some(farmer) = filter.farmer_id {
        push(" and t.farmer_id = ?", Arg::Int(farmer));
    }
    (sql, args)
}

/// Binds `args` in order.
fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    args: Vec<Arg>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for arg in args {
        query = match arg {
            Arg::Text(s) => query.bind(s),
            Arg::Int(i) => query.bind(i),
        };
    }
    query
}

/// The table sums read, and its count expression: the daily totals unless one farmer's sales
/// are asked for (the totals do not keep farmers).
fn sums_source(filter: &SalesFilter) -> (&'static str, &'static str) {
    if filter.farmer_id.is_some() { ("sales t", "count(*)") } else { ("sales_daily t", "sum(t.sales)") }
}

/// The three sums, named `n`, `kg` and `vnd`; PostgreSQL's sum of bigints is numeric, so cast.
fn sums(count: &str) -> String {
    format!(
        "cast(coalesce({count}, 0) as bigint) as n, coalesce(sum(t.quantity_kg), 0.0) as kg, cast(coalesce(sum(t.total_vnd), 0) as bigint) as vnd"
    )
}

fn totals_from(row: &AnyRow) -> Result<Totals> {
    Ok(Totals { sales: int(row, "n")?, quantity_kg: row.try_get("kg")?, total_vnd: int(row, "vnd")? })
}

impl Store {
    /// The totals of the sales `filter` covers.
    pub async fn sales_totals(&self, filter: &SalesFilter) -> Result<Totals> {
        let (table, count) = sums_source(filter);
        let (cond, args) = conditions(filter, 1);
        let sql = format!("select {} from {table} where {cond}", sums(count));
        let row = bind_all(sqlx::query(&sql), args).fetch_one(&self.pool).await?;
        totals_from(&row)
    }

    /// Totals grouped by `key` (an expression over `t`), ordered by `order`, at most `limit`.
    async fn sales_grouped(&self, filter: &SalesFilter, key: &str, order: &str, limit: i64) -> Result<Vec<Bucket>> {
        let (table, count) = sums_source(filter);
        let (cond, args) = conditions(filter, 1);
        // A sale taken back out leaves a day's row at zero: it is no group.
        let sql = format!(
            "select {key} as k, {} from {table} where {cond} group by {key} having {count} > 0 order by {order} limit {limit}",
            sums(count)
        );
        let rows = bind_all(sqlx::query(&sql), args).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok(Bucket { key: r.try_get("k")?, totals: totals_from(r)? })).collect()
    }

    /// Totals per channel, the largest value first.
    pub async fn sales_by_channel(&self, filter: &SalesFilter) -> Result<Vec<Bucket>> {
        self.sales_grouped(filter, "t.channel", "vnd desc, k", 10).await
    }

    /// Totals per week (keyed by its Monday) or month ("2025-11"), oldest first; periods
    /// without sales are absent.
    pub async fn sales_over_time(&self, filter: &SalesFilter, period: Period) -> Result<Vec<Bucket>> {
        let key = match period {
            Period::Week => "t.sale_week",
            Period::Month => "substr(t.sale_date, 1, 7)",
        };
        self.sales_grouped(filter, key, "k", 10_000).await
    }

    /// The communes (current, or legacy with `legacy`) that sold the most, by value.
    pub async fn sales_by_commune(&self, filter: &SalesFilter, legacy: bool, limit: i64) -> Result<Vec<Bucket>> {
        let key = if legacy { "t.legacy_commune" } else { "t.commune" };
        self.sales_grouped(filter, key, "vnd desc, k", limit).await
    }

    /// The median price per kg of each crop in each week. Every week that overlaps the period
    /// counts whole: a median of half a week's sales would not compare with the others.
    ///
    /// Counted per distinct price first (kept per week in `sales_weekly_prices`; from the sales
    /// themselves for one farmer), then the middle found by running counts: the same window
    /// functions on both databases, and no sort of a million rows. With an even count it is
    /// the mean of the two middle prices.
    pub async fn weekly_medians(&self, filter: &SalesFilter) -> Result<Vec<WeeklyMedian>> {
        let (cond, args) = conditions_on(filter, 1, "t.sale_week");
        let (table, count) = if filter.farmer_id.is_some() { ("sales t", "count(*)") } else { ("sales_weekly_prices t", "sum(t.sales)") };
        let sql = format!(
            "with prices as (
                 select t.crop, t.sale_week, t.unit_price_vnd as price, {count} as n
                 from {table} where {cond}
                 group by t.crop, t.sale_week, t.unit_price_vnd having {count} > 0
             ), running as (
                 select crop, sale_week, price,
                     cast(sum(n) over (partition by crop, sale_week order by price rows between unbounded preceding and current row) as bigint) as upto,
                     cast(sum(n) over (partition by crop, sale_week) as bigint) as total
                 from prices
             )
             select crop, sale_week, max(total) as total,
                 min(case when upto >= (total + 1) / 2 then price end) as low,
                 min(case when upto >= total / 2 + 1 then price end) as high
             from running group by crop, sale_week order by crop, sale_week"
        );
        let rows = bind_all(sqlx::query(&sql), args).fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let week: String = row.try_get("sale_week")?;
            let Some(week) = parse_date(&week) else { continue };
            let (low, high) = (int(&row, "low")?, int(&row, "high")?);
            out.push(WeeklyMedian {
                crop: row.try_get("crop")?,
                week,
                sales: int(&row, "total")?,
                median_vnd_per_kg: (low + high + 1) / 2,
            });
        }
        Ok(out)
    }

    /// The adoption figures, for the whole district or the commune `filter` names (other
    /// parts of the filter do not apply: adoption is about people, not a period).
    pub async fn adoption(&self, filter: &SalesFilter) -> Result<Adoption> {
        let mut place = String::new();
        let mut args = Vec::new();
        if let Some(c) = &filter.commune {
            args.push(c.clone());
            place.push_str(&format!(" and u.commune = ${}", args.len()));
        }
        if let Some(c) = &filter.legacy_commune {
            args.push(c.clone());
            place.push_str(&format!(" and u.legacy_commune = ${}", args.len()));
        }
        let bind = |sql: String| {
            let args = args.clone();
            async move {
                let mut q = sqlx::query(&sql);
                for a in args {
                    q = q.bind(a);
                }
                q.fetch_all(&self.pool).await
            }
        };
        let counts = bind(format!(
            "select count(*) as farmers,
                 coalesce(sum(case when exists (select 1 from listings l where l.farmer_id = u.id and l.status in ('approved', 'paused', 'sold_out'))
                     then 1 else 0 end), 0) as listed,
                 coalesce(sum(case when exists (select 1 from sales s where s.farmer_id = u.id and s.channel <> 'direct')
                     then 1 else 0 end), 0) as online
             from users u where u.role = 'farmer'{place}"
        ))
        .await?;
        let live = bind(format!(
            "select c.channel, count(*) as n from channel_listings c join listings l on l.id = c.listing_id join users u on u.id = l.farmer_id
             where c.state = 'live'{place} group by c.channel order by c.channel"
        ))
        .await?;
        let row = counts.first().ok_or(crate::StoreError::NotFound)?;
        Ok(Adoption {
            farmers: int(row, "farmers")?,
            farmers_with_approved_listing: int(row, "listed")?,
            live_listings: live.iter().map(|r| Ok((r.try_get("channel")?, int(r, "n")?))).collect::<Result<_>>()?,
            farmers_with_online_sale: int(row, "online")?,
        })
    }

    /// Every figure of the dashboard for `filter`, its queries run side by side.
    pub async fn sales_dashboard(&self, filter: &SalesFilter, period: Period) -> Result<Dashboard> {
        let (totals, by_channel, over_time, medians, communes, legacy_communes, adoption) = tokio::try_join!(
            self.sales_totals(filter),
            self.sales_by_channel(filter),
            self.sales_over_time(filter, period),
            self.weekly_medians(filter),
            self.sales_by_commune(filter, false, TOP_COMMUNES),
            self.sales_by_commune(filter, true, TOP_COMMUNES),
            self.adoption(filter),
        )?;
        Ok(Dashboard { totals, by_channel, period, over_time, medians, communes, legacy_communes, adoption })
    }

    /// Sales matching `filter`, the most recent first.
    pub async fn sales_page(&self, filter: &SalesFilter, limit: i64, offset: i64) -> Result<Vec<Sale>> {
        let (cond, args) = conditions(filter, 1);
        let sql = format!(
            "select {SALE_COLUMNS} {SALE_FROM} where s.id in (select t.id from sales t where {cond}
                 order by t.sale_date desc, t.id desc limit {} offset {})
             order by s.sale_date desc, s.id desc",
            limit.clamp(1, 1_000_000),
            offset.max(0)
        );
        let rows = bind_all(sqlx::query(&sql), args).fetch_all(&self.pool).await?;
        rows.iter().map(sale_from_row).collect()
    }
}
