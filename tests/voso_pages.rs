//! The voso assisted flow end to end, through the real router and the real job worker against
//! the voso sandbox: a curator routes a listing to voso, a helper finds the package and pastes
//! the sandbox product URL, the watcher reads the page, and the sync board shows the listing
//! live with the price and sales voso shows (and flags a price that differs); a match found
//! on the shop page waits for the helper to confirm it.

mod support;

use axum::http::StatusCode;
use nongsan_channels::sandbox::voso::{NewProduct, ProductEdit, SHOP_PATH, VosoSandbox};
use nongsan_domain::account::Role;
use nongsan_jobs::worker::drain;
use nongsan_jobs::{ChannelSettings, JobContext, WorkerConfig};
use nongsan_store::testing::{approved_listing, farmer};
use nongsan_store::{AccountSettings, ChannelState, find_on_shop_job};
use std::time::Duration;
use support::{Browser, PASSWORD, TestApp};

async fn staff<'a>(app: &'a TestApp, role: Role, phone: &str, communes: &[&str]) -> Browser<'a> {
    app.staff(role, phone, communes).await;
    let mut browser = Browser::new(app);
    let login = browser.get("/login").await;
    let answer = browser.post("/login", &[("csrf", &Browser::csrf_from(&login)), ("phone", phone), ("password", PASSWORD)]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{phone} logs in");
    browser
}

