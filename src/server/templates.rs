//! The engine behind channel templates: minijinja, sandboxed. No loader is
//! set and `include`/`import`/`extends` are compiled out (no file or network
//! access); every render has a fuel budget (steps), a recursion limit and a
//! cap on its output. Errors carry the line and column in the template.

use crate::api::templates::{Preview, PreviewPart, TemplateProblem};
use crate::domain::formats::{email::one_line, render_default, EmailContent, Notice, Rendered};
use crate::domain::render::sample_data;
use crate::domain::template::{context, ChannelTemplate, Part, Syntax};
use crate::domain::validation::FieldErrors;
use crate::domain::{ChannelKind, EventType};
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, ErrorKind, Value};
use serde::{Deserialize, Serialize};
use std::io::Write;

/// Steps one render may take: plenty for loops over an event's data,
/// little enough that a runaway loop stops within milliseconds.
pub const FUEL: u64 = 100_000;
/// Largest output of one part.
pub const OUTPUT_MAX: usize = 64 * 1024;
/// Nesting depth of macro calls and structures.
pub const RECURSION_LIMIT: usize = 64;

/// A template that failed: which part, where, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateError {
    pub part: Part,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl TemplateError {
    fn new(part: Part, message: impl Into<String>) -> Self {
        TemplateError {
            part,
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// "Line 2, column 14: unexpected end of input".
    pub fn describe(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("Line {l}, column {c}: {}", self.message),
            (Some(l), None) => format!("Line {l}: {}", self.message),
            _ => self.message.clone(),
        }
    }
}

fn environment(syntax: Syntax) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(RECURSION_LIMIT);
    // Spans for error columns.
    env.set_debug(true);
    env.set_auto_escape_callback(move |_| match syntax {
        Syntax::Json => AutoEscape::Json,
        Syntax::Html => AutoEscape::Html,
        Syntax::Plain => AutoEscape::None,
    });
    // Lenient like the default rendering: events without a duration give "".
    env.add_filter("duration", |seconds: Value| {
        let n = f64::try_from(seconds.clone())
            .ok()
            .or_else(|| seconds.as_str().and_then(|s| s.trim().parse::<f64>().ok()));
        n.map(crate::domain::render::format_duration)
            .unwrap_or_default()
    });
    env
}

/// 1-based line and column (in characters) of byte `offset` in `source`.
fn position(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

fn from_engine(part: Part, source: &str, err: &minijinja::Error) -> TemplateError {
    let message = match err.kind() {
        ErrorKind::OutOfFuel => {
            "the template takes too many steps to render (a loop that never ends, or one that is far too long)".to_string()
        }
        ErrorKind::TemplateNotFound => {
            "templates cannot include, import or extend other templates".to_string()
        }
        kind => match err.detail() {
            Some(detail) => format!("{kind}: {detail}"),
            None => kind.to_string(),
        },
    };
    let (line, column) = match err.range() {
        Some(range) => {
            let (l, c) = position(source, range.start);
            (Some(l), Some(c))
        }
        None => (err.line(), None),
    };
    TemplateError {
        part,
        line,
        column,
        message,
    }
}

/// A writer that refuses to grow past `OUTPUT_MAX`.
struct Capped {
    buf: Vec<u8>,
    exceeded: bool,
}

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + data.len() > OUTPUT_MAX {
            self.exceeded = true;
            return Err(std::io::Error::other("output too large"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn root(notice: &Notice, part: Part) -> Value {
    let ctx = context(notice);
    let mut entries: Vec<(String, Value)> = ctx
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), Value::from(Serde(v))))
                .collect()
        })
        .unwrap_or_default();
    if part == Part::Html {
        entries.push((
            "body_html".into(),
            Value::from_safe_string(notice.body_html()),
        ));
    }
    Value::from_pairs(entries)
}

