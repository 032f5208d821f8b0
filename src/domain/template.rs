//! Channel templates: what a user may write to replace Herald's rendering,
//! and the variables a template sees. The engine itself (minijinja,
//! sandboxed) runs on the server only, so it stays out of the WASM bundle.

use super::formats::Notice;
use super::validation::FieldErrors;
use super::ChannelKind;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Longest template source per part.
pub const TEMPLATE_MAX: usize = 16 * 1024;

/// A channel's templates; a blank part means "Herald's default".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelTemplate {
    /// The HTTP body (webhook, Slack, Discord, Teams); must render to JSON.
    #[serde(default)]
    pub body: String,
    /// E-mail subject, plain text.
    #[serde(default)]
    pub subject: String,
    /// E-mail plain-text part.
    #[serde(default)]
    pub text: String,
    /// E-mail HTML part; values are HTML-escaped.
    #[serde(default)]
    pub html: String,
}

/// One part of a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Body,
    Subject,
    Text,
    Html,
}

/// How a part's output is escaped and checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// Values are written as JSON (`{{ title }}` gives `"…"` with quotes);
    /// the output must parse as JSON.
    Json,
    /// Values are HTML-escaped.
    Html,
    /// Values are written as they are.
    Plain,
}

impl Part {
    pub fn for_kind(kind: ChannelKind) -> &'static [Part] {
        if kind == ChannelKind::Email {
            &[Part::Subject, Part::Text, Part::Html]
        } else {
            &[Part::Body]
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Part::Body => "body",
            Part::Subject => "subject",
            Part::Text => "text",
            Part::Html => "html",
        }
    }

    /// The form field of this part: `channel[template][body]`.
    pub fn field(self) -> String {
        format!("channel[template][{}]", self.as_str())
    }

    pub fn label(self) -> &'static str {
        match self {
            Part::Body => "Message body (JSON)",
            Part::Subject => "Subject",
            Part::Text => "Plain-text part",
            Part::Html => "HTML part",
        }
    }

    pub fn syntax(self) -> Syntax {
        match self {
            Part::Body => Syntax::Json,
            Part::Html => Syntax::Html,
            Part::Subject | Part::Text => Syntax::Plain,
        }
    }
}

impl ChannelTemplate {
    pub fn get(&self, part: Part) -> &str {
        match part {
            Part::Body => &self.body,
            Part::Subject => &self.subject,
            Part::Text => &self.text,
            Part::Html => &self.html,
        }
    }

    fn get_mut(&mut self, part: Part) -> &mut String {
        match part {
            Part::Body => &mut self.body,
            Part::Subject => &mut self.subject,
            Part::Text => &mut self.text,
            Part::Html => &mut self.html,
        }
    }

    /// True when no part that `kind` uses is written.
    pub fn is_default_for(&self, kind: ChannelKind) -> bool {
        Part::for_kind(kind)
            .iter()
            .all(|p| self.get(*p).trim().is_empty())
    }

    /// Keeps only the parts `kind` uses (whitespace-only parts become blank)
    /// and checks their size; None when nothing is left, i.e. the default.
    pub fn normalized(&self, kind: ChannelKind) -> Result<Option<ChannelTemplate>, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut out = ChannelTemplate::default();
        for &part in Part::for_kind(kind) {
            let source = self.get(part);
            if source.trim().is_empty() {
                continue;
            }
            if source.len() > TEMPLATE_MAX {
                errors.add(
                    part.field(),
                    format!(
                        "The template is {} bytes long; at most {} KiB are allowed.",
                        source.len(),
                        TEMPLATE_MAX / 1024
                    ),
                );
                continue;
            }
            // Browsers post line breaks as CRLF; store them as typed on screen.
            *out.get_mut(part) = source.replace("\r\n", "\n");
        }
        errors.into_result()?;
        Ok((!out.is_default_for(kind)).then_some(out))
    }
}

/// The variables every template sees, documented for users in the README
/// and the editor: (name, meaning).
pub const VARIABLES: &[(&str, &str)] = &[
    (
        "title",
        "the message title, e.g. “Execution finished: demo/cool-tensorflow/#736 (completed)”",
    ),
    ("body", "the message text, Markdown with links"),
    ("body_text", "the text with links written “text <url>”"),
    ("body_html", "the text as HTML (e-mail HTML part only)"),
    (
        "url",
        "path of the object, e.g. /p/demo/cool-tensorflow/execution/…/",
    ),
    ("link", "absolute link to the object"),
    ("type", "event type, e.g. execution_completed"),
    ("event_label", "event in words, e.g. “Execution completes”"),
    ("project", "project id (as in the webhook message)"),
    ("project_name", "project name, owner/name"),
    ("tone", "success, failure, warning or info"),
    ("facts", "key fields, a list of {name, value}"),
    (
        "data",
        "the event's data as posted, e.g. data[\"valohai.execution-step\"]",
    ),
    (
        "message",
        "the whole default webhook message (message|tojson reproduces it)",
    ),
    ("public_url", "Herald's public base URL"),
];

