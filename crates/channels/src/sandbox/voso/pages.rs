//! The public pages: product pages, the shop page, robots.txt, and voso's 404 page, in the
//! documented structure (templates in `fixtures/voso/sandbox/`).

use super::state::{SandboxProduct, SandboxRequest, unix_ms};
use super::{SHOP_NAME, SHOP_PATH, VosoSandbox};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

const PRODUCT: &str = include_str!("../../../../../fixtures/voso/sandbox/product.html");
const PRODUCT_DRIFTED: &str = include_str!("../../../../../fixtures/voso/sandbox/product_drifted.html");
const SHOP: &str = include_str!("../../../../../fixtures/voso/sandbox/shop.html");
const CARD: &str = include_str!("../../../../../fixtures/voso/sandbox/card.html");
const NOT_FOUND: &str = include_str!("../../../../../fixtures/voso/sandbox/not_found.html");

/// Every public GET: what the path names, answered the way the switches say.
pub(super) async fn page(State(sandbox): State<VosoSandbox>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let origin = origin(request.headers());
    let user_agent = request.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let mut state = sandbox.lock();
    state.requests.push(SandboxRequest { path: path.clone(), user_agent, at_unix_ms: unix_ms() });
    if path == "/robots.txt" {
        return ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], state.robots.clone()).into_response();
    }
    if let Some((status, times)) = state.failures {
        state.failures = (times > 1).then(|| (status, times - 1));
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        return (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], "<html><body><h1>Lỗi máy chủ</h1></body></html>")
            .into_response();
    }
    if state.non_html && path != "/" {
        return ([(header::CONTENT_TYPE, "application/json")], r#"{"status":503,"message":"He thong dang bao tri"}"#).into_response();
    }
    if path == SHOP_PATH || path == "/" {
        let cards: String = state.products.iter().filter(|p| !p.removed).map(|p| card(&origin, p)).collect();
        return html(StatusCode::OK, fill(SHOP, &[("origin", &origin), ("shop_name", SHOP_NAME), ("cards", &cards)], &["cards"]));
    }
    let product = product_id(&path).and_then(|id| state.product(id)).filter(|p| !p.removed && p.path == path);
    match product {
        Some(p) if state.drift => {
            let sold = p.sold_count.unwrap_or(0).to_string();
            html(
                StatusCode::OK,
                fill(PRODUCT_DRIFTED, &[("title", &p.title), ("price_plain", &p.price_vnd.to_string()), ("sold", &sold)], &[]),
            )
        }
        Some(p) => html(StatusCode::OK, product_page(&origin, p)),
        None => html(StatusCode::NOT_FOUND, NOT_FOUND.to_owned()),
    }
}

fn product_id(path: &str) -> Option<i64> {
    path.strip_suffix(".html")?.rsplit_once("-p")?.1.parse().ok()
}

/// `http://host:port` as the client called us, so links work wherever the sandbox listens.
fn origin(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).filter(|h| h.chars().all(|c| c.is_ascii_graphic()));
    format!("http://{}", host.unwrap_or("127.0.0.1"))
}

