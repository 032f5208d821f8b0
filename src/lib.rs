//! Herald: a self-hosted notification and webhook service for ML platforms.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod domain;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
