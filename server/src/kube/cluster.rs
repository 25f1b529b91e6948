//! The connection to a cluster, shared by everything Kubernetes mode
//! does (the executor's pods, Workflow resources, Secrets, the mirror):
//! the client and its request rate limit.

use std::sync::Arc;

use kube::Client;

use super::throttle::Throttle;

/// A cluster connection; cheap to clone.
#[derive(Clone)]
pub struct Cluster {
    client: Client,
    throttle: Arc<Throttle>,
    namespace: Option<String>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster").finish_non_exhaustive()
    }
}

impl Cluster {
    /// Connect as `kubectl` would (in-cluster, else `KUBECONFIG` or
    /// `~/.kube/config`), at most `qps` requests a second after a burst of
    /// `burst` (`qps <= 0`: no limit).
    pub async fn connect(qps: f64, burst: u32) -> Result<Cluster, kube::Error> {
        Ok(Cluster::new(Client::try_default().await?, qps, burst))
    }

    /// `client` with that rate limit.
    pub fn new(client: Client, qps: f64, burst: u32) -> Cluster {
        Cluster { client, throttle: Arc::new(Throttle::new(qps, burst)), namespace: None }
    }

    /// Keelson manages `namespace` only (a namespaced install): its
    /// watches look there, not at every namespace.
    pub fn managing(mut self, namespace: Option<String>) -> Cluster {
        self.namespace = namespace;
        self
    }

    /// The namespace managed, or `None` for all.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Wait for the rate limit.
    pub async fn throttle(&self) {
        self.throttle.acquire().await;
    }
}
