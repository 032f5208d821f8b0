use super::AppError;
use crate::domain::smtp::{EmailSettings, Security};
use crate::domain::template::ChannelTemplate;
use crate::domain::validation::{self, FieldErrors, HEADERS_MAX};
use crate::domain::ChannelKind;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelView {
    pub id: String,
    pub name: String,
    pub kind: String,
    /// The destination with any credentials replaced by `***` (chat
    /// webhook tokens included).
    pub url_masked: String,
    /// Where messages go, in words: the masked URL, or recipients and server.
    pub destination: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    /// Names only: values may carry credentials and never leave the server.
    pub header_names: Vec<String>,
    pub routing_count: u64,
    pub created_at: i64,
    /// When the current run of failures began; None while healthy.
    pub failing_since: Option<i64>,
    pub consecutive_failures: i32,
    /// While a rotation's grace period runs: when the old secret stops signing.
    pub previous_secret_until: Option<i64>,
    /// E-mail channels' settings, without the password.
    pub email: Option<EmailView>,
    /// The channel's template; None renders Herald's default.
    pub template: Option<ChannelTemplate>,
}

impl ChannelView {
    pub fn channel_kind(&self) -> ChannelKind {
        ChannelKind::parse(&self.kind).unwrap_or_default()
    }
}

/// An e-mail channel's settings as the browser may see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailView {
    pub host: String,
    pub port: u16,
    pub security: String,
    pub user: String,
    /// Whether a password is stored (it is never sent).
    pub has_password: bool,
    pub from: String,
    pub to: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelCreated {
    pub id: String,
    pub name: String,
    pub kind: String,
    /// The signing secret of a webhook, shown to the user this once.
    pub secret: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: String,
}

/// The SMTP settings as posted: `channel[smtp][host|port|security|user|password|from|to]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpForm {
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub port: String,
    #[serde(default)]
    pub security: String,
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

/// The channel form as posted: `channel[kind]`, `channel[name]`,
/// `channel[url]`, `channel[headers][i][name|value]`, `channel[enabled]` (a
/// checkbox), `channel[smtp][…]` for e-mail and `channel[template][…]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub headers: Vec<HeaderInput>,
    #[serde(default)]
    pub enabled: Option<String>,
    #[serde(default)]
    pub smtp: SmtpForm,
    #[serde(default)]
    pub template: ChannelTemplate,
}

/// A channel form that passed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidChannel {
    pub kind: ChannelKind,
    pub name: String,
    /// The POST URL; `smtp://host:port` for e-mail.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub enabled: bool,
    /// E-mail channels only, password in the clear.
    pub email: Option<EmailSettings>,
    pub template: Option<ChannelTemplate>,
}

/// What an edit keeps when the form leaves a secret blank.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredSecrets {
    /// Custom headers, values in the clear.
    pub headers: Vec<(String, String)>,
    /// The SMTP user and password in the clear.
    pub smtp_login: Option<(String, String)>,
}

/// The channel type a create form asks for; blank means a webhook.
pub fn parse_kind(input: &str) -> Result<ChannelKind, String> {
    let kind = input.trim();
    if kind.is_empty() {
        return Ok(ChannelKind::Webhook);
    }
    ChannelKind::parse(kind).ok_or_else(|| {
        format!("“{kind}” is not a channel type; choose Webhook, Slack, Discord, Microsoft Teams or Email.")
    })
}

