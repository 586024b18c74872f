//! The command line: `serve`, `migrate`, `seed`, `user add`.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
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
    /// PostgreSQL URL (postgres://...); SQLite in the data directory when unset.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application (and run housekeeping jobs).
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
    /// One photo through the pipeline in a fresh process (used by `bench photos`).
    #[command(hide = true)]
    PhotoOnce { path: PathBuf },
}

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
        Command::Bench { what: BenchCommand::Photos { source, count } } => {
            let mut sources = source.clone();
            if sources.is_empty() {
                sources = crate::bench::mate_backgrounds();
            }
            anyhow::ensure!(!sources.is_empty(), "no source photos: install Debian's mate-backgrounds or pass --source");
            return crate::bench::photos(&sources, *count);
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
        Command::Bench { .. } => unreachable!("handled above"),
        Command::Serve { addr, demo, secure_cookies } => {
            if demo {
                crate::demo::seed(&store).await?;
            }
            let search = cli.storage.search(&store).await?;
            serve(store, search, &cli.storage.data_dir, addr, secure_cookies).await?;
        }
    }
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

async fn serve(
    store: Store,
    search: Arc<SearchService>,
    data_dir: &std::path::Path,
    addr: SocketAddr,
    secure_cookies: bool,
) -> anyhow::Result<()> {
    let media = MediaStore::new(data_dir.join("photos"), 2);
    let indexer = tokio::spawn(nongsan_jobs::run_search_indexer(search.clone(), Duration::from_secs(2), Duration::from_secs(3600)));
    let state =
        AppState::new(App { store: store.clone(), catalogue: search, media, config: Config { secure_cookies, ..Config::default() } });
    let housekeeping = tokio::spawn(nongsan_jobs::run_housekeeping(store.clone(), Duration::from_secs(3600)));
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("listening on {addr}"))?;
    tracing::info!(%addr, backend = ?store.backend(), "nongsan serving");
    axum::serve(listener, nongsan_web::router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    housekeeping.abort();
    indexer.abort();
    store.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
