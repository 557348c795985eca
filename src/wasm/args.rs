//! The arguments of the class's methods: plain values (a session id, an optional
//! value), and object arguments read field by field into the `crate::api` types
//! under their JS names (the same rules their serde derives apply, see
//! `crate::json_fields`, without a deserializer per type in the wasm build). Results
//! are written from the `crate::api` types themselves.

use wasm_bindgen::JsValue;

use super::convert::{fields_js, invalid};
use crate::api;
use crate::json_fields::{FieldError, Fields};

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

/// Reads an object argument with `read`; a bad field is `INVALID_ARGUMENT` naming
/// `what` and the field.
fn object<T>(
    v: &JsValue,
    what: &str,
    read: impl FnOnce(&mut Fields) -> Result<T, FieldError>,
) -> Result<T, JsValue> {
    let mut f = fields_js(v, what)?;
    read(&mut f).map_err(|e| invalid(format!("{what}: {e}")))
}

pub(crate) fn start_session(v: &JsValue) -> Result<api::StartSessionArgs, JsValue> {
    object(v, "startSession", |f| {
        Ok(api::StartSessionArgs {
            support_worker_name: f.str_or_default("supportWorkerName")?,
            support_worker_id: f.opt_str("supportWorkerId")?,
            appointment_id: f.opt_str("appointmentId")?,
            audio_option: f.opt_str("audioOption")?,
            metadata: f.opt_value("metadata"),
        })
    })
}

pub(crate) fn update_settings(v: &JsValue) -> Result<api::UpdateSettingsArgs, JsValue> {
    object(v, "updateSettings", |f| {
        Ok(api::UpdateSettingsArgs {
            camera_enabled: f.opt_bool("cameraEnabled")?,
            mic_enabled: f.opt_bool("micEnabled")?,
            audio_option: f.opt_str("audioOption")?,
            session: f.opt_str("sessionId")?,
        })
    })
}

pub(crate) fn end_session(v: &JsValue) -> Result<api::EndSessionArgs, JsValue> {
    object(v, "endSession", |f| {
        Ok(api::EndSessionArgs {
            session: f.opt_str("sessionIdToEnd")?,
            end_reason: f.opt_str("endReason")?,
        })
    })
}

pub(crate) fn mark_failed(v: &JsValue) -> Result<api::MarkFailedArgs, JsValue> {
    object(v, "markFailed", |f| {
        Ok(api::MarkFailedArgs {
            session: f.opt_str("sessionId")?,
            reason: f.opt_str("reason")?,
        })
    })
}

pub(crate) fn get_user_sessions(v: &JsValue) -> Result<api::GetUserSessionsArgs, JsValue> {
    object(v, "getUserSessions", |f| {
        Ok(api::GetUserSessionsArgs {
            limit: f.opt_f64("limit")?,
        })
    })
}
