//! Bucket lifecycle rules: the validated form PutBucketLifecycle stores, its wire form for
//! GetBucketLifecycle, and what the rules do to an object or upload at a given time.
//!
//! Real OSS applies rules once a day; the emulator applies them when asked
//! (`POST /_emulator/lifecycle/run`) or on an interval, as of its own clock, so a test can shift
//! the clock by 31 days and see the result at once (fact sheet part 2, §2).

use oss_protocol::xml::{
    LifecycleConfiguration, LifecycleExpiration, LifecycleFilter, LifecycleNot, LifecycleRule, LifecycleTransition,
    LifecycleWhen, NoncurrentVersionExpiration, Tag,
};
use oss_protocol::StorageClass;
use serde::{Deserialize, Serialize};

use crate::error::{Code, OssError, Result};
use crate::store::{Delete, ObjectMeta};
use oss_protocol::VersionId;
use std::sync::Arc;

const DAY_MS: i64 = 86_400_000;
const MAX_RULES: usize = 1000;
const MAX_ID: usize = 255;

/// A bucket's rules, as validated and stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    pub prefix: String,
    pub enabled: bool,
    /// Objects must carry every one of these tags.
    pub tags: Vec<(String, String)>,
    /// Objects matching any of these are left alone.
    pub not: Vec<Not>,
    pub size_greater_than: Option<u64>,
    pub size_less_than: Option<u64>,
    pub expiration: Option<Expiration>,
    pub transitions: Vec<Transition>,
    pub abort_multipart_upload: Option<When>,
    /// Noncurrent versions, by days since they stopped being current (the moment the next
    /// version was written).
    pub noncurrent_expiration_days: Option<u32>,
    pub noncurrent_transitions: Vec<Transition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Not {
    pub prefix: String,
    pub tag: Option<(String, String)>,
}

/// When an action is due: an age in days, or for everything last modified before a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum When {
    Days(u32),
    /// Midnight UTC, in ms; `legacy` when the client spelled it `<Date>` (echoed the same way).
    Before {
        ms: i64,
        legacy: bool,
    },
}

impl When {
    fn due(self, modified_ms: i64, now_ms: i64) -> bool {
        match self {
            When::Days(d) => modified_ms + i64::from(d) * DAY_MS <= now_ms,
            When::Before { ms, .. } => modified_ms < ms,
        }
    }

