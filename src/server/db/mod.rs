//! Storage: connection set-up, entities and migrations.
pub mod entities;
pub mod migration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, SqlxSqliteConnector, Statement, TransactionTrait,
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

/// The writer's page cache: negative means KiB (32 MiB).
const WRITER_CACHE_KIB: &str = "-32768";

/// The connection the busy write paths share (event intake, claims,
/// attempt records), each in its write turn ([`write_turn`]). On SQLite it
/// is one connection of its own: SQLite drops a connection's page cache
/// whenever another connection has written, so one writer keeps its cache
/// warm instead of re-reading the pages it just wrote. On PostgreSQL, the
/// instance's pool.
pub async fn writer(db: &DatabaseConnection) -> Result<DatabaseConnection, DbErr> {
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return Ok(db.clone());
    }
    // A bigger page cache than the pool's 2 MiB: the writer touches the
    // newest deliveries again and again (insert, claim, record).
    let options = (*db.get_sqlite_connection_pool().connect_options())
        .clone()
        .pragma("cache_size", WRITER_CACHE_KIB);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await
        .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e)))?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

/// A transaction that is on disk when it commits: accepted events.
pub async fn begin_durable(writer: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    if !is_postgres(writer) {
        writer
            .execute_unprepared("PRAGMA synchronous = FULL")
            .await?;
    }
    writer.begin().await
}

/// A transaction whose commit does not wait for the disk: claims and
/// attempt records. A power cut may lose the last few, never corrupt them:
/// the lease then expires and the message is sent again (at least once).
/// In WAL mode the next durable commit makes every earlier one durable too.
/// Call it in the write turn, on the writer, like [`begin_durable`]: the
/// setting belongs to the connection, and each turn sets its own.
pub async fn begin_relaxed(writer: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    if is_postgres(writer) {
        let txn = writer.begin().await?;
        txn.execute_unprepared("SET LOCAL synchronous_commit TO OFF")
            .await?;
        return Ok(txn);
    }
    writer
        .execute_unprepared("PRAGMA synchronous = NORMAL")
        .await?;
    writer.begin().await
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

/// The process's turn to write to SQLite, taken by the busy write paths
/// (event intake, attempt records, claims) before they write. SQLite has one
/// writer at a time; writers of one process queueing here, in order, never
/// meet in SQLite's busy handler, which backs off by sleeping (1 ms, then 2,
/// 5, 10… up to 100 ms) and so turns contention into latency. PostgreSQL
/// locks rows, not the database: there this is a no-op.
pub async fn write_turn<C: ConnectionTrait>(
    db: &C,
) -> Option<tokio::sync::MutexGuard<'static, ()>> {
    static SQLITE_WRITER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    if is_postgres(db) {
        None
    } else {
        Some(SQLITE_WRITER.lock().await)
    }
}
