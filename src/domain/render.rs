//! The default "Valohai-compatible" message of DESIGN.md §3: `title`, `body`
//! and `url` rendered from the event's `data` with one template per event
//! type, `data` passed through as received. Pure, so the browser can preview.

use super::EventType;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The JSON a webhook receives; field order is the seed's and is part of the contract.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub project: String,
    pub title: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub body: String,
    pub url: String,
    pub data: Map<String, Value>,
}

/// Renders `event_type` for `data`; never fails, missing fields get a visible fallback.
pub fn render(
    event_type: EventType,
    project_id: &str,
    project_name: &str,
    data: &Map<String, Value>,
    public_url: &str,
) -> Message {
    let ctx = Ctx::new(project_id, project_name, data, public_url);
    let (title, body, url) = match event_type {
        EventType::ExecutionCreated
        | EventType::ExecutionCompleted
        | EventType::ExecutionStopped
        | EventType::ExecutionFailed
        | EventType::ExecutionWatchdogFailed => ctx.execution(event_type),
        EventType::TaskCompleted | EventType::TaskFailed => ctx.run(Run::Task, event_type),
        EventType::PipelineCompleted | EventType::PipelineFailed => {
            ctx.run(Run::Pipeline, event_type)
        }
        EventType::DeploymentCompleted | EventType::DeploymentFailed => ctx.deployment(event_type),
        EventType::DatasetVersionCreated => ctx.dataset_version(),
        EventType::ModelVersionCreated
        | EventType::ModelVersionStatusChanged
        | EventType::ModelLatestApprovedVersionChanged => ctx.model(event_type),
        EventType::Ping => ctx.ping(),
    };
    Message {
        project: project_id.to_string(),
        title,
        event_type: event_type.as_str().to_string(),
        body,
        url,
        data: data.clone(),
    }
}

/// The project as messages name it: the data's `valohai.project-name`, else
/// the project's own name, else its id.
pub fn display_project(project_id: &str, project_name: &str, data: &Map<String, Value>) -> String {
    Ctx::new(project_id, project_name, data, "").project
}

/// How an event feels: chat messages colour themselves by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tone {
    Success,
    Failure,
    Warning,
    Info,
}

impl Tone {
    pub fn of(event_type: EventType) -> Tone {
        use EventType::*;
        match event_type {
            ExecutionCompleted | TaskCompleted | PipelineCompleted | DeploymentCompleted => {
                Tone::Success
            }
            ExecutionFailed | TaskFailed | PipelineFailed | DeploymentFailed => Tone::Failure,
            ExecutionStopped | ExecutionWatchdogFailed => Tone::Warning,
            _ => Tone::Info,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Success => "success",
            Tone::Failure => "failure",
            Tone::Warning => "warning",
            Tone::Info => "info",
        }
    }
}

/// The key fields chat messages and e-mails show beside the text, in
/// order, only those the data has: (label, value).
pub fn facts(event_type: EventType, data: &Map<String, Value>) -> Vec<(String, String)> {
    use super::EventGroup;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut put = |label: &str, value: Option<String>| {
        if let Some(v) = value {
            out.push((label.to_string(), v));
        }
    };
    let get = |key: &str| text(data, key);
    let duration = |key: &str| number(data, key).map(format_duration);
    let status = |key: &str| get(key).map(|s| status_word(&s));
    match event_type.group() {
        EventGroup::Execution => {
            put("Status", status("valohai.execution-status"));
            put("Step", get("valohai.execution-step"));
            put("Title", get("valohai.execution-title"));
            put("Duration", duration("valohai.execution-duration"));
            put("Watchdog", get("valohai.watchdog-reason"));
            put("Creator", get("valohai.creator-name"));
            put(
                "Commit",
                get("valohai.commit-identifier").map(|c| c.chars().take(12).collect()),
            );
        }
        EventGroup::Task | EventGroup::Pipeline => {
            let prefix = if event_type.group() == EventGroup::Task {
                "valohai.task"
            } else {
                "valohai.pipeline"
            };
            put("Status", status(&format!("{prefix}-status")));
            put("Title", get(&format!("{prefix}-title")));
            put("Executions", get("valohai.task-execution-count"));
            put("Duration", duration(&format!("{prefix}-duration")));
            put("Creator", get("valohai.creator-name"));
        }
        EventGroup::Deployment => {
            put("Deployment", get("valohai.deployment-name"));
            put("Version", get("valohai.version-name"));
            put("Status", status("valohai.version-status"));
            put("Endpoint", get("valohai.endpoint"));
            put("Creator", get("valohai.creator-name"));
        }
        EventGroup::DataAndModels if event_type == EventType::DatasetVersionCreated => {
            put("Dataset", get("valohai.dataset-name"));
            put("Version", get("valohai.dataset-version"));
            put("Files", get("valohai.dataset-version-file-count"));
            put("Creator", get("valohai.creator-name"));
        }
        EventGroup::DataAndModels => {
            put("Model", get("valohai.model-name"));
            put("Version", get("valohai.model-version"));
            put("Status", status("valohai.model-version-status"));
            put(
                "Previous status",
                status("valohai.model-version-previous-status"),
            );
            put("Creator", get("valohai.creator-name"));
        }
        EventGroup::Herald => {
            put("Project", get("valohai.project-name"));
        }
    }
    out
}

