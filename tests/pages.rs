//! The server-rendered pages through the real router, as a browser without JavaScript uses them.

mod support;

use axum::http::StatusCode;
use nongsan_domain::account::Role;
use support::{Browser, PASSWORD, TestApp, day, png};

async fn register(browser: &mut Browser<'_>, phone: &str, name: &str) -> StatusCode {
    let form = browser.get("/register").await;
    let csrf = Browser::csrf_from(&form);
    let answer = browser
        .post(
            "/register",
            &[
                ("csrf", &csrf),
                ("phone", phone),
                ("password", PASSWORD),
                ("name", name),
                ("commune", "di-linh"),
                ("legacy_commune", "dinh-lac"),
                ("crops", "durian"),
                ("crops", "coffee"),
            ],
        )
        .await;
    answer.status
}

fn listing_fields<'a>(csrf: &'a str, key: &'a str, from: &'a str, until: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("submission_key", key),
        ("crop", "durian"),
        ("variety", "ri6"),
        ("form", "whole"),
        ("title", "Sầu riêng Ri6 vườn nhà"),
        ("quantity", "2"),
        ("unit", "ta"),
        ("price_vnd_per_kg", "85.000"),
        ("available_from", from),
        ("available_until", until),
        ("cert", "vietgap"),
        ("intent", "submit"),
    ]
}

#[tokio::test]
async fn a_farmer_registers_and_lists_with_a_photo_and_a_double_tap_makes_one_listing() {
    let app = TestApp::new().await;
    let mut browser = Browser::new(&app);
    assert_eq!(register(&mut browser, "0912 345 678", "Nguyễn Văn Bình").await, StatusCode::SEE_OTHER);
    assert!(browser.cookies.contains_key("sid"));
    let user = app.db.store.user_by_phone("0912345678").await.unwrap().unwrap();

    let form = browser.get(&format!("/manage/{}/listings/new", user.id)).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = Browser::csrf_from(&form);
    let text = form.text();
    let at = text.find("name=\"submission_key\" value=\"").unwrap() + 29;
    let key = text[at..at + 64].to_owned();
    let (from, until) = (day(0), day(60));
    let fields = listing_fields(&csrf, &key, &from, &until);
    let path = format!("/manage/{}/listings/new", user.id);
    let first = browser.post_multipart(&path, &fields, &[("photo", "vuon.png", png(640, 480))]).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text());
    let second = browser.post_multipart(&path, &fields, &[("photo", "vuon.png", png(640, 480))]).await;
    assert_eq!(second.status, StatusCode::SEE_OTHER);
    assert_eq!(first.location(), second.location());

    let listings = app.db.store.listings_of(user.id).await.unwrap();
    assert_eq!(listings.len(), 1, "a double tap creates one listing");
    assert_eq!(listings[0].fields.quantity_kg, 200.0, "2 tạ is 200 kg");
    assert_eq!(listings[0].fields.price_vnd_per_kg, 85_000);
    assert_eq!(app.db.store.photos_of(listings[0].id).await.unwrap().len(), 1);
    let page = browser.get(&first.location()).await;
    assert!(page.text().contains("Chờ duyệt"), "the farmer sees the status");
    assert!(page.text().contains("/thumb"), "and the thumbnail");
}

#[tokio::test]
async fn a_form_that_does_not_pass_keeps_what_was_typed_and_says_why_next_to_the_field() {
    let app = TestApp::new().await;
    let mut browser = Browser::new(&app);
    register(&mut browser, "0912345678", "A").await;
    let user = app.db.store.user_by_phone("0912345678").await.unwrap().unwrap();
    let form = browser.get(&format!("/manage/{}/listings/new", user.id)).await;
    let csrf = Browser::csrf_from(&form);
    let (from, until) = (day(10), day(1));
    let mut fields = listing_fields(&csrf, "k", &from, &until);
    fields.retain(|(k, _)| *k != "price_vnd_per_kg");
    fields.push(("price_vnd_per_kg", "95"));
    fields.push(("description", "Cơm vàng hạt lép"));
    let answer =
        browser.post_multipart(&format!("/manage/{}/listings/new", user.id), &fields, &[("photo", "a.jpg", b"not a photo".to_vec())]).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = answer.text();
    assert!(text.contains("Giá quá thấp"), "price message");
    assert!(text.contains("Ngày kết thúc phải sau ngày bắt đầu"), "window message");
    assert!(text.contains("Chỉ nhận ảnh JPEG, PNG hoặc WebP"), "photo message");
    assert!(text.contains("Cơm vàng hạt lép") && text.contains("value=\"Sầu riêng Ri6 vườn nhà\""), "typed values kept");
    assert!(text.contains("id=\"price_vnd_per_kg-error\""));
    assert!(app.db.store.listings_of(user.id).await.unwrap().is_empty(), "nothing half-saved");
}

