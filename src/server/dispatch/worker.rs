//! The dispatcher: claims due deliveries, sends them with bounded
//! concurrency (overall and per channel), records every attempt, schedules
//! retries and disables channels that keep failing.
use super::outbox::{self, Claimed};
use super::recorder::{Record, Recorder};
use super::retry::parse_retry_after;
use super::sender::{Outcome, Sender};
use crate::server::config::DeliveryConfig;
use crate::server::db::entities::delivery;
use crate::server::db::{is_postgres, write_turn};
use crate::server::ids::{new_id, now_ms};
use sea_orm::sea_query::Expr;
use sea_orm::sqlx::postgres::{PgListener, PgPool};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};

/// Longest sleep between looks at the table; other processes' work and
/// retries that fall due are found at least this often.
const IDLE_POLL: Duration = Duration::from_millis(1000);
/// Largest Retry-After Herald honours.
const RETRY_AFTER_MAX: Duration = Duration::from_secs(24 * 3600);
const CLAIM_BATCH: usize = 256;
/// Longest wait for more free slots before a claim (`gather_slots`).
const GATHER: Duration = Duration::from_millis(2);
/// How long to wait for a slot when due work is held up only by busy
/// channels (a finishing delivery wakes the dispatcher sooner).
const BUSY_WAIT: Duration = Duration::from_millis(50);

pub struct Dispatcher {
    db: DatabaseConnection,
    sender: Sender,
    recorder: Recorder,
    config: DeliveryConfig,
    wake: Arc<Notify>,
    slots: Arc<Semaphore>,
    /// Per channel: requests in flight and claimed deliveries waiting for
    /// one of them to finish.
    loads: Mutex<HashMap<String, Load>>,
    /// Deliveries waiting in `loads`, all channels together.
    waiting: AtomicUsize,
    lease_ms: i64,
    /// Set by `shutdown`: claim nothing more.
    stopping: AtomicBool,
}

impl Dispatcher {
    /// `db` is the instance's writer (`db::writer`): claims and attempt
    /// records are written there, in the write turn.
    pub async fn new(
        db: DatabaseConnection,
        config: DeliveryConfig,
        wake: Arc<Notify>,
        secrets: Arc<crate::server::secrets::SecretBox>,
    ) -> anyhow::Result<Arc<Self>> {
        let sender = Sender::new(config.timeout, config.allowed_networks.clone(), secrets)?;
        // A lease outlives the longest wait behind a request of the same
        // channel plus the longest attempt, so only a dead worker loses one.
        let lease_ms = (config.timeout * 2 + Duration::from_secs(5)).as_millis() as i64;
        Ok(Arc::new(Dispatcher {
            recorder: Recorder::spawn(db.clone(), config.clone()),
            slots: Arc::new(Semaphore::new(config.max_in_flight)),
            db,
            sender,
            config,
            wake,
            loads: Mutex::new(HashMap::new()),
            waiting: AtomicUsize::new(0),
            lease_ms,
            stopping: AtomicBool::new(false),
        }))
    }

    /// Runs until `shutdown` on the current runtime. On PostgreSQL it also
    /// listens for other instances' notices of new work.
    pub fn spawn(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        if is_postgres(&self.db) {
            spawn_listener(
                self.db.get_postgres_connection_pool().clone(),
                self.wake.clone(),
            );
        }
        let this = self.clone();
        tokio::spawn(async move { this.run().await })
    }

    /// Stops claiming and waits up to `grace` for the deliveries in flight
    /// to be sent and recorded. What is still out after that keeps its
    /// lease until it expires; then another worker sends it again.
    pub async fn shutdown(&self, grace: Duration) {
        self.stopping.store(true, Ordering::SeqCst);
        self.wake.notify_one();
        let all = self.config.max_in_flight as u32;
        if tokio::time::timeout(grace, self.slots.acquire_many(all))
            .await
            .is_err()
        {
            tracing::warn!("deliveries still in flight at shutdown; their leases will expire");
        }
        self.recorder.flush(grace).await;
    }

