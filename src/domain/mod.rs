//! Pure domain logic shared by server and browser: no I/O here.
pub mod accounts;
pub mod events;
pub mod render;
pub mod validation;

pub use events::{EventGroup, EventType};
