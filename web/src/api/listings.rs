//! Listings over JSON: create, read, edit, lifecycle actions, photos, review, change log.

use super::{field, object};
use crate::actions::{self, Decision, OwnerAction};
use crate::auth::{Ctx, require_reviewer};
use crate::error::AppError;
use crate::pages::channels;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use nongsan_domain::FieldErrors;
use nongsan_domain::account::Role;
use nongsan_domain::listing::{RawCertification, RawListing, format_date};
use nongsan_store::{Listing, Photo, ReviewFilter};
use serde_json::{Map, Value, json};

/// A listing as the API writes it, serialized directly (the catalogue writes many of them).
#[derive(serde::Serialize)]
pub struct ListingOut<'a> {
    pub id: i64,
    pub farmer_id: i64,
    pub farmer_name: &'a str,
    pub status: nongsan_domain::listing::Status,
    pub crop: &'a str,
    pub variety: &'a str,
    pub form: &'a str,
    pub grade: Option<&'a str>,
    pub title: &'a str,
    pub description: &'a str,
    pub quantity_kg: f64,
    pub price_vnd_per_kg: i64,
    pub price_set_on: String,
    pub available_from: String,
    pub available_until: String,
    pub certifications: Vec<CertificationOut<'a>>,
    pub commune: Option<&'a str>,
    pub legacy_commune: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<&'a str>,
    pub created_at: i64,
    pub updated_at: i64,
    pub url: String,
}

#[derive(serde::Serialize)]
pub struct CertificationOut<'a> {
    pub code: &'a str,
    pub stars: Option<u8>,
    pub valid_until: Option<String>,
}

impl<'a> ListingOut<'a> {
    pub fn new(l: &'a Listing) -> ListingOut<'a> {
        let f = &l.fields;
        ListingOut {
            id: l.id,
            farmer_id: l.farmer_id,
            farmer_name: &l.farmer_name,
            status: l.status,
            crop: &f.crop,
            variety: &f.variety,
            form: &f.form,
            grade: f.grade.as_deref(),
            title: &f.title,
            description: &f.description,
            quantity_kg: f.quantity_kg,
            price_vnd_per_kg: f.price_vnd_per_kg,
            price_set_on: format_date(l.price_set_on),
            available_from: format_date(f.available_from),
            available_until: format_date(f.available_until),
            certifications: f
                .certifications
                .iter()
                .map(|c| CertificationOut { code: &c.code, stars: c.stars, valid_until: c.valid_until.map(format_date) })
                .collect(),
            commune: l.commune.as_deref(),
            legacy_commune: l.legacy_commune.as_deref(),
            rejection_reason: l.rejection_reason.as_deref(),
            created_at: l.created_at,
            updated_at: l.updated_at,
            url: format!("/listings/{}", l.id),
        }
    }
}

pub fn listing_json(l: &Listing) -> Value {
    serde_json::to_value(ListingOut::new(l)).unwrap_or_default()
}

pub fn photo_json(p: &Photo) -> Value {
    json!({
        "id": p.id,
        "width": p.width,
        "height": p.height,
        "bytes": p.bytes,
        "urls": { "thumb": actions::photo_url(&p.hash, "thumb"), "medium": actions::photo_url(&p.hash, "medium"), "large": actions::photo_url(&p.hash, "large") },
    })
}

/// Fills `raw` from the JSON fields present; absent fields keep their value (for PATCH).
fn merge(raw: &mut RawListing, map: &Map<String, Value>, errors: &mut FieldErrors) {
    let mut set = |name: &'static str, target: &mut String| {
        if map.contains_key(name) {
            *target = field(map, name, errors);
        }
    };
    set("crop", &mut raw.crop);
    set("variety", &mut raw.variety);
    set("form", &mut raw.form);
    set("grade", &mut raw.grade);
    set("title", &mut raw.title);
    set("description", &mut raw.description);
    set("price_vnd_per_kg", &mut raw.price_vnd_per_kg);
    set("available_from", &mut raw.available_from);
    set("available_until", &mut raw.available_until);
    if map.contains_key("quantity_kg") {
        raw.quantity = field(map, "quantity_kg", errors);
        raw.unit = "kg".into();
    } else if map.contains_key("quantity") {
        raw.quantity = field(map, "quantity", errors);
        raw.unit = if map.contains_key("unit") { field(map, "unit", errors) } else { "kg".into() };
    }
    match map.get("certifications") {
        None => {}
        Some(Value::Null) => raw.certifications.clear(),
        Some(Value::Array(items)) => {
            raw.certifications = items
                .iter()
                .filter_map(|item| match item {
                    Value::String(code) => Some(RawCertification { code: code.clone(), ..Default::default() }),
                    Value::Object(o) => {
                        let mut e = FieldErrors::default();
                        let cert = RawCertification {
                            code: field(o, "code", &mut e),
                            stars: Some(field(o, "stars", &mut e)).filter(|s| !s.is_empty()),
                            valid_until: Some(field(o, "valid_until", &mut e)).filter(|s| !s.is_empty()),
                        };
                        if !e.is_empty() {
                            errors.add("certifications", "err.type");
                        }
                        Some(cert)
                    }
                    _ => {
                        errors.add("certifications", "err.type");
                        None
                    }
                })
                .collect();
        }
        Some(_) => errors.add("certifications", "err.type"),
    }
}

