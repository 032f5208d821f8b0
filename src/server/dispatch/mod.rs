//! Delivery: the outbox, the dispatcher, the HTTP and SMTP senders and their
//! building blocks (rendering per channel, signing, retry policy, SSRF guard).
pub mod compose;
pub mod email;
pub mod outbox;
pub mod recorder;
pub mod retry;
pub mod sender;
pub mod signing;
pub mod ssrf;
pub mod worker;
