//! Microsoft Teams workflows: a message with one Adaptive Card attachment,
//! the shape the "When a Teams webhook request is received" trigger posts
//! into a channel.

use super::Notice;
use crate::domain::render::{Segment, Tone};
use serde_json::{json, Value};

pub const CARD_CONTENT_TYPE: &str = "application/vnd.microsoft.card.adaptive";

fn color(tone: Tone) -> &'static str {
    match tone {
        Tone::Success => "Good",
        Tone::Failure => "Attention",
        Tone::Warning => "Warning",
        Tone::Info => "Default",
    }
}

pub fn render(n: &Notice) -> Value {
    // Adaptive Card Markdown: links as [text](url); a paragraph break is needed
    // for a new line to show.
    let body: String = n
        .segments()
        .into_iter()
        .map(|s| match s {
            Segment::Text(t) => t.replace('\n', "\n\n"),
            Segment::Link { text, url } => format!("[{}]({url})", escape_link_text(&text)),
        })
        .collect();
    let mut card_body = vec![
        json!({
            "type": "TextBlock",
            "text": format!("{} · {}", n.event_type.label(), n.project),
            "isSubtle": true,
            "size": "Small",
            "wrap": true
        }),
        json!({
            "type": "TextBlock",
            "text": n.title(),
            "size": "Medium",
            "weight": "Bolder",
            "color": color(n.tone),
            "wrap": true
        }),
        json!({ "type": "TextBlock", "text": body, "wrap": true }),
    ];
    if !n.facts.is_empty() {
        let facts: Vec<Value> = n
            .facts
            .iter()
            .map(|(title, value)| json!({ "title": title, "value": value }))
            .collect();
        card_body.push(json!({ "type": "FactSet", "facts": facts }));
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": CARD_CONTENT_TYPE,
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "msteams": { "width": "Full" },
                "body": card_body,
                "actions": [{ "type": "Action.OpenUrl", "title": "View details", "url": n.link }]
            }
        }]
    })
}

fn escape_link_text(s: &str) -> String {
    s.replace('[', "\\[").replace(']', "\\]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::render::sample_data;
    use crate::domain::EventType;

    #[test]
    fn card_shape() {
        let d = sample_data(EventType::DeploymentFailed, "pid", "demo/x");
        let n = Notice::new(
            EventType::DeploymentFailed,
            "pid",
            "demo/x",
            &d,
            "https://h",
        );
        let v = render(&n);
        let card = &v["attachments"][0]["content"];
        assert_eq!(card["version"], "1.4");
        assert_eq!(card["body"][1]["text"], n.title());
        assert_eq!(card["body"][1]["color"], "Attention");
        assert!(card["body"][2]["text"].as_str().unwrap().contains("\n\n"));
        assert_eq!(card["body"][3]["type"], "FactSet");
        assert_eq!(card["actions"][0]["url"], n.link.as_str());
    }
}
