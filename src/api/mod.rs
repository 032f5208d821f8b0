//! Server functions: the only way the browser changes anything. Each one is
//! thin: authorize the caller (`server::access`), validate the input, find
//! what it names, call the store.
pub mod audit;
pub mod channels;
pub mod deliveries;
pub mod dry_run;
pub mod error;
pub mod members;
pub mod projects;
pub mod resource;
pub mod routings;
pub mod session;
pub mod templates;
pub mod tokens;
pub mod users;

pub use error::{AppError, DependentRouting};
