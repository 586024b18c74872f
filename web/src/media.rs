//! Serves photo files by content hash: immutable, so cached for a year.

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use nongsan_media::Variant;

pub async fn serve(State(state): State<AppState>, Path((hash, variant)): Path<(String, String)>) -> Result<Response, AppError> {
    let variant = Variant::parse(&variant).ok_or(AppError::NotFound)?;
    let (bytes, content_type) = state.media.read(&hash, variant).await.ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response())
}
