//! The three date formats on the OSS wire. SDKs are strict: oss2 parses `Last-Modified` with a
//! regex demanding a two-digit day and literal `GMT`, and every XML time must end in `.000Z`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Broken-down UTC time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs_f64().ceil() as i64),
    }
}

fn from_unix_secs(secs: i64) -> SystemTime {
    if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl Civil {
    pub fn from_system_time(t: SystemTime) -> Self {
        let secs = unix_secs(t);
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let rem = secs.rem_euclid(86_400) as u32;
        Civil { year, month, day, hour: rem / 3600, minute: rem / 60 % 60, second: rem % 60 }
    }

    pub fn to_system_time(self) -> Option<SystemTime> {
        if !(1..=12).contains(&self.month)
            || self.day == 0
            || self.day > days_in_month(self.year, self.month)
            || self.hour > 23
            || self.minute > 59
            || self.second > 60
        {
            return None;
        }
        let days = days_from_civil(self.year, self.month, self.day);
        Some(from_unix_secs(days * 86_400 + i64::from(self.hour * 3600 + self.minute * 60 + self.second)))
    }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `Wed, 28 Dec 2022 10:27:41 GMT`
pub fn format_http_date(t: SystemTime) -> String {
    let c = Civil::from_system_time(t);
    let wd = DAYS[unix_secs(t).div_euclid(86_400).rem_euclid(7) as usize];
    format!(
        "{wd}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        c.day,
        MONTHS[(c.month - 1) as usize],
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// Strict RFC 1123 as OSS requires for `Date` in signatures: two-digit day, English names,
/// literal `GMT`. The weekday is not cross-checked (OSS does not either, as far as is known).
pub fn parse_http_date(s: &str) -> Option<SystemTime> {
    let mut r = Fields::new(s);
    let weekday = r.take(3)?;
    if !DAYS.iter().any(|d| d.as_bytes() == weekday) {
        return None;
    }
    r.literal(", ")?;
    let day = r.number(2)?;
    r.literal(" ")?;
    let month = r.take(3)?;
    let month = MONTHS.iter().position(|m| m.as_bytes() == month)? as u32 + 1;
    r.literal(" ")?;
    let year = r.number(4)?;
    r.literal(" ")?;
    let (hour, minute, second) = r.clock(Some(b':'))?;
    r.literal(" GMT")?;
    r.end()?;
    Civil { year: i64::from(year), month, day, hour, minute, second }.to_system_time()
}

/// Lenient HTTP date parsing for conditional headers (RFC 1123, RFC 850, asctime).
pub fn parse_http_date_lenient(s: &str) -> Option<SystemTime> {
    parse_http_date(s).or_else(|| httpdate::parse_http_date(s).ok())
}

/// A fixed-width date read from the front. Request headers may carry any UTF-8, so fields are
/// taken as bytes and compared, never sliced out of the `str` by index: a multi-byte character
/// across a field boundary must be a refusal, not a panic.
struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    fn new(s: &'a str) -> Self {
        Fields { rest: s.as_bytes() }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (field, rest) = self.rest.split_at_checked(n)?;
        self.rest = rest;
        Some(field)
    }

    fn literal(&mut self, lit: &str) -> Option<()> {
        (self.take(lit.len())? == lit.as_bytes()).then_some(())
    }

    /// Exactly `n` ASCII digits (no sign, no spaces, which `str::parse` would partly allow).
    fn number(&mut self, n: usize) -> Option<u32> {
        let field = self.take(n)?;
        if field.is_empty() || !field.iter().all(u8::is_ascii_digit) {
            return None;
        }
        field.iter().try_fold(0u32, |acc, &b| acc.checked_mul(10)?.checked_add(u32::from(b - b'0')))
    }

    /// `HH<sep>MM<sep>SS`, or `HHMMSS` without a separator.
    fn clock(&mut self, sep: Option<u8>) -> Option<(u32, u32, u32)> {
        let hour = self.number(2)?;
        self.separator(sep)?;
        let minute = self.number(2)?;
        self.separator(sep)?;
        Some((hour, minute, self.number(2)?))
    }

    fn separator(&mut self, sep: Option<u8>) -> Option<()> {
        match sep {
            Some(b) => (self.take(1)? == [b]).then_some(()),
            None => Some(()),
        }
    }

    fn end(&self) -> Option<()> {
        self.rest.is_empty().then_some(())
    }
}

/// `2012-02-24T08:43:07.000Z` — always `.000Z`, which oss2 insists on.
pub fn format_iso8601(t: SystemTime) -> String {
    let c = Civil::from_system_time(t);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z", c.year, c.month, c.day, c.hour, c.minute, c.second)
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z`; the fraction, of any length, is dropped.
pub fn parse_iso8601(s: &str) -> Option<SystemTime> {
    let mut r = Fields::new(s);
    let year = r.number(4)?;
    r.literal("-")?;
    let month = r.number(2)?;
    r.literal("-")?;
    let day = r.number(2)?;
    r.literal("T")?;
    let (hour, minute, second) = r.clock(Some(b':'))?;
    let zoned = match r.rest {
        b"Z" => true,
        [b'.', fraction @ .., b'Z'] => fraction.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if !zoned {
        return None;
    }
    Civil { year: i64::from(year), month, day, hour, minute, second }.to_system_time()
}

/// `20231216T162057Z`, the V4 `x-oss-date`.
pub fn format_v4_datetime(t: SystemTime) -> String {
    let c = Civil::from_system_time(t);
    format!("{:04}{:02}{:02}T{:02}{:02}{:02}Z", c.year, c.month, c.day, c.hour, c.minute, c.second)
}

pub fn parse_v4_datetime(s: &str) -> Option<SystemTime> {
    let mut r = Fields::new(s);
    let year = r.number(4)?;
    let month = r.number(2)?;
    let day = r.number(2)?;
    r.literal("T")?;
    let (hour, minute, second) = r.clock(None)?;
    r.literal("Z")?;
    r.end()?;
    Civil { year: i64::from(year), month, day, hour, minute, second }.to_system_time()
}

/// Seconds since the Unix epoch (what V1 presigned `Expires` carries).
pub fn unix_seconds(t: SystemTime) -> i64 {
    unix_secs(t)
}

pub fn from_unix_seconds(secs: i64) -> SystemTime {
    from_unix_secs(secs)
}

/// Truncates to whole seconds: HTTP dates carry no fractions, so conditional comparisons must not.
pub fn truncate_to_seconds(t: SystemTime) -> SystemTime {
    from_unix_secs(unix_secs(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_date_round_trip() {
        let t = from_unix_secs(1672223261); // Wed, 28 Dec 2022 10:27:41 GMT
        assert_eq!(format_http_date(t), "Wed, 28 Dec 2022 10:27:41 GMT");
        assert_eq!(parse_http_date("Wed, 28 Dec 2022 10:27:41 GMT"), Some(t));
        assert_eq!(format_http_date(from_unix_secs(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(format_http_date(from_unix_secs(1709251200)), "Fri, 01 Mar 2024 00:00:00 GMT");
    }

    #[test]
    fn http_date_strictness() {
        assert_eq!(parse_http_date("Wed, 8 Dec 2022 10:27:41 GMT"), None);
        assert_eq!(parse_http_date("Wed, 28 Dec 2022 10:27:41 UTC"), None);
        assert_eq!(parse_http_date("Wed, 30 Feb 2022 10:27:41 GMT"), None);
        assert_eq!(parse_http_date("20221228T102741Z"), None);
        assert!(parse_http_date_lenient("Wednesday, 28-Dec-22 10:27:41 GMT").is_some());
    }

    #[test]
    fn iso_and_v4() {
        let t = from_unix_secs(1702743657);
        assert_eq!(format_iso8601(t), "2023-12-16T16:20:57.000Z");
        assert_eq!(parse_iso8601("2023-12-16T16:20:57.000Z"), Some(t));
        assert_eq!(parse_iso8601("2023-12-16T16:20:57Z"), Some(t));
        assert_eq!(format_v4_datetime(t), "20231216T162057Z");
        assert_eq!(parse_v4_datetime("20231216T162057Z"), Some(t));
        assert_eq!(parse_v4_datetime("2023-12-16"), None);
        assert_eq!(parse_iso8601("2023-12-16T16:20:57.Z"), Some(t));
        assert_eq!(parse_iso8601("2023-12-16T16:20:57.1234567890123Z"), Some(t));
        assert_eq!(parse_iso8601("2023-12-16T16:20:57.1.2Z"), None);
        assert_eq!(parse_iso8601("+023-12-16T16:20:57Z"), None);
        assert_eq!(parse_v4_datetime("2023121 T162057Z"), None);
    }

    /// The first four panicked before: the parsers sliced the `str` by byte index, and a
    /// multi-byte character (`é`, two bytes) straddling a field boundary split a code point.
    #[test]
    fn non_ascii_is_refused_not_a_panic() {
        // A V4 presigned `x-oss-date=202%C3%A9216T162057Z`, decoded.
        assert_eq!(parse_v4_datetime("202\u{e9}216T162057Z"), None);
        // `Date` or V1 `x-oss-date` headers of the right byte length.
        assert_eq!(parse_http_date("Wed, 28 De\u{e9}2022 10:27:41 GMT"), None);
        assert_eq!(parse_http_date("Wed, 28 Dec 2022 10:27:4\u{e9}GMT"), None);
        // Conditional headers (`If-Modified-Since`) try the strict form first.
        assert_eq!(parse_http_date_lenient("Wed, 28 De\u{e9}2022 10:27:41 GMT"), None);
        // Neighbours that happened to fall on boundaries.
        assert_eq!(parse_http_date("Wed, 2\u{e9}Dec 2022 10:27:41 GMT"), None);
        assert_eq!(parse_http_date("W\u{e9}, 28 Dec 2022 10:27:41 GMT"), None);
        assert_eq!(parse_iso8601("2023-12-16T16:20:5\u{e9}Z"), None);
        assert_eq!(parse_v4_datetime("20231216T16205\u{e9}"), None);
    }
}
