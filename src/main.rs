//! The `nongsan` binary: one program, several roles.

mod bench;
mod bench_channels;
mod bench_sales;
mod channels;
mod cli;
mod demo;
mod demo_sales;
mod rng;

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    // Benchmarks print their figures; only problems are logged beside them.
    let default_log =
        if matches!(cli.command, cli::Command::Bench { .. }) { "warn,sqlx=error" } else { "info,sqlx=warn,tokio_cron_scheduler=warn" };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("NONGSAN_LOG").unwrap_or_else(|_| default_log.into()))
        .init();
    cli::run(cli).await
}
