//! The sales ledger: recording a sale (which lowers the listing's stock, and sells it out at
//! zero), and importing sales from marketplace orders and page observations.
//!
//! Every sale has an external reference unique per source, so an import run twice, or a form
//! submitted twice, adds one sale. Every write also updates `sales_daily`, the per-day totals
//! the dashboard sums (see `sales_report.rs`), in the same transaction.

use crate::{Result, Store, StoreError, int, now};
use nongsan_domain::listing::{Event, Status, format_date, parse_date};
use nongsan_domain::quantity::{format_kg, round_kg};
use nongsan_domain::sales::{Channel, Source, pack_kg, week_start};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::Date;

/// A sale in the ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct Sale {
    pub id: i64,
    pub listing_id: Option<i64>,
    pub listing_title: Option<String>,
    pub farmer_id: i64,
    pub farmer_name: String,
    pub channel: Channel,
    pub source: Source,
    pub external_ref: String,
    pub quantity_kg: f64,
    pub unit_price_vnd: i64,
    pub total_vnd: i64,
    pub sale_date: Date,
    /// The quantity is a guess (a page's sold count and a pack size read from its title).
    pub estimated: bool,
    pub crop: String,
    pub commune: String,
    pub legacy_commune: String,
    pub buyer_note: String,
    pub recorded_by: Option<i64>,
    pub created_at: i64,
}

/// A sale of a listing to record.
#[derive(Debug, Clone)]
pub struct NewSale {
    pub listing_id: i64,
    pub channel: Channel,
    pub source: Source,
    /// Unique per source: the same reference twice records one sale.
    pub external_ref: String,
    pub quantity_kg: f64,
    pub unit_price_vnd: i64,
    pub total_vnd: i64,
    pub sale_date: Date,
    pub estimated: bool,
    pub buyer_note: String,
    pub recorded_by: Option<i64>,
}

/// A past sale loaded in bulk (demo data, benchmarks, a migration from a spreadsheet): it
/// carries its own farmer, crop and communes and does not touch any listing.
#[derive(Debug, Clone)]
pub struct HistoricSale {
    pub listing_id: Option<i64>,
    pub farmer_id: i64,
    pub channel: Channel,
    pub source: Source,
    pub external_ref: String,
    pub quantity_kg: f64,
    pub unit_price_vnd: i64,
    pub total_vnd: i64,
    pub sale_date: Date,
    pub estimated: bool,
    pub crop: String,
    pub commune: String,
    pub legacy_commune: String,
}

/// What one import run added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SalesImport {
    pub orders: usize,
    pub observations: usize,
    /// Sales taken back out because their order was cancelled after the import.
    pub voided: usize,
}

/// The external reference of a manual sale: the farmer and the form's one-time key.
pub fn manual_sale_ref(farmer_id: i64, key: &str) -> String {
    format!("{farmer_id}:{key}")
}

pub(crate) const SALE_COLUMNS: &str =
    "s.id, s.listing_id, l.title as listing_title, s.farmer_id, u.name as farmer_name, s.channel, s.source,
    s.external_ref, s.quantity_kg, s.unit_price_vnd, s.total_vnd, s.sale_date, s.estimated, s.crop, s.commune, s.legacy_commune,
    s.buyer_note, s.recorded_by, s.created_at";
pub(crate) const SALE_FROM: &str = "from sales s join users u on u.id = s.farmer_id left join listings l on l.id = s.listing_id";

pub(crate) fn sale_from_row(row: &AnyRow) -> Result<Sale> {
    let channel: String = row.try_get("channel")?;
    let source: String = row.try_get("source")?;
    let day: String = row.try_get("sale_date")?;
    let bad = |what: &str, value: &str| StoreError::Db(sqlx::Error::Decode(format!("bad {what} in sales: {value}").into()));
    Ok(Sale {
        id: int(row, "id")?,
        listing_id: row.try_get("listing_id")?,
        listing_title: row.try_get("listing_title")?,
        farmer_id: int(row, "farmer_id")?,
        farmer_name: row.try_get("farmer_name")?,
        channel: Channel::parse(&channel).ok_or_else(|| bad("channel", &channel))?,
        source: Source::parse(&source).ok_or_else(|| bad("source", &source))?,
        external_ref: row.try_get("external_ref")?,
        quantity_kg: row.try_get("quantity_kg")?,
        unit_price_vnd: int(row, "unit_price_vnd")?,
        total_vnd: int(row, "total_vnd")?,
        sale_date: parse_date(&day).ok_or_else(|| bad("sale_date", &day))?,
        estimated: int(row, "estimated")? != 0,
        crop: row.try_get("crop")?,
        commune: row.try_get("commune")?,
        legacy_commune: row.try_get("legacy_commune")?,
        buyer_note: row.try_get("buyer_note")?,
        recorded_by: row.try_get("recorded_by")?,
        created_at: int(row, "created_at")?,
    })
}

