-- Secrets: one row per key of a secret; the value sealed with the
-- server's key (ChaCha20-Poly1305, base64 of nonce || ciphertext; the
-- row's namespace/name/key as associated data). Never stored in clear.
CREATE TABLE secrets (
    namespace  TEXT NOT NULL,
    name       TEXT NOT NULL,
    key        TEXT NOT NULL,
    sealed     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (namespace, name, key)
);
