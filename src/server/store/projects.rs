use crate::api::projects::ProjectSummary;
use crate::api::AppError;
use crate::server::db::entities::{channel, project, routing};
use crate::server::ids::{new_id, now_ms};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

pub async fn find(db: &DatabaseConnection, name: &str) -> Result<project::Model, AppError> {
    project::Entity::find()
        .filter(project::Column::Name.eq(name))
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Project {name}")))
}

#[derive(FromQueryResult)]
struct CountRow {
    project_id: String,
    n: i64,
}

async fn counts_by_project<E: EntityTrait>(
    db: &DatabaseConnection,
    project_col: E::Column,
) -> Result<HashMap<String, i64>, AppError> {
    let rows = E::find()
        .select_only()
        .column_as(project_col, "project_id")
        .column_as(project_col.count(), "n")
        .group_by(project_col)
        .into_model::<CountRow>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.project_id, r.n)).collect())
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<ProjectSummary>, AppError> {
    let projects = project::Entity::find()
        .order_by_asc(project::Column::Name)
        .all(db)
        .await?;
    let channels = counts_by_project::<channel::Entity>(db, channel::Column::ProjectId).await?;
    let routings = counts_by_project::<routing::Entity>(db, routing::Column::ProjectId).await?;
    Ok(projects
        .into_iter()
        .map(|p| ProjectSummary {
            channels: channels.get(&p.id).copied().unwrap_or(0),
            routings: routings.get(&p.id).copied().unwrap_or(0),
            name: p.name,
            created_at: p.created_at,
        })
        .collect())
}

pub async fn create(db: &DatabaseConnection, name: String) -> Result<ProjectSummary, AppError> {
    let taken = project::Entity::find()
        .filter(project::Column::Name.eq(name.as_str()))
        .count(db)
        .await?
        > 0;
    let duplicate = || AppError::invalid("name", format!("A project named {name} already exists."));
    if taken {
        return Err(duplicate());
    }
    let created_at = now_ms();
    let model = project::ActiveModel {
        id: Set(new_id()),
        name: Set(name.clone()),
        created_at: Set(created_at),
    };
    match project::Entity::insert(model).exec(db).await {
        Ok(_) => Ok(ProjectSummary {
            name,
            channels: 0,
            routings: 0,
            created_at,
        }),
        Err(e) if super::is_unique_violation(&e) => Err(duplicate()),
        Err(e) => Err(e.into()),
    }
}

pub async fn summary(db: &DatabaseConnection, name: &str) -> Result<ProjectSummary, AppError> {
    let p = find(db, name).await?;
    let channels = channel::Entity::find()
        .filter(channel::Column::ProjectId.eq(p.id.as_str()))
        .count(db)
        .await?;
    let routings = routing::Entity::find()
        .filter(routing::Column::ProjectId.eq(p.id.as_str()))
        .count(db)
        .await?;
    Ok(ProjectSummary {
        name: p.name,
        channels: channels as i64,
        routings: routings as i64,
        created_at: p.created_at,
    })
}
