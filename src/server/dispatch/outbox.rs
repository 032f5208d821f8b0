//! The outbox: events and the deliveries they fan out to, written in one
//! transaction; and the dispatcher's claims on due deliveries.
use super::compose::Composer;
use crate::domain::filters;
use crate::domain::formats::Notice;
use crate::domain::EventType;
use crate::server::db::entities::{channel, delivery, event, project, routing};
use crate::server::db::{begin_relaxed, is_postgres, write_turn};
use crate::server::ids::{new_id, now_ms};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr,
    EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement,
    TransactionTrait,
};

pub const PENDING: &str = "pending";
pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";

/// The PostgreSQL channel on which every instance hears about new work.
pub const WAKE_CHANNEL: &str = "herald_deliveries";

/// On PostgreSQL, tells every listening dispatcher (in any instance) that
/// deliveries are due; call it after they are committed. Elsewhere it does
/// nothing: within one process `AppState::wake` does the job, and other
/// processes poll.
///
/// The notice is a statement (so a transaction) of its own that does not
/// wait for the disk: PostgreSQL serializes the commits of notifying
/// transactions, and a notice is not durable anyway. Inside the event's
/// transaction it would make every ingestion wait in line for the one
/// before it to reach the disk.
pub async fn announce_work(db: &DatabaseConnection) -> Result<(), DbErr> {
    if is_postgres(db) {
        db.execute(Statement::from_string(
            DatabaseBackend::Postgres,
            format!(
                "SELECT set_config('synchronous_commit', 'off', true), \
                 pg_notify('{WAKE_CHANNEL}', '')"
            ),
        ))
        .await?;
    }
    Ok(())
}

/// Where an event should go: every enabled routing of its type whose
/// filters the data meets, or one channel only (a test message).
pub enum Target<'a> {
    Routings,
    Channel(&'a channel::Model, Option<&'a str>),
}

/// What accepting an event produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub event_id: String,
    pub deliveries: i32,
    pub delivery_ids: Vec<String>,
}

/// Stores the event and one delivery per target in one transaction, so an
/// acknowledged event can never lose its deliveries.
pub async fn accept(
    db: &DatabaseConnection,
    project: &project::Model,
    event_type: EventType,
    data: &serde_json::Map<String, serde_json::Value>,
    idempotency_key: Option<&str>,
    target: Target<'_>,
    public_url: &str,
) -> Result<Accepted, DbErr> {
    let notice = Notice::new(event_type, &project.id, &project.name, data, public_url);
    let mut composer = Composer::new(&notice);
    let data_text = serde_json::to_string(data).map_err(|e| DbErr::Custom(e.to_string()))?;
    let destinations = match target {
        Target::Routings => {
            let routings = routing::Entity::find()
                .filter(routing::Column::ProjectId.eq(project.id.as_str()))
                .filter(routing::Column::EventType.eq(event_type.as_str()))
                .filter(routing::Column::Enabled.eq(true))
                .find_also_related(channel::Entity)
                .all(db)
                .await?;
            routed(&mut composer, routings.iter(), data)
        }
        Target::Channel(c, routing_id) => vec![Destination {
            channel_id: c.id.clone(),
            routing_id: routing_id.map(str::to_string),
            payload: composer.compose(c).payload,
        }],
    };
    // Reads happen before the transaction: on SQLite a transaction that
    // reads first and writes later can fail at once instead of waiting.
    let rows = rows(
        &project.id,
        event_type,
        data_text,
        idempotency_key,
        destinations,
        now_ms(),
    );
    {
        let _turn = write_turn(db).await;
        let txn = db.begin().await?;
        event::Entity::insert(rows.event).exec(&txn).await?;
        insert_chunked(&txn, rows.deliveries).await?;
        txn.commit().await?;
    }
    if rows.accepted.deliveries > 0 {
        // The event is stored: a lost notice only delays its delivery until
        // the next poll, so it is no reason to fail the request.
        if let Err(e) = announce_work(db).await {
            tracing::warn!(error = %e, "could not announce new deliveries");
        }
    }
    Ok(rows.accepted)
}

/// One message to send: to which channel, under which routing, what.
pub struct Destination {
    pub channel_id: String,
    pub routing_id: Option<String>,
    pub payload: String,
}

