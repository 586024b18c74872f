//! The search service: understands queries, asks the engine, ranks by shared rules, keeps the
//! index in step with the database through the outbox, and falls back to the database when the
//! engine cannot answer.

use crate::database::DatabaseCatalogue;
use crate::doc::{SearchDoc, accented_text, day_number, folded_text};
use crate::highlight::highlight;
use crate::understand::{Understood, understand};
use crate::vocabulary::Vocabulary;
use crate::{BoxFuture, Catalogue, CatalogueQuery, DEFAULT_PER_PAGE, Engine, EngineHit, EngineQuery, Hit, SearchError, SearchPage};
use nongsan_store::{Listing, SortOrder, Store};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use time::Date;

/// The shared rules reorder the engine's results a block of this many at a time. Every page is
/// cut from the same reordered blocks whatever its size, so paging neither repeats nor skips a
/// listing, and an engine is asked only for the blocks the page touches (Meilisearch ranks each
/// hit it returns by proximity: asking for more than is shown costs).
const RERANK_BLOCK: usize = DEFAULT_PER_PAGE as usize;
/// Outbox rows indexed per batch.
const BATCH: i64 = 500;
/// Listings read from the database per page when the whole catalogue is walked.
const PAGE: i64 = 2000;
/// Documents sent to the engine at a time by a rebuild.
const REBUILD_CHUNK: usize = 10_000;

/// A completion for search-as-you-type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Suggestion {
    /// What to put in the search box.
    pub text: String,
    /// A listing to open directly, when the suggestion is a listing's title.
    pub listing_id: Option<i64>,
}

/// What the reconcile job found and repaired.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciled {
    pub missing: usize,
    pub stale: usize,
    pub extra: usize,
}

pub struct SearchService {
    store: Store,
    engine: Arc<dyn Engine>,
    vocabulary: RwLock<Vocabulary>,
    fallback: DatabaseCatalogue,
    /// One drain at a time in this process.
    draining: tokio::sync::Mutex<()>,
    /// One rebuild at a time in this process.
    rebuilding: tokio::sync::Mutex<()>,
}

fn today_of(listing: &Listing, today: Date) -> bool {
    listing.status.is_public() && listing.fields.available_until >= today
}

