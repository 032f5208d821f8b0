//! A temporary Herald for the bench: its own database (a SQLite file in a
//! temporary directory, or a temporary database on a PostgreSQL server), a
//! project whose routings send every event to K webhook channels on the
//! receivers, an API token, and the real HTTP server on loopback.
use super::Options;
use crate::api::channels::ValidChannel;
use crate::domain::{ChannelKind, EventType};
use crate::server::db::entities::{delivery, project};
use crate::server::dispatch::ssrf::AllowList;
use crate::server::dispatch::worker::Dispatcher;
use crate::server::ids::{new_id, new_token, now_ms};
use crate::server::{store, web, AppState, Config};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, Database, EntityTrait, QueryFilter, QuerySelect,
};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Herald {
    pub base_url: String,
    pub token: String,
    state: AppState,
    dispatcher: Mutex<Option<Arc<Dispatcher>>>,
    server: tokio::task::JoinHandle<()>,
    dir: PathBuf,
    /// The admin URL and the temporary database's name, to drop it after.
    postgres: Option<(String, String)>,
    concurrency: usize,
}

impl Herald {
    pub async fn start(options: &Options, receivers: &[SocketAddr]) -> anyhow::Result<Herald> {
        let dir = std::env::temp_dir().join(format!("herald-bench-{}", new_token(6)));
        std::fs::create_dir_all(&dir)?;
        let postgres = match &options.postgres {
            Some(admin) => Some((admin.clone(), create_database(admin).await?)),
            None => None,
        };
        let mut config = Config::from_env()?;
        config.data_dir = dir.clone();
        config.database_url = match &postgres {
            Some((admin, name)) => database_url(admin, name)?,
            None => format!("sqlite://{}", dir.join("herald.db").display()),
        };
        // The receivers listen on loopback, which the SSRF guard refuses
        // unless told otherwise.
        config.delivery.allowed_networks =
            AllowList::parse("127.0.0.1/32").map_err(|e| anyhow::anyhow!("allow list: {e}"))?;
        config.delivery.dispatch = false;
        let concurrency = config
            .delivery
            .max_in_flight
            .min(options.routings_per_event * config.delivery.max_in_flight_per_channel);
        let site = leptos::prelude::LeptosOptions::builder()
            .output_name("herald")
            .build();
        let state = web::build_state_with(config, site).await?;
        let token = populate(&state, options, receivers).await?;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let app = web::with_client_address(web::router(state.clone()));
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "bench server stopped");
            }
        });
        Ok(Herald {
            base_url,
            token,
            state,
            dispatcher: Mutex::new(None),
            server,
            dir,
            postgres,
            concurrency,
        })
    }

    pub fn database_kind(&self) -> &'static str {
        if self.postgres.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    /// Requests in flight at most: the overall limit, or the per-channel
    /// limit times the channels when that is lower. The ceiling uses it too.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    pub async fn start_dispatcher(&self) -> anyhow::Result<()> {
        let dispatcher = Dispatcher::new(
            self.state.writer.clone(),
            self.state.config.delivery.clone(),
            self.state.wake.clone(),
            self.state.secrets.clone(),
        )
        .await?;
        dispatcher.spawn();
        *self.dispatcher.lock().unwrap_or_else(|p| p.into_inner()) = Some(dispatcher);
        Ok(())
    }

    /// Which event each of `deliveries` belongs to, for the latencies.
    pub async fn event_of_deliveries(
        &self,
        deliveries: &[&str],
    ) -> anyhow::Result<HashMap<String, String>> {
        let mut found = HashMap::with_capacity(deliveries.len());
        for chunk in deliveries.chunks(500) {
            let rows: Vec<(String, String)> = delivery::Entity::find()
                .select_only()
                .column(delivery::Column::Id)
                .column(delivery::Column::EventId)
                .filter(delivery::Column::Id.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(&self.state.db)
                .await?;
            found.extend(rows);
        }
        Ok(found)
    }

    /// Stops everything and deletes the temporary database.
    pub async fn stop(self) {
        let dispatcher = self
            .dispatcher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(dispatcher) = dispatcher {
            dispatcher.shutdown(Duration::from_secs(15)).await;
        }
        self.server.abort();
        let _ = self.state.db.clone().close().await;
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((admin, name)) = &self.postgres {
            if let Err(e) = drop_database(admin, name).await {
                eprintln!("bench: could not drop temporary database {name}: {e}");
            }
        }
    }
}

/// A project whose "Execution completes" routings go to K webhook channels,
/// spread over the receivers; returns an API token for it.
async fn populate(
    state: &AppState,
    options: &Options,
    receivers: &[SocketAddr],
) -> anyhow::Result<String> {
    let project_id = new_id();
    project::Entity::insert(project::ActiveModel {
        id: Set(project_id.clone()),
        name: Set("bench/herald".into()),
        created_at: Set(now_ms()),
    })
    .exec(&state.db)
    .await?;
    for i in 0..options.routings_per_event {
        let input = ValidChannel {
            kind: ChannelKind::Webhook,
            name: format!("receiver {i}"),
            url: format!("http://{}/hook", receivers[i % receivers.len()]),
            headers: Vec::new(),
            enabled: true,
            email: None,
            template: None,
        };
        let (channel, _secret) =
            store::channels::create(&state.db, &state.secrets, &project_id, input)
                .await
                .map_err(|e| anyhow::anyhow!("bench channel: {e}"))?;
        store::routings::create(
            &state.db,
            &project_id,
            EventType::ExecutionCompleted,
            &channel,
            &[],
        )
        .await
        .map_err(|e| anyhow::anyhow!("bench routing: {e}"))?;
    }
    let (_, token) = store::tokens::create(&state.db, &project_id, "bench".into())
        .await
        .map_err(|e| anyhow::anyhow!("bench token: {e}"))?;
    Ok(token)
}

fn database_url(admin: &str, name: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(admin)?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}

async fn create_database(admin: &str) -> anyhow::Result<String> {
    let name = format!(
        "herald_bench_{}",
        new_token(6).to_lowercase().replace(['-', '_'], "x")
    );
    let db = Database::connect(admin).await?;
    db.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await?;
    db.close().await?;
    Ok(name)
}

async fn drop_database(admin: &str, name: &str) -> anyhow::Result<()> {
    let db = Database::connect(admin).await?;
    db.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await?;
    db.close().await?;
    Ok(())
}
