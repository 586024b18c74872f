//! The Meilisearch engine, for production (`MEILI_URL`).
//!
//! Documents are the same [`SearchDoc`]s the embedded engine indexes, and queries arrive
//! already understood, so Meilisearch's own typo tolerance is off: both engines match the same
//! words. Filters are built only from validated keys and numbers, each value quoted; what a
//! buyer types goes into `q` alone. Every task is awaited with a timeout, and a failed task is
//! an error.

use crate::doc::SearchDoc;
use crate::{BoxFuture, Engine, EngineHit, EngineQuery, EngineResult, SearchError};
use meilisearch_sdk::client::{Client, SwapIndexes};
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::request::{HttpClient, Method, parse_response};
use meilisearch_sdk::reqwest::ReqwestClient;
use meilisearch_sdk::search::{MatchingStrategies, SearchQuery, Selectors};
use meilisearch_sdk::settings::{PaginationSetting, Settings, TypoToleranceSettings};
use meilisearch_sdk::task_info::TaskInfo;
use nongsan_store::{Facet, Facets, SortOrder};
use serde::Deserialize;
use std::collections::HashMap;
use std::time::Duration;

/// How long one Meilisearch task may take before it counts as failed.
const TASK_TIMEOUT: Duration = Duration::from_secs(120);
const FACETS: [&str; 4] = ["crop", "variety", "commune", "certifications"];

pub struct MeiliEngine {
    client: Client<Http>,
    uid: String,
    /// Index created and settings applied; retried until it succeeds.
    prepared: std::sync::atomic::AtomicBool,
}

#[derive(Deserialize)]
struct Found {
    id: i64,
    #[serde(default)]
    card: String,
}

/// A range of one search's results.
struct Part {
    hits: Vec<Found>,
    total: usize,
    facets: HashMap<String, HashMap<String, usize>>,
}

#[derive(Deserialize)]
struct IdHash {
    id: i64,
    hash: u64,
}

fn err(e: impl std::fmt::Display) -> SearchError {
    SearchError::engine(e)
}

/// The HTTP client for Meilisearch. meilisearch-sdk's own client streams every request body
/// through a newly zeroed 8 MiB buffer, which costs a search more than Meilisearch takes to
/// answer it; this one sends a JSON body as it is, and leaves what it does not need to change
/// (requests without a body or with query parameters) to the SDK's client.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    sdk: ReqwestClient,
}

impl Http {
    fn new(api_key: Option<&str>) -> Result<Http, SearchError> {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(key) = api_key {
            let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {key}")).map_err(err)?;
            value.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, value);
        }
        let client = reqwest::Client::builder().default_headers(headers).build().map_err(err)?;
        Ok(Http { client, sdk: ReqwestClient::new(api_key).map_err(err)? })
    }
}

#[async_trait::async_trait]
impl HttpClient for Http {
    async fn request<Query, Body, Output>(
        &self,
        url: &str,
        method: Method<Query, Body>,
        expected_status_code: u16,
    ) -> Result<Output, meilisearch_sdk::errors::Error>
    where
        Query: serde::Serialize + Send + Sync,
        Body: serde::Serialize + Send + Sync,
        Output: serde::de::DeserializeOwned + 'static + Send,
    {
        let without_query = serde_json::to_value(method.query()).is_ok_and(|q| q.is_null());
        let verb = match &method {
            Method::Post { .. } => reqwest::Method::POST,
            Method::Put { .. } => reqwest::Method::PUT,
            Method::Patch { .. } => reqwest::Method::PATCH,
            Method::Get { .. } | Method::Delete { .. } => return self.sdk.request(url, method, expected_status_code).await,
        };
        if !without_query {
            return self.sdk.request(url, method, expected_status_code).await;
        }
        let body = serde_json::to_vec(method.body().expect("a method with a body"))?;
        let response = self.client.request(verb, url).header(reqwest::header::CONTENT_TYPE, "application/json").body(body).send().await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        let text = if bytes.is_empty() { std::borrow::Cow::Borrowed("null") } else { String::from_utf8_lossy(&bytes) };
        parse_response(status, expected_status_code, &text, url.to_owned())
    }

