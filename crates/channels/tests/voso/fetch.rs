//! The polite fetcher against the voso sandbox: who it says it is, robots.txt, one request per
//! second per host, retries, and the answers that are not product pages.

use nongsan_channels::ChannelError;
use nongsan_channels::sandbox::voso::{NewProduct, ProductEdit, SHOP_PATH, VosoSandbox};
use nongsan_channels::voso::{FetchSettings, PageFetcher, ReadError, read_product, read_shop};
use std::time::Duration;

struct Harness {
    sandbox: VosoSandbox,
    base: String,
    fetcher: PageFetcher,
}

async fn harness(min_interval: Duration) -> Harness {
    let sandbox = VosoSandbox::new();
    let addr = sandbox.spawn(([127, 0, 0, 1], 0).into()).await.expect("bind sandbox");
    let settings = FetchSettings {
        timeout: Duration::from_secs(3),
        min_interval,
        attempts: 3,
        backoff: Duration::from_millis(20),
        contact_url: "https://example.org/nongsan-bot".into(),
        max_bytes: 1 << 20,
    };
    Harness { sandbox, base: format!("http://{addr}"), fetcher: PageFetcher::new(settings).expect("fetcher") }
}

fn durian() -> NewProduct {
    NewProduct {
        title: "Sầu riêng Ri6 Di Linh - hộp 5kg".into(),
        price_vnd: 500_000,
        list_price_vnd: Some(560_000),
        sold_count: Some(6),
        rating: Some(4.5),
        review_count: Some(10),
        ..NewProduct::default()
    }
}

#[tokio::test]
async fn a_sandbox_product_page_reads_like_a_voso_one_and_follows_its_changes() {
    let h = harness(Duration::from_millis(10)).await;
    let product = h.sandbox.add_product(durian());
    let url = format!("{}{}", h.base, product.path);
    let page = read_product(&h.fetcher, &url).await.expect("read");
    assert_eq!((page.title.as_str(), page.price_vnd, page.list_price_vnd), ("Sầu riêng Ri6 Di Linh - hộp 5kg", 500_000, Some(560_000)));
    assert_eq!((page.sold_count, page.rating, page.review_count, page.available), (Some(6), Some(4.5), Some(10), Some(true)));
    assert_eq!(page.seller.as_deref(), Some("HTX Nông sản Di Linh (sandbox)"));
    assert_eq!(page.url.as_deref(), Some(url.as_str()));

    h.sandbox.edit_product(
        product.id,
        &ProductEdit { price_vnd: Some(480_000), sold_count: Some(9), available: Some(false), ..ProductEdit::default() },
    );
    let page = read_product(&h.fetcher, &url).await.expect("read");
    assert_eq!((page.price_vnd, page.sold_count, page.available), (480_000, Some(9), Some(false)));

    let shop = read_shop(&h.fetcher, &format!("{}{SHOP_PATH}", h.base)).await.expect("shop");
    assert_eq!(shop.cards.len(), 1);
    assert_eq!((shop.cards[0].url.as_str(), shop.cards[0].price_vnd, shop.cards[0].sold_count), (url.as_str(), Some(480_000), Some(9)));
}

#[tokio::test]
async fn it_says_who_it_is_and_reads_robots_txt_once() {
    let h = harness(Duration::from_millis(10)).await;
    let product = h.sandbox.add_product(durian());
    let url = format!("{}{}", h.base, product.path);
    for _ in 0..3 {
        read_product(&h.fetcher, &url).await.expect("read");
    }
    let requests = h.sandbox.requests();
    assert_eq!(requests.iter().filter(|r| r.path == "/robots.txt").count(), 1, "robots.txt is kept");
    assert_eq!(requests[0].path, "/robots.txt", "robots.txt comes first");
    assert!(requests.iter().all(|r| r.user_agent.starts_with("nongsan/") && r.user_agent.contains("+https://example.org/nongsan-bot")));

    // A host that forbids us: nothing is fetched, and the error says why.
    let h = harness(Duration::from_millis(10)).await;
    let product = h.sandbox.add_product(durian());
    h.sandbox.set_robots("User-agent: *\nAllow: /\n\nUser-agent: nongsan\nDisallow: /\n");
    let error = read_product(&h.fetcher, &format!("{}{}", h.base, product.path)).await.unwrap_err();
    assert!(matches!(&error, ReadError::Channel(ChannelError::Rejected(m)) if m.contains("robots.txt")), "{error:?}");
    assert_eq!(h.sandbox.requests().len(), 1, "only robots.txt was asked for");
}

