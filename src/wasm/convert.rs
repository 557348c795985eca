//! Values across the JS boundary. JS objects go through `JSON.stringify` and are read
//! field by field (`crate::json_fields`), and results come back through `JSON.parse`:
//! serde_json is already in the binary, so this costs no extra code
//! (serde-wasm-bindgen would), and `undefined` fields simply disappear, which is what
//! optional arguments want.
//!
//! Invariants:
//! - nothing here panics on JS input: every failure is a typed JS `Error`;
//! - every error handed to JS is an `Error` whose `code` is a stable string
//!   (`ErrorCode::as_str`, or [`CLOSED`] for a closed client) and whose `message`
//!   says what to do.

use js_sys::{ArrayBuffer, Error, Reflect, JSON};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{ApiError, ErrorCode};
use crate::json_fields::Fields;
use crate::json_write::WriteJson;

pub(crate) use crate::error::CLOSED;

/// A JS `Error` with a `code` property and the name `VideoSessionError`.
pub(crate) fn js_error(code: &str, message: &str) -> JsValue {
    let err = Error::new(message);
    err.set_name("VideoSessionError");
    // Setting a property on a fresh Error cannot fail.
    let _ = Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(code));
    err.into()
}

pub(crate) fn api_error(e: ApiError) -> JsValue {
    js_error(e.code.as_str(), &e.message)
}

pub(crate) fn invalid(message: impl AsRef<str>) -> JsValue {
    js_error(ErrorCode::InvalidArgument.as_str(), message.as_ref())
}

thread_local! {
    /// A `JSON.stringify` replacer that throws on NaN and ±Infinity, which plain
    /// `JSON.stringify` would silently turn into `null`, and on bytes (ArrayBuffer,
    /// typed arrays, DataView), which it would turn into `{}` or an index map: the
    /// contract refuses bytes (D2), and a silent rewrite would store something else.
    static FINITE_ONLY: Closure<dyn Fn(JsValue, JsValue) -> Result<JsValue, JsValue>> =
        Closure::new(|key: JsValue, value: JsValue| match value.as_f64() {
            // Named by its key (`rating`, `duration`), so a NaN says which field it is.
            Some(n) if !n.is_finite() => Err(Error::new(&match key.as_string() {
                Some(key) if !key.is_empty() => format!("`{key}` must be a finite number"),
                _ => "numbers must be finite".into(),
            })
            .into()),
            _ if value.is_instance_of::<ArrayBuffer>() || ArrayBuffer::is_view(&value) => Err(
                Error::new("bytes (ArrayBuffer, typed arrays) are not accepted; encode them as a string").into(),
            ),
            _ => Ok(value),
        });
}

/// `JSON.stringify(value)`; `None` for `undefined`/`null`. Cycles, BigInts, NaN,
/// ±Infinity and bytes make `INVALID_ARGUMENT` errors naming `what` (and a NaN or
/// ±Infinity its key).
pub(crate) fn to_json(value: &JsValue, what: &str) -> Result<Option<String>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let s = FINITE_ONLY
        .with(|f| JSON::stringify_with_replacer(value, f.as_ref().unchecked_ref()))
        .map_err(|e| invalid(format!("{what}: cannot be read as JSON ({})", describe(&e))))?;
    Ok(s.as_string())
}

/// Reads a JS object argument's fields (through its JSON, like [`to_json`]);
/// `undefined`/`null` read as `{}`. Anything but an object is `INVALID_ARGUMENT`.
pub(crate) fn fields_js(value: &JsValue, what: &str) -> Result<Fields, JsValue> {
    let json = to_json(value, what)?.unwrap_or_else(|| "{}".into());
    Fields::parse(&json).map_err(|e| invalid(format!("{what}: {e}")))
}

/// A value as a plain JS value (objects, arrays, strings, numbers, null), through
/// its JSON text (`crate::json_write`).
pub(crate) fn to_js<T: WriteJson + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    parse_js(crate::json_write::to_json(value))
}

/// `JSON.parse(json)`; kept out of line so [`to_js`]'s copies per type stay small.
#[inline(never)]
fn parse_js(json: String) -> Result<JsValue, JsValue> {
    JSON::parse(&json).map_err(|e| js_error(ErrorCode::BadReply.as_str(), &describe(&e)))
}

/// A property of a JS object; `undefined` when it is absent or `obj` is no object.
pub(crate) fn prop(obj: &JsValue, name: &str) -> JsValue {
    if !obj.is_object() && !obj.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// A human-readable description of a thrown JS value.
pub(crate) fn describe(err: &JsValue) -> String {
    if let Some(e) = err.dyn_ref::<Error>() {
        let name: String = e.name().into();
        let msg: String = e.message().into();
        return format!("{name}: {msg}");
    }
    // JSON, not `{:?}`: JsValue's Debug needs a debug printer in the JS glue.
    err.as_string()
        .or_else(|| JSON::stringify(err).ok().and_then(|s| s.as_string()))
        .unwrap_or_else(|| "a value without a JSON form".into())
}

/// The `name` of a thrown JS error (`QuotaExceededError`, `AbortError`, …).
pub(crate) fn error_name(err: &JsValue) -> String {
    prop(err, "name").as_string().unwrap_or_default()
}

/// An optional number option: absent, or a finite number in `min..=max`, as an integer.
pub(crate) fn opt_u64(
    obj: &JsValue,
    name: &str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, JsValue> {
    let v = prop(obj, name);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n.is_finite() && n.fract() == 0.0 && n >= min as f64 && n <= max as f64 => {
            Ok(Some(n as u64))
        }
        _ => Err(invalid(format!(
            "options.{name} must be a whole number from {min} to {max}"
        ))),
    }
}
