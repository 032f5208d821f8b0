//! The dispatcher: claims due deliveries, sends them with bounded
//! concurrency (overall and per channel), records every attempt, schedules
//! retries and disables channels that keep failing.
use super::outbox::{self, Claimed, FAILED, PENDING, SUCCEEDED};
use super::retry::parse_retry_after;
use super::sender::{Outcome, Sender};
use crate::server::config::DeliveryConfig;
use crate::server::db::entities::{attempt, channel, delivery};
use crate::server::db::is_postgres;
use crate::server::ids::{new_id, now_ms};
use sea_orm::sea_query::Expr;
use sea_orm::sqlx::postgres::{PgListener, PgPool};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};

/// Longest sleep between looks at the table; other processes' work and
/// retries that fall due are found at least this often.
const IDLE_POLL: Duration = Duration::from_millis(1000);
/// Largest Retry-After Herald honours.
const RETRY_AFTER_MAX: Duration = Duration::from_secs(24 * 3600);
const CLAIM_BATCH: usize = 256;
/// How long to wait for a slot when due work is held up only by busy
/// channels (a finishing delivery wakes the dispatcher sooner).
const BUSY_WAIT: Duration = Duration::from_millis(50);

pub struct Dispatcher {
    db: DatabaseConnection,
    sender: Sender,
    config: DeliveryConfig,
    wake: Arc<Notify>,
    slots: Arc<Semaphore>,
    /// Requests in flight per channel.
    busy: Mutex<HashMap<String, usize>>,
    lease_ms: i64,
    /// Set by `shutdown`: claim nothing more.
    stopping: AtomicBool,
}

