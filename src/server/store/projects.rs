use crate::api::projects::ProjectSummary;
use crate::api::AppError;
use crate::domain::accounts::Role;
use crate::server::auth::Caller;
use crate::server::db::entities::{channel, membership, project, routing};
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

/// The projects `caller` may see: all for an instance admin, else theirs.
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
) -> Result<Vec<ProjectSummary>, AppError> {
    let mut query = project::Entity::find().order_by_asc(project::Column::Name);
    if !caller.instance_admin {
        let mine = super::members::project_ids_of(db, &caller.user_id).await?;
        query = query.filter(project::Column::Id.is_in(mine));
    }
    let projects = query.all(db).await?;
    let roles: HashMap<String, Role> = if caller.instance_admin {
        HashMap::new()
    } else {
        membership::Entity::find()
            .filter(membership::Column::UserId.eq(caller.user_id.as_str()))
            .all(db)
            .await?
            .into_iter()
            .filter_map(|m| Some((m.project_id, Role::parse(&m.role)?)))
            .collect()
    };
    let channels = counts_by_project::<channel::Entity>(db, channel::Column::ProjectId).await?;
    let routings = counts_by_project::<routing::Entity>(db, routing::Column::ProjectId).await?;
    Ok(projects
        .into_iter()
        .map(|p| ProjectSummary {
            role: roles.get(&p.id).copied().unwrap_or(Role::Admin),
            channels: channels.get(&p.id).copied().unwrap_or(0),
            routings: routings.get(&p.id).copied().unwrap_or(0),
            name: p.name,
            created_at: p.created_at,
        })
        .collect())
}

/// Creates a project with its creator as its first admin.
pub async fn create(
    db: &DatabaseConnection,
    name: String,
    creator: &Caller,
) -> Result<ProjectSummary, AppError> {
    let txn = super::begin_write(db).await?;
    let taken = project::Entity::find()
        .filter(project::Column::Name.eq(name.as_str()))
        .count(&txn)
        .await?
        > 0;
    let duplicate = || AppError::invalid("name", format!("A project named {name} already exists."));
    if taken {
        return Err(duplicate());
    }
    let created_at = now_ms();
    let id = new_id();
    let model = project::ActiveModel {
        id: Set(id.clone()),
        name: Set(name.clone()),
        created_at: Set(created_at),
    };
    match project::Entity::insert(model).exec(&txn).await {
        Ok(_) => {}
        Err(e) if super::is_unique_violation(&e) => return Err(duplicate()),
        Err(e) => return Err(e.into()),
    }
    membership::Entity::insert(membership::ActiveModel {
        project_id: Set(id),
        user_id: Set(creator.user_id.clone()),
        role: Set(Role::Admin.as_str().to_string()),
        created_at: Set(created_at),
    })
    .exec(&txn)
    .await?;
    txn.commit().await?;
    Ok(ProjectSummary {
        name,
        channels: 0,
        routings: 0,
        created_at,
        role: Role::Admin,
    })
}

pub async fn summary(
    db: &DatabaseConnection,
    p: &project::Model,
    role: Role,
) -> Result<ProjectSummary, AppError> {
    let channels = channel::Entity::find()
        .filter(channel::Column::ProjectId.eq(p.id.as_str()))
        .count(db)
        .await?;
    let routings = routing::Entity::find()
        .filter(routing::Column::ProjectId.eq(p.id.as_str()))
        .count(db)
        .await?;
    Ok(ProjectSummary {
        name: p.name.clone(),
        channels: channels as i64,
        routings: routings as i64,
        created_at: p.created_at,
        role,
    })
}
