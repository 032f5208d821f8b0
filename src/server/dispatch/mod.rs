//! Delivery: the outbox worker, the HTTP sender and its building blocks.
pub mod retry;
pub mod signing;
pub mod ssrf;
