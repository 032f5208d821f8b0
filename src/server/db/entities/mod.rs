//! sea-orm entities, one module per table.
pub mod api_token;
pub mod attempt;
pub mod audit_event;
pub mod channel;
pub mod delivery;
pub mod event;
pub mod login_throttle;
pub mod membership;
pub mod project;
pub mod routing;
pub mod secret_reveal;
pub mod session;
pub mod user;