/// Renders one part of a template for `notice` and checks its output.
pub fn render_part(
    kind: ChannelKind,
    part: Part,
    source: &str,
    notice: &Notice,
) -> Result<String, TemplateError> {
    let env = environment(part.syntax());
    let template = env
        .template_from_named_str(part.as_str(), source)
        .map_err(|e| from_engine(part, source, &e))?;
    let mut out = Capped {
        buf: Vec::new(),
        exceeded: false,
    };
    let ctx = root(notice, part);
    if let Err(e) = template.render_captured_to(ctx.clone(), &mut out) {
        if out.exceeded {
            return Err(TemplateError::new(
                part,
                format!(
                    "the output is larger than {} KiB; shorten the template or loop over less",
                    OUTPUT_MAX / 1024
                ),
            ));
        }
        return Err(from_engine(part, source, &e));
    }
    let text = String::from_utf8(out.buf)
        .map_err(|_| TemplateError::new(part, "the output is not valid UTF-8"))?;
    check_output(kind, part, &text).map_err(|mut problem| {
        // Point at the template code that wrote the offending output.
        if let Some(offset) = problem.line.take() {
            if let Ok((_, spans)) = template.render_with_spans(ctx) {
                let span = spans
                    .iter()
                    .rev()
                    .find(|s| s.output_range().start <= offset)
                    .or(spans.first());
                if let Some(span) = span {
                    let (l, c) = position(source, span.source_range().start);
                    problem.line = Some(l);
                    problem.column = Some(c);
                }
            }
        }
        problem
    })?;
    Ok(if part == Part::Subject {
        one_line(&text)
    } else {
        text
    })
}

/// Checks what a part produced is usable by the channel. On a JSON error,
/// `line` temporarily holds the byte offset in the output.
fn check_output(kind: ChannelKind, part: Part, text: &str) -> Result<(), TemplateError> {
    if text.trim().is_empty() {
        return Err(TemplateError::new(
            part,
            "the template produced nothing; leave it blank to use Herald's default",
        ));
    }
    if part.syntax() != Syntax::Json {
        return Ok(());
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let offset = byte_offset(text, e.line(), e.column());
        TemplateError {
            part,
            line: Some(offset),
            column: None,
            message: format!(
                "the output is not valid JSON ({}); values are inserted as JSON, so write {{{{ title }}}} without quotes around it",
                json_problem(&e)
            ),
        }
    })?;
    let object = value.as_object();
    let has = |key: &str| object.is_some_and(|o| o.contains_key(key));
    let problem = match kind {
        ChannelKind::Slack if !(has("text") || has("blocks")) => {
            Some("Slack needs a JSON object with \"text\" or \"blocks\"")
        }
        ChannelKind::Discord if !(has("content") || has("embeds")) => {
            Some("Discord needs a JSON object with \"content\" or \"embeds\"")
        }
        ChannelKind::Teams if !has("attachments") => {
            Some("Teams workflows need a JSON object with \"attachments\" holding an Adaptive Card")
        }
        _ => None,
    };
    match problem {
        Some(p) => Err(TemplateError::new(part, p)),
        None => Ok(()),
    }
}

/// serde_json's message without its position, which is in the output and
/// would only confuse next to the template's own line and column.
fn json_problem(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Byte offset of a 1-based line and column (serde_json counts columns in bytes).
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len())
}

/// What a channel sends for `notice`: its template's parts where written,
/// Herald's default for the rest.
pub fn render(
    kind: ChannelKind,
    template: Option<&ChannelTemplate>,
    notice: &Notice,
) -> Result<Rendered, TemplateError> {
    let Some(template) = template.filter(|t| !t.is_default_for(kind)) else {
        return Ok(render_default(kind, notice));
    };
    let written = |part: Part| Some(template.get(part)).filter(|s| !s.trim().is_empty());
    match render_default(kind, notice) {
        Rendered::Json(default) => match written(Part::Body) {
            Some(source) => render_part(kind, Part::Body, source, notice).map(Rendered::Json),
            None => Ok(Rendered::Json(default)),
        },
        Rendered::Email(default) => {
            let part = |part: Part, default: String| match written(part) {
                Some(source) => render_part(kind, part, source, notice),
                None => Ok(default),
            };
            let out = EmailContent {
                subject: part(Part::Subject, default.subject)?,
                text: part(Part::Text, default.text)?,
                html: part(Part::Html, default.html)?,
            };
            Ok(Rendered::Email(out))
        }
    }
}

