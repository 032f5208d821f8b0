use crate::api::routings::RoutingView;
use crate::api::AppError;
use crate::domain::filters::{self, Condition};
use crate::domain::EventType;
use crate::server::db::entities::{channel, routing};
use crate::server::ids::{new_id, now_ms};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter,
};

pub fn conditions_of(model: &routing::Model) -> Vec<Condition> {
    filters::parse_stored(&model.filters).unwrap_or_default()
}

fn view(model: routing::Model, channel: Option<&channel::Model>) -> RoutingView {
    let event_type = EventType::parse(&model.event_type);
    let conditions = conditions_of(&model);
    RoutingView {
        filters_words: filters::describe(&conditions),
        filters: conditions,
        channel_kind: channel.map(|c| c.kind.clone()).unwrap_or_default(),
        event_label: event_type
            .map(|t| t.label().to_string())
            .unwrap_or_else(|| model.event_type.clone()),
        event_type: model.event_type,
        channel_name: channel.map(|c| c.name.clone()).unwrap_or_default(),
        channel_enabled: channel.map(|c| c.enabled).unwrap_or(false),
        channel_id: model.channel_id,
        enabled: model.enabled,
        created_at: model.created_at,
        id: model.id,
    }
}

pub async fn find(
    db: &DatabaseConnection,
    project_id: &str,
    id: &str,
) -> Result<routing::Model, AppError> {
    routing::Entity::find_by_id(id)
        .filter(routing::Column::ProjectId.eq(project_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound("Routing".into()))
}

/// Routings in catalog order (grouped as the event picker shows them), then
/// by channel name.
pub async fn list(db: &DatabaseConnection, project_id: &str) -> Result<Vec<RoutingView>, AppError> {
    let rows = routing::Entity::find()
        .filter(routing::Column::ProjectId.eq(project_id))
        .find_also_related(channel::Entity)
        .all(db)
        .await?;
    let mut views: Vec<RoutingView> = rows.into_iter().map(|(r, c)| view(r, c.as_ref())).collect();
    let rank = |v: &RoutingView| {
        EventType::parse(&v.event_type).map_or(usize::MAX, |t| {
            EventType::ALL
                .iter()
                .position(|x| *x == t)
                .unwrap_or(usize::MAX)
        })
    };
    views.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then_with(|| a.channel_name.cmp(&b.channel_name))
    });
    Ok(views)
}

pub async fn get(
    db: &DatabaseConnection,
    project_id: &str,
    id: &str,
) -> Result<RoutingView, AppError> {
    let model = find(db, project_id, id).await?;
    let channel = channel::Entity::find_by_id(model.channel_id.as_str())
        .one(db)
        .await?;
    Ok(view(model, channel.as_ref()))
}

fn filters_text(conditions: &[Condition]) -> String {
    serde_json::to_string(conditions).unwrap_or_else(|_| "[]".to_string())
}

pub async fn create<C: ConnectionTrait>(
    db: &C,
    project_id: &str,
    event_type: EventType,
    channel: &channel::Model,
    conditions: &[Condition],
) -> Result<RoutingView, AppError> {
    let duplicate = || {
        AppError::invalid(
            "channel_id",
            format!(
                "“{}” already goes to channel “{}”.",
                event_type.label(),
                channel.name
            ),
        )
    };
    let exists = routing::Entity::find()
        .filter(routing::Column::ProjectId.eq(project_id))
        .filter(routing::Column::EventType.eq(event_type.as_str()))
        .filter(routing::Column::ChannelId.eq(channel.id.as_str()))
        .count(db)
        .await?
        > 0;
    if exists {
        return Err(duplicate());
    }
    let model = routing::ActiveModel {
        id: Set(new_id()),
        project_id: Set(project_id.to_string()),
        event_type: Set(event_type.as_str().to_string()),
        channel_id: Set(channel.id.clone()),
        enabled: Set(true),
        created_at: Set(now_ms()),
        filters: Set(filters_text(conditions)),
    };
    match model.insert(db).await {
        Ok(model) => Ok(view(model, Some(channel))),
        Err(e) if super::is_unique_violation(&e) => Err(duplicate()),
        Err(e) => Err(e.into()),
    }
}

pub async fn set_enabled<C: ConnectionTrait>(
    db: &C,
    existing: routing::Model,
    enabled: bool,
) -> Result<(), AppError> {
    let mut model: routing::ActiveModel = existing.into();
    model.enabled = Set(enabled);
    model.update(db).await?;
    Ok(())
}

pub async fn set_filters<C: ConnectionTrait>(
    db: &C,
    existing: routing::Model,
    conditions: &[Condition],
) -> Result<RoutingView, AppError> {
    let mut model: routing::ActiveModel = existing.into();
    model.filters = Set(filters_text(conditions));
    let model = model.update(db).await?;
    let channel = channel::Entity::find_by_id(model.channel_id.as_str())
        .one(db)
        .await?;
    Ok(view(model, channel.as_ref()))
}

pub async fn delete<C: ConnectionTrait>(db: &C, existing: routing::Model) -> Result<(), AppError> {
    routing::Entity::delete_by_id(existing.id).exec(db).await?;
    Ok(())
}