#[tokio::test]
async fn at_most_one_request_per_second_reaches_the_host() {
    let h = harness(Duration::from_secs(1)).await;
    let product = h.sandbox.add_product(durian());
    let url = format!("{}{}", h.base, product.path);
    let started = std::time::Instant::now();
    // Concurrent reads, as several worker jobs make them: they still queue per host.
    let (a, b, c) = tokio::join!(read_product(&h.fetcher, &url), read_product(&h.fetcher, &url), read_product(&h.fetcher, &url));
    for result in [a, b, c] {
        result.expect("read");
    }
    let at: Vec<i64> = h.sandbox.requests().iter().map(|r| r.at_unix_ms).collect();
    assert_eq!(at.len(), 4, "robots.txt and three pages");
    let gaps: Vec<i64> = at.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.iter().all(|g| *g >= 990), "gaps between requests: {gaps:?} ms");
    let rate = (at.len() - 1) as f64 / ((at[at.len() - 1] - at[0]) as f64 / 1000.0);
    println!("4 requests in {:.2} s, {rate:.2} requests/s to the host", started.elapsed().as_secs_f64());
}

#[tokio::test]
async fn server_errors_are_retried_and_then_reported() {
    let h = harness(Duration::from_millis(5)).await;
    let product = h.sandbox.add_product(durian());
    let url = format!("{}{}", h.base, product.path);
    h.sandbox.fail_next(503, 2);
    read_product(&h.fetcher, &url).await.expect("the third try passes");
    h.sandbox.fail_next(502, 5);
    let error = read_product(&h.fetcher, &url).await.unwrap_err();
    assert!(
        matches!(&error, ReadError::Channel(ChannelError::Unavailable(m)) if m.contains("HTTP 502") && m.contains("3 tries")),
        "{error:?}"
    );
    assert!(matches!(&error, ReadError::Channel(e) if e.retryable()));
}

#[tokio::test]
async fn answers_that_are_not_product_pages_are_named() {
    let h = harness(Duration::from_millis(5)).await;
    let product = h.sandbox.add_product(durian());
    let url = format!("{}{}", h.base, product.path);

    h.sandbox.set_non_html(true);
    let error = read_product(&h.fetcher, &url).await.unwrap_err();
    assert!(
        matches!(&error, ReadError::Channel(ChannelError::Protocol(m)) if m.contains("expected an HTML page") && m.contains("application/json")),
        "{error:?}"
    );
    h.sandbox.set_non_html(false);

    h.sandbox.set_drift(true);
    let error = read_product(&h.fetcher, &url).await.unwrap_err();
    assert!(matches!(&error, ReadError::Unreadable(e) if e.missing == ["title", "price"]), "{error:?}");
    h.sandbox.set_drift(false);

    h.sandbox.edit_product(product.id, &ProductEdit { removed: Some(true), ..ProductEdit::default() });
    let error = read_product(&h.fetcher, &url).await.unwrap_err();
    assert!(matches!(&error, ReadError::Gone { status: 404, .. }), "{error:?}");

    let error = read_product(&h.fetcher, "http://127.0.0.1:9/x-p1.html").await.unwrap_err();
    assert!(matches!(&error, ReadError::Channel(ChannelError::Unavailable(_))), "nothing listens: {error:?}");
    let error = read_product(&h.fetcher, "javascript:alert(1)").await.unwrap_err();
    assert!(matches!(&error, ReadError::Channel(ChannelError::Rejected(_))), "{error:?}");
}
