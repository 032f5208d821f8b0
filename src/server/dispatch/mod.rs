//! Delivery: the outbox, the dispatcher, the HTTP sender and its building
//! blocks (signing, retry policy, SSRF guard).
pub mod outbox;
pub mod retry;
pub mod sender;
pub mod signing;
pub mod ssrf;
pub mod worker;
