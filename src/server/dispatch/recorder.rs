//! The recorder: writes what each attempt did. Attempts finish one by one
//! but are written in groups, one transaction (one disk flush) per group:
//! while a group commits, the next one gathers. A delivery stays leased until
//! its attempt is written, so nobody sends it again meanwhile; after a crash
//! its lease expires and it is sent again (at least once, never lost).
use super::outbox::{Claimed, FAILED, PENDING, SUCCEEDED};
use super::sender::Outcome;
use super::worker::{decide, describe_error, Next};
use crate::server::config::DeliveryConfig;
use crate::server::db::entities::{attempt, channel, delivery};
use crate::server::db::{begin_relaxed, write_turn};
use crate::server::ids::{new_id, now_ms};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryTrait,
};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Attempts waiting to be written at most; a full queue makes senders wait
/// (holding their slot), so a slow disk slows sending instead of growing memory.
const QUEUE: usize = 1024;
/// Attempts written in one transaction at most.
const GROUP: usize = 256;

/// One attempt, as the dispatcher hands it over.
pub struct Record {
    pub job: Claimed,
    pub lease_id: String,
    pub outcome: Outcome,
}

enum Message {
    Record(Box<Record>),
    /// Answered once everything queued before it is written.
    Flush(oneshot::Sender<()>),
}

#[derive(Clone)]
pub struct Recorder {
    queue: mpsc::Sender<Message>,
}

impl Recorder {
    /// Starts the writing task on the current runtime.
    pub fn spawn(db: DatabaseConnection, config: DeliveryConfig) -> Recorder {
        let (queue, inbox) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, config, inbox));
        Recorder { queue }
    }

    /// Queues an attempt to be written; waits while the queue is full.
    pub async fn submit(&self, record: Record) {
        if self
            .queue
            .send(Message::Record(Box::new(record)))
            .await
            .is_err()
        {
            // Only at shutdown; the lease expires and the delivery is retried.
            tracing::warn!("recorder stopped; an attempt was not recorded");
        }
    }

    /// Waits (up to `grace`) until every attempt queued so far is written.
    pub async fn flush(&self, grace: Duration) {
        let (done, written) = oneshot::channel();
        if self.queue.send(Message::Flush(done)).await.is_ok()
            && tokio::time::timeout(grace, written).await.is_ok()
        {
            return;
        }
        tracing::warn!("attempts still unrecorded at shutdown; their leases will expire");
    }
}

async fn run(db: DatabaseConnection, config: DeliveryConfig, mut inbox: mpsc::Receiver<Message>) {
    let mut group: Vec<Record> = Vec::with_capacity(GROUP);
    let mut flushes = Vec::new();
    while let Some(first) = inbox.recv().await {
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Record(r) => group.push(*r),
                Message::Flush(done) => flushes.push(done),
            }
            if group.len() < GROUP {
                next = inbox.try_recv().ok();
            }
        }
        if !group.is_empty() {
            tracing::debug!(attempts = group.len(), "recording");
            write_group(&db, &config, &group).await;
            group.clear();
        }
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
    }
}

/// Writes a group; when its transaction fails, each attempt on its own, so
/// one bad record cannot cost the others theirs.
async fn write_group(db: &DatabaseConnection, config: &DeliveryConfig, group: &[Record]) {
    if let Err(e) = record(db, config, group).await {
        if group.len() == 1 {
            // The lease runs out and another claim retries the delivery.
            tracing::error!(delivery = %group[0].job.delivery.id, error = %e, "could not record attempt");
            return;
        }
        tracing::warn!(error = %e, "recording a group of attempts failed; recording one by one");
        for one in group.chunks(1) {
            if let Err(e) = record(db, config, one).await {
                tracing::error!(delivery = %one[0].job.delivery.id, error = %e, "could not record attempt");
            }
        }
    }
}

/// Records the attempts and moves their deliveries on, in one transaction,
/// each only while its lease still holds it: a worker whose lease expired
/// cannot overwrite the new owner's work.
pub async fn record(
    db: &DatabaseConnection,
    config: &DeliveryConfig,
    group: &[Record],
) -> Result<(), DbErr> {
    let _turn = write_turn(db).await;
    let txn = begin_relaxed(db).await?;
    let now = now_ms();
    let mut moved_ids: HashSet<&str> = HashSet::with_capacity(group.len());
    // Successes move with one statement per claim and status code (a claim
    // shares one lease id); the rest, rarer, one by one.
    let mut successes: HashMap<(&str, u16), Vec<&Record>> = HashMap::new();
    for r in group {
        match (
            decide(config, r.job.delivery.round_attempts + 1, &r.outcome, now),
            r.outcome.status,
        ) {
            (Next::Done, Some(status)) => successes
                .entry((r.lease_id.as_str(), status))
                .or_default()
                .push(r),
            (next, _) => {
                if move_one(&txn, r, next, now).await? {
                    moved_ids.insert(&r.job.delivery.id);
                } else {
                    lease_lost(r);
                }
            }
        }
    }
    for ((lease_id, status), records) in successes {
        let ids: Vec<&str> = records.iter().map(|r| r.job.delivery.id.as_str()).collect();
        let done = move_succeeded(&txn, lease_id, status, &ids, now).await?;
        for r in records {
            if done.contains(&r.job.delivery.id) {
                moved_ids.insert(&r.job.delivery.id);
            } else {
                lease_lost(r);
            }
        }
    }
    // In the order the attempts finished, which the channel's health follows.
    let moved: Vec<&Record> = group
        .iter()
        .filter(|r| moved_ids.contains(r.job.delivery.id.as_str()))
        .collect();
    if !moved.is_empty() {
        attempt::Entity::insert_many(moved.iter().map(|r| attempt_row(r)))
            .exec(&txn)
            .await?;
    }
    update_channel_health(&txn, config, &moved, now).await?;
    txn.commit().await
}

