//! A real Herald on a loopback port with its own database, and a client
//! that calls server functions the way a browser's form does.
//!
//! `HERALD_TEST_DATABASE` picks the backend: `sqlite` (the default) gives
//! every server a fresh SQLite file; a PostgreSQL admin URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres` gives every server a fresh
//! database `herald_test_<created>_<random>` on that server, dropped again
//! when the test ends.
use herald::server::config::DeliveryConfig;
use herald::server::dispatch::retry::RetrySchedule;
use herald::server::dispatch::ssrf::AllowList;
use herald::server::{web, Config};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;
use tempfile::TempDir;

pub struct TestServer {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub db_url: String,
    /// The server's own connection, for setting up what no page does.
    pub db: sea_orm::DatabaseConnection,
    _db: TestDatabase,
}

/// The database the suite runs against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    /// A PostgreSQL URL whose user may create and drop databases.
    Postgres(String),
}

/// `HERALD_TEST_DATABASE`: `sqlite` (default) or a PostgreSQL admin URL.
pub fn backend() -> Backend {
    match std::env::var("HERALD_TEST_DATABASE") {
        Err(_) => Backend::Sqlite,
        Ok(v) if v.trim().is_empty() || v.trim() == "sqlite" => Backend::Sqlite,
        Ok(v) if v.starts_with("postgres://") || v.starts_with("postgresql://") => {
            Backend::Postgres(v.trim().to_string())
        }
        Ok(v) => panic!(
            "HERALD_TEST_DATABASE=`{v}`: use `sqlite` or a PostgreSQL URL like \
             postgres://postgres@127.0.0.1:5432/postgres"
        ),
    }
}

/// Databases older than this with the test prefix are leftovers of a run
/// that was killed before it could clean up.
const STALE_AFTER_SECS: u64 = 24 * 3600;
const PG_PREFIX: &str = "herald_test_";

/// A fresh, empty database (and a data directory) for one test; a
/// PostgreSQL one is dropped on drop.
pub struct TestDatabase {
    pub url: String,
    pub dir: TempDir,
    /// (admin URL, database name) on PostgreSQL.
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend() {
            Backend::Sqlite => TestDatabase {
                url: format!("sqlite://{}", dir.path().join("herald.db").display()),
                dir,
                postgres: None,
            },
            Backend::Postgres(admin) => {
                let created = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs();
                let name = format!("{PG_PREFIX}{created}_{:08x}", rand::random::<u32>());
                let mut conn = admin_connection(&admin).await;
                drop_stale_databases(&mut conn, created).await;
                pg_execute(&mut conn, &format!("CREATE DATABASE \"{name}\""))
                    .await
                    .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
                let mut url = url::Url::parse(&admin).expect("HERALD_TEST_DATABASE is a URL");
                url.set_path(&format!("/{name}"));
                TestDatabase {
                    url: url.to_string(),
                    dir,
                    postgres: Some((admin, name)),
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

impl Drop for TestDatabase {
    /// Drop cannot await: a thread with its own runtime drops the database
    /// (terminating whatever connections the test's servers still hold).
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else {
            return;
        };
        let done = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime
                .block_on(async {
                    use sea_orm::sqlx::{Connection, PgConnection};
                    let mut conn = PgConnection::connect(&admin).await?;
                    pg_execute(
                        &mut conn,
                        &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                    )
                    .await
                })
                .map_err(|e| format!("could not drop test database {name}: {e}"))
        })
        .join();
        // Never panic here: this may run while a failed test unwinds.
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("{e}"),
            Err(_) => eprintln!("dropping a test database panicked"),
        }
    }
}

