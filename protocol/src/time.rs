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
    let b = s.as_bytes();
    if b.len() != 29 || &s[3..5] != ", " || &s[25..] != " GMT" || !DAYS.contains(&&s[..3]) {
        return None;
    }
    let month = MONTHS.iter().position(|m| *m == &s[8..11])? as u32 + 1;
    if b[7] != b' ' || b[11] != b' ' || b[16] != b' ' || b[19] != b':' || b[22] != b':' {
        return None;
    }
    Civil {
        year: digits(&s[12..16])? as i64,
        month,
        day: digits(&s[5..7])?,
        hour: digits(&s[17..19])?,
        minute: digits(&s[20..22])?,
        second: digits(&s[23..25])?,
    }
    .to_system_time()
}

/// Lenient HTTP date parsing for conditional headers (RFC 1123, RFC 850, asctime).
pub fn parse_http_date_lenient(s: &str) -> Option<SystemTime> {
    parse_http_date(s).or_else(|| httpdate::parse_http_date(s).ok())
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `2012-02-24T08:43:07.000Z` — always `.000Z`, which oss2 insists on.
pub fn format_iso8601(t: SystemTime) -> String {
    let c = Civil::from_system_time(t);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z", c.year, c.month, c.day, c.hour, c.minute, c.second)
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z`.
pub fn parse_iso8601(s: &str) -> Option<SystemTime> {
    let s = s.strip_suffix('Z')?;
    let (main, frac) = s.split_once('.').unwrap_or((s, ""));
    if main.len() != 19 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let b = main.as_bytes();
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    Civil {
        year: digits(&main[0..4])? as i64,
        month: digits(&main[5..7])?,
        day: digits(&main[8..10])?,
        hour: digits(&main[11..13])?,
        minute: digits(&main[14..16])?,
        second: digits(&main[17..19])?,
    }
    .to_system_time()
}

/// `20231216T162057Z`, the V4 `x-oss-date`.
pub fn format_v4_datetime(t: SystemTime) -> String {
    let c = Civil::from_system_time(t);
    format!("{:04}{:02}{:02}T{:02}{:02}{:02}Z", c.year, c.month, c.day, c.hour, c.minute, c.second)
}

pub fn parse_v4_datetime(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    Civil {
        year: digits(&s[0..4])? as i64,
        month: digits(&s[4..6])?,
        day: digits(&s[6..8])?,
        hour: digits(&s[9..11])?,
        minute: digits(&s[11..13])?,
        second: digits(&s[13..15])?,
    }
    .to_system_time()
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
    }
}