    fn days(self) -> Option<u32> {
        match self {
            When::Days(d) => Some(d),
            When::Before { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expiration {
    After(When),
    /// ExpiredObjectDeleteMarker: only meaningful with versioning.
    DeleteMarker,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// `NoncurrentDays` for a noncurrent transition (always `Days`).
    pub when: When,
    pub class: StorageClass,
    /// IsAccessTime, ReturnToStdWhenVisit, AllowSmallFile as given (echoed).
    pub flags: [Option<bool>; 3],
}

/// What a rule run decided for one object or upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Expire,
    Transition(StorageClass),
}

fn invalid(message: impl Into<std::borrow::Cow<'static, str>>, ec: &'static str) -> OssError {
    OssError::new(Code::InvalidArgument).message(message).ec(ec)
}

fn parse_days(raw: &str) -> Result<u32> {
    match raw.trim().parse::<u32>() {
        Ok(d) if d > 0 => Ok(d),
        _ => Err(invalid(format!("Days must be a positive integer, got {raw:?}."), "0014-00000058")),
    }
}

/// `YYYY-MM-DDT00:00:00.000Z` only: OSS refuses other forms and other times of day.
fn parse_date(raw: &str) -> Result<i64> {
    let bad = || {
        invalid(
            format!("The date {raw:?} must be midnight UTC in ISO 8601 (2023-01-01T00:00:00.000Z)."),
            "0014-00000087",
        )
    };
    let t = oss_protocol::time::parse_iso8601(raw.trim()).ok_or_else(bad)?;
    let ms = crate::ops::to_ms(t);
    if ms.rem_euclid(DAY_MS) != 0 {
        return Err(bad());
    }
    Ok(ms)
}

fn parse_when(days: Option<&str>, date: Option<&str>, legacy: bool, both_ec: &'static str) -> Result<Option<When>> {
    match (days, date) {
        (Some(_), Some(_)) => Err(invalid("Days and CreatedBeforeDate cannot both be set.", both_ec)),
        (Some(d), None) => Ok(Some(When::Days(parse_days(d)?))),
        (None, Some(date)) => Ok(Some(When::Before { ms: parse_date(date)?, legacy })),
        (None, None) => Ok(None),
    }
}

fn parse_bool(raw: &Option<String>) -> Result<Option<bool>> {
    match raw.as_deref().map(str::trim) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(v) => Err(OssError::malformed_xml(format!("{v:?} is not a boolean."))),
    }
}

fn parse_transition(t: &LifecycleTransition, noncurrent: bool) -> Result<Transition> {
    let class =
        t.storage_class.parse::<StorageClass>().ok().filter(|c| *c != StorageClass::Standard).ok_or_else(|| {
            invalid(format!("A transition cannot go to storage class {:?}.", t.storage_class), "0014-00000051")
        })?;
    let when = if noncurrent {
        let days =
            t.noncurrent_days.as_deref().ok_or_else(|| invalid("NoncurrentDays is missing.", "0014-00000058"))?;
        When::Days(parse_days(days)?)
    } else {
        parse_when(t.days.as_deref(), t.created_before_date.as_deref(), false, "0014-00000050")?
            .ok_or_else(|| invalid("A Transition needs Days or CreatedBeforeDate.", "0014-00000050"))?
    };
    let flags =
        [parse_bool(&t.is_access_time)?, parse_bool(&t.return_to_std_when_visit)?, parse_bool(&t.allow_small_file)?];
    Ok(Transition { when, class, flags })
}

fn colder(class: StorageClass) -> u8 {
    match class {
        StorageClass::Standard => 0,
        StorageClass::IA => 1,
        StorageClass::Archive => 2,
        StorageClass::ColdArchive => 3,
        StorageClass::DeepColdArchive => 4,
    }
}

/// A colder class must come later (in days) than a warmer one, and expiry after every transition.
fn check_order(transitions: &[Transition], expire_days: Option<u32>) -> Result<()> {
    for a in transitions {
        for b in transitions {
            if let (Some(da), Some(db)) = (a.when.days(), b.when.days()) {
                if colder(a.class) > colder(b.class) && da <= db {
                    return Err(invalid(
                        format!("The transition to {} must come later than the one to {}.", a.class, b.class),
                        "0014-00000052",
                    ));
                }
            }
        }
        if let (Some(t), Some(e)) = (a.when.days(), expire_days) {
            if t >= e {
                return Err(invalid("Expiration Days must be greater than the Transition Days.", "0014-00000053"));
            }
        }
    }
    Ok(())
}

/// A rule's tag: OSS refuses characters object tags may not have, and (as the oss2 suite shows)
/// accepts keys and values longer than an object tag's, which then never match.
fn tag_pair(t: &Tag) -> Result<(String, String)> {
    let valid = |s: &str| s.chars().all(crate::ops::tagging::object_tag_char);
    if !valid(&t.key) || t.key.is_empty() {
        return Err(OssError::new(Code::InvalidTag).message("The TagKey you have provided is invalid."));
    }
    if !valid(&t.value) {
        return Err(OssError::new(Code::InvalidTag).message("The TagValue you have provided is invalid."));
    }
    Ok((t.key.clone(), t.value.clone()))
}

fn parse_rule(r: &LifecycleRule, index: usize) -> Result<Rule> {
    let id = match r.id.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() => id.to_owned(),
        // OSS names a rule without an ID itself.
        _ => format!("rule-{}", index + 1),
    };
    if id.len() > MAX_ID {
        return Err(invalid("The rule ID is longer than 255 bytes.", "0014-00000055"));
    }
    let enabled = match r.status.as_str() {
        "Enabled" => true,
        "Disabled" => false,
        other => return Err(OssError::malformed_xml(format!("Status {other:?} is neither Enabled nor Disabled."))),
    };
    let expiration = match &r.expiration {
        None => None,
        Some(e) => {
            let marker = parse_bool(&e.expired_object_delete_marker)?;
            let date = e.created_before_date.as_deref().or(e.date.as_deref());
            let legacy = e.created_before_date.is_none() && e.date.is_some();
            match (parse_when(e.days.as_deref(), date, legacy, "0014-00000061")?, marker) {
                (Some(_), Some(true)) => {
                    return Err(invalid(
                        "ExpiredObjectDeleteMarker cannot be set with Days or CreatedBeforeDate.",
                        "0014-00000062",
                    ))
                }
                (Some(when), _) => Some(Expiration::After(when)),
                (None, Some(true)) if r.tags.is_empty() => Some(Expiration::DeleteMarker),
                (None, Some(true)) => {
                    return Err(invalid("ExpiredObjectDeleteMarker cannot be set with tags.", "0014-00000063"))
                }
                (None, _) => {
                    return Err(invalid(
                        "An Expiration needs Days, CreatedBeforeDate or ExpiredObjectDeleteMarker.",
                        "0014-00000060",
                    ))
                }
            }
        }
    };
    let transitions = r.transitions.iter().map(|t| parse_transition(t, false)).collect::<Result<Vec<_>>>()?;
    let noncurrent_transitions =
        r.noncurrent_version_transitions.iter().map(|t| parse_transition(t, true)).collect::<Result<Vec<_>>>()?;
    let expire_days = match expiration {
        Some(Expiration::After(w)) => w.days(),
        _ => None,
    };
    let mixed = |w: When| matches!(w, When::Before { .. });
    if let Some(Expiration::After(e)) = expiration {
        if let Some(t) = transitions.iter().find(|t| mixed(t.when) != mixed(e)) {
            return Err(OssError::new(Code::InvalidRequest)
                .message(format!(
                    "Found mixed CreatedBeforeDate and Days based Expiration and Transition for StorageClass {} actions",
                    t.class
                ))
                .ec("0014-00000080"));
        }
    }
    check_order(&transitions, expire_days)?;
    let noncurrent_expiration_days = match &r.noncurrent_version_expiration {
        Some(NoncurrentVersionExpiration { noncurrent_days }) => Some(parse_days(noncurrent_days)?),
        None => None,
    };
    check_order(&noncurrent_transitions, noncurrent_expiration_days)?;
    let abort_multipart_upload = match &r.abort_multipart_upload {
        Some(w) => Some(
            parse_when(w.days.as_deref(), w.created_before_date.as_deref(), false, "0014-00000061")?
                .ok_or_else(|| invalid("AbortMultipartUpload needs Days or CreatedBeforeDate.", "0014-00000060"))?,
        ),
        None => None,
    };
    let tags: Vec<(String, String)> = r.tags.iter().map(tag_pair).collect::<Result<_>>()?;
    let filter = r.filter.clone().unwrap_or_default();
    let size = |raw: &Option<String>| -> Result<Option<u64>> {
        raw.as_deref()
            .map(|v| {
                v.trim().parse::<u64>().map_err(|_| invalid(format!("{v:?} is not an object size."), "0014-00000041"))
            })
            .transpose()
    };
    let (size_greater_than, size_less_than) =
        (size(&filter.object_size_greater_than)?, size(&filter.object_size_less_than)?);
    if let (Some(gt), Some(lt)) = (size_greater_than, size_less_than) {
        if gt >= lt {
            return Err(invalid("ObjectSizeGreaterThan must be less than ObjectSizeLessThan.", "0014-00000041"));
        }
    }
    let prefix = r.prefix.clone().unwrap_or_default();
    let not = filter
        .not
        .iter()
        .map(|n| {
            if n.tag.is_none() && n.prefix == prefix {
                return Err(invalid("A Not without a tag cannot have the rule's own prefix.", "0014-00000042"));
            }
            Ok(Not { prefix: n.prefix.clone(), tag: n.tag.as_ref().map(tag_pair).transpose()? })
        })
        .collect::<Result<Vec<_>>>()?;
    if expiration.is_none()
        && transitions.is_empty()
        && abort_multipart_upload.is_none()
        && noncurrent_expiration_days.is_none()
        && noncurrent_transitions.is_empty()
    {
        return Err(invalid("A rule needs at least one action.", "0014-00000060"));
    }
    Ok(Rule {
        id,
        prefix,
        enabled,
        tags,
        not,
        size_greater_than,
        size_less_than,
        expiration,
        transitions,
        abort_multipart_upload,
        noncurrent_expiration_days,
        noncurrent_transitions,
    })
}

/// The action types two overlapping rules may not share (unless the client allows overlap).
fn action_types(rule: &Rule) -> Vec<&'static str> {
    let mut out = Vec::new();
    if rule.expiration.is_some() {
        out.push("Expiration");
    }
    if !rule.transitions.is_empty() {
        out.push("Transition");
    }
    if rule.abort_multipart_upload.is_some() {
        out.push("AbortMultipartUpload");
    }
    out
}

