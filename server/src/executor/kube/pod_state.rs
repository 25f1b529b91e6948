//! What a pod's status says about its node: waiting (and why, if it is
//! stuck), running, exited with a code, or lost — evicted, or gone before
//! it finished. The executor turns these into the engine's events; a lost
//! pod ends its node in Error with the reason, so `retryStrategy` decides
//! rather than the workflow waiting forever (Argo #13533, #13152).
//!
//! Pure: reads the Pod's JSON.

use serde_json::Value;

/// Waiting reasons of the main container that will not go away alone.
const STUCK: [&str; 5] = [
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
];

/// A pod's node, as its status says.
#[derive(Debug, Clone, PartialEq)]
pub enum PodState {
    /// Not started; `stuck` says why if it will not start by itself (the
    /// executor gives it a while, then ends the node).
    Waiting {
        stuck: Option<String>,
    },
    Running,
    /// The main container ended; `reason` is Kubernetes' when it is not
    /// the command's own doing (OOMKilled, DeadlineExceeded…).
    Exited {
        code: i32,
        reason: Option<String>,
    },
    /// The pod ended without the main container's exit (evicted,
    /// preempted, its node lost).
    Lost {
        message: String,
    },
}

/// Read `pod` (a Pod as JSON).
pub fn read(pod: &Value) -> PodState {
    let status = &pod["status"];
    let main =
        status["containerStatuses"].as_array().into_iter().flatten().find(|c| c["name"] == "main");
    if let Some(t) = main.map(|c| &c["state"]["terminated"]).filter(|t| t.is_object()) {
        let code = t["exitCode"].as_i64().and_then(|c| i32::try_from(c).ok()).unwrap_or(-1);
        let reason = t["reason"]
            .as_str()
            .filter(|r| !matches!(*r, "Completed" | "Error"))
            .map(str::to_string);
        return PodState::Exited { code, reason };
    }
    let phase = status["phase"].as_str().unwrap_or("Pending");
    match phase {
        "Failed" | "Succeeded" => {
            let why = status["reason"].as_str().unwrap_or("the pod ended");
            let detail = status["message"].as_str().unwrap_or("");
            let message = if detail.is_empty() {
                format!("pod lost: {why}")
            } else {
                format!("pod lost: {why}: {detail}")
            };
            PodState::Lost { message }
        }
        "Running" if main.is_some_and(|c| c["state"]["running"].is_object()) => PodState::Running,
        _ => {
            // The main container's wait, or an init container's (the
            // executor's image not pulled stops the pod there).
            let inits = status["initContainerStatuses"].as_array().into_iter().flatten();
            let waiting = main
                .into_iter()
                .chain(inits)
                .map(|c| &c["state"]["waiting"])
                .find(|w| w["reason"].as_str().is_some_and(|r| STUCK.contains(&r)));
            let stuck = waiting.and_then(|w| {
                let reason = w["reason"].as_str()?;
                STUCK.contains(&reason).then(|| match w["message"].as_str() {
                    Some(m) if !m.is_empty() => format!("{reason}: {m}"),
                    _ => reason.to_string(),
                })
            });
            PodState::Waiting { stuck }
        }
    }
}

/// The message for a pod that disappeared before its node ended (deleted
/// by someone or something else: a spot reclaim, an autoscaler).
pub fn deleted_message(pod: &str) -> String {
    format!("pod {pod} was deleted before it finished")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(status: Value) -> Value {
        json!({"metadata": {"name": "p"}, "status": status})
    }

    fn main(state: Value) -> Value {
        json!([{"name": "main", "state": state}, {"name": "sidecar", "state": {"running": {}}}])
    }

    #[test]
    fn a_pods_status_says_where_its_node_is() {
        assert_eq!(read(&pod(json!({"phase": "Pending"}))), PodState::Waiting { stuck: None });
        let pulling = pod(json!({"phase": "Pending", "containerStatuses": main(json!(
            {"waiting": {"reason": "ImagePullBackOff", "message": "no such image: nope:1"}}))}));
        assert_eq!(
            read(&pulling),
            PodState::Waiting { stuck: Some("ImagePullBackOff: no such image: nope:1".into()) }
        );
        let creating = pod(json!({"phase": "Pending", "containerStatuses": main(json!(
            {"waiting": {"reason": "ContainerCreating"}}))}));
        assert_eq!(read(&creating), PodState::Waiting { stuck: None });
        let running =
            pod(json!({"phase": "Running", "containerStatuses": main(json!({"running": {}}))}));
        assert_eq!(read(&running), PodState::Running);
        let done = pod(json!({"phase": "Succeeded", "containerStatuses": main(json!(
            {"terminated": {"exitCode": 0, "reason": "Completed"}}))}));
        assert_eq!(read(&done), PodState::Exited { code: 0, reason: None });
        let oom = pod(json!({"phase": "Failed", "containerStatuses": main(json!(
            {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}))}));
        assert_eq!(read(&oom), PodState::Exited { code: 137, reason: Some("OOMKilled".into()) });
        // The main container ended while a sidecar still runs: exited.
        let sidecar = pod(json!({"phase": "Running", "containerStatuses": main(json!(
            {"terminated": {"exitCode": 2, "reason": "Error"}}))}));
        assert_eq!(read(&sidecar), PodState::Exited { code: 2, reason: None });
        let evicted = pod(json!({"phase": "Failed", "reason": "Evicted",
            "message": "The node was low on resource: memory."}));
        assert_eq!(
            read(&evicted),
            PodState::Lost {
                message: "pod lost: Evicted: The node was low on resource: memory.".into()
            }
        );
        assert_eq!(deleted_message("p"), "pod p was deleted before it finished");
        // The executor's image cannot be pulled: the init container says.
        let init = pod(json!({"phase": "Pending",
            "initContainerStatuses": [{"name": "init", "state": {"waiting": {"reason": "ErrImagePull", "message": "no keelson:9"}}}],
            "containerStatuses": main(json!({"waiting": {"reason": "PodInitializing"}}))}));
        assert_eq!(
            read(&init),
            PodState::Waiting { stuck: Some("ErrImagePull: no keelson:9".into()) }
        );
    }
}
