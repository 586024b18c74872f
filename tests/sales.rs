//! Sales tracking on SQLite and PostgreSQL (NONGSAN_TEST_DATABASE_URL): the ledger's sums
//! against sums computed here, idempotent imports and forms, selling out, permissions, and the
//! spreadsheet exports.

mod support;

use axum::http::StatusCode;
use nongsan_domain::account::Role;
use nongsan_domain::listing::{Status, format_date};
use nongsan_domain::sales::{Channel, Source, week_start};
use nongsan_store::testing::{TestDb, approved_listing};
use nongsan_store::{AccountSettings, HistoricSale, NewSale, NewUser, Period, Profile, RawOrder, SalesFilter, Store};
use support::{Browser, PASSWORD, TestApp};
use time::Date;

fn today() -> Date {
    nongsan_domain::local_date(nongsan_store::now())
}

async fn farmer_in(store: &Store, phone: &str, commune: &str, legacy: &str) -> i64 {
    let user = NewUser {
        role: Role::Farmer,
        phone: Some(phone.into()),
        password_hash: None,
        profile: Profile {
            name: format!("Nông dân {phone}"),
            commune: Some(commune.into()),
            legacy_commune: (!legacy.is_empty()).then(|| legacy.to_owned()),
            ..Profile::default()
        },
        created_by: None,
    };
    store.create_user(&user).await.unwrap().id
}

/// A varied ledger: three farmers in different communes, three crops, three channels, prices
/// and weights with decimals, over the last 120 days.
fn ledger(farmers: &[(i64, &str, &str)]) -> Vec<HistoricSale> {
    let crops = ["coffee", "durian", "macadamia"];
    (0..360)
        .map(|i| {
            let (farmer_id, commune, legacy) = farmers[i % farmers.len()];
            let channel = Channel::ALL[(i / 3) % 3];
            let kg = 0.5 + (i % 17) as f64 * 12.25;
            let price = 40_000 + (i as i64 * 7_919) % 90_000;
            HistoricSale {
                listing_id: None,
                farmer_id,
                channel,
                source: if channel == Channel::Direct { Source::Manual } else { Source::Order },
                external_ref: format!("t:{i}"),
                quantity_kg: kg,
                unit_price_vnd: price,
                total_vnd: (kg * price as f64).round() as i64,
                sale_date: today() - time::Duration::days((i as i64 * 13) % 120),
                estimated: false,
                crop: crops[(i / 7) % 3].into(),
                commune: commune.into(),
                legacy_commune: legacy.into(),
            }
        })
        .collect()
}

fn matches(s: &HistoricSale, f: &SalesFilter) -> bool {
    f.from.is_none_or(|d| s.sale_date >= d)
        && f.to.is_none_or(|d| s.sale_date <= d)
        && f.crop.as_ref().is_none_or(|c| &s.crop == c)
        && f.commune.as_ref().is_none_or(|c| &s.commune == c)
        && f.legacy_commune.as_ref().is_none_or(|c| &s.legacy_commune == c)
        && f.channel.is_none_or(|c| s.channel == c)
        && f.farmer_id.is_none_or(|id| s.farmer_id == id)
}

/// (count, kg, VND) of the sales `f` covers, summed here.
fn expected(sales: &[HistoricSale], f: &SalesFilter) -> (i64, f64, i64) {
    sales.iter().filter(|s| matches(s, f)).fold((0, 0.0, 0), |(n, kg, vnd), s| (n + 1, kg + s.quantity_kg, vnd + s.total_vnd))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6 * b.abs().max(1.0)
}

