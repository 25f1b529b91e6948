//! One run's pods, followed: what the pod watcher and the task-result
//! watcher say becomes the engine's events, exactly once per node.
//!
//! A node's pod is created, starts, its main container ends — and the
//! node ends when both the exit (from the pod) and the outputs (from its
//! task result) are in, or when the outputs are overdue. A pod that
//! disappears or is lost before that ends its node as an Error saying
//! why, so `retryStrategy` decides (Argo #13533, #13152); one stuck
//! (image pull, bad config) past a grace period too. A killed node ends
//! when its pod is gone.
//!
//! Pure: instants are passed in, effects (follow a log, mark or delete a
//! pod) are returned for the executor to carry out.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use engine::run::{Event, Exit};
use serde_json::Value;

use super::pod_state::{self, PodState, deleted_message};
use super::task_result::Outputs;

/// What the executor must do besides telling the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// The node's event, for the engine.
    Engine(Event),
    /// The pod's main container runs: follow its log.
    FollowLog { node: String, pod: String },
    /// The node ended and its pod stays: label it completed.
    MarkCompleted { pod: String },
    /// The node ended (or is given up) and its pod must go.
    DeletePod { pod: String },
}

/// When pods are deleted (`spec.podGC.strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PodGc {
    /// Kept (Argo's default).
    #[default]
    Never,
    OnPodCompletion,
    OnPodSuccess,
    OnWorkflowCompletion,
    OnWorkflowSuccess,
}

impl PodGc {
    /// Argo's strategy name; unknown names keep pods (validation refused
    /// them before a run starts).
    pub fn from_spec(strategy: Option<&str>) -> PodGc {
        match strategy {
            Some("OnPodCompletion") => PodGc::OnPodCompletion,
            Some("OnPodSuccess") => PodGc::OnPodSuccess,
            Some("OnWorkflowCompletion") => PodGc::OnWorkflowCompletion,
            Some("OnWorkflowSuccess") => PodGc::OnWorkflowSuccess,
            _ => PodGc::Never,
        }
    }

    /// Whether a workflow that ended (`succeeded` or not) deletes its
    /// remaining pods.
    pub fn at_workflow_end(self, succeeded: bool) -> bool {
        match self {
            PodGc::OnWorkflowCompletion => true,
            PodGc::OnWorkflowSuccess => succeeded,
            _ => false,
        }
    }
}

/// How long things may take.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    /// A container that ended without its task result yet: the result is
    /// waited for this long, then the node ends with the exit code alone.
    pub result_wait: Duration,
    /// A pod stuck (image pull, config error) ends its node after this.
    pub stuck_grace: Duration,
}

impl Default for Patience {
    fn default() -> Self {
        Patience { result_wait: Duration::from_secs(30), stuck_grace: Duration::from_secs(180) }
    }
}

#[derive(Debug)]
struct Node {
    pod: String,
    /// The create request was answered (or the pod was found existing),
    /// and when.
    created: bool,
    created_at: Option<Instant>,
    /// The pod's uid, once known (the create's answer, or the first
    /// event of an adopted pod): events and task results of any other
    /// pod of that name are an earlier attempt's.
    uid: Option<String>,
    started: bool,
    /// The main container ended: code, Kubernetes' reason, when seen.
    exited: Option<(i32, Option<String>, Instant)>,
    outputs: Option<Outputs>,
    killed: bool,
    stuck: Option<(String, Instant)>,
    done: bool,
    /// An earlier attempt's pod of the same name being replaced: its
    /// events are not this node's.
    stale_uid: Option<String>,
}

/// A run's nodes and their pods.
#[derive(Debug, Default)]
pub struct Tracker {
    nodes: HashMap<String, Node>,
    /// Pod name → node ID.
    by_pod: HashMap<String, String>,
    patience: Patience,
    gc: PodGc,
}

impl Tracker {
    pub fn new(patience: Patience, gc: PodGc) -> Tracker {
        Tracker { patience, gc, ..Tracker::default() }
    }