/// Each enabled routing (with its channel) whose filters the data meets,
/// rendered for its channel; the others produce nothing.
pub fn routed<'r>(
    composer: &mut Composer<'_>,
    routings: impl Iterator<Item = &'r (routing::Model, Option<channel::Model>)>,
    data: &serde_json::Map<String, serde_json::Value>,
) -> Vec<Destination> {
    routings
        .filter(|(r, _)| r.enabled && filters::stored_accepts(&r.filters, data))
        .filter_map(|(r, c)| c.as_ref().filter(|c| c.enabled).map(|c| (r, c)))
        .map(|(r, c)| Destination {
            channel_id: c.id.clone(),
            routing_id: Some(r.id.clone()),
            payload: composer.compose(c).payload,
        })
        .collect()
}

/// The rows that store an event and its deliveries.
pub struct Rows {
    pub event: event::ActiveModel,
    pub deliveries: Vec<delivery::ActiveModel>,
    pub accepted: Accepted,
}

pub fn rows(
    project_id: &str,
    event_type: EventType,
    data_text: String,
    idempotency_key: Option<&str>,
    destinations: Vec<Destination>,
    now: i64,
) -> Rows {
    let event_id = new_id();
    let event = event::ActiveModel {
        id: Set(event_id.clone()),
        project_id: Set(project_id.to_string()),
        event_type: Set(event_type.as_str().to_string()),
        data: Set(data_text),
        idempotency_key: Set(idempotency_key.map(str::to_string)),
        deliveries: Set(destinations.len() as i32),
        created_at: Set(now),
    };
    let mut delivery_ids = Vec::with_capacity(destinations.len());
    let deliveries = destinations
        .into_iter()
        .map(|to| {
            let id = new_id();
            delivery_ids.push(id.clone());
            delivery::ActiveModel {
                id: Set(id),
                project_id: Set(project_id.to_string()),
                event_id: Set(event_id.clone()),
                channel_id: Set(to.channel_id),
                routing_id: Set(to.routing_id),
                event_type: Set(event_type.as_str().to_string()),
                payload: Set(to.payload),
                status: Set(PENDING.to_string()),
                attempts: Set(0),
                round_attempts: Set(0),
                next_attempt_at: Set(now),
                lease_id: Set(None),
                lease_until: Set(None),
                last_status_code: Set(None),
                last_error: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                completed_at: Set(None),
            }
        })
        .collect();
    Rows {
        event,
        deliveries,
        accepted: Accepted {
            event_id,
            deliveries: delivery_ids.len() as i32,
            delivery_ids,
        },
    }
}

/// Rows per INSERT: within SQLite's 32,766 and PostgreSQL's 65,535 bound
/// parameters (deliveries have 18 columns, events 7).
const INSERT_CHUNK: usize = 1000;

/// Inserts rows of one table, many per statement.
pub async fn insert_chunked<A, C>(db: &C, rows: Vec<A>) -> Result<(), DbErr>
where
    A: sea_orm::ActiveModelTrait,
    C: ConnectionTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(INSERT_CHUNK).collect();
        A::Entity::insert_many(chunk).exec(db).await?;
    }
    Ok(())
}

/// A claimed delivery with what sending it needs.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub delivery: delivery::Model,
    pub channel: channel::Model,
}