#[tokio::test]
async fn dashboard_totals_equal_the_sum_of_the_ledger_for_every_filter() {
    let db = TestDb::new().await;
    let store = &db.store;
    let a = farmer_in(store, "0912000101", "di-linh", "dinh-lac").await;
    let b = farmer_in(store, "0912000102", "hoa-ninh", "hoa-nam").await;
    let c = farmer_in(store, "0912000103", "gia-hiep", "").await;
    let mut sales = ledger(&[(a, "di-linh", "dinh-lac"), (b, "hoa-ninh", "hoa-nam"), (c, "gia-hiep", "")]);
    assert_eq!(store.load_sales_history(&sales).await.unwrap(), sales.len() as u64);
    // Two sales recorded one by one go through the per-sale path of the daily totals.
    let listing = approved_listing(store, c, 1).await;
    for (k, kg) in [("x1", 12.5), ("x2", 3.0)] {
        let new = NewSale {
            listing_id: listing,
            channel: Channel::Direct,
            source: Source::Manual,
            external_ref: k.into(),
            quantity_kg: kg,
            unit_price_vnd: 85_000,
            total_vnd: (kg * 85_000.0) as i64,
            sale_date: today(),
            estimated: false,
            buyer_note: String::new(),
            recorded_by: None,
        };
        assert!(store.record_sale(&new).await.unwrap().1);
        sales.push(HistoricSale {
            listing_id: Some(listing),
            farmer_id: c,
            channel: Channel::Direct,
            source: Source::Manual,
            external_ref: k.into(),
            quantity_kg: kg,
            unit_price_vnd: 85_000,
            total_vnd: (kg * 85_000.0) as i64,
            sale_date: today(),
            estimated: false,
            crop: "durian".into(),
            commune: "gia-hiep".into(),
            legacy_commune: String::new(),
        });
    }
    let days = |n: i64| Some(today() - time::Duration::days(n));
    let filters = [
        SalesFilter::default(),
        SalesFilter { from: days(60), to: days(10), ..Default::default() },
        SalesFilter { crop: Some("coffee".into()), ..Default::default() },
        SalesFilter { commune: Some("hoa-ninh".into()), from: days(90), ..Default::default() },
        SalesFilter { legacy_commune: Some("dinh-lac".into()), channel: Some(Channel::Postmart), ..Default::default() },
        SalesFilter { farmer_id: Some(c), crop: Some("durian".into()), ..Default::default() },
        SalesFilter { crop: Some("durian".into()), channel: Some(Channel::Voso), commune: Some("di-linh".into()), ..Default::default() },
    ];
    for f in &filters {
        let (n, kg, vnd) = expected(&sales, f);
        assert!(n > 0, "the filter {f:?} covers some sales");
        for period in [Period::Week, Period::Month] {
            let d = store.sales_dashboard(f, period).await.unwrap();
            assert_eq!((d.totals.sales, d.totals.total_vnd), (n, vnd), "{f:?}");
            assert!(close(d.totals.quantity_kg, kg), "{f:?}: {} vs {kg}", d.totals.quantity_kg);
            for parts in [&d.by_channel, &d.over_time, &d.communes, &d.legacy_communes] {
                assert_eq!(parts.iter().map(|b| b.totals.total_vnd).sum::<i64>(), vnd, "{f:?}");
                assert_eq!(parts.iter().map(|b| b.totals.sales).sum::<i64>(), n, "{f:?}");
            }
            for bucket in &d.by_channel {
                let channel = Channel::parse(&bucket.key).unwrap();
                let (cn, _, cv) = expected(&sales, &SalesFilter { channel: Some(channel), ..f.clone() });
                assert_eq!((bucket.totals.sales, bucket.totals.total_vnd), (cn, cv), "{f:?} {channel:?}");
            }
            if period == Period::Week {
                for bucket in &d.over_time {
                    let week: i64 = sales
                        .iter()
                        .filter(|s| matches(s, f) && format_date(week_start(s.sale_date)) == bucket.key)
                        .map(|s| s.total_vnd)
                        .sum();
                    assert_eq!(bucket.totals.total_vnd, week, "{f:?} week {}", bucket.key);
                }
            }
            // Medians count every week that overlaps the period, whole.
            let weekly = sales
                .iter()
                .filter(|s| {
                    let week = week_start(s.sale_date);
                    matches(s, &SalesFilter { from: None, to: None, ..f.clone() })
                        && f.from.is_none_or(|d| week >= week_start(d))
                        && f.to.is_none_or(|d| week <= d)
                })
                .count() as i64;
            assert_eq!(d.medians.iter().map(|m| m.sales).sum::<i64>(), weekly, "{f:?}");
        }
        let page = store.sales_page(f, 1_000, 0).await.unwrap();
        assert_eq!(page.len() as i64, n);
        assert!(page.windows(2).all(|w| w[0].sale_date >= w[1].sale_date));
    }
}

