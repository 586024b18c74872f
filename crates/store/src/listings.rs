//! Listings, their lifecycle transitions and the change log every change leaves behind.

use crate::catalogue::search_text;
use crate::{Result, Store, StoreError, int, now};
use nongsan_domain::listing::{CertificationClaim, Event, ListingFields, Status, format_date, parse_date};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::Date;

/// A stored listing with what the pages around it need. Serialized, it is the card a search
/// index keeps for each hit.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Listing {
    pub id: i64,
    pub farmer_id: i64,
    pub farmer_name: String,
    pub status: Status,
    pub fields: ListingFields,
    /// The day the current price was set: farm-gate prices move fast.
    pub price_set_on: Date,
    pub commune: Option<String>,
    pub legacy_commune: Option<String>,
    pub rejection_reason: Option<String>,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
    /// The content hash of the first photo, for cards.
    pub cover_hash: Option<String>,
}

/// A listing to create.
#[derive(Debug, Clone)]
pub struct NewListing {
    pub farmer_id: i64,
    /// Who typed it: the farmer or a helper.
    pub actor_id: i64,
    pub fields: ListingFields,
    /// Send for review at once (otherwise it stays a draft).
    pub submit: bool,
    /// The same key twice (a double tap on a slow link) creates one listing.
    pub submission_key: Option<String>,
}

/// One entry of a listing's change log.
#[derive(Debug, Clone)]
pub struct Change {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub at: i64,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
}

/// Narrows the review queue.
#[derive(Debug, Clone, Default)]
pub struct ReviewFilter {
    pub crop: Option<String>,
    pub commune: Option<String>,
}

pub(crate) const LISTING_COLUMNS: &str =
    "l.id, l.farmer_id, u.name as farmer_name, l.status, l.crop, l.variety, l.form, l.grade, l.title, l.description,
    l.quantity_kg, l.price_vnd_per_kg, l.price_set_on, l.available_from, l.available_until, l.certifications, l.commune, l.legacy_commune,
    l.rejection_reason, l.created_by, l.created_at, l.updated_at, l.submitted_at,
    (select p.hash from photos p where p.listing_id = l.id order by p.id limit 1) as cover_hash";

fn date(row: &AnyRow, col: &str) -> Result<Date> {
    let text: String = row.try_get(col)?;
    parse_date(&text).ok_or_else(|| StoreError::Db(sqlx::Error::Decode(format!("bad date in {col}: {text}").into())))
}

pub(crate) fn listing_from_row(row: &AnyRow) -> Result<Listing> {
    let status: String = row.try_get("status")?;
    let certifications: String = row.try_get("certifications")?;
    let certifications: Vec<CertificationClaim> = serde_json::from_str(&certifications).unwrap_or_default();
    Ok(Listing {
        id: int(row, "id")?,
        farmer_id: int(row, "farmer_id")?,
        farmer_name: row.try_get("farmer_name")?,
        status: Status::parse(&status).unwrap_or(Status::Draft),
        fields: ListingFields {
            crop: row.try_get("crop")?,
            variety: row.try_get("variety")?,
            form: row.try_get("form")?,
            grade: row.try_get("grade")?,
            title: row.try_get("title")?,
            description: row.try_get("description")?,
            quantity_kg: row.try_get("quantity_kg")?,
            price_vnd_per_kg: int(row, "price_vnd_per_kg")?,
            available_from: date(row, "available_from")?,
            available_until: date(row, "available_until")?,
            certifications,
        },
        price_set_on: date(row, "price_set_on")?,
        commune: row.try_get("commune")?,
        legacy_commune: row.try_get("legacy_commune")?,
        rejection_reason: row.try_get("rejection_reason")?,
        created_by: int(row, "created_by")?,
        created_at: int(row, "created_at")?,
        updated_at: int(row, "updated_at")?,
        submitted_at: row.try_get("submitted_at")?,
        cover_hash: row.try_get("cover_hash")?,
    })
}

fn codes(fields: &ListingFields) -> String {
    let mut s = String::from(",");
    for c in &fields.certifications {
        s.push_str(&c.code);
        s.push(',');
    }
    s
}

fn today() -> Date {
    nongsan_domain::local_date(now())
}

