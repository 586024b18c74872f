//! Fresh databases for tests, on SQLite or PostgreSQL.
//!
//! `NONGSAN_TEST_DATABASE_URL=postgres://...` runs a test against PostgreSQL, in a schema of
//! its own; without it each test gets its own SQLite file. Suites call [`TestDb::new`] and run
//! unchanged on both.

use crate::{Backend, Store, random_token, sqlite_url};
use std::path::PathBuf;

/// A migrated, empty database that is removed (SQLite) when dropped.
pub struct TestDb {
    pub store: Store,
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
                let store = Store::connect(&format!("{url}{separator}options[search_path]={schema}")).await.expect("migrate test schema");
                assert_eq!(store.backend(), Backend::Postgres);
                TestDb { store, dir: None }
            }
            _ => {
                let dir = std::env::temp_dir().join(format!("nongsan-test-{}", &random_token()[..16]));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let store = Store::connect(&sqlite_url(&dir.join("test.sqlite3"))).await.expect("open test SQLite");
                TestDb { store, dir: Some(dir) }
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
