//! Dry run: which routings an event would reach, and exactly what each would
//! send, without sending; then, if wanted, send it for real.
use super::templates::PreviewPart;
use super::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub fn dry_run_path(project: &str) -> String {
    format!("/p/{project}/settings/notifications/dry-run")
}

/// A past event to pick.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventChoice {
    pub id: String,
    pub event_type: String,
    pub event_label: String,
    pub created_at: i64,
    /// The title Herald renders for it.
    pub title: String,
}

/// The request one matching routing would make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DryRunRequest {
    /// "POST https://hooks.slack.com/services/T0/B0/***" or the SMTP server.
    pub target: String,
    /// As sent, secret values masked.
    pub headers: Vec<(String, String)>,
    /// The message, readable: pretty JSON, or the e-mail's parts.
    pub parts: Vec<PreviewPart>,
    /// The exact bytes: the body as signed, or the whole e-mail.
    pub exact: String,
    /// Why the template was not used, when it failed on this event.
    pub template_error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DryRunRouting {
    pub routing_id: String,
    pub event_label: String,
    pub channel_id: String,
    pub channel_name: String,
    pub channel_kind: String,
    pub filters_words: String,
    pub matched: bool,
    /// Why it does not match.
    pub reason: Option<String>,
    pub request: Option<DryRunRequest>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DryRunReport {
    /// What was asked for: `sample:<type>` or `event:<id>`.
    pub source: String,
    /// "Sample event" or "Event received …".
    pub origin: String,
    pub event_type: String,
    pub event_label: String,
    pub title: String,
    /// The event's data, pretty JSON.
    pub data: String,
    pub routings: Vec<DryRunRouting>,
}

impl DryRunReport {
    pub fn matched(&self) -> usize {
        self.routings.iter().filter(|r| r.matched).count()
    }
}

/// What sending for real did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DryRunSent {
    pub event_id: String,
    pub deliveries: i32,
}

/// The project's most recent events, newest first.
#[server(prefix = "/api", endpoint = "list_recent_events")]
pub async fn list_recent_events(project: String) -> Result<Vec<EventChoice>, AppError> {
    let crate::server::access::ProjectAccess { state, project, .. } =
        crate::server::access::project(&project, crate::server::access::Need::Member).await?;
    crate::server::store::events::recent(&state, &project).await
}

/// Evaluates every routing of the project for `source` (`sample:<type>` or
/// `event:<id>`) and renders what each match would send; sends nothing.
#[server(prefix = "/api", endpoint = "dry_run")]
pub async fn dry_run(project: String, source: String) -> Result<DryRunReport, AppError> {
    let crate::server::access::ProjectAccess { state, project, .. } =
        crate::server::access::project(&project, crate::server::access::Need::Member).await?;
    crate::server::dry_run::run(&state, &project, &source).await
}

/// Sends `source` for real, as a new event: every routing it matches gets a
/// delivery through the normal pipeline.
#[server(prefix = "/api", endpoint = "dry_run_send")]
pub async fn dry_run_send(project: String, source: String) -> Result<DryRunSent, AppError> {
    let crate::server::access::ProjectAccess { state, project, .. } =
        crate::server::access::project(&project, crate::server::access::Need::Member).await?;
    let sent = crate::server::dry_run::send(&state, &project, &source).await?;
    if crate::server::web::is_plain_form_post() {
        leptos_axum::redirect(&super::deliveries::deliveries_path(&project.name));
    }
    Ok(sent)
}
