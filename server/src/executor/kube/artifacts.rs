//! A node's artifacts in its pod: what `keelson exec` loads before the
//! command and saves after it, and the credentials it needs for that.
//!
//! The locations travel in the main container's environment
//! (`KEELSON_INPUTS`, `KEELSON_SAVES`: JSON lists of Argo `Artifact`s with
//! their paths and complete locations). Every Secret a location names
//! (`accessKeySecret`, `passwordSecret`, …) becomes a `secretKeyRef`
//! variable the kubelet fills in, listed in `KEELSON_SECRET_REFS`;
//! `keelson exec` reads them and removes them from the command's
//! environment. The controller never sees a value, nor a byte of an
//! artifact.
//!
//! Pure: JSON in Kubernetes' field names.

use engine::run::LaunchSpec;
use engine::spec::{ArchiveStrategy, Artifact, StoreKind};
use serde_json::{Value, json};

use crate::redact::SecretRefs;

/// The inputs to load, as JSON (`Vec<Artifact>`).
pub const INPUTS: &str = "KEELSON_INPUTS";
/// The outputs to save, as JSON (`Vec<Artifact>`).
pub const SAVES: &str = "KEELSON_SAVES";
/// `[[secret, key, variable]…]`: where each credential is.
pub const SECRET_REFS: &str = "KEELSON_SECRET_REFS";
/// Where `keelson exec` writes the command's log (stdout and stderr),
/// saved as `main-logs` (Argo's `archiveLogs`).
pub const LOG: &str = "KEELSON_LOG";
/// That file, beside the executor.
pub const LOG_PATH: &str = "/var/run/keelson/main.log";
/// The variables holding credentials: this prefix and a number.
pub const SECRET_PREFIX: &str = "KEELSON_SECRET_";

/// Why a node's artifacts cannot move in a pod.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PodArtifactError {
    #[error(
        "artifact '{0}': Kubernetes mode has no built-in artifact repository (a pod cannot \
         reach Keelson's data directory); configure one: `keelson server \
         --artifact-repository FILE`, an `artifact-repositories` ConfigMap, or \
         spec.artifactRepositoryRef"
    )]
    BuiltIn(String),
}

