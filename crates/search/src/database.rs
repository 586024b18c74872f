//! The catalogue answered by the database alone: accent-folded substring search, exact filters.
//! It is the fallback when a search engine cannot answer, and the reference engines' filters
//! and facet counts are checked against.

use crate::{BoxFuture, Catalogue, CatalogueQuery, DEFAULT_PER_PAGE, Hit, SearchError, SearchPage, Suggestion};
use nongsan_domain::text::fold;
use nongsan_store::{CatalogueFilter, Store};
use time::Date;

#[derive(Clone)]
pub struct DatabaseCatalogue {
    store: Store,
}

impl DatabaseCatalogue {
    pub fn new(store: Store) -> Self {
        DatabaseCatalogue { store }
    }

    pub async fn search_page(&self, query: &CatalogueQuery, today: Date) -> Result<SearchPage, SearchError> {
        let terms: Vec<String> = fold(&query.text).split(' ').filter(|w| !w.is_empty()).take(10).map(str::to_owned).collect();
        let filter = CatalogueFilter {
            terms,
            filters: query.filters.clone(),
            sort: query.sort,
            page: query.page.max(1),
            per_page: if query.per_page == 0 { DEFAULT_PER_PAGE } else { query.per_page },
            today,
        };
        let page = self.store.catalogue(&filter).await?;
        Ok(SearchPage {
            hits: page.hits.into_iter().map(|listing| Hit { listing, highlight: None }).collect(),
            total: page.total.max(0) as u64,
            facets: page.facets,
            degraded: false,
        })
    }
}

impl Catalogue for DatabaseCatalogue {
    fn search<'a>(&'a self, query: &'a CatalogueQuery, today: Date) -> BoxFuture<'a, Result<SearchPage, SearchError>> {
        Box::pin(self.search_page(query, today))
    }

    fn suggest<'a>(&'a self, _text: &'a str, _today: Date) -> BoxFuture<'a, Result<Vec<Suggestion>, SearchError>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn listing_changed(&self, _id: i64) -> BoxFuture<'_, ()> {
        // The database is the index.
        Box::pin(async {})
    }

    fn name(&self) -> &'static str {
        "database"
    }
}