/// Refuses a template that fails to compile or render on the sample of any
/// event type: the error goes to the part's field, naming the sample.
pub fn check(
    kind: ChannelKind,
    template: &ChannelTemplate,
    project_id: &str,
    project_name: &str,
    public_url: &str,
) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    for &part in Part::for_kind(kind) {
        let source = template.get(part);
        if source.trim().is_empty() {
            continue;
        }
        for &event in EventType::ALL {
            let data = sample_data(event, project_id, project_name);
            let notice = Notice::new(event, project_id, project_name, &data, public_url);
            if let Err(e) = render_part(kind, part, source, &notice) {
                errors.add(
                    part.field(),
                    format!("{} (with the “{}” sample)", e.describe(), event.label()),
                );
                break;
            }
        }
    }
    errors.into_result()
}

/// What the editor shows: every part the channel sends for the sample of
/// `event`, from the template where written, with any problems located.
pub fn preview(
    kind: ChannelKind,
    template: &ChannelTemplate,
    event: EventType,
    project_id: &str,
    project_name: &str,
    public_url: &str,
) -> Preview {
    let data = sample_data(event, project_id, project_name);
    let notice = Notice::new(event, project_id, project_name, &data, public_url);
    let mut parts = Vec::new();
    let mut problems = Vec::new();
    let sizes = template.normalized(kind);
    if let Err(errors) = &sizes {
        for e in &errors.0 {
            problems.push(TemplateProblem {
                label: Part::for_kind(kind)
                    .iter()
                    .find(|p| p.field() == e.field)
                    .map(|p| p.label().to_string())
                    .unwrap_or_default(),
                field: e.field.clone(),
                line: None,
                column: None,
                message: e.message.clone(),
            });
        }
    }
    let template = sizes.ok().flatten().unwrap_or_default();
    let defaults = render_default(kind, &notice);
    for &part in Part::for_kind(kind) {
        let source = template.get(part);
        let custom = !source.trim().is_empty();
        let rendered = if custom {
            render_part(kind, part, source, &notice)
        } else {
            Ok(match &defaults {
                Rendered::Json(body) => body.clone(),
                Rendered::Email(e) => match part {
                    Part::Subject => e.subject.clone(),
                    Part::Text => e.text.clone(),
                    _ => e.html.clone(),
                },
            })
        };
        match rendered {
            Ok(content) => {
                let content = if part.syntax() == Syntax::Json {
                    pretty_json(&content)
                } else {
                    content
                };
                parts.push(PreviewPart {
                    part: part.as_str().to_string(),
                    label: part.label().to_string(),
                    content,
                    is_html: part == Part::Html,
                    custom,
                });
            }
            Err(e) => problems.push(TemplateProblem {
                field: part.field(),
                label: part.label().to_string(),
                line: e.line.map(|l| l as u32),
                column: e.column.map(|c| c as u32),
                message: e.message,
            }),
        }
    }
    Preview {
        event_type: event.as_str().to_string(),
        event_label: event.label().to_string(),
        parts,
        problems,
    }
}

