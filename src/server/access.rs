//! Who may do what. Every server function starts here: it names the project
//! and what it needs, and gets back the state and the project only when the
//! caller is allowed.
//!
//! Anonymous callers get `Unauthorized` (401). A project the caller does
//! not belong to answers exactly like one that does not exist (404), so
//! names cannot be probed. A member asking for an admin action gets
//! `Forbidden` (403). Instance admins act as admins on every project.
use super::auth::Caller;
use super::db::entities::project;
use super::{app_state, AppState};
use crate::api::AppError;
use crate::domain::accounts::Role;

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
    pub caller: Caller,
    /// The caller's role here (Admin for instance admins).
    pub role: Role,
}

/// The signed-in caller of the current request, if any.
pub fn current_caller() -> Option<Caller> {
    use_context_parts().and_then(|parts| parts.extensions.get::<Caller>().cloned())
}

fn use_context_parts() -> Option<axum::http::request::Parts> {
    leptos::prelude::use_context::<axum::http::request::Parts>()
}

/// The state and the caller, for any signed-in user.
pub async fn signed_in() -> Result<(AppState, Caller), AppError> {
    let caller = current_caller().ok_or(AppError::Unauthorized)?;
    Ok((app_state()?, caller))
}

/// The state, for calls that concern no single project (the project list,
/// creating a project): any signed-in user.
pub async fn instance() -> Result<AppState, AppError> {
    signed_in().await.map(|(state, _)| state)
}

/// The state and the caller, for instance administration (users).
pub async fn instance_admin() -> Result<(AppState, Caller), AppError> {
    let (state, caller) = signed_in().await?;
    if !caller.instance_admin {
        return Err(AppError::Forbidden(
            "Only instance admins can manage users.".into(),
        ));
    }
    Ok((state, caller))
}

/// The project named `name`, when the caller may act on it as `need` says.
pub async fn project(name: &str, need: Need) -> Result<ProjectAccess, AppError> {
    let (state, caller) = signed_in().await?;
    let project = super::store::projects::find(&state.db, name).await?;
    let role = role_in(&state, &caller, &project).await?.ok_or_else(|| {
        // The same answer as for a project that does not exist.
        AppError::NotFound(format!("Project {name}"))
    })?;
    if need == Need::Admin && role != Role::Admin {
        return Err(AppError::Forbidden(
            "Only project admins can change this project's settings, tokens and members.".into(),
        ));
    }
    Ok(ProjectAccess {
        state,
        project,
        caller,
        role,
    })
}

/// The caller's role in `project`; None when they do not belong to it.
pub async fn role_in(
    state: &AppState,
    caller: &Caller,
    project: &project::Model,
) -> Result<Option<Role>, AppError> {
    if caller.instance_admin {
        return Ok(Some(Role::Admin));
    }
    super::store::members::role(&state.db, &project.id, &caller.user_id).await
}
