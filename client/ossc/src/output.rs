//! What `ossc` prints: plain lines or JSON, progress bars on a terminal, one-line errors and
//! exit codes that tell failures apart.

use std::io::IsTerminal;
use std::process::ExitCode;
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

pub struct Output {
    pub json: bool,
    pub quiet: bool,
}

impl Output {
    pub fn new(json: bool, quiet: bool) -> Output {
        Output { json, quiet }
    }

    /// A line of human output (nothing in JSON or quiet mode).
    pub fn line(&self, text: impl AsRef<str>) {
        if !self.json && !self.quiet {
            println!("{}", text.as_ref());
        }
    }

    /// A JSON document (only in JSON mode; quiet does not silence what was asked for).
    pub fn json(&self, value: Value) {
        if self.json {
            println!("{value}");
        }
    }

    /// A progress bar for `total` bytes when stdout is a terminal and output is for people.
    pub fn progress(&self, label: &str, total: u64) -> Option<(ProgressBar, ProgressFn)> {
        if self.json || self.quiet || !std::io::stdout().is_terminal() {
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
                "message": err.to_string(),
                "status": err.status().map(|s| s.as_u16()),
                "code": err.code(),
                "ec": err.ec(),
                "request_id": err.request_id(),
                "details": s.and_then(|s| s.raw_xml()),
            }});
            eprintln!("{doc}");
        } else if !matches!(err, Error::Cancelled) {
            eprintln!("ossc: {}", one_line(err));
        }
        ExitCode::from(exit_code(err))
    }
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
