//! Sessions live in the database: the cookie carries a random token, the
//! table only its SHA-256, so a copy of the table opens no session.
use super::Caller;
use crate::server::db::entities::{session, user};
use crate::server::ids::{new_token, now_ms, token_hash};
use axum::http::HeaderMap;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use std::time::Duration;

pub const COOKIE: &str = "herald_session";

/// A session is extended when used, at most this often (one write per
/// minute and session instead of one per request).
const TOUCH_EVERY_MS: i64 = 60_000;
const USER_AGENT_MAX: usize = 200;

/// The session token in a request's cookies.
pub fn token_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// `Set-Cookie` for a session that lasts `ttl`.
pub fn cookie(token: &str, ttl: Duration, secure: bool) -> String {
    format!(
        "{COOKIE}={token}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}",
        ttl.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn clearing_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Opens a session for `user_id`; returns the token for the cookie.
pub async fn open<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    ttl: Duration,
    user_agent: Option<&str>,
    address: Option<&str>,
) -> Result<String, DbErr> {
    let token = new_token(32);
    let now = now_ms();
    session::Entity::insert(session::ActiveModel {
        id: Set(token_hash(&token)),
        user_id: Set(user_id.to_string()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + ttl.as_millis() as i64),
        user_agent: Set(user_agent.map(|ua| ua.chars().take(USER_AGENT_MAX).collect())),
        address: Set(address.map(str::to_string)),
    })
    .exec(db)
    .await?;
    Ok(token)
}

/// What a valid token resolves to; `refreshed` when its expiry moved, so
/// the cookie should be sent again with a fresh lifetime.
pub struct Resolved {
    pub caller: Caller,
    pub refreshed: bool,
}

/// The caller a token belongs to, if its session exists and has not expired.
pub async fn resolve<C: ConnectionTrait>(
    db: &C,
    token: &str,
    ttl: Duration,
) -> Result<Option<Resolved>, DbErr> {
    let now = now_ms();
    let Some(found) = session::Entity::find_by_id(token_hash(token))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if found.expires_at <= now {
        session::Entity::delete_by_id(found.id).exec(db).await?;
        return Ok(None);
    }
    let Some(user) = user::Entity::find_by_id(found.user_id.as_str())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let refreshed = now - found.last_seen_at >= TOUCH_EVERY_MS;
    if refreshed {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .col_expr(
                session::Column::ExpiresAt,
                Expr::value(now + ttl.as_millis() as i64),
            )
            .filter(session::Column::Id.eq(found.id.as_str()))
            .exec(db)
            .await?;
    }
    Ok(Some(Resolved {
        caller: Caller {
            user_id: user.id,
            username: user.username,
            instance_admin: user.instance_admin,
            session_id: found.id,
        },
        refreshed,
    }))
}

/// Ends one session of `user_id`; false when it was not theirs or is gone.
pub async fn close<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    session_id: &str,
) -> Result<bool, DbErr> {
    let res = session::Entity::delete_many()
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Ends every session of `user_id` but `keep` (after a password change).
pub async fn close_others<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    keep: Option<&str>,
) -> Result<u64, DbErr> {
    let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        delete = delete.filter(session::Column::Id.ne(keep));
    }
    Ok(delete.exec(db).await?.rows_affected)
}

/// The live sessions of `user_id`, most recently used first.
pub async fn list<C: ConnectionTrait>(db: &C, user_id: &str) -> Result<Vec<session::Model>, DbErr> {
    session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::ExpiresAt.gt(now_ms()))
        .order_by_desc(session::Column::LastSeenAt)
        .all(db)
        .await
}

/// Deletes expired sessions; run now and then.
pub async fn sweep<C: ConnectionTrait>(db: &C) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now_ms()))
        .exec(db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_and_lax() {
        let c = cookie("abc", Duration::from_secs(60), false);
        assert_eq!(
            c,
            "herald_session=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"
        );
        assert!(cookie("abc", Duration::from_secs(60), true).ends_with("; Secure"));
        assert!(clearing_cookie(false).contains("Max-Age=0"));
    }

    #[test]
    fn token_is_read_from_any_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append(
            "cookie",
            "theme=dark; herald_session=tok123".parse().unwrap(),
        );
        assert_eq!(token_from(&headers).as_deref(), Some("tok123"));
        let mut other = HeaderMap::new();
        other.append("cookie", "herald_session_x=1; a=b".parse().unwrap());
        assert_eq!(token_from(&other), None);
    }
}
