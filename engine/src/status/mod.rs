//! A workflow's status exactly as Argo writes it (`status.phase`,
//! `status.nodes`, …), so that clients reading Argo's JSON read ours.
//!
//! Types only: how nodes come to be and change phase is the state
//! machine's business (`crate::run`). Time is passed in ([`Time`]); nothing
//! here reads a clock.

pub(crate) mod calendar;
mod names;
mod node;
mod phase;
mod time;
mod workflow;

pub use names::{fnv1a_32, node_id, pod_name};
pub use node::{NodeOutputs, NodeStatus, OutputParameter};
pub use phase::{NodePhase, NodeType, WorkflowPhase};
pub use time::Time;
pub use workflow::{ArtifactGcStatus, Condition, NodeMap, WorkflowStatus};
