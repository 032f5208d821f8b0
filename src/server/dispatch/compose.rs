//! What a delivery carries for one channel: the channel's template rendered
//! for the event, or Herald's rendering for the channel's type. Rendered once
//! at ingestion so every retry sends the same bytes.
use crate::domain::formats::{render_default, Notice};
use crate::domain::template::{ChannelTemplate, Part};
use crate::domain::ChannelKind;
use crate::server::db::entities::channel;
use crate::server::templates;
use std::collections::HashMap;

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

/// Renders one event for many channels, rendering Herald's default once
/// per channel type however many channels share it.
pub struct Composer<'a> {
    notice: &'a Notice,
    defaults: HashMap<ChannelKind, String>,
}

impl<'a> Composer<'a> {
    pub fn new(notice: &'a Notice) -> Self {
        Composer {
            notice,
            defaults: HashMap::new(),
        }
    }

    pub fn compose(&mut self, channel: &channel::Model) -> Composed {
        if template_of(channel).is_some() {
            return compose(channel, self.notice);
        }
        let notice = self.notice;
        let payload = self
            .defaults
            .entry(kind_of(channel))
            .or_insert_with_key(|kind| render_default(*kind, notice).into_payload())
            .clone();
        Composed {
            payload,
            template_error: None,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::render::sample_data;
    use crate::domain::EventType;

    fn channel(kind: &str, template: Option<&str>) -> channel::Model {
        channel::Model {
            id: format!("c-{kind}"),
            project_id: "p".into(),
            name: kind.into(),
            kind: kind.into(),
            url: "https://example.com/".into(),
            headers: serde_json::json!([]),
            secret: String::new(),
            enabled: true,
            disabled_reason: None,
            created_at: 0,
            updated_at: 0,
            failing_since: None,
            consecutive_failures: 0,
            previous_secret: None,
            previous_secret_until: None,
            config: "{}".into(),
            template: template.map(str::to_string),
        }
    }

    #[test]
    fn each_channel_gets_its_own_rendering() {
        let data = sample_data(EventType::TaskFailed, "pid", "demo/x");
        let notice = Notice::new(EventType::TaskFailed, "pid", "demo/x", &data, "https://h");
        let mut composer = Composer::new(&notice);
        let webhook = composer.compose(&channel("webhook", None)).payload;
        assert_eq!(webhook, serde_json::to_string(&notice.message).unwrap());
        let slack = composer.compose(&channel("slack", None)).payload;
        assert_eq!(
            slack,
            render_default(ChannelKind::Slack, &notice).into_payload()
        );
        assert_eq!(composer.compose(&channel("webhook", None)).payload, webhook);
        let templated = channel("slack", Some(r#"{"body": "{\"text\": {{ type }}}"}"#));
        assert_eq!(
            composer.compose(&templated).payload,
            "{\"text\": \"task_failed\"}"
        );
        // A template that fails on this event falls back to the default, saying why.
        let broken = channel(
            "slack",
            Some(r#"{"body": "{\"text\": {{ data.nope + 1 }}}"}"#),
        );
        let composed = composer.compose(&broken);
        assert_eq!(composed.payload, slack);
        assert!(composed.template_error.is_some());
    }
}
