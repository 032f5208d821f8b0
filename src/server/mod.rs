//! Everything that runs only on the server: storage, configuration, wiring.
pub mod access;
pub mod admin;
pub mod assets;
pub mod auth;
pub mod bench;
pub mod cli;
pub mod config;
pub mod db;
pub mod dispatch;
pub mod dry_run;
pub mod ids;
pub mod ingest;
pub mod intake;
pub mod secrets;
pub mod state;
pub mod store;
pub mod templates;
pub mod web;

pub use config::Config;
pub use state::{app_state, AppState};
