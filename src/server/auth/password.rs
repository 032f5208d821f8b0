//! argon2id password hashes (PHC strings). Hashing is slow on purpose, so it
//! runs on the blocking pool, never on the async workers.
use argon2::password_hash::{rand_core::OsRng, PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use std::sync::LazyLock;

/// Verified against when the username is unknown, so a wrong username takes
/// as long as a wrong password and reveals nothing.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_now("not a real password").unwrap_or_default());

fn hash_now(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

fn verify_now(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .and_then(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed))
        .is_ok()
}

/// An argon2id hash of `password` with a fresh salt.
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await?
        .map_err(|e| anyhow::anyhow!("hashing a password failed: {e}"))
}

/// True when `password` matches `hash`; with no hash (unknown user) it
/// spends the same time and answers false.
pub async fn verify(hash: Option<String>, password: String) -> bool {
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_now(&hash, &password),
        None => {
            verify_now(&DUMMY_HASH, &password);
            false
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash_now("correct horse battery").unwrap();
        let b = hash_now("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "every hash has its own salt");
        assert!(verify_now(&a, "correct horse battery"));
        assert!(!verify_now(&a, "correct horse battery!"));
        assert!(!verify_now("not a hash", "x"));
    }
}
