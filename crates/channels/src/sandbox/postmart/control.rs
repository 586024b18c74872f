//! The `/_sandbox/` endpoints, for driving a sandbox that runs as its own process (see the
//! module doc of [`super`] for the list).

use super::PostmartSandbox;
use super::state::Fault;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::time::Duration;

pub(super) fn router() -> Router<PostmartSandbox> {
    Router::new()
        .route("/_sandbox/products", get(|State(s): State<PostmartSandbox>| async move { Json(s.products()) }))
        .route("/_sandbox/requests", get(|State(s): State<PostmartSandbox>| async move { Json(s.requests()) }))
        .route("/_sandbox/fault", post(fault))
        .route("/_sandbox/down", post(|State(s): State<PostmartSandbox>| async move { s.set_down(true) }))
        .route("/_sandbox/up", post(|State(s): State<PostmartSandbox>| async move { s.set_down(false) }))
        .route("/_sandbox/expire-token", post(|State(s): State<PostmartSandbox>| async move { s.expire_token() }))
        .route("/_sandbox/orders", post(order))
        .route("/_sandbox/price", post(price))
}

/// A mistake in a control request: 400 with what was wrong, for the person at curl.
struct Mistake(String);

impl IntoResponse for Mistake {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, Json(json!({ "error": self.0 }))).into_response()
    }
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Mistake> {
    serde_json::from_slice(body).map_err(|e| Mistake(e.to_string()))
}

#[derive(Deserialize)]
struct FaultSpec {
    kind: String,
    #[serde(default = "once")]
    times: u32,
    path: Option<String>,
    #[serde(default)]
    millis: u64,
    #[serde(default)]
    retry_after_secs: u64,
}

fn once() -> u32 {
    1
}

impl FaultSpec {
    fn fault(&self) -> Option<Fault> {
        Some(match self.kind.as_str() {
            "slow" => Fault::Slow(Duration::from_millis(self.millis)),
            "too_many_requests" => Fault::TooManyRequests { retry_after_secs: self.retry_after_secs },
            "server_error" => Fault::ServerError,
            "html_error_page" => Fault::HtmlErrorPage,
            "malformed_body" => Fault::MalformedBody,
            "expired_credential" => Fault::ExpiredCredential,
            "create_answer_lost" => Fault::CreateAnswerLost,
            "wrong_envelope_code" => Fault::WrongEnvelopeCode,
            _ => return None,
        })
    }
}

async fn fault(State(sandbox): State<PostmartSandbox>, body: Bytes) -> Result<StatusCode, Mistake> {
    let spec: FaultSpec = parse(&body)?;
    let fault = spec.fault().ok_or_else(|| Mistake(format!("unknown fault kind {:?}", spec.kind)))?;
    match &spec.path {
        Some(path) => sandbox.inject_on(path, fault, spec.times),
        None => sandbox.inject(fault, spec.times),
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct NewOrder {
    sku: String,
    quantity: f64,
    unit_price_vnd: i64,
}

async fn order(State(sandbox): State<PostmartSandbox>, body: Bytes) -> Result<Json<serde_json::Value>, Mistake> {
    let o: NewOrder = parse(&body)?;
    Ok(Json(json!({ "order_sn": sandbox.add_order(&o.sku, o.quantity, o.unit_price_vnd) })))
}

#[derive(Deserialize)]
struct PriceEdit {
    external_id: String,
    price_vnd: i64,
}

async fn price(State(sandbox): State<PostmartSandbox>, body: Bytes) -> Result<StatusCode, Mistake> {
    let edit: PriceEdit = parse(&body)?;
    sandbox.edit_price_on_platform(&edit.external_id, edit.price_vnd);
    Ok(StatusCode::NO_CONTENT)
}
