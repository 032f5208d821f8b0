//! Template previews: the editor calls this as the user types (debounced),
//! so the template engine runs on the server only and never ships to the
//! browser.
use super::AppError;
use crate::domain::template::ChannelTemplate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One part of what a channel would send, ready to show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewPart {
    /// `body`, `subject`, `text` or `html`.
    pub part: String,
    pub label: String,
    /// JSON bodies pretty-printed; other parts as rendered.
    pub content: String,
    /// True when the content is HTML to show in a sandboxed frame.
    pub is_html: bool,
    /// True when this part came from the user's template, not Herald's default.
    pub custom: bool,
}

/// A template problem, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateProblem {
    /// The form field: `channel[template][body]`.
    pub field: String,
    pub label: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

impl TemplateProblem {
    /// "Line 3, column 12: …".
    pub fn describe(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("Line {l}, column {c}: {}", self.message),
            (Some(l), None) => format!("Line {l}: {}", self.message),
            _ => self.message.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    pub event_type: String,
    pub event_label: String,
    pub parts: Vec<PreviewPart>,
    pub problems: Vec<TemplateProblem>,
}

/// Renders a template (blank parts: Herald's default) for a channel of
/// `kind` against the sample event of `event_type`.
#[server(prefix = "/api", endpoint = "preview_template")]
pub async fn preview_template(
    project: String,
    kind: String,
    event_type: String,
    #[server(default)] template: ChannelTemplate,
) -> Result<Preview, AppError> {
    use crate::domain::{ChannelKind, EventType};
    let crate::server::access::ProjectAccess { state, project, .. } =
        crate::server::access::project(&project, crate::server::access::Need::Member).await?;
    let kind = ChannelKind::parse(&kind)
        .ok_or_else(|| AppError::invalid("kind", format!("“{kind}” is not a channel type.")))?;
    let event = EventType::parse(&event_type).ok_or_else(|| {
        AppError::invalid(
            "event_type",
            format!("“{event_type}” is not a known event type."),
        )
    })?;
    Ok(crate::server::templates::preview(
        kind,
        &template,
        event,
        &project.id,
        &project.name,
        &state.config.public_url,
    ))
}
