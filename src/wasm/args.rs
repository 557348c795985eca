//! Plain-value arguments of the class's methods (a session id, an optional value).
//! Object arguments and results mostly need nothing here: they are read into and
//! written from the `crate::api` types themselves, which carry the JS names. A
//! network sample is read field by field, so a NaN or a string is refused with the
//! metric's name (JSON would turn NaN into an error about the whole object).

use wasm_bindgen::JsValue;

use super::convert::{invalid, prop};
use crate::api::ReportNetworkStatsArgs;

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

/// `reportNetworkStats`' argument: an object whose metrics are numbers when given
/// (NaN and out-of-range values are left to the core's check, which names them).
pub(crate) fn network_args(v: &JsValue) -> Result<ReportNetworkStatsArgs, JsValue> {
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
    Ok(ReportNetworkStatsArgs {
        session: opt_session(&prop(v, "sessionId"), "reportNetworkStats({sessionId})")?,
        rtt_ms: metric("rttMs")?,
        jitter_ms: metric("jitterMs")?,
        packet_loss_pct: metric("packetLossPct")?,
        bitrate_kbps: metric("bitrateKbps")?,
    })
}
