use crate::api::tokens::TokenView;
use crate::api::AppError;
use crate::server::db::entities::{api_token, project};
use crate::server::ids::{new_api_token, new_id, now_ms, token_hash};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};

/// How stale `last_used_at` may get before a request refreshes it; saves a
/// write on every API call.
pub const LAST_USED_RESOLUTION_MS: i64 = 60_000;

fn view(model: api_token::Model) -> TokenView {
    TokenView {
        id: model.id,
        name: model.name,
        prefix: model.prefix,
        created_at: model.created_at,
        last_used_at: model.last_used_at,
        revoked_at: model.revoked_at,
    }
}

pub async fn list(db: &DatabaseConnection, project_id: &str) -> Result<Vec<TokenView>, AppError> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::ProjectId.eq(project_id))
        .order_by_desc(api_token::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// Creates a token; returns its view and the token itself (shown once).
pub async fn create<C: ConnectionTrait>(
    db: &C,
    project_id: &str,
    name: String,
) -> Result<(TokenView, String), AppError> {
    let token = new_api_token();
    let model = api_token::ActiveModel {
        id: Set(new_id()),
        project_id: Set(project_id.to_string()),
        name: Set(name),
        token_hash: Set(token_hash(&token)),
        prefix: Set(token.chars().take(9).collect()),
        created_at: Set(now_ms()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((view(model), token))
}

/// Revokes a token; returns it, or None when it was already revoked.
pub async fn revoke<C: ConnectionTrait>(
    db: &C,
    project_id: &str,
    id: &str,
) -> Result<Option<api_token::Model>, AppError> {
    let found = api_token::Entity::find_by_id(id)
        .filter(api_token::Column::ProjectId.eq(project_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound("API token".into()))?;
    if found.revoked_at.is_some() {
        return Ok(None);
    }
    let mut model: api_token::ActiveModel = found.into();
    model.revoked_at = Set(Some(now_ms()));
    Ok(Some(model.update(db).await?))
}

/// The project a bearer token belongs to, if the token is valid and live.
pub async fn authenticate(
    db: &DatabaseConnection,
    token: &str,
) -> Result<Option<project::Model>, AppError> {
    let Some(found) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token_hash(token)))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let now = now_ms();
    if found
        .last_used_at
        .is_none_or(|t| now - t > LAST_USED_RESOLUTION_MS)
    {
        api_token::Entity::update_many()
            .col_expr(
                api_token::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(api_token::Column::Id.eq(found.id.as_str()))
            .exec(db)
            .await?;
    }
    Ok(project::Entity::find_by_id(found.project_id)
        .one(db)
        .await?)
}
