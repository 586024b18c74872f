//! The embedded engine: a tantivy index in the data directory, so a fresh machine needs
//! nothing installed.
//!
//! The index lives in a generation folder named by the `CURRENT` file. Rebuilding writes a new
//! generation beside the live one and switches `CURRENT` atomically: searches answer from the
//! old generation until the new one is complete. A process that did not build the new
//! generation switches to it at its next [`EmbeddedEngine::follow`].

use crate::doc::SearchDoc;
use crate::{BoxFuture, Engine, EngineHit, EngineQuery, EngineResult, SearchError};
use nongsan_store::{Facet, Facets, SortOrder};
use std::collections::HashMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery, TermSetQuery};
use tantivy::schema::{FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexSettings, IndexWriter, Order, ReloadPolicy, Score, SegmentReader, TantivyDocument, Term,
};

const TOKENIZER: &str = "folded";
/// Bumped whenever the schema changes: an index of another version is discarded and rebuilt.
const SCHEMA_VERSION: &str = "5";
const WRITER_MEMORY: usize = 50_000_000;
/// The score a listing gains by holding every word typed with its accents: above any text
/// score of a query of at most [`crate::understand::MAX_WORDS`] words.
const EXACT_ACCENTS_SCORE: f32 = 1000.0;
/// Bytes of stored documents compressed together. A hit reads one block: small blocks keep
/// reading a page of hits cheap.
const DOCSTORE_BLOCK: usize = 4096;

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    folded: Field,
    accented: Field,
    /// [`SearchDoc::accents`].
    accents: Field,
    card: Field,
    crop: Field,
    variety: Field,
    form: Field,
    commune: Field,
    legacy_commune: Field,
    cert: Field,
    /// One bit per certification, in reference-data order: counted without a multi-valued column.
    cert_mask: Field,
    ocop: Field,
    price: Field,
    quantity: Field,
    from: Field,
    until: Field,
    updated: Field,
    farmer: Field,
    hash: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |stored: bool| {
        let indexing = TextFieldIndexing::default().set_tokenizer(TOKENIZER).set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let o = TextOptions::default().set_indexing_options(indexing);
        if stored { o.set_stored() } else { o }
    };
    let fields = Fields {
        id: b.add_i64_field("id", INDEXED | FAST | STORED),
        folded: b.add_text_field("folded", text(true)),
        accented: b.add_text_field("accented", STORED),
        accents: b.add_text_field("accents", STRING),
        card: b.add_text_field("card", STORED),
        crop: b.add_text_field("crop", STRING | FAST),
        variety: b.add_text_field("variety", STRING | FAST),
        form: b.add_text_field("form", STRING),
        commune: b.add_text_field("commune", STRING | FAST),
        legacy_commune: b.add_text_field("legacy_commune", STRING),
        cert: b.add_text_field("cert", STRING),
        cert_mask: b.add_u64_field("cert_mask", FAST),
        ocop: b.add_u64_field("ocop", INDEXED | FAST),
        price: b.add_i64_field("price", INDEXED | FAST),
        quantity: b.add_f64_field("quantity", INDEXED | FAST),
        from: b.add_i64_field("from", INDEXED | FAST),
        until: b.add_i64_field("until", INDEXED | FAST),
        updated: b.add_i64_field("updated", FAST),
        farmer: b.add_i64_field("farmer", INDEXED),
        hash: b.add_u64_field("hash", FAST),
    };
    (b.build(), fields)
}

/// One generation of the index.
struct Generation {
    name: String,
    index: Index,
    reader: IndexReader,
    /// Opened on first write: a process that only rebuilds never locks the live generation.
    writer: Mutex<Option<IndexWriter>>,
    /// The facet values of each segment by ordinal, read once: segments never change.
    facet_names: FacetNames,
    /// The earliest end of window among each segment's live documents, by segment and deletes.
    earliest_until: Mutex<HashMap<(SegmentId, u32), i64>>,
}

impl Generation {
    /// Drops what the per-segment caches hold for segments no longer searched (merged away),
    /// and earliest window ends counted before the latest deletes.
    fn forget_gone_segments(&self) {
        let searcher = self.reader.searcher();
        let live: Vec<(SegmentId, u32)> = searcher.segment_readers().iter().map(|s| (s.segment_id(), s.num_deleted_docs())).collect();
        self.facet_names.0.lock().unwrap_or_else(|e| e.into_inner()).retain(|id, _| live.iter().any(|(l, _)| l == id));
        self.earliest_until.lock().unwrap_or_else(|e| e.into_inner()).retain(|key, _| live.contains(key));
    }

