//! The audit log page's data.
use super::AppError;
use crate::domain::accounts::AuditAction;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    pub action: AuditAction,
    /// Who did it (their username then).
    pub actor: String,
    /// The account has since been deleted.
    pub actor_deleted: bool,
    /// What it was done to (its name then).
    pub subject: String,
    pub detail: Option<String>,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub page: u64,
    pub pages: u64,
    pub total: u64,
}

pub fn audit_path(project: &str) -> String {
    format!("/p/{project}/settings/audit-log")
}

#[server(prefix = "/api", endpoint = "list_audit")]
pub async fn list_audit(
    project: String,
    #[server(default)] page: u32,
) -> Result<AuditPage, AppError> {
    use crate::server::access::{self, Need};
    let access = access::project(&project, Need::Admin).await?;
    crate::server::store::audit::list(&access.state.db, &access.project.id, u64::from(page.max(1)))
        .await
}
