use crate::{Harness, SHORT_TIMEOUT, TIMEOUT, TOKEN, durian};
use nongsan_channels::ChannelError;
use nongsan_channels::postmart::PostmartClient;
use nongsan_channels::sandbox::postmart::Fault;
use std::time::Duration;

#[tokio::test]
async fn too_many_requests_carries_the_retry_after_sent() {
    let h = Harness::new().await;
    h.sandbox.inject(Fault::TooManyRequests { retry_after_secs: 17 }, 1);
    let error = h.client.categories().await.expect_err("429");
    assert_eq!(error, ChannelError::RateLimited { retry_after: Some(Duration::from_secs(17)) });
    assert!(error.retryable() && error.counts_against_account());
    h.client.categories().await.expect("the fault was used up");
}

#[tokio::test]
async fn answers_that_break_the_contract_are_protocol_errors() {
    let h = Harness::new().await;
    for fault in [Fault::HtmlErrorPage, Fault::MalformedBody, Fault::WrongEnvelopeCode] {
        h.sandbox.inject(fault.clone(), 2);
        let read = h.client.categories().await.expect_err("read");
        assert!(matches!(read, ChannelError::Protocol(_)), "{fault:?} on a read: {read:?}");
        let write = h.client.delist("43001").await.expect_err("write");
        assert!(matches!(write, ChannelError::Protocol(_)), "{fault:?} on a write: {write:?}");
    }
    h.sandbox.inject(Fault::HtmlErrorPage, 1);
    let error = h.client.categories().await.expect_err("html");
    assert!(error.to_string().contains("Hệ thống đang bảo trì"), "{error}");
}

#[tokio::test]
async fn a_lost_create_answer_is_an_unknown_outcome_that_find_by_sku_resolves() {
    let h = Harness::new().await;
    h.sandbox.inject_on("products/create", Fault::CreateAnswerLost, 1);
    let error = h.client.create(&durian("NS-12-3")).await.expect_err("lost answer");
    assert!(matches!(error, ChannelError::UnknownOutcome(_)), "{error:?}");
    assert_eq!(h.sandbox.products().len(), 1, "the platform did store it");
    let found = h.client.find_by_sku("NS-12-3").await.expect("find").expect("the lookup finds it");
    assert_eq!(found.external_id, h.sandbox.products()[0].id.to_string());
    assert_eq!(h.sent("image_product/upload"), 1, "the targeted fault left the upload alone");
}

#[tokio::test]
async fn a_server_error_is_unavailable_on_a_read_and_unknown_on_a_write() {
    let h = Harness::new().await;
    h.sandbox.inject(Fault::ServerError, 2);
    assert_eq!(h.client.find_by_sku("NS-1-1").await.map_err(|e| e.kind()), Err("unavailable"));
    assert_eq!(h.client.update("43001", &durian("NS-1-1")).await.map_err(|e| e.kind()), Err("unknown_outcome"));
}

#[tokio::test]
async fn expired_credentials_need_a_person() {
    let h = Harness::new().await;
    h.sandbox.inject(Fault::ExpiredCredential, 1);
    let error = h.client.categories().await.expect_err("expired");
    assert!(matches!(error, ChannelError::Credentials(_)), "{error:?}");
    assert!(!error.retryable() && !error.counts_against_account());
    h.client.categories().await.expect("a one-off fault");

    h.sandbox.expire_token();
    for _ in 0..2 {
        let error = h.client.create(&durian("NS-4-1")).await.expect_err("expired for good");
        assert!(matches!(&error, ChannelError::Credentials(d) if d.contains("hết hạn")), "{error:?}");
    }
    assert!(h.sandbox.products().is_empty());
}

#[tokio::test]
async fn a_slow_answer_times_out_as_unavailable_or_unknown() {
    let h = Harness::new().await;
    let client = h.impatient_client();
    let beyond_timeout = SHORT_TIMEOUT * 3;
    h.sandbox.inject(Fault::Slow(beyond_timeout), 1);
    let error = client.categories().await.expect_err("too slow");
    assert!(matches!(&error, ChannelError::Unavailable(d) if d.contains("no answer within 300 ms")), "{error:?}");
    let mut product = durian("NS-5-1");
    product.images.clear();
    h.sandbox.inject_on("products/create", Fault::Slow(beyond_timeout), 1);
    assert_eq!(client.create(&product).await.map_err(|e| e.kind()), Err("unknown_outcome"));
    assert!(h.client.find_by_sku("NS-5-1").await.expect("find").is_some(), "the write happened");
}

