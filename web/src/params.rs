//! Catalogue query parameters as they arrive in a URL, and what they mean.

use nongsan_domain::FieldErrors;
use nongsan_domain::quantity::parse_vnd;
use nongsan_domain::reference::reference;
use nongsan_search::{CatalogueQuery, DEFAULT_PER_PAGE};
use nongsan_store::{Filters, SortOrder};

/// Every parameter is text, so a bad value is answered by field, not by a refused request.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CatalogueParams {
    pub q: String,
    pub crop: String,
    pub variety: String,
    pub commune: String,
    pub certification: String,
    pub form: String,
    pub ocop_stars: String,
    pub in_season: String,
    pub in_stock: String,
    pub min_price: String,
    pub max_price: String,
    pub sort: String,
    pub page: String,
    pub per_page: String,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl CatalogueParams {
    /// The query these parameters ask for, or what is wrong with them, by parameter.
    pub fn to_query(&self) -> Result<CatalogueQuery, FieldErrors> {
        let data = reference();
        let mut errors = FieldErrors::default();
        let crop = opt(&self.crop);
        if crop.as_deref().is_some_and(|c| data.crop(c).is_none()) {
            errors.add("crop", "err.crop.unknown");
        }
        let variety = opt(&self.variety);
        if variety.as_deref().is_some_and(|v| !data.crops.iter().any(|c| c.variety(v).is_some())) {
            errors.add("variety", "err.variety.unknown");
        }
        let commune = opt(&self.commune);
        if commune.as_deref().is_some_and(|c| data.places.current(c).is_none() && data.places.legacy(c).is_none()) {
            errors.add("commune", "err.commune.unknown");
        }
        let certification = opt(&self.certification);
        if certification.as_deref().is_some_and(|c| data.certification(c).is_none()) {
            errors.add("certification", "err.certification.unknown");
        }
        let form = opt(&self.form);
        if form.as_deref().is_some_and(|f| !data.crops.iter().any(|c| c.form(f).is_some())) {
            errors.add("form", "err.form.unknown");
        }
        let min_ocop_stars = match self.ocop_stars.trim() {
            "" => None,
            s => match s.parse::<u8>() {
                Ok(n) if (1..=5).contains(&n) => Some(n),
                _ => {
                    errors.add("ocop_stars", "err.certification.stars_invalid");
                    None
                }
            },
        };
        let flag = |errors: &mut FieldErrors, field: &'static str, s: &str| match s.trim() {
            "" | "0" | "false" => false,
            "1" | "true" | "on" => true,
            _ => {
                errors.add(field, "err.type");
                false
            }
        };
        let in_season = flag(&mut errors, "in_season", &self.in_season);
        let in_stock = flag(&mut errors, "in_stock", &self.in_stock);
        let price = |errors: &mut FieldErrors, field: &'static str, s: &str| -> Option<i64> {
            let t = s.trim();
            if t.is_empty() {
                return None;
            }
            let p = parse_vnd(t);
            if p.is_none() {
                errors.add(field, "err.price.not_whole");
            }
            p
        };
        let min_price = price(&mut errors, "min_price", &self.min_price);
        let max_price = price(&mut errors, "max_price", &self.max_price);
        if let (Some(a), Some(b)) = (min_price, max_price)
            && a > b
        {
            errors.add("max_price", "err.price.range");
        }
        let sort = match self.sort.trim() {
            "" | "relevance" => SortOrder::Relevance,
            "price_asc" => SortOrder::PriceAsc,
            "price_desc" => SortOrder::PriceDesc,
            "newest" => SortOrder::Newest,
            _ => {
                errors.add("sort", "err.sort.unknown");
                SortOrder::Relevance
            }
        };
        let page = match self.page.trim() {
            "" => 1,
            p => p.parse::<u32>().ok().filter(|p| (1..=10_000).contains(p)).unwrap_or_else(|| {
                errors.add("page", "err.page.invalid");
                1
            }),
        };
        let per_page = match self.per_page.trim() {
            "" => DEFAULT_PER_PAGE,
            p => p.parse::<u32>().ok().filter(|p| (1..=100).contains(p)).unwrap_or_else(|| {
                errors.add("per_page", "err.page.invalid");
                DEFAULT_PER_PAGE
            }),
        };
        if self.q.chars().count() > 200 {
            errors.add("q", "err.query.too_long");
        }
        errors.into_result(CatalogueQuery {
            text: self.q.clone(),
            filters: Filters {
                crop,
                variety,
                form,
                commune,
                certification,
                min_ocop_stars,
                min_price,
                max_price,
                in_season,
                in_stock,
                farmer_id: None,
            },
            sort,
            page,
            per_page,
        })
    }

    /// These parameters as a query string, with `page` replaced.
    pub fn with_page(&self, page: u32) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("crop", &self.crop),
            ("variety", &self.variety),
            ("commune", &self.commune),
            ("certification", &self.certification),
            ("form", &self.form),
            ("ocop_stars", &self.ocop_stars),
            ("in_season", &self.in_season),
            ("in_stock", &self.in_stock),
            ("min_price", &self.min_price),
            ("max_price", &self.max_price),
            ("sort", &self.sort),
        ] {
            if !v.trim().is_empty() {
                parts.push(format!("{k}={}", crate::error::urlencode(v)));
            }
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        parts.join("&")
    }
}
