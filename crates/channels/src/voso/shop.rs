//! Product cards (`div.f-items`) on voso.vn shop, category, search and home pages: what a
//! seller's shop shows of each product, so that products can be matched to listings.

use super::markup::{attr, first, sel, text_of};
use super::price::parse_vnd;
use super::product::count_before;
use reqwest::Url;
use scraper::Html;
use serde::Serialize;

/// One product card.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Card {
    /// The product page, absolute.
    pub url: String,
    pub name: String,
    /// Price on the card (`215,000₫`).
    pub price_vnd: Option<i64>,
    pub list_price_vnd: Option<i64>,
    /// "2118 đã bán"; `None` when the card shows no sales.
    pub sold_count: Option<i64>,
    /// The lazily loaded image (`data-href`), absolute.
    pub image_url: Option<String>,
    pub rating: Option<f64>,
    /// "-14%" → 14.
    pub discount_percent: Option<i64>,
}

/// What a shop (or listing) page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShopPage {
    /// The shop's name, when the page shows it.
    pub name: Option<String>,
    pub cards: Vec<Card>,
    /// Cards found without a product link or a name (markup drift shows here first).
    pub unreadable_cards: usize,
}

/// Reads the cards of a page fetched from `page_url` (relative links resolve against it).
pub fn parse_shop(html: &str, page_url: Option<&str>) -> ShopPage {
    let document = Html::parse_document(html);
    let root = document.root_element();
    let base = page_url.and_then(|u| Url::parse(u).ok());
    let absolute = |href: String| -> Option<String> {
        match &base {
            Some(base) => base.join(&href).ok().map(String::from),
            None => Url::parse(&href).ok().map(String::from).or(Some(href)),
        }
    };
    let mut cards = Vec::new();
    let mut unreadable_cards = 0;
    for card in root.select(&sel("div.f-items")) {
        let url = first(card, "div.f-product-item__thumb > a[href]")
            .or_else(|| first(card, "div.f-items_name > a[href]"))
            .and_then(|a| attr(a, "href"))
            .and_then(&absolute)
            // A page read without its address (a saved file) keeps root-relative links as they are.
            .filter(|u| u.starts_with("https://") || u.starts_with("http://") || (base.is_none() && u.starts_with('/')));
        let name = text_of(card, "div.f-items_name > a").or_else(|| text_of(card, "div.f-items_name"));
        let (Some(url), Some(name)) = (url, name) else {
            unreadable_cards += 1;
            continue;
        };
        let card_text = super::markup::text(card).unwrap_or_default();
        cards.push(Card {
            url,
            name,
            price_vnd: text_of(card, "div.b-price div.b__price > strong").and_then(|p| parse_vnd(&p)),
            list_price_vnd: text_of(card, "div.listed-price").and_then(|p| parse_vnd(&p)),
            sold_count: count_before(&card_text, "da ban"),
            image_url: first(card, "div.f-product-item__thumb-img").and_then(|i| attr(i, "data-href")).and_then(&absolute),
            rating: first(card, "span.jstars[data-value]")
                .and_then(|s| attr(s, "data-value"))
                .and_then(|r| r.replace(',', ".").parse::<f64>().ok())
                .filter(|r| (0.0..=5.0).contains(r)),
            discount_percent: text_of(card, "span.product-price").and_then(|t| super::price::parse_count(&t)),
        });
    }
    let name = text_of(root, ".shop-info .b__shop--name").or_else(|| text_of(root, "h1"));
    ShopPage { name, cards, unreadable_cards }
}
