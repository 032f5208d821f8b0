//! Event intake: what `POST /api/v1/events` accepts is stored in groups.
//! Requests arrive concurrently; one task takes whatever has gathered,
//! looks up tokens, routings and idempotency keys for the whole group (a
//! few queries, not a few per event) and stores every event with its
//! deliveries in one transaction, one disk flush for the group. Each
//! request gets its answer only after that commit, so a 202 still means
//! the event and its deliveries are on disk.
use super::db::entities::{api_token, channel, event, project, routing};
use super::db::{begin_durable, write_turn};
use super::dispatch::compose::Composer;
use super::dispatch::outbox::{self, Accepted};
use super::store::is_unique_violation;
use super::store::tokens::LAST_USED_RESOLUTION_MS;
use crate::domain::formats::Notice;
use crate::domain::EventType;
use crate::server::ids::now_ms;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Notify};

/// Requests waiting at most; more wait for room (back-pressure on clients).
const QUEUE: usize = 4096;
/// Events stored per transaction at most.
const GROUP: usize = 512;

/// A validated event from a caller holding a bearer token.
pub struct Submission {
    pub token_hash: String,
    pub event_type: EventType,
    pub data: Map<String, Value>,
    pub idempotency_key: Option<String>,
}

/// What became of a submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Stored now, or earlier under the same idempotency key.
    Accepted { event_id: String, deliveries: i32 },
    /// The token is unknown or revoked.
    Unauthorized,
}

type Reply = oneshot::Sender<Result<Answer, String>>;

#[derive(Clone)]
pub struct Intake {
    queue: mpsc::Sender<(Submission, Reply)>,
}

impl Intake {
    /// Starts the storing task on the current runtime. `wake` tells this
    /// process's dispatcher about new deliveries.
    pub fn spawn(
        db: DatabaseConnection,
        writer: DatabaseConnection,
        public_url: String,
        wake: Arc<Notify>,
    ) -> Intake {
        let (queue, inbox) = mpsc::channel(QUEUE);
        let store = Store {
            db,
            writer,
            public_url,
        };
        tokio::spawn(run(store, wake, inbox));
        Intake { queue }
    }

    /// Stores the event (or finds it stored under its idempotency key).
    pub async fn submit(&self, submission: Submission) -> Result<Answer, String> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((submission, reply))
            .await
            .map_err(|_| "event intake stopped".to_string())?;
        answer
            .await
            .map_err(|_| "event intake stopped".to_string())?
    }
}

/// Where the intake reads (the pool) and writes (the writer).
struct Store {
    db: DatabaseConnection,
    writer: DatabaseConnection,
    public_url: String,
}

