//! A typed op: what one mutation does ([`Op`]) and the session it names
//! ([`SessionRef`]), together its [`OpArgs`] — the `args` a stored record and an
//! `applyBatch` op carry next to their `kind`.
//!
//! The JSON of the args is one struct of every op's fields, all optional
//! ([`RawArgs`]), and [`OpArgs::from_raw`] checks that they fit the kind. One
//! struct, not one per kind: each serde derive is compiled into the SDK's wasm
//! build, and the kind travels beside the args, not inside them, so no tagged or
//! flattened serde shape could read them without buffering.
//!
//! Invariants:
//! - args written from an [`OpArgs`] are exactly the text the SDK wrote before ops
//!   were typed: present fields only, keys in byte order (serde_json's map order
//!   without `preserve_order`, which the SDK's builds do not enable), so records
//!   already stored and records written now are the same bytes;
//! - args that do not fit their kind (a field another kind has, a required field
//!   missing, a session named twice or not at all, an unknown field) are a typed
//!   error, never guessed at or dropped: an op is delivered as stored or not at all.
//! - `metadata` stays arbitrary JSON; its limits are checked where calls are made,
//!   not here, so an op accepted once is never refused when read back.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::status::Transition;
use crate::OpKind;

/// How an op names its session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionRef {
    /// The SDK's `clientSessionId` (always, for `startSession`).
    Client(String),
    /// The backend's `_id`, for a session created without the SDK.
    Id(String),
}

impl SessionRef {
    /// The name itself, whichever kind it is.
    pub fn name(&self) -> &str {
        match self {
            SessionRef::Client(s) | SessionRef::Id(s) => s,
        }
    }
}

/// `startSession`'s fields besides the session and the user.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StartSession {
    pub support_worker_name: String,
    pub support_worker_id: Option<String>,
    pub appointment_id: Option<String>,
    pub audio_option: Option<String>,
    pub metadata: Option<Value>,
}

/// `updateSessionSettings`' fields: each one given replaces the session's.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    pub camera_enabled: Option<bool>,
    pub mic_enabled: Option<bool>,
    pub audio_option: Option<String>,
}

impl Settings {
    /// Two pending updates as one: `newer`'s fields win, the rest are kept.
    pub fn merged(self, newer: Settings) -> Settings {
        Settings {
            camera_enabled: newer.camera_enabled.or(self.camera_enabled),
            mic_enabled: newer.mic_enabled.or(self.mic_enabled),
            audio_option: newer.audio_option.or(self.audio_option),
        }
    }
}

/// What one op does; the kind is the variant.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    StartSession(StartSession),
    MarkConnected,
    UpdateSessionSettings(Settings),
    ReportQualityIssue { issue: String },
    EndSession { end_reason: Option<String> },
    MarkFailed { reason: Option<String> },
}

impl Op {
    pub fn kind(&self) -> OpKind {
        match self {
            Op::StartSession(_) => OpKind::StartSession,
            Op::MarkConnected => OpKind::MarkConnected,
            Op::UpdateSessionSettings(_) => OpKind::UpdateSessionSettings,
            Op::ReportQualityIssue { .. } => OpKind::ReportQualityIssue,
            Op::EndSession { .. } => OpKind::EndSession,
            Op::MarkFailed { .. } => OpKind::MarkFailed,
        }
    }

    /// What the op does to an existing session, by the one table
    /// ([`OpKind::transition`]); `None` for `startSession`.
    pub fn transition(&self) -> Option<Transition> {
        self.kind().transition()
    }
}

/// An op's `args`: the op and the session it names.
#[derive(Debug, Clone, PartialEq)]
pub struct OpArgs {
    pub op: Op,
    pub session: SessionRef,
}

/// Why args do not fit their kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgsMismatch {
    #[error("{kind} args lack `{field}`")]
    Missing { kind: OpKind, field: &'static str },
    #[error("{kind} args have `{field}`, which {kind} does not take")]
    Unexpected { kind: OpKind, field: &'static str },
    #[error("{kind} args name no session, or two")]
    Session { kind: OpKind },
}

/// Every op's argument fields as JSON carries them, all optional, in the byte order
/// of their names (the order the SDK has always written them in). Read with
/// [`OpArgs::from_raw`], written with [`OpArgs::to_raw`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawArgs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_option: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mic_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_worker_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_worker_name: Option<String>,
}

