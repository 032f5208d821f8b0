//! Slack incoming webhooks: `text` (the notification line) plus blocks — a
//! header with the title, the body with its links, the key fields, and a
//! context line naming the project.

use super::{truncate, Notice};
use crate::domain::render::Segment;
use serde_json::{json, Value};

/// Slack's limits: header text 150, section text 3000, 10 fields of 2000.
const HEADER_MAX: usize = 150;
const SECTION_MAX: usize = 3000;
const FIELDS_MAX: usize = 10;
const FIELD_MAX: usize = 2000;

pub fn render(n: &Notice) -> Value {
    let body: String = n
        .segments()
        .into_iter()
        .map(|s| match s {
            Segment::Text(t) => escape(&t),
            Segment::Link { text, url } => format!("<{}|{}>", escape(&url), escape(&text)),
        })
        .collect();
    let mut blocks = vec![
        json!({
            "type": "header",
            "text": { "type": "plain_text", "text": truncate(n.title(), HEADER_MAX) }
        }),
        json!({
            "type": "section",
            "text": { "type": "mrkdwn", "text": truncate(&body, SECTION_MAX) }
        }),
    ];
    if !n.facts.is_empty() {
        let fields: Vec<Value> = n
            .facts
            .iter()
            .take(FIELDS_MAX)
            .map(|(name, value)| {
                json!({
                    "type": "mrkdwn",
                    "text": truncate(&format!("*{}*\n{}", escape(name), escape(value)), FIELD_MAX)
                })
            })
            .collect();
        blocks.push(json!({ "type": "section", "fields": fields }));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{
            "type": "mrkdwn",
            "text": format!(
                "{} · {} · sent by Herald",
                escape(&n.project),
                escape(n.event_type.label())
            )
        }]
    }));
    json!({ "text": n.title(), "blocks": blocks })
}

/// Slack's mrkdwn needs only these three escaped.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EventType;
    use serde_json::Map;

    #[test]
    fn links_and_escapes() {
        let mut data = Map::new();
        data.insert("valohai.creator-name".into(), Value::from("a<b>&c"));
        data.insert("valohai.execution-counter".into(), Value::from(5));
        let n = Notice::new(
            EventType::ExecutionCompleted,
            "pid",
            "demo/x",
            &data,
            "https://h",
        );
        let v = render(&n);
        let body = v["blocks"][1]["text"]["text"].as_str().unwrap();
        assert!(
            body.starts_with(
                "Execution <https://h/p/demo/x/executions/|demo/x/#5> (by a&lt;b&gt;&amp;c)"
            ),
            "{body}"
        );
        let fields = v["blocks"][2]["fields"].as_array().unwrap();
        assert_eq!(fields[0]["text"], "*Creator*\na&lt;b&gt;&amp;c");
    }

    #[test]
    fn long_titles_fit_the_header() {
        let mut data = Map::new();
        data.insert(
            "valohai.project-name".into(),
            Value::from("o/".to_string() + &"p".repeat(300)),
        );
        let n = Notice::new(EventType::TaskFailed, "pid", "o/p", &data, "https://h");
        let v = render(&n);
        let header = v["blocks"][0]["text"]["text"].as_str().unwrap();
        assert_eq!(header.chars().count(), HEADER_MAX);
        assert!(header.ends_with('…'));
        assert_eq!(
            v["blocks"].as_array().unwrap().len(),
            3,
            "no facts, no field block"
        );
    }
}
