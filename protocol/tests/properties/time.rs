use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oss_protocol::time::*;
use proptest::prelude::*;

use crate::{any_text, cases, near_miss};

/// 0000-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z, every time the four-digit wire formats can hold.
const WIRE_SECONDS: std::ops::RangeInclusive<i64> = -62_167_219_200..=253_402_300_799;

/// Strings shaped like each format with free fields, so that many parse and many nearly do.
fn http_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "(Mon|Tue|Wed|Thu|Fri|Sat|Sun|Xyz), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Foo) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT",
        "[A-Za-z]{3}, [0-9 ]{1,2} [A-Za-z]{3} [0-9+-]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} (GMT|UTC)",
    ]
}

fn iso_like() -> impl Strategy<Value = String> {
    "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,12})?Z"
}

fn v4_like() -> impl Strategy<Value = String> {
    "[0-9]{8}T[0-9]{6}Z"
}

fn wire_time() -> impl Strategy<Value = SystemTime> {
    WIRE_SECONDS.prop_map(from_unix_seconds)
}

/// The accepted forms are canonical: what parses formats back to the same text, but for the
/// weekday (not cross-checked) and a leap second `:60` (read as the next minute).
fn canonical_or_leap(input: &str, formatted: &str, skip: usize) -> bool {
    input.get(skip..) == formatted.get(skip..) || input.contains(":60") || input.contains("60Z")
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn date_parsers_never_panic_on_any_string(s in any_text()) {
        let _ = parse_http_date(&s);
        let _ = parse_http_date_lenient(&s);
        let _ = parse_iso8601(&s);
        let _ = parse_v4_datetime(&s);
    }

    #[test]
    fn http_date_near_misses(s in wire_time().prop_flat_map(|t| near_miss(format_http_date(t)))) {
        if let Some(t) = parse_http_date(&s) {
            prop_assert!(canonical_or_leap(&s, &format_http_date(t), 3), "{s}");
        }
        let _ = parse_http_date_lenient(&s);
    }

    #[test]
    fn iso8601_near_misses(s in wire_time().prop_flat_map(|t| near_miss(format_iso8601(t)))) {
        if let Some(t) = parse_iso8601(&s) {
            prop_assert!(canonical_or_leap(s.get(..19).unwrap_or(""), &format_iso8601(t)[..19], 0), "{s}");
        }
    }

    #[test]
    fn v4_datetime_near_misses(s in wire_time().prop_flat_map(|t| near_miss(format_v4_datetime(t)))) {
        if let Some(t) = parse_v4_datetime(&s) {
            prop_assert!(canonical_or_leap(&s, &format_v4_datetime(t), 0), "{s}");
        }
    }

    #[test]
    fn shaped_inputs_parse_only_to_their_own_text(h in http_like(), i in iso_like(), v in v4_like()) {
        if let Some(t) = parse_http_date(&h) {
            prop_assert!(canonical_or_leap(&h, &format_http_date(t), 3), "{h}");
        }
        if let Some(t) = parse_iso8601(&i) {
            prop_assert!(canonical_or_leap(&i[..19], &format_iso8601(t)[..19], 0), "{i}");
        }
        if let Some(t) = parse_v4_datetime(&v) {
            prop_assert!(canonical_or_leap(&v, &format_v4_datetime(t), 0), "{v}");
        }
        let _ = parse_http_date_lenient(&h);
    }

    #[test]
    fn format_then_parse_round_trips(t in wire_time()) {
        prop_assert_eq!(parse_http_date(&format_http_date(t)), Some(t));
        prop_assert_eq!(parse_http_date_lenient(&format_http_date(t)), Some(t));
        prop_assert_eq!(parse_iso8601(&format_iso8601(t)), Some(t));
        prop_assert_eq!(parse_v4_datetime(&format_v4_datetime(t)), Some(t));
        prop_assert_eq!(Civil::from_system_time(t).to_system_time(), Some(t));
    }

    #[test]
    fn sub_second_times_format_as_their_whole_second(secs in WIRE_SECONDS, nanos in 1..1_000_000_000u32) {
        let whole = from_unix_seconds(secs);
        let t = if secs >= 0 { whole + Duration::from_nanos(nanos.into()) } else { whole - Duration::from_nanos(nanos.into()) };
        let floor = truncate_to_seconds(t);
        prop_assert!(floor <= t && t.duration_since(floor).is_ok_and(|d| d < Duration::from_secs(1)));
        prop_assert_eq!(parse_iso8601(&format_iso8601(t)), Some(floor));
        prop_assert!(format_iso8601(t).ends_with(".000Z"));
    }

    #[test]
    fn any_unix_second_formats_in_wire_shape(secs in any::<i64>()) {
        let t = from_unix_seconds(secs);
        prop_assert_eq!(unix_seconds(t), secs);
        let (http, iso, v4) = (format_http_date(t), format_iso8601(t), format_v4_datetime(t));
        prop_assert_eq!((http.len(), iso.len(), v4.len()), (29, 24, 16));
        // Out-of-span times clamp to a span end, which still parses.
        prop_assert!(parse_http_date(&http).is_some() && parse_iso8601(&iso).is_some() && parse_v4_datetime(&v4).is_some());
        prop_assert!(t < UNIX_EPOCH || unix_seconds(t) >= 0);
    }
}
