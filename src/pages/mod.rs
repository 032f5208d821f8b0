//! One module per page.
pub mod account;
pub mod audit;
pub mod channel_edit;
pub mod channel_new;
pub mod channels;
pub mod deliveries;
pub mod dry_run;
pub mod members;
pub mod not_found;
pub mod projects;
pub mod routing_edit;
pub mod routings;
pub mod sign_in;
pub mod tokens;
pub mod users;
