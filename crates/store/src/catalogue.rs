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
        if let Some(v) = crop.variety(&fields.variety) {
            parts.extend([v.name_vi.as_str(), v.name_en.as_str()]);
        }
        if let Some(f) = crop.form(&fields.form) {
            parts.extend([f.name_vi.as_str(), f.name_en.as_str()]);
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

/// A catalogue query, already understood: folded terms and exact filters.
#[derive(Debug, Clone)]
pub struct CatalogueFilter {
    /// Folded words that must all appear (as prefixes of words or anywhere inside them).
    pub terms: Vec<String>,
    pub crop: Option<String>,
    pub variety: Option<String>,
    /// A current or a legacy commune key.
    pub commune: Option<String>,
    pub certification: Option<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub farmer_id: Option<i64>,
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

/// The shared `where` clause of a catalogue query and its arguments, numbered from `$1`.
fn where_clause(filter: &CatalogueFilter) -> (String, Vec<Arg>) {
    let mut sql = String::from("l.status = 'approved' and l.available_until >= $1");
    let mut args = vec![Arg::Text(format_date(filter.today))];
    let mut push = |sql: &mut String, clause: &str, arg: Arg| {
        args.push(arg);
        sql.push_str(&clause.replace('?', &format!("${}", args.len())));
    };
    for term in &filter.terms {
        push(&mut sql, " and l.search_text like ?", Arg::Text(format!("% {term}%")));
    }
    if let Some(crop) = &filter.crop {
        push(&mut sql, " and l.crop = ?", Arg::Text(crop.clone()));
    }
    if let Some(variety) = &filter.variety {
        push(&mut sql, " and l.variety = ?", Arg::Text(variety.clone()));
    }
    if let Some(commune) = &filter.commune {
        push(&mut sql, " and (l.commune = ?", Arg::Text(commune.clone()));
        push(&mut sql, " or l.legacy_commune = ?)", Arg::Text(commune.clone()));
    }
    if let Some(cert) = &filter.certification {
        push(&mut sql, " and l.certification_codes like ?", Arg::Text(format!("%,{cert},%")));
    }
    if let Some(min) = filter.min_price {
        push(&mut sql, " and l.price_vnd_per_kg >= ?", Arg::Int(min));
    }
    if let Some(max) = filter.max_price {
        push(&mut sql, " and l.price_vnd_per_kg <= ?", Arg::Int(max));
    }
    if let Some(farmer) = filter.farmer_id {
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
        let (clause, args) = where_clause(filter);
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

        let mut facets = Facets::default();
        for (column, out) in [("crop", &mut facets.crop), ("variety", &mut facets.variety), ("commune", &mut facets.commune)] {
            let rows = bind(
                sqlx::query(&format!(
                    "select l.{column} as value, count(*) as n from listings l where {clause} and l.{column} is not null group by l.{column} order by n desc, value"
                )),
                &args,
            )
            .fetch_all(&self.pool)
            .await?;
            for row in rows {
                out.push(Facet { value: row.try_get("value")?, count: int(&row, "n")? });
            }
        }
        let certs = &reference().certifications;
        if !certs.is_empty() {
            let sums: Vec<String> = certs
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    format!("coalesce(sum(case when l.certification_codes like '%,{}' || ',%' then 1 else 0 end), 0) as c{i}", c.key)
                })
                .collect();
            let row = bind(sqlx::query(&format!("select {} from listings l where {clause}", sums.join(", "))), &args)
                .fetch_one(&self.pool)
                .await?;
            for (i, c) in certs.iter().enumerate() {
                let count = int(&row, &format!("c{i}"))?;
                if count > 0 {
                    facets.certification.push(Facet { value: c.key.clone(), count });
                }
            }
            facets.certification.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
        }
        Ok(CataloguePage { hits, total, facets })
    }
}
