//! The `herald` command line.
use super::Config;
use std::process::ExitCode;

const USAGE: &str = "usage: herald [serve]

Runs the Herald web UI and API. Configuration comes from the environment:
  DATABASE_URL        database (default: SQLite file in HERALD_DATA_DIR)
  HERALD_DATA_DIR     data directory (default ./data)
  HERALD_PUBLIC_URL   base URL for links in messages (default http://127.0.0.1:3000)
  LEPTOS_SITE_ADDR    listen address (default 127.0.0.1:3000)
  LEPTOS_SITE_ROOT    directory with the built site assets (default target/site)";

pub async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] | ["serve"] => match Config::from_env() {
            Ok(config) => super::web::serve(config).await,
            Err(e) => Err(e),
        },
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("herald: {e:#}");
            ExitCode::FAILURE
        }
    }
}
