-- When a finished workflow is to be deleted (ttlStrategy or the server's
-- default TTL); the index of each node's log; the audit log of every
-- request that changed something. Valid SQL for SQLite and PostgreSQL.
ALTER TABLE workflows ADD COLUMN expires_at BIGINT;
CREATE INDEX workflows_by_expiry ON workflows (expires_at);

CREATE TABLE node_logs (
    workflow_uid  TEXT NOT NULL REFERENCES workflows (uid) ON DELETE CASCADE,
    node          TEXT NOT NULL,
    pod_name      TEXT NOT NULL,
    file          TEXT,
    lines         BIGINT NOT NULL,
    first_line_at TEXT,
    last_line_at  TEXT,
    PRIMARY KEY (workflow_uid, node)
);

CREATE TABLE audit (
    at      BIGINT NOT NULL,
    who     TEXT NOT NULL,
    method  TEXT NOT NULL,
    path    TEXT NOT NULL,
    status  BIGINT NOT NULL,
    remote  TEXT NOT NULL
);
CREATE INDEX audit_by_time ON audit (at);
