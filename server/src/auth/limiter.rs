//! Login rate limiting with back-off: a few free attempts that fail per
//! user name and per client address, then each further attempt must wait
//! twice as long as the last (capped), whether or not the password is
//! right. An attempt is counted when it starts (so a burst of concurrent
//! guesses is counted, not let through together); a success takes back
//! its own count and clears the user name's.

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
/// Most names and addresses remembered (a flood of made-up names cannot
/// exhaust memory; past this, the oldest half is forgotten).
const MAX_KEYS: usize = 100_000;

#[derive(Default)]
pub struct Limiter {
    failures: Mutex<HashMap<String, Failures>>,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

fn user_key(user: &str) -> String {
    format!("user:{user}")
}

fn address_key(address: &str) -> String {
    format!("addr:{address}")
}

fn wait(f: Failures, free: u32, now: Instant) -> Option<Duration> {
    let over = f.count.checked_sub(free)?;
    let backoff = Duration::from_secs(1u64 << over.min(16)).min(MAX_WAIT);
    let until = f.last + backoff;
    (until > now).then(|| until - now)
}

impl Limiter {
    /// Start an attempt: `Err(wait)` if this user or address must wait;
    /// otherwise the attempt is counted as a failure until
    /// [`Limiter::succeeded`] says otherwise.
    pub fn attempt(&self, user: &str, address: &str) -> Result<(), Duration> {
        self.attempt_at(user, address, Instant::now())
    }

    fn attempt_at(&self, user: &str, address: &str, now: Instant) -> Result<(), Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let keys = [(user_key(user), FREE_PER_USER), (address_key(address), FREE_PER_ADDRESS)];
        let longest =
            keys.iter().filter_map(|(k, free)| map.get(k).and_then(|f| wait(*f, *free, now))).max();
        if let Some(w) = longest {
            return Err(w);
        }
        if map.len() >= MAX_KEYS {
            map.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
            if map.len() >= MAX_KEYS {
                let mut times: Vec<Instant> = map.values().map(|f| f.last).collect();
                times.sort();
                let cut = times[times.len() / 2];
                map.retain(|_, f| f.last > cut);
            }
        }
        for (k, _) in keys {
            let f = map.entry(k).or_insert(Failures { count: 0, last: now });
            f.count += 1;
            f.last = now;
        }
        Ok(())
    }

    /// The attempt succeeded: the user name starts afresh; the address
    /// gets back the count of this attempt only (someone with an account
    /// of their own cannot clear an address's failures by logging in).
    pub fn succeeded(&self, user: &str, address: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&user_key(user));
        if let Some(f) = map.get_mut(&address_key(address)) {
            f.count = f.count.saturating_sub(1);
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
            assert!(l.attempt_at("bob", "1.2.3.4", t0).is_ok());
        }
        // Past the free failures, the wait is 2^(failures - free) s.
        assert_eq!(l.attempt_at("bob", "1.2.3.4", t0), Err(Duration::from_secs(1)));
        let t1 = t0 + Duration::from_secs(1);
        assert!(l.attempt_at("bob", "1.2.3.4", t1).is_ok());
        assert_eq!(l.attempt_at("bob", "1.2.3.4", t1), Err(Duration::from_secs(2)));
        // Another user from another address is not held back; from the
        // same address neither (20 free per address).
        assert!(l.attempt_at("alice", "5.6.7.8", t1).is_ok());
        assert!(l.attempt_at("alice", "1.2.3.4", t1).is_ok());
        l.succeeded("bob", "1.2.3.4");
        assert!(l.attempt_at("bob", "1.2.3.4", t1).is_ok());
    }

    #[test]
    fn a_burst_of_concurrent_attempts_is_counted_as_it_starts() {
        let l = Limiter::default();
        let t0 = Instant::now();
        let allowed = (0..100).filter(|_| l.attempt_at("bob", "a", t0).is_ok()).count();
        assert_eq!(allowed, FREE_PER_USER as usize);
    }

    #[test]
    fn logging_in_to_ones_own_account_does_not_clear_an_address() {
        let l = Limiter::default();
        let t0 = Instant::now();
        let mut guesses = 0;
        for i in 0..100 {
            // A guess at someone's password, then a login of one's own.
            if l.attempt_at(&format!("victim{i}"), "evil", t0).is_ok() {
                guesses += 1;
            }
            if l.attempt_at("me", "evil", t0).is_ok() {
                l.succeeded("me", "evil");
            }
        }
        assert_eq!(guesses, FREE_PER_ADDRESS as usize);
    }

    #[test]
    fn the_wait_is_capped() {
        let l = Limiter::default();
        let mut t = Instant::now();
        for _ in 0..40 {
            let _ = l.attempt_at("bob", "a", t);
            t += MAX_WAIT;
        }
        assert_eq!(l.attempt_at("bob", "b", t - MAX_WAIT), Err(MAX_WAIT));
    }
}
