//! The contract's input limits, checked before anything is stored, so an op that
//! would certainly be refused by the backend is refused to the caller instead (with a
//! message saying which field and why) and never becomes a dead letter.
//!
//! Lengths are UTF-16 code units, as JS `.length` and the backend count them.

use protocol::limits;
use protocol::network::{Metric, NetworkStats, Summary};
use protocol::text::{is_blank, utf16_len};
use serde_json::Value;

use crate::api::{
    EndSessionArgs, MarkFailedArgs, RateSessionArgs, ReportNetworkStatsArgs, StartSessionArgs,
    UpdateSettingsArgs,
};
use crate::error::ApiError;

/// The key Convex's JSON encoding gives a bytes value (`{"$bytes": base64}`).
const BYTES_KEY: &str = "$bytes";

fn check(
    field: &str,
    value: &str,
    min: usize,
    max: usize,
    not_blank: bool,
) -> Result<(), ApiError> {
    let len = utf16_len(value);
    if len < min || len > max {
        let want = if min > 0 {
            format!("{min}–{max}")
        } else {
            format!("at most {max}")
        };
        return Err(ApiError::invalid_argument(format!(
            "{field} must be {want} characters long (got {len})"
        )));
    }
    if not_blank && is_blank(value) {
        return Err(ApiError::invalid_argument(format!(
            "{field} must not be only white space"
        )));
    }
    Ok(())
}

fn check_opt(field: &str, value: Option<&str>, max: usize) -> Result<(), ApiError> {
    value.map_or(Ok(()), |v| check(field, v, 0, max, false))
}

pub fn user_id(id: &str) -> Result<(), ApiError> {
    check("userId", id, 1, limits::USER_ID, false)
}

/// An id the app passes to name a session.
pub fn session_ref(id: &str) -> Result<(), ApiError> {
    check("session id", id, 1, limits::CLIENT_SESSION_ID, false)
}

/// `JSON.stringify(metadata).length ≤ 4096`, measured as JavaScript writes it, at
/// most [`limits::METADATA_DEPTH`] levels deep, and without bytes: the backends refuse
/// them (D2), so an op holding them could only become a dead letter.
pub fn metadata(value: &Value) -> Result<(), ApiError> {
    if depth(value) > limits::METADATA_DEPTH {
        return Err(ApiError::invalid_argument(format!(
            "metadata must be at most {} levels deep",
            limits::METADATA_DEPTH
        )));
    }
    if has_bytes(value) {
        return Err(ApiError::invalid_argument(
            "metadata must not hold bytes ({\"$bytes\": …}, ArrayBuffer, typed arrays); encode them as a string",
        ));
    }
    let len = js_json_len(value);
    if len > limits::METADATA_JSON {
        return Err(ApiError::invalid_argument(format!(
            "metadata must be at most {} characters as JSON (got {len}); store large data elsewhere and keep a reference",
            limits::METADATA_JSON
        )));
    }
    Ok(())
}

/// Whether an object with the bytes key is anywhere in `value`. Called after the
/// depth check, so the recursion is shallow.
fn has_bytes(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().any(has_bytes),
        Value::Object(map) => map.contains_key(BYTES_KEY) || map.values().any(has_bytes),
        _ => false,
    }
}

fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// `JSON.stringify(value).length`: strings as serde_json escapes them (the same
/// escapes as JS), numbers as JavaScript's `Number.prototype.toString`.
fn js_json_len(value: &Value) -> usize {
    let string_len = |s: &str| utf16_len(&serde_json::to_string(s).unwrap_or_default());
    match value {
        Value::Null => 4,
        Value::Bool(b) => {
            if *b {
                4
            } else {
                5
            }
        }
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => js_number_len(f),
            _ => n.to_string().len(),
        },
        Value::String(s) => string_len(s),
        Value::Array(items) => {
            2 + items.len().saturating_sub(1) + items.iter().map(js_json_len).sum::<usize>()
        }
        Value::Object(map) => {
            2 + map.len().saturating_sub(1)
                + map
                    .iter()
                    .map(|(k, v)| string_len(k) + 1 + js_json_len(v))
                    .sum::<usize>()
        }
    }
}

