//! The arguments of the class's methods: plain values (a session id, an optional
//! value), and object arguments read field by field into the `crate::api` types
//! under their JS names (their `crate::wire::ReadJson` impls, tested against their
//! serde derives, without a deserializer per type in the wasm build). Results
//! are written from the `crate::api` types themselves. A network sample is read
//! property by property, so a NaN or a string is refused with the metric's name
//! (JSON would turn NaN into `null` or an error about the whole object).

use wasm_bindgen::JsValue;

use super::convert::{fields_js, invalid, prop};
use crate::api;
use crate::json_fields::{FieldError, Fields};
use crate::wire::ReadJson;

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
    object(v, "startSession", api::StartSessionArgs::read)
}

pub(crate) fn update_settings(v: &JsValue) -> Result<api::UpdateSettingsArgs, JsValue> {
    object(v, "updateSettings", api::UpdateSettingsArgs::read)
}

pub(crate) fn end_session(v: &JsValue) -> Result<api::EndSessionArgs, JsValue> {
    object(v, "endSession", api::EndSessionArgs::read)
}

pub(crate) fn mark_failed(v: &JsValue) -> Result<api::MarkFailedArgs, JsValue> {
    object(v, "markFailed", api::MarkFailedArgs::read)
}

pub(crate) fn get_user_sessions(v: &JsValue) -> Result<api::GetUserSessionsArgs, JsValue> {
    object(v, "getUserSessions", api::GetUserSessionsArgs::read)
}

/// `getCallVolume`'s and `getDurationTrend`'s argument (`what` is the method).
pub(crate) fn analytics_range(
    v: &JsValue,
    what: &str,
) -> Result<crate::analytics::AnalyticsRangeArgs, JsValue> {
    object(v, what, crate::analytics::AnalyticsRangeArgs::read)
}

pub(crate) fn leaderboard(v: &JsValue) -> Result<crate::analytics::LeaderboardArgs, JsValue> {
    object(
        v,
        "getSupportWorkerLeaderboard",
        crate::analytics::LeaderboardArgs::read,
    )
}

pub(crate) fn rate_session(v: &JsValue) -> Result<api::RateSessionArgs, JsValue> {
    object(v, "rateSession", api::RateSessionArgs::read)
}

/// `reportNetworkStats`' argument: an object whose metrics are numbers when given
/// (NaN and out-of-range values are left to the core's check, which names them).
pub(crate) fn network_args(v: &JsValue) -> Result<api::ReportNetworkStatsArgs, JsValue> {
    const WHAT: &str = "reportNetworkStats";
    if !v.is_object() {
        return Err(invalid(format!(
            "{WHAT} needs an object with at least one of rttMs, jitterMs, packetLossPct, bitrateKbps"
        )));
    }
    let metric = |name: &str| -> Result<Option<f64>, JsValue> {
        let m = prop(v, name);
        if m.is_undefined() || m.is_null() {
            return Ok(None);
        }
        m.as_f64()
            .map(Some)
            .ok_or_else(|| invalid(format!("{WHAT}: {name} must be a number (one sample)")))
    };
    Ok(api::ReportNetworkStatsArgs {
        session: opt_session(&prop(v, "sessionId"), "reportNetworkStats({sessionId})")?,
        rtt_ms: metric("rttMs")?,
        jitter_ms: metric("jitterMs")?,
        packet_loss_pct: metric("packetLossPct")?,
        bitrate_kbps: metric("bitrateKbps")?,
    })
}
