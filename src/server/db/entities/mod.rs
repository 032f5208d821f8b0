//! sea-orm entities, one module per table.
pub mod channel;
pub mod project;
pub mod routing;
pub mod secret_reveal;
