-- Authentication (issue 5): users with argon2id password hashes, their
-- roles per namespace ('*': every namespace), API tokens (only a SHA-256
-- of each is kept) and browser sessions (tower-sessions' records).
-- Valid SQL for SQLite and PostgreSQL.
CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE role_bindings (
    user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    namespace TEXT NOT NULL,
    role      TEXT NOT NULL,
    PRIMARY KEY (user_name, namespace)
);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT
);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user_name  TEXT,
    data       TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_user ON sessions (user_name);