impl Lifecycle {
    /// Whether a transition counts from the last access (`IsAccessTime`), which needs the
    /// bucket's access monitor.
    pub fn uses_access_time(&self) -> bool {
        self.rules
            .iter()
            .flat_map(|r| r.transitions.iter().chain(r.noncurrent_transitions.iter()))
            .any(|t| t.flags[0] == Some(true))
    }

    /// Validates a PutBucketLifecycle document. `allow_overlap` is
    /// `x-oss-allow-same-action-overlap: true`.
    pub fn parse(doc: &LifecycleConfiguration, allow_overlap: bool) -> Result<Lifecycle> {
        if doc.rules.is_empty() || doc.rules.len() > MAX_RULES {
            return Err(OssError::malformed_xml("a lifecycle configuration has 1 to 1000 rules."));
        }
        let rules = doc.rules.iter().enumerate().map(|(i, r)| parse_rule(r, i)).collect::<Result<Vec<_>>>()?;
        for (i, a) in rules.iter().enumerate() {
            if rules[..i].iter().any(|b| b.id == a.id) {
                return Err(invalid(format!("Rule ID {:?} is used twice.", a.id), "0014-00000057"));
            }
            if allow_overlap || !a.enabled {
                continue;
            }
            for b in rules[..i].iter().filter(|b| b.enabled) {
                let overlap = a.prefix.starts_with(&b.prefix) || b.prefix.starts_with(&a.prefix);
                let shared = action_types(a).into_iter().find(|t| action_types(b).contains(t));
                if let (true, Some(action)) = (overlap, shared) {
                    return Err(invalid(format!("Overlap for same action type {action}"), "0014-00000059"));
                }
            }
        }
        Ok(Lifecycle { rules })
    }

