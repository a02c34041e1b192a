//! What `ossc` prints: plain lines or JSON, progress bars on a terminal, one-line errors and
//! exit codes that tell failures apart.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use oss_client::{Error, ErrorKind, Progress, ProgressFn};
use serde_json::{json, Value};

pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_NOT_FOUND: u8 = 3;
pub const EXIT_ACCESS_DENIED: u8 = 4;
/// What shells report for a process stopped by SIGINT.
pub const EXIT_INTERRUPTED: u8 = 130;
/// What shells report for a process stopped by SIGPIPE: the reader of our output went away
/// (`ossc ls -r … | head -1`).
pub const EXIT_BROKEN_PIPE: u8 = 141;

pub struct Output {
    pub json: bool,
    pub quiet: bool,
    /// The endpoint, for "cannot connect" messages.
    pub endpoint: String,
    /// No credentials were found: a 403 then most likely means "sign in first".
    pub anonymous: bool,
    /// The exit code of a command that reported its own failures (an item of a bulk command, a
    /// missing key of rm) and still ran to its end; 0 when none.
    exit: AtomicU8,
}

/// Writes `bytes` to standard output; a closed pipe ends the process quietly with
/// [`EXIT_BROKEN_PIPE`], as a process killed by SIGPIPE would.
pub fn write_stdout(bytes: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(i32::from(EXIT_BROKEN_PIPE));
        }
        eprintln!("ossc: writing to standard output: {e}");
        std::process::exit(i32::from(EXIT_FAILURE));
    }
}

/// A line on standard output (see [`write_stdout`]).
pub fn print_line(text: &str) {
    let mut line = String::with_capacity(text.len() + 1);
    line.push_str(text);
    line.push('\n');
    write_stdout(line.as_bytes());
}

impl Output {
    pub fn new(json: bool, quiet: bool) -> Output {
        Output { json, quiet, endpoint: String::new(), anonymous: false, exit: AtomicU8::new(0) }
    }

    /// Whether output is for people (not JSON, not quiet).
    pub fn human(&self) -> bool {
        !self.json && !self.quiet
    }

    /// A line of human output (nothing in JSON or quiet mode).
    pub fn line(&self, text: impl AsRef<str>) {
        if self.human() {
            print_line(text.as_ref());
        }
    }

    /// A JSON document (only in JSON mode; quiet does not silence what was asked for).
    pub fn json(&self, value: Value) {
        if self.json {
            print_line(&value.to_string());
        }
    }

    /// Reports one failed item of a bulk command on stderr and remembers that the exit code
    /// must say so.
    pub fn item_failed(&self, what: &str, err: &Error) {
        self.set_exit(EXIT_FAILURE);
        if !self.json {
            eprintln!("ossc: {what}: {}", self.describe(err));
        }
    }

    /// Makes the exit code `code` unless an earlier failure already set one.
    pub fn set_exit(&self, code: u8) {
        let _ = self.exit.compare_exchange(0, code, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// The exit code failures reported along the way call for (0 for none).
    pub fn exit_code(&self) -> u8 {
        self.exit.load(Ordering::Relaxed)
    }

    /// Whether bars may be drawn (stdout is a terminal, output is for people).
    pub fn bars(&self) -> bool {
        self.human() && std::io::stdout().is_terminal()
    }

    /// A progress bar for `total` bytes when stdout is a terminal and output is for people.
    pub fn progress(&self, label: &str, total: u64) -> Option<(ProgressBar, ProgressFn)> {
        if !self.bars() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stdout());
        let style = ProgressStyle::with_template(
            "{prefix} [{elapsed_precise}] [{wide_bar:.cyan/blue}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(label.to_owned());
        let feed = bar.clone();
        let callback: ProgressFn = Arc::new(move |p: Progress| {
            feed.set_length(p.total);
            feed.set_position(p.done);
        });
        Some((bar, callback))
    }

    /// Prints `err` as one line (or a JSON object) on stderr and picks the exit code.
    pub fn fail(&self, err: &Error) -> ExitCode {
        if self.json {
            let s = err.service();
            let doc = json!({"error": {
                "kind": format!("{:?}", err.kind()),
                "message": self.describe(err),
                "status": err.status().map(|s| s.as_u16()),
                "code": err.code(),
                "ec": err.ec(),
                "request_id": err.request_id(),
                "details": s.and_then(|s| s.raw_xml()),
            }});
            eprintln!("{doc}");
        } else if !matches!(err, Error::Cancelled) {
            eprintln!("ossc: {}", self.describe(err));
        }
        ExitCode::from(exit_code(err))
    }

    /// The error as one line, with a hint where the cause is most likely not the request: no
    /// credentials behind a 403, nothing listening behind a refused connection.
    pub fn describe(&self, err: &Error) -> String {
        describe(&self.endpoint, self.anonymous, err)
    }

    /// [`Output::describe`] for callbacks that outlive the borrow of `self` (progress events).
    pub fn describer(&self) -> impl Fn(&Error) -> String + Send + Sync + 'static {
        let (endpoint, anonymous) = (self.endpoint.clone(), self.anonymous);
        move |err| describe(&endpoint, anonymous, err)
    }
}

fn describe(endpoint: &str, anonymous: bool, err: &Error) -> String {
    if anonymous && err.status().is_some_and(|s| s.as_u16() == 403) {
        return format!(
            "no credentials found (set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET, pass --access-key-id and \
             --access-key-secret, or configure ~/.ossutilconfig); the anonymous request was refused: {}",
            one_line(err)
        );
    }
    if let Error::Transport(e) = err {
        if e.is_connect() {
            let io = std::iter::successors(Some(e as &dyn std::error::Error), |e| e.source())
                .find_map(|e| e.downcast_ref::<std::io::Error>());
            return match io {
                Some(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => format!(
                    "cannot connect to {}: connection refused — is the emulator (or a proxy) running there?",
                    endpoint
                ),
                Some(io) => format!("cannot connect to {endpoint}: {io}"),
                None => format!("cannot connect to {endpoint}: {}", one_line(err)),
            };
        }
    }
    one_line(err)
}

/// The error as a single line: its message with the OSS code, EC and request id, which is what
/// a support ticket needs.
pub fn one_line(err: &Error) -> String {
    let text = match err {
        Error::Usage(m) => m.clone(),
        other => other.to_string(),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn exit_code(err: &Error) -> u8 {
    match err.kind() {
        ErrorKind::Usage => EXIT_USAGE,
        ErrorKind::NotFound => EXIT_NOT_FOUND,
        ErrorKind::AccessDenied | ErrorKind::BadCredentials => EXIT_ACCESS_DENIED,
        ErrorKind::Cancelled => EXIT_INTERRUPTED,
        _ => EXIT_FAILURE,
    }
}

/// `1.5 MiB`-style sizes for people.
pub fn human_size(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
