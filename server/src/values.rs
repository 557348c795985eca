//! Convex's JSON encoding of values, both ways.
//!
//! Numbers on the wire are float64; an int64 travels as `{"$integer": base64(LE)}`,
//! a float that plain JSON cannot carry (NaN, ±Infinity, -0) as
//! `{"$float": base64(LE)}`, and bytes as `{"$bytes": base64}`. Objects keep their
//! keys sorted, as Convex's own `ConvexObject` does. Invariant: `decode(encode(v))`
//! is `v` for every value, including the special floats.

use base64::{engine::general_purpose::STANDARD, Engine};
use protocol::text::utf16_len;
use serde_json::json;
use std::collections::BTreeMap;

/// A Convex value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int64(i64),
    Float64(f64),
    Boolean(bool),
    String(String),
    Bytes(Vec<u8>),
    Array(Vec<Value>),
    Object(BTreeMap<String, Value>),
}

/// Why a JSON document is not a Convex value.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    #[error("`$integer` must be the base64 of 8 little-endian bytes, got {0:?}")]
    BadInteger(String),
    #[error("`$float` must be the base64 of 8 little-endian bytes, got {0:?}")]
    BadFloat(String),
    #[error("`$bytes` must be base64, got {0:?}")]
    BadBytes(String),
    #[error("field name {0:?} starts with '$', which is reserved")]
    ReservedField(String),
}

impl Value {
    /// Decodes Convex-encoded JSON.
    pub fn from_json(json: &serde_json::Value) -> Result<Value, DecodeError> {
        Ok(match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Boolean(*b),
            serde_json::Value::Number(n) => Value::Float64(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(Value::from_json)
                    .collect::<Result<_, _>>()?,
            ),
            serde_json::Value::Object(map) => {
                if map.len() == 1 {
                    if let Some((key, serde_json::Value::String(text))) = map.iter().next() {
                        match key.as_str() {
                            "$integer" => {
                                let bytes = eight_bytes(text)
                                    .ok_or_else(|| DecodeError::BadInteger(text.clone()))?;
                                return Ok(Value::Int64(i64::from_le_bytes(bytes)));
                            }
                            "$float" => {
                                let bytes = eight_bytes(text)
                                    .ok_or_else(|| DecodeError::BadFloat(text.clone()))?;
                                return Ok(Value::Float64(f64::from_le_bytes(bytes)));
                            }
                            "$bytes" => {
                                let bytes = STANDARD
                                    .decode(text)
                                    .map_err(|_| DecodeError::BadBytes(text.clone()))?;
                                return Ok(Value::Bytes(bytes));
                            }
                            _ => {}
                        }
                    }
                }
                let mut out = BTreeMap::new();
                for (key, value) in map {
                    if key.starts_with('$') {
                        return Err(DecodeError::ReservedField(key.clone()));
                    }
                    out.insert(key.clone(), Value::from_json(value)?);
                }
                Value::Object(out)
            }
        })
    }

    /// Encodes as Convex JSON. Integral floats are written without a fraction, as
    /// JavaScript's `JSON.stringify` does.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Int64(i) => json!({ "$integer": STANDARD.encode(i.to_le_bytes()) }),
            Value::Float64(f) => float_to_json(*f),
            Value::Boolean(b) => serde_json::Value::Bool(*b),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Bytes(b) => json!({ "$bytes": STANDARD.encode(b) }),
            Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Object(map) => serde_json::Value::Object(
                map.iter().map(|(k, v)| (k.clone(), v.to_json())).collect(),
            ),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float64(f) => Some(*f),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// `JSON.stringify(value).length` as JavaScript computes it (UTF-16 units), or
    /// `None` where JavaScript would throw (a BigInt).
    pub fn js_json_len(&self) -> Option<usize> {
        Some(match self {
            Value::Null => 4,
            Value::Boolean(true) => 4,
            Value::Boolean(false) => 5,
            Value::Int64(_) => return None,
            Value::Float64(f) if !f.is_finite() => 4,
            Value::Float64(f) => js_number_string(*f).len(),
            Value::String(s) => json_string_len(s),
            // An ArrayBuffer has no enumerable properties: `{}`.
            Value::Bytes(_) => 2,
            Value::Array(items) => {
                let mut len = 2 + items.len().saturating_sub(1);
                for item in items {
                    len += item.js_json_len()?;
                }
                len
            }
            Value::Object(map) => {
                let mut len = 2 + map.len().saturating_sub(1);
                for (key, value) in map {
                    len += json_string_len(key) + 1 + value.js_json_len()?;
                }
                len
            }
        })
    }
}

