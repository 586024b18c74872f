//! The platform side: the documented categories call and the provisional product, image and
//! order calls, answering in the documented envelope.

use super::PostmartSandbox;
use super::state::SandboxProduct;
use crate::postmart::CATEGORIES_PATH;
use crate::postmart::provisional::{CREATE_PATH, OFFLINE_PATH, ORDERS_PATH, SEARCH_PATH, UPDATE_PATH, UPLOAD_PATH, product_url};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

const ORDERS_PER_PAGE: usize = 10;

type Params = Query<HashMap<String, String>>;

pub(super) fn router() -> Router<PostmartSandbox> {
    Router::new()
        .route(&format!("/{CATEGORIES_PATH}"), get(categories))
        .route(&format!("/{SEARCH_PATH}"), get(search))
        .route(&format!("/{CREATE_PATH}"), post(create))
        .route(&format!("/{UPDATE_PATH}"), post(update))
        .route(&format!("/{OFFLINE_PATH}"), post(offline))
        .route(&format!("/{UPLOAD_PATH}"), post(upload))
        .route(&format!("/{ORDERS_PATH}"), get(orders))
        .fallback(|| async { envelope(StatusCode::NOT_FOUND, 404, "Không tìm thấy đường dẫn", None) })
}

/// The documented envelope around `result`.
pub(super) fn envelope(status: StatusCode, code: i64, message: &str, result: Option<Value>) -> Response {
    let body = json!({ "code": code, "message": message, "result": result, "requestMethod": "" });
    (status, axum::Json(body)).into_response()
}

fn success(result: Value) -> Response {
    envelope(StatusCode::OK, 200, "Thành công", Some(result))
}

/// A refusal the way the platform sends business errors: HTTP 200, the code in the body.
struct Refusal {
    code: i64,
    message: &'static str,
}

fn refuse(code: i64, message: &'static str) -> Refusal {
    Refusal { code, message }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        envelope(StatusCode::OK, self.code, self.message, None)
    }
}

type Answer = Result<Response, Refusal>;

async fn categories() -> Response {
    ([(header::CONTENT_TYPE, "application/json; charset=utf-8")], super::CATEGORIES_FIXTURE).into_response()
}

fn goods(product: &SandboxProduct) -> Value {
    json!({
        "goods_id": product.id,
        "goods_serial": product.sku,
        "goods_name": product.title,
        "goods_price": format!("{}.00", product.price_vnd),
        "goods_storage": product.stock_kg,
        "goods_state": i64::from(product.on_sale),
        "goods_image": product.image_urls.first().cloned().unwrap_or_default(),
    })
}

async fn search(State(sandbox): State<PostmartSandbox>, Query(params): Params) -> Answer {
    let sku = params.get("goods_serial").filter(|s| !s.is_empty()).ok_or(refuse(422, "Thiếu mã sản phẩm (goods_serial)"))?;
    let state = sandbox.lock();
    // A `LIKE %sku%` search, as DSMall does it: the client must pick the exact match itself.
    Ok(success(state.products.iter().filter(|p| p.sku.contains(sku.as_str())).map(goods).collect()))
}

/// The editable fields of a product, validated as the platform would.
struct Fields {
    title: String,
    description: String,
    price_vnd: i64,
    stock_kg: i64,
}

fn object(body: &[u8]) -> Result<Map<String, Value>, Refusal> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        _ => Err(refuse(400, "Dữ liệu gửi lên không hợp lệ")),
    }
}

fn integer(value: Option<&Value>) -> Option<i64> {
    value.and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
}

fn fields(body: &Map<String, Value>) -> Result<Fields, Refusal> {
    let title = body.get("goods_name").and_then(Value::as_str).map(str::trim).unwrap_or("");
    if title.is_empty() {
        return Err(refuse(422, "Thiếu tên sản phẩm (goods_name)"));
    }
    let price_vnd =
        integer(body.get("goods_price")).filter(|&p| p > 0).ok_or_else(|| refuse(422, "Giá sản phẩm (goods_price) không hợp lệ"))?;
    let stock_kg =
        integer(body.get("goods_storage")).filter(|&s| s >= 0).ok_or_else(|| refuse(422, "Tồn kho (goods_storage) không hợp lệ"))?;
    let description = body.get("goods_body").and_then(Value::as_str).unwrap_or("").to_owned();
    Ok(Fields { title: title.to_owned(), description, price_vnd, stock_kg })
}

