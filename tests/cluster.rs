//! Three `herald` instances on one PostgreSQL database share 20,000 events
//! fanned out to three receivers while one instance is SIGKILLed midway:
//! every delivery arrives at least once, duplicates are counted, nothing
//! stays pending. Its own test binary, so that its load does not slow the
//! rest of the suite (cargo runs test binaries one after the other).
//!
//! PostgreSQL only: with `HERALD_TEST_DATABASE` unset or `sqlite` it fails
//! and says why; the PostgreSQL half of `scripts/test.sh` runs it.
#[allow(dead_code)]
#[path = "it/instance.rs"]
mod instance;
#[allow(dead_code)]
#[path = "it/support.rs"]
mod support;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use instance::{set_up, statuses, Herald, EVENT};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::TestDatabase;

/// Receives webhooks and counts them by `webhook-id`, the stable id of a
/// delivery: a second arrival of the same id is a duplicate.
#[derive(Clone, Default)]
struct Tally {
    inner: Arc<Mutex<TallyInner>>,
}

#[derive(Default)]
struct TallyInner {
    by_message: HashMap<String, u32>,
    counters: HashSet<i64>,
    requests: usize,
}

async fn tally(State(t): State<Tally>, headers: HeaderMap, body: axum::body::Bytes) -> StatusCode {
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let counter = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["data"]["valohai.execution-counter"].as_i64());
    let mut inner = t.inner.lock().unwrap();
    inner.requests += 1;
    *inner.by_message.entry(id).or_default() += 1;
    if let Some(c) = counter {
        inner.counters.insert(c);
    }
    StatusCode::NO_CONTENT
}

impl Tally {
    async fn start() -> (Tally, String) {
        let tally_state = Tally::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let app = Router::new()
            .route("/hook", post(tally))
            .with_state(tally_state.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        (tally_state, url)
    }

    /// (requests, distinct messages, distinct events)
    fn counts(&self) -> (usize, usize, usize) {
        let inner = self.inner.lock().unwrap();
        (inner.requests, inner.by_message.len(), inner.counters.len())
    }
}

/// `HERALD_CLUSTER_EVENTS` overrides the number of events (default 20,000).
fn cluster_events() -> usize {
    std::env::var("HERALD_CLUSTER_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}
const CLUSTER_RECEIVERS: usize = 3;
const CLUSTER_INSTANCES: usize = 3;
const POSTERS: usize = 16;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_share_the_work_and_survive_a_sigkill() {
    let events = cluster_events();
    let db = TestDatabase::create().await;
    assert!(
        db.is_postgres(),
        "the three-instance test needs PostgreSQL: set HERALD_TEST_DATABASE=postgres://… \
         (scripts/test.sh does)"
    );
    let mut tallies = Vec::new();
    let mut urls = Vec::new();
    for _ in 0..CLUSTER_RECEIVERS {
        let (t, url) = Tally::start().await;
        tallies.push(t);
        urls.push(url);
    }
    // Three full instances started together: they also migrate together.
    let env = [
        ("HERALD_MAX_IN_FLIGHT_PER_CHANNEL", "16"),
        ("HERALD_DATABASE_MAX_CONNECTIONS", "10"),
    ];
    let mut instances: Vec<Herald> = (0..CLUSTER_INSTANCES)
        .map(|_| Herald::spawn(&db, &["serve"], &env))
        .collect();
    for h in &mut instances {
        h.wait_healthy().await;
    }
    let client = instance::admin_client(&db, &instances[0].base).await;
    let token = set_up(&client, &instances[0].base, "cluster/load", &urls).await;

    // 16 clients post the events round-robin to the live instances, like a
    // load balancer; a request the dead instance never answered is sent
    // again elsewhere with the same idempotency key.
    let started = Instant::now();
    let bases: Arc<Vec<String>> = Arc::new(instances.iter().map(|h| h.base.clone()).collect());
    let killed = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicUsize::new(0));
    let posted = Arc::new(AtomicUsize::new(0));
    let resent = Arc::new(AtomicUsize::new(0));
    let victim = CLUSTER_INSTANCES - 1;
    let mut posters = Vec::new();
    for _ in 0..POSTERS {
        let (client, token, bases) = (client.clone(), token.clone(), bases.clone());
        let (killed, next, posted, resent) =
            (killed.clone(), next.clone(), posted.clone(), resent.clone());
        posters.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= events {
                    return;
                }
                let body = json!({
                    "type": EVENT,
                    "data": {"valohai.execution-counter": i},
                    "idempotency_key": format!("event-{i}"),
                });
                for attempt in 0.. {
                    let live = if killed.load(Ordering::SeqCst) {
                        CLUSTER_INSTANCES - 1
                    } else {
                        CLUSTER_INSTANCES
                    };
                    let base = &bases[(i + attempt) % live];
                    match client
                        .post(format!("{base}/api/v1/events"))
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await
                    {
                        Ok(res) => {
                            let status = res.status().as_u16();
                            assert_eq!(
                                status,
                                202,
                                "event {i} on {base}: {}",
                                res.text().await.unwrap_or_default()
                            );
                            break;
                        }
                        Err(e) => {
                            assert!(attempt < 20, "event {i}: no instance took it: {e}");
                            resent.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                }
                posted.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }

    // Midway, SIGKILL one instance: requests, claims and sends in flight.
    while posted.load(Ordering::SeqCst) < events / 2 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered_before_kill: usize = tallies.iter().map(|t| t.counts().0).sum();
    killed.store(true, Ordering::SeqCst);
    instances[victim].child.kill().expect("SIGKILL");
    instances[victim].child.wait().unwrap();
    let killed_at = started.elapsed();
    for p in posters {
        p.await.expect("poster");
    }
    let posting_took = started.elapsed();

    // Every delivery arrives at least once (bounded wait)…
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let done = tallies.iter().all(|t| t.counts().2 == events);
        if done {
            break;
        }
        if Instant::now() > deadline {
            let counts: Vec<_> = tallies.iter().map(|t| t.counts()).collect();
            panic!("not every delivery arrived: (requests, messages, events) per receiver {counts:?}; in the database {:?}", statuses(&db.url).await);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // …and the database agrees: all succeeded, nothing pending or failed.
    let expected = (events * CLUSTER_RECEIVERS) as i64;
    let deadline = Instant::now() + Duration::from_secs(60);
    let by_status = loop {
        let by_status = statuses(&db.url).await;
        if by_status.get("succeeded") == Some(&expected) || Instant::now() > deadline {
            break by_status;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let elapsed = started.elapsed();
    assert_eq!(
        by_status,
        HashMap::from([("succeeded".to_string(), expected)]),
        "every delivery succeeded; none pending or failed"
    );

    let mut requests = 0;
    let mut messages = 0;
    for t in &tallies {
        let (r, m, e) = t.counts();
        assert_eq!(e, events);
        assert_eq!(m, events, "one message per event and receiver");
        requests += r;
        messages += m;
    }
    let duplicates = requests - messages;
    eprintln!(
        "cluster test: events={events} deliveries={messages} duplicates={duplicates} elapsed_s={:.1} \
         (instances={CLUSTER_INSTANCES}, receivers={CLUSTER_RECEIVERS}, instance {victim} SIGKILLed at {:.1}s \
         with {delivered_before_kill} requests received, posting took {:.1}s, {} posts re-sent)",
        elapsed.as_secs_f64(),
        killed_at.as_secs_f64(),
        posting_took.as_secs_f64(),
        resent.load(Ordering::SeqCst),
    );
    drop(instances);
}
