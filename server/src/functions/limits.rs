//! The contract's limits on argument values; each violation is `INVALID_ARGUMENT`.
//!
//! Lengths are counted in UTF-16 code units, as JavaScript's `.length` counts them,
//! so both backends draw the line at the same character.

use crate::error::FunctionError;
use crate::time;
use crate::values::Value;
use protocol::text::{is_blank, utf16_len};

pub use protocol::limits::*;

/// `min..=max` UTF-16 units.
pub fn length(field: &str, value: &str, min: usize, max: usize) -> Result<(), FunctionError> {
    let len = utf16_len(value);
    if len < min || len > max {
        let range = if min == 0 {
            format!("at most {max}")
        } else {
            format!("{min} to {max}")
        };
        return Err(FunctionError::invalid(format!(
            "{field} must be {range} characters long, got {len}"
        )));
    }
    Ok(())
}

/// Like `length`, for an optional value.
pub fn optional_length(
    field: &str,
    value: Option<&str>,
    min: usize,
    max: usize,
) -> Result<(), FunctionError> {
    value.map_or(Ok(()), |v| length(field, v, min, max))
}

/// `1..=max` units and not only white space (JavaScript's `trim()` set).
pub fn text(field: &str, value: &str, max: usize) -> Result<(), FunctionError> {
    length(field, value, 1, max)?;
    if is_blank(value) {
        return Err(FunctionError::invalid(format!(
            "{field} must not be only white space"
        )));
    }
    Ok(())
}

/// How deeply `value` nests, counting at most `limit + 1` (so a hostile value
/// costs no more than the limit to measure).
fn depth(value: &Value, limit: usize) -> usize {
    let children: Box<dyn Iterator<Item = &Value>> = match value {
        Value::Array(items) => Box::new(items.iter()),
        Value::Object(map) => Box::new(map.values()),
        _ => return 0,
    };
    if limit == 0 {
        return 1;
    }
    1 + children.map(|v| depth(v, limit - 1)).max().unwrap_or(0)
}

fn has_bytes(value: &Value) -> bool {
    match value {
        Value::Bytes(_) => true,
        Value::Array(items) => items.iter().any(has_bytes),
        Value::Object(map) => map.values().any(has_bytes),
        _ => false,
    }
}

/// Metadata (contract D2): at most 8 levels deep, no bytes values (JSON text
/// cannot carry them, and `JSON.stringify` counts an ArrayBuffer as `{}`), and
/// `JSON.stringify(metadata).length <= 4096`.
pub fn metadata(value: &Value) -> Result<(), FunctionError> {
    if depth(value, METADATA_DEPTH) > METADATA_DEPTH {
        return Err(FunctionError::invalid(format!(
            "metadata may nest at most {METADATA_DEPTH} levels of objects and arrays"
        )));
    }
    if has_bytes(value) {
        return Err(FunctionError::invalid(
            "metadata must not contain bytes values",
        ));
    }
    match value.js_json_len() {
        Some(len) if len <= METADATA_JSON => Ok(()),
        Some(len) => Err(FunctionError::invalid(format!(
            "metadata must serialise to at most {METADATA_JSON} characters of JSON, got {len}"
        ))),
        None => Err(FunctionError::invalid(
            "metadata must be JSON-serialisable (int64 values are not)",
        )),
    }
}

/// How much of any input an error message repeats.
pub const ECHO_MAX: usize = 200;

