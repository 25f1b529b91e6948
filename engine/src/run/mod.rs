//! Running a workflow: the execution state machine (issue 3, in progress;
//! see `docs/design/state-machine.md`). So far: [`plan`], which turns a
//! submitted spec into the resolved form a run starts from.

pub mod plan;

pub use plan::{Plan, PlanError, Submission, plan};