async fn admin_connection(admin: &str) -> sea_orm::sqlx::PgConnection {
    use sea_orm::sqlx::{Connection, PgConnection};
    PgConnection::connect(admin).await.unwrap_or_else(|e| {
        let shown = url::Url::parse(admin)
            .map(|mut u| {
                if u.password().is_some() {
                    let _ = u.set_password(Some("***"));
                }
                u.to_string()
            })
            .unwrap_or_default();
        panic!(
            "PostgreSQL at {shown} does not answer: {e}\n\
             The PostgreSQL half of the suite needs a server: start it, or set \
             HERALD_TEST_DATABASE to another PostgreSQL admin URL (`sqlite` runs the SQLite half)."
        )
    })
}

async fn pg_execute(
    conn: &mut sea_orm::sqlx::PgConnection,
    sql: &str,
) -> Result<(), sea_orm::sqlx::Error> {
    use sea_orm::sqlx::Executor;
    conn.execute(sql).await.map(|_| ())
}

/// Drops test databases a killed run left behind (the name carries its
/// creation time; a day-old one belongs to no running test).
async fn drop_stale_databases(conn: &mut sea_orm::sqlx::PgConnection, now: u64) {
    let names: Vec<(String,)> =
        sea_orm::sqlx::query_as("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
            .bind(PG_PREFIX)
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    for (name,) in names {
        let created = name
            .strip_prefix(PG_PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|t| t.parse::<u64>().ok());
        if created.is_some_and(|t| t + STALE_AFTER_SECS < now) {
            let _ = pg_execute(
                conn,
                &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
            )
            .await;
        }
    }
}

/// The instance admin every `TestServer` starts with, and the password of
/// every user the tests create.
pub const ADMIN: &str = "admin";
pub const PASSWORD: &str = "correct horse battery staple";

/// Longest any one request of a test may take: a server that stops
/// answering fails the test with a message instead of hanging the suite.
pub const REQUEST_LIMIT: Duration = Duration::from_secs(60);

/// A client with its own cookie jar that follows no redirects.
pub fn anonymous_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .timeout(REQUEST_LIMIT)
        .build()
        .unwrap()
}

/// Posts a form to a server function URL as the hydrated app does.
pub async fn call_with(client: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> Reply {
    let res = client
        .post(url)
        .header("Accept", "application/json")
        .form(form)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Reply {
        status,
        body,
        location,
    }
}

/// What a server function answered.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub location: Option<String>,
}

impl Reply {
    pub fn ok<T: DeserializeOwned>(self) -> T {
        assert!(
            (200..300).contains(&self.status),
            "expected success, got {} {}",
            self.status,
            self.body
        );
        serde_json::from_value(self.body).expect("decode success body")
    }

    /// The AppError variant name and its payload.
    pub fn err(&self) -> (&str, &Value) {
        assert!(
            self.status >= 400,
            "expected an error, got {} {}",
            self.status,
            self.body
        );
        let obj = self.body.as_object().expect("error body is an object");
        let (k, v) = obj.iter().next().expect("error variant");
        (k.as_str(), v)
    }

    /// The field error messages of an `Invalid` answer, keyed by field.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        let (variant, payload) = self.err();
        assert_eq!(variant, "Invalid", "expected Invalid, got {}", self.body);
        assert_eq!(self.status, 422);
        payload
            .as_array()
            .expect("list of field errors")
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap().to_string(),
                    e["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    pub fn field(&self, name: &str) -> String {
        self.field_errors()
            .into_iter()
            .find(|(f, _)| f == name)
            .map(|(_, m)| m)
            .unwrap_or_else(|| panic!("no error for field {name} in {}", self.body))
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    /// A server whose dispatcher retries fast and may deliver to loopback;
    /// `adjust` changes the configuration first.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
        let mut server = Self::launch(adjust).await;
        server.add_user(ADMIN, true).await;
        server.client = server.client_for(ADMIN).await;
        server
    }

    /// A server with no user at all, as on first start.
    pub async fn start_empty() -> TestServer {
        Self::launch(|_| {}).await
    }

    /// A server with no user whose static files come from `site_root`.
    pub async fn start_serving(site_root: &std::path::Path) -> TestServer {
        let root = site_root.display().to_string();
        Self::launch_with(
            |_| {},
            move |state| state.leptos_options.site_root = root.into(),
        )
        .await
    }

