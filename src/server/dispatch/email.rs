//! One e-mail attempt over SMTP: resolve the server through the SSRF guard,
//! connect to a vetted address (so DNS cannot be rebound between check and
//! connect), secure the connection, sign in, send, and record the server's
//! reply. A 5xx reply is permanent: the delivery fails without retries.
use super::sender::{user_agent, Outcome};
use super::ssrf::{self, AllowList, BlockedAddress};
use crate::domain::formats::EmailContent;
use crate::domain::smtp::{EmailSettings, Security};
use crate::server::db::entities::{channel, delivery};
use crate::server::secrets::SecretBox;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// An e-mail channel's settings with the password encrypted, for storage.
pub fn seal_settings(secrets: &SecretBox, settings: &EmailSettings) -> String {
    let mut sealed = settings.clone();
    if !sealed.password.is_empty() {
        sealed.password = secrets.encrypt(&sealed.password);
    }
    serde_json::to_string(&sealed).unwrap_or_default()
}

/// The stored settings with the password decrypted.
pub fn open_settings(
    secrets: &SecretBox,
    channel: &channel::Model,
) -> Result<EmailSettings, String> {
    let mut settings: EmailSettings = serde_json::from_str(&channel.config)
        .map_err(|e| format!("the channel's SMTP settings are unreadable: {e}"))?;
    if !settings.password.is_empty() {
        settings.password = secrets
            .decrypt(&settings.password)
            .map_err(|e| e.to_string())?;
    }
    Ok(settings)
}

/// A message ready to go: what an attempt sends and a dry run shows.
#[derive(Clone, Debug)]
pub struct PreparedEmail {
    pub settings: EmailSettings,
    pub message: lettre::Message,
    pub content: EmailContent,
    /// The envelope and headers as the attempt log shows them (no password).
    pub shown_headers: Vec<(String, String)>,
}

/// Builds the e-mail for `payload` (the parts a delivery stores), with a
/// Message-ID that stays the same across retries.
pub fn prepare(
    secrets: &SecretBox,
    channel: &channel::Model,
    payload: &str,
    msg_id: &str,
) -> Result<PreparedEmail, (&'static str, String)> {
    let config = |m: String| ("config", m);
    let settings = open_settings(secrets, channel).map_err(config)?;
    let content: EmailContent = serde_json::from_str(payload)
        .map_err(|e| config(format!("the stored message is not an e-mail: {e}")))?;
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| config(format!("sender {}: {e}", settings.from)))?;
    let message_id = format!("<{msg_id}@{}>", from.email.domain());
    let mut builder = lettre::Message::builder()
        .from(from)
        .subject(content.subject.clone())
        .message_id(Some(message_id.clone()))
        .user_agent(user_agent())
        // RFC 3834: no out-of-office replies to machine-sent mail.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".into(),
        ));
    for to in &settings.to {
        let mailbox: Mailbox = to
            .parse()
            .map_err(|e| config(format!("recipient {to}: {e}")))?;
        builder = builder.to(mailbox);
    }
    let message = builder
        .multipart(MultiPart::alternative_plain_html(
            content.text.clone(),
            content.html.clone(),
        ))
        .map_err(|e| config(format!("the e-mail cannot be built: {e}")))?;
    let shown_headers = vec![
        (
            "smtp-server".to_string(),
            format!(
                "{}:{} ({})",
                settings.host,
                settings.port,
                settings.security.short()
            ),
        ),
        (
            "smtp-user".to_string(),
            if settings.user.is_empty() {
                "(no sign-in)".to_string()
            } else {
                settings.user.clone()
            },
        ),
        ("from".to_string(), settings.from.clone()),
        ("to".to_string(), settings.to.join(", ")),
        ("subject".to_string(), content.subject.clone()),
        ("message-id".to_string(), message_id),
    ];
    Ok(PreparedEmail {
        settings,
        message,
        content,
        shown_headers,
    })
}

