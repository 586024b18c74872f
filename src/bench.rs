//! `nongsan bench search`: a synthetic catalogue, indexed and queried through a real server.
//!
//! For each size and engine it prints the time to index the whole catalogue, the latency of a
//! fixed mix of buyer queries through the HTTP handler (p50/p95/p99), queries per second with
//! two concurrent clients, and the server's resident memory. With Meilisearch it also times the
//! same queries sent straight to Meilisearch, so nongsan's own overhead shows.

use crate::rng::Rng;
use anyhow::Context;
use nongsan_domain::account::{Role, SellerKind};
use nongsan_domain::listing::{CertificationClaim, ListingFields};
use nongsan_domain::reference::reference;
use nongsan_search::embedded::EmbeddedEngine;
use nongsan_search::meili::MeiliEngine;
use nongsan_search::{Catalogue, CatalogueQuery, Engine, SearchService};
use nongsan_store::{NewListing, NewUser, Profile, Store};
use nongsan_web::params::CatalogueParams;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Passes over the mix through the HTTP handler.
const PASSES: usize = 3;

/// The query mix: accented, unaccented, typos, Telex/VNI, prefixes, English, filters, sorting.
/// Every answer carries facet counts.
pub const QUERIES: &[&str] = &[
    "q=s%E1%BA%A7u+ri%C3%AAng",
    "q=sau+rieng",
    "q=sau+rieng+ri6",
    "q=ca+phe+robusta",
    "q=c%C3%A0+ph%C3%AA+nh%C3%A2n+x%C3%B4",
    "q=mac+ca",
    "q=macadamia",
    "q=durian",
    "q=robustaa",
    "q=macadamai",
    "q=monthog",
    "q=sau+rien+",
    "q=saauf+rieeng",
    "q=ca2+phe6",
    "q=dona",
    "q=dinh+lac",
    "q=sau+ri",
    "q=green+beans",
    "crop=durian&commune=di-linh",
    "q=ca+phe&certification=vietgap",
    "q=sau+rieng&min_price=60000&max_price=120000",
    "q=mac+ca&sort=price_asc",
    "crop=coffee&in_season=1&sort=newest",
    "",
];

