//! One line of a workflow's journal: what the controller appends before it
//! acts, and what a restarted server replays (docs/design/server.md).

use engine::run::Event;
use engine::status::Time;
use serde::{Deserialize, Serialize};

/// What happened to a run, in the order it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum Entry {
    /// The run was admitted and started (`Run::start` at this time).
    Started,
    /// `argo retry` of the finished run (`Run::retry` on the status
    /// replayed so far).
    Retried {
        #[serde(default)]
        restart_successful: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        node_field_selector: Option<String>,
        /// New `-p` values (`argo retry -p`), applied from here on.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        parameters: Vec<(String, String)>,
    },
    /// A server shutting down did not launch these nodes (they never
    /// ran); the next server launches them.
    Deferred { nodes: Vec<String> },
    /// The deferred launches are being made now (written first, so a
    /// crash right after is seen as a lost task, never a silent rerun).
    Relaunched { nodes: Vec<String> },
    /// An entry that carries a secret's value (a task printed one): the
    /// entry's JSON sealed with the server's key, bound to its workflow
    /// and sequence number ([`SecretKey::seal_entry`]); replay opens it.
    ///
    /// [`SecretKey::seal_entry`]: crate::store::SecretKey::seal_entry
    Sealed { sealed: String },
    /// An engine event (its own `type` tag: `NodeExited`, `Stop`, …).
    #[serde(untagged)]
    Engine(Event),
}

/// One entry of a workflow's journal, numbered.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedEvent {
    pub workflow_uid: String,
    /// 0, 1, 2, … per workflow; a number is written once.
    pub seq: i64,
    /// When it was applied (the `now` the engine saw).
    pub at: Time,
    pub entry: Entry,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_events_and_our_entries_share_one_tagged_form() {
        for e in [
            Entry::Started,
            Entry::Retried {
                restart_successful: true,
                node_field_selector: Some("a=b".into()),
                parameters: vec![("k".into(), "v".into())],
            },
            Entry::Engine(Event::Stop),
            Entry::Engine(Event::NodeFailedToStart { node: "n".into(), message: "m".into() }),
        ] {
            let text = serde_json::to_string(&e).expect("serialise");
            assert!(text.starts_with(r#"{"type":""#), "{text}");
            assert_eq!(serde_json::from_str::<Entry>(&text).expect("parse"), e, "{text}");
        }
    }
}
