//! Writes JSON objects field by field, for the types the SDK writes as JSON text
//! (results handed to JS, events, the persisted view, dead letters, the lease): the
//! counterpart of `crate::json_fields`. A serde `Serialize` derive compiles a
//! serializer per type into the wasm build; this writes the same text through the
//! few serde_json calls every type shares (a string, a float, a `Value`).
//!
//! Invariant: the text is byte for byte what the type's derived `Serialize` writes
//! through `serde_json::to_string` (fields in declaration order, the same fields
//! skipped, strings escaped and floats formatted by serde_json itself); each
//! [`WriteJson`] impl is tested against its derive.

use serde_json::Value;

/// A type written as JSON text the way its derived `Serialize` writes it.
pub trait WriteJson {
    fn write_json(&self, out: &mut String);
}

/// `value` as JSON text.
pub fn to_json<T: WriteJson + ?Sized>(value: &T) -> String {
    let mut out = String::new();
    value.write_json(&mut out);
    out
}

impl<T: WriteJson> WriteJson for [T] {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            item.write_json(out);
        }
        out.push(']');
    }
}

impl<T: WriteJson> WriteJson for Vec<T> {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

impl<T: WriteJson> WriteJson for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(v) => v.write_json(out),
            None => out.push_str("null"),
        }
    }
}

/// A JSON string literal, escaped by serde_json.
pub fn push_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

/// One JSON object being written. Keys are the SDK's own field names (plain ASCII,
/// nothing to escape).
pub struct Object<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Object<'a> {
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        Object { out, first: true }
    }

    fn key(&mut self, key: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
        self.out
    }

    pub fn str(&mut self, key: &str, v: &str) -> &mut Self {
        push_str(self.key(key), v);
        self
    }

    /// Skipped when `None` (`skip_serializing_if = "Option::is_none"`).
    pub fn opt_str(&mut self, key: &str, v: Option<&str>) -> &mut Self {
        if let Some(v) = v {
            self.str(key, v);
        }
        self
    }

    /// As serde_json writes an `f64` (`1.0`, `1.5e-7`; `null` when not finite).
    pub fn f64(&mut self, key: &str, v: f64) -> &mut Self {
        let text = serde_json::to_string(&v).unwrap_or_default();
        self.key(key).push_str(&text);
        self
    }

    pub fn opt_f64(&mut self, key: &str, v: Option<f64>) -> &mut Self {
        if let Some(v) = v {
            self.f64(key, v);
        }
        self
    }

    /// An `Option<f64>` serialized without a skip: `null` when `None`.
    pub fn nullable_f64(&mut self, key: &str, v: Option<f64>) -> &mut Self {
        match v {
            Some(v) => self.f64(key, v),
            None => {
                self.key(key).push_str("null");
                self
            }
        }
    }

    pub fn u64(&mut self, key: &str, v: u64) -> &mut Self {
        let text = v.to_string();
        self.key(key).push_str(&text);
        self
    }

    pub fn bool(&mut self, key: &str, v: bool) -> &mut Self {
        self.key(key).push_str(if v { "true" } else { "false" });
        self
    }

    pub fn opt_bool(&mut self, key: &str, v: Option<bool>) -> &mut Self {
        if let Some(v) = v {
            self.bool(key, v);
        }
        self
    }

    pub fn value(&mut self, key: &str, v: &Value) -> &mut Self {
        let text = serde_json::to_string(v).unwrap_or_default();
        self.key(key).push_str(&text);
        self
    }

    pub fn opt_value(&mut self, key: &str, v: Option<&Value>) -> &mut Self {
        if let Some(v) = v {
            self.value(key, v);
        }
        self
    }

    pub fn opt_strings(&mut self, key: &str, v: Option<&[String]>) -> &mut Self {
        if let Some(items) = v {
            let out = self.key(key);
            out.push('[');
            for (i, s) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_str(out, s);
            }
            out.push(']');
        }
        self
    }

    pub fn end(&mut self) {
        self.out.push('}');
    }
}
