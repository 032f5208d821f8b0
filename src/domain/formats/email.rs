//! E-mail: the title as subject, a plain-text part and an HTML part that say
//! the same; all data is escaped in the HTML.

use super::{escape_html, EmailContent, Notice};
use crate::domain::render::Tone;

fn accent(tone: Tone) -> &'static str {
    match tone {
        Tone::Success => "#1f883d",
        Tone::Failure => "#cf222e",
        Tone::Warning => "#9a6700",
        Tone::Info => "#1c2233",
    }
}

/// A subject is one line; data with line breaks must not inject headers.
pub fn one_line(s: &str) -> String {
    s.split(['\r', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn render(n: &Notice) -> EmailContent {
    EmailContent {
        subject: one_line(n.title()),
        text: text(n),
        html: html(n),
    }
}

fn text(n: &Notice) -> String {
    let mut out = format!("{}\n\n{}\n", n.title(), n.body_text());
    if !n.facts.is_empty() {
        out.push('\n');
        for (name, value) in &n.facts {
            out.push_str(&format!("{name}: {value}\n"));
        }
    }
    out.push_str(&format!(
        "\nView details: {}\n\n-- \nSent by Herald for {} ({}).\n",
        n.link,
        n.project,
        n.event_type.label()
    ));
    out
}

fn html(n: &Notice) -> String {
    let e = escape_html;
    let facts: String = n
        .facts
        .iter()
        .map(|(name, value)| {
            format!(
                "<tr><th align=\"left\" style=\"padding:4px 16px 4px 0;color:#5d6679;font-weight:600\">{}</th><td style=\"padding:4px 0\">{}</td></tr>\n",
                e(name),
                e(value)
            )
        })
        .collect();
    let table = if facts.is_empty() {
        String::new()
    } else {
        format!("<table role=\"presentation\" style=\"border-collapse:collapse;margin:0 0 20px;font-size:14px\">\n{facts}</table>\n")
    };
    format!(
        "<!DOCTYPE html>\n\
<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
<body style=\"margin:0;padding:24px;background:#f6f7fb;font-family:-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1c2233\">\n\
<div style=\"max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #e3e6ee;border-radius:8px;padding:24px\">\n\
<p style=\"margin:0 0 8px;font-size:12px;color:#5d6679;text-transform:uppercase;letter-spacing:.05em\">{label} · {project}</p>\n\
<h1 style=\"margin:0 0 16px;font-size:20px;line-height:1.3;color:{accent}\">{title}</h1>\n\
<p style=\"margin:0 0 16px;font-size:15px;line-height:1.5\">{body}</p>\n\
{table}\
<p style=\"margin:0 0 24px\"><a href=\"{link}\" style=\"display:inline-block;background:#4f46e5;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:6px;font-weight:600\">View details</a></p>\n\
<p style=\"margin:0;font-size:12px;color:#5d6679\">Sent by Herald for {project}.</p>\n\
</div>\n</body></html>\n",
        title = e(n.title()),
        label = e(n.event_type.label()),
        project = e(&n.project),
        accent = accent(n.tone),
        body = n.body_html(),
        link = e(&n.link),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EventType;
    use serde_json::{Map, Value};

    #[test]
    fn subject_is_one_line() {
        assert_eq!(one_line(" a\r\nBcc: x \n b"), "a Bcc: x b");
        let mut data = Map::new();
        data.insert("valohai.project-name".into(), Value::from("o/p"));
        data.insert(
            "valohai.execution-counter".into(),
            Value::from("1\r\nBcc: evil@example.com"),
        );
        let n = Notice::new(EventType::ExecutionFailed, "pid", "o/p", &data, "https://h");
        let e = render(&n);
        assert!(
            !e.subject.contains('\n') && !e.subject.contains('\r'),
            "{}",
            e.subject
        );
    }

    #[test]
    fn both_parts_say_the_same() {
        let d = crate::domain::render::sample_data(EventType::ModelVersionCreated, "pid", "demo/x");
        let n = Notice::new(
            EventType::ModelVersionCreated,
            "pid",
            "demo/x",
            &d,
            "https://h",
        );
        let e = render(&n);
        for (name, value) in &n.facts {
            assert!(e.text.contains(&format!("{name}: {value}")));
            assert!(e.html.contains(&escape_html(value)));
        }
        assert!(e.text.contains("View details: https://h/p/demo/x/model/"));
        assert!(e.html.contains("View details</a>"));
    }
}
