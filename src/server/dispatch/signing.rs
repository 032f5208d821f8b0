//! Standard Webhooks signatures (DESIGN.md §4): `webhook-signature:
//! v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, secrets `whsec_<base64>`,
//! several keys at once while a secret is being rotated.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::fmt;

type HmacSha256 = Hmac<Sha256>;

const PREFIX: &str = "whsec_";
const VERSION: &str = "v1";
/// The spec's recommended key size: 24 bytes, 192 bits.
const GENERATED_KEY_BYTES: usize = 24;

/// A decoded signing key; never printed, only its `whsec_` form is shown once on creation.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret(Vec<u8>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSecret {
    #[error("the signing secret is empty")]
    Empty,
    #[error("the signing secret is not base64 (expected whsec_ followed by base64)")]
    NotBase64,
}

impl SigningSecret {
    /// Accepts `whsec_<base64>` or the bare base64 key.
    pub fn parse(s: &str) -> Result<Self, InvalidSecret> {
        let s = s.trim();
        let encoded = s.strip_prefix(PREFIX).unwrap_or(s);
        if encoded.is_empty() {
            return Err(InvalidSecret::Empty);
        }
        let key = STANDARD
            .decode(encoded)
            .or_else(|_| STANDARD_NO_PAD.decode(encoded))
            .map_err(|_| InvalidSecret::NotBase64)?;
        Self::from_bytes(key)
    }

    pub fn from_bytes(key: Vec<u8>) -> Result<Self, InvalidSecret> {
        if key.is_empty() {
            return Err(InvalidSecret::Empty);
        }
        Ok(SigningSecret(key))
    }

    /// A fresh random key from the OS-seeded thread RNG.
    pub fn generate() -> Self {
        let mut key = vec![0u8; GENERATED_KEY_BYTES];
        rand::rng().fill_bytes(&mut key);
        SigningSecret(key)
    }

    /// The `whsec_<base64>` text a receiver configures; show it only to the channel's admin.
    pub fn to_whsec(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.0))
    }

    fn mac(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(<redacted>)")
    }
}

