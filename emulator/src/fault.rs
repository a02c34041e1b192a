//! Deterministic fault injection. A rule matches requests by operation, bucket, key prefix and
//! access key, fires from its `nth` match on, `times` times (default 1: once; 0 = forever),
//! optionally with a probability drawn from an RNG seeded per rule, and then acts: an OSS error, a
//! delay, a throttled or cut or stalled body, or committing the operation and dropping the
//! connection.
//!
//! Global rules apply to every request. Named rule sets apply only to requests that carry
//! `x-oss-emulator-fault-set: <name>`, so tests running in parallel do not see each other's.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::endpoint::Operation;

/// The request header that selects a named rule set.
pub const FAULT_SET_HEADER: &str = "x-oss-emulator-fault-set";

fn one() -> u64 {
    1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// Assigned when empty.
    #[serde(default)]
    pub id: String,
    /// OSS API name, e.g. `UploadPartCopy`; an unknown name is refused with the valid ones.
    #[serde(default)]
    pub operation: Option<Operation>,
    #[serde(default)]
    pub bucket: Option<String>,
    #[serde(default)]
    pub key_prefix: Option<String>,
    #[serde(default)]
    pub access_key_id: Option<String>,
    /// Fire from the nth matching request on (1 = the first; 3 = "the 3rd UploadPartCopy").
    #[serde(default = "one")]
    pub nth: u64,
    /// How many times to fire: 1 when not given (a rule without `times` fires once); 0 = every
    /// match from the nth on.
    #[serde(default = "one")]
    pub times: u64,
    /// Chance to fire on each eligible match, drawn from an RNG seeded with `seed`.
    #[serde(default)]
    pub probability: Option<f64>,
    #[serde(default)]
    pub seed: Option<u64>,
    pub action: FaultAction,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultAction {
    /// Answer with this OSS error instead of running the operation.
    Error {
        code: String,
        status: u16,
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        ec: Option<String>,
    },
    /// Wait before running the operation.
    Delay { ms: u64 },
    /// Send the response body at this rate.
    Throttle { bytes_per_sec: u64 },
    /// Close the connection after this many response body bytes.
    ResetResponseAfter { bytes: u64 },
    /// Close the connection after this many request body bytes (nothing is stored).
    ResetRequestAfter { bytes: u64 },
    /// Stop sending after this many response body bytes, keeping the connection open.
    StallAfter { bytes: u64 },
    /// Run the operation (its effect is stored), then drop the connection without answering:
    /// the client cannot know whether it happened.
    CommitThenDrop,
}

impl FaultRule {
    /// A rule that fires once, on the first request of `operation`, with `action`; adjust the
    /// public fields for anything else.
    pub fn new(operation: Operation, action: FaultAction) -> Self {
        FaultRule {
            id: String::new(),
            operation: Some(operation),
            bucket: None,
            key_prefix: None,
            access_key_id: None,
            nth: 1,
            times: 1,
            probability: None,
            seed: None,
            action,
        }
    }
}

/// What a rule matches against.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    pub operation: Operation,
    pub bucket: &'a str,
    pub key: &'a str,
    pub access_key_id: Option<&'a str>,
}

/// A rule with its counters, as the control API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleStatus {
    #[serde(flatten)]
    pub rule: FaultRule,
    pub matched: u64,
    pub fired: u64,
}

struct Active {
    rule: FaultRule,
    matched: u64,
    fired: u64,
    rng: StdRng,
}

impl Active {
    fn new(rule: FaultRule) -> Self {
        let rng = StdRng::seed_from_u64(rule.seed.unwrap_or(0));
        Self { rule, matched: 0, fired: 0, rng }
    }

    fn matches(&self, f: &RequestFacts<'_>) -> bool {
        let r = &self.rule;
        r.operation.is_none_or(|o| o == f.operation)
            && r.bucket.as_deref().is_none_or(|b| b == f.bucket)
            && r.key_prefix.as_deref().is_none_or(|p| f.key.starts_with(p))
            && r.access_key_id.as_deref().is_none_or(|a| Some(a) == f.access_key_id)
    }

    /// Counts a matching request and decides whether the rule fires on it.
    fn fires(&mut self) -> bool {
        self.matched += 1;
        let exhausted = self.rule.times != 0 && self.fired >= self.rule.times;
        if self.matched < self.rule.nth.max(1) || exhausted {
            return false;
        }
        if let Some(p) = self.rule.probability {
            if !self.rng.gen_bool(p.clamp(0.0, 1.0)) {
                return false;
            }
        }
        self.fired += 1;
        true
    }
}

