//! Slows password guessing: failed sign-ins are counted per account and per
//! client address in the database (so every instance sees them), and a key
//! with too many failures in a window is locked for a while.
use crate::server::db::entities::login_throttle;
use crate::server::ids::now_ms;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// How failures are counted for one kind of key.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    /// Failures within `window_ms` that lock the key…
    pub failures: i32,
    pub window_ms: i64,
    /// …for this long.
    pub lock_ms: i64,
}

/// Guessing one account's password: 5 tries per 15 minutes.
pub const PER_ACCOUNT: Limit = Limit {
    failures: 5,
    window_ms: 15 * 60_000,
    lock_ms: 15 * 60_000,
};

/// One address trying many accounts: 20 failures per 15 minutes.
pub const PER_ADDRESS: Limit = Limit {
    failures: 20,
    window_ms: 15 * 60_000,
    lock_ms: 15 * 60_000,
};

pub fn account_key(username: &str) -> String {
    format!("user:{username}")
}

pub fn address_key(address: &str) -> String {
    format!("addr:{address}")
}

/// The stored row's column, inside `ON CONFLICT DO UPDATE`.
fn stored(column: login_throttle::Column) -> (login_throttle::Entity, login_throttle::Column) {
    (login_throttle::Entity, column)
}

/// When `key` may try again, if it is locked now.
pub async fn locked_until<C: ConnectionTrait>(db: &C, key: &str) -> Result<Option<i64>, DbErr> {
    let now = now_ms();
    Ok(login_throttle::Entity::find_by_id(key)
        .one(db)
        .await?
        .and_then(|row| row.locked_until)
        .filter(|until| *until > now))
}

/// Counts a failure for `key`; locks it once the limit is reached.
pub async fn record_failure<C: ConnectionTrait>(
    db: &C,
    key: &str,
    limit: Limit,
) -> Result<(), DbErr> {
    let now = now_ms();
    // One statement, so concurrent failures all count: a new window starts
    // when the old one has run out.
    let window_over =
        Expr::col(stored(login_throttle::Column::WindowStartedAt)).lt(now - limit.window_ms);
    login_throttle::Entity::insert(login_throttle::ActiveModel {
        key: Set(key.to_string()),
        failures: Set(1),
        window_started_at: Set(now),
        locked_until: Set(None),
    })
    .on_conflict(
        OnConflict::column(login_throttle::Column::Key)
            .value(
                login_throttle::Column::Failures,
                Expr::case(window_over.clone(), 1)
                    .finally(Expr::col(stored(login_throttle::Column::Failures)).add(1)),
            )
            .value(
                login_throttle::Column::WindowStartedAt,
                Expr::case(window_over, now)
                    .finally(Expr::col(stored(login_throttle::Column::WindowStartedAt))),
            )
            .to_owned(),
    )
    .exec(db)
    .await?;
    login_throttle::Entity::update_many()
        .col_expr(
            login_throttle::Column::LockedUntil,
            Expr::value(now + limit.lock_ms),
        )
        .filter(login_throttle::Column::Key.eq(key))
        .filter(login_throttle::Column::Failures.gte(limit.failures))
        .filter(
            login_throttle::Column::LockedUntil
                .is_null()
                .or(login_throttle::Column::LockedUntil.lte(now)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets the failures of `key` (a successful sign-in to the account).
pub async fn clear<C: ConnectionTrait>(db: &C, key: &str) -> Result<(), DbErr> {
    login_throttle::Entity::delete_by_id(key).exec(db).await?;
    Ok(())
}

/// Drops counters whose window and lock are long over, so guessing random
/// usernames cannot grow the table without bound.
pub async fn sweep<C: ConnectionTrait>(db: &C) -> Result<u64, DbErr> {
    let now = now_ms();
    let stale = now - PER_ACCOUNT.window_ms.max(PER_ADDRESS.window_ms);
    Ok(login_throttle::Entity::delete_many()
        .filter(login_throttle::Column::WindowStartedAt.lt(stale))
        .filter(
            login_throttle::Column::LockedUntil
                .is_null()
                .or(login_throttle::Column::LockedUntil.lt(now)),
        )
        .exec(db)
        .await?
        .rows_affected)
}
