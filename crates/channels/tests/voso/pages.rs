//! Product and shop pages from fixtures: both price styles, structured data first, the visible
//! markup as fallback, missing fields unknown, out of stock, drifted markup, error pages.

use super::fixture;
use nongsan_channels::voso::{Origin, Source, parse_product, parse_shop};

#[test]
fn a_full_page_is_read_from_its_structured_data() {
    let page = parse_product(&fixture("product_rdfa.html")).expect("a product page");
    assert_eq!(page.title, "Sầu riêng Ri6 Di Linh loại 1 - hộp 5kg");
    assert_eq!(page.price_vnd, 100_000);
    assert_eq!(page.list_price_vnd, Some(116_000), "the crossed-out price, 116.000đ");
    assert_eq!(page.currency.as_deref(), Some("VND"));
    assert_eq!(page.available, Some(true));
    assert_eq!(page.rating, Some(4.5));
    assert_eq!(page.review_count, Some(10));
    assert_eq!(page.sold_count, Some(6), "only the visible markup has sales");
    assert_eq!(page.seller.as_deref(), Some("HTX Nông sản Di Linh"));
    assert_eq!(page.seller_province.as_deref(), Some("Lâm Đồng"));
    assert_eq!(page.brand.as_deref(), Some("HTX Nông sản Di Linh"));
    assert_eq!(page.sku.as_deref(), Some("VS-12708"));
    assert_eq!(page.mpn.as_deref(), Some("12708"));
    assert_eq!(page.discount_percent, Some(14));
    assert_eq!(page.price_valid_until.as_deref(), Some("2026-12-31"));
    assert_eq!(page.ocop.as_deref(), Some("OCOP 4 sao"));
    assert_eq!(page.url.as_deref(), Some("https://voso.vn/sau-rieng-ri6-di-linh-loai-1-hop-5kg-p12708.html"));
    assert_eq!(page.images.len(), 1);
    assert!(page.images[0].starts_with("https://image.voso.vn/users/vosoimages/images/a1b2c3?t[0]=maxSize:width=320"));
    assert!(page.description.as_deref().is_some_and(|d| d.contains("cơm vàng")));
    assert_eq!(page.origins["title"], Origin::Rdfa);
    assert_eq!(page.origins["price_vnd"], Origin::Rdfa);
    assert_eq!(page.origins["rating"], Origin::Rdfa);
    assert_eq!(page.origins["sold_count"], Origin::Markup);
    assert_eq!(page.origins["seller"], Origin::Rdfa, "the offer's seller organisation");
    assert_eq!(page.source, Source::Both);
}

#[test]
fn without_structured_data_every_field_comes_from_the_visible_markup() {
    let page = parse_product(&fixture("product_markup_only.html")).expect("a product page");
    assert_eq!(page.title, "Mắc ca sấy nứt vỏ Di Linh - túi 500g", "whitespace around the name is tidied");
    assert_eq!(page.price_vnd, 215_000, "215.000đ with a dot for thousands");
    assert_eq!(page.list_price_vnd, Some(250_000));
    assert_eq!(page.rating, Some(5.0));
    assert_eq!(page.review_count, Some(3));
    assert_eq!(page.sold_count, Some(2118), "2.118 with a thousands dot");
    assert_eq!(page.seller.as_deref(), Some("Vườn mắc ca Hòa Ninh"));
    assert_eq!(page.available, None, "no stock marker and no structured data: unknown");
    assert_eq!(page.ocop, None, "an empty OCOP slot is no badge");
    assert_eq!(page.source, Source::Markup);
    assert!(page.origins.values().all(|o| *o == Origin::Markup));
}

#[test]
fn fields_the_page_does_not_show_are_unknown_not_zero() {
    let page = parse_product(&fixture("product_sparse.html")).expect("a product page");
    assert_eq!((page.title.as_str(), page.price_vnd), ("Cà phê Robusta Di Linh rang mộc - 1kg", 199_000));
    assert_eq!(page.rating, None);
    assert_eq!(page.review_count, None);
    assert_eq!(page.sold_count, None);
    assert_eq!(page.seller, None);
    assert_eq!(page.list_price_vnd, None);
    assert_eq!(page.available, None);
    assert_eq!(page.source, Source::Rdfa);
}

