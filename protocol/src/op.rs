//! A typed op: what one mutation does ([`Op`]) and the session it names
//! ([`SessionRef`]), together its [`OpArgs`] — the `args` a stored record and an
//! `applyBatch` op carry next to their `kind`.
//!
//! Args cross JSON as a `serde_json` object, read and written here field by field
//! against [`FIELDS`], the one table of their names. Not a serde derive: the kind
//! travels beside the args, not inside them, so no derived shape reads them without
//! buffering, and a derived struct of every field (measured) cost the SDK's wasm
//! build well over twice what this module does; a JSON object is what both the
//! stored record and the batch already hold.
//!
//! Invariants:
//! - args written from an [`OpArgs`] are exactly the text the SDK wrote before ops
//!   were typed: present fields only, keys in byte order ([`FIELDS`] is sorted, and
//!   serde_json's map sorts unless `preserve_order` keeps this insertion order), so
//!   records already stored and records written now are the same bytes;
//! - args that do not fit their kind (a field the kind does not take, a required
//!   field missing, a field of the wrong type, a session named twice or not at all)
//!   are a typed error, never guessed at or dropped: an op is delivered as stored or
//!   not at all;
//! - `metadata` stays arbitrary JSON; its limits are checked where calls are made,
//!   not here, so an op accepted once is never refused when read back.

use serde_json::{Map, Value};

use crate::network::{Metric, NetworkStats};
use crate::status::Transition;
use crate::OpKind;

/// The JSON names of every op's argument fields, in byte order (the order they are
/// written in). [`Field`] indexes it.
pub const FIELDS: [&str; 20] = [
    "active",
    "appointmentId",
    "audioOption",
    "bitrateKbps",
    "cameraEnabled",
    "clientSessionId",
    "comment",
    "endReason",
    "issue",
    "jitterMs",
    "metadata",
    "micEnabled",
    "packetLossPct",
    "rating",
    "reason",
    "rttMs",
    "sessionId",
    "supportWorkerId",
    "supportWorkerName",
    "utcOffsetMin",
];

/// An argument field, by its place in [`FIELDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Active,
    AppointmentId,
    AudioOption,
    BitrateKbps,
    CameraEnabled,
    ClientSessionId,
    Comment,
    EndReason,
    Issue,
    JitterMs,
    Metadata,
    MicEnabled,
    PacketLossPct,
    Rating,
    Reason,
    RttMs,
    SessionId,
    SupportWorkerId,
    SupportWorkerName,
    UtcOffsetMin,
}

impl Field {
    pub fn name(self) -> &'static str {
        FIELDS[self as usize]
    }

    /// The argument field a network metric is reported in.
    pub fn of_metric(metric: Metric) -> Field {
        match metric {
            Metric::RttMs => Field::RttMs,
            Metric::JitterMs => Field::JitterMs,
            Metric::PacketLossPct => Field::PacketLossPct,
            Metric::BitrateKbps => Field::BitrateKbps,
        }
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

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
    /// The device's offset from UTC at the op's event time, in minutes east
    /// (`-new Date().getTimezoneOffset()`): the local day, week, month and hour the
    /// analytics count the call in. `None` in records stored before analytics
    /// (the backend then buckets the call in UTC).
    pub utc_offset_min: Option<i32>,
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
    ReportQualityIssue {
        issue: String,
        /// As [`StartSession::utc_offset_min`]: the local hour the issue is counted
        /// in. `None` in records stored before analytics.
        utc_offset_min: Option<i32>,
    },
    EndSession {
        end_reason: Option<String>,
    },
    MarkFailed {
        reason: Option<String>,
    },
    MarkReconnecting,
    MarkReconnected,
    /// Screen sharing started (`true`) or stopped (`false`).
    MarkScreenShare {
        active: bool,
    },
    /// A post-call rating, 1–5 (the range is checked where calls are made; any whole
    /// number reads back here so a stored op is never refused on reading).
    RateSession {
        rating: i64,
        comment: Option<String>,
    },
    /// Network-quality summaries (or samples) to merge into the session's; at least
    /// one metric, each a valid summary (checked on reading: [`NetworkStats::from_args`]).
    /// Boxed: a report (four summaries) is larger than every other op together.
    ReportNetworkStats(Box<NetworkStats>),
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
            Op::MarkReconnecting => OpKind::MarkReconnecting,
            Op::MarkReconnected => OpKind::MarkReconnected,
            Op::MarkScreenShare { .. } => OpKind::MarkScreenShare,
            Op::RateSession { .. } => OpKind::RateSession,
            Op::ReportNetworkStats(_) => OpKind::ReportNetworkStats,
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

/// Args that do not fit their kind: which field (or `args`, or `session`), and how.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} args: `{field}` {problem}")]
pub struct ArgsMismatch {
    pub kind: OpKind,
    pub field: String,
    pub problem: Problem,
}

/// How a field does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The args are not a JSON object (the field is `args`).
    NotObject,
    Missing,
    WrongType,
    /// A field this kind does not take (another kind's, or no kind's).
    Unexpected,
    /// No session named, or two (the field is `session`).
    Session,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Problem::NotObject => "is not a JSON object",
            Problem::Missing => "is missing",
            Problem::WrongType => "has the wrong type",
            Problem::Unexpected => "is not a field of this kind",
            Problem::Session => "must be named once, by clientSessionId or sessionId",
        })
    }
}