/// Claims up to `limit` due deliveries for `lease_ms`, skipping channels in
/// `skip_channels` (already at their concurrency limit). Two workers never
/// hold the same delivery: on PostgreSQL the candidates are locked with
/// `FOR UPDATE SKIP LOCKED` (instances pass over each other's rows instead
/// of waiting); everywhere the lease is set by a conditional update that
/// only takes rows still due and unleased.
pub async fn claim(
    db: &DatabaseConnection,
    lease_id: &str,
    lease_ms: i64,
    limit: u64,
    skip_channels: &[String],
) -> Result<Vec<Claimed>, DbErr> {
    // With every enabled channel at its limit nothing can be claimed, and
    // asking would walk the whole backlog looking for another channel's row.
    if !skip_channels.is_empty() && !any_channel_but(db, skip_channels).await? {
        return Ok(Vec::new());
    }
    let now = now_ms();
    let due = delivery::Column::Status
        .eq(PENDING)
        .and(delivery::Column::NextAttemptAt.lte(now))
        .and(
            delivery::Column::LeaseUntil
                .is_null()
                .or(delivery::Column::LeaseUntil.lt(now)),
        );
    let mut skip = disabled_channels(db).await?;
    skip.extend(skip_channels.iter().cloned());
    let mut candidates = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Id)
        .filter(due)
        .order_by_asc(delivery::Column::NextAttemptAt)
        .limit(limit);
    if !skip.is_empty() {
        candidates = candidates.filter(delivery::Column::ChannelId.is_not_in(skip));
    }
    let candidates = if is_postgres(db) {
        // Rows another instance is claiming at this moment are passed over,
        // not waited for.
        candidates
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .into_query()
    } else {
        candidates.into_query()
    };
    // One statement picks the candidates, leases those still due and
    // returns them. On SQLite it waits for the process's write turn.
    let leased = {
        let _turn = write_turn(db).await;
        let txn = begin_relaxed(db).await?;
        // RETURNING by hand: sea-orm offers it on SQLite only behind a
        // feature flag, though every SQLite Herald bundles (3.35+) has it.
        let mut statement = delivery::Entity::update_many()
            .col_expr(delivery::Column::LeaseId, Expr::value(lease_id))
            .col_expr(delivery::Column::LeaseUntil, Expr::value(now + lease_ms))
            // Only the id: with the due conditions here too, SQLite's planner
            // walks the due index over the whole backlog instead of looking
            // the candidates up. The candidates are due; in this statement
            // (SQLite: one writer; PostgreSQL: rows locked) they stay so.
            .filter(delivery::Column::Id.in_subquery(candidates))
            .into_query();
        statement.returning_all();
        let leased = txn
            .query_all(txn.get_database_backend().build(&statement))
            .await?
            .iter()
            .map(|row| delivery::Model::from_query_result(row, ""))
            .collect::<Result<Vec<_>, _>>()?;
        txn.commit().await?;
        leased
    };
    if leased.is_empty() {
        return Ok(Vec::new());
    }
    let mut channel_ids: Vec<&str> = leased.iter().map(|d| d.channel_id.as_str()).collect();
    channel_ids.sort_unstable();
    channel_ids.dedup();
    let channels: std::collections::HashMap<String, channel::Model> = channel::Entity::find()
        .filter(channel::Column::Id.is_in(channel_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    Ok(leased
        .into_iter()
        .filter_map(|d| {
            channels.get(&d.channel_id).map(|c| Claimed {
                channel: c.clone(),
                delivery: d,
            })
        })
        .collect())
}

/// The channels whose deliveries wait (disabled ones): few, so the due
/// queries exclude them by a list. A subquery on the channels table instead
/// leads SQLite's planner to the per-channel index, which on a large backlog
/// means sorting every pending delivery on each claim.
async fn disabled_channels(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    channel::Entity::find()
        .select_only()
        .column(channel::Column::Id)
        .filter(channel::Column::Enabled.eq(false))
        .into_tuple()
        .all(db)
        .await
}

/// True when some enabled channel is not among `busy`.
async fn any_channel_but(db: &DatabaseConnection, busy: &[String]) -> Result<bool, DbErr> {
    let other: Option<String> = channel::Entity::find()
        .select_only()
        .column(channel::Column::Id)
        .filter(channel::Column::Enabled.eq(true))
        .filter(channel::Column::Id.is_not_in(busy.iter().map(String::as_str)))
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(other.is_some())
}

/// When the next delivery falls due, for the worker's sleep. Deliveries of
/// disabled channels wait for the channel and are not counted.
pub async fn next_due_at(db: &DatabaseConnection) -> Result<Option<i64>, DbErr> {
    let now = now_ms();
    let disabled = disabled_channels(db).await?;
    let mut next = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::NextAttemptAt)
        .column(delivery::Column::LeaseUntil)
        .filter(delivery::Column::Status.eq(PENDING))
        .order_by_asc(delivery::Column::NextAttemptAt)
        .limit(1);
    if !disabled.is_empty() {
        next = next.filter(delivery::Column::ChannelId.is_not_in(disabled));
    }
    let row: Option<(i64, Option<i64>)> = next.into_tuple().one(db).await?;
    Ok(row.map(|(next, lease)| match lease {
        Some(until) if until > now => until.max(next),
        _ => next,
    }))
}

/// Puts a delivery back on the schedule to be tried now (redeliver), unless
/// a worker holds it at this moment.
pub async fn redeliver(db: &DatabaseConnection, delivery_id: &str) -> Result<bool, DbErr> {
    let now = now_ms();
    let not_in_flight = delivery::Column::Status
        .ne(PENDING)
        .or(delivery::Column::LeaseUntil
            .is_null()
            .or(delivery::Column::LeaseUntil.lt(now)));
    let res = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(PENDING))
        .col_expr(delivery::Column::RoundAttempts, Expr::value(0))
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(now))
        .col_expr(
            delivery::Column::LeaseId,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            delivery::Column::LeaseUntil,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(
            delivery::Column::CompletedAt,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .filter(delivery::Column::Id.eq(delivery_id))
        .filter(not_in_flight)
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Ok(false);
    }
    if let Err(e) = announce_work(db).await {
        tracing::warn!(error = %e, "could not announce a redelivery");
    }
    Ok(true)
}