impl Store {
    /// Creates a listing, or returns the one already created with the same submission key.
    /// The boolean says whether this call created it.
    pub async fn create_listing(&self, new: &NewListing) -> Result<(Listing, bool)> {
        let farmer = self.user(new.farmer_id).await?;
        let status = if new.submit { Status::Draft.apply(Event::Submit)? } else { Status::Draft };
        let f = &new.fields;
        let at = now();
        let mut tx = self.pool.begin().await?;
        let row = insert_row(&mut tx, new, &farmer, status, at, new.submit.then_some(at)).await?;
        let Some(id) = row else {
            tx.rollback().await?;
            let row = sqlx::query("select id from listings where farmer_id = $1 and submission_key = $2")
                .bind(new.farmer_id)
                .bind(new.submission_key.clone())
                .fetch_one(&self.pool)
                .await?;
            return Ok((self.listing(int(&row, "id")?).await?, false));
        };
        log_change(&mut tx, id, Some(new.actor_id), "status", None, Some(status.as_str()), None).await?;
        write_certifications(&mut tx, id, &f.certifications).await?;
        enqueue_search(&mut tx, id).await?;
        crate::channel_listings::enqueue_pushes(&mut tx, id).await?;
        tx.commit().await?;
        Ok((self.listing(id).await?, true))
    }

    pub async fn listing(&self, id: i64) -> Result<Listing> {
        let row = sqlx::query(&format!("select {LISTING_COLUMNS} from listings l join users u on u.id = l.farmer_id where l.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        listing_from_row(&row)
    }

    /// A farmer's listings, newest first, archived ones last.
    pub async fn listings_of(&self, farmer_id: i64) -> Result<Vec<Listing>> {
        let rows = sqlx::query(&format!(
            "select {LISTING_COLUMNS} from listings l join users u on u.id = l.farmer_id
             where l.farmer_id = $1 order by case when l.status = 'archived' then 1 else 0 end, l.updated_at desc, l.id desc"
        ))
        .bind(farmer_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(listing_from_row).collect()
    }

    /// Listings waiting for review, oldest submission first.
    pub async fn review_queue(&self, filter: &ReviewFilter) -> Result<Vec<Listing>> {
        let rows = sqlx::query(&format!(
            "select {LISTING_COLUMNS} from listings l join users u on u.id = l.farmer_id
             where l.status = 'pending_review' and ($1 is null or l.crop = $1) and ($2 is null or l.commune = $2 or l.legacy_commune = $2)
             order by l.submitted_at, l.id"
        ))
        .bind(filter.crop.clone())
        .bind(filter.commune.clone())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(listing_from_row).collect()
    }

    /// Replaces a listing's fields as `actor_id`, moving it through the lifecycle as the edit
    /// requires, and logs every changed field with `reason`. A reviewer's edit is itself a
    /// review, so it keeps the listing where it is.
    pub async fn update_listing(
        &self,
        id: i64,
        actor_id: i64,
        after: &ListingFields,
        reason: Option<&str>,
        by_reviewer: bool,
    ) -> Result<Listing> {
        let before = self.listing(id).await?;
        if !before.status.is_editable() {
            return Err(Event::EditContent.illegal_from(before.status).into());
        }
        let mut status = before.status;
        for event in before.fields.edit_events(after, status) {
            if by_reviewer && event == Event::EditContent {
                continue;
            }
            status = status.apply(event)?;
        }
        let changes = before.fields.diff(after);
        if changes.is_empty() {
            return Ok(before);
        }
        let at = now();
        let price_set_on = if before.fields.price_vnd_per_kg != after.price_vnd_per_kg { today() } else { before.price_set_on };
        let farmer = self.user(before.farmer_id).await?;
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "update listings set status = $1, crop = $2, variety = $3, form = $4, grade = $5, title = $6, description = $7, quantity_kg = $8,
                price_vnd_per_kg = $9, price_set_on = $10, available_from = $11, available_until = $12, certifications = $13,
                certification_codes = $14, search_text = $15, updated_at = $16,
                submitted_at = case when $17 = 1 then $16 else submitted_at end
             where id = $18 and status = $19 and updated_at = $20",
        )
        .bind(status.as_str())
        .bind(after.crop.clone())
        .bind(after.variety.clone())
        .bind(after.form.clone())
        .bind(after.grade.clone())
        .bind(after.title.clone())
        .bind(after.description.clone())
        .bind(after.quantity_kg)
        .bind(after.price_vnd_per_kg)
        .bind(format_date(price_set_on))
        .bind(format_date(after.available_from))
        .bind(format_date(after.available_until))
        .bind(serde_json::to_string(&after.certifications).unwrap_or_else(|_| "[]".into()))
        .bind(codes(after))
        .bind(search_text(after, &farmer.profile.name, farmer.profile.commune.as_deref(), farmer.profile.legacy_commune.as_deref()))
        .bind(at)
        .bind(i64::from(status == Status::PendingReview && before.status != Status::PendingReview))
        .bind(id)
        .bind(before.status.as_str())
        .bind(before.updated_at)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Stale);
        }
        for change in &changes {
            log_change(&mut tx, id, Some(actor_id), change.field, Some(&change.old), Some(&change.new), reason).await?;
        }
        if status != before.status {
            log_change(&mut tx, id, Some(actor_id), "status", Some(before.status.as_str()), Some(status.as_str()), None).await?;
        }
        write_certifications(&mut tx, id, &after.certifications).await?;
        enqueue_search(&mut tx, id).await?;
        crate::channel_listings::enqueue_pushes(&mut tx, id).await?;
        tx.commit().await?;
        self.listing(id).await
    }

