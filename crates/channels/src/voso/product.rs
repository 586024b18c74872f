//! The voso.vn product page: what a buyer sees of one product, read for the watcher.
//!
//! Each field is read from the RDFa `schema:Product` block first and from the visible markup
//! when the block lacks it (see `shared/channels/voso.md` for both). A field neither shows is
//! `None`: unknown, never zero. A page without a title or a price is not a product page any
//! more (markup changed, product removed, an error page): [`UnreadablePage`] says what is
//! missing and where it was looked for.

use super::markup::{attr, first, names, properties, property_value, sel, text, text_of};
use super::price::{parse_count, parse_vnd};
use nongsan_domain::text::fold;
use scraper::{ElementRef, Html};
use serde::Serialize;
use std::collections::BTreeMap;

/// Where a field's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The RDFa `schema:Product` block.
    Rdfa,
    /// The visible page.
    Markup,
}

/// Where the values of a page came from, as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Rdfa,
    Markup,
    Both,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Rdfa => "rdfa",
            Source::Markup => "markup",
            Source::Both => "both",
        }
    }
}

/// Everything the scraper reads from a product page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductPage {
    /// The product's own URL (`schema:url`, else `og:url`/canonical), when the page says.
    pub url: Option<String>,
    pub title: String,
    /// The price a buyer pays now, whole dong.
    pub price_vnd: i64,
    /// The crossed-out price before a discount.
    pub list_price_vnd: Option<i64>,
    pub currency: Option<String>,
    /// `Some(false)` when the page says out of stock, `Some(true)` when it says in stock.
    pub available: Option<bool>,
    /// Stars, 0 to 5.
    pub rating: Option<f64>,
    pub review_count: Option<i64>,
    pub sold_count: Option<i64>,
    /// The shop's name.
    pub seller: Option<String>,
    pub seller_province: Option<String>,
    pub description: Option<String>,
    pub brand: Option<String>,
    pub sku: Option<String>,
    pub mpn: Option<String>,
    pub images: Vec<String>,
    /// "Giảm 14%" → 14.
    pub discount_percent: Option<i64>,
    pub price_valid_until: Option<String>,
    /// The text of the OCOP badge, when the page shows one.
    pub ocop: Option<String>,
    pub source: Source,
    /// Where each field that has a value came from.
    pub origins: BTreeMap<&'static str, Origin>,
}

/// Why a page is not a readable product page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct UnreadablePage {
    /// `title`, `price` or both.
    pub missing: Vec<&'static str>,
    /// The page's `<title>`, to recognise an error page.
    pub page_title: Option<String>,
}

impl UnreadablePage {
    fn describe(&self) -> String {
        let looked = |field: &str| match field {
            "title" => "title (RDFa schema:name, h1.c-product-head__title > span)",
            _ => "price (RDFa schema:offers/schema:price, span.c-product-main__price)",
        };
        let missing: Vec<&str> = self.missing.iter().map(|m| looked(m)).collect();
        let mut text = format!("not a readable voso product page: no {}", missing.join(", no "));
        if let Some(title) = &self.page_title {
            text.push_str(&format!("; the page is titled \"{title}\""));
        }
        text
    }
}

/// Collects values with their origin: the first source that has one wins.
struct Fields {
    origins: BTreeMap<&'static str, Origin>,
}

impl Fields {
    fn pick<T>(&mut self, name: &'static str, rdfa: Option<T>, markup: impl FnOnce() -> Option<T>) -> Option<T> {
        if let Some(value) = rdfa {
            self.origins.insert(name, Origin::Rdfa);
            return Some(value);
        }
        let value = markup();
        if value.is_some() {
            self.origins.insert(name, Origin::Markup);
        }
        value
    }
}

