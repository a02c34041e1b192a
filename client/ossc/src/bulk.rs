//! Many objects at once: `cp -r`, `mv -r` and `sync`. Lists both sides (a local directory tree
//! or everything under an OSS prefix), filters by glob, plans one job per object, and runs the
//! jobs a bounded number at a time with one overall progress bar, a line per object and a summary.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use clap::Args;
use futures_util::StreamExt;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use oss_client::protocol::time::parse_iso8601;
use oss_client::{CancellationToken, Client, Error, ListObjectsV2Options, ObjectPath, Progress, ProgressFn};
use serde_json::{json, Value};

use super::commands::{self, TransferArgs};
use super::output::{human_size, Output};

/// Which objects of a tree take part.
#[derive(Args, Debug, Clone, Default)]
pub struct FilterArgs {
    /// Only objects whose relative path or file name matches this glob (`*.jpg`, `logs/**`);
    /// may be repeated.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Leave out objects whose relative path or file name matches this glob; may be repeated.
    /// Wins over --include.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Objects or files transferred at once.
    #[arg(long, short = 'j', default_value_t = 4, value_name = "N")]
    pub jobs: usize,
}

#[derive(Args, Debug)]
pub struct SyncArgs {
    /// What to copy from: a local directory or oss://bucket[/prefix].
    pub src: String,
    /// What to bring up to date: a local directory or oss://bucket[/prefix].
    pub dst: String,
    /// Also delete what DST has and SRC has not (among the objects the filters select).
    #[arg(long)]
    pub delete: bool,
    /// Print what would be copied and deleted; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub transfer: TransferArgs,
}

/// The compiled --include/--exclude globs.
pub struct Filter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

fn glob_set(patterns: &[String]) -> Result<Option<GlobSet>, Error> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut set = GlobSetBuilder::new();
    for p in patterns {
        let glob = GlobBuilder::new(p)
            .literal_separator(true)
            .build()
            .map_err(|e| Error::Usage(format!("glob {p:?}: {e}")))?;
        set.add(glob);
    }
    set.build().map(Some).map_err(|e| Error::Usage(format!("globs: {e}")))
}

impl Filter {
    pub fn new(args: &FilterArgs) -> Result<Filter, Error> {
        Ok(Filter { include: glob_set(&args.include)?, exclude: glob_set(&args.exclude)? })
    }

    /// Whether the object at `rel` (a `/`-separated path below the tree's root) takes part.
    pub fn matches(&self, rel: &str) -> bool {
        let name = rel.trim_end_matches('/').rsplit('/').next().unwrap_or(rel);
        let hit = |set: &GlobSet| set.is_match(rel) || set.is_match(name);
        self.include.as_ref().is_none_or(hit) && !self.exclude.as_ref().is_some_and(hit)
    }
}

/// One side of a tree operation.
#[derive(Debug, Clone)]
pub enum Loc {
    Local(PathBuf),
    /// The key is empty or ends in `/`.
    Oss(ObjectPath),
}

impl Loc {
    /// `oss://b/p` is taken as the prefix `p/`, a local path as a directory.
    pub fn parse(s: &str) -> Result<Loc, Error> {
        if ObjectPath::is_oss_url(s) {
            let mut p = ObjectPath::parse(s)?;
            if !p.is_prefix() {
                p.key.push('/');
            }
            Ok(Loc::Oss(p))
        } else {
            Ok(Loc::Local(PathBuf::from(s)))
        }
    }

    /// The object at `rel` below this root. A key that cannot name a file below the directory
    /// (`..`, an absolute path, empty segments) is refused rather than written elsewhere.
    fn join(&self, rel: &str) -> Result<Loc, Error> {
        match self {
            Loc::Oss(p) => Ok(Loc::Oss(p.join(rel))),
            Loc::Local(dir) => {
                let trimmed = rel.trim_end_matches('/');
                let mut path = dir.clone();
                for seg in trimmed.split('/') {
                    let ok = !seg.is_empty()
                        && seg != "."
                        && seg != ".."
                        && Path::new(seg).components().all(|c| matches!(c, Component::Normal(_)));
                    if !ok {
                        return Err(Error::Usage(format!(
                            "the key part {rel:?} cannot be a file below {}",
                            dir.display()
                        )));
                    }
                    path.push(seg);
                }
                Ok(Loc::Local(path))
            }
        }
    }

