use super::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const PAGE_SIZE: u64 = 25;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRow {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    pub event_label: String,
    pub channel_id: String,
    pub channel_name: String,
    pub channel_kind: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub next_attempt_at: i64,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryPage {
    pub rows: Vec<DeliveryRow>,
    pub page: u64,
    pub pages: u64,
    pub total: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptView {
    pub attempt_no: i32,
    pub started_at: i64,
    pub duration_ms: i64,
    pub request_headers: Vec<(String, String)>,
    pub response_status: Option<i32>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<String>,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryDetail {
    pub row: DeliveryRow,
    /// The webhook-id receivers see.
    pub message_id: String,
    /// The body as sent, pretty-printed.
    pub payload: String,
    /// An e-mail's subject, plain-text and HTML parts (empty for HTTP channels).
    pub email_parts: Vec<super::templates::PreviewPart>,
    pub attempts: Vec<AttemptView>,
}

/// Filters of the Deliveries page; empty means any.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryFilter {
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub event_type: String,
    #[serde(default)]
    pub status: String,
}

/// What a test message did, shown where the button was pressed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResult {
    /// The channel or routing the test was sent for.
    pub subject_id: String,
    pub delivery_id: String,
    pub status: String,
    pub response_status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: Option<i64>,
    /// `HTTP` or `SMTP`: what the response status is a code of.
    pub protocol: String,
}

pub fn deliveries_path(project: &str) -> String {
    format!("/p/{project}/settings/notifications/deliveries")
}

pub fn delivery_path(project: &str, id: &str) -> String {
    format!("/p/{project}/settings/notifications/deliveries/{id}")
}

pub const STATUSES: [&str; 3] = ["pending", "succeeded", "failed"];

/// What a channel's response codes are: SMTP replies for e-mail, else HTTP.
pub fn protocol_of(channel_kind: &str) -> &'static str {
    if channel_kind == "email" {
        "SMTP"
    } else {
        "HTTP"
    }
}

#[server(prefix = "/api", endpoint = "list_deliveries")]
pub async fn list_deliveries(
    project: String,
    #[server(default)] filter: DeliveryFilter,
    #[server(default)] page: u32,
) -> Result<DeliveryPage, AppError> {
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project, .. } =
        crate::server::access::project(&project, crate::server::access::Need::Member).await?;
    store::deliveries::list(&state.db, &project.id, &filter, u64::from(page.max(1))).await
}

#[server(prefix = "/api", endpoint = "get_delivery")]
pub async fn get_delivery(project: String, id: String) -> Result<DeliveryDetail, AppError> {
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project, .. } =
        crate::server::access::project(&project, crate::server::access::Need::Member).await?;
    store::deliveries::get(&state.db, &project.id, &id).await
}

#[server(prefix = "/api", endpoint = "redeliver")]
pub async fn redeliver(project: String, id: String) -> Result<(), AppError> {
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project, .. } =
        crate::server::access::project(&project, crate::server::access::Need::Member).await?;
    store::deliveries::redeliver(&state.db, &project.id, &id).await?;
    state.wake.notify_one();
    Ok(())
}

/// Sends a `ping` to one channel through the real pipeline and waits
/// briefly for its first attempt.
#[server(prefix = "/api", endpoint = "send_channel_test")]
pub async fn send_channel_test(project: String, id: String) -> Result<TestResult, AppError> {
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project, .. } =
        crate::server::access::project(&project, crate::server::access::Need::Member).await?;
    let channel = store::channels::find(&state.db, &project.id, &id).await?;
    let delivery_id = store::deliveries::send_test(
        &state,
        &project,
        &channel,
        crate::domain::EventType::Ping,
        None,
    )
    .await?;
    finish_test(&state, &project.name, id, delivery_id).await
}

/// Sends a sample event of a routing's type to its channel.
#[server(prefix = "/api", endpoint = "send_routing_test")]
pub async fn send_routing_test(project: String, id: String) -> Result<TestResult, AppError> {
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project, .. } =
        crate::server::access::project(&project, crate::server::access::Need::Member).await?;
    let routing = store::routings::find(&state.db, &project.id, &id).await?;
    let channel = store::channels::find(&state.db, &project.id, &routing.channel_id).await?;
    let event_type =
        crate::domain::EventType::parse(&routing.event_type).ok_or(AppError::Internal)?;
    let delivery_id =
        store::deliveries::send_test(&state, &project, &channel, event_type, Some(&routing.id))
            .await?;
    finish_test(&state, &project.name, id, delivery_id).await
}

#[cfg(feature = "ssr")]
async fn finish_test(
    state: &crate::server::AppState,
    project: &str,
    subject_id: String,
    delivery_id: String,
) -> Result<TestResult, AppError> {
    let mut result =
        crate::server::store::deliveries::await_first_attempt(&state.db, &delivery_id).await?;
    result.subject_id = subject_id;
    if crate::server::web::is_plain_form_post() {
        // Without JavaScript the answer is the delivery's own page.
        leptos_axum::redirect(&delivery_path(project, &delivery_id));
    }
    Ok(result)
}