/// JSON indented for people; anything else as it is.
pub fn pretty_json(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(t: EventType) -> Notice {
        let data = sample_data(t, "pid", "demo/cool-tensorflow");
        Notice::new(t, "pid", "demo/cool-tensorflow", &data, "https://h")
    }

    fn body(kind: ChannelKind, source: &str) -> Result<String, TemplateError> {
        render_part(
            kind,
            Part::Body,
            source,
            &notice(EventType::ExecutionCompleted),
        )
    }

    #[test]
    fn json_templates_insert_values_as_json() {
        let out = body(
            ChannelKind::Slack,
            "{\"text\": {{ title }}, \"step\": {{ data[\"valohai.execution-step\"] }}, \"n\": {{ data[\"valohai.execution-counter\"] }}}",
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["text"],
            "Execution finished: demo/cool-tensorflow/#736 (completed)"
        );
        assert_eq!(v["step"], "Train model (MNIST)");
        assert_eq!(v["n"], 736);
        let whole = body(ChannelKind::Webhook, "{{ message|tojson }}").unwrap();
        let reparsed: serde_json::Value = serde_json::from_str(&whole).unwrap();
        assert_eq!(
            serde_json::to_string(&reparsed).unwrap(),
            serde_json::to_string(&notice(EventType::ExecutionCompleted).message).unwrap(),
            "message|tojson reproduces the default webhook message, in order"
        );
        let d = body(
            ChannelKind::Webhook,
            "{\"d\": {{ data[\"valohai.execution-duration\"]|duration }}, \"s\": {{ \"61\"|duration }}, \"none\": {{ data.nope|duration }}}",
        )
        .unwrap();
        assert_eq!(d, "{\"d\": \"11:01\", \"s\": \"1:01\", \"none\": \"\"}");
    }

    #[test]
    fn quoted_values_break_json_and_say_where() {
        let e = body(ChannelKind::Slack, "{\n  \"text\": \"{{ title }}\"\n}").unwrap_err();
        assert!(e.message.contains("not valid JSON"), "{e:?}");
        assert!(e.message.contains("without quotes"), "{e:?}");
        assert_eq!(e.line, Some(2), "{e:?}");
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let e = body(ChannelKind::Webhook, "{\n  \"a\": {{ title }\n}").unwrap_err();
        assert_eq!(e.line, Some(2), "{e:?}");
        assert!(e.column.is_some(), "{e:?}");
        assert!(
            e.describe().starts_with("Line 2, column "),
            "{}",
            e.describe()
        );
        let e = body(ChannelKind::Webhook, "{% for x in facts %}").unwrap_err();
        assert!(e.message.contains("syntax error"), "{e:?}");
        let e = body(ChannelKind::Webhook, "{{ title|no_such_filter }}").unwrap_err();
        assert!(
            e.message.contains("no_such_filter") || e.message.contains("unknown filter"),
            "{e:?}"
        );
        assert_eq!(e.line, Some(1));
        assert_eq!(e.column, Some(10), "points at the filter: {e:?}");
    }

    #[test]
    fn kind_specific_shapes() {
        assert!(body(ChannelKind::Slack, "{\"blocks\": []}").is_ok());
        assert!(body(ChannelKind::Slack, "{\"x\": 1}")
            .unwrap_err()
            .message
            .contains("\"text\" or \"blocks\""));
        assert!(body(ChannelKind::Discord, "{\"x\": 1}")
            .unwrap_err()
            .message
            .contains("\"content\" or \"embeds\""));
        assert!(body(ChannelKind::Teams, "{\"type\": \"message\"}")
            .unwrap_err()
            .message
            .contains("attachments"));
        assert!(
            body(ChannelKind::Webhook, "[1, 2]").is_ok(),
            "a webhook may send any JSON"
        );
        assert!(body(ChannelKind::Webhook, "  ")
            .unwrap_err()
            .message
            .contains("produced nothing"));
    }

    #[test]
    fn sandbox_fuel_stops_runaway_loops() {
        let e = body(
            ChannelKind::Webhook,
            "{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}[]",
        )
        .unwrap_err();
        assert!(e.message.contains("too many steps"), "{e:?}");
        let e = body(ChannelKind::Webhook, "{{ \"x\" * 100000000 }}").unwrap_err();
        assert!(
            e.message.contains("too many steps") || e.message.contains("too large"),
            "{e:?}"
        );
    }

    #[test]
    fn sandbox_output_is_capped() {
        let e = render_part(
            ChannelKind::Email,
            Part::Text,
            "{% for i in range(3000) %}{{ body }} {{ title }}{% endfor %}",
            &notice(EventType::ExecutionCompleted),
        )
        .unwrap_err();
        assert!(e.message.contains("larger than 64 KiB"), "{e:?}");
    }

    #[test]
    fn sandbox_has_no_files_or_other_templates() {
        for source in [
            "{% include \"/etc/passwd\" %}",
            "{% import \"macros.txt\" as m %}",
            "{% extends \"base.html\" %}",
        ] {
            let e = render_part(
                ChannelKind::Email,
                Part::Text,
                source,
                &notice(EventType::Ping),
            )
            .unwrap_err();
            assert!(e.line.is_some(), "{source}: {e:?}");
            assert!(!e.message.contains("root:"), "{e:?}");
        }
    }

    #[test]
    fn sandbox_bounds_recursion() {
        let e = render_part(
            ChannelKind::Email,
            Part::Text,
            "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
            &notice(EventType::Ping),
        )
        .unwrap_err();
        assert!(
            e.message.contains("recursion") || e.message.contains("too many steps"),
            "{e:?}"
        );
    }

    #[test]
    fn email_parts_escape_as_they_should() {
        let mut data = serde_json::Map::new();
        data.insert(
            "valohai.creator-name".into(),
            serde_json::Value::from("<b>eve</b>"),
        );
        let n = Notice::new(
            EventType::ExecutionFailed,
            "pid",
            "demo/x",
            &data,
            "https://h",
        );
        let html = render_part(
            ChannelKind::Email,
            Part::Html,
            "<p>{{ data[\"valohai.creator-name\"] }}</p>{{ body_html }}",
            &n,
        )
        .unwrap();
        assert!(
            html.starts_with("<p>&lt;b&gt;eve&lt;&#x2f;b&gt;</p>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"https://h/p/demo/x/executions/\""),
            "body_html is markup: {html}"
        );
        let text = render_part(
            ChannelKind::Email,
            Part::Text,
            "{{ data[\"valohai.creator-name\"] }}",
            &n,
        )
        .unwrap();
        assert_eq!(text, "<b>eve</b>");
        let subject = render_part(
            ChannelKind::Email,
            Part::Subject,
            "[{{ type }}]\n{{ title }}",
            &n,
        )
        .unwrap();
        assert_eq!(subject, format!("[execution_failed] {}", n.title()));
    }

    #[test]
    fn partial_email_templates_keep_default_parts() {
        let t = ChannelTemplate {
            subject: "[Herald] {{ title }}".into(),
            ..Default::default()
        };
        let n = notice(EventType::TaskFailed);
        let Rendered::Email(e) = render(ChannelKind::Email, Some(&t), &n).unwrap() else {
            panic!("email");
        };
        let Rendered::Email(default) = render_default(ChannelKind::Email, &n) else {
            panic!("email");
        };
        assert_eq!(e.subject, format!("[Herald] {}", n.title()));
        assert_eq!(e.text, default.text);
        assert_eq!(e.html, default.html);
        assert_eq!(
            render(ChannelKind::Slack, None, &n).unwrap(),
            render_default(ChannelKind::Slack, &n)
        );
    }

    #[test]
    fn check_names_the_sample_that_fails() {
        // Fine for executions, but tasks have no step: the JSON breaks there.
        let t = ChannelTemplate {
            body: "{\"text\": {{ title }}, \"step\": {{ data[\"valohai.execution-step\"]|default(\"\") }}}".into(),
            ..Default::default()
        };
        assert!(check(ChannelKind::Slack, &t, "pid", "demo/x", "https://h").is_ok());
        let t = ChannelTemplate {
            body: "{\"text\": {{ title }}, \"n\": {{ data[\"valohai.execution-counter\"] + 1 }}}"
                .into(),
            ..Default::default()
        };
        let errors = check(ChannelKind::Slack, &t, "pid", "demo/x", "https://h").unwrap_err();
        let message = errors.get("channel[template][body]").unwrap();
        assert!(message.contains("sample"), "{message}");
        assert!(message.starts_with("Line 1"), "{message}");
    }

    #[test]
    fn preview_shows_defaults_and_locates_problems() {
        let p = preview(
            ChannelKind::Email,
            &ChannelTemplate {
                subject: "{{ title".into(),
                ..Default::default()
            },
            EventType::ExecutionFailed,
            "pid",
            "demo/x",
            "https://h",
        );
        assert_eq!(p.parts.len(), 2, "text and html by default");
        assert!(p.parts.iter().all(|part| !part.custom));
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].field, "channel[template][subject]");
        assert_eq!(p.problems[0].line, Some(1));
        let p = preview(
            ChannelKind::Discord,
            &ChannelTemplate::default(),
            EventType::Ping,
            "pid",
            "demo/x",
            "https://h",
        );
        assert!(p.problems.is_empty());
        assert!(
            p.parts[0].content.contains("\n  \"content\""),
            "pretty JSON"
        );
    }

    #[test]
    fn every_example_passes_the_save_check() {
        use crate::domain::template::example;
        for kind in ChannelKind::ALL {
            let mut t = ChannelTemplate::default();
            for &part in Part::for_kind(kind) {
                match part {
                    Part::Body => t.body = example(kind, part).into(),
                    Part::Subject => t.subject = example(kind, part).into(),
                    Part::Text => t.text = example(kind, part).into(),
                    Part::Html => t.html = example(kind, part).into(),
                }
            }
            if let Err(e) = check(kind, &t, "pid", "demo/x", "https://h") {
                panic!("{kind}: {e}");
            }
        }
    }
}
