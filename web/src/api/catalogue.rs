//! The public catalogue and the reference data its filters use.

use super::listings::ListingOut;
use crate::actions;
use crate::error::AppError;
use crate::params::CatalogueParams;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use nongsan_domain::reference::reference;
use serde_json::{Value, json};

#[derive(serde::Serialize)]
struct HitOut<'a> {
    #[serde(flatten)]
    listing: ListingOut<'a>,
    thumb: Option<String>,
    highlight: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct PageOut<'a> {
    hits: Vec<HitOut<'a>>,
    total: u64,
    page: u32,
    per_page: u32,
    facets: &'a nongsan_store::Facets,
    degraded: bool,
}

pub async fn search(State(state): State<AppState>, Query(params): Query<CatalogueParams>) -> Result<Response, AppError> {
    let query = params.to_query().map_err(AppError::Invalid)?;
    let result = state.catalogue.search(&query, actions::today()).await?;
    let hits = result
        .hits
        .iter()
        .map(|h| {
            let mut listing = ListingOut::new(&h.listing);
            // Buyers do not see review notes.
            listing.rejection_reason = None;
            HitOut {
                listing,
                thumb: h.listing.cover_hash.as_deref().map(|c| actions::photo_url(c, "thumb")),
                highlight: h.highlight.as_deref(),
            }
        })
        .collect();
    let page = PageOut {
        hits,
        total: result.total,
        page: query.page,
        per_page: query.per_page,
        facets: &result.facets,
        degraded: result.degraded,
    };
    Ok(Json(page).into_response())
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SuggestParams {
    q: String,
}

/// Completions for search-as-you-type: words of the catalogue, then matching titles.
pub async fn suggest(State(state): State<AppState>, Query(params): Query<SuggestParams>) -> Result<Json<Value>, AppError> {
    if params.q.chars().count() > 200 {
        return Err(AppError::invalid("q", "err.query.too_long"));
    }
    let suggestions = state.catalogue.suggest(&params.q, actions::today()).await?;
    Ok(Json(json!({ "suggestions": suggestions })))
}

pub async fn reference_data() -> Json<Value> {
    let data = reference();
    let choice = |c: &nongsan_domain::reference::Choice| json!({ "key": c.key, "name_vi": c.name_vi, "name_en": c.name_en });
    Json(json!({
        "crops": data.crops.iter().map(|c| json!({
            "key": c.key, "name_vi": c.name_vi, "name_en": c.name_en, "synonyms": c.synonyms,
            "varieties": c.varieties.iter().map(choice).collect::<Vec<_>>(),
            "forms": c.forms.iter().map(choice).collect::<Vec<_>>(),
            "grades": c.grades.iter().map(choice).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "communes": data.places.current.iter().map(|c| json!({ "key": c.key, "name": c.name })).collect::<Vec<_>>(),
        "legacy_communes": data.places.legacy.iter().map(|c| json!({ "key": c.key, "name": c.name, "kind": c.kind, "code": c.code, "current": c.current })).collect::<Vec<_>>(),
        "certifications": data.certifications.iter().map(|c| json!({ "key": c.key, "name_vi": c.name_vi, "name_en": c.name_en, "stars": c.stars, "valid_months": c.valid_months })).collect::<Vec<_>>(),
        "units": { "kg": 1, "yen": 10, "ta": 100, "tan": 1000 },
    }))
}
