//! Many objects at once: `cp -r`, `mv -r` and `sync`. The library lists both sides
//! ([`oss_client::bulk::list_tree`]) and runs the transfers ([`Client::transfer_many`]); here
//! are the globs that select objects, the plans (what goes where, what sync leaves alone), the
//! bars drawn from the library's progress events, a line per object and the summaries.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use clap::Args;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use oss_client::bulk::{list_tree, BulkEvent, BulkOptions, BulkProgressFn, Location, TransferJob, TreeEntry};
use oss_client::{Client, Error, ObjectPath};
use serde_json::{json, Value};

use super::commands::{self, TransferArgs};
use super::output::{human_size, print_line, Output, EXIT_FAILURE};

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

/// `oss://b/p` is taken as the prefix `p/`, a local path as a directory.
pub fn parse_loc(s: &str) -> Result<Location, Error> {
    if ObjectPath::is_oss_url(s) {
        let mut p = ObjectPath::parse(s)?;
        if !p.is_prefix() {
            p.key.push('/');
        }
        Ok(Location::Oss(p))
    } else {
        Ok(Location::Local(PathBuf::from(s)))
    }
}

/// Everything under `root` that the filter selects, by relative path (the library's
/// [`list_tree`]); local entries it had to leave out are reported. A missing local directory
/// is an empty tree when `missing_ok` (a sync target), an error otherwise.
pub async fn list(
    client: &Client,
    out: &Output,
    root: &Location,
    filter: &Filter,
    missing_ok: bool,
) -> Result<BTreeMap<String, TreeEntry>, Error> {
    if let Location::Local(dir) = root {
        if missing_ok && matches!(std::fs::symlink_metadata(dir), Err(e) if e.kind() == std::io::ErrorKind::NotFound) {
            return Ok(BTreeMap::new());
        }
    }
    let tree = list_tree(client, root, |rel| filter.matches(rel)).await?;
    for (path, why) in &tree.skipped {
        out.item_failed(&path.display().to_string(), why);
    }
    Ok(tree.entries)
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

    fn up_to_date(self, src: &TreeEntry, dst: &TreeEntry) -> bool {
        if src.size != dst.size {
            return false;
        }
        // Whole seconds: listings may carry no more, and a file written in the second of its
        // upload must still count as up to date.
        let secs = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let newer_or_same = match (src.modified, dst.modified) {
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

/// The settings every job of a run shares.
pub struct Run<'a> {
    pub transfer: &'a TransferArgs,
    pub jobs: usize,
    /// Remove each source once it is copied (mv).
    pub remove_source: bool,
    pub dry_run: bool,
}

/// The overall bar and the per-object bars of the large objects, fed by the library's events.
struct Bars {
    multi: MultiProgress,
    total: ProgressBar,
    own: Mutex<HashMap<usize, ProgressBar>>,
    threshold: u64,
}

impl Bars {
    fn new(out: &Output, objects: usize, bytes: u64, threshold: u64) -> Option<Bars> {
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
        Some(Bars { multi, total, own: Mutex::new(HashMap::new()), threshold })
    }

    fn bars(&self) -> std::sync::MutexGuard<'_, HashMap<usize, ProgressBar>> {
        self.own.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn update(&self, event: &BulkEvent<'_>) {
        let overall = event.overall();
        self.total.set_position(overall.bytes_done);
        match event {
            BulkEvent::Started { index, job, .. } if job.size >= self.threshold => {
                let bar = self.multi.add(ProgressBar::new(job.size));
                let style = ProgressStyle::with_template(
                    "{prefix} [{wide_bar:.cyan/blue}] {bytes}/{total_bytes} {binary_bytes_per_sec}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
                bar.set_style(style);
                bar.set_prefix(job.src.to_string());
                self.bars().insert(*index, bar);
            }
            BulkEvent::Progress { index, progress, .. } => {
                if let Some(bar) = self.bars().get(index) {
                    bar.set_position(progress.done);
                }
            }
            BulkEvent::Finished { index, .. } => {
                if let Some(bar) = self.bars().remove(index) {
                    bar.finish_and_clear();
                }
                let ended = overall.objects_done + overall.objects_failed;
                self.total.set_message(format!("{ended}/{}", overall.objects_total));
            }
            _ => {}
        }
    }
}

/// What a run did, for the summary line and the JSON document.
#[derive(Default)]
pub struct Summary {
    pub done: usize,
    pub failed: usize,
    pub bytes: u64,
    pub results: Vec<Value>,
}

/// Runs `jobs` through the library's transfer manager, at most `run.jobs` at once, printing a
/// line per object as it ends (failures on stderr; they do not stop the others).
pub async fn run_jobs(client: &Client, out: &Output, jobs: Vec<TransferJob>, run: &Run<'_>, verb: &str) -> Summary {
    let mut summary = Summary::default();
    if run.dry_run {
        for job in &jobs {
            out.line(format!("would {verb} {} -> {} ({})", job.src, job.dst, human_size(job.size)));
            summary.results.push(json!({
                "source": job.src.to_string(), "destination": job.dst.to_string(), "size": job.size, "dry_run": true,
            }));
        }
        return summary;
    }
    let bytes: u64 = jobs.iter().map(|j| j.size).sum();
    let threshold = run.transfer.threshold.unwrap_or(oss_client::transfer::DEFAULT_TRANSFER_THRESHOLD);
    let bars = Bars::new(out, jobs.len(), bytes, threshold).map(Arc::new);
    let cancel = commands::cancel_on_ctrl_c();
    let keep = run.transfer.checkpoint_dir.is_some();
    let (human, json_mode, remove_source) = (out.human(), out.json, run.remove_source);
    let describe = out.describer();
    let feed = bars.clone();
    let progress: BulkProgressFn = Arc::new(move |event: &BulkEvent<'_>| {
        if let Some(b) = &feed {
            b.update(event);
        }
        let BulkEvent::Finished { job, result, .. } = event else { return };
        match result {
            Ok(done) => {
                let verb = if remove_source { "moved" } else { done.verb() };
                let text = format!("{verb} {} -> {} ({})", job.src, job.dst, human_size(done.size()));
                match &feed {
                    Some(b) => {
                        let _ = b.multi.println(text);
                    }
                    None if human => print_line(&text),
                    None => {}
                }
            }
            Err(e) if !json_mode => {
                let text = format!("ossc: {}: {}", job.src, describe(e));
                match &feed {
                    Some(b) => b.multi.suspend(|| eprintln!("{text}")),
                    None => eprintln!("{text}"),
                }
            }
            Err(_) => {}
        }
    });
    let opts = BulkOptions {
        jobs: run.jobs.max(1),
        transfer: commands::transfer_options(run.transfer, cancel.clone(), keep),
        copy: commands::copy_options(run.transfer, cancel.clone(), keep),
        remove_source,
        progress: Some(progress),
        cancel: Some(cancel),
    };
    let done = client.transfer_many(jobs, &opts).await;
    if let Some(b) = bars {
        b.total.finish_and_clear();
    }
    for r in &done.results {
        let (src, dst) = (r.job.src.to_string(), r.job.dst.to_string());
        summary.results.push(match &r.result {
            Ok(o) => json!({"source": src, "destination": dst, "size": o.size()}),
            Err(e) => {
                out.set_exit(EXIT_FAILURE);
                json!({"source": src, "destination": dst, "error": out.describe(e)})
            }
        });
    }
    summary.done = done.succeeded;
    summary.failed = done.failed;
    summary.bytes = done.bytes;
    summary
}

async fn remove(client: &Client, loc: &Location) -> Result<(), Error> {
    match loc {
        Location::Oss(p) => client.delete_object(&p.bucket, &p.key).await.map(|_| ()),
        Location::Local(p) => tokio::fs::remove_file(p)
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

fn check_pair(src: &Location, dst: &Location) -> Result<(), Error> {
    if let (Location::Local(_), Location::Local(_)) = (src, dst) {
        return Err(Error::Usage("one side must be an oss:// URL (between local paths, use cp or rsync)".to_owned()));
    }
    Ok(())
}

fn summary_line(verb: &str, s: &Summary, started: Instant) -> String {
    let done = s.done;
    format!(
        "{verb} {done} object{} ({}) in {:.1}s, {} failed",
        if done == 1 { "" } else { "s" },
        human_size(s.bytes),
        started.elapsed().as_secs_f64(),
        s.failed
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
    let (src, dst) = (parse_loc(src)?, parse_loc(dst)?);
    check_pair(&src, &dst)?;
    let items = list(client, out, &src, &Filter::new(filter)?, false).await?;
    let mut jobs = Vec::new();
    for (rel, item) in &items {
        // Directory markers (`dir/`) become directories, not files.
        if rel.ends_with('/') {
            if let Location::Local(_) = dst {
                if let Ok(Location::Local(dir)) = dst.join(rel) {
                    if !run.dry_run {
                        let _ = std::fs::create_dir_all(dir);
                    }
                }
                continue;
            }
        }
        match dst.join(rel) {
            Ok(target) => jobs.push(TransferJob { src: src.join(rel)?, dst: target, size: item.size }),
            Err(e) => out.item_failed(&src.join(rel)?.to_string(), &e),
        }
    }
    let verb = if run.remove_source { "move" } else { "copy" };
    let summary = run_jobs(client, out, jobs, run, verb).await;
    if run.remove_source && !run.dry_run && summary.failed == 0 {
        if let Location::Local(dir) = &src {
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
    out.json(json!({
        "operation": if run.remove_source { "mv" } else { "cp" },
        "dry_run": run.dry_run,
        "transferred": summary.done,
        "failed": summary.failed,
        "bytes": summary.bytes,
        "objects": summary.results,
    }));
    Ok(())
}

/// `sync SRC DST`.
pub async fn sync(client: &Client, out: &Output, args: SyncArgs) -> Result<(), Error> {
    let started = Instant::now();
    let (src, dst) = (parse_loc(&args.src)?, parse_loc(&args.dst)?);
    check_pair(&src, &dst)?;
    let filter = Filter::new(&args.filter)?;
    let compare = match (&src, &dst) {
        (Location::Oss(_), Location::Oss(_)) => Compare::SizeAndEtag,
        _ => Compare::SizeAndMtime,
    };
    let have = list(client, out, &src, &filter, false).await?;
    let theirs = list(client, out, &dst, &filter, true).await?;
    let mut jobs = Vec::new();
    let mut up_to_date = 0usize;
    for (rel, item) in &have {
        if rel.ends_with('/') && matches!(dst, Location::Local(_)) {
            continue;
        }
        if theirs.get(rel).is_some_and(|t| compare.up_to_date(item, t)) {
            up_to_date += 1;
            continue;
        }
        match dst.join(rel) {
            Ok(target) => jobs.push(TransferJob { src: src.join(rel)?, dst: target, size: item.size }),
            Err(e) => out.item_failed(&src.join(rel)?.to_string(), &e),
        }
    }
    let extra: Vec<Location> = if args.delete {
        theirs.keys().filter(|rel| !have.contains_key(*rel)).map(|rel| dst.join(rel)).collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    let run = Run { transfer: &args.transfer, jobs: args.filter.jobs, remove_source: false, dry_run: args.dry_run };
    let mut summary = run_jobs(client, out, jobs, &run, "copy").await;
    let mut deleted = Vec::new();
    for target in &extra {
        if args.dry_run {
            out.line(format!("would delete {target}"));
            deleted.push(target.to_string());
            continue;
        }
        match remove(client, target).await {
            Ok(()) => {
                out.line(format!("deleted {target}"));
                deleted.push(target.to_string());
            }
            Err(e) => out.item_failed(&target.to_string(), &e),
        }
    }
    let done = summary.done;
    let failed = summary.failed;
    let results = std::mem::take(&mut summary.results);
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
        "bytes": summary.bytes, "objects": results, "deleted": deleted,
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
    fn oss_urls_are_prefixes_and_local_paths_directories() {
        assert_eq!(parse_loc("oss://b/p").unwrap(), Location::Oss(ObjectPath::new("b", "p/")));
        assert_eq!(parse_loc("oss://b/p/").unwrap(), Location::Oss(ObjectPath::new("b", "p/")));
        assert_eq!(parse_loc("oss://b").unwrap(), Location::Oss(ObjectPath::new("b", "")));
        assert_eq!(parse_loc("dir").unwrap(), Location::Local(PathBuf::from("dir")));
    }

    #[test]
    fn sync_comparisons() {
        let t = |s| Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(s));
        let item = |size, mtime, etag: &str| TreeEntry { size, modified: mtime, etag: Some(etag.to_owned()) };
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
