//! E-mail channel settings: the SMTP server, how to secure the connection,
//! the sender and the recipients.

use serde::{Deserialize, Serialize};

/// How the connection to the SMTP server is secured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain SMTP, upgraded with STARTTLS (required, never silently skipped).
    #[default]
    StartTls,
    /// TLS from the first byte ("SMTPS", implicit TLS).
    Tls,
    /// No encryption; only for relays on a trusted network.
    None,
}

impl Security {
    pub const ALL: [Security; 3] = [Security::StartTls, Security::Tls, Security::None];

    pub fn as_str(self) -> &'static str {
        match self {
            Security::StartTls => "starttls",
            Security::Tls => "tls",
            Security::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Security> {
        Security::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Security::StartTls => "STARTTLS (usually port 587)",
            Security::Tls => "TLS (usually port 465)",
            Security::None => "None (trusted relays only, usually port 25)",
        }
    }

    /// A short word for lists and logs.
    pub fn short(self) -> &'static str {
        match self {
            Security::StartTls => "STARTTLS",
            Security::Tls => "TLS",
            Security::None => "unencrypted",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Security::StartTls => 587,
            Security::Tls => 465,
            Security::None => 25,
        }
    }
}

/// What an e-mail channel stores (`channels.config`); on the server the
/// password is encrypted at rest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// Empty when the server takes mail without signing in.
    #[serde(default)]
    pub user: String,
    /// Empty when there is no user.
    #[serde(default)]
    pub password: String,
    /// `Name <address>` or an address.
    pub from: String,
    pub to: Vec<String>,
}

impl EmailSettings {
    /// "ops@example.com, ml@example.com via smtp.example.com:587".
    pub fn summary(&self) -> String {
        format!("{} via {}:{}", self.to.join(", "), self.host, self.port)
    }

    pub fn url(&self) -> String {
        if self.host.contains(':') {
            format!("smtp://[{}]:{}", self.host, self.port)
        } else {
            format!("smtp://{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_names() {
        for s in Security::ALL {
            assert_eq!(Security::parse(s.as_str()), Some(s));
        }
        assert_eq!(Security::default().default_port(), 587);
        assert_eq!(
            serde_json::to_string(&Security::StartTls).unwrap(),
            "\"starttls\""
        );
        let e = EmailSettings {
            host: "::1".into(),
            port: 25,
            ..Default::default()
        };
        assert_eq!(e.url(), "smtp://[::1]:25");
    }
}