async fn run(store: Store, wake: Arc<Notify>, mut inbox: mpsc::Receiver<(Submission, Reply)>) {
    let mut group = Vec::with_capacity(GROUP);
    while let Some(first) = inbox.recv().await {
        group.push(first);
        while group.len() < GROUP {
            match inbox.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        let (submissions, replies): (Vec<_>, Vec<_>) = group.drain(..).unzip();
        let answers = store_group(&store, &submissions).await;
        if answers
            .iter()
            .any(|a| matches!(a, Ok(Answer::Accepted { deliveries, .. }) if *deliveries > 0))
        {
            wake.notify_one();
        }
        for (reply, answer) in replies.into_iter().zip(answers) {
            let _ = reply.send(answer);
        }
    }
}

/// Stores a group; when its transaction fails, each event on its own, so
/// one event's problem (say, a key another instance just stored) cannot
/// fail the others.
async fn store_group(st: &Store, group: &[Submission]) -> Vec<Result<Answer, String>> {
    match store(st, group).await {
        Ok(answers) => answers.into_iter().map(Ok).collect(),
        Err(e) if group.len() > 1 => {
            tracing::warn!(error = %e, "storing a group of events failed; storing one by one");
            let mut answers = Vec::with_capacity(group.len());
            for one in group.chunks(1) {
                answers.push(store_one(st, one).await);
            }
            answers
        }
        Err(_) => vec![store_one(st, group).await],
    }
}

async fn store_one(st: &Store, one: &[Submission]) -> Result<Answer, String> {
    match store(st, one).await {
        Ok(mut answers) => answers.pop().ok_or_else(|| "no answer".to_string()),
        // A concurrent request (here or in another instance) stored the
        // same key first: answer as it was answered; the lookup finds it.
        Err(e) if is_unique_violation(&e) => match store(st, one).await {
            Ok(mut answers) => answers.pop().ok_or_else(|| "no answer".to_string()),
            Err(e) => Err(e.to_string()),
        },
        Err(e) => Err(e.to_string()),
    }
}

/// A routing with its channel.
type Routed = (routing::Model, Option<channel::Model>);

/// What a group's events need from the database, read in a few queries
/// before the write transaction (on SQLite a transaction that reads first
/// and writes later fails at once under contention).
struct Lookups {
    /// token hash → (token, its project)
    tokens: HashMap<String, (api_token::Model, project::Model)>,
    /// (project id, event type) → enabled routings with their channels
    routings: HashMap<(String, String), Vec<Routed>>,
    /// (project id, idempotency key) → the stored event
    earlier: HashMap<(String, String), Answer>,
}

async fn look_up(db: &DatabaseConnection, group: &[Submission]) -> Result<Lookups, DbErr> {
    let mut hashes: Vec<&str> = group.iter().map(|s| s.token_hash.as_str()).collect();
    hashes.sort_unstable();
    hashes.dedup();
    let tokens: Vec<api_token::Model> = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.is_in(hashes))
        .filter(api_token::Column::RevokedAt.is_null())
        .all(db)
        .await?;
    let mut project_ids: Vec<&str> = tokens.iter().map(|t| t.project_id.as_str()).collect();
    project_ids.sort_unstable();
    project_ids.dedup();
    let projects: HashMap<String, project::Model> = if project_ids.is_empty() {
        HashMap::new()
    } else {
        project::Entity::find()
            .filter(project::Column::Id.is_in(project_ids.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect()
    };
    let mut routings: HashMap<(String, String), Vec<_>> = HashMap::new();
    let mut earlier = HashMap::new();
    if !project_ids.is_empty() {
        let mut types: Vec<&str> = group.iter().map(|s| s.event_type.as_str()).collect();
        types.sort_unstable();
        types.dedup();
        for (r, c) in routing::Entity::find()
            .filter(routing::Column::ProjectId.is_in(project_ids.iter().copied()))
            .filter(routing::Column::EventType.is_in(types))
            .filter(routing::Column::Enabled.eq(true))
            .find_also_related(channel::Entity)
            .all(db)
            .await?
        {
            routings
                .entry((r.project_id.clone(), r.event_type.clone()))
                .or_default()
                .push((r, c));
        }
        let keys: Vec<&str> = group
            .iter()
            .filter_map(|s| s.idempotency_key.as_deref())
            .collect();
        if !keys.is_empty() {
            for e in event::Entity::find()
                .filter(event::Column::ProjectId.is_in(project_ids.iter().copied()))
                .filter(event::Column::IdempotencyKey.is_in(keys))
                .all(db)
                .await?
            {
                if let Some(key) = e.idempotency_key {
                    let answer = Answer::Accepted {
                        event_id: e.id,
                        deliveries: e.deliveries,
                    };
                    earlier.insert((e.project_id, key), answer);
                }
            }
        }
    }
    let tokens = tokens
        .into_iter()
        .filter_map(|t| {
            let p = projects.get(&t.project_id)?.clone();
            Some((t.token_hash.clone(), (t, p)))
        })
        .collect();
    Ok(Lookups {
        tokens,
        routings,
        earlier,
    })
}

/// Stores the group in one transaction; one answer per submission, in order.
async fn store(st: &Store, group: &[Submission]) -> Result<Vec<Answer>, DbErr> {
    let mut found = look_up(&st.db, group).await?;
    let now = now_ms();
    let mut answers = Vec::with_capacity(group.len());
    let mut events = Vec::new();
    let mut deliveries = Vec::new();
    for s in group {
        let Some((_, project)) = found.tokens.get(&s.token_hash) else {
            answers.push(Answer::Unauthorized);
            continue;
        };
        let key = s
            .idempotency_key
            .as_ref()
            .map(|k| (project.id.clone(), k.clone()));
        // Stored before, or earlier in this very group.
        if let Some(answer) = key.as_ref().and_then(|k| found.earlier.get(k)) {
            answers.push(answer.clone());
            continue;
        }
        let notice = Notice::new(
            s.event_type,
            &project.id,
            &project.name,
            &s.data,
            &st.public_url,
        );
        let mut composer = Composer::new(&notice);
        let routings = found
            .routings
            .get(&(project.id.clone(), s.event_type.as_str().to_string()))
            .map(|v| v.as_slice())
            .unwrap_or_default();
        let destinations = outbox::routed(&mut composer, routings.iter(), &s.data);
        let data_text = serde_json::to_string(&s.data).map_err(|e| DbErr::Custom(e.to_string()))?;
        let rows = outbox::rows(
            &project.id,
            s.event_type,
            data_text,
            s.idempotency_key.as_deref(),
            destinations,
            now,
        );
        let Accepted {
            event_id,
            deliveries: count,
            ..
        } = rows.accepted;
        let answer = Answer::Accepted {
            event_id,
            deliveries: count,
        };
        if let Some(k) = key {
            found.earlier.insert(k, answer.clone());
        }
        answers.push(answer);
        events.push(rows.event);
        deliveries.extend(rows.deliveries);
    }
    let stale_tokens: Vec<String> = found
        .tokens
        .values()
        .filter(|(t, _)| {
            t.last_used_at
                .is_none_or(|at| now - at > LAST_USED_RESOLUTION_MS)
        })
        .map(|(t, _)| t.id.clone())
        .collect();
    if events.is_empty() && stale_tokens.is_empty() {
        return Ok(answers);
    }
    let any_deliveries = !deliveries.is_empty();
    {
        let _turn = write_turn(&st.writer).await;
        let txn = begin_durable(&st.writer).await?;
        outbox::insert_chunked(&txn, events).await?;
        outbox::insert_chunked(&txn, deliveries).await?;
        if !stale_tokens.is_empty() {
            api_token::Entity::update_many()
                .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
                .filter(api_token::Column::Id.is_in(stale_tokens))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
    }
    if any_deliveries {
        // The events are stored: a lost notice only delays their delivery
        // until the next poll, so it is no reason to fail the requests.
        if let Err(e) = outbox::announce_work(&st.db).await {
            tracing::warn!(error = %e, "could not announce new deliveries");
        }
    }
    Ok(answers)
}