/// Reads a product page. `Err` only when it yields no title or no price.
pub fn parse_product(html: &str) -> Result<ProductPage, UnreadablePage> {
    let document = Html::parse_document(html);
    let root = document.root_element();
    let product = root.select(&sel("[typeof]")).find(|e| e.value().attr("typeof").is_some_and(|t| names(t, "Product")));
    let offer = product.and_then(|p| properties(p, "offers").iter().find_map(|o| o.resource()));
    let rating_block = product.and_then(|p| properties(p, "aggregateRating").iter().find_map(|o| o.resource()));
    let rdfa = |scope: Option<ElementRef<'_>>, term: &str| scope.and_then(|s| property_value(s, term));
    let head = first(root, "h2.c-product-head__desc");
    let mut f = Fields { origins: BTreeMap::new() };

    let title = f.pick("title", rdfa(product, "name"), || {
        text_of(root, "h1.c-product-head__title > span").or_else(|| text_of(root, "h1.c-product-head__title"))
    });
    let price = f.pick("price_vnd", rdfa(offer, "price").and_then(|p| parse_vnd(&p)), || {
        text_of(root, "span.c-product-main__price").and_then(|p| parse_vnd(&p))
    });
    let (title, price_vnd) = match (title, price) {
        (Some(title), Some(price)) => (title, price),
        (title, price) => {
            let mut missing = Vec::new();
            if title.is_none() {
                missing.push("title");
            }
            if price.is_none() {
                missing.push("price");
            }
            return Err(UnreadablePage { missing, page_title: text_of(root, "title") });
        }
    };
    let list_price_vnd = f.pick("list_price_vnd", None, || text_of(root, "span.c-product-main__oldprice").and_then(|p| parse_vnd(&p)));
    let currency = f.pick("currency", rdfa(offer, "priceCurrency"), || None);
    let out_of_stock_shown = first(root, ".c-product-out-of-stock, .btn-out-of-stock").is_some();
    // A visible "Hết hàng" is the seller's latest word; structured data is often cached.
    let available = if out_of_stock_shown {
        f.origins.insert("available", Origin::Markup);
        Some(false)
    } else {
        f.pick("available", rdfa(offer, "availability").and_then(|a| availability(&a)), || None)
    };
    let rating = f.pick("rating", rdfa(rating_block, "ratingValue").and_then(|r| stars(&r)), || {
        head.and_then(|h| first(h, "span.jstars[data-value]")).and_then(|s| attr(s, "data-value")).and_then(|r| stars(&r))
    });
    let head_text = head.and_then(text).unwrap_or_default();
    let review_count =
        f.pick("review_count", rdfa(rating_block, "reviewCount").and_then(|r| parse_count(&r)), || count_before(&head_text, "danh gia"));
    let sold_count = f.pick("sold_count", None, || count_after(&head_text, "da ban"));
    let seller = f.pick("seller", offer.and_then(|o| properties(o, "seller").first().and_then(|s| nested_name(*s))), || {
        text_of(root, ".shop-info .b__shop--name")
    });
    let seller_province = f.pick("seller_province", None, || text_of(root, ".detail-merchant-provice-mobile"));
    let description = f.pick("description", rdfa(product, "description"), || None);
    let brand = f.pick("brand", product.and_then(|p| properties(p, "brand").first().map(|b| nested_name(*b))).flatten(), || None);
    let sku = f.pick("sku", rdfa(product, "sku"), || None);
    let mpn = f.pick("mpn", rdfa(product, "mpn"), || None);
    let images: Vec<String> = product.map(|p| properties(p, "image").iter().filter_map(|i| i.value()).collect()).unwrap_or_default();
    if !images.is_empty() {
        f.origins.insert("images", Origin::Rdfa);
    }
    let discount_percent = f.pick("discount_percent", None, || text_of(root, "span.c-tag-sale").and_then(|t| parse_count(&t)));
    let price_valid_until = f.pick("price_valid_until", rdfa(offer, "priceValidUntil"), || None);
    let ocop = f.pick("ocop", None, || text_of(root, "div.ocop_info"));
    let url = f.pick("url", rdfa(offer, "url").or_else(|| rdfa(product, "url")), || {
        first(root, r#"link[rel="canonical"]"#).and_then(|l| attr(l, "href"))
    });
    let rdfa_count = f.origins.values().filter(|o| **o == Origin::Rdfa).count();
    let source = match (rdfa_count, f.origins.len() - rdfa_count) {
        (_, 0) => Source::Rdfa,
        (0, _) => Source::Markup,
        _ => Source::Both,
    };
    Ok(ProductPage {
        url,
        title,
        price_vnd,
        list_price_vnd,
        currency,
        available,
        rating,
        review_count,
        sold_count,
        seller,
        seller_province,
        description,
        brand,
        sku,
        mpn,
        images,
        discount_percent,
        price_valid_until,
        ocop,
        source,
        origins: f.origins,
    })
}

/// `schema:availability`: `http://schema.org/InStock`, `schema:OutOfStock`, `InStock`, ….
fn availability(value: &str) -> Option<bool> {
    let v = value.rsplit(['/', ':', '#']).next().unwrap_or(value).to_ascii_lowercase();
    match v.as_str() {
        "instock" | "limitedavailability" | "onlineonly" | "preorder" | "presale" => Some(true),
        "outofstock" | "soldout" | "discontinued" | "instoreonly" => Some(false),
        _ => None,
    }
}

/// A star rating between 0 and 5, with a comma or a dot as decimal mark.
fn stars(value: &str) -> Option<f64> {
    let v: f64 = value.trim().replace(',', ".").parse().ok()?;
    (v.is_finite() && (0.0..=5.0).contains(&v)).then_some(v)
}

/// A nested resource's `schema:name`, or the property's own value.
fn nested_name(property: super::markup::Property<'_>) -> Option<String> {
    property.resource().and_then(|r| property_value(r, "name")).or_else(|| property.value())
}

/// Lower case without Vietnamese marks, punctuation kept (so "2.118" stays one number).
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue;
        }
        if c.is_alphabetic() && !c.is_ascii() {
            out.push_str(&fold(&c.to_string()));
        } else if c.is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The number just before `phrase` (marks ignored): "10 Đánh giá" and "(10) Đánh giá" → 10.
