-- Workflows and the event log each one is rebuilt from
-- (docs/design/server.md). JSON is stored as text. Valid SQL for both
-- SQLite and PostgreSQL.
CREATE TABLE workflows (
    uid              TEXT PRIMARY KEY,
    namespace        TEXT NOT NULL,
    name             TEXT NOT NULL,
    phase            TEXT NOT NULL DEFAULT '',
    labels           TEXT NOT NULL DEFAULT '{}',
    created_at       BIGINT NOT NULL,
    finished_at      BIGINT,
    submission       TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT '{}',
    resource_version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (namespace, name)
);
CREATE INDEX workflows_by_namespace ON workflows (namespace, created_at DESC, uid DESC);

CREATE TABLE workflow_events (
    workflow_uid TEXT NOT NULL REFERENCES workflows (uid) ON DELETE CASCADE,
    seq          BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    event        TEXT NOT NULL,
    PRIMARY KEY (workflow_uid, seq)
);