#[derive(Default)]
pub struct Faults {
    rules: Mutex<Vec<Active>>,
    sets: Mutex<HashMap<String, Vec<Active>>>,
    next_id: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Faults {
    fn assign_id(&self, mut rule: FaultRule) -> FaultRule {
        if rule.id.is_empty() {
            rule.id = format!("fault-{}", self.next_id.fetch_add(1, Ordering::Relaxed) + 1);
        }
        rule
    }

    /// Adds a global rule; returns its id.
    pub fn add(&self, rule: FaultRule) -> String {
        let rule = self.assign_id(rule);
        let id = rule.id.clone();
        lock(&self.rules).push(Active::new(rule));
        id
    }

    pub fn remove(&self, id: &str) -> bool {
        let mut rules = lock(&self.rules);
        let before = rules.len();
        rules.retain(|a| a.rule.id != id);
        rules.len() != before
    }

    /// Removes every global rule and every rule set.
    pub fn clear(&self) {
        lock(&self.rules).clear();
        lock(&self.sets).clear();
    }

    pub fn list(&self) -> Vec<RuleStatus> {
        lock(&self.rules).iter().map(status).collect()
    }

    /// Registers (or replaces) a named rule set.
    pub fn set_rule_set(&self, name: &str, rules: Vec<FaultRule>) {
        let rules = rules.into_iter().map(|r| Active::new(self.assign_id(r))).collect();
        lock(&self.sets).insert(name.to_owned(), rules);
    }

    pub fn remove_rule_set(&self, name: &str) -> bool {
        lock(&self.sets).remove(name).is_some()
    }

    pub fn rule_sets(&self) -> HashMap<String, Vec<RuleStatus>> {
        lock(&self.sets).iter().map(|(n, rules)| (n.clone(), rules.iter().map(status).collect())).collect()
    }

    /// The first rule (of the named set, or the global ones) that fires on this request.
    pub fn pick(&self, facts: &RequestFacts<'_>, set: Option<&str>) -> Option<(String, FaultAction)> {
        // Every matching rule counts the request (so "the 3rd UploadPartCopy" stays the 3rd
        // whatever other rules do); the first one that fires is applied.
        let mut fire = |rules: &mut Vec<Active>| {
            let mut chosen = None;
            for a in rules.iter_mut().filter(|a| a.matches(facts)) {
                if chosen.is_none() {
                    if a.fires() {
                        chosen = Some((a.rule.id.clone(), a.rule.action.clone()));
                    }
                } else {
                    a.matched += 1;
                }
            }
            chosen
        };
        match set {
            Some(name) => lock(&self.sets).get_mut(name).and_then(&mut fire),
            None => fire(&mut lock(&self.rules)),
        }
    }
}

fn status(a: &Active) -> RuleStatus {
    RuleStatus { rule: a.rule.clone(), matched: a.matched, fired: a.fired }
}

/// How a body misbehaves.
#[derive(Debug, Clone, Copy)]
pub enum BodyFault {
    CutAfter(u64),
    StallAfter(u64),
    Throttle(u64),
}

/// Wraps a body so it breaks, stalls or crawls as a fault asks.
pub struct FaultyBody<B> {
    inner: B,
    fault: BodyFault,
    passed: u64,
    held: Option<Bytes>,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<B> FaultyBody<B> {
    pub fn new(inner: B, fault: BodyFault) -> Self {
        Self { inner, fault, passed: 0, held: None, sleep: None }
    }
}

fn injected() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset by an injected fault")
}

impl<B> Body for FaultyBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: From<std::io::Error>,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = &mut *self;
        if let Some(sleep) = &mut this.sleep {
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.sleep = None;
        }
        let data = match this.held.take() {
            Some(data) => data,
            None => match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => data,
                    Err(frame) => return Poll::Ready(Some(Ok(frame))),
                },
                other => return other,
            },
        };
        let limit = match this.fault {
            BodyFault::CutAfter(n) | BodyFault::StallAfter(n) => n,
            // Throttled bodies go out in slices of a tenth of a second's worth.
            BodyFault::Throttle(rate) => this.passed + (rate / 10).max(1),
        };
        if this.passed >= limit {
            this.held = Some(data);
            return match this.fault {
                BodyFault::CutAfter(_) => Poll::Ready(Some(Err(injected().into()))),
                // Never woken: the connection stays open and silent until the client gives up.
                BodyFault::StallAfter(_) => Poll::Pending,
                BodyFault::Throttle(_) => unreachable!("throttle limits are always ahead"),
            };
        }
        let room = (limit - this.passed).min(data.len() as u64) as usize;
        let mut data = data;
        if room < data.len() {
            this.held = Some(data.split_off(room));
        }
        this.passed += data.len() as u64;
        if let BodyFault::Throttle(rate) = this.fault {
            let secs = data.len() as f64 / rate.max(1) as f64;
            this.sleep = Some(Box::pin(tokio::time::sleep(Duration::from_secs_f64(secs))));
        }
        Poll::Ready(Some(Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.held.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(nth: u64, times: u64, action: FaultAction) -> FaultRule {
        FaultRule {
            id: String::new(),
            operation: Some(Operation::UploadPartCopy),
            bucket: None,
            key_prefix: Some("big/".into()),
            access_key_id: None,
            nth,
            times,
            probability: None,
            seed: None,
            action,
        }
    }

    fn facts<'a>(operation: &'a str, key: &'a str) -> RequestFacts<'a> {
        RequestFacts { operation: operation.parse().expect("a known operation"), bucket: "b", key, access_key_id: None }
    }

    #[test]
    fn third_match_fires_once() {
        let faults = Faults::default();
        faults.add(rule(3, 1, FaultAction::Delay { ms: 1 }));
        let fired: Vec<bool> = (0..5).map(|_| faults.pick(&facts("UploadPartCopy", "big/x"), None).is_some()).collect();
        assert_eq!(fired, [false, false, true, false, false]);
        assert!(faults.pick(&facts("UploadPart", "big/x"), None).is_none());
        assert!(faults.pick(&facts("UploadPartCopy", "small"), None).is_none());
        assert_eq!(faults.list()[0].matched, 5);
    }

    #[test]
    fn every_matching_rule_counts_every_request() {
        let faults = Faults::default();
        faults.add(rule(1, 1, FaultAction::Delay { ms: 1 }));
        let third = faults.add(rule(3, 1, FaultAction::Delay { ms: 2 }));
        let fired: Vec<Option<String>> =
            (0..3).map(|_| faults.pick(&facts("UploadPartCopy", "big/x"), None).map(|(id, _)| id)).collect();
        assert_eq!(fired[2].as_deref(), Some(third.as_str()), "the 3rd request, though rule 1 fired on the 1st");
        assert_eq!(faults.list().iter().map(|r| r.matched).collect::<Vec<_>>(), [3, 3]);
    }

    #[test]
    fn sets_are_separate_and_probability_is_seeded() {
        let faults = Faults::default();
        let mut r = rule(1, 0, FaultAction::Delay { ms: 1 });
        r.probability = Some(0.5);
        r.seed = Some(7);
        faults.set_rule_set("mine", vec![r.clone()]);
        assert!(faults.pick(&facts("UploadPartCopy", "big/x"), None).is_none());
        let run = |f: &Faults| {
            (0..32).map(|_| f.pick(&facts("UploadPartCopy", "big/x"), Some("mine")).is_some()).collect::<Vec<_>>()
        };
        let first = run(&faults);
        let again = Faults::default();
        again.set_rule_set("mine", vec![r]);
        assert_eq!(first, run(&again), "same seed, same decisions");
        assert!(first.iter().any(|f| *f) && first.iter().any(|f| !*f));
    }

    #[tokio::test]
    async fn bodies_cut_and_throttle() {
        use http_body_util::{BodyExt, Full};
        let body = Full::new(Bytes::from(vec![7u8; 100])).map_err(|never| -> std::io::Error { match never {} });
        let cut = FaultyBody::<http_body_util::combinators::BoxBody<Bytes, std::io::Error>>::new(
            body.boxed(),
            BodyFault::CutAfter(40),
        );
        let mut cut = std::pin::pin!(cut);
        let mut got = 0;
        let err = loop {
            match cut.frame().await {
                Some(Ok(f)) => got += f.into_data().map(|d| d.len()).unwrap_or(0),
                Some(Err(e)) => break e,
                None => panic!("body ended without the injected error"),
            }
        };
        assert_eq!((got, err.kind()), (40, std::io::ErrorKind::ConnectionReset));
        let slow = Full::new(Bytes::from(vec![1u8; 300])).map_err(|never| -> std::io::Error { match never {} }).boxed();
        let started = std::time::Instant::now();
        let all = FaultyBody::new(slow, BodyFault::Throttle(1000)).collect().await.unwrap().to_bytes();
        assert_eq!(all.len(), 300);
        assert!(started.elapsed() >= Duration::from_millis(250), "{:?}", started.elapsed());
    }

    #[test]
    fn unknown_operation_is_refused_with_the_valid_names() {
        let err =
            serde_json::from_str::<FaultRule>(r#"{"operation":"UploadPartcopy","action":{"type":"delay","ms":1}}"#)
                .unwrap_err()
                .to_string();
        assert!(err.contains("UploadPartcopy") && err.contains("UploadPartCopy"), "{err}");
    }
}
