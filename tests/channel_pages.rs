//! The channel pages through the real router: channels at approval, the sync board, channel
//! accounts and jobs for admins, and the helpers' assisted tasks.

mod support;

use axum::http::StatusCode;
use nongsan_domain::account::Role;
use nongsan_store::testing::{approved_listing, farmer};
use nongsan_store::{AccountSettings, ChannelAccount, ChannelState, JobState, NewJob};
use support::{Browser, PASSWORD, TestApp, png};

async fn logged_in<'a>(app: &'a TestApp, phone: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    let login = browser.get("/login").await;
    let answer = browser.post("/login", &[("csrf", &Browser::csrf_from(&login)), ("phone", phone), ("password", PASSWORD)]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{phone} logs in");
    browser
}

async fn staff<'a>(app: &'a TestApp, role: Role, phone: &str, communes: &[&str]) -> Browser<'a> {
    app.staff(role, phone, communes).await;
    logged_in(app, phone).await
}

/// An office (shared) account on `channel`.
async fn account(app: &TestApp, channel: &str, mode: &str, crops: &[&str]) -> ChannelAccount {
    app.db
        .store
        .create_channel_account(&AccountSettings {
            channel: channel.into(),
            mode: mode.into(),
            name: format!("Phòng NN {channel}"),
            base_url: "https://sandbox.example".into(),
            credentials: None,
            farmer_id: None,
            default_crops: crops.iter().map(|c| c.to_string()).collect(),
            requests_per_minute: 60,
            active: true,
        })
        .await
        .unwrap()
}

/// The `<input …>` tag of the checkbox for `channel` in a page.
fn channel_box(page: &str, channel: &str) -> String {
    let at = page.find(&format!("name=\"channels\" value=\"{channel}\"")).unwrap_or_else(|| panic!("a {channel} checkbox"));
    let start = page[..at].rfind('<').unwrap();
    let end = at + page[at..].find('>').unwrap();
    page[start..=end].to_owned()
}

