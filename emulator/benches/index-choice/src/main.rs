//! indexbench: compare embedded indexes (rusqlite/bundled, redb, fjall) for OSS object metadata.
//! Usage: indexbench bench [sqlite|redb|fjall ...]   (internal: open|crash subcommands)
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[cfg(feature = "fjall")]
mod fjall_store;
#[cfg(feature = "redb")]
mod redb_store;
#[cfg(feature = "rusqlite")]
mod sqlite;

/// Volatile: fastest commit the engine has (only differs for redb: Durability::None, NOT crash-safe).
/// Process: commit survives kill -9 of the process (no fsync if the engine allows it).
/// Power: commit is fsynced (survives power loss).
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Mode { Volatile, Process, Power }

pub type Reader = Box<dyn Fn(&str, &[u8]) -> Option<Vec<u8>> + Send>;

pub trait Store {
    /// All items in one transaction, committed with `mode`.
    fn put(&mut self, items: &[(&str, &[u8], &[u8])], mode: Mode);
    fn get(&self, bucket: &str, key: &[u8]) -> Option<Vec<u8>>;
    /// Up to `limit` (key, value) pairs with key starting with `prefix`, key > marker, in key order.
    fn list(&self, bucket: &str, prefix: &[u8], marker: &[u8], limit: usize) -> Vec<(Vec<u8>, Vec<u8>)>;
    /// An independent read handle usable from another thread while this one writes.
    fn reader(&self) -> Reader;
    /// Optional clean-shutdown work (fjall: flush memtable so the next open needs no journal replay).
    fn flush(&mut self) {}
}

/// Flat key for KV engines: bucket ++ 0x00 ++ key (bucket names never contain 0x00).
pub fn enc(bucket: &str, key: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(bucket.len() + 1 + key.len());
    v.extend_from_slice(bucket.as_bytes());
    v.push(0);
    v.extend_from_slice(key);
    v
}

const ENGINES: &[&str] = &[
    #[cfg(feature = "rusqlite")] "sqlite",
    #[cfg(feature = "redb")] "redb",
    #[cfg(feature = "fjall")] "fjall",
];

fn open_store(engine: &str, dir: &Path) -> Box<dyn Store> {
    match engine {
        #[cfg(feature = "rusqlite")]
        "sqlite" => Box::new(sqlite::Sqlite::open(dir)),
        #[cfg(feature = "redb")]
        "redb" => Box::new(redb_store::Redb::open(dir)),
        #[cfg(feature = "fjall")]
        "fjall" => Box::new(fjall_store::Fjall::open(dir)),
        _ => panic!("engine {engine} not compiled in"),
    }
}

