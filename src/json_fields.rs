//! Reads the fields of a JSON object by hand, for the types the SDK reads from JSON
//! text (stored records, the backend's replies, JS arguments): parse once into a
//! `serde_json::Value` (one deserializer, shared by every type), then take each field
//! with its type checked here. A serde derive compiles its own deserializer per type
//! into the wasm build, and its error paths pull in float formatting.
//!
//! The rules are the ones the derives applied, so the same text reads the same way:
//! - an absent field is the default or `None` (or an error when it is required);
//! - `null` is `None` for an optional field and a type error for any other;
//! - a field of the wrong type is an error naming it; fields not asked for are ignored;
//! - integers are whole, non-negative and in range; floats accept any JSON number.
//!
//! Invariant: nothing here panics on any input; every problem is a [`FieldError`].

use std::fmt;

use serde_json::{Map, Value};

/// What was wrong with a JSON object's field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
    /// The value is not a JSON object.
    NotObject,
    /// The value is not a JSON array.
    NotList,
    /// A required field is absent.
    Missing(&'static str),
    /// The field is present but not of the type it must have.
    Type(&'static str, &'static str),
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldError::NotObject => f.write_str("expected a JSON object"),
            FieldError::NotList => f.write_str("expected a JSON array"),
            FieldError::Missing(name) => write!(f, "missing field `{name}`"),
            FieldError::Type(name, want) => write!(f, "`{name}` must be {want}"),
        }
    }
}

impl std::error::Error for FieldError {}

/// The fields of one JSON object, taken out one by one.
pub struct Fields {
    map: Map<String, Value>,
}

impl Fields {
    /// The object `value` is, or [`FieldError::NotObject`].
    pub fn of(value: Value) -> Result<Fields, FieldError> {
        match value {
            Value::Object(map) => Ok(Fields { map }),
            _ => Err(FieldError::NotObject),
        }
    }

    /// Parses `text` as one JSON object. A syntax error is returned as its message.
    pub fn parse(text: &str) -> Result<Fields, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| json_error(&e))?;
        Fields::of(value).map_err(|e| e.to_string())
    }

    /// The field's value as it is (`None` when absent; `null` stays `Value::Null`).
    pub fn take(&mut self, name: &str) -> Option<Value> {
        self.map.remove(name)
    }

    /// A present, non-`null` value; `None` when absent or `null`.
    fn present(&mut self, name: &str) -> Option<Value> {
        self.take(name).filter(|v| !v.is_null())
    }

    /// Any JSON value but `null`; absent or `null` is `None`.
    pub fn opt_value(&mut self, name: &'static str) -> Option<Value> {
        self.present(name)
    }

    pub fn opt_str(&mut self, name: &'static str) -> Result<Option<String>, FieldError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(FieldError::Type(name, "a string")),
        }
    }

    /// A required string.
    pub fn str(&mut self, name: &'static str) -> Result<String, FieldError> {
        match self.take(name) {
            None => Err(FieldError::Missing(name)),
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(FieldError::Type(name, "a string")),
        }
    }

    /// A string that defaults to empty when absent (`null` is a type error).
    pub fn str_or_default(&mut self, name: &'static str) -> Result<String, FieldError> {
        match self.take(name) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(FieldError::Type(name, "a string")),
        }
    }

    pub fn opt_bool(&mut self, name: &'static str) -> Result<Option<bool>, FieldError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(FieldError::Type(name, "a boolean")),
        }
    }

    pub fn opt_f64(&mut self, name: &'static str) -> Result<Option<f64>, FieldError> {
        match self.present(name) {
            None => Ok(None),
            Some(v) => as_f64(&v)
                .map(Some)
                .ok_or(FieldError::Type(name, "a number")),
        }
    }

    /// A required number.
    pub fn f64(&mut self, name: &'static str) -> Result<f64, FieldError> {
        match self.take(name) {
            None => Err(FieldError::Missing(name)),
            Some(v) => as_f64(&v).ok_or(FieldError::Type(name, "a number")),
        }
    }

    /// A number that defaults to 0 when absent (`null` is a type error).
    pub fn f64_or_default(&mut self, name: &'static str) -> Result<f64, FieldError> {
        match self.take(name) {
            None => Ok(0.0),
            Some(v) => as_f64(&v).ok_or(FieldError::Type(name, "a number")),
        }
    }

    /// A whole, non-negative number that fits a `u64`.
    pub fn opt_u64(&mut self, name: &'static str) -> Result<Option<u64>, FieldError> {
        match self.present(name) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or(FieldError::Type(name, "a whole number")),
        }
    }

    /// A whole, non-negative number that fits a `u32`, 0 when absent (`null` is a
    /// type error).
    pub fn u32_or_default(&mut self, name: &'static str) -> Result<u32, FieldError> {
        match self.take(name) {
            None => Ok(0),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or(FieldError::Type(name, "a whole number")),
        }
    }

    /// An optional list of strings.
    pub fn opt_strings(&mut self, name: &'static str) -> Result<Option<Vec<String>>, FieldError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for v in items {
                    match v {
                        Value::String(s) => out.push(s),
                        _ => return Err(FieldError::Type(name, "a list of strings")),
                    }
                }
                Ok(Some(out))
            }
            Some(_) => Err(FieldError::Type(name, "a list of strings")),
        }
    }
}

