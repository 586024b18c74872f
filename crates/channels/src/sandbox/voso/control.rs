//! The `/_sandbox/` endpoints (see the module doc of [`super`]).

use super::pages::{escape, fill};
use super::state::{NewProduct, ProductEdit};
use super::{SHOP_NAME, SHOP_PATH, VosoSandbox};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::collections::HashMap;

const SELLER: &str = include_str!("../../../../../fixtures/voso/sandbox/seller.html");

pub(super) fn router() -> Router<VosoSandbox> {
    Router::new()
        .route("/_sandbox/products", get(|State(s): State<VosoSandbox>| async move { Json(s.products()) }).post(add))
        .route("/_sandbox/products/{id}", post(edit))
        .route("/_sandbox/requests", get(|State(s): State<VosoSandbox>| async move { Json(s.requests()) }))
        .route("/_sandbox/drift", post(drift))
        .route("/_sandbox/non-html", post(non_html))
        .route("/_sandbox/fail", post(fail))
        .route("/_sandbox/robots", post(robots))
        .route("/_sandbox/seller", get(seller_form).post(seller_create))
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

async fn add(State(sandbox): State<VosoSandbox>, body: Bytes) -> Result<Response, Mistake> {
    let new: NewProduct = parse(&body)?;
    if new.title.trim().is_empty() || new.price_vnd <= 0 {
        return Err(Mistake("a product needs a title and a positive price_vnd".into()));
    }
    Ok((StatusCode::CREATED, Json(sandbox.add_product(new))).into_response())
}

async fn edit(State(sandbox): State<VosoSandbox>, Path(id): Path<String>, body: Bytes) -> Result<Response, Mistake> {
    let id: i64 = id.parse().map_err(|_| Mistake(format!("{id} is not a product id")))?;
    let edit: ProductEdit = parse(&body)?;
    match sandbox.edit_product(id, &edit) {
        Some(product) => Ok(Json(product).into_response()),
        None => Ok((StatusCode::NOT_FOUND, Json(json!({ "error": format!("no product {id}") }))).into_response()),
    }
}

#[derive(Deserialize)]
struct Switch {
    on: bool,
}

async fn drift(State(sandbox): State<VosoSandbox>, body: Bytes) -> Result<StatusCode, Mistake> {
    sandbox.set_drift(parse::<Switch>(&body)?.on);
    Ok(StatusCode::NO_CONTENT)
}

async fn non_html(State(sandbox): State<VosoSandbox>, body: Bytes) -> Result<StatusCode, Mistake> {
    sandbox.set_non_html(parse::<Switch>(&body)?.on);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct Failure {
    status: u16,
    #[serde(default = "once")]
    times: u32,
}

fn once() -> u32 {
    1
}

async fn fail(State(sandbox): State<VosoSandbox>, body: Bytes) -> Result<StatusCode, Mistake> {
    let failure: Failure = parse(&body)?;
    if !(400..=599).contains(&failure.status) {
        return Err(Mistake("status must be an HTTP error, 400 to 599".into()));
    }
    sandbox.fail_next(failure.status, failure.times);
    Ok(StatusCode::NO_CONTENT)
}

async fn robots(State(sandbox): State<VosoSandbox>, body: Bytes) -> StatusCode {
    sandbox.set_robots(&String::from_utf8_lossy(&body));
    StatusCode::NO_CONTENT
}

fn origin(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).filter(|h| h.chars().all(|c| c.is_ascii_graphic()));
    format!("http://{}", host.unwrap_or("127.0.0.1"))
}

fn seller_page(headers: &HeaderMap, created: &str) -> Html<String> {
    let shop_url = format!("{}{SHOP_PATH}", origin(headers));
    Html(fill(SELLER, &[("shop_url", &shop_url), ("shop_name", SHOP_NAME), ("created", created)], &["created"]))
}

async fn seller_form(headers: HeaderMap) -> Html<String> {
    seller_page(&headers, "")
}

/// The stand-in seller centre's "Đăng bán": a bad form gets the form again with a note.
async fn seller_create(State(sandbox): State<VosoSandbox>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    let title = form.get("title").map(|t| t.trim().to_owned()).unwrap_or_default();
    let digits: String = form.get("price").map(|p| p.chars().filter(char::is_ascii_digit).collect()).unwrap_or_default();
    let price = digits.parse::<i64>().ok().filter(|p| *p > 0 && digits.len() < 13);
    let (Some(price), false) = (price, title.is_empty()) else {
        let note = r#"<p class="done">Cần tên sản phẩm và giá (số đồng).</p>"#;
        return (StatusCode::UNPROCESSABLE_ENTITY, seller_page(&headers, note)).into_response();
    };
    let description = form.get("description").cloned().unwrap_or_default();
    // A product just listed has sold nothing yet; the page says so, and buyers' orders (the
    // control endpoints) make the count grow.
    let product = sandbox.add_product(NewProduct { title, description, price_vnd: price, sold_count: Some(0), ..NewProduct::default() });
    let url = format!("{}{}", origin(&headers), product.path);
    let created = format!(r#"<p class="done">Đã đăng: <a href="{0}">{0}</a></p>"#, escape(&url));
    (StatusCode::CREATED, seller_page(&headers, &created)).into_response()
}