    fn show(&self) -> String {
        match self {
            Loc::Local(p) => p.display().to_string(),
            Loc::Oss(p) => p.to_string(),
        }
    }
}

/// An object or file of a tree, by its path relative to the root.
#[derive(Debug, Clone)]
pub struct Item {
    pub size: u64,
    pub mtime: Option<SystemTime>,
    pub etag: Option<String>,
}

/// Everything under `root` that the filter selects, by relative path. A missing local directory
/// is an empty tree when `missing_ok` (a sync target), an error otherwise.
pub async fn list(
    client: &Client,
    out: &Output,
    root: &Loc,
    filter: &Filter,
    missing_ok: bool,
) -> Result<BTreeMap<String, Item>, Error> {
    let mut items = BTreeMap::new();
    match root {
        Loc::Oss(base) => {
            let mut token = None;
            loop {
                let opts = ListObjectsV2Options {
                    prefix: Some(base.key.clone()).filter(|k| !k.is_empty()),
                    continuation_token: token.clone(),
                    max_keys: Some(1000),
                    ..Default::default()
                };
                let page = client.list_objects_v2(&base.bucket, &opts).await?.into_inner();
                for o in page.contents {
                    let Some(rel) = o.key.strip_prefix(base.key.as_str()).filter(|r| !r.is_empty()) else {
                        continue;
                    };
                    if filter.matches(rel) {
                        let item = Item {
                            size: o.size,
                            mtime: parse_iso8601(&o.last_modified),
                            etag: Some(o.etag.trim_matches('"').to_owned()),
                        };
                        items.insert(rel.to_owned(), item);
                    }
                }
                match page.next_continuation_token.filter(|t| page.is_truncated && !t.is_empty()) {
                    Some(t) => token = Some(t),
                    None => break,
                }
            }
        }
        Loc::Local(dir) => {
            match std::fs::metadata(dir) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => return Err(Error::Usage(format!("{} is not a directory", dir.display()))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && missing_ok => return Ok(items),
                Err(e) => return Err(Error::Io { context: format!("reading {}", dir.display()), source: e }),
            }
            let mut stack = vec![(dir.clone(), String::new())];
            while let Some((path, rel)) = stack.pop() {
                let entries = std::fs::read_dir(&path)
                    .map_err(|e| Error::Io { context: format!("reading {}", path.display()), source: e })?;
                for entry in entries {
                    let entry =
                        entry.map_err(|e| Error::Io { context: format!("reading {}", path.display()), source: e })?;
                    let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                        let err = Error::Usage("the name is not UTF-8, so it cannot be an OSS key".to_owned());
                        out.item_failed(&entry.path().display().to_string(), &err);
                        continue;
                    };
                    let child = format!("{rel}{name}");
                    let kind = entry.file_type().map_err(|e| Error::Io { context: child.clone(), source: e })?;
                    if kind.is_dir() {
                        stack.push((entry.path(), format!("{child}/")));
                        continue;
                    }
                    // Symbolic links to files are followed; to directories they are not (no cycles).
                    let Ok(meta) = std::fs::metadata(entry.path()) else { continue };
                    if meta.is_file() && filter.matches(&child) {
                        items.insert(child, Item { size: meta.len(), mtime: meta.modified().ok(), etag: None });
                    }
                }
            }
        }
    }
    Ok(items)
}

/// One transfer.
#[derive(Debug, Clone)]
pub struct Job {
    pub src: Loc,
    pub dst: Loc,
    pub size: u64,
}

/// How sync decides that a target is up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compare {
    /// Same size, and the target is not older than the source.
    SizeAndMtime,
    /// Same size and ETag (between OSS locations); when either ETag is a multipart one (which a
    /// copy part by part does not keep), the times decide as for [`Compare::SizeAndMtime`].
    SizeAndEtag,
}