    fn with_writer<T>(&self, f: impl FnOnce(&mut IndexWriter) -> Result<T, SearchError>) -> Result<T, SearchError> {
        let mut guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Some(self.index.writer_with_num_threads(1, WRITER_MEMORY).map_err(err)?);
        }
        f(guard.as_mut().expect("just opened"))
    }
}

pub struct EmbeddedEngine {
    root: PathBuf,
    fields: Fields,
    live: RwLock<Arc<Generation>>,
    /// The generation a rebuild is filling, not searched yet.
    building: Mutex<Option<Arc<Generation>>>,
}

fn err(e: impl std::fmt::Display) -> SearchError {
    SearchError::engine(e)
}

fn open_generation(dir: &Path, name: &str) -> Result<Generation, SearchError> {
    let (schema, _) = schema();
    std::fs::create_dir_all(dir).map_err(err)?;
    let index = match Index::open_in_dir(dir) {
        Ok(index) => index,
        Err(_) => {
            let settings = IndexSettings { docstore_blocksize: DOCSTORE_BLOCK, ..IndexSettings::default() };
            Index::builder().schema(schema).settings(settings).create_in_dir(dir).map_err(err)?
        }
    };
    index.tokenizers().register(TOKENIZER, TextAnalyzer::from(WhitespaceTokenizer::default()));
    let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(err)?;
    Ok(Generation {
        name: name.to_owned(),
        index,
        reader,
        writer: Mutex::new(None),
        facet_names: FacetNames::default(),
        earliest_until: Mutex::default(),
    })
}

