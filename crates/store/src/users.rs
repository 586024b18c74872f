//! Accounts: farmers, helpers, curators and admins.

use crate::{Result, Store, StoreError, int, now};
use nongsan_domain::account::{Role, SellerKind};
use sqlx::Row;
use sqlx::any::AnyRow;

/// An account as stored. Farmers created by a helper may have no phone and no password.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub role: Role,
    pub phone: Option<String>,
    pub password_hash: Option<String>,
    pub profile: Profile,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

/// What a person can change about themselves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub name: String,
    /// Current commune key (since the 2025 reform).
    pub commune: Option<String>,
    /// Legacy commune key (before 1 July 2025).
    pub legacy_commune: Option<String>,
    pub village: String,
    pub seller_kind: SellerKind,
    /// Crop keys the farmer grows.
    pub crops: Vec<String>,
    /// Certification keys the farmer holds.
    pub certifications: Vec<String>,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub role: Role,
    pub phone: Option<String>,
    pub password_hash: Option<String>,
    pub profile: Profile,
    pub created_by: Option<i64>,
}

const COLUMNS: &str =
    "id, role, phone, password_hash, name, commune, legacy_commune, village, seller_kind, crops, certifications, created_by, created_at";

fn split(list: &str) -> Vec<String> {
    list.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn user_from_row(row: &AnyRow) -> Result<User> {
    let role: String = row.try_get("role")?;
    let kind: String = row.try_get("seller_kind")?;
    let crops: String = row.try_get("crops")?;
    let certifications: String = row.try_get("certifications")?;
    Ok(User {
        id: int(row, "id")?,
        role: Role::parse(&role).unwrap_or(Role::Farmer),
        phone: row.try_get("phone")?,
        password_hash: row.try_get("password_hash")?,
        profile: Profile {
            name: row.try_get("name")?,
            commune: row.try_get("commune")?,
            legacy_commune: row.try_get("legacy_commune")?,
            village: row.try_get("village")?,
            seller_kind: SellerKind::parse(&kind).unwrap_or_default(),
            crops: split(&crops),
            certifications: split(&certifications),
        },
        created_by: row.try_get("created_by")?,
        created_at: int(row, "created_at")?,
    })
}

impl Store {
    /// Creates an account; a phone number already in use is a [`StoreError::Conflict`] on `phone`.
    pub async fn create_user(&self, new: &NewUser) -> Result<User> {
        let p = &new.profile;
        let row = sqlx::query(&format!(
            "insert into users (role, phone, password_hash, name, commune, legacy_commune, village, seller_kind, crops, certifications, created_by, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             returning {COLUMNS}"
        ))
        .bind(new.role.as_str())
        .bind(new.phone.clone())
        .bind(new.password_hash.clone())
        .bind(p.name.clone())
        .bind(p.commune.clone())
        .bind(p.legacy_commune.clone())
        .bind(p.village.clone())
        .bind(p.seller_kind.as_str())
        .bind(p.crops.join(","))
        .bind(p.certifications.join(","))
        .bind(new.created_by)
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| StoreError::on_unique(e, "phone"))?;
        user_from_row(&row)
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        let row = sqlx::query(&format!("select {COLUMNS} from users where id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    pub async fn user_by_phone(&self, phone: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!("select {COLUMNS} from users where phone = $1")).bind(phone).fetch_optional(&self.pool).await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Updates a profile and what the catalogue shows of it on the farmer's listings.
    pub async fn update_profile(&self, user_id: i64, profile: &Profile) -> Result<User> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "update users set name = $1, commune = $2, legacy_commune = $3, village = $4, seller_kind = $5, crops = $6, certifications = $7
             where id = $8 returning {COLUMNS}"
        ))
        .bind(profile.name.clone())
        .bind(profile.commune.clone())
        .bind(profile.legacy_commune.clone())
        .bind(profile.village.clone())
        .bind(profile.seller_kind.as_str())
        .bind(profile.crops.join(","))
        .bind(profile.certifications.join(","))
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let user = user_from_row(&row)?;
        sqlx::query("update listings set commune = $1, legacy_commune = $2 where farmer_id = $3")
            .bind(profile.commune.clone())
            .bind(profile.legacy_commune.clone())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        self.refresh_search_text(&mut tx, user_id).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Sets a new phone number (when given) and password hash (when given).
    pub async fn set_login(&self, user_id: i64, phone: Option<&str>, password_hash: Option<&str>) -> Result<()> {
        sqlx::query("update users set phone = coalesce($1, phone), password_hash = coalesce($2, password_hash) where id = $3")
            .bind(phone.map(str::to_owned))
            .bind(password_hash.map(str::to_owned))
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(|e| StoreError::on_unique(e, "phone"))?;
        Ok(())
    }

    /// The communes a helper works in.
    pub async fn helper_communes(&self, user_id: i64) -> Result<Vec<String>> {
        let rows = sqlx::query("select commune from helper_communes where user_id = $1 order by commune")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get::<String, _>("commune")?)).collect()
    }

    pub async fn set_helper_communes(&self, user_id: i64, communes: &[String]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("delete from helper_communes where user_id = $1").bind(user_id).execute(&mut *tx).await?;
        for commune in communes {
            sqlx::query("insert into helper_communes (user_id, commune) values ($1, $2)")
                .bind(user_id)
                .bind(commune.clone())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Farmers whose current commune is one of `communes`, by name.
    pub async fn farmers_in(&self, communes: &[String]) -> Result<Vec<User>> {
        let mut users = Vec::new();
        for commune in communes {
            let rows = sqlx::query(&format!("select {COLUMNS} from users where role = 'farmer' and commune = $1 order by name, id"))
                .bind(commune.clone())
                .fetch_all(&self.pool)
                .await?;
            for row in &rows {
                users.push(user_from_row(row)?);
            }
        }
        users.sort_by(|a, b| a.profile.name.cmp(&b.profile.name));
        Ok(users)
    }

    /// Counts accounts with `role`; the CLI and the demo seed use it.
    pub async fn count_users(&self, role: Role) -> Result<i64> {
        let row = sqlx::query("select count(*) as n from users where role = $1").bind(role.as_str()).fetch_one(&self.pool).await?;
        int(&row, "n")
    }
}
