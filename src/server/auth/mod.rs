//! Who is calling: passwords, sessions, sign-in rate limits, and the
//! middleware that turns a session cookie into a `Caller`.
pub mod caller;
pub mod password;
pub mod sessions;
pub mod throttle;

pub use caller::{Caller, ClientAddress};
