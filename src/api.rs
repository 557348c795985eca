//! The public argument and result types of [`crate::Client`]'s calls. They derive
//! serde with the JS names (`{supportWorkerName, sessionIdToEnd}`), so the wasm layer
//! reads a JS object straight into them and writes results straight out of them;
//! Rust code builds them as plain structs.
//!
//! Invariant: one type per concept from JS to the core. The TypeScript of each
//! (`js/generated/types.d.ts`, `--features ts`) is derived from the type here under the
//! same name, so a field renamed here is a reviewed diff of the package's types.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::record::OpKind;

/// How a [`crate::Client`] is set up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Config {
    /// The user whose sessions these are (the backend's `userId`).
    pub user_id: String,
    /// Every storage key the SDK writes starts with this.
    pub storage_prefix: String,
    /// Ops per `applyBatch` call (the backend accepts at most 100).
    pub batch_size: usize,
    /// Cap on one `applyBatch` call's JSON in bytes (default 512 KiB, half the
    /// backend's 1 MiB limit; at least 32 KiB is used, so every valid op fits); an
    /// op larger than a batch may carry is dead-lettered `TOO_LARGE`.
    pub max_batch_bytes: usize,
    /// Cap on stored ops; over it, the oldest settings/quality ops are evicted.
    pub max_records: usize,
    /// Cap on the stored ops' total JSON size, same eviction rule.
    pub max_bytes: usize,
    /// How long after an enqueue delivery should wait for more ops to batch.
    pub debounce_ms: u64,
    /// Identifies this instance in op keys; random when `None`. Non-empty, no `:`.
    pub tab_id: Option<String>,
    /// A prefix this user's op records were stored under by an earlier release (the
    /// unescaped `vss:{userId}:`); at open, records there that name this user move to
    /// `storage_prefix`. Set by the wasm layer when the two differ.
    pub legacy_prefix: Option<String>,
    /// Transient (non-network) failures an op survives before it is dead-lettered.
    pub max_attempts: u32,
    /// How long reads wait for the backend before answering from the local view.
    pub read_timeout_ms: u64,
}

impl Config {
    pub fn new(user_id: impl Into<String>) -> Self {
        Config {
            user_id: user_id.into(),
            ..Config::default()
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            user_id: String::new(),
            storage_prefix: "vss:".into(),
            batch_size: 100,
            max_batch_bytes: crate::delivery::MAX_BATCH_BYTES,
            max_records: 10_000,
            max_bytes: 4 * 1024 * 1024,
            debounce_ms: 250,
            tab_id: None,
            legacy_prefix: None,
            max_attempts: 25,
            read_timeout_ms: 3_000,
        }
    }
}

/// The default per-user storage prefix: `{base}{userId}:` with `%` and `:` in the
/// user id escaped (`%25`, `%3A`), so no user's prefix begins with another's (`acme`
/// and `acme:op` would otherwise nest: `vss:acme:` is a prefix of `vss:acme:op:`).
/// Ids without `%` or `:` keep the prefix earlier releases used.
pub fn user_storage_prefix(base: &str, user_id: &str) -> String {
    let mut out = String::with_capacity(base.len() + user_id.len() + 1);
    out.push_str(base);
    for c in user_id.chars() {
        match c {
            '%' => out.push_str("%25"),
            ':' => out.push_str("%3A"),
            c => out.push(c),
        }
    }
    out.push(':');
    out
}

/// `startSession`'s argument.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(rename_all = "camelCase", default)]
pub struct StartSessionArgs {
    pub support_worker_name: String,
    pub support_worker_id: Option<String>,
    pub appointment_id: Option<String>,
    pub audio_option: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>", optional))]
    pub metadata: Option<Value>,
}

/// `updateSettings`'s argument: camera, microphone and audio option of a session.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(rename_all = "camelCase", default)]
pub struct UpdateSettingsArgs {
    pub camera_enabled: Option<bool>,
    pub mic_enabled: Option<bool>,
    pub audio_option: Option<String>,
    /// Default: the current session.
    #[serde(rename = "sessionId")]
    pub session: Option<String>,
}

/// The name [`UpdateSettingsArgs`] had before it took its JS name; kept so Rust code
/// written against it still builds. New code should use `UpdateSettingsArgs`.
pub type SettingsArgs = UpdateSettingsArgs;

/// `endSession`'s argument.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(rename_all = "camelCase", default)]
pub struct EndSessionArgs {
    /// Default: the current session.
    #[serde(rename = "sessionIdToEnd")]
    pub session: Option<String>,
    pub end_reason: Option<String>,
}

/// `markFailed`'s argument.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(rename_all = "camelCase", default)]
pub struct MarkFailedArgs {
    /// Default: the current session.
    #[serde(rename = "sessionId")]
    pub session: Option<String>,
    pub reason: Option<String>,
}

/// `rateSession`'s argument: a post-call rating of an ended or failed session. A
/// session is rated once; a second rating is refused (`INVALID_TRANSITION`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RateSessionArgs {
    /// Default: the session this client most recently ended or failed.
    #[serde(rename = "sessionId", default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub session: Option<String>,
    /// A whole number from 1 to 5. Kept as the JS number it was given until the
    /// check, so 4.5 or 0 is refused with a message that names it.
    pub rating: f64,
    /// At most 1000 characters (UTF-16 units); may be empty.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub comment: Option<String>,
}

