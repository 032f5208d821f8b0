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
    let crate::server::access::ProjectAccess { state, project, .. } =
        crate::server::access::project(&project, crate::server::access::Need::Member).await?;
    store::routings::list(&state.db, &project.id).await
}

#[server(prefix = "/api", endpoint = "get_routing")]
pub async fn get_routing(project: String, id: String) -> Result<RoutingView, AppError> {
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project, .. } =
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
    use crate::domain::accounts::AuditAction;
    use crate::domain::validation::FieldErrors;
    use crate::domain::EventType;
    use crate::server::access::{self, Need};
    use crate::server::store;
    let access = access::project(&project, Need::Admin).await?;
    let (state, project) = (&access.state, &access.project);
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
    let txn = store::begin_write(&state.db).await?;
    let created = store::routings::create(&txn, &project.id, event, &channel, &conditions).await?;
    store::audit::record(
        &txn,
        &access,
        AuditAction::RoutingCreated,
        Some(&created.id),
        &routing_name(&created.event_label, &created.channel_name),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// How the audit log names a routing: "Execution completes → Alerts".
pub fn routing_name(event_label: &str, channel_name: &str) -> String {
    format!("{event_label} → {channel_name}")
}

/// The audit name of a stored routing.
#[cfg(feature = "ssr")]
async fn stored_routing_name(
    db: &sea_orm::DatabaseConnection,
    routing: &crate::server::db::entities::routing::Model,
) -> Result<String, AppError> {
    let label = crate::domain::EventType::parse(&routing.event_type)
        .map(|t| t.label().to_string())
        .unwrap_or_else(|| routing.event_type.clone());
    let channel =
        crate::server::store::channels::find(db, &routing.project_id, &routing.channel_id)
            .await
            .map(|c| c.name)
            .unwrap_or_default();
    Ok(routing_name(&label, &channel))
}

/// Replaces a routing's conditions.
#[server(prefix = "/api", endpoint = "update_routing_filters")]
pub async fn update_routing_filters(
    project: String,
    id: String,
    #[server(default)] filters: Vec<ConditionInput>,
) -> Result<RoutingView, AppError> {
    use crate::domain::accounts::AuditAction;
    use crate::server::access::{self, Need};
    use crate::server::store;
    let access = access::project(&project, Need::Admin).await?;
    let (state, project) = (&access.state, &access.project);
    let existing = store::routings::find(&state.db, &project.id, &id).await?;
    let conditions = crate::domain::filters::validate(&filters)?;
    let name = stored_routing_name(&state.db, &existing).await?;
    let txn = store::begin_write(&state.db).await?;
    let updated = store::routings::set_filters(&txn, existing, &conditions).await?;
    let words = crate::domain::filters::describe(&conditions);
    store::audit::record(
        &txn,
        &access,
        AuditAction::RoutingConditionsChanged,
        Some(&id),
        &name,
        Some(if words.is_empty() {
            "every event".to_string()
        } else {
            words
        }),
    )
    .await?;
    txn.commit().await?;
    leptos_axum::redirect(&format!("{}?saved=1", routing_path(&project.name, &id)));
    Ok(updated)
}

#[server(prefix = "/api", endpoint = "set_routing_enabled")]
pub async fn set_routing_enabled(
    project: String,
    id: String,
    enabled: bool,
) -> Result<(), AppError> {
    use crate::domain::accounts::AuditAction;
    use crate::server::access::{self, Need};
    use crate::server::store;
    let access = access::project(&project, Need::Admin).await?;
    let (state, project) = (&access.state, &access.project);
    let existing = store::routings::find(&state.db, &project.id, &id).await?;
    let name = stored_routing_name(&state.db, &existing).await?;
    let was_enabled = existing.enabled;
    let txn = store::begin_write(&state.db).await?;
    store::routings::set_enabled(&txn, existing, enabled).await?;
    if was_enabled != enabled {
        let action = if enabled {
            AuditAction::RoutingEnabled
        } else {
            AuditAction::RoutingDisabled
        };
        store::audit::record(&txn, &access, action, Some(&id), &name, None).await?;
    }
    txn.commit().await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "delete_routing")]
pub async fn delete_routing(project: String, id: String) -> Result<(), AppError> {
    use crate::domain::accounts::AuditAction;
    use crate::server::access::{self, Need};
    use crate::server::store;
    let access = access::project(&project, Need::Admin).await?;
    let (state, project) = (&access.state, &access.project);
    let existing = store::routings::find(&state.db, &project.id, &id).await?;
    let name = stored_routing_name(&state.db, &existing).await?;
    let txn = store::begin_write(&state.db).await?;
    store::routings::delete(&txn, existing).await?;
    store::audit::record(
        &txn,
        &access,
        AuditAction::RoutingDeleted,
        Some(&id),
        &name,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