    /// The GetBucketLifecycle document.
    pub fn to_xml(&self) -> LifecycleConfiguration {
        LifecycleConfiguration { rules: self.rules.iter().map(rule_xml).collect() }
    }

    /// What the enabled rules do to an object at `now_ms`: deletion wins over a transition, and
    /// of several transitions the coldest due one wins. `None` when nothing is due.
    pub fn object_action(&self, object: &ObjectFacts<'_>, now_ms: i64) -> Option<Action> {
        let mut best: Option<Action> = None;
        for rule in self.rules.iter().filter(|r| r.enabled && r.matches(object)) {
            if let Some(Expiration::After(when)) = rule.expiration {
                if when.due(object.modified_ms, now_ms) {
                    return Some(Action::Expire);
                }
            }
            for t in &rule.transitions {
                let warmer = best.is_none_or(|b| matches!(b, Action::Transition(c) if colder(c) < colder(t.class)));
                if t.when.due(object.modified_ms, now_ms) && colder(t.class) > colder(object.class) && warmer {
                    best = Some(Action::Transition(t.class));
                }
            }
        }
        best
    }

    /// What the enabled rules do to a noncurrent version that stopped being current at
    /// `since_ms` (a noncurrent delete marker can only expire).
    pub fn noncurrent_action(
        &self,
        version: &ObjectFacts<'_>,
        marker: bool,
        since_ms: i64,
        now_ms: i64,
    ) -> Option<Action> {
        let mut best: Option<Action> = None;
        for rule in self.rules.iter().filter(|r| r.enabled && r.matches(version)) {
            if rule.noncurrent_expiration_days.is_some_and(|d| When::Days(d).due(since_ms, now_ms)) {
                return Some(Action::Expire);
            }
            for t in rule.noncurrent_transitions.iter().filter(|_| !marker) {
                let warmer = best.is_none_or(|b| matches!(b, Action::Transition(c) if colder(c) < colder(t.class)));
                if t.when.due(since_ms, now_ms) && colder(t.class) > colder(version.class) && warmer {
                    best = Some(Action::Transition(t.class));
                }
            }
        }
        best
    }

    /// Whether a delete marker of `key` that is its only version is removed
    /// (ExpiredObjectDeleteMarker).
    pub fn removes_lone_marker(&self, key: &str) -> bool {
        self.rules
            .iter()
            .any(|r| r.enabled && key.starts_with(&r.prefix) && r.expiration == Some(Expiration::DeleteMarker))
    }

