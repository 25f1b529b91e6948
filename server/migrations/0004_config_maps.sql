-- Config maps (local mode): one row per key, values in clear (they are
-- not secrets). Valid SQL for SQLite and PostgreSQL.
CREATE TABLE config_maps (
    namespace  TEXT NOT NULL,
    name       TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (namespace, name, key)
);