impl Compare {
    fn describe(self) -> &'static str {
        match self {
            Compare::SizeAndMtime => "size and modification time",
            Compare::SizeAndEtag => "size and ETag",
        }
    }

    fn up_to_date(self, src: &Item, dst: &Item) -> bool {
        if src.size != dst.size {
            return false;
        }
        // Whole seconds: listings may carry no more, and a file written in the second of its
        // upload must still count as up to date.
        let secs = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let newer_or_same = match (src.mtime, dst.mtime) {
            (Some(s), Some(d)) => secs(d) >= secs(s),
            _ => false,
        };
        match self {
            Compare::SizeAndMtime => newer_or_same,
            Compare::SizeAndEtag => match (&src.etag, &dst.etag) {
                (Some(s), Some(d)) if s.eq_ignore_ascii_case(d) => true,
                (Some(s), Some(d)) if s.contains('-') || d.contains('-') => newer_or_same,
                _ => false,
            },
        }
    }
}

/// What the jobs did.
#[derive(Default)]
pub struct Summary {
    pub done: AtomicUsize,
    pub failed: AtomicUsize,
    pub bytes: AtomicU64,
    pub results: Mutex<Vec<Value>>,
}

/// The settings every job of a run shares.
pub struct Run<'a> {
    pub transfer: &'a TransferArgs,
    pub jobs: usize,
    /// Remove each source once it is copied (mv).
    pub remove_source: bool,
    pub dry_run: bool,
}

/// Where lines go while bars are drawn, so that they do not tear the bars.
struct Bars {
    multi: MultiProgress,
    total: ProgressBar,
}