/// `text` for an error message: at most `ECHO_MAX` characters, then "…" (a 1 MB
/// field must not make a 2 MB reply).
pub fn echo(text: &str) -> String {
    match text.char_indices().nth(ECHO_MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// A timestamp argument, normalised to milliseconds.
pub fn timestamp(field: &str, value: &str) -> Result<i64, FunctionError> {
    time::parse_iso(value).map_err(|_| {
        FunctionError::invalid(format!(
            "{field} must be an ISO-8601 UTC time like 2024-01-15T10:30:00.000Z, years 1970-9999 (got {:?})",
            echo(value)
        ))
    })
}

/// A rating: a whole number from `RATING_MIN` to `RATING_MAX` (NaN, fractions,
/// anything but a number, out of range → `INVALID_ARGUMENT`).
pub fn rating(value: Option<&Value>) -> Result<i64, FunctionError> {
    let n = match value {
        Some(Value::Float64(n)) => *n,
        _ => return Err(FunctionError::invalid("rating must be a number")),
    };
    if n.fract() != 0.0 || !(RATING_MIN as f64..=RATING_MAX as f64).contains(&n) {
        return Err(FunctionError::invalid(format!(
            "rating must be a whole number from {RATING_MIN} to {RATING_MAX}, got {n}"
        )));
    }
    Ok(n as i64)
}

/// A page-size argument: an integer ≥ 1, `default` when absent, clamped to `max`.
pub fn page_size(
    field: &str,
    value: Option<f64>,
    default: usize,
    max: usize,
) -> Result<usize, FunctionError> {
    let Some(n) = value else {
        return Ok(default);
    };
    if !n.is_finite() || n.fract() != 0.0 || n < 1.0 {
        return Err(FunctionError::invalid(format!(
            "{field} must be a whole number of at least 1, got {n}"
        )));
    }
    Ok(if n > max as f64 { max } else { n as usize })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn nested(levels: usize) -> Value {
        let mut v = Value::String("leaf".into());
        for i in 0..levels {
            v = if i % 2 == 0 {
                Value::Object(BTreeMap::from([("k".to_string(), v)]))
            } else {
                Value::Array(vec![v])
            };
        }
        v
    }

    #[test]
    fn metadata_nests_at_most_eight_levels() {
        assert!(metadata(&nested(8)).is_ok());
        let err = metadata(&nested(9)).unwrap_err();
        assert!(matches!(
            err,
            FunctionError::Coded {
                code: crate::error::Code::InvalidArgument,
                ..
            }
        ));
        assert!(metadata(&nested(120)).is_err());
        assert!(metadata(&Value::Array(vec![])).is_ok());
    }

    #[test]
    fn echoed_input_is_capped() {
        assert_eq!(echo("short"), "short");
        let long = echo(&"é".repeat(1_000_000));
        assert_eq!(long.chars().count(), ECHO_MAX + 1);
        assert!(long.ends_with('…'));
        let FunctionError::Coded { message, .. } =
            timestamp("occurredAt", &"x".repeat(1_000_000)).unwrap_err()
        else {
            panic!("a timestamp error is coded");
        };
        assert!(message.len() < 400, "{}", message.len());
    }

    #[test]
    fn metadata_refuses_bytes_anywhere() {
        assert!(metadata(&Value::Bytes(vec![0; 900_000])).is_err());
        let inside = Value::Object(BTreeMap::from([(
            "a".to_string(),
            Value::Array(vec![Value::Bytes(vec![])]),
        )]));
        assert!(metadata(&inside).is_err());
    }

    #[test]
    fn lengths_count_utf16_units() {
        assert!(length("x", &"😀".repeat(50), 1, 100).is_ok());
        assert!(length("x", &"😀".repeat(51), 1, 100).is_err());
        assert!(length("x", "", 1, 100).is_err());
        assert!(length("x", "", 0, 100).is_ok());
    }

    #[test]
    fn text_rejects_white_space_only() {
        assert!(text("name", " \t\u{a0}\u{feff}", 200).is_err());
        assert!(text("name", " Dr. Smith ", 200).is_ok());
        // JS trim() keeps NEL, so a name of only U+0085 is not blank (convex/ agrees).
        assert!(text("name", "\u{85}", 200).is_ok());
    }

    #[test]
    fn page_size_rules() {
        assert_eq!(page_size("limit", None, 50, 200).unwrap(), 50);
        assert_eq!(page_size("limit", Some(500.0), 50, 200).unwrap(), 200);
        assert_eq!(page_size("limit", Some(3.0), 50, 200).unwrap(), 3);
        for bad in [0.0, -1.0, 1.5, f64::NAN, f64::INFINITY] {
            assert!(page_size("limit", Some(bad), 50, 200).is_err(), "{bad}");
        }
    }
}
