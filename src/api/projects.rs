use super::AppError;
use crate::domain::accounts::Role;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectSummary {
    /// `owner/name`.
    pub name: String,
    pub channels: i64,
    pub routings: i64,
    pub created_at: i64,
    /// The caller's role in the project.
    pub role: Role,
}

/// Where a project's notification settings live.
pub fn channels_path(project: &str) -> String {
    format!("/p/{project}/settings/notifications/channels")
}

pub fn routings_path(project: &str) -> String {
    format!("/p/{project}/settings/notifications/project-notifications")
}

#[server(prefix = "/api", endpoint = "list_projects")]
pub async fn list_projects() -> Result<Vec<ProjectSummary>, AppError> {
    let (state, caller) = crate::server::access::signed_in().await?;
    crate::server::store::projects::list(&state.db, &caller).await
}

#[server(prefix = "/api", endpoint = "get_project")]
pub async fn get_project(project: String) -> Result<ProjectSummary, AppError> {
    use crate::server::access::{self, Need};
    let access = access::project(&project, Need::Member).await?;
    crate::server::store::projects::summary(&access.state.db, &access.project, access.role).await
}

#[server(prefix = "/api", endpoint = "create_project")]
pub async fn create_project(name: String) -> Result<ProjectSummary, AppError> {
    use crate::domain::validation;
    let (state, caller) = crate::server::access::signed_in().await?;
    let name = validation::project_name(&name).map_err(|m| AppError::invalid("name", m))?;
    let created = crate::server::store::projects::create(&state.db, name, &caller).await?;
    leptos_axum::redirect(&channels_path(&created.name));
    Ok(created)
}