/// Names errors after the fields the client sent: `quantity_kg` rather than the form's
/// `quantity` when the body used it.
fn api_names(err: AppError, map: &Map<String, Value>) -> AppError {
    match err {
        AppError::Invalid(mut errors) if map.contains_key("quantity_kg") => {
            for e in &mut errors.0 {
                if e.field == "quantity" {
                    e.field = "quantity_kg";
                }
            }
            AppError::Invalid(errors)
        }
        other => other,
    }
}

/// Joins type errors found while reading JSON with the validation errors of the values.
fn invalid(mut errors: FieldErrors, more: FieldErrors) -> AppError {
    for e in more.0 {
        errors.add(e.field, e.key);
    }
    AppError::Invalid(errors)
}

pub async fn create(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, Json(body): Json<Value>) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let map = object(body)?;
    let mut errors = FieldErrors::default();
    let mut raw = RawListing { unit: "kg".into(), ..RawListing::default() };
    merge(&mut raw, &map, &mut errors);
    let farmer_id = match map.get("farmer_id") {
        None | Some(Value::Null) if viewer.role() == Role::Farmer => viewer.id(),
        None | Some(Value::Null) => return Err(AppError::invalid("farmer_id", "err.required")),
        Some(v) => v.as_i64().ok_or(AppError::invalid("farmer_id", "err.type"))?,
    };
    let draft = match map.get("draft") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(AppError::invalid("draft", "err.type")),
    };
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    if !errors.is_empty() {
        return Err(api_names(invalid(errors, raw.validate(actions::today()).err().unwrap_or_default()), &map));
    }
    let (listing, created) = actions::create_listing(&state, viewer, farmer_id, &raw, !draft, key).await.map_err(|e| api_names(e, &map))?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(listing_json(&listing))).into_response())
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    farmer_id: Option<String>,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> Result<Json<Value>, AppError> {
    let viewer = ctx.require()?;
    let farmer_id = match q.farmer_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => viewer.id(),
        Some(s) => s.parse().map_err(|_| AppError::invalid("farmer_id", "err.type"))?,
    };
    let farmer = actions::farmer_for(&state, viewer, farmer_id).await?;
    let listings = state.store.listings_of(farmer.id).await?;
    Ok(Json(json!({ "listings": listings.iter().map(listing_json).collect::<Vec<_>>() })))
}

