//! Integration tests: every server function against a real Herald with a
//! fresh SQLite file, over HTTP on loopback.
mod channels;
mod crash;
mod delivery;
mod pages;
mod projects;
mod receiver;
mod routings;
mod support;