    /// A node's pod is about to be created.
    pub fn launched(&mut self, node: &str, pod: &str) {
        self.by_pod.insert(pod.to_string(), node.to_string());
        self.nodes.insert(
            node.to_string(),
            Node {
                pod: pod.to_string(),
                created: false,
                created_at: None,
                uid: None,
                started: false,
                exited: None,
                outputs: None,
                killed: false,
                stuck: None,
                done: false,
                stale_uid: None,
            },
        );
    }

    /// A node of a run that was going on when the last server stopped:
    /// its pod is followed again (`started` if it was known to run).
    pub fn adopted(&mut self, node: &str, pod: &str, started: bool) {
        self.launched(node, pod);
        if let Some(n) = self.nodes.get_mut(node) {
            n.created = true;
            n.created_at = Some(Instant::now());
            n.started = started;
        }
    }

    /// The create request was answered: the pod exists (its `uid` when
    /// the answer said). Whether the node was killed meanwhile (its pod
    /// must be deleted).
    pub fn created(&mut self, node: &str, uid: Option<&str>, now: Instant) -> bool {
        match self.nodes.get_mut(node) {
            Some(n) => {
                n.created = true;
                n.created_at.get_or_insert(now);
                if let Some(uid) = uid {
                    n.uid = Some(uid.to_string());
                }
                n.killed && !n.done
            }
            None => false,
        }
    }

    /// The pod named for `node` is an earlier attempt's (`uid`), being
    /// deleted to make room: what the watches say of it is ignored.
    pub fn replacing(&mut self, node: &str, uid: &str) {
        if let Some(n) = self.nodes.get_mut(node) {
            n.stale_uid = Some(uid.to_string());
        }
    }

    /// The node of pod `name`, unless `pod` is an earlier attempt's.
    fn node_of(&self, name: &str, pod: &Value) -> Option<String> {
        let id = self.by_pod.get(name)?;
        let n = self.nodes.get(id)?;
        if let Some(uid) = pod["metadata"]["uid"].as_str() {
            if n.stale_uid.as_deref() == Some(uid) {
                return None;
            }
            if n.uid.as_deref().is_some_and(|known| known != uid) {
                return None;
            }
        }
        Some(id.clone())
    }

    /// The pod could not be created: the node ends in Error.
    pub fn create_failed(&mut self, node: &str, message: String) -> Vec<Effect> {
        match self.nodes.get_mut(node) {
            Some(n) if !n.done => {
                n.done = true;
                vec![Effect::Engine(Event::NodeFailedToStart { node: node.to_string(), message })]
            }
            _ => Vec::new(),
        }
    }

    /// Stop a node. Whether its pod must be deleted now (false while the
    /// create is in flight: [`Tracker::created`] says so when it lands);
    /// the node ends when its pod is gone.
    pub fn kill(&mut self, node: &str) -> bool {
        let Some(n) = self.nodes.get_mut(node) else { return false };
        if n.done {
            return false;
        }
        n.killed = true;
        n.created
    }

    /// Nodes not ended.
    pub fn active(&self) -> usize {
        self.nodes.values().filter(|n| !n.done).count()
    }

    /// Whether the node's main container is known to have ended (or the
    /// node is over).
    pub fn has_exited(&self, node: &str) -> bool {
        self.nodes.get(node).is_none_or(|n| n.done || n.exited.is_some())
    }

    /// Nodes whose pod runs now.
    pub fn running(&self) -> usize {
        self.nodes.values().filter(|n| !n.done && n.started).count()
    }

    /// The pod of `node`, if it has not ended.
    pub fn active_pod(&self, node: &str) -> Option<String> {
        self.nodes.get(node).filter(|n| !n.done).map(|n| n.pod.clone())
    }

    /// Pods of nodes not ended.
    pub fn active_pods(&self) -> Vec<(String, String)> {
        self.nodes
            .iter()
            .filter(|(_, n)| !n.done)
            .map(|(id, n)| (id.clone(), n.pod.clone()))
            .collect()
    }

    /// Every pod this run made.
    pub fn pods(&self) -> Vec<String> {
        self.nodes.values().map(|n| n.pod.clone()).collect()
    }

    pub fn gc(&self) -> PodGc {
        self.gc
    }

