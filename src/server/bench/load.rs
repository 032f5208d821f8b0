//! The two loads the bench offers: events posted to Herald's API, and the
//! ceiling run's plain POSTs straight to the receivers.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Events the API accepted: their ids with the moment the 202 arrived.
pub struct Posted {
    pub started: Instant,
    pub accepted: Vec<(String, Instant)>,
    pub refused: usize,
    pub elapsed: Duration,
}

/// A realistic event: what a training platform reports when a run ends.
fn event_body(i: usize) -> String {
    serde_json::json!({
        "type": "execution_completed",
        "data": {
            "execution_id": format!("exec-{i:08}"),
            "counter": i,
            "step": "train-model",
            "status": "complete",
            "duration": 600 + (i % 900),
            "commit": "f3b2c1d9e8a7",
            "environment": "aws-eu-west-1-g4dn-xlarge",
            "url": format!("https://app.example.com/p/demo/bench/execution/{i}"),
        }
    })
    .to_string()
}

async fn post_one(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    i: usize,
) -> Option<(String, Instant)> {
    let response = client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(event_body(i))
        .send()
        .await
        .ok()?;
    let at = Instant::now();
    if response.status() != reqwest::StatusCode::ACCEPTED {
        tracing::warn!(status = %response.status(), "bench event refused");
        return None;
    }
    let body: serde_json::Value = response.json().await.ok()?;
    Some((body["id"].as_str()?.to_string(), at))
}

/// Posts `events` events: as fast as `clients` connections allow, or, with
/// `rate`, at that many per second on a fixed schedule (open loop: a slow
/// answer does not delay the next event, so the load stays what was asked).
pub async fn post_events(
    base: &str,
    token: &str,
    events: usize,
    clients: usize,
    rate: Option<f64>,
) -> anyhow::Result<Posted> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    let url: Arc<str> = format!("{base}/api/v1/events").into();
    let token: Arc<str> = token.into();
    let accepted = Arc::new(Mutex::new(Vec::with_capacity(events)));
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    match rate {
        None => {
            let next = Arc::new(AtomicUsize::new(0));
            for _ in 0..clients {
                let (client, url, token) = (client.clone(), url.clone(), token.clone());
                let (next, accepted) = (next.clone(), accepted.clone());
                tasks.spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= events {
                            return;
                        }
                        if let Some(ok) = post_one(&client, &url, &token, i).await {
                            accepted.lock().unwrap_or_else(|p| p.into_inner()).push(ok);
                        }
                    }
                });
            }
        }
        Some(rate) => {
            let interval = Duration::from_secs_f64(1.0 / rate);
            for i in 0..events {
                tokio::time::sleep_until((start + interval.mul_f64(i as f64)).into()).await;
                let (client, url, token) = (client.clone(), url.clone(), token.clone());
                let accepted = accepted.clone();
                tasks.spawn(async move {
                    if let Some(ok) = post_one(&client, &url, &token, i).await {
                        accepted.lock().unwrap_or_else(|p| p.into_inner()).push(ok);
                    }
                });
            }
        }
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = start.elapsed();
    let accepted = std::mem::take(&mut *accepted.lock().unwrap_or_else(|p| p.into_inner()));
    Ok(Posted {
        started: start,
        refused: events - accepted.len(),
        accepted,
        elapsed,
    })
}

/// The ceiling: `total` POSTs of `body_len` bytes spread over the receivers
/// by `concurrency` workers sharing one reqwest client, no database, no
/// signing. Returns how long they took.
pub async fn ceiling(
    receivers: &[SocketAddr],
    total: usize,
    concurrency: usize,
    body_len: usize,
) -> anyhow::Result<Duration> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let urls: Arc<Vec<String>> = Arc::new(
        receivers
            .iter()
            .map(|a| format!("http://{a}/hook"))
            .collect(),
    );
    let body = bytes_of(body_len);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, urls, next, body) = (client.clone(), urls.clone(), next.clone(), body.clone());
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return Ok::<_, reqwest::Error>(());
                }
                client
                    .post(&urls[i % urls.len()])
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await?
                    .error_for_status()?;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(start.elapsed())
}

fn bytes_of(len: usize) -> axum::body::Bytes {
    let mut text = String::with_capacity(len.max(2));
    text.push('"');
    while text.len() + 1 < len.max(2) {
        text.push('x');
    }
    text.push('"');
    axum::body::Bytes::from(text)
}