    async fn stream_request<
        Query: serde::Serialize + Send + Sync,
        Body: futures_io::AsyncRead + Send + Sync + 'static,
        Output: serde::de::DeserializeOwned + 'static,
    >(
        &self,
        url: &str,
        method: Method<Query, Body>,
        content_type: &str,
        expected_status_code: u16,
    ) -> Result<Output, meilisearch_sdk::errors::Error> {
        self.sdk.stream_request(url, method, content_type, expected_status_code).await
    }

    fn is_tokio(&self) -> bool {
        true
    }
}

/// The pages of `limit` results (the first one's number from 1, how many, and how many
/// results of the first to skip) that hold results `offset..offset + limit`.
fn pages_for(offset: usize, limit: usize) -> (usize, usize, usize) {
    let skip = offset % limit;
    (offset / limit + 1, if skip == 0 { 1 } else { 2 }, skip)
}

/// One search for a page of cards, with the facet counts if asked.
fn search_query<'a>(
    index: &'a Index<Http>,
    text: &'a str,
    filter: &'a str,
    sort: &'a [&'a str],
    page: usize,
    per_page: usize,
    facets: bool,
) -> SearchQuery<'a, Http> {
    let mut search = index.search();
    if facets {
        search.with_facets(Selectors::Some(&FACETS));
    }
    search
        .with_query(text)
        .with_filter(filter)
        // Cards only: the service derives the ranking texts it needs from them.
        .with_attributes_to_retrieve(Selectors::Some(&["id", "card"]))
        .with_matching_strategy(MatchingStrategies::ALL)
        .with_page(page)
        .with_hits_per_page(per_page);
    if !sort.is_empty() {
        search.with_sort(sort);
    }
    search
}

/// Quotes a filter value: the only way a string reaches a filter expression.
fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The filter expression for a query's filters.
pub fn filter_expression(q: &EngineQuery) -> String {
    let f = &q.filters;
    let mut parts = vec![format!("available_until >= {}", q.today)];
    for (attr, value) in [("crop", &f.crop), ("variety", &f.variety), ("form", &f.form), ("certifications", &f.certification)] {
        if let Some(v) = value {
            parts.push(format!("{attr} = {}", quoted(v)));
        }
    }
    if let Some(c) = &f.commune {
        parts.push(format!("(commune = {0} OR legacy_commune = {0})", quoted(c)));
    }
    if let Some(stars) = f.min_ocop_stars {
        parts.push(format!("ocop_stars >= {stars}"));
    }
    if let Some(p) = f.min_price {
        parts.push(format!("price >= {p}"));
    }
    if let Some(p) = f.max_price {
        parts.push(format!("price <= {p}"));
    }
    if f.in_season {
        parts.push(format!("available_from <= {}", q.today));
    }
    if f.in_stock {
        parts.push("quantity_kg > 0".to_owned());
    }
    if let Some(id) = f.farmer_id {
        parts.push(format!("farmer_id = {id}"));
    }
    parts.join(" AND ")
}

fn settings() -> Settings {
    Settings::new()
        .with_searchable_attributes(["title_folded", "folded"])
        .with_displayed_attributes(["id", "card", "hash"])
        .with_filterable_attributes([
            "crop",
            "variety",
            "form",
            "commune",
            "legacy_commune",
            "certifications",
            "accents",
            "ocop_stars",
            "price",
            "quantity_kg",
            "available_from",
            "available_until",
            "farmer_id",
        ])
        .with_sortable_attributes(["price", "updated_at"])
        // An explicit sort (price, newest) orders strictly; without one, relevance decides.
        .with_ranking_rules(["sort", "words", "typo", "proximity", "attribute", "exactness"])
        .with_typo_tolerance(TypoToleranceSettings { enabled: Some(false), ..TypoToleranceSettings::default() })
        .with_pagination(PaginationSetting { max_total_hits: 1_000_000 })
        .with_max_values_per_facet(500)
}

