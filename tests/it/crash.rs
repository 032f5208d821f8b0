//! Kill -9 the real `herald` binary with deliveries queued and in flight;
//! after a restart every accepted event is delivered.
use crate::instance::{admin_client, call, Herald};
use crate::receiver::{Receiver, Reply};
use crate::support::TestDatabase;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

const P: &str = "crash/test";
const EVENTS: usize = 150;

/// Fast retries and a short timeout, so the restarted server finishes soon.
const ENV: &[(&str, &str)] = &[
    ("HERALD_RETRY_SCHEDULE", "0,200ms,200ms,200ms,200ms,200ms"),
    ("HERALD_DELIVERY_TIMEOUT", "2s"),
    ("HERALD_MAX_IN_FLIGHT_PER_CHANNEL", "4"),
];

#[tokio::test]
async fn sigkill_with_deliveries_in_flight_loses_nothing() {
    let db = TestDatabase::create().await;
    let receiver = Receiver::start().await;
    // Slow answers keep deliveries in flight and queued when the kill lands.
    receiver.set_default(Reply::status(200).delay(Duration::from_millis(40)));

    let mut herald = Herald::spawn(&db, &["serve"], ENV);
    herald.wait_healthy().await;
    let client = admin_client(&db, &herald.base).await;
    call(&client, &herald.base, "create_project", &[("name", P)]).await;
    let token = call(
        &client,
        &herald.base,
        "create_token",
        &[("project", P), ("name", "t")],
    )
    .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let channel = call(
        &client,
        &herald.base,
        "create_channel",
        &[
            ("project", P),
            ("channel[name]", "r"),
            ("channel[url]", &receiver.url()),
            ("channel[enabled]", "on"),
        ],
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    call(
        &client,
        &herald.base,
        "create_routing",
        &[
            ("project", P),
            ("event_type", "execution_failed"),
            ("channel_id", &channel),
        ],
    )
    .await;

    let mut accepted = HashSet::new();
    for i in 0..EVENTS {
        let res = client
            .post(format!("{}/api/v1/events", herald.base))
            .bearer_auth(&token)
            .json(&json!({"type": "execution_failed", "data": {"valohai.execution-counter": i}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 202);
        let body: Value = res.json().await.unwrap();
        accepted.insert(body["id"].as_str().unwrap().to_string());
    }
    receiver.wait_for(10, Duration::from_secs(20)).await;
    herald.child.kill().expect("SIGKILL");
    herald.child.wait().unwrap();
    drop(herald);
    let before_restart = receiver.received().len();
    assert!(
        before_restart < EVENTS,
        "the kill should land mid-way; all {EVENTS} already arrived"
    );

    let mut herald = Herald::spawn(&db, &["serve"], ENV);
    herald.wait_healthy().await;
    // A new port means a new cookie jar entry: sign in again.
    let client = admin_client(&db, &herald.base).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let delivered = loop {
        let mut ids: HashMap<String, usize> = HashMap::new();
        for r in receiver.received() {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            let counter = body["data"]["valohai.execution-counter"].as_i64().unwrap();
            *ids.entry(counter.to_string()).or_default() += 1;
        }
        if ids.len() == EVENTS || tokio::time::Instant::now() > deadline {
            break ids;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let duplicates: usize = delivered.values().map(|n| n - 1).sum();
    eprintln!(
        "crash test: {EVENTS} events, {before_restart} received before SIGKILL, {} after restart, {duplicates} duplicates",
        receiver.received().len() - before_restart
    );
    assert_eq!(
        delivered.len(),
        EVENTS,
        "every accepted event arrives at least once"
    );
    assert_eq!(accepted.len(), EVENTS);

    // The store agrees: every delivery is recorded as succeeded (the last
    // answers may still be on their way into the database).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let page = call(
            &client,
            &herald.base,
            "list_deliveries",
            &[("project", P), ("filter[status]", "succeeded")],
        )
        .await;
        if page["total"] == EVENTS as u64 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not all recorded as succeeded: {}",
            page["total"]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
