//! Shared helpers of the integration tests: an in-process emulator, clients for it, data, and
//! journal queries.

#![allow(dead_code)]

use std::time::Duration;

use oss_client::{Client, Config, RetryPolicy};
use oss_emulator::config::{DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET};
use oss_emulator::fault::{FaultAction, FaultRule};
use oss_emulator::journal::{Entry, Filter};
use oss_emulator::{Limits, Operation, RunningEmulator};

/// An emulator whose CopyObject refuses sources above `copy_max` bytes (in and across buckets),
/// so that the multipart path runs on small objects exactly as it must above 5 GB on OSS.
pub async fn emulator(copy_max: Option<u64>) -> RunningEmulator {
    let mut limits = Limits::default();
    if let Some(max) = copy_max {
        limits.copy_cross_bucket_max = max;
        limits.copy_same_bucket_max = Some(max);
    }
    oss_emulator::Emulator::builder().limits(limits).start().await.expect("emulator starts")
}

/// The SDKs' retry behaviour, with short pauses to keep the tests fast.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy::standard().max_attempts(4).base_delay(Duration::from_millis(10)).max_delay(Duration::from_millis(50))
}

pub fn config(em: &RunningEmulator) -> Config {
    Config::new(em.endpoint(), em.region()).credentials(DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET)
}

pub fn client(em: &RunningEmulator, retry: RetryPolicy) -> Client {
    Client::new(config(em).retry(retry)).expect("client")
}

/// Deterministic, non-repeating-looking bytes.
pub fn data(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// Journal entries of `operation` since the entry id `since` (exclusive).
pub fn journal(em: &RunningEmulator, operation: &str, since: u64) -> Vec<Entry> {
    em.journal().query(&Filter { operation: Some(operation.into()), since_id: Some(since), ..Default::default() })
}

/// Like [`journal`], without requests a fault rule acted on (a delayed request of a crashed run
/// may land at any time).
pub fn unfaulted(em: &RunningEmulator, operation: &str, since: u64) -> Vec<Entry> {
    journal(em, operation, since).into_iter().filter(|e| e.fault.is_none()).collect()
}

/// The id of the last journal entry so far.
pub fn mark(em: &RunningEmulator) -> u64 {
    em.journal().next_id() - 1
}

/// A rule that holds the `nth` `operation` request at the server for longer than any test runs:
/// it never reaches the store, and the client that sent it never hears back.
pub fn hold(operation: Operation, nth: u64) -> FaultRule {
    rule(operation, nth, FaultAction::Delay { ms: 600_000 })
}

/// A rule that acts once, on the `nth` `operation` request.
pub fn rule(operation: Operation, nth: u64, action: FaultAction) -> FaultRule {
    let mut r = FaultRule::new(operation, action);
    r.nth = nth;
    r
}

/// Runs `work` until the server holds a request for the [`hold`] rule `rule`, then drops it and
/// removes the rule: a process that dies at that point, deterministically however slow the
/// machine. Waiting for the client's own bookkeeping or for answers is not enough: the next
/// request may already be on the wire, and would then reach the rerun's store unheld.
pub async fn crash_while_held<T>(em: &RunningEmulator, rule: &str, work: impl std::future::Future<Output = T>) {
    crash_when(|| holds(em, rule), work).await;
    em.faults().remove(rule);
}

/// Whether the server holds (or has held) a request for the [`hold`] rule `rule`.
pub fn holds(em: &RunningEmulator, rule: &str) -> bool {
    em.faults().list().iter().any(|r| r.rule.id == rule && r.fired > 0)
}

/// Runs `work` until `reached()` holds, then drops it.
pub async fn crash_when<T>(reached: impl Fn() -> bool, work: impl std::future::Future<Output = T>) {
    tokio::select! {
        _ = work => panic!("the work finished before the simulated crash"),
        _ = until(reached) => {}
    }
}

/// Returns once `reached()` holds, checking every few milliseconds.
pub async fn until(reached: impl Fn() -> bool) {
    while !reached() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