#[tokio::test]
async fn the_weekly_median_is_the_middle_price() {
    let db = TestDb::new().await;
    let store = &db.store;
    let f = farmer_in(store, "0912000201", "di-linh", "").await;
    let monday = week_start(today()) - time::Duration::weeks(2);
    let sale = |i: usize, crop: &str, price: i64, day: Date| HistoricSale {
        listing_id: None,
        farmer_id: f,
        channel: Channel::Direct,
        source: Source::Manual,
        external_ref: format!("m:{i}"),
        quantity_kg: 10.0,
        unit_price_vnd: price,
        total_vnd: price * 10,
        sale_date: day,
        estimated: false,
        crop: crop.into(),
        commune: "di-linh".into(),
        legacy_commune: String::new(),
    };
    let sales = vec![
        // Coffee, an odd count with a repeated price: the middle one.
        sale(0, "coffee", 100_000, monday),
        sale(1, "coffee", 90_000, monday + time::Duration::days(2)),
        sale(2, "coffee", 100_000, monday + time::Duration::days(6)),
        sale(3, "coffee", 130_000, monday + time::Duration::days(3)),
        sale(4, "coffee", 80_000, monday + time::Duration::days(1)),
        // Durian, an even count: the mean of the two middle prices.
        sale(5, "durian", 60_000, monday),
        sale(6, "durian", 90_000, monday),
        sale(7, "durian", 70_000, monday),
        sale(8, "durian", 200_000, monday),
        // The next week stands alone.
        sale(9, "coffee", 95_000, monday + time::Duration::days(7)),
    ];
    store.load_sales_history(&sales).await.unwrap();
    let medians = store.weekly_medians(&SalesFilter::default()).await.unwrap();
    let found: Vec<(String, Date, i64, i64)> = medians.into_iter().map(|m| (m.crop, m.week, m.sales, m.median_vnd_per_kg)).collect();
    assert_eq!(
        found,
        vec![
            ("coffee".into(), monday, 5, 100_000),
            ("coffee".into(), monday + time::Duration::days(7), 1, 95_000),
            ("durian".into(), monday, 4, 80_000),
        ]
    );
}

async fn postmart_account(store: &Store, channel: &str, mode: &str) -> i64 {
    store
        .create_channel_account(&AccountSettings {
            channel: channel.into(),
            mode: mode.into(),
            name: format!("{channel} test"),
            base_url: String::new(),
            credentials: None,
            farmer_id: None,
            default_crops: vec![],
            requests_per_minute: 60,
            active: true,
        })
        .await
        .unwrap()
        .id
}

fn order(id: &str, sku: &str, kg: f64, status: &str) -> RawOrder {
    RawOrder {
        external_id: id.into(),
        sku: Some(sku.into()),
        quantity: kg,
        unit_price_vnd: 90_000,
        total_vnd: (kg * 90_000.0) as i64,
        status: status.into(),
        placed_at: nongsan_store::now() - 3600,
        raw: "{}".into(),
    }
}