fn current_name(root: &Path) -> Option<String> {
    std::fs::read_to_string(root.join("CURRENT")).ok().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl EmbeddedEngine {
    /// Opens (or creates) the index under `root`.
    pub fn open(root: &Path) -> Result<EmbeddedEngine, SearchError> {
        std::fs::create_dir_all(root).map_err(err)?;
        let version = std::fs::read_to_string(root.join("SCHEMA")).unwrap_or_default();
        if version.trim() != SCHEMA_VERSION {
            // An index from another schema: start empty; the service refills it from the database.
            for entry in std::fs::read_dir(root).map_err(err)?.flatten() {
                let _ = if entry.path().is_dir() { std::fs::remove_dir_all(entry.path()) } else { std::fs::remove_file(entry.path()) };
            }
            std::fs::write(root.join("SCHEMA"), SCHEMA_VERSION).map_err(err)?;
        }
        let name = match current_name(root) {
            Some(name) => name,
            None => {
                write_current(root, "gen-1")?;
                "gen-1".to_owned()
            }
        };
        let generation = open_generation(&root.join(&name), &name)?;
        Ok(EmbeddedEngine {
            root: root.to_owned(),
            fields: schema().1,
            live: RwLock::new(Arc::new(generation)),
            building: Mutex::new(None),
        })
    }

    fn live(&self) -> Arc<Generation> {
        self.live.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Switches to the generation `CURRENT` names when another process rebuilt the index.
    /// Returns true when it switched (the caller should then reconcile).
    pub fn follow(&self) -> Result<bool, SearchError> {
        let Some(name) = current_name(&self.root) else { return Ok(false) };
        if name == self.live().name {
            return Ok(false);
        }
        let generation = open_generation(&self.root.join(&name), &name)?;
        *self.live.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(generation);
        self.remove_old_generations();
        Ok(true)
    }

    /// Deletes generation folders other than the live one.
    fn remove_old_generations(&self) {
        let live = self.live().name.clone();
        if let Ok(entries) = std::fs::read_dir(&self.root) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with("gen-") && name != live {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
    }

    fn document(&self, d: &SearchDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_i64(f.id, d.id);
        doc.add_text(f.folded, &d.folded);
        doc.add_text(f.accented, &d.accented);
        for key in &d.accents {
            doc.add_text(f.accents, key);
        }
        doc.add_text(f.card, &d.card);
        doc.add_text(f.crop, &d.crop);
        doc.add_text(f.variety, &d.variety);
        doc.add_text(f.form, &d.form);
        doc.add_text(f.commune, &d.commune);
        doc.add_text(f.legacy_commune, &d.legacy_commune);
        for c in &d.certifications {
            doc.add_text(f.cert, c);
        }
        doc.add_u64(f.cert_mask, cert_mask(&d.certifications));
        doc.add_u64(f.ocop, d.ocop_stars);
        doc.add_i64(f.price, d.price);
        doc.add_f64(f.quantity, d.quantity_kg);
        doc.add_i64(f.from, d.available_from);
        doc.add_i64(f.until, d.available_until);
        doc.add_i64(f.updated, d.updated_at);
        doc.add_i64(f.farmer, d.farmer_id);
        doc.add_u64(f.hash, d.hash);
        doc
    }

    fn write(&self, generation: &Generation, upserts: &[SearchDoc], deletes: &[i64]) -> Result<(), SearchError> {
        generation.with_writer(|writer| {
            for id in deletes.iter().chain(upserts.iter().map(|d| &d.id)) {
                writer.delete_term(Term::from_field_i64(self.fields.id, *id));
            }
            for d in upserts {
                writer.add_document(self.document(d)).map_err(err)?;
            }
            writer.commit().map_err(err)?;
            Ok(())
        })?;
        generation.reader.reload().map_err(err)?;
        generation.forget_gone_segments();
        Ok(())
    }

    /// Whether any live document's window ended before `today`. Housekeeping takes listings
    /// out of the catalogue when their window ends, so usually none has, and the window filter
    /// can be left out of the query.
    fn any_ended(&self, generation: &Generation, searcher: &tantivy::Searcher, today: i64) -> Result<bool, SearchError> {
        let mut cache = generation.earliest_until.lock().unwrap_or_else(|e| e.into_inner());
        for segment in searcher.segment_readers() {
            let key = (segment.segment_id(), segment.num_deleted_docs());
            let earliest = match cache.get(&key) {
                Some(earliest) => *earliest,
                None => {
                    let until: Column<i64> = segment.fast_fields().i64("until").map_err(err)?;
                    let alive = segment.alive_bitset();
                    let earliest = (0..segment.max_doc())
                        .filter(|doc| alive.is_none_or(|a| a.is_alive(*doc)))
                        .filter_map(|doc| until.first(doc))
                        .min()
                        .unwrap_or(i64::MAX);
                    cache.insert(key, earliest);
                    earliest
                }
            };
            if earliest < today {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn query(&self, q: &EngineQuery, window_filter: bool) -> Box<dyn Query> {
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in &q.understood.words {
            let folded = |t: &str| Term::from_field_text(f.folded, t);
            let word: Box<dyn Query> = match &word.expansions[..] {
                [_, _, ..] if word.prefix => {
                    // A prefix still being typed matches any of its completions: one pass over
                    // their postings into a set, without scoring each ("ca" completes to
                    // dozens of frequent words). The words typed in full carry the relevance.
                    Box::new(TermSetQuery::new(word.expansions.iter().map(|t| folded(t))))
                }
                [only] if word.prefix => Box::new(TermQuery::new(folded(only), IndexRecordOption::WithFreqs)),
                _ => Box::new(TermQuery::new(folded(&word.term), IndexRecordOption::WithFreqs)),
            };
            clauses.push((Occur::Must, word));
        }
        let exact = q.exact_accents();
        if !exact.is_empty() {
            // Listings with every word typed with its accents come first: a constant far above
            // any text score, so the text score still orders within each part.
            let all: Vec<(Occur, Box<dyn Query>)> = exact
                .iter()
                .map(|key| -> (Occur, Box<dyn Query>) {
                    (Occur::Must, Box::new(TermQuery::new(Term::from_field_text(f.accents, key), IndexRecordOption::Basic)))
                })
                .collect();
            clauses.push((Occur::Should, Box::new(ConstScoreQuery::new(Box::new(BooleanQuery::new(all)), EXACT_ACCENTS_SCORE))));
        }
        let mut filter = |query: Box<dyn Query>| clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(query, 0.0))));
        let term = |field: Field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
        };
        let fl = &q.filters;
        if window_filter {
            filter(Box::new(RangeQuery::new(Bound::Included(Term::from_field_i64(f.until, q.today)), Bound::Unbounded)));
        }
        for (field, value) in [(f.crop, &fl.crop), (f.variety, &fl.variety), (f.form, &fl.form), (f.cert, &fl.certification)] {
            if let Some(v) = value {
                filter(term(field, v));
            }
        }
        if let Some(c) = &fl.commune {
            filter(Box::new(BooleanQuery::new(vec![(Occur::Should, term(f.commune, c)), (Occur::Should, term(f.legacy_commune, c))])));
        }
        if let Some(stars) = fl.min_ocop_stars {
            filter(Box::new(RangeQuery::new(Bound::Included(Term::from_field_u64(f.ocop, u64::from(stars))), Bound::Unbounded)));
        }
        if fl.min_price.is_some() || fl.max_price.is_some() {
            let lo = fl.min_price.map_or(Bound::Unbounded, |v| Bound::Included(Term::from_field_i64(f.price, v)));
            let hi = fl.max_price.map_or(Bound::Unbounded, |v| Bound::Included(Term::from_field_i64(f.price, v)));
            filter(Box::new(RangeQuery::new(lo, hi)));
        }
        if fl.in_season {
            filter(Box::new(RangeQuery::new(Bound::Unbounded, Bound::Included(Term::from_field_i64(f.from, q.today)))));
        }
        if fl.in_stock {
            filter(Box::new(RangeQuery::new(Bound::Excluded(Term::from_field_f64(f.quantity, 0.0)), Bound::Unbounded)));
        }
        if let Some(farmer) = fl.farmer_id {
            filter(Box::new(TermQuery::new(Term::from_field_i64(f.farmer, farmer), IndexRecordOption::Basic)));
        }
        if clauses.is_empty() { Box::new(AllQuery) } else { Box::new(BooleanQuery::new(clauses)) }
    }

    fn run(&self, q: &EngineQuery) -> Result<EngineResult, SearchError> {
        let generation = self.live();
        let searcher = generation.reader.searcher();
        let query = self.query(q, self.any_ended(&generation, &searcher, q.today)?);
        let top = TopDocs::with_limit(q.limit.max(1)).and_offset(q.offset);
        let facets = FacetCollector { names: &generation.facet_names };
        let (addresses, (total, counts)): (Vec<DocAddress>, (usize, FacetCounts)) = match q.sort {
            SortOrder::Relevance => {
                let (docs, rest) = searcher.search(&query, &(top.order_by_score(), (Count, facets))).map_err(err)?;
                (docs.into_iter().map(|(_, a)| a).collect(), rest)
            }
            SortOrder::PriceAsc | SortOrder::PriceDesc => {
                let order = if q.sort == SortOrder::PriceAsc { Order::Asc } else { Order::Desc };
                let (docs, rest) =
                    searcher.search(&query, &(top.order_by_fast_field::<i64>("price", order), (Count, facets))).map_err(err)?;
                (docs.into_iter().map(|(_, a)| a).collect(), rest)
            }
            SortOrder::Newest => {
                let (docs, rest) =
                    searcher.search(&query, &(top.order_by_fast_field::<i64>("updated", Order::Desc), (Count, facets))).map_err(err)?;
                (docs.into_iter().map(|(_, a)| a).collect(), rest)
            }
        };
        let mut hits = Vec::with_capacity(addresses.len());
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address).map_err(err)?;
            let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            let id = doc.get_first(self.fields.id).and_then(|v| v.as_i64()).unwrap_or_default();
            let texts = q.texts.then(|| (text(self.fields.folded), text(self.fields.accented)));
            hits.push(EngineHit { id, card: text(self.fields.card), texts });
        }
        Ok(EngineResult { hits, total: total as u64, facets: counts.into_facets() })
    }

    fn all_hashes(&self) -> Result<HashMap<i64, u64>, SearchError> {
        let generation = self.live();
        let searcher = generation.reader.searcher();
        let mut out = HashMap::new();
        for segment in searcher.segment_readers() {
            let ids: Column<i64> = segment.fast_fields().i64("id").map_err(err)?;
            let hashes: Column<u64> = segment.fast_fields().u64("hash").map_err(err)?;
            let alive = segment.alive_bitset();
            for doc in 0..segment.max_doc() {
                if alive.is_some_and(|a| !a.is_alive(doc)) {
                    continue;
                }
                if let (Some(id), Some(hash)) = (ids.first(doc), hashes.first(doc)) {
                    out.insert(id, hash);
                }
            }
        }
        Ok(out)
    }

    /// Opens a new, empty generation beside the live one.
    fn replace_begin(&self) -> Result<(), SearchError> {
        let n: u64 = self.live().name.trim_start_matches("gen-").parse().unwrap_or(1);
        let name = format!("gen-{}", n + 1);
        let dir = self.root.join(&name);
        let mut building = self.building.lock().unwrap_or_else(|e| e.into_inner());
        *building = None;
        let _ = std::fs::remove_dir_all(&dir);
        let generation = open_generation(&dir, &name)?;
        // A rebuild may use more memory and both cores; live updates stay small.
        *generation.writer.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(generation.index.writer_with_num_threads(2, 200_000_000).map_err(err)?);
        *building = Some(Arc::new(generation));
        Ok(())
    }

    fn being_built(&self) -> Result<Arc<Generation>, SearchError> {
        let building = self.building.lock().unwrap_or_else(|e| e.into_inner());
        building.clone().ok_or_else(|| SearchError::engine("no new index is being built"))
    }

    fn replace_add(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        self.being_built()?.with_writer(|writer| {
            for d in docs {
                writer.add_document(self.document(d)).map_err(err)?;
            }
            Ok(())
        })
    }

    /// Commits the generation being built and makes it the live one.
    fn replace_finish(&self) -> Result<(), SearchError> {
        let generation = self.being_built()?;
        generation.with_writer(|writer| writer.commit().map(|_| ()).map_err(err))?;
        generation.reader.reload().map_err(err)?;
        write_current(&self.root, &generation.name)?;
        *self.live.write().unwrap_or_else(|e| e.into_inner()) = generation;
        *self.building.lock().unwrap_or_else(|e| e.into_inner()) = None;
        // A serving process may still hold the old generation; it removes it when it follows.
        Ok(())
    }
}

