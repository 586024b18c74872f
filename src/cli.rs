//! The command line: `serve`, `worker`, `migrate`, `seed`, `reindex`, `sandbox`, `postmart`, `voso`, `jobs`, `user add`, `bench`.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use nongsan_channels::sandbox::postmart::PostmartSandbox;
use nongsan_channels::secret::Sealer;
use nongsan_domain::account::Role;
use nongsan_domain::phone::Phone;
use nongsan_domain::reference::reference;
use nongsan_media::MediaStore;
use nongsan_search::embedded::EmbeddedEngine;
use nongsan_search::meili::MeiliEngine;
use nongsan_search::{Engine, SearchService};
use nongsan_store::{NewUser, Profile, Store};
use nongsan_web::{App, AppState, Config};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(name = "nongsan", version, about = "Farm produce of Di Linh online")]
pub struct Cli {
    #[command(flatten)]
    pub storage: Storage,
    #[command(subcommand)]
    pub command: Command,
}

/// Where data lives; shared by every command.
#[derive(Debug, Args)]
pub struct Storage {
    /// Meilisearch server for the catalogue (the embedded engine when unset).
    #[arg(long, env = "MEILI_URL", global = true)]
    pub meili_url: Option<String>,
    /// Meilisearch API key.
    #[arg(long, env = "MEILI_API_KEY", global = true, hide_env_values = true)]
    pub meili_api_key: Option<String>,
    /// Meilisearch index name.
    #[arg(long, env = "MEILI_INDEX", default_value = "listings", global = true)]
    pub meili_index: String,
    /// Directory for the SQLite database and photos.
    #[arg(long, env = "NONGSAN_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// PostgreSQL URL (postgres://...) or a SQLite file (sqlite://path); SQLite in the data
    /// directory when unset.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Key that seals channel credentials at rest: 64 hex digits (`openssl rand -hex 32`).
    /// Without it, `<data dir>/secret.key` is used when present.
    #[arg(long, env = "NONGSAN_SECRET_KEY", global = true, hide_env_values = true)]
    pub secret_key: Option<String>,
}

/// How the worker runs; shared by `serve` and `worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Jobs run at once by this process.
    #[arg(long, env = "NONGSAN_WORKER_CONCURRENCY", default_value_t = 4)]
    pub concurrency: usize,
    /// Seconds a claimed job is held before another worker may take it over.
    #[arg(long, env = "NONGSAN_JOB_LEASE_SECS", default_value_t = 300)]
    pub lease_secs: i64,
    /// Milliseconds between looks at the queue when it is idle.
    #[arg(long, env = "NONGSAN_WORKER_POLL_MS", default_value_t = 1000)]
    pub poll_ms: u64,
    /// Seconds each marketplace request may take.
    #[arg(long, env = "NONGSAN_CHANNEL_TIMEOUT_SECS", default_value_t = 20)]
    pub channel_timeout_secs: u64,
    /// Consecutive failures that pause a channel account.
    #[arg(long, env = "NONGSAN_BREAKER_THRESHOLD", default_value_t = 5)]
    pub breaker_threshold: i64,
    /// Seconds a paused channel account waits before trying again.
    #[arg(long, env = "NONGSAN_BREAKER_COOLDOWN_SECS", default_value_t = 60)]
    pub breaker_cooldown_secs: u64,
    /// Seconds before the first retry of a failed job (doubling after each failure).
    #[arg(long, env = "NONGSAN_RETRY_BASE_SECS", default_value_t = 10)]
    pub retry_base_secs: u64,
}

impl WorkerArgs {
    pub fn config(&self) -> nongsan_jobs::WorkerConfig {
        let mut config = nongsan_jobs::WorkerConfig::new(self.concurrency);
        config.lease_secs = self.lease_secs.max(1);
        config.idle_poll = Duration::from_millis(self.poll_ms.max(10));
        config.backoff.base = Duration::from_secs(self.retry_base_secs.max(1));
        config
    }