#[tokio::test]
async fn imports_of_orders_and_observations_add_each_sale_once() {
    let db = TestDb::new().await;
    let store = &db.store;
    let farmer = farmer_in(store, "0912000301", "hoa-ninh", "hoa-nam").await;
    let listing = approved_listing(store, farmer, 1).await;
    let account = postmart_account(store, "postmart", "api").await;
    postmart_account(store, "voso", "assisted").await;
    assert!(store.route_listing(listing, &["postmart".into(), "voso".into()]).await.unwrap().is_empty());
    let sku = nongsan_store::seller_sku(listing, "postmart");
    store.record_order(account, &order("PM-1", &sku, 5.0, "paid")).await.unwrap();
    store.record_order(account, &order("PM-2", &sku, 2.5, "completed")).await.unwrap();
    store.record_order(account, &order("PM-3", &sku, 100.0, "cancelled")).await.unwrap();
    store.record_order(account, &order("PM-4", "NS-unknown", 1.0, "paid")).await.unwrap();

    // What the voso watcher leaves: one row per change seen on the page.
    let voso = store.channel_listings_of(listing).await.unwrap().into_iter().find(|c| c.channel == "voso").unwrap();
    let at = nongsan_store::now() - 7200;
    for (i, (sold, price)) in
        [(Some(5), 400_000), (Some(5), 380_000), (Some(8), 400_000), (None, 400_000), (Some(12), 400_000)].iter().enumerate()
    {
        let sold = sold.map_or("null".to_owned(), |s| s.to_string());
        store
            .execute_raw(&format!(
                "insert into channel_observations (channel_listing_id, seen_at, url, title, price_vnd, sold_count, source, digest)
                 values ({}, {}, 'https://voso.vn/p/1', 'Sầu riêng Ri6 - hộp 5kg', {price}, {sold}, 'markup', 'd{i}')",
                voso.id,
                at + i as i64 * 600
            ))
            .await
            .unwrap();
    }

    let first = nongsan_jobs::sales::import_sales(store).await.unwrap();
    assert_eq!((first.orders, first.observations, first.voided), (2, 2, 0));
    let again = nongsan_jobs::sales::import_sales(store).await.unwrap();
    assert_eq!(again, nongsan_store::SalesImport::default(), "a second run adds nothing");

    let all = store.sales_page(&SalesFilter::default(), 100, 0).await.unwrap();
    assert_eq!(all.len(), 4);
    let estimated: Vec<(f64, i64, i64)> =
        all.iter().filter(|s| s.source == Source::Observation).map(|s| (s.quantity_kg, s.unit_price_vnd, s.total_vnd)).collect();
    assert_eq!(estimated.len(), 2);
    assert!(estimated.contains(&(15.0, 80_000, 1_200_000)), "3 boxes of 5 kg at 400.000: {estimated:?}");
    assert!(estimated.contains(&(20.0, 80_000, 1_600_000)), "4 boxes of 5 kg: {estimated:?}");
    assert!(all.iter().filter(|s| s.source == Source::Observation).all(|s| s.estimated && s.channel == Channel::Voso));
    let orders: Vec<&str> = all.iter().filter(|s| s.source == Source::Order).map(|s| s.external_ref.as_str()).collect();
    assert_eq!(orders.len(), 2);
    assert!(orders.contains(&format!("{account}:PM-1").as_str()));
    // 800 kg listed, 5 + 2.5 + 15 + 20 sold.
    assert_eq!(store.listing(listing).await.unwrap().fields.quantity_kg, 757.5);
    let totals = store.sales_totals(&SalesFilter::default()).await.unwrap();
    assert_eq!(totals.sales, 4);

    // The marketplace cancels an order after it was imported: the sale leaves the ledger once.
    store.record_order(account, &order("PM-1", &sku, 5.0, "cancelled")).await.unwrap();
    let third = nongsan_jobs::sales::import_sales(store).await.unwrap();
    assert_eq!((third.orders, third.observations, third.voided), (0, 0, 1));
    assert_eq!(nongsan_jobs::sales::import_sales(store).await.unwrap(), nongsan_store::SalesImport::default());
    let totals = store.sales_totals(&SalesFilter::default()).await.unwrap();
    assert_eq!((totals.sales, totals.total_vnd), (3, 225_000 + 1_200_000 + 1_600_000));
}