    /// The pod watcher saw `pod` (JSON) as it is now.
    pub fn pod_changed(&mut self, name: &str, pod: &Value, now: Instant) -> Vec<Effect> {
        let Some(id) = self.node_of(name, pod) else { return Vec::new() };
        let mut out = Vec::new();
        let Some(n) = self.nodes.get_mut(&id) else { return out };
        if n.done {
            return out;
        }
        n.created = true;
        n.created_at.get_or_insert(now);
        if let Some(uid) = pod["metadata"]["uid"].as_str() {
            n.uid.get_or_insert_with(|| uid.to_string());
        }
        match pod_state::read(pod) {
            PodState::Waiting { stuck } => {
                n.stuck = match (stuck, n.stuck.take()) {
                    (Some(why), Some((_, since))) => Some((why, since)),
                    (Some(why), None) => Some((why, now)),
                    (None, _) => None,
                };
            }
            PodState::Running => {
                n.stuck = None;
                start(&id, n, &mut out);
            }
            PodState::Exited { code, reason } => {
                start(&id, n, &mut out);
                if n.exited.is_none() {
                    n.exited = Some((code, reason, now));
                }
                self.finish_if_ready(&id, false, &mut out);
            }
            PodState::Lost { message } => self.lost(&id, message, &mut out),
        }
        out
    }

    /// The pod is gone (the watcher saw it deleted, or a relist did not
    /// find it); `pod` is its last state when known (`Value::Null` if not).
    pub fn pod_deleted(&mut self, name: &str, pod: &Value) -> Vec<Effect> {
        let Some(id) = self.node_of(name, pod) else { return Vec::new() };
        let mut out = Vec::new();
        let Some(n) = self.nodes.get(&id) else { return out };
        if n.done || !n.created {
            return out;
        }
        if n.killed {
            // Killed: the engine ends it with the reason it recorded.
            self.end(&id, exit_of(128 + 15, None, None), &mut out);
        } else if n.exited.is_some() {
            // Ended; its outputs will not come now.
            self.finish_if_ready(&id, true, &mut out);
        } else {
            let message = deleted_message(name);
            self.lost(&id, message, &mut out);
        }
        out
    }

    /// A complete task result for `node`, written by the pod `owner`
    /// (its uid, when the result names it).
    pub fn outputs(&mut self, node: &str, outputs: Outputs, owner: Option<&str>) -> Vec<Effect> {
        let mut out = Vec::new();
        if let Some(n) = self.nodes.get_mut(node)
            && !n.done
        {
            // An earlier attempt's result (same node, same name): not
            // this pod's.
            if owner.is_some()
                && (n.stale_uid.as_deref() == owner
                    || n.uid.as_deref().is_some_and(|u| Some(u) != owner))
            {
                return out;
            }
            n.outputs = Some(outputs);
            self.finish_if_ready(node, false, &mut out);
        }
        out
    }

    /// A relist of pods is complete: `seen` are the run's pods that
    /// exist. Pods created before the list began (`listed_from`) and
    /// missing were deleted while nobody watched; one created since may
    /// simply not be in the list.
    pub fn relisted(&mut self, seen: &HashSet<String>, listed_from: Instant) -> Vec<Effect> {
        let missing: Vec<String> = self
            .nodes
            .values()
            .filter(|n| n.created && !n.done && !seen.contains(&n.pod))
            .filter(|n| n.created_at.is_some_and(|at| at < listed_from))
            .map(|n| n.pod.clone())
            .collect();
        missing.iter().flat_map(|pod| self.pod_deleted(pod, &Value::Null)).collect()
    }

    /// Time passed: overdue outputs, pods stuck too long.
    pub fn tick(&mut self, now: Instant) -> Vec<Effect> {
        let mut out = Vec::new();
        let ids: Vec<String> = self.nodes.keys().cloned().collect();
        for id in ids {
            let Some(n) = self.nodes.get(&id) else { continue };
            if n.done {
                continue;
            }
            if let Some((_, _, at)) = n.exited
                && now.saturating_duration_since(at) >= self.patience.result_wait
            {
                self.finish_if_ready(&id, true, &mut out);
            } else if let Some((why, since)) = &n.stuck
                && now.saturating_duration_since(*since) >= self.patience.stuck_grace
            {
                let message = format!("pod {} could not start: {why}", n.pod);
                self.lost(&id, message, &mut out);
            }
        }
        out
    }

