//! Accounts: instance admins manage users; everyone manages their own
//! password and sessions.
use super::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub instance_admin: bool,
    pub created_at: i64,
    /// How many projects the user belongs to.
    pub projects: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub user_agent: Option<String>,
    pub address: Option<String>,
    /// The session making this request.
    pub current: bool,
}

pub const USERS_PATH: &str = "/admin/users";
pub const ACCOUNT_PATH: &str = "/account";

#[server(prefix = "/api", endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    let (state, _) = crate::server::access::instance_admin().await?;
    crate::server::store::users::list(&state.db).await
}

/// Creates an account with a first password its owner should change.
#[server(prefix = "/api", endpoint = "create_user")]
pub async fn create_user(
    username: String,
    password: String,
    #[server(default)] instance_admin: Option<String>,
) -> Result<UserView, AppError> {
    use crate::domain::accounts;
    use crate::domain::validation::FieldErrors;
    let (state, _) = crate::server::access::instance_admin().await?;
    let mut errors = FieldErrors::new();
    let username = errors.check("username", accounts::username(&username));
    let password = errors.check("password", accounts::new_password(&password));
    errors.into_result()?;
    let (Some(username), Some(password)) = (username, password) else {
        return Err(AppError::Internal);
    };
    let hash = hash_password(password).await?;
    let user =
        crate::server::store::users::create(&state.db, &username, hash, instance_admin.is_some())
            .await?;
    Ok(UserView {
        id: user.id,
        username: user.username,
        instance_admin: user.instance_admin,
        created_at: user.created_at,
        projects: 0,
    })
}

#[cfg(feature = "ssr")]
async fn hash_password(password: String) -> Result<String, AppError> {
    crate::server::auth::password::hash(password)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::Internal
        })
}

#[server(prefix = "/api", endpoint = "set_instance_admin")]
pub async fn set_instance_admin(id: String, admin: bool) -> Result<(), AppError> {
    let (state, _) = crate::server::access::instance_admin().await?;
    crate::server::store::users::set_instance_admin(&state.db, &id, admin).await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "delete_user")]
pub async fn delete_user(id: String) -> Result<(), AppError> {
    let (state, caller) = crate::server::access::instance_admin().await?;
    if id == caller.user_id {
        return Err(AppError::Forbidden(
            "You cannot delete your own account.".into(),
        ));
    }
    crate::server::store::users::delete(&state.db, &id).await?;
    Ok(())
}

/// Changes the caller's password and ends their other sessions.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_confirm: String,
) -> Result<(), AppError> {
    use crate::domain::accounts;
    use crate::domain::validation::FieldErrors;
    use crate::server::auth::{password, sessions};
    use crate::server::store;
    let (state, caller) = crate::server::access::signed_in().await?;
    let user = store::users::find(&state.db, &caller.user_id).await?;
    let mut errors = FieldErrors::new();
    if current_password.is_empty() {
        errors.add("current_password", "Enter your current password.");
    } else if current_password.chars().count() > accounts::PASSWORD_MAX
        || !password::verify(Some(user.password_hash.clone()), current_password).await
    {
        errors.add("current_password", "That is not your current password.");
    }
    let new = errors.check("new_password", accounts::new_password(&new_password));
    if new.is_some() && new_password != new_password_confirm {
        errors.add("new_password_confirm", "The two passwords differ.");
    }
    errors.into_result()?;
    let hash = hash_password(new_password).await?;
    let txn = store::begin_write(&state.db).await?;
    store::users::set_password(&txn, &user.id, hash).await?;
    sessions::close_others(&txn, &user.id, Some(&caller.session_id)).await?;
    txn.commit().await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "list_sessions")]
pub async fn list_sessions() -> Result<Vec<SessionView>, AppError> {
    let (state, caller) = crate::server::access::signed_in().await?;
    let sessions = crate::server::auth::sessions::list(&state.db, &caller.user_id).await?;
    Ok(sessions
        .into_iter()
        .map(|s| SessionView {
            current: s.id == caller.session_id,
            id: s.id,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
            user_agent: s.user_agent,
            address: s.address,
        })
        .collect())
}

/// Ends one of the caller's own sessions (another browser, a lost laptop).
#[server(prefix = "/api", endpoint = "revoke_session")]
pub async fn revoke_session(id: String) -> Result<(), AppError> {
    let (state, caller) = crate::server::access::signed_in().await?;
    if !crate::server::auth::sessions::close(&state.db, &caller.user_id, &id).await? {
        return Err(AppError::NotFound("Session".into()));
    }
    Ok(())
}

/// Ends every session of the caller but this one.
#[server(prefix = "/api", endpoint = "sign_out_elsewhere")]
pub async fn sign_out_elsewhere() -> Result<u64, AppError> {
    let (state, caller) = crate::server::access::signed_in().await?;
    Ok(crate::server::auth::sessions::close_others(
        &state.db,
        &caller.user_id,
        Some(&caller.session_id),
    )
    .await?)
}