/// A wire type (`protocol::wire`) as a value to reply with, by way of plain JSON.
/// Its objects sort their keys, as Convex's do, so a reply's text does not depend on
/// the order a type declares its fields in. Nothing is decoded (`{"$integer": …}`
/// stays an object and is written back as it came), so this cannot fail on content;
/// serialising a wire type cannot fail either (all its map keys are strings), and
/// `null` stands in should that ever change.
pub fn from_wire<T: serde::Serialize>(wire: &T) -> Value {
    fn plain(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Boolean(*b),
            serde_json::Value::Number(n) => Value::Float64(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => Value::Array(items.iter().map(plain).collect()),
            serde_json::Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), plain(v))).collect())
            }
        }
    }
    serde_json::to_value(wire).map_or(Value::Null, |json| plain(&json))
}

fn json_string_len(s: &str) -> usize {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    utf16_len(&quoted)
}

fn eight_bytes(text: &str) -> Option<[u8; 8]> {
    STANDARD.decode(text).ok()?.try_into().ok()
}

fn float_to_json(f: f64) -> serde_json::Value {
    if !f.is_finite() || (f == 0.0 && f.is_sign_negative()) {
        return json!({ "$float": STANDARD.encode(f.to_le_bytes()) });
    }
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        return serde_json::Value::from(f as i64);
    }
    serde_json::Number::from_f64(f)
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

/// JavaScript's `Number.prototype.toString()` for a finite number.
fn js_number_string(f: f64) -> String {
    if f == 0.0 {
        return "0".to_string();
    }
    let abs = f.abs();
    if (1e-6..1e21).contains(&abs) {
        return format!("{f}");
    }
    let exp = format!("{f:e}");
    match exp.split_once('e') {
        Some((mantissa, power)) if !power.starts_with('-') => format!("{mantissa}e+{power}"),
        _ => exp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(v: Value) {
        let json = v.to_json();
        let back = Value::from_json(&json).expect("decodes");
        match (&v, &back) {
            (Value::Float64(a), Value::Float64(b)) if a.is_nan() => assert!(b.is_nan()),
            _ => assert_eq!(v, back),
        }
    }

    #[test]
    fn integer_is_base64_little_endian() {
        assert_eq!(
            Value::Int64(1).to_json(),
            json!({"$integer": "AQAAAAAAAAA="})
        );
        assert_eq!(
            Value::from_json(&json!({"$integer": "AQAAAAAAAAA="})),
            Ok(Value::Int64(1))
        );
        round_trip(Value::Int64(i64::MIN));
        round_trip(Value::Int64(-42));
    }

    #[test]
    fn special_floats_use_float_encoding() {
        for f in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0] {
            let json = Value::Float64(f).to_json();
            assert!(json.get("$float").is_some(), "{f} -> {json}");
            round_trip(Value::Float64(f));
        }
        let neg_zero = Value::from_json(&Value::Float64(-0.0).to_json()).unwrap();
        assert!(neg_zero.as_f64().unwrap().is_sign_negative());
    }

    #[test]
    fn plain_floats_are_numbers_and_integral_ones_have_no_fraction() {
        assert_eq!(Value::Float64(1.0).to_json().to_string(), "1");
        assert_eq!(Value::Float64(1.5).to_json().to_string(), "1.5");
        assert_eq!(Value::from_json(&json!(3)), Ok(Value::Float64(3.0)));
    }

    #[test]
    fn bytes_and_nested_objects_round_trip() {
        round_trip(Value::Bytes(vec![0, 1, 255]));
        let mut map = BTreeMap::new();
        map.insert(
            "a".into(),
            Value::Array(vec![Value::Null, Value::Boolean(true)]),
        );
        map.insert("b".into(), Value::String("x".into()));
        round_trip(Value::Object(map));
    }

    #[test]
    fn malformed_special_values_are_errors() {
        assert!(matches!(
            Value::from_json(&json!({"$integer": "AQ=="})),
            Err(DecodeError::BadInteger(_))
        ));
        assert!(matches!(
            Value::from_json(&json!({"$bytes": "!!"})),
            Err(DecodeError::BadBytes(_))
        ));
        assert!(matches!(
            Value::from_json(&json!({"$weird": 1})),
            Err(DecodeError::ReservedField(_))
        ));
    }

    #[test]
    fn js_json_len_matches_json_stringify() {
        let v = Value::from_json(&json!({"a": [1, 2.5, "é"], "b": null, "c": true})).unwrap();
        // JSON.stringify({a:[1,2.5,"é"],b:null,c:true}) === '{"a":[1,2.5,"é"],"b":null,"c":true}'
        assert_eq!(v.js_json_len(), Some(35));
        assert_eq!(Value::String("😀".into()).js_json_len(), Some(4));
        assert_eq!(Value::Float64(1e21).js_json_len(), Some(5));
        assert_eq!(Value::Float64(1.5e-7).js_json_len(), Some(6));
        assert_eq!(Value::Float64(f64::NAN).js_json_len(), Some(4));
        assert_eq!(Value::Int64(1).js_json_len(), None);
    }

    #[test]
    fn utf16_counts_surrogate_pairs_twice() {
        assert_eq!(utf16_len("abc"), 3);
        assert_eq!(utf16_len("😀"), 2);
    }
}
