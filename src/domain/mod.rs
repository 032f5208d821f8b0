//! Pure domain logic shared by server and browser: no I/O here.
pub mod accounts;
pub mod channel_kind;
pub mod events;
pub mod filters;
pub mod formats;
pub mod render;
pub mod smtp;
pub mod template;
pub mod validation;

pub use channel_kind::ChannelKind;
pub use events::{EventGroup, EventType};
