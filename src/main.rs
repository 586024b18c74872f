//! The `nongsan` binary: one program, several roles.

mod bench;
mod channels;
mod cli;
mod demo;
mod rng;

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("NONGSAN_LOG").unwrap_or_else(|_| "info,sqlx=warn".into()))
        .init();
    cli::run(cli).await
}