/// Length of JavaScript's `String(f)` for a finite number: plain digits from 1e-6 up
/// to 1e21, exponent form (`1e+21`, `1.5e-7`) outside. Computed from the shortest
/// round-trip digits as serde_json writes them (its float writer is linked anyway;
/// Rust's float `Display` would add its own, larger one to the wasm build), placed
/// by ECMAScript's Number::toString rules.
fn js_number_len(f: f64) -> usize {
    if f == 0.0 {
        return 1;
    }
    let text = serde_json::to_string(&f).unwrap_or_default();
    let text = text.trim_start_matches('-');
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // value = digits × 10^scale, digits without leading or trailing zeros.
    let all = [int.as_bytes(), frac.as_bytes()].concat();
    let first = all.iter().position(|&b| b != b'0').unwrap_or(all.len());
    let last = all
        .iter()
        .rposition(|&b| b != b'0')
        .map_or(first, |i| i + 1);
    let k = (last - first) as i32;
    let scale = exp - frac.len() as i32 + (all.len() - last) as i32;
    // ECMAScript: value = s × 10^(n − k) with k digits in s.
    let n = scale + k;
    let sign = usize::from(f < 0.0);
    let len = if k <= n && n <= 21 {
        n
    } else if 0 < n && n <= 21 {
        k + 1
    } else if -6 < n && n <= 0 {
        2 - n + k
    } else {
        let e = (n - 1).unsigned_abs();
        let exp_digits = e.checked_ilog10().unwrap_or(0) as i32 + 1;
        k + i32::from(k > 1) + 2 + exp_digits
    };
    sign + len as usize
}

pub fn start(args: &StartSessionArgs) -> Result<(), ApiError> {
    check(
        "supportWorkerName",
        &args.support_worker_name,
        1,
        limits::SUPPORT_WORKER_NAME,
        true,
    )?;
    check_opt(
        "supportWorkerId",
        args.support_worker_id.as_deref(),
        limits::SUPPORT_WORKER_ID,
    )?;
    if let Some(a) = &args.appointment_id {
        check("appointmentId", a, 1, limits::CLIENT_SESSION_ID, false)?;
    }
    check_opt(
        "audioOption",
        args.audio_option.as_deref(),
        limits::AUDIO_OPTION,
    )?;
    args.metadata.as_ref().map_or(Ok(()), metadata)
}

pub fn settings(args: &UpdateSettingsArgs) -> Result<(), ApiError> {
    check_opt(
        "audioOption",
        args.audio_option.as_deref(),
        limits::AUDIO_OPTION,
    )?;
    if args.camera_enabled.is_none() && args.mic_enabled.is_none() && args.audio_option.is_none() {
        return Err(ApiError::invalid_argument(
            "updateSettings needs at least one of cameraEnabled, micEnabled, audioOption",
        ));
    }
    Ok(())
}

/// One issue text, and the per-session cap given how many the session already has.
pub fn quality_issue(issue: &str, existing: usize) -> Result<(), ApiError> {
    check("issue", issue, 1, limits::ISSUE, true)?;
    if existing >= limits::QUALITY_ISSUES_PER_SESSION {
        return Err(ApiError::invalid_argument(format!(
            "a session keeps at most {} quality issues and this one has {existing}",
            limits::QUALITY_ISSUES_PER_SESSION
        )));
    }
    Ok(())
}

pub fn end(args: &EndSessionArgs) -> Result<(), ApiError> {
    check_opt("endReason", args.end_reason.as_deref(), limits::REASON)
}

pub fn failed(args: &MarkFailedArgs) -> Result<(), ApiError> {
    check_opt("reason", args.reason.as_deref(), limits::REASON)
}

/// A rating: a whole number from 1 to 5 (NaN, fractions and anything outside are
/// refused), and a comment of at most 1000 UTF-16 units (empty is allowed). Returns
/// the rating as the whole number the op carries.
pub fn rate(args: &RateSessionArgs) -> Result<i64, ApiError> {
    let (min, max) = (limits::RATING_MIN, limits::RATING_MAX);
    let r = args.rating;
    // No float in the message: formatting one would link float printing into the wasm.
    if !(r.fract() == 0.0 && (min as f64..=max as f64).contains(&r)) {
        return Err(ApiError::invalid_argument(format!(
            "rating must be a whole number from {min} to {max}"
        )));
    }
    check_opt("comment", args.comment.as_deref(), limits::COMMENT)?;
    Ok(r as i64)
}

/// A network sample: each metric given checked by `Metric::check_sample` (a finite
/// number from 0 to the metric's ceiling; the message names the metric), at least one
/// given. Returns the sample as the report it folds into (one sample per metric).
pub fn network(args: &ReportNetworkStatsArgs) -> Result<NetworkStats, ApiError> {
    let given = [
        (Metric::RttMs, args.rtt_ms),
        (Metric::JitterMs, args.jitter_ms),
        (Metric::PacketLossPct, args.packet_loss_pct),
        (Metric::BitrateKbps, args.bitrate_kbps),
    ];
    let mut stats = NetworkStats::default();
    for (metric, value) in given {
        let Some(value) = value else { continue };
        // No float in the message: formatting one would link float printing into the wasm.
        metric.check_sample(value).map_err(|why| {
            ApiError::invalid_argument(format!("reportNetworkStats: {} {why}", metric.name()))
        })?;
        stats.add(metric, &Summary::of(metric, value));
    }
    if stats.is_empty() {
        return Err(ApiError::invalid_argument(
            "reportNetworkStats needs at least one of rttMs, jitterMs, packetLossPct, bitrateKbps",
        ));
    }
    Ok(stats)
}