    async fn run(self: Arc<Self>) {
        while !self.stopping.load(Ordering::SeqCst) {
            // A fresh id per claim: reading back "ours" must never return
            // deliveries an earlier claim already started.
            self.gather_slots().await;
            let lease_id = new_id();
            match self.tick(&lease_id).await {
                Ok(true) => continue,
                Ok(false) => self.idle().await,
                Err(e) => {
                    tracing::error!(error = %e, "dispatcher could not claim deliveries");
                    tokio::time::sleep(IDLE_POLL).await;
                }
            }
        }
    }

    /// With requests in flight, waits a moment for several slots to free
    /// up: a claim is a write, and claiming one delivery per finished request
    /// would spend the write turn on one row at a time.
    async fn gather_slots(&self) {
        let want = (self.config.max_in_flight / 4).clamp(1, 16);
        let deadline = tokio::time::Instant::now() + GATHER;
        loop {
            let (room, held) = self.room();
            if room >= want || held == 0 || self.stopping.load(Ordering::SeqCst) {
                return;
            }
            if tokio::time::timeout_at(deadline, self.wake.notified())
                .await
                .is_err()
            {
                return;
            }
        }
    }

    /// Waits for new work, a free slot, or the next due retry.
    async fn idle(&self) {
        if self.slots.available_permits() == 0 {
            // Everything is busy: only a finished request changes that.
            let _ = tokio::time::timeout(IDLE_POLL, self.wake.notified()).await;
            return;
        }
        let wait = match outbox::next_due_at(&self.db).await {
            Ok(Some(at)) => {
                Duration::from_millis((at - now_ms()).clamp(0, IDLE_POLL.as_millis() as i64) as u64)
            }
            _ => IDLE_POLL,
        };
        // Due work that was all skipped (its channels are busy) waits for a
        // delivery to finish, briefly.
        let wait = if wait.is_zero() { BUSY_WAIT } else { wait };
        let _ = tokio::time::timeout(wait, self.wake.notified()).await;
    }

    /// How many more deliveries this dispatcher can take (up to
    /// `max_in_flight` sending and as many waiting for their channel), and
    /// how many it holds now.
    fn room(&self) -> (usize, usize) {
        let max = self.config.max_in_flight;
        let held = (max - self.slots.available_permits()) + self.waiting.load(Ordering::SeqCst);
        (2 * max - held.min(2 * max), held)
    }

    /// Claims and starts what it can; true when it took something.
    async fn tick(self: &Arc<Self>, lease_id: &str) -> Result<bool, DbErr> {
        let (room, _) = self.room();
        if room == 0 {
            return Ok(false);
        }
        let per_channel = self.config.max_in_flight_per_channel;
        let skip: Vec<String> = {
            let loads = self.loads.lock().unwrap_or_else(|p| p.into_inner());
            loads
                .iter()
                .filter(|(_, l)| l.busy >= per_channel && l.waiting.len() >= per_channel)
                .map(|(id, _)| id.clone())
                .collect()
        };
        let claimed = outbox::claim(
            &self.db,
            lease_id,
            self.lease_ms,
            room.min(CLAIM_BATCH) as u64,
            &skip,
        )
        .await?;
        tracing::debug!(room, claimed = claimed.len(), "claim");
        if claimed.is_empty() {
            return Ok(false);
        }
        let mut took = false;
        let mut handed_back = Vec::new();
        for job in claimed {
            match self.admit(job, lease_id) {
                Admitted::Start(job, permit) => {
                    took = true;
                    let this = self.clone();
                    let lease = lease_id.to_string();
                    tokio::spawn(async move { this.work_channel(*job, lease, permit).await });
                }
                Admitted::Waiting => took = true,
                // Over every limit: hand the delivery back for a later claim.
                Admitted::HandBack(id) => handed_back.push(id),
            }
        }
        if !handed_back.is_empty() {
            release_leases(&self.db, handed_back, lease_id).await?;
        }
        Ok(took)
    }