    /// Whether an upload of `key` initiated at `initiated_ms` is to be aborted at `now_ms`.
    pub fn aborts_upload(&self, key: &str, initiated_ms: i64, now_ms: i64) -> bool {
        self.rules
            .iter()
            .filter(|r| r.enabled && key.starts_with(&r.prefix))
            .any(|r| r.abort_multipart_upload.is_some_and(|w| w.due(initiated_ms, now_ms)))
    }
}

/// What lifecycle rules look at in an object.
pub struct ObjectFacts<'a> {
    pub key: &'a str,
    pub size: u64,
    pub modified_ms: i64,
    pub class: StorageClass,
    pub tags: &'a [(String, String)],
}

impl Rule {
    fn matches(&self, o: &ObjectFacts<'_>) -> bool {
        let has = |tag: &(String, String)| o.tags.iter().any(|t| t == tag);
        o.key.starts_with(&self.prefix)
            && self.tags.iter().all(has)
            && self.size_greater_than.is_none_or(|gt| o.size > gt)
            && self.size_less_than.is_none_or(|lt| o.size < lt)
            && !self.not.iter().any(|n| o.key.starts_with(&n.prefix) && n.tag.as_ref().is_none_or(has))
    }
}

fn when_xml(w: When) -> (Option<String>, Option<String>) {
    match w {
        When::Days(d) => (Some(d.to_string()), None),
        When::Before { ms, .. } => (None, Some(crate::ops::iso(ms))),
    }
}

fn bool_xml(b: Option<bool>) -> Option<String> {
    b.map(|b| b.to_string())
}

fn transition_xml(t: &Transition, noncurrent: bool) -> LifecycleTransition {
    let (days, created_before_date) = when_xml(t.when);
    let [is_access_time, return_to_std_when_visit, allow_small_file] = t.flags.map(bool_xml);
    let base = LifecycleTransition {
        storage_class: t.class.to_string(),
        is_access_time,
        return_to_std_when_visit,
        allow_small_file,
        ..Default::default()
    };
    if noncurrent {
        LifecycleTransition { noncurrent_days: days, ..base }
    } else {
        LifecycleTransition { days, created_before_date, ..base }
    }
}

fn rule_xml(r: &Rule) -> LifecycleRule {
    let tag = |(key, value): &(String, String)| Tag { key: key.clone(), value: value.clone() };
    let expiration = r.expiration.map(|e| match e {
        Expiration::DeleteMarker => {
            LifecycleExpiration { expired_object_delete_marker: Some("true".into()), ..Default::default() }
        }
        Expiration::After(w @ When::Days(_)) => LifecycleExpiration { days: when_xml(w).0, ..Default::default() },
        Expiration::After(When::Before { ms, legacy: true }) => {
            LifecycleExpiration { date: Some(crate::ops::iso(ms)), ..Default::default() }
        }
        Expiration::After(When::Before { ms, legacy: false }) => {
            LifecycleExpiration { created_before_date: Some(crate::ops::iso(ms)), ..Default::default() }
        }
    });
    let has_filter = !r.not.is_empty() || r.size_greater_than.is_some() || r.size_less_than.is_some();
    LifecycleRule {
        id: Some(r.id.clone()),
        // Always present, also empty: the Go SDK v2 reads `Prefix == ""` for whole-bucket rules.
        prefix: Some(r.prefix.clone()),
        status: if r.enabled { "Enabled" } else { "Disabled" }.to_owned(),
        filter: has_filter.then(|| LifecycleFilter {
            not: r
                .not
                .iter()
                .map(|n| LifecycleNot { prefix: n.prefix.clone(), tag: n.tag.as_ref().map(tag) })
                .collect(),
            object_size_greater_than: r.size_greater_than.map(|n| n.to_string()),
            object_size_less_than: r.size_less_than.map(|n| n.to_string()),
        }),
        expiration,
        transitions: r.transitions.iter().map(|t| transition_xml(t, false)).collect(),
        abort_multipart_upload: r.abort_multipart_upload.map(|w| {
            let (days, created_before_date) = when_xml(w);
            LifecycleWhen { days, created_before_date }
        }),
        noncurrent_version_expiration: r
            .noncurrent_expiration_days
            .map(|d| NoncurrentVersionExpiration { noncurrent_days: d.to_string() }),
        noncurrent_version_transitions: r.noncurrent_transitions.iter().map(|t| transition_xml(t, true)).collect(),
        tags: r.tags.iter().map(tag).collect(),
    }
}

// ---- applying the rules ----

