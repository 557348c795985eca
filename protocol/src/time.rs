//! Timestamps as the contract writes them: RFC 3339 in UTC with milliseconds,
//! `2024-01-15T10:30:00.000Z`, and milliseconds since the epoch.
//!
//! Strict on purpose: `YYYY-MM-DDTHH:MM:SS(.sss)?Z` only, years 1970–9999,
//! calendar-valid, no leap seconds, exactly three fraction digits when there is a
//! fraction, and `convex/`'s `parseIso` draws the same line. Everything is kept as
//! milliseconds and written back normalised, so two spellings of one instant compare
//! equal as strings (the backends order sessions by them).
//!
//! The calendar (month lengths, leap years, days since the epoch) is chrono's, with
//! its default features off: no clock, no parser, no formatter reach the SDK's wasm
//! build. The shape check stays here because chrono's parser accepts widths and
//! signs the contract refuses.

/// Why a string is not an accepted timestamp.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not an ISO-8601 UTC timestamp like 2024-01-15T10:30:00.000Z (years 1970-9999)")]
pub struct TimeError(pub String);

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

/// `9999-12-31T23:59:59.999Z`, the last accepted instant.
pub const MAX_MS: i64 = 253_402_300_799_999;

/// Parses a timestamp to milliseconds since the epoch. The byte shape is checked
/// here (chrono's parser is lenient about widths and signs); the calendar is
/// chrono's.
pub fn parse_iso(text: &str) -> Result<i64, TimeError> {
    let bad = || TimeError(text.to_string());
    let b = text.as_bytes();
    if !(b.len() == 20 || b.len() == 24) {
        return Err(bad());
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let mut n = 0u32;
        for &c in &b[range] {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(c - b'0');
        }
        Some(n)
    };
    let punctuation_ok = b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[b.len() - 1] == b'Z'
        && (b.len() == 20 || b[19] == b'.');
    if !punctuation_ok {
        return Err(bad());
    }
    let year = digits(0..4).ok_or_else(bad)?;
    let month = digits(5..7).ok_or_else(bad)?;
    let day = digits(8..10).ok_or_else(bad)?;
    let hour = digits(11..13).ok_or_else(bad)?;
    let minute = digits(14..16).ok_or_else(bad)?;
    let second = digits(17..19).ok_or_else(bad)?;
    let millis = if b.len() == 24 {
        digits(20..23).ok_or_else(bad)?
    } else {
        0
    };
    if year < 1970 || second > 59 {
        return Err(bad());
    }
    NaiveDate::from_ymd_opt(year as i32, month, day)
        .and_then(|d| d.and_hms_milli_opt(hour, minute, second, millis))
        .map(|t| t.and_utc().timestamp_millis())
        .ok_or_else(bad)
}

/// Writes milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.sssZ`.
pub fn format_iso(ms: i64) -> String {
    // Beyond chrono's ±262,143 years only a broken clock gets here.
    let t = DateTime::from_timestamp_millis(ms).unwrap_or(if ms < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    });
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.timestamp_subsec_millis()
    )
}

/// Whole seconds from `from_ms` to `to_ms`, never negative: the one rule for a
/// session's `duration` and for the seconds it spent reconnecting or screen sharing
/// (each interval counted on its own), so the backends and the SDK's local view
/// agree to the second.
pub fn whole_seconds_between(from_ms: i64, to_ms: i64) -> i64 {
    to_ms.saturating_sub(from_ms).div_euclid(1000).max(0)
}

