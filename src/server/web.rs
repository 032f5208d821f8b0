//! The HTTP surface: Leptos pages, server functions, static files.
use super::dispatch::worker::Dispatcher;
use super::{AppState, Config};
use crate::api::AppError;
use crate::app::{shell, App};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, request::Parts, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;

/// Largest request body any route accepts; the events API checks its own,
/// smaller limit so it can answer in JSON.
const SERVER_FN_BODY_LIMIT: usize = 1024 * 1024;

/// True when the current server function was called by a plain HTML form
/// (JavaScript off): such a caller follows redirects and never reads the
/// response body.
pub fn is_plain_form_post() -> bool {
    use_context::<Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

/// server_fn answers every error with 500; give each error the status it
/// deserves, so bad input is a 4xx to any client.
async fn server_fn_error_status(request: Request<Body>, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, SERVER_FN_BODY_LIMIT).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.status();
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Server functions answer only the site's own pages: a browser marks a
/// cross-site request with `Sec-Fetch-Site` or an `Origin` naming another
/// host, and such a request is refused before it runs (SameSite cookies
/// aside, this stops cross-site form posts).
async fn same_origin_only(request: Request<Body>, next: Next) -> Response {
    let path = request.uri().path();
    let guarded = request.method() == axum::http::Method::POST
        && path.starts_with("/api/")
        && !path.starts_with("/api/v1/");
    if guarded && is_cross_site(request.headers()) {
        let body = serde_json::to_vec(&AppError::Forbidden(
            "Cross-site requests are refused; use Herald's own pages.".into(),
        ))
        .unwrap_or_default();
        return Response::builder()
            .status(StatusCode::FORBIDDEN)
            .header(header::CONTENT_TYPE, "application/json")
            .header(SERVER_FN_ERROR_HEADER, path)
            .body(Body::from(body))
            .unwrap_or_else(|_| StatusCode::FORBIDDEN.into_response());
    }
    next.run(request).await
}

fn is_cross_site(headers: &axum::http::HeaderMap) -> bool {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "cross-site";
    }
    match (text(header::ORIGIN), text(header::HOST)) {
        (None, _) => false,
        (Some(origin), Some(host)) => url::Url::parse(origin)
            .ok()
            .and_then(|u| u.host_str().map(|h| (h.to_string(), u.port())))
            .is_none_or(|(h, port)| match port {
                Some(p) => format!("{h}:{p}") != host,
                None => h != host,
            }),
        (Some(_), None) => true,
    }
}

async fn healthz() -> &'static str {
    "ok"
}

/// Connects to the database (migrating it) and loads the encryption key:
/// what both the web UI and the dispatcher need.
async fn open_storage(
    config: &Config,
) -> anyhow::Result<(sea_orm::DatabaseConnection, Arc<super::secrets::SecretBox>)> {
    config.prepare()?;
    let db = super::db::connect(&config.database_url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open database: {e}"))?;
    // HERALD_SECRET_KEY, else a key file in the data directory.
    let env_key = std::env::var("HERALD_SECRET_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty());
    if env_key.is_none() && super::db::is_postgres(&db) {
        tracing::warn!(
            "HERALD_SECRET_KEY is not set: this instance uses the key file in {}; \
             every instance sharing the database needs the same key",
            config.data_dir.display()
        );
    }
    let secrets = super::secrets::SecretBox::load(env_key.as_deref(), &config.data_dir)?;
    Ok((db, Arc::new(secrets)))
}

/// Connects to the database (migrating it) and builds the whole app.
pub async fn build_state(config: Config) -> anyhow::Result<AppState> {
    let mut leptos_options = get_configuration(None)?.leptos_options;
    super::assets::detect_hashed_build(&mut leptos_options);
    build_state_with(config, leptos_options).await
}

/// `build_state` with given site options (the bench serves no pages).
pub async fn build_state_with(
    config: Config,
    leptos_options: LeptosOptions,
) -> anyhow::Result<AppState> {
    let (db, secrets) = open_storage(&config).await?;
    let wake = Arc::new(tokio::sync::Notify::new());
    let writer = super::db::writer(&db).await?;
    let intake = super::intake::Intake::spawn(
        db.clone(),
        writer.clone(),
        config.public_url.clone(),
        wake.clone(),
    );
    Ok(AppState {
        leptos_options,
        db,
        writer,
        config: Arc::new(config),
        intake,
        wake,
        secrets,
    })
}

/// The app's routes, listed once per process. Listing runs the whole app
/// with resource loading suppressed through a process-global flag; a page
/// whose resource first polls while another router is being built (several
/// servers in one process: the test suite, the bench) would wait forever
/// (leptos-rs/leptos#4773).
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));
    ROUTES.clone()
}

pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let context_state = state.clone();
    let shell_options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/events", post(super::ingest::post_event))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(shell_options.clone()),
        )
        .fallback(super::assets::serve)
        .layer(middleware::from_fn(server_fn_error_status))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            super::auth::caller::resolve_caller,
        ))
        .layer(middleware::from_fn(same_origin_only))
        .layer(RequestBodyLimitLayer::new(SERVER_FN_BODY_LIMIT))
        .with_state(state)
}

/// The router as a service that knows each connection's peer address (the
/// sign-in rate limit counts per address).
pub fn with_client_address(
    app: Router,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<Router, std::net::SocketAddr> {
    app.into_make_service_with_connect_info::<std::net::SocketAddr>()
}

/// Starts the dispatcher for `state` unless the configuration turns it off
/// (`herald serve --no-dispatch`).
pub async fn start_dispatcher(state: &AppState) -> anyhow::Result<Option<Arc<Dispatcher>>> {
    if !state.config.delivery.dispatch {
        return Ok(None);
    }
    let dispatcher = Dispatcher::new(
        state.writer.clone(),
        state.config.delivery.clone(),
        state.wake.clone(),
        state.secrets.clone(),
    )
    .await?;
    dispatcher.spawn();
    Ok(Some(dispatcher))
}

/// How long a stopping process waits for deliveries in flight.
fn shutdown_grace(config: &Config) -> Duration {
    config.delivery.timeout + Duration::from_secs(2)
}

/// Serves Herald (web UI, API and, unless turned off, the dispatcher)
/// until Ctrl-C or SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let grace = shutdown_grace(&config);
    let state = build_state(config).await?;
    let dispatcher = start_dispatcher(&state).await?;
    if dispatcher.is_none() {
        tracing::info!("dispatcher off (--no-dispatch): `herald worker` processes deliver");
    }
    let addr = state.leptos_options.site_addr;
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    tracing::info!("Herald listening on http://{addr}");
    axum::serve(listener, with_client_address(app))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    if let Some(dispatcher) = dispatcher {
        dispatcher.shutdown(grace).await;
    }
    Ok(())
}

/// `herald worker`: only the dispatcher, no HTTP, until Ctrl-C or SIGTERM.
pub async fn work(config: Config) -> anyhow::Result<()> {
    let grace = shutdown_grace(&config);
    let (db, secrets) = open_storage(&config).await?;
    let dispatcher = Dispatcher::new(
        super::db::writer(&db).await?,
        config.delivery.clone(),
        Arc::new(tokio::sync::Notify::new()),
        secrets,
    )
    .await?;
    dispatcher.spawn();
    tracing::info!("Herald worker delivering messages (no web UI)");
    shutdown_signal().await;
    dispatcher.shutdown(grace).await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