pub(crate) fn count_before(text: &str, phrase: &str) -> Option<i64> {
    let plain = plain(text);
    let at = plain.find(phrase)?;
    let before = plain[..at].trim_end_matches(|c: char| c == ')' || c.is_whitespace());
    let start = before.rfind(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ','))).map_or(0, |i| i + 1);
    parse_count(&before[start..])
}

/// The number just after `phrase` (marks ignored): "Đã bán 6" → 6.
pub(crate) fn count_after(text: &str, phrase: &str) -> Option<i64> {
    let plain = plain(text);
    let at = plain.find(phrase)? + phrase.len();
    let after = plain[at..].trim_start_matches(|c: char| c == ':' || c.is_whitespace());
    after.starts_with(|c: char| c.is_ascii_digit()).then(|| parse_count(after)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_found_beside_their_words() {
        assert_eq!(count_before("4.5 10 Đánh giá | Đã bán 6", "danh gia"), Some(10));
        assert_eq!(count_after("4.5 10 Đánh giá | Đã bán 6", "da ban"), Some(6));
        assert_eq!(count_after("Đánh giá | Đã bán", "da ban"), None);
        assert_eq!(count_before("Đánh giá", "danh gia"), None);
        assert_eq!(count_before("4,5 (12) Đánh giá", "danh gia"), Some(12));
        assert_eq!(count_before("2.118 đã bán", "da ban"), Some(2118));
    }

    #[test]
    fn availability_and_stars() {
        assert_eq!(availability("http://schema.org/InStock"), Some(true));
        assert_eq!(availability("schema:OutOfStock"), Some(false));
        assert_eq!(availability("maybe"), None);
        assert_eq!(stars("4,5"), Some(4.5));
        assert_eq!(stars("7"), None);
    }
}
