-- What listing needs: labels one row each (label selectors), when a run
-- started, whether it is suspended (spec.suspend). Valid SQL for SQLite
-- and PostgreSQL.
CREATE TABLE workflow_labels (
    uid   TEXT NOT NULL REFERENCES workflows (uid) ON DELETE CASCADE,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (uid, key)
);
CREATE INDEX workflow_labels_by_value ON workflow_labels (key, value);
ALTER TABLE workflows ADD COLUMN started_at BIGINT;
ALTER TABLE workflows ADD COLUMN suspended BIGINT NOT NULL DEFAULT 0;
CREATE INDEX workflows_by_phase ON workflows (phase);