/// Adds a sale to the day's totals and the week's price counts, in the caller's transaction. `sign` -1 takes it back out.
async fn add_to_daily(tx: &mut Transaction<'_, Any>, s: &HistoricSale, sign: i64) -> Result<()> {
    sqlx::query(
        "insert into sales_daily (sale_date, sale_week, channel, crop, commune, legacy_commune, sales, quantity_kg, total_vnd)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (sale_date, channel, crop, commune, legacy_commune) do update set
             sales = sales_daily.sales + excluded.sales,
             quantity_kg = sales_daily.quantity_kg + excluded.quantity_kg,
             total_vnd = sales_daily.total_vnd + excluded.total_vnd",
    )
    .bind(format_date(s.sale_date))
    .bind(format_date(week_start(s.sale_date)))
    .bind(s.channel.as_str())
    .bind(s.crop.clone())
    .bind(s.commune.clone())
    .bind(s.legacy_commune.clone())
    .bind(sign)
    .bind(sign as f64 * s.quantity_kg)
    .bind(sign * s.total_vnd)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "insert into sales_weekly_prices (sale_week, channel, crop, commune, legacy_commune, unit_price_vnd, sales)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (sale_week, crop, channel, commune, legacy_commune, unit_price_vnd) do update set
             sales = sales_weekly_prices.sales + excluded.sales",
    )
    .bind(format_date(week_start(s.sale_date)))
    .bind(s.channel.as_str())
    .bind(s.crop.clone())
    .bind(s.commune.clone())
    .bind(s.legacy_commune.clone())
    .bind(s.unit_price_vnd)
    .bind(sign)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The listing's side of a sale: what the ledger copies from it.
struct ListingState {
    farmer_id: i64,
    crop: String,
    commune: String,
    legacy_commune: String,
    status: Status,
    quantity_kg: f64,
}

