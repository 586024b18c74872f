//! Catalogue search: the query model, the query understanding shared by every engine, and
//! the engines.
//!
//! Buyers' queries arrive as [`CatalogueQuery`]. [`SearchService`] understands the words once
//! ([`understand`]), asks an [`Engine`] — the embedded tantivy index ([`embedded`]) or
//! Meilisearch ([`meili`]) — and ranks by the same rules whatever answered: both engines put
//! the listings holding every word typed with its accents first ([`EngineQuery::exact_accents`]),
//! and the service orders each block of results by accented words and words kept together in
//! order. The database is
//! the truth: every catalogue change leaves a row in the search outbox, which [`SearchService`]
//! drains into the engine; [`DatabaseCatalogue`] answers from the database itself when an engine
//! cannot.

mod database;
pub mod doc;
pub mod embedded;
pub mod highlight;
pub mod meili;
mod service;
pub mod understand;
pub mod vocabulary;

pub use database::DatabaseCatalogue;
pub use doc::SearchDoc;
pub use service::{SearchService, Suggestion};
pub use understand::{Understood, understand};

use nongsan_store::{Facets, Filters, Listing, SortOrder};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use time::Date;

/// A boxed future, so engines can sit behind `dyn`.
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

/// One listing found, with its title's matching words marked.
#[derive(Debug, Clone)]
pub struct Hit {
    pub listing: Listing,
    /// The title, HTML-escaped, matches in `<mark>`; `None` when no word matched the title.
    pub highlight: Option<String>,
}

/// An answer to a catalogue query.
#[derive(Debug, Clone, Default)]
pub struct SearchPage {
    pub hits: Vec<Hit>,
    pub total: u64,
    pub facets: Facets,
    /// The search engine could not answer; this came from the database's simpler search.
    pub degraded: bool,
}

/// Why a search failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Store(#[from] nongsan_store::StoreError),
    #[error("search engine: {0}")]
    Engine(String),
}

impl SearchError {
    pub fn engine(e: impl std::fmt::Display) -> SearchError {
        SearchError::Engine(e.to_string())
    }
}

/// The catalogue as the web application sees it.
pub trait Catalogue: Send + Sync {
    /// Answers `query` as of `today` (listings whose window ended are not shown).
    fn search<'a>(&'a self, query: &'a CatalogueQuery, today: Date) -> BoxFuture<'a, Result<SearchPage, SearchError>>;

    /// Words and titles completing what a buyer is typing.
    fn suggest<'a>(&'a self, text: &'a str, today: Date) -> BoxFuture<'a, Result<Vec<Suggestion>, SearchError>>;

    /// A listing changed (its outbox row is committed): bring the index up to date now.
    /// Failures leave the outbox for later and are not the caller's concern.
    fn listing_changed(&self, id: i64) -> BoxFuture<'_, ()>;

    /// The engine's name, for logs and `/healthz`.
    fn name(&self) -> &'static str;
}

/// A query as an engine receives it: words already resolved, filters exact.
#[derive(Debug, Clone)]
pub struct EngineQuery {
    pub understood: Understood,
    pub filters: Filters,
    /// Julian day of today: windows that ended before are excluded.
    pub today: i64,
    pub sort: SortOrder,
    pub offset: usize,
    pub limit: usize,
    /// The shared ranking will read each hit's texts: return them if the engine keeps them.
    pub texts: bool,
}

impl EngineQuery {
    /// The [`doc::accent_key`] of each word typed with its marks ([`understand::QueryWord::accented`]),
    /// when the order is relevance: every engine puts the listings holding all of them first,
    /// then the rest.
    pub fn exact_accents(&self) -> Vec<String> {
        if self.sort != SortOrder::Relevance {
            return Vec::new();
        }
        let mut keys: Vec<String> = self.understood.words.iter().filter_map(|w| w.accented.as_deref()).map(doc::accent_key).collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

/// A document found: its card, and the texts the shared ranking reads when the engine has them
/// at hand.
#[derive(Debug, Clone)]
pub struct EngineHit {
    pub id: i64,
    /// [`SearchDoc::card`]: the listing to show.
    pub card: String,
    /// [`SearchDoc::folded`] and [`SearchDoc::accented`], when asked for and kept by the
    /// engine; otherwise the service derives them from the card.
    pub texts: Option<(String, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct EngineResult {
    pub hits: Vec<EngineHit>,
    pub total: u64,
    pub facets: Facets,
}

/// A search engine holding the public catalogue.
pub trait Engine: Send + Sync {
    fn name(&self) -> &'static str;

    fn search(&self, query: EngineQuery) -> BoxFuture<'_, Result<EngineResult, SearchError>>;

    /// Adds or replaces documents.
    fn upsert(&self, docs: Vec<SearchDoc>) -> BoxFuture<'_, Result<(), SearchError>>;

    /// Removes documents (absent ids are fine).
    fn delete(&self, ids: Vec<i64>) -> BoxFuture<'_, Result<(), SearchError>>;

    /// Starts a new index beside the live one, to be filled with [`Engine::replace_add`] and
    /// switched in by [`Engine::replace_finish`]; searches keep answering from the live index
    /// until then. Starting again discards a new index left unfinished.
    fn replace_begin(&self) -> BoxFuture<'_, Result<(), SearchError>>;

    /// Adds documents to the index being built.
    fn replace_add(&self, docs: Vec<SearchDoc>) -> BoxFuture<'_, Result<(), SearchError>>;

    /// Makes the index being built the live one.
    fn replace_finish(&self) -> BoxFuture<'_, Result<(), SearchError>>;

    /// Every indexed id with its document hash: what the reconcile job compares.
    fn hashes(&self) -> BoxFuture<'_, Result<HashMap<i64, u64>, SearchError>>;

    /// Whether the live index holds no document.
    fn is_empty(&self) -> BoxFuture<'_, Result<bool, SearchError>>;

    /// Prepares the engine (creates the index, applies settings); idempotent.
    fn ready(&self) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(async { Ok(()) })
    }

    /// Picks up an index another process rebuilt; true when it switched (then reconcile).
    fn follow(&self) -> Result<bool, SearchError> {
        Ok(false)
    }
}
