//! The JSON API through the real router, on SQLite or PostgreSQL.

mod support;

use axum::http::{Method, StatusCode};
use nongsan_domain::account::Role;
use serde_json::json;
use support::{TestApp, durian, png};

#[tokio::test]
async fn farmer_lists_curator_approves_buyer_finds_without_accents() {
    let app = TestApp::new().await;
    let (farmer, farmer_id) = app.farmer("0912345678", "Nguyễn Văn Bình", "di-linh").await;
    let created = app.api(Method::POST, "/api/v1/listings", Some(&farmer), Some(durian())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let listing = created.json();
    assert_eq!(listing["status"], "pending_review");
    assert_eq!(listing["farmer_id"], farmer_id);
    let id = listing["id"].as_i64().unwrap();

    assert_eq!(app.get(&format!("/api/v1/listings/{id}")).await.status, StatusCode::NOT_FOUND, "buyers do not see pending listings");
    assert_eq!(app.get("/api/v1/catalogue?q=sau+rieng").await.json()["total"], 0);

    let curator = app.curator().await;
    let queue = app.api(Method::GET, "/api/v1/review-queue", Some(&curator), None).await.json();
    assert_eq!(queue["listings"][0]["id"], id);
    app.approve(&curator, id).await;

    for q in ["sau+rieng", "S%E1%BA%A6U+RI%C3%8ANG", "ri6", "binh"] {
        let found = app.get(&format!("/api/v1/catalogue?q={q}")).await.json();
        assert_eq!(found["total"], 1, "{q}: {found}");
        assert_eq!(found["hits"][0]["id"], id);
    }
    let found = app.get("/api/v1/catalogue?crop=durian&commune=di-linh&certification=vietgap&min_price=80000&max_price=90000").await.json();
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["facets"]["crop"][0], json!({ "value": "durian", "count": 1 }));
    assert_eq!(app.get("/api/v1/catalogue?crop=coffee").await.json()["total"], 0);
    assert_eq!(app.get(&format!("/api/v1/listings/{id}")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn invalid_values_get_422_by_field_and_nothing_is_created() {
    let app = TestApp::new().await;
    let (farmer, _) = app.farmer("0912345678", "A", "di-linh").await;
    let cases = [
        ("price_vnd_per_kg", json!(-5000), "err.price.not_positive"),
        ("price_vnd_per_kg", json!("abc"), "err.price.not_whole"),
        ("price_vnd_per_kg", json!(95000.5), "err.price.not_whole"),
        ("price_vnd_per_kg", json!([1]), "err.type"),
        ("crop", json!("banana"), "err.crop.unknown"),
        ("available_until", json!(support::day(0)), "err.window.ends_before_start"),
        ("title", json!("x".repeat(10 * 1024 * 1024)), "err.title.too_long"),
        ("quantity_kg", json!(0), "err.quantity.not_positive"),
    ];
    for (field, value, code) in cases {
        let mut body = durian();
        body[field] = value;
        let answer = app.api(Method::POST, "/api/v1/listings", Some(&farmer), Some(body)).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", &answer.text()[..answer.text().len().min(300)]);
        let error = &answer.json()["error"];
        assert_eq!(error["field_codes"][field], code, "{field}: {error}");
        assert!(error["fields"][field].as_str().unwrap().chars().any(|c| "ảạăâđêôơư".contains(c)), "a Vietnamese message: {error}");
    }
    let mine = app.api(Method::GET, "/api/v1/listings", Some(&farmer), None).await.json();
    assert_eq!(mine["listings"].as_array().unwrap().len(), 0, "no half records");

    let unknown_commune = app
        .api(
            Method::POST,
            "/api/v1/farmers",
            None,
            Some(json!({ "phone": "0987654321", "password": "abcdef", "name": "B", "commune": "atlantis" })),
        )
        .await;
    assert_eq!(unknown_commune.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown_commune.json()["error"]["field_codes"]["commune"], "err.commune.unknown");
}

#[tokio::test]
async fn errors_speak_english_when_asked() {
    let app = TestApp::new().await;
    let req = axum::http::Request::post("/api/v1/session")
        .header("content-type", "application/json")
        .header("accept-language", "en-US,en;q=0.9")
        .body(axum::body::Body::from(r#"{"phone":"12","password":"x"}"#))
        .unwrap();
    let answer = app.send(req).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.json()["error"]["fields"]["phone"].as_str().unwrap().starts_with("This phone number is not right"));
}

#[tokio::test]
async fn oversized_and_malformed_bodies_get_clear_errors_not_500() {
    let app = TestApp::new().await;
    let (farmer, _) = app.farmer("0912345678", "A", "di-linh").await;
    let huge = vec![b' '; nongsan_web::MAX_BODY_BYTES + 1];
    let req = axum::http::Request::post("/api/v1/listings")
        .header("authorization", format!("Bearer {farmer}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(huge))
        .unwrap();
    let answer = app.send(req).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.json()["error"]["code"], "err.too_large");

    for (method, path, body) in [
        (Method::POST, "/api/v1/listings", "{not json"),
        (Method::POST, "/api/v1/listings", "[1,2,3]"),
        (Method::POST, "/api/v1/listings", "null"),
        (Method::POST, "/api/v1/farmers", "{\"phone\": {\"a\": 1}}"),
        (Method::POST, "/api/v1/session", "{}"),
        (Method::PATCH, "/api/v1/listings/abc", "{}"),
        (Method::PATCH, "/api/v1/listings/99999999999999999999", "{}"),
        (Method::POST, "/api/v1/listings/1/review", "{\"decision\": \"maybe\"}"),
        (Method::POST, "/api/v1/listings/1/status", "{\"action\": 5}"),
        (Method::GET, "/api/v1/catalogue?page=-1&per_page=100000&sort=x", ""),
        (Method::DELETE, "/api/v1/catalogue", ""),
    ] {
        let req = axum::http::Request::builder()
            .method(method.clone())
            .uri(path)
            .header("authorization", format!("Bearer {farmer}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body))
            .unwrap();
        let answer = app.send(req).await;
        assert!(answer.status.is_client_error(), "{method} {path} {body}: {} {}", answer.status, answer.text());
        assert!(answer.json()["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{method} {path}");
    }
}

#[tokio::test]
async fn authorization_is_enforced_on_every_route() {
    let app = TestApp::new().await;
    let (alice, _) = app.farmer("0912345678", "Alice", "di-linh").await;
    let (bob, bob_id) = app.farmer("0987654321", "Bob", "gia-hiep").await;
    let draft = app.listing(&alice, with(json!({ "draft": true }))).await;

    assert_eq!(app.api(Method::POST, "/api/v1/listings", None, Some(durian())).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.api(Method::GET, &format!("/api/v1/listings/{draft}"), Some(&bob), None).await.status,
        StatusCode::NOT_FOUND,
        "another farmer's draft is invisible"
    );
    assert_eq!(
        app.api(Method::PATCH, &format!("/api/v1/listings/{draft}"), Some(&bob), Some(json!({ "price_vnd_per_kg": 1000 }))).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api(Method::POST, &format!("/api/v1/listings/{draft}/review"), Some(&alice), Some(json!({ "decision": "approve" })))
            .await
            .status,
        StatusCode::FORBIDDEN,
        "farmers do not review"
    );
    assert_eq!(app.api(Method::GET, "/api/v1/review-queue", Some(&alice), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.api(Method::GET, &format!("/api/v1/listings?farmer_id={bob_id}"), Some(&alice), None).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api(Method::POST, "/api/v1/listings", Some(&alice), Some(with(json!({ "farmer_id": bob_id })))).await.status,
        StatusCode::FORBIDDEN
    );
    let curator = app.curator().await;
    assert_eq!(
        app.api(Method::GET, &format!("/api/v1/listings/{draft}"), Some(&curator), None).await.status,
        StatusCode::OK,
        "curators see drafts"
    );
    // An approved listing is public, but only its farmer changes it.
    let live = app.listing(&alice, durian()).await;
    app.approve(&curator, live).await;
    assert_eq!(
        app.api(Method::PATCH, &format!("/api/v1/listings/{live}"), Some(&bob), Some(json!({ "price_vnd_per_kg": 1000 }))).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api(Method::POST, &format!("/api/v1/listings/{live}/status"), Some(&bob), Some(json!({ "action": "pause" }))).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.api(Method::GET, &format!("/api/v1/listings/{live}/changes"), Some(&bob), None).await.status, StatusCode::NOT_FOUND);
}

/// The durian body with `extra` fields added.
fn with(extra: serde_json::Value) -> serde_json::Value {
    let mut body = durian();
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

#[tokio::test]
async fn a_repeated_submission_creates_one_listing() {
    let app = TestApp::new().await;
    let (farmer, _) = app.farmer("0912345678", "A", "di-linh").await;
    let mut ids = Vec::new();
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let req = axum::http::Request::post("/api/v1/listings")
            .header("authorization", format!("Bearer {farmer}"))
            .header("content-type", "application/json")
            .header("idempotency-key", "tap-1")
            .body(axum::body::Body::from(durian().to_string()))
            .unwrap();
        let answer = app.send(req).await;
        statuses.push(answer.status);
        ids.push(answer.json()["id"].as_i64().unwrap());
    }
    assert_eq!(statuses, vec![StatusCode::CREATED, StatusCode::OK]);
    assert_eq!(ids[0], ids[1]);
    let mine = app.api(Method::GET, "/api/v1/listings", Some(&farmer), None).await.json();
    assert_eq!(mine["listings"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn edits_after_approval_follow_the_review_rule_and_are_recorded() {
    let app = TestApp::new().await;
    let (farmer, _) = app.farmer("0912345678", "A", "di-linh").await;
    let curator = app.curator().await;
    let id = app.listing(&farmer, durian()).await;
    app.approve(&curator, id).await;

    let cheaper = app
        .api(
            Method::PATCH,
            &format!("/api/v1/listings/{id}"),
            Some(&farmer),
            Some(json!({ "price_vnd_per_kg": 80000, "quantity_kg": 300 })),
        )
        .await;
    assert_eq!(cheaper.status, StatusCode::OK, "{}", cheaper.text());
    assert_eq!(cheaper.json()["status"], "approved");
    let renamed = app
        .api(Method::PATCH, &format!("/api/v1/listings/{id}"), Some(&farmer), Some(json!({ "title": "Sầu riêng Ri6 loại 1" })))
        .await
        .json();
    assert_eq!(renamed["status"], "pending_review");

    let no_reason =
        app.api(Method::PATCH, &format!("/api/v1/listings/{id}"), Some(&curator), Some(json!({ "title": "Sầu riêng Ri6 loại một" }))).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.json()["error"]["field_codes"]["reason"], "err.reason.required");
    let fixed = app
        .api(
            Method::PATCH,
            &format!("/api/v1/listings/{id}"),
            Some(&curator),
            Some(json!({ "title": "Sầu riêng Ri6 loại một", "reason": "Viết rõ loại" })),
        )
        .await;
    assert_eq!(fixed.json()["status"], "pending_review", "a curator's edit does not move the listing");

    let rejected =
        app.api(Method::POST, &format!("/api/v1/listings/{id}/review"), Some(&curator), Some(json!({ "decision": "reject" }))).await;
    assert_eq!(rejected.json()["error"]["field_codes"]["reason"], "err.reason.required", "a rejection needs a reason");
    let rejected = app
        .api(
            Method::POST,
            &format!("/api/v1/listings/{id}/review"),
            Some(&curator),
            Some(json!({ "decision": "reject", "reason": "Thiếu ảnh" })),
        )
        .await
        .json();
    assert_eq!(rejected["rejection_reason"], "Thiếu ảnh");

    let changes = app.api(Method::GET, &format!("/api/v1/listings/{id}/changes"), Some(&farmer), None).await.json();
    let changes = changes["changes"].as_array().unwrap();
    let curator_edit = changes.iter().find(|c| c["reason"] == "Viết rõ loại").expect("the farmer sees the curator's edit");
    assert_eq!(curator_edit["field"], "title");
    assert_eq!(curator_edit["old"], "Sầu riêng Ri6 loại 1");
    assert!(changes.iter().any(|c| c["field"] == "price_vnd_per_kg" && c["new"] == "80000"));
    assert!(changes.iter().any(|c| c["field"] == "status" && c["new"] == "rejected" && c["reason"] == "Thiếu ảnh"));

    let illegal = app.api(Method::POST, &format!("/api/v1/listings/{id}/status"), Some(&farmer), Some(json!({ "action": "resume" }))).await;
    assert_eq!(illegal.status, StatusCode::CONFLICT, "an illegal transition is an error");
}

#[tokio::test]
async fn helpers_act_for_farmers_of_their_communes_only() {
    let app = TestApp::new().await;
    let (helper, _) = app.staff(Role::Helper, "0971111111", &["di-linh"]).await;
    let (other_helper, _) = app.staff(Role::Helper, "0972222222", &["gia-hiep"]).await;
    let created = app
        .api(
            Method::POST,
            "/api/v1/farmers",
            Some(&helper),
            Some(json!({ "name": "Ka Điệp", "commune": "di-linh", "legacy_commune": "dinh-lac" })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let farmer = created.json();
    assert_eq!(farmer["phone"], serde_json::Value::Null);
    assert_eq!(farmer["has_password"], false);
    let farmer_id = farmer["id"].as_i64().unwrap();

    let elsewhere = app.api(Method::POST, "/api/v1/farmers", Some(&helper), Some(json!({ "name": "X", "commune": "gia-hiep" }))).await;
    assert_eq!(elsewhere.json()["error"]["field_codes"]["commune"], "err.commune.not_yours");

    let id = app.listing(&helper, with(json!({ "farmer_id": farmer_id }))).await;
    let listing = app.api(Method::GET, &format!("/api/v1/listings/{id}"), Some(&helper), None).await.json();
    assert_eq!(listing["farmer_id"], farmer_id);
    assert_eq!(listing["legacy_commune"], "dinh-lac");
    assert_eq!(
        app.api(Method::POST, "/api/v1/listings", Some(&other_helper), Some(with(json!({ "farmer_id": farmer_id })))).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.api(Method::GET, &format!("/api/v1/listings/{id}"), Some(&other_helper), None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn login_is_throttled_per_phone() {
    let app = TestApp::new().await;
    app.farmer("0912345678", "A", "di-linh").await;
    for _ in 0..5 {
        let wrong =
            app.api(Method::POST, "/api/v1/session", None, Some(json!({ "phone": "0912345678", "password": "wrong-password" }))).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let right =
        app.api(Method::POST, "/api/v1/session", None, Some(json!({ "phone": "+84 912 345 678", "password": support::PASSWORD }))).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    assert!(right.headers.get("retry-after").is_some());
    assert_eq!(right.json()["error"]["code"], "err.login.throttled");
}

#[tokio::test]
async fn the_same_number_written_differently_is_one_account() {
    let app = TestApp::new().await;
    app.farmer("0912345678", "A", "di-linh").await;
    let again = app
        .api(
            Method::POST,
            "/api/v1/farmers",
            None,
            Some(json!({ "phone": "+84 912.345.678", "password": "abcdef", "name": "B", "commune": "di-linh" })),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.json()["error"]["field_codes"]["phone"], "err.phone.taken");
    let token = app.login("+84912345678").await;
    assert_eq!(app.api(Method::GET, "/api/v1/me", Some(&token), None).await.json()["phone"], "0912345678");
}

#[tokio::test]
async fn photos_are_checked_stored_and_served_with_long_cache() {
    let app = TestApp::new().await;
    let (farmer, _) = app.farmer("0912345678", "A", "di-linh").await;
    let id = app.listing(&farmer, durian()).await;
    let upload = |bytes: Vec<u8>, name: &'static str| {
        let (content_type, body) = support::multipart(&[], &[("photo", name, bytes)]);
        axum::http::Request::post(format!("/api/v1/listings/{id}/photos"))
            .header("authorization", format!("Bearer {farmer}"))
            .header("content-type", content_type)
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let answer = app.send(upload(png(800, 600), "vuon.png")).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    let photo = answer.json();
    assert_eq!((photo["width"].as_i64(), photo["height"].as_i64()), (Some(800), Some(600)));
    let thumb = app.get(photo["urls"]["thumb"].as_str().unwrap()).await;
    assert_eq!(thumb.status, StatusCode::OK);
    assert_eq!(thumb.headers["content-type"], "image/jpeg");
    assert!(thumb.headers["cache-control"].to_str().unwrap().contains("immutable"));
    assert_eq!(app.send(upload(png(800, 600), "again.png")).await.status, StatusCode::OK, "the same photo twice is one photo");

    let sideways = app.send(upload(support::sideways_jpeg_with_gps(), "IMG_0001.JPG")).await;
    assert_eq!(sideways.status, StatusCode::CREATED, "{}", sideways.text());
    let sideways = sideways.json();
    assert_eq!((sideways["width"].as_i64(), sideways["height"].as_i64()), (Some(200), Some(400)), "upright");
    for variant in ["thumb", "medium", "large"] {
        let served = app.get(sideways["urls"][variant].as_str().unwrap()).await;
        assert_eq!(served.status, StatusCode::OK, "{variant}");
        assert!(
            !served.body.windows(4).any(|w| w == b"Exif") && !served.body.windows(3).any(|w| w == b"GPS"),
            "{variant} leaks no metadata"
        );
        let decoded = image::load_from_memory(&served.body).unwrap();
        assert!(variant == "thumb" || decoded.height() > decoded.width(), "{variant} is upright");
    }
    let sideways_id = sideways["id"].as_i64().unwrap();
    assert_eq!(
        app.api(Method::DELETE, &format!("/api/v1/listings/{id}/photos/{sideways_id}"), Some(&farmer), None).await.status,
        StatusCode::NO_CONTENT
    );

    let fake = app.send(upload(b"hello, I am not a photo".to_vec(), "anh.jpg")).await;
    assert_eq!(fake.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fake.json()["error"]["field_codes"]["photo"], "err.photo.format");
    let empty = app.send(upload(Vec::new(), "empty.jpg")).await;
    assert_eq!(empty.json()["error"]["field_codes"]["photo"], "err.photo.empty");
    let listing = app.api(Method::GET, &format!("/api/v1/listings/{id}"), Some(&farmer), None).await.json();
    assert_eq!(listing["photos"].as_array().unwrap().len(), 1);

    let photo_id = photo["id"].as_i64().unwrap();
    assert_eq!(
        app.api(Method::DELETE, &format!("/api/v1/listings/{id}/photos/{photo_id}"), Some(&farmer), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(photo["urls"]["thumb"].as_str().unwrap()).await.status, StatusCode::NOT_FOUND, "unreferenced files are removed");
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_header_for_api_writes() {
    let app = TestApp::new().await;
    let (token, _) = app.farmer("0912345678", "A", "di-linh").await;
    let csrf = app.db.store.session(&token).await.unwrap().unwrap().csrf;
    let post = |header: Option<&str>| {
        let mut req = axum::http::Request::post("/api/v1/listings")
            .header("cookie", format!("sid={token}"))
            .header("content-type", "application/json");
        if let Some(h) = header {
            req = req.header("x-csrf-token", h);
        }
        req.body(axum::body::Body::from(durian().to_string())).unwrap()
    };
    let refused = app.send(post(None)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["error"]["code"], "err.csrf");
    assert_eq!(app.send(post(Some(&csrf))).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let app = TestApp::new().await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/api/v1/farmers", &["post"][..]),
        ("/api/v1/session", &["post", "delete"]),
        ("/api/v1/me", &["get"]),
        ("/api/v1/reference", &["get"]),
        ("/api/v1/catalogue", &["get"]),
        ("/api/v1/catalogue/suggest", &["get"]),
        ("/api/v1/listings", &["get", "post"]),
        ("/api/v1/listings/{id}", &["get", "patch"]),
        ("/api/v1/listings/{id}/status", &["post"]),
        ("/api/v1/listings/{id}/photos", &["post"]),
        ("/api/v1/listings/{id}/photos/{photo_id}", &["delete"]),
        ("/api/v1/listings/{id}/review", &["post"]),
        ("/api/v1/listings/{id}/changes", &["get"]),
        ("/api/v1/review-queue", &["get"]),
        ("/healthz", &["get"]),
    ] {
        for m in methods {
            assert!(paths.get(path).and_then(|p| p.get(*m)).is_some(), "{m} {path} is documented");
        }
    }
    let health = app.get("/healthz").await.json();
    assert_eq!(health["status"], "ok");
}

#[tokio::test]
async fn expired_windows_leave_the_catalogue() {
    let app = TestApp::new().await;
    let (farmer, _) = app.farmer("0912345678", "A", "di-linh").await;
    let curator = app.curator().await;
    let id = app.listing(&farmer, durian()).await;
    app.approve(&curator, id).await;
    let after_season = nongsan_web::actions::today() + time::Duration::days(400);
    let done = nongsan_jobs::housekeeping(&app.db.store, after_season).await.unwrap();
    assert_eq!(done.expired_listings, vec![id]);
    assert!(nongsan_jobs::housekeeping(&app.db.store, after_season).await.unwrap().expired_listings.is_empty(), "idempotent");
    assert_eq!(app.get(&format!("/api/v1/listings/{id}")).await.status, StatusCode::NOT_FOUND);
    let mine = app.api(Method::GET, &format!("/api/v1/listings/{id}"), Some(&farmer), None).await.json();
    assert_eq!(mine["status"], "expired");
}

#[tokio::test]
async fn search_understands_buyers_and_suggests_while_typing() {
    let app = TestApp::new().await;
    let (farmer, _) = app.farmer("0912345678", "Ka Điệp", "hoa-ninh").await;
    let curator = app.curator().await;
    let ri6 = app.listing(&farmer, durian()).await;
    app.approve(&curator, ri6).await;
    let mut monthong = durian();
    monthong["variety"] = json!("monthong");
    monthong["title"] = json!("Sầu riêng Monthong");
    let monthong = app.listing(&farmer, monthong).await;
    app.approve(&curator, monthong).await;

    for q in ["saauf+rieeng", "sau+rien+", "durian", "S%E1%BA%A6U+RI%C3%8ANG", "sau+ri"] {
        let found = app.get(&format!("/api/v1/catalogue?q={q}")).await.json();
        assert_eq!(found["total"], 2, "{q}: {found}");
    }
    let dona = app.get("/api/v1/catalogue?q=dona").await.json();
    assert_eq!(dona["hits"][0]["id"], monthong);
    assert_eq!(dona["total"], 1);
    let marked = app.get("/api/v1/catalogue?q=ri6").await.json();
    assert_eq!(marked["hits"][0]["highlight"], "Sầu riêng <mark>Ri6</mark> vườn nhà");
    let suggest = app.get("/api/v1/catalogue/suggest?q=sau+ri").await.json();
    assert!(suggest["suggestions"].as_array().unwrap().iter().any(|s| s["text"] == "sau rieng"), "{suggest}");
    let too_long = app.get(&format!("/api/v1/catalogue?q={}", "a".repeat(10_000))).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    for q in ["crop+%3D+%27x%27+OR+id+%3E+0", "%22%29%28", "%F0%9F%98%80", "%00%01%1B"] {
        let answer = app.get(&format!("/api/v1/catalogue?q={q}&crop=coffee")).await;
        assert_eq!(answer.status, StatusCode::OK, "{q}");
        assert_eq!(answer.json()["total"], 0, "{q}: nothing outside the crop filter");
    }
}

#[tokio::test]
async fn approving_through_the_api_routes_the_listing_to_the_chosen_or_default_channels() {
    let app = TestApp::new().await;
    let curator = app.curator().await;
    let (alice, _) = app.farmer("0912345678", "Alice", "gia-hiep").await;
    let account = nongsan_store::AccountSettings {
        channel: "postmart".into(),
        mode: "assisted".into(),
        name: "Bưu điện".into(),
        base_url: "https://postmart.vn".into(),
        default_crops: vec!["durian".into()],
        requests_per_minute: 60,
        active: true,
        ..Default::default()
    };
    app.db.store.create_channel_account(&account).await.unwrap();
    let review = |id: i64, body: serde_json::Value| {
        let curator = curator.clone();
        let app = &app;
        async move { app.api(Method::POST, &format!("/api/v1/listings/{id}/review"), Some(&curator), Some(body)).await }
    };
    let first = app.listing(&alice, durian()).await;
    let refused = review(first, json!({ "decision": "approve", "channels": ["postmart", "ebay"] })).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json()["error"]["fields"]["channels"], "Chọn postmart.vn hoặc voso.vn.");
    assert!(app.db.store.channel_listings_of(first).await.unwrap().is_empty(), "nothing half done");
    assert_eq!(app.db.store.listing(first).await.unwrap().status.as_str(), "pending_review");

    assert_eq!(review(first, json!({ "decision": "approve", "channels": [] })).await.status, StatusCode::OK);
    assert!(app.db.store.channel_listings_of(first).await.unwrap().is_empty(), "an empty choice routes nowhere");

    let second = app.listing(&alice, durian()).await;
    assert_eq!(review(second, json!({ "decision": "approve" })).await.status, StatusCode::OK);
    let routed = app.db.store.channel_listings_of(second).await.unwrap();
    assert_eq!(routed.iter().map(|c| c.channel.as_str()).collect::<Vec<_>>(), ["postmart"], "durian goes to postmart by default");
}