impl Bars {
    fn new(out: &Output, objects: usize, bytes: u64) -> Option<Bars> {
        if !out.bars() {
            return None;
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stdout());
        let total = multi.add(ProgressBar::new(bytes));
        let style = ProgressStyle::with_template(
            "total [{elapsed_precise}] [{wide_bar:.green/blue}] {msg} objects, {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        total.set_style(style);
        total.set_message(format!("0/{objects}"));
        Some(Bars { multi, total })
    }
}

fn say(out: &Output, bars: Option<&Bars>, text: String) {
    match bars {
        Some(b) if out.human() => {
            let _ = b.multi.println(text);
        }
        _ => out.line(text),
    }
}

/// Runs `jobs`, at most `run.jobs` at once, reporting each and returning the tally. Failures
/// are reported as they happen and do not stop the others.
pub async fn run_jobs(client: &Client, out: &Output, jobs: Vec<Job>, run: &Run<'_>, verb: &str) -> Summary {
    let summary = Summary::default();
    let count = jobs.len();
    if run.dry_run {
        for job in &jobs {
            out.line(format!("would {verb} {} -> {} ({})", job.src.show(), job.dst.show(), human_size(job.size)));
            summary.results.lock().unwrap_or_else(|p| p.into_inner()).push(json!({
                "source": job.src.show(), "destination": job.dst.show(), "size": job.size, "dry_run": true,
            }));
        }
        return summary;
    }
    let bytes: u64 = jobs.iter().map(|j| j.size).sum();
    let bars = Bars::new(out, count, bytes);
    let cancel = commands::cancel_on_ctrl_c();
    let threshold = run.transfer.threshold.unwrap_or(oss_client::transfer::DEFAULT_TRANSFER_THRESHOLD);
    let (bars_ref, summary_ref, cancel_ref) = (bars.as_ref(), &summary, &cancel);
    let finished = AtomicUsize::new(0);
    let finished = &finished;
    futures_util::stream::iter(jobs)
        .map(|job| async move {
            // Bytes of this job already on the overall bar, so that progress adds only the news.
            let counted = Arc::new(AtomicU64::new(0));
            let own = bars_ref.filter(|_| job.size >= threshold).map(|b| {
                let bar = b.multi.add(ProgressBar::new(job.size));
                let style = ProgressStyle::with_template(
                    "{prefix} [{wide_bar:.cyan/blue}] {bytes}/{total_bytes} {binary_bytes_per_sec}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
                bar.set_style(style);
                bar.set_prefix(job.src.show());
                bar
            });
            let progress: Option<ProgressFn> = bars_ref.map(|b| {
                let (total, own, counted) = (b.total.clone(), own.clone(), Arc::clone(&counted));
                let f: ProgressFn = Arc::new(move |p: Progress| {
                    let before = counted.swap(p.done, Ordering::Relaxed);
                    total.inc(p.done.saturating_sub(before));
                    if let Some(own) = &own {
                        own.set_position(p.done);
                    }
                });
                f
            });
            let result = transfer_one(client, &job, run, progress, cancel_ref.clone()).await;
            if let Some(own) = own {
                own.finish_and_clear();
            }
            let n = finished.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(b) = bars_ref {
                let before = counted.load(Ordering::Relaxed);
                b.total.inc(job.size.saturating_sub(before));
                b.total.set_message(format!("{n}/{count}"));
            }
            match result {
                Ok(text) => {
                    summary_ref.done.fetch_add(1, Ordering::Relaxed);
                    summary_ref.bytes.fetch_add(job.size, Ordering::Relaxed);
                    say(out, bars_ref, text);
                    summary_ref.results.lock().unwrap_or_else(|p| p.into_inner()).push(json!({
                        "source": job.src.show(), "destination": job.dst.show(), "size": job.size,
                    }));
                }
                Err(e) => {
                    summary_ref.failed.fetch_add(1, Ordering::Relaxed);
                    if let Some(b) = bars_ref {
                        b.multi.suspend(|| out.item_failed(&job.src.show(), &e));
                    } else {
                        out.item_failed(&job.src.show(), &e);
                    }
                    summary_ref.results.lock().unwrap_or_else(|p| p.into_inner()).push(json!({
                        "source": job.src.show(), "destination": job.dst.show(), "error": out.describe(&e),
                    }));
                }
            }
        })
        .buffer_unordered(run.jobs.max(1))
        .collect::<Vec<()>>()
        .await;
    if let Some(b) = bars {
        b.total.finish_and_clear();
    }
    summary
}

/// One job: the transfer, then (mv) the source's removal. The line to print for it.
async fn transfer_one(
    client: &Client,
    job: &Job,
    run: &Run<'_>,
    progress: Option<ProgressFn>,
    cancel: CancellationToken,
) -> Result<String, Error> {
    let keep = run.transfer.checkpoint_dir.is_some();
    let verb = match (&job.src, &job.dst) {
        (Loc::Oss(src), Loc::Oss(dst)) => {
            let mut opts = commands::copy_options(run.transfer, cancel, keep);
            opts.progress = progress;
            client.copy(src, dst, &opts).await?;
            "copied"
        }
        (Loc::Local(src), Loc::Oss(dst)) => {
            let mut opts = commands::transfer_options(run.transfer, cancel, keep);
            opts.progress = progress;
            client.upload_file(src, dst, &opts).await?;
            "uploaded"
        }
        (Loc::Oss(src), Loc::Local(dst)) => {
            commands::make_parent(dst)?;
            let mut opts = commands::transfer_options(run.transfer, cancel, keep);
            opts.progress = progress;
            client.download_file(src, dst, &opts).await?;
            "downloaded"
        }
        (Loc::Local(_), Loc::Local(_)) => {
            return Err(Error::Usage("between local paths, use cp or rsync".to_owned()));
        }
    };
    let mut text = format!("{verb} {} -> {} ({})", job.src.show(), job.dst.show(), human_size(job.size));
    if run.remove_source {
        remove(client, &job.src).await?;
        text = text.replacen(verb, "moved", 1);
    }
    Ok(text)
}

async fn remove(client: &Client, loc: &Loc) -> Result<(), Error> {
    match loc {
        Loc::Oss(p) => client.delete_object(&p.bucket, &p.key).await.map(|_| ()),
        Loc::Local(p) => tokio::fs::remove_file(p)
            .await
            .map_err(|e| Error::Io { context: format!("removing {}", p.display()), source: e }),
    }
}

/// Removes the now empty directories below (and including) `dir`, deepest first.
fn prune_empty_dirs(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                prune_empty_dirs(&e.path());
            }
        }
    }
    let _ = std::fs::remove_dir(dir);
}

