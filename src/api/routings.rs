use super::AppError;
use crate::domain::filters::{Condition, ConditionInput};
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
    pub channel_kind: String,
    pub channel_enabled: bool,
    pub enabled: bool,
    pub created_at: i64,
    /// Conditions on the event's data, all of which must hold.
    pub filters: Vec<Condition>,
    /// The conditions in words: "only when step matches train* and duration > 600".
    pub filters_words: String,
}

pub fn routing_path(project: &str, id: &str) -> String {
    format!("/p/{project}/settings/notifications/project-notifications/{id}")
}

#[server(prefix = "/api", endpoint = "list_routings")]
pub async fn list_routings(project: String) -> Result<Vec<RoutingView>, AppError> {
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project } =
        crate::server::access::project(&project, crate::server::access::Need::Member).await?;
    store::routings::list(&state.db, &project.id).await
}

#[server(prefix = "/api", endpoint = "get_routing")]
pub async fn get_routing(project: String, id: String) -> Result<RoutingView, AppError> {
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project } =
        crate::server::access::project(&project, crate::server::access::Need::Member).await?;
    store::routings::get(&state.db, &project.id, &id).await
}

/// Creates a routing; `filters` are its conditions (`filters[i][key|op|value]`),
/// blank rows ignored.
#[server(prefix = "/api", endpoint = "create_routing")]
pub async fn create_routing(
    project: String,
    event_type: String,
    channel_id: String,
    #[server(default)] filters: Vec<ConditionInput>,
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
    let conditions = match crate::domain::filters::validate(&filters) {
        Ok(c) => c,
        Err(e) => {
            errors.0.extend(e.0);
            Vec::new()
        }
    };
    errors.into_result()?;
    let (Some(event), Some(channel)) = (event, channel) else {
        return Err(AppError::Internal);
    };
    store::routings::create(&state.db, &project.id, event, &channel, &conditions).await
}

/// Replaces a routing's conditions.
#[server(prefix = "/api", endpoint = "update_routing_filters")]
pub async fn update_routing_filters(
    project: String,
    id: String,
    #[server(default)] filters: Vec<ConditionInput>,
) -> Result<RoutingView, AppError> {
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project } =
        crate::server::access::project(&project, crate::server::access::Need::Admin).await?;
    let existing = store::routings::find(&state.db, &project.id, &id).await?;
    let conditions = crate::domain::filters::validate(&filters)?;
    let updated = store::routings::set_filters(&state.db, existing, &conditions).await?;
    leptos_axum::redirect(&format!("{}?saved=1", routing_path(&project.name, &id)));
    Ok(updated)
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
