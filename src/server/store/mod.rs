//! Queries and mutations, grouped by what they manage. Callers pass input
//! already validated by `crate::domain::validation`.
pub mod audit;
pub mod channels;
pub mod deliveries;
pub mod events;
pub mod members;
pub mod projects;
pub mod reveals;
pub mod routings;
pub mod tokens;
pub mod users;

use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, SqlErr,
    Statement, TransactionTrait,
};

/// Begins a transaction that will write. On SQLite it takes the write lock
/// at once: a transaction that reads first and writes later fails outright
/// (SQLITE_BUSY, no waiting) when another connection wrote in between, and
/// the dispatcher writes all the time. A write that matches nothing is
/// enough to take the lock and waits its turn under the busy timeout.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == DatabaseBackend::Sqlite {
        txn.execute(Statement::from_string(
            DatabaseBackend::Sqlite,
            "DELETE FROM secret_reveals WHERE 0 = 1",
        ))
        .await?;
    }
    Ok(txn)
}

/// True when `err` is a unique-constraint violation: another request won
/// the race to create the same thing.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}