    pub fn channels(&self) -> nongsan_jobs::ChannelSettings {
        nongsan_jobs::ChannelSettings {
            http_timeout: Duration::from_secs(self.channel_timeout_secs.max(1)),
            breaker_threshold: self.breaker_threshold.max(1),
            breaker_cooldown: Duration::from_secs(self.breaker_cooldown_secs),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application, with a worker inside unless --no-worker.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "NONGSAN_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Load the demo data first (when the database has none).
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure (when served over HTTPS).
        #[arg(long, env = "NONGSAN_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Run no worker inside (run `nongsan worker` processes instead).
        #[arg(long, env = "NONGSAN_NO_WORKER")]
        no_worker: bool,
        /// With --demo: where the postmart sandbox the demo channels point at listens.
        #[arg(long, default_value = "127.0.0.1:8091")]
        sandbox_addr: SocketAddr,
        /// With --demo: where the voso sandbox (product and shop pages) listens.
        #[arg(long, default_value = "127.0.0.1:8092")]
        voso_sandbox_addr: SocketAddr,
        #[command(flatten)]
        worker: WorkerArgs,
    },
    /// Run queued jobs (publishing to marketplaces, fetching orders, housekeeping) until stopped.
    Worker {
        #[command(flatten)]
        worker: WorkerArgs,
        /// Run the jobs due now, then exit.
        #[arg(long)]
        drain: bool,
    },
    /// Serve a marketplace contract sandbox (for trying channels without merchant credentials).
    Sandbox {
        #[command(subcommand)]
        channel: SandboxCommand,
    },
    /// Read voso.vn pages: `voso inspect <file or URL>`.
    Voso {
        #[command(subcommand)]
        command: VosoCommand,
    },
    /// Check a postmart endpoint.
    Postmart {
        #[command(subcommand)]
        command: PostmartCommand,
    },
    /// Jobs: list them, retry one.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Create or update the database schema, then exit.
    Migrate,
    /// Rebuild the search index from the database; searches keep answering meanwhile.
    Reindex,
    /// Compare the search index with the database and repair what differs.
    Reconcile,
    /// Load data.
    Seed {
        /// Realistic demo data: Di Linh farmers, listings, a curator and a helper.
        #[arg(long)]
        demo: bool,
    },
    /// Measure: `bench search` indexes and queries a synthetic catalogue.
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Index and query synthetic catalogues with each engine (Meilisearch when MEILI_URL is set).
    Search {
        /// Catalogue sizes, comma separated.
        #[arg(long, value_delimiter = ',', default_value = "10000,100000")]
        sizes: Vec<usize>,
    },
    /// Process 12-megapixel phone photos into every variant, beside ImageMagick and libvips
    /// (Debian packages imagemagick, libvips-tools, time; photos from mate-backgrounds).
    Photos {
        /// Source photographs (defaults to Debian's mate-backgrounds).
        #[arg(long)]
        source: Vec<PathBuf>,
        #[arg(long, default_value_t = 3)]
        count: usize,
    },
    /// Publish listings to the postmart sandbox through the worker: throughput at a rate
    /// limit, and how long the queue takes to drain after an outage.
    Channels {
        #[arg(long, default_value_t = 1000)]
        listings: usize,
        #[arg(long, default_value_t = 6000)]
        requests_per_minute: i64,
        /// Seconds the sandbox stays down.
        #[arg(long, default_value_t = 60)]
        outage_secs: u64,
        #[command(flatten)]
        worker: WorkerArgs,
    },
    /// Fill the sales ledger (SQLite in a temporary file, and PostgreSQL when a URL is given)
    /// and time the sales dashboard for several filters.
    Sales {
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        /// PostgreSQL to measure too (a schema is created and dropped); defaults to
        /// DATABASE_URL when that names PostgreSQL.
        #[arg(long)]
        postgres: Option<String>,
    },
    /// One photo through the pipeline in a fresh process (used by `bench photos`).
    #[command(hide = true)]
    PhotoOnce { path: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// The postmart merchant Open API as documented, with the provisional calls and faults on request.
    Postmart {
        #[arg(long, default_value = "127.0.0.1:8091")]
        addr: SocketAddr,
        /// The one credential it accepts.
        #[arg(long, default_value = DEMO_SANDBOX_TOKEN)]
        token: String,
    },
    /// voso.vn's public pages as documented (product pages, a shop page, robots.txt), with
    /// prices, sales and failures to change on request and a stand-in seller centre.
    Voso {
        #[arg(long, default_value = "127.0.0.1:8092")]
        addr: SocketAddr,
    },
}

#[derive(Debug, Subcommand)]
pub enum VosoCommand {
    /// Print as JSON everything the scraper reads from a product or shop page: each field,
    /// where it came from, and why a page is not readable.
    Inspect {
        /// A saved page, or an http(s) URL (fetched politely: robots.txt, user agent).
        target: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PostmartCommand {
    /// Print the categories an endpoint answers: id, name, parent, commission.
    Categories {
        /// The API root, e.g. https://open.postmart.com.vn/ or a sandbox.
        #[arg(long)]
        base_url: String,
        /// Merchant credential.
        #[arg(long, env = "POSTMART_TOKEN", hide_env_values = true, default_value = DEMO_SANDBOX_TOKEN)]
        token: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Jobs that are not done, most recent first.
    List {
        /// Only this state: queued, running, failed, done, dead.
        #[arg(long)]
        state: Option<String>,
    },
    /// Run a failed or dead job again with fresh attempts.
    Retry { id: i64 },
}

/// The credential the demo's sandbox accepts; not a secret.
pub const DEMO_SANDBOX_TOKEN: &str = "sandbox-merchant-token";

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (the first admin, curators, helpers).
    Add {
        #[arg(long)]
        role: String,
        #[arg(long)]
        phone: String,
        #[arg(long)]
        password: String,
        #[arg(long)]
        name: String,
        /// Current commune key; for helpers, repeat for each commune they serve.
        #[arg(long)]
        commune: Vec<String>,
    },
}

impl Storage {
    /// The sealer of channel credentials: from `NONGSAN_SECRET_KEY`, else the data directory's
    /// key file; `create` makes that file when neither exists (demo mode).
    pub fn sealer(&self, create: bool) -> anyhow::Result<Option<Arc<Sealer>>> {
        if let Some(hex) = &self.secret_key {
            return Ok(Some(Arc::new(Sealer::from_hex(hex).context("NONGSAN_SECRET_KEY")?)));
        }
        let path = self.data_dir.join("secret.key");
        if !path.exists() {
            if !create {
                return Ok(None);
            }
            std::fs::create_dir_all(&self.data_dir)?;
            write_private(&path, &Sealer::generate_hex())?;
            tracing::warn!(path = %path.display(), "created a secret key file for channel credentials; set NONGSAN_SECRET_KEY in production");
        }
        let hex = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        Ok(Some(Arc::new(Sealer::from_hex(&hex).with_context(|| format!("{}", path.display()))?)))
    }

    /// The search service over the configured engine, caught up with the outbox.
    pub async fn search(&self, store: &Store) -> anyhow::Result<Arc<SearchService>> {
        let engine: Arc<dyn Engine> = match &self.meili_url {
            Some(url) => Arc::new(MeiliEngine::new(url, self.meili_api_key.as_deref(), &self.meili_index)?),
            None => Arc::new(EmbeddedEngine::open(&self.data_dir.join("search"))?),
        };
        let search = Arc::new(SearchService::new(store.clone(), engine));
        if let Err(e) = search.start().await {
            // The catalogue answers from the database until the engine is back.
            tracing::warn!(error = %e, "search engine not ready; the outbox keeps changes");
        }
        Ok(search)
    }

    pub async fn open(&self) -> anyhow::Result<Store> {
        match &self.database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Store::connect(url).await.context("connecting to PostgreSQL (DATABASE_URL)")
            }
            Some(url) if url.starts_with("sqlite:") => Store::connect(url).await.context("opening SQLite (DATABASE_URL)"),
            _ => Store::open_data_dir(&self.data_dir).await.with_context(|| format!("opening SQLite in {}", self.data_dir.display())),
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Bench { what: BenchCommand::Search { sizes } } => {
            return crate::bench::search(sizes, cli.storage.meili_url.as_deref(), cli.storage.meili_api_key.as_deref()).await;
        }
        Command::Bench { what: BenchCommand::PhotoOnce { path } } => return crate::bench::photo_once(path),
        Command::Bench { what: BenchCommand::Sales { rows, postgres } } => {
            let from_env = cli.storage.database_url.as_deref().filter(|u| u.starts_with("postgres"));
            return crate::bench_sales::run(*rows, postgres.as_deref().or(from_env)).await;
        }
        Command::Bench { what: BenchCommand::Channels { listings, requests_per_minute, outage_secs, worker } } => {
            return crate::bench_channels::run(crate::bench_channels::ChannelBench {
                listings: *listings,
                requests_per_minute: *requests_per_minute,
                outage: Duration::from_secs(*outage_secs),
                concurrency: worker.concurrency,
                channels: worker.channels(),
            })
            .await;
        }
        Command::Bench { what: BenchCommand::Photos { source, count } } => {
            let mut sources = source.clone();
            if sources.is_empty() {
                sources = crate::bench::mate_backgrounds();
            }
            anyhow::ensure!(!sources.is_empty(), "no source photos: install Debian's mate-backgrounds or pass --source");
            return crate::bench::photos(&sources, *count);
        }
        Command::Sandbox { channel: SandboxCommand::Postmart { addr, token } } => {
            let sandbox = PostmartSandbox::new(token);
            let bound = sandbox.spawn(*addr).await.with_context(|| format!("listening on {addr}"))?;
            println!("postmart sandbox on http://{bound}/ (token {token}); control endpoints under /_sandbox/");
            tokio::signal::ctrl_c().await?;
            return Ok(());
        }
        Command::Sandbox { channel: SandboxCommand::Voso { addr } } => {
            let sandbox = nongsan_channels::sandbox::voso::VosoSandbox::new();
            crate::channels::seed_voso_sandbox(&sandbox);
            let bound = sandbox.spawn(*addr).await.with_context(|| format!("listening on {addr}"))?;
            let shop = nongsan_channels::sandbox::voso::SHOP_PATH;
            println!("voso sandbox on http://{bound}/: shop page http://{bound}{shop}, seller centre http://{bound}/_sandbox/seller");
            tokio::signal::ctrl_c().await?;
            return Ok(());
        }
        Command::Voso { command: VosoCommand::Inspect { target } } => return crate::channels::inspect_voso(target).await,
        Command::Postmart { command: PostmartCommand::Categories { base_url, token } } => {
            return crate::channels::print_categories(base_url, token).await;
        }
        _ => {}
    }
    let store = cli.storage.open().await?;
    match cli.command {
        Command::Migrate => {
            println!("schema up to date ({:?})", store.backend());
        }
        Command::Reindex => {
            let search = cli.storage.search(&store).await?;
            let started = std::time::Instant::now();
            let n = search.rebuild().await?;
            println!("search index rebuilt ({}): {n} listings in {:.1} s", search.engine().name(), started.elapsed().as_secs_f64());
        }
        Command::Reconcile => {
            let search = cli.storage.search(&store).await?;
            let r = search.reconcile().await?;
            println!("search index reconciled: {} missing, {} stale, {} extra (repaired)", r.missing, r.stale, r.extra);
        }
        Command::Seed { demo } => {
            if !demo {
                anyhow::bail!("nothing to seed: pass --demo");
            }
            crate::demo::seed(&store).await?;
        }
        Command::User { command: UserCommand::Add { role, phone, password, name, commune } } => {
            let user = add_user(&store, &role, &phone, &password, &name, &commune).await?;
            println!("created {} #{} ({})", user.role.as_str(), user.id, user.phone.unwrap_or_default());
        }
        Command::Bench { .. } | Command::Sandbox { .. } | Command::Postmart { .. } | Command::Voso { .. } => unreachable!("handled above"),
        Command::Serve { addr, demo, secure_cookies, no_worker, sandbox_addr, voso_sandbox_addr, ref worker } => {
            let sealer = cli.storage.sealer(demo)?;
            if demo {
                crate::demo::seed(&store).await?;
            }
            let sandbox = match (demo, &sealer) {
                (true, Some(sealer)) => Some(crate::channels::demo_sandbox(&store, sealer, sandbox_addr).await?),
                _ => None,
            };
            let voso_sandbox = match demo {
                true => Some(crate::channels::demo_voso_sandbox(&store, voso_sandbox_addr).await?),
                false => None,
            };
            let search = cli.storage.search(&store).await?;
            let options = ServeOptions { addr, secure_cookies, worker: (!no_worker).then(|| (worker.config(), worker.channels())) };
            serve(store, search, &cli.storage.data_dir, sealer, options).await?;
            drop(sandbox);
            drop(voso_sandbox);
        }
        Command::Worker { ref worker, drain } => {
            let sealer = cli.storage.sealer(false)?;
            let media = MediaStore::new(cli.storage.data_dir.join("photos"), 2);
            let ctx = nongsan_jobs::JobContext::new(store.clone(), media, sealer, worker.channels());
            if drain {
                let ran = nongsan_jobs::worker::drain(&ctx, &worker.config()).await?;
                println!("{ran} jobs run");
            } else {
                let scheduler = nongsan_jobs::schedule::start(store.clone()).await?;
                let (stop, stopped) = tokio::sync::watch::channel(false);
                let running = tokio::spawn(nongsan_jobs::run_worker(ctx, worker.config(), stopped));
                shutdown_signal().await;
                let _ = stop.send(true);
                running.await??;
                let mut scheduler = scheduler;
                let _ = scheduler.shutdown().await;
            }
            store.close().await;
        }
        Command::Jobs { command } => crate::channels::jobs_command(&store, command).await?,
    }
    Ok(())
}

/// Writes a file only its owner can read.
fn write_private(path: &std::path::Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

async fn add_user(
    store: &Store,
    role: &str,
    phone: &str,
    password: &str,
    name: &str,
    communes: &[String],
) -> anyhow::Result<nongsan_store::User> {
    let role = Role::parse(role).with_context(|| format!("unknown role {role}: use farmer, helper, curator or admin"))?;
    let phone = Phone::parse(phone).with_context(|| format!("{phone} is not a Vietnamese mobile number"))?;
    anyhow::ensure!(password.chars().count() >= nongsan_domain::account::MIN_PASSWORD_LEN, "the password needs at least 6 characters");
    anyhow::ensure!(!name.trim().is_empty(), "a name is required");
    for c in communes {
        anyhow::ensure!(reference().places.current(c).is_some(), "unknown commune {c}");
    }
    anyhow::ensure!(role != Role::Helper || !communes.is_empty(), "a helper needs at least one --commune");
    let hash = nongsan_web::auth::hash_password(password.to_owned()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let user = store
        .create_user(&NewUser {
            role,
            phone: Some(phone.as_str().to_owned()),
            password_hash: Some(hash),
            profile: Profile { name: name.trim().to_owned(), commune: communes.first().cloned(), ..Profile::default() },
            created_by: None,
        })
        .await
        .map_err(|e| match e {
            nongsan_store::StoreError::Conflict(_) => anyhow::anyhow!("the phone number {phone} already has an account"),
            other => other.into(),
        })?;
    if role == Role::Helper {
        store.set_helper_communes(user.id, communes).await?;
    }
    Ok(user)
}

struct ServeOptions {
    addr: SocketAddr,
    secure_cookies: bool,
    /// Run a worker inside, with these settings.
    worker: Option<(nongsan_jobs::WorkerConfig, nongsan_jobs::ChannelSettings)>,
}

async fn serve(
    store: Store,
    search: Arc<SearchService>,
    data_dir: &std::path::Path,
    sealer: Option<Arc<Sealer>>,
    options: ServeOptions,
) -> anyhow::Result<()> {
    let media = MediaStore::new(data_dir.join("photos"), 2);
    let indexer = tokio::spawn(nongsan_jobs::run_search_indexer(search.clone(), Duration::from_secs(2), Duration::from_secs(3600)));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut background = None;
    if let Some((config, channels)) = options.worker {
        let ctx = nongsan_jobs::JobContext::new(store.clone(), media.clone(), sealer.clone(), channels);
        let scheduler = nongsan_jobs::schedule::start(store.clone()).await?;
        background = Some((scheduler, tokio::spawn(nongsan_jobs::run_worker(ctx, config, stopped))));
    }
    let state = AppState::new(App {
        store: store.clone(),
        catalogue: search,
        media,
        sealer,
        config: Config { secure_cookies: options.secure_cookies, ..Config::default() },
    });
    let addr = options.addr;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("listening on {addr}"))?;
    tracing::info!(%addr, backend = ?store.backend(), "nongsan serving");
    axum::serve(listener, nongsan_web::router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    let _ = stop.send(true);
    if let Some((mut scheduler, worker)) = background {
        let _ = scheduler.shutdown().await;
        worker.await??;
    }
    indexer.abort();
    store.close().await;
    Ok(())
}

/// Ctrl-C or SIGTERM (what a service manager sends).
async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async {
            match term.as_mut() {
                Some(term) => { term.recv().await; }
                None => std::future::pending::<()>().await,
            }
        } => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