    /// End the node if its exit and outputs are in (or `give_up` waiting
    /// for the outputs).
    fn finish_if_ready(&mut self, id: &str, give_up: bool, out: &mut Vec<Effect>) {
        let Some(n) = self.nodes.get(id) else { return };
        let Some((code, reason, _)) = n.exited.clone() else { return };
        if n.outputs.is_none() && !give_up {
            return;
        }
        // The command never ran: an input could not be loaded.
        if let Some(o) = n.outputs.as_ref().filter(|o| o.inputs_failed) {
            let message = o.error.clone().unwrap_or_else(|| "an input could not be loaded".into());
            self.lost(id, message, out);
            return;
        }
        let exit = exit_of(code, reason, n.outputs.clone());
        self.end(id, exit, out);
    }

    fn lost(&mut self, id: &str, message: String, out: &mut Vec<Effect>) {
        let Some(n) = self.nodes.get_mut(id) else { return };
        if n.done {
            return;
        }
        n.done = true;
        let pod = n.pod.clone();
        // A stuck pod would go on trying (pulling an image) for ever: it
        // goes. An evicted one is kept, as Argo keeps it, for a look —
        // unless podGC says a finished pod goes.
        let stuck = n.stuck.is_some() && !n.started;
        out.push(Effect::Engine(Event::NodeFailedToStart { node: id.to_string(), message }));
        if stuck || self.gc == PodGc::OnPodCompletion {
            out.push(Effect::DeletePod { pod });
        } else {
            out.push(Effect::MarkCompleted { pod });
        }
    }

    fn end(&mut self, id: &str, exit: Exit, out: &mut Vec<Effect>) {
        let Some(n) = self.nodes.get_mut(id) else { return };
        n.done = true;
        let pod = n.pod.clone();
        let killed = n.killed;
        let succeeded = exit.code == 0;
        out.push(Effect::Engine(Event::NodeExited { node: id.to_string(), exit }));
        if killed {
            return; // Being deleted already.
        }
        let delete = match self.gc {
            PodGc::OnPodCompletion => true,
            PodGc::OnPodSuccess => succeeded,
            _ => false,
        };
        out.push(if delete { Effect::DeletePod { pod } } else { Effect::MarkCompleted { pod } });
    }
}

fn start(id: &str, n: &mut Node, out: &mut Vec<Effect>) {
    if !std::mem::replace(&mut n.started, true) {
        out.push(Effect::Engine(Event::NodeStarted { node: id.to_string() }));
        out.push(Effect::FollowLog { node: id.to_string(), pod: n.pod.clone() });
    }
}

