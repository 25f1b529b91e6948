//! Reading YAML (and JSON, which is YAML) the way Kubernetes tools do, while
//! remembering where every value came from.
//!
//! serde alone cannot say on which line a field was written, and lint must.
//! So a file is first read into a [`Node`] tree that carries a [`Span`] per
//! value and per mapping key ([`node`]), built from libyaml's event parser ([`libyaml`])
//! ([`loader`]); plain scalars are typed with the YAML 1.1 rules that
//! `sigs.k8s.io/yaml` (and therefore `kubectl` and Argo) apply ([`scalar`]).
//! The tree then converts to `serde_json::Value` for typed deserialization.
//!
//! Reading is bounded: file size, nesting depth and alias expansion all have
//! limits, so hostile input gets an error instead of exhausting memory or
//! the stack. Writing ([`emit`]) turns JSON values back into block YAML.

mod emit;
mod libyaml;
mod loader;
mod node;
mod scalar;

pub use emit::to_yaml;
pub use loader::{Limits, LoadError, load_str};
pub use node::{Node, NodeKind, Span};
