//! Login rate limiting with back-off: a few free failures per user name and
//! per client address, then each further attempt must wait twice as long
//! as the last (capped), whether or not the password is right. A success
//! clears the counts it was checked against.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before waiting starts, per user name.
const FREE_PER_USER: u32 = 5;
/// Per client address (many users behind one address are normal).
const FREE_PER_ADDRESS: u32 = 20;
const MAX_WAIT: Duration = Duration::from_secs(300);
/// Counts older than this are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(3600);

#[derive(Default)]
pub struct Limiter {
    failures: Mutex<HashMap<String, Failures>>,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

fn keys(user: &str, address: &str) -> [(String, u32); 2] {
    [(format!("user:{user}"), FREE_PER_USER), (format!("addr:{address}"), FREE_PER_ADDRESS)]
}

fn wait(f: Failures, free: u32, now: Instant) -> Option<Duration> {
    let over = f.count.checked_sub(free)?;
    let backoff = Duration::from_secs(1u64 << over.min(16)).min(MAX_WAIT);
    let until = f.last + backoff;
    (until > now).then(|| until - now)
}

impl Limiter {
    /// `Err(wait)` if this user or address must wait before trying again.
    pub fn check(&self, user: &str, address: &str) -> Result<(), Duration> {
        self.check_at(user, address, Instant::now())
    }

    fn check_at(&self, user: &str, address: &str, now: Instant) -> Result<(), Duration> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let longest = keys(user, address)
            .iter()
            .filter_map(|(k, free)| map.get(k).and_then(|f| wait(*f, *free, now)))
            .max();
        longest.map_or(Ok(()), Err)
    }

    pub fn failed(&self, user: &str, address: &str) {
        self.failed_at(user, address, Instant::now());
    }

    fn failed_at(&self, user: &str, address: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
        for (k, _) in keys(user, address) {
            let f = map.entry(k).or_insert(Failures { count: 0, last: now });
            f.count += 1;
            f.last = now;
        }
    }

    pub fn succeeded(&self, user: &str, address: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for (k, _) in keys(user, address) {
            map.remove(&k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_past_the_free_ones_wait_longer_and_longer() {
        let l = Limiter::default();
        let t0 = Instant::now();
        for _ in 0..FREE_PER_USER {
            assert!(l.check_at("bob", "1.2.3.4", t0).is_ok());
            l.failed_at("bob", "1.2.3.4", t0);
        }
        // Past the free failures, the wait is 2^(failures - free) s.
        assert_eq!(l.check_at("bob", "1.2.3.4", t0), Err(Duration::from_secs(1)));
        l.failed_at("bob", "1.2.3.4", t0);
        assert_eq!(l.check_at("bob", "1.2.3.4", t0), Err(Duration::from_secs(2)));
        assert!(l.check_at("bob", "1.2.3.4", t0 + Duration::from_secs(2)).is_ok());
        l.failed_at("bob", "1.2.3.4", t0);
        assert_eq!(l.check_at("bob", "1.2.3.4", t0), Err(Duration::from_secs(4)));
        // Another user from another address is not held back.
        assert!(l.check_at("alice", "5.6.7.8", t0).is_ok());
        // Another user from the same address neither (per address, 20 free).
        assert!(l.check_at("alice", "1.2.3.4", t0).is_ok());
        l.succeeded("bob", "1.2.3.4");
        assert!(l.check_at("bob", "1.2.3.4", t0).is_ok());
    }

    #[test]
    fn the_wait_is_capped() {
        let l = Limiter::default();
        let t0 = Instant::now();
        for _ in 0..40 {
            l.failed_at("bob", "a", t0);
        }
        assert_eq!(l.check_at("bob", "b", t0), Err(MAX_WAIT));
    }
}
