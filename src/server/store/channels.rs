use crate::api::channels::{ChannelView, EmailView, StoredSecrets, ValidChannel};
use crate::api::{AppError, DependentRouting};
use crate::domain::smtp::EmailSettings;
use crate::domain::template::ChannelTemplate;
use crate::domain::validation::mask_destination;
use crate::domain::{ChannelKind, EventType};
use crate::server::db::entities::{channel, routing};
use crate::server::dispatch::compose::{kind_of, template_of};
use crate::server::dispatch::email;
use crate::server::ids::{new_id, new_signing_secret, now_ms};
use crate::server::secrets::SecretBox;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

/// Custom headers as stored: `[["Name", "<encrypted value>"], …]`.
pub fn headers_of(model: &channel::Model) -> Vec<(String, String)> {
    serde_json::from_value(model.headers.clone()).unwrap_or_default()
}

/// Header values encrypted for storage; names stay readable for the UI.
pub fn seal_headers(secrets: &SecretBox, headers: &[(String, String)]) -> serde_json::Value {
    let sealed: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| (name.clone(), secrets.encrypt(value)))
        .collect();
    serde_json::to_value(sealed).unwrap_or_default()
}

/// The stored headers with their values decrypted, for sending or editing.
pub fn open_headers(
    secrets: &SecretBox,
    model: &channel::Model,
) -> Result<Vec<(String, String)>, AppError> {
    headers_of(model)
        .into_iter()
        .map(|(name, value)| {
            Ok((
                name,
                secrets.decrypt(&value).map_err(|_| AppError::Internal)?,
            ))
        })
        .collect()
}

/// The secrets an edit keeps when the form leaves them blank, decrypted.
pub fn stored_secrets(
    secrets: &SecretBox,
    model: &channel::Model,
) -> Result<StoredSecrets, AppError> {
    let smtp_login = if kind_of(model) == ChannelKind::Email {
        let settings = email::open_settings(secrets, model).map_err(|e| {
            tracing::error!(channel = %model.id, error = %e, "cannot read SMTP settings");
            AppError::Internal
        })?;
        (!settings.user.is_empty()).then_some((settings.user, settings.password))
    } else {
        None
    };
    Ok(StoredSecrets {
        headers: open_headers(secrets, model)?,
        smtp_login,
    })
}

/// An e-mail channel's settings as stored, password still encrypted.
fn email_settings(model: &channel::Model) -> Option<EmailSettings> {
    (kind_of(model) == ChannelKind::Email)
        .then(|| serde_json::from_str(&model.config).ok())
        .flatten()
}

fn view(model: channel::Model, routing_count: u64) -> ChannelView {
    let kind = kind_of(&model);
    let header_names = headers_of(&model).into_iter().map(|(n, _)| n).collect();
    let settings = email_settings(&model);
    let url_masked = mask_destination(kind, &model.url);
    ChannelView {
        destination: settings
            .as_ref()
            .map(EmailSettings::summary)
            .unwrap_or_else(|| url_masked.clone()),
        email: settings.map(|s| EmailView {
            has_password: !s.password.is_empty(),
            host: s.host,
            port: s.port,
            security: s.security.as_str().to_string(),
            user: s.user,
            from: s.from,
            to: s.to,
        }),
        template: template_of(&model),
        url_masked,
        id: model.id,
        name: model.name,
        kind: model.kind,
        enabled: model.enabled,
        disabled_reason: model.disabled_reason,
        header_names,
        routing_count,
        created_at: model.created_at,
        failing_since: model.failing_since,
        consecutive_failures: model.consecutive_failures,
        previous_secret_until: model
            .previous_secret_until
            .filter(|until| *until > now_ms()),
    }
}

/// What the kind-specific columns hold for `input`.
fn config_text(secrets: &SecretBox, input: &ValidChannel) -> String {
    match &input.email {
        Some(settings) => email::seal_settings(secrets, settings),
        None => "{}".to_string(),
    }
}

fn template_text(template: &Option<ChannelTemplate>) -> Option<String> {
    template
        .as_ref()
        .and_then(|t| serde_json::to_string(t).ok())
}

