//! expr-lang expressions as Argo evaluates them (`{{=…}}` tags, `depends`
//! is separate). Placeholder: being written.