impl ChannelForm {
    /// Checks every field that a channel of `kind` uses. On edit, `stored`
    /// holds the secrets: a header row with a known name and a blank value,
    /// or a blank SMTP password, keeps the stored value, since secrets are
    /// never sent to the browser. `extra_chat_hosts` widens what chat URLs
    /// may point at (`HERALD_EXTRA_CHAT_HOSTS`).
    pub fn validate(
        &self,
        kind: ChannelKind,
        stored: &StoredSecrets,
        extra_chat_hosts: &[String],
    ) -> Result<ValidChannel, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("channel[name]", validation::channel_name(&self.name));
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut email = None;
        let url = match kind {
            ChannelKind::Webhook => {
                headers = self.validate_headers(&stored.headers, &mut errors);
                errors.check("channel[url]", validation::webhook_url(&self.url))
            }
            ChannelKind::Slack | ChannelKind::Discord | ChannelKind::Teams => errors.check(
                "channel[url]",
                validation::chat_url(kind, &self.url, extra_chat_hosts),
            ),
            ChannelKind::Email => {
                email = self.smtp.validate(stored.smtp_login.as_ref(), &mut errors);
                email.as_ref().map(EmailSettings::url)
            }
        };
        let template = match self.template.normalized(kind) {
            Ok(t) => t,
            Err(e) => {
                errors.0.extend(e.0);
                None
            }
        };
        errors.into_result()?;
        Ok(ValidChannel {
            kind,
            name: name.unwrap_or_default(),
            url: url.unwrap_or_default(),
            headers,
            enabled: self.enabled.is_some(),
            email,
            template,
        })
    }

    fn validate_headers(
        &self,
        existing: &[(String, String)],
        errors: &mut FieldErrors,
    ) -> Vec<(String, String)> {
        let rows: Vec<(usize, &HeaderInput)> = self
            .headers
            .iter()
            .enumerate()
            .filter(|(_, h)| !(h.name.trim().is_empty() && h.value.trim().is_empty()))
            .collect();
        if rows.len() > HEADERS_MAX {
            errors.add(
                "channel[headers]",
                format!("At most {HEADERS_MAX} custom headers are allowed."),
            );
        }
        let mut headers: Vec<(String, String)> = Vec::new();
        for (i, row) in rows {
            let name_field = format!("channel[headers][{i}][name]");
            let value_field = format!("channel[headers][{i}][value]");
            let Some(name) = errors.check(&name_field, validation::header_name(&row.name)) else {
                continue;
            };
            if headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                errors.add(&name_field, format!("The header {name} is listed twice."));
                continue;
            }
            let kept = existing
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(&name))
                .map(|(_, v)| v.clone());
            let value = match (row.value.trim().is_empty(), kept) {
                (true, Some(stored)) => Some(stored),
                _ => errors.check(&value_field, validation::header_value(&row.value)),
            };
            if let Some(value) = value {
                headers.push((name, value));
            }
        }
        headers
    }
}

impl SmtpForm {
    /// The SMTP settings, or None with the problems added to `errors`.
    fn validate(
        &self,
        stored_login: Option<&(String, String)>,
        errors: &mut FieldErrors,
    ) -> Option<EmailSettings> {
        let security = match self.security.trim() {
            "" => Some(Security::default()),
            s => Security::parse(s).or_else(|| {
                errors.add(
                    "channel[smtp][security]",
                    "Choose how to secure the connection: STARTTLS, TLS or none.",
                );
                None
            }),
        };
        let host = errors.check("channel[smtp][host]", validation::smtp_host(&self.host));
        let port = errors.check(
            "channel[smtp][port]",
            validation::port(&self.port, security.unwrap_or_default().default_port()),
        );
        let user = errors.check("channel[smtp][user]", validation::smtp_user(&self.user));
        let typed = errors.check(
            "channel[smtp][password]",
            validation::smtp_password(&self.password),
        );
        let from = errors.check("channel[smtp][from]", validation::mailbox(&self.from));
        let to = errors.check("channel[smtp][to]", validation::recipients(&self.to));
        let mut password = String::new();
        if let (Some(user), Some(typed)) = (&user, &typed) {
            // A blank password keeps the stored one for the same user.
            let kept = stored_login
                .filter(|(u, _)| u == user && typed.is_empty())
                .map(|(_, p)| p.clone());
            match (user.is_empty(), typed.is_empty(), kept) {
                (true, false, _) => errors.add(
                    "channel[smtp][user]",
                    "Enter the user name that goes with the password, or clear the password.",
                ),
                (true, true, _) => {}
                (false, _, Some(stored)) => password = stored,
                (false, true, None) => errors.add(
                    "channel[smtp][password]",
                    format!("Enter the password for {user}."),
                ),
                (false, false, None) => password = typed.clone(),
            }
            if !user.is_empty() && security == Some(Security::None) {
                errors.add(
                    "channel[smtp][security]",
                    "Signing in needs STARTTLS or TLS: without encryption the password would cross the network in clear text.",
                );
            }
        }
        Some(EmailSettings {
            host: host?,
            port: port?,
            security: security?,
            user: user?,
            password,
            from: from?,
            to: to?,
        })
    }
}

