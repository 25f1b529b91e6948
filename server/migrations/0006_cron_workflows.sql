-- CronWorkflows as submitted (JSON text), with what the scheduler keeps:
-- the last time it started a run, and the last fire time it dealt with
-- (run, or skipped by `when`, the concurrency policy or the starting
-- deadline). Valid SQL for SQLite and PostgreSQL.
CREATE TABLE cron_workflows (
    namespace         TEXT NOT NULL,
    name              TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    body              TEXT NOT NULL,
    resource_version  BIGINT NOT NULL DEFAULT 1,
    last_scheduled_at BIGINT,
    last_handled_at   BIGINT,
    PRIMARY KEY (namespace, name)
);