#[tokio::test]
async fn a_sale_of_the_last_kilos_sells_the_listing_out_and_queues_its_delisting() {
    let db = TestDb::new().await;
    let store = &db.store;
    let farmer = farmer_in(store, "0912000401", "gia-hiep", "gia-hiep").await;
    let listing = approved_listing(store, farmer, 1).await;
    postmart_account(store, "postmart", "api").await;
    store.route_listing(listing, &["postmart".into()]).await.unwrap();
    // The first push ran and the listing is live.
    let job = store.claim_job("test", 60).await.unwrap().unwrap();
    assert!(store.complete_job(job.id, "test").await.unwrap());
    let cl = store.channel_listings_of(listing).await.unwrap().remove(0);
    store.mark_channel_live(cl.id, "43160", None, "hash", 85_000, 800).await.unwrap();

    let sale = |key: &str, kg: f64| NewSale {
        listing_id: listing,
        channel: Channel::Direct,
        source: Source::Manual,
        external_ref: key.into(),
        quantity_kg: kg,
        unit_price_vnd: 85_000,
        total_vnd: (kg * 85_000.0) as i64,
        sale_date: today(),
        estimated: false,
        buyer_note: "thương lái".into(),
        recorded_by: Some(farmer),
    };
    let (first, created) = store.record_sale(&sale("k1", 300.0)).await.unwrap();
    assert!(created);
    let l = store.listing(listing).await.unwrap();
    assert_eq!((l.status, l.fields.quantity_kg), (Status::Approved, 500.0));
    // The same key again: nothing more.
    assert_eq!(store.record_sale(&sale("k1", 300.0)).await.unwrap(), (first, false));
    assert_eq!(store.listing(listing).await.unwrap().fields.quantity_kg, 500.0);
    // Drain the stock push the first sale queued.
    while let Some(job) = store.claim_job("test", 60).await.unwrap() {
        store.complete_job(job.id, "test").await.unwrap();
    }
    store.record_sale(&sale("k2", 500.0)).await.unwrap();
    let l = store.listing(listing).await.unwrap();
    assert_eq!((l.status, l.fields.quantity_kg), (Status::SoldOut, 0.0));
    let queued = store.jobs(Some(nongsan_store::JobState::Queued), 100).await.unwrap();
    assert!(
        queued.iter().any(|j| j.kind == "push" && j.payload["channel_listing"] == cl.id),
        "a push that takes the listing down is queued: {queued:?}"
    );
    let changes = store.changes(listing).await.unwrap();
    assert!(changes.iter().any(|c| c.field == "status" && c.new_value.as_deref() == Some("sold_out")));
    assert_eq!(store.sales_totals(&SalesFilter::default()).await.unwrap().sales, 2);
}

async fn logged_in<'a>(app: &'a TestApp, phone: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    let form = browser.get("/login").await;
    let csrf = Browser::csrf_from(&form);
    let answer = browser.post("/login", &[("csrf", &csrf), ("phone", phone), ("password", PASSWORD)]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text());
    browser
}

async fn post_pairs(browser: &mut Browser<'_>, path: &str, fields: &[(String, String)]) -> support::Answer {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    browser.post(path, &refs).await
}

fn submission_key(page: &str) -> String {
    let at = page.find("name=\"submission_key\" value=\"").expect("a submission key") + 29;
    page[at..at + 64].to_owned()
}