/// `getUserSessions` limit: ≥ 1, default 50, clamped to 200.
pub fn sessions_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    match limit {
        None => Ok(limits::SESSIONS_PAGE_DEFAULT as u32),
        Some(0) => Err(ApiError::invalid_argument("limit must be at least 1")),
        Some(n) => Ok(n.min(limits::SESSIONS_PAGE as u32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use serde_json::json;

    fn start_args(name: &str) -> StartSessionArgs {
        StartSessionArgs {
            support_worker_name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn worker_name_limits() {
        assert!(start(&start_args("Dr. Smith")).is_ok());
        assert!(start(&start_args(&"a".repeat(200))).is_ok());
        assert_eq!(
            start(&start_args(&"a".repeat(201))).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        assert!(start(&start_args("")).is_err());
        assert!(start(&start_args("  \t")).is_err());
        // 100 emoji = 200 UTF-16 units: ok; 101 is over.
        assert!(start(&start_args(&"😀".repeat(100))).is_ok());
        assert!(start(&start_args(&"😀".repeat(101))).is_err());
    }

    #[test]
    fn optional_fields_and_metadata() {
        let mut a = start_args("x");
        a.audio_option = Some("w".repeat(51));
        assert!(start(&a).is_err());
        a.audio_option = Some("wifi".into());
        a.metadata = Some(json!({"k": "v".repeat(4000)}));
        assert!(start(&a).is_ok());
        a.metadata = Some(json!({"k": "v".repeat(4090)}));
        let err = start(&a).unwrap_err();
        assert!(err.message.contains("metadata"), "{}", err.message);
        a.metadata = None;
        a.support_worker_id = Some("w".repeat(201));
        assert!(start(&a).is_err());
    }

    #[test]
    fn issues_and_caps() {
        assert!(quality_issue("Audio choppy", 0).is_ok());
        assert!(quality_issue("", 0).is_err());
        assert!(quality_issue("   ", 0).is_err());
        assert!(quality_issue(&"x".repeat(501), 0).is_err());
        assert!(quality_issue("x", 49).is_ok());
        assert!(quality_issue("x", 50).is_err());
    }

    #[test]
    fn settings_reasons_and_limits() {
        assert!(settings(&UpdateSettingsArgs::default()).is_err());
        assert!(settings(&UpdateSettingsArgs {
            camera_enabled: Some(false),
            ..Default::default()
        })
        .is_ok());
        assert!(end(&EndSessionArgs {
            end_reason: Some("r".repeat(201)),
            session: None
        })
        .is_err());
        assert!(failed(&MarkFailedArgs {
            reason: Some("r".repeat(200)),
            session: None
        })
        .is_ok());
        assert_eq!(sessions_limit(None).unwrap(), 50);
        assert_eq!(sessions_limit(Some(500)).unwrap(), 200);
        assert!(sessions_limit(Some(0)).is_err());
        assert!(user_id("").is_err());
        assert!(session_ref(&"s".repeat(101)).is_err());
    }

    #[test]
    fn ratings_are_whole_numbers_from_one_to_five_with_a_short_comment() {
        let rate_of = |rating: f64, comment: Option<String>| {
            rate(&RateSessionArgs {
                session: None,
                rating,
                comment,
            })
        };
        for good in [1.0, 3.0, 5.0] {
            assert_eq!(rate_of(good, None), Ok(good as i64));
        }
        for bad in [0.0, 6.0, 4.5, -1.0, f64::NAN, f64::INFINITY, 1e300] {
            let e = rate_of(bad, None).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidArgument, "{bad}");
            assert!(e.message.contains("rating"), "{bad}: {}", e.message);
        }
        assert!(rate_of(4.0, Some(String::new())).is_ok(), "may be empty");
        assert!(rate_of(4.0, Some("x".repeat(1000))).is_ok());
        // 500 emoji = 1000 UTF-16 units: ok; one more unit is over.
        assert!(rate_of(4.0, Some("😀".repeat(500))).is_ok());
        let e = rate_of(4.0, Some(format!("{}x", "😀".repeat(500)))).unwrap_err();
        assert!(e.message.contains("comment"), "{}", e.message);
    }

    #[test]
    fn white_space_is_what_js_trim_strips() {
        assert!(start(&start_args("\u{feff}")).is_err());
        assert!(start(&start_args("\u{a0}\u{3000}\u{2028}")).is_err());
        assert!(start(&start_args("\u{85}")).is_ok());
    }

    #[test]
    fn metadata_is_measured_as_json_stringify_writes_it() {
        let len = |v: Value| js_json_len(&v);
        // Each compared with what node prints for JSON.stringify(v).length.
        assert_eq!(len(json!({"a": [1.0, 0.5, -2]})), 16);
        assert_eq!(len(json!([1e20])), 23);
        assert_eq!(len(json!([1e21, 1.5e-7, 0.000001])), 23);
        assert_eq!(len(json!({"q": "\"\n😀", "t": true, "n": null})), 32);
        let mut a = start_args("x");
        a.metadata = Some(json!({"k": vec![1e20; 200]}));
        assert!(start(&a).is_err(), "4407 characters as JS writes them");
        a.metadata = Some(json!({"k": vec![1.0; 1000], "p": "x".repeat(2082)}));
        assert!(start(&a).is_ok(), "4096 characters as JS writes them");
    }

    /// JS `String(f)` as Rust's float formatting gives it (the implementation
    /// before `js_number_len` read serde_json's digits).
    fn js_number_len_by_fmt(f: f64) -> usize {
        let abs = f.abs();
        if f == 0.0 {
            1
        } else if (1e-6..1e21).contains(&abs) {
            format!("{f}").len()
        } else {
            let exp = format!("{f:e}");
            exp.len() + usize::from(!exp.contains("e-"))
        }
    }

    #[test]
    fn number_lengths_match_js() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut values = vec![
            1.0,
            -1.0,
            0.5,
            100.0,
            123456.0,
            1e20,
            1e21,
            1.5e21,
            1e-6,
            1e-7,
            1.5e-7,
            0.000001,
            0.0000015,
            1.25e-6,
            123.456,
            -0.001,
            1e300,
            -1e-300,
            5e-324,
            f64::MAX,
            f64::MIN,
            9007199254740993.0,
            0.1,
            0.2,
            0.30000000000000004,
            1e16,
            1e15,
            12345678901234567e4,
        ];
        for _ in 0..20_000 {
            let f = f64::from_bits(next());
            if f.is_finite() {
                values.push(f);
            }
            let whole = (next() % 1_000_000_000) as f64 * if next() % 2 == 0 { 1.0 } else { -1.0 };
            values.push(whole);
            values.push(whole / 1000.0);
        }
        for f in values {
            assert_eq!(js_number_len(f), js_number_len_by_fmt(f), "{f:e}");
        }
        // What node prints for String(f).length.
        assert_eq!(js_number_len(1e21), 5);
        assert_eq!(js_number_len(-1.5e-7), 7);
        assert_eq!(js_number_len(123.456), 7);
        assert_eq!(js_number_len(0.000001), 8);
        assert_eq!(js_number_len(5e-324), 6);
    }

    #[test]
    fn metadata_depth_is_capped() {
        let deep = |n: usize| (0..n).fold(json!(1), |v, _| json!({ "a": v }));
        let mut a = start_args("x");
        a.metadata = Some(deep(limits::METADATA_DEPTH));
        assert!(start(&a).is_ok());
        a.metadata = Some(deep(limits::METADATA_DEPTH + 1));
        assert!(start(&a).unwrap_err().message.contains("deep"));
        // Arrays count as levels too; a scalar is none.
        let arrays = |n: usize| (0..n).fold(json!("x"), |v, _| json!([v]));
        a.metadata = Some(arrays(8));
        assert!(start(&a).is_ok());
        a.metadata = Some(arrays(9));
        assert!(start(&a).is_err());
        a.metadata = Some(json!("scalar"));
        assert!(start(&a).is_ok());
    }

    #[test]
    fn metadata_depth_is_the_contracts_eight() {
        assert_eq!(limits::METADATA_DEPTH, 8);
    }

    #[test]
    fn metadata_bytes_are_refused() {
        let mut a = start_args("x");
        for bytes in [
            json!({"$bytes": "AAEC"}),
            json!({"file": {"$bytes": ""}}),
            json!([1, {"$bytes": "AA=="}]),
        ] {
            a.metadata = Some(bytes.clone());
            let e = start(&a).unwrap_err();
            assert_eq!(e.code, crate::error::ErrorCode::InvalidArgument);
            assert!(e.message.contains("bytes"), "{bytes}: {}", e.message);
        }
        a.metadata = Some(json!({"bytes": "AAEC", "b": "$bytes"}));
        assert!(start(&a).is_ok(), "the word alone is not bytes");
    }
}
