//! One behaviour, proven: the same fixture catalogue and the same queries against every
//! engine — the embedded engine always, Meilisearch when `MEILI_URL` is set — with facet counts
//! and filter results checked against the database.

use nongsan_domain::account::{Role, SellerKind};
use nongsan_domain::listing::{CertificationClaim, Event, ListingFields};
use nongsan_search::embedded::EmbeddedEngine;
use nongsan_search::meili::MeiliEngine;
use nongsan_search::{Catalogue, CatalogueQuery, Engine, SearchService};
use nongsan_store::testing::TestDb;
use nongsan_store::{Filters, NewListing, NewUser, Profile, SortOrder, Store};
use std::collections::BTreeMap;
use std::sync::Arc;
use time::{Date, Duration};

fn today() -> Date {
    nongsan_domain::local_date(nongsan_store::now())
}

struct Fixture {
    ids: BTreeMap<&'static str, i64>,
}

impl Fixture {
    fn id(&self, name: &str) -> i64 {
        self.ids[name]
    }
}

async fn farmer(store: &Store, name: &str, commune: &str, legacy: &str, kind: SellerKind) -> i64 {
    store
        .create_user(&NewUser {
            role: Role::Farmer,
            phone: None,
            password_hash: None,
            profile: Profile {
                name: name.into(),
                commune: Some(commune.into()),
                legacy_commune: Some(legacy.into()),
                seller_kind: kind,
                ..Profile::default()
            },
            created_by: None,
        })
        .await
        .unwrap()
        .id
}

struct Spec {
    name: &'static str,
    farmer: usize,
    crop: &'static str,
    variety: &'static str,
    form: &'static str,
    title: &'static str,
    description: &'static str,
    price: i64,
    from: i64,
    until: i64,
    certs: Vec<CertificationClaim>,
    approve: bool,
}

fn spec(
    name: &'static str,
    farmer: usize,
    crop: &'static str,
    variety: &'static str,
    form: &'static str,
    title: &'static str,
    price: i64,
) -> Spec {
    Spec { name, farmer, crop, variety, form, title, description: "", price, from: -5, until: 60, certs: vec![], approve: true }
}

fn cert(code: &str, stars: Option<u8>, until_days: Option<i64>) -> CertificationClaim {
    CertificationClaim { code: code.into(), stars, valid_until: until_days.map(|d| today() + Duration::days(d)) }
}

/// The fixture catalogue, written straight through the store (past dates included, as time
/// makes them).
async fn fixture(store: &Store) -> Fixture {
    let farmers = [
        farmer(store, "Nguyễn Văn Bình", "di-linh", "dinh-lac", SellerKind::Household).await,
        farmer(store, "Ka Điệp", "hoa-ninh", "hoa-ninh", SellerKind::Household).await,
        farmer(store, "HTX Cà phê Hòa Bắc", "hoa-bac", "hoa-bac", SellerKind::Cooperative).await,
        farmer(store, "Trần Thị Lan", "hoa-ninh", "tan-lam", SellerKind::Household).await,
    ];
    let specs = vec![
        Spec {
            description: "Chín cây, cơm vàng hạt lép.",
            certs: vec![cert("vietgap", None, None)],
            ..spec("ri6", 0, "durian", "ri6", "whole", "Sầu riêng Ri6 vườn nhà", 85_000)
        },
        spec("monthong", 1, "durian", "monthong", "whole", "Sầu riêng Monthong Đô Na", 110_000),
        spec("musang", 0, "durian", "musang-king", "frozen-pulp", "Cơm sầu riêng Musang King đông lạnh", 320_000),
        spec("seed", 3, "durian", "seed", "whole", "Sầu riêng hạt Tân Lâm", 40_000),
        spec("robusta", 2, "coffee", "robusta", "green", "Cà phê Robusta nhân xô S18", 98_000),
        Spec {
            certs: vec![cert("4c", None, None)],
            ..spec("arabica", 2, "coffee", "arabica", "roasted", "Cà phê Arabica rang hạt", 350_000)
        },
        Spec {
            description: "Cà phê vối trồng trong vườn riêng, không sâu bệnh.",
            ..spec("decoy", 3, "coffee", "robusta", "cherry", "Cà phê vườn riêng không sâu bệnh", 22_000)
        },
        Spec {
            certs: vec![cert("ocop", Some(4), Some(400))],
            ..spec("mac816", 1, "macadamia", "816", "dried-in-shell", "Mắc ca 816 sấy nứt vỏ", 180_000)
        },
        Spec {
            certs: vec![cert("ocop", Some(3), Some(-1))], ..spec("kernel", 3, "macadamia", "oc", "kernel", "Nhân mắc ca OC", 520_000)
        },
        Spec { from: 10, until: 90, ..spec("later", 0, "durian", "ri6", "whole", "Sầu riêng Ri6 mùa sau", 90_000) },
        Spec { from: -60, until: -1, ..spec("ended", 0, "durian", "ri6", "whole", "Sầu riêng Ri6 vụ trước", 70_000) },
        Spec { approve: false, ..spec("pending", 1, "durian", "ri6", "whole", "Sầu riêng Ri6 chờ duyệt", 80_000) },
    ];
    let mut ids = BTreeMap::new();
    for s in specs {
        let fields = ListingFields {
            crop: s.crop.into(),
            variety: s.variety.into(),
            form: s.form.into(),
            grade: None,
            title: s.title.into(),
            description: s.description.into(),
            quantity_kg: 500.0,
            price_vnd_per_kg: s.price,
            available_from: today() + Duration::days(s.from),
            available_until: today() + Duration::days(s.until),
            certifications: s.certs,
        };
        let farmer_id = farmers[s.farmer];
        let (listing, _) =
            store.create_listing(&NewListing { farmer_id, actor_id: farmer_id, fields, submit: true, submission_key: None }).await.unwrap();
        if s.approve {
            store.transition(listing.id, None, Event::Approve, None).await.unwrap();
        }
        ids.insert(s.name, listing.id);
    }
    Fixture { ids }
}

