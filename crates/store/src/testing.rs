//! Fresh databases for tests, on SQLite or PostgreSQL.
//!
//! `NONGSAN_TEST_DATABASE_URL=postgres://...` runs a test against PostgreSQL, in a schema of
//! its own; without it each test gets its own SQLite file. Suites call [`TestDb::new`] and run
//! unchanged on both.

use crate::{Backend, NewListing, NewUser, Profile, Store, random_token, sqlite_url};
use nongsan_domain::account::Role;
use nongsan_domain::listing::{Event, ListingFields};
use std::path::PathBuf;

/// A migrated, empty database that is removed (SQLite) when dropped.
pub struct TestDb {
    pub store: Store,
    /// The URL another process can open the same database with.
    pub url: String,
    dir: Option<PathBuf>,
}

impl TestDb {
    /// Panics when the configured database cannot be reached: a test without its database
    /// must fail, not pass vacuously.
    pub async fn new() -> TestDb {
        match std::env::var("NONGSAN_TEST_DATABASE_URL") {
            Ok(url) if url.starts_with("postgres") => {
                let schema = format!("t_{}", &random_token()[..16]);
                let admin = Store::connect_unmigrated(&url).await.expect("connect to NONGSAN_TEST_DATABASE_URL");
                admin.execute_raw(&format!("create schema {schema}")).await.expect("create test schema");
                admin.close().await;
                let separator = if url.contains('?') { '&' } else { '?' };
                let url = format!("{url}{separator}options[search_path]={schema}");
                let store = Store::connect(&url).await.expect("migrate test schema");
                assert_eq!(store.backend(), Backend::Postgres);
                TestDb { store, url, dir: None }
            }
            _ => {
                let dir = std::env::temp_dir().join(format!("nongsan-test-{}", &random_token()[..16]));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let url = sqlite_url(&dir.join("test.sqlite3"));
                let store = Store::connect(&url).await.expect("open test SQLite");
                TestDb { store, url, dir: Some(dir) }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A farmer in Gia Hiệp with phone `phone`; returns the id.
pub async fn farmer(store: &Store, phone: &str) -> i64 {
    let user = NewUser {
        role: Role::Farmer,
        phone: Some(phone.into()),
        password_hash: None,
        profile: Profile { name: format!("Nông dân {phone}"), commune: Some("gia-hiep".into()), ..Profile::default() },
        created_by: None,
    };
    store.create_user(&user).await.expect("create a farmer").id
}

/// An approved durian listing of `farmer_id`, numbered `n` in its title, on sale for 60 days.
pub async fn approved_listing(store: &Store, farmer_id: i64, n: usize) -> i64 {
    let today = nongsan_domain::local_date(crate::now());
    let fields = ListingFields {
        crop: "durian".into(),
        variety: "ri6".into(),
        form: "whole".into(),
        grade: None,
        title: format!("Sầu riêng Ri6 vườn {n}"),
        description: "Sầu riêng chín cây, cơm vàng, hạt lép.".into(),
        quantity_kg: 800.0,
        price_vnd_per_kg: 85_000,
        available_from: today,
        available_until: today + time::Duration::days(60),
        certifications: Vec::new(),
    };
    let new = NewListing { farmer_id, actor_id: farmer_id, fields, submit: true, submission_key: None };
    let (listing, _) = store.create_listing(&new).await.expect("create a listing");
    store.transition(listing.id, None, Event::Approve, None).await.expect("approve it");
    listing.id
}
