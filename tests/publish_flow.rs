//! The whole publishing flow through the real router and the real worker, against the postmart
//! sandbox: a curator approves with postmart ticked, the worker publishes, and the public page
//! of the listing links to the product on postmart.

mod support;

use axum::http::StatusCode;
use nongsan_channels::sandbox::postmart::PostmartSandbox;
use nongsan_domain::account::Role;
use nongsan_jobs::connector::postmart_api_account;
use nongsan_jobs::{ChannelSettings, JobContext, WorkerConfig};
use nongsan_store::ChannelState;
use support::{Browser, PASSWORD, TestApp};

#[tokio::test]
async fn an_approved_listing_goes_live_on_postmart_and_its_page_links_there() {
    let app = TestApp::new().await;
    let sandbox = PostmartSandbox::new("flow-token-0123456789");
    let addr = sandbox.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let sealer = app.state.sealer.clone().expect("the test app has a key");
    let settings = postmart_api_account(&sealer, &format!("http://{addr}/"), "flow-token-0123456789", 600, &["durian"]);
    app.db.store.create_channel_account(&settings).await.unwrap();
    let (token, _) = app.farmer("0912345678", "Ka Điệp", "gia-hiep").await;
    let id = app.listing(&token, support::durian()).await;

    app.staff(Role::Curator, "0981111111", &[]).await;
    let mut curator = Browser::new(&app);
    let login = curator.get("/login").await;
    curator.post("/login", &[("csrf", &Browser::csrf_from(&login)), ("phone", "0981111111"), ("password", PASSWORD)]).await;
    let page = curator.get(&format!("/review/{id}")).await;
    let decided = curator
        .post(
            &format!("/review/{id}/decision"),
            &[
                ("csrf", &Browser::csrf_from(&page)),
                ("decision", "approve"),
                ("reason", ""),
                ("channels_shown", "1"),
                ("channels", "postmart"),
            ],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER);

    let ctx = JobContext::new(app.db.store.clone(), app.state.media.clone(), Some(sealer), ChannelSettings::default());
    nongsan_jobs::worker::drain(&ctx, &WorkerConfig::new(1)).await.unwrap();

    let products = sandbox.products();
    assert_eq!(products.len(), 1);
    let cl = &app.db.store.channel_listings_of(id).await.unwrap()[0];
    assert_eq!(cl.state, ChannelState::Live);
    let public = app.get(&format!("/listings/{id}")).await.text();
    assert!(public.contains(&format!("href=\"{}\"", products[0].url)), "the listing page links to the product");
    assert!(public.contains("postmart.vn"), "{public}");
    let board = curator.get("/sync").await.text();
    assert!(board.contains(&products[0].url), "the sync board shows it live with its link");
}