/// Why an SMTP conversation ended without the message being taken.
#[derive(Debug)]
struct Failure {
    kind: &'static str,
    message: String,
    code: Option<u16>,
    reply: Option<String>,
    permanent: bool,
}

impl Failure {
    fn new(kind: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
            code: None,
            reply: None,
            permanent: false,
        }
    }

    /// From lettre's error, `kind` naming the stage when no reply came.
    fn smtp(kind: &'static str, err: lettre::transport::smtp::Error) -> Failure {
        let message = err.to_string();
        match err.status() {
            Some(code) => Failure {
                kind: "smtp",
                code: Some(u16::from(code)),
                reply: Some(message.clone()),
                permanent: err.is_permanent(),
                message: format!("SMTP {code}: {message}"),
            },
            None if err.is_timeout() => Failure::new("timeout", message),
            None if err.is_tls() => Failure::new("tls", message),
            None => Failure::new(kind, message),
        }
    }
}

pub struct EmailSender {
    timeout: Duration,
    allow: Arc<AllowList>,
    secrets: Arc<SecretBox>,
    hello: ClientId,
}

impl EmailSender {
    pub fn new(timeout: Duration, allow: Arc<AllowList>, secrets: Arc<SecretBox>) -> Self {
        EmailSender {
            timeout,
            allow,
            secrets,
            hello: ClientId::default(),
        }
    }

    /// Sends `delivery` once; every problem is an outcome to record.
    pub async fn send(&self, delivery: &delivery::Model, channel: &channel::Model) -> Outcome {
        let mut outcome = Outcome::default();
        let msg_id = super::sender::message_id(&delivery.id);
        let prepared = match prepare(&self.secrets, channel, &delivery.payload, &msg_id) {
            Ok(p) => p,
            Err((kind, message)) => {
                outcome.error_kind = Some(kind);
                outcome.error_message = Some(message);
                return outcome;
            }
        };
        outcome.request_headers = prepared.shown_headers.clone();
        // The whole conversation fits in one timeout, so the lease outlives it.
        let result = match tokio::time::timeout(self.timeout, self.converse(&prepared)).await {
            Ok(result) => result,
            Err(_) => Err(Failure::new(
                "timeout",
                format!(
                    "the SMTP server did not take the message within {} s",
                    self.timeout.as_secs_f32()
                ),
            )),
        };
        match result {
            Ok((code, reply)) => {
                outcome.status = Some(code);
                outcome.response_body = Some(reply);
            }
            Err(f) => {
                outcome.status = f.code;
                outcome.response_body = f.reply;
                outcome.permanent = f.permanent;
                outcome.error_kind = Some(f.kind);
                outcome.error_message = Some(f.message);
            }
        }
        outcome
    }

    /// Connects, secures, signs in and sends; the final reply's code and text.
    async fn converse(&self, p: &PreparedEmail) -> Result<(u16, String), Failure> {
        let s = &p.settings;
        let addrs = vetted_addresses(&s.host, s.port, &self.allow).await?;
        let tls = || {
            TlsParameters::new(s.host.clone())
                .map_err(|e| Failure::new("tls", format!("TLS set-up failed: {e}")))
        };
        let mut last: Option<Failure> = None;
        let mut connection = None;
        for addr in addrs {
            let implicit = match s.security {
                Security::Tls => Some(tls()?),
                Security::StartTls | Security::None => None,
            };
            match AsyncSmtpConnection::connect_tokio1(
                addr,
                Some(self.timeout),
                &self.hello,
                implicit,
                None,
            )
            .await
            {
                Ok(c) => {
                    connection = Some(c);
                    break;
                }
                Err(e) => last = Some(Failure::smtp("connect", e)),
            }
        }
        let Some(mut conn) = connection else {
            return Err(last.unwrap_or_else(|| Failure::new("connect", "no address to connect to")));
        };
        let result = async {
            if s.security == Security::StartTls {
                conn.starttls(tls()?, &self.hello)
                    .await
                    .map_err(|e| Failure::smtp("tls", e))?;
            }
            if !s.user.is_empty() {
                let credentials = Credentials::new(s.user.clone(), s.password.clone());
                conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
                    .await
                    .map_err(|e| Failure::smtp("request", e))?;
            }
            let response = conn
                .send(p.message.envelope(), &p.message.formatted())
                .await
                .map_err(|e| Failure::smtp("request", e))?;
            let reply: Vec<&str> = response.message().collect();
            Ok((u16::from(response.code()), reply.join("\n")))
        }
        .await;
        match &result {
            Ok(_) => {
                let _ = conn.quit().await;
            }
            Err(_) => conn.abort().await,
        }
        result
    }
}

