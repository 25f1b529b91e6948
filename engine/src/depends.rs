//! DAG `depends` clauses. Placeholder.