pub async fn get(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<Value>, AppError> {
    let listing = actions::visible_listing(&state, ctx.viewer.as_ref(), id).await?;
    let photos = state.store.photos_of(id).await?;
    let mut body = listing_json(&listing);
    body["photos"] = Value::Array(photos.iter().map(photo_json).collect());
    Ok(Json(body))
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, AppError> {
    let viewer = ctx.require()?;
    let map = object(body)?;
    let listing = actions::visible_listing(&state, Some(viewer), id).await?;
    let mut raw = listing.fields.to_raw();
    let mut errors = FieldErrors::default();
    merge(&mut raw, &map, &mut errors);
    let reason = field(&map, "reason", &mut errors);
    if !errors.is_empty() {
        return Err(api_names(invalid(errors, raw.validate(actions::today()).err().unwrap_or_default()), &map));
    }
    let updated = actions::edit_listing(&state, viewer, id, &raw, Some(&reason)).await.map_err(|e| api_names(e, &map))?;
    Ok(Json(listing_json(&updated)))
}

pub async fn status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, AppError> {
    let viewer = ctx.require()?;
    let map = object(body)?;
    let action: OwnerAction =
        map.get("action").cloned().and_then(|v| serde_json::from_value(v).ok()).ok_or(AppError::invalid("action", "err.action.unknown"))?;
    let listing = actions::owner_action(&state, viewer, id, action).await?;
    Ok(Json(listing_json(&listing)))
}

pub async fn add_photo(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    actions::own_listing(&state, viewer, id).await?;
    let mut bytes = None;
    while let Some(part) = multipart.next_field().await? {
        if part.name() == Some("photo") && bytes.is_none() {
            bytes = Some(part.bytes().await?.to_vec());
        }
    }
    let bytes = bytes.ok_or(AppError::invalid("photo", "err.required"))?;
    let (photo, created) = actions::add_photo(&state, viewer, id, bytes).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(photo_json(&photo))).into_response())
}

pub async fn delete_photo(State(state): State<AppState>, ctx: Ctx, Path((id, photo_id)): Path<(i64, i64)>) -> Result<StatusCode, AppError> {
    let viewer = ctx.require()?;
    actions::delete_photo(&state, viewer, id, photo_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, AppError> {
    let viewer = ctx.require()?;
    require_reviewer(viewer)?;
    let map = object(body)?;
    let decision: Decision = map
        .get("decision")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .ok_or(AppError::invalid("decision", "err.decision.unknown"))?;
    let mut errors = FieldErrors::default();
    let reason = field(&map, "reason", &mut errors);
    let channels = match map.get("channels") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let chosen: Vec<String> =
                items.iter().filter_map(Value::as_str).filter(|c| channels::is_channel(c)).map(str::to_owned).collect();
            if chosen.len() != items.len() {
                errors.add("channels", "err.channel.unknown");
            }
            Some(chosen)
        }
        Some(_) => {
            errors.add("channels", "err.channel.unknown");
            None
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let listing = actions::review(&state, viewer, id, decision, &reason).await?;
    if decision == Decision::Approve {
        // Without a choice, the listing goes where its crop goes by default, as the page pre-ticks.
        let chosen = match channels {
            Some(chosen) => chosen,
            None => channels::channel_choice(&state, listing.farmer_id, &listing.fields.crop).await?.1,
        };
        state.store.route_listing(id, &chosen).await?;
    }
    Ok(Json(listing_json(&listing)))
}

pub async fn changes(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<Value>, AppError> {
    let viewer = ctx.require()?;
    let listing = actions::visible_listing(&state, Some(viewer), id).await?;
    let farmer = state.store.user(listing.farmer_id).await?;
    if !crate::auth::can_see_private(viewer, &farmer) {
        return Err(AppError::NotFound);
    }
    let changes = state.store.changes(id).await?;
    Ok(Json(json!({
        "changes": changes.iter().map(|c| json!({
            "at": c.at, "actor_id": c.actor_id, "actor_name": c.actor_name, "field": c.field,
            "old": c.old_value, "new": c.new_value, "reason": c.reason,
        })).collect::<Vec<_>>()
    })))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct QueueQuery {
    crop: String,
    commune: String,
}

pub async fn review_queue(State(state): State<AppState>, ctx: Ctx, Query(q): Query<QueueQuery>) -> Result<Json<Value>, AppError> {
    let viewer = ctx.require()?;
    require_reviewer(viewer)?;
    let filter = ReviewFilter { crop: Some(q.crop).filter(|s| !s.is_empty()), commune: Some(q.commune).filter(|s| !s.is_empty()) };
    let listings = state.store.review_queue(&filter).await?;
    Ok(Json(json!({ "listings": listings.iter().map(listing_json).collect::<Vec<_>>() })))
}
