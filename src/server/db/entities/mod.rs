//! sea-orm entities, one module per table.
pub mod api_token;
pub mod attempt;
pub mod channel;
pub mod delivery;
pub mod event;
pub mod project;
pub mod routing;
pub mod secret_reveal;
