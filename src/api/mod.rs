//! Server functions: the only way the browser changes anything. Each one is
//! thin: validate the input, find what it names, call the store.
pub mod channels;
pub mod deliveries;
pub mod dry_run;
pub mod error;
pub mod projects;
pub mod routings;
pub mod templates;
pub mod tokens;

pub use error::{AppError, DependentRouting};