fn check_pair(src: &Loc, dst: &Loc) -> Result<(), Error> {
    if let (Loc::Local(_), Loc::Local(_)) = (src, dst) {
        return Err(Error::Usage("one side must be an oss:// URL (between local paths, use cp or rsync)".to_owned()));
    }
    Ok(())
}

fn summary_line(verb: &str, s: &Summary, started: Instant) -> String {
    let done = s.done.load(Ordering::Relaxed);
    format!(
        "{verb} {done} object{} ({}) in {:.1}s, {} failed",
        if done == 1 { "" } else { "s" },
        human_size(s.bytes.load(Ordering::Relaxed)),
        started.elapsed().as_secs_f64(),
        s.failed.load(Ordering::Relaxed)
    )
}

/// `cp -r` and `mv -r`: every object under SRC to the same relative path under DST.
pub async fn copy_tree(
    client: &Client,
    out: &Output,
    src: &str,
    dst: &str,
    filter: &FilterArgs,
    run: &Run<'_>,
) -> Result<(), Error> {
    let started = Instant::now();
    let (src, dst) = (Loc::parse(src)?, Loc::parse(dst)?);
    check_pair(&src, &dst)?;
    let items = list(client, out, &src, &Filter::new(filter)?, false).await?;
    let mut jobs = Vec::new();
    for (rel, item) in &items {
        // Directory markers (`dir/`) become directories, not files.
        if rel.ends_with('/') {
            if let Loc::Local(_) = dst {
                if let Ok(Loc::Local(dir)) = dst.join(rel) {
                    if !run.dry_run {
                        let _ = std::fs::create_dir_all(dir);
                    }
                }
                continue;
            }
        }
        match dst.join(rel) {
            Ok(target) => jobs.push(Job { src: src.join(rel)?, dst: target, size: item.size }),
            Err(e) => out.item_failed(&src.join(rel)?.show(), &e),
        }
    }
    let verb = if run.remove_source { "move" } else { "copy" };
    let summary = run_jobs(client, out, jobs, run, verb).await;
    if run.remove_source && !run.dry_run && summary.failed.load(Ordering::Relaxed) == 0 {
        if let Loc::Local(dir) = &src {
            prune_empty_dirs(dir);
        }
    }
    let verb = match (run.dry_run, run.remove_source) {
        (true, _) => "would transfer",
        (false, true) => "moved",
        (false, false) => "copied",
    };
    if run.dry_run {
        out.line(format!("{verb} {} objects; nothing was changed", items.len()));
    } else {
        out.line(summary_line(verb, &summary, started));
    }
    let results = summary.results.lock().map(|r| r.clone()).unwrap_or_default();
    out.json(json!({
        "operation": if run.remove_source { "mv" } else { "cp" },
        "dry_run": run.dry_run,
        "transferred": summary.done.load(Ordering::Relaxed),
        "failed": summary.failed.load(Ordering::Relaxed),
        "bytes": summary.bytes.load(Ordering::Relaxed),
        "objects": results,
    }));
    Ok(())
}