/// `reportNetworkStats`' argument: one sample of a call's network, as an app reads
/// it from `RTCPeerConnection.getStats()` every few seconds. At least one metric;
/// each a finite number from 0 to its ceiling (`rttMs`, `jitterMs` ≤ 60,000;
/// `packetLossPct` ≤ 100; `bitrateKbps` ≤ 100,000). The sample is folded on the
/// device into the session's pending report, so a call of any length stores and
/// delivers one summary per metric, not one record per sample.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(rename_all = "camelCase", default)]
pub struct ReportNetworkStatsArgs {
    /// Default: the current session.
    #[serde(rename = "sessionId")]
    pub session: Option<String>,
    /// Round-trip time, ms.
    pub rtt_ms: Option<f64>,
    /// Jitter, ms.
    pub jitter_ms: Option<f64>,
    /// Packets lost, % (0–100).
    pub packet_loss_pct: Option<f64>,
    /// Bitrate, kbit/s.
    pub bitrate_kbps: Option<f64>,
}

/// `getUserSessions`' argument.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(default)]
pub struct GetUserSessionsArgs {
    /// Whole number >= 1; default 50, at most 200.
    pub limit: Option<f64>,
}

impl GetUserSessionsArgs {
    /// The limit as a count: absent, or a whole number of at least 1. `limit` stays the
    /// JS number it was given until here, so a bad one is refused with a message
    /// that names it rather than a deserialiser's.
    pub fn limit(&self) -> Result<Option<u32>, crate::error::ApiError> {
        match self.limit {
            None => Ok(None),
            Some(n) if n.is_finite() && n.fract() == 0.0 && n >= 1.0 => {
                Ok(Some(n.min(u32::MAX as f64) as u32))
            }
            Some(_) => Err(crate::error::ApiError::invalid_argument(
                "getUserSessions: limit must be a whole number of at least 1",
            )),
        }
    }
}

/// What `endSession` resolves with, known locally at once (the backend computes the
/// same duration from the same event times).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct EndSessionResult {
    /// The ended session (the SDK's client session id).
    #[serde(rename = "sessionId")]
    pub client_session_id: String,
    /// Whole seconds from connect to end event times; absent if it never connected.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub duration: Option<u64>,
    pub ended_at: String,
}

/// An op the backend refused (or that was given up); kept under `{prefix}dead:`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    pub op_id: String,
    pub kind: OpKind,
    pub client_session_id: String,
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub args: Value,
    pub occurred_at: String,
    pub code: String,
    pub reason: String,
    pub dead_at: String,
}

/// What one `deliver_due` call did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum DeliveryStep {
    /// A batch went out; `applied` includes duplicates, `rejected` went to dead letters.
    Sent { applied: usize, rejected: usize },
    /// Nothing is due before `until_ms` (backoff).
    Wait { until_ms: f64 },
    /// Nothing to deliver.
    Idle,
    /// The batch failed transiently; next try at `retry_at`.
    Failed { retry_at: f64 },
    /// Another delivery is in progress in this instance.
    Busy,
}

/// The debug log's wording. The log formats this rather than `Debug`, which would
/// link `str` and float debug formatting into the wasm for one log line; times are
/// written as whole milliseconds, so no float formatting is linked either.
impl fmt::Display for DeliveryStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeliveryStep::Sent { applied, rejected } => {
                write!(f, "sent (applied {applied}, rejected {rejected})")
            }
            DeliveryStep::Wait { until_ms } => write!(f, "wait until {}", *until_ms as i64),
            DeliveryStep::Idle => f.write_str("idle"),
            DeliveryStep::Failed { retry_at } => write!(f, "failed, retry at {}", *retry_at as i64),
            DeliveryStep::Busy => f.write_str("busy"),
        }
    }
}

/// What `flush` did in total.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct FlushReport {
    pub applied: usize,
    pub rejected: usize,
    pub pending: usize,
    /// The last transient failure, when delivery stopped because of one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_user_sessions_limit_is_a_whole_number_of_at_least_one() {
        let limit = |n| GetUserSessionsArgs { limit: n }.limit();
        assert_eq!(limit(None), Ok(None));
        assert_eq!(limit(Some(5.0)), Ok(Some(5)));
        assert_eq!(limit(Some(1e12)), Ok(Some(u32::MAX)));
        for bad in [0.0, -1.0, 2.5, f64::NAN, f64::INFINITY] {
            let err = limit(Some(bad)).unwrap_err();
            assert_eq!(err.code, crate::error::ErrorCode::InvalidArgument, "{bad}");
            assert!(err.message.contains("limit"), "{bad}: {}", err.message);
        }
    }

    #[test]
    fn arguments_and_results_carry_their_js_names() {
        let args: UpdateSettingsArgs =
            serde_json::from_str(r#"{"micEnabled":false,"sessionId":"s1"}"#).unwrap();
        assert_eq!(args.session.as_deref(), Some("s1"));
        let args: EndSessionArgs = serde_json::from_str(r#"{"sessionIdToEnd":"s2"}"#).unwrap();
        assert_eq!(args.session.as_deref(), Some("s2"));
        let result = EndSessionResult {
            client_session_id: "s3".into(),
            duration: None,
            ended_at: "2024-01-15T10:30:00.000Z".into(),
        };
        assert_eq!(
            serde_json::to_string(&result).unwrap(),
            r#"{"sessionId":"s3","endedAt":"2024-01-15T10:30:00.000Z"}"#
        );
    }
}