fn mismatch(kind: OpKind, field: &str, problem: Problem) -> ArgsMismatch {
    ArgsMismatch {
        kind,
        field: field.to_string(),
        problem,
    }
}

/// Takes typed fields out of an args object; what is left at the end was not
/// taken by the kind.
struct Reader {
    kind: OpKind,
    map: Map<String, Value>,
}

impl Reader {
    fn take(&mut self, f: Field) -> Option<Value> {
        self.map.remove(f.name())
    }

    fn string(&mut self, f: Field) -> Result<Option<String>, ArgsMismatch> {
        match self.take(f) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(mismatch(self.kind, f.name(), Problem::WrongType)),
        }
    }

    fn required(&mut self, f: Field) -> Result<String, ArgsMismatch> {
        self.string(f)?
            .ok_or_else(|| mismatch(self.kind, f.name(), Problem::Missing))
    }

    fn bool(&mut self, f: Field) -> Result<Option<bool>, ArgsMismatch> {
        match self.take(f) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(mismatch(self.kind, f.name(), Problem::WrongType)),
        }
    }

    fn required_bool(&mut self, f: Field) -> Result<bool, ArgsMismatch> {
        self.bool(f)?
            .ok_or_else(|| mismatch(self.kind, f.name(), Problem::Missing))
    }

    /// An optional whole number that fits an `i32` (a UTC offset).
    fn int32(&mut self, f: Field) -> Result<Option<i32>, ArgsMismatch> {
        match self.take(f) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| mismatch(self.kind, f.name(), Problem::WrongType)),
            Some(_) => Err(mismatch(self.kind, f.name(), Problem::WrongType)),
        }
    }

    /// A whole number (a JSON number without a fraction).
    fn required_int(&mut self, f: Field) -> Result<i64, ArgsMismatch> {
        match self.take(f) {
            None => Err(mismatch(self.kind, f.name(), Problem::Missing)),
            Some(Value::Number(n)) => n
                .as_i64()
                .ok_or_else(|| mismatch(self.kind, f.name(), Problem::WrongType)),
            Some(_) => Err(mismatch(self.kind, f.name(), Problem::WrongType)),
        }
    }
}

