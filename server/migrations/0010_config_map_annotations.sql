-- A config map's annotations (local mode), one row per annotation: the
-- `artifact-repositories` ConfigMap names its default key in one. Valid
-- SQL for SQLite and PostgreSQL.
CREATE TABLE config_map_annotations (
    namespace TEXT NOT NULL,
    name      TEXT NOT NULL,
    key       TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (namespace, name, key)
);