const FAMILY: &[&str] = &["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "K'", "Ka"];
const GIVEN: &[&str] =
    &["Văn Bình", "Thị Lan", "Đức Hùng", "Thị Mai", "Minh Tuấn", "Quang Hòa", "Ngọc Phúc", "Thị Thảo", "Brơi", "Điệp", "Sớ", "Huệ"];
const WORDS: &[&str] = &[
    "chín cây",
    "cơm vàng",
    "hạt lép",
    "vườn nhà",
    "giao tận nơi",
    "hàng tuyển",
    "không hóa chất",
    "phơi giàn",
    "sấy lạnh",
    "đóng bao",
    "hái tay",
    "bao ship",
    "mã vùng trồng",
    "xuất khẩu",
    "hữu cơ",
    "thơm béo",
    "giá tại vườn",
    "số lượng lớn",
];

/// A synthetic but plausible catalogue of `n` listings over `n / 50` farmers.
async fn fill(store: &Store, n: usize) -> anyhow::Result<()> {
    let data = reference();
    let mut rng = Rng(0x2545_F491_4F6C_DD1D ^ n as u64);
    let today = nongsan_domain::local_date(nongsan_store::now());
    let mut farmers = Vec::new();
    for i in 0..(n / 50).max(1) {
        let current = &data.places.current[i % data.places.current.len()].key;
        let legacy = &data.places.legacy[i % data.places.legacy.len()].key;
        let user = store
            .create_user(&NewUser {
                role: Role::Farmer,
                phone: None,
                password_hash: None,
                profile: Profile {
                    name: format!("{} {}", rng.pick(FAMILY), rng.pick(GIVEN)),
                    commune: Some(current.clone()),
                    legacy_commune: Some(legacy.clone()),
                    seller_kind: if i % 20 == 0 { SellerKind::Cooperative } else { SellerKind::Household },
                    ..Profile::default()
                },
                created_by: None,
            })
            .await?;
        farmers.push(user.id);
    }
    let mut batch = Vec::with_capacity(5000);
    for i in 0..n {
        let crop = rng.pick(&data.crops);
        let variety = rng.pick(&crop.varieties);
        let form = rng.pick(&crop.forms);
        let mut certifications = Vec::new();
        if rng.below(4) == 0 {
            certifications.push(CertificationClaim { code: "vietgap".into(), stars: None, valid_until: None });
        }
        if rng.below(15) == 0 {
            certifications.push(CertificationClaim {
                code: "ocop".into(),
                stars: Some(3 + rng.below(3) as u8),
                valid_until: Some(today + time::Duration::days(300)),
            });
        }
        let description = format!("{}, {}, {}.", rng.pick(WORDS), rng.pick(WORDS), rng.pick(WORDS));
        let base: i64 = match crop.key.as_str() {
            "coffee" => 95_000,
            "macadamia" => 150_000,
            _ => 90_000,
        };
        let fields = ListingFields {
            crop: crop.key.clone(),
            variety: variety.key.clone(),
            form: form.key.clone(),
            grade: None,
            title: format!("{} {} - {} {}", crop.name_vi, variety.name_vi, form.name_vi, rng.pick(WORDS)),
            description,
            quantity_kg: (10 + rng.below(5000)) as f64,
            price_vnd_per_kg: base / 2 + (rng.below(base as usize) as i64) / 500 * 500,
            available_from: today - time::Duration::days(rng.below(60) as i64),
            available_until: today + time::Duration::days(1 + rng.below(120) as i64),
            certifications,
        };
        let farmer_id = farmers[i % farmers.len()];
        batch.push(NewListing { farmer_id, actor_id: farmer_id, fields, submit: true, submission_key: None });
        if batch.len() == 5000 {
            store.import_approved_listings(&batch).await?;
            batch.clear();
        }
    }
    store.import_approved_listings(&batch).await?;
    Ok(())
}

fn rss_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The pid of a running Meilisearch server, if this machine has one.
fn meilisearch_pid() -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        (comm.trim() == "meilisearch").then_some(pid)
    })
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct Server {
    child: std::process::Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_server(data_dir: &Path, meili: Option<(&str, Option<&str>, &str)>) -> anyhow::Result<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut cmd = std::process::Command::new(std::env::current_exe()?);
    cmd.arg("serve").arg("--addr").arg(format!("127.0.0.1:{port}")).env("NONGSAN_DATA_DIR", data_dir).env("NONGSAN_LOG", "warn");
    cmd.env_remove("DATABASE_URL").env_remove("MEILI_URL").env_remove("MEILI_API_KEY");
    if let Some((url, key, index)) = meili {
        cmd.env("MEILI_URL", url).env("MEILI_INDEX", index);
        if let Some(k) = key {
            cmd.env("MEILI_API_KEY", k);
        }
    }
    let child = cmd.stdout(std::process::Stdio::null()).spawn()?;
    let server = Server { child, base: format!("http://127.0.0.1:{port}") };
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if client.get(format!("{}/healthz", server.base)).send().await.is_ok_and(|r| r.status().is_success()) {
            return Ok(server);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the server did not start")
}

/// Latencies in milliseconds of `rounds` passes over the mix through the HTTP handler, per
/// query of the mix.
async fn latencies(client: &reqwest::Client, base: &str, rounds: usize) -> anyhow::Result<Vec<Vec<f64>>> {
    let mut per_query: Vec<Vec<f64>> = vec![Vec::new(); QUERIES.len()];
    for _ in 0..rounds {
        for (i, q) in QUERIES.iter().enumerate() {
            let started = Instant::now();
            let response = client.get(format!("{base}/api/v1/catalogue?{q}")).send().await?;
            anyhow::ensure!(response.status().is_success(), "{q}: {}", response.status());
            let body = response.bytes().await?;
            per_query[i].push(started.elapsed().as_secs_f64() * 1000.0);
            anyhow::ensure!(!body.is_empty());
        }
    }
    Ok(per_query)
}

/// Every latency of `per_query`, sorted.
fn all_sorted(per_query: &[Vec<f64>]) -> Vec<f64> {
    let mut all: Vec<f64> = per_query.concat();
    all.sort_by(f64::total_cmp);
    all
}

/// The median of each query of the mix, in the mix's order.
fn medians(per_query: &[Vec<f64>]) -> Vec<f64> {
    per_query
        .iter()
        .map(|v| {
            let mut v = v.clone();
            v.sort_by(f64::total_cmp);
            percentile(&v, 0.5)
        })
        .collect()
}

async fn qps(base: &str, seconds: u64) -> anyhow::Result<f64> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut clients = Vec::new();
    for c in 0..2 {
        let base = base.to_owned();
        clients.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut n = 0u64;
            let mut i = c;
            while Instant::now() < deadline {
                let q = QUERIES[i % QUERIES.len()];
                let r = client.get(format!("{base}/api/v1/catalogue?{q}")).send().await?;
                r.bytes().await?;
                n += 1;
                i += 1;
            }
            anyhow::Ok(n)
        }));
    }
    let mut total = 0;
    for c in clients {
        total += c.await??;
    }
    Ok(total as f64 / seconds as f64)
}

