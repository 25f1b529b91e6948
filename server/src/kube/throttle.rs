//! The client's request rate limit (`--kube-qps`, `--kube-burst`), as
//! client-go's token bucket: `burst` requests at once, then `qps` a
//! second. Every create, delete and patch the executor makes waits its
//! turn, so a thousand workflows starting together do not flood the API
//! server.

use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Throttle {
    qps: f64,
    burst: f64,
    /// Tokens available, as of `at`.
    state: Mutex<(f64, Instant)>,
}

impl Throttle {
    /// `qps <= 0` means no limit.
    pub fn new(qps: f64, burst: u32) -> Throttle {
        // NaN, infinite or negative: no limit (the CLI refuses them).
        let qps = if qps.is_finite() && qps > 0.0 { qps } else { 0.0 };
        let burst = f64::from(burst.max(1));
        Throttle { qps, burst, state: Mutex::new((burst, Instant::now())) }
    }

    /// How long to wait before the next request (taking its token).
    fn reserve(&self, now: Instant) -> Duration {
        if self.qps <= 0.0 {
            return Duration::ZERO;
        }
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, at) = *s;
        let refilled =
            (tokens + now.saturating_duration_since(at).as_secs_f64() * self.qps).min(self.burst);
        // Tokens may go negative: each waiter reserves its own slot.
        let left = refilled - 1.0;
        *s = (left, now.max(at));
        if left >= 0.0 {
            Duration::ZERO
        } else {
            // At most a day: a tiny rate must not overflow a Duration.
            Duration::from_secs_f64((-left / self.qps).min(86_400.0))
        }
    }

    /// Wait for a token.
    pub async fn acquire(&self) {
        let wait = self.reserve(Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_goes_at_once_then_requests_are_spaced_by_the_rate() {
        let t = Throttle::new(10.0, 3);
        let now = Instant::now();
        let waits: Vec<Duration> = (0..5).map(|_| t.reserve(now)).collect();
        assert_eq!(waits[..3], [Duration::ZERO; 3]);
        assert_eq!(waits[3], Duration::from_millis(100));
        assert_eq!(waits[4], Duration::from_millis(200));
        // A second later the bucket is full again (capped at the burst).
        let later = now + Duration::from_secs(10);
        assert_eq!(t.reserve(later), Duration::ZERO);
        assert!(Throttle::new(0.0, 1).reserve(now).is_zero(), "no limit");
    }
}
