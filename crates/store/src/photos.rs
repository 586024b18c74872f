//! Which photos belong to which listing; the files themselves live in the media store.

use crate::{Result, Store, StoreError, int, now};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A photo attached to a listing, named by the content hash of its original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub id: i64,
    pub listing_id: i64,
    pub hash: String,
    pub width: i64,
    pub height: i64,
    pub bytes: i64,
}

fn photo_from_row(row: &AnyRow) -> Result<Photo> {
    Ok(Photo {
        id: int(row, "id")?,
        listing_id: int(row, "listing_id")?,
        hash: row.try_get("hash")?,
        width: int(row, "width")?,
        height: int(row, "height")?,
        bytes: int(row, "bytes")?,
    })
}

/// A listing holds at most this many photos.
pub const MAX_PHOTOS_PER_LISTING: i64 = 6;

impl Store {
    /// Attaches a stored file to a listing. The same file twice on one listing is one photo.
    /// Refuses a seventh photo with [`StoreError::Conflict`] on `photo`.
    pub async fn add_photo(&self, listing_id: i64, hash: &str, width: u32, height: u32, bytes: u64) -> Result<(Photo, bool)> {
        let mut tx = self.pool.begin().await?;
        if let Some(row) = sqlx::query("select id, listing_id, hash, width, height, bytes from photos where listing_id = $1 and hash = $2")
            .bind(listing_id)
            .bind(hash.to_owned())
            .fetch_optional(&mut *tx)
            .await?
        {
            return Ok((photo_from_row(&row)?, false));
        }
        let count =
            int(&sqlx::query("select count(*) as n from photos where listing_id = $1").bind(listing_id).fetch_one(&mut *tx).await?, "n")?;
        if count >= MAX_PHOTOS_PER_LISTING {
            return Err(StoreError::Conflict("photo"));
        }
        let row = sqlx::query(
            "insert into photos (listing_id, hash, width, height, bytes, created_at) values ($1, $2, $3, $4, $5, $6)
             returning id, listing_id, hash, width, height, bytes",
        )
        .bind(listing_id)
        .bind(hash.to_owned())
        .bind(i64::from(width))
        .bind(i64::from(height))
        .bind(bytes as i64)
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::on_unique(e, "photo"))?;
        // The first photo is the catalogue card's picture.
        crate::listings::enqueue_search(&mut tx, listing_id).await?;
        tx.commit().await?;
        Ok((photo_from_row(&row)?, true))
    }

    pub async fn photos_of(&self, listing_id: i64) -> Result<Vec<Photo>> {
        let rows = sqlx::query("select id, listing_id, hash, width, height, bytes from photos where listing_id = $1 order by id")
            .bind(listing_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(photo_from_row).collect()
    }

    /// Detaches a photo; returns its hash when no other photo row uses the same file, so the
    /// caller can delete the file.
    pub async fn delete_photo(&self, listing_id: i64, photo_id: i64) -> Result<Option<String>> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("delete from photos where id = $1 and listing_id = $2 returning hash")
            .bind(photo_id)
            .bind(listing_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let hash: String = row.try_get("hash")?;
        let others =
            int(&sqlx::query("select count(*) as n from photos where hash = $1").bind(hash.clone()).fetch_one(&mut *tx).await?, "n")?;
        crate::listings::enqueue_search(&mut tx, listing_id).await?;
        tx.commit().await?;
        Ok((others == 0).then_some(hash))
    }
}
