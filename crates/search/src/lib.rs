//! The catalogue query model and the engines that answer it.
//!
//! Buyers' queries arrive as [`CatalogueQuery`]; an engine behind the [`Catalogue`] trait
//! answers them. [`DatabaseCatalogue`] answers straight from the store (the source of truth);
//! dedicated search engines plug in behind the same trait and are checked against it.

use nongsan_domain::text::fold;
use nongsan_store::{CatalogueFilter, CataloguePage, Filters, SortOrder, Store};
use std::future::Future;
use std::pin::Pin;
use time::Date;

/// A boxed future, so engines can sit behind `dyn Catalogue`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a buyer asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogueQuery {
    /// Free text as typed, with or without accents.
    pub text: String,
    pub filters: Filters,
    pub sort: SortOrder,
    /// 1-based page number.
    pub page: u32,
    pub per_page: u32,
}

/// Results per page unless the query says otherwise.
pub const DEFAULT_PER_PAGE: u32 = 20;

/// Why a search failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Store(#[from] nongsan_store::StoreError),
}

/// A search engine over the public catalogue.
pub trait Catalogue: Send + Sync {
    /// Answers `query` as of `today` (listings whose window ended are not shown).
    fn search<'a>(&'a self, query: &'a CatalogueQuery, today: Date) -> BoxFuture<'a, Result<CataloguePage, SearchError>>;

    /// Tells the engine a listing changed, so a derived index can follow.
    fn listing_changed(&self, id: i64) -> BoxFuture<'_, Result<(), SearchError>>;

    /// The engine's name, for logs and `/healthz`.
    fn name(&self) -> &'static str;
}

/// Splits free text into folded words: accents optional, đ read as d.
pub fn terms(text: &str) -> Vec<String> {
    fold(text).split(' ').filter(|w| !w.is_empty()).take(12).map(str::to_owned).collect()
}

/// Answers from the database itself.
#[derive(Clone)]
pub struct DatabaseCatalogue {
    store: Store,
}

impl DatabaseCatalogue {
    pub fn new(store: Store) -> Self {
        DatabaseCatalogue { store }
    }
}

impl Catalogue for DatabaseCatalogue {
    fn search<'a>(&'a self, query: &'a CatalogueQuery, today: Date) -> BoxFuture<'a, Result<CataloguePage, SearchError>> {
        Box::pin(async move {
            let filter = CatalogueFilter {
                terms: terms(&query.text),
                filters: query.filters.clone(),
                sort: query.sort,
                page: query.page.max(1),
                per_page: if query.per_page == 0 { DEFAULT_PER_PAGE } else { query.per_page },
                today,
            };
            Ok(self.store.catalogue(&filter).await?)
        })
    }

    fn listing_changed(&self, _id: i64) -> BoxFuture<'_, Result<(), SearchError>> {
        // The database is the index.
        Box::pin(async { Ok(()) })
    }

    fn name(&self) -> &'static str {
        "database"
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn terms_fold_and_split() {
        assert_eq!(super::terms("  SẦU riêng, Đinh Lạc "), vec!["sau", "rieng", "dinh", "lac"]);
    }
}