/// Runs index writes without stalling other tasks of a multi-threaded runtime.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

fn write_current(root: &Path, name: &str) -> Result<(), SearchError> {
    let tmp = root.join("CURRENT.tmp");
    std::fs::write(&tmp, name).map_err(err)?;
    std::fs::rename(&tmp, root.join("CURRENT")).map_err(err)
}

impl Engine for EmbeddedEngine {
    fn name(&self) -> &'static str {
        "embedded"
    }

    fn search(&self, query: EngineQuery) -> BoxFuture<'_, Result<EngineResult, SearchError>> {
        Box::pin(async move { self.run(&query) })
    }

    fn upsert(&self, docs: Vec<SearchDoc>) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(async move { blocking(|| self.write(&self.live(), &docs, &[])) })
    }

    fn delete(&self, ids: Vec<i64>) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(async move { blocking(|| self.write(&self.live(), &[], &ids)) })
    }

    fn replace_begin(&self) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(async move { blocking(|| EmbeddedEngine::replace_begin(self)) })
    }

    fn replace_add(&self, docs: Vec<SearchDoc>) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(async move { blocking(|| EmbeddedEngine::replace_add(self, &docs)) })
    }

    fn replace_finish(&self) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(async move { blocking(|| EmbeddedEngine::replace_finish(self)) })
    }

    fn hashes(&self) -> BoxFuture<'_, Result<HashMap<i64, u64>, SearchError>> {
        Box::pin(async move { self.all_hashes() })
    }

    fn is_empty(&self) -> BoxFuture<'_, Result<bool, SearchError>> {
        Box::pin(async move { Ok(self.live().reader.searcher().num_docs() == 0) })
    }

    fn follow(&self) -> Result<bool, SearchError> {
        EmbeddedEngine::follow(self)
    }
}