#[tokio::test]
async fn routed_to_voso_a_pasted_sandbox_url_puts_the_listing_live_with_what_voso_shows() {
    let app = TestApp::new().await;
    let store = &app.db.store;
    let sandbox = VosoSandbox::new();
    let base = format!("http://{}", sandbox.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap());
    store
        .create_channel_account(&AccountSettings {
            channel: "voso".into(),
            mode: "assisted".into(),
            name: "Shop voso Di Linh (sandbox)".into(),
            base_url: format!("{base}{SHOP_PATH}"),
            credentials: None,
            farmer_id: None,
            default_crops: Vec::new(),
            requests_per_minute: 6000,
            active: true,
        })
        .await
        .unwrap();
    let ctx = JobContext::new(store.clone(), app.state.media.clone(), None, ChannelSettings::default());
    ctx.voso().unwrap().set_min_interval(Duration::from_millis(5));
    let worker = WorkerConfig::new(1);
    let farmer_id = farmer(store, "0912345678").await;
    let id = approved_listing(store, farmer_id, 1).await;

    // The curator routes it to voso; the push job makes it a helper's task.
    let mut curator = staff(&app, Role::Curator, "0931111111", &[]).await;
    let review = curator.get(&format!("/review/{id}")).await;
    let csrf = Browser::csrf_from(&review);
    let routed = curator.post(&format!("/review/{id}/channels"), &[("csrf", &csrf), ("channels_shown", "1"), ("channels", "voso")]).await;
    assert_eq!(routed.status, StatusCode::SEE_OTHER);
    drain(&ctx, &worker).await.unwrap();
    let cl = store.channel_listings_of(id).await.unwrap().remove(0);
    assert_eq!(cl.state, ChannelState::NeedsAction);
    let task = format!("/helper/tasks/{}", cl.id);

    // The helper finds the package and enters it in the (sandbox) seller centre.
    let mut helper = staff(&app, Role::Helper, "0971111111", &["gia-hiep"]).await;
    assert!(helper.get("/helper/tasks").await.text().contains(&format!("href=\"{task}\"")));
    let page = helper.get(&task).await;
    let text = page.text();
    assert!(text.contains("value=\"Sầu riêng Ri6 vườn 1 Di Linh – 1 kg\"") && text.contains("Trái cây (c225)"), "the voso package");
    let product = sandbox.add_product(NewProduct {
        title: "Sầu riêng Ri6 vườn 1 Di Linh – 1 kg".into(),
        price_vnd: 85_000,
        sold_count: Some(6),
        ..NewProduct::default()
    });
    let url = format!("{base}{}", product.path);

    let csrf = Browser::csrf_from(&page);
    for wrong in ["https://shopee.vn/sau-rieng-i.1.2", &format!("http://127.0.0.1:9{}", product.path), &format!("{base}/")] {
        let refused = helper.post(&format!("{task}/done"), &[("csrf", &csrf), ("url", wrong)]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{wrong}");
        assert!(refused.text().contains("hoặc trên trang shop của tài khoản kênh"), "{wrong}: the message says what is accepted");
    }
    let done = helper.post(&format!("{task}/done"), &[("csrf", &csrf), ("url", &url)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(done.location(), "/helper/tasks?done=watch");
    assert!(helper.get("/helper/tasks?done=watch").await.text().contains("nongsan sẽ đọc trang sản phẩm"));
    assert_eq!(store.channel_listing(cl.id).await.unwrap().state, ChannelState::Queued, "live once its page is read");

    // The watcher reads the page: live, with voso's price and sales on the board.
    drain(&ctx, &worker).await.unwrap();
    let live = store.channel_listing(cl.id).await.unwrap();
    assert_eq!((live.state, live.observed_price, live.observed_sold), (ChannelState::Live, Some(85_000), Some(6)));
    let board = curator.get("/sync?channel=voso").await.text();
    assert!(board.contains("Giá trên sàn: 85.000 ₫") && board.contains("Đã bán: 6"), "{board}");
    assert!(!board.contains("khác giá tin"));
    assert!(board.contains(&format!("href=\"{url}\"")), "a link to the page");
    assert!(curator.get(&format!("/review/{id}")).await.text().contains("Giá trên sàn: 85.000 ₫"), "the listing's channel states too");

    // The seller changes the price on voso: the board flags it.
    sandbox.edit_product(product.id, &ProductEdit { price_vnd: Some(95_000), sold_count: Some(9), ..ProductEdit::default() });
    store.enqueue(&nongsan_store::watch_job(cl.id)).await.unwrap();
    drain(&ctx, &worker).await.unwrap();
    let board = curator.get("/sync?channel=voso").await.text();
    assert!(board.contains("Giá trên sàn (95.000 ₫/kg) khác giá tin (85.000 ₫/kg)"), "{board}");
    assert!(board.contains("Đã bán: 9"));

    // The page breaks: the board says what a person must do, with the scraper's reason.
    sandbox.set_drift(true);
    store.enqueue(&nongsan_store::watch_job(cl.id)).await.unwrap();
    drain(&ctx, &worker).await.unwrap();
    let board = curator.get("/sync?channel=voso").await.text();
    assert!(board.contains("không còn cho đọc tên và giá") && board.contains("Chi tiết kỹ thuật"), "{board}");
    assert!(board.contains("span.c-product-main__price"), "the technical reason is there for the maintainer");
    assert_eq!(store.observations_of(cl.id).await.unwrap().len(), 2, "what was seen stays");
}

#[tokio::test]
async fn a_doubtful_match_on_the_shop_page_waits_filled_in_for_the_helper() {
    let app = TestApp::new().await;
    let store = &app.db.store;
    let sandbox = VosoSandbox::new();
    let base = format!("http://{}", sandbox.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap());
    let account = store
        .create_channel_account(&AccountSettings {
            channel: "voso".into(),
            mode: "assisted".into(),
            name: "Shop voso".into(),
            base_url: format!("{base}{SHOP_PATH}"),
            default_crops: Vec::new(),
            requests_per_minute: 6000,
            active: true,
            ..AccountSettings::default()
        })
        .await
        .unwrap();
    let ctx = JobContext::new(store.clone(), app.state.media.clone(), None, ChannelSettings::default());
    ctx.voso().unwrap().set_min_interval(Duration::from_millis(5));
    let worker = WorkerConfig::new(1);
    let farmer_id = farmer(store, "0912345678").await;
    let id = approved_listing(store, farmer_id, 2).await;
    store.route_listing(id, &["voso".to_owned()]).await.unwrap();
    drain(&ctx, &worker).await.unwrap();
    let cl = store.channel_listings_of(id).await.unwrap().remove(0);
    let product = sandbox.add_product(NewProduct { title: "Sầu riêng Ri6 Di Linh".into(), price_vnd: 85_000, ..NewProduct::default() });
    let url = format!("{base}{}", product.path);
    store.enqueue(&find_on_shop_job(account.id)).await.unwrap();
    drain(&ctx, &worker).await.unwrap();

    let mut helper = staff(&app, Role::Helper, "0971111111", &["gia-hiep"]).await;
    let task = format!("/helper/tasks/{}", cl.id);
    let page = helper.get(&task).await;
    let text = page.text();
    assert!(text.contains("có thể là tin này"), "the helper is asked to confirm");
    assert!(text.contains(&format!("value=\"{url}\"")), "with the address filled in");
    let done = helper.post(&format!("{task}/done"), &[("csrf", &Browser::csrf_from(&page)), ("url", &url)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    drain(&ctx, &worker).await.unwrap();
    assert_eq!(store.channel_listing(cl.id).await.unwrap().state, ChannelState::Live);
}