/// One thing a lifecycle run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub bucket: String,
    #[serde(skip)]
    region: String,
    pub key: String,
    /// `Expiration`, `Transition` or `AbortMultipartUpload`.
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<StorageClass>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    /// The version acted on, for noncurrent versions and delete markers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// An action a run found due.
struct Due {
    key: String,
    /// `None`: the current version, whatever its id is by then.
    version: Option<VersionId>,
    action: Action,
    what: Applies,
}

/// Which kind of rule made an action due: it names the action in the report and the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applies {
    Current,
    Noncurrent,
    LoneMarker,
}

impl Applies {
    fn name(self, action: Action) -> &'static str {
        match (self, action) {
            (Applies::Current, Action::Expire) => "Expiration",
            (Applies::Current, Action::Transition(_)) => "Transition",
            (Applies::Noncurrent, Action::Expire) => "NoncurrentVersionExpiration",
            (Applies::Noncurrent, Action::Transition(_)) => "NoncurrentVersionTransition",
            (Applies::LoneMarker, _) => "ExpiredObjectDeleteMarker",
        }
    }
}

fn facts(meta: &ObjectMeta) -> ObjectFacts<'_> {
    ObjectFacts {
        key: &meta.key,
        size: meta.size,
        modified_ms: meta.last_modified_ms,
        class: meta.storage_class,
        tags: &meta.tags,
    }
}

/// Walks a versioned bucket's history: current versions as in an unversioned bucket, noncurrent
/// ones by the time they stopped being current (when the next newer version was written), and a
/// delete marker that is all that is left of its key (ExpiredObjectDeleteMarker).
async fn due_versions(store: &crate::store::Store, bucket: &str, rules: Arc<Lifecycle>, now: i64) -> Result<Vec<Due>> {
    struct Walk {
        due: Vec<Due>,
        /// The last-modified time of the newer version of the key just seen.
        newer_ms: i64,
        /// A current delete marker whose key has shown no other version yet.
        lone_marker: Option<(String, VersionId)>,
    }
    impl Walk {
        fn end_key(&mut self) {
            if let Some((key, id)) = self.lone_marker.take() {
                self.due.push(Due { key, version: Some(id), action: Action::Expire, what: Applies::LoneMarker });
            }
        }
    }
    let start = Walk { due: Vec::new(), newer_ms: 0, lone_marker: None };
    let visit = move |walk: &mut Walk, meta: &ObjectMeta, latest: bool| {
        if latest {
            walk.end_key();
            if meta.delete_marker {
                if rules.removes_lone_marker(&meta.key) {
                    walk.lone_marker = Some((meta.key.clone(), meta.version_id.clone()));
                }
            } else if let Some(action) = rules.object_action(&facts(meta), now) {
                walk.due.push(Due { key: meta.key.clone(), version: None, action, what: Applies::Current });
            }
        } else {
            walk.lone_marker = None;
            if let Some(action) = rules.noncurrent_action(&facts(meta), meta.delete_marker, walk.newer_ms, now) {
                let version = Some(meta.version_id.clone());
                walk.due.push(Due { key: meta.key.clone(), version, action, what: Applies::Noncurrent });
            }
        }
        walk.newer_ms = meta.last_modified_ms;
        crate::store::Step::Next
    };
    let mut walk = store.scan_versions(bucket, "", None, start, visit).await?;
    walk.end_key();
    Ok(walk.due)
}

/// What a run did, in order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub now: String,
    pub applied: Vec<Applied>,
}

