//! A project's members and their roles.
use super::AppError;
use crate::domain::accounts::Role;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: String,
    pub username: String,
    pub role: Role,
    pub added_at: i64,
}

pub fn members_path(project: &str) -> String {
    format!("/p/{project}/settings/members")
}

/// The role a form chose, or the message for its `role` field.
pub fn role_from(role: &str) -> Result<Role, String> {
    if role.is_empty() {
        return Err("Choose a role.".into());
    }
    Role::parse(role).ok_or_else(|| format!("“{role}” is not a role; choose Admin or Member."))
}

#[server(prefix = "/api", endpoint = "list_members")]
pub async fn list_members(project: String) -> Result<Vec<MemberView>, AppError> {
    use crate::server::access::{self, Need};
    let access = access::project(&project, Need::Member).await?;
    crate::server::store::members::list(&access.state.db, &access.project.id).await
}

#[server(prefix = "/api", endpoint = "add_member")]
pub async fn add_member(
    project: String,
    username: String,
    role: String,
) -> Result<MemberView, AppError> {
    use crate::domain::accounts::AuditAction;
    use crate::domain::validation::FieldErrors;
    use crate::server::access::{self, Need};
    use crate::server::store;
    let access = access::project(&project, Need::Admin).await?;
    let db = &access.state.db;
    let mut errors = FieldErrors::new();
    let name = username.trim().to_lowercase();
    let user = if name.is_empty() {
        errors.add("username", "Enter the username of the person to add.");
        None
    } else {
        let found = store::users::find_by_username(db, &name).await?;
        if found.is_none() {
            errors.add(
                "username",
                format!("There is no user named {name}. An instance admin creates accounts under Users."),
            );
        }
        found
    };
    let role = errors.check("role", role_from(&role));
    errors.into_result()?;
    let (Some(user), Some(role)) = (user, role) else {
        return Err(AppError::Internal);
    };
    let txn = store::begin_write(db).await?;
    store::members::add(&txn, &access.project.id, &user, role).await?;
    store::audit::record(
        &txn,
        &access,
        AuditAction::MemberAdded,
        Some(&user.id),
        &user.username,
        Some(format!("as {}", role.label().to_lowercase())),
    )
    .await?;
    txn.commit().await?;
    Ok(MemberView {
        user_id: user.id,
        username: user.username,
        role,
        added_at: crate::server::ids::now_ms(),
    })
}

#[server(prefix = "/api", endpoint = "set_member_role")]
pub async fn set_member_role(
    project: String,
    user_id: String,
    role: String,
) -> Result<(), AppError> {
    use crate::domain::accounts::AuditAction;
    use crate::server::access::{self, Need};
    use crate::server::store;
    let access = access::project(&project, Need::Admin).await?;
    let role = role_from(&role).map_err(|m| AppError::invalid("role", m))?;
    let db = &access.state.db;
    let user = member_user(db, &user_id).await?;
    let txn = store::begin_write(db).await?;
    let before = store::members::set_role(&txn, &access.project.id, &user, role).await?;
    if before != role {
        store::audit::record(
            &txn,
            &access,
            AuditAction::MemberRoleChanged,
            Some(&user.id),
            &user.username,
            Some(format!(
                "{} → {}",
                before.label().to_lowercase(),
                role.label().to_lowercase()
            )),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "remove_member")]
pub async fn remove_member(project: String, user_id: String) -> Result<(), AppError> {
    use crate::domain::accounts::AuditAction;
    use crate::server::access::{self, Need};
    use crate::server::store;
    let access = access::project(&project, Need::Admin).await?;
    let db = &access.state.db;
    let user = member_user(db, &user_id).await?;
    let txn = store::begin_write(db).await?;
    let role = store::members::remove(&txn, &access.project.id, &user).await?;
    store::audit::record(
        &txn,
        &access,
        AuditAction::MemberRemoved,
        Some(&user.id),
        &user.username,
        Some(format!("was {}", role.label().to_lowercase())),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The user a member form names; unknown ids read as "no such member".
#[cfg(feature = "ssr")]
async fn member_user(
    db: &sea_orm::DatabaseConnection,
    user_id: &str,
) -> Result<crate::server::db::entities::user::Model, AppError> {
    crate::server::store::users::find(db, user_id)
        .await
        .map_err(|_| AppError::NotFound("Member".into()))
}
