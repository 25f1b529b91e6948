//! Keelson's engine: everything that understands an Argo Workflows spec
//! without touching the outside world.
//!
//! It parses YAML/JSON into the `argoproj.io/v1alpha1` model ([`spec`]),
//! validates it with precise diagnostics ([`lint`]), and evaluates the small
//! languages Argo embeds in specs: `{{…}}` tags ([`tags`], replaced by
//! [`substitute`]), expr-lang expressions ([`expr`]), govaluate-style `when`
//! conditions ([`when`]) and DAG `depends` clauses ([`depends`]). It runs
//! workflows as a state machine ([`run`]) that takes events and returns
//! actions, with Argo's status model ([`status`]), loops ([`loops`]) and
//! retry decisions ([`retry`]); it also parses cron schedules ([`cron`])
//! and draws workflows as graphs ([`graph`]). Where Argo's output is Go's,
//! Go's formatting is reproduced in one place ([`golang`]).
//!
//! No IO, no clock, no threads: the crate builds for `wasm32-unknown-unknown`
//! so the browser runs the very same code as the server.

pub mod cron;
pub mod depends;
pub mod diag;
pub mod duration;
pub mod expr;
pub mod golang;
pub mod graph;
pub mod lint;
pub mod loops;
pub mod retry;
pub mod run;
pub mod spec;
pub mod status;
pub mod substitute;
pub mod suggest;
pub mod tags;
pub mod when;
pub mod yaml;
