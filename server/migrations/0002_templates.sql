-- WorkflowTemplates (namespaced) and ClusterWorkflowTemplates (namespace
-- ''), stored as submitted (JSON text). Valid SQL for SQLite and
-- PostgreSQL.
CREATE TABLE workflow_templates (
    kind             TEXT NOT NULL,
    namespace        TEXT NOT NULL,
    name             TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    body             TEXT NOT NULL,
    resource_version BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (kind, namespace, name)
);