impl OpArgs {
    /// The op of `kind` that `raw` describes, or why they do not fit.
    pub fn from_raw(kind: OpKind, raw: RawArgs) -> Result<OpArgs, ArgsMismatch> {
        let RawArgs {
            appointment_id,
            audio_option,
            camera_enabled,
            client_session_id,
            end_reason,
            issue,
            metadata,
            mic_enabled,
            reason,
            session_id,
            support_worker_id,
            support_worker_name,
        } = raw;
        // The fields other than the session's name, and the kinds that take each.
        use OpKind as K;
        let fields: [(&'static str, bool, &[OpKind]); 10] = [
            (
                "appointmentId",
                appointment_id.is_some(),
                &[K::StartSession],
            ),
            (
                "audioOption",
                audio_option.is_some(),
                &[K::StartSession, K::UpdateSessionSettings],
            ),
            (
                "cameraEnabled",
                camera_enabled.is_some(),
                &[K::UpdateSessionSettings],
            ),
            ("endReason", end_reason.is_some(), &[K::EndSession]),
            ("issue", issue.is_some(), &[K::ReportQualityIssue]),
            ("metadata", metadata.is_some(), &[K::StartSession]),
            (
                "micEnabled",
                mic_enabled.is_some(),
                &[K::UpdateSessionSettings],
            ),
            ("reason", reason.is_some(), &[K::MarkFailed]),
            (
                "supportWorkerId",
                support_worker_id.is_some(),
                &[K::StartSession],
            ),
            (
                "supportWorkerName",
                support_worker_name.is_some(),
                &[K::StartSession],
            ),
        ];
        if let Some((field, ..)) = fields
            .iter()
            .find(|(_, present, kinds)| *present && !kinds.contains(&kind))
        {
            return Err(ArgsMismatch::Unexpected { kind, field });
        }
        let session = match (client_session_id, session_id) {
            (Some(c), None) => SessionRef::Client(c),
            (None, Some(id)) if kind != K::StartSession => SessionRef::Id(id),
            _ => return Err(ArgsMismatch::Session { kind }),
        };
        let missing = |field| ArgsMismatch::Missing { kind, field };
        let op = match kind {
            K::StartSession => Op::StartSession(StartSession {
                support_worker_name: support_worker_name.ok_or(missing("supportWorkerName"))?,
                support_worker_id,
                appointment_id,
                audio_option,
                metadata,
            }),
            K::MarkConnected => Op::MarkConnected,
            K::UpdateSessionSettings => Op::UpdateSessionSettings(Settings {
                camera_enabled,
                mic_enabled,
                audio_option,
            }),
            K::ReportQualityIssue => Op::ReportQualityIssue {
                issue: issue.ok_or(missing("issue"))?,
            },
            K::EndSession => Op::EndSession { end_reason },
            K::MarkFailed => Op::MarkFailed { reason },
        };
        Ok(OpArgs { op, session })
    }

    /// The args as JSON carries them.
    pub fn to_raw(&self) -> RawArgs {
        let mut raw = RawArgs::default();
        match &self.session {
            SessionRef::Client(c) => raw.client_session_id = Some(c.clone()),
            SessionRef::Id(id) => raw.session_id = Some(id.clone()),
        }
        match &self.op {
            Op::StartSession(s) => {
                raw.support_worker_name = Some(s.support_worker_name.clone());
                raw.support_worker_id = s.support_worker_id.clone();
                raw.appointment_id = s.appointment_id.clone();
                raw.audio_option = s.audio_option.clone();
                raw.metadata = s.metadata.clone();
            }
            Op::MarkConnected => {}
            Op::UpdateSessionSettings(s) => {
                raw.camera_enabled = s.camera_enabled;
                raw.mic_enabled = s.mic_enabled;
                raw.audio_option = s.audio_option.clone();
            }
            Op::ReportQualityIssue { issue } => raw.issue = Some(issue.clone()),
            Op::EndSession { end_reason } => raw.end_reason = end_reason.clone(),
            Op::MarkFailed { reason } => raw.reason = reason.clone(),
        }
        raw
    }

    /// The args as a JSON value (what `applyBatch` is sent), by way of the text the
    /// derived `Serialize` writes: the SDK's wasm build has that serializer and
    /// serde_json's parser already, where `serde_json::to_value` would add its
    /// `Value` serializer. Neither step can fail (every map key is text); `Null`
    /// would stand for a failure, which the backend refuses as args.
    pub fn to_value(&self) -> Value {
        serde_json::to_string(&self.to_raw())
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or(Value::Null)
    }
}

#[cfg(test)]
#[path = "op_tests.rs"]
mod tests;
