//! Which pending workflow starts next: the controller-wide and
//! per-namespace limits on running workflows (Argo's `parallelism` and
//! `namespaceParallelism`), highest `spec.priority` first, then oldest.
//! A namespace at its limit does not hold back the others.

use std::collections::HashMap;

use engine::status::Time;

/// A workflow waiting to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub uid: String,
    pub namespace: String,
    pub priority: i64,
    pub created_at: Time,
}

#[derive(Debug, Default)]
pub struct Admission {
    /// Highest priority first, then oldest, then uid.
    queue: Vec<Pending>,
    running: usize,
    by_namespace: HashMap<String, usize>,
    /// Running uid → its namespace.
    namespace_of: HashMap<String, String>,
}

impl Admission {
    pub fn push(&mut self, p: Pending) {
        if self.queue.iter().any(|q| q.uid == p.uid) || self.namespace_of.contains_key(&p.uid) {
            return;
        }
        let at = self.queue.partition_point(|q| {
            (-q.priority, q.created_at, &q.uid) <= (-p.priority, p.created_at, &p.uid)
        });
        self.queue.insert(at, p);
    }

    /// Remove a queued workflow; whether it was queued.
    pub fn remove(&mut self, uid: &str) -> bool {
        let before = self.queue.len();
        self.queue.retain(|q| q.uid != uid);
        self.queue.len() < before
    }

    /// Count a workflow as running without queueing it (a resumed or
    /// retried one).
    pub fn started(&mut self, uid: &str, namespace: &str) {
        if self.namespace_of.insert(uid.to_string(), namespace.to_string()).is_none() {
            self.running += 1;
            *self.by_namespace.entry(namespace.to_string()).or_default() += 1;
        }
    }

    /// Take what may start now under `parallelism` and
    /// `namespace_parallelism` (0: no limit); they count as running.
    pub fn admit(&mut self, parallelism: usize, namespace_parallelism: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.queue.len() {
            if parallelism > 0 && self.running >= parallelism {
                break;
            }
            let ns = &self.queue[i].namespace;
            let in_ns = self.by_namespace.get(ns).copied().unwrap_or(0);
            if namespace_parallelism > 0 && in_ns >= namespace_parallelism {
                i += 1;
                continue;
            }
            let p = self.queue.remove(i);
            self.started(&p.uid, &p.namespace);
            out.push(p.uid);
        }
        out
    }

    /// (queued, running).
    pub fn depth(&self) -> (usize, usize) {
        (self.queue.len(), self.running)
    }

    /// A running workflow ended.
    pub fn ended(&mut self, uid: &str) {
        let Some(ns) = self.namespace_of.remove(uid) else {
            return;
        };
        self.running = self.running.saturating_sub(1);
        if let Some(n) = self.by_namespace.get_mut(&ns) {
            *n = n.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(uid: &str, ns: &str, priority: i64, t: i64) -> Pending {
        Pending { uid: uid.into(), namespace: ns.into(), priority, created_at: Time(t) }
    }

    #[test]
    fn priority_then_age_within_limits() {
        let mut a = Admission::default();
        a.push(p("old", "a", 0, 1));
        a.push(p("new", "a", 0, 2));
        a.push(p("urgent", "a", 5, 3));
        assert_eq!(a.admit(2, 0), ["urgent", "old"]);
        assert!(a.admit(2, 0).is_empty());
        a.ended("urgent");
        assert_eq!(a.admit(2, 0), ["new"]);
    }

    #[test]
    fn a_full_namespace_does_not_block_another() {
        let mut a = Admission::default();
        a.push(p("a1", "a", 0, 1));
        a.push(p("a2", "a", 0, 2));
        a.push(p("b1", "b", 0, 3));
        assert_eq!(a.admit(0, 1), ["a1", "b1"]);
        a.ended("a1");
        assert_eq!(a.admit(0, 1), ["a2"]);
    }
}
