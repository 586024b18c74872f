//! What buyers may see, filtered and counted in the database.
//!
//! This is the database's answer to a catalogue query: the source of truth that search
//! engines derive their indexes from and are checked against.

use crate::listings::{LISTING_COLUMNS, Listing, listing_from_row};
use crate::{Result, Store, int};
use nongsan_domain::listing::{ListingFields, format_date};
use nongsan_domain::reference::reference;
use nongsan_domain::text::fold;
use sqlx::Row;
use time::Date;

/// The text a listing is found by, folded: crop, variety and form names in both languages and
/// the crop's synonyms, title, description, farmer and commune names (current and legacy).
pub fn search_text(fields: &ListingFields, farmer_name: &str, commune: Option<&str>, legacy_commune: Option<&str>) -> String {
    let data = reference();
    let mut parts: Vec<&str> = vec![&fields.title, &fields.description, farmer_name];
    if let Some(crop) = data.crop(&fields.crop) {
        parts.extend([crop.name_vi.as_str(), crop.name_en.as_str()]);
        parts.extend(crop.synonyms.iter().map(String::as_str));
        for choice in [crop.variety(&fields.variety), crop.form(&fields.form), fields.grade.as_deref().and_then(|g| crop.grade(g))]
            .into_iter()
            .flatten()
        {
            parts.extend([choice.name_vi.as_str(), choice.name_en.as_str()]);
            parts.extend(choice.synonyms.iter().map(String::as_str));
        }
    }
    if let Some(c) = commune.and_then(|k| data.places.current(k)) {
        parts.push(&c.name);
    }
    if let Some(c) = legacy_commune.and_then(|k| data.places.legacy(k)) {
        parts.push(&c.name);
    }
    let mut text = String::from(" ");
    for part in parts {
        text.push_str(&fold(part));
        text.push(' ');
    }
    text
}

/// How catalogue results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
}

/// Exact conditions on the public catalogue; every engine applies the same ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub crop: Option<String>,
    pub variety: Option<String>,
    pub form: Option<String>,
    /// A current or a legacy commune key.
    pub commune: Option<String>,
    /// A certification that is valid today.
    pub certification: Option<String>,
    /// A valid OCOP rating of at least this many stars.
    pub min_ocop_stars: Option<u8>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    /// Available today (the window has started), not only later this season.
    pub in_season: bool,
    /// Has quantity left.
    pub in_stock: bool,
    pub farmer_id: Option<i64>,
}

/// A catalogue query, already understood: folded terms and exact filters.
#[derive(Debug, Clone)]
pub struct CatalogueFilter {
    /// Folded words that must all appear (as prefixes of words or anywhere inside them).
    pub terms: Vec<String>,
    pub filters: Filters,
    pub sort: SortOrder,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
    /// Listings whose window ended before this day are not shown.
    pub today: Date,
}

/// One listing in a result.
pub type CatalogueHit = Listing;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Facet {
    pub value: String,
    pub count: i64,
}

/// Counts per value over the whole filtered result, largest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Facets {
    pub crop: Vec<Facet>,
    pub variety: Vec<Facet>,
    pub commune: Vec<Facet>,
    pub certification: Vec<Facet>,
}

#[derive(Debug, Clone)]
pub struct CataloguePage {
    pub hits: Vec<CatalogueHit>,
    pub total: i64,
    pub facets: Facets,
}

enum Arg {
    Text(String),
    Int(i64),
}