// ---------- deterministic workload ----------
fn mix(mut z: u64) -> u64 { // splitmix64 finalizer: a bijection, so keys are unique
    z = z.wrapping_add(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}
struct Rng(u64);
impl Rng { fn below(&mut self, n: u64) -> u64 { self.0 += 1; mix(self.0) % n } }

/// Object i lives in bucket i%4 under prefix "dir-{(i/4)%16}/": 64 (bucket, dir) groups.
fn bucket_of(i: u64) -> &'static str { ["bucket-0", "bucket-1", "bucket-2", "bucket-3"][(i % 4) as usize] }
fn key_of(i: u64) -> Vec<u8> {
    let h = mix(i);
    format!("dir-{:x}/user-{:04}/photos/2024/thumbnails/IMG_{:016x}.jpg", (i / 4) % 16, h % 10000, h).into_bytes()
}
fn val_of(i: u64) -> Vec<u8> { // ~400 B JSON-like object metadata
    let h = mix(i ^ 0x5555);
    let mut s = format!(
        r#"{{"size":{},"etag":"{:016x}{:016x}","mtime":"2024-05-{:02}T12:{:02}:{:02}.123Z","content_type":"image/jpeg","storage_class":"STANDARD","version_id":"null","owner":"user-{:04}","acl":"private","user_meta":{{"x-amz-meta-pad":""#,
        h % 10_000_000, h, mix(h), h % 28 + 1, h % 60, (h >> 8) % 60, h % 10000
    );
    while s.len() < 397 { s.push((b'a' + (s.len() % 26) as u8) as char); }
    s.push_str("\"}}");
    s.into_bytes()
}
fn items(range: impl Iterator<Item = u64>, valseed: u64) -> Vec<(&'static str, Vec<u8>, Vec<u8>)> {
    range.map(|i| (bucket_of(i), key_of(i), val_of(i + valseed))).collect()
}
fn put_owned(s: &mut dyn Store, it: &[(&'static str, Vec<u8>, Vec<u8>)], mode: Mode) {
    let refs: Vec<(&str, &[u8], &[u8])> = it.iter().map(|(b, k, v)| (*b, k.as_slice(), v.as_slice())).collect();
    s.put(&refs, mode);
}

// ---------- helpers ----------
/// Keys preloaded (INDEXBENCH_N, default 1M) and seconds per measured phase (INDEXBENCH_PHASE, default 3).
static N_KEYS: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| env_or("INDEXBENCH_N", 1_000_000));
static PHASE: std::sync::LazyLock<Duration> = std::sync::LazyLock::new(|| Duration::from_secs(env_or("INDEXBENCH_PHASE", 3)));
fn env_or(k: &str, d: u64) -> u64 { std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d) }

/// Runs `f` until PHASE elapses; returns ops/s (f returns how many ops it did).
fn rate(mut f: impl FnMut() -> u64) -> f64 {
    let t = Instant::now();
    let mut n = 0;
    while t.elapsed() < *PHASE { n += f(); }
    n as f64 / t.elapsed().as_secs_f64()
}
fn rss_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines().find(|l| l.starts_with("VmRSS:")).unwrap().split_whitespace().nth(1).unwrap().parse().unwrap()
}
fn du_bytes(p: &Path) -> u64 { // allocated size, like `du`
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(p).unwrap();
    if m.is_dir() { std::fs::read_dir(p).unwrap().map(|e| du_bytes(&e.unwrap().path())).sum() } else { m.blocks() * 512 }
}
fn fmt(x: f64) -> String { if x >= 100.0 { format!("{:.0}", x) } else { format!("{:.2}", x) } }

// ---------- child processes (for open time and kill -9 test) ----------
fn child_open(engine: &str, dir: &Path) {
    let t = Instant::now();
    let s = open_store(engine, dir);
    assert!(s.get(bucket_of(0), &key_of(0)).is_some());
    println!("first {}", t.elapsed().as_secs_f64() * 1000.0);
    std::io::stdout().flush().unwrap();
    let mut rng = Rng(7);
    for _ in 0..10_000 { let i = rng.below(*N_KEYS); assert!(s.get(bucket_of(i), &key_of(i)).is_some()); }
    println!("rss {}", rss_kib());
}
fn child_crash(engine: &str, dir: &Path, mode: Mode) {
    let mut s = open_store(engine, dir);
    for i in 0..1000 { put_owned(&mut *s, &items(i..i + 1, 0), mode); }
    println!("done");
    std::io::stdout().flush().unwrap();
    std::thread::sleep(Duration::from_secs(60)); // parent sends SIGKILL now
}
fn spawn(args: &[&str]) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
    let mut c = Command::new(std::env::current_exe().unwrap()).args(args).stdout(Stdio::piped()).spawn().unwrap();
    let out = BufReader::new(c.stdout.take().unwrap());
    (c, out)
}
fn crash_test(engine: &str, data: &Path, mode: Mode) -> String {
    let dir = data.join("crash");
    let _ = std::fs::remove_dir_all(&dir);
    let (mut c, mut out) = spawn(&["crash", engine, dir.to_str().unwrap(), &format!("{mode:?}")]);
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "done");
    c.kill().unwrap(); // SIGKILL
    c.wait().unwrap();
    let s = open_store(engine, &dir);
    let found = (0..1000).filter(|&i| s.get(bucket_of(i), &key_of(i)).is_some()).count();
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
    format!("{found}/1000")
}