async fn search(service: &SearchService, text: &str, filters: Filters, sort: SortOrder) -> Vec<i64> {
    let q = CatalogueQuery { text: text.into(), filters, sort, page: 1, per_page: 50 };
    let page = service.search(&q, today()).await.unwrap();
    assert!(!page.degraded, "{text}: the engine answered");
    page.hits.into_iter().map(|h| h.listing.id).collect()
}

/// Every hit for `text`, page after page of `per_page`.
async fn walk(service: &SearchService, text: &str, per_page: u32) -> Vec<i64> {
    let mut walked = Vec::new();
    for page in 1.. {
        let q = CatalogueQuery { text: text.into(), page, per_page, ..CatalogueQuery::default() };
        let hits = service.search(&q, today()).await.unwrap().hits;
        if hits.is_empty() {
            return walked;
        }
        walked.extend(hits.into_iter().map(|h| h.listing.id));
    }
    unreachable!()
}

async fn ids_for(service: &SearchService, text: &str) -> Vec<i64> {
    search(service, text, Filters::default(), SortOrder::Relevance).await
}

/// Every check, against one engine.
async fn conformance(engine_name: &str, engine: Arc<dyn Engine>) {
    let db = TestDb::new().await;
    let fx = fixture(&db.store).await;
    let service = SearchService::new(db.store.clone(), engine);
    service.start().await.unwrap();
    let durians = [fx.id("ri6"), fx.id("monthong"), fx.id("musang"), fx.id("seed"), fx.id("later")];
    let sorted = |mut v: Vec<i64>| {
        v.sort();
        v
    };
    let set = |names: &[&str]| sorted(names.iter().map(|n| fx.id(n)).collect());

    // Accents optional, case free; the decoy only shares the syllables, apart, and ranks last.
    for q in ["sau rieng", "sầu riêng", "SẦU RIÊNG", "saauf rieeng", "sau rien "] {
        let found = ids_for(&service, q).await;
        assert_eq!(sorted(found.clone()), set(&["ri6", "monthong", "musang", "seed", "later", "decoy"]), "{engine_name}: {q}");
        assert_eq!(*found.last().unwrap(), fx.id("decoy"), "{engine_name}: {q} ranks adjacent syllables first: {found:?}");
    }
    // Typed with accents, the exact accented words win even against other ranking signals.
    let accented = ids_for(&service, "sầu riêng").await;
    assert!(durians.contains(&accented[0]), "{engine_name}");
    // Paging walks one order: pages of any size repeat no listing and skip none.
    for q in ["sầu riêng", "sau rieng", "sau ri", "ca phe", "mac ca"] {
        let whole = ids_for(&service, q).await;
        for per_page in [1, 2, 4] {
            assert_eq!(walk(&service, q, per_page).await, whole, "{engine_name}: {q} in pages of {per_page}");
        }
    }
    // Prefixes while typing.
    assert_eq!(
        sorted(ids_for(&service, "sau ri").await),
        set(&["ri6", "monthong", "musang", "seed", "later", "decoy"]),
        "{engine_name}: sau ri"
    );
    assert_eq!(sorted(ids_for(&service, "ri6").await), set(&["ri6", "later"]), "{engine_name}: ri6");
    assert_eq!(sorted(ids_for(&service, "ri 6").await), set(&["ri6", "later"]), "{engine_name}: ri 6");

    let expect = [
        ("dinh lac", vec!["ri6", "musang", "later"]),
        ("robustaa", vec!["robusta", "decoy"]),
        ("macadamai", vec!["mac816", "kernel"]),
        ("monthog", vec!["monthong"]),
        ("ca2 phe6", vec!["robusta", "arabica", "decoy"]),
        ("macca", vec!["mac816", "kernel"]),
        ("mắc ca", vec!["mac816", "kernel"]),
        ("macadamia", vec!["mac816", "kernel"]),
        ("coffee", vec!["robusta", "arabica", "decoy"]),
        ("cafe", vec!["robusta", "arabica", "decoy"]),
        ("durian", vec!["ri6", "monthong", "musang", "seed", "later"]),
        ("dona", vec!["monthong"]),
        ("đô na", vec!["monthong"]),
        ("green beans", vec!["robusta"]),
        ("roasted", vec!["arabica"]),
        ("kernel", vec!["kernel"]),
        ("in shell", vec!["mac816"]),
        ("frozen pulp", vec!["musang"]),
        ("ka diep", vec!["monthong", "mac816"]),
        ("htx hoa bac", vec!["robusta", "arabica"]),
        ("tan lam", vec!["seed", "decoy", "kernel"]),
    ];
    for (q, names) in expect {
        assert_eq!(sorted(ids_for(&service, q).await), set(&names), "{engine_name}: {q}");
    }
    // Nothing typed: the whole public catalogue (approved, window not ended).
    let all = set(&["ri6", "monthong", "musang", "seed", "robusta", "arabica", "decoy", "mac816", "kernel", "later"]);
    assert_eq!(sorted(ids_for(&service, "").await), all, "{engine_name}: all");

    // Filters agree with the database, facet counts too.
    let combos = [
        Filters::default(),
        Filters { crop: Some("durian".into()), ..Filters::default() },
        Filters { commune: Some("dinh-lac".into()), ..Filters::default() },
        Filters { commune: Some("hoa-ninh".into()), crop: Some("durian".into()), ..Filters::default() },
        Filters { certification: Some("ocop".into()), ..Filters::default() },
        Filters { min_ocop_stars: Some(4), ..Filters::default() },
        Filters { in_season: true, in_stock: true, ..Filters::default() },
        Filters { min_price: Some(80_000), max_price: Some(200_000), ..Filters::default() },
        Filters { variety: Some("ri6".into()), form: Some("whole".into()), ..Filters::default() },
        Filters { farmer_id: Some(db.store.listing(fx.id("robusta")).await.unwrap().farmer_id), ..Filters::default() },
    ];
    for filters in combos {
        let (total, facets) = db.store.facet_counts(&filters, today()).await.unwrap();
        let q = CatalogueQuery { text: String::new(), filters: filters.clone(), sort: SortOrder::Relevance, page: 1, per_page: 50 };
        let page = service.search(&q, today()).await.unwrap();
        assert_eq!(page.total as i64, total, "{engine_name}: total for {filters:?}");
        assert_eq!(page.hits.len() as i64, total, "{engine_name}: hits for {filters:?}");
        assert_eq!(page.facets, facets, "{engine_name}: facets for {filters:?}");
    }
    let ocop = search(&service, "", Filters { certification: Some("ocop".into()), ..Filters::default() }, SortOrder::Relevance).await;
    assert_eq!(ocop, vec![fx.id("mac816")], "{engine_name}: an expired OCOP rating does not count");
    let by_price = search(&service, "sau rieng", Filters::default(), SortOrder::PriceAsc).await;
    assert_eq!(
        by_price,
        vec![fx.id("decoy"), fx.id("seed"), fx.id("ri6"), fx.id("later"), fx.id("monthong"), fx.id("musang")],
        "{engine_name}: price up"
    );
    let down = search(&service, "durian", Filters::default(), SortOrder::PriceDesc).await;
    assert_eq!(down, vec![fx.id("musang"), fx.id("monthong"), fx.id("later"), fx.id("ri6"), fx.id("seed")], "{engine_name}: price down");

    // Hostile queries are just queries, and never escape the filters.
    let coffee = Filters { crop: Some("coffee".into()), ..Filters::default() };
    for q in ["crop = 'x' OR id > 0", "\" OR \"1\"=\"1", "(((", "crop:durian", "\u{0}\u{7}\u{1b}[2J", "😀🍈", &"sầu riêng ".repeat(1000)]
    {
        let q2 = CatalogueQuery { text: q.to_owned(), filters: coffee.clone(), sort: SortOrder::Relevance, page: 1, per_page: 50 };
        let page = service.search(&q2, today()).await.unwrap();
        assert!(page.hits.iter().all(|h| h.listing.fields.crop == "coffee"), "{engine_name}: {q:?} stays inside the filter");
    }

    // Highlights mark the matched words of the title.
    let q = CatalogueQuery { text: "sau rieng ri6".into(), page: 1, per_page: 5, ..CatalogueQuery::default() };
    let page = service.search(&q, today()).await.unwrap();
    let ri6 = page.hits.iter().find(|h| h.listing.id == fx.id("ri6")).expect("found");
    assert_eq!(ri6.highlight.as_deref(), Some("<mark>Sầu</mark> <mark>riêng</mark> <mark>Ri6</mark> vườn nhà"), "{engine_name}");

    // Suggestions while typing.
    let suggestions = service.suggest("sau ri", today()).await.unwrap();
    assert!(suggestions.iter().any(|s| s.text == "sau rieng"), "{engine_name}: {suggestions:?}");
    assert!(suggestions.iter().any(|s| s.listing_id.is_some()), "{engine_name}: {suggestions:?}");

    // The index follows the database through the outbox: a rejection removes, an edit updates.
    db.store.transition(fx.id("monthong"), None, Event::Pause, None).await.unwrap();
    service.listing_changed(fx.id("monthong")).await;
    assert!(ids_for(&service, "dona").await.is_empty(), "{engine_name}: paused leaves the catalogue");

    // Hits are the cards the index keeps, and the cards follow the database: a new first photo
    // shows on the card as soon as the change is indexed.
    let (photo, _) = db.store.add_photo(fx.id("ri6"), "c0ffee", 640, 480, 1000).await.unwrap();
    service.listing_changed(fx.id("ri6")).await;
    let q = CatalogueQuery { text: "ri6".into(), page: 1, per_page: 5, ..CatalogueQuery::default() };
    let page = service.search(&q, today()).await.unwrap();
    let card = &page.hits.iter().find(|h| h.listing.id == fx.id("ri6")).expect("found").listing;
    assert_eq!(card, &db.store.listing(fx.id("ri6")).await.unwrap(), "{engine_name}: the card is the listing");
    assert_eq!(card.cover_hash.as_deref(), Some(photo.hash.as_str()), "{engine_name}");

    // Reconcile finds what went missing, stale or extra, and repairs it. A card that does not
    // read (written by another version) is read from the database meanwhile.
    service.engine().delete(vec![fx.id("robusta")]).await.unwrap();
    let arabica = db.store.listing(fx.id("arabica")).await.unwrap();
    let mut stale = nongsan_search::SearchDoc::from_listing(&arabica, today());
    stale.hash ^= 1;
    stale.card = "{\"id\": ".into();
    service.engine().upsert(vec![stale.clone()]).await.unwrap();
    let q = CatalogueQuery { text: "arabica".into(), page: 1, per_page: 5, ..CatalogueQuery::default() };
    let page = service.search(&q, today()).await.unwrap();
    assert_eq!(page.hits.iter().map(|h| &h.listing).collect::<Vec<_>>(), vec![&arabica], "{engine_name}");
    let mut extra = stale.clone();
    extra.id = 999_999;
    service.engine().upsert(vec![stale, extra]).await.unwrap();
    let repaired = service.reconcile().await.unwrap();
    assert_eq!((repaired.missing, repaired.stale, repaired.extra), (1, 1, 1), "{engine_name}");
    assert_eq!(service.reconcile().await.unwrap(), Default::default(), "{engine_name}: a second run finds nothing");
    assert_eq!(ids_for(&service, "robusta nhan xo").await, vec![fx.id("robusta")], "{engine_name}");

    // Once housekeeping takes the listing whose window ended out of the catalogue, no indexed
    // window has ended (the embedded engine then leaves the window filter out): same answers.
    let before = sorted(search(&service, "", Filters::default(), SortOrder::Relevance).await);
    assert_eq!(db.store.expire_listings(today()).await.unwrap(), vec![fx.id("ended")], "{engine_name}");
    service.listing_changed(fx.id("ended")).await;
    assert_eq!(sorted(search(&service, "", Filters::default(), SortOrder::Relevance).await), before, "{engine_name}");

    // A rebuild keeps answering throughout.
    let service = Arc::new(service);
    let watcher = {
        let service = service.clone();
        tokio::spawn(async move {
            let mut answers = 0;
            for _ in 0..200 {
                let q = CatalogueQuery { text: "sau rieng".into(), page: 1, per_page: 50, ..CatalogueQuery::default() };
                let page = service.search(&q, today()).await.expect("searches answer during a rebuild");
                assert!(!page.hits.is_empty() && !page.degraded, "never empty during a rebuild");
                answers += 1;
                tokio::task::yield_now().await;
            }
            answers
        })
    };
    for _ in 0..3 {
        assert_eq!(service.rebuild().await.unwrap(), 9, "{engine_name}: approved listings, the ended one expired");
    }
    assert_eq!(watcher.await.unwrap(), 200);
    assert_eq!(sorted(ids_for(&service, "sau rieng").await), set(&["ri6", "musang", "seed", "later", "decoy"]), "{engine_name}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_engine_conforms() {
    let dir = std::env::temp_dir().join(format!("nongsan-conformance-{}", &nongsan_store::random_token()[..12]));
    conformance("embedded", Arc::new(EmbeddedEngine::open(&dir).unwrap())).await;
    let _ = std::fs::remove_dir_all(&dir);
    paging("embedded", Arc::new(EmbeddedEngine::open(&dir).unwrap())).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meilisearch_conforms_when_a_server_is_given() {
    let Ok(url) = std::env::var("MEILI_URL") else {
        println!("SKIPPED: Meilisearch conformance not run, MEILI_URL is not set");
        return;
    };
    let key = std::env::var("MEILI_API_KEY").ok();
    let uid = format!("nongsan_test_{}", &nongsan_store::random_token()[..12]);
    let engine = MeiliEngine::new(&url, key.as_deref(), &uid).unwrap();
    engine.ensure_ready().await.expect("the Meilisearch server at MEILI_URL answers");
    conformance("meilisearch", Arc::new(engine)).await;
    let cleanup = meilisearch_sdk::client::Client::new(&url, key.as_deref()).unwrap();
    let _ = cleanup.delete_index(&uid).await;
    let uid = format!("nongsan_test_{}", &nongsan_store::random_token()[..12]);
    paging("meilisearch", Arc::new(MeiliEngine::new(&url, key.as_deref(), &uid).unwrap())).await;
    let _ = cleanup.delete_index(&uid).await;
}

/// Paging and the accent rule over more matches than one page, against one engine.
async fn paging(engine_name: &str, engine: Arc<dyn Engine>) {
    let db = TestDb::new().await;
    let farmer = farmer(&db.store, "Nguyễn Văn Bình", "di-linh", "dinh-lac", SellerKind::Household).await;
    // More matches than the shared rules reorder at a time: durians, whose accented words
    // come only from the crop's name, and coffees that hold the same syllables without those
    // accents in their title and, again and again, in a short text, so that an engine's own
    // relevance (term frequency, or the title before other text) puts the coffees first.
    let mut durians = Vec::new();
    for i in 0..48 {
        let (crop, variety, title, description) = if i % 3 == 0 {
            ("durian", "ri6", format!("Ri6 chín cây lô {i}"), "Chín cây, cơm vàng hạt lép, hái tay, giao tận nơi trong ngày, hàng tuyển.")
        } else {
            ("coffee", "robusta", format!("Cà phê không sâu, riêng vườn nhà {i}"), "Riêng, sâu, riêng, sâu.")
        };
        let fields = ListingFields {
            crop: crop.into(),
            variety: variety.into(),
            form: if crop == "durian" { "whole" } else { "cherry" }.into(),
            grade: None,
            title,
            description: description.into(),
            quantity_kg: 100.0,
            price_vnd_per_kg: 50_000 + i,
            available_from: today() - Duration::days(1),
            available_until: today() + Duration::days(30),
            certifications: vec![],
        };
        let (listing, _) = db
            .store
            .create_listing(&NewListing { farmer_id: farmer, actor_id: farmer, fields, submit: true, submission_key: None })
            .await
            .unwrap();
        db.store.transition(listing.id, None, Event::Approve, None).await.unwrap();
        if crop == "durian" {
            durians.push(listing.id);
        }
    }
    let service = SearchService::new(db.store.clone(), engine);
    service.start().await.unwrap();
    let whole = walk(&service, "sầu riêng", 20).await;
    assert_eq!(whole.len(), 48, "{engine_name}");
    let mut unique = whole.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 48, "{engine_name}: no listing twice");
    for per_page in [1, 3, 7, 15, 50] {
        assert_eq!(walk(&service, "sầu riêng", per_page).await, whole, "{engine_name}: pages of {per_page}");
    }
    // Every listing with the words as typed, accents and all, comes before any that matches
    // only once accents are stripped, however far down the engine's own relevance put it.
    let exact: Vec<bool> = whole.iter().map(|id| durians.contains(id)).collect();
    assert!(exact[..durians.len()].iter().all(|d| *d), "{engine_name}: accented matches first: {exact:?}");
    // The same typed with decomposed marks, or with the last word still being typed: the words
    // typed in full keep the rule.
    for q in ["sa\u{302}\u{300}u rie\u{302}ng", "sầu riê"] {
        let found = walk(&service, q, 20).await;
        assert_eq!(found.len(), 48, "{engine_name}: {q:?}");
        assert!(found[..durians.len()].iter().all(|id| durians.contains(id)), "{engine_name}: {q:?} puts the durians first: {found:?}");
    }
    // Unaccented, the durians' syllables side by side in order still win within each page.
    let plain = walk(&service, "sau rieng", 20).await;
    assert_eq!(plain.len(), 48, "{engine_name}");
    for per_page in [3, 7, 50] {
        assert_eq!(walk(&service, "sau rieng", per_page).await, plain, "{engine_name}: unaccented, pages of {per_page}");
    }
}

#[tokio::test]
async fn an_unreachable_engine_degrades_to_the_database_and_loses_nothing() {
    let db = TestDb::new().await;
    let fx = fixture(&db.store).await;
    // Nothing listens on port 9 of this machine.
    let engine = MeiliEngine::new("http://127.0.0.1:9", None, "listings").unwrap();
    let service = SearchService::new(db.store.clone(), Arc::new(engine));
    assert!(service.start().await.is_err(), "the engine is down");
    let q = CatalogueQuery { text: "sau rieng".into(), page: 1, per_page: 50, ..CatalogueQuery::default() };
    let page = service.search(&q, today()).await.unwrap();
    assert!(page.degraded, "the answer says it is degraded");
    assert!(page.hits.iter().any(|h| h.listing.id == fx.id("ri6")), "and still finds from the database");
    service.listing_changed(fx.id("ri6")).await;
    assert!(db.store.search_outbox_len().await.unwrap() > 0, "pending index work waits in the outbox");
}

#[tokio::test]
async fn a_change_committed_before_a_crash_is_searchable_after_restart() {
    let db = TestDb::new().await;
    let dir = std::env::temp_dir().join(format!("nongsan-crash-{}", &nongsan_store::random_token()[..12]));
    {
        let service = SearchService::new(db.store.clone(), Arc::new(EmbeddedEngine::open(&dir).unwrap()));
        service.start().await.unwrap();
        // The listing is committed with its outbox row, then the process dies before indexing.
        fixture(&db.store).await;
        drop(service);
    }
    assert!(db.store.search_outbox_len().await.unwrap() > 0);
    let service = SearchService::new(db.store.clone(), Arc::new(EmbeddedEngine::open(&dir).unwrap()));
    service.start().await.unwrap();
    assert_eq!(db.store.search_outbox_len().await.unwrap(), 0);
    assert_eq!(ids_for(&service, "dona").await.len(), 1);
    let _ = std::fs::remove_dir_all(dir);
}