/// A piece of a message body: text, or a Markdown link `[text](url)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    Link { text: String, url: String },
}

/// Splits a rendered body into text and links, undoing the escapes
/// `escape_link_text` put into link text; anything that is not a complete
/// link stays text.
pub fn segments(body: &str) -> Vec<Segment> {
    let chars: Vec<char> = body.chars().collect();
    let mut out: Vec<Segment> = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '[' {
            if let Some((label, url, next)) = parse_link(&chars, i) {
                if !text.is_empty() {
                    out.push(Segment::Text(std::mem::take(&mut text)));
                }
                out.push(Segment::Link { text: label, url });
                i = next;
                continue;
            }
        }
        text.push(chars[i]);
        i += 1;
    }
    if !text.is_empty() {
        out.push(Segment::Text(text));
    }
    out
}

/// `[label](url)` starting at `start`: the label unescaped, the URL, and
/// the index after the closing parenthesis.
fn parse_link(chars: &[char], start: usize) -> Option<(String, String, usize)> {
    let mut label = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i)? {
            '\\' => {
                label.push(*chars.get(i + 1)?);
                i += 2;
            }
            ']' => break,
            '\n' => return None,
            c => {
                label.push(*c);
                i += 1;
            }
        }
    }
    if chars.get(i + 1) != Some(&'(') {
        return None;
    }
    let mut url = String::new();
    i += 2;
    loop {
        match chars.get(i)? {
            ')' => break,
            c if c.is_whitespace() => return None,
            c => url.push(*c),
        }
        i += 1;
    }
    Some((label, url, i + 1))
}

