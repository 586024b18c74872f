//! PROVISIONAL: every assumption about the postmart API that its public docs do not state.
//!
//! The live docs (`https://open.postmart.com.vn/`, pages Products, Image Product, Order, User)
//! need merchant credentials to read. Until someone reads them, the client speaks the guesses
//! below, modelled on DSMall (the PHP marketplace whose category columns postmart's match one
//! for one). Each guess is named here and used only in this module, so correcting one means
//! editing one place; the sandbox implements the same guesses and must be corrected alongside.
//!
//! 1. **A1 auth header**: a merchant authenticates with `Authorization: Bearer <token>`
//!    ([`authorize`]). The token is an opaque string from VNPost.
//! 2. **A2 paths**: [`SEARCH_PATH`], [`CREATE_PATH`], [`UPDATE_PATH`], [`OFFLINE_PATH`],
//!    [`UPLOAD_PATH`], [`ORDERS_PATH`], relative to the base URL like the documented
//!    `apis/v1/merchant/categories/all`. Products are read with GET and query parameters, written
//!    with POST and a JSON body.
//! 3. **A3 product fields**: DSMall's `goods_*` family: `goods_id` (numeric id), `goods_name`,
//!    `goods_body` (description), `gc_id`, `goods_price` (VND), `goods_storage` (stock, kg as
//!    the sale unit), `goods_state` (1 on sale, 0 offline), `goods_image`/`goods_images` (URLs).
//!    Create answers `{"goods_id": …}` and may add `goods_url` and `goods_state`.
//! 4. **A4 SKU**: the seller SKU is `goods_serial`, searchable exactly with
//!    `products/search?goods_serial=SKU`, answering an array of products (empty when none).
//! 5. **A5 images**: an image is uploaded alone before the product, as a raw `image/jpeg` body
//!    with `?file_name=…`; the answer's `result` is `{"url": "https://…"}`, and the product then
//!    refers to that URL. (Raw bytes rather than multipart keep to reqwest's existing features.)
//! 6. **A6 orders**: `order/list?updated_from=<unix s>&page=N` lists orders updated at or after
//!    `updated_from`, oldest update first, as `{"data": […], "current_page": N, "last_page": M}`.
//! 7. **A7 product URL**: when the API returns no `goods_url`, the public page is
//!    `https://postmart.vn/p/<slug of goods_name>-<goods_id>.html`, as on the public site.
//! 8. **A8 envelope codes**: a `code` other than the documented 200 mirrors the HTTP status of
//!    the same meaning ([`code_meaning`]); codes outside that table are protocol errors.
//! 9. **A9 order lines**: each listed order is one line with `order_sn`, `goods_serial`,
//!    `goods_num` (kg), `goods_price` (VND/kg), `order_amount`, `order_state` (DSMall's 0
//!    cancelled, 10 unpaid, 20 paid, 30 shipped, 40 done), `add_time` and `update_time` (unix s).
//! 10. **A10 offline is idempotent**: offlining an offline product answers code 200, as
//!     DSMall's "set goods_state = 0" does; an unknown `goods_id` is a refusal (code 404).
//! 11. **A11 create is on sale**: a created product is on sale unless the answer's
//!     `goods_state` says otherwise (no moderation queue is assumed).
//! 12. **A12 update relists**: an update carrying `goods_state: 1` puts an offline product back
//!     on sale with the new fields (DSMall edits `goods_state` with the other columns).

mod orders;
mod products;

/// A2: the provisional paths.
pub const SEARCH_PATH: &str = "apis/v1/merchant/products/search";
pub const CREATE_PATH: &str = "apis/v1/merchant/products/create";
pub const UPDATE_PATH: &str = "apis/v1/merchant/products/update";
pub const OFFLINE_PATH: &str = "apis/v1/merchant/products/offline";
pub const UPLOAD_PATH: &str = "apis/v1/merchant/image_product/upload";
pub const ORDERS_PATH: &str = "apis/v1/merchant/order/list";

/// A7: where the public product page is when the API does not say.
pub const PRODUCT_PAGE_PREFIX: &str = "https://postmart.vn/p/";

/// A1: how a request carries the merchant's credential.
pub(crate) fn authorize(request: reqwest::RequestBuilder, token: &str) -> reqwest::RequestBuilder {
    request.bearer_auth(token)
}

/// A7: the public page of product `id` titled `title`.
pub fn product_url(title: &str, id: &str) -> String {
    let slug = crate::slug::slug(title);
    if slug.is_empty() { format!("{PRODUCT_PAGE_PREFIX}{id}.html") } else { format!("{PRODUCT_PAGE_PREFIX}{slug}-{id}.html") }
}

/// What a non-200 envelope `code` asks of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeMeaning {
    Credentials,
    Rejected,
    RateLimited,
    ServerFault,
    Unknown,
}

/// A8: envelope codes read as HTTP statuses. 419 and 440 are the "session expired" statuses
/// PHP frameworks use; 498 is the informal "invalid token".
pub(crate) fn code_meaning(code: i64) -> CodeMeaning {
    match code {
        401 | 403 | 419 | 440 | 498 => CodeMeaning::Credentials,
        400 | 404 | 409 | 413 | 415 | 422 => CodeMeaning::Rejected,
        429 => CodeMeaning::RateLimited,
        500..=599 => CodeMeaning::ServerFault,
        _ => CodeMeaning::Unknown,
    }
}

/// A9: DSMall's order states, in words; unknown states pass through as sent.
fn order_status(state: &str) -> String {
    match state {
        "0" => "cancelled",
        "10" => "unpaid",
        "20" => "paid",
        "30" => "shipped",
        "40" => "completed",
        other => other,
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_urls_follow_the_public_site() {
        assert_eq!(product_url("Sầu riêng Ri6 - hộp 5kg", "43160"), "https://postmart.vn/p/sau-rieng-ri6-hop-5kg-43160.html");
        assert_eq!(product_url("!!", "7"), "https://postmart.vn/p/7.html");
    }

    #[test]
    fn envelope_codes_read_as_statuses() {
        assert_eq!(code_meaning(401), CodeMeaning::Credentials);
        assert_eq!(code_meaning(422), CodeMeaning::Rejected);
        assert_eq!(code_meaning(429), CodeMeaning::RateLimited);
        assert_eq!(code_meaning(503), CodeMeaning::ServerFault);
        assert_eq!(code_meaning(999), CodeMeaning::Unknown);
        assert_eq!(code_meaning(0), CodeMeaning::Unknown);
        assert_eq!(order_status("20"), "paid");
        assert_eq!(order_status("77"), "77");
    }
}
