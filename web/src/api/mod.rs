//! The JSON API under `/api/v1`: the forms' twin, for integrations and tests.
//!
//! Authenticated by the session cookie (writes then need the `X-CSRF-Token` header) or by a
//! bearer token from `POST /api/v1/session`. Errors are `{"error": {"code", "message",
//! "fields"}}` in the language `Accept-Language` asks for.

mod account;
mod catalogue;
mod listings;

use crate::error::AppError;
use crate::state::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/farmers", post(account::register))
        .route("/session", post(account::login).delete(account::logout))
        .route("/me", get(account::me))
        .route("/reference", get(catalogue::reference_data))
        .route("/catalogue", get(catalogue::search))
        .route("/catalogue/suggest", get(catalogue::suggest))
        .route("/listings", get(listings::list).post(listings::create))
        .route("/listings/{id}", get(listings::get).patch(listings::update))
        .route("/listings/{id}/status", post(listings::status))
        .route("/listings/{id}/photos", post(listings::add_photo))
        .route("/listings/{id}/photos/{photo_id}", delete(listings::delete_photo))
        .route("/listings/{id}/review", post(listings::review))
        .route("/listings/{id}/changes", get(listings::changes))
        .route("/review-queue", get(listings::review_queue))
}

/// The OpenAPI document describing this API.
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// A JSON body that must be an object.
fn object(body: Value) -> Result<serde_json::Map<String, Value>, AppError> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(AppError::BadRequest("err.body.object")),
    }
}

/// A JSON value as form text: strings as they are, numbers written out, null as empty.
/// Anything else cannot be a form value.
fn text(value: Option<&Value>) -> Result<String, ()> {
    match value {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(()),
    }
}

/// A field of a JSON object as form text; a value of the wrong type is a field error.
fn field(map: &serde_json::Map<String, Value>, name: &'static str, errors: &mut nongsan_domain::FieldErrors) -> String {
    text(map.get(name)).unwrap_or_else(|()| {
        errors.add(name, "err.type");
        String::new()
    })
}