/// Whole seconds rounded up, as `M:SS`, or `H:MM:SS` from one hour on.
pub fn format_duration(seconds: f64) -> String {
    // NaN and negatives have no meaningful duration; show zero rather than garbage.
    let total = if seconds.is_finite() && seconds > 0.0 {
        seconds.ceil() as u64
    } else if seconds == f64::INFINITY {
        u64::MAX
    } else {
        0
    };
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// A realistic event of `event_type` for "Send test" and template previews.
pub fn sample_data(
    event_type: EventType,
    project_id: &str,
    project_name: &str,
) -> Map<String, Value> {
    let mut d = Map::new();
    let mut put = |k: &str, v: Value| {
        d.insert(k.to_string(), v);
    };
    let execution = |put: &mut dyn FnMut(&str, Value), status: &str, duration: Value| {
        put("valohai.execution-counter", Value::from(736));
        put(
            "valohai.execution-ctime",
            Value::from("2021-04-21T12:58:18.119973+00:00"),
        );
        put("valohai.execution-duration", duration);
        put(
            "valohai.execution-id",
            Value::from("0178f482-8686-fb28-8af1-3d36af38079d"),
        );
        put(
            "valohai.execution-qtime",
            Value::from("2021-04-21T12:58:18.201116+00:00"),
        );
        put("valohai.execution-status", Value::from(status));
        put("valohai.execution-step", Value::from("Train model (MNIST)"));
        put("valohai.execution-title", Value::Null);
    };
    match event_type {
        EventType::ExecutionCreated => execution(&mut put, "created", Value::Null),
        EventType::ExecutionCompleted => {
            execution(&mut put, "complete", Value::from(660.0186445713043))
        }
        EventType::ExecutionStopped => execution(&mut put, "stopped", Value::from(312.5)),
        EventType::ExecutionFailed => execution(&mut put, "error", Value::from(47.25)),
        EventType::ExecutionWatchdogFailed => {
            execution(&mut put, "started", Value::from(3725.0));
            put(
                "valohai.watchdog-reason",
                Value::from("no output for 30 minutes"),
            );
        }
        EventType::TaskCompleted | EventType::TaskFailed => {
            let failed = event_type == EventType::TaskFailed;
            put("valohai.task-counter", Value::from(58));
            put(
                "valohai.task-id",
                Value::from("0178f4a1-2b4c-2d8e-91f0-6c1e5a2b7d30"),
            );
            put("valohai.task-title", Value::from("Hyperparameter sweep"));
            put(
                "valohai.task-status",
                Value::from(if failed { "error" } else { "complete" }),
            );
            put(
                "valohai.task-duration",
                Value::from(if failed { 95.4 } else { 5421.7 }),
            );
            put("valohai.task-execution-count", Value::from(12));
        }
        EventType::PipelineCompleted | EventType::PipelineFailed => {
            let failed = event_type == EventType::PipelineFailed;
            put("valohai.pipeline-counter", Value::from(42));
            put(
                "valohai.pipeline-id",
                Value::from("0178f4c3-7e21-51a9-3b0d-8f4e2c6a1b95"),
            );
            put("valohai.pipeline-title", Value::from("Train and evaluate"));
            put(
                "valohai.pipeline-status",
                Value::from(if failed { "error" } else { "complete" }),
            );
            put(
                "valohai.pipeline-duration",
                Value::from(if failed { 301.2 } else { 1834.9 }),
            );
        }
        EventType::DeploymentCompleted | EventType::DeploymentFailed => {
            let failed = event_type == EventType::DeploymentFailed;
            put(
                "valohai.deployment-id",
                Value::from("0178f4d9-0a6b-8c3e-5d7f-1e2a4b6c8d0f"),
            );
            put("valohai.deployment-name", Value::from("production"));
            put(
                "valohai.version-id",
                Value::from("0178f4da-3c5e-7f91-a2b4-c6d8e0f1a3b5"),
            );
            put("valohai.version-name", Value::from("20210421.0"));
            put(
                "valohai.version-status",
                Value::from(if failed { "error" } else { "deployed" }),
            );
            put("valohai.endpoint", Value::from("predict-digit"));
        }
        EventType::DatasetVersionCreated => {
            put(
                "valohai.dataset-id",
                Value::from("0178f4e2-5a7c-9e1b-3d5f-7a9c1e3b5d7f"),
            );
            put("valohai.dataset-name", Value::from("mnist"));
            put(
                "valohai.dataset-version-id",
                Value::from("0178f4e3-6b8d-0f2c-4e6a-8b0d2f4a6c8e"),
            );
            put("valohai.dataset-version", Value::from("v3"));
            put("valohai.dataset-version-file-count", Value::from(70000));
        }
        EventType::ModelVersionCreated
        | EventType::ModelVersionStatusChanged
        | EventType::ModelLatestApprovedVersionChanged => {
            let (previous, status) = match event_type {
                EventType::ModelVersionCreated => (None, "pending"),
                _ => (Some("pending"), "approved"),
            };
            put(
                "valohai.model-id",
                Value::from("0178f4f0-1d3f-5b7d-9f1b-3d5f7b9d1f3b"),
            );
            put("valohai.model-name", Value::from("mnist-classifier"));
            put(
                "valohai.model-version-id",
                Value::from("0178f4f1-2e40-6c8e-a02c-4e6a8c0e2a4c"),
            );
            put("valohai.model-version", Value::from(12));
            if let Some(previous) = previous {
                put(
                    "valohai.model-version-previous-status",
                    Value::from(previous),
                );
            }
            put("valohai.model-version-status", Value::from(status));
        }
        EventType::Ping => {
            put("herald.test", Value::from(true));
        }
    }
    put("valohai.project-id", Value::from(project_id));
    put("valohai.project-name", Value::from(project_name));
    if event_type != EventType::Ping {
        put("valohai.creator-id", Value::from(3323));
        put("valohai.creator-name", Value::from("demouser"));
        put(
            "valohai.commit-identifier",
            Value::from("4d34124453b680daa0ecb881bcf1bd735a3bf99d"),
        );
    }
    d
}

/// The two kinds of counted runs that share one template.
#[derive(Clone, Copy)]
enum Run {
    Task,
    Pipeline,
}

/// What every template needs: the data, the project and the link base.
struct Ctx<'a> {
    data: &'a Map<String, Value>,
    project: String,
    base: &'a str,
}

