//! Dry runs: the routing decision and the rendering of the real pipeline,
//! run for one event without writing or sending anything.
use crate::api::dry_run::{DryRunReport, DryRunRequest, DryRunRouting, DryRunSent};
use crate::api::templates::PreviewPart;
use crate::api::AppError;
use crate::domain::filters;
use crate::domain::formats::{EmailContent, Notice};
use crate::domain::render::sample_data;
use crate::domain::template::Part;
use crate::domain::validation::mask_destination;
use crate::domain::{ChannelKind, EventType};
use crate::server::db::entities::{channel, project, routing};
use crate::server::dispatch::compose::{compose, has_part, kind_of};
use crate::server::dispatch::outbox::{self, Target};
use crate::server::dispatch::{email, sender};
use crate::server::ids::{new_id, now_ms};
use crate::server::store;
use crate::server::templates::pretty_json;
use crate::server::AppState;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Map, Value};

/// The event a dry run is about.
struct Subject {
    event_type: EventType,
    data: Map<String, Value>,
    origin: String,
}

async fn subject(
    state: &AppState,
    project: &project::Model,
    source: &str,
) -> Result<Subject, AppError> {
    let bad = |m: &str| AppError::invalid("source", m.to_string());
    match source.split_once(':') {
        Some(("sample", name)) => {
            let event_type = EventType::parse(name)
                .ok_or_else(|| bad(&format!("“{name}” is not a known event type.")))?;
            Ok(Subject {
                event_type,
                data: sample_data(event_type, &project.id, &project.name),
                origin: format!("Sample of “{}”", event_type.label()),
            })
        }
        Some(("event", id)) => {
            let event = match store::events::find(state, &project.id, id).await {
                Err(AppError::NotFound(_)) => {
                    return Err(bad("That event does not exist in this project."))
                }
                other => other?,
            };
            let event_type = EventType::parse(&event.event_type)
                .ok_or_else(|| bad("That event's type is no longer known."))?;
            Ok(Subject {
                event_type,
                data: store::events::data_of(&event),
                origin: format!("Event {} received {}", event.id, rfc3339(event.created_at)),
            })
        }
        _ => Err(bad("Choose a past event or a sample to try.")),
    }
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

/// Why `r` (to `c`) would not take the event, or None when it would.
fn why_not(
    r: &routing::Model,
    c: &channel::Model,
    event_type: EventType,
    data: &Map<String, Value>,
) -> Option<String> {
    if r.event_type != event_type.as_str() {
        let wanted = EventType::parse(&r.event_type)
            .map(|t| t.label().to_string())
            .unwrap_or_else(|| r.event_type.clone());
        return Some(format!("It is for “{wanted}” events."));
    }
    if !r.enabled {
        return Some("The routing is disabled.".into());
    }
    if !c.enabled {
        return Some(match &c.disabled_reason {
            Some(reason) => format!("The channel is disabled: {reason}"),
            None => "The channel is disabled.".into(),
        });
    }
    let conditions = store::routings::conditions_of(r);
    filters::check_all(&conditions, data)
        .err()
        .map(|why| format!("{}.", capitalize_first(&why)))
}

fn capitalize_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What `c` would send for `notice`: the exact request, secrets masked.
fn request(state: &AppState, c: &channel::Model, notice: &Notice) -> Result<DryRunRequest, String> {
    let composed = compose(c, notice);
    // A preview id: the real message gets its own when it is queued.
    let msg_id = sender::message_id(&format!("dry-run-{}", new_id()));
    let kind = kind_of(c);
    let part = |part: Part, content: String, is_html: bool| PreviewPart {
        part: part.as_str().to_string(),
        label: part.label().to_string(),
        content,
        is_html,
        custom: composed.template_error.is_none() && has_part(c, part),
    };
    if kind == ChannelKind::Email {
        let prepared = email::prepare(&state.secrets, c, &composed.payload, &msg_id)
            .map_err(|(_, why)| why)?;
        let EmailContent {
            subject,
            text,
            html,
        } = prepared.content.clone();
        return Ok(DryRunRequest {
            target: format!(
                "SMTP {}:{} ({}) to {}",
                prepared.settings.host,
                prepared.settings.port,
                prepared.settings.security.short(),
                prepared.settings.to.join(", ")
            ),
            headers: prepared.shown_headers,
            parts: vec![
                part(Part::Subject, subject, false),
                part(Part::Text, text, false),
                part(Part::Html, html, true),
            ],
            exact: String::from_utf8_lossy(&prepared.message.formatted()).into_owned(),
            template_error: composed.template_error,
        });
    }
    let prepared = sender::prepare_http(
        &state.secrets,
        c,
        &composed.payload,
        &msg_id,
        now_ms() / 1000,
    )
    .map_err(|(_, why)| why)?;
    Ok(DryRunRequest {
        target: format!("POST {}", mask_destination(kind, &c.url)),
        headers: prepared.shown_headers,
        parts: vec![part(Part::Body, pretty_json(&prepared.body), false)],
        exact: prepared.body,
        template_error: composed.template_error,
    })
}

pub async fn run(
    state: &AppState,
    project: &project::Model,
    source: &str,
) -> Result<DryRunReport, AppError> {
    let subject = subject(state, project, source).await?;
    let notice = Notice::new(
        subject.event_type,
        &project.id,
        &project.name,
        &subject.data,
        &state.config.public_url,
    );
    let rows = routing::Entity::find()
        .filter(routing::Column::ProjectId.eq(project.id.as_str()))
        .find_also_related(channel::Entity)
        .all(&state.db)
        .await?;
    let mut routings: Vec<DryRunRouting> = rows
        .into_iter()
        .filter_map(|(r, c)| c.map(|c| (r, c)))
        .map(|(r, c)| {
            let mut reason = why_not(&r, &c, subject.event_type, &subject.data);
            let request = match reason {
                Some(_) => None,
                None => match request(state, &c, &notice) {
                    Ok(req) => Some(req),
                    Err(why) => {
                        reason = Some(format!("The message cannot be built: {why}"));
                        None
                    }
                },
            };
            let conditions = store::routings::conditions_of(&r);
            DryRunRouting {
                event_label: EventType::parse(&r.event_type)
                    .map(|t| t.label().to_string())
                    .unwrap_or_else(|| r.event_type.clone()),
                routing_id: r.id,
                channel_id: c.id,
                channel_name: c.name,
                channel_kind: c.kind,
                filters_words: filters::describe(&conditions),
                matched: reason.is_none(),
                reason,
                request,
            }
        })
        .collect();
    // Matches first, then routings for this event type, then the rest.
    let rank = |r: &DryRunRouting| {
        (
            !r.matched,
            r.event_label != subject.event_type.label(),
            r.channel_name.clone(),
        )
    };
    routings.sort_by_key(rank);
    Ok(DryRunReport {
        source: source.to_string(),
        origin: subject.origin,
        event_type: subject.event_type.as_str().to_string(),
        event_label: subject.event_type.label().to_string(),
        title: notice.message.title.clone(),
        data: serde_json::to_string_pretty(&subject.data).unwrap_or_default(),
        routings,
    })
}

/// Sends the event for real: a new event through ingestion's own path.
pub async fn send(
    state: &AppState,
    project: &project::Model,
    source: &str,
) -> Result<DryRunSent, AppError> {
    let subject = subject(state, project, source).await?;
    let accepted = outbox::accept(
        &state.db,
        project,
        subject.event_type,
        &subject.data,
        None,
        Target::Routings,
        &state.config.public_url,
    )
    .await?;
    state.wake.notify_one();
    Ok(DryRunSent {
        event_id: accepted.event_id,
        deliveries: accepted.deliveries,
    })
}
