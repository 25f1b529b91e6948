//! API tokens: `kst_` and 43 base64url characters (256 random bits). The
//! store keeps a SHA-256 digest — enough for a secret this long, and fast
//! enough to check on every request — and a short public id to list and
//! revoke it by.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

pub const PREFIX: &str = "kst_";

/// A newly made token: the secret (shown once), its id and digest.
pub struct NewToken {
    pub secret: String,
    pub id: String,
    pub digest: String,
}

pub fn generate() -> Result<NewToken, String> {
    let mut bytes = [0u8; 38];
    getrandom::getrandom(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    let (secret, id) = bytes.split_at(32);
    let secret = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(secret));
    let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
    let digest = digest(&secret);
    Ok(NewToken { secret, id, digest })
}

/// The hex SHA-256 of a token as presented.
pub fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_kept_as_digests() {
        let a = generate().expect("token");
        let b = generate().expect("token");
        assert!(a.secret.starts_with(PREFIX));
        assert_eq!(a.secret.len(), PREFIX.len() + 43);
        assert_eq!(a.id.len(), 12);
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.digest, digest(&a.secret));
        assert_eq!(a.digest.len(), 64);
        assert!(!a.digest.contains(&a.secret[PREFIX.len()..]));
    }
}
