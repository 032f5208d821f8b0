//! One-time display of new secrets to browsers without JavaScript: the form
//! post parks the secret and redirects with a token; the page shows it once.
use crate::api::AppError;
use crate::server::db::entities::secret_reveal;
use crate::server::ids::{new_token, now_ms};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};

/// How long a browser has to pick the secret up.
const REVEAL_TTL_MS: i64 = 10 * 60 * 1000;

pub async fn park(
    db: &DatabaseConnection,
    subject: &str,
    secret: &str,
) -> Result<String, AppError> {
    let token = new_token(24);
    secret_reveal::ActiveModel {
        token: Set(token.clone()),
        subject: Set(subject.to_string()),
        secret: Set(secret.to_string()),
        expires_at: Set(now_ms() + REVEAL_TTL_MS),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Returns the parked secret once, deleting it (and any expired ones).
pub async fn take(
    db: &DatabaseConnection,
    subject: &str,
    token: &str,
) -> Result<Option<String>, AppError> {
    secret_reveal::Entity::delete_many()
        .filter(secret_reveal::Column::ExpiresAt.lt(now_ms()))
        .exec(db)
        .await?;
    let found = secret_reveal::Entity::find_by_id(token)
        .filter(secret_reveal::Column::Subject.eq(subject))
        .one(db)
        .await?;
    let Some(found) = found else {
        return Ok(None);
    };
    // Only the request that deletes the row may show the secret.
    let deleted = secret_reveal::Entity::delete_by_id(token).exec(db).await?;
    Ok((deleted.rows_affected == 1).then_some(found.secret))
}