pub fn channel_path(project: &str, id: &str) -> String {
    format!("/p/{project}/settings/notifications/channels/{id}")
}

#[server(prefix = "/api", endpoint = "list_channels")]
pub async fn list_channels(project: String) -> Result<Vec<ChannelView>, AppError> {
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project, .. } =
        crate::server::access::project(&project, crate::server::access::Need::Member).await?;
    store::channels::list(&state.db, &project.id).await
}

#[server(prefix = "/api", endpoint = "get_channel")]
pub async fn get_channel(project: String, id: String) -> Result<ChannelView, AppError> {
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project, .. } =
        crate::server::access::project(&project, crate::server::access::Need::Member).await?;
    store::channels::get(&state.db, &project.id, &id).await
}

#[server(prefix = "/api", endpoint = "create_channel")]
pub async fn create_channel(
    project: String,
    channel: ChannelForm,
) -> Result<ChannelCreated, AppError> {
    use crate::domain::accounts::AuditAction;
    use crate::server::access::{self, Need};
    use crate::server::store;
    let access = access::project(&project, Need::Admin).await?;
    let (state, project) = (&access.state, &access.project);
    let kind = parse_kind(&channel.kind).map_err(|m| AppError::invalid("channel[kind]", m))?;
    let input = checked(state, project, &channel, kind, &StoredSecrets::default())?;
    let txn = store::begin_write(&state.db).await?;
    let (model, secret) = store::channels::create(&txn, &state.secrets, &project.id, input).await?;
    // Short enough for the log's column: the webhook URL (masked), the
    // chat service's host, or the e-mail recipients.
    let destination = match kind {
        ChannelKind::Webhook => validation::mask_url(&model.url),
        ChannelKind::Email => serde_json::from_str::<EmailSettings>(&model.config)
            .map(|e| e.summary())
            .unwrap_or_default(),
        _ => url::Url::parse(&model.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default(),
    };
    let detail = format!("{}, {destination}", kind.label());
    store::audit::record(
        &txn,
        &access,
        AuditAction::ChannelCreated,
        Some(&model.id),
        &model.name,
        Some(detail),
    )
    .await?;
    txn.commit().await?;
    // Only webhooks sign, so only they have a secret to show.
    let secret = kind.is_signed().then_some(secret);
    if crate::server::web::is_plain_form_post() {
        // Without JavaScript the browser follows a redirect and never sees
        // this response, so the secret is parked for one pick-up.
        let query = match &secret {
            Some(secret) => {
                let token =
                    store::reveals::park(&state.db, &format!("channel:{}", model.id), secret)
                        .await?;
                format!("created={token}")
            }
            None => "new=1".to_string(),
        };
        leptos_axum::redirect(&format!(
            "{}?{query}",
            channel_path(&project.name, &model.id)
        ));
    }
    Ok(ChannelCreated {
        id: model.id,
        name: model.name,
        kind: kind.as_str().to_string(),
        secret,
    })
}

/// Validates the form for a channel of `kind` and renders its template on
/// every event type's sample; reports all problems at once.
#[cfg(feature = "ssr")]
fn checked(
    state: &crate::server::AppState,
    project: &crate::server::db::entities::project::Model,
    form: &ChannelForm,
    kind: ChannelKind,
    stored: &StoredSecrets,
) -> Result<ValidChannel, AppError> {
    let valid = form.validate(kind, stored, &state.config.delivery.extra_chat_hosts);
    let template_errors = match form.template.normalized(kind) {
        Ok(Some(template)) => crate::server::templates::check(
            kind,
            &template,
            &project.id,
            &project.name,
            &state.config.public_url,
        )
        .err(),
        _ => None,
    };
    match (valid, template_errors) {
        (Ok(valid), None) => Ok(valid),
        (Ok(_), Some(errors)) => Err(errors.into()),
        (Err(mut errors), Some(more)) => {
            errors.0.extend(more.0);
            Err(errors.into())
        }
        (Err(errors), None) => Err(errors.into()),
    }
}

/// Shows a secret parked by `create_channel` for a browser without
/// JavaScript; a token works once.
#[server(prefix = "/api", endpoint = "take_new_secret")]
pub async fn take_new_secret(
    project: String,
    id: String,
    token: String,
) -> Result<Option<String>, AppError> {
    use crate::server::store;
    let crate::server::access::ProjectAccess { state, project, .. } =
        crate::server::access::project(&project, crate::server::access::Need::Admin).await?;
    let channel = store::channels::find(&state.db, &project.id, &id).await?;
    store::reveals::take(&state.db, &format!("channel:{}", channel.id), &token).await
}

#[server(prefix = "/api", endpoint = "update_channel")]
pub async fn update_channel(
    project: String,
    id: String,
    channel: ChannelForm,
) -> Result<ChannelView, AppError> {
    use crate::domain::accounts::AuditAction;
    use crate::server::access::{self, Need};
    use crate::server::store;
    let access = access::project(&project, Need::Admin).await?;
    let (state, project) = (&access.state, &access.project);
    let existing = store::channels::find(&state.db, &project.id, &id).await?;
    // The type is fixed when a channel is created.
    let kind = ChannelKind::parse(&existing.kind).unwrap_or_default();
    let mut channel = channel;
    // The form shows the URL with credentials masked; unchanged means keep them.
    if channel.url.trim() == validation::mask_destination(kind, &existing.url) {
        channel.url = existing.url.clone();
    }
    let stored = store::channels::stored_secrets(&state.secrets, &existing)?;
    let input = checked(state, project, &channel, kind, &stored)?;
    let detail = describe_changes(&existing, &stored, &input);
    let txn = store::begin_write(&state.db).await?;
    let updated = store::channels::update(&txn, &state.secrets, existing, input).await?;
    if let Some(detail) = detail {
        store::audit::record(
            &txn,
            &access,
            AuditAction::ChannelUpdated,
            Some(&updated.id),
            &updated.name,
            Some(detail),
        )
        .await?;
    }
    txn.commit().await?;
    leptos_axum::redirect(&format!("{}?saved=1", channel_path(&project.name, &id)));
    Ok(updated)
}

/// What an edit changes, in words for the audit log; None when nothing.
#[cfg(feature = "ssr")]
fn describe_changes(
    existing: &crate::server::db::entities::channel::Model,
    stored: &StoredSecrets,
    input: &ValidChannel,
) -> Option<String> {
    let mut changes = Vec::new();
    if existing.name != input.name {
        changes.push(format!("renamed from “{}”", existing.name));
    }
    if input.email.is_none() && existing.url != input.url {
        changes.push(match input.kind {
            ChannelKind::Webhook => format!("URL → {}", validation::mask_url(&input.url)),
            // Chat URLs are mostly secret token; the host says enough.
            _ => format!(
                "URL changed ({})",
                url::Url::parse(&input.url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                    .unwrap_or_default()
            ),
        });
    }
    if stored.headers != input.headers {
        let names: Vec<&str> = input.headers.iter().map(|(n, _)| n.as_str()).collect();
        changes.push(if names.is_empty() {
            "custom headers removed".to_string()
        } else {
            format!("custom headers → {}", names.join(", "))
        });
    }
    if let Some(email) = &input.email {
        // The stored password is sealed; compare settings without it.
        let before: Option<EmailSettings> = serde_json::from_str(&existing.config).ok();
        let unchanged = before.is_some_and(|b| {
            (&b.host, b.port, b.security, &b.user, &b.from, &b.to)
                == (
                    &email.host,
                    email.port,
                    email.security,
                    &email.user,
                    &email.from,
                    &email.to,
                )
        });
        if !unchanged {
            changes.push(format!("SMTP settings → {}", email.summary()));
        }
        let old_password = stored.smtp_login.as_ref().map(|(_, p)| p.as_str());
        if old_password.unwrap_or_default() != email.password {
            changes.push("SMTP password changed".to_string());
        }
    }
    let before: Option<ChannelTemplate> = existing
        .template
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok());
    if before != input.template {
        changes.push(
            match (&before, &input.template) {
                (None, Some(_)) => "template set",
                (Some(_), None) => "template removed (default message)",
                _ => "template changed",
            }
            .to_string(),
        );
    }
    if existing.enabled != input.enabled {
        changes.push(if input.enabled { "enabled" } else { "disabled" }.to_string());
    }
    (!changes.is_empty()).then(|| changes.join("; "))
}

/// Issues a new signing secret, shown once; the old one keeps signing
/// alongside it for 24 hours.
#[server(prefix = "/api", endpoint = "rotate_channel_secret")]
pub async fn rotate_channel_secret(
    project: String,
    id: String,
) -> Result<ChannelCreated, AppError> {
    use crate::domain::accounts::AuditAction;
    use crate::server::access::{self, Need};
    use crate::server::store;
    let access = access::project(&project, Need::Admin).await?;
    let (state, project) = (&access.state, &access.project);
    let existing = store::channels::find(&state.db, &project.id, &id).await?;
    if !ChannelKind::parse(&existing.kind)
        .unwrap_or_default()
        .is_signed()
    {
        return Err(AppError::invalid(
            "id",
            "Only webhook channels sign their messages; this channel has no secret.",
        ));
    }
    let name = existing.name.clone();
    let kind = existing.kind.clone();
    let txn = store::begin_write(&state.db).await?;
    let secret = store::channels::rotate_secret(&txn, &state.secrets, existing).await?;
    store::audit::record(
        &txn,
        &access,
        AuditAction::ChannelSecretRotated,
        Some(&id),
        &name,
        Some("the previous secret keeps signing for 24 hours".into()),
    )
    .await?;
    txn.commit().await?;
    if crate::server::web::is_plain_form_post() {
        let token = store::reveals::park(&state.db, &format!("channel:{id}"), &secret).await?;
        leptos_axum::redirect(&format!(
            "{}?rotated={token}",
            channel_path(&project.name, &id)
        ));
    }
    Ok(ChannelCreated {
        id,
        name,
        kind,
        secret: Some(secret),
    })
}

#[server(prefix = "/api", endpoint = "set_channel_enabled")]
pub async fn set_channel_enabled(
    project: String,
    id: String,
    enabled: bool,
) -> Result<(), AppError> {
    use crate::domain::accounts::AuditAction;
    use crate::server::access::{self, Need};
    use crate::server::store;
    let access = access::project(&project, Need::Admin).await?;
    let (state, project) = (&access.state, &access.project);
    let existing = store::channels::find(&state.db, &project.id, &id).await?;
    let name = existing.name.clone();
    let was_enabled = existing.enabled;
    let txn = store::begin_write(&state.db).await?;
    store::channels::set_enabled(&txn, existing, enabled).await?;
    if was_enabled != enabled {
        let action = if enabled {
            AuditAction::ChannelEnabled
        } else {
            AuditAction::ChannelDisabled
        };
        store::audit::record(&txn, &access, action, Some(&id), &name, None).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Deletes a channel. If routings use it, the first call answers
/// `ConfirmDelete` naming them; a call with `confirm` set deletes them too.
#[server(prefix = "/api", endpoint = "delete_channel")]
pub async fn delete_channel(
    project: String,
    id: String,
    confirm: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::accounts::AuditAction;
    use crate::server::access::{self, Need};
    use crate::server::store;
    let access = access::project(&project, Need::Admin).await?;
    let (state, project) = (&access.state, &access.project);
    let existing = store::channels::find(&state.db, &project.id, &id).await?;
    let name = existing.name.clone();
    let txn = store::begin_write(&state.db).await?;
    store::channels::delete(&txn, existing, confirm.is_some()).await?;
    store::audit::record(
        &txn,
        &access,
        AuditAction::ChannelDeleted,
        Some(&id),
        &name,
        None,
    )
    .await?;
    txn.commit().await?;
    leptos_axum::redirect(&crate::api::projects::channels_path(&project.name));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(headers: &[(&str, &str)]) -> ChannelForm {
        ChannelForm {
            name: "Alerts".into(),
            url: "https://example.com/hook".into(),
            headers: headers
                .iter()
                .map(|(n, v)| HeaderInput {
                    name: n.to_string(),
                    value: v.to_string(),
                })
                .collect(),
            enabled: Some("on".into()),
            ..Default::default()
        }
    }

    fn webhook(f: &ChannelForm, stored: &[(String, String)]) -> Result<ValidChannel, FieldErrors> {
        let stored = StoredSecrets {
            headers: stored.to_vec(),
            smtp_login: None,
        };
        f.validate(ChannelKind::Webhook, &stored, &[])
    }

    #[test]
    fn blank_header_rows_are_ignored() {
        let valid = webhook(&form(&[("", ""), ("X-Team", "ml"), ("  ", " ")]), &[]).unwrap();
        assert_eq!(
            valid.headers,
            vec![("X-Team".to_string(), "ml".to_string())]
        );
        assert!(valid.enabled);
        assert_eq!(valid.kind, ChannelKind::Webhook);
        assert_eq!(valid.template, None);
    }

    #[test]
    fn header_errors_name_their_row() {
        let errors = webhook(
            &form(&[("X-A", "1"), ("x-a", "2"), ("Bad Name", "v"), ("X-B", "")]),
            &[],
        )
        .unwrap_err();
        assert!(errors
            .get("channel[headers][1][name]")
            .unwrap()
            .contains("twice"));
        assert!(errors.get("channel[headers][2][name]").is_some());
        assert!(errors.get("channel[headers][3][value]").is_some());
        assert!(errors.get("channel[headers][0][name]").is_none());
    }

    #[test]
    fn blank_value_keeps_stored_value_on_edit() {
        let stored = vec![("X-Token".to_string(), "s3cret".to_string())];
        let valid = webhook(&form(&[("X-Token", "")]), &stored).unwrap();
        assert_eq!(valid.headers, stored);
        let changed = webhook(&form(&[("X-Token", "new")]), &stored).unwrap();
        assert_eq!(changed.headers[0].1, "new");
    }

    #[test]
    fn too_many_headers() {
        let many: Vec<(String, String)> = (0..=HEADERS_MAX)
            .map(|i| (format!("X-{i}"), "v".to_string()))
            .collect();
        let refs: Vec<(&str, &str)> = many.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert!(webhook(&form(&refs), &[])
            .unwrap_err()
            .get("channel[headers]")
            .is_some());
    }

    #[test]
    fn unchecked_enabled_means_disabled() {
        let mut f = form(&[]);
        f.enabled = None;
        assert!(!webhook(&f, &[]).unwrap().enabled);
    }

    #[test]
    fn kinds_parse() {
        assert_eq!(parse_kind(""), Ok(ChannelKind::Webhook));
        assert_eq!(parse_kind("teams"), Ok(ChannelKind::Teams));
        assert!(parse_kind("pager").unwrap_err().contains("“pager”"));
    }

    #[test]
    fn chat_channels_check_their_url_and_ignore_headers() {
        let mut f = form(&[("X-A", "1")]);
        f.url = "https://hooks.slack.com/services/T1/B2/abc".into();
        let valid = f
            .validate(ChannelKind::Slack, &StoredSecrets::default(), &[])
            .unwrap();
        assert!(valid.headers.is_empty());
        assert!(valid.email.is_none());
        f.url = "https://example.com/hook".into();
        let errors = f
            .validate(ChannelKind::Discord, &StoredSecrets::default(), &[])
            .unwrap_err();
        assert!(errors.get("channel[url]").unwrap().contains("discord.com"));
    }

    fn email_form() -> ChannelForm {
        ChannelForm {
            name: "Team mail".into(),
            enabled: Some("on".into()),
            smtp: SmtpForm {
                host: "smtp.example.com".into(),
                port: "".into(),
                security: "starttls".into(),
                user: "ops".into(),
                password: "pw".into(),
                from: "Herald <herald@example.com>".into(),
                to: "a@example.com, b@example.com".into(),
            },
            ..Default::default()
        }
    }

    #[test]
    fn email_settings_validate_and_keep_a_blank_password() {
        let valid = email_form()
            .validate(ChannelKind::Email, &StoredSecrets::default(), &[])
            .unwrap();
        let email = valid.email.unwrap();
        assert_eq!(email.port, 587);
        assert_eq!(email.password, "pw");
        assert_eq!(email.to, vec!["a@example.com", "b@example.com"]);
        assert_eq!(valid.url, "smtp://smtp.example.com:587");

        let stored = StoredSecrets {
            headers: vec![],
            smtp_login: Some(("ops".into(), "old".into())),
        };
        let mut f = email_form();
        f.smtp.password.clear();
        let kept = f.validate(ChannelKind::Email, &stored, &[]).unwrap();
        assert_eq!(kept.email.unwrap().password, "old");
        f.smtp.user = "someone-else".into();
        let errors = f.validate(ChannelKind::Email, &stored, &[]).unwrap_err();
        assert!(errors
            .get("channel[smtp][password]")
            .unwrap()
            .contains("someone-else"));
    }

    #[test]
    fn email_errors_name_their_fields() {
        let mut f = email_form();
        f.smtp = SmtpForm {
            host: "smtp://x".into(),
            port: "99999".into(),
            security: "none".into(),
            user: "ops".into(),
            password: "pw".into(),
            from: "not an address".into(),
            to: "".into(),
        };
        let errors = f
            .validate(ChannelKind::Email, &StoredSecrets::default(), &[])
            .unwrap_err();
        for field in [
            "channel[smtp][host]",
            "channel[smtp][port]",
            "channel[smtp][security]",
            "channel[smtp][from]",
            "channel[smtp][to]",
        ] {
            assert!(errors.get(field).is_some(), "{field}: {errors}");
        }
        assert!(errors
            .get("channel[smtp][security]")
            .unwrap()
            .contains("clear text"));
        f = email_form();
        f.smtp.user.clear();
        let errors = f
            .validate(ChannelKind::Email, &StoredSecrets::default(), &[])
            .unwrap_err();
        assert!(errors
            .get("channel[smtp][user]")
            .unwrap()
            .contains("user name"));
        f.smtp.password.clear();
        assert!(
            f.validate(ChannelKind::Email, &StoredSecrets::default(), &[])
                .is_ok(),
            "no sign-in at all is fine"
        );
    }
}