/// The queries of the mix as the catalogue's handler reads them.
fn catalogue_queries() -> anyhow::Result<Vec<CatalogueQuery>> {
    QUERIES
        .iter()
        .map(|q| {
            let uri: axum::http::Uri = format!("/?{q}").parse()?;
            let axum::extract::Query(params) = axum::extract::Query::<CatalogueParams>::try_from_uri(&uri)?;
            params.to_query().map_err(|e| anyhow::anyhow!("{q}: {e:?}"))
        })
        .collect()
}

/// Where a query is answered in the in-process timings.
#[derive(Clone, Copy)]
enum Layer {
    /// The engine alone, asked for one page of cards: what a client of the engine would send.
    Engine,
    /// The search service in this process: understanding, the engine, the shared ranking and
    /// the cards, without HTTP.
    Service,
}

/// The query an engine receives for `query`, sent straight to it.
async fn engine_alone(service: &SearchService, query: &CatalogueQuery, today: time::Date) -> anyhow::Result<()> {
    service.engine().search(service.engine_query(query, today)).await?;
    Ok(())
}

/// Latencies of the mix answered in this process at `layer`, per query of the mix.
async fn in_process(service: &SearchService, layer: Layer, rounds: usize) -> anyhow::Result<Vec<Vec<f64>>> {
    let today = nongsan_domain::local_date(nongsan_store::now());
    let queries = catalogue_queries()?;
    let mut per_query: Vec<Vec<f64>> = vec![Vec::new(); QUERIES.len()];
    for _ in 0..rounds {
        for (i, query) in queries.iter().enumerate() {
            let started = Instant::now();
            match layer {
                Layer::Engine => engine_alone(service, query, today).await?,
                Layer::Service => {
                    service.search(query, today).await?;
                }
            }
            per_query[i].push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    Ok(per_query)
}

/// Each query of the mix through nongsan's HTTP handler and then straight to the engine, round
/// after round; both lists sorted.
async fn interleaved(client: &reqwest::Client, base: &str, service: &SearchService, rounds: usize) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let today = nongsan_domain::local_date(nongsan_store::now());
    let queries = catalogue_queries()?;
    let (mut through, mut straight) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        for (q, query) in QUERIES.iter().zip(&queries) {
            let started = Instant::now();
            client.get(format!("{base}/api/v1/catalogue?{q}")).send().await?.bytes().await?;
            through.push(started.elapsed().as_secs_f64() * 1000.0);
            let started = Instant::now();
            engine_alone(service, query, today).await?;
            straight.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    through.sort_by(f64::total_cmp);
    straight.sort_by(f64::total_cmp);
    Ok((through, straight))
}

fn print_latency(label: &str, ms: &[f64]) {
    println!(
        "  {label:<34} p50 {:>7.2} ms   p95 {:>7.2} ms   p99 {:>7.2} ms   ({} queries)",
        percentile(ms, 0.50),
        percentile(ms, 0.95),
        percentile(ms, 0.99),
        ms.len()
    );
}

/// Runs the search benchmark for each size.
pub async fn search(sizes: &[usize], meili_url: Option<&str>, meili_key: Option<&str>) -> anyhow::Result<()> {
    println!(
        "nongsan bench search: {} queries in the mix; Meilisearch: {}",
        QUERIES.len(),
        meili_url.unwrap_or("not configured (MEILI_URL unset)")
    );
    for &n in sizes {
        let dir: PathBuf = std::env::temp_dir().join(format!("nongsan-bench-{n}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = Store::open_data_dir(&dir).await?;
        let started = Instant::now();
        fill(&store, n).await?;
        println!("\n{n} listings (generated and stored in {:.1} s)", started.elapsed().as_secs_f64());

        let mut engines: Vec<(&str, Arc<dyn Engine>, Option<String>)> =
            vec![("embedded", Arc::new(EmbeddedEngine::open(&dir.join("search"))?), None)];
        if let Some(url) = meili_url {
            let index = format!("nongsan_bench_{n}");
            engines.push(("meilisearch", Arc::new(MeiliEngine::new(url, meili_key, &index)?), Some(index)));
        }
        for (name, engine, index) in engines {
            let service = SearchService::new(store.clone(), engine);
            let started = Instant::now();
            let indexed = service.rebuild().await.with_context(|| format!("indexing with {name}"))?;
            let index_secs = started.elapsed().as_secs_f64();
            // The catalogue and the index were just written: put them on disk now, so the
            // kernel's writeback does not compete with the timed queries.
            let _ = std::process::Command::new("sync").status();
            let server = start_server(&dir, index.as_deref().map(|i| (meili_url.unwrap_or_default(), meili_key, i))).await?;
            let client = reqwest::Client::new();
            latencies(&client, &server.base, 2).await?;
            // Three passes, so a pass slowed by the machine shows as such.
            let mut handler: Vec<Vec<f64>> = vec![Vec::new(); QUERIES.len()];
            let mut per_pass = Vec::new();
            for _ in 0..PASSES {
                let pass = latencies(&client, &server.base, 20).await?;
                per_pass.push(format!("{:.2}", percentile(&all_sorted(&pass), 0.99)));
                for (all, more) in handler.iter_mut().zip(pass) {
                    all.extend(more);
                }
            }
            let rate = qps(&server.base, 5).await?;
            let pid = server.child.id();
            println!("engine {name}: indexed {indexed} listings in {index_secs:.2} s");
            print_latency("through nongsan's HTTP handler", &all_sorted(&handler));
            println!("    p99 of each pass of {} queries: {} ms", 20 * QUERIES.len(), per_pass.join(" / "));
            let service_times = in_process(&service, Layer::Service, 20).await?;
            print_latency("search service, in process (no HTTP)", &all_sorted(&service_times));
            let engine_times = in_process(&service, Layer::Engine, 20).await?;
            print_latency(if name == "meilisearch" { "sent straight to Meilisearch" } else { "engine alone" }, &all_sorted(&engine_times));
            println!("  medians per query (ms): handler / service / {}", if name == "meilisearch" { "Meilisearch" } else { "engine" });
            let columns = [medians(&handler), medians(&service_times), medians(&engine_times)];
            for (i, q) in QUERIES.iter().enumerate() {
                println!(
                    "    {:>6.2} {:>6.2} {:>6.2}  {}",
                    columns[0][i],
                    columns[1][i],
                    columns[2][i],
                    if q.is_empty() { "(no query)" } else { q }
                );
            }
            if name == "meilisearch" {
                // The machine's speed drifts between phases: time each query through nongsan and
                // straight to Meilisearch back to back, so both see the same moment.
                let (through, straight) = interleaved(&client, &server.base, &service, 20).await?;
                println!(
                    "  interleaved, {} queries each: through nongsan p50 {:.2} ms, straight to Meilisearch p50 {:.2} ms",
                    through.len(),
                    percentile(&through, 0.5),
                    percentile(&straight, 0.5)
                );
                println!("  nongsan's overhead at the median: {:.2} ms", percentile(&through, 0.5) - percentile(&straight, 0.5));
                if let Some(mpid) = meilisearch_pid() {
                    println!("  Meilisearch resident memory: {} MB", rss_kib(mpid, "VmRSS:").unwrap_or(0) / 1024);
                }
            }
            println!("  queries per second, 2 clients: {rate:.0}");
            println!(
                "  server resident memory: {} MB (peak {} MB)",
                rss_kib(pid, "VmRSS:").unwrap_or(0) / 1024,
                rss_kib(pid, "VmHWM:").unwrap_or(0) / 1024
            );
            drop(server);
            if let (Some(url), Some(index)) = (meili_url, index) {
                let client = meilisearch_sdk::client::Client::new(url, meili_key)?;
                let _ = client.delete_index(&index).await;
            }
        }
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

/// Runs one photo through the pipeline in this (fresh) process and prints one line of JSON:
/// stage times, output sizes and the process's peak memory.
pub fn photo_once(path: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(path)?;
    let started = Instant::now();
    let r = nongsan_media::render(&bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    let total = started.elapsed();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{}",
        serde_json::json!({
            "decode_ms": ms(r.decode), "resize_ms": ms(r.resize), "encode_ms": ms(r.encode), "total_ms": ms(total),
            "peak_kib": rss_kib(std::process::id(), "VmHWM:").unwrap_or(0),
            "bytes": [r.large.len(), r.medium.len(), r.thumb.len()],
        })
    );
    Ok(())
}

/// Debian's ImageMagick (a `convert` earlier on the path may be something else).
const IMAGEMAGICK: &str = "/usr/bin/convert";

/// Seconds and peak KiB of a command, from GNU time.
fn timed(args: &[&str]) -> anyhow::Result<(f64, u64)> {
    let out = std::process::Command::new("/usr/bin/time").arg("-f").arg("%e %M").args(args).output()?;
    anyhow::ensure!(out.status.success(), "{:?}: {}", args, String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stderr);
    let last = text.lines().last().unwrap_or_default().to_owned();
    let mut parts = last.split_whitespace();
    Ok((parts.next().unwrap_or("0").parse()?, parts.next().unwrap_or("0").parse()?))
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// `nongsan bench photos`: realistic 12-megapixel phone photos through nongsan's pipeline and
/// through ImageMagick and libvips making the same three sizes.
pub fn photos(sources: &[PathBuf], count: usize) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("nongsan-bench-photos-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    println!("nongsan bench photos: {count} photos of 4000 × 3000, EXIF orientation set; variants 1600, 800, 320 square");
    let mut totals = [0.0f64; 3];
    for (i, src) in sources.iter().take(count).enumerate() {
        let photo = dir.join(format!("phone-{i}.jpg"));
        let src = src.to_string_lossy();
        let photo_s = photo.to_string_lossy().into_owned();
        // A phone photo: 12 megapixels, quality 92, orientation in EXIF.
        timed(&[
            IMAGEMAGICK,
            &src,
            "-resize",
            "4000x3000^",
            "-gravity",
            "center",
            "-extent",
            "4000x3000",
            "-quality",
            "92",
            "-orient",
            "TopLeft",
            &photo_s,
        ])?;
        let ours: serde_json::Value = {
            let out = std::process::Command::new(std::env::current_exe()?).args(["bench", "photo-once"]).arg(&photo).output()?;
            anyhow::ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            serde_json::from_slice(out.stdout.trim_ascii())?
        };
        let im = |name: &str| dir.join(format!("im-{i}-{name}.jpg")).to_string_lossy().into_owned();
        let (im_s, im_kib) = timed(&[
            IMAGEMAGICK,
            &photo_s,
            "-auto-orient",
            "-strip",
            "-quality",
            "82",
            "(",
            "+clone",
            "-resize",
            "1600x1600",
            "-write",
            &im("1600"),
            "+delete",
            ")",
            "(",
            "+clone",
            "-resize",
            "800x800",
            "-write",
            &im("800"),
            "+delete",
            ")",
            "-thumbnail",
            "320x320^",
            "-gravity",
            "center",
            "-extent",
            "320x320",
            &im("320"),
        ])?;
        let mut vips_s = 0.0;
        let mut vips_kib = 0;
        for (size_arg, name, crop) in [("1600", "1600", false), ("800", "800", false), ("320x320", "320", true)] {
            let out = dir.join(format!("vips-{i}-{name}.jpg[Q=82,strip]")).to_string_lossy().into_owned();
            let mut args = vec!["vipsthumbnail", photo_s.as_str(), "-s", size_arg, "-o", out.as_str()];
            if crop {
                args.extend(["--smartcrop", "centre"]);
            }
            let (s, k) = timed(&args)?;
            vips_s += s;
            vips_kib = vips_kib.max(k);
        }
        let ours_s = ours["total_ms"].as_f64().unwrap_or(0.0) / 1000.0;
        totals[0] += ours_s;
        totals[1] += im_s;
        totals[2] += vips_s;
        let b = &ours["bytes"];
        println!("\nphoto {i} ({} KB): ", size(&photo) / 1024);
        println!(
            "  nongsan      decode {:.0} ms, resize {:.0} ms, encode {:.0} ms, total {:.0} ms, peak {} MB, sizes {} / {} / {} KB",
            ours["decode_ms"].as_f64().unwrap_or(0.0),
            ours["resize_ms"].as_f64().unwrap_or(0.0),
            ours["encode_ms"].as_f64().unwrap_or(0.0),
            ours_s * 1000.0,
            ours["peak_kib"].as_u64().unwrap_or(0) / 1024,
            b[0].as_u64().unwrap_or(0) / 1024,
            b[1].as_u64().unwrap_or(0) / 1024,
            b[2].as_u64().unwrap_or(0) / 1024
        );
        let sizes = |prefix: &str| {
            ["1600", "800", "320"].map(|n| size(&dir.join(format!("{prefix}-{i}-{n}.jpg"))) / 1024).map(|k| k.to_string()).join(" / ")
        };
        println!(
            "  ImageMagick  total {:.0} ms, peak {} MB, sizes {} KB  (nongsan {:.2}× faster)",
            im_s * 1000.0,
            im_kib / 1024,
            sizes("im"),
            im_s / ours_s
        );
        let diffs: Vec<String> = ["1600", "800", "320"]
            .iter()
            .enumerate()
            .map(|(k, n)| {
                let theirs = size(&dir.join(format!("im-{i}-{n}.jpg"))) as i64;
                format!("{n}: {:+} bytes", b[k].as_i64().unwrap_or(0) - theirs)
            })
            .collect();
        println!("  nongsan's files against ImageMagick's: {}", diffs.join(", "));
        println!(
            "  libvips      total {:.0} ms, peak {} MB, sizes {} KB  (nongsan {:.2}× faster)",
            vips_s * 1000.0,
            vips_kib / 1024,
            sizes("vips"),
            vips_s / ours_s
        );
    }
    println!("\nall photos: nongsan {:.2} s, ImageMagick {:.2} s, libvips {:.2} s", totals[0], totals[1], totals[2]);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The large photographs of Debian's mate-backgrounds package.
pub fn mate_backgrounds() -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![PathBuf::from("/usr/share/backgrounds/mate")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "jpg" || e == "jpeg") && size(&path) > 300 * 1024 {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}
