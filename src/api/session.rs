//! Signing in and out, and the first-visit set-up.
use super::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in user, as the pages show them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub username: String,
    pub instance_admin: bool,
}

/// Where to go after signing in: a path on this site, never elsewhere
/// (`//host` and `/\host` would leave it).
pub fn safe_next(next: &str) -> String {
    let next = next.trim();
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if local && !next.starts_with("/sign-in") && !next.starts_with("/setup") {
        next.to_string()
    } else {
        "/".to_string()
    }
}

/// Who is signed in, if anyone. Answers anonymous callers too.
#[server(prefix = "/api", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Viewer>, AppError> {
    Ok(crate::server::access::current_caller().map(|c| Viewer {
        username: c.username,
        instance_admin: c.instance_admin,
    }))
}

/// True until the first user exists. Answers anonymous callers too.
#[server(prefix = "/api", endpoint = "needs_setup")]
pub async fn needs_setup() -> Result<bool, AppError> {
    let state = crate::server::app_state()?;
    Ok(crate::server::store::users::count(&state.db).await? == 0)
}

#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(
    username: String,
    password: String,
    #[server(default)] next: String,
) -> Result<Viewer, AppError> {
    use crate::domain::validation::FieldErrors;
    use crate::server::auth::{password as passwords, throttle};
    use crate::server::store;
    let state = crate::server::app_state()?;
    let mut errors = FieldErrors::new();
    let username = username.trim().to_lowercase();
    if username.is_empty() {
        errors.add("username", "Enter your username.");
    }
    if password.is_empty() {
        errors.add("password", "Enter your password.");
    }
    errors.into_result()?;
    if username.chars().count() > crate::domain::accounts::USERNAME_MAX
        || password.chars().count() > crate::domain::accounts::PASSWORD_MAX
    {
        return Err(AppError::invalid(
            "password",
            "The username or password is wrong.",
        ));
    }
    let (user_agent, address) = request_origin();
    let account_key = throttle::account_key(&username);
    let address_key = address.as_deref().map(throttle::address_key);
    for key in std::iter::once(&account_key).chain(address_key.as_ref()) {
        if let Some(until) = throttle::locked_until(&state.db, key).await? {
            let minutes = ((until - crate::server::ids::now_ms()) / 60_000 + 1).max(1);
            let whom = if key == &account_key {
                "this account"
            } else {
                "your address"
            };
            return Err(AppError::TooManyRequests(format!(
                "Too many failed sign-ins for {whom}. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            )));
        }
    }
    let user = store::users::find_by_username(&state.db, &username).await?;
    // An unknown username costs the same hashing as a wrong password.
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let verified = passwords::verify(hash, password).await;
    let Some(user) = user.filter(|_| verified) else {
        record_failure(&state.db, &account_key, address_key.as_deref()).await?;
        return Err(AppError::invalid(
            "password",
            "The username or password is wrong.",
        ));
    };
    throttle::clear(&state.db, &account_key).await?;
    start_session(&state, &user, user_agent, address).await?;
    leptos_axum::redirect(&safe_next(&next));
    Ok(Viewer {
        username: user.username,
        instance_admin: user.instance_admin,
    })
}

#[cfg(feature = "ssr")]
async fn record_failure(
    db: &sea_orm::DatabaseConnection,
    account_key: &str,
    address_key: Option<&str>,
) -> Result<(), AppError> {
    use crate::server::auth::throttle;
    throttle::record_failure(db, account_key, throttle::PER_ACCOUNT).await?;
    if let Some(key) = address_key {
        throttle::record_failure(db, key, throttle::PER_ADDRESS).await?;
    }
    Ok(())
}

/// The caller's User-Agent and address, kept with the session so its owner
/// can recognise it on the Account page.
#[cfg(feature = "ssr")]
fn request_origin() -> (Option<String>, Option<String>) {
    use crate::server::auth::ClientAddress;
    let Some(parts) = use_context::<axum::http::request::Parts>() else {
        return (None, None);
    };
    let user_agent = parts
        .headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let address = parts
        .extensions
        .get::<ClientAddress>()
        .and_then(ClientAddress::text);
    (user_agent, address)
}

/// Opens a session and sets its cookie on the response.
#[cfg(feature = "ssr")]
async fn start_session(
    state: &crate::server::AppState,
    user: &crate::server::db::entities::user::Model,
    user_agent: Option<String>,
    address: Option<String>,
) -> Result<(), AppError> {
    use crate::server::auth::{sessions, throttle};
    let ttl = state.config.auth.session_ttl;
    let token = sessions::open(
        &state.db,
        &user.id,
        ttl,
        user_agent.as_deref(),
        address.as_deref(),
    )
    .await?;
    set_cookie(&sessions::cookie(
        &token,
        ttl,
        state.config.secure_cookies(),
    ));
    // Housekeeping rides along with sign-ins, which are rare.
    sessions::sweep(&state.db).await?;
    throttle::sweep(&state.db).await?;
    Ok(())
}

#[cfg(feature = "ssr")]
fn set_cookie(value: &str) {
    use axum::http::{header, HeaderValue};
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        HeaderValue::from_str(value),
    ) {
        response.append_header(header::SET_COOKIE, value);
    }
}

/// Ends the caller's session. Answers anonymous callers too (nothing to end).
#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::auth::sessions;
    let state = crate::server::app_state()?;
    if let Some(caller) = crate::server::access::current_caller() {
        sessions::close(&state.db, &caller.user_id, &caller.session_id).await?;
    }
    set_cookie(&sessions::clearing_cookie(state.config.secure_cookies()));
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// Creates the first user, an instance admin, and signs them in. Works only
/// while no user exists.
#[server(prefix = "/api", endpoint = "set_up")]
pub async fn set_up(
    username: String,
    password: String,
    password_confirm: String,
) -> Result<Viewer, AppError> {
    use crate::domain::accounts;
    use crate::domain::validation::FieldErrors;
    use crate::server::store;
    let state = crate::server::app_state()?;
    if store::users::count(&state.db).await? > 0 {
        return Err(already_set_up());
    }
    let mut errors = FieldErrors::new();
    let username = errors.check("username", accounts::username(&username));
    let password = errors.check("password", accounts::new_password(&password));
    if password.as_deref().is_some_and(|p| p != password_confirm) {
        errors.add("password_confirm", "The two passwords differ.");
    }
    errors.into_result()?;
    let (Some(username), Some(password)) = (username, password) else {
        return Err(AppError::Internal);
    };
    let hash = crate::server::auth::password::hash(password)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::Internal
        })?;
    let user = store::users::create_first(&state.db, &username, hash)
        .await?
        .ok_or_else(already_set_up)?;
    let (user_agent, address) = request_origin();
    start_session(&state, &user, user_agent, address).await?;
    leptos_axum::redirect("/");
    Ok(Viewer {
        username: user.username,
        instance_admin: true,
    })
}

#[cfg(feature = "ssr")]
fn already_set_up() -> AppError {
    AppError::Forbidden("Herald is already set up: sign in with your account.".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/p/a/b/settings"), "/p/a/b/settings");
        assert_eq!(safe_next("/p/a/b?x=1"), "/p/a/b?x=1");
        assert_eq!(safe_next(""), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("/sign-in"), "/");
        assert_eq!(safe_next("javascript:alert(1)"), "/");
    }
}
