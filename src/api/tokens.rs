use super::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const TOKEN_NAME_MAX: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    /// The token's first characters (`hrld_abcd`), to tell tokens apart.
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenCreated {
    pub view: TokenView,
    /// The token, shown this once; only its hash is stored.
    pub token: String,
}

pub fn tokens_path(project: &str) -> String {
    format!("/p/{project}/settings/api-tokens")
}

#[server(prefix = "/api", endpoint = "list_tokens")]
pub async fn list_tokens(project: String) -> Result<Vec<TokenView>, AppError> {
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project, .. } =
        crate::server::access::project(&project, crate::server::access::Need::Admin).await?;
    store::tokens::list(&state.db, &project.id).await
}

#[server(prefix = "/api", endpoint = "create_token")]
pub async fn create_token(project: String, name: String) -> Result<TokenCreated, AppError> {
    use crate::domain::accounts::AuditAction;
    use crate::server::access::{self, Need};
    use crate::server::store;
    let access = access::project(&project, Need::Admin).await?;
    let (state, project) = (&access.state, &access.project);
    let name = token_name(&name).map_err(|m| AppError::invalid("name", m))?;
    let txn = store::begin_write(&state.db).await?;
    let (view, token) = store::tokens::create(&txn, &project.id, name).await?;
    store::audit::record(
        &txn,
        &access,
        AuditAction::TokenCreated,
        Some(&view.id),
        &view.name,
        Some(format!("{}…", view.prefix)),
    )
    .await?;
    txn.commit().await?;
    if crate::server::web::is_plain_form_post() {
        let reveal =
            store::reveals::park(&state.db, &format!("token:{}", project.id), &token).await?;
        leptos_axum::redirect(&format!("{}?created={reveal}", tokens_path(&project.name)));
    }
    Ok(TokenCreated { view, token })
}

/// Shows a token parked by `create_token` for a browser without JavaScript.
#[server(prefix = "/api", endpoint = "take_new_token")]
pub async fn take_new_token(project: String, reveal: String) -> Result<Option<String>, AppError> {
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project, .. } =
        crate::server::access::project(&project, crate::server::access::Need::Admin).await?;
    store::reveals::take(&state.db, &format!("token:{}", project.id), &reveal).await
}

#[server(prefix = "/api", endpoint = "revoke_token")]
pub async fn revoke_token(project: String, id: String) -> Result<(), AppError> {
    use crate::domain::accounts::AuditAction;
    use crate::server::access::{self, Need};
    use crate::server::store;
    let access = access::project(&project, Need::Admin).await?;
    let txn = store::begin_write(&access.state.db).await?;
    if let Some(revoked) = store::tokens::revoke(&txn, &access.project.id, &id).await? {
        store::audit::record(
            &txn,
            &access,
            AuditAction::TokenRevoked,
            Some(&revoked.id),
            &revoked.name,
            Some(format!("{}…", revoked.prefix)),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// A token's label: what it is for, e.g. "CI pipeline".
pub fn token_name(input: &str) -> Result<String, String> {
    let name = input.trim();
    if name.is_empty() {
        return Err("Enter a name that says what the token is for.".into());
    }
    let len = name.chars().count();
    if len > TOKEN_NAME_MAX {
        return Err(format!(
            "The name is {len} characters long; at most {TOKEN_NAME_MAX} are allowed."
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("The name may not contain line breaks or control characters.".into());
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_names() {
        assert_eq!(token_name(" CI ").unwrap(), "CI");
        assert!(token_name("").is_err());
        assert!(token_name(&"x".repeat(101)).is_err());
        assert!(token_name("a\tb").is_err());
    }
}
