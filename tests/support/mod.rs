//! One-line setup for tests of the whole application: a fresh database (SQLite, or
//! PostgreSQL with `NONGSAN_TEST_DATABASE_URL`), a photo directory, and the real router.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use nongsan_channels::secret::Sealer;
use nongsan_domain::account::Role;
use nongsan_media::MediaStore;
use nongsan_search::SearchService;
use nongsan_search::embedded::EmbeddedEngine;
use nongsan_store::testing::TestDb;
use nongsan_store::{NewUser, Profile};
use nongsan_web::{App, AppState, Config};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceExt;

pub struct TestApp {
    pub db: TestDb,
    pub state: AppState,
    pub router: Router,
    media_dir: PathBuf,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.media_dir);
    }
}

/// An answer, body read.
pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn location(&self) -> String {
        self.headers.get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
    }
}

pub const PASSWORD: &str = "mat-khau-123";

impl TestApp {
    pub async fn new() -> TestApp {
        let db = TestDb::new().await;
        let media_dir = std::env::temp_dir().join(format!("nongsan-media-test-{}", &nongsan_store::random_token()[..12]));
        let engine = EmbeddedEngine::open(&media_dir.join("search")).expect("embedded search index");
        let search = Arc::new(SearchService::new(db.store.clone(), Arc::new(engine)));
        search.start().await.expect("search starts");
        let state = AppState::new(App {
            store: db.store.clone(),
            catalogue: search,
            media: MediaStore::new(media_dir.clone(), 2),
            sealer: Some(Arc::new(Sealer::from_hex(&Sealer::generate_hex()).expect("a fresh key"))),
            config: Config::default(),
        });
        let router = nongsan_web::router(state.clone());
        TestApp { db, state, router, media_dir }
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.expect("the router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
        Answer { status, headers, body }
    }

    /// A JSON request, optionally with a bearer token.
    pub async fn api(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(req.body(body).unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.api(Method::GET, path, None, None).await
    }

    /// Registers a farmer through the API and logs in; returns (token, id).
    pub async fn farmer(&self, phone: &str, name: &str, commune: &str) -> (String, i64) {
        let reg = self
            .api(
                Method::POST,
                "/api/v1/farmers",
                None,
                Some(json!({ "phone": phone, "password": PASSWORD, "name": name, "commune": commune, "crops": ["durian"] })),
            )
            .await;
        assert_eq!(reg.status, StatusCode::CREATED, "{}", reg.text());
        let id = reg.json()["id"].as_i64().unwrap();
        (self.login(phone).await, id)
    }

    pub async fn login(&self, phone: &str) -> String {
        let login = self.api(Method::POST, "/api/v1/session", None, Some(json!({ "phone": phone, "password": PASSWORD }))).await;
        assert_eq!(login.status, StatusCode::CREATED, "{}", login.text());
        login.json()["token"].as_str().unwrap().to_owned()
    }

    /// Creates a staff account directly (as `nongsan user add` does) and logs in.
    pub async fn staff(&self, role: Role, phone: &str, communes: &[&str]) -> (String, i64) {
        let hash = nongsan_web::auth::hash_password(PASSWORD.into()).await.unwrap();
        let user = self
            .db
            .store
            .create_user(&NewUser {
                role,
                phone: Some(phone.into()),
                password_hash: Some(hash),
                profile: Profile {
                    name: format!("{} {phone}", role.as_str()),
                    commune: communes.first().map(|c| c.to_string()),
                    ..Profile::default()
                },
                created_by: None,
            })
            .await
            .unwrap();
        if role == Role::Helper {
            self.db.store.set_helper_communes(user.id, &communes.iter().map(|c| c.to_string()).collect::<Vec<_>>()).await.unwrap();
        }
        (self.login(phone).await, user.id)
    }

    pub async fn curator(&self) -> String {
        self.staff(Role::Curator, "0981111111", &[]).await.0
    }

    /// Creates a listing over the API and checks it was accepted; returns its id.
    pub async fn listing(&self, token: &str, body: Value) -> i64 {
        let created = self.api(Method::POST, "/api/v1/listings", Some(token), Some(body)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        created.json()["id"].as_i64().unwrap()
    }

    pub async fn approve(&self, curator: &str, id: i64) {
        let r =
            self.api(Method::POST, &format!("/api/v1/listings/{id}/review"), Some(curator), Some(json!({ "decision": "approve" }))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
}

/// A valid durian listing body.
pub fn durian() -> Value {
    json!({
        "crop": "durian",
        "variety": "ri6",
        "form": "whole",
        "title": "Sầu riêng Ri6 vườn nhà",
        "description": "Chín cây, cơm vàng.",
        "quantity_kg": 500,
        "price_vnd_per_kg": 85000,
        "available_from": day(1),
        "available_until": day(180),
        "certifications": ["vietgap"]
    })
}

/// The ISO date `offset` days from today in Vietnam: fixtures stay valid whenever tests run.
pub fn day(offset: i64) -> String {
    nongsan_domain::listing::format_date(nongsan_web::actions::today() + time::Duration::days(offset))
}

/// A browser: keeps cookies, posts forms with the CSRF token the pages carry.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookies: BTreeMap<String, String>,
    pub lang_header: Option<&'static str>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Browser { app, cookies: BTreeMap::new(), lang_header: None }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep_cookies(&mut self, answer: &Answer) {
        for value in answer.headers.get_all(header::SET_COOKIE) {
            let value = value.to_str().unwrap();
            let pair = value.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if value.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let req = Request::get(path).header(header::COOKIE, self.cookie_header()).body(Body::empty()).unwrap();
        let answer = self.app.send(req).await;
        self.keep_cookies(&answer);
        answer
    }

    /// The CSRF token in the last page's forms.
    pub fn csrf_from(page: &Answer) -> String {
        let text = page.text();
        let at = text.find("name=\"csrf\" value=\"").expect("a form with a CSRF token");
        text[at + 19..at + 19 + 64].to_owned()
    }

    /// Posts a url-encoded form.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let answer = self.app.send(req).await;
        self.keep_cookies(&answer);
        answer
    }

    /// Posts a multipart form; `files` are (field, file name, bytes).
    pub async fn post_multipart(&mut self, path: &str, fields: &[(&str, &str)], files: &[(&str, &str, Vec<u8>)]) -> Answer {
        let (content_type, body) = multipart(fields, files);
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        let answer = self.app.send(req).await;
        self.keep_cookies(&answer);
        answer
    }
}

pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A multipart/form-data body.
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = "----nongsanTestBoundary7d1";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    for (k, name, bytes) in files {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A small real PNG.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7 % 256) as u8, (y * 5 % 256) as u8, 120]));
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

/// A 400 × 200 JPEG whose EXIF says "turn 90° clockwise" and carries a GPS position, as phones
/// write them.
pub fn sideways_jpeg_with_gps() -> Vec<u8> {
    let img = image::RgbImage::from_fn(400, 200, |x, _| image::Rgb([if x < 200 { 255 } else { 0 }, 0, 0]));
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90).encode_image(&img).unwrap();
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x02".to_vec();
    tiff.extend([0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0x06, 0, 0]);
    tiff.extend([0x88, 0x25, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 0]);
    tiff.extend([0, 0, 0, 0]);
    tiff.extend(b"GPS 11.58N 108.07E");
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend(&tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(&app1);
    out.extend(&plain[2..]);
    out
}
