//! One HTTP attempt: sign, POST, capture the answer.
use super::email::EmailSender;
use super::signing::{self, SigningSecret};
use super::ssrf::{self, AllowList, BlockedAddress, GuardedResolver};
use crate::domain::ChannelKind;
use crate::server::db::entities::{channel, delivery};
use crate::server::ids::now_ms;
use crate::server::secrets::SecretBox;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How much of a response body is kept.
pub const RESPONSE_BODY_CAP: usize = 4096;
/// What the UI shows instead of a custom header's value.
pub const MASK: &str = "••••••";

pub fn user_agent() -> String {
    format!("Herald/{}", env!("CARGO_PKG_VERSION"))
}

/// What one attempt did, ready to be recorded.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub started_at: i64,
    pub duration_ms: i64,
    /// As sent, custom header values masked.
    pub request_headers: Vec<(String, String)>,
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<String>,
    /// `timeout`, `connect`, `blocked`, `tls`, `request`, `config` when no answer came.
    pub error_kind: Option<&'static str>,
    pub error_message: Option<String>,
    /// `Retry-After`, raw, on 429 and 503.
    pub retry_after: Option<String>,
    /// The receiver refused for good (an SMTP 5xx): fail without retrying.
    pub permanent: bool,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

pub struct Sender {
    client: reqwest::Client,
    allow: Arc<AllowList>,
    secrets: Arc<SecretBox>,
    email: EmailSender,
}

/// An HTTP request ready to go: what an attempt POSTs, and what a dry run
/// shows without sending.
#[derive(Clone, Debug)]
pub struct PreparedRequest {
    pub url: url::Url,
    /// Headers Herald adds to the client's own (`user-agent`), with real values.
    pub headers: Vec<(String, String)>,
    /// Every header as the attempt log and the UI show it: custom values masked.
    pub shown_headers: Vec<(String, String)>,
    pub body: String,
}

/// The channel's current secret, and during a rotation's grace period the
/// previous one too: receivers accept either signature.
fn signing_keys(
    secrets: &SecretBox,
    channel: &channel::Model,
) -> Result<Vec<SigningSecret>, String> {
    let mut stored = vec![channel.secret.as_str()];
    if let (Some(previous), Some(until)) = (&channel.previous_secret, channel.previous_secret_until)
    {
        if until > now_ms() {
            stored.push(previous.as_str());
        }
    }
    stored
        .into_iter()
        .map(|s| {
            let plain = secrets.decrypt(s).map_err(|e| e.to_string())?;
            SigningSecret::parse(&plain).map_err(|e| format!("signing secret unusable: {e}"))
        })
        .collect()
}

/// Builds the POST of `payload` to an HTTP channel: webhooks are signed
/// (Standard Webhooks, id `msg_id`, at `timestamp`) and carry their custom
/// headers; chat channels get the body alone. Fails with (error kind, why).
pub fn prepare_http(
    secrets: &SecretBox,
    channel: &channel::Model,
    payload: &str,
    msg_id: &str,
    timestamp: i64,
) -> Result<PreparedRequest, (&'static str, String)> {
    let url = url::Url::parse(&channel.url).map_err(|e| ("config", format!("invalid URL: {e}")))?;
    let mut headers: Vec<(String, String)> =
        vec![("content-type".into(), "application/json".into())];
    let mut shown: Vec<(String, String)> = vec![
        ("content-type".into(), "application/json".into()),
        ("user-agent".into(), user_agent()),
    ];
    let signed = ChannelKind::parse(&channel.kind)
        .unwrap_or_default()
        .is_signed();
    if signed {
        let keys = signing_keys(secrets, channel).map_err(|m| ("config", m))?;
        let signature = signing::sign(&keys, msg_id, timestamp, payload.as_bytes());
        for (name, value) in [
            ("webhook-id", msg_id.to_string()),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ] {
            headers.push((name.into(), value.clone()));
            shown.push((name.into(), value));
        }
        let custom: Vec<(String, String)> =
            serde_json::from_value(channel.headers.clone()).unwrap_or_default();
        for (name, sealed) in custom {
            let value = secrets
                .decrypt(&sealed)
                .map_err(|e| ("config", e.to_string()))?;
            headers.push((name.clone(), value));
            shown.push((name, MASK.to_string()));
        }
    }
    Ok(PreparedRequest {
        url,
        headers,
        shown_headers: shown,
        body: payload.to_string(),
    })
}