/// Applies every bucket's rules (or only `only`'s) as of the emulator's clock. Each action is
/// also a journal entry of its own (operation `Lifecycle<Action>`, method `LIFECYCLE`).
pub(crate) async fn apply(state: &crate::State, only: Option<&str>) -> Result<Report> {
    let now = crate::ops::to_ms(state.clock.now());
    let store = &state.store;
    let mut report = Report { now: crate::ops::iso(now), applied: Vec::new() };
    for bucket in store.buckets() {
        if only.is_some_and(|name| name != bucket.name) {
            continue;
        }
        let Some(rules) = bucket.lifecycle.clone() else { continue };
        let rules = std::sync::Arc::new(rules);
        let due = if bucket.versioning.is_some() {
            due_versions(store, &bucket.name, rules.clone(), now).await?
        } else {
            let rules = rules.clone();
            store
                .scan(&bucket.name, "", None, Vec::new(), move |due: &mut Vec<Due>, meta| {
                    if let Some(action) = rules.object_action(&facts(meta), now) {
                        due.push(Due { key: meta.key.clone(), version: None, action, what: Applies::Current });
                    }
                    crate::store::Step::Next
                })
                .await?
        };
        for Due { key, version, action, what } in due {
            let applied = match action {
                // In a versioned bucket, expiring the current version leaves a delete marker, as
                // OSS's expiration does; a noncurrent version or a lone marker goes for good.
                Action::Expire => {
                    let marker_id = state.new_version_id();
                    let delete = Delete { key: key.clone(), version: version.clone(), marker_id, now_ms: now };
                    store.delete_object(&bucket.name, delete).await.map(|_| None)
                }
                Action::Transition(class) => store
                    .update_object(&bucket.name, &key, version.as_ref(), move |meta| {
                        meta.storage_class = class;
                        // A transition to an archive class starts frozen.
                        meta.restore = None;
                        Ok(())
                    })
                    .await
                    .map(|()| Some(class)),
            };
            match applied {
                Ok(storage_class) => report.applied.push(Applied {
                    bucket: bucket.name.clone(),
                    region: bucket.region.clone(),
                    key,
                    action: what.name(action),
                    storage_class,
                    upload_id: None,
                    version_id: version.map(|v| v.to_string()),
                }),
                // Deleted or overwritten since the scan: nothing left to do for it.
                // Retention outranks expiration: a protected object stays until its period ends.
                Err(e) if matches!(e.code, Code::NoSuchKey | Code::NoSuchVersion | Code::FileImmutable) => {}
                Err(e) => return Err(e),
            }
        }
        let uploads = store
            .scan_uploads(&bucket.name, "", (String::new(), String::new()), Vec::new(), move |due: &mut Vec<_>, up| {
                if rules.aborts_upload(&up.key, up.initiated_ms, now) {
                    due.push((up.key.clone(), up.upload_id.clone()));
                }
                crate::store::Step::Next
            })
            .await?;
        for (key, upload_id) in uploads {
            match store.abort_upload(&bucket.name, &upload_id, &key).await {
                Ok(()) => report.applied.push(Applied {
                    bucket: bucket.name.clone(),
                    region: bucket.region.clone(),
                    key,
                    action: "AbortMultipartUpload",
                    storage_class: None,
                    upload_id: Some(upload_id),
                    version_id: None,
                }),
                Err(e) if e.code == Code::NoSuchUpload => {}
                Err(e) => return Err(e),
            }
        }
    }
    for done in &report.applied {
        state.journal.record(crate::journal::Entry {
            time: crate::clock::iso_millis(state.clock.now()),
            request_id: state.new_request_id(),
            region: done.region.clone(),
            method: "LIFECYCLE".to_owned(),
            operation: format!("Lifecycle{}", done.action),
            bucket: done.bucket.clone(),
            key: done.key.clone(),
            auth: "none".to_owned(),
            status: 200,
            ..Default::default()
        });
    }
    Ok(report)
}