impl<'a> Ctx<'a> {
    fn new(
        project_id: &str,
        project_name: &str,
        data: &'a Map<String, Value>,
        public_url: &'a str,
    ) -> Self {
        let project = text(data, "valohai.project-name")
            .or_else(|| Some(one_line(project_name)).filter(|s| !s.is_empty()))
            .or_else(|| Some(one_line(project_id)).filter(|s| !s.is_empty()))
            .unwrap_or_else(|| "?".to_string());
        Ctx {
            data,
            project,
            base: public_url.trim_end_matches('/'),
        }
    }

    fn get(&self, key: &str) -> Option<String> {
        text(self.data, key)
    }

    /// `/p/<project>/<rest>`, with each piece percent-encoded so data cannot break the link.
    fn path(&self, rest: &[&str]) -> String {
        let mut out = String::from("/p/");
        for part in self.project.split('/').filter(|p| !p.is_empty()) {
            out.push_str(&encode_segment(part));
            out.push('/');
        }
        for part in rest {
            out.push_str(&encode_segment(part));
            out.push('/');
        }
        out
    }

    /// `/p/<project>/<kind>/<id>/`, or the listing `/p/<project>/<list>/` without an id.
    fn object_path(&self, kind: &str, list: &str, id_key: &str) -> String {
        match self.get(id_key) {
            Some(id) => self.path(&[kind, &id]),
            None => self.path(&[list]),
        }
    }

    fn link(&self, label: &str, url: &str) -> String {
        format!("[{}]({}{})", escape_link_text(label), self.base, url)
    }

    /// ` (by <creator>)`, or nothing when the creator is unknown.
    fn by(&self) -> String {
        self.get("valohai.creator-name")
            .map(|c| format!(" (by {c})"))
            .unwrap_or_default()
    }

    fn duration(&self, key: &str) -> Option<String> {
        number(self.data, key).map(format_duration)
    }

    fn status(&self, key: &str) -> Option<String> {
        self.get(key).map(|s| status_word(&s))
    }

    fn counted(&self, key: &str) -> String {
        let counter = self.get(key).unwrap_or_else(|| "?".to_string());
        format!("{}/#{}", self.project, counter.trim_start_matches('#'))
    }

    fn execution(&self, event_type: EventType) -> (String, String, String) {
        let name = self.counted("valohai.execution-counter");
        let url = self.object_path("execution", "executions", "valohai.execution-id");
        let head = format!("Execution {}{}", self.link(&name, &url), self.by());
        let duration = self.duration("valohai.execution-duration");
        let status = self.status("valohai.execution-status");
        let (title, tail) = match event_type {
            EventType::ExecutionCreated => {
                let step = self
                    .get("valohai.execution-step")
                    .map(|s| format!(" for step \"{s}\""))
                    .unwrap_or_default();
                (
                    format!("Execution created: {name}"),
                    format!("was created{step}."),
                )
            }
            EventType::ExecutionStopped => (
                format!("Execution stopped: {name}"),
                after("was stopped", duration),
            ),
            EventType::ExecutionFailed => (
                format!("Execution failed: {name}{}", paren(status)),
                after("failed", duration),
            ),
            EventType::ExecutionWatchdogFailed => {
                let reason = self
                    .get("valohai.watchdog-reason")
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                (
                    format!("Execution watchdog triggered: {name}"),
                    format!("was flagged by its watchdog{reason}."),
                )
            }
            _ => (
                format!(
                    "Execution finished: {name} ({})",
                    status.unwrap_or_else(|| "completed".to_string())
                ),
                finished(duration),
            ),
        };
        (title, format!("{head}\n{tail}"), url)
    }

    fn run(&self, run: Run, event_type: EventType) -> (String, String, String) {
        let (word, prefix) = match run {
            Run::Task => ("Task", "valohai.task"),
            Run::Pipeline => ("Pipeline", "valohai.pipeline"),
        };
        let kind = word.to_ascii_lowercase();
        let name = self.counted(&format!("{prefix}-counter"));
        let url = self.object_path(&kind, &format!("{kind}s"), &format!("{prefix}-id"));
        let head = format!("{word} {}{}", self.link(&name, &url), self.by());
        let duration = self.duration(&format!("{prefix}-duration"));
        let status = self.status(&format!("{prefix}-status"));
        let failed = matches!(
            event_type,
            EventType::TaskFailed | EventType::PipelineFailed
        );
        let (title, tail) = if failed {
            (
                format!("{word} failed: {name}{}", paren(status)),
                after("failed", duration),
            )
        } else {
            (
                format!(
                    "{word} finished: {name} ({})",
                    status.unwrap_or_else(|| "completed".to_string())
                ),
                finished(duration),
            )
        };
        (title, format!("{head}\n{tail}"), url)
    }

