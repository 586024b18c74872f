//! Login sessions and the failed-login log that throttles guessing.
//!
//! Only a SHA-256 of each session token is stored: a copy of the database does not let
//! anyone log in.

use crate::{Result, Store, int, now, random_token, sha256_hex};
use sqlx::Row;

/// A live session: who, and the token that forms must echo back (CSRF).
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub user_id: i64,
    pub csrf: String,
    pub expires_at: i64,
}

impl Store {
    /// Starts a session for `user_id` lasting `ttl_secs`; returns the token to hand out.
    pub async fn create_session(&self, user_id: i64, ttl_secs: i64) -> Result<(String, SessionInfo)> {
        let token = random_token();
        let info = SessionInfo { user_id, csrf: random_token(), expires_at: now() + ttl_secs };
        sqlx::query("insert into sessions (token_hash, user_id, csrf, created_at, expires_at) values ($1, $2, $3, $4, $5)")
            .bind(sha256_hex(token.as_bytes()))
            .bind(user_id)
            .bind(info.csrf.clone())
            .bind(now())
            .bind(info.expires_at)
            .execute(&self.pool)
            .await?;
        Ok((token, info))
    }

    /// The session behind `token`, if it exists and has not expired.
    pub async fn session(&self, token: &str) -> Result<Option<SessionInfo>> {
        let row = sqlx::query("select user_id, csrf, expires_at from sessions where token_hash = $1 and expires_at > $2")
            .bind(sha256_hex(token.as_bytes()))
            .bind(now())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok(SessionInfo { user_id: int(&r, "user_id")?, csrf: r.try_get("csrf")?, expires_at: int(&r, "expires_at")? }))
            .transpose()
    }

    pub async fn delete_session(&self, token: &str) -> Result<()> {
        sqlx::query("delete from sessions where token_hash = $1").bind(sha256_hex(token.as_bytes())).execute(&self.pool).await?;
        Ok(())
    }

    /// Records a failed login under `key` (a phone number or an address).
    pub async fn record_login_failure(&self, key: &str) -> Result<()> {
        sqlx::query("insert into login_failures (key, at) values ($1, $2)").bind(key.to_owned()).bind(now()).execute(&self.pool).await?;
        Ok(())
    }

    /// Failed logins under `key` in the last `window_secs`.
    pub async fn login_failures(&self, key: &str, window_secs: i64) -> Result<i64> {
        let row = sqlx::query("select count(*) as n from login_failures where key = $1 and at > $2")
            .bind(key.to_owned())
            .bind(now() - window_secs)
            .fetch_one(&self.pool)
            .await?;
        int(&row, "n")
    }

    /// Forgets the failures under `key` after a successful login.
    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        sqlx::query("delete from login_failures where key = $1").bind(key.to_owned()).execute(&self.pool).await?;
        Ok(())
    }

    /// Removes expired sessions and old failure records.
    pub async fn prune_sessions(&self) -> Result<u64> {
        let sessions = sqlx::query("delete from sessions where expires_at <= $1").bind(now()).execute(&self.pool).await?;
        sqlx::query("delete from login_failures where at < $1").bind(now() - 86_400).execute(&self.pool).await?;
        Ok(sessions.rows_affected())
    }
}
