//! `nongsan bench sales`: fills the ledger with a million sales (multi-row inserts in
//! transactions) on SQLite in a temporary file, and on PostgreSQL when a URL is given (in a
//! schema of its own, dropped afterwards), then times the dashboard (every query it runs, as
//! the page runs them) for several filters on each.

use crate::demo_sales::{Offer, synthetic_sales};
use crate::rng::Rng;
use nongsan_domain::account::Role;
use nongsan_domain::listing::{ListingFields, format_date};
use nongsan_domain::reference::reference;
use nongsan_domain::sales::Channel;
use nongsan_store::{NewListing, NewUser, Period, Profile, SalesFilter, Store};
use std::time::{Duration, Instant};
use time::Date;

const FARMERS: usize = 400;
const LISTINGS_PER_FARMER: usize = 4;
/// Sales generated and inserted per round: bounded memory whatever the total.
const BATCH: usize = 50_000;
const RUNS: usize = 7;

pub async fn run(rows: usize, postgres: Option<&str>) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("nongsan-bench-sales-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let sqlite = Store::open_data_dir(&dir).await?;
    let outcome = bench(&sqlite, "SQLite", rows).await;
    sqlite.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    outcome?;
    if let Some(url) = postgres {
        let schema = format!("bench_sales_{}", std::process::id());
        let admin = Store::connect_unmigrated(url).await?;
        admin.execute_raw(&format!("create schema {schema}")).await?;
        let separator = if url.contains('?') { '&' } else { '?' };
        let store = Store::connect(&format!("{url}{separator}options[search_path]={schema}")).await?;
        let outcome = bench(&store, "PostgreSQL", rows).await;
        store.close().await;
        admin.execute_raw(&format!("drop schema {schema} cascade")).await?;
        admin.close().await;
        outcome?;
    } else {
        println!("PostgreSQL: skipped (pass --postgres URL or DATABASE_URL=postgres://…)");
    }
    Ok(())
}

async fn bench(store: &Store, name: &str, rows: usize) -> anyhow::Result<()> {
    let today = nongsan_domain::local_date(nongsan_store::now());
    let offers = setup(store, today).await?;
    let mut rng = Rng(0x5A1E_5BE2_C400_0001);
    let started = Instant::now();
    let mut loaded = 0;
    while loaded < rows {
        let n = BATCH.min(rows - loaded);
        let batch = synthetic_sales(&mut rng, &offers, n, today, 365, &format!("bench:{loaded}:"));
        store.append_sales_history(&batch).await?;
        loaded += n;
    }
    let insert = started.elapsed();
    let rollup_started = Instant::now();
    store.rebuild_sales_daily().await?;
    // What autovacuum would have done by the time anyone looks: statistics, visibility map.
    store.execute_raw(if store.backend() == nongsan_store::Backend::Postgres { "vacuum analyze" } else { "analyze" }).await?;
    let rollup = rollup_started.elapsed();
    println!(
        "{name}: {loaded} sales inserted in {:.1} s ({:.0} rows/s, multi-row inserts in transactions of {BATCH}); daily totals and weekly price counts rebuilt, statistics gathered in {:.1} s",
        insert.as_secs_f64(),
        loaded as f64 / insert.as_secs_f64(),
        rollup.as_secs_f64()
    );
    let days = |n: i64| Some(today - time::Duration::days(n));
    let cases: Vec<(&str, SalesFilter, Period)> = vec![
        ("last 365 days, everything, by month", SalesFilter { from: days(364), to: Some(today), ..Default::default() }, Period::Month),
        ("last 182 days (the default view), by week", SalesFilter { from: days(182), to: Some(today), ..Default::default() }, Period::Week),
        (
            "last 90 days, durian",
            SalesFilter { from: days(90), to: Some(today), crop: Some("durian".into()), ..Default::default() },
            Period::Week,
        ),
        (
            "last 182 days, commune di-linh",
            SalesFilter { from: days(182), to: Some(today), commune: Some("di-linh".into()), ..Default::default() },
            Period::Week,
        ),
        (
            "last 365 days, legacy dinh-lac, postmart",
            SalesFilter {
                from: days(364),
                to: Some(today),
                legacy_commune: Some("dinh-lac".into()),
                channel: Some(Channel::Postmart),
                ..Default::default()
            },
            Period::Month,
        ),
        (
            "last 30 days, coffee, voso",
            SalesFilter {
                from: days(30),
                to: Some(today),
                crop: Some("coffee".into()),
                channel: Some(Channel::Voso),
                ..Default::default()
            },
            Period::Week,
        ),
    ];
    for (label, filter, period) in cases {
        let mut times = Vec::with_capacity(RUNS);
        let mut covered = 0;
        for run in 0..=RUNS {
            let t = Instant::now();
            let (dashboard, _ledger) = tokio::try_join!(store.sales_dashboard(&filter, period), store.sales_page(&filter, 50, 0))?;
            // The first run warms the caches; it is not counted.
            if run > 0 {
                times.push(t.elapsed());
            }
            covered = dashboard.totals.sales;
        }
        times.sort();
        println!(
            "{name}: dashboard, {label} ({covered} sales): median {} ms, min {} ms, max {} ms",
            ms(times[times.len() / 2]),
            ms(times[0]),
            ms(times[times.len() - 1])
        );
    }
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// Farmers over the communes, each with a few approved listings of each crop.
async fn setup(store: &Store, today: Date) -> anyhow::Result<Vec<Offer>> {
    let data = reference();
    // Each legacy commune went into one current commune, as the demo has them.
    let places = crate::demo::demo_places();
    let mut listings = Vec::new();
    let mut farmers = Vec::new();
    for i in 0..FARMERS {
        let user = store
            .create_user(&NewUser {
                role: Role::Farmer,
                phone: Some(format!("09{:08}", 30_000_000 + i)),
                password_hash: None,
                profile: Profile {
                    name: format!("Nông dân {i}"),
                    commune: Some(places[i % places.len()].1.to_owned()),
                    legacy_commune: Some(places[i % places.len()].0.to_owned()),
                    ..Profile::default()
                },
                created_by: None,
            })
            .await?;
        farmers.push(user.id);
        for k in 0..LISTINGS_PER_FARMER {
            let crop = &data.crops[(i + k) % data.crops.len()];
            let price = match crop.key.as_str() {
                "coffee" => 105_000,
                "macadamia" => 70_000,
                _ => 85_000,
            };
            listings.push(NewListing {
                farmer_id: user.id,
                actor_id: user.id,
                fields: ListingFields {
                    crop: crop.key.clone(),
                    variety: crop.varieties[0].key.clone(),
                    form: crop.forms[0].key.clone(),
                    grade: None,
                    title: format!("{} {i}-{k}", crop.name_vi),
                    description: String::new(),
                    quantity_kg: 1_000_000.0,
                    price_vnd_per_kg: price,
                    available_from: today,
                    available_until: today + time::Duration::days(90),
                    certifications: Vec::new(),
                },
                submit: true,
                submission_key: Some(format!("bench-{i}-{k}-{}", format_date(today))),
            });
        }
    }
    store.import_approved_listings(&listings).await?;
    let mut offers = Vec::new();
    for id in farmers {
        offers.extend(store.listings_of(id).await?.iter().map(Offer::from));
    }
    Ok(offers)
}