/// The environment variables that carry `launch`'s artifacts (none when
/// it moves none).
pub fn env(launch: &LaunchSpec) -> Result<Vec<Value>, PodArtifactError> {
    let mut vars = Vec::new();
    let mut outputs = launch.outputs.clone();
    if let Some(location) = &launch.log_location {
        // Saved as Argo saves it: the file as it is, at `<key>/main.log`.
        outputs.push(Artifact {
            name: engine::run::MAIN_LOGS.to_string(),
            path: Some(LOG_PATH.to_string()),
            archive: Some(ArchiveStrategy { none: Some(Default::default()), ..Default::default() }),
            location: location.clone(),
            ..Default::default()
        });
        vars.push(json!({"name": LOG, "value": LOG_PATH}));
    }
    if launch.inputs.is_empty() && outputs.is_empty() {
        return Ok(vars);
    }
    for a in launch.inputs.iter().chain(&outputs) {
        if a.location.kind() == Some(StoreKind::Builtin) {
            return Err(PodArtifactError::BuiltIn(a.name.clone()));
        }
    }
    let mut refs: Vec<(String, String, String)> = Vec::new();
    for a in launch.inputs.iter().chain(&outputs) {
        let location = serde_json::to_value(&a.location).unwrap_or_default();
        let named = SecretRefs::in_json(&location).refs.into_iter();
        for (name, key) in named.filter_map(|(name, key)| Some((name, key?))) {
            if refs.iter().any(|(n, k, _)| *n == name && *k == key) {
                continue;
            }
            let var = format!("{SECRET_PREFIX}{}", refs.len());
            vars.push(
                json!({"name": var, "valueFrom": {"secretKeyRef": {"name": name, "key": key}}}),
            );
            refs.push((name, key, var));
        }
    }
    let list = |artifacts: &[Artifact]| serde_json::to_string(artifacts).unwrap_or_default();
    if !launch.inputs.is_empty() {
        vars.push(json!({"name": INPUTS, "value": list(&launch.inputs)}));
    }
    if !outputs.is_empty() {
        vars.push(json!({"name": SAVES, "value": list(&outputs)}));
    }
    if !refs.is_empty() {
        vars.push(json!({"name": SECRET_REFS, "value": json!(refs).to_string()}));
    }
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact(v: Value) -> Artifact {
        serde_json::from_value(v).expect("an artifact")
    }

    #[test]
    fn archived_logs_are_one_more_output_written_beside_the_executor() {
        assert!(LOG_PATH.starts_with(crate::executor::kube::pod::VAR_DIR));
        let launch = LaunchSpec {
            log_location: serde_json::from_value(
                json!({"s3": {"bucket": "b", "key": "w/p/main.log"}}),
            )
            .ok(),
            ..Default::default()
        };
        let vars = env(&launch).expect("env");
        assert_eq!(vars[0], json!({"name": "KEELSON_LOG", "value": LOG_PATH}));
        let saves = vars.iter().find(|v| v["name"] == SAVES).expect("saves");
        let saves: Vec<Artifact> =
            serde_json::from_str(saves["value"].as_str().unwrap_or_default()).expect("saves");
        assert_eq!(saves[0].name, "main-logs");
        assert_eq!(saves[0].path.as_deref(), Some(LOG_PATH));
        assert_eq!(saves[0].location.key(), Some("w/p/main.log"));
        assert!(saves[0].archive.as_ref().is_some_and(|a| a.none.is_some()));
    }

    #[test]
    fn locations_and_their_credentials_travel_in_the_environment() {
        let s3 = json!({"bucket": "b", "endpoint": "minio:9000", "key": "k",
            "accessKeySecret": {"name": "cred", "key": "access"},
            "secretKeySecret": {"name": "cred", "key": "secret"}});
        let launch = LaunchSpec {
            inputs: vec![
                artifact(json!({"name": "src", "path": "/src", "git": {"repo": "https://h/r.git",
                    "passwordSecret": {"name": "git", "key": "token"}}})),
                artifact(json!({"name": "data", "path": "/data", "s3": s3})),
            ],
            outputs: vec![artifact(json!({"name": "out", "path": "/out", "s3": s3}))],
            ..Default::default()
        };
        let vars = env(&launch).expect("env");
        let names: Vec<&str> = vars.iter().filter_map(|v| v["name"].as_str()).collect();
        assert_eq!(
            names,
            [
                "KEELSON_SECRET_0",
                "KEELSON_SECRET_1",
                "KEELSON_SECRET_2",
                "KEELSON_INPUTS",
                "KEELSON_SAVES",
                "KEELSON_SECRET_REFS"
            ]
        );
        // The same secret key once; the kubelet resolves the values.
        assert_eq!(vars[0]["valueFrom"]["secretKeyRef"], json!({"name": "git", "key": "token"}));
        let refs: Vec<(String, String, String)> =
            serde_json::from_str(vars[5]["value"].as_str().unwrap_or_default()).expect("refs");
        assert_eq!(refs.len(), 3);
        let inputs: Vec<Artifact> =
            serde_json::from_str(vars[3]["value"].as_str().unwrap_or_default()).expect("inputs");
        assert_eq!(inputs, launch.inputs);
    }

    #[test]
    fn the_built_in_repository_is_out_of_a_pods_reach() {
        let launch = LaunchSpec {
            outputs: vec![artifact(
                json!({"name": "out", "path": "/out", "builtin": {"key": "k"}}),
            )],
            ..Default::default()
        };
        let e = env(&launch).expect_err("built-in");
        assert!(e.to_string().contains("--artifact-repository"), "{e}");
        assert!(env(&LaunchSpec::default()).expect("nothing").is_empty());
    }
}
