//! The three date formats on the OSS wire. SDKs are strict: oss2 parses `Last-Modified` with a
//! regex demanding a two-digit day and literal `GMT`, and every XML time must end in `.000Z`.
//!
//! The calendar is the `time` crate's; only the wire syntax is written here. That crate's own
//! RFC 2822 and ISO 8601 parsers accept more than OSS does (one-digit days, comments, offsets)
//! and reject a weekday that disagrees with the date, which OSS is not known to, so each format is
//! read field by field below and the fields are handed to `time` to validate and convert.

use std::iter::successors;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::{Date, Month, OffsetDateTime, Time, Weekday};

/// The wire formats have four-digit years, so a time outside 0000–9999 is written as the nearest
/// end of that span rather than as a date no SDK could read back.
const FIRST_WIRE_SECOND: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
const LAST_WIRE_SECOND: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z

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
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        // Whole seconds round down before the epoch too: -0.5 s lies in second -1.
        Err(e) => {
            let d = e.duration();
            let secs = d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0));
            0i64.checked_sub_unsigned(secs).unwrap_or(i64::MIN)
        }
    }
}

fn from_unix_secs(secs: i64) -> SystemTime {
    let at = |secs: i64| {
        let offset = Duration::from_secs(secs.unsigned_abs());
        if secs >= 0 {
            UNIX_EPOCH.checked_add(offset)
        } else {
            UNIX_EPOCH.checked_sub(offset)
        }
    };
    // `SystemTime`'s span is the platform's (Windows' starts in 1601); a presigned `Expires`
    // beyond it gets the nearest wire time instead of a panic.
    at(secs).or_else(|| at(secs.clamp(FIRST_WIRE_SECOND, LAST_WIRE_SECOND))).unwrap_or(UNIX_EPOCH)
}

/// `t` in UTC, clamped to the span the wire formats can write.
fn wire_datetime(t: SystemTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix_secs(t).clamp(FIRST_WIRE_SECOND, LAST_WIRE_SECOND))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl Civil {
    /// Years outside 0000–9999 are clamped, as in the formatted forms.
    pub fn from_system_time(t: SystemTime) -> Self {
        let dt = wire_datetime(t);
        Civil {
            year: dt.year().into(),
            month: u8::from(dt.month()).into(),
            day: dt.day().into(),
            hour: dt.hour().into(),
            minute: dt.minute().into(),
            second: dt.second().into(),
        }
    }

    /// `None` for a date that does not exist or a year outside ±9999.
    pub fn to_system_time(self) -> Option<SystemTime> {
        let month = Month::try_from(u8::try_from(self.month).ok()?).ok()?;
        let date =
            Date::from_calendar_date(i32::try_from(self.year).ok()?, month, u8::try_from(self.day).ok()?).ok()?;
        // A leap second `:60` stands for the instant after `:59`; `time` has no such second.
        let leap = self.second == 60;
        let second = if leap { 59 } else { self.second };
        let time =
            Time::from_hms(u8::try_from(self.hour).ok()?, u8::try_from(self.minute).ok()?, u8::try_from(second).ok()?)
                .ok()?;
        Some(from_unix_secs(date.with_time(time).assume_utc().unix_timestamp() + i64::from(leap)))
    }
}

/// English, whatever the locale: the SDKs match these literally.
fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Monday => "Mon",
        Weekday::Tuesday => "Tue",
        Weekday::Wednesday => "Wed",
        Weekday::Thursday => "Thu",
        Weekday::Friday => "Fri",
        Weekday::Saturday => "Sat",
        Weekday::Sunday => "Sun",
    }
}

fn month_name(m: Month) -> &'static str {
    match m {
        Month::January => "Jan",
        Month::February => "Feb",
        Month::March => "Mar",
        Month::April => "Apr",
        Month::May => "May",
        Month::June => "Jun",
        Month::July => "Jul",
        Month::August => "Aug",
        Month::September => "Sep",
        Month::October => "Oct",
        Month::November => "Nov",
        Month::December => "Dec",
    }
}

/// `Wed, 28 Dec 2022 10:27:41 GMT`
pub fn format_http_date(t: SystemTime) -> String {
    let dt = wire_datetime(t);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        weekday_name(dt.weekday()),
        dt.day(),
        month_name(dt.month()),
        dt.year(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// Strict RFC 1123 as OSS requires for `Date` in signatures: two-digit day, English names,
/// literal `GMT`. The weekday is not cross-checked (OSS does not either, as far as is known).
pub fn parse_http_date(s: &str) -> Option<SystemTime> {
    let mut r = Fields::new(s);
    let weekday = r.take(3)?;
    if !successors(Some(Weekday::Monday), |w| Some(w.next())).take(7).any(|w| weekday_name(w).as_bytes() == weekday) {
        return None;
    }
    r.literal(", ")?;
    let day = r.number(2)?;
    r.literal(" ")?;
    let month = r.take(3)?;
    let month =
        successors(Some(Month::January), |m| Some(m.next())).take(12).find(|m| month_name(*m).as_bytes() == month)?;
    r.literal(" ")?;
    let year = r.number(4)?;
    r.literal(" ")?;
    let (hour, minute, second) = r.clock(Some(b':'))?;
    r.literal(" GMT")?;
    r.end()?;
    Civil { year: i64::from(year), month: u8::from(month).into(), day, hour, minute, second }.to_system_time()
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
    let dt = wire_datetime(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
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
    let dt = wire_datetime(t);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
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

    #[test]
    fn wire_span_and_clamping() {
        let first = Date::from_calendar_date(0, Month::January, 1).map(|d| d.midnight().assume_utc().unix_timestamp());
        assert_eq!(first, Ok(FIRST_WIRE_SECOND));
        let last = Date::from_calendar_date(9999, Month::December, 31)
            .and_then(|d| d.with_hms(23, 59, 59))
            .map(|dt| dt.assume_utc().unix_timestamp());
        assert_eq!(last, Ok(LAST_WIRE_SECOND));
        assert_eq!(format_http_date(from_unix_secs(i64::MAX)), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(format_iso8601(from_unix_secs(i64::MIN)), "0000-01-01T00:00:00.000Z");
        assert_eq!(format_v4_datetime(from_unix_secs(FIRST_WIRE_SECOND)), "00000101T000000Z");
        assert_eq!(unix_seconds(from_unix_secs(i64::MIN)), i64::MIN);
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_millis(500)), -1);
        assert_eq!(truncate_to_seconds(UNIX_EPOCH + Duration::from_millis(1500)), from_unix_secs(1));
    }

    #[test]
    fn leap_second_is_the_next_minute() {
        assert_eq!(parse_http_date("Sat, 31 Dec 2016 23:59:60 GMT"), parse_http_date("Sun, 01 Jan 2017 00:00:00 GMT"));
        assert_eq!(parse_v4_datetime("20161231T235961Z"), None);
        let civil = Civil { year: 10_000, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
        assert_eq!(civil.to_system_time(), None);
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
