use super::AppError;
use crate::domain::validation::{self, FieldErrors, HEADERS_MAX};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelView {
    pub id: String,
    pub name: String,
    pub kind: String,
    /// The destination with any credentials replaced by `***`.
    pub url_masked: String,
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
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelCreated {
    pub id: String,
    pub name: String,
    /// The signing secret, shown to the user this once.
    pub secret: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: String,
}

/// The channel form as posted: `channel[name]`, `channel[url]`,
/// `channel[headers][i][name|value]`, `channel[enabled]` (a checkbox).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub headers: Vec<HeaderInput>,
    #[serde(default)]
    pub enabled: Option<String>,
}

/// A channel form that passed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidChannel {
    pub name: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub enabled: bool,
}

impl ChannelForm {
    /// Checks every field. On edit, `existing` holds the stored headers: a
    /// row with a known name and a blank value keeps the stored value, since
    /// values are never sent to the browser.
    pub fn validate(&self, existing: &[(String, String)]) -> Result<ValidChannel, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("channel[name]", validation::channel_name(&self.name));
        let url = errors.check("channel[url]", validation::webhook_url(&self.url));
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
        errors.into_result()?;
        Ok(ValidChannel {
            name: name.unwrap_or_default(),
            url: url.unwrap_or_default(),
            headers,
            enabled: self.enabled.is_some(),
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
    let input = channel.validate(&[])?;
    let txn = store::begin_write(&state.db).await?;
    let (model, secret) = store::channels::create(&txn, &state.secrets, &project.id, input).await?;
    let detail = format!("URL {}", validation::mask_url(&model.url));
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
    if crate::server::web::is_plain_form_post() {
        // Without JavaScript the browser follows a redirect and never sees
        // this response, so the secret is parked for one pick-up.
        let token =
            store::reveals::park(&state.db, &format!("channel:{}", model.id), &secret).await?;
        leptos_axum::redirect(&format!(
            "{}?created={token}",
            channel_path(&project.name, &model.id)
        ));
    }
    Ok(ChannelCreated {
        id: model.id,
        name: model.name,
        secret,
    })
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
    let mut channel = channel;
    // The form shows the URL with credentials masked; unchanged means keep them.
    if channel.url.trim() == validation::mask_url(&existing.url) {
        channel.url = existing.url.clone();
    }
    let stored_headers = store::channels::open_headers(&state.secrets, &existing)?;
    let input = channel.validate(&stored_headers)?;
    let detail = describe_changes(&existing, &stored_headers, &input);
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
    stored_headers: &[(String, String)],
    input: &ValidChannel,
) -> Option<String> {
    let mut changes = Vec::new();
    if existing.name != input.name {
        changes.push(format!("renamed from “{}”", existing.name));
    }
    if existing.url != input.url {
        changes.push(format!("URL → {}", validation::mask_url(&input.url)));
    }
    if stored_headers != input.headers.as_slice() {
        let names: Vec<&str> = input.headers.iter().map(|(n, _)| n.as_str()).collect();
        changes.push(if names.is_empty() {
            "custom headers removed".to_string()
        } else {
            format!("custom headers → {}", names.join(", "))
        });
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
    let name = existing.name.clone();
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
    Ok(ChannelCreated { id, name, secret })
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
        }
    }

    #[test]
    fn blank_header_rows_are_ignored() {
        let valid = form(&[("", ""), ("X-Team", "ml"), ("  ", " ")])
            .validate(&[])
            .unwrap();
        assert_eq!(
            valid.headers,
            vec![("X-Team".to_string(), "ml".to_string())]
        );
        assert!(valid.enabled);
    }

    #[test]
    fn header_errors_name_their_row() {
        let errors = form(&[("X-A", "1"), ("x-a", "2"), ("Bad Name", "v"), ("X-B", "")])
            .validate(&[])
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
        let valid = form(&[("X-Token", "")]).validate(&stored).unwrap();
        assert_eq!(valid.headers, stored);
        let changed = form(&[("X-Token", "new")]).validate(&stored).unwrap();
        assert_eq!(changed.headers[0].1, "new");
    }

    #[test]
    fn too_many_headers() {
        let many: Vec<(String, String)> = (0..=HEADERS_MAX)
            .map(|i| (format!("X-{i}"), "v".to_string()))
            .collect();
        let refs: Vec<(&str, &str)> = many.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert!(form(&refs)
            .validate(&[])
            .unwrap_err()
            .get("channel[headers]")
            .is_some());
    }

    #[test]
    fn unchecked_enabled_means_disabled() {
        let mut f = form(&[]);
        f.enabled = None;
        assert!(!f.validate(&[]).unwrap().enabled);
    }
}
