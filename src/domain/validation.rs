//! Rules for every value a user can type. Pure functions, shared by the
//! server (which enforces them) and the browser (which only displays errors).

use super::ChannelKind;
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

/// Hosts a Slack channel may post to: Slack's incoming webhooks (and GovSlack's).
pub const SLACK_HOSTS: &[&str] = &["hooks.slack.com", "hooks.slack-gov.com"];
/// Hosts a Discord channel may post to.
pub const DISCORD_HOSTS: &[&str] = &[
    "discord.com",
    "discordapp.com",
    "ptb.discord.com",
    "canary.discord.com",
];
/// Host suffixes of Power Automate workflow URLs, which Teams workflows use.
pub const TEAMS_HOST_SUFFIXES: &[&str] = &[".logic.azure.com", ".powerplatform.com"];

/// An incoming-webhook URL of a chat service. `extra_hosts` are hosts the
/// operator trusts besides the service's own (`HERALD_EXTRA_CHAT_HOSTS`,
/// e.g. a Mattermost server that speaks Slack's format); for those any
/// http(s) URL is accepted.
pub fn chat_url(kind: ChannelKind, input: &str, extra_hosts: &[String]) -> Result<String, String> {
    let raw = input.trim();
    if raw.is_empty() {
        return Err(match kind {
            ChannelKind::Slack => {
                "Enter the Slack incoming-webhook URL (https://hooks.slack.com/services/…).".into()
            }
            ChannelKind::Discord => {
                "Enter the Discord webhook URL (https://discord.com/api/webhooks/…).".into()
            }
            ChannelKind::Teams => "Enter the Teams workflow URL.".into(),
            _ => "Enter the URL Herald should POST to.".into(),
        });
    }
    let normalized = webhook_url(raw)?;
    let url =
        url::Url::parse(&normalized).map_err(|e| format!("This is not a valid URL ({e})."))?;
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let with_port = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.clone(),
    };
    if extra_hosts
        .iter()
        .any(|h| h.eq_ignore_ascii_case(&host) || h.eq_ignore_ascii_case(&with_port))
    {
        return Ok(normalized);
    }
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let https = url.scheme() == "https";
    match kind {
        ChannelKind::Slack => {
            if !https || !SLACK_HOSTS.contains(&host.as_str()) {
                return Err("A Slack incoming-webhook URL starts with https://hooks.slack.com/services/ — copy it from your Slack app's Incoming Webhooks page.".into());
            }
            if segments.first() != Some(&"services") || segments.len() < 4 {
                return Err("This is not an incoming-webhook URL: it looks like https://hooks.slack.com/services/T…/B…/… (workflow trigger URLs take a different message).".into());
            }
        }
        ChannelKind::Discord => {
            if !https || !DISCORD_HOSTS.contains(&host.as_str()) {
                return Err("A Discord webhook URL starts with https://discord.com/api/webhooks/ — copy it from Server Settings → Integrations → Webhooks.".into());
            }
            let rest = match segments.as_slice() {
                ["api", "webhooks", rest @ ..] => rest,
                ["api", version, "webhooks", rest @ ..] if version.starts_with('v') => rest,
                _ => &[][..],
            };
            let id_ok = rest
                .first()
                .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
            if rest.len() != 2 || !id_ok {
                return Err("This is not a Discord webhook URL: it looks like https://discord.com/api/webhooks/<number>/<token>.".into());
            }
        }
        ChannelKind::Teams => {
            let known = TEAMS_HOST_SUFFIXES.iter().any(|s| host.ends_with(s));
            if !https || !known {
                return Err("A Teams workflow URL is an https address on logic.azure.com or powerplatform.com — copy it from the “When a Teams webhook request is received” trigger of your workflow.".into());
            }
        }
        ChannelKind::Webhook | ChannelKind::Email => {}
    }
    Ok(normalized)
}