/// The shared `where` clause of a catalogue query and its arguments, numbered from `$1`
/// (`$1` is always today).
fn where_clause(terms: &[String], f: &Filters, today: Date) -> (String, Vec<Arg>) {
    let mut sql = String::from("l.status = 'approved' and l.available_until >= $1");
    let mut args = vec![Arg::Text(format_date(today))];
    let mut push = |sql: &mut String, clause: &str, arg: Arg| {
        args.push(arg);
        sql.push_str(&clause.replace('?', &format!("${}", args.len())));
    };
    for term in terms {
        push(&mut sql, " and l.search_text like ?", Arg::Text(format!("% {term}%")));
    }
    for (column, value) in [("crop", &f.crop), ("variety", &f.variety), ("form", &f.form)] {
        if let Some(v) = value {
            push(&mut sql, &format!(" and l.{column} = ?"), Arg::Text(v.clone()));
        }
    }
    if let Some(commune) = &f.commune {
        push(&mut sql, " and (l.commune = ?", Arg::Text(commune.clone()));
        push(&mut sql, " or l.legacy_commune = ?)", Arg::Text(commune.clone()));
    }
    const VALID: &str = "(c.valid_until is null or c.valid_until >= $1)";
    if let Some(cert) = &f.certification {
        push(
            &mut sql,
            &format!(" and exists (select 1 from listing_certifications c where c.listing_id = l.id and c.code = ? and {VALID})"),
            Arg::Text(cert.clone()),
        );
    }
    if let Some(stars) = f.min_ocop_stars {
        push(
            &mut sql,
            &format!(
                " and exists (select 1 from listing_certifications c where c.listing_id = l.id and c.code = 'ocop' and c.stars >= ? and {VALID})"
            ),
            Arg::Int(i64::from(stars)),
        );
    }
    if let Some(min) = f.min_price {
        push(&mut sql, " and l.price_vnd_per_kg >= ?", Arg::Int(min));
    }
    if let Some(max) = f.max_price {
        push(&mut sql, " and l.price_vnd_per_kg <= ?", Arg::Int(max));
    }
    if f.in_season {
        sql.push_str(" and l.available_from <= $1");
    }
    if f.in_stock {
        sql.push_str(" and l.quantity_kg > 0");
    }
    if let Some(farmer) = f.farmer_id {
        push(&mut sql, " and l.farmer_id = ?", Arg::Int(farmer));
    }
    (sql, args)
}

fn bind<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    args: &[Arg],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for arg in args {
        query = match arg {
            Arg::Text(s) => query.bind(s.clone()),
            Arg::Int(i) => query.bind(*i),
        };
    }
    query
}

impl Store {
    /// The public catalogue for `filter`: one page of listings, the total and facet counts.
    pub async fn catalogue(&self, filter: &CatalogueFilter) -> Result<CataloguePage> {
        let (clause, args) = where_clause(&filter.terms, &filter.filters, filter.today);
        let order = match filter.sort {
            SortOrder::Relevance if !filter.terms.is_empty() => {
                // Titles that hold the words rank first, then the freshest.
                let mut title_match = String::from("case when 1 = 1");
                for term in &filter.terms {
                    // Terms are folded to letters, digits and spaces: safe inside a literal.
                    title_match.push_str(&format!(" and l.search_text like '% {} %'", term.replace('\'', "")));
                }
                format!("{title_match} then 0 else 1 end, l.updated_at desc, l.id desc")
            }
            SortOrder::Relevance | SortOrder::Newest => "l.updated_at desc, l.id desc".to_owned(),
            SortOrder::PriceAsc => "l.price_vnd_per_kg, l.id".to_owned(),
            SortOrder::PriceDesc => "l.price_vnd_per_kg desc, l.id".to_owned(),
        };
        let per_page = filter.per_page.clamp(1, 100);
        let offset = (filter.page.max(1) - 1) as i64 * per_page as i64;
        let rows = bind(
            sqlx::query(&format!(
                "select {LISTING_COLUMNS} from listings l join users u on u.id = l.farmer_id where {clause} order by {order} limit {per_page} offset {offset}"
            )),
            &args,
        )
        .fetch_all(&self.pool)
        .await?;
        let hits = rows.iter().map(listing_from_row).collect::<Result<Vec<_>>>()?;
        let total = int(
            &bind(sqlx::query(&format!("select count(*) as n from listings l where {clause}")), &args).fetch_one(&self.pool).await?,
            "n",
        )?;

        let facets = self.facets(&clause, &args).await?;
        Ok(CataloguePage { hits, total, facets })
    }

