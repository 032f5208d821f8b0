//! Discord webhooks: `content` (what notifications show) plus one embed with
//! the title linking to the object, the body, the key fields and a colour
//! by outcome. Mentions are switched off so event data cannot ping anyone.

use super::{truncate, Notice};
use crate::domain::render::Tone;
use serde_json::{json, Value};

/// Discord's limits: content 2000, embed title 256, description 4096,
/// 25 fields with names of 256 and values of 1024.
const CONTENT_MAX: usize = 2000;
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 4096;
const FIELDS_MAX: usize = 25;
const FIELD_NAME_MAX: usize = 256;
const FIELD_VALUE_MAX: usize = 1024;

pub fn color(tone: Tone) -> u32 {
    match tone {
        Tone::Success => 0x1F883D,
        Tone::Failure => 0xCF222E,
        Tone::Warning => 0xBF8700,
        Tone::Info => 0x4F46E5,
    }
}

pub fn render(n: &Notice) -> Value {
    let fields: Vec<Value> = n
        .facts
        .iter()
        .take(FIELDS_MAX)
        .map(|(name, value)| {
            json!({
                "name": truncate(name, FIELD_NAME_MAX),
                "value": truncate(value, FIELD_VALUE_MAX),
                "inline": true
            })
        })
        .collect();
    json!({
        "content": truncate(&format!("{} · {}", n.event_type.label(), n.project), CONTENT_MAX),
        "embeds": [{
            "title": truncate(n.title(), TITLE_MAX),
            "url": n.link,
            "description": truncate(&n.message.body, DESCRIPTION_MAX),
            "color": color(n.tone),
            "fields": fields,
            "footer": { "text": format!("Herald · {}", n.project) }
        }],
        "allowed_mentions": { "parse": [] }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::render::sample_data;
    use crate::domain::EventType;

    #[test]
    fn embed_carries_title_link_body_and_colour() {
        let d = sample_data(EventType::PipelineFailed, "pid", "demo/x");
        let n = Notice::new(EventType::PipelineFailed, "pid", "demo/x", &d, "https://h");
        let v = render(&n);
        assert_eq!(v["content"], "Pipeline fails · demo/x");
        let e = &v["embeds"][0];
        assert_eq!(e["title"], n.title());
        assert_eq!(e["url"], n.link.as_str());
        assert_eq!(e["description"], n.message.body.as_str());
        assert_eq!(e["color"], 0xCF222E);
        assert_eq!(e["fields"][0]["name"], "Status");
        assert_eq!(e["fields"][0]["inline"], true);
    }
}