fn exit_of(code: i32, reason: Option<String>, outputs: Option<Outputs>) -> Exit {
    let outputs = outputs.unwrap_or_default();
    Exit {
        // The pod's exit code is the command's (`keelson exec` exits with
        // it); the report's is used when the pod's is unknown.
        code: if code >= 0 { code } else { outputs.exit_code.unwrap_or(code) },
        result: outputs.result,
        parameters: outputs.parameters,
        artifacts: outputs.artifacts,
        artifact_error: outputs.error,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(phase: &str, main: Value) -> Value {
        json!({"status": {"phase": phase, "containerStatuses": [{"name": "main", "state": main}]}})
    }

    fn events(effects: &[Effect]) -> Vec<Event> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Engine(ev) => Some(ev.clone()),
                _ => None,
            })
            .collect()
    }

    fn tracker() -> Tracker {
        Tracker::new(Patience::default(), PodGc::Never)
    }

    #[test]
    fn a_pod_that_runs_and_reports_ends_its_node_once_with_its_outputs() {
        let t0 = Instant::now();
        let mut t = tracker();
        t.launched("n1", "p1");
        assert!(!t.created("n1", None, t0));
        assert!(t.pod_changed("p1", &pod("Pending", json!({"waiting": {}})), t0).is_empty());
        let running = t.pod_changed("p1", &pod("Running", json!({"running": {}})), t0);
        assert_eq!(
            running,
            vec![
                Effect::Engine(Event::NodeStarted { node: "n1".into() }),
                Effect::FollowLog { node: "n1".into(), pod: "p1".into() }
            ]
        );
        assert_eq!(t.running(), 1);
        // Exited, outputs not in yet: nothing.
        let exited = pod("Succeeded", json!({"terminated": {"exitCode": 0}}));
        assert!(t.pod_changed("p1", &exited, t0).is_empty());
        let outputs = Outputs { result: Some("hi".into()), ..Outputs::default() };
        let done = t.outputs("n1", outputs, None);
        assert_eq!(
            events(&done),
            vec![Event::NodeExited {
                node: "n1".into(),
                exit: Exit { code: 0, result: Some("hi".into()), ..Exit::default() }
            }]
        );
        assert!(done.contains(&Effect::MarkCompleted { pod: "p1".into() }));
        // Seen again, deleted later: nothing more.
        assert!(t.pod_changed("p1", &exited, t0).is_empty());
        assert!(t.pod_deleted("p1", &Value::Null).is_empty());
        assert_eq!(t.active(), 0);
    }

    #[test]
    fn outputs_first_then_the_exit_and_overdue_outputs_end_the_node_without_them() {
        let t0 = Instant::now();
        let mut t = Tracker::new(Patience::default(), PodGc::OnPodSuccess);
        t.launched("n1", "p1");
        t.launched("n2", "p2");
        t.outputs("n1", Outputs { exit_code: Some(0), ..Outputs::default() }, None);
        let done =
            t.pod_changed("p1", &pod("Succeeded", json!({"terminated": {"exitCode": 0}})), t0);
        assert_eq!(events(&done).len(), 2, "started, exited: {done:?}");
        assert!(done.contains(&Effect::DeletePod { pod: "p1".into() }), "OnPodSuccess");
        let oom = pod("Failed", json!({"terminated": {"exitCode": 137, "reason": "OOMKilled"}}));
        assert_eq!(events(&t.pod_changed("p2", &oom, t0)).len(), 1, "started only");
        assert!(t.tick(t0 + Duration::from_secs(29)).is_empty());
        let late = t.tick(t0 + Duration::from_secs(30));
        assert_eq!(
            events(&late),
            vec![Event::NodeExited {
                node: "n2".into(),
                exit: Exit { code: 137, reason: Some("OOMKilled".into()), ..Exit::default() }
            }]
        );
        assert!(late.contains(&Effect::MarkCompleted { pod: "p2".into() }), "failed: kept");
    }

    #[test]
    fn an_input_that_could_not_be_loaded_is_a_failure_to_start() {
        let t0 = Instant::now();
        let mut t = tracker();
        t.launched("n1", "p1");
        let why = "input artifact 'src': no object at key \"k\" in s3 bucket b";
        let outputs = Outputs {
            exit_code: Some(1),
            error: Some(why.into()),
            inputs_failed: true,
            ..Outputs::default()
        };
        t.outputs("n1", outputs, None);
        let done = t.pod_changed("p1", &pod("Failed", json!({"terminated": {"exitCode": 1}})), t0);
        assert_eq!(
            events(&done).last(),
            Some(&Event::NodeFailedToStart { node: "n1".into(), message: why.into() })
        );
    }

    #[test]
    fn a_pod_deleted_or_evicted_before_it_finished_ends_its_node_in_error() {
        let t0 = Instant::now();
        let mut t = tracker();
        t.launched("n1", "p1");
        t.launched("n2", "p2");
        t.launched("n3", "p3");
        t.pod_changed("p1", &pod("Running", json!({"running": {}})), t0);
        let gone = t.pod_deleted("p1", &Value::Null);
        assert_eq!(
            events(&gone),
            vec![Event::NodeFailedToStart {
                node: "n1".into(),
                message: "pod p1 was deleted before it finished".into()
            }]
        );
        let evicted =
            json!({"status": {"phase": "Failed", "reason": "Evicted", "message": "low memory"}});
        let lost = t.pod_changed("p2", &evicted, t0);
        assert_eq!(
            events(&lost),
            vec![Event::NodeFailedToStart {
                node: "n2".into(),
                message: "pod lost: Evicted: low memory".into()
            }]
        );
        assert!(lost.contains(&Effect::MarkCompleted { pod: "p2".into() }), "kept for a look");
        // p3 was created, then a relist did not find it.
        t.created("n3", None, t0);
        assert_eq!(events(&t.relisted(&HashSet::new(), t0 + Duration::from_secs(1))).len(), 1);
        assert_eq!(t.active(), 0);
    }

    #[test]
    fn a_stuck_pod_is_given_its_grace_then_its_node_ends() {
        let t0 = Instant::now();
        let mut t = tracker();
        t.launched("n1", "p1");
        let pulling =
            pod("Pending", json!({"waiting": {"reason": "ImagePullBackOff", "message": "nope:1"}}));
        t.pod_changed("p1", &pulling, t0);
        t.pod_changed("p1", &pulling, t0 + Duration::from_secs(100));
        assert!(
            t.tick(t0 + Duration::from_secs(179)).is_empty(),
            "counted from the first sighting"
        );
        let ended = t.tick(t0 + Duration::from_secs(180));
        assert_eq!(
            events(&ended),
            vec![Event::NodeFailedToStart {
                node: "n1".into(),
                message: "pod p1 could not start: ImagePullBackOff: nope:1".into()
            }]
        );
    }

    #[test]
    fn a_killed_node_ends_when_its_pod_is_gone_and_a_kill_during_create_deletes_after() {
        let t0 = Instant::now();
        let mut t = tracker();
        t.launched("n1", "p1");
        t.launched("n2", "p2");
        t.created("n1", None, t0);
        t.pod_changed("p1", &pod("Running", json!({"running": {}})), t0);
        assert!(t.kill("n1"), "created: delete now");
        let gone = t.pod_deleted("p1", &Value::Null);
        assert_eq!(
            events(&gone),
            vec![Event::NodeExited {
                node: "n1".into(),
                exit: Exit { code: 143, ..Exit::default() }
            }]
        );
        assert!(!gone.iter().any(|e| matches!(e, Effect::MarkCompleted { .. })));
        assert!(!t.kill("n2"), "create in flight");
        assert!(t.created("n2", None, t0), "delete it once created");
        assert_eq!(events(&t.pod_deleted("p2", &Value::Null)).len(), 1);
    }

    #[test]
    fn pod_gc_strategies_read_as_argo_names_them() {
        assert_eq!(PodGc::from_spec(Some("OnPodCompletion")), PodGc::OnPodCompletion);
        assert_eq!(PodGc::from_spec(None), PodGc::Never);
        assert!(PodGc::OnWorkflowSuccess.at_workflow_end(true));
        assert!(!PodGc::OnWorkflowSuccess.at_workflow_end(false));
        assert!(PodGc::OnWorkflowCompletion.at_workflow_end(false));
        assert!(!PodGc::OnPodCompletion.at_workflow_end(true));
    }

    #[test]
    fn an_earlier_attempts_pod_of_the_same_name_is_not_this_nodes() {
        let t0 = Instant::now();
        let mut t = Tracker::new(Patience::default(), PodGc::Never);
        t.launched("n1", "p1");
        t.replacing("n1", "old-uid");
        let old = json!({"metadata": {"uid": "old-uid"}, "status": {"phase": "Succeeded",
            "containerStatuses": [{"name": "main", "state": {"terminated": {"exitCode": 0}}}]}});
        assert!(t.pod_changed("p1", &old, t0).is_empty(), "the old pod's end is not ours");
        t.created("n1", Some("new-uid"), t0);
        assert!(t.pod_deleted("p1", &old).is_empty(), "nor its deletion");
        let stale = Outputs { result: Some("old".into()), ..Outputs::default() };
        assert!(t.outputs("n1", stale, Some("old-uid")).is_empty());
        let new = json!({"metadata": {"uid": "new-uid"}, "status": {"phase": "Running",
            "containerStatuses": [{"name": "main", "state": {"running": {}}}]}});
        assert_eq!(t.pod_changed("p1", &new, t0).len(), 2, "started, follow the log");
    }
}
