//! Encryption at rest for channel signing secrets and custom header values
//! (AES-256-GCM). The key comes from `HERALD_SECRET_KEY` or from a key file
//! created with mode 0600 in the data directory on first start.
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use rand::RngCore;
use std::path::Path;

/// Marks an encrypted value; anything else is legacy plaintext.
const PREFIX: &str = "enc:v1:";
const KEY_FILE: &str = "secret.key";
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("HERALD_SECRET_KEY must be 32 bytes, base64 or hex encoded")]
    BadKey,
    #[error("an encrypted value could not be decrypted (wrong HERALD_SECRET_KEY?)")]
    Undecryptable,
}

#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(<key redacted>)")
    }
}

fn decode_key(text: &str) -> Result<[u8; 32], SecretError> {
    let text = text.trim();
    let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
        (0..32)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| SecretError::BadKey)?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| SecretError::BadKey)?
    };
    bytes.try_into().map_err(|_| SecretError::BadKey)
}

impl SecretBox {
    pub fn from_key(key: [u8; 32]) -> SecretBox {
        SecretBox {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key)),
        }
    }

    /// The key from `env_key` if given, else from the data directory's key
    /// file, which is created (0600) when missing.
    pub fn load(env_key: Option<&str>, data_dir: &Path) -> anyhow::Result<SecretBox> {
        if let Some(text) = env_key {
            return Ok(SecretBox::from_key(decode_key(text)?));
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(SecretBox::from_key(decode_key(&text).map_err(|_| {
                anyhow::anyhow!("{} does not hold a 32-byte base64 key", path.display())
            })?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                write_private(
                    &path,
                    &base64::engine::general_purpose::STANDARD.encode(key),
                )?;
                tracing::info!("created encryption key file {}", path.display());
                Ok(SecretBox::from_key(key))
            }
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }

    pub fn encrypt(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption with a fresh nonce and a valid key cannot fail.
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(out)
        )
    }

    /// Decrypts a stored value; values stored before encryption pass through.
    pub fn decrypt(&self, stored: &str) -> Result<String, SecretError> {
        let Some(encoded) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let raw = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::Undecryptable)?;
        if raw.len() <= NONCE_LEN {
            return Err(SecretError::Undecryptable);
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| SecretError::Undecryptable)?;
        String::from_utf8(plain).map_err(|_| SecretError::Undecryptable)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_fresh_nonces() {
        let b = SecretBox::from_key([7; 32]);
        let a = b.encrypt("whsec_abc");
        assert!(a.starts_with(PREFIX));
        assert!(!a.contains("whsec_abc"));
        assert_ne!(a, b.encrypt("whsec_abc"));
        assert_eq!(b.decrypt(&a).unwrap(), "whsec_abc");
    }

    #[test]
    fn tampering_and_wrong_keys_are_detected() {
        let b = SecretBox::from_key([7; 32]);
        let sealed = b.encrypt("v");
        let other = SecretBox::from_key([8; 32]);
        assert_eq!(other.decrypt(&sealed), Err(SecretError::Undecryptable));
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert!(b.decrypt(&String::from_utf8(bytes).unwrap()).is_err());
    }

    #[test]
    fn plaintext_passes_through() {
        let b = SecretBox::from_key([7; 32]);
        assert_eq!(b.decrypt("whsec_legacy").unwrap(), "whsec_legacy");
    }

    #[test]
    fn keys_from_env_text() {
        let hex = "00".repeat(32);
        assert!(decode_key(&hex).is_ok());
        let b64 = base64::engine::general_purpose::STANDARD.encode([1u8; 32]);
        assert!(decode_key(&b64).is_ok());
        assert_eq!(decode_key("short").unwrap_err(), SecretError::BadKey);
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = SecretBox::load(None, dir.path()).unwrap();
        let sealed = first.encrypt("x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = SecretBox::load(None, dir.path()).unwrap();
        assert_eq!(again.decrypt(&sealed).unwrap(), "x");
    }
}
