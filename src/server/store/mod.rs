//! Queries and mutations, grouped by what they manage. Callers pass input
//! already validated by `crate::domain::validation`.
pub mod channels;
pub mod deliveries;
pub mod events;
pub mod projects;
pub mod reveals;
pub mod routings;
pub mod tokens;

use sea_orm::{DbErr, SqlErr};

/// True when `err` is a unique-constraint violation: another request won
/// the race to create the same thing.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}