    /// Starts a claimed delivery if its channel and the overall limit allow;
    /// else lets it wait behind a request of its own channel (which starts
    /// it when done, without another claim), or gives it back.
    fn admit(&self, job: Claimed, lease_id: &str) -> Admitted {
        let per_channel = self.config.max_in_flight_per_channel;
        let mut loads = self.loads.lock().unwrap_or_else(|p| p.into_inner());
        let load = loads.entry(job.channel.id.clone()).or_default();
        if load.busy < per_channel {
            if let Ok(permit) = self.slots.clone().try_acquire_owned() {
                load.busy += 1;
                return Admitted::Start(Box::new(job), permit);
            }
        }
        let room_to_wait = load.waiting.len() < per_channel
            && self.waiting.load(Ordering::SeqCst) < self.config.max_in_flight;
        if load.busy > 0 && room_to_wait {
            load.waiting.push_back((job, lease_id.to_string()));
            self.waiting.fetch_add(1, Ordering::SeqCst);
            return Admitted::Waiting;
        }
        if load.busy == 0 && load.waiting.is_empty() {
            let id = job.channel.id.clone();
            loads.remove(&id);
        }
        Admitted::HandBack(job.delivery.id)
    }

    /// Sends `job`, then whatever waits for the same channel, in the same
    /// slot; frees the slot when the channel has nothing more waiting.
    async fn work_channel(
        self: Arc<Self>,
        mut job: Claimed,
        mut lease_id: String,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) {
        loop {
            let channel_id = job.channel.id.clone();
            self.deliver(job, lease_id).await;
            match self.next_waiting(&channel_id) {
                Some((next, lease)) => (job, lease_id) = (next, lease),
                None => break,
            }
        }
        drop(permit);
        self.wake.notify_one();
    }

    /// The next delivery waiting for `channel_id`; when none, the channel
    /// has one request fewer in flight.
    fn next_waiting(&self, channel_id: &str) -> Option<(Claimed, String)> {
        let mut loads = self.loads.lock().unwrap_or_else(|p| p.into_inner());
        let load = loads.get_mut(channel_id)?;
        if let Some(next) = load.waiting.pop_front() {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Some(next);
        }
        load.busy = load.busy.saturating_sub(1);
        if load.busy == 0 {
            loads.remove(channel_id);
        }
        None
    }

    /// Sends, then queues the attempt for the recorder; the slot is free
    /// again once it is queued (the lease keeps the delivery ours until
    /// the record is written).
    async fn deliver(&self, job: Claimed, lease_id: String) {
        let outcome = self.sender.send(&job.delivery, &job.channel).await;
        self.recorder
            .submit(Record {
                job,
                lease_id,
                outcome,
            })
            .await;
    }
}

/// A channel's share of the dispatcher.
#[derive(Default)]
struct Load {
    busy: usize,
    waiting: std::collections::VecDeque<(Claimed, String)>,
}

enum Admitted {
    Start(Box<Claimed>, tokio::sync::OwnedSemaphorePermit),
    Waiting,
    HandBack(String),
}

/// Hands deliveries claimed under `lease_id` back, unsent.
async fn release_leases(
    db: &DatabaseConnection,
    delivery_ids: Vec<String>,
    lease_id: &str,
) -> Result<(), DbErr> {
    let _turn = write_turn(db).await;
    delivery::Entity::update_many()
        .col_expr(
            delivery::Column::LeaseId,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            delivery::Column::LeaseUntil,
            Expr::value(Option::<i64>::None),
        )
        .filter(delivery::Column::Id.is_in(delivery_ids))
        .filter(delivery::Column::LeaseId.eq(lease_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Wakes the dispatcher whenever any instance announces new deliveries on
/// PostgreSQL (`outbox::announce_work`). Reconnects after errors; notices
/// sent while disconnected are lost, so every (re)connection wakes it too.
pub fn spawn_listener(pool: PgPool, wake: Arc<Notify>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let result = listen(&pool, &wake).await;
            // A closed pool means the instance is stopping: nothing to report.
            if pool.is_closed() {
                return;
            }
            if let Err(e) = result {
                tracing::warn!(error = %e, "PostgreSQL wake-up channel failed; reconnecting");
            }
            wake.notify_one();
            tokio::time::sleep(IDLE_POLL).await;
        }
    })
}