/// The addresses `host` resolves to that the SSRF guard lets through.
async fn vetted_addresses(
    host: &str,
    port: u16,
    allow: &AllowList,
) -> Result<Vec<SocketAddr>, Failure> {
    let resolved = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| Failure::new("connect", format!("cannot resolve {host}: {e}")))?;
    let mut vetted: Vec<SocketAddr> = Vec::new();
    let mut blocked: Option<BlockedAddress> = None;
    for addr in resolved {
        match ssrf::check(host, addr.ip(), allow) {
            Ok(()) if !vetted.contains(&addr) => vetted.push(addr),
            Ok(()) => {}
            Err(b) => {
                blocked.get_or_insert(b);
            }
        }
    }
    if vetted.is_empty() {
        return Err(match blocked {
            Some(b) => Failure::new("blocked", b.to_string()),
            None => Failure::new("connect", format!("{host} resolved to no addresses")),
        });
    }
    Ok(vetted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_guard_refuses_private_smtp_servers() {
        let none = AllowList::default();
        let f = vetted_addresses("127.0.0.1", 25, &none).await.unwrap_err();
        assert_eq!(f.kind, "blocked");
        assert!(f.message.contains("loopback"), "{}", f.message);
        let f = vetted_addresses("localhost", 25, &none).await.unwrap_err();
        assert_eq!(f.kind, "blocked");
        let allowed = AllowList::parse("127.0.0.0/8").unwrap();
        let addrs = vetted_addresses("127.0.0.1", 2525, &allowed).await.unwrap();
        assert_eq!(addrs, vec!["127.0.0.1:2525".parse().unwrap()]);
    }

    #[test]
    fn password_is_sealed_at_rest() {
        let secrets = SecretBox::from_key([7; 32]);
        let settings = EmailSettings {
            host: "smtp.example.com".into(),
            port: 587,
            security: Security::StartTls,
            user: "ops".into(),
            password: "hunter2".into(),
            from: "Herald <herald@example.com>".into(),
            to: vec!["ml@example.com".into()],
        };
        let stored = seal_settings(&secrets, &settings);
        assert!(!stored.contains("hunter2"), "{stored}");
        let model = channel::Model {
            id: "c".into(),
            project_id: "p".into(),
            name: "Mail".into(),
            kind: "email".into(),
            url: settings.url(),
            headers: serde_json::json!([]),
            secret: String::new(),
            enabled: true,
            disabled_reason: None,
            created_at: 0,
            updated_at: 0,
            failing_since: None,
            consecutive_failures: 0,
            previous_secret: None,
            previous_secret_until: None,
            config: stored,
            template: None,
        };
        assert_eq!(open_settings(&secrets, &model).unwrap(), settings);
        let payload = serde_json::to_string(&EmailContent {
            subject: "Hello".into(),
            text: "text".into(),
            html: "<p>html</p>".into(),
        })
        .unwrap();
        let p = prepare(&secrets, &model, &payload, "msg_1").unwrap();
        let shown = serde_json::to_string(&p.shown_headers).unwrap();
        assert!(!shown.contains("hunter2"));
        assert!(shown.contains("<msg_1@example.com>"), "{shown}");
        let raw = String::from_utf8(p.message.formatted()).unwrap();
        assert!(raw.contains("Auto-Submitted: auto-generated"), "{raw}");
        assert!(raw.contains("multipart/alternative"), "{raw}");
    }
}
