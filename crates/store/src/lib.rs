//! Storage: one API over SQLite (the embedded default) and PostgreSQL (for scale).
//!
//! Handlers and jobs call [`Store`] and never learn which database runs. The SQL is shared;
//! the dialect shows only where it must (migrations, and [`Backend`] checks inside this crate).
//! Columns keep to portable types: 64-bit integers, doubles and text (see `migrations/`).

mod catalogue;
mod channel_listings;
mod channels;
mod jobs;
mod listings;
mod migrate;
mod observations;
mod photos;
mod sales;
mod sales_report;
mod sessions;
pub mod testing;
mod users;

pub use catalogue::{CatalogueFilter, CatalogueHit, CataloguePage, Facet, Facets, Filters, SortOrder, search_text};
pub use channel_listings::{BoardFilter, ChannelListing, ChannelState, RawOrder, push_job, seller_sku};
pub use channels::{AccountSettings, ChannelAccount, SealedCredential};
pub use jobs::{Job, JobState, NewJob};
pub use listings::{Change, Listing, NewListing, ReviewFilter};
pub use observations::{
    CONFIRM_MATCH, Observation, PAGE_GONE, PAGE_REFUSED, PAGE_UNREADABLE, StoredObservation, find_on_shop_job, watch_job,
};
pub use photos::{MAX_PHOTOS_PER_LISTING, Photo};
pub use sales::{HistoricSale, NewSale, Sale, SalesImport, manual_sale_ref};
pub use sales_report::{Adoption, Bucket, Dashboard, Period, SalesFilter, TOP_COMMUNES, Totals, WeeklyMedian};
pub use sessions::SessionInfo;
pub use users::{NewUser, Profile, User};

use nongsan_domain::listing::IllegalTransition;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Row};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Which database answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What can go wrong in the store, in terms the web can answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; names the input it concerns.
    #[error("already exists: {0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
    /// Someone else changed the row between read and write; try again.
    #[error("changed concurrently")]
    Stale,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(String),
}

impl StoreError {
    /// Maps a unique violation to [`StoreError::Conflict`] for `field`, anything else unchanged.
    fn on_unique(err: sqlx::Error, field: &'static str) -> StoreError {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(field),
            _ => StoreError::Db(err),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database handle shared by every request and job.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects to `url` (`sqlite://...` or `postgres://...`) and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Store> {
        install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") { Backend::Postgres } else { Backend::Sqlite };
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        options = match backend {
            // One writer at a time is SQLite's nature; a few readers share the WAL.
            // One writer at a time is SQLite's nature; a few readers share the WAL.
            Backend::Sqlite => options.max_connections(4),
            Backend::Postgres => options.max_connections(10),
        };
        let pool = options.connect(url).await?;
        if backend == Backend::Sqlite {
            // WAL lets readers run while one writer writes; the mode is stored in the file.
            sqlx::query("pragma journal_mode = wal").execute(&pool).await?;
        }
        let store = Store { pool, backend };
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating; for administration such as creating test schemas.
    pub async fn connect_unmigrated(url: &str) -> Result<Store> {
        install_default_drivers();
        let backend = if url.starts_with("postgres") { Backend::Postgres } else { Backend::Sqlite };
        let pool = AnyPoolOptions::new().max_connections(1).connect(url).await?;
        Ok(Store { pool, backend })
    }

    /// Runs SQL without arguments; for administration and tests.
    pub async fn execute_raw(&self, sql: &str) -> Result<()> {
        sqlx::raw_sql(sql).execute(&self.pool).await?;
        Ok(())
    }

    /// Opens (creating if needed) the SQLite database in `data_dir`.
    pub async fn open_data_dir(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::Migration(format!("{}: {e}", data_dir.display())))?;
        let path = data_dir.join("nongsan.sqlite3");
        Store::connect(&sqlite_url(&path)).await
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// True when the database answers; for `/healthz`.
    pub async fn ping(&self) -> bool {
        sqlx::query("select 1").fetch_one(&self.pool).await.is_ok()
    }

    /// SQLite's journal mode, for tests and diagnostics ("wal" expected).
    pub async fn sqlite_journal_mode(&self) -> Result<Option<String>> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let row = sqlx::query("pragma journal_mode").fetch_one(&self.pool).await?;
        Ok(Some(row.try_get::<String, _>(0)?))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The sqlx URL of a SQLite file, created when missing.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A random token, hex-encoded: 32 bytes from the operating system.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    hex(&bytes)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(data))
}

/// Reads an `i64` that SQLite or PostgreSQL may hand back as a narrower integer.
fn int(row: &sqlx::any::AnyRow, col: &str) -> Result<i64> {
    Ok(row.try_get::<i64, _>(col)?)
}

impl FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" => Ok(Backend::Postgres),
            other => Err(format!("unknown backend {other}")),
        }
    }
}