impl OpArgs {
    /// The op of `kind` that the JSON `args` describe, or why they do not fit.
    pub fn from_value(kind: OpKind, args: Value) -> Result<OpArgs, ArgsMismatch> {
        let Value::Object(map) = args else {
            return Err(mismatch(kind, "args", Problem::NotObject));
        };
        let mut r = Reader { kind, map };
        let session = match (
            r.string(Field::ClientSessionId)?,
            r.string(Field::SessionId)?,
        ) {
            (Some(c), None) => SessionRef::Client(c),
            (None, Some(id)) if kind != OpKind::StartSession => SessionRef::Id(id),
            _ => return Err(mismatch(kind, "session", Problem::Session)),
        };
        let op = match kind {
            OpKind::StartSession => Op::StartSession(StartSession {
                support_worker_name: r.required(Field::SupportWorkerName)?,
                support_worker_id: r.string(Field::SupportWorkerId)?,
                appointment_id: r.string(Field::AppointmentId)?,
                audio_option: r.string(Field::AudioOption)?,
                metadata: r.take(Field::Metadata),
                utc_offset_min: r.int32(Field::UtcOffsetMin)?,
            }),
            OpKind::MarkConnected => Op::MarkConnected,
            OpKind::UpdateSessionSettings => Op::UpdateSessionSettings(Settings {
                camera_enabled: r.bool(Field::CameraEnabled)?,
                mic_enabled: r.bool(Field::MicEnabled)?,
                audio_option: r.string(Field::AudioOption)?,
            }),
            OpKind::ReportQualityIssue => Op::ReportQualityIssue {
                issue: r.required(Field::Issue)?,
                utc_offset_min: r.int32(Field::UtcOffsetMin)?,
            },
            OpKind::EndSession => Op::EndSession {
                end_reason: r.string(Field::EndReason)?,
            },
            OpKind::MarkFailed => Op::MarkFailed {
                reason: r.string(Field::Reason)?,
            },
            OpKind::MarkReconnecting => Op::MarkReconnecting,
            OpKind::MarkReconnected => Op::MarkReconnected,
            OpKind::MarkScreenShare => Op::MarkScreenShare {
                active: r.required_bool(Field::Active)?,
            },
            OpKind::RateSession => Op::RateSession {
                rating: r.required_int(Field::Rating)?,
                comment: r.string(Field::Comment)?,
            },
            OpKind::ReportNetworkStats => {
                let mut metrics = Map::new();
                for m in Metric::ALL {
                    if let Some(v) = r.take(Field::of_metric(m)) {
                        metrics.insert(m.name().to_string(), v);
                    }
                }
                let stats = NetworkStats::from_args(&metrics).map_err(|(field, _)| {
                    let problem = if metrics.is_empty() {
                        Problem::Missing
                    } else {
                        Problem::WrongType
                    };
                    mismatch(kind, field, problem)
                })?;
                Op::ReportNetworkStats(Box::new(stats))
            }
        };
        if let Some(field) = r.map.keys().next() {
            return Err(mismatch(kind, field, Problem::Unexpected));
        }
        Ok(OpArgs { op, session })
    }

    /// The args as a JSON object: the present fields, keys in byte order.
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        let mut put = |f: Field, v: Option<Value>| {
            if let Some(v) = v {
                map.insert(f.name().to_string(), v);
            }
        };
        match &self.session {
            SessionRef::Client(c) => put(Field::ClientSessionId, Some(c.as_str().into())),
            SessionRef::Id(id) => put(Field::SessionId, Some(id.as_str().into())),
        }
        let text = |s: &Option<String>| s.as_deref().map(Value::from);
        match &self.op {
            Op::StartSession(s) => {
                put(
                    Field::SupportWorkerName,
                    Some(s.support_worker_name.as_str().into()),
                );
                put(Field::SupportWorkerId, text(&s.support_worker_id));
                put(Field::AppointmentId, text(&s.appointment_id));
                put(Field::AudioOption, text(&s.audio_option));
                put(Field::Metadata, s.metadata.clone());
                put(Field::UtcOffsetMin, s.utc_offset_min.map(Value::from));
            }
            Op::MarkConnected => {}
            Op::UpdateSessionSettings(s) => {
                put(Field::CameraEnabled, s.camera_enabled.map(Value::Bool));
                put(Field::MicEnabled, s.mic_enabled.map(Value::Bool));
                put(Field::AudioOption, text(&s.audio_option));
            }
            Op::ReportQualityIssue {
                issue,
                utc_offset_min,
            } => {
                put(Field::Issue, Some(issue.as_str().into()));
                put(Field::UtcOffsetMin, utc_offset_min.map(Value::from));
            }
            Op::EndSession { end_reason } => put(Field::EndReason, text(end_reason)),
            Op::MarkFailed { reason } => put(Field::Reason, text(reason)),
            Op::MarkReconnecting | Op::MarkReconnected => {}
            Op::MarkScreenShare { active } => put(Field::Active, Some(Value::Bool(*active))),
            Op::RateSession { rating, comment } => {
                put(Field::Rating, Some((*rating).into()));
                put(Field::Comment, text(comment));
            }
            Op::ReportNetworkStats(stats) => {
                for (name, mut v) in stats.to_args() {
                    // A summary's own keys in byte order too, with or without
                    // `preserve_order`.
                    if let Value::Object(summary) = &mut v {
                        summary.sort_keys();
                    }
                    if let Some(m) = Metric::from_name(name) {
                        put(Field::of_metric(m), Some(v));
                    }
                }
            }
        }
        // Sorted already without `preserve_order` (nothing to do); with it (the
        // server's builds), the insertion order would otherwise be written.
        map.sort_keys();
        Value::Object(map)
    }
}

#[cfg(test)]
#[path = "op_tests.rs"]
mod tests;