impl MeiliEngine {
    /// An engine for the server at `url`. Nothing is sent yet: the index is created and its
    /// settings applied (idempotently) on first use, and again after a failure, so a server that
    /// is down at start is picked up when it comes back.
    pub fn new(url: &str, api_key: Option<&str>, uid: &str) -> Result<MeiliEngine, SearchError> {
        let client = Client::new_with_client(url, api_key, Http::new(api_key)?);
        Ok(MeiliEngine { client, uid: uid.to_owned(), prepared: std::sync::atomic::AtomicBool::new(false) })
    }

    /// Creates the index and applies the settings now.
    pub async fn ensure_ready(&self) -> Result<(), SearchError> {
        use std::sync::atomic::Ordering;
        if self.prepared.load(Ordering::Acquire) {
            return Ok(());
        }
        self.prepare(&self.uid).await?;
        self.prepared.store(true, Ordering::Release);
        Ok(())
    }

    /// After a failure the server may have restarted empty: prepare the index again next time.
    fn forget_ready<T>(&self, result: Result<T, SearchError>) -> Result<T, SearchError> {
        if result.is_err() {
            self.prepared.store(false, std::sync::atomic::Ordering::Release);
        }
        result
    }

    async fn wait(&self, task: TaskInfo) -> Result<(), SearchError> {
        let task = task.wait_for_completion(&self.client, Some(Duration::from_millis(20)), Some(TASK_TIMEOUT)).await.map_err(err)?;
        if task.is_failure() {
            return Err(SearchError::engine(format!("Meilisearch task failed: {}", task.unwrap_failure())));
        }
        Ok(())
    }

    async fn prepare(&self, uid: &str) -> Result<(), SearchError> {
        if self.client.get_index(uid).await.is_err() {
            self.wait(self.client.create_index(uid, Some("id")).await.map_err(err)?).await?;
        }
        self.wait(self.client.index(uid).set_settings(&settings()).await.map_err(err)?).await
    }

    async fn add(&self, uid: &str, docs: &[SearchDoc]) -> Result<(), SearchError> {
        let index = self.client.index(uid);
        for chunk in docs.chunks(10_000) {
            self.wait(index.add_or_replace(chunk, Some("id")).await.map_err(err)?).await?;
        }
        Ok(())
    }