/// The certifications as bits, in the order of the reference data.
fn cert_mask(codes: &[String]) -> u64 {
    let all = &nongsan_domain::reference::reference().certifications;
    codes.iter().filter_map(|c| all.iter().position(|x| &x.key == c)).filter(|i| *i < 64).fold(0, |m, i| m | (1 << i))
}

/// Counts per value of the facet fields over every matching document.
struct FacetCollector<'a> {
    names: &'a FacetNames,
}

/// The values of the crop, variety and commune columns by ordinal, per segment.
#[derive(Default)]
struct FacetNames(Mutex<HashMap<SegmentId, Arc<[Vec<String>; 3]>>>);

impl FacetNames {
    fn of(&self, reader: &SegmentReader, columns: &[Option<StrColumn>; 3]) -> Arc<[Vec<String>; 3]> {
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(reader.segment_id())
            .or_insert_with(|| {
                Arc::new(std::array::from_fn(|i| {
                    let Some(column) = &columns[i] else { return Vec::new() };
                    (0..column.num_terms() as u64)
                        .map(|ord| {
                            let mut name = String::new();
                            column.ord_to_str(ord, &mut name).ok().filter(|found| *found).map(|_| name).unwrap_or_default()
                        })
                        .collect()
                }))
            })
            .clone()
    }
}