    async fn launch(adjust: impl FnOnce(&mut Config)) -> TestServer {
        Self::launch_with(adjust, |_| {}).await
    }

    async fn launch_with(
        adjust: impl FnOnce(&mut Config),
        adjust_state: impl FnOnce(&mut herald::server::AppState),
    ) -> TestServer {
        // Server errors show in a failing test's output (RUST_LOG to see more).
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "warn,sqlx=error".into()),
            )
            .try_init();
        // What cargo-leptos would set; the tests serve no assets.
        std::env::set_var("LEPTOS_OUTPUT_NAME", "herald");
        let db = TestDatabase::create().await;
        let db_url = db.url.clone();
        let mut config = Config {
            database_url: db_url.clone(),
            data_dir: db.dir.path().to_path_buf(),
            public_url: "http://herald.test".into(),
            delivery: DeliveryConfig {
                timeout: Duration::from_millis(1500),
                retry: RetrySchedule::parse("0,300ms,300ms,300ms").unwrap(),
                allowed_networks: AllowList::parse("127.0.0.0/8").unwrap(),
                ..DeliveryConfig::default()
            },
            auth: Default::default(),
        };
        adjust(&mut config);
        let mut state = web::build_state(config).await.expect("state");
        adjust_state(&mut state);
        web::start_dispatcher(&state).await.expect("dispatcher");
        let db_handle = state.db.clone();
        let app = web::router(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, web::with_client_address(app))
                .await
                .unwrap();
        });
        // Most tests act as the instance admin (`start_with` signs this
        // client in); `anonymous_client` and `client_for` give other callers.
        TestServer {
            addr,
            client: anonymous_client(),
            db_url,
            db: db_handle,
            _db: db,
        }
    }

    /// Creates an account straight in the database (password `PASSWORD`).
    pub async fn add_user(&self, username: &str, instance_admin: bool) {
        let hash = herald::server::auth::password::hash(PASSWORD.to_string())
            .await
            .unwrap();
        herald::server::store::users::create(&self.db, username, hash, instance_admin)
            .await
            .unwrap();
    }

    /// A new client signed in as `username` (password `PASSWORD`).
    pub async fn client_for(&self, username: &str) -> reqwest::Client {
        let client = anonymous_client();
        let reply = call_with(
            &client,
            &self.url("/api/sign_in"),
            &[("username", username), ("password", PASSWORD)],
        )
        .await;
        assert_eq!(reply.status, 200, "sign in as {username}: {}", reply.body);
        client
    }

    /// Posts a form to `/api/<name>` as `client`.
    pub async fn call_as(
        &self,
        client: &reqwest::Client,
        name: &str,
        form: &[(&str, &str)],
    ) -> Reply {
        call_with(client, &self.url(&format!("/api/{name}")), form).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Posts a form to `/api/<name>` as the hydrated app does, signed in
    /// as the instance admin.
    pub async fn call(&self, name: &str, form: &[(&str, &str)]) -> Reply {
        self.call_as(&self.client, name, form).await
    }

    /// Posts a form as a browser without JavaScript: it wants HTML back and
    /// follows the redirect it gets.
    pub async fn post_plain(
        &self,
        name: &str,
        referer: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/{name}")))
            .header("Accept", "text/html,application/xhtml+xml")
            .header("Referer", self.url(referer))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    pub async fn page(&self, path: &str) -> (u16, String) {
        let res = self.client.get(self.url(path)).send().await.expect("get");
        (res.status().as_u16(), res.text().await.unwrap())
    }

    pub async fn create_project(&self, name: &str) {
        let reply = self.call("create_project", &[("name", name)]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }

    /// Creates a webhook channel; returns (id, secret).
    pub async fn create_channel(&self, project: &str, name: &str, url: &str) -> (String, String) {
        let reply = self
            .call(
                "create_channel",
                &[
                    ("project", project),
                    ("channel[name]", name),
                    ("channel[url]", url),
                    ("channel[enabled]", "on"),
                ],
            )
            .await;
        let created: Value = reply.ok();
        (
            created["id"].as_str().unwrap().to_string(),
            created["secret"].as_str().unwrap().to_string(),
        )
    }

    pub async fn create_routing(&self, project: &str, event: &str, channel_id: &str) -> Reply {
        self.call(
            "create_routing",
            &[
                ("project", project),
                ("event_type", event),
                ("channel_id", channel_id),
            ],
        )
        .await
    }

    pub async fn channels(&self, project: &str) -> Vec<Value> {
        self.call("list_channels", &[("project", project)])
            .await
            .ok()
    }

    pub async fn routings(&self, project: &str) -> Vec<Value> {
        self.call("list_routings", &[("project", project)])
            .await
            .ok()
    }

    /// Creates an API token through the server function; returns it.
    pub async fn create_token(&self, project: &str) -> String {
        let created: Value = self
            .call("create_token", &[("project", project), ("name", "tests")])
            .await
            .ok();
        created["token"].as_str().unwrap().to_string()
    }

    /// Posts an event to the public API.
    pub async fn post_event(&self, token: &str, body: &Value) -> (u16, Value) {
        let res = self
            .client
            .post(self.url("/api/v1/events"))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// The delivery as the UI sees it, with its attempts.
    pub async fn delivery(&self, project: &str, id: &str) -> Value {
        self.call("get_delivery", &[("project", project), ("id", id)])
            .await
            .ok()
    }

    /// All deliveries of a project (first page), newest first.
    pub async fn deliveries(&self, project: &str) -> Vec<Value> {
        let page: Value = self
            .call("list_deliveries", &[("project", project), ("page", "1")])
            .await
            .ok();
        page["rows"].as_array().unwrap().clone()
    }

    /// Waits until `check` holds for the delivery, or panics after `limit`.
    pub async fn wait_delivery(
        &self,
        project: &str,
        id: &str,
        limit: Duration,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let d = self.delivery(project, id).await;
            if check(&d) {
                return d;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "delivery never reached the expected state: {d:#}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Raw SQL against the server's database, for facts the API hides.
    /// Every value comes back as a string (or null), whatever its type.
    pub async fn query_one(&self, sql: &str) -> Vec<Value> {
        use sea_orm::{ConnectionTrait, Database, Statement};
        let db = Database::connect(&self.db_url).await.unwrap();
        let rows = db
            .query_all(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap();
        let _ = db.close().await;
        rows.into_iter()
            .map(|r| {
                (0..r.column_names().len())
                    .map(|i| column_text(&r, i))
                    .collect()
            })
            .collect()
    }
}

/// One column of a raw row as text: strings as they are, JSON serialized,
/// numbers and booleans in their usual spelling.
fn column_text(row: &sea_orm::QueryResult, i: usize) -> Value {
    let text = |v: Option<String>| v.map(Value::String).unwrap_or(Value::Null);
    if let Ok(v) = row.try_get_by_index::<Option<String>>(i) {
        return text(v);
    }
    if let Ok(v) = row.try_get_by_index::<Option<serde_json::Value>>(i) {
        return text(v.map(|j| j.to_string()));
    }
    if let Ok(v) = row.try_get_by_index::<Option<i64>>(i) {
        return text(v.map(|n| n.to_string()));
    }
    if let Ok(v) = row.try_get_by_index::<Option<i32>>(i) {
        return text(v.map(|n| n.to_string()));
    }
    if let Ok(v) = row.try_get_by_index::<Option<bool>>(i) {
        return text(v.map(|b| b.to_string()));
    }
    if let Ok(v) = row.try_get_by_index::<Option<f64>>(i) {
        return text(v.map(|n| n.to_string()));
    }
    panic!("query_one: column {i} has a type the tests do not read")
}
