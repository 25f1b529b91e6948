//! A node's lifecycle as the run's journal tells it — started, exited
//! (with its code and why), could not start, its retry's back-off over,
//! its deadline reached, resumed, set, relaunched after a restart — with
//! the time each happened. Argo's UI lists a pod's Kubernetes events;
//! these are the engine's own, the same in every executor. Only what
//! says what happened is told: never a task's outputs (a sealed entry is
//! opened to read its exit code, and its outputs are left out).

use engine::run::{Event, TimerKind};
use engine::status::Time;
use serde::Serialize;

use super::{Controller, ControllerError};
use crate::store::{Entry, LoggedEvent};

/// One thing that happened to a node (or, with no node, to the run).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeEvent {
    pub time: Time,
    /// The node's ID; `None` for the run as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    /// A word for what happened (`Started`, `Exited`, `DeadlineExceeded`…).
    pub reason: &'static str,
    pub message: String,
}

impl Controller {
    /// What happened to workflow `name`'s nodes, in order; only node
    /// `node_id`'s (and the run's own) when one is named.
    pub async fn node_events(
        &self,
        namespace: &str,
        name: &str,
        node_id: Option<&str>,
    ) -> Result<Vec<NodeEvent>, ControllerError> {
        let row = self.row(namespace, name).await?;
        let log = super::sealing::open(&self.inner.key, self.inner.store.events(&row.uid).await?)?;
        Ok(log
            .iter()
            .flat_map(told)
            .filter(|e| node_id.is_none_or(|n| e.node_id.as_deref().is_none_or(|id| id == n)))
            .collect())
    }
}

/// What one journal entry tells, in words.
fn told(logged: &LoggedEvent) -> Vec<NodeEvent> {
    let at = logged.at;
    let one = |node: Option<&str>, reason: &'static str, message: String| NodeEvent {
        time: at,
        node_id: node.map(str::to_string),
        reason,
        message,
    };
    match &logged.entry {
        Entry::Started => vec![one(None, "RunStarted", "the run started".into())],
        Entry::Retried { node_field_selector, .. } => {
            let which =
                node_field_selector.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
            vec![one(None, "Retried", format!("the run was retried{which}"))]
        }
        Entry::Deferred { nodes } => nodes
            .iter()
            .map(|n| one(Some(n), "Deferred", "not launched: the server was shutting down".into()))
            .collect(),
        Entry::Relaunched { nodes } => nodes
            .iter()
            .map(|n| one(Some(n), "Relaunched", "launched by the restarted server".into()))
            .collect(),
        // Opened before this is called; one that could not be is not told.
        Entry::Sealed { .. } => Vec::new(),
        Entry::Engine(event) => engine_event(event)
            .map_or_else(Vec::new, |(node, reason, message)| vec![one(node, reason, message)]),
    }
}

fn engine_event(event: &Event) -> Option<(Option<&str>, &'static str, String)> {
    Some(match event {
        Event::NodeStarted { node } => (Some(node), "Started", "started".into()),
        Event::NodeExited { node, exit } => {
            let mut message = format!("exited with code {}", exit.code);
            if let Some(reason) = &exit.reason {
                message.push_str(&format!(" ({reason})"));
            }
            if let Some(e) = &exit.artifact_error {
                message.push_str(&format!("; its outputs were not all saved: {e}"));
            }
            (Some(node), "Exited", message)
        }
        Event::NodeFailedToStart { node, message } => {
            (Some(node), "FailedToStart", format!("could not start: {message}"))
        }
        Event::TimerFired { timer } => {
            let (reason, message) = match timer.kind {
                TimerKind::Backoff => ("BackoffOver", "the retry's back-off is over"),
                TimerKind::Resume => ("DurationOver", "the suspend's duration is over"),
                TimerKind::NodeDeadline => ("DeadlineExceeded", "its deadline was reached"),
                TimerKind::WorkflowDeadline => {
                    ("WorkflowDeadlineExceeded", "the workflow's deadline was reached")
                }
            };
            (Some(timer.node.as_str()), reason, message.into())
        }
        Event::Resume { node: Some(node) } => (Some(node), "Resumed", "resumed".into()),
        Event::Resume { node: None } => (None, "Resumed", "the run was resumed".into()),
        Event::SetNode { node, phase, message, .. } => {
            let phase = phase.map(|p| format!(" to {}", p.as_str())).unwrap_or_default();
            let said = message.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
            (Some(node), "Set", format!("set{phase}{said}"))
        }
        Event::Stop => (None, "Stopped", "the run was stopped".into()),
        Event::Terminate => (None, "Terminated", "the run was terminated".into()),
        Event::Suspend => (None, "Suspended", "the run was suspended".into()),
    })
}

#[cfg(test)]
mod tests {
    use engine::run::{Exit, Timer};

    use super::*;

    fn logged(entry: Entry) -> LoggedEvent {
        LoggedEvent { workflow_uid: "u".into(), seq: 0, at: Time(100), entry }
    }

    #[test]
    fn entries_are_told_in_words_without_outputs() {
        let exit = Exit {
            code: 137,
            result: Some("a secret result".into()),
            reason: Some("OOMKilled".into()),
            ..Exit::default()
        };
        let e = told(&logged(Entry::Engine(Event::NodeExited { node: "n1".into(), exit })));
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].node_id.as_deref(), e[0].reason), (Some("n1"), "Exited"));
        assert_eq!(e[0].message, "exited with code 137 (OOMKilled)");
        let timer = Timer { node: "n1".into(), kind: TimerKind::NodeDeadline };
        let e = told(&logged(Entry::Engine(Event::TimerFired { timer })));
        assert_eq!(e[0].reason, "DeadlineExceeded");
        let e = told(&logged(Entry::Relaunched { nodes: vec!["a".into(), "b".into()] }));
        assert_eq!(
            e.iter().map(|e| e.node_id.clone().unwrap_or_default()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert!(told(&logged(Entry::Sealed { sealed: "x".into() })).is_empty());
        let json = serde_json::to_value(&told(&logged(Entry::Started))[0]).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"time": "1970-01-01T00:01:40Z", "reason": "RunStarted", "message": "the run started"})
        );
    }
}
