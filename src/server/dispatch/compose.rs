//! What a delivery carries for one channel: the channel's template rendered
//! for the event, or Herald's rendering for the channel's type. Rendered once
//! at ingestion so every retry sends the same bytes.
use crate::domain::formats::{render_default, Notice};
use crate::domain::template::{ChannelTemplate, Part};
use crate::domain::ChannelKind;
use crate::server::db::entities::channel;
use crate::server::templates;

/// A channel's payload, and why its template was not used if it failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Composed {
    pub payload: String,
    pub template_error: Option<String>,
}

pub fn kind_of(channel: &channel::Model) -> ChannelKind {
    ChannelKind::parse(&channel.kind).unwrap_or_default()
}

/// The channel's stored template, if it has one.
pub fn template_of(channel: &channel::Model) -> Option<ChannelTemplate> {
    channel
        .template
        .as_deref()
        .and_then(|t| serde_json::from_str::<ChannelTemplate>(t).ok())
        .filter(|t| !t.is_default_for(kind_of(channel)))
}

/// Whether the channel's template writes `part` itself.
pub fn has_part(channel: &channel::Model, part: Part) -> bool {
    template_of(channel).is_some_and(|t| !t.get(part).trim().is_empty())
}

/// Renders `notice` for `channel`. A template that fails on this event
/// (it passed on every sample when saved, but real data differs) falls
/// back to Herald's rendering: an accepted event is never dropped.
pub fn compose(channel: &channel::Model, notice: &Notice) -> Composed {
    let kind = kind_of(channel);
    let template = template_of(channel);
    match templates::render(kind, template.as_ref(), notice) {
        Ok(rendered) => Composed {
            payload: rendered.into_payload(),
            template_error: None,
        },
        Err(e) => {
            tracing::warn!(channel = %channel.id, error = %e.describe(), "template failed; sending the default message");
            Composed {
                payload: render_default(kind, notice).into_payload(),
                template_error: Some(e.describe()),
            }
        }
    }
}