    async fn run(&self, q: EngineQuery) -> Result<EngineResult, SearchError> {
        self.ensure_ready().await?;
        let index = self.client.index(&self.uid);
        let mut text = q.understood.text();
        // Meilisearch reads the last word as a prefix unless the query ends with a space.
        if q.understood.words.last().is_some_and(|w| !w.prefix) {
            text.push(' ');
        }
        let filter = filter_expression(&q);
        let sort: &[&str] = match q.sort {
            SortOrder::Relevance => &[],
            SortOrder::PriceAsc => &["price:asc"],
            SortOrder::PriceDesc => &["price:desc"],
            SortOrder::Newest => &["updated_at:desc"],
        };
        let limit = q.limit.max(1);
        let exact = q.exact_accents();
        let (hits, total, mut dist) = if exact.is_empty() {
            let part = self.ranges(&index, &text, sort, &[(&filter, q.offset, limit)]).await?.remove(0);
            (part.hits, part.total, part.facets)
        } else {
            // Listings with every word typed with its accents first, then the rest: two
            // searches that split the results, read as one list.
            let all = exact.iter().map(|key| format!("accents = {}", quoted(key))).collect::<Vec<_>>().join(" AND ");
            let (with, without) = (format!("{filter} AND {all}"), format!("{filter} AND NOT ({all})"));
            let mut parts = self.ranges(&index, &text, sort, &[(&with, q.offset, limit), (&without, 0, limit)]).await?;
            let (first, rest) = (parts.remove(0), parts.remove(0));
            let mut hits = first.hits;
            if hits.len() < limit {
                // The page reaches past the first part: the rest's results continue it.
                let from = q.offset.saturating_sub(first.total);
                let more =
                    if from == 0 { rest.hits } else { self.ranges(&index, &text, sort, &[(&without, from, limit)]).await?.remove(0).hits };
                let room = limit - hits.len();
                hits.extend(more.into_iter().take(room));
            }
            let mut facets = first.facets;
            for (facet, values) in rest.facets {
                let counts = facets.entry(facet).or_default();
                for (value, n) in values {
                    *counts.entry(value).or_default() += n;
                }
            }
            (hits, first.total + rest.total, facets)
        };
        let hits = hits.into_iter().map(|h| EngineHit { id: h.id, card: h.card, texts: None }).collect();
        let mut list = |name: &str| {
            let mut v: Vec<Facet> = dist
                .remove(name)
                .unwrap_or_default()
                .into_iter()
                .filter(|(k, _)| !k.is_empty())
                .map(|(value, n)| Facet { value, count: n as i64 })
                .collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
            v
        };
        let facets =
            Facets { crop: list("crop"), variety: list("variety"), commune: list("commune"), certification: list("certifications") };
        Ok(EngineResult { hits, total: total as u64, facets })
    }

    /// Results `offset..offset + limit` of each search (filter, offset, limit) in one request,
    /// with its exact total and facet counts. A range that is not a whole page of `limit` is
    /// read as the two pages around it, so no search reads more than twice what it returns.
    async fn ranges(
        &self,
        index: &Index<Http>,
        text: &str,
        sort: &[&str],
        searches: &[(&str, usize, usize)],
    ) -> Result<Vec<Part>, SearchError> {
        let mut queries = Vec::new();
        let mut plan = Vec::new();
        for &(filter, offset, limit) in searches {
            let limit = limit.max(1);
            let (first, pages, skip) = pages_for(offset, limit);
            plan.push((pages, skip, limit));
            for i in 0..pages {
                queries.push(search_query(index, text, filter, sort, first + i, limit, i == 0));
            }
        }
        let mut results = if let [one] = &queries[..] {
            vec![one.execute::<Found>().await.map_err(err)?]
        } else {
            let mut multi = self.client.multi_search();
            for query in queries {
                multi.with_search_query(query);
            }
            multi.execute::<Found>().await.map_err(err)?.results
        }
        .into_iter();
        let mut parts = Vec::new();
        for (pages, skip, limit) in plan {
            let first = results.next().ok_or_else(|| SearchError::engine("Meilisearch answered fewer searches than asked"))?;
            let total = first.total_hits.or(first.estimated_total_hits).unwrap_or(0);
            let facets = first.facet_distribution.unwrap_or_default();
            let mut hits: Vec<Found> = first.hits.into_iter().map(|h| h.result).collect();
            for _ in 1..pages {
                let next = results.next().ok_or_else(|| SearchError::engine("Meilisearch answered fewer searches than asked"))?;
                hits.extend(next.hits.into_iter().map(|h| h.result));
            }
            parts.push(Part { hits: hits.into_iter().skip(skip).take(limit).collect(), total, facets });
        }
        Ok(parts)
    }

    async fn all_hashes(&self) -> Result<HashMap<i64, u64>, SearchError> {
        self.ensure_ready().await?;
        let index = self.client.index(&self.uid);
        let mut out = HashMap::new();
        let mut offset = 0;
        loop {
            let page = meilisearch_sdk::documents::DocumentsQuery::new(&index)
                .with_fields(["id", "hash"])
                .with_offset(offset)
                .with_limit(5000)
                .execute::<IdHash>()
                .await
                .map_err(err)?;
            let n = page.results.len();
            out.extend(page.results.into_iter().map(|d| (d.id, d.hash)));
            if n < 5000 {
                return Ok(out);
            }
            offset += n;
        }
    }

