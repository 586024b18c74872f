//! The nongsan web application: server-rendered pages that work without JavaScript, a JSON
//! API under `/api/v1`, and the message catalogues everything a person reads comes from.
//!
//! [`router`] builds the whole application from an [`AppState`]; `nongsan serve` and the tests
//! drive the same router.

pub mod actions;
mod api;
pub mod auth;
pub mod bundle;
pub mod chart;
pub mod error;
pub mod export;
pub mod i18n;
mod media;
mod pages;
pub mod params;
pub mod state;

pub use state::{App, AppState, Config};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use tower_http::compression::CompressionLayer;

/// Largest request body accepted anywhere, in bytes: a listing form with its photos.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Largest JSON or form body, in bytes. Big enough that an absurd field is answered with a
/// per-field message rather than a transport error.
pub const MAX_FORM_BYTES: usize = 16 * 1024 * 1024;

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
        .route("/media/{hash}/{variant}", get(media::serve))
        .route("/healthz", get(health))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::resolve))
        .layer(axum::middleware::from_fn(error::localize_errors))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CompressionLayer::new())
        .with_state(state)
}

async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let db = state.store.ping().await;
    let body = serde_json::json!({
        "status": if db { "ok" } else { "degraded" },
        "database": if db { "ok" } else { "unreachable" },
        "search": state.catalogue.name(),
    });
    let status = if db { axum::http::StatusCode::OK } else { axum::http::StatusCode::SERVICE_UNAVAILABLE };
    (status, axum::Json(body)).into_response()
}
