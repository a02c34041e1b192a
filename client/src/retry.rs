//! Retrying failed requests: exponential backoff with jitter, bounded attempts, and only where a
//! second try cannot do harm.
//!
//! A request is tried again when [`Error::is_retryable`] says another try may succeed and either
//! the operation is idempotent (GET, HEAD, PUT, DELETE, DeleteMultipleObjects) or the failure
//! proves the first try had no effect: a connection that was never made, or a
//! `RequestTimeTooSkewed` (rejected at authentication). The clock skew case also corrects the
//! client's clock from the server's, so the next signature carries a date the server accepts.

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::client::Client;
use crate::error::Error;

/// How often and how patiently to retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included: 1 never retries.
    pub max_attempts: u32,
    /// The first backoff; each later one doubles, up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// One attempt, every failure returned as it came: what a conformance suite needs, and the
    /// default of [`crate::Config::new`].
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::standard() }
    }

    /// The SDKs' behaviour: 3 attempts, 200 ms doubling, at most 20 s between tries.
    pub fn standard() -> Self {
        RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(200), max_delay: Duration::from_secs(20) }
    }

    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The pause before retry number `retry` (1 = the first retry): half of the exponential
    /// step fixed, half random ("equal jitter"), so that parallel part copies hit by the same
    /// failure do not come back in lockstep, yet never retry at once.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << retry.saturating_sub(1).min(20));
        let cap = exp.min(self.max_delay);
        cap / 2 + cap.mul_f64(random_unit() / 2.0)
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::standard()
    }
}

/// A number in `[0, 1)`. `RandomState` is seeded from the OS per instance, which is all the
/// randomness jitter needs, without a dependency on `rand`.
fn random_unit() -> f64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// What the retry loop may assume about a request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Retry {
    /// Doing it twice has the effect of doing it once.
    pub(crate) idempotent: bool,
    /// The request takes its date from the client's clock, so correcting that clock helps.
    pub(crate) clock_correctable: bool,
}

impl Retry {
    pub(crate) const IDEMPOTENT: Retry = Retry { idempotent: true, clock_correctable: true };
}

/// Whether to try again after `err`. Also learns the server's clock from a skew error.
pub(crate) fn should_retry(client: &Client, rule: Retry, err: &Error) -> bool {
    if err.is_clock_skew() {
        return rule.clock_correctable && client.learn_clock(err);
    }
    if !err.is_retryable() {
        return false;
    }
    // A connection that was never established carried no request.
    rule.idempotent || matches!(err, Error::Transport(e) if e.is_connect())
}

/// Runs `attempt` until it succeeds, fails for good, or the policy's attempts are spent.
pub(crate) async fn run<T, F, Fut>(client: &Client, rule: Retry, mut attempt: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let policy = client.config().retry.clone();
    let mut tries = 0u32;
    loop {
        tries += 1;
        let err = match attempt().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let again = should_retry(client, rule, &err);
        if !again || tries >= policy.max_attempts {
            return Err(err);
        }
        // A skewed clock is fixed by the correction; waiting would only add to the skew.
        if !err.is_clock_skew() {
            tokio::time::sleep(policy.backoff(tries)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::standard().base_delay(Duration::from_millis(100)).max_delay(Duration::from_millis(500));
        for _ in 0..50 {
            let first = p.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100), "{first:?}");
            let third = p.backoff(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400), "{third:?}");
            let late = p.backoff(30);
            assert!(late >= Duration::from_millis(250) && late <= Duration::from_millis(500), "{late:?}");
        }
        let draws: std::collections::HashSet<Duration> = (0..20).map(|_| p.backoff(2)).collect();
        assert!(draws.len() > 1, "jitter varies");
        assert_eq!(RetryPolicy::none().max_attempts, 1);
        assert_eq!(RetryPolicy::standard().max_attempts(0).max_attempts, 1);
    }
}
