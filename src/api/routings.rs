use super::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingView {
    pub id: String,
    /// Wire name, e.g. `execution_completed`.
    pub event_type: String,
    /// Words, e.g. "Execution completes".
    pub event_label: String,
    pub channel_id: String,
    pub channel_name: String,
    pub channel_enabled: bool,
    pub enabled: bool,
    pub created_at: i64,
}

#[server(prefix = "/api", endpoint = "list_routings")]
pub async fn list_routings(project: String) -> Result<Vec<RoutingView>, AppError> {
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project } =
        crate::server::access::project(&project, crate::server::access::Need::Member).await?;
    store::routings::list(&state.db, &project.id).await
}

#[server(prefix = "/api", endpoint = "create_routing")]
pub async fn create_routing(
    project: String,
    event_type: String,
    channel_id: String,
) -> Result<RoutingView, AppError> {
    use crate::domain::validation::FieldErrors;
    use crate::domain::EventType;
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project } =
        crate::server::access::project(&project, crate::server::access::Need::Admin).await?;
    let mut errors = FieldErrors::new();
    let event = if event_type.is_empty() {
        errors.add(
            "event_type",
            "Choose the event that triggers this notification.",
        );
        None
    } else {
        let parsed = EventType::parse(&event_type);
        if parsed.is_none() {
            errors.add(
                "event_type",
                format!("“{event_type}” is not a known event type."),
            );
        }
        parsed
    };
    let channel = if channel_id.is_empty() {
        errors.add(
            "channel_id",
            "Choose the channel that receives the notification.",
        );
        None
    } else {
        match store::channels::find(&state.db, &project.id, &channel_id).await {
            Ok(channel) => Some(channel),
            Err(AppError::NotFound(_)) => {
                errors.add("channel_id", "That channel does not exist in this project.");
                None
            }
            Err(e) => return Err(e),
        }
    };
    errors.into_result()?;
    let (Some(event), Some(channel)) = (event, channel) else {
        return Err(AppError::Internal);
    };
    store::routings::create(&state.db, &project.id, event, &channel).await
}

#[server(prefix = "/api", endpoint = "set_routing_enabled")]
pub async fn set_routing_enabled(
    project: String,
    id: String,
    enabled: bool,
) -> Result<(), AppError> {
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project } =
        crate::server::access::project(&project, crate::server::access::Need::Admin).await?;
    let existing = store::routings::find(&state.db, &project.id, &id).await?;
    store::routings::set_enabled(&state.db, existing, enabled).await
}

#[server(prefix = "/api", endpoint = "delete_routing")]
pub async fn delete_routing(project: String, id: String) -> Result<(), AppError> {
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project } =
        crate::server::access::project(&project, crate::server::access::Need::Admin).await?;
    let existing = store::routings::find(&state.db, &project.id, &id).await?;
    store::routings::delete(&state.db, existing).await
}