/// Applies the rules every `interval` of real time until shutdown (`--lifecycle-interval`).
pub(crate) async fn every(
    interval: std::time::Duration,
    state: std::sync::Arc<crate::State>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
        match apply(&state, None).await {
            Ok(report) if !report.applied.is_empty() => {
                tracing::info!("lifecycle: {} actions as of {}", report.applied.len(), report.now)
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("lifecycle run failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oss_protocol::xml::from_xml;

    fn parse(xml: &str) -> Result<Lifecycle> {
        Lifecycle::parse(&from_xml::<LifecycleConfiguration>(xml).unwrap(), false)
    }

    fn rule(body: &str) -> String {
        format!("<LifecycleConfiguration><Rule><ID>r</ID><Prefix>p/</Prefix><Status>Enabled</Status>{body}</Rule></LifecycleConfiguration>")
    }

    fn code(xml: &str) -> Option<Code> {
        parse(xml).err().map(|e| e.code)
    }

    #[test]
    fn validation_follows_oss() {
        assert_eq!(code(&rule("<Expiration><Days>3</Days></Expiration>")), None);
        assert_eq!(code(&rule("<AbortMultipartUpload><Days>3</Days></AbortMultipartUpload>")), None);
        let ia_after_expiry = "<Expiration><Days>3</Days></Expiration><Transition><Days>4</Days><StorageClass>IA</StorageClass></Transition>";
        assert_eq!(code(&rule(ia_after_expiry)), Some(Code::InvalidArgument));
        let archive_before_ia = "<Transition><Days>5</Days><StorageClass>IA</StorageClass></Transition><Transition><Days>2</Days><StorageClass>Archive</StorageClass></Transition>";
        assert_eq!(code(&rule(archive_before_ia)), Some(Code::InvalidArgument));
        let to_standard = "<Transition><Days>5</Days><StorageClass>Standard</StorageClass></Transition>";
        assert_eq!(code(&rule(to_standard)), Some(Code::InvalidArgument));
        let mixed = "<Expiration><CreatedBeforeDate>2020-12-12T00:00:00.000Z</CreatedBeforeDate></Expiration><Transition><Days>5</Days><StorageClass>IA</StorageClass></Transition>";
        assert_eq!(code(&rule(mixed)), Some(Code::InvalidRequest));
        assert_eq!(
            code(&rule("<Expiration><CreatedBeforeDate>2020-12-12</CreatedBeforeDate></Expiration>")),
            Some(Code::InvalidArgument)
        );
        assert_eq!(
            code(&rule("<Expiration><CreatedBeforeDate>2020-12-12T08:00:00.000Z</CreatedBeforeDate></Expiration>")),
            Some(Code::InvalidArgument)
        );
        assert_eq!(
            code(&rule(
                "<Expiration><Days>3</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"
            )),
            Some(Code::InvalidArgument)
        );
        assert_eq!(code(&rule("")), Some(Code::InvalidArgument), "a rule with no action");
        let overlap = "<LifecycleConfiguration><Rule><ID>a</ID><Prefix>x/</Prefix><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule><Rule><ID>b</ID><Prefix>x/2</Prefix><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>";
        let err = parse(overlap).unwrap_err();
        assert_eq!(err.message, "Overlap for same action type Expiration");
        assert!(Lifecycle::parse(&from_xml(overlap).unwrap(), true).is_ok(), "allowed by the overlap header");
    }

    #[test]
    fn rules_round_trip_in_their_spelling() {
        let xml = rule(
            "<Expiration><Date>2016-12-25T00:00:00.000Z</Date></Expiration><Tag><Key>k</Key><Value>v</Value></Tag>",
        );
        let back = parse(&xml).unwrap().to_xml();
        let r = &back.rules[0];
        assert_eq!(r.expiration.as_ref().unwrap().date.as_deref(), Some("2016-12-25T00:00:00.000Z"));
        assert_eq!(r.tags, vec![Tag { key: "k".into(), value: "v".into() }]);
        let whole = parse("<LifecycleConfiguration><Rule><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>").unwrap();
        assert_eq!((whole.rules[0].id.as_str(), whole.to_xml().rules[0].prefix.as_deref()), ("rule-1", Some("")));
    }

    #[test]
    fn actions_as_of_a_time() {
        let lc = parse(&rule(
            "<Expiration><Days>30</Days></Expiration><Transition><Days>10</Days><StorageClass>IA</StorageClass></Transition><Transition><Days>20</Days><StorageClass>Archive</StorageClass></Transition><AbortMultipartUpload><Days>2</Days></AbortMultipartUpload>",
        ))
        .unwrap();
        let facts = |key| ObjectFacts { key, size: 5, modified_ms: 0, class: StorageClass::Standard, tags: &[] };
        assert_eq!(lc.object_action(&facts("p/a"), 9 * DAY_MS), None);
        assert_eq!(lc.object_action(&facts("p/a"), 10 * DAY_MS), Some(Action::Transition(StorageClass::IA)));
        assert_eq!(lc.object_action(&facts("p/a"), 25 * DAY_MS), Some(Action::Transition(StorageClass::Archive)));
        assert_eq!(lc.object_action(&facts("p/a"), 30 * DAY_MS), Some(Action::Expire));
        assert_eq!(lc.object_action(&facts("other"), 30 * DAY_MS), None);
        assert!(lc.aborts_upload("p/u", 0, 2 * DAY_MS));
        assert!(!lc.aborts_upload("p/u", 0, 2 * DAY_MS - 1));
        let archived = ObjectFacts { class: StorageClass::Archive, ..facts("p/a") };
        assert_eq!(lc.object_action(&archived, 25 * DAY_MS), None, "never back to a warmer class");
    }
}