/// Normalises a timestamp: parse, then format.
pub fn normalise(text: &str) -> Result<String, TimeError> {
    parse_iso(text).map(format_iso)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_seconds_floor_and_never_go_negative() {
        assert_eq!(whole_seconds_between(0, 59_999), 59);
        assert_eq!(whole_seconds_between(1_000, 61_000), 60);
        assert_eq!(whole_seconds_between(5_000, 4_000), 0);
        assert_eq!(whole_seconds_between(i64::MIN, i64::MAX), i64::MAX / 1000);
    }

    #[test]
    fn parses_and_normalises() {
        assert_eq!(
            normalise("2024-01-15T10:30:00Z").as_deref(),
            Ok("2024-01-15T10:30:00.000Z")
        );
        assert_eq!(
            normalise("2024-01-15T10:30:00.123Z").as_deref(),
            Ok("2024-01-15T10:30:00.123Z")
        );
        assert_eq!(parse_iso("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_iso("2024-01-15T10:30:00Z"), Ok(1_705_314_600_000));
    }

    #[test]
    fn seed_duration_example() {
        let connected = parse_iso("2024-01-15T10:30:15Z").unwrap();
        let ended = parse_iso("2024-01-15T10:45:30Z").unwrap();
        assert_eq!((ended - connected) / 1000, 915);
    }

    #[test]
    fn leap_years_and_month_ends() {
        assert!(parse_iso("2024-02-29T00:00:00Z").is_ok());
        assert!(parse_iso("2000-02-29T00:00:00Z").is_ok());
        assert!(parse_iso("2023-02-29T00:00:00Z").is_err());
        assert!(parse_iso("1900-02-29T00:00:00Z").is_err());
        assert!(parse_iso("2024-04-31T00:00:00Z").is_err());
        assert_eq!(parse_iso("9999-12-31T23:59:59.999Z"), Ok(MAX_MS));
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "",
            "2024-01-15",
            "2024-01-15T10:30:00",
            "2024-01-15T10:30:00+00:00",
            "2024-01-15T10:30:00.1Z",
            "2024-01-15T10:30:00.1234Z",
            "2024-01-15 10:30:00Z",
            "2024-13-01T00:00:00Z",
            "2024-00-01T00:00:00Z",
            "2024-01-00T00:00:00Z",
            "2024-01-15T24:00:00Z",
            "2024-01-15T10:60:00Z",
            "2024-01-15T10:30:60Z",
            "1969-12-31T23:59:59Z",
            "+2024-01-15T10:30:00Z",
            "2024-01-15t10:30:00z",
            "２０２４-01-15T10:30:00Z",
        ] {
            assert!(parse_iso(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_iso(1_705_314_600_000), "2024-01-15T10:30:00.000Z");
        assert_eq!(format_iso(951_782_400_123), "2000-02-29T00:00:00.123Z");
    }

    #[test]
    fn every_year_has_its_gregorian_february() {
        for year in 1970..=9999 {
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            let feb29 = format!("{year:04}-02-29T00:00:00Z");
            assert_eq!(parse_iso(&feb29).is_ok(), leap, "{feb29}");
            let mar1 = parse_iso(&format!("{year:04}-03-01T00:00:00Z")).unwrap();
            let feb28 = parse_iso(&format!("{year:04}-02-28T00:00:00Z")).unwrap();
            assert_eq!((mar1 - feb28) / 86_400_000, if leap { 2 } else { 1 });
        }
    }

    #[test]
    fn round_trips_a_sweep_of_the_whole_range() {
        let mut ms = 0;
        while ms <= MAX_MS {
            assert_eq!(parse_iso(&format_iso(ms)), Ok(ms), "{ms}");
            ms += 37 * 86_400_000 + 3_723_456;
        }
    }

    #[test]
    fn formats_any_instant_without_panicking() {
        assert_eq!(format_iso(-1), "1969-12-31T23:59:59.999Z");
        for ms in [i64::MIN, i64::MAX, MAX_MS + 1] {
            assert!(format_iso(ms).ends_with('Z'), "{ms}");
        }
    }

    #[test]
    fn format_round_trips_across_range() {
        for ms in [0, 1, 86_399_999, 951_782_400_000, 1_705_314_600_123, MAX_MS] {
            assert_eq!(parse_iso(&format_iso(ms)), Ok(ms));
        }
    }
}
