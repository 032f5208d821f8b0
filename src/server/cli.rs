//! The `herald` command line.
use super::Config;
use std::process::ExitCode;

const USAGE: &str = "usage: herald [serve [--no-dispatch] | worker | help]

  herald, herald serve       web UI, API and dispatcher in one process
  herald serve --no-dispatch web UI and API only; workers deliver
  herald worker              dispatcher only (no HTTP): delivers messages
  herald bench [--events N] [--routings-per-event K] [--receivers R]
               [--database sqlite|postgres://…] [--rate N | --backlog]
                             measure delivery speed (see herald bench --help)
  herald admin create-user <username> --password-stdin [--instance-admin]
  herald admin set-password <username> --password-stdin
                             manage accounts (password read from stdin)

Several instances (any mix of the above) may share one PostgreSQL database;
they split the deliveries between them.

Configuration comes from the environment:
  DATABASE_URL        database: postgres://user:password@host/db, or by default
                      a SQLite file in HERALD_DATA_DIR
  HERALD_DATA_DIR     data directory (default ./data)
  HERALD_SECRET_KEY   key encrypting channel secrets (default: a key file in
                      HERALD_DATA_DIR); instances sharing a database need the same
  HERALD_DATABASE_MAX_CONNECTIONS  pool size per process (default 20 PostgreSQL, 8 SQLite)
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
        ["serve", "--no-dispatch"] => match Config::from_env() {
            Ok(mut config) => {
                config.delivery.dispatch = false;
                super::web::serve(config).await
            }
            Err(e) => Err(e),
        },
        ["worker"] => match Config::from_env() {
            Ok(config) => super::web::work(config).await,
            Err(e) => Err(e),
        },
        ["admin", rest @ ..] => match super::admin::run(rest).await {
            Ok(()) => Ok(()),
            Err(super::admin::AdminError::Usage(problem)) => {
                if !problem.is_empty() {
                    eprintln!("herald admin: {problem}");
                }
                eprintln!("{}", super::admin::USAGE);
                return ExitCode::from(2);
            }
            Err(super::admin::AdminError::Failed(e)) => Err(e),
        },
        ["bench", rest @ ..] => match super::bench::main(rest).await {
            Ok(()) => Ok(()),
            Err(super::bench::BenchError::Usage(problem)) => {
                eprintln!("herald bench: {problem}");
                eprintln!("{}", super::bench::USAGE);
                return ExitCode::from(2);
            }
            Err(super::bench::BenchError::Failed(e)) => Err(e),
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