#[derive(Default)]
struct FacetCounts {
    crop: HashMap<String, u64>,
    variety: HashMap<String, u64>,
    commune: HashMap<String, u64>,
    cert: HashMap<String, u64>,
}

impl FacetCounts {
    fn into_facets(self) -> Facets {
        let list = |m: HashMap<String, u64>| {
            let mut v: Vec<Facet> =
                m.into_iter().filter(|(k, _)| !k.is_empty()).map(|(value, count)| Facet { value, count: count as i64 }).collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
            v
        };
        Facets { crop: list(self.crop), variety: list(self.variety), commune: list(self.commune), certification: list(self.cert) }
    }
}

struct SegmentFacets {
    columns: [Option<StrColumn>; 3],
    names: Arc<[Vec<String>; 3]>,
    counts: [Vec<u64>; 3],
    certs: Option<Column<u64>>,
    cert_counts: [u64; 64],
    /// Matching documents, counted in blocks at harvest.
    docs: Vec<DocId>,
}

impl Collector for FacetCollector<'_> {
    type Fruit = FacetCounts;
    type Child = SegmentFacets;

    fn for_segment(&self, _segment: u32, reader: &SegmentReader) -> tantivy::Result<SegmentFacets> {
        let ff = reader.fast_fields();
        let columns = [ff.str("crop")?, ff.str("variety")?, ff.str("commune")?];
        let counts = std::array::from_fn(|i| vec![0u64; columns[i].as_ref().map_or(0, |c| c.num_terms())]);
        let certs = ff.u64("cert_mask").ok();
        let names = self.names.of(reader, &columns);
        Ok(SegmentFacets { columns, names, counts, certs, cert_counts: [0; 64], docs: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<FacetCounts>) -> tantivy::Result<FacetCounts> {
        let mut all = FacetCounts::default();
        for s in segments {
            for (into, from) in
                [(&mut all.crop, s.crop), (&mut all.variety, s.variety), (&mut all.commune, s.commune), (&mut all.cert, s.cert)]
            {
                for (k, v) in from {
                    *into.entry(k).or_insert(0) += v;
                }
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentFacets {
    type Fruit = FacetCounts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.docs.push(doc);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        self.docs.extend_from_slice(docs);
    }

    fn harvest(mut self) -> FacetCounts {
        let docs = std::mem::take(&mut self.docs);
        self.count(&docs);
        self.names()
    }
}

impl SegmentFacets {
    fn count(&mut self, docs: &[DocId]) {
        // Every facet holds one value per document: read them a block at a time.
        let mut ords = [None; 64];
        for (column, counts) in self.columns.iter().zip(self.counts.iter_mut()) {
            let Some(column) = column else { continue };
            for chunk in docs.chunks(64) {
                let out = &mut ords[..chunk.len()];
                column.ords().first_vals(chunk, out);
                for ord in out.iter().flatten() {
                    counts[*ord as usize] += 1;
                }
            }
        }
        if let Some(certs) = &self.certs {
            for chunk in docs.chunks(64) {
                let out = &mut ords[..chunk.len()];
                certs.first_vals(chunk, out);
                for mut mask in out.iter().flatten().copied() {
                    while mask != 0 {
                        self.cert_counts[mask.trailing_zeros() as usize] += 1;
                        mask &= mask - 1;
                    }
                }
            }
        }
    }

    fn names(self) -> FacetCounts {
        let mut maps: [HashMap<String, u64>; 3] = Default::default();
        for ((names, counts), map) in self.names.iter().zip(self.counts).zip(maps.iter_mut()) {
            for (ord, n) in counts.into_iter().enumerate() {
                if let Some(name) = names.get(ord).filter(|_| n > 0) {
                    map.insert(name.clone(), n);
                }
            }
        }
        let [crop, variety, commune] = maps;
        let all = &nongsan_domain::reference::reference().certifications;
        let cert = all
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < 64 && self.cert_counts[*i] > 0)
            .map(|(i, c)| (c.key.clone(), self.cert_counts[i]))
            .collect();
        FacetCounts { crop, variety, commune, cert }
    }
}