    /// The index a rebuild fills before it is swapped with the live one.
    fn next_uid(&self) -> String {
        format!("{}_next", self.uid)
    }

    async fn replace_begin(&self) -> Result<(), SearchError> {
        self.ensure_ready().await?;
        let next = self.next_uid();
        if self.client.get_index(&next).await.is_ok() {
            self.wait(self.client.delete_index(&next).await.map_err(err)?).await?;
        }
        self.prepare(&next).await
    }

    async fn replace_finish(&self) -> Result<(), SearchError> {
        let next = self.next_uid();
        let swap = SwapIndexes { indexes: (self.uid.clone(), next.clone()), rename: None };
        self.wait(self.client.swap_indexes([&swap]).await.map_err(err)?).await?;
        self.wait(self.client.delete_index(&next).await.map_err(err)?).await
    }
}

impl Engine for MeiliEngine {
    fn name(&self) -> &'static str {
        "meilisearch"
    }

    fn search(&self, query: EngineQuery) -> BoxFuture<'_, Result<EngineResult, SearchError>> {
        Box::pin(async move { self.forget_ready(self.run(query).await) })
    }

    fn upsert(&self, docs: Vec<SearchDoc>) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(async move {
            self.ensure_ready().await?;
            self.forget_ready(self.add(&self.uid, &docs).await)
        })
    }

    fn delete(&self, ids: Vec<i64>) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(async move {
            self.ensure_ready().await?;
            let index = self.client.index(&self.uid);
            self.wait(index.delete_documents(&ids).await.map_err(err)?).await
        })
    }

    fn replace_begin(&self) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(MeiliEngine::replace_begin(self))
    }

    fn replace_add(&self, docs: Vec<SearchDoc>) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(async move { self.add(&self.next_uid(), &docs).await })
    }

    fn replace_finish(&self) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(MeiliEngine::replace_finish(self))
    }

    fn hashes(&self) -> BoxFuture<'_, Result<HashMap<i64, u64>, SearchError>> {
        Box::pin(self.all_hashes())
    }

    fn is_empty(&self) -> BoxFuture<'_, Result<bool, SearchError>> {
        Box::pin(async move {
            self.ensure_ready().await?;
            let stats = self.client.index(&self.uid).get_stats().await.map_err(err);
            Ok(self.forget_ready(stats)?.number_of_documents == 0)
        })
    }

    fn ready(&self) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(self.ensure_ready())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::understand::Understood;
    use nongsan_store::Filters;

    #[test]
    fn filter_values_are_quoted_and_typed_text_never_enters_the_filter() {
        let q = EngineQuery {
            understood: Understood::default(),
            filters: Filters { crop: Some("x\" OR id > 0 OR crop = \"y".into()), min_price: Some(5), in_stock: true, ..Filters::default() },
            today: 2461000,
            sort: SortOrder::Relevance,
            offset: 0,
            limit: 20,
            texts: false,
        };
        assert_eq!(
            filter_expression(&q),
            r#"available_until >= 2461000 AND crop = "x\" OR id > 0 OR crop = \"y" AND price >= 5 AND quantity_kg > 0"#
        );
    }

    #[test]
    fn the_pages_read_hold_exactly_the_range_asked_for_and_at_most_twice_it() {
        for limit in 1..=45 {
            for offset in 0..200 {
                let (first, pages, skip) = pages_for(offset, limit);
                let start = (first - 1) * limit;
                assert_eq!(start + skip, offset, "{offset} {limit}");
                assert!(skip < limit && pages <= 2, "{offset} {limit}");
                assert!(start + pages * limit >= offset + limit, "{offset} {limit}: the range is covered");
            }
        }
    }
}
