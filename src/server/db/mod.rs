//! Storage: connection set-up, entities and migrations.
pub mod entities;
pub mod migration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr,
    Statement, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

/// Any number will do as long as every Herald uses the same one: the
/// PostgreSQL advisory lock that lets one instance at a time migrate.
const MIGRATION_LOCK: i64 = 0x4845_5241_4c44; // "HERALD"

/// `HERALD_DATABASE_MAX_CONNECTIONS`: the pool size per process (default 20
/// on PostgreSQL, 8 on SQLite). With several instances, PostgreSQL's
/// `max_connections` must exceed the sum.
fn max_connections(is_sqlite: bool) -> Result<u32, DbErr> {
    match std::env::var("HERALD_DATABASE_MAX_CONNECTIONS") {
        Ok(v) if !v.trim().is_empty() => match v.trim().parse::<u32>() {
            Ok(n) if n >= 2 => Ok(n),
            _ => Err(DbErr::Custom(format!(
                "HERALD_DATABASE_MAX_CONNECTIONS: `{v}` is not a whole number of at least 2"
            ))),
        },
        _ => Ok(if is_sqlite { 8 } else { 20 }),
    }
}

/// Opens the database named by `url` and brings its schema up to date.
///
/// SQLite runs in WAL mode with a busy timeout so readers never block the
/// writer and short write contention waits instead of failing. PostgreSQL
/// may be shared by several Herald instances; they migrate one at a time.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let is_sqlite = url.starts_with("sqlite:");
    let mut options = ConnectOptions::new(url.to_string());
    options
        .max_connections(max_connections(is_sqlite)?)
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
    migrate(&db).await?;
    Ok(db)
}

/// Applies pending migrations. On PostgreSQL instances starting together
/// take turns: the first migrates, the others then find nothing to do.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    if !is_postgres(db) {
        return migration::Migrator::up(db, None).await;
    }
    let txn = db.begin().await?;
    txn.execute(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [MIGRATION_LOCK.into()],
    ))
    .await?;
    migration::Migrator::up(&txn, None).await?;
    txn.commit().await
}

/// True when `db` is PostgreSQL (several instances may share it).
pub fn is_postgres<C: ConnectionTrait>(db: &C) -> bool {
    db.get_database_backend() == DatabaseBackend::Postgres
}
