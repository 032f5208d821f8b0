//! Rules for every value a user can type. Pure functions, shared by the
//! server (which enforces them) and the browser (which only displays errors).

use serde::{Deserialize, Serialize};

pub const PROJECT_PART_MAX: usize = 64;
pub const CHANNEL_NAME_MAX: usize = 100;
pub const URL_MAX: usize = 2048;
pub const HEADERS_MAX: usize = 20;
pub const HEADER_NAME_MAX: usize = 256;
pub const HEADER_VALUE_MAX: usize = 4096;

/// Headers Herald sets itself; a channel may not override them.
pub const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "host",
    "user-agent",
    "connection",
    "transfer-encoding",
    "te",
    "upgrade",
    "keep-alive",
    "proxy-connection",
    "expect",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
];

/// One problem with one submitted field; `field` is the form input's name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Every problem found in one submission, so the user can fix them all at once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Records the error of `result` under `field` and passes its value on.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

fn project_part(part: &str, what: &str) -> Result<(), String> {
    if part.is_empty() {
        return Err(format!(
            "The {what} part is empty; use the form owner/name."
        ));
    }
    if part.len() > PROJECT_PART_MAX {
        return Err(format!(
            "The {what} part is {} characters long; at most {PROJECT_PART_MAX} are allowed.",
            part.len()
        ));
    }
    if !part
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "The {what} part may contain only letters, digits, '-', '_' and '.'."
        ));
    }
    if part.starts_with(['.', '-']) {
        return Err(format!(
            "The {what} part must start with a letter, digit or '_'."
        ));
    }
    Ok(())
}

/// A project's full name, `owner/name`, as in `demo/cool-tensorflow`.
pub fn project_name(input: &str) -> Result<String, String> {
    let name = input.trim();
    if name.is_empty() {
        return Err("Enter a project name in the form owner/name.".into());
    }
    let Some((owner, project)) = name.split_once('/') else {
        return Err("Use the form owner/name, for example demo/cool-tensorflow.".into());
    };
    if project.contains('/') {
        return Err("Use exactly one '/' between owner and name.".into());
    }
    project_part(owner, "owner")?;
    project_part(project, "name")?;
    Ok(name.to_string())
}

/// A channel's display name: any text, trimmed, single line.
pub fn channel_name(input: &str) -> Result<String, String> {
    let name = input.trim();
    if name.is_empty() {
        return Err("Enter a name for the channel.".into());
    }
    let len = name.chars().count();
    if len > CHANNEL_NAME_MAX {
        return Err(format!(
            "The name is {len} characters long; at most {CHANNEL_NAME_MAX} are allowed."
        ));
    }
    if has_control(name) {
        return Err("The name may not contain line breaks or control characters.".into());
    }
    Ok(name.to_string())
}

/// A webhook destination: absolute http(s) URL with a host, no whitespace.
pub fn webhook_url(input: &str) -> Result<String, String> {
    let raw = input.trim();
    if raw.is_empty() {
        return Err("Enter the URL Herald should POST to.".into());
    }
    if raw.len() > URL_MAX {
        return Err(format!(
            "The URL is {} characters long; at most {URL_MAX} are allowed.",
            raw.len()
        ));
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("The URL may not contain spaces or control characters.".into());
    }
    let url = url::Url::parse(raw).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => {
            "Enter an absolute URL starting with https:// or http://.".to_string()
        }
        url::ParseError::EmptyHost => "The URL has no host.".to_string(),
        other => format!("This is not a valid URL ({other})."),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "Only http and https URLs are supported, not {}://.",
            url.scheme()
        ));
    }
    match url.host_str() {
        None | Some("") => return Err("The URL has no host.".into()),
        Some(_) => {}
    }
    Ok(url.to_string())
}

/// The URL as the UI may show it: any user name or password replaced.
pub fn mask_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            if !url.username().is_empty() {
                let _ = url.set_username("***");
            }
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            url.to_string()
        }
        Err(_) => raw.to_string(),
    }
}

/// An HTTP header name: an RFC 9110 token.
pub fn header_name(input: &str) -> Result<String, String> {
    let name = input.trim();
    if name.is_empty() {
        return Err("Enter the header's name.".into());
    }
    if name.len() > HEADER_NAME_MAX {
        return Err(format!(
            "The header name is {} characters long; at most {HEADER_NAME_MAX} are allowed.",
            name.len()
        ));
    }
    let is_tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if !name.chars().all(is_tchar) {
        return Err(
            "A header name may contain only letters, digits and !#$%&'*+-.^_`|~ (no spaces or colons)."
                .into(),
        );
    }
    if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(format!(
            "Herald sets the {name} header itself; choose another."
        ));
    }
    Ok(name.to_string())
}

