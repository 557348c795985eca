//! The contract's timestamps (`protocol::time`) at the SDK's clock type: JavaScript
//! gives the wall clock as float milliseconds, so the SDK keeps times as `f64`.

/// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.sssZ`. Negative or non-finite
/// input (a broken host clock) is clamped to the epoch rather than written as a
/// time the backends would refuse.
pub fn format_iso(ms: f64) -> String {
    let ms = if ms.is_finite() && ms > 0.0 {
        ms.floor() as i64
    } else {
        0
    };
    protocol::time::format_iso(ms)
}

/// Parses the contract's timestamp shape into epoch milliseconds.
pub fn parse_iso(s: &str) -> Option<f64> {
    protocol::time::parse_iso(s).ok().map(|ms| ms as f64)
}

/// A platform's UTC offset (minutes east of UTC, possibly fractional for old local
/// mean times, or NaN from a broken host) as the whole minutes within ±14 h the
/// backends take: rounded and clamped, NaN as 0 (UTC). An op carrying an offset the
/// backend refuses would be dead-lettered, so no platform value may reach it.
pub fn whole_utc_offset(minutes: f64) -> i32 {
    let max = protocol::limits::UTC_OFFSET_MIN as f64;
    if minutes.is_nan() {
        return 0;
    }
    minutes.round().clamp(-max, max) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_offsets_become_whole_minutes_the_backends_take() {
        assert_eq!(whole_utc_offset(-300.0), -300);
        assert_eq!(whole_utc_offset(330.0), 330);
        assert_eq!(whole_utc_offset(53.466_666), 53);
        assert_eq!(whole_utc_offset(-0.4), 0);
        assert_eq!(whole_utc_offset(900.0), 840);
        assert_eq!(whole_utc_offset(f64::NEG_INFINITY), -840);
        assert_eq!(whole_utc_offset(f64::NAN), 0);
    }

    #[test]
    fn a_broken_clock_writes_the_epoch() {
        for ms in [-1.0, f64::NAN, f64::NEG_INFINITY] {
            assert_eq!(format_iso(ms), "1970-01-01T00:00:00.000Z");
        }
        assert_eq!(format_iso(1_705_314_600_000.9), "2024-01-15T10:30:00.000Z");
    }

    #[test]
    fn parses_to_float_ms() {
        assert_eq!(
            parse_iso("2024-01-15T10:30:00.250Z"),
            Some(1_705_314_600_250.0)
        );
        assert_eq!(parse_iso("2024-01-15"), None);
    }
}