/// The destination as the UI may show it: credentials in the user part and
/// the secret tokens of chat webhook URLs replaced by `***`.
pub fn mask_destination(kind: ChannelKind, raw: &str) -> String {
    if matches!(kind, ChannelKind::Webhook | ChannelKind::Email) {
        return mask_url(raw);
    }
    let Ok(mut url) = url::Url::parse(&mask_url(raw)) else {
        return raw.to_string();
    };
    // Slack and Discord put the token in the last path segment.
    if matches!(kind, ChannelKind::Slack | ChannelKind::Discord) {
        let segments: Vec<String> = url
            .path_segments()
            .map(|s| s.map(str::to_string).collect())
            .unwrap_or_default();
        if segments.iter().filter(|s| !s.is_empty()).count() >= 2 {
            let mut kept: Vec<String> = segments;
            while kept.last().is_some_and(|s| s.is_empty()) {
                kept.pop();
            }
            if let Some(last) = kept.last_mut() {
                *last = "***".to_string();
            }
            url.set_path(&kept.join("/"));
        }
    }
    // Workflow URLs carry their credential in `sig`; mask any such value.
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if pairs.iter().any(|(k, _)| is_secret_param(k)) {
        let mut query = url.query_pairs_mut();
        query.clear();
        for (k, v) in &pairs {
            let shown = if is_secret_param(k) {
                "***"
            } else {
                v.as_str()
            };
            query.append_pair(k, shown);
        }
    }
    url.to_string()
}

fn is_secret_param(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "sig" | "signature" | "token" | "key" | "code"
    )
}

pub const SMTP_HOST_MAX: usize = 253;
pub const EMAIL_MAX: usize = 254;
pub const RECIPIENTS_MAX: usize = 20;
pub const SMTP_USER_MAX: usize = 256;
pub const SMTP_PASSWORD_MAX: usize = 1024;

/// A DNS host name (letters, digits, hyphens, dots) or an IP address.
fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= SMTP_HOST_MAX
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// The SMTP server: a host name or an IP address, nothing else.
pub fn smtp_host(input: &str) -> Result<String, String> {
    let host = input.trim().trim_end_matches('.');
    if host.is_empty() {
        return Err("Enter the SMTP server's host name, like smtp.example.com.".into());
    }
    if host.contains("://") {
        return Err(
            "Enter only the host name, like smtp.example.com, without smtp:// or a port.".into(),
        );
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<std::net::IpAddr>().is_ok() {
        return Ok(bare.to_string());
    }
    if let Some((_, port)) = host.rsplit_once(':') {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            return Err("Enter the port in the Port field, not after the host name.".into());
        }
    }
    if host.len() > SMTP_HOST_MAX {
        return Err(format!(
            "The host name is {} characters long; at most {SMTP_HOST_MAX} are allowed.",
            host.len()
        ));
    }
    if !is_host_name(host) {
        return Err(
            "A host name may contain only letters, digits, hyphens and dots (use the punycode form of international names)."
                .into(),
        );
    }
    Ok(host.to_ascii_lowercase())
}

/// A TCP port, 1–65535; blank means `default`.
pub fn port(input: &str, default: u16) -> Result<u16, String> {
    let text = input.trim();
    if text.is_empty() {
        return Ok(default);
    }
    match text.parse::<u32>() {
        Ok(n) if (1..=65535).contains(&n) => Ok(n as u16),
        _ => Err(format!(
            "Enter a port number from 1 to 65535 (usually {default})."
        )),
    }
}

/// A bare e-mail address, `local@domain.example`.
pub fn email_address(input: &str) -> Result<String, String> {
    let address = input.trim();
    if address.is_empty() {
        return Err("Enter an e-mail address.".into());
    }
    if address.len() > EMAIL_MAX {
        return Err(format!(
            "“{address}” is {} characters long; an address has at most {EMAIL_MAX}.",
            address.len()
        ));
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Err(format!(
            "“{address}” is not an e-mail address: it has no @."
        ));
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    if !local_ok {
        return Err(format!(
            "“{address}” is not an e-mail address: the part before @ may contain only letters, digits and !#$%&'*+/=?^_`{{|}}~.- (no spaces)."
        ));
    }
    if !is_host_name(domain) || !domain.contains('.') {
        return Err(format!(
            "“{address}” is not an e-mail address: the part after @ must be a domain like example.com."
        ));
    }
    Ok(address.to_string())
}

/// A sender: an address, optionally with a display name, `Herald <herald@example.com>`.
pub fn mailbox(input: &str) -> Result<String, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err("Enter the sender address, e.g. Herald <herald@example.com>.".into());
    }
    if has_control(text) {
        return Err("The sender may not contain line breaks or control characters.".into());
    }
    match (text.rfind('<'), text.ends_with('>')) {
        (Some(open), true) => {
            let name = text[..open].trim().trim_matches('"').trim();
            let address = email_address(&text[open + 1..text.len() - 1])?;
            if name.contains(['<', '>', '"']) {
                return Err("The display name may not contain <, > or quotes.".into());
            }
            if name.chars().count() > CHANNEL_NAME_MAX {
                return Err(format!(
                    "The display name is too long; at most {CHANNEL_NAME_MAX} characters are allowed."
                ));
            }
            Ok(if name.is_empty() {
                address
            } else {
                format!("{name} <{address}>")
            })
        }
        (None, false) => email_address(text),
        _ => Err("Write the sender as name <address>, e.g. Herald <herald@example.com>.".into()),
    }
}