#[test]
fn out_of_stock_is_read() {
    let page = parse_product(&fixture("product_out_of_stock.html")).expect("a product page");
    assert_eq!(page.available, Some(false));
    assert_eq!(page.origins["available"], Origin::Markup, "the visible Hết hàng is the seller's latest word");
    assert_eq!(page.price_vnd, 180_000);
    assert_eq!(page.sold_count, Some(31));
    assert_eq!(page.seller.as_deref(), Some("Vườn sầu riêng Tân Lâm"), "a plain schema:seller value");
}

#[test]
fn drifted_markup_says_what_is_missing() {
    let error = parse_product(&fixture("product_drifted.html")).expect_err("not readable any more");
    assert_eq!(error.missing, ["title", "price"]);
    let text = error.to_string();
    assert!(text.contains("h1.c-product-head__title") && text.contains("span.c-product-main__price"), "{text}");
    assert!(text.contains("Sầu riêng Ri6 Di Linh loại 1 - hộp 5kg | Voso.vn"), "the page title helps recognise it: {text}");

    let error = parse_product(&fixture("not_found.html")).expect_err("an error page is no product");
    assert!(error.to_string().contains("Không tìm thấy trang"), "{error}");
    for junk in ["", "{\"error\": 1}", "<html><body><h1 class=\"c-product-head__title\"><span>Tên</span></h1></body></html>"] {
        assert!(parse_product(junk).is_err(), "{junk}");
    }
    let only_title = parse_product("<h1 class=\"c-product-head__title\"><span>Tên</span></h1>").unwrap_err();
    assert_eq!(only_title.missing, ["price"]);
}

#[test]
fn the_shop_page_yields_its_cards_with_comma_prices() {
    let shop = parse_shop(&fixture("shop.html"), Some("https://voso.vn/hop-tac-xa-nong-san-di-linh-s3021"));
    assert_eq!(shop.name.as_deref(), Some("HTX Nông sản Di Linh"));
    assert_eq!(shop.cards.len(), 2);
    assert_eq!(shop.unreadable_cards, 1, "the card still loading is counted, not guessed");
    let durian = &shop.cards[0];
    assert_eq!(durian.url, "https://voso.vn/sau-rieng-ri6-di-linh-loai-1-hop-5kg-p12708.html");
    assert_eq!(durian.name, "Sầu riêng Ri6 Di Linh loại 1 - hộp 5kg");
    assert_eq!(durian.price_vnd, Some(215_000), "215,000₫ with a comma for thousands");
    assert_eq!(durian.list_price_vnd, Some(250_000));
    assert_eq!(durian.sold_count, Some(2118));
    assert_eq!(durian.rating, Some(4.5));
    assert_eq!(durian.discount_percent, Some(14));
    assert!(durian.image_url.as_deref().is_some_and(|u| u.starts_with("https://image.voso.vn/") && u.contains("&accessToken=9f8e")));
    let macca = &shop.cards[1];
    assert_eq!(macca.url, "https://voso.vn/mac-ca-say-nut-vo-di-linh-tui-500g-p12711.html", "relative links resolve");
    assert_eq!(macca.image_url.as_deref(), Some("https://voso.vn/users/vosoimages/images/d4e5f6"));
    assert_eq!((macca.price_vnd, macca.sold_count, macca.list_price_vnd, macca.rating), (Some(135_000), None, None, None));
    assert!(parse_shop("<html></html>", None).cards.is_empty());
}

/// Not a test of speed (that is the benchmark's): the figure is printed for the record.
#[test]
fn parsing_a_page_takes_milliseconds() {
    let html = fixture("product_rdfa.html");
    let started = std::time::Instant::now();
    for _ in 0..100 {
        parse_product(&html).unwrap();
    }
    println!("product page: {:.3} ms per parse (debug build)", started.elapsed().as_secs_f64() * 10.0);
    let html = fixture("shop.html");
    let started = std::time::Instant::now();
    for _ in 0..100 {
        assert_eq!(parse_shop(&html, None).cards.len(), 2);
    }
    println!("shop page: {:.3} ms per parse (debug build)", started.elapsed().as_secs_f64() * 10.0);
}
