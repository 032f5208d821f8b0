//! The bench's webhook receivers: plain HTTP servers on loopback that answer
//! 204 at once and note when each message arrived.
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::Notify;

/// What every receiver saw, shared by all of them.
pub struct Receipts {
    received: AtomicU64,
    bytes: AtomicU64,
    /// Arrival per `webhook-id` of one message in `sample`: a backlog run of
    /// a million messages logs few, so the log cannot skew its memory.
    log: Mutex<Vec<(Box<str>, Instant)>>,
    sample: u64,
    /// Woken when `received` reaches `expected`.
    all_in: Notify,
    expected: AtomicU64,
}

impl Receipts {
    pub fn new(sample: u64) -> Arc<Self> {
        Arc::new(Receipts {
            received: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
            sample: sample.max(1),
            all_in: Notify::new(),
            expected: AtomicU64::new(u64::MAX),
        })
    }

    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Mean body size of what arrived, for the ceiling run to send alike.
    pub fn mean_body_len(&self) -> usize {
        let n = self.received().max(1);
        (self.bytes.load(Ordering::Relaxed) / n) as usize
    }

    /// Waits until `n` messages in all have arrived.
    pub async fn wait_for(&self, n: u64) {
        self.expected.store(n, Ordering::SeqCst);
        loop {
            let notified = self.all_in.notified();
            if self.received() >= n {
                return;
            }
            notified.await;
        }
    }

    /// Forgets the counts (between the Herald run and the ceiling run).
    pub fn reset(&self) {
        self.received.store(0, Ordering::SeqCst);
        self.bytes.store(0, Ordering::SeqCst);
        self.expected.store(u64::MAX, Ordering::SeqCst);
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// The arrivals logged so far, taken out.
    pub fn take_log(&self) -> Vec<(Box<str>, Instant)> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn note(&self, id: Option<&str>, len: usize) {
        let at = Instant::now();
        self.bytes.fetch_add(len as u64, Ordering::Relaxed);
        let n = self.received.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(id) = id.filter(|_| n.is_multiple_of(self.sample)) {
            self.log
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((id.into(), at));
        }
        if n >= self.expected.load(Ordering::SeqCst) {
            self.all_in.notify_waiters();
        }
    }
}

async fn receive(
    State(receipts): State<Arc<Receipts>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let id = headers.get("webhook-id").and_then(|v| v.to_str().ok());
    receipts.note(id, body.len());
    StatusCode::NO_CONTENT
}

/// Starts `count` receivers on loopback; returns their addresses.
pub async fn start(count: usize, receipts: Arc<Receipts>) -> anyhow::Result<Vec<SocketAddr>> {
    let mut addrs = Vec::with_capacity(count);
    for _ in 0..count {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        addrs.push(listener.local_addr()?);
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(receipts.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "bench receiver stopped");
            }
        });
    }
    Ok(addrs)
}
