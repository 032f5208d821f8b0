use crate::api::deliveries::{
    AttemptView, DeliveryDetail, DeliveryFilter, DeliveryPage, DeliveryRow, TestResult, PAGE_SIZE,
};
use crate::api::templates::PreviewPart;
use crate::api::AppError;
use crate::domain::formats::EmailContent;
use crate::domain::template::Part;
use crate::domain::{render, EventType};
use crate::server::db::entities::{attempt, channel, delivery, project};
use crate::server::dispatch::outbox::{self, Target, PENDING};
use crate::server::AppState;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use std::time::Duration;

/// How long *Send test* waits for the answer before saying "still pending".
const TEST_WAIT: Duration = Duration::from_secs(15);

fn label(event_type: &str) -> String {
    EventType::parse(event_type)
        .map(|t| t.label().to_string())
        .unwrap_or_else(|| event_type.to_string())
}

fn row(d: delivery::Model, channel: Option<channel::Model>) -> DeliveryRow {
    let (channel_name, channel_kind) = channel.map(|c| (c.name, c.kind)).unwrap_or_default();
    DeliveryRow {
        event_label: label(&d.event_type),
        id: d.id,
        event_id: d.event_id,
        event_type: d.event_type,
        channel_id: d.channel_id,
        channel_name,
        channel_kind,
        status: d.status,
        attempts: d.attempts,
        last_status_code: d.last_status_code,
        last_error: d.last_error,
        next_attempt_at: d.next_attempt_at,
        created_at: d.created_at,
    }
}

pub async fn list(
    db: &DatabaseConnection,
    project_id: &str,
    filter: &DeliveryFilter,
    page: u64,
) -> Result<DeliveryPage, AppError> {
    let mut query = delivery::Entity::find().filter(delivery::Column::ProjectId.eq(project_id));
    if !filter.channel.is_empty() {
        query = query.filter(delivery::Column::ChannelId.eq(filter.channel.as_str()));
    }
    if !filter.event_type.is_empty() {
        query = query.filter(delivery::Column::EventType.eq(filter.event_type.as_str()));
    }
    if !filter.status.is_empty() {
        query = query.filter(delivery::Column::Status.eq(filter.status.as_str()));
    }
    let paginator = query
        .order_by_desc(delivery::Column::CreatedAt)
        .order_by_desc(delivery::Column::Id)
        .find_also_related(channel::Entity)
        .paginate(db, PAGE_SIZE);
    let counts = paginator.num_items_and_pages().await?;
    let page = page.clamp(1, counts.number_of_pages.max(1));
    let rows = paginator
        .fetch_page(page - 1)
        .await?
        .into_iter()
        .map(|(d, c)| row(d, c))
        .collect();
    Ok(DeliveryPage {
        rows,
        page,
        pages: counts.number_of_pages.max(1),
        total: counts.number_of_items,
    })
}

pub async fn get(
    db: &DatabaseConnection,
    project_id: &str,
    id: &str,
) -> Result<DeliveryDetail, AppError> {
    let (d, c) = delivery::Entity::find_by_id(id)
        .filter(delivery::Column::ProjectId.eq(project_id))
        .find_also_related(channel::Entity)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound("Delivery".into()))?;
    let attempts = attempt::Entity::find()
        .filter(attempt::Column::DeliveryId.eq(id))
        .order_by_desc(attempt::Column::AttemptNo)
        .all(db)
        .await?;
    let pairs = |text: Option<&str>| -> Vec<(String, String)> {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    };
    let is_email = c.as_ref().is_some_and(|c| c.kind == "email");
    let email_parts = is_email
        .then(|| serde_json::from_str::<EmailContent>(&d.payload).ok())
        .flatten()
        .map(|e| {
            let part = |part: Part, content: String| PreviewPart {
                part: part.as_str().to_string(),
                label: part.label().to_string(),
                content,
                is_html: part == Part::Html,
                custom: false,
            };
            vec![
                part(Part::Subject, e.subject),
                part(Part::Text, e.text),
                part(Part::Html, e.html),
            ]
        })
        .unwrap_or_default();
    let payload = serde_json::from_str::<serde_json::Value>(&d.payload)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| d.payload.clone());
    Ok(DeliveryDetail {
        message_id: format!("msg_{}", d.id),
        payload,
        email_parts,
        attempts: attempts
            .into_iter()
            .map(|a| AttemptView {
                attempt_no: a.attempt_no,
                started_at: a.started_at,
                duration_ms: a.duration_ms,
                request_headers: pairs(Some(&a.request_headers)),
                response_status: a.response_status,
                response_headers: pairs(a.response_headers.as_deref()),
                response_body: a.response_body,
                error_kind: a.error_kind,
                error_message: a.error_message,
            })
            .collect(),
        row: row(d, c),
    })
}

pub async fn redeliver(
    db: &DatabaseConnection,
    project_id: &str,
    id: &str,
) -> Result<(), AppError> {
    delivery::Entity::find_by_id(id)
        .filter(delivery::Column::ProjectId.eq(project_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound("Delivery".into()))?;
    if !outbox::redeliver(db, id).await? {
        return Err(AppError::invalid(
            "id",
            "This delivery is being sent right now; wait a moment.",
        ));
    }
    Ok(())
}

/// Queues a sample event of `event_type` for one channel, bypassing routings.
pub async fn send_test(
    state: &AppState,
    project: &project::Model,
    channel: &channel::Model,
    event_type: EventType,
    routing_id: Option<&str>,
) -> Result<String, AppError> {
    if !channel.enabled {
        return Err(AppError::invalid(
            "id",
            "This channel is disabled; enable it to send a test.",
        ));
    }
    let data = render::sample_data(event_type, &project.id, &project.name);
    let accepted = outbox::accept(
        &state.db,
        project,
        event_type,
        &data,
        None,
        Target::Channel(channel, routing_id),
        &state.config.public_url,
    )
    .await?;
    state.wake.notify_one();
    accepted
        .delivery_ids
        .into_iter()
        .next()
        .ok_or(AppError::Internal)
}

/// Waits (briefly) until the delivery's first attempt is recorded.
pub async fn await_first_attempt(
    db: &DatabaseConnection,
    delivery_id: &str,
) -> Result<TestResult, AppError> {
    let deadline = tokio::time::Instant::now() + TEST_WAIT;
    loop {
        let d = delivery::Entity::find_by_id(delivery_id)
            .one(db)
            .await?
            .ok_or(AppError::Internal)?;
        if d.attempts > 0 || d.status != PENDING || tokio::time::Instant::now() >= deadline {
            let last = attempt::Entity::find()
                .filter(attempt::Column::DeliveryId.eq(delivery_id))
                .order_by_desc(attempt::Column::AttemptNo)
                .one(db)
                .await?;
            let protocol = channel::Entity::find_by_id(d.channel_id.as_str())
                .one(db)
                .await?
                .map(|c| crate::api::deliveries::protocol_of(&c.kind))
                .unwrap_or("HTTP");
            return Ok(TestResult {
                protocol: protocol.to_string(),
                subject_id: String::new(),
                delivery_id: d.id,
                status: if d.attempts > 0 && d.status == PENDING {
                    "retrying".into()
                } else {
                    d.status
                },
                response_status: d.last_status_code,
                error: d.last_error,
                duration_ms: last.map(|a| a.duration_ms),
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
