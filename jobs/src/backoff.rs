//! When a failed job runs again: exponential backoff with jitter, or the other side's word.

use std::time::Duration;

/// The backoff policy of a queue.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The delay after the first failure.
    pub base: Duration,
    /// No delay is longer than this.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { base: Duration::from_secs(10), cap: Duration::from_secs(30 * 60) }
    }
}

impl Backoff {
    /// The delay before attempt `attempts + 1`: `base · 2^(attempts-1)` up to `cap`, drawn
    /// uniformly from its upper half so that jobs failing together do not return together.
    /// A `Retry-After` the other side sent wins when it asks for longer.
    pub fn delay(&self, attempts: i64, retry_after: Option<Duration>) -> Duration {
        let exponent = attempts.clamp(1, 30) as u32 - 1;
        let full = self.base.saturating_mul(2u32.saturating_pow(exponent)).min(self.cap);
        let half = full / 2;
        let jittered = half + half.mul_f64(unit_random());
        match retry_after {
            Some(asked) if asked > jittered => asked,
            _ => jittered,
        }
    }
}

/// A number in [0, 1) from the operating system.
pub(crate) fn unit_random() -> f64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_exponentially_within_jitter_and_cap() {
        let backoff = Backoff { base: Duration::from_secs(10), cap: Duration::from_secs(300) };
        for _ in 0..50 {
            let first = backoff.delay(1, None);
            assert!(first >= Duration::from_secs(5) && first <= Duration::from_secs(10), "{first:?}");
            let third = backoff.delay(3, None);
            assert!(third >= Duration::from_secs(20) && third <= Duration::from_secs(40), "{third:?}");
            assert!(backoff.delay(20, None) <= Duration::from_secs(300));
        }
        let draws: std::collections::HashSet<u128> = (0..20).map(|_| backoff.delay(4, None).as_millis()).collect();
        assert!(draws.len() > 10, "jitter spreads retries: {draws:?}");
    }

    #[test]
    fn retry_after_is_honoured_when_longer() {
        let backoff = Backoff { base: Duration::from_secs(1), cap: Duration::from_secs(60) };
        assert_eq!(backoff.delay(1, Some(Duration::from_secs(30))), Duration::from_secs(30));
        assert!(backoff.delay(1, Some(Duration::from_millis(1))) >= Duration::from_millis(500));
    }
}
