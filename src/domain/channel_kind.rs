//! The kinds of channel Herald delivers to, and what each one is called in
//! the UI, on the wire and in the database.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// The Valohai-compatible JSON message, signed per Standard Webhooks.
    #[default]
    Webhook,
    Slack,
    Discord,
    Teams,
    Email,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 5] = [
        ChannelKind::Webhook,
        ChannelKind::Slack,
        ChannelKind::Discord,
        ChannelKind::Teams,
        ChannelKind::Email,
    ];

    /// The string stored in the database and used in forms and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "webhook",
            ChannelKind::Slack => "slack",
            ChannelKind::Discord => "discord",
            ChannelKind::Teams => "teams",
            ChannelKind::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<ChannelKind> {
        ChannelKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "Webhook",
            ChannelKind::Slack => "Slack",
            ChannelKind::Discord => "Discord",
            ChannelKind::Teams => "Microsoft Teams",
            ChannelKind::Email => "Email",
        }
    }

    /// One line for the type picker.
    pub fn summary(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "Signed JSON to your own service",
            ChannelKind::Slack => "A message in a Slack channel",
            ChannelKind::Discord => "An embed in a Discord channel",
            ChannelKind::Teams => "An Adaptive Card in a Teams channel",
            ChannelKind::Email => "An e-mail over your SMTP server",
        }
    }

    /// Delivered with an HTTP POST (everything but e-mail).
    pub fn is_http(self) -> bool {
        !matches!(self, ChannelKind::Email)
    }

    /// Signed per Standard Webhooks, with a secret and custom headers.
    pub fn is_signed(self) -> bool {
        matches!(self, ChannelKind::Webhook)
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in ChannelKind::ALL {
            assert_eq!(ChannelKind::parse(k.as_str()), Some(k));
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
        assert_eq!(ChannelKind::parse("Slack"), None);
        assert_eq!(ChannelKind::parse(""), None);
        assert!(ChannelKind::Slack.is_http() && !ChannelKind::Email.is_http());
        assert!(ChannelKind::Webhook.is_signed() && !ChannelKind::Teams.is_signed());
    }
}
