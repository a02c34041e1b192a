//! Checkpoints: what a multipart copy, upload or download has finished, kept in a file so that a
//! rerun after a crash or Ctrl-C continues instead of starting over.
//!
//! The file is JSON lines: a header naming the job (operation, source, destination, a
//! fingerprint of the source, the part plan and the upload id), then one line per finished part.
//! Parts are appended as they finish, so recording is O(1) per part even for 10 000 parts, and a
//! crash mid-write leaves at most a torn last line, which loading ignores.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use md5::{Digest, Md5};
use oss_protocol::xml::PartSummary;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::plan::PartPlan;

const FORMAT_VERSION: u32 = 1;

/// A finished part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DonePart {
    /// The part's ETag (empty for download parts, which have none).
    pub etag: String,
    pub size: u64,
    /// CRC-64 of the part's bytes, when known; the whole object's CRC is combined from these.
    pub crc64: Option<u64>,
}

/// The header of a checkpoint file, plus the parts read after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub version: u32,
    /// `copy`, `upload` or `download`.
    pub operation: String,
    pub source: String,
    pub destination: String,
    /// What the source was when the job began (ETag and size, or a file's size and mtime); a
    /// different source means the finished parts are worthless.
    pub fingerprint: String,
    pub size: u64,
    pub part_size: u64,
    /// The multipart upload (none for downloads).
    pub upload_id: Option<String>,
    #[serde(skip)]
    pub parts: BTreeMap<u32, DonePart>,
}

#[derive(Serialize, Deserialize)]
struct PartLine {
    part: u32,
    #[serde(flatten)]
    done: DonePart,
}

/// What a job is, to tell whether a checkpoint belongs to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobIdentity {
    pub operation: &'static str,
    pub source: String,
    pub destination: String,
    pub fingerprint: String,
    pub plan: PartPlan,
}

impl JobIdentity {
    /// The checkpoint file for this job in `dir`: named by a digest of operation, source and
    /// destination, so reruns of the same command find it and different commands never collide.
    pub fn path_in(&self, dir: &Path) -> PathBuf {
        let digest = Md5::digest(format!("{}\n{}\n{}", self.operation, self.source, self.destination));
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        dir.join(format!("{}-{hex}.ckpt", self.operation))
    }

    pub fn new_checkpoint(&self, upload_id: Option<String>) -> Checkpoint {
        Checkpoint {
            version: FORMAT_VERSION,
            operation: self.operation.to_owned(),
            source: self.source.clone(),
            destination: self.destination.clone(),
            fingerprint: self.fingerprint.clone(),
            size: self.plan.size,
            part_size: self.plan.part_size,
            upload_id,
            parts: BTreeMap::new(),
        }
    }

    /// Whether `cp` records this very job (same source state and the same part plan).
    pub fn matches(&self, cp: &Checkpoint) -> bool {
        cp.version == FORMAT_VERSION
            && cp.operation == self.operation
            && cp.source == self.source
            && cp.destination == self.destination
            && cp.fingerprint == self.fingerprint
            && cp.size == self.plan.size
            && cp.part_size == self.plan.part_size
    }
}

impl Checkpoint {
    /// Reads a checkpoint; `None` when there is none or it is unreadable (a corrupt checkpoint
    /// only costs a fresh start, never a wrong result, since parts are verified on resume).
    pub fn load(path: &Path) -> Result<Option<Checkpoint>, Error> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => return Ok(None),
            Err(e) => return Err(Error::io(format!("reading checkpoint {}", path.display()), e)),
        };
        let mut lines = text.lines();
        let Some(mut cp) = lines.next().and_then(|l| serde_json::from_str::<Checkpoint>(l).ok()) else {
            return Ok(None);
        };
        for line in lines {
            if let Ok(p) = serde_json::from_str::<PartLine>(line) {
                cp.parts.insert(p.part, p.done);
            }
        }
        Ok(Some(cp))
    }

    /// Writes the whole checkpoint atomically (a temporary file renamed over the old one).
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let io = |e| Error::io(format!("writing checkpoint {}", path.display()), e);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut text = serde_json::to_string(self).map_err(|e| io(std::io::Error::other(e)))?;
        text.push('\n');
        for (&part, done) in &self.parts {
            text.push_str(&part_line(part, done));
        }
        let tmp = path.with_extension("ckpt.tmp");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Deletes a checkpoint file; a missing one is fine.
    pub fn remove(path: &Path) -> Result<(), Error> {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(Error::io(format!("removing checkpoint {}", path.display()), e))
            }
            _ => Ok(()),
        }
    }
}

fn part_line(part: u32, done: &DonePart) -> String {
    let mut line = serde_json::to_string(&PartLine { part, done: done.clone() }).unwrap_or_else(|_| String::from("{}"));
    line.push('\n');
    line
}

/// Appends finished parts to a checkpoint file as they come in (from parallel tasks).
#[derive(Debug)]
pub(crate) struct CheckpointLog {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

impl CheckpointLog {
    /// Writes `cp` in full, then keeps the file open for appending.
    pub(crate) fn create(path: &Path, cp: &Checkpoint) -> Result<CheckpointLog, Error> {
        cp.save(path)?;
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| Error::io(format!("opening checkpoint {}", path.display()), e))?;
        Ok(CheckpointLog { path: path.to_owned(), file: Mutex::new(file) })
    }

