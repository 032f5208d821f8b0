//! What every request handler and server function can reach.
use super::config::Config;
use axum::extract::FromRef;
use leptos::prelude::*;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    /// Where events, claims and attempt records are written (`db::writer`).
    #[from_ref(skip)]
    pub writer: DatabaseConnection,
    pub config: Arc<Config>,
    /// Encrypts channel secrets and header values at rest.
    pub secrets: Arc<super::secrets::SecretBox>,
    /// Stores the events API's events in groups.
    pub intake: super::intake::Intake,
    /// Wakes the dispatcher when new deliveries are committed.
    pub wake: Arc<tokio::sync::Notify>,
}

/// The state inside a server function; provided by the router.
pub fn app_state() -> Result<AppState, crate::api::AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from server function context");
        crate::api::AppError::Internal
    })
}