impl SearchService {
    /// A service over `engine`; call [`SearchService::start`] before serving.
    pub fn new(store: Store, engine: Arc<dyn Engine>) -> SearchService {
        SearchService {
            fallback: DatabaseCatalogue::new(store.clone()),
            store,
            engine,
            vocabulary: RwLock::new(Vocabulary::default()),
            draining: tokio::sync::Mutex::new(()),
            rebuilding: tokio::sync::Mutex::new(()),
        }
    }

    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.engine
    }

    /// Loads the vocabulary and catches the index up with the outbox.
    pub async fn start(&self) -> Result<(), SearchError> {
        self.load_vocabulary().await?;
        self.engine.ready().await?;
        if self.engine.is_empty().await? && !self.store.public_listings_after(0, 1).await?.is_empty() {
            // A new or discarded index: fill it from the database.
            self.rebuild().await?;
        }
        self.drain_outbox().await?;
        Ok(())
    }

    fn vocab(&self) -> std::sync::RwLockReadGuard<'_, Vocabulary> {
        self.vocabulary.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Rebuilds the vocabulary from the database's public listings, a page at a time.
    pub async fn load_vocabulary(&self) -> Result<usize, SearchError> {
        let mut vocab = Vocabulary::default();
        let mut pages = Pages::new(&self.store);
        while let Some(page) = pages.next().await? {
            for listing in &page {
                vocab.add_text(&folded_text(listing));
            }
        }
        let n = vocab.len();
        self.set_vocabulary(vocab);
        Ok(n)
    }

    fn set_vocabulary(&self, vocab: Vocabulary) {
        *self.vocabulary.write().unwrap_or_else(|e| e.into_inner()) = vocab;
    }

    /// Indexes what the outbox holds; returns how many listings were brought up to date.
    pub async fn drain_outbox(&self) -> Result<usize, SearchError> {
        let _one = self.draining.lock().await;
        let today = nongsan_domain::local_date(nongsan_store::now());
        let mut done = 0;
        loop {
            let rows = self.store.search_outbox(BATCH).await?;
            if rows.is_empty() {
                return Ok(done);
            }
            let mut ids: Vec<i64> = rows.iter().map(|(_, id)| *id).collect();
            ids.sort_unstable();
            ids.dedup();
            let public = self.store.public_listings(&ids).await?;
            let docs: Vec<SearchDoc> = public.iter().map(|l| SearchDoc::from_listing(l, today)).collect();
            let kept: HashSet<i64> = docs.iter().map(|d| d.id).collect();
            let gone: Vec<i64> = ids.iter().copied().filter(|id| !kept.contains(id)).collect();
            {
                let mut vocab = self.vocabulary.write().unwrap_or_else(|e| e.into_inner());
                for d in &docs {
                    vocab.add_text(&d.folded);
                }
            }
            if !docs.is_empty() {
                self.engine.upsert(docs).await?;
            }
            if !gone.is_empty() {
                self.engine.delete(gone).await?;
            }
            self.store.search_outbox_done(&rows).await?;
            done += ids.len();
        }
    }

    /// Rebuilds the whole index from the database while the old one keeps answering. The
    /// catalogue is read and sent a chunk at a time, never held in memory whole.
    pub async fn rebuild(&self) -> Result<usize, SearchError> {
        let _one = self.rebuilding.lock().await;
        let today = nongsan_domain::local_date(nongsan_store::now());
        self.engine.replace_begin().await?;
        let mut vocab = Vocabulary::default();
        let mut chunk: Vec<SearchDoc> = Vec::new();
        let mut n = 0;
        let mut pages = Pages::new(&self.store);
        while let Some(page) = pages.next().await? {
            for listing in &page {
                let doc = SearchDoc::from_listing(listing, today);
                vocab.add_text(&doc.folded);
                chunk.push(doc);
            }
            if chunk.len() >= REBUILD_CHUNK {
                n += chunk.len();
                self.engine.replace_add(std::mem::take(&mut chunk)).await?;
            }
        }
        n += chunk.len();
        if !chunk.is_empty() {
            self.engine.replace_add(chunk).await?;
        }
        self.engine.replace_finish().await?;
        self.set_vocabulary(vocab);
        // Changes made while the new index was built are still in the outbox.
        self.drain_outbox().await?;
        Ok(n)
    }

    /// Finds documents missing from the index, stale (including certifications that expired
    /// since they were indexed) or extra, and repairs them.
    pub async fn reconcile(&self) -> Result<Reconciled, SearchError> {
        let today = nongsan_domain::local_date(nongsan_store::now());
        let mut indexed = self.engine.hashes().await?;
        let mut report = Reconciled::default();
        let mut vocab = Vocabulary::default();
        // A page at a time: the catalogue is never held in memory whole.
        let mut pages = Pages::new(&self.store);
        while let Some(page) = pages.next().await? {
            let mut repair = Vec::new();
            for listing in &page {
                let doc = SearchDoc::from_listing(listing, today);
                vocab.add_text(&doc.folded);
                match indexed.remove(&doc.id) {
                    None => report.missing += 1,
                    Some(h) if h != doc.hash => report.stale += 1,
                    Some(_) => continue,
                }
                repair.push(doc);
            }
            if !repair.is_empty() {
                self.engine.upsert(repair).await?;
            }
        }
        // Every public listing was seen: anything else indexed is extra.
        let extra: Vec<i64> = indexed.into_keys().collect();
        report.extra = extra.len();
        if !extra.is_empty() {
            self.engine.delete(extra).await?;
        }
        self.set_vocabulary(vocab);
        if report != Reconciled::default() {
            tracing::info!(missing = report.missing, stale = report.stale, extra = report.extra, "search index repaired");
        }
        Ok(report)
    }

    /// The query an engine receives for `query`: what benchmarks send to an engine directly.
    pub fn engine_query(&self, query: &CatalogueQuery, today: Date) -> EngineQuery {
        let understood = understand(&query.text, &self.vocab());
        let per_page = if query.per_page == 0 { DEFAULT_PER_PAGE } else { query.per_page } as usize;
        let offset = (query.page.max(1) as usize - 1) * per_page;
        EngineQuery {
            understood,
            filters: query.filters.clone(),
            today: day_number(today),
            sort: query.sort,
            offset,
            limit: per_page,
            texts: false,
        }
    }

    async fn search_engine(&self, query: &CatalogueQuery, today: Date) -> Result<SearchPage, SearchError> {
        let understood = understand(&query.text, &self.vocab());
        if understood.nothing_matches {
            return Ok(SearchPage::default());
        }
        let per_page = if query.per_page == 0 { DEFAULT_PER_PAGE } else { query.per_page } as usize;
        let page = query.page.max(1) as usize;
        let start = (page - 1) * per_page;
        // The shared rules only reorder when there is something to weigh: accents typed, or
        // several words that may stand together.
        let weighs = understood.words.len() > 1 || understood.words.iter().any(|w| w.accented.is_some());
        let rerank = query.sort == SortOrder::Relevance && weighs;
        let (offset, limit) = if rerank {
            let first = start / RERANK_BLOCK * RERANK_BLOCK;
            (first, (start + per_page).div_ceil(RERANK_BLOCK) * RERANK_BLOCK - first)
        } else {
            (start, per_page)
        };
        let result = self
            .engine
            .search(EngineQuery {
                understood: understood.clone(),
                filters: query.filters.clone(),
                today: day_number(today),
                sort: query.sort,
                offset,
                limit,
                texts: rerank,
            })
            .await?;
        let mut found: Vec<(EngineHit, Option<Listing>)> = result.hits.into_iter().map(|h| (h, None)).collect();
        if rerank {
            // Texts the engine did not send are derived from the cards, and only those the
            // rules will read: the accented words when accents were typed, the folded words
            // when there are words to find side by side.
            let accents = understood.words.iter().any(|w| w.accented.is_some());
            let pairs = understood.words.len() > 1;
            for (hit, listing) in &mut found {
                if hit.texts.is_none() {
                    *listing = serde_json::from_str(&hit.card).ok();
                    hit.texts = Some(listing.as_ref().map_or_else(Default::default, |l| {
                        (if pairs { folded_text(l) } else { String::new() }, if accents { accented_text(l) } else { String::new() })
                    }));
                }
            }
            for block in found.chunks_mut(RERANK_BLOCK) {
                rank(block, &understood);
            }
            found = found.into_iter().skip(start - offset).take(per_page).collect();
        }
        let listings = self.cards(found).await?;
        let hits = listings
            .into_iter()
            .filter(|l| today_of(l, today))
            .map(|listing| Hit { highlight: highlight(&listing.fields.title, &understood), listing })
            .collect();
        Ok(SearchPage { hits, total: result.total, facets: result.facets, degraded: false })
    }

    /// The listings of `found` in order, from the cards the index keeps (read already, or read
    /// now). A card that does not read (indexed by another version, not yet repaired) is read
    /// from the database instead.
    async fn cards(&self, found: Vec<(EngineHit, Option<Listing>)>) -> Result<Vec<Listing>, SearchError> {
        let mut cards: Vec<(i64, Option<Listing>)> =
            found.into_iter().map(|(hit, listing)| (hit.id, listing.or_else(|| serde_json::from_str(&hit.card).ok()))).collect();
        let unread: Vec<i64> = cards.iter().filter(|(_, card)| card.is_none()).map(|(id, _)| *id).collect();
        if !unread.is_empty() {
            tracing::debug!(count = unread.len(), "search cards unreadable; reading those listings from the database");
            let mut from_db: HashMap<i64, Listing> = self.store.listings_by_ids(&unread).await?.into_iter().map(|l| (l.id, l)).collect();
            for (id, card) in cards.iter_mut().filter(|(_, card)| card.is_none()) {
                *card = from_db.remove(id);
            }
        }
        Ok(cards.into_iter().filter_map(|(_, card)| card).collect())
    }
}

