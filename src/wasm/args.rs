//! Plain-value arguments of the class's methods (a session id, an optional value).
//! Object arguments and results need nothing here: they are read into and written
//! from the `crate::api` types themselves, which carry the JS names.

use wasm_bindgen::JsValue;

use super::convert::invalid;

/// An optional argument as a plain value (`undefined` when absent).
pub(crate) fn optional<T: Into<JsValue>>(v: Option<T>) -> JsValue {
    v.map_or(JsValue::UNDEFINED, Into::into)
}

/// An optional session id argument: absent, or a string.
pub(crate) fn opt_session(v: &JsValue, what: &str) -> Result<Option<String>, JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string()
        .map(Some)
        .ok_or_else(|| invalid(format!("{what} must be a session id string")))
}