#[tokio::test]
async fn every_changing_form_needs_its_csrf_token() {
    let app = TestApp::new().await;
    let mut browser = Browser::new(&app);
    browser.get("/").await;
    for path in ["/register", "/login", "/logout"] {
        let answer = browser.post(path, &[("phone", "0912345678"), ("password", PASSWORD)]).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
        assert!(answer.text().contains("Trang đã cũ"), "{path}");
    }
    register(&mut browser, "0912345678", "A").await;
    let user = app.db.store.user_by_phone("0912345678").await.unwrap().unwrap();
    let id = app
        .db
        .store
        .create_listing(&nongsan_store::NewListing {
            farmer_id: user.id,
            actor_id: user.id,
            fields: nongsan_domain::listing::RawListing {
                crop: "coffee".into(),
                variety: "robusta".into(),
                form: "green".into(),
                quantity: "100".into(),
                price_vnd_per_kg: "95000".into(),
                available_from: day(0),
                available_until: day(30),
                ..Default::default()
            }
            .validate(nongsan_web::actions::today())
            .unwrap(),
            submit: false,
            submission_key: None,
        })
        .await
        .unwrap()
        .0
        .id;
    for path in [
        format!("/manage/{}/profile", user.id),
        format!("/manage/listings/{id}/edit"),
        format!("/manage/listings/{id}/action"),
        format!("/review/{id}/decision"),
        "/helper/farmers".to_owned(),
    ] {
        let answer = browser.post(&path, &[("csrf", "forged"), ("action", "archive"), ("name", "X"), ("commune", "di-linh")]).await;
        assert!(answer.status == StatusCode::FORBIDDEN, "{path}: {}", answer.status);
    }
    for path in [format!("/manage/{}/listings/new", user.id), format!("/manage/listings/{id}/photos")] {
        let answer = browser.post_multipart(&path, &[("csrf", "forged")], &[]).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(app.db.store.listing(id).await.unwrap().status, nongsan_domain::listing::Status::Draft);
}

#[tokio::test]
async fn pages_answer_by_role_and_login_returns_where_it_was() {
    let app = TestApp::new().await;
    let mut anon = Browser::new(&app);
    let review = anon.get("/review").await;
    assert_eq!(review.status, StatusCode::SEE_OTHER);
    assert_eq!(review.location(), "/login?next=/review");

    let mut farmer = Browser::new(&app);
    register(&mut farmer, "0912345678", "A").await;
    assert_eq!(farmer.get("/review").await.status, StatusCode::FORBIDDEN);
    assert_eq!(farmer.get("/helper").await.status, StatusCode::FORBIDDEN);

    app.staff(Role::Curator, "0981111111", &[]).await;
    let mut curator = Browser::new(&app);
    let login = curator.get("/login?next=/review").await;
    let csrf = Browser::csrf_from(&login);
    let answer = curator.post("/login", &[("csrf", &csrf), ("phone", "098 111 1111"), ("password", PASSWORD), ("next", "/review")]).await;
    assert_eq!(answer.location(), "/review");
    assert_eq!(curator.get("/review").await.status, StatusCode::OK);

    let mut stranger = Browser::new(&app);
    let login = stranger.get("/login").await;
    let wrong = stranger.post("/login", &[("csrf", &Browser::csrf_from(&login)), ("phone", "0981111111"), ("password", "nope-nope")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().contains("value=\"0981111111\""), "the phone stays typed");
}

#[tokio::test]
async fn curator_reviews_from_the_queue_and_the_farmer_reads_the_reason() {
    let app = TestApp::new().await;
    let (token, farmer_id) = app.farmer("0912345678", "Ka Điệp", "hoa-ninh").await;
    let id = app.listing(&token, support::durian()).await;
    let other = app.listing(&token, support::durian()).await;
    app.staff(Role::Curator, "0981111111", &[]).await;
    let mut curator = Browser::new(&app);
    let login = curator.get("/login").await;
    curator.post("/login", &[("csrf", &Browser::csrf_from(&login)), ("phone", "0981111111"), ("password", PASSWORD)]).await;
    let queue = curator.get("/review?crop=durian&commune=hoa-ninh").await;
    assert!(queue.text().contains(&format!("/review/{id}")));
    assert!(!curator.get("/review?crop=coffee").await.text().contains(&format!("/review/{id}\"")));

    let page = curator.get(&format!("/review/{id}")).await;
    let csrf = Browser::csrf_from(&page);
    let no_reason = curator.post(&format!("/review/{id}/decision"), &[("csrf", &csrf), ("decision", "reject"), ("reason", "")]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.text().contains("Vui lòng ghi lý do"));
    let rejected = curator
        .post(&format!("/review/{id}/decision"), &[("csrf", &csrf), ("decision", "reject"), ("reason", "Ảnh mờ, chụp lại giúp")])
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER);
    curator.post(&format!("/review/{other}/decision"), &[("csrf", &csrf), ("decision", "approve"), ("reason", "")]).await;

    let mut farmer = Browser::new(&app);
    let login = farmer.get("/login").await;
    farmer.post("/login", &[("csrf", &Browser::csrf_from(&login)), ("phone", "0912345678"), ("password", PASSWORD)]).await;
    let mine = farmer.get(&format!("/manage/{farmer_id}/listings")).await.text();
    assert!(mine.contains("Ảnh mờ, chụp lại giúp"), "the reason is shown to the farmer");
    let public = Browser::new(&app).get("/?q=sau+rieng").await.text();
    assert!(public.contains(&format!("/listings/{other}")) && !public.contains(&format!("/listings/{id}\"")));
}

#[tokio::test]
async fn a_helper_creates_a_farmer_without_phone_and_lists_for_them() {
    let app = TestApp::new().await;
    app.staff(Role::Helper, "0971111111", &["di-linh"]).await;
    let mut helper = Browser::new(&app);
    let login = helper.get("/login").await;
    helper.post("/login", &[("csrf", &Browser::csrf_from(&login)), ("phone", "0971111111"), ("password", PASSWORD)]).await;
    let page = helper.get("/helper").await;
    let csrf = Browser::csrf_from(&page);
    let created =
        helper.post("/helper/farmers", &[("csrf", &csrf), ("name", "Bà K'Brơi"), ("commune", "di-linh"), ("crops", "coffee")]).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let form = helper.get(&created.location()).await;
    assert!(form.text().contains("Bạn đang làm thay cho: Bà K&#39;Brơi") || form.text().contains("Bạn đang làm thay cho: Bà K'Brơi"));
    let refused = helper.post("/helper/farmers", &[("csrf", &csrf), ("name", "X"), ("commune", "gia-hiep")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Later the farmer gets a phone: the helper sets it with a password, and the farmer logs in.
    let farmer_id: i64 = created.location().split('/').nth(2).unwrap().parse().unwrap();
    let profile = format!("/manage/{farmer_id}/profile");
    let fields =
        [("csrf", csrf.as_str()), ("name", "Bà K'Brơi"), ("commune", "di-linh"), ("phone", "0356 789 012"), ("new_password", "abc")];
    let short = helper.post(&profile, &fields).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.text().contains("Mật khẩu cần ít nhất 6 ký tự") && short.text().contains("value=\"0356 789 012\""));
    let mut fields = fields.to_vec();
    fields.retain(|(k, _)| *k != "new_password");
    fields.push(("new_password", PASSWORD));
    assert_eq!(helper.post(&profile, &fields).await.status, StatusCode::SEE_OTHER);
    let mut farmer = Browser::new(&app);
    let login = farmer.get("/login").await;
    let answer = farmer.post("/login", &[("csrf", &Browser::csrf_from(&login)), ("phone", "0356789012"), ("password", PASSWORD)]).await;
    assert_eq!(answer.location(), format!("/manage/{farmer_id}/listings"));
}

#[tokio::test]
async fn the_language_switch_turns_pages_english() {
    let app = TestApp::new().await;
    let mut browser = Browser::new(&app);
    assert!(browser.get("/").await.text().contains("Nông sản Di Linh"));
    let switch = browser.get("/lang/en?back=/register").await;
    assert_eq!(switch.location(), "/register");
    assert!(browser.get("/register").await.text().contains("Register to sell produce"));
    assert_eq!(browser.get("/lang/en?back=//evil.example").await.location(), "/", "only local redirects");
}

#[tokio::test]
async fn listing_form_and_catalogue_stay_within_60_kb_gzipped() {
    let app = TestApp::new().await;
    let (token, farmer_id) = app.farmer("0912345678", "A", "di-linh").await;
    let curator = app.curator().await;
    for _ in 0..25 {
        let id = app.listing(&token, support::durian()).await;
        app.approve(&curator, id).await;
    }
    let mut browser = Browser::new(&app);
    let login = browser.get("/login").await;
    browser.post("/login", &[("csrf", &Browser::csrf_from(&login)), ("phone", "0912345678"), ("password", PASSWORD)]).await;
    for path in ["/".to_owned(), format!("/manage/{farmer_id}/listings/new")] {
        let req = axum::http::Request::get(&path)
            .header("accept-encoding", "gzip")
            .header("cookie", browser.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
            .body(axum::body::Body::empty())
            .unwrap();
        let answer = app.send(req).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.headers["content-encoding"], "gzip", "{path}");
        println!("{path}: {} bytes gzipped", answer.body.len());
        assert!(answer.body.len() <= 60 * 1024, "{path} is {} bytes", answer.body.len());
    }
}

#[tokio::test]
async fn unknown_pages_and_bad_ids_get_a_page_not_a_500() {
    let app = TestApp::new().await;
    let mut browser = Browser::new(&app);
    for (path, status) in [
        ("/nope", StatusCode::NOT_FOUND),
        ("/listings/abc", StatusCode::BAD_REQUEST),
        ("/listings/999", StatusCode::NOT_FOUND),
        ("/farmers/1", StatusCode::NOT_FOUND),
        ("/media/zz/thumb", StatusCode::NOT_FOUND),
    ] {
        let answer = browser.get(path).await;
        assert_eq!(answer.status, status, "{path}");
        assert!(answer.text().contains("<html"), "{path} is a page");
    }
    let bad_filter = browser.get("/?min_price=abc&page=0").await;
    assert_eq!(bad_filter.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_filter.text().contains("value=\"abc\"") && bad_filter.text().contains("Giá phải là số đồng chẵn"));
}
