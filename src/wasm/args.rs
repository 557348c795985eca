//! The JS-named argument and result objects of the class's methods (`sessionId`,
//! `sessionIdToEnd`), read with `convert::from_js` and mapped onto the core's types.
//! Their TypeScript twins are in `ts_types.rs`.

use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use super::convert::invalid;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct JsSettingsArgs {
    pub(crate) camera_enabled: Option<bool>,
    pub(crate) mic_enabled: Option<bool>,
    pub(crate) audio_option: Option<String>,
    pub(crate) session_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct JsEndArgs {
    pub(crate) session_id_to_end: Option<String>,
    pub(crate) end_reason: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct JsFailedArgs {
    pub(crate) session_id: Option<String>,
    pub(crate) reason: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct JsSessionsArgs {
    pub(crate) limit: Option<f64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JsEndResult {
    pub(crate) session_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) duration: Option<u64>,
    pub(crate) ended_at: String,
}

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
