//! Who belongs to which project, and as what.
use crate::api::members::MemberView;
use crate::api::AppError;
use crate::domain::accounts::Role;
use crate::server::db::entities::{membership, project, user};
use crate::server::ids::now_ms;
use sea_orm::{
    sea_query::Expr, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use std::collections::HashMap;

pub async fn role<C: ConnectionTrait>(
    db: &C,
    project_id: &str,
    user_id: &str,
) -> Result<Option<Role>, AppError> {
    Ok(
        membership::Entity::find_by_id((project_id.to_string(), user_id.to_string()))
            .one(db)
            .await?
            .and_then(|m| Role::parse(&m.role)),
    )
}

/// The ids of the projects `user_id` belongs to.
pub async fn project_ids_of<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
) -> Result<Vec<String>, AppError> {
    Ok(membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.project_id)
        .collect())
}

/// Members by role (admins first), then name.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    project_id: &str,
) -> Result<Vec<MemberView>, AppError> {
    let members = membership::Entity::find()
        .filter(membership::Column::ProjectId.eq(project_id))
        .order_by_asc(membership::Column::CreatedAt)
        .all(db)
        .await?;
    let ids: Vec<String> = members.iter().map(|m| m.user_id.clone()).collect();
    let names: HashMap<String, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let mut views: Vec<MemberView> = members
        .into_iter()
        .filter_map(|m| {
            Some(MemberView {
                username: names.get(&m.user_id)?.clone(),
                role: Role::parse(&m.role)?,
                user_id: m.user_id,
                added_at: m.created_at,
            })
        })
        .collect();
    views.sort_by(|a, b| {
        (a.role != Role::Admin, &a.username).cmp(&(b.role != Role::Admin, &b.username))
    });
    Ok(views)
}

/// Adds `user` with `role`; a user already in the project is refused.
pub async fn add<C: ConnectionTrait>(
    db: &C,
    project_id: &str,
    user: &user::Model,
    role: Role,
) -> Result<(), AppError> {
    let already = || {
        AppError::invalid(
            "username",
            format!("{} is already a member of this project.", user.username),
        )
    };
    if self::role(db, project_id, &user.id).await?.is_some() {
        return Err(already());
    }
    let row = membership::ActiveModel {
        project_id: Set(project_id.to_string()),
        user_id: Set(user.id.clone()),
        role: Set(role.as_str().to_string()),
        created_at: Set(now_ms()),
    };
    match membership::Entity::insert(row).exec(db).await {
        Ok(_) => Ok(()),
        Err(e) if super::is_unique_violation(&e) => Err(already()),
        Err(e) => Err(e.into()),
    }
}

async fn admins<C: ConnectionTrait>(db: &C, project_id: &str) -> Result<u64, DbErr> {
    membership::Entity::find()
        .filter(membership::Column::ProjectId.eq(project_id))
        .filter(membership::Column::Role.eq(Role::Admin.as_str()))
        .count(db)
        .await
}

fn last_admin(username: &str) -> AppError {
    AppError::Forbidden(format!(
        "{username} is this project's only admin; make another member an admin first."
    ))
}

/// Changes a member's role; returns the old one. The last admin stays one.
pub async fn set_role<C: ConnectionTrait>(
    db: &C,
    project_id: &str,
    user: &user::Model,
    role: Role,
) -> Result<Role, AppError> {
    let current = self::role(db, project_id, &user.id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Member {}", user.username)))?;
    if current == Role::Admin && role != Role::Admin && admins(db, project_id).await? <= 1 {
        return Err(last_admin(&user.username));
    }
    membership::Entity::update_many()
        .col_expr(membership::Column::Role, Expr::value(role.as_str()))
        .filter(membership::Column::ProjectId.eq(project_id))
        .filter(membership::Column::UserId.eq(user.id.as_str()))
        .exec(db)
        .await?;
    Ok(current)
}

/// Removes a member; the last admin cannot be removed.
pub async fn remove<C: ConnectionTrait>(
    db: &C,
    project_id: &str,
    user: &user::Model,
) -> Result<Role, AppError> {
    let current = self::role(db, project_id, &user.id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Member {}", user.username)))?;
    if current == Role::Admin && admins(db, project_id).await? <= 1 {
        return Err(last_admin(&user.username));
    }
    membership::Entity::delete_by_id((project_id.to_string(), user.id.clone()))
        .exec(db)
        .await?;
    Ok(current)
}

/// The name of a project whose only admin is `user_id`, if there is one.
pub async fn sole_admin_of<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
) -> Result<Option<String>, AppError> {
    let administered = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::Role.eq(Role::Admin.as_str()))
        .all(db)
        .await?;
    for m in administered {
        if admins(db, &m.project_id).await? <= 1 {
            let name = project::Entity::find_by_id(m.project_id.as_str())
                .one(db)
                .await?
                .map(|p| p.name)
                .unwrap_or(m.project_id);
            return Ok(Some(name));
        }
    }
    Ok(None)
}