/// `sync SRC DST`.
pub async fn sync(client: &Client, out: &Output, args: SyncArgs) -> Result<(), Error> {
    let started = Instant::now();
    let (src, dst) = (Loc::parse(&args.src)?, Loc::parse(&args.dst)?);
    check_pair(&src, &dst)?;
    let filter = Filter::new(&args.filter)?;
    let compare = match (&src, &dst) {
        (Loc::Oss(_), Loc::Oss(_)) => Compare::SizeAndEtag,
        _ => Compare::SizeAndMtime,
    };
    let have = list(client, out, &src, &filter, false).await?;
    let theirs = list(client, out, &dst, &filter, true).await?;
    let mut jobs = Vec::new();
    let mut up_to_date = 0usize;
    for (rel, item) in &have {
        if rel.ends_with('/') && matches!(dst, Loc::Local(_)) {
            continue;
        }
        if theirs.get(rel).is_some_and(|t| compare.up_to_date(item, t)) {
            up_to_date += 1;
            continue;
        }
        match dst.join(rel) {
            Ok(target) => jobs.push(Job { src: src.join(rel)?, dst: target, size: item.size }),
            Err(e) => out.item_failed(&src.join(rel)?.show(), &e),
        }
    }
    let extra: Vec<Loc> = if args.delete {
        theirs.keys().filter(|rel| !have.contains_key(*rel)).map(|rel| dst.join(rel)).collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    let run = Run { transfer: &args.transfer, jobs: args.filter.jobs, remove_source: false, dry_run: args.dry_run };
    let summary = run_jobs(client, out, jobs, &run, "copy").await;
    let mut deleted = Vec::new();
    for target in &extra {
        if args.dry_run {
            out.line(format!("would delete {}", target.show()));
            deleted.push(target.show());
            continue;
        }
        match remove(client, target).await {
            Ok(()) => {
                out.line(format!("deleted {}", target.show()));
                deleted.push(target.show());
            }
            Err(e) => out.item_failed(&target.show(), &e),
        }
    }
    let done = summary.done.load(Ordering::Relaxed);
    let failed = summary.failed.load(Ordering::Relaxed);
    let results = summary.results.lock().map(|r| r.clone()).unwrap_or_default();
    if args.dry_run {
        out.line(format!(
            "sync (by {}): would copy {} and delete {}, {up_to_date} up to date; nothing was changed",
            compare.describe(),
            results.len(),
            deleted.len()
        ));
    } else {
        out.line(format!(
            "sync (by {}): {}, {up_to_date} up to date, {} deleted",
            compare.describe(),
            summary_line("copied", &summary, started),
            deleted.len()
        ));
    }
    out.json(json!({
        "operation": "sync", "compared_by": compare.describe(), "dry_run": args.dry_run,
        "copied": done, "failed": failed, "up_to_date": up_to_date,
        "bytes": summary.bytes.load(Ordering::Relaxed), "objects": results, "deleted": deleted,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_paths_and_names() {
        let f = Filter::new(&FilterArgs {
            include: vec!["*.txt".into(), "logs/**".into()],
            exclude: vec!["secret*".into()],
            jobs: 1,
        })
        .unwrap();
        assert!(f.matches("a.txt") && f.matches("deep/dir/b.txt") && f.matches("logs/x.bin"));
        assert!(!f.matches("a.bin") && !f.matches("deep/secret.txt"));
        assert!(Filter::new(&FilterArgs { include: vec!["[".into()], ..Default::default() }).is_err());
    }

    #[test]
    fn keys_that_would_escape_the_directory_are_refused() {
        let root = Loc::Local(PathBuf::from("/tmp/x"));
        assert!(matches!(root.join("a/b.txt"), Ok(Loc::Local(p)) if p == Path::new("/tmp/x/a/b.txt")));
        for bad in ["../etc/passwd", "a/../../b", "a//b", "/abs", "./a"] {
            assert!(root.join(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sync_comparisons() {
        let t = |s| Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(s));
        let item = |size, mtime, etag: &str| Item { size, mtime, etag: Some(etag.to_owned()) };
        let m = Compare::SizeAndMtime;
        assert!(m.up_to_date(&item(1, t(10), "a"), &item(1, t(11), "b")));
        assert!(!m.up_to_date(&item(1, t(12), "a"), &item(1, t(11), "a")));
        assert!(!m.up_to_date(&item(1, t(10), "a"), &item(2, t(11), "a")));
        let e = Compare::SizeAndEtag;
        assert!(e.up_to_date(&item(1, t(12), "a"), &item(1, t(11), "A")));
        assert!(!e.up_to_date(&item(1, t(10), "a"), &item(1, t(11), "b")));
        assert!(e.up_to_date(&item(1, t(10), "a-2"), &item(1, t(11), "b-3")));
    }
}
