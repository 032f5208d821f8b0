//! Identifiers, clocks and secrets generated on the server.
use base64::Engine;
use rand::RngCore;

/// A new time-ordered id (UUID v7), so lists sort by creation for free.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A Standard Webhooks signing secret: `whsec_` and base64 of 32 random bytes.
pub fn new_signing_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// A random URL-safe token of `bytes` random bytes.
pub fn new_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    #[test]
    fn signing_secret_format() {
        let secret = new_signing_secret();
        let b64 = secret.strip_prefix("whsec_").expect("prefix");
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64");
        assert!((24..=64).contains(&raw.len()));
        assert_ne!(secret, new_signing_secret());
    }

    #[test]
    fn ids_sort_by_time() {
        let a = new_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = new_id();
        assert!(a < b);
        assert_eq!(a.len(), 36);
    }
}

/// A project API token: `hrld_` and 32 URL-safe random characters.
pub fn new_api_token() -> String {
    format!("hrld_{}", new_token(24))
}

/// How tokens are stored and looked up: SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod token_tests {
    use super::*;

    #[test]
    fn api_token_format_and_hash() {
        let token = new_api_token();
        let rest = token.strip_prefix("hrld_").expect("prefix");
        assert!(rest.len() >= 24);
        assert!(rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(token_hash("abc").len(), 64);
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