async fn create(State(sandbox): State<PostmartSandbox>, body: Bytes) -> Answer {
    let body = object(&body)?;
    let fields = fields(&body)?;
    let sku = body
        .get("goods_serial")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or(refuse(422, "Thiếu mã sản phẩm (goods_serial)"))?;
    let mut state = sandbox.lock();
    let category_id = match body.get("gc_id") {
        None | Some(Value::Null) => None,
        Some(value) => {
            let known = integer(Some(value)).filter(|id| state.category_ids.contains(id));
            Some(known.ok_or(refuse(422, "Ngành hàng (gc_id) không tồn tại"))?)
        }
    };
    let image_urls =
        body.get("goods_images").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect();
    let id = state.next_goods_id;
    state.next_goods_id += 1;
    let url = product_url(&fields.title, &id.to_string());
    state.products.push(SandboxProduct {
        id,
        sku: sku.to_owned(),
        title: fields.title,
        description: fields.description,
        category_id,
        price_vnd: fields.price_vnd,
        stock_kg: fields.stock_kg,
        image_urls,
        on_sale: true,
        url: url.clone(),
    });
    Ok(success(json!({ "goods_id": id, "goods_url": url, "goods_state": 1 })))
}

/// The stored product named by the body's `goods_id`, or the refusal to send.
fn target<'a>(products: &'a mut [SandboxProduct], body: &Map<String, Value>) -> Result<&'a mut SandboxProduct, Refusal> {
    let id = integer(body.get("goods_id")).ok_or_else(|| refuse(422, "Thiếu mã sản phẩm (goods_id)"))?;
    products.iter_mut().find(|p| p.id == id).ok_or_else(|| refuse(404, "Không tìm thấy sản phẩm"))
}

async fn update(State(sandbox): State<PostmartSandbox>, body: Bytes) -> Answer {
    let body = object(&body)?;
    let fields = fields(&body)?;
    let mut state = sandbox.lock();
    let product = target(&mut state.products, &body)?;
    product.title = fields.title;
    product.description = fields.description;
    product.price_vnd = fields.price_vnd;
    product.stock_kg = fields.stock_kg;
    // A12: an update carrying goods_state 1 puts an offline product back on sale.
    if integer(body.get("goods_state")) == Some(1) {
        product.on_sale = true;
    }
    Ok(success(goods(product)))
}

async fn offline(State(sandbox): State<PostmartSandbox>, body: Bytes) -> Answer {
    let body = object(&body)?;
    let mut state = sandbox.lock();
    let product = target(&mut state.products, &body)?;
    product.on_sale = false;
    Ok(success(json!({ "goods_id": product.id, "goods_state": 0 })))
}

async fn upload(State(sandbox): State<PostmartSandbox>, Query(params): Params, headers: HeaderMap, body: Bytes) -> Answer {
    let file_name = params.get("file_name").filter(|f| !f.is_empty()).ok_or(refuse(422, "Thiếu tên tệp (file_name)"))?;
    let jpeg = headers.get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"image/jpeg"));
    if !jpeg || !body.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err(refuse(415, "Ảnh phải là tệp JPEG"));
    }
    let mut state = sandbox.lock();
    state.images_uploaded += 1;
    let slug = crate::slug::slug(file_name.trim_end_matches(".jpg"));
    Ok(success(json!({ "url": format!("https://sandbox.postmart.invalid/images/{}-{slug}.jpg", state.images_uploaded) })))
}

async fn orders(State(sandbox): State<PostmartSandbox>, Query(params): Params) -> Answer {
    let since = params.get("updated_from").map_or(Some(0), |s| s.parse::<i64>().ok());
    let page = params.get("page").map_or(Some(1), |s| s.parse::<usize>().ok()).filter(|&p| p >= 1);
    let (Some(since), Some(page)) = (since, page) else {
        return Err(refuse(422, "Tham số updated_from hoặc page không hợp lệ"));
    };
    let state = sandbox.lock();
    let mut matching: Vec<_> = state.orders.iter().filter(|o| o.updated_at >= since).collect();
    matching.sort_by(|a, b| (a.updated_at, &a.order_sn).cmp(&(b.updated_at, &b.order_sn)));
    let last_page = matching.len().div_ceil(ORDERS_PER_PAGE).max(1);
    let data: Vec<Value> = matching
        .iter()
        .skip((page - 1).saturating_mul(ORDERS_PER_PAGE))
        .take(ORDERS_PER_PAGE)
        .map(|o| {
            json!({
                "order_sn": o.order_sn,
                "goods_serial": o.sku,
                "goods_num": o.quantity,
                "goods_price": o.unit_price_vnd,
                "order_amount": o.total_vnd,
                "order_state": o.state,
                "add_time": o.added_at,
                "update_time": o.updated_at,
            })
        })
        .collect();
    Ok(success(json!({ "data": data, "current_page": page, "last_page": last_page })))
}
