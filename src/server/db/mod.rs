//! Storage: connection set-up, entities and migrations.
pub mod entities;
pub mod migration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

/// Opens the database named by `url` and brings its schema up to date.
///
/// SQLite runs in WAL mode with a busy timeout so readers never block the
/// writer and short write contention waits instead of failing.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let is_sqlite = url.starts_with("sqlite:");
    let mut options = ConnectOptions::new(url.to_string());
    options
        .max_connections(if is_sqlite { 8 } else { 20 })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            // Per-connection settings: every pooled connection gets them.
            // FULL sync: a 202 promises the event survives a power cut too.
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
        });
    let db = Database::connect(options).await?;
    migration::Migrator::up(&db, None).await?;
    Ok(db)
}
