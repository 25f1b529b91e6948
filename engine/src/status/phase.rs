//! Phases of nodes and workflows, and node types, with Argo's names.

use serde::{Deserialize, Serialize};

/// A node's phase (Argo's `NodePhase`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NodePhase {
    Pending,
    Running,
    Succeeded,
    /// `when` was false.
    Skipped,
    /// The container exited non-zero.
    Failed,
    /// Anything else went wrong (controller, deadline, bad reference).
    Error,
    /// A DAG task whose `depends` was false.
    Omitted,
}

impl NodePhase {
    /// Argo's name.
    pub fn as_str(self) -> &'static str {
        match self {
            NodePhase::Pending => "Pending",
            NodePhase::Running => "Running",
            NodePhase::Succeeded => "Succeeded",
            NodePhase::Skipped => "Skipped",
            NodePhase::Failed => "Failed",
            NodePhase::Error => "Error",
            NodePhase::Omitted => "Omitted",
        }
    }

    /// Done, whatever the outcome: nothing will change it any more.
    pub fn is_fulfilled(self) -> bool {
        !matches!(self, NodePhase::Pending | NodePhase::Running)
    }

    /// Failed or Error.
    pub fn is_failure(self) -> bool {
        matches!(self, NodePhase::Failed | NodePhase::Error)
    }

    /// Ran and ended: Succeeded, Failed or Error (not Skipped or Omitted).
    pub fn is_completed(self) -> bool {
        matches!(self, NodePhase::Succeeded | NodePhase::Failed | NodePhase::Error)
    }
}

/// A workflow's phase (Argo's `WorkflowPhase`); the empty string is
/// "Unknown", a workflow not looked at yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum WorkflowPhase {
    #[default]
    #[serde(rename = "")]
    Unknown,
    Pending,
    Running,
    Succeeded,
    Failed,
    Error,
}

impl WorkflowPhase {
    /// Argo's name (`""` for Unknown).
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowPhase::Unknown => "",
            WorkflowPhase::Pending => "Pending",
            WorkflowPhase::Running => "Running",
            WorkflowPhase::Succeeded => "Succeeded",
            WorkflowPhase::Failed => "Failed",
            WorkflowPhase::Error => "Error",
        }
    }

    pub fn is_completed(self) -> bool {
        matches!(self, WorkflowPhase::Succeeded | WorkflowPhase::Failed | WorkflowPhase::Error)
    }
}

/// What a node stands for (Argo's `NodeType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NodeType {
    Pod,
    Container,
    Steps,
    StepGroup,
    #[serde(rename = "DAG")]
    Dag,
    TaskGroup,
    Retry,
    Skipped,
    Suspend,
    #[serde(rename = "HTTP")]
    Http,
    Plugin,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names() {
        assert_eq!(serde_json::to_string(&NodeType::Dag).ok().as_deref(), Some("\"DAG\""));
        assert_eq!(serde_json::to_string(&WorkflowPhase::Unknown).ok().as_deref(), Some("\"\""));
        assert_eq!(serde_json::from_str::<NodePhase>("\"Omitted\"").ok(), Some(NodePhase::Omitted));
    }
}
