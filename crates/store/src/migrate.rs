//! Applies the SQL files in `migrations/<dialect>/` in order, once each.
//!
//! A checksum of every applied file is kept; a file that changed after it ran stops the start,
//! because migrations are an append-only log.

use crate::{Backend, Result, Store, StoreError, sha256_hex};
use sqlx::Row;

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "core",
        sqlite: include_str!("../../../migrations/sqlite/0001_core.sql"),
        postgres: include_str!("../../../migrations/postgres/0001_core.sql"),
    },
    Migration {
        version: 2,
        name: "search",
        sqlite: include_str!("../../../migrations/sqlite/0002_search.sql"),
        postgres: include_str!("../../../migrations/postgres/0002_search.sql"),
    },
    Migration {
        version: 3,
        name: "channels",
        sqlite: include_str!("../../../migrations/sqlite/0003_channels.sql"),
        postgres: include_str!("../../../migrations/postgres/0003_channels.sql"),
    },
    Migration {
        version: 4,
        name: "observations",
        sqlite: include_str!("../../../migrations/sqlite/0004_observations.sql"),
        postgres: include_str!("../../../migrations/postgres/0004_observations.sql"),
    },
    Migration {
        version: 5,
        name: "sales",
        sqlite: include_str!("../../../migrations/sqlite/0005_sales.sql"),
        postgres: include_str!("../../../migrations/postgres/0005_sales.sql"),
    },
];

impl Store {
    /// Brings the schema up to date; safe to call from several processes at once.
    pub async fn migrate(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            // Several instances may start together: one migrates, the others wait.
            sqlx::query("select pg_advisory_lock(7310431)").execute(&mut *conn).await?;
        }
        let outcome = self.apply_pending(&mut conn).await;
        if self.backend == Backend::Postgres {
            sqlx::query("select pg_advisory_unlock(7310431)").execute(&mut *conn).await?;
        }
        outcome
    }

    async fn apply_pending(&self, conn: &mut sqlx::AnyConnection) -> Result<()> {
        sqlx::raw_sql(
            "create table if not exists schema_migrations (version bigint primary key, name text not null, checksum text not null, applied_at bigint not null)",
        )
        .execute(&mut *conn)
        .await?;
        let applied = sqlx::query("select version, checksum from schema_migrations order by version").fetch_all(&mut *conn).await?;
        for migration in MIGRATIONS {
            let sql = match self.backend {
                Backend::Sqlite => migration.sqlite,
                Backend::Postgres => migration.postgres,
            };
            let checksum = sha256_hex(sql.as_bytes());
            if let Some(row) = applied.iter().find(|r| r.try_get::<i64, _>("version").ok() == Some(migration.version)) {
                let recorded: String = row.try_get("checksum")?;
                if recorded != checksum {
                    return Err(StoreError::Migration(format!(
                        "migration {} ({}) changed after it was applied; add a new migration instead",
                        migration.version, migration.name
                    )));
                }
                continue;
            }
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            if migration.version == 2 {
                backfill_certifications(&mut tx).await?;
            }
            sqlx::query("insert into schema_migrations (version, name, checksum, applied_at) values ($1, $2, $3, $4)")
                .bind(migration.version)
                .bind(migration.name)
                .bind(checksum)
                .bind(crate::now())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(version = migration.version, name = migration.name, "migration applied");
        }
        Ok(())
    }
}

/// Fills `listing_certifications` from the listings' JSON column, and queues every listing for
/// the search index (data that existed before migration 2).
async fn backfill_certifications(tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<()> {
    let rows = sqlx::query("select id, certifications from listings").fetch_all(&mut **tx).await?;
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let json: String = row.try_get("certifications")?;
        let claims: Vec<nongsan_domain::listing::CertificationClaim> = serde_json::from_str(&json).unwrap_or_default();
        crate::listings::write_certifications(tx, id, &claims).await?;
        crate::listings::enqueue_search(tx, id).await?;
    }
    Ok(())
}