async fn listen(pool: &PgPool, wake: &Notify) -> Result<(), sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(outbox::WAKE_CHANNEL).await?;
    wake.notify_one();
    loop {
        match listener.try_recv().await? {
            Some(_) => {}
            None => tracing::warn!("PostgreSQL wake-up connection was lost; reconnected"),
        }
        wake.notify_one();
    }
}

/// What happens to a delivery after an attempt.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Next {
    Done,
    RetryAt(i64),
    GiveUp,
}

pub(super) fn decide(
    config: &DeliveryConfig,
    round_attempts_after: i32,
    outcome: &Outcome,
    now: i64,
) -> Next {
    if outcome.succeeded() {
        return Next::Done;
    }
    // 410 Gone: the receiver says this endpoint will never take messages;
    // a permanent refusal (SMTP 5xx) will not change on retry either.
    if outcome.status == Some(410) || outcome.permanent {
        return Next::GiveUp;
    }
    let Some(delay) = config.retry.delay_before(round_attempts_after as u32 + 1) else {
        return Next::GiveUp;
    };
    let delay = outcome
        .retry_after
        .as_deref()
        .and_then(|v| parse_retry_after(v, chrono::Utc::now(), RETRY_AFTER_MAX))
        .unwrap_or(delay);
    Next::RetryAt(now + delay.as_millis() as i64)
}

pub(super) fn describe_error(outcome: &Outcome) -> Option<String> {
    match (outcome.status, &outcome.error_message) {
        (_, Some(message)) => Some(message.clone()),
        (Some(status), None) if !outcome.succeeded() => Some(format!("HTTP {status}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(schedule: &str) -> DeliveryConfig {
        DeliveryConfig {
            retry: super::super::retry::RetrySchedule::parse(schedule).unwrap(),
            ..DeliveryConfig::default()
        }
    }

    fn answered(status: u16) -> Outcome {
        Outcome {
            status: Some(status),
            ..Outcome::default()
        }
    }

    #[test]
    fn success_finishes() {
        assert_eq!(decide(&config("0,5s"), 1, &answered(204), 0), Next::Done);
    }

    #[test]
    fn failures_follow_the_schedule_then_give_up() {
        let mut c = config("0,5s,1m");
        c.retry.jitter = 0.0;
        assert_eq!(decide(&c, 1, &answered(500), 1000), Next::RetryAt(6000));
        assert_eq!(decide(&c, 2, &answered(500), 1000), Next::RetryAt(61_000));
        assert_eq!(decide(&c, 3, &answered(500), 1000), Next::GiveUp);
    }

    #[test]
    fn gone_gives_up_at_once() {
        assert_eq!(
            decide(&config("0,5s,1m"), 1, &answered(410), 0),
            Next::GiveUp
        );
    }

    #[test]
    fn permanent_refusal_gives_up_at_once() {
        let mut o = answered(550);
        o.permanent = true;
        assert_eq!(decide(&config("0,5s,1m"), 1, &o, 0), Next::GiveUp);
        assert!(matches!(
            decide(&config("0,5s,1m"), 1, &answered(451), 0),
            Next::RetryAt(_)
        ));
    }

    #[test]
    fn retry_after_is_honoured() {
        let mut c = config("0,5s,1m");
        c.retry.jitter = 0.0;
        let mut o = answered(429);
        o.retry_after = Some("120".into());
        assert_eq!(decide(&c, 1, &o, 0), Next::RetryAt(120_000));
    }
}
