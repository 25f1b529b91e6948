//! Secrets at rest: sealed with ChaCha20-Poly1305 under the server's key,
//! each value bound to its namespace, secret and key (associated data), so
//! a sealed value copied to another row does not open. The key is 32
//! random bytes in a file created on first start with mode 0600, or comes
//! base64-encoded from `KEELSON_SECRET_KEY`.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use engine::status::Time;
use sqlx::Row;

use super::{Store, StoreError};

/// The environment variable that may hold the key (base64, 32 bytes).
pub const KEY_ENV: &str = "KEELSON_SECRET_KEY";

/// The key secrets are sealed with. (No `Debug`: it is the key.)
pub struct SecretKey(ChaCha20Poly1305);

impl SecretKey {
    /// From `KEELSON_SECRET_KEY` if set, else the key file at `path`,
    /// created (0600) with a fresh random key if missing.
    pub fn load_or_create(path: &Path) -> Result<SecretKey, StoreError> {
        if let Ok(text) = std::env::var(KEY_ENV) {
            return SecretKey::from_base64(&text)
                .map_err(|why| StoreError::Key(format!("{KEY_ENV}: {why}")));
        }
        match std::fs::read(path) {
            Ok(bytes) => SecretKey::from_bytes(&bytes)
                .map_err(|why| StoreError::Key(format!("{}: {why}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = ChaCha20Poly1305::generate_key(&mut OsRng);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| StoreError::Key(format!("{}: {e}", dir.display())))?;
                }
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path)
                    .and_then(|mut f| f.write_all(&key).map(|()| f))
                    .map_err(|e| {
                        StoreError::Key(format!("cannot create {}: {e}", path.display()))
                    })?;
                f.flush().map_err(|e| StoreError::Key(e.to_string()))?;
                Ok(SecretKey(ChaCha20Poly1305::new(&key)))
            }
            Err(e) => Err(StoreError::Key(format!("cannot read {}: {e}", path.display()))),
        }
    }

    pub fn from_base64(text: &str) -> Result<SecretKey, String> {
        let bytes = B64.decode(text.trim()).map_err(|e| format!("not base64: {e}"))?;
        SecretKey::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> Result<SecretKey, String> {
        if bytes.len() != 32 {
            return Err(format!("a key is 32 bytes, this one has {}", bytes.len()));
        }
        Ok(SecretKey(ChaCha20Poly1305::new(Key::from_slice(bytes))))
    }

    /// `entry` (a journal entry's JSON) sealed for entry `seq` of
    /// workflow `uid`.
    pub fn seal_entry(&self, uid: &str, seq: i64, entry: &str) -> Result<String, StoreError> {
        self.seal(&format!("journal/{uid}/{seq}"), entry.as_bytes())
    }

    /// What [`SecretKey::seal_entry`] sealed.
    pub fn open_entry(&self, uid: &str, seq: i64, sealed: &str) -> Result<String, StoreError> {
        let bytes = self.open(&format!("journal/{uid}/{seq}"), sealed)?;
        String::from_utf8(bytes)
            .map_err(|_| StoreError::Corrupt(format!("journal/{uid}/{seq}: not UTF-8")))
    }

    fn seal(&self, place: &str, value: &[u8]) -> Result<String, StoreError> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .0
            .encrypt(&nonce, Payload { msg: value, aad: place.as_bytes() })
            .map_err(|_| StoreError::Key("sealing failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(B64.encode(out))
    }

    fn open(&self, place: &str, sealed: &str) -> Result<Vec<u8>, StoreError> {
        let bytes = B64.decode(sealed).map_err(|e| StoreError::Corrupt(format!("{place}: {e}")))?;
        if bytes.len() < 12 {
            return Err(StoreError::Corrupt(format!("{place}: sealed value too short")));
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        self.0
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: place.as_bytes() })
            .map_err(|_| {
                StoreError::Key(format!(
                    "secret {place} does not open with this server's key (a different key file or \
                     {KEY_ENV}?)"
                ))
            })
    }
}

impl Store {
    /// Create or replace a secret: all its keys, in one transaction.
    pub async fn put_secret(
        &self,
        key: &SecretKey,
        namespace: &str,
        name: &str,
        data: &BTreeMap<String, Vec<u8>>,
        now: Time,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM secrets WHERE namespace = $1 AND name = $2")
            .bind(namespace)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        for (k, value) in data {
            let sealed = key.seal(&place(namespace, name, k), value)?;
            sqlx::query(
                "INSERT INTO secrets (namespace, name, key, sealed, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(namespace)
            .bind(name)
            .bind(k)
            .bind(sealed)
            .bind(now.0)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// One key of a secret, opened; `None` if there is no such key.
    pub async fn secret_value(
        &self,
        key: &SecretKey,
        namespace: &str,
        name: &str,
        k: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query(
            "SELECT sealed FROM secrets WHERE namespace = $1 AND name = $2 AND key = $3",
        )
        .bind(namespace)
        .bind(name)
        .bind(k)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let sealed: String = row.try_get("sealed")?;
        key.open(&place(namespace, name, k), &sealed).map(Some)
    }

    /// The secrets of a namespace and their keys — never their values.
    pub async fn secret_keys(
        &self,
        namespace: &str,
    ) -> Result<BTreeMap<String, Vec<String>>, StoreError> {
        let rows =
            sqlx::query("SELECT name, key FROM secrets WHERE namespace = $1 ORDER BY name, key")
                .bind(namespace)
                .fetch_all(&self.pool)
                .await?;
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in rows {
            out.entry(r.try_get("name")?).or_default().push(r.try_get("key")?);
        }
        Ok(out)
    }

    /// Every secret of a namespace, opened, by name: what the controller
    /// hands the executor for `secretKeyRef` (never to a list call).
    pub async fn secrets_in(
        &self,
        key: &SecretKey,
        namespace: &str,
    ) -> Result<BTreeMap<String, BTreeMap<String, Vec<u8>>>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, key, sealed FROM secrets WHERE namespace = $1 ORDER BY name, key",
        )
        .bind(namespace)
        .fetch_all(&self.pool)
        .await?;
        let mut out: BTreeMap<String, BTreeMap<String, Vec<u8>>> = BTreeMap::new();
        for r in rows {
            let (name, k, sealed): (String, String, String) =
                (r.try_get("name")?, r.try_get("key")?, r.try_get("sealed")?);
            let value = key.open(&place(namespace, &name, &k), &sealed)?;
            out.entry(name).or_default().insert(k, value);
        }
        Ok(out)
    }

    /// Delete a secret; returns whether it existed.
    pub async fn delete_secret(&self, namespace: &str, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM secrets WHERE namespace = $1 AND name = $2")
            .bind(namespace)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// What a sealed value is bound to.
fn place(namespace: &str, name: &str, key: &str) -> String {
    format!("{namespace}/{name}/{key}")
}
