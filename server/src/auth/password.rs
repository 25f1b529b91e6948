//! Password hashes: argon2id with OWASP's parameters (19 MiB, 2 passes),
//! PHC strings in the store. Hashing takes tens of milliseconds on
//! purpose; callers run it off the async threads.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

fn argon2() -> Argon2<'static> {
    // Params::DEFAULT is m=19456 KiB, t=2, p=1 (OWASP's first choice).
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::DEFAULT)
}

/// The PHC string of `password` with a fresh salt.
pub fn hash(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| format!("no randomness: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the stored hash (false for a malformed one).
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash no password matches in practice, verified against when the user
/// does not exist, so that the answer takes as long either way.
pub fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash(&random_secret(24)).unwrap_or_default())
}

/// Rules a new password must meet.
pub fn check_strength(password: &str) -> Result<(), String> {
    if password.chars().count() < 8 {
        return Err("a password needs at least 8 characters".into());
    }
    Ok(())
}

/// `n` random characters from an alphabet without look-alikes (for
/// generated passwords).
pub fn random_secret(n: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(n);
    let mut buf = [0u8; 64];
    while out.len() < n {
        if getrandom::getrandom(&mut buf).is_err() {
            break;
        }
        // Rejection sampling keeps every character equally likely.
        for b in buf {
            let limit = 256 - 256 % ALPHABET.len();
            if usize::from(b) < limit && out.len() < n {
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse").expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse", &h));
        assert!(!verify("correct hors", &h));
        assert!(!verify("correct horse", "not a hash"));
        assert_ne!(h, hash("correct horse").expect("hash"), "salted");
    }

    #[test]
    fn generated_secrets_have_the_length_asked() {
        let s = random_secret(20);
        assert_eq!(s.len(), 20);
        assert!(s.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(s, random_secret(20));
    }
}