/// An HTTP header value: visible ASCII, spaces and tabs, one line.
pub fn header_value(input: &str) -> Result<String, String> {
    let value = input.trim();
    if value.is_empty() {
        return Err("Enter the header's value.".into());
    }
    if value.len() > HEADER_VALUE_MAX {
        return Err(format!(
            "The value is {} characters long; at most {HEADER_VALUE_MAX} are allowed.",
            value.len()
        ));
    }
    if !value
        .chars()
        .all(|c| c == ' ' || c == '\t' || c.is_ascii_graphic())
    {
        return Err("A header value may contain only printable ASCII on one line.".into());
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names() {
        assert_eq!(
            project_name(" demo/cool-tensorflow ").unwrap(),
            "demo/cool-tensorflow"
        );
        assert_eq!(project_name("a_b/c.d-e").unwrap(), "a_b/c.d-e");
        assert!(project_name("").unwrap_err().contains("owner/name"));
        assert!(project_name("demo").unwrap_err().contains("owner/name"));
        assert!(project_name("a/b/c").unwrap_err().contains("exactly one"));
        assert!(project_name("/x")
            .unwrap_err()
            .contains("owner part is empty"));
        assert!(project_name("x/")
            .unwrap_err()
            .contains("name part is empty"));
        assert!(project_name("de mo/x")
            .unwrap_err()
            .contains("only letters"));
        assert!(project_name("-x/y").unwrap_err().contains("must start"));
        let long = format!("o/{}", "n".repeat(PROJECT_PART_MAX + 1));
        assert!(project_name(&long).unwrap_err().contains("at most 64"));
        assert!(project_name(&format!("o/{}", "n".repeat(PROJECT_PART_MAX))).is_ok());
    }

    #[test]
    fn channel_names() {
        assert_eq!(channel_name("  Build alerts ").unwrap(), "Build alerts");
        assert!(channel_name("   ").is_err());
        assert!(channel_name("a\nb").is_err());
        assert!(channel_name(&"é".repeat(CHANNEL_NAME_MAX)).is_ok());
        assert!(channel_name(&"x".repeat(CHANNEL_NAME_MAX + 1))
            .unwrap_err()
            .contains("at most 100"));
    }

    #[test]
    fn webhook_urls() {
        assert_eq!(
            webhook_url("https://example.com/hook").unwrap(),
            "https://example.com/hook"
        );
        assert_eq!(
            webhook_url("http://127.0.0.1:9000").unwrap(),
            "http://127.0.0.1:9000/"
        );
        assert!(webhook_url("ftp://example.com/x")
            .unwrap_err()
            .contains("ftp"));
        assert!(webhook_url("https://exa mple.com")
            .unwrap_err()
            .contains("spaces"));
        assert!(webhook_url("example.com/hook")
            .unwrap_err()
            .contains("absolute"));
        assert!(webhook_url("http://").unwrap_err().contains("no host"));
        assert!(webhook_url("").is_err());
        assert!(webhook_url("mailto:a@b.c").unwrap_err().contains("mailto"));
        let long = format!("https://example.com/{}", "a".repeat(URL_MAX));
        assert!(webhook_url(&long).unwrap_err().contains("at most 2048"));
    }

    #[test]
    fn masking_hides_credentials_only() {
        assert_eq!(
            mask_url("https://user:pass@example.com/h?x=1"),
            "https://***:***@example.com/h?x=1"
        );
        assert_eq!(mask_url("https://example.com/h"), "https://example.com/h");
    }

    #[test]
    fn headers() {
        assert_eq!(header_name("X-Api-Key").unwrap(), "X-Api-Key");
        assert!(header_name("X Api").is_err());
        assert!(header_name("X:Api").is_err());
        assert!(header_name("").is_err());
        assert!(header_name("Content-Type").unwrap_err().contains("itself"));
        assert!(header_name("webhook-signature").is_err());
        assert!(header_value("abc def").is_ok());
        assert!(header_value("a\r\nInjected: 1").is_err());
        assert!(header_value("ünïcode").is_err());
        assert!(header_value(&"v".repeat(HEADER_VALUE_MAX + 1)).is_err());
    }

    #[test]
    fn field_errors_collect() {
        let mut errors = FieldErrors::new();
        assert_eq!(
            errors.check("name", channel_name("ok")),
            Some("ok".to_string())
        );
        assert_eq!(errors.check("url", webhook_url("nope")), None);
        assert!(errors.get("url").is_some());
        assert!(errors.get("name").is_none());
        assert!(errors.into_result().is_err());
    }
}
