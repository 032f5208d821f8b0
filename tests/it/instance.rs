//! `herald` as separate processes on one test database, for the tests
//! that run several of them.
use crate::support::TestDatabase;
use serde_json::Value;
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Every instance must decrypt the channel secrets the others stored.
pub const SECRET_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
pub const EVENT: &str = "execution_failed";

/// A `herald` child process, killed if the test ends first.
pub struct Herald {
    pub child: Child,
    /// `http://127.0.0.1:<port>`; a worker serves nothing there.
    pub base: String,
}

impl Drop for Herald {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Herald {
    pub fn spawn(db: &TestDatabase, args: &[&str], env: &[(&str, &str)]) -> Herald {
        let port = free_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
        command
            .args(args)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", db.dir.path())
            .env("LEPTOS_OUTPUT_NAME", "herald")
            .env("HERALD_DATA_DIR", db.dir.path())
            .env("DATABASE_URL", &db.url)
            .env("HERALD_SECRET_KEY", SECRET_KEY)
            .env("HERALD_ALLOWED_NETWORKS", "127.0.0.0/8")
            .env(
                "HERALD_RETRY_SCHEDULE",
                "0,200ms,500ms,1s,1s,1s,1s,1s,1s,1s",
            )
            .env("HERALD_DELIVERY_TIMEOUT", "5s")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (name, value) in env {
            command.env(name, value);
        }
        Herald {
            child: command.spawn().expect("spawn herald"),
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    pub async fn wait_healthy(&mut self) {
        let client = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(r) = client.get(format!("{}/healthz", self.base)).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("herald exited at start: {status}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("herald did not start");
    }

    /// SIGTERM, then the exit status (bounded wait).
    pub async fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        for _ in 0..600 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("herald did not stop after SIGTERM");
    }
}

/// The instance admin the multi-process tests sign in as.
pub const ADMIN: &str = "ops-admin";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// Runs `herald admin <args>` against `db` with `password` on stdin; returns
/// (exit code, stdout, stderr).
pub fn herald_admin(db: &TestDatabase, args: &[&str], password: &str) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("admin")
        .args(args)
        .env("HERALD_DATA_DIR", db.dir.path())
        .env("DATABASE_URL", &db.url)
        .env("HERALD_SECRET_KEY", SECRET_KEY)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn herald admin");
    // A command refused before it reads the password (a bad argument)
    // closes its input: its exit status and message say why, not the pipe.
    let written = child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes());
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Creates the instance admin with the real `herald admin create-user`
/// (once per database) and returns a client signed in as them on `base`.
pub async fn admin_client(db: &TestDatabase, base: &str) -> reqwest::Client {
    let (code, _, stderr) = herald_admin(
        db,
        &["create-user", ADMIN, "--password-stdin", "--instance-admin"],
        ADMIN_PASSWORD,
    );
    assert!(
        code == 0 || stderr.contains("is taken"),
        "herald admin create-user failed ({code}): {stderr}"
    );
    signed_in_client(base, ADMIN, ADMIN_PASSWORD).await
}

/// A client with a cookie jar, signed in on `base`.
pub async fn signed_in_client(base: &str, username: &str, password: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(16)
        .build()
        .unwrap();
    call(
        &client,
        base,
        "sign_in",
        &[("username", username), ("password", password)],
    )
    .await;
    client
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn call(
    client: &reqwest::Client,
    base: &str,
    name: &str,
    form: &[(&str, &str)],
) -> Value {
    let res = client
        .post(format!("{base}/api/{name}"))
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{name}: {status} {body}");
    body
}

/// Creates project `p` with a token and one webhook channel per URL, each
/// routed for `EVENT`; returns the token.
pub async fn set_up(client: &reqwest::Client, base: &str, p: &str, urls: &[String]) -> String {
    call(client, base, "create_project", &[("name", p)]).await;
    let token = call(
        client,
        base,
        "create_token",
        &[("project", p), ("name", "cluster")],
    )
    .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    for (i, url) in urls.iter().enumerate() {
        let channel = call(
            client,
            base,
            "create_channel",
            &[
                ("project", p),
                ("channel[name]", &format!("receiver {i}")),
                ("channel[url]", url),
                ("channel[enabled]", "on"),
            ],
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_string();
        call(
            client,
            base,
            "create_routing",
            &[
                ("project", p),
                ("event_type", EVENT),
                ("channel_id", &channel),
            ],
        )
        .await;
    }
    token
}

/// Number of deliveries per status, straight from the database.
pub async fn statuses(db_url: &str) -> HashMap<String, i64> {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let db = Database::connect(db_url).await.unwrap();
    let rows = db
        .query_all(Statement::from_string(
            db.get_database_backend(),
            "SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status",
        ))
        .await
        .unwrap();
    let _ = db.close().await;
    rows.into_iter()
        .map(|r| {
            (
                r.try_get::<String>("", "status").unwrap(),
                r.try_get::<i64>("", "n").unwrap(),
            )
        })
        .collect()
}