    /// Applies a lifecycle event as `actor_id` (`None` for the system), with an optional reason
    /// (required by the caller for rejections). An illegal event is an error.
    pub async fn transition(&self, id: i64, actor_id: Option<i64>, event: Event, reason: Option<&str>) -> Result<Listing> {
        let before = self.listing(id).await?;
        let status = before.status.apply(event)?;
        let at = now();
        let rejection = match event {
            Event::Reject => reason.map(str::to_owned),
            _ => None,
        };
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "update listings set status = $1, rejection_reason = $2, updated_at = $3,
                submitted_at = case when $4 = 1 then $3 else submitted_at end
             where id = $5 and status = $6",
        )
        .bind(status.as_str())
        .bind(rejection)
        .bind(at)
        .bind(i64::from(event == Event::Submit))
        .bind(id)
        .bind(before.status.as_str())
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Stale);
        }
        log_change(&mut tx, id, actor_id, "status", Some(before.status.as_str()), Some(status.as_str()), reason).await?;
        enqueue_search(&mut tx, id).await?;
        crate::channel_listings::enqueue_pushes(&mut tx, id).await?;
        tx.commit().await?;
        self.listing(id).await
    }

    /// Moves public, paused and sold-out listings whose window ended before `today` to expired.
    /// Returns the ids it moved; running it twice moves nothing the second time.
    pub async fn expire_listings(&self, today: Date) -> Result<Vec<i64>> {
        let rows =
            sqlx::query("select id from listings where status in ('approved', 'paused', 'sold_out') and available_until < $1 order by id")
                .bind(format_date(today))
                .fetch_all(&self.pool)
                .await?;
        let mut moved = Vec::new();
        for row in rows {
            let id = int(&row, "id")?;
            match self.transition(id, None, Event::Expire, None).await {
                Ok(_) => moved.push(id),
                // Someone changed it meanwhile; the next run looks again.
                Err(StoreError::Stale | StoreError::Illegal(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(moved)
    }

    /// A listing's change log, oldest first.
    pub async fn changes(&self, listing_id: i64) -> Result<Vec<Change>> {
        let rows = sqlx::query(
            "select c.id, c.actor_id, u.name as actor_name, c.at, c.field, c.old_value, c.new_value, c.reason
             from listing_changes c left join users u on u.id = c.actor_id where c.listing_id = $1 order by c.id",
        )
        .bind(listing_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Change {
                    id: int(r, "id")?,
                    actor_id: r.try_get("actor_id")?,
                    actor_name: r.try_get("actor_name")?,
                    at: int(r, "at")?,
                    field: r.try_get("field")?,
                    old_value: r.try_get("old_value")?,
                    new_value: r.try_get("new_value")?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect()
    }

    /// Rebuilds the search text of a farmer's listings after their name or commune changed.
    pub(crate) async fn refresh_search_text(&self, tx: &mut Transaction<'static, Any>, farmer_id: i64) -> Result<()> {
        let rows =
            sqlx::query(&format!("select {LISTING_COLUMNS} from listings l join users u on u.id = l.farmer_id where l.farmer_id = $1"))
                .bind(farmer_id)
                .fetch_all(&mut **tx)
                .await?;
        for row in &rows {
            let l = listing_from_row(row)?;
            sqlx::query("update listings set search_text = $1 where id = $2")
                .bind(search_text(&l.fields, &l.farmer_name, l.commune.as_deref(), l.legacy_commune.as_deref()))
                .bind(l.id)
                .execute(&mut **tx)
                .await?;
            enqueue_search(tx, l.id).await?;
        }
        Ok(())
    }
}

/// Inserts a listing row; `None` when its submission key was already used by the farmer.
async fn insert_row(
    tx: &mut Transaction<'_, Any>,
    new: &NewListing,
    farmer: &crate::User,
    status: Status,
    at: i64,
    submitted_at: Option<i64>,
) -> Result<Option<i64>> {
    let f = &new.fields;
    let p = &farmer.profile;
    let row = sqlx::query(
        "insert into listings (farmer_id, status, crop, variety, form, grade, title, description, quantity_kg, price_vnd_per_kg,
            price_set_on, available_from, available_until, certifications, certification_codes, commune, legacy_commune, search_text,
            submission_key, created_by, created_at, updated_at, submitted_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21, $22)
         on conflict (farmer_id, submission_key) do nothing
         returning id",
    )
    .bind(new.farmer_id)
    .bind(status.as_str())
    .bind(f.crop.clone())
    .bind(f.variety.clone())
    .bind(f.form.clone())
    .bind(f.grade.clone())
    .bind(f.title.clone())
    .bind(f.description.clone())
    .bind(f.quantity_kg)
    .bind(f.price_vnd_per_kg)
    .bind(format_date(today()))
    .bind(format_date(f.available_from))
    .bind(format_date(f.available_until))
    .bind(serde_json::to_string(&f.certifications).unwrap_or_else(|_| "[]".into()))
    .bind(codes(f))
    .bind(p.commune.clone())
    .bind(p.legacy_commune.clone())
    .bind(search_text(f, &p.name, p.commune.as_deref(), p.legacy_commune.as_deref()))
    .bind(new.submission_key.clone())
    .bind(new.actor_id)
    .bind(at)
    .bind(submitted_at)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| int(&r, "id")).transpose()
}

/// Replaces a listing's certification rows.
pub(crate) async fn write_certifications(tx: &mut Transaction<'_, Any>, listing_id: i64, claims: &[CertificationClaim]) -> Result<()> {
    sqlx::query("delete from listing_certifications where listing_id = $1").bind(listing_id).execute(&mut **tx).await?;
    for c in claims {
        sqlx::query("insert into listing_certifications (listing_id, code, stars, valid_until) values ($1, $2, $3, $4)")
            .bind(listing_id)
            .bind(c.code.clone())
            .bind(c.stars.map(i64::from))
            .bind(c.valid_until.map(format_date))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Queues a listing for the search index, in the caller's transaction: committed together with
/// the change, so a crash cannot lose it.
pub(crate) async fn enqueue_search(tx: &mut Transaction<'_, Any>, listing_id: i64) -> Result<()> {
    sqlx::query("insert into search_outbox (listing_id, enqueued_at) values ($1, $2)")
        .bind(listing_id)
        .bind(now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn log_change(
    tx: &mut Transaction<'static, Any>,
    listing_id: i64,
    actor_id: Option<i64>,
    field: &str,
    old: Option<&str>,
    new: Option<&str>,
    reason: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "insert into listing_changes (listing_id, actor_id, at, field, old_value, new_value, reason) values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(listing_id)
    .bind(actor_id)
    .bind(now())
    .bind(field.to_owned())
    .bind(old.map(str::to_owned))
    .bind(new.map(str::to_owned))
    .bind(reason.map(str::to_owned))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Imports listings already approved, in one transaction, without search outbox rows: for
    /// bulk loads (benchmarks, migrations from other systems). Run `nongsan reindex` after.
    pub async fn import_approved_listings(&self, listings: &[NewListing]) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
        let at = now();
        let mut farmers: std::collections::HashMap<i64, crate::User> = std::collections::HashMap::new();
        for new in listings {
            if let std::collections::hash_map::Entry::Vacant(slot) = farmers.entry(new.farmer_id) {
                slot.insert(self.user(new.farmer_id).await?);
            }
            let farmer = &farmers[&new.farmer_id];
            let id =
                insert_row(&mut tx, new, farmer, Status::Approved, at, Some(at)).await?.ok_or(StoreError::Conflict("submission_key"))?;
            write_certifications(&mut tx, id, &new.fields.certifications).await?;
        }
        tx.commit().await?;
        Ok(listings.len())
    }
}