pub async fn find(
    db: &DatabaseConnection,
    project_id: &str,
    id: &str,
) -> Result<channel::Model, AppError> {
    channel::Entity::find_by_id(id)
        .filter(channel::Column::ProjectId.eq(project_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound("Channel".into()))
}

pub async fn list(db: &DatabaseConnection, project_id: &str) -> Result<Vec<ChannelView>, AppError> {
    let channels = channel::Entity::find()
        .filter(channel::Column::ProjectId.eq(project_id))
        .order_by_asc(channel::Column::Name)
        .all(db)
        .await?;
    let routings = routing::Entity::find()
        .filter(routing::Column::ProjectId.eq(project_id))
        .all(db)
        .await?;
    Ok(channels
        .into_iter()
        .map(|c| {
            let count = routings.iter().filter(|r| r.channel_id == c.id).count() as u64;
            view(c, count)
        })
        .collect())
}

pub async fn get(
    db: &DatabaseConnection,
    project_id: &str,
    id: &str,
) -> Result<ChannelView, AppError> {
    let model = find(db, project_id, id).await?;
    let count = routing::Entity::find()
        .filter(routing::Column::ChannelId.eq(id))
        .count(db)
        .await?;
    Ok(view(model, count))
}

async fn ensure_name_free<C: ConnectionTrait>(
    db: &C,
    project_id: &str,
    name: &str,
    except_id: Option<&str>,
) -> Result<(), AppError> {
    let mut query = channel::Entity::find()
        .filter(channel::Column::ProjectId.eq(project_id))
        .filter(channel::Column::Name.eq(name));
    if let Some(id) = except_id {
        query = query.filter(channel::Column::Id.ne(id));
    }
    if query.count(db).await? > 0 {
        return Err(duplicate_name(name));
    }
    Ok(())
}

fn duplicate_name(name: &str) -> AppError {
    AppError::invalid(
        "channel[name]",
        format!("This project already has a channel named “{name}”."),
    )
}

/// Creates the channel with a fresh signing secret; returns the model and
/// the secret, which is shown to the user once.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    secrets: &SecretBox,
    project_id: &str,
    input: ValidChannel,
) -> Result<(channel::Model, String), AppError> {
    ensure_name_free(db, project_id, &input.name, None).await?;
    let secret = new_signing_secret();
    let now = now_ms();
    let model = channel::ActiveModel {
        id: Set(new_id()),
        project_id: Set(project_id.to_string()),
        name: Set(input.name.clone()),
        kind: Set(input.kind.as_str().to_string()),
        config: Set(config_text(secrets, &input)),
        template: Set(template_text(&input.template)),
        url: Set(input.url),
        headers: Set(seal_headers(secrets, &input.headers)),
        secret: Set(secrets.encrypt(&secret)),
        enabled: Set(input.enabled),
        disabled_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        failing_since: Set(None),
        consecutive_failures: Set(0),
        previous_secret: Set(None),
        previous_secret_until: Set(None),
    };
    match model.insert(db).await {
        Ok(model) => Ok((model, secret)),
        Err(e) if super::is_unique_violation(&e) => Err(duplicate_name(&input.name)),
        Err(e) => Err(e.into()),
    }
}

pub async fn update<C: ConnectionTrait>(
    db: &C,
    secrets: &SecretBox,
    existing: channel::Model,
    input: ValidChannel,
) -> Result<ChannelView, AppError> {
    ensure_name_free(db, &existing.project_id, &input.name, Some(&existing.id)).await?;
    let id = existing.id.clone();
    let mut model: channel::ActiveModel = existing.into();
    model.name = Set(input.name.clone());
    model.config = Set(config_text(secrets, &input));
    model.template = Set(template_text(&input.template));
    model.url = Set(input.url);
    model.headers = Set(seal_headers(secrets, &input.headers));
    model.enabled = Set(input.enabled);
    if input.enabled {
        model.disabled_reason = Set(None);
    }
    model.updated_at = Set(now_ms());
    let model = match model.update(db).await {
        Ok(model) => model,
        Err(e) if super::is_unique_violation(&e) => return Err(duplicate_name(&input.name)),
        Err(e) => return Err(e.into()),
    };
    let count = routing::Entity::find()
        .filter(routing::Column::ChannelId.eq(id))
        .count(db)
        .await?;
    Ok(view(model, count))
}

pub async fn set_enabled<C: ConnectionTrait>(
    db: &C,
    existing: channel::Model,
    enabled: bool,
) -> Result<(), AppError> {
    let mut model: channel::ActiveModel = existing.into();
    model.enabled = Set(enabled);
    // Turning a channel back on clears why it was turned off.
    if enabled {
        model.disabled_reason = Set(None);
    }
    model.updated_at = Set(now_ms());
    model.update(db).await?;
    Ok(())
}

/// Deletes the channel. When routings use it, the caller must confirm; they
/// are then deleted in the caller's transaction.
pub async fn delete(
    txn: &DatabaseTransaction,
    existing: channel::Model,
    confirmed: bool,
) -> Result<(), AppError> {
    let dependents = routing::Entity::find()
        .filter(routing::Column::ChannelId.eq(existing.id.as_str()))
        .order_by_asc(routing::Column::EventType)
        .all(txn)
        .await?;
    if !dependents.is_empty() && !confirmed {
        return Err(AppError::ConfirmDelete {
            channel_id: existing.id,
            channel: existing.name,
            routings: dependents
                .into_iter()
                .map(|r| DependentRouting {
                    event_label: EventType::parse(&r.event_type)
                        .map(|t| t.label().to_string())
                        .unwrap_or(r.event_type),
                    id: r.id,
                })
                .collect(),
        });
    }
    routing::Entity::delete_many()
        .filter(routing::Column::ChannelId.eq(existing.id.as_str()))
        .exec(txn)
        .await?;
    channel::Entity::delete_by_id(existing.id.as_str())
        .exec(txn)
        .await?;
    Ok(())
}

/// How long the old secret keeps signing after a rotation.
pub const ROTATION_GRACE_MS: i64 = 24 * 3600 * 1000;

/// Replaces the signing secret; the old one keeps signing alongside the new
/// one for `ROTATION_GRACE_MS`. Returns the new secret, shown once.
pub async fn rotate_secret<C: ConnectionTrait>(
    db: &C,
    secrets: &SecretBox,
    existing: channel::Model,
) -> Result<String, AppError> {
    let secret = new_signing_secret();
    let now = now_ms();
    let previous = existing.secret.clone();
    let mut model: channel::ActiveModel = existing.into();
    model.previous_secret = Set(Some(previous));
    model.previous_secret_until = Set(Some(now + ROTATION_GRACE_MS));
    model.secret = Set(secrets.encrypt(&secret));
    model.updated_at = Set(now);
    model.update(db).await?;
    Ok(secret)
}