/// The public catalogue a page at a time, in id order. The next page is read from the database
/// while the caller works on this one; a walk dropped early (failed, cancelled) stops reading.
struct Pages {
    store: Store,
    next: Option<tokio::task::JoinHandle<Result<Vec<Listing>, nongsan_store::StoreError>>>,
}

impl Pages {
    fn new(store: &Store) -> Pages {
        let mut pages = Pages { store: store.clone(), next: None };
        pages.read_after(0);
        pages
    }

    fn read_after(&mut self, after: i64) {
        let store = self.store.clone();
        self.next = Some(tokio::spawn(async move { store.public_listings_after(after, PAGE).await }));
    }

    /// The next page, `None` past the last.
    async fn next(&mut self) -> Result<Option<Vec<Listing>>, SearchError> {
        let Some(reading) = self.next.as_mut() else { return Ok(None) };
        let page = reading.await.map_err(SearchError::engine)??;
        self.next = None;
        let Some(last) = page.last() else { return Ok(None) };
        self.read_after(last.id);
        Ok(Some(page))
    }
}

impl Drop for Pages {
    fn drop(&mut self) {
        if let Some(reading) = &self.next {
            reading.abort();
        }
    }
}

/// The shared ranking of a block of results: more words matched with the accents the buyer
/// typed first, then more query words found side by side in order; the engine's order breaks
/// ties. Reads each hit's texts.
pub fn rank<T>(hits: &mut [(EngineHit, T)], understood: &Understood) {
    let key = |(hit, _): &(EngineHit, T)| {
        let (folded, accented) = hit.texts.as_ref().map(|(f, a)| (f.as_str(), a.as_str())).unwrap_or_default();
        let accented: Vec<&str> = accented.split(' ').collect();
        let accent = understood.words.iter().filter(|w| w.accented.as_deref().is_some_and(|a| accented.contains(&a))).count();
        let folded: Vec<&str> = folded.split(' ').collect();
        let matches = |word: &str, w: &crate::understand::QueryWord| word == w.term || (w.prefix && word.starts_with(&w.term));
        let adjacent = understood
            .words
            .windows(2)
            .filter(|pair| folded.windows(2).any(|f| matches(f[0], &pair[0]) && matches(f[1], &pair[1])))
            .count();
        std::cmp::Reverse((accent, adjacent))
    };
    hits.sort_by_cached_key(key);
}

