//! Leader election on a `coordination.k8s.io` Lease, for two or more
//! replicas (`--leader-elect`): one holds the lease and runs everything
//! (store, controller, API); the others wait, not serving, until the
//! holder stops renewing — then one of them takes over, resuming from the
//! store as any restart does.
//!
//! As client-go's elector: the holder renews every `retry`, and gives up
//! (the process exits, to be restarted as a standby) if it could not
//! renew for `renew_deadline`, which is shorter than the lease's
//! duration, so it has stopped before anyone else may take the lease.
//! Every write carries the resource version read, so two candidates
//! cannot both win; a renewal that hangs is cut at the deadline; and a
//! standby judges a lease expired by how long it has seen its record
//! unchanged on its own clock, not by the holder's wall clock.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::Api;
use kube::api::{ObjectMeta, PostParams};

/// The timings (client-go's defaults: 15 s, 10 s, 2 s).
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    pub lease: Duration,
    pub renew_deadline: Duration,
    pub retry: Duration,
}

impl Timings {
    /// Timings for a lease of `lease`: renew deadline ⅔ of it, retry ⅛.
    pub fn for_lease(lease: Duration) -> Timings {
        Timings {
            lease,
            renew_deadline: lease * 2 / 3,
            retry: (lease / 8).max(Duration::from_millis(100)),
        }
    }
}

/// Who this candidate is and which lease it runs for.
pub struct Elector {
    api: Api<Lease>,
    name: String,
    identity: String,
    timings: Timings,
    /// The other holder's record as last seen, and when (on this
    /// replica's monotonic clock): a lease is taken over only when its
    /// record has not changed for the lease's duration as *we* count it,
    /// so the replicas' wall clocks need not agree (client-go's rule).
    observed: std::sync::Mutex<Option<(String, std::time::Instant)>>,
}

impl Elector {
    pub fn new(
        client: kube::Client,
        namespace: &str,
        name: &str,
        identity: &str,
        timings: Timings,
    ) -> Elector {
        Elector {
            api: Api::namespaced(client, namespace),
            name: name.to_string(),
            identity: identity.to_string(),
            timings,
            observed: std::sync::Mutex::new(None),
        }
    }

    /// Wait until this candidate holds the lease.
    pub async fn acquire(&self) {
        let mut said = false;
        loop {
            match self.try_take().await {
                Ok(true) => {
                    tracing::info!(lease = %self.name, "leading as {}", self.identity);
                    return;
                }
                Ok(false) => {
                    if !std::mem::replace(&mut said, true) {
                        tracing::info!(lease = %self.name, "standing by: another replica leads");
                    }
                }
                Err(e) => tracing::warn!(lease = %self.name, "leader election: {e}"),
            }
            tokio::time::sleep(self.timings.retry).await;
        }
    }

    /// Renew the lease until renewing fails for the renew deadline;
    /// returns then (the caller must stop leading).
    pub async fn keep(&self) {
        let mut last_renewed = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(self.timings.retry).await;
            // A renewal that hangs (the API server out of reach) must not
            // outlast the deadline: the lease may be someone else's then.
            let left = self.timings.renew_deadline.saturating_sub(last_renewed.elapsed());
            match tokio::time::timeout(left, self.try_take()).await {
                Ok(Ok(true)) => last_renewed = tokio::time::Instant::now(),
                Ok(Ok(false)) => {
                    tracing::error!(lease = %self.name, "another replica took the lease");
                    return;
                }
                Ok(Err(e)) => tracing::warn!(lease = %self.name, "cannot renew the lease: {e}"),
                Err(_) => tracing::warn!(lease = %self.name, "renewing the lease timed out"),
            }
            if last_renewed.elapsed() >= self.timings.renew_deadline {
                tracing::error!(lease = %self.name, "could not renew the lease in time");
                return;
            }
        }
    }

    /// Take or renew the lease if it is ours or free; whether we hold it.
    async fn try_take(&self) -> Result<bool, kube::Error> {
        let now = jiff::Timestamp::now();
        let seconds = i32::try_from(self.timings.lease.as_secs().max(1)).unwrap_or(i32::MAX);
        let Some(current) = self.api.get_opt(&self.name).await? else {
            let lease = Lease {
                metadata: ObjectMeta { name: Some(self.name.clone()), ..ObjectMeta::default() },
                spec: Some(LeaseSpec {
                    holder_identity: Some(self.identity.clone()),
                    lease_duration_seconds: Some(seconds),
                    acquire_time: Some(MicroTime(now)),
                    renew_time: Some(MicroTime(now)),
                    lease_transitions: Some(0),
                    ..LeaseSpec::default()
                }),
            };
            return match self.api.create(&PostParams::default(), &lease).await {
                Ok(_) => Ok(true),
                Err(kube::Error::Api(e)) if e.code == 409 => Ok(false),
                Err(e) => Err(e),
            };
        };
        let spec = current.spec.clone().unwrap_or_default();
        let ours = spec.holder_identity.as_deref() == Some(self.identity.as_str());
        // The record as it is now; its age counted from when this replica
        // first saw it so.
        let record = format!(
            "{:?}/{:?}/{:?}",
            spec.holder_identity,
            spec.renew_time.as_ref().map(|t| t.0),
            current.metadata.resource_version
        );
        let unchanged_for = {
            let mut seen = self.observed.lock().unwrap_or_else(|e| e.into_inner());
            match seen.as_ref() {
                Some((r, at)) if *r == record => at.elapsed(),
                _ => {
                    *seen = Some((record, std::time::Instant::now()));
                    std::time::Duration::ZERO
                }
            }
        };
        let duration = u64::try_from(spec.lease_duration_seconds.unwrap_or(seconds)).unwrap_or(0);
        let free = spec.holder_identity.as_deref().is_none_or(str::is_empty)
            || unchanged_for >= std::time::Duration::from_secs(duration);
        if !ours && !free {
            return Ok(false);
        }
        let mut next = current.clone();
        let mut spec = spec;
        if !ours {
            spec.holder_identity = Some(self.identity.clone());
            spec.acquire_time = Some(MicroTime(now));
            spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0) + 1);
        }
        spec.renew_time = Some(MicroTime(now));
        spec.lease_duration_seconds = Some(seconds);
        next.spec = Some(spec);
        // `replace` sends the resource version read: a competing write
        // in between makes this one fail (409).
        match self.api.replace(&self.name, &PostParams::default(), &next).await {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(e)) if e.code == 409 => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// The label the leading replica's pod carries: the Service selects it,
/// so requests go to the leader only (a standby does not serve).
pub const LEADER_LABEL: &str = "keelson.dev/leader";

/// Label (or unlabel) this replica's own pod as the leader's. A pod that
/// restarted as a standby must lose the label its leading self set.
pub async fn mark_pod(client: kube::Client, namespace: &str, pod: &str, leading: bool) {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::{Patch, PatchParams};
    let value = if leading { serde_json::Value::from("true") } else { serde_json::Value::Null };
    let patch = serde_json::json!({"metadata": {"labels": {LEADER_LABEL: value}}});
    let api: Api<Pod> = Api::namespaced(client, namespace);
    if let Err(e) = api.patch(pod, &PatchParams::default(), &Patch::Merge(&patch)).await {
        tracing::warn!(
            pod,
            "cannot label this pod as {}: {e}",
            if leading { "leader" } else { "standby" }
        );
    }
}