/// Recipients separated by commas, semicolons or line breaks; duplicates dropped.
pub fn recipients(input: &str) -> Result<Vec<String>, String> {
    let mut list: Vec<String> = Vec::new();
    for part in input.split([',', ';', '\n', '\r']) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let address = email_address(part)?;
        if !list.iter().any(|a| a.eq_ignore_ascii_case(&address)) {
            list.push(address);
        }
    }
    if list.is_empty() {
        return Err("Enter at least one recipient address.".into());
    }
    if list.len() > RECIPIENTS_MAX {
        return Err(format!(
            "{} recipients are listed; at most {RECIPIENTS_MAX} are allowed (use a mailing list for more).",
            list.len()
        ));
    }
    Ok(list)
}

/// An SMTP user name: one line, printable.
pub fn smtp_user(input: &str) -> Result<String, String> {
    let user = input.trim();
    if user.len() > SMTP_USER_MAX {
        return Err(format!(
            "The user name is {} characters long; at most {SMTP_USER_MAX} are allowed.",
            user.len()
        ));
    }
    if has_control(user) {
        return Err("The user name may not contain line breaks or control characters.".into());
    }
    Ok(user.to_string())
}

/// An SMTP password: kept exactly as typed (spaces included), one line.
pub fn smtp_password(input: &str) -> Result<String, String> {
    if input.len() > SMTP_PASSWORD_MAX {
        return Err(format!(
            "The password is {} characters long; at most {SMTP_PASSWORD_MAX} are allowed.",
            input.len()
        ));
    }
    if has_control(input) {
        return Err("The password may not contain line breaks or control characters.".into());
    }
    Ok(input.to_string())
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
    fn chat_urls_follow_each_service() {
        let none: Vec<String> = Vec::new();
        let slack = "https://hooks.slack.com/services/T0001/B0002/XXXXXXXX";
        assert_eq!(chat_url(ChannelKind::Slack, slack, &none).unwrap(), slack);
        for bad in [
            "http://hooks.slack.com/services/T/B/X",
            "https://example.com/services/T/B/X",
            "https://hooks.slack.com.evil.com/services/T/B/X",
        ] {
            assert!(chat_url(ChannelKind::Slack, bad, &none)
                .unwrap_err()
                .contains("https://hooks.slack.com/services/"));
        }
        assert!(chat_url(
            ChannelKind::Slack,
            "https://hooks.slack.com/triggers/T/1/x",
            &none
        )
        .unwrap_err()
        .contains("not an incoming-webhook URL"));
        assert!(chat_url(ChannelKind::Slack, " ", &none)
            .unwrap_err()
            .contains("Enter the Slack"));

        let discord = "https://discord.com/api/webhooks/123456/abc-DEF";
        assert!(chat_url(ChannelKind::Discord, discord, &none).is_ok());
        assert!(chat_url(
            ChannelKind::Discord,
            "https://discord.com/api/v10/webhooks/1/t",
            &none
        )
        .is_ok());
        assert!(chat_url(
            ChannelKind::Discord,
            "https://discord.com/api/webhooks/abc/t",
            &none
        )
        .unwrap_err()
        .contains("<number>/<token>"));
        assert!(chat_url(
            ChannelKind::Discord,
            "https://hooks.slack.com/services/T/B/X",
            &none
        )
        .unwrap_err()
        .contains("discord.com/api/webhooks"));

        let teams = "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=s3cr3t";
        assert!(chat_url(ChannelKind::Teams, teams, &none).is_ok());
        assert!(chat_url(
            ChannelKind::Teams,
            "https://default1234.56.environment.api.powerplatform.com/powerautomate/x",
            &none
        )
        .is_ok());
        assert!(chat_url(
            ChannelKind::Teams,
            "https://evil.com/?x=logic.azure.com",
            &none
        )
        .unwrap_err()
        .contains("logic.azure.com"));

        let relay = vec!["127.0.0.1".to_string(), "chat.internal:8065".to_string()];
        assert!(chat_url(ChannelKind::Slack, "http://127.0.0.1:9999/hook", &relay).is_ok());
        assert!(chat_url(
            ChannelKind::Slack,
            "http://chat.internal:8065/hooks/x",
            &relay
        )
        .is_ok());
        assert!(chat_url(ChannelKind::Slack, "http://chat.internal:9/hooks/x", &relay).is_err());
        assert!(chat_url(ChannelKind::Discord, "ftp://127.0.0.1/x", &relay)
            .unwrap_err()
            .contains("ftp"));
    }

    #[test]
    fn masked_destinations_hide_tokens() {
        assert_eq!(
            mask_destination(
                ChannelKind::Slack,
                "https://hooks.slack.com/services/T0001/B0002/XXXXXXXX"
            ),
            "https://hooks.slack.com/services/T0001/B0002/***"
        );
        assert_eq!(
            mask_destination(
                ChannelKind::Discord,
                "https://discord.com/api/webhooks/123/tok"
            ),
            "https://discord.com/api/webhooks/123/***"
        );
        let teams = mask_destination(
            ChannelKind::Teams,
            "https://prod-1.westeurope.logic.azure.com/workflows/abc?api-version=2016-06-01&sig=s3cr3t",
        );
        assert!(teams.contains("sig=***"), "{teams}");
        assert!(teams.contains("api-version=2016-06-01"), "{teams}");
        assert!(!teams.contains("s3cr3t"));
        assert_eq!(
            mask_destination(ChannelKind::Webhook, "https://u:p@e.com/h"),
            "https://***:***@e.com/h"
        );
    }

    #[test]
    fn smtp_settings() {
        assert_eq!(smtp_host(" SMTP.Example.com ").unwrap(), "smtp.example.com");
        assert_eq!(smtp_host("127.0.0.1").unwrap(), "127.0.0.1");
        assert_eq!(smtp_host("[::1]").unwrap(), "::1");
        assert!(smtp_host("").unwrap_err().contains("Enter the SMTP"));
        assert!(smtp_host("smtp://mail.example.com")
            .unwrap_err()
            .contains("without smtp://"));
        assert!(smtp_host("mail.example.com:587")
            .unwrap_err()
            .contains("Port field"));
        assert!(smtp_host("mail example.com").is_err());
        assert_eq!(port("", 587), Ok(587));
        assert_eq!(port(" 2525 ", 587), Ok(2525));
        assert!(port("0", 25).unwrap_err().contains("1 to 65535"));
        assert!(port("70000", 25).is_err());
        assert!(port("abc", 465).unwrap_err().contains("usually 465"));
    }

    #[test]
    fn email_addresses() {
        assert_eq!(
            email_address(" ops@example.com ").unwrap(),
            "ops@example.com"
        );
        assert!(email_address("first.last+tag@sub.example.co.uk").is_ok());
        assert!(email_address("nobody").unwrap_err().contains("no @"));
        assert!(email_address("a b@example.com")
            .unwrap_err()
            .contains("before @"));
        assert!(email_address("a@localhost")
            .unwrap_err()
            .contains("after @"));
        assert!(email_address(".a@example.com").is_err());
        assert!(email_address("a@exa_mple.com").is_err());
        assert_eq!(
            mailbox("Herald Bot <herald@example.com>").unwrap(),
            "Herald Bot <herald@example.com>"
        );
        assert_eq!(
            mailbox("\"Q\" <q@example.com>").unwrap(),
            "Q <q@example.com>"
        );
        assert_eq!(mailbox("<q@example.com>").unwrap(), "q@example.com");
        assert!(mailbox("Herald <herald@example.com").is_err());
        assert!(mailbox("").unwrap_err().contains("sender"));
        assert!(mailbox("a\r\nBcc: x@y.com").is_err());
        assert_eq!(
            recipients("a@example.com, b@example.com;\nA@example.com").unwrap(),
            vec!["a@example.com", "b@example.com"]
        );
        assert!(recipients(" , ").unwrap_err().contains("at least one"));
        assert!(recipients("a@example.com, nope")
            .unwrap_err()
            .contains("“nope”"));
        let many: Vec<String> = (0..=RECIPIENTS_MAX)
            .map(|i| format!("u{i}@example.com"))
            .collect();
        assert!(recipients(&many.join(","))
            .unwrap_err()
            .contains("at most 20"));
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