    /// Facet counts for `filters` alone, as the database counts them: what every search
    /// engine's counts must equal.
    pub async fn facet_counts(&self, filters: &Filters, today: Date) -> Result<(i64, Facets)> {
        let (clause, args) = where_clause(&[], filters, today);
        let total = int(
            &bind(sqlx::query(&format!("select count(*) as n from listings l where {clause}")), &args).fetch_one(&self.pool).await?,
            "n",
        )?;
        Ok((total, self.facets(&clause, &args).await?))
    }

    async fn facets(&self, clause: &str, args: &[Arg]) -> Result<Facets> {
        let mut facets = Facets::default();
        for (column, out) in [("crop", &mut facets.crop), ("variety", &mut facets.variety), ("commune", &mut facets.commune)] {
            let rows = bind(
                sqlx::query(&format!(
                    "select l.{column} as value, count(*) as n from listings l where {clause} and l.{column} is not null group by l.{column} order by n desc, value"
                )),
                args,
            )
            .fetch_all(&self.pool)
            .await?;
            for row in rows {
                out.push(Facet { value: row.try_get("value")?, count: int(&row, "n")? });
            }
        }
        let rows = bind(
            sqlx::query(&format!(
                "select c.code as value, count(*) as n from listings l join listing_certifications c on c.listing_id = l.id
                 where {clause} and (c.valid_until is null or c.valid_until >= $1) group by c.code order by n desc, value"
            )),
            args,
        )
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            facets.certification.push(Facet { value: row.try_get("value")?, count: int(&row, "n")? });
        }
        Ok(facets)
    }

    /// Up to `limit` listings waiting in the search outbox: (outbox row id, listing id).
    pub async fn search_outbox(&self, limit: i64) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query("select id, listing_id from search_outbox order by id limit $1").bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((int(r, "id")?, int(r, "listing_id")?))).collect()
    }

    /// Removes outbox rows once their listings are indexed.
    pub async fn search_outbox_done(&self, rows: &[(i64, i64)]) -> Result<()> {
        for (id, _) in rows {
            sqlx::query("delete from search_outbox where id = $1").bind(*id).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Rows waiting in the search outbox.
    pub async fn search_outbox_len(&self) -> Result<i64> {
        int(&sqlx::query("select count(*) as n from search_outbox").fetch_one(&self.pool).await?, "n")
    }

    /// The listings among `ids` that belong in the catalogue (approved), for indexing.
    pub async fn public_listings(&self, ids: &[i64]) -> Result<Vec<Listing>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let rows = sqlx::query(&format!(
            "select {LISTING_COLUMNS} from listings l join users u on u.id = l.farmer_id where l.id in ({list}) and l.status = 'approved'"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(listing_from_row).collect()
    }

    /// Approved listings with ids above `after`, in id order, `limit` at a time: for rebuilding
    /// and reconciling the index page by page.
    pub async fn public_listings_after(&self, after: i64, limit: i64) -> Result<Vec<Listing>> {
        let rows = sqlx::query(&format!(
            "select {LISTING_COLUMNS} from listings l join users u on u.id = l.farmer_id where l.status = 'approved' and l.id > $1 order by l.id limit $2"
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(listing_from_row).collect()
    }

    /// Listings by id, in the order given (missing ids are skipped): hits from an engine.
    pub async fn listings_by_ids(&self, ids: &[i64]) -> Result<Vec<Listing>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let rows =
            sqlx::query(&format!("select {LISTING_COLUMNS} from listings l join users u on u.id = l.farmer_id where l.id in ({list})"))
                .fetch_all(&self.pool)
                .await?;
        let mut found = rows.iter().map(listing_from_row).collect::<Result<Vec<_>>>()?;
        found.sort_by_key(|l| ids.iter().position(|id| *id == l.id));
        Ok(found)
    }
}