/// A serde_json error in a few words and its position (`invalid JSON at line 1
/// column 5`). Not its `Display`, which would bring serde_json's table of syntax
/// messages and std's I/O error texts into the wasm build.
pub fn json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Eof => "JSON that ends early",
        Category::Syntax => "invalid JSON",
        Category::Data => "JSON of another shape",
        Category::Io => "unreadable JSON",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> Fields {
        Fields::of(v).unwrap()
    }

    #[test]
    fn absent_null_and_wrong_types_read_like_the_derives() {
        let mut f = fields(json!({"a": "x", "n": null, "b": true, "i": 5, "f": 1.5, "neg": -1}));
        assert_eq!(f.opt_str("a"), Ok(Some("x".into())));
        assert_eq!(f.opt_str("n"), Ok(None));
        assert_eq!(f.opt_str("absent"), Ok(None));
        assert_eq!(f.opt_bool("b"), Ok(Some(true)));
        assert_eq!(f.opt_u64("i"), Ok(Some(5)));
        assert_eq!(f.opt_f64("f"), Ok(Some(1.5)));
        assert_eq!(
            f.opt_u64("neg"),
            Err(FieldError::Type("neg", "a whole number"))
        );

        let mut f = fields(json!({"s": null, "u": null, "big": 4294967296u64, "x": 1.0}));
        assert_eq!(f.str("s"), Err(FieldError::Type("s", "a string")));
        assert_eq!(f.str("absent"), Err(FieldError::Missing("absent")));
        assert_eq!(f.str_or_default("absent"), Ok(String::new()));
        assert_eq!(
            f.u32_or_default("u"),
            Err(FieldError::Type("u", "a whole number"))
        );
        assert_eq!(f.u32_or_default("absent"), Ok(0));
        assert_eq!(f.f64_or_default("absent"), Ok(0.0));
        assert_eq!(
            f.u32_or_default("big"),
            Err(FieldError::Type("big", "a whole number"))
        );
        assert_eq!(f.opt_u64("x"), Err(FieldError::Type("x", "a whole number")));

        assert!(Fields::of(json!([1])).is_err());
        assert_eq!(
            Fields::parse("{").err().as_deref(),
            Some("JSON that ends early at line 1 column 1")
        );
        assert_eq!(
            Fields::parse("{]").err().as_deref(),
            Some("invalid JSON at line 1 column 2")
        );
        let mut f = fields(json!({"n": null, "i": 3, "f": 1.5, "s": "1"}));
        assert_eq!(f.f64_or_default("i"), Ok(3.0));
        assert_eq!(f.f64_or_default("f"), Ok(1.5));
        assert_eq!(
            f.f64_or_default("n"),
            Err(FieldError::Type("n", "a number"))
        );
        assert_eq!(
            f.f64_or_default("s"),
            Err(FieldError::Type("s", "a number"))
        );

        let mut f = fields(json!({"l": ["a", "b"], "bad": ["a", 1]}));
        assert_eq!(f.opt_strings("l"), Ok(Some(vec!["a".into(), "b".into()])));
        assert!(f.opt_strings("bad").is_err());
    }
}