    pub(crate) fn record(&self, part: u32, done: &DonePart) -> Result<(), Error> {
        let mut file = self.file.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        file.write_all(part_line(part, done).as_bytes())
            .map_err(|e| Error::io(format!("writing checkpoint {}", self.path.display()), e))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// The resume rule: which parts of an interrupted upload count as finished. The server's part
/// list (ListParts) is the truth; a listed part is kept when its size is what the plan wants for
/// that number (a part recorded with a different ETag was overwritten and is taken as listed). A
/// part the checkpoint records but the server does not list is done again, and so is a listed
/// part of the wrong size (from another plan).
pub fn reconcile(
    plan: &PartPlan,
    recorded: &BTreeMap<u32, DonePart>,
    listed: &[PartSummary],
) -> BTreeMap<u32, DonePart> {
    let mut done = BTreeMap::new();
    for p in listed {
        let n = p.part_number;
        if n == 0 || n > plan.parts || p.size != plan.range(n).1 {
            continue;
        }
        let kept = match recorded.get(&n) {
            Some(r) if oss_protocol::trim_etag(&r.etag) == oss_protocol::trim_etag(&p.etag) => {
                DonePart { crc64: r.crc64.or(p.hash_crc64ecma), ..r.clone() }
            }
            _ => DonePart { etag: p.etag.clone(), size: p.size, crc64: p.hash_crc64ecma },
        };
        done.insert(n, kept);
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::plan_parts;

    fn listed(n: u32, etag: &str, size: u64) -> PartSummary {
        PartSummary {
            part_number: n,
            etag: etag.into(),
            size,
            hash_crc64ecma: Some(u64::from(n)),
            ..Default::default()
        }
    }

    fn done(etag: &str, size: u64, crc: Option<u64>) -> DonePart {
        DonePart { etag: etag.into(), size, crc64: crc }
    }

    #[test]
    fn reconcile_trusts_the_server() {
        // 350 000 bytes in 102 400-byte parts: 3 full parts and a last one of 42 800.
        let plan = plan_parts(350_000, 102_400).unwrap();
        assert_eq!((plan.parts, plan.range(4)), (4, (307_200, 42_800)));
        let mut recorded = BTreeMap::new();
        recorded.insert(1, done("\"A\"", 102_400, Some(11)));
        recorded.insert(2, done("\"B\"", 102_400, Some(22)));
        recorded.insert(3, done("\"C\"", 102_400, None));
        let server = [
            listed(1, "\"A\"", 102_400),  // as recorded: the recorded CRC is kept
            listed(2, "\"B2\"", 102_400), // overwritten since: the server's version
            // 3 is missing on the server: redo
            listed(4, "\"D\"", 42_800), // finished after the last checkpoint write: kept
            listed(5, "\"E\"", 10),     // beyond the plan
        ];
        let got = reconcile(&plan, &recorded, &server);
        assert_eq!(got.keys().copied().collect::<Vec<_>>(), [1, 2, 4]);
        assert_eq!(got[&1], done("\"A\"", 102_400, Some(11)));
        assert_eq!(got[&2], done("\"B2\"", 102_400, Some(2)));
        assert_eq!(got[&4], done("\"D\"", 42_800, Some(4)));
        // A part of the wrong size belongs to another plan.
        let got = reconcile(&plan, &recorded, &[listed(1, "\"A\"", 50)]);
        assert!(got.is_empty());
    }

    #[test]
    fn file_round_trip_and_identity() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_parts(1_000_000, 200_000).unwrap();
        let job = JobIdentity {
            operation: "copy",
            source: "oss://a/src".into(),
            destination: "oss://b/dst".into(),
            fingerprint: "E:1000000".into(),
            plan,
        };
        let path = job.path_in(dir.path());
        assert_eq!(path, job.path_in(dir.path()));
        assert!(path.file_name().unwrap().to_str().unwrap().starts_with("copy-"));
        assert_eq!(Checkpoint::load(&path).unwrap(), None);

        let cp = job.new_checkpoint(Some("UP1".into()));
        let log = CheckpointLog::create(&path, &cp).unwrap();
        log.record(2, &done("\"X\"", 200_000, Some(7))).unwrap();
        log.record(1, &done("\"Y\"", 200_000, None)).unwrap();
        drop(log);
        // A crash mid-append leaves a torn line, which is ignored.
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{\"part\":3,\"et").unwrap();
        let back = Checkpoint::load(&path).unwrap().unwrap();
        assert!(job.matches(&back));
        assert_eq!(back.upload_id.as_deref(), Some("UP1"));
        assert_eq!(back.parts.len(), 2);
        assert_eq!(back.parts[&2], done("\"X\"", 200_000, Some(7)));

        // Another source state, or another plan, is another job.
        let changed = JobIdentity { fingerprint: "F:1000000".into(), ..job.clone() };
        assert!(!changed.matches(&back));
        let replanned = JobIdentity { plan: plan_parts(1_000_000, 400_000).unwrap(), ..job.clone() };
        assert!(!replanned.matches(&back));
        assert_ne!(JobIdentity { destination: "oss://b/other".into(), ..job.clone() }.path_in(dir.path()), path);

        // Saving rewrites the file whole; garbage loads as no checkpoint.
        back.save(&path).unwrap();
        assert_eq!(Checkpoint::load(&path).unwrap().unwrap().parts.len(), 2);
        std::fs::write(&path, "not json").unwrap();
        assert_eq!(Checkpoint::load(&path).unwrap(), None);
        Checkpoint::remove(&path).unwrap();
        Checkpoint::remove(&path).unwrap();
        assert!(!path.exists());
    }
}
