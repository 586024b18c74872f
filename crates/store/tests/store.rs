//! The store API on a real database: SQLite by default, PostgreSQL with
//! `NONGSAN_TEST_DATABASE_URL`.

use nongsan_domain::account::{Role, SellerKind};
use nongsan_domain::listing::{Event, RawListing, Status};
use nongsan_store::testing::TestDb;
use nongsan_store::{CatalogueFilter, Filters, NewListing, NewUser, Profile, ReviewFilter, SortOrder, Store, StoreError};
use time::Date;
use time::macros::date;

const TODAY: Date = date!(2026 - 11 - 30);

async fn farmer(store: &Store, phone: &str, name: &str, commune: &str) -> i64 {
    store
        .create_user(&NewUser {
            role: Role::Farmer,
            phone: Some(phone.into()),
            password_hash: Some("x".into()),
            profile: Profile {
                name: name.into(),
                commune: Some(commune.into()),
                legacy_commune: Some("dinh-lac".into()),
                seller_kind: SellerKind::Household,
                ..Profile::default()
            },
            created_by: None,
        })
        .await
        .unwrap()
        .id
}

fn raw(title: &str, crop: &str, variety: &str, form: &str, price: &str) -> RawListing {
    RawListing {
        crop: crop.into(),
        variety: variety.into(),
        form: form.into(),
        title: title.into(),
        quantity: "100".into(),
        price_vnd_per_kg: price.into(),
        available_from: "2026-11-01".into(),
        available_until: "2027-02-01".into(),
        ..RawListing::default()
    }
}

async fn listing(store: &Store, farmer_id: i64, raw: RawListing) -> i64 {
    let fields = raw.validate(TODAY).unwrap();
    let new = NewListing { farmer_id, actor_id: farmer_id, fields, submit: true, submission_key: None };
    store.create_listing(&new).await.unwrap().0.id
}

