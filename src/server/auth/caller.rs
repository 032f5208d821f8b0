//! The middleware that resolves the session cookie to a `Caller` for every
//! page and server function, and sends anonymous visitors to sign in.
use super::sessions;
use crate::server::db::entities::user;
use crate::server::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sea_orm::{EntityTrait, PaginatorTrait};
use std::net::{IpAddr, SocketAddr};

/// The signed-in user making the request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user_id: String,
    pub username: String,
    pub instance_admin: bool,
    /// The session's id (the token's hash).
    pub session_id: String,
}

/// The client's address: the peer, or behind a trusted proxy the address
/// it forwarded for.
#[derive(Clone, Debug)]
pub struct ClientAddress(pub Option<IpAddr>);

impl ClientAddress {
    pub fn text(&self) -> Option<String> {
        self.0.map(|ip| ip.to_string())
    }
}

/// Pages an anonymous visitor may see.
pub const SIGN_IN_PATH: &str = "/sign-in";
pub const SETUP_PATH: &str = "/setup";

fn client_address(request: &Request<Body>, state: &AppState) -> ClientAddress {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let Some(mut ip) = peer else {
        return ClientAddress(None);
    };
    let trusted = &state.config.auth.trusted_proxies;
    if trusted.allows(ip) {
        // Walk X-Forwarded-For from the right: the first address not one of
        // our proxies is the client (anything left of it may be forged).
        let forwarded: Vec<IpAddr> = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|part| part.trim().parse().ok())
            .collect();
        for hop in forwarded.into_iter().rev() {
            ip = hop;
            if !trusted.allows(hop) {
                break;
            }
        }
    }
    ClientAddress(Some(ip))
}

/// Paths served to anyone: the sign-in and set-up pages, assets, health.
fn is_public(path: &str, state: &AppState) -> bool {
    if path == SIGN_IN_PATH || path == SETUP_PATH || path == "/healthz" {
        return true;
    }
    if path.starts_with("/pkg/") || path.starts_with("/api/") {
        return true;
    }
    // Top-level files of the site root (favicon and other public assets).
    let name = path.trim_start_matches('/');
    !name.is_empty()
        && !name.contains('/')
        && !name.starts_with('.')
        && std::path::Path::new(&state.leptos_options.site_root.to_string())
            .join(name)
            .is_file()
}

/// Resolves the session cookie into a `Caller` extension and the client's
/// address into a `ClientAddress`; an anonymous request for a page is
/// redirected to sign in (or, before any user exists, to set-up).
pub async fn resolve_caller(
    State(state): State<AppState>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    if path.starts_with("/api/v1/") || path.starts_with("/pkg/") || path == "/healthz" {
        // The events API authenticates with tokens; assets need no one.
        return next.run(request).await;
    }
    let address = client_address(&request, &state);
    request.extensions_mut().insert(address);
    let ttl = state.config.auth.session_ttl;
    let mut refreshed_token = None;
    if let Some(token) = sessions::token_from(request.headers()) {
        match sessions::resolve(&state.db, &token, ttl).await {
            Ok(Some(resolved)) => {
                if resolved.refreshed {
                    refreshed_token = Some(token);
                }
                request.extensions_mut().insert(resolved.caller);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "cannot read sessions");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        }
    }
    let anonymous = request.extensions().get::<Caller>().is_none();
    if anonymous && request.method() == Method::GET && !is_public(&path, &state) {
        let wanted = request
            .uri()
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        return redirect_to_sign_in(&state, &wanted).await;
    }
    let mut response = next.run(request).await;
    if let Some(token) = refreshed_token {
        // Sliding expiry: the browser's cookie lives as long as the session.
        let secure = state.config.secure_cookies();
        if let Ok(value) = HeaderValue::from_str(&sessions::cookie(&token, ttl, secure)) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

async fn redirect_to_sign_in(state: &AppState, wanted: &str) -> Response {
    let no_users = match user::Entity::find().count(&state.db).await {
        Ok(n) => n == 0,
        Err(e) => {
            tracing::error!(error = %e, "cannot count users");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let target = if no_users {
        SETUP_PATH.to_string()
    } else {
        if wanted == "/" {
            SIGN_IN_PATH.to_string()
        } else {
            format!("{SIGN_IN_PATH}?next={}", encode_component(wanted))
        }
    };
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, target)
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_paths_are_encoded() {
        assert_eq!(
            encode_component("/p/a/b/settings?x=1&y=2"),
            "/p/a/b/settings%3Fx%3D1%26y%3D2"
        );
    }
}
