use crate::api::dry_run::EventChoice;
use crate::api::AppError;
use crate::domain::formats::Notice;
use crate::domain::EventType;
use crate::server::db::entities::{event, project};
use crate::server::AppState;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Map, Value};

/// How many past events the dry run offers.
pub const RECENT_MAX: u64 = 50;

pub async fn recent(
    state: &AppState,
    project: &project::Model,
) -> Result<Vec<EventChoice>, AppError> {
    let rows = event::Entity::find()
        .filter(event::Column::ProjectId.eq(project.id.as_str()))
        .order_by_desc(event::Column::CreatedAt)
        .order_by_desc(event::Column::Id)
        .limit(RECENT_MAX)
        .all(&state.db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|e| {
            let event_type = EventType::parse(&e.event_type)?;
            let data = data_of(&e);
            let notice = Notice::new(
                event_type,
                &project.id,
                &project.name,
                &data,
                &state.config.public_url,
            );
            Some(EventChoice {
                id: e.id,
                event_label: event_type.label().to_string(),
                event_type: e.event_type,
                created_at: e.created_at,
                title: notice.message.title,
            })
        })
        .collect())
}

pub async fn find(state: &AppState, project_id: &str, id: &str) -> Result<event::Model, AppError> {
    event::Entity::find_by_id(id)
        .filter(event::Column::ProjectId.eq(project_id))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::NotFound("Event".into()))
}

/// The `data` an event was posted with.
pub fn data_of(e: &event::Model) -> Map<String, Value> {
    serde_json::from_str(&e.data).unwrap_or_default()
}
