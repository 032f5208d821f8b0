//! How each channel type renders an event for its receiver (DESIGN.md §3):
//! the Valohai-compatible JSON for webhooks, Slack blocks, a Discord embed,
//! a Teams Adaptive Card, an e-mail with a plain-text and an HTML part.
//! Pure and deterministic, so the browser could preview and the golden
//! files in `tests/golden/` pin every byte.

pub mod discord;
pub mod email;
pub mod slack;
pub mod teams;

#[cfg(test)]
mod golden;

use super::render::{self, Message, Segment, Tone};
use super::{ChannelKind, EventType};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Everything a format needs about one event, rendered once.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub event_type: EventType,
    /// The default webhook message; its title, body and url feed every format.
    pub message: Message,
    /// The project as messages name it (`owner/name`).
    pub project: String,
    /// The absolute link to the object the event is about.
    pub link: String,
    pub facts: Vec<(String, String)>,
    pub tone: Tone,
    pub public_url: String,
}

impl Notice {
    pub fn new(
        event_type: EventType,
        project_id: &str,
        project_name: &str,
        data: &Map<String, Value>,
        public_url: &str,
    ) -> Notice {
        let public_url = public_url.trim_end_matches('/').to_string();
        let message = render::render(event_type, project_id, project_name, data, &public_url);
        Notice {
            event_type,
            project: render::display_project(project_id, project_name, data),
            link: format!("{public_url}{}", message.url),
            facts: render::facts(event_type, data),
            tone: Tone::of(event_type),
            message,
            public_url,
        }
    }

    pub fn title(&self) -> &str {
        &self.message.title
    }

    pub fn segments(&self) -> Vec<Segment> {
        render::segments(&self.message.body)
    }

    /// The body with links written `text <url>`, for plain text.
    pub fn body_text(&self) -> String {
        self.segments()
            .into_iter()
            .map(|s| match s {
                Segment::Text(t) => t,
                Segment::Link { text, url } => format!("{text} <{url}>"),
            })
            .collect()
    }

    /// The body as HTML: text escaped, links as anchors, line breaks kept.
    pub fn body_html(&self) -> String {
        self.segments()
            .into_iter()
            .map(|s| match s {
                Segment::Text(t) => escape_html(&t).replace('\n', "<br>\n"),
                Segment::Link { text, url } => format!(
                    "<a href=\"{}\" style=\"color:#4f46e5\">{}</a>",
                    escape_html(&url),
                    escape_html(&text)
                ),
            })
            .collect()
    }
}

/// What a channel sends for one event.
#[derive(Clone, Debug, PartialEq)]
pub enum Rendered {
    /// The exact body of an HTTP POST.
    Json(String),
    Email(EmailContent),
}

/// The parts of an e-mail; sender and recipients come from the channel.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailContent {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Rendered {
    /// What a delivery stores: the body itself, or the e-mail's parts as JSON.
    pub fn into_payload(self) -> String {
        match self {
            Rendered::Json(body) => body,
            Rendered::Email(email) => serde_json::to_string(&email).unwrap_or_default(),
        }
    }
}

/// Herald's own rendering of `notice` for a channel of `kind`.
pub fn render_default(kind: ChannelKind, notice: &Notice) -> Rendered {
    let json = |v: Value| Rendered::Json(serde_json::to_string(&v).unwrap_or_default());
    match kind {
        ChannelKind::Webhook => {
            Rendered::Json(serde_json::to_string(&notice.message).unwrap_or_default())
        }
        ChannelKind::Slack => json(slack::render(notice)),
        ChannelKind::Discord => json(discord::render(notice)),
        ChannelKind::Teams => json(teams::render(notice)),
        ChannelKind::Email => Rendered::Email(email::render(notice)),
    }
}

/// At most `max` characters, the last one an ellipsis when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::render::sample_data;

    pub const PROJECT_ID: &str = "016f3203-4a8c-969e-078c-52ab66947746";

    fn notice(t: EventType) -> Notice {
        let data = sample_data(t, PROJECT_ID, "demo/cool-tensorflow");
        Notice::new(
            t,
            PROJECT_ID,
            "demo/cool-tensorflow",
            &data,
            "https://herald.example.com/",
        )
    }

    #[test]
    fn notice_links_are_absolute() {
        let n = notice(EventType::ExecutionCompleted);
        assert_eq!(n.project, "demo/cool-tensorflow");
        assert_eq!(
            n.link,
            "https://herald.example.com/p/demo/cool-tensorflow/execution/0178f482-8686-fb28-8af1-3d36af38079d/"
        );
        assert_eq!(
            n.body_text(),
            format!("Execution demo/cool-tensorflow/#736 <{}> (by demouser)\nfinished with duration 11:01.", n.link)
        );
        assert!(n.body_html().starts_with(&format!(
            "Execution <a href=\"{}\" style=\"color:#4f46e5\">demo/cool-tensorflow/#736</a> (by demouser)<br>\n",
            n.link
        )));
    }

    #[test]
    fn html_escapes_data() {
        let mut data = Map::new();
        data.insert(
            "valohai.creator-name".into(),
            Value::from("<script>x</script>"),
        );
        data.insert("valohai.execution-counter".into(), Value::from("1\"><b>"));
        let n = Notice::new(
            EventType::ExecutionFailed,
            PROJECT_ID,
            "demo/x",
            &data,
            "https://h",
        );
        let html = n.body_html();
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        let Rendered::Email(e) = render_default(ChannelKind::Email, &n) else {
            panic!("email");
        };
        assert!(
            !e.html.contains("<script>") && !e.html.contains("<b>"),
            "{}",
            e.html
        );
    }

    #[test]
    fn every_kind_renders_every_event_as_its_receiver_expects() {
        for &t in EventType::ALL {
            let n = notice(t);
            for kind in ChannelKind::ALL {
                match render_default(kind, &n) {
                    Rendered::Json(body) => {
                        let v: Value = serde_json::from_str(&body).expect("JSON");
                        match kind {
                            ChannelKind::Webhook => assert_eq!(v["title"], n.title()),
                            ChannelKind::Slack => {
                                assert_eq!(v["text"], n.title());
                                assert_eq!(v["blocks"][0]["type"], "header");
                            }
                            ChannelKind::Discord => {
                                assert!(v["content"].as_str().is_some_and(|c| !c.is_empty()));
                                assert_eq!(v["embeds"][0]["url"], n.link.as_str());
                                assert_eq!(v["allowed_mentions"]["parse"], serde_json::json!([]));
                            }
                            ChannelKind::Teams => {
                                assert_eq!(v["type"], "message");
                                assert_eq!(
                                    v["attachments"][0]["contentType"],
                                    "application/vnd.microsoft.card.adaptive"
                                );
                                assert_eq!(v["attachments"][0]["content"]["type"], "AdaptiveCard");
                            }
                            ChannelKind::Email => unreachable!(),
                        }
                    }
                    Rendered::Email(e) => {
                        assert_eq!(kind, ChannelKind::Email);
                        assert_eq!(e.subject, n.title());
                        assert!(e.text.contains(&n.link), "{t}");
                        assert!(e.html.contains(&escape_html(&n.link)), "{t}");
                    }
                }
            }
        }
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate("héllo", 5), "héllo");
        assert_eq!(truncate("héllo!", 5), "héll…");
        assert_eq!(truncate("", 3), "");
    }
}
