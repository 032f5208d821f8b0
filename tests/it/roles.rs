//! The roles apart: `herald serve --no-dispatch` stores events and sends
//! nothing, `herald worker` delivers them without serving HTTP; on
//! PostgreSQL a notice wakes idle workers.
use crate::instance::{admin_client, call, set_up, statuses, Herald, EVENT};
use crate::receiver::Receiver;
use crate::support::TestDatabase;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn web_and_worker_run_apart() {
    let db = TestDatabase::create().await;
    let receiver = Receiver::start().await;
    let p = "cluster/split";

    let mut web = Herald::spawn(&db, &["serve", "--no-dispatch"], &[]);
    web.wait_healthy().await;
    let client = admin_client(&db, &web.base).await;
    let token = set_up(&client, &web.base, p, &[receiver.url()]).await;
    let post_event = |n: i64| {
        client
            .post(format!("{}/api/v1/events", web.base))
            .bearer_auth(&token)
            .json(&json!({"type": EVENT, "data": {"valohai.execution-counter": n}}))
            .send()
    };
    assert_eq!(post_event(1).await.unwrap().status().as_u16(), 202);

    // The web instance stores the event but sends nothing.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.received().len(), 0, "serve --no-dispatch sent it");
    let pending = call(
        &client,
        &web.base,
        "list_deliveries",
        &[("project", p), ("filter[status]", "pending")],
    )
    .await;
    assert_eq!(pending["total"], 1);
    assert_eq!(
        statuses(&db.url).await,
        HashMap::from([("pending".to_string(), 1)])
    );

    // A worker delivers it, and what arrives later, without serving HTTP.
    let mut worker = Herald::spawn(&db, &["worker"], &[]);
    receiver.wait_for(1, Duration::from_secs(60)).await;
    assert_eq!(post_event(2).await.unwrap().status().as_u16(), 202);
    let got = receiver.wait_for(2, Duration::from_secs(60)).await;
    let counters: HashSet<i64> = got
        .iter()
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["data"]["valohai.execution-counter"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(counters, HashSet::from([1, 2]));
    assert!(
        reqwest::get(format!("{}/healthz", worker.base))
            .await
            .is_err(),
        "herald worker serves no HTTP"
    );

    // Both recorded as delivered.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let now = statuses(&db.url).await;
        if now == HashMap::from([("succeeded".to_string(), 2)]) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{now:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // SIGTERM stops the worker cleanly.
    let status = worker.terminate().await;
    assert!(status.success(), "worker exit: {status}");
    drop(web);
}

#[tokio::test]
async fn postgres_notify_wakes_idle_workers() {
    use herald::server::dispatch::{outbox, worker};
    let db = TestDatabase::create().await;
    if !db.is_postgres() {
        eprintln!(
            "postgres_notify_wakes_idle_workers: PostgreSQL only; runs in the PostgreSQL half"
        );
        return;
    }
    let conn = herald::server::db::connect(&db.url).await.unwrap();
    let wake = Arc::new(tokio::sync::Notify::new());
    let listener =
        worker::spawn_listener(conn.get_postgres_connection_pool().clone(), wake.clone());
    // The listener wakes once when it has connected…
    tokio::time::timeout(Duration::from_secs(30), wake.notified())
        .await
        .expect("listener connected");
    // …and is then listening on the channel…
    let sql = format!(
        "SELECT COUNT(*) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND query ILIKE 'LISTEN%{}%'",
        outbox::WAKE_CHANNEL
    );
    use sea_orm::{ConnectionTrait, Statement};
    let row = conn
        .query_one(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 1);
    // …so work committed elsewhere wakes it.
    outbox::announce_work(&conn).await.unwrap();
    tokio::time::timeout(Duration::from_secs(30), wake.notified())
        .await
        .expect("NOTIFY woke the dispatcher");
    listener.abort();
}