async fn listing_state(tx: &mut Transaction<'_, Any>, listing_id: i64) -> Result<ListingState> {
    let row = sqlx::query("select farmer_id, crop, commune, legacy_commune, status, quantity_kg from listings where id = $1")
        .bind(listing_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let status: String = row.try_get("status")?;
    Ok(ListingState {
        farmer_id: int(&row, "farmer_id")?,
        crop: row.try_get("crop")?,
        commune: row.try_get::<Option<String>, _>("commune")?.unwrap_or_default(),
        legacy_commune: row.try_get::<Option<String>, _>("legacy_commune")?.unwrap_or_default(),
        status: Status::parse(&status).unwrap_or(Status::Draft),
        quantity_kg: row.try_get("quantity_kg")?,
    })
}

async fn log_change(tx: &mut Transaction<'_, Any>, listing_id: i64, actor: Option<i64>, field: &str, old: &str, new: &str) -> Result<()> {
    sqlx::query("insert into listing_changes (listing_id, actor_id, at, field, old_value, new_value) values ($1, $2, $3, $4, $5, $6)")
        .bind(listing_id)
        .bind(actor)
        .bind(now())
        .bind(field.to_owned())
        .bind(old.to_owned())
        .bind(new.to_owned())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Lowers the listing's stock by what was sold; at zero a listing on sale moves to sold out,
/// which (through the push jobs) takes it down from every marketplace. Stale when the listing
/// changed since it was read: the caller starts the transaction again.
async fn lower_stock(
    tx: &mut Transaction<'_, Any>,
    listing_id: i64,
    before: &ListingState,
    sold_kg: f64,
    actor: Option<i64>,
) -> Result<()> {
    if before.quantity_kg <= 0.0 {
        return Ok(());
    }
    let remaining = round_kg((before.quantity_kg - sold_kg).max(0.0));
    let status = if remaining <= 0.0 { before.status.apply(Event::SellOut).unwrap_or(before.status) } else { before.status };
    let updated = sqlx::query(
        "update listings set quantity_kg = $1, status = $2, updated_at = $3 where id = $4 and quantity_kg = $5 and status = $6",
    )
    .bind(remaining)
    .bind(status.as_str())
    .bind(now())
    .bind(listing_id)
    .bind(before.quantity_kg)
    .bind(before.status.as_str())
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    log_change(tx, listing_id, actor, "quantity_kg", &format_kg(before.quantity_kg), &format_kg(remaining)).await?;
    if status != before.status {
        log_change(tx, listing_id, actor, "status", before.status.as_str(), status.as_str()).await?;
    }
    crate::listings::enqueue_search(tx, listing_id).await?;
    crate::channel_listings::enqueue_pushes(tx, listing_id).await?;
    Ok(())
}

impl Store {
    /// Records a sale of a listing, lowers its stock (selling it out at zero) and adds it to the
    /// day's totals, all in one transaction. The same source and reference again records
    /// nothing and returns the first sale's id; the boolean says whether this call recorded it.
    pub async fn record_sale(&self, new: &NewSale) -> Result<(i64, bool)> {
        // Another sale or an edit of the same listing between read and write: read again.
        for _ in 0..8 {
            match self.try_record_sale(new).await {
                Err(StoreError::Stale) => continue,
                other => return other,
            }
        }
        Err(StoreError::Stale)
    }

    async fn try_record_sale(&self, new: &NewSale) -> Result<(i64, bool)> {
        let mut tx = self.pool.begin().await?;
        let listing = listing_state(&mut tx, new.listing_id).await?;
        let sale = HistoricSale {
            listing_id: Some(new.listing_id),
            farmer_id: listing.farmer_id,
            channel: new.channel,
            source: new.source,
            external_ref: new.external_ref.clone(),
            quantity_kg: round_kg(new.quantity_kg),
            unit_price_vnd: new.unit_price_vnd,
            total_vnd: new.total_vnd,
            sale_date: new.sale_date,
            estimated: new.estimated,
            crop: listing.crop.clone(),
            commune: listing.commune.clone(),
            legacy_commune: listing.legacy_commune.clone(),
        };
        let row = sqlx::query(
            "insert into sales (listing_id, farmer_id, channel, source, external_ref, quantity_kg, unit_price_vnd, total_vnd, sale_date,
                 sale_week, estimated, crop, commune, legacy_commune, buyer_note, recorded_by, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
             on conflict (source, external_ref) do nothing
             returning id",
        )
        .bind(new.listing_id)
        .bind(sale.farmer_id)
        .bind(sale.channel.as_str())
        .bind(sale.source.as_str())
        .bind(sale.external_ref.clone())
        .bind(sale.quantity_kg)
        .bind(sale.unit_price_vnd)
        .bind(sale.total_vnd)
        .bind(format_date(sale.sale_date))
        .bind(format_date(week_start(sale.sale_date)))
        .bind(i64::from(sale.estimated))
        .bind(sale.crop.clone())
        .bind(sale.commune.clone())
        .bind(sale.legacy_commune.clone())
        .bind(new.buyer_note.clone())
        .bind(new.recorded_by)
        .bind(now())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            let existing = sqlx::query("select id from sales where source = $1 and external_ref = $2")
                .bind(new.source.as_str())
                .bind(new.external_ref.clone())
                .fetch_one(&self.pool)
                .await?;
            return Ok((int(&existing, "id")?, false));
        };
        let id = int(&row, "id")?;
        add_to_daily(&mut tx, &sale, 1).await?;
        lower_stock(&mut tx, new.listing_id, &listing, sale.quantity_kg, new.recorded_by).await?;
        tx.commit().await?;
        Ok((id, true))
    }

    pub async fn sale(&self, id: i64) -> Result<Sale> {
        let row = sqlx::query(&format!("select {SALE_COLUMNS} {SALE_FROM} where s.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        sale_from_row(&row)
    }

    /// The sale recorded under `external_ref` for `source`, if any.
    pub async fn sale_by_ref(&self, source: Source, external_ref: &str) -> Result<Option<Sale>> {
        let row = sqlx::query(&format!("select {SALE_COLUMNS} {SALE_FROM} where s.source = $1 and s.external_ref = $2"))
            .bind(source.as_str())
            .bind(external_ref.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(sale_from_row).transpose()
    }

    /// Imports what the marketplaces reported since the last run: new orders (cancelled ones
    /// skipped, and sales of orders cancelled since taken back out) and growth of the sold count
    /// on watched voso pages. Running it again adds nothing.
    pub async fn import_sales(&self) -> Result<SalesImport> {
        let orders = self.import_order_sales().await?;
        let voided = self.void_cancelled_order_sales().await?;
        let observations = self.import_observation_sales().await?;
        Ok(SalesImport { orders, observations, voided })
    }

    /// One sale per raw order not imported yet; its reference is the account and order id.
    async fn import_order_sales(&self) -> Result<usize> {
        let rows = sqlx::query(
            "select o.account_id, o.external_id, o.listing_id, o.quantity, o.unit_price_vnd, o.total_vnd, o.placed_at, a.channel
             from channel_orders o join channel_accounts a on a.id = o.account_id
             where o.listing_id is not null and o.status <> 'cancelled' and o.quantity > 0
               and not exists (select 1 from sales s where s.source = 'order'
                               and s.external_ref = cast(o.account_id as text) || ':' || o.external_id)
             order by o.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut added = 0;
        for row in rows {
            let channel: String = row.try_get("channel")?;
            let Some(channel) = Channel::parse(&channel).filter(|c| c.is_online()) else { continue };
            let external_id: String = row.try_get("external_id")?;
            let new = NewSale {
                listing_id: int(&row, "listing_id")?,
                channel,
                source: Source::Order,
                external_ref: format!("{}:{external_id}", int(&row, "account_id")?),
                quantity_kg: row.try_get("quantity")?,
                unit_price_vnd: int(&row, "unit_price_vnd")?,
                total_vnd: int(&row, "total_vnd")?,
                sale_date: nongsan_domain::local_date(int(&row, "placed_at")?),
                estimated: false,
                buyer_note: String::new(),
                recorded_by: None,
            };
            if self.record_sale(&new).await?.1 {
                added += 1;
            }
        }
        Ok(added)
    }

    /// Takes out of the ledger the sales of orders the marketplace cancelled after they were
    /// imported. The stock is not given back: the listing's quantity is the farmer's to set.
    async fn void_cancelled_order_sales(&self) -> Result<usize> {
        let rows = sqlx::query(&format!(
            "select {SALE_COLUMNS} {SALE_FROM}
             join channel_orders o on s.external_ref = cast(o.account_id as text) || ':' || o.external_id
             where s.source = 'order' and o.status = 'cancelled'"
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut voided = 0;
        for row in rows {
            let sale = sale_from_row(&row)?;
            let mut tx = self.pool.begin().await?;
            let deleted = sqlx::query("delete from sales where id = $1").bind(sale.id).execute(&mut *tx).await?;
            if deleted.rows_affected() == 1 {
                add_to_daily(&mut tx, &historic(&sale), -1).await?;
                voided += 1;
            }
            tx.commit().await?;
        }
        Ok(voided)
    }

    /// One estimated sale per growth of a voso page's sold count between two consecutive
    /// observations that both showed it. The first count seen is history from before the
    /// watch and is not counted; the reference is the later observation.
    async fn import_observation_sales(&self) -> Result<usize> {
        let rows = sqlx::query(
            "select t.id, t.listing_id, t.seen_at, t.title, t.price_vnd, t.sold_count, t.prev_sold, t.listing_price, t.listing_title
             from (select o.id, c.listing_id, o.seen_at, o.title, o.price_vnd, o.sold_count,
                          l.price_vnd_per_kg as listing_price, l.title as listing_title,
                          lag(o.sold_count) over (partition by o.channel_listing_id order by o.seen_at, o.id) as prev_sold
                   from channel_observations o
                   join channel_listings c on c.id = o.channel_listing_id
                   join listings l on l.id = c.listing_id
                   where c.channel = 'voso' and o.sold_count is not null) t
             where t.prev_sold is not null and t.sold_count > t.prev_sold
               and not exists (select 1 from sales s where s.source = 'observation' and s.external_ref = 'voso:' || cast(t.id as text))
             order by t.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut added = 0;
        for row in rows {
            let units = int(&row, "sold_count")? - int(&row, "prev_sold")?;
            let title: Option<String> = row.try_get("title")?;
            let listing_title: String = row.try_get("listing_title")?;
            let pack = pack_kg(title.as_deref().unwrap_or(&listing_title)).unwrap_or(1.0);
            let listing_price = int(&row, "listing_price")?;
            let pack_price: Option<i64> = row.try_get("price_vnd")?;
            let pack_price = pack_price.filter(|p| *p > 0).unwrap_or_else(|| (listing_price as f64 * pack).round() as i64);
            let quantity_kg = round_kg(units as f64 * pack);
            let new = NewSale {
                listing_id: int(&row, "listing_id")?,
                channel: Channel::Voso,
                source: Source::Observation,
                external_ref: format!("voso:{}", int(&row, "id")?),
                quantity_kg,
                unit_price_vnd: (pack_price as f64 / pack).round() as i64,
                total_vnd: units * pack_price,
                sale_date: nongsan_domain::local_date(int(&row, "seen_at")?),
                estimated: true,
                buyer_note: String::new(),
                recorded_by: None,
            };
            if self.record_sale(&new).await?.1 {
                added += 1;
            }
        }
        Ok(added)
    }

    /// Loads past sales in bulk and rebuilds the daily totals: see
    /// [`Store::append_sales_history`]. Returns how many were new.
    pub async fn load_sales_history(&self, sales: &[HistoricSale]) -> Result<u64> {
        let added = self.append_sales_history(sales).await?;
        self.rebuild_sales_daily().await?;
        Ok(added)
    }

    /// Inserts past sales in bulk (multi-row inserts, one transaction), leaving listings and
    /// the daily totals as they are: call [`Store::rebuild_sales_daily`] after the last batch.
    pub async fn append_sales_history(&self, sales: &[HistoricSale]) -> Result<u64> {
        // 15 values a row. PostgreSQL takes 1,000 rows a statement; SQLite looks `$N` names up
        // one by one in a list, so its cost grows with the square of the values: 50 rows.
        let rows = if self.backend == crate::Backend::Sqlite { 50 } else { 1000 };
        let mut tx = self.pool.begin().await?;
        let at = now();
        let mut added = 0;
        for chunk in sales.chunks(rows) {
            let mut sql = String::from(
                "insert into sales (listing_id, farmer_id, channel, source, external_ref, quantity_kg, unit_price_vnd, total_vnd, sale_date,
                 sale_week, estimated, crop, commune, legacy_commune, buyer_note, recorded_by, created_at) values ",
            );
            for i in 0..chunk.len() {
                let b = i * 15;
                if i > 0 {
                    sql.push(',');
                }
                sql.push('(');
                for k in 1..=14 {
                    sql.push_str(&format!("${},", b + k));
                }
                sql.push_str(&format!("'', null, ${})", b + 15));
            }
            sql.push_str(" on conflict (source, external_ref) do nothing");
            let mut query = sqlx::query(&sql);
            for s in chunk {
                query = query
                    .bind(s.listing_id)
                    .bind(s.farmer_id)
                    .bind(s.channel.as_str())
                    .bind(s.source.as_str())
                    .bind(s.external_ref.clone())
                    .bind(round_kg(s.quantity_kg))
                    .bind(s.unit_price_vnd)
                    .bind(s.total_vnd)
                    .bind(format_date(s.sale_date))
                    .bind(format_date(week_start(s.sale_date)))
                    .bind(i64::from(s.estimated))
                    .bind(s.crop.clone())
                    .bind(s.commune.clone())
                    .bind(s.legacy_commune.clone())
                    .bind(at);
            }
            added += query.execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Recomputes the daily totals from the ledger, in one transaction.
    pub async fn rebuild_sales_daily(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        rebuild_daily(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Recomputes the daily totals and weekly price counts from the ledger.
async fn rebuild_daily(tx: &mut Transaction<'_, Any>) -> Result<()> {
    sqlx::query("delete from sales_daily").execute(&mut **tx).await?;
    sqlx::query(
        "insert into sales_daily (sale_date, sale_week, channel, crop, commune, legacy_commune, sales, quantity_kg, total_vnd)
         select sale_date, min(sale_week), channel, crop, commune, legacy_commune, count(*), sum(quantity_kg), sum(total_vnd)
         from sales group by sale_date, channel, crop, commune, legacy_commune",
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query("delete from sales_weekly_prices").execute(&mut **tx).await?;
    sqlx::query(
        "insert into sales_weekly_prices (sale_week, channel, crop, commune, legacy_commune, unit_price_vnd, sales)
         select sale_week, channel, crop, commune, legacy_commune, unit_price_vnd, count(*)
         from sales group by sale_week, channel, crop, commune, legacy_commune, unit_price_vnd",
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn historic(s: &Sale) -> HistoricSale {
    HistoricSale {
        listing_id: s.listing_id,
        farmer_id: s.farmer_id,
        channel: s.channel,
        source: s.source,
        external_ref: s.external_ref.clone(),
        quantity_kg: s.quantity_kg,
        unit_price_vnd: s.unit_price_vnd,
        total_vnd: s.total_vnd,
        sale_date: s.sale_date,
        estimated: s.estimated,
        crop: s.crop.clone(),
        commune: s.commune.clone(),
        legacy_commune: s.legacy_commune.clone(),
    }
}