    fn deployment(&self, event_type: EventType) -> (String, String, String) {
        let deployment = self
            .get("valohai.deployment-name")
            .unwrap_or_else(|| "?".to_string());
        let name = format!("{}/{deployment}", self.project);
        let url = self.object_path("deployment", "deployments", "valohai.deployment-id");
        let head = format!("Deployment {}{}", self.link(&name, &url), self.by());
        let version = self.get("valohai.version-name");
        let in_title = version
            .as_ref()
            .map(|v| format!(" version {v}"))
            .unwrap_or_default();
        let subject = version
            .map(|v| format!("version {v}"))
            .unwrap_or_else(|| "a new version".to_string());
        let (title, tail) = if event_type == EventType::DeploymentFailed {
            (
                format!("Deployment failed: {name}{in_title}"),
                format!("{subject} failed to deploy."),
            )
        } else {
            let endpoint = self
                .get("valohai.endpoint")
                .map(|e| format!(" with endpoint {e}"))
                .unwrap_or_default();
            (
                format!("Deployment completed: {name}{in_title}"),
                format!("{subject} was deployed{endpoint}."),
            )
        };
        (title, format!("{head}\n{tail}"), url)
    }

    fn dataset_version(&self) -> (String, String, String) {
        let dataset = self
            .get("valohai.dataset-name")
            .unwrap_or_else(|| "?".to_string());
        let version = self
            .get("valohai.dataset-version")
            .unwrap_or_else(|| "?".to_string());
        let uri = format!("dataset://{dataset}/{version}");
        let url = self.object_path("dataset", "datasets", "valohai.dataset-id");
        let files = self
            .get("valohai.dataset-version-file-count")
            .map(|n| format!(" with {n} file{}", if n == "1" { "" } else { "s" }))
            .unwrap_or_default();
        let body = format!(
            "Dataset version {}{}\nwas created in {}{files}.",
            self.link(&uri, &url),
            self.by(),
            self.project
        );
        (
            format!("Dataset version created: {uri} in {}", self.project),
            body,
            url,
        )
    }

    fn model(&self, event_type: EventType) -> (String, String, String) {
        let model = self
            .get("valohai.model-name")
            .unwrap_or_else(|| "?".to_string());
        let version = self.get("valohai.model-version");
        let uri = format!("model://{model}/{}", version.as_deref().unwrap_or("?"));
        let url = self.object_path("model", "models", "valohai.model-id");
        let by = self.by();
        let status = self.status("valohai.model-version-status");
        match event_type {
            EventType::ModelVersionCreated => (
                format!("Model version created: {uri}"),
                format!(
                    "Model version {}{by}\nwas created in {}.",
                    self.link(&uri, &url),
                    self.project
                ),
                url,
            ),
            EventType::ModelVersionStatusChanged => {
                let change = match (
                    self.status("valohai.model-version-previous-status"),
                    &status,
                ) {
                    (Some(from), Some(to)) => format!("changed status from {from} to {to}."),
                    (None, Some(to)) => format!("is now {to}."),
                    _ => "changed status.".to_string(),
                };
                (
                    format!("Model version status changed: {uri}{}", paren(status)),
                    format!("Model version {}{by}\n{change}", self.link(&uri, &url)),
                    url,
                )
            }
            _ => {
                let subject = version
                    .map(|v| format!("version {v}"))
                    .unwrap_or_else(|| "a new version".to_string());
                (
                    format!("Latest approved model version changed: {uri}"),
                    format!(
                        "Model {}{by}\nhas {subject} as its latest approved version.",
                        self.link(&format!("model://{model}"), &url)
                    ),
                    url,
                )
            }
        }
    }

    fn ping(&self) -> (String, String, String) {
        let url = self.path(&[]);
        let body = format!(
            "This is a test message from Herald for {}.\nIf you can read it, the channel works.",
            self.link(&self.project, &url)
        );
        ("Test message from Herald".to_string(), body, url)
    }
}

