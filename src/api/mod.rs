//! Server functions: the only way the browser changes anything. Each one is
//! thin: validate the input, find what it names, call the store.
pub mod channels;
pub mod error;
pub mod projects;
pub mod routings;

pub use error::{AppError, DependentRouting};