#[tokio::test]
async fn an_outage_is_unavailable_until_it_ends() {
    let h = Harness::new().await;
    h.sandbox.set_down(true);
    assert_eq!(h.client.categories().await.map_err(|e| e.kind()), Err("unavailable"));
    h.sandbox.set_down(false);
    h.client.categories().await.expect("back up");
}

#[tokio::test]
async fn a_refused_connection_is_unavailable_even_for_a_write() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let client = PostmartClient::new(&format!("http://{addr}/"), TOKEN, TIMEOUT).expect("client");
    let mut product = durian("NS-6-1");
    product.images.clear();
    let error = client.create(&product).await.expect_err("nothing listens");
    assert!(matches!(error, ChannelError::Unavailable(_)), "never sent, so nothing happened: {error:?}");
}

#[tokio::test]
async fn a_token_never_appears_in_errors_or_debug_output() {
    let h = Harness::new().await;
    let wrong = "wrong-secret-9481";
    let client = h.client_with_token(wrong);
    let error = client.categories().await.expect_err("refused");
    assert!(matches!(error, ChannelError::Credentials(_)), "{error:?}");
    assert!(error.to_string().contains("[redacted]"), "the sandbox echoed the token and it was hidden: {error}");
    for text in [error.to_string(), format!("{error:?}"), format!("{client:?}"), format!("{:?}", h.client)] {
        assert!(!text.contains(wrong) && !text.contains(TOKEN), "leaked in {text}");
    }
    let with_userinfo = PostmartClient::new(&format!("http://merchant:{wrong}@127.0.0.1:9/"), TOKEN, TIMEOUT).expect("client");
    assert!(!format!("{with_userinfo:?}").contains(wrong));
    let error = PostmartClient::new("not a url", wrong, TIMEOUT).expect_err("bad base");
    assert!(!format!("{error:?}").contains(wrong));
    assert_eq!(PostmartClient::new("http://x", "two words", TIMEOUT).map(|_| ()).map_err(|e| e.kind()), Err("credentials"));
}

#[tokio::test]
async fn the_control_endpoints_drive_the_sandbox_over_http() {
    let h = Harness::new().await;
    let http = reqwest::Client::new();
    let post = |path: &str, body: &str| http.post(format!("{}/_sandbox/{path}", h.base)).body(body.to_owned()).send();
    let answer = post("fault", r#"{"kind": "too_many_requests", "retry_after_secs": 3, "path": "categories"}"#).await.expect("send");
    assert_eq!(answer.status(), 204);
    assert_eq!(h.client.categories().await.map_err(|e| e.retry_after()), Err(Some(Duration::from_secs(3))));
    assert_eq!(post("fault", r#"{"kind": "meteor"}"#).await.expect("send").status(), 400);

    post("down", "").await.expect("send");
    assert_eq!(h.client.categories().await.map_err(|e| e.kind()), Err("unavailable"));
    post("up", "").await.expect("send");

    let created = h.client.create(&durian("NS-7-1")).await.expect("create");
    let listed: serde_json::Value =
        http.get(format!("{}/_sandbox/products", h.base)).send().await.expect("send").json().await.expect("json");
    assert_eq!(listed[0]["id"].to_string(), created.external_id);
    let order: serde_json::Value =
        post("orders", r#"{"sku": "NS-7-1", "quantity": 2.5, "unit_price_vnd": 120000}"#).await.expect("send").json().await.expect("json");
    let orders = h.client.orders_since(None).await.expect("orders");
    assert_eq!(Some(orders.orders[0].external_id.as_str()), order["order_sn"].as_str());
    let requests: serde_json::Value =
        http.get(format!("{}/_sandbox/requests", h.base)).send().await.expect("send").json().await.expect("json");
    assert!(requests.as_array().expect("array").iter().all(|r| !r["path"].as_str().unwrap_or("/_sandbox").starts_with("/_sandbox")));
}