/// A data value as display text: strings (trimmed, one line), numbers, booleans; else None.
fn text(data: &Map<String, Value>, key: &str) -> Option<String> {
    let s = match data.get(key)? {
        Value::String(s) => one_line(s),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// A data value as a non-negative finite number, also from a numeric string.
fn number(data: &Map<String, Value>, key: &str) -> Option<f64> {
    let n = match data.get(key)? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    (n.is_finite() && n >= 0.0).then_some(n)
}

/// Titles are one line; control characters from data would break them.
fn one_line(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The platform's status as a word for people: `complete` reads `completed`.
fn status_word(status: &str) -> String {
    match status {
        "complete" => "completed".to_string(),
        other => other.replace('_', " "),
    }
}

fn paren(status: Option<String>) -> String {
    status.map(|s| format!(" ({s})")).unwrap_or_default()
}

fn finished(duration: Option<String>) -> String {
    match duration {
        Some(d) => format!("finished with duration {d}."),
        None => "finished.".to_string(),
    }
}

fn after(verb: &str, duration: Option<String>) -> String {
    match duration {
        Some(d) => format!("{verb} after {d}."),
        None => format!("{verb}."),
    }
}

/// Markdown link text must not close the bracket early.
fn escape_link_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Percent-encodes everything but RFC 3986 unreserved characters, `/` included.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_DATA: &str = r#"{
        "valohai.execution-counter": 736,
        "valohai.execution-ctime": "2021-04-21T12:58:18.119973+00:00",
        "valohai.execution-duration": 660.0186445713043,
        "valohai.execution-id": "0178f482-8686-fb28-8af1-3d36af38079d",
        "valohai.execution-qtime": "2021-04-21T12:58:18.201116+00:00",
        "valohai.execution-status": "complete",
        "valohai.execution-step": "Train model (MNIST)",
        "valohai.execution-title": null,
        "valohai.project-id": "016f3203-4a8c-969e-078c-52ab66947746",
        "valohai.project-name": "demo/cool-tensorflow",
        "valohai.creator-id": 3323,
        "valohai.creator-name": "demouser",
        "valohai.commit-identifier": "4d34124453b680daa0ecb881bcf1bd735a3bf99d"
        }"#;
    const PROJECT_ID: &str = "016f3203-4a8c-969e-078c-52ab66947746";

    fn seed_data() -> Map<String, Value> {
        serde_json::from_str(SEED_DATA).expect("seed data is JSON")
    }

    #[test]
    fn seed_execution_completed_vector() {
        let data = seed_data();
        let m = render(
            EventType::ExecutionCompleted,
            PROJECT_ID,
            "ignored/because-data-has-it",
            &data,
            "https://app.demo.com",
        );
        assert_eq!(m.project, PROJECT_ID);
        assert_eq!(m.event_type, "execution_completed");
        assert_eq!(
            m.title,
            "Execution finished: demo/cool-tensorflow/#736 (completed)"
        );
        assert_eq!(
            m.body,
            "Execution [demo/cool-tensorflow/#736](https://app.demo.com/p/demo/cool-tensorflow/execution/0178f482-8686-fb28-8af1-3d36af38079d/) (by demouser)\nfinished with duration 11:01."
        );
        assert_eq!(
            m.url,
            "/p/demo/cool-tensorflow/execution/0178f482-8686-fb28-8af1-3d36af38079d/"
        );
        assert_eq!(m.data, data);
    }

    #[test]
    fn seed_serializes_in_seed_order() {
        let data = seed_data();
        let m = render(
            EventType::ExecutionCompleted,
            PROJECT_ID,
            "demo/cool-tensorflow",
            &data,
            "https://app.demo.com/",
        );
        let json = serde_json::to_string(&m).expect("serializes");
        let expected = format!(
            "{{\"project\":\"{PROJECT_ID}\",\"title\":{},\"type\":\"execution_completed\",\"body\":{},\"url\":{},\"data\":{}}}",
            serde_json::to_string(&m.title).expect("string"),
            serde_json::to_string(&m.body).expect("string"),
            serde_json::to_string(&m.url).expect("string"),
            serde_json::to_string(&data).expect("map"),
        );
        assert_eq!(json, expected);
        let top: Vec<&str> = [
            "\"project\"",
            "\"title\"",
            "\"type\"",
            "\"body\"",
            "\"url\"",
            "\"data\"",
        ]
        .into_iter()
        .collect();
        let positions: Vec<usize> = top.iter().filter_map(|k| json.find(k)).collect();
        assert_eq!(positions.len(), top.len());
        assert!(positions.windows(2).all(|w| w[0] < w[1]));
        let data_keys: Vec<&String> = m.data.keys().collect();
        assert_eq!(
            data_keys.first().map(|k| k.as_str()),
            Some("valohai.execution-counter")
        );
        assert_eq!(
            data_keys.last().map(|k| k.as_str()),
            Some("valohai.commit-identifier")
        );
        let data_pos: Vec<usize> = data_keys
            .iter()
            .filter_map(|k| json.find(&format!("\"{k}\"")))
            .collect();
        assert_eq!(data_pos.len(), 13);
        assert!(data_pos.windows(2).all(|w| w[0] < w[1]));
        let back: Message = serde_json::from_str(&json).expect("round trip");
        assert_eq!(back, m);
    }

    #[test]
    fn every_type_renders_from_sample_and_from_nothing() {
        let empty = Map::new();
        for &t in EventType::ALL {
            let sample = sample_data(t, PROJECT_ID, "demo/cool-tensorflow");
            assert_eq!(
                sample.get("valohai.project-name"),
                Some(&Value::from("demo/cool-tensorflow"))
            );
            let m = render(
                t,
                PROJECT_ID,
                "demo/cool-tensorflow",
                &sample,
                "https://h.example",
            );
            assert_eq!(m.event_type, t.as_str());
            assert!(
                !m.title.is_empty() && !m.title.contains('?'),
                "{t}: {}",
                m.title
            );
            assert!(!m.body.contains('?'), "{t}: {}", m.body);
            assert!(
                m.url.starts_with("/p/demo/cool-tensorflow/"),
                "{t}: {}",
                m.url
            );
            assert!(
                m.body.contains(&format!("(https://h.example{})", m.url)),
                "{t}: {}",
                m.body
            );
            assert_eq!(m.data, sample);

            let m = render(
                t,
                PROJECT_ID,
                "demo/cool-tensorflow",
                &empty,
                "https://h.example",
            );
            assert!(!m.title.is_empty(), "{t}");
            assert!(!m.body.contains("(by"), "{t}: {}", m.body);
            assert!(
                m.url.starts_with("/p/demo/cool-tensorflow/"),
                "{t}: {}",
                m.url
            );
            assert!(m.data.is_empty());
        }
    }

    #[test]
    fn sample_renders_read_well() {
        let r = |t| {
            let d = sample_data(t, PROJECT_ID, "demo/cool-tensorflow");
            render(
                t,
                PROJECT_ID,
                "demo/cool-tensorflow",
                &d,
                "https://h.example",
            )
        };
        assert_eq!(
            r(EventType::ExecutionFailed).title,
            "Execution failed: demo/cool-tensorflow/#736 (error)"
        );
        assert_eq!(
            r(EventType::TaskCompleted).title,
            "Task finished: demo/cool-tensorflow/#58 (completed)"
        );
        assert_eq!(
            r(EventType::PipelineFailed).body,
            "Pipeline [demo/cool-tensorflow/#42](https://h.example/p/demo/cool-tensorflow/pipeline/0178f4c3-7e21-51a9-3b0d-8f4e2c6a1b95/) (by demouser)\nfailed after 5:02."
        );
        assert_eq!(
            r(EventType::DeploymentCompleted).title,
            "Deployment completed: demo/cool-tensorflow/production version 20210421.0"
        );
        assert_eq!(
            r(EventType::DatasetVersionCreated).url,
            "/p/demo/cool-tensorflow/dataset/0178f4e2-5a7c-9e1b-3d5f-7a9c1e3b5d7f/"
        );
        assert_eq!(
            r(EventType::ModelVersionStatusChanged).body,
            "Model version [model://mnist-classifier/12](https://h.example/p/demo/cool-tensorflow/model/0178f4f0-1d3f-5b7d-9f1b-3d5f7b9d1f3b/) (by demouser)\nchanged status from pending to approved."
        );
        let ping = r(EventType::Ping);
        assert_eq!(ping.title, "Test message from Herald");
        assert!(ping.body.contains("the channel works"));
        assert_eq!(ping.url, "/p/demo/cool-tensorflow/");
    }

    #[test]
    fn missing_fields_fall_back() {
        let m = render(
            EventType::ExecutionCompleted,
            PROJECT_ID,
            "demo/x",
            &Map::new(),
            "https://h",
        );
        assert_eq!(m.title, "Execution finished: demo/x/#? (completed)");
        assert_eq!(
            m.body,
            "Execution [demo/x/#?](https://h/p/demo/x/executions/)\nfinished."
        );
        assert_eq!(m.url, "/p/demo/x/executions/");
        let m = render(EventType::Ping, PROJECT_ID, "", &Map::new(), "https://h");
        assert!(m.url.starts_with(&format!("/p/{PROJECT_ID}/")));
    }

    #[test]
    fn odd_values_are_tolerated_and_cannot_break_links() {
        let mut d = Map::new();
        d.insert("valohai.execution-counter".into(), Value::from("#9"));
        d.insert("valohai.execution-id".into(), Value::from("a b/)c"));
        d.insert("valohai.execution-duration".into(), Value::from("61"));
        d.insert("valohai.creator-name".into(), Value::from("x\ny"));
        d.insert("valohai.project-name".into(), Value::from("o[1]/p"));
        d.insert("valohai.execution-status".into(), Value::Array(vec![]));
        let m = render(
            EventType::ExecutionCompleted,
            PROJECT_ID,
            "demo/x",
            &d,
            "https://h",
        );
        assert_eq!(m.url, "/p/o%5B1%5D/p/execution/a%20b%2F%29c/");
        assert_eq!(m.title, "Execution finished: o[1]/p/#9 (completed)");
        assert_eq!(
            m.body,
            "Execution [o\\[1\\]/p/#9](https://h/p/o%5B1%5D/p/execution/a%20b%2F%29c/) (by x y)\nfinished with duration 1:01."
        );
        d.insert("valohai.execution-duration".into(), Value::from(-4));
        let m = render(
            EventType::ExecutionStopped,
            PROJECT_ID,
            "demo/x",
            &d,
            "https://h",
        );
        assert!(m.body.ends_with("\nwas stopped."), "{}", m.body);
    }

    #[test]
    fn body_segments_round_trip_links() {
        let d = sample_data(
            EventType::ExecutionCompleted,
            PROJECT_ID,
            "demo/cool-tensorflow",
        );
        let m = render(
            EventType::ExecutionCompleted,
            PROJECT_ID,
            "demo/cool-tensorflow",
            &d,
            "https://h",
        );
        let parts = segments(&m.body);
        assert_eq!(parts[0], Segment::Text("Execution ".into()));
        assert_eq!(
            parts[1],
            Segment::Link {
                text: "demo/cool-tensorflow/#736".into(),
                url: format!("https://h{}", m.url)
            }
        );
        assert_eq!(
            parts[2],
            Segment::Text(" (by demouser)\nfinished with duration 11:01.".into())
        );
        assert_eq!(
            segments("Model [o\\[1\\]/p](https://h/x) ok"),
            vec![
                Segment::Text("Model ".into()),
                Segment::Link {
                    text: "o[1]/p".into(),
                    url: "https://h/x".into()
                },
                Segment::Text(" ok".into()),
            ]
        );
        assert_eq!(segments("a [b] c"), vec![Segment::Text("a [b] c".into())]);
        assert_eq!(
            segments("[x](no end"),
            vec![Segment::Text("[x](no end".into())]
        );
        assert_eq!(segments(""), vec![]);
    }

    #[test]
    fn facts_list_what_the_data_has() {
        let d = sample_data(
            EventType::ExecutionCompleted,
            PROJECT_ID,
            "demo/cool-tensorflow",
        );
        let f = facts(EventType::ExecutionCompleted, &d);
        let labels: Vec<&str> = f.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["Status", "Step", "Duration", "Creator", "Commit"]);
        assert_eq!(f[0].1, "completed");
        assert_eq!(f[2].1, "11:01");
        assert_eq!(f[4].1.len(), 12);
        assert!(facts(EventType::TaskFailed, &Map::new()).is_empty());
        for &t in EventType::ALL {
            let d = sample_data(t, PROJECT_ID, "demo/cool-tensorflow");
            assert!(!facts(t, &d).is_empty(), "{t} has no facts");
        }
        assert_eq!(Tone::of(EventType::DeploymentFailed), Tone::Failure);
        assert_eq!(Tone::of(EventType::Ping), Tone::Info);
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(660.0186445713043), "11:01");
        assert_eq!(format_duration(59.2), "1:00");
        assert_eq!(format_duration(3600.0), "1:00:00");
        assert_eq!(format_duration(3599.5), "1:00:00");
        assert_eq!(format_duration(3661.0), "1:01:01");
        assert_eq!(format_duration(0.0), "0:00");
        assert_eq!(format_duration(0.001), "0:01");
        assert_eq!(format_duration(5.0), "0:05");
        assert_eq!(format_duration(600.0), "10:00");
        assert_eq!(format_duration(90061.0), "25:01:01");
        assert_eq!(format_duration(-3.0), "0:00");
        assert_eq!(format_duration(f64::NAN), "0:00");
        assert!(!format_duration(f64::INFINITY).is_empty());
    }
}