impl Dispatcher {
    pub fn new(
        db: DatabaseConnection,
        config: DeliveryConfig,
        wake: Arc<Notify>,
        secrets: Arc<crate::server::secrets::SecretBox>,
    ) -> anyhow::Result<Arc<Self>> {
        let sender = Sender::new(config.timeout, config.allowed_networks.clone(), secrets)?;
        // A lease outlives the longest attempt, so only a dead worker loses one.
        let lease_ms = (config.timeout + Duration::from_secs(5)).as_millis() as i64;
        Ok(Arc::new(Dispatcher {
            slots: Arc::new(Semaphore::new(config.max_in_flight)),
            db,
            sender,
            config,
            wake,
            busy: Mutex::new(HashMap::new()),
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
    }

    async fn run(self: Arc<Self>) {
        while !self.stopping.load(Ordering::SeqCst) {
            // A fresh id per claim: reading back "ours" must never return
            // deliveries an earlier claim already started.
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

    /// Waits for new work, a free slot, or the next due retry.
    async fn idle(&self) {
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

    /// Claims and starts what it can; true when it started something.
    async fn tick(self: &Arc<Self>, lease_id: &str) -> Result<bool, DbErr> {
        let free = self.slots.available_permits();
        if free == 0 {
            return Ok(false);
        }
        let skip: Vec<String> = {
            let busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
            busy.iter()
                .filter(|(_, n)| **n >= self.config.max_in_flight_per_channel)
                .map(|(id, _)| id.clone())
                .collect()
        };
        let claimed = outbox::claim(
            &self.db,
            lease_id,
            self.lease_ms,
            free.min(CLAIM_BATCH) as u64,
            &skip,
        )
        .await?;
        if claimed.is_empty() {
            return Ok(false);
        }
        let mut started = false;
        let mut handed_back = Vec::new();
        for job in claimed {
            let admitted = {
                let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
                let n = busy.entry(job.channel.id.clone()).or_insert(0);
                if *n < self.config.max_in_flight_per_channel {
                    *n += 1;
                    true
                } else {
                    false
                }
            };
            let permit = if admitted {
                self.slots.clone().try_acquire_owned().ok()
            } else {
                None
            };
            let Some(permit) = permit else {
                if admitted {
                    self.release_channel(&job.channel.id);
                }
                // Over a limit: hand the delivery back for a later claim.
                handed_back.push(job.delivery.id);
                continue;
            };
            started = true;
            let this = self.clone();
            let lease = lease_id.to_string();
            tokio::spawn(async move {
                let channel_id = job.channel.id.clone();
                this.deliver(job, &lease).await;
                this.release_channel(&channel_id);
                drop(permit);
                this.wake.notify_one();
            });
        }
        if !handed_back.is_empty() {
            release_leases(&self.db, handed_back, lease_id).await?;
        }
        Ok(started)
    }

    fn release_channel(&self, channel_id: &str) {
        let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = busy.get_mut(channel_id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                busy.remove(channel_id);
            }
        }
    }

    async fn deliver(&self, job: Claimed, lease_id: &str) {
        let outcome = self.sender.send(&job.delivery, &job.channel).await;
        if let Err(e) = record(&self.db, &self.config, &job, lease_id, &outcome).await {
            // The lease runs out and another claim retries the delivery.
            tracing::error!(delivery = %job.delivery.id, error = %e, "could not record attempt");
        }
    }
}

/// Hands deliveries claimed under `lease_id` back, unsent.
async fn release_leases(
    db: &DatabaseConnection,
    delivery_ids: Vec<String>,
    lease_id: &str,
) -> Result<(), DbErr> {
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
            if let Err(e) = listen(&pool, &wake).await {
                tracing::warn!(error = %e, "PostgreSQL wake-up channel failed; reconnecting");
            }
            if pool.is_closed() {
                return;
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
enum Next {
    Done,
    RetryAt(i64),
    GiveUp,
}

fn decide(config: &DeliveryConfig, round_attempts_after: i32, outcome: &Outcome, now: i64) -> Next {
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

fn describe_error(outcome: &Outcome) -> Option<String> {
    match (outcome.status, &outcome.error_message) {
        (_, Some(message)) => Some(message.clone()),
        (Some(status), None) if !outcome.succeeded() => Some(format!("HTTP {status}")),
        _ => None,
    }
}

/// Records the attempt and moves the delivery on, in one transaction, only
/// while `lease_id` still holds it: a worker whose lease expired cannot
/// overwrite the new owner's work.
pub async fn record(
    db: &DatabaseConnection,
    config: &DeliveryConfig,
    job: &Claimed,
    lease_id: &str,
    outcome: &Outcome,
) -> Result<(), DbErr> {
    let now = now_ms();
    let d = &job.delivery;
    let round_after = d.round_attempts + 1;
    let next = decide(config, round_after, outcome, now);
    let (status, next_at, completed) = match next {
        Next::Done => (SUCCEEDED, d.next_attempt_at, Some(now)),
        Next::GiveUp => (FAILED, d.next_attempt_at, Some(now)),
        Next::RetryAt(at) => (PENDING, at, None),
    };
    let error = describe_error(outcome);
    let txn = db.begin().await?;
    let moved = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(status))
        .col_expr(
            delivery::Column::Attempts,
            Expr::col(delivery::Column::Attempts).add(1),
        )
        .col_expr(delivery::Column::RoundAttempts, Expr::value(round_after))
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(next_at))
        .col_expr(
            delivery::Column::LeaseId,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            delivery::Column::LeaseUntil,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(
            delivery::Column::LastStatusCode,
            Expr::value(outcome.status.map(i32::from)),
        )
        .col_expr(delivery::Column::LastError, Expr::value(error.clone()))
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .col_expr(delivery::Column::CompletedAt, Expr::value(completed))
        .filter(delivery::Column::Id.eq(d.id.as_str()))
        .filter(delivery::Column::LeaseId.eq(lease_id))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        txn.rollback().await?;
        tracing::warn!(delivery = %d.id, "lease lost before the attempt was recorded");
        return Ok(());
    }
    let to_json = |pairs: &Vec<(String, String)>| serde_json::to_string(pairs).unwrap_or_default();
    attempt::Entity::insert(attempt::ActiveModel {
        id: Set(new_id()),
        delivery_id: Set(d.id.clone()),
        attempt_no: Set(d.attempts + 1),
        started_at: Set(outcome.started_at),
        duration_ms: Set(outcome.duration_ms),
        request_headers: Set(to_json(&outcome.request_headers)),
        response_status: Set(outcome.status.map(i32::from)),
        response_headers: Set(outcome.status.map(|_| to_json(&outcome.response_headers))),
        response_body: Set(outcome.response_body.clone()),
        error_kind: Set(outcome.error_kind.map(str::to_string)),
        error_message: Set(outcome.error_message.clone()),
    })
    .exec(&txn)
    .await?;
    update_channel_health(&txn, config, &job.channel.id, outcome, now).await?;
    txn.commit().await?;
    Ok(())
}

async fn update_channel_health<C: sea_orm::ConnectionTrait>(
    db: &C,
    config: &DeliveryConfig,
    channel_id: &str,
    outcome: &Outcome,
    now: i64,
) -> Result<(), DbErr> {
    if outcome.succeeded() {
        channel::Entity::update_many()
            .col_expr(
                channel::Column::FailingSince,
                Expr::value(Option::<i64>::None),
            )
            .col_expr(channel::Column::ConsecutiveFailures, Expr::value(0))
            .filter(channel::Column::Id.eq(channel_id))
            .filter(channel::Column::ConsecutiveFailures.gt(0))
            .exec(db)
            .await?;
        return Ok(());
    }
    let Some(current) = channel::Entity::find_by_id(channel_id).one(db).await? else {
        return Ok(());
    };
    let failing_since = current.failing_since.unwrap_or(now);
    let failures = current.consecutive_failures + 1;
    let long_enough = now - failing_since >= config.disable_after.as_millis() as i64;
    let reason = if outcome.status == Some(410) {
        Some("The receiver answered 410 Gone: it no longer accepts messages.".to_string())
    } else if long_enough && failures as u32 >= config.disable_min_failures {
        Some(format!(
            "Every delivery failed for {} ({failures} failures in a row); last error: {}.",
            human_duration(now - failing_since),
            describe_error(outcome).unwrap_or_else(|| "unknown".into())
        ))
    } else {
        None
    };
    let mut update = channel::Entity::update_many()
        .col_expr(
            channel::Column::FailingSince,
            Expr::value(Some(failing_since)),
        )
        .col_expr(channel::Column::ConsecutiveFailures, Expr::value(failures))
        .filter(channel::Column::Id.eq(channel_id));
    if let Some(reason) = reason {
        tracing::warn!(channel = %channel_id, %reason, "channel disabled automatically");
        update = update
            .col_expr(channel::Column::Enabled, Expr::value(false))
            .col_expr(channel::Column::DisabledReason, Expr::value(Some(reason)))
            .col_expr(channel::Column::UpdatedAt, Expr::value(now));
    }
    update.exec(db).await?;
    Ok(())
}

fn human_duration(ms: i64) -> String {
    let secs = ms / 1000;
    let (n, unit) = match secs {
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3600 => (s / 3600, "hour"),
        s if s >= 60 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
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

    #[test]
    fn durations_read_as_words() {
        assert_eq!(human_duration(5 * 86_400_000), "5 days");
        assert_eq!(human_duration(90_000), "1 minute");
        assert_eq!(human_duration(3_000), "3 seconds");
    }
}