#[tokio::test]
async fn a_farmer_records_an_offline_sale_once_and_only_sees_their_own() {
    let app = TestApp::new().await;
    let store = &app.db.store;
    let (_, farmer) = app.farmer("0912000501", "Ka Điệp", "di-linh").await;
    let (_, other) = app.farmer("0912000502", "Nguyễn Văn Bình", "hoa-ninh").await;
    let listing = approved_listing(store, farmer, 1).await;
    approved_listing(store, other, 2).await;

    let mut browser = logged_in(&app, "0912000501").await;
    let path = format!("/manage/{farmer}/sales");
    let page = browser.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("Ghi một lần bán ngoài sàn"));
    let (csrf, key) = (Browser::csrf_from(&page), submission_key(&text));
    let id = listing.to_string();
    let form = |quantity: &'static str, date: String, key: String| {
        vec![
            ("csrf".to_owned(), csrf.clone()),
            ("submission_key".to_owned(), key),
            ("listing_id".to_owned(), id.clone()),
            ("quantity".to_owned(), quantity.to_owned()),
            ("unit".to_owned(), "tạ".to_owned()),
            ("price_vnd_per_kg".to_owned(), "90.000".to_owned()),
            ("sale_date".to_owned(), date),
            ("buyer_note".to_owned(), "Thương lái Hòa Ninh".to_owned()),
        ]
    };
    // A double tap on a slow link: one sale of 2 tạ.
    for _ in 0..2 {
        let answer = post_pairs(&mut browser, &path, &form("2", format_date(today()), key.clone())).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text());
        assert_eq!(answer.location(), format!("/manage/{farmer}/sales?saved=1"));
    }
    let mine = SalesFilter { farmer_id: Some(farmer), ..Default::default() };
    let totals = store.sales_totals(&mine).await.unwrap();
    assert_eq!((totals.sales, totals.quantity_kg, totals.total_vnd), (1, 200.0, 18_000_000));
    assert_eq!(store.listing(listing).await.unwrap().fields.quantity_kg, 600.0);
    let page = browser.get(&format!("{path}?saved=1")).await;
    assert!(page.text().contains("18.000.000 ₫"), "the farmer's totals show the sale");

    // More than the listing has, a date that does not exist, a date to come: explained, kept.
    let bad = [
        ("7", format_date(today()), "err"),
        ("1", "2025-02-30".into(), "date"),
        ("1", format_date(today() + time::Duration::days(3)), "future"),
    ];
    for (quantity, date, what) in bad {
        let answer = post_pairs(&mut browser, &path, &form(quantity, date, nongsan_store::random_token())).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        assert!(answer.text().contains("Thương lái Hòa Ninh"), "what was typed is kept ({what})");
    }
    assert_eq!(store.sales_totals(&mine).await.unwrap().sales, 1);

    // Another farmer can neither see nor write this farmer's sales.
    let mut stranger = logged_in(&app, "0912000502").await;
    assert_eq!(stranger.get(&path).await.status, StatusCode::FORBIDDEN);
    let theirs = stranger.get(&format!("/manage/{other}/sales")).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.text().contains("18.000.000"));
    let csrf = Browser::csrf_from(&theirs);
    let answer = stranger
        .post(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("submission_key", "k"),
                ("listing_id", id.as_str()),
                ("quantity", "1"),
                ("unit", "kg"),
                ("price_vnd_per_kg", "90000"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(stranger.get("/reports/sales").await.status, StatusCode::FORBIDDEN);
    assert_eq!(store.sales_totals(&SalesFilter::default()).await.unwrap().sales, 1);

    // A helper of the farmer's commune records for them.
    app.staff(Role::Helper, "0911000777", &["di-linh"]).await;
    let mut helper = logged_in(&app, "0911000777").await;
    let page = helper.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Ka Điệp"));
    let csrf = Browser::csrf_from(&page);
    let key = submission_key(&page.text());
    let answer = helper
        .post(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("submission_key", key.as_str()),
                ("listing_id", id.as_str()),
                ("quantity", "6"),
                ("unit", "tạ"),
                ("price_vnd_per_kg", "88.000"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text());
    assert_eq!(store.listing(listing).await.unwrap().status, Status::SoldOut);
}

#[tokio::test]
async fn the_office_dashboard_filters_and_exports_with_vietnamese_headers() {
    let app = TestApp::new().await;
    let store = &app.db.store;
    let a = farmer_in(store, "0912000601", "di-linh", "dinh-lac").await;
    let b = farmer_in(store, "0912000602", "hoa-ninh", "hoa-nam").await;
    let sales = ledger(&[(a, "di-linh", "dinh-lac"), (b, "hoa-ninh", "hoa-nam")]);
    store.load_sales_history(&sales).await.unwrap();
    app.curator().await;
    let mut office = logged_in(&app, "0981111111").await;

    let page = office.get("/reports/sales").await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    for needle in [
        "Báo cáo bán hàng",
        "<svg",
        "role=\"img\"",
        "Doanh số theo kênh",
        "Giá trung vị",
        "Xã bán nhiều nhất",
        "Đinh Lạc",
        "Mức độ tham gia",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
    let f = SalesFilter {
        from: Some(today() - time::Duration::days(182)),
        to: Some(today()),
        crop: Some("coffee".into()),
        ..Default::default()
    };
    let (_, _, vnd) = expected(&sales, &f);
    let filtered = office.get("/reports/sales?crop=coffee&commune=&channel=").await;
    assert!(filtered.text().contains(&nongsan_domain::quantity::format_vnd(vnd)), "the filtered total is on the page");

    for bad in ["from=2025-13-01", "channel=tiki", "commune=legacy:nowhere", "crop=pepper", "from=2025-12-01&to=2025-11-01"] {
        let answer = office.get(&format!("/reports/sales?{bad}")).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let export = office.get(&format!("/reports/sales/export/ledger.csv?{bad}")).await;
        assert_eq!(export.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    assert_eq!(office.get("/reports/sales/export/nothing.csv").await.status, StatusCode::NOT_FOUND);
    assert_eq!(office.get("/reports/sales/export/ledger.pdf").await.status, StatusCode::NOT_FOUND);

    // The ledger as CSV: BOM, Vietnamese headers, one line per sale under the filters.
    let csv = office.get("/reports/sales/export/ledger.csv?commune=legacy:dinh-lac").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(csv.headers["content-disposition"].to_str().unwrap().contains("nongsan-ledger.csv"));
    let text = String::from_utf8(csv.body.clone()).unwrap();
    assert!(
        text.starts_with("\u{feff}Ngày bán,Nông dân,Tin đăng,Nông sản,Xã,\"Xã, thị trấn cũ\",Kênh bán,Nguồn số liệu,Số lượng (kg)"),
        "{}",
        &text[..200]
    );
    let f = SalesFilter {
        legacy_commune: Some("dinh-lac".into()),
        from: Some(today() - time::Duration::days(182)),
        to: Some(today()),
        ..Default::default()
    };
    assert_eq!(text.lines().count() as i64 - 1, expected(&sales, &f).0);
    assert!(text.contains("Đinh Lạc") && text.contains("Cà phê"));

    // Every dashboard table exports, as CSV and as an XLSX a spreadsheet can open.
    let dir = std::env::temp_dir().join(format!("nongsan-xlsx-{}", &nongsan_store::random_token()[..12]));
    std::fs::create_dir_all(&dir).unwrap();
    for stem in ["totals", "over-time", "channels", "median-prices", "communes", "legacy-communes", "adoption", "ledger"] {
        let csv = office.get(&format!("/reports/sales/export/{stem}.csv?channel=postmart")).await;
        assert_eq!(csv.status, StatusCode::OK, "{stem}");
        assert!(csv.body.starts_with("\u{feff}".as_bytes()), "{stem}");
        let xlsx = office.get(&format!("/reports/sales/export/{stem}.xlsx?channel=postmart")).await;
        assert_eq!(xlsx.status, StatusCode::OK, "{stem}");
        let path = dir.join(format!("{stem}.xlsx"));
        std::fs::write(&path, &xlsx.body).unwrap();
        let first_line = String::from_utf8(csv.body[3..].to_vec()).unwrap().lines().next().unwrap().to_owned();
        let headers = read_xlsx_first_row(&path);
        assert_eq!(headers.join(","), first_line.replace('"', ""), "{stem}: the XLSX header row is the CSV's");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Opens an XLSX with Python's zipfile and XML parser (as a spreadsheet program would read the
/// package) and returns its first row's texts.
fn read_xlsx_first_row(path: &std::path::Path) -> Vec<String> {
    let script = r#"
import sys, zipfile, xml.etree.ElementTree as ET
ns = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    names = set(z.namelist())
    for part in ['[Content_Types].xml', '_rels/.rels', 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/styles.xml', 'xl/worksheets/sheet1.xml']:
        assert part in names, part
        ET.fromstring(z.read(part))
    ET.fromstring(z.read('xl/workbook.xml')).find('m:sheets/m:sheet', ns).attrib['name']
    sheet = ET.fromstring(z.read('xl/worksheets/sheet1.xml'))
    rows = sheet.findall('m:sheetData/m:row', ns)
    first = [''.join(t.text or '' for t in c.iter('{%s}t' % ns['m'])) for c in rows[0].findall('m:c', ns)]
    for row in rows[1:]:
        for c in row.findall('m:c', ns):
            if c.get('t') != 'inlineStr':
                float(c.find('m:v', ns).text)
    sys.stdout.buffer.write('\n'.join(first).encode('utf-8'))
"#;
    let out = std::process::Command::new("python3").arg("-c").arg(script).arg(path).output().expect("python3 runs");
    assert!(out.status.success(), "python3 could not read the XLSX: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().split('\n').map(str::to_owned).collect()
}
