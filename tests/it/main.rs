//! Integration tests: every server function against a real Herald with a
//! fresh database, over HTTP on loopback. The database is a SQLite file, or
//! a new PostgreSQL database when `HERALD_TEST_DATABASE` names a server
//! (see `support.rs`).
mod access;
mod accounts;
mod assets;
mod bench;
mod channel_types;
mod channels;
mod crash;
mod delivery;
mod dry_run;
mod filters;
mod instance;
mod pages;
mod projects;
mod receiver;
mod roles;
mod routings;
mod smtp_sink;
mod support;
mod templates;