impl Catalogue for SearchService {
    fn search<'a>(&'a self, query: &'a CatalogueQuery, today: Date) -> BoxFuture<'a, Result<SearchPage, SearchError>> {
        Box::pin(async move {
            match self.search_engine(query, today).await {
                Ok(page) => Ok(page),
                Err(SearchError::Store(e)) => Err(SearchError::Store(e)),
                Err(e) => {
                    tracing::warn!(error = %e, engine = self.engine.name(), "search engine failed; answering from the database");
                    let mut page = self.fallback.search_page(query, today).await?;
                    page.degraded = true;
                    Ok(page)
                }
            }
        })
    }

    fn suggest<'a>(&'a self, text: &'a str, today: Date) -> BoxFuture<'a, Result<Vec<Suggestion>, SearchError>> {
        Box::pin(async move {
            let understood = understand(text, &self.vocab());
            if understood.is_empty() {
                return Ok(Vec::new());
            }
            let mut out: Vec<Suggestion> = Vec::new();
            if let Some(last) = understood.words.last().filter(|w| w.prefix) {
                let head: Vec<&str> = understood.words[..understood.words.len() - 1].iter().map(|w| w.term.as_str()).collect();
                for word in last.expansions.iter().take(4) {
                    let mut parts = head.clone();
                    parts.push(word);
                    out.push(Suggestion { text: parts.join(" "), listing_id: None });
                }
            }
            let query = CatalogueQuery { text: text.to_owned(), page: 1, per_page: 5, ..CatalogueQuery::default() };
            if let Ok(page) = self.search_engine(&query, today).await {
                let mut seen = HashMap::new();
                for hit in page.hits {
                    if seen.insert(hit.listing.fields.title.clone(), ()).is_none() {
                        out.push(Suggestion { text: hit.listing.fields.title.clone(), listing_id: Some(hit.listing.id) });
                    }
                }
            }
            Ok(out)
        })
    }

    fn listing_changed(&self, id: i64) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if let Err(e) = self.drain_outbox().await {
                tracing::warn!(error = %e, listing.id = id, "indexing postponed; the outbox keeps the change");
            }
        })
    }

    fn name(&self) -> &'static str {
        self.engine.name()
    }
}
