use super::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectSummary {
    /// `owner/name`.
    pub name: String,
    pub channels: i64,
    pub routings: i64,
    pub created_at: i64,
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
    let state = crate::server::access::instance().await?;
    crate::server::store::projects::list(&state.db).await
}

#[server(prefix = "/api", endpoint = "get_project")]
pub async fn get_project(project: String) -> Result<ProjectSummary, AppError> {
    use crate::server::access::{self, Need};
    let access = access::project(&project, Need::Member).await?;
    crate::server::store::projects::summary(&access.state.db, &access.project.name).await
}

#[server(prefix = "/api", endpoint = "create_project")]
pub async fn create_project(name: String) -> Result<ProjectSummary, AppError> {
    use crate::domain::validation;
    let state = crate::server::access::instance().await?;
    let name = validation::project_name(&name).map_err(|m| AppError::invalid("name", m))?;
    let created = crate::server::store::projects::create(&state.db, name).await?;
    leptos_axum::redirect(&channels_path(&created.name));
    Ok(created)
}