// ---------- the benchmark for one engine ----------
fn bench(engine: &str, data: &Path) -> Vec<(&'static str, String)> {
    let mut r: Vec<(&'static str, String)> = Vec::new();
    let log = |r: &mut Vec<(&'static str, String)>, k: &'static str, v: String| {
        eprintln!("  [{engine}] {k}: {v}");
        r.push((k, v));
    };
    let _ = std::fs::remove_dir_all(data);
    let dir = data.join("main");
    let mut s = open_store(engine, &dir);

    // preload 1M keys in 50k-key transactions, then one durable commit
    let t = Instant::now();
    for c in 0..*N_KEYS / 50_000 { put_owned(&mut *s, &items(c * 50_000..(c + 1) * 50_000, 0), Mode::Volatile); }
    s.put(&[], Mode::Power);
    log(&mut r, "preload 1M keys, 50k keys/txn (keys/s)", fmt(*N_KEYS as f64 / t.elapsed().as_secs_f64()));

    let mut next = *N_KEYS; // next brand-new key id
    let mut new_one = |s: &mut dyn Store, mode: Mode, n: u64| -> u64 {
        put_owned(s, &items(next..next + n, 0), mode);
        next += n;
        n
    };
    // a. single-key commits, process-crash-safe mode
    let ins_process = rate(|| new_one(&mut *s, Mode::Process, 1));
    log(&mut r, "a. insert new, 1/txn, `process` mode (commits/s)", fmt(ins_process));
    let ins_volatile = if engine == "redb" {
        let v = rate(|| new_one(&mut *s, Mode::Volatile, 1));
        log(&mut r, "a'. insert new, 1/txn, redb Durability::None (commits/s)", fmt(v));
        v
    } else {
        log(&mut r, "a'. insert new, 1/txn, redb Durability::None (commits/s)", "n/a".into());
        ins_process
    };
    // d. overwrite existing keys in the no-fsync mode (redb: None, others: process mode)
    let mut rng = Rng(1);
    let ow_mode = if engine == "redb" { Mode::Volatile } else { Mode::Process };
    let ow = rate(|| { let i = rng.below(*N_KEYS); put_owned(&mut *s, &items(i..i + 1, 777), ow_mode); 1 });
    log(&mut r, "d. overwrite existing, 1/txn, no-fsync mode (commits/s)", fmt(ow));
    log(&mut r, "d. overwrite / insert-new ratio (same mode)", format!("{:.2}", ow / ins_volatile));
    s.put(&[], Mode::Power); // untimed: make earlier redb Durability::None commits durable first
    // b. single-key commits with fsync
    let v = rate(|| new_one(&mut *s, Mode::Power, 1));
    log(&mut r, "b. insert new, 1/txn + fsync (commits/s)", fmt(v));
    // c. group commit: 32 inserts per fsynced transaction
    let v = rate(|| new_one(&mut *s, Mode::Power, 32));
    log(&mut r, "c. insert new, 32/txn + fsync (inserts/s)", fmt(v));
    // e. point lookups of random existing keys
    let mut miss = 0;
    let v = rate(|| { let i = rng.below(*N_KEYS); if s.get(bucket_of(i), &key_of(i)).is_none() { miss += 1 } 1 });
    assert_eq!(miss, 0);
    log(&mut r, "e. point lookups @1M (lookups/s)", fmt(v));
    // f. list 1000 keys after a random marker under a prefix (~15.6k keys under it)
    let mut short = 0;
    let users = 10_000u64.saturating_sub(10_000 * 1300 * 64 / *N_KEYS).max(1); // leave >=1300 keys after marker
    let v = rate(|| {
        let marker = format!("dir-0/user-{:04}", rng.below(users));
        if s.list("bucket-0", b"dir-0/", marker.as_bytes(), 1000).len() != 1000 { short += 1 }
        1
    });
    assert_eq!(short, 0);
    log(&mut r, "f. list 1000 after marker @1M keys (lists/s)", fmt(v));
    s.put(&[], Mode::Power); // untimed, as above
    // h. one writer (process mode, 1/txn) + one reader thread concurrently
    let reader = s.reader();
    let (w, rd) = std::thread::scope(|sc| {
        let h = sc.spawn(move || { let mut rng = Rng(99); rate(|| { let i = rng.below(*N_KEYS); assert!(reader(bucket_of(i), &key_of(i)).is_some()); 1 }) });
        let w = rate(|| new_one(&mut *s, Mode::Process, 1));
        (w, h.join().unwrap())
    });
    log(&mut r, "h. concurrent 1 writer (`process`, 1/txn) + 1 reader thread: commits/s ; lookups/s", format!("{} ; {}", fmt(w), fmt(rd)));
    drop(s); // clean close

    // g. open time + size + RSS in a fresh process: first as left by the run (journal/WAL as is,
    // like a restart after kill -9), then after an explicit flush at shutdown.
    let open_child = || {
        let t = Instant::now();
        let (mut c, mut out) = spawn(&["open", engine, dir.to_str().unwrap()]);
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let wall = t.elapsed().as_secs_f64() * 1000.0;
        let inner: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        line.clear();
        out.read_line(&mut line).unwrap();
        let rss: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        c.wait().unwrap();
        (format!("{:.0} ({:.0})", wall, inner), format!("{:.1}", rss / 1024.0))
    };
    let (o1, rss1) = open_child();
    let mut s = open_store(engine, &dir);
    s.flush();
    drop(s);
    let (o2, rss2) = open_child();
    log(&mut r, "g. open 1M DB, no flush at close: spawn -> 1st lookup, ms (in-process)", o1);
    log(&mut r, "g. open 1M DB after flush at close: spawn -> 1st lookup, ms (in-process)", o2);
    log(&mut r, "g. DB size on disk (MiB)", format!("{:.0}", du_bytes(&dir) as f64 / 1048576.0));
    log(&mut r, "g. RSS after open + 10k random lookups, MiB (no flush ; flushed)", format!("{rss1} ; {rss2}"));
    let _ = std::fs::remove_dir_all(&dir);

    // f @1k: a DB holding only 1000 keys, all under the listed prefix
    let small = data.join("small");
    let mut s = open_store(engine, &small);
    put_owned(&mut *s, &items((0..1000).map(|j| j * 64), 0), Mode::Power);
    let v = rate(|| { assert_eq!(s.list("bucket-0", b"dir-0/", b"", 1000).len(), 1000); 1 });
    log(&mut r, "f. list 1000 after marker @1k keys (lists/s)", fmt(v));
    drop(s);
    let _ = std::fs::remove_dir_all(&small);

    // kill -9 survival of 1000 single-key commits
    log(&mut r, "kill -9 after 1000 `process` commits: keys survived", crash_test(engine, data, Mode::Process));
    let v = if engine == "redb" { crash_test(engine, data, Mode::Volatile) } else { "n/a".into() };
    log(&mut r, "kill -9 after 1000 redb Durability::None commits: survived", v);
    let _ = std::fs::remove_dir_all(data);
    r
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = PathBuf::from(std::env::var("INDEXBENCH_DATA").unwrap_or("data".into()));
    match args.get(1).map(|s| s.as_str()) {
        Some("open") => return child_open(&args[2], Path::new(&args[3])),
        Some("crash") => {
            let mode = match args[4].as_str() { "Volatile" => Mode::Volatile, "Process" => Mode::Process, _ => Mode::Power };
            return child_crash(&args[2], Path::new(&args[3]), mode);
        }
        Some("bench") => {}
        _ => { eprintln!("usage: indexbench bench [sqlite|redb|fjall ...]"); std::process::exit(2) }
    }
    let engines: Vec<&str> = if args.len() > 2 { args[2..].iter().map(|s| s.as_str()).collect() } else { ENGINES.to_vec() };
    // optional build times written by run.sh: "engine seconds" per line
    let builds = std::fs::read_to_string("build_times.txt").unwrap_or_default();
    let mut cols = Vec::new();
    for e in &engines {
        eprintln!("== {e}");
        let mut r = bench(e, &data);
        let b = builds.lines().find_map(|l| l.strip_prefix(&format!("{e} "))).unwrap_or("?").to_string();
        r.insert(0, ("1. cold release build of crate alone, s wall (2 shared noisy cores)", b));
        cols.push(r);
    }
    println!("| metric | {} |", engines.join(" | "));
    println!("|---|{}", "---|".repeat(engines.len()));
    for (i, (k, _)) in cols[0].iter().enumerate() {
        let vals: Vec<&str> = cols.iter().map(|c| c[i].1.as_str()).collect();
        println!("| {k} | {} |", vals.join(" | "));
    }
}
