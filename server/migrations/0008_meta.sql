-- Facts about the store itself; `last_open` is written at every start, so
-- a read-only database is found at start, not at the first submission.
-- Valid SQL for SQLite and PostgreSQL.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
