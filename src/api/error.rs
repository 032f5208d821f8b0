//! The one error type every server function returns. It travels to the
//! browser as JSON, and — for forms posted without JavaScript — in the
//! redirect URL, so both paths show the same messages.

use crate::domain::validation::FieldErrors;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A routing that would be removed along with the channel it points at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependentRouting {
    pub id: String,
    pub event_label: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Input the server refused; nothing was changed.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// The thing named does not exist (or is not the caller's to see).
    #[error("{0} was not found.")]
    NotFound(String),
    /// Deleting the channel would also delete these routings; ask first.
    #[error("Channel “{channel}” is used by {} routing(s); confirm to delete them too.", routings.len())]
    ConfirmDelete {
        channel_id: String,
        channel: String,
        routings: Vec<DependentRouting>,
    },
    /// Nobody is signed in (or the session ended).
    #[error("Sign in to continue.")]
    Unauthorized,
    /// The caller may not do this (e.g. a member changing settings, or a
    /// request from another site).
    #[error("{0}")]
    Forbidden(String),
    /// Too many attempts (sign-in); try again later.
    #[error("{0}")]
    TooManyRequests(String),
    /// Something failed on the server; details are in the server log only.
    #[error("Something went wrong on the server. Please try again.")]
    Internal,
    /// The request never reached the function (network, decoding).
    #[error("The request failed: {0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(FieldErrors::single(field, message))
    }

    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Invalid(errors) => Some(errors),
            _ => None,
        }
    }

    /// The message for one field, if this error concerns it.
    pub fn field(&self, field: &str) -> Option<String> {
        self.field_errors()
            .and_then(|e| e.get(field))
            .map(str::to_string)
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// The HTTP status a server function answers with for this error.
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::ConfirmDelete { .. } => StatusCode::CONFLICT,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Transport(_) => StatusCode::BAD_REQUEST,
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Invalid(errors)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        tracing::error!(error = %err, "database error");
        AppError::Internal
    }
}

#[cfg(feature = "ssr")]
impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(e) => e.into(),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}