fn filter(terms: &[&str]) -> CatalogueFilter {
    CatalogueFilter {
        terms: terms.iter().map(|s| s.to_string()).collect(),
        filters: Filters::default(),
        sort: SortOrder::Relevance,
        page: 1,
        per_page: 20,
        today: TODAY,
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode() {
    let db = TestDb::new().await;
    if let Some(mode) = db.store.sqlite_journal_mode().await.unwrap() {
        assert_eq!(mode, "wal");
    }
}

#[tokio::test]
async fn a_phone_number_is_one_account() {
    let db = TestDb::new().await;
    farmer(&db.store, "0912345678", "A", "di-linh").await;
    let again = db
        .store
        .create_user(&NewUser {
            role: Role::Farmer,
            phone: Some("0912345678".into()),
            password_hash: None,
            profile: Profile::default(),
            created_by: None,
        })
        .await;
    assert!(matches!(again, Err(StoreError::Conflict("phone"))), "{again:?}");
}

#[tokio::test]
async fn the_same_submission_key_creates_one_listing() {
    let db = TestDb::new().await;
    let f = farmer(&db.store, "0912345678", "A", "di-linh").await;
    let fields = raw("Cà phê Robusta nhân xô", "coffee", "robusta", "green", "95000").validate(TODAY).unwrap();
    let new = NewListing { farmer_id: f, actor_id: f, fields, submit: true, submission_key: Some("k1".into()) };
    let (first, created) = db.store.create_listing(&new).await.unwrap();
    assert!(created);
    let (second, created_again) = db.store.create_listing(&new).await.unwrap();
    assert!(!created_again);
    assert_eq!(first.id, second.id);
    assert_eq!(db.store.listings_of(f).await.unwrap().len(), 1);
}

#[tokio::test]
async fn review_approves_and_the_catalogue_finds_without_accents() {
    let db = TestDb::new().await;
    let s = &db.store;
    let f = farmer(s, "0912345678", "Nguyễn Văn Bình", "di-linh").await;
    let durian = listing(s, f, raw("Sầu riêng Ri6 vườn nhà", "durian", "ri6", "whole", "85000")).await;
    let coffee = listing(s, f, raw("Cà phê Robusta nhân xô", "coffee", "robusta", "green", "95000")).await;
    assert!(s.catalogue(&filter(&[])).await.unwrap().hits.is_empty(), "pending listings are not public");

    let queue = s.review_queue(&ReviewFilter::default()).await.unwrap();
    assert_eq!(queue.iter().map(|l| l.id).collect::<Vec<_>>(), vec![durian, coffee], "oldest first");
    let durian_queue = s.review_queue(&ReviewFilter { crop: Some("durian".into()), commune: None }).await.unwrap();
    assert_eq!(durian_queue.len(), 1);

    s.transition(durian, Some(f), Event::Approve, None).await.unwrap();
    s.transition(coffee, Some(f), Event::Reject, Some("Ảnh mờ")).await.unwrap();
    let found = s.catalogue(&filter(&["sau", "rieng"])).await.unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.hits[0].id, durian);
    assert_eq!(found.facets.crop[0].value, "durian");
    assert_eq!(s.catalogue(&filter(&["binh"])).await.unwrap().total, 1, "farmer names are searchable");
    assert_eq!(s.catalogue(&filter(&["dinh", "lac"])).await.unwrap().total, 1, "legacy commune names are searchable");
    assert_eq!(s.catalogue(&filter(&["ca", "phe"])).await.unwrap().total, 0, "rejected listings are not public");
    let rejected = s.listing(coffee).await.unwrap();
    assert_eq!(rejected.status, Status::Rejected);
    assert_eq!(rejected.rejection_reason.as_deref(), Some("Ảnh mờ"));
}

#[tokio::test]
async fn an_illegal_transition_is_an_error_and_changes_nothing() {
    let db = TestDb::new().await;
    let f = farmer(&db.store, "0912345678", "A", "di-linh").await;
    let id = listing(&db.store, f, raw("Mắc ca 816 sấy", "macadamia", "816", "dried-in-shell", "120000")).await;
    let err = db.store.transition(id, Some(f), Event::Pause, None).await.unwrap_err();
    assert!(matches!(err, StoreError::Illegal(_)), "{err:?}");
    assert_eq!(db.store.listing(id).await.unwrap().status, Status::PendingReview);
}

#[tokio::test]
async fn edits_to_an_approved_listing_return_to_review_except_price_and_quantity() {
    let db = TestDb::new().await;
    let s = &db.store;
    let f = farmer(s, "0912345678", "A", "di-linh").await;
    let id = listing(s, f, raw("Sầu riêng Ri6", "durian", "ri6", "whole", "85000")).await;
    s.transition(id, Some(f), Event::Approve, None).await.unwrap();

    let cheaper = RawListing { quantity: "80".into(), ..raw("Sầu riêng Ri6", "durian", "ri6", "whole", "80000") }.validate(TODAY).unwrap();
    let after = s.update_listing(id, f, &cheaper, None, false).await.unwrap();
    assert_eq!(after.status, Status::Approved);
    assert_eq!(after.fields.price_vnd_per_kg, 80_000);
    assert_eq!(after.fields.quantity_kg, 80.0);

    let renamed =
        RawListing { quantity: "80".into(), ..raw("Sầu riêng Ri6 loại 1", "durian", "ri6", "whole", "80000") }.validate(TODAY).unwrap();
    let after = s.update_listing(id, f, &renamed, Some("tên rõ hơn"), false).await.unwrap();
    assert_eq!(after.status, Status::PendingReview);
    let changes = s.changes(id).await.unwrap();
    let title = changes.iter().find(|c| c.field == "title").unwrap();
    assert_eq!(title.old_value.as_deref(), Some("Sầu riêng Ri6"));
    assert_eq!(title.new_value.as_deref(), Some("Sầu riêng Ri6 loại 1"));
    assert_eq!(title.reason.as_deref(), Some("tên rõ hơn"));
    assert_eq!(title.actor_name.as_deref(), Some("A"));
    assert!(changes.iter().any(|c| c.field == "price_vnd_per_kg" && c.new_value.as_deref() == Some("80000")));
}

#[tokio::test]
async fn expired_windows_leave_the_catalogue_and_expiry_runs_once() {
    let db = TestDb::new().await;
    let s = &db.store;
    let f = farmer(s, "0912345678", "A", "di-linh").await;
    let id = listing(s, f, raw("Cà phê Arabica", "coffee", "arabica", "green", "120000")).await;
    s.transition(id, Some(f), Event::Approve, None).await.unwrap();
    let later = date!(2027 - 03 - 01);
    assert_eq!(s.catalogue(&CatalogueFilter { today: later, ..filter(&[]) }).await.unwrap().total, 0);
    assert_eq!(s.expire_listings(later).await.unwrap(), vec![id]);
    assert!(s.expire_listings(later).await.unwrap().is_empty());
    assert_eq!(s.listing(id).await.unwrap().status, Status::Expired);
}

#[tokio::test]
async fn catalogue_filters_and_facets_agree_with_the_rows() {
    let db = TestDb::new().await;
    let s = &db.store;
    let a = farmer(s, "0912345678", "A", "di-linh").await;
    let b = farmer(s, "0987654321", "B", "gia-hiep").await;
    let mut organic = raw("Cà phê hữu cơ", "coffee", "arabica", "green", "150000");
    organic.certifications = vec![nongsan_domain::listing::RawCertification { code: "organic".into(), ..Default::default() }];
    for (farmer, r) in [
        (a, raw("Sầu riêng Ri6", "durian", "ri6", "whole", "85000")),
        (a, raw("Sầu riêng Monthong", "durian", "monthong", "whole", "120000")),
        (b, raw("Cà phê Robusta", "coffee", "robusta", "green", "95000")),
        (b, organic),
    ] {
        let id = listing(s, farmer, r).await;
        s.transition(id, Some(farmer), Event::Approve, None).await.unwrap();
    }
    let all = s.catalogue(&filter(&[])).await.unwrap();
    assert_eq!(all.total, 4);
    assert_eq!(all.facets.crop.iter().map(|f| (f.value.as_str(), f.count)).collect::<Vec<_>>(), vec![("coffee", 2), ("durian", 2)]);
    assert_eq!(all.facets.certification.len(), 1);
    let gia_hiep = s
        .catalogue(&CatalogueFilter { filters: Filters { commune: Some("gia-hiep".into()), ..Filters::default() }, ..filter(&[]) })
        .await
        .unwrap();
    assert_eq!(gia_hiep.total, 2);
    let legacy = s
        .catalogue(&CatalogueFilter { filters: Filters { commune: Some("dinh-lac".into()), ..Filters::default() }, ..filter(&[]) })
        .await
        .unwrap();
    assert_eq!(legacy.total, 4, "a legacy commune matches too");
    let band = s
        .catalogue(&CatalogueFilter {
            filters: Filters { min_price: Some(90_000), max_price: Some(125_000), ..Filters::default() },
            sort: SortOrder::PriceAsc,
            ..filter(&[])
        })
        .await
        .unwrap();
    assert_eq!(band.hits.iter().map(|l| l.fields.price_vnd_per_kg).collect::<Vec<_>>(), vec![95_000, 120_000]);
    let certified = s
        .catalogue(&CatalogueFilter { filters: Filters { certification: Some("organic".into()), ..Filters::default() }, ..filter(&[]) })
        .await
        .unwrap();
    assert_eq!(certified.total, 1);
    let page2 = s.catalogue(&CatalogueFilter { per_page: 3, page: 2, ..filter(&[]) }).await.unwrap();
    assert_eq!((page2.hits.len(), page2.total), (1, 4));
}

#[tokio::test]
async fn photos_are_deduplicated_limited_and_freed() {
    let db = TestDb::new().await;
    let s = &db.store;
    let f = farmer(s, "0912345678", "A", "di-linh").await;
    let id = listing(s, f, raw("Sầu riêng Ri6", "durian", "ri6", "whole", "85000")).await;
    let (p1, created) = s.add_photo(id, "aaa", 10, 10, 100).await.unwrap();
    assert!(created);
    let (again, created) = s.add_photo(id, "aaa", 10, 10, 100).await.unwrap();
    assert!(!created);
    assert_eq!(p1.id, again.id);
    for i in 0..5 {
        s.add_photo(id, &format!("h{i}"), 10, 10, 100).await.unwrap();
    }
    assert!(matches!(s.add_photo(id, "h9", 10, 10, 100).await, Err(StoreError::Conflict("photo"))));
    assert_eq!(s.listing(id).await.unwrap().cover_hash.as_deref(), Some("aaa"), "the first photo is the cover");
    assert_eq!(s.delete_photo(id, p1.id).await.unwrap().as_deref(), Some("aaa"));
}

#[tokio::test]
async fn sessions_resolve_until_deleted_and_failures_count() {
    let db = TestDb::new().await;
    let f = farmer(&db.store, "0912345678", "A", "di-linh").await;
    let (token, info) = db.store.create_session(f, 3600).await.unwrap();
    assert_eq!(db.store.session(&token).await.unwrap().unwrap().csrf, info.csrf);
    db.store.delete_session(&token).await.unwrap();
    assert!(db.store.session(&token).await.unwrap().is_none());
    db.store.record_login_failure("phone:0912345678").await.unwrap();
    db.store.record_login_failure("phone:0912345678").await.unwrap();
    assert_eq!(db.store.login_failures("phone:0912345678", 900).await.unwrap(), 2);
    db.store.clear_login_failures("phone:0912345678").await.unwrap();
    assert_eq!(db.store.login_failures("phone:0912345678", 900).await.unwrap(), 0);
}