/// The `webhook-signature` header value: one `v1,<sig>` per secret, space-separated.
pub fn sign(secrets: &[SigningSecret], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|s| {
            let tag = s.mac(msg_id, timestamp, body).finalize().into_bytes();
            format!("{VERSION},{}", STANDARD.encode(tag))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether any `v1` signature in `header` was made with `secret`; compares in constant time.
pub fn verify(
    secret: &SigningSecret,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
    header: &str,
) -> bool {
    let expected = secret.mac(msg_id, timestamp, body);
    header
        .split_ascii_whitespace()
        .filter_map(|part| part.split_once(','))
        .filter(|(version, _)| *version == VERSION)
        .filter_map(|(_, sig)| STANDARD.decode(sig).ok())
        .any(|sig| expected.clone().verify_slice(&sig).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};
    use standardwebhooks::Webhook;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const OTHER: &str = "whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXkh";

    fn headers(id: &str, ts: i64, signature: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        let value = |s: &str| HeaderValue::from_str(s).expect("header value");
        h.insert("webhook-id", value(id));
        h.insert("webhook-timestamp", value(&ts.to_string()));
        h.insert("webhook-signature", value(signature));
        h
    }

    #[test]
    fn standardwebhooks_accepts_our_signature() {
        let secret = SigningSecret::parse(SECRET).expect("valid");
        let ts = chrono::Utc::now().timestamp();
        let body = br#"{"project":"p","title":"t","type":"ping"}"#;
        let sig = sign(std::slice::from_ref(&secret), "msg_1", ts, body);
        assert!(sig.starts_with("v1,"));
        assert_eq!(sig.split(' ').count(), 1);
        let wh = Webhook::new(SECRET).expect("their parser");
        wh.verify(body, &headers("msg_1", ts, &sig))
            .expect("verifies");
        assert_eq!(wh.sign("msg_1", ts, body).expect("signs"), sig);
        assert!(verify(&secret, "msg_1", ts, body, &sig));
    }

    #[test]
    fn rotation_signs_with_both_keys() {
        let old = SigningSecret::parse(SECRET).expect("valid");
        let new = SigningSecret::parse(OTHER).expect("valid");
        let ts = chrono::Utc::now().timestamp();
        let body = b"{}";
        let sig = sign(&[old.clone(), new.clone()], "msg_2", ts, body);
        let parts: Vec<&str> = sig.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_ne!(parts[0], parts[1]);
        for s in [SECRET, OTHER] {
            let wh = Webhook::new(s).expect("their parser");
            wh.verify(body, &headers("msg_2", ts, &sig))
                .expect("verifies");
        }
        assert!(verify(&old, "msg_2", ts, body, &sig));
        assert!(verify(&new, "msg_2", ts, body, &sig));
        assert!(verify(&new, "msg_2", ts, body, parts[1]));
        assert!(!verify(&new, "msg_2", ts, body, parts[0]));
    }

    #[test]
    fn tampering_fails() {
        let secret = SigningSecret::parse(SECRET).expect("valid");
        let ts = chrono::Utc::now().timestamp();
        let sig = sign(std::slice::from_ref(&secret), "msg_3", ts, b"{\"a\":1}");
        assert!(!verify(&secret, "msg_3", ts, b"{\"a\":2}", &sig));
        assert!(!verify(&secret, "msg_4", ts, b"{\"a\":1}", &sig));
        assert!(!verify(&secret, "msg_3", ts + 1, b"{\"a\":1}", &sig));
        let other = SigningSecret::parse(OTHER).expect("valid");
        assert!(!verify(&other, "msg_3", ts, b"{\"a\":1}", &sig));
        assert!(!verify(
            &secret,
            "msg_3",
            ts,
            b"{\"a\":1}",
            &sig.replace("v1,", "v2,")
        ));
        assert!(!verify(
            &secret,
            "msg_3",
            ts,
            b"{\"a\":1}",
            "v1,not-base64!"
        ));
        assert!(!verify(&secret, "msg_3", ts, b"{\"a\":1}", ""));
        let wh = Webhook::new(SECRET).expect("their parser");
        assert!(wh
            .verify(b"{\"a\":2}", &headers("msg_3", ts, &sig))
            .is_err());
    }

    #[test]
    fn parsing_secrets() {
        let with = SigningSecret::parse(SECRET).expect("valid");
        let bare = SigningSecret::parse(SECRET.trim_start_matches(PREFIX)).expect("valid");
        assert_eq!(with, bare);
        assert_eq!(with.to_whsec(), SECRET);
        assert_eq!(SigningSecret::parse("whsec_"), Err(InvalidSecret::Empty));
        assert_eq!(SigningSecret::parse(""), Err(InvalidSecret::Empty));
        assert_eq!(
            SigningSecret::parse("whsec_%%%%"),
            Err(InvalidSecret::NotBase64)
        );
        assert_eq!(
            SigningSecret::parse("wh_sec_abcd"),
            Err(InvalidSecret::NotBase64)
        );
        assert_eq!(
            SigningSecret::parse("whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            Err(InvalidSecret::NotBase64)
        );
        assert_eq!(SigningSecret::from_bytes(vec![]), Err(InvalidSecret::Empty));
    }

    #[test]
    fn generated_secrets_round_trip_and_stay_hidden() {
        let a = SigningSecret::generate();
        let b = SigningSecret::generate();
        assert_ne!(a, b);
        let text = a.to_whsec();
        assert!(text.starts_with(PREFIX));
        assert_eq!(SigningSecret::parse(&text), Ok(a.clone()));
        Webhook::new(&text).expect("their parser accepts it");
        let debug = format!("{a:?}");
        assert!(!debug.contains(text.trim_start_matches(PREFIX)));
        assert_eq!(debug, "SigningSecret(<redacted>)");
    }
}