fn lease_lost(r: &Record) {
    tracing::warn!(delivery = %r.job.delivery.id, "lease lost before the attempt was recorded");
}

fn no_lease() -> [(delivery::Column, SimpleExpr); 2] {
    [
        (
            delivery::Column::LeaseId,
            Expr::value(Option::<String>::None),
        ),
        (
            delivery::Column::LeaseUntil,
            Expr::value(Option::<i64>::None),
        ),
    ]
}

/// Successful deliveries under `lease_id`: finished; returns the ids moved.
async fn move_succeeded<C: ConnectionTrait>(
    db: &C,
    lease_id: &str,
    status: u16,
    ids: &[&str],
    now: i64,
) -> Result<Vec<String>, DbErr> {
    let mut update = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(SUCCEEDED))
        .col_expr(
            delivery::Column::Attempts,
            Expr::col(delivery::Column::Attempts).add(1),
        )
        .col_expr(
            delivery::Column::RoundAttempts,
            Expr::col(delivery::Column::RoundAttempts).add(1),
        )
        .col_expr(
            delivery::Column::LastStatusCode,
            Expr::value(i32::from(status)),
        )
        .col_expr(
            delivery::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .col_expr(delivery::Column::CompletedAt, Expr::value(Some(now)));
    for (column, value) in no_lease() {
        update = update.col_expr(column, value);
    }
    let mut statement = update
        .filter(delivery::Column::Id.is_in(ids.iter().copied()))
        .filter(delivery::Column::LeaseId.eq(lease_id))
        .into_query();
    statement.returning_col(delivery::Column::Id);
    let rows = db
        .query_all(db.get_database_backend().build(&statement))
        .await?;
    rows.iter()
        .map(|row| row.try_get::<String>("", "id"))
        .collect()
}

/// Any other outcome: retry later or give up; false when the lease is gone.
async fn move_one<C: ConnectionTrait>(
    db: &C,
    r: &Record,
    next: Next,
    now: i64,
) -> Result<bool, DbErr> {
    let d = &r.job.delivery;
    let (status, next_at, completed) = match next {
        Next::Done => (SUCCEEDED, d.next_attempt_at, Some(now)),
        Next::GiveUp => (FAILED, d.next_attempt_at, Some(now)),
        Next::RetryAt(at) => (PENDING, at, None),
    };
    let mut update = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(status))
        .col_expr(
            delivery::Column::Attempts,
            Expr::col(delivery::Column::Attempts).add(1),
        )
        .col_expr(
            delivery::Column::RoundAttempts,
            Expr::value(d.round_attempts + 1),
        )
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(next_at))
        .col_expr(
            delivery::Column::LastStatusCode,
            Expr::value(r.outcome.status.map(i32::from)),
        )
        .col_expr(
            delivery::Column::LastError,
            Expr::value(describe_error(&r.outcome)),
        )
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .col_expr(delivery::Column::CompletedAt, Expr::value(completed));
    for (column, value) in no_lease() {
        update = update.col_expr(column, value);
    }
    let moved = update
        .filter(delivery::Column::Id.eq(d.id.as_str()))
        .filter(delivery::Column::LeaseId.eq(r.lease_id.as_str()))
        .exec(db)
        .await?;
    Ok(moved.rows_affected == 1)
}

fn attempt_row(r: &Record) -> attempt::ActiveModel {
    let (d, outcome) = (&r.job.delivery, &r.outcome);
    let to_json = |pairs: &Vec<(String, String)>| serde_json::to_string(pairs).unwrap_or_default();
    attempt::ActiveModel {
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
    }
}

/// A channel's run of failures: reset by a success, counted up by each
/// failure, and long enough (or a 410 Gone) it disables the channel. Within
/// a group the attempts count in the order they finished.
async fn update_channel_health<C: ConnectionTrait>(
    db: &C,
    config: &DeliveryConfig,
    moved: &[&Record],
    now: i64,
) -> Result<(), DbErr> {
    let mut last_success: HashMap<&str, usize> = HashMap::new();
    for (i, r) in moved.iter().enumerate() {
        if r.outcome.succeeded() {
            last_success.insert(r.job.channel.id.as_str(), i);
        }
    }
    if !last_success.is_empty() {
        channel::Entity::update_many()
            .col_expr(
                channel::Column::FailingSince,
                Expr::value(Option::<i64>::None),
            )
            .col_expr(channel::Column::ConsecutiveFailures, Expr::value(0))
            .filter(channel::Column::Id.is_in(last_success.keys().copied()))
            .filter(channel::Column::ConsecutiveFailures.gt(0))
            .exec(db)
            .await?;
    }
    for (i, r) in moved.iter().enumerate() {
        let channel_id = r.job.channel.id.as_str();
        let after_last_success = last_success.get(channel_id).is_none_or(|&s| i > s);
        if !r.outcome.succeeded() && after_last_success {
            count_failure(db, config, channel_id, &r.outcome, now).await?;
        }
    }
    Ok(())
}

async fn count_failure<C: ConnectionTrait>(
    db: &C,
    config: &DeliveryConfig,
    channel_id: &str,
    outcome: &Outcome,
    now: i64,
) -> Result<(), DbErr> {
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

    #[test]
    fn durations_read_as_words() {
        assert_eq!(human_duration(5 * 86_400_000), "5 days");
        assert_eq!(human_duration(90_000), "1 minute");
        assert_eq!(human_duration(3_000), "3 seconds");
    }
}
