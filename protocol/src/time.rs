//! Timestamps as the contract writes them: RFC 3339 in UTC with milliseconds,
//! `2024-01-15T10:30:00.000Z`, and milliseconds since the epoch.
//!
//! Strict on purpose: `YYYY-MM-DDTHH:MM:SS(.sss)?Z` only, years 1970–9999,
//! calendar-valid, no leap seconds, exactly three fraction digits when there is a
//! fraction, and `convex/`'s `parseIso` draws the same line. Everything is kept as
//! milliseconds and written back normalised, so two spellings of one instant compare
//! equal as strings (the backends order sessions by them).

/// Why a string is not an accepted timestamp.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not an ISO-8601 UTC timestamp like 2024-01-15T10:30:00.000Z (years 1970-9999)")]
pub struct TimeError(pub String);

const MS_PER_DAY: i64 = 86_400_000;

/// `9999-12-31T23:59:59.999Z`, the last accepted instant.
pub const MAX_MS: i64 = 253_402_300_799_999;

/// Parses a timestamp to milliseconds since the epoch.
pub fn parse_iso(text: &str) -> Result<i64, TimeError> {
    let bad = || TimeError(text.to_string());
    let b = text.as_bytes();
    if !(b.len() == 20 || b.len() == 24) {
        return Err(bad());
    }
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let mut n = 0i64;
        for &c in &b[range] {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + i64::from(c - b'0');
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
    let valid = (1970..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    if !valid {
        return Err(bad());
    }
    let days = days_from_civil(year, month, day);
    Ok(days * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millis)
}

/// Writes milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.sssZ`.
pub fn format_iso(ms: i64) -> String {
    let days = ms.div_euclid(MS_PER_DAY);
    let rest = ms.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000
    )
}

/// Normalises a timestamp: parse, then format.
pub fn normalise(text: &str) -> Result<String, TimeError> {
    parse_iso(text).map(format_iso)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days-from-civil and its inverse (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn format_round_trips_across_range() {
        for ms in [0, 1, 86_399_999, 951_782_400_000, 1_705_314_600_123, MAX_MS] {
            assert_eq!(parse_iso(&format_iso(ms)), Ok(ms));
        }
    }
}
