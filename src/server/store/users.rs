//! Accounts. Passwords arrive here already hashed.
use crate::api::users::UserView;
use crate::api::AppError;
use crate::server::db::entities::{membership, user};
use crate::server::db::is_postgres;
use crate::server::ids::{new_id, now_ms};
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Statement, TransactionTrait,
};

/// Any number, the same in every instance: one first-user set-up at a time.
const SETUP_LOCK: i64 = 0x4845_5241_4c45; // "HERALE"

pub async fn count<C: ConnectionTrait>(db: &C) -> Result<u64, AppError> {
    Ok(user::Entity::find().count(db).await?)
}

pub async fn find_by_username<C: ConnectionTrait>(
    db: &C,
    username: &str,
) -> Result<Option<user::Model>, AppError> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await?)
}

pub async fn find<C: ConnectionTrait>(db: &C, id: &str) -> Result<user::Model, AppError> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound("User".into()))
}

fn taken(username: &str) -> AppError {
    AppError::invalid("username", format!("The username {username} is taken."))
}

/// Creates a user; `password_hash` is an argon2id PHC string.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    username: &str,
    password_hash: String,
    instance_admin: bool,
) -> Result<user::Model, AppError> {
    if find_by_username(db, username).await?.is_some() {
        return Err(taken(username));
    }
    let now = now_ms();
    let model = user::Model {
        id: new_id(),
        username: username.to_string(),
        password_hash,
        instance_admin,
        created_at: now,
        password_changed_at: now,
    };
    let active: user::ActiveModel = model.clone().into();
    match user::Entity::insert(active).exec(db).await {
        Ok(_) => Ok(model),
        Err(e) if super::is_unique_violation(&e) => Err(taken(username)),
        Err(e) => Err(e.into()),
    }
}

/// Creates the first user, an instance admin, only while there is no user
/// at all: two people racing through set-up cannot both become admin.
pub async fn create_first(
    db: &DatabaseConnection,
    username: &str,
    password_hash: String,
) -> Result<Option<user::Model>, AppError> {
    let txn = super::begin_write(db).await?;
    if is_postgres(&txn) {
        txn.execute(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [SETUP_LOCK.into()],
        ))
        .await?;
    }
    if count(&txn).await? > 0 {
        return Ok(None);
    }
    let created = create(&txn, username, password_hash, true).await?;
    txn.commit().await?;
    Ok(Some(created))
}

pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<UserView>, AppError> {
    let users = user::Entity::find()
        .order_by_asc(user::Column::Username)
        .all(db)
        .await?;
    let memberships = membership::Entity::find().all(db).await?;
    Ok(users
        .into_iter()
        .map(|u| UserView {
            projects: memberships.iter().filter(|m| m.user_id == u.id).count() as u32,
            id: u.id,
            username: u.username,
            instance_admin: u.instance_admin,
            created_at: u.created_at,
        })
        .collect())
}

pub async fn set_password<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    password_hash: String,
) -> Result<(), AppError> {
    let res = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
        .col_expr(user::Column::PasswordChangedAt, Expr::value(now_ms()))
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::NotFound("User".into()));
    }
    Ok(())
}

async fn other_instance_admins<C: ConnectionTrait>(db: &C, user_id: &str) -> Result<u64, DbErr> {
    user::Entity::find()
        .filter(user::Column::InstanceAdmin.eq(true))
        .filter(user::Column::Id.ne(user_id))
        .count(db)
        .await
}

/// Grants or takes instance admin; the last instance admin stays one, so
/// the instance can always be managed.
pub async fn set_instance_admin(
    db: &DatabaseConnection,
    user_id: &str,
    admin: bool,
) -> Result<user::Model, AppError> {
    let txn = super::begin_write(db).await?;
    let found = find(&txn, user_id).await?;
    if !admin && found.instance_admin && other_instance_admins(&txn, user_id).await? == 0 {
        return Err(AppError::Forbidden(format!(
            "{} is the only instance admin; make someone else an instance admin first.",
            found.username
        )));
    }
    user::Entity::update_many()
        .col_expr(user::Column::InstanceAdmin, Expr::value(admin))
        .filter(user::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(user::Model {
        instance_admin: admin,
        ..found
    })
}

/// Deletes a user with their sessions and memberships. The last instance
/// admin and the last admin of any project cannot be deleted.
pub async fn delete(db: &DatabaseConnection, user_id: &str) -> Result<user::Model, AppError> {
    let txn = super::begin_write(db).await?;
    let found = find(&txn, user_id).await?;
    if found.instance_admin && other_instance_admins(&txn, user_id).await? == 0 {
        return Err(AppError::Forbidden(format!(
            "{} is the only instance admin and cannot be deleted.",
            found.username
        )));
    }
    if let Some(project) = super::members::sole_admin_of(&txn, user_id).await? {
        return Err(AppError::Forbidden(format!(
            "{} is the only admin of {project}; make someone else its admin first.",
            found.username
        )));
    }
    user::Entity::delete_by_id(user_id).exec(&txn).await?;
    txn.commit().await?;
    Ok(found)
}

/// Used by the `herald admin` command, outside any request.
pub async fn set_password_by_name(
    db: &DatabaseConnection,
    username: &str,
    password_hash: String,
) -> Result<(), AppError> {
    let txn = db.begin().await?;
    let found = find_by_username(&txn, username)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("User {username}")))?;
    set_password(&txn, &found.id, password_hash).await?;
    super::super::auth::sessions::close_others(&txn, &found.id, None).await?;
    txn.commit().await?;
    Ok(())
}