/// A working template to start from, per channel type and part.
pub fn example(kind: ChannelKind, part: Part) -> &'static str {
    match (kind, part) {
        (ChannelKind::Email, Part::Subject) => "[{{ project_name }}] {{ title }}",
        (ChannelKind::Email, Part::Text) => {
            "{{ title }}\n\n{{ body_text }}\n\n{% for f in facts %}{{ f.name }}: {{ f.value }}\n{% endfor %}\nDetails: {{ link }}\n"
        }
        (ChannelKind::Email, _) => {
            "<h2>{{ title }}</h2>\n<p>{{ body_html }}</p>\n<ul>\n{% for f in facts %}  <li><b>{{ f.name }}</b>: {{ f.value }}</li>\n{% endfor %}</ul>\n<p><a href=\"{{ link }}\">View details</a></p>\n"
        }
        (ChannelKind::Slack, _) => {
            "{\n  \"text\": {{ title }},\n  \"blocks\": [\n    {\"type\": \"section\",\n     \"text\": {\"type\": \"mrkdwn\", \"text\": {{ \"*\" ~ title ~ \"*\\n\" ~ event_label ~ \" in \" ~ project_name }}}},\n    {\"type\": \"context\",\n     \"elements\": [{\"type\": \"mrkdwn\", \"text\": {{ \"<\" ~ link ~ \"|View details>\" }}}]}\n  ]\n}\n"
        }
        (ChannelKind::Discord, _) => {
            "{\n  \"content\": {{ \"**\" ~ title ~ \"**\\n\" ~ link }},\n  \"allowed_mentions\": {\"parse\": []}\n}\n"
        }
        (ChannelKind::Teams, _) => {
            "{\n  \"type\": \"message\",\n  \"attachments\": [{\n    \"contentType\": \"application/vnd.microsoft.card.adaptive\",\n    \"content\": {\n      \"type\": \"AdaptiveCard\",\n      \"version\": \"1.4\",\n      \"body\": [\n        {\"type\": \"TextBlock\", \"text\": {{ title }}, \"weight\": \"Bolder\", \"wrap\": true},\n        {\"type\": \"FactSet\", \"facts\": [{% for f in facts %}{\"title\": {{ f.name }}, \"value\": {{ f.value }}}{% if not loop.last %}, {% endif %}{% endfor %}]}\n      ],\n      \"actions\": [{\"type\": \"Action.OpenUrl\", \"title\": \"Open\", \"url\": {{ link }}}]\n    }\n  }]\n}\n"
        }
        (ChannelKind::Webhook, _) => {
            "{\n  \"title\": {{ title }},\n  \"link\": {{ link }},\n  \"event\": {{ type }},\n  \"step\": {{ data[\"valohai.execution-step\"]|default(\"\") }},\n  \"data\": {{ data|tojson }}\n}\n"
        }
    }
}

/// The template context for `notice` as JSON (the server adds `body_html`
/// as markup for HTML parts).
pub fn context(n: &Notice) -> Value {
    let facts: Vec<Value> = n
        .facts
        .iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect();
    json!({
        "title": n.message.title,
        "body": n.message.body,
        "body_text": n.body_text(),
        "url": n.message.url,
        "link": n.link,
        "type": n.event_type.as_str(),
        "event_label": n.event_type.label(),
        "project": n.message.project,
        "project_name": n.project,
        "tone": n.tone.as_str(),
        "facts": facts,
        "data": n.message.data,
        "message": n.message,
        "public_url": n.public_url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizing_keeps_the_kinds_parts() {
        let t = ChannelTemplate {
            body: "{\"text\": {{ title }}}\r\n".into(),
            subject: "ignored for slack".into(),
            ..Default::default()
        };
        let slack = t.normalized(ChannelKind::Slack).unwrap().unwrap();
        assert_eq!(slack.body, "{\"text\": {{ title }}}\n");
        assert!(slack.subject.is_empty());
        let email = t.normalized(ChannelKind::Email).unwrap().unwrap();
        assert!(email.body.is_empty());
        assert_eq!(email.subject, "ignored for slack");
        let blank = ChannelTemplate {
            body: "  \n ".into(),
            ..Default::default()
        };
        assert_eq!(blank.normalized(ChannelKind::Webhook).unwrap(), None);
        let huge = ChannelTemplate {
            html: "x".repeat(TEMPLATE_MAX + 1),
            ..Default::default()
        };
        let errors = huge.normalized(ChannelKind::Email).unwrap_err();
        assert!(errors
            .get("channel[template][html]")
            .unwrap()
            .contains("at most 16 KiB"));
    }

    #[test]
    fn context_names_every_documented_variable() {
        let d = crate::domain::render::sample_data(
            crate::domain::EventType::TaskCompleted,
            "pid",
            "demo/x",
        );
        let n = Notice::new(
            crate::domain::EventType::TaskCompleted,
            "pid",
            "demo/x",
            &d,
            "https://h",
        );
        let ctx = context(&n);
        for (name, _) in VARIABLES {
            if *name != "body_html" {
                assert!(ctx.get(*name).is_some(), "{name} missing");
            }
        }
        assert_eq!(ctx["facts"][0]["name"], "Status");
        assert_eq!(ctx["data"]["valohai.task-counter"], 58);
    }
}