#[tokio::test]
async fn approving_with_postmart_ticked_queues_it_and_the_defaults_follow_the_crop() {
    let app = TestApp::new().await;
    account(&app, "postmart", "api", &["durian"]).await;
    account(&app, "voso", "assisted", &["coffee"]).await;
    let (token, _) = app.farmer("0912345678", "Ka Điệp", "gia-hiep").await;
    let id = app.listing(&token, support::durian()).await;
    let mut curator = staff(&app, Role::Curator, "0981111111", &[]).await;

    let page = curator.get(&format!("/review/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(channel_box(&text, "postmart").contains("checked"), "postmart takes durian by default");
    assert!(!channel_box(&text, "voso").contains("checked"), "voso only takes coffee by default");

    let csrf = Browser::csrf_from(&page);
    let approved = curator
        .post(
            &format!("/review/{id}/decision"),
            &[("csrf", &csrf), ("decision", "approve"), ("reason", ""), ("channels_shown", "1"), ("channels", "postmart")],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.text());
    let routed = app.db.store.channel_listings_of(id).await.unwrap();
    assert_eq!(routed.len(), 1, "{routed:?}");
    assert_eq!((routed[0].channel.as_str(), routed[0].state, routed[0].wanted), ("postmart", ChannelState::Queued, true));
    let jobs = app.db.store.jobs(Some(JobState::Queued), 10).await.unwrap();
    assert!(jobs.iter().any(|j| j.kind == "push" && j.payload["channel_listing"] == routed[0].id), "a push job waits");

    // The approved listing's page lets the curator change its channels.
    let page = curator.get(&format!("/review/{id}")).await.text();
    assert!(page.contains(&format!("action=\"/review/{id}/channels\"")) && page.contains("Đang chờ gửi"));
    let changed = curator
        .post(
            &format!("/review/{id}/channels"),
            &[("csrf", &csrf), ("channels_shown", "1"), ("channels", "postmart"), ("channels", "voso")],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    let routed = app.db.store.channel_listings_of(id).await.unwrap();
    assert_eq!(routed.iter().map(|c| c.channel.as_str()).collect::<Vec<_>>(), ["postmart", "voso"]);
    let dropped = curator.post(&format!("/review/{id}/channels"), &[("csrf", &csrf), ("channels_shown", "1"), ("channels", "voso")]).await;
    assert_eq!(dropped.status, StatusCode::SEE_OTHER);
    let routed = app.db.store.channel_listings_of(id).await.unwrap();
    assert!(!routed.iter().find(|c| c.channel == "postmart").unwrap().wanted, "unticking takes the listing off postmart");
}

#[tokio::test]
async fn a_listing_approved_without_a_ticked_channel_goes_nowhere_and_a_missing_account_is_said() {
    let app = TestApp::new().await;
    let (token, _) = app.farmer("0912345678", "Ka Điệp", "gia-hiep").await;
    let first = app.listing(&token, support::durian()).await;
    let second = app.listing(&token, support::durian()).await;
    let mut curator = staff(&app, Role::Curator, "0981111111", &[]).await;
    let page = curator.get(&format!("/review/{first}")).await;
    assert!(!channel_box(&page.text(), "voso").contains("checked"));
    let csrf = Browser::csrf_from(&page);
    let answer =
        curator.post(&format!("/review/{first}/decision"), &[("csrf", &csrf), ("decision", "approve"), ("channels_shown", "1")]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert!(app.db.store.channel_listings_of(first).await.unwrap().is_empty());

    let answer = curator
        .post(
            &format!("/review/{second}/decision"),
            &[("csrf", &csrf), ("decision", "approve"), ("channels_shown", "1"), ("channels", "voso")],
        )
        .await;
    assert!(app.db.store.channel_listings_of(second).await.unwrap().is_empty(), "no voso account: nothing routed");
    let queue = curator.get(&answer.location()).await.text();
    assert!(queue.contains("Chưa có tài khoản trên voso.vn"), "the curator is told");
}

#[tokio::test]
async fn the_sync_board_lists_channel_listings_explains_errors_and_its_filters_hide_the_rest() {
    let app = TestApp::new().await;
    let store = &app.db.store;
    let postmart = account(&app, "postmart", "api", &["durian"]).await;
    let farmer_id = farmer(store, "0912345678").await;
    let id = approved_listing(store, farmer_id, 1).await;
    store.route_listing(id, &["postmart".to_owned()]).await.unwrap();
    let cl = store.channel_listings_of(id).await.unwrap().remove(0);
    let mut curator = staff(&app, Role::Curator, "0981111111", &[]).await;

    let board = curator.get("/sync").await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(board.text().contains("Sầu riêng Ri6 vườn 1") && board.text().contains("Đang chờ gửi"));
    for (filter, shown) in [
        ("channel=postmart", true),
        ("channel=voso", false),
        ("state=queued", true),
        ("state=live", false),
        ("crop=durian", true),
        ("crop=coffee", false),
        ("commune=gia-hiep", true),
        ("commune=di-linh", false),
        ("channel=nope&state=nope&crop=nope&commune=nope", true),
    ] {
        let answer = curator.get(&format!("/sync?{filter}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{filter}");
        assert_eq!(answer.text().contains("Sầu riêng Ri6 vườn 1"), shown, "{filter}");
    }

    // The push job fails with a 429 and waits ten minutes.
    let push = store.claim_job("worker", 60).await.unwrap().expect("the queued push job");
    assert_eq!(push.payload["channel_listing"], cl.id);
    store.fail_job(push.id, "worker", "HTTP 429", Some(nongsan_store::now() + 600)).await.unwrap();
    store.mark_channel_failed(cl.id, "rate_limited", "HTTP 429").await.unwrap();
    let board = curator.get("/sync?state=failed").await.text();
    assert!(board.contains("postmart.vn đang giới hạn số yêu cầu. Hệ thống sẽ tự thử lại lúc"), "plain words and the retry time");
    assert!(!board.contains("HTTP 429"), "not the raw error");
    let csrf = Browser::csrf_from(&curator.get("/sync").await);
    let retried = curator.post(&format!("/sync/{}/retry", cl.id), &[("csrf", &csrf)]).await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER);
    assert_eq!(store.channel_listing(cl.id).await.unwrap().state, ChannelState::Queued);
    assert!(!curator.get("/sync").await.text().contains("đang giới hạn"), "a queued retry no longer shows the old error");
    assert_eq!(curator.post("/sync/99999/retry", &[("csrf", &csrf)]).await.status, StatusCode::NOT_FOUND);

    // The marketplace's commission is shown to curators.
    store.set_channel_category(cl.id, Some(782), Some(8.0)).await.unwrap();
    assert!(curator.get(&format!("/review/{id}")).await.text().contains("postmart.vn giữ 8% mỗi đơn"));

    // A paused account is announced, and an admin resumes it.
    for _ in 0..5 {
        store.account_failed(postmart.id, 5, 900, "breaker.failures").await.unwrap();
    }
    let board = curator.get("/sync").await.text();
    assert!(board.contains("tạm dừng đến") && board.contains("sau 5 lỗi liên tiếp"), "breaker banner");
    assert!(!board.contains(&format!("/admin/channels/{}/resume", postmart.id)), "only admins resume");
    let mut admin = staff(&app, Role::Admin, "0991111111", &[]).await;
    let board = admin.get("/sync").await;
    assert!(board.text().contains(&format!("/admin/channels/{}/resume", postmart.id)));
    let resumed =
        admin.post(&format!("/admin/channels/{}/resume", postmart.id), &[("csrf", &Browser::csrf_from(&board)), ("next", "/sync")]).await;
    assert_eq!(resumed.location(), "/sync");
    assert!(!store.channel_account(postmart.id).await.unwrap().paused_at(nongsan_store::now()));
}

#[tokio::test]
async fn bulk_publish_routes_only_approved_listings_of_the_crop() {
    let app = TestApp::new().await;
    let store = &app.db.store;
    account(&app, "postmart", "api", &[]).await;
    let farmer_id = farmer(store, "0912345678").await;
    let approved = approved_listing(store, farmer_id, 1).await;
    let (token, _) = app.farmer("0912345679", "B", "gia-hiep").await;
    let pending = app.listing(&token, support::durian()).await;
    let mut curator = staff(&app, Role::Curator, "0981111111", &[]).await;
    let csrf = Browser::csrf_from(&curator.get("/sync").await);
    let answer = curator.post("/sync/publish", &[("csrf", &csrf), ("crop", "coffee"), ("channel", "postmart")]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert!(store.channel_listings_of(approved).await.unwrap().is_empty(), "another crop");
    let answer = curator.post("/sync/publish", &[("csrf", &csrf), ("crop", "durian"), ("channel", "postmart")]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(store.channel_listings_of(approved).await.unwrap().len(), 1);
    assert!(store.channel_listings_of(pending).await.unwrap().is_empty(), "only approved listings");
    assert!(curator.get(&answer.location()).await.text().contains("Đã xếp hàng gửi 1 tin"));
    let bad = curator.post("/sync/publish", &[("csrf", &csrf), ("crop", "durian"), ("channel", "shopee")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn farmers_and_helpers_are_refused_the_board_and_curators_the_admin_pages() {
    let app = TestApp::new().await;
    app.farmer("0912345678", "A", "gia-hiep").await;
    let mut farmer = logged_in(&app, "0912345678").await;
    let mut helper = staff(&app, Role::Helper, "0971111111", &["gia-hiep"]).await;
    let mut curator = staff(&app, Role::Curator, "0981111111", &[]).await;
    for path in ["/sync", "/admin/channels", "/admin/channels/new", "/admin/jobs", "/admin/channels/1"] {
        for (who, browser) in [("farmer", &mut farmer), ("helper", &mut helper)] {
            let answer = browser.get(path).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{who} {path}");
            assert!(answer.text().contains("Bạn không có quyền làm việc này"), "{who} {path}: the 403 page");
        }
    }
    for path in ["/admin/channels", "/admin/jobs"] {
        assert_eq!(curator.get(path).await.status, StatusCode::FORBIDDEN, "curator {path}");
    }
    assert_eq!(farmer.get("/helper/tasks").await.status, StatusCode::FORBIDDEN);
    let csrf = Browser::csrf_from(&helper.get("/helper").await);
    assert_eq!(helper.post("/sync/1/retry", &[("csrf", &csrf)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(helper.post("/admin/jobs/1/retry", &[("csrf", &csrf)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(Browser::new(&app).get("/sync").await.location(), "/login?next=/sync");

    let nav = curator.get("/sync").await.text();
    assert!(nav.contains("href=\"/sync\"") && !nav.contains("href=\"/admin/jobs\""));
    assert!(helper.get("/helper").await.text().contains("href=\"/helper/tasks\""));
}

#[tokio::test]
async fn an_admin_creates_an_account_whose_credential_never_shows_again() {
    const SECRET: &str = "pm-live-token-7f3a9c2e51d4b8aa";
    let app = TestApp::new().await;
    let store = &app.db.store;
    let owner = farmer(store, "0912345678").await;
    let mut admin = staff(&app, Role::Admin, "0991111111", &[]).await;
    let form = admin.get("/admin/channels/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("type=\"password\""));
    let csrf = Browser::csrf_from(&form);
    let fields = [
        ("csrf", csrf.as_str()),
        ("channel", "postmart"),
        ("mode", "api"),
        ("name", "Gian hàng HTX Gia Hiệp"),
        ("base_url", "https://open.postmart.com.vn"),
        ("credential", SECRET),
        ("farmer_phone", "0912 345 678"),
        ("default_crops", "durian"),
        ("default_crops", "coffee"),
        ("requests_per_minute", "30"),
        ("active", "1"),
    ];

    let mut bad = fields.to_vec();
    bad.retain(|(k, _)| *k != "base_url");
    bad.push(("base_url", "open.postmart.com.vn"));
    let refused = admin.post("/admin/channels/new", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("Địa chỉ API chưa đúng"), "a Vietnamese message");
    assert!(refused.text().contains("id=\"base_url-error\""), "next to the field");
    assert!(refused.text().contains("value=\"Gian hàng HTX Gia Hiệp\""), "typed values kept");
    assert!(!refused.text().contains(SECRET), "but never the credential");
    assert!(store.channel_accounts().await.unwrap().is_empty(), "nothing saved");

    let mut stranger = fields.to_vec();
    stranger.retain(|(k, _)| *k != "farmer_phone");
    stranger.push(("farmer_phone", "0900000000"));
    let refused = admin.post("/admin/channels/new", &stranger).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("Không có nông dân nào dùng số điện thoại này"));

    let created = admin.post("/admin/channels/new", &fields).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let accounts = store.channel_accounts().await.unwrap();
    assert_eq!(accounts.len(), 1);
    let saved = &accounts[0];
    assert_eq!(saved.farmer_id, Some(owner));
    assert_eq!(saved.default_crops, ["coffee", "durian"]);
    let sealed = saved.credentials_sealed.clone().expect("sealed");
    assert!(!sealed.contains(SECRET));
    assert_eq!(app.state.sealer.as_ref().unwrap().open(&sealed).unwrap().expose(), SECRET);

    for path in [created.location(), "/admin/channels".to_owned()] {
        let page = admin.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.text().contains(SECRET), "{path} shows the credential");
        assert!(page.text().contains("…b8aa"), "{path} shows its hint");
    }

    let mut renamed = fields.to_vec();
    renamed.retain(|(k, _)| !matches!(*k, "credential" | "name"));
    renamed.push(("credential", ""));
    renamed.push(("name", "Gian hàng mới"));
    let answer = admin.post(&format!("/admin/channels/{}", saved.id), &renamed).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text());
    let after = store.channel_account(saved.id).await.unwrap();
    assert_eq!(after.name, "Gian hàng mới");
    assert_eq!(after.credentials_sealed.as_deref(), Some(sealed.as_str()), "a blank credential keeps the stored one");

    let mut voso = fields.to_vec();
    voso.retain(|(k, _)| *k != "channel");
    voso.push(("channel", "voso"));
    let refused = admin.post("/admin/channels/new", &voso).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "voso has no API mode");
}

#[tokio::test]
async fn the_jobs_page_shows_a_dead_jobs_error_and_retry_queues_it() {
    let app = TestApp::new().await;
    let store = &app.db.store;
    let id = store.enqueue(&NewJob::new("push", serde_json::json!({ "channel_listing": 41 })).attempts(1)).await.unwrap().unwrap();
    let job = store.claim_job("worker-a", 60).await.unwrap().expect("claimed");
    assert_eq!(job.id, id);
    assert_eq!(store.fail_job(id, "worker-a", "postmart trả lời HTTP 502", None).await.unwrap(), JobState::Dead);

    let mut admin = staff(&app, Role::Admin, "0991111111", &[]).await;
    let page = admin.get("/admin/jobs?state=dead").await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("postmart trả lời HTTP 502") && text.contains("channel_listing=41") && text.contains("Dừng hẳn"));
    assert!(!admin.get("/admin/jobs?state=queued").await.text().contains("postmart trả lời HTTP 502"));
    assert_eq!(admin.get("/admin/jobs?state=bogus").await.status, StatusCode::OK);

    let retried = admin.post(&format!("/admin/jobs/{id}/retry"), &[("csrf", &Browser::csrf_from(&page))]).await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER);
    assert_eq!(store.job(id).await.unwrap().state, JobState::Queued);
    let again = admin.post(&format!("/admin/jobs/{id}/retry"), &[("csrf", &Browser::csrf_from(&page))]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "a queued job is not retried");
    assert_eq!(admin.post("/admin/jobs/9999/retry", &[("csrf", &Browser::csrf_from(&page))]).await.status, StatusCode::NOT_FOUND);
}

/// Reads a zip with Python's `zipfile`, an implementation independent of ours: the names and
/// the text of `listing.txt`.
fn python_zip(bytes: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("nongsan-bundle-{}.zip", &nongsan_store::random_token()[..12]));
    std::fs::write(&path, bytes).unwrap();
    let script = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(','.join(z.namelist()))\n\
                  print(z.read('listing.txt').decode('utf-8-sig'))";
    let run = std::process::Command::new("python3").arg("-c").arg(script).arg(&path).output().expect("python3");
    let _ = std::fs::remove_file(&path);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    String::from_utf8(run.stdout).unwrap()
}

#[tokio::test]
async fn an_assisted_task_gives_the_package_and_bundle_and_the_pasted_url_puts_it_live() {
    let app = TestApp::new().await;
    let store = &app.db.store;
    account(&app, "postmart", "assisted", &["durian"]).await;
    let farmer_id = farmer(store, "0912345678").await;
    let id = approved_listing(store, farmer_id, 1).await;
    let photo = app.state.media.accept(png(900, 700)).await.unwrap();
    store.add_photo(id, &photo.hash, photo.width, photo.height, photo.bytes).await.unwrap();
    store.route_listing(id, &["postmart".to_owned()]).await.unwrap();
    let cl = store.channel_listings_of(id).await.unwrap().remove(0);
    // What the push job does for an assisted account.
    store.mark_channel_needs_action(cl.id, "action.enter_in_seller_centre", None, None).await.unwrap();
    let task = format!("/helper/tasks/{}", cl.id);

    let mut outsider = staff(&app, Role::Helper, "0971111112", &["di-linh"]).await;
    assert!(!outsider.get("/helper/tasks").await.text().contains(&task), "another commune's task is not listed");
    assert_eq!(outsider.get(&task).await.status, StatusCode::FORBIDDEN);
    assert_eq!(outsider.get(&format!("{task}/bundle.zip")).await.status, StatusCode::FORBIDDEN);

    let mut helper = staff(&app, Role::Helper, "0971111111", &["gia-hiep"]).await;
    assert!(helper.get("/helper/tasks").await.text().contains(&format!("href=\"{task}\"")));
    let page = helper.get(&task).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    for expected in [
        "value=\"Sầu riêng Ri6 vườn 1 Di Linh – 1 kg\"",
        "value=\"85000\"",
        "Sầu riêng chín cây, cơm vàng, hạt lép.",
        "Thực Phẩm - Đặc sản",
        "Sao chép",
        "navigator.clipboard",
        "Đăng tin này trong Kênh người bán",
        &format!("{task}/photos/1.jpg"),
        &format!("{task}/bundle.zip"),
    ] {
        assert!(text.contains(expected), "the package shows {expected}");
    }

    let jpeg = helper.get(&format!("{task}/photos/1.jpg")).await;
    assert_eq!(jpeg.status, StatusCode::OK);
    assert_eq!(jpeg.headers["content-type"], "image/jpeg");
    let decoded = image::load_from_memory(&jpeg.body).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (800, 800), "square marketplace size");
    assert_eq!(helper.get(&format!("{task}/photos/2.jpg")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(helper.get(&format!("{task}/photos/x.png")).await.status, StatusCode::NOT_FOUND);

    let bundle = helper.get(&format!("{task}/bundle.zip")).await;
    assert_eq!(bundle.status, StatusCode::OK);
    assert_eq!(bundle.headers["content-type"], "application/zip");
    assert!(bundle.body.starts_with(b"PK\x03\x04"));
    let listing_txt = "\u{feff}Tên sản phẩm: Sầu riêng Ri6 vườn 1 Di Linh – 1 kg\r\n".as_bytes();
    assert!(bundle.body.windows(listing_txt.len()).any(|w| w == listing_txt), "listing.txt starts with a BOM and the title");
    let read = python_zip(&bundle.body);
    assert!(read.starts_with("listing.txt,anh-1.jpg\n"), "{read}");
    assert!(read.contains("Tên sản phẩm: Sầu riêng Ri6 vườn 1 Di Linh – 1 kg") && read.contains("Giá (đồng/kg): 85000"), "{read}");

    let csrf = Browser::csrf_from(&page);
    let wrong = helper.post(&format!("{task}/done"), &[("csrf", &csrf), ("url", "https://shopee.vn/sau-rieng-i.1.2")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().contains("Địa chỉ phải là trang sản phẩm trên postmart.vn"));
    assert!(wrong.text().contains("value=\"https://shopee.vn/sau-rieng-i.1.2\""), "what was pasted stays");
    assert_eq!(store.channel_listing(cl.id).await.unwrap().state, ChannelState::NeedsAction);

    let url = "https://postmart.vn/p/sau-rieng-ri6-di-linh-1kg-43160.html";
    let done = helper.post(&format!("{task}/done"), &[("csrf", &csrf), ("url", url)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let live = store.channel_listing(cl.id).await.unwrap();
    assert_eq!(live.state, ChannelState::Live);
    assert_eq!((live.external_id.as_deref(), live.url.as_deref()), (Some("43160"), Some(url)));
    assert_eq!((live.pushed_price, live.pushed_stock), (Some(85_000), Some(800)));
    assert!(!helper.get("/helper/tasks").await.text().contains(&format!("href=\"{task}\"")), "the task is done");
    let again = helper.post(&format!("{task}/done"), &[("csrf", &csrf), ("url", url)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    let public = Browser::new(&app).get(&format!("/listings/{id}")).await.text();
    assert!(public.contains("Mua trên postmart.vn"), "buyers get the link");
    assert!(public.contains(&format!("href=\"{url}\" rel=\"noopener\"")));

    // Taking it down: the helper confirms, the channel listing is delisted.
    store.route_listing(id, &[]).await.unwrap();
    store.mark_channel_needs_action(cl.id, "action.take_down_in_seller_centre", None, None).await.unwrap();
    let page = helper.get(&task).await.text();
    assert!(page.contains("Gỡ tin này khỏi Kênh người bán") && !page.contains("name=\"url\""));
    let taken = helper.post(&format!("{task}/done"), &[("csrf", &csrf)]).await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER);
    assert_eq!(store.channel_listing(cl.id).await.unwrap().state, ChannelState::Delisted);
    assert!(!Browser::new(&app).get(&format!("/listings/{id}")).await.text().contains("Mua trên postmart.vn"));
}

#[tokio::test]
async fn bad_ids_and_unknown_values_get_pages_not_500s() {
    let app = TestApp::new().await;
    let mut admin = staff(&app, Role::Admin, "0991111111", &[]).await;
    for (path, status) in [
        ("/helper/tasks/abc", StatusCode::BAD_REQUEST),
        ("/helper/tasks/999", StatusCode::NOT_FOUND),
        ("/helper/tasks/999/bundle.zip", StatusCode::NOT_FOUND),
        ("/helper/tasks/999/photos/1.jpg", StatusCode::NOT_FOUND),
        ("/admin/channels/999", StatusCode::NOT_FOUND),
        ("/admin/channels/abc", StatusCode::BAD_REQUEST),
        ("/sync?state=%FF", StatusCode::OK),
        ("/admin/jobs?state=%3Cscript%3E", StatusCode::OK),
    ] {
        let answer = admin.get(path).await;
        assert_eq!(answer.status, status, "{path}");
        assert!(answer.text().contains("<html"), "{path} is a page");
    }
    let csrf = Browser::csrf_from(&admin.get("/sync").await);
    assert_eq!(admin.post("/admin/channels/999/resume", &[("csrf", &csrf)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(admin.post("/review/999/channels", &[("csrf", &csrf), ("channels_shown", "1")]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(admin.post("/helper/tasks/999/done", &[("csrf", &csrf), ("url", "x")]).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_sealer_missing_refuses_credentials_with_a_clear_message() {
    let mut app = TestApp::new().await;
    let state = nongsan_web::AppState::new(nongsan_web::App {
        store: app.db.store.clone(),
        catalogue: app.state.catalogue.clone(),
        media: app.state.media.clone(),
        sealer: None,
        config: nongsan_web::Config::default(),
    });
    app.router = nongsan_web::router(state);
    let mut admin = staff(&app, Role::Admin, "0991111111", &[]).await;
    let form = admin.get("/admin/channels/new").await;
    assert!(form.text().contains("NONGSAN_SECRET_KEY"));
    let fields = [
        ("csrf", Browser::csrf_from(&form)),
        ("channel", "postmart".into()),
        ("mode", "api".into()),
        ("name", "A".into()),
        ("base_url", "https://open.postmart.com.vn".into()),
        ("credential", "abcdefghijklmnop".into()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = admin.post("/admin/channels/new", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("id=\"credential-error\""));
    assert!(app.db.store.channel_accounts().await.unwrap().is_empty());
}

/// Every message key the channel pages use, literal or built, is in both catalogues.
#[test]
fn every_channel_message_is_in_both_catalogues() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/src/pages");
    let prefixes = [
        "sync.",
        "chstate.",
        "cherr.",
        "channel.",
        "accounts.",
        "jobs.",
        "jobstate.",
        "tasks.",
        "pkg.",
        "breaker.",
        "action.",
        "err.",
        "nav.",
    ];
    let mut used: Vec<String> = Vec::new();
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(root.join("channels")).unwrap().map(|e| e.unwrap().path()).collect();
    files.extend(["review.rs", "catalogue.rs", "layout.rs"].map(|f| root.join(f)));
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for chunk in text.split('"').skip(1).step_by(2) {
            let is_key = prefixes.iter().any(|p| chunk.starts_with(p))
                && chunk.len() > 4
                && chunk.chars().all(|c| c.is_ascii_lowercase() || c == '.' || c == '_');
            if is_key {
                used.push(chunk.to_owned());
            }
        }
    }
    for s in ChannelState::ALL {
        used.push(format!("chstate.{}", s.as_str()));
    }
    for s in JobState::ALL {
        used.push(format!("jobstate.{}", s.as_str()));
    }
    for mode in ["api", "assisted"] {
        used.push(format!("accounts.mode.{mode}"));
    }
    for kind in ["rate_limited", "unavailable", "unknown_outcome", "credentials", "rejected", "protocol", "other"] {
        used.push(format!("cherr.{kind}"));
    }
    let (vi, en) = nongsan_web::i18n::keys();
    let missing: Vec<_> = used.iter().filter(|k| !vi.iter().any(|v| v == k) || !en.iter().any(|v| v == k)).collect();
    assert!(missing.is_empty(), "missing messages: {missing:?}");
    assert!(used.len() > 100, "the scan found the keys ({})", used.len());
}