fn html(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

fn product_page(origin: &str, p: &SandboxProduct) -> String {
    let url = format!("{origin}{}", p.path);
    let rdfa_rating = match (p.rating, p.review_count) {
        (Some(r), Some(n)) => format!(
            r#"<div property="schema:aggregateRating" typeof="schema:AggregateRating"><meta property="schema:ratingValue" content="{r}"><meta property="schema:reviewCount" content="{n}"></div>"#
        ),
        _ => String::new(),
    };
    let stars = p.rating.map(|r| r.to_string()).unwrap_or_default();
    let reviews = p.review_count.map(|n| n.to_string()).unwrap_or_default();
    let sold = p.sold_count.map(|n| n.to_string()).unwrap_or_default();
    let head_desc = format!(
        r#"<span class="jstars" data-value="{stars}"></span> <label><strong>{reviews}</strong></label> Đánh giá <span class="sep">|</span> Đã bán <label>{sold}</label>"#
    );
    let old_price = match p.list_price_vnd {
        Some(list) if list > p.price_vnd => {
            let percent = ((list - p.price_vnd) * 100 + list / 2) / list;
            format!(
                r#"<span class="c-product-main__oldprice">{}<sup>đ</sup></span> <span class="c-tag-sale">Giảm {percent}%</span>"#,
                dotted(list, '.')
            )
        }
        _ => String::new(),
    };
    let buy = if p.available {
        r#"<button class="btn btn-add-cart">Thêm vào giỏ hàng</button>"#.to_owned()
    } else {
        r#"<div class="c-product-out-of-stock">Sản phẩm tạm hết hàng</div><button class="btn btn-out-of-stock" disabled>Hết hàng</button>"#
            .to_owned()
    };
    let values = [
        ("origin", origin.to_owned()),
        ("url", url),
        ("title", p.title.clone()),
        ("description", p.description.clone()),
        ("id", p.id.to_string()),
        ("image", image(origin, p.id)),
        ("rdfa_rating", rdfa_rating),
        ("price_plain", p.price_vnd.to_string()),
        ("availability", if p.available { "InStock" } else { "OutOfStock" }.to_owned()),
        ("shop_name", SHOP_NAME.to_owned()),
        ("shop_url", format!("{origin}{SHOP_PATH}")),
        ("head_desc", head_desc),
        ("price", dotted(p.price_vnd, '.')),
        ("old_price", old_price),
        ("buy", buy),
    ];
    let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    fill(PRODUCT, &values, &["rdfa_rating", "head_desc", "old_price", "buy"])
}

fn card(origin: &str, p: &SandboxProduct) -> String {
    let stars = p.rating.map(|r| format!(r#"<span class="jstars" data-value="{r}"></span> "#)).unwrap_or_default();
    let sold = p.sold_count.filter(|n| *n > 0).map(|n| format!("<span>{n} đã bán</span>")).unwrap_or_default();
    let rating = format!("{stars}{sold}");
    let (list_price, discount) = match p.list_price_vnd {
        Some(list) if list > p.price_vnd => {
            let percent = ((list - p.price_vnd) * 100 + list / 2) / list;
            (
                format!(r#"<div class="listed-price">{}<sup>₫</sup></div>"#, dotted(list, ',')),
                format!(r#"<div class="product-item-price"><span class="product-price">-{percent}%</span></div>"#),
            )
        }
        _ => (String::new(), String::new()),
    };
    let values = [
        ("origin", origin.to_owned()),
        ("url", format!("{origin}{}", p.path)),
        ("image", image(origin, p.id)),
        ("name", p.title.clone()),
        ("price", dotted(p.price_vnd, ',')),
        ("rating", rating),
        ("list_price", list_price),
        ("discount", discount),
    ];
    let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    fill(CARD, &values, &["rating", "list_price", "discount"])
}

/// Image URLs in voso's shape, on the sandbox.
fn image(origin: &str, id: i64) -> String {
    format!("{origin}/users/sandbox/images/{id:08x}?t[0]=maxSize:width=320,height=320")
}

/// `100000` → `100.000` (product pages) or `100,000` (cards).
fn dotted(value: i64, separator: char) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// Fills `{{name}}` placeholders; values are escaped unless named in `raw` (markup we built).
pub(super) fn fill(template: &str, values: &[(&str, &str)], raw: &[&str]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        let value = if raw.contains(name) { (*value).to_owned() } else { escape(value) };
        out = out.replace(&format!("{{{{{name}}}}}"), &value);
    }
    out
}

pub(super) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_written_in_each_pages_style() {
        assert_eq!(dotted(100_000, '.'), "100.000");
        assert_eq!(dotted(215_000, ','), "215,000");
        assert_eq!(dotted(1_250_000, '.'), "1.250.000");
        assert_eq!(dotted(999, '.'), "999");
        assert_eq!(product_id("/sau-rieng-ri6-p12701.html"), Some(12701));
        assert_eq!(fill("<b>{{a}}</b>{{b}}", &[("a", "<x>"), ("b", "<i>")], &["b"]), "<b>&lt;x&gt;</b><i>");
    }
}
