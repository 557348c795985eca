//! ISO-8601 UTC timestamps (`2024-01-15T10:30:00.000Z`) from and to epoch
//! milliseconds, without a date crate (keeps the wasm build small).
//!
//! Invariants: `format_iso` always writes milliseconds and `Z`; `parse_iso` accepts
//! exactly the contract's shape `YYYY-MM-DDTHH:MM:SS(.sss)?Z`, calendar-valid, years
//! 1970–9999, and rejects everything else.

/// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        _ => 28,
    }
}

/// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.sssZ`. Negative or
/// non-finite input is clamped to the epoch.
pub fn format_iso(ms: f64) -> String {
    let ms = if ms.is_finite() && ms > 0.0 {
        ms.floor() as i64
    } else {
        0
    };
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, rem) = (rem / 3_600_000, rem % 3_600_000);
    let (mi, rem) = (rem / 60_000, rem % 60_000);
    let (s, milli) = (rem / 1000, rem % 1000);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

/// Parses the contract's timestamp shape into epoch milliseconds.
pub fn parse_iso(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)? as u32, num(8..10)? as u32);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let milli = match &s[19..] {
        "Z" => 0,
        rest if rest.len() == 5 && rest.starts_with('.') && rest.ends_with('Z') => num(20..23)?,
        _ => return None,
    };
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo)
    {
        return None;
    }
    if h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some((days * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + milli) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_iso(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_iso(1_705_314_600_000.0), "2024-01-15T10:30:00.000Z");
        assert_eq!(format_iso(951_782_400_123.0), "2000-02-29T00:00:00.123Z");
    }

    #[test]
    fn parses_and_round_trips() {
        assert_eq!(parse_iso("2024-01-15T10:30:00Z"), Some(1_705_314_600_000.0));
        assert_eq!(
            parse_iso("2024-01-15T10:30:00.250Z"),
            Some(1_705_314_600_250.0)
        );
        for ms in [
            0.0,
            1.0,
            86_399_999.0,
            1_705_314_600_123.0,
            253_402_300_799_999.0,
        ] {
            assert_eq!(parse_iso(&format_iso(ms)), Some(ms));
        }
    }

    #[test]
    fn rejects_malformed_or_impossible_dates() {
        for bad in [
            "",
            "2024-01-15",
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00.000Z",
            "2024-01-15T24:00:00Z",
            "2024-01-15T10:30:00.1Z",
            "2024-01-15T10:30:00+01:00",
            "1969-12-31T23:59:59Z",
            "2024-01-15 10:30:00Z",
            "+024-01-15T10:30:00Z",
        ] {
            assert_eq!(parse_iso(bad), None, "{bad}");
        }
    }
}