impl Sender {
    pub fn new(
        timeout: Duration,
        allow: AllowList,
        secrets: Arc<SecretBox>,
    ) -> anyhow::Result<Sender> {
        let allow = Arc::new(allow);
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the destination itself, past the SSRF guard.
            .no_proxy()
            .user_agent(user_agent())
            .dns_resolver(Arc::new(GuardedResolver::new(allow.clone())))
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(32)
            .build()?;
        let email = EmailSender::new(timeout, allow.clone(), secrets.clone());
        Ok(Sender {
            client,
            allow,
            secrets,
            email,
        })
    }

    /// Sends `delivery` to `channel` once. Never fails: every problem is an
    /// outcome to record.
    pub async fn send(&self, delivery: &delivery::Model, channel: &channel::Model) -> Outcome {
        let started_at = now_ms();
        let clock = Instant::now();
        let mut outcome = if channel.kind == ChannelKind::Email.as_str() {
            self.email.send(delivery, channel).await
        } else {
            self.attempt(delivery, channel).await
        };
        outcome.started_at = started_at;
        outcome.duration_ms = clock.elapsed().as_millis() as i64;
        outcome
    }

    async fn attempt(&self, delivery: &delivery::Model, channel: &channel::Model) -> Outcome {
        let mut outcome = Outcome::default();
        let fail = |mut o: Outcome, kind: &'static str, message: String| {
            o.error_kind = Some(kind);
            o.error_message = Some(message);
            o
        };
        let msg_id = message_id(&delivery.id);
        let prepared = match prepare_http(
            &self.secrets,
            channel,
            &delivery.payload,
            &msg_id,
            now_ms() / 1000,
        ) {
            Ok(p) => p,
            Err((kind, message)) => return fail(outcome, kind, message),
        };
        // reqwest skips the resolver for IP literals; check those here.
        if let Err(blocked) = ssrf::check_url(&prepared.url, &self.allow) {
            return fail(outcome, "blocked", blocked.to_string());
        }
        let mut request = self.client.post(prepared.url);
        for (name, value) in &prepared.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        outcome.request_headers = prepared.shown_headers;

        let response = match request.body(prepared.body).send().await {
            Ok(r) => r,
            Err(e) => {
                let (kind, message) = classify(&e);
                return fail(outcome, kind, message);
            }
        };
        let status = response.status().as_u16();
        outcome.status = Some(status);
        outcome.response_headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        if status == 429 || status == 503 {
            outcome.retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
        }
        outcome.response_body = Some(read_capped(response).await);
        outcome
    }
}

/// The stable id receivers deduplicate on: `webhook-id`, and the e-mail's Message-ID.
pub fn message_id(delivery_id: &str) -> String {
    format!("msg_{delivery_id}")
}

/// Reads at most `RESPONSE_BODY_CAP` bytes; the rest is never buffered.
async fn read_capped(mut response: reqwest::Response) -> String {
    let mut buf: Vec<u8> = Vec::new();
    while buf.len() < RESPONSE_BODY_CAP {
        match response.chunk().await {
            Ok(Some(chunk)) => buf.extend_from_slice(&chunk),
            _ => break,
        }
    }
    buf.truncate(RESPONSE_BODY_CAP);
    String::from_utf8_lossy(&buf).into_owned()
}

fn classify(err: &reqwest::Error) -> (&'static str, String) {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut chain = Vec::new();
    while let Some(e) = source {
        if let Some(blocked) = e.downcast_ref::<BlockedAddress>() {
            return ("blocked", blocked.to_string());
        }
        chain.push(e.to_string());
        source = e.source();
    }
    let message = chain.join(": ");
    let kind = if err.is_timeout() {
        "timeout"
    } else if message.contains("certificate") || message.to_ascii_lowercase().contains("tls") {
        "tls"
    } else if err.is_connect() {
        "connect"
    } else {
        "request"
    };
    (kind, message)
}
