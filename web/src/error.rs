//! One error type for the web boundary, turned into a response in one place.
//!
//! Handlers return [`AppError`]; [`localize_errors`] renders it, and any error axum itself
//! produces (an unknown route, a body over the limit, a malformed body), as JSON under
//! `/api/` and as a page elsewhere, in the request's language. Internal details never reach
//! the client: they are logged once, here.

use crate::i18n::Lang;
use crate::pages::layout;
use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use nongsan_domain::FieldErrors;
use nongsan_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Invalid values, by field (422).
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// Not logged in (401; pages redirect to the login form).
    #[error("not logged in")]
    Unauthorized,
    /// Logged in but not allowed (403).
    #[error("forbidden")]
    Forbidden,
    /// A form without the token this site put in it (403).
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error("not found")]
    NotFound,
    /// The request conflicts with the current state (409), with a message key.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The body is larger than accepted (413).
    #[error("request too large")]
    TooLarge,
    /// Too many failed logins (429).
    #[error("too many attempts")]
    TooManyAttempts { retry_after_secs: i64 },
    /// A malformed request (400), with a message key.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: &'static str, key: &'static str) -> AppError {
        AppError::Invalid(FieldErrors::single(field, key))
    }

    fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn key(&self) -> &'static str {
        match self {
            AppError::Invalid(_) => "err.invalid",
            AppError::Unauthorized => "err.unauthorized",
            AppError::Forbidden => "err.forbidden",
            AppError::Csrf => "err.csrf",
            AppError::NotFound => "err.not_found",
            AppError::TooLarge => "err.too_large",
            AppError::Conflict(key) | AppError::BadRequest(key) => key,
            AppError::TooManyAttempts { .. } => "err.login.throttled",
            AppError::Internal(_) => "err.internal",
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict("phone") => AppError::invalid("phone", "err.phone.taken"),
            StoreError::Conflict("photo") => AppError::invalid("photo", "err.photo.too_many"),
            StoreError::Conflict(_) => AppError::Conflict("err.conflict"),
            StoreError::Illegal(_) => AppError::Conflict("err.transition"),
            StoreError::Stale => AppError::Conflict("err.stale"),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<nongsan_search::SearchError> for AppError {
    fn from(err: nongsan_search::SearchError) -> Self {
        AppError::Internal(err.to_string())
    }
}

impl From<nongsan_media::PhotoError> for AppError {
    fn from(err: nongsan_media::PhotoError) -> Self {
        match err {
            nongsan_media::PhotoError::Storage => AppError::Internal("photo storage".into()),
            other => AppError::invalid("photo", other.key()),
        }
    }
}

impl From<axum::extract::multipart::MultipartError> for AppError {
    fn from(err: axum::extract::multipart::MultipartError) -> Self {
        if err.status() == StatusCode::PAYLOAD_TOO_LARGE { AppError::TooLarge } else { AppError::BadRequest("err.bad_request") }
    }
}

/// What [`localize_errors`] needs to render an error.
#[derive(Debug, Clone)]
struct ErrorInfo {
    key: &'static str,
    fields: FieldErrors,
    retry_after_secs: Option<i64>,
}

/// Marks an error-status response whose body is already what the person should see
/// (a form shown again with its messages), so it is left as it is.
#[derive(Debug, Clone, Copy)]
pub struct Rendered;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(error = %detail, "internal error");
        }
        let mut response = self.status().into_response();
        let fields = match &self {
            AppError::Invalid(fields) => fields.clone(),
            _ => FieldErrors::default(),
        };
        let retry_after_secs = match &self {
            AppError::TooManyAttempts { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        response.extensions_mut().insert(ErrorInfo { key: self.key(), fields, retry_after_secs });
        response
    }
}

/// Renders every error response in the request's language and format.
pub async fn localize_errors(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let lang = Lang::from_headers(request.headers(), api);
    let path = request.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let response = next.run(request).await;
    let viewer = response.extensions().get::<crate::auth::Viewer>().cloned();
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || response.extensions().get::<Rendered>().is_some() {
        return response;
    }
    let info = response.extensions().get::<ErrorInfo>().cloned().unwrap_or_else(|| ErrorInfo {
        key: match status {
            StatusCode::NOT_FOUND => "err.not_found",
            StatusCode::PAYLOAD_TOO_LARGE => "err.too_large",
            StatusCode::METHOD_NOT_ALLOWED => "err.method",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "err.media_type",
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => "err.bad_request",
            s if s.is_server_error() => "err.internal",
            _ => "err.bad_request",
        },
        fields: FieldErrors::default(),
        retry_after_secs: None,
    });
    if status.is_server_error() && response.extensions().get::<ErrorInfo>().is_none() {
        tracing::error!(status = status.as_u16(), path, "server error outside the handlers");
    }
    // Axum answers an unreadable body with 422 or 400; both mean "we could not read it".
    let status = if status == StatusCode::UNPROCESSABLE_ENTITY && info.fields.is_empty() { StatusCode::BAD_REQUEST } else { status };

    if api {
        let fields: serde_json::Map<String, serde_json::Value> =
            info.fields.0.iter().map(|e| (e.field.to_owned(), serde_json::Value::String(lang.t(e.key).to_owned()))).collect();
        let codes: serde_json::Map<String, serde_json::Value> =
            info.fields.0.iter().map(|e| (e.field.to_owned(), serde_json::Value::String(e.key.to_owned()))).collect();
        let body = serde_json::json!({
            "error": { "code": info.key, "message": lang.t(info.key), "fields": fields, "field_codes": codes }
        });
        let mut out = (status, Json(body)).into_response();
        if let Some(secs) = info.retry_after_secs {
            out.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        return out;
    }
    if status == StatusCode::UNAUTHORIZED {
        let next = urlencode(&path);
        return Redirect::to(&format!("/login?next={next}")).into_response();
    }
    let mut message = lang.t(info.key).to_owned();
    if let Some(first) = info.fields.0.first() {
        message = format!("{message} {}", lang.t(first.key));
    }
    let page = layout::page(lang, viewer.as_ref(), lang.t("err.title"), &path, layout::error_body(lang, &message));
    let mut out = (status, page).into_response();
    if let Some(secs) = info.retry_after_secs {
        out.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    out
}

/// Percent-encodes a path for a query parameter.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
