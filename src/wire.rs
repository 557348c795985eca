//! The wire types (`protocol::wire`), and how the SDK reads and writes their JSON:
//! field by field ([`ReadJson`] over `crate::json_fields`, [`WriteJson`] over
//! `crate::json_write`), with the rules their derived `Deserialize` and `Serialize`
//! apply, so the wasm build compiles no (de)serializer per type (the server and the
//! tests keep the derives). The SDK's own JSON shapes (dead letters, events, results,
//! the lease) are read and written here too.

use serde_json::Value;

use crate::api::{self, DeadLetter, EndSessionResult, FlushReport};
use crate::events::Event;
use crate::json_fields::{FieldError, Fields};
use crate::json_write::{Object, WriteJson};
use crate::lease::Lease;
use crate::record::OpKind;
use crate::SessionStatus;

pub use protocol::wire::*;

/// A type read from a JSON object's fields, as its derived `Deserialize` reads it.
pub trait ReadJson: Sized {
    fn read(f: &mut Fields) -> Result<Self, FieldError>;
}

/// Reads a backend value (or a stored JSON value) into a wire type.
pub fn from_backend<T: ReadJson>(value: Value) -> Result<T, FieldError> {
    T::read(&mut Fields::of(value)?)
}

/// Reads a JSON array of `T`.
pub fn list_from_backend<T: ReadJson>(value: Value) -> Result<Vec<T>, FieldError> {
    match value {
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(from_backend(item)?);
            }
            Ok(out)
        }
        _ => Err(FieldError::NotList),
    }
}

/// Parses stored JSON text into `T`; `None` when it does not read.
pub fn from_text<T: ReadJson>(text: &str) -> Option<T> {
    T::read(&mut Fields::parse(text).ok()?).ok()
}

/// Parses stored JSON text into a list of `T`; `None` when it does not read.
pub fn list_from_text<T: ReadJson>(text: &str) -> Option<Vec<T>> {
    list_from_backend(serde_json::from_str(text).ok()?).ok()
}

/// `value` as compact JSON text, like `value.to_string()`, but through the same
/// serializer as every other `serde_json::to_string` call (`Display` compiles its own).
pub fn json_text(value: &Value) -> String {
    // A `Value` always serialises: its map keys are strings.
    serde_json::to_string(value).unwrap_or_default()
}

const STATUS: &str = "one of connecting, connected, ended, failed, reconnecting";

fn status(f: &mut Fields, name: &'static str) -> Result<SessionStatus, FieldError> {
    SessionStatus::from_name(&f.str(name)?).ok_or(FieldError::Type(name, STATUS))
}

/// An optional status, as `Option<SessionStatus>` reads: absent or `null` is `None`.
fn opt_status(f: &mut Fields, name: &'static str) -> Result<Option<SessionStatus>, FieldError> {
    match f.opt_str(name)? {
        None => Ok(None),
        Some(s) => SessionStatus::from_name(&s)
            .map(Some)
            .ok_or(FieldError::Type(name, STATUS)),
    }
}

fn kind(f: &mut Fields, name: &'static str) -> Result<OpKind, FieldError> {
    OpKind::from_name(&f.str(name)?).ok_or(FieldError::Type(name, "an op kind"))
}

fn required(f: &mut Fields, name: &'static str) -> Result<Value, FieldError> {
    f.take(name).ok_or(FieldError::Missing(name))
}

impl ReadJson for Session {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        Ok(Session {
            id: f.opt_str("_id")?,
            creation_time: f.opt_f64("_creationTime")?,
            client_session_id: f.opt_str("clientSessionId")?,
            appointment_id: f.opt_str("appointmentId")?,
            user_id: f.str_or_default("userId")?,
            support_worker_name: f.str_or_default("supportWorkerName")?,
            support_worker_id: f.opt_str("supportWorkerId")?,
            session_status: status(f, "sessionStatus")?,
            joined_at: f.str_or_default("joinedAt")?,
            connected_at: f.opt_str("connectedAt")?,
            ended_at: f.opt_str("endedAt")?,
            duration: f.opt_f64("duration")?,
            audio_option: f.opt_str("audioOption")?,
            camera_enabled: f.opt_bool("cameraEnabled")?,
            mic_enabled: f.opt_bool("micEnabled")?,
            quality_issues: f.opt_strings("qualityIssues")?,
            end_reason: f.opt_str("endReason")?,
            metadata: f.opt_value("metadata"),
            created_at: f.str_or_default("createdAt")?,
            updated_at: f.str_or_default("updatedAt")?,
            reconnect_count: f.opt_f64("reconnectCount")?,
            reconnect_seconds: f.opt_f64("reconnectSeconds")?,
            reconnecting_since: f.opt_str("reconnectingSince")?,
            screen_share_seconds: f.opt_f64("screenShareSeconds")?,
            screen_share_since: f.opt_str("screenShareSince")?,
            rating: f.opt_f64("rating")?,
            rating_comment: f.opt_str("ratingComment")?,
            rated_at: f.opt_str("ratedAt")?,
            network: f.opt_value("network"),
            utc_offset_min: f.opt_f64("utcOffsetMin")?,
            timed_out_from: opt_status(f, "timedOutFrom")?,
        })
    }
}

impl ReadJson for CallStats {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        Ok(CallStats {
            total_sessions: f.f64("totalSessions")?,
            completed_sessions: f.f64("completedSessions")?,
            failed_sessions: f.f64("failedSessions")?,
            total_duration: f.f64("totalDuration")?,
            average_duration: f.f64("averageDuration")?,
            total_quality_issues: f.f64("totalQualityIssues")?,
            total_reconnects: f.f64_or_default("totalReconnects")?,
            average_rating: f.opt_f64("averageRating")?,
        })
    }
}

impl ReadJson for OpError {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        Ok(OpError {
            code: f.str("code")?,
            message: f.str_or_default("message")?,
        })
    }
}

/// As `protocol::wire`'s `WireOpResult` reads it: every variant's fields, then the tag.
impl ReadJson for OpResult {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        let status = f.str("status")?;
        let op_id = f.str("opId")?;
        let value = f.take("value").unwrap_or(Value::Null);
        let error = match f.take("error") {
            None | Some(Value::Null) => None,
            Some(v) => Some(from_backend::<OpError>(v)?),
        };
        match (status.as_str(), error) {
            ("applied", _) => Ok(OpResult::Applied { op_id, value }),
            ("duplicate", _) => Ok(OpResult::Duplicate { op_id, value }),
            ("rejected", Some(error)) => Ok(OpResult::Rejected { op_id, error }),
            ("rejected", None) => Err(FieldError::Missing("error")),
            _ => Err(FieldError::Type("status", "applied, duplicate or rejected")),
        }
    }
}

impl ReadJson for BatchReply {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        Ok(BatchReply {
            results: list_from_backend(required(f, "results")?)
                .map_err(|_| FieldError::Type("results", "a list of op results"))?,
            server_time: f.opt_str("serverTime")?,
        })
    }
}

impl ReadJson for DeadLetter {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        Ok(DeadLetter {
            op_id: f.str("opId")?,
            kind: kind(f, "kind")?,
            client_session_id: f.str("clientSessionId")?,
            args: required(f, "args")?,
            occurred_at: f.str("occurredAt")?,
            code: f.str("code")?,
            reason: f.str("reason")?,
            dead_at: f.str("deadAt")?,
        })
    }
}

impl ReadJson for Lease {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        Ok(Lease {
            holder: f.str("holder")?,
            expires_at: f.f64("expiresAt")?,
        })
    }
}

// The JS object arguments (`crate::wasm::args` reads them through these), under
// their JS names, as their derived `Deserialize` reads them.

impl ReadJson for api::StartSessionArgs {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        Ok(api::StartSessionArgs {
            support_worker_name: f.str_or_default("supportWorkerName")?,
            support_worker_id: f.opt_str("supportWorkerId")?,
            appointment_id: f.opt_str("appointmentId")?,
            audio_option: f.opt_str("audioOption")?,
            metadata: f.opt_value("metadata"),
        })
    }
}

impl ReadJson for api::UpdateSettingsArgs {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        Ok(api::UpdateSettingsArgs {
            camera_enabled: f.opt_bool("cameraEnabled")?,
            mic_enabled: f.opt_bool("micEnabled")?,
            audio_option: f.opt_str("audioOption")?,
            session: f.opt_str("sessionId")?,
        })
    }
}

impl ReadJson for api::EndSessionArgs {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        Ok(api::EndSessionArgs {
            session: f.opt_str("sessionIdToEnd")?,
            end_reason: f.opt_str("endReason")?,
        })
    }
}

impl ReadJson for api::MarkFailedArgs {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        Ok(api::MarkFailedArgs {
            session: f.opt_str("sessionId")?,
            reason: f.opt_str("reason")?,
        })
    }
}

impl ReadJson for api::GetUserSessionsArgs {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        Ok(api::GetUserSessionsArgs {
            limit: f.opt_f64("limit")?,
        })
    }
}

/// `rating` is required (absent or `null` refused); `sessionId` and `comment` are
/// optional strings.
impl ReadJson for api::RateSessionArgs {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        Ok(api::RateSessionArgs {
            session: f.opt_str("sessionId")?,
            rating: f.f64("rating")?,
            comment: f.opt_str("comment")?,
        })
    }
}

impl WriteJson for Session {
    fn write_json(&self, out: &mut String) {
        // Every field by name, so a field added to `Session` does not compile here
        // until it is written too.
        let Session {
            id,
            creation_time,
            client_session_id,
            appointment_id,
            user_id,
            support_worker_name,
            support_worker_id,
            session_status,
            joined_at,
            connected_at,
            ended_at,
            duration,
            audio_option,
            camera_enabled,
            mic_enabled,
            quality_issues,
            end_reason,
            metadata,
            created_at,
            updated_at,
            reconnect_count,
            reconnect_seconds,
            reconnecting_since,
            screen_share_seconds,
            screen_share_since,
            rating,
            rating_comment,
            rated_at,
            network,
            utc_offset_min,
            timed_out_from,
        } = self;
        Object::new(out)
            .opt_str("_id", id.as_deref())
            .opt_f64("_creationTime", *creation_time)
            .opt_str("clientSessionId", client_session_id.as_deref())
            .opt_str("appointmentId", appointment_id.as_deref())
            .str("userId", user_id)
            .str("supportWorkerName", support_worker_name)
            .opt_str("supportWorkerId", support_worker_id.as_deref())
            .str("sessionStatus", session_status.as_str())
            .str("joinedAt", joined_at)
            .opt_str("connectedAt", connected_at.as_deref())
            .opt_str("endedAt", ended_at.as_deref())
            .opt_f64("duration", *duration)
            .opt_str("audioOption", audio_option.as_deref())
            .opt_bool("cameraEnabled", *camera_enabled)
            .opt_bool("micEnabled", *mic_enabled)
            .opt_strings("qualityIssues", quality_issues.as_deref())
            .opt_str("endReason", end_reason.as_deref())
            .opt_value("metadata", metadata.as_ref())
            .str("createdAt", created_at)
            .str("updatedAt", updated_at)
            .opt_f64("reconnectCount", *reconnect_count)
            .opt_f64("reconnectSeconds", *reconnect_seconds)
            .opt_str("reconnectingSince", reconnecting_since.as_deref())
            .opt_f64("screenShareSeconds", *screen_share_seconds)
            .opt_str("screenShareSince", screen_share_since.as_deref())
            .opt_f64("rating", *rating)
            .opt_str("ratingComment", rating_comment.as_deref())
            .opt_str("ratedAt", rated_at.as_deref())
            .opt_value("network", network.as_ref())
            .opt_f64("utcOffsetMin", *utc_offset_min)
            .opt_str("timedOutFrom", timed_out_from.map(SessionStatus::as_str))
            .end();
    }
}

impl WriteJson for CallStats {
    fn write_json(&self, out: &mut String) {
        let CallStats {
            total_sessions,
            completed_sessions,
            failed_sessions,
            total_duration,
            average_duration,
            total_quality_issues,
            total_reconnects,
            average_rating,
        } = self;
        Object::new(out)
            .f64("totalSessions", *total_sessions)
            .f64("completedSessions", *completed_sessions)
            .f64("failedSessions", *failed_sessions)
            .f64("totalDuration", *total_duration)
            .f64("averageDuration", *average_duration)
            .f64("totalQualityIssues", *total_quality_issues)
            .f64("totalReconnects", *total_reconnects)
            .nullable_f64("averageRating", *average_rating)
            .end();
    }
}

impl WriteJson for DeadLetter {
    fn write_json(&self, out: &mut String) {
        let DeadLetter {
            op_id,
            kind,
            client_session_id,
            args,
            occurred_at,
            code,
            reason,
            dead_at,
        } = self;
        Object::new(out)
            .str("opId", op_id)
            .str("kind", kind.as_str())
            .str("clientSessionId", client_session_id)
            .value("args", args)
            .str("occurredAt", occurred_at)
            .str("code", code)
            .str("reason", reason)
            .str("deadAt", dead_at)
            .end();
    }
}

impl WriteJson for Lease {
    fn write_json(&self, out: &mut String) {
        let Lease { holder, expires_at } = self;
        Object::new(out)
            .str("holder", holder)
            .f64("expiresAt", *expires_at)
            .end();
    }
}

impl WriteJson for FlushReport {
    fn write_json(&self, out: &mut String) {
        let FlushReport {
            applied,
            rejected,
            pending,
            error,
        } = self;
        Object::new(out)
            .u64("applied", *applied as u64)
            .u64("rejected", *rejected as u64)
            .u64("pending", *pending as u64)
            .opt_str("error", error.as_deref())
            .end();
    }
}

impl WriteJson for EndSessionResult {
    fn write_json(&self, out: &mut String) {
        let EndSessionResult {
            client_session_id,
            duration,
            ended_at,
        } = self;
        let mut o = Object::new(out);
        o.str("sessionId", client_session_id);
        if let Some(d) = duration {
            o.u64("duration", *d);
        }
        o.str("endedAt", ended_at).end();
    }
}

/// Tagged by `type` first, as serde's internally tagged enums write it.
impl WriteJson for Event {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        match self {
            Event::Queued {
                op_id,
                kind,
                client_session_id,
            } => o
                .str("type", "queued")
                .str("opId", op_id)
                .str("kind", kind.as_str())
                .str("clientSessionId", client_session_id),
            Event::Delivered {
                op_id,
                kind,
                duplicate,
            } => o
                .str("type", "delivered")
                .str("opId", op_id)
                .str("kind", kind.as_str())
                .bool("duplicate", *duplicate),
            Event::Retrying {
                attempt,
                delay_ms,
                reason,
            } => o
                .str("type", "retrying")
                .u64("attempt", u64::from(*attempt))
                .u64("delayMs", *delay_ms)
                .str("reason", reason),
            Event::Dropped {
                op_id,
                kind,
                code,
                reason,
            } => o
                .str("type", "dropped")
                .str("opId", op_id)
                .str("kind", kind.as_str())
                .str("code", code)
                .str("reason", reason),
            Event::Online => o.str("type", "online"),
            Event::Offline => o.str("type", "offline"),
            Event::StorageFull { in_memory } => o
                .str("type", "storageFull")
                .u64("inMemory", *in_memory as u64),
            Event::Quarantined { count } => {
                o.str("type", "quarantined").u64("count", *count as u64)
            }
            Event::Evicted { op_id, kind } => o
                .str("type", "evicted")
                .str("opId", op_id)
                .str("kind", kind.as_str()),
        }
        .end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;
    use serde_json::json;

    /// The hand reader and the derived `Deserialize` agree on `doc`.
    fn same<T: ReadJson + DeserializeOwned + PartialEq + std::fmt::Debug>(doc: Value) {
        let hand = from_backend::<T>(doc.clone()).map_err(|e| e.to_string());
        let derived = serde_json::from_value::<T>(doc.clone()).map_err(|e| e.to_string());
        match (hand, derived) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{doc}"),
            (Err(_), Err(_)) => {}
            (a, b) => panic!("{doc}: hand {a:?}, derived {b:?}"),
        }
    }

    #[test]
    fn readers_match_the_derives() {
        // Every field of a fully populated session (the writers' test checks it has no
        // `None`), so a field the reader forgets or misnames fails here.
        let mut session = serde_json::to_value(full_session()).unwrap();
        assert_eq!(
            from_backend::<Session>(session.clone()),
            Ok(full_session()),
            "the hand reader reads back every field the derive writes"
        );
        session["extra"] = json!(1);
        same::<Session>(session.clone());
        for (field, bad) in [
            ("timedOutFrom", json!("Reconnecting")),
            ("timedOutFrom", json!(1)),
            ("timedOutFrom", Value::Null),
            ("timedOutFrom", json!("reconnecting")),
            ("sessionStatus", json!("reconnecting")),
            ("network", Value::Null),
            ("network", json!(3)),
            (
                "network",
                json!({"rttMs": {"count": 1, "sum": 416.59999999999997}}),
            ),
            ("reconnectCount", json!("1")),
            ("reconnectCount", Value::Null),
            ("reconnectSeconds", json!(true)),
            ("reconnectingSince", json!(5)),
            ("screenShareSeconds", Value::Null),
            ("screenShareSince", Value::Null),
            ("rating", json!("5")),
            ("rating", Value::Null),
            ("rating", json!(4.5)),
            ("ratingComment", json!(["x"])),
            ("ratingComment", Value::Null),
            ("ratedAt", json!({})),
            ("sessionStatus", json!("Ended")),
            ("sessionStatus", Value::Null),
            ("userId", Value::Null),
            ("userId", json!(1)),
            ("duration", json!("1")),
            ("duration", Value::Null),
            ("metadata", Value::Null),
            ("qualityIssues", json!(["x", 1])),
            ("qualityIssues", Value::Null),
            ("cameraEnabled", json!(1)),
        ] {
            let mut doc = session.clone();
            doc[field] = bad;
            same::<Session>(doc);
        }
        same::<Session>(json!({"sessionStatus": "connecting"}));
        same::<Session>(json!({}));
        same::<Session>(json!([]));
        let stats = json!({"totalSessions": 1, "completedSessions": 1, "failedSessions": 0,
            "totalDuration": 30.5, "averageDuration": 30, "totalQualityIssues": 2,
            "totalReconnects": 3, "averageRating": 4.33});
        same::<CallStats>(stats.clone());
        assert_eq!(
            from_backend::<CallStats>(serde_json::to_value(full_stats()).unwrap()),
            Ok(full_stats())
        );
        for field in ["averageDuration", "totalReconnects", "averageRating"] {
            let mut short = stats.clone();
            short.as_object_mut().unwrap().remove(field);
            same::<CallStats>(short);
        }
        for (field, bad) in [
            ("totalReconnects", Value::Null),
            ("totalReconnects", json!("3")),
            ("averageRating", Value::Null),
            ("averageRating", json!("4")),
            ("averageRating", json!(-0.0)),
            ("totalSessions", Value::Null),
        ] {
            let mut doc = stats.clone();
            doc[field] = bad;
            same::<CallStats>(doc);
        }
        // A persisted view written before #13: no reconnects, no average.
        same::<CallStats>(json!({"totalSessions": 0, "completedSessions": 0,
            "failedSessions": 0, "totalDuration": 0, "averageDuration": 0,
            "totalQualityIssues": 0}));
        same::<BatchReply>(json!({
            "results": [
                {"opId": "a", "status": "applied", "value": {"sessionId": "k"}},
                {"opId": "b", "status": "duplicate", "value": null},
                {"opId": "d", "status": "applied"},
                {"opId": "c", "status": "rejected", "error": {"code": "NOT_FOUND", "message": "no"}},
                {"opId": "e", "status": "rejected", "error": {"code": "X"}}
            ],
            "serverTime": "2024-01-15T10:30:00.000Z"
        }));
        for bad in [
            json!({"results": [{"opId": "a", "status": "maybe"}]}),
            json!({"results": [{"opId": "a", "status": "rejected"}]}),
            json!({"results": [{"opId": "a", "status": "rejected", "error": null}]}),
            json!({"results": [{"status": "applied"}]}),
            json!({"results": {}}),
            json!({"serverTime": "x"}),
        ] {
            same::<BatchReply>(bad);
        }
        same::<Lease>(json!({"holder": "t", "expiresAt": 5}));
        same::<Lease>(json!({"holder": "t"}));
        let dead = json!({"opId": "o", "kind": "markFailed", "clientSessionId": "c",
            "args": {"clientSessionId": "c"}, "occurredAt": "t", "code": "X", "reason": "r",
            "deadAt": "t"});
        same::<DeadLetter>(dead.clone());
        let mut bad = dead;
        bad["kind"] = json!("dance");
        same::<DeadLetter>(bad);
    }

    /// Every field of a JS argument object present, then each one wrong, absent or
    /// `null`: the hand reader agrees with the derive.
    fn same_fields<T: ReadJson + DeserializeOwned + PartialEq + std::fmt::Debug>(
        full: Value,
        bad: &[Value],
    ) {
        same::<T>(full.clone());
        let keys: Vec<String> = full.as_object().unwrap().keys().cloned().collect();
        for key in &keys {
            let mut doc = full.clone();
            doc.as_object_mut().unwrap().remove(key);
            same::<T>(doc);
            for bad in bad.iter().chain([&Value::Null]) {
                let mut doc = full.clone();
                doc[key.as_str()] = bad.clone();
                same::<T>(doc);
            }
        }
        same::<T>(json!({}));
        same::<T>(json!({"unknown": 1}));
        same::<T>(json!("x"));
        same::<T>(json!(null));
        // The one deliberate difference: a derive reads a JSON array as the struct's
        // fields in order (`startSession(["Dr. A"])` started a call), the hand reader
        // refuses anything but an object (INVALID_ARGUMENT, as the types say).
        assert_eq!(from_backend::<T>(json!([])), Err(FieldError::NotObject));
    }

    #[test]
    fn argument_readers_match_the_derives() {
        let bad = [
            json!(1),
            json!(1.5),
            json!("x"),
            json!(true),
            json!([]),
            json!({}),
        ];
        let start = json!({"supportWorkerName": "Dr. A", "supportWorkerId": "w",
            "appointmentId": "a", "audioOption": "speaker", "metadata": {"k": [1, null]}});
        same_fields::<api::StartSessionArgs>(start.clone(), &bad);
        // Every field read: the full object reads to a value with nothing defaulted.
        let read = from_backend::<api::StartSessionArgs>(start).unwrap();
        assert!(!format!("{read:?}").contains("None"), "{read:?}");
        let settings = json!({"cameraEnabled": true, "micEnabled": false,
            "audioOption": "x", "sessionId": "s"});
        same_fields::<api::UpdateSettingsArgs>(settings.clone(), &bad);
        let read = from_backend::<api::UpdateSettingsArgs>(settings).unwrap();
        assert!(!format!("{read:?}").contains("None"), "{read:?}");
        let end = json!({"sessionIdToEnd": "s", "endReason": "done"});
        same_fields::<api::EndSessionArgs>(end.clone(), &bad);
        let read = from_backend::<api::EndSessionArgs>(end).unwrap();
        assert!(!format!("{read:?}").contains("None"), "{read:?}");
        let failed = json!({"sessionId": "s", "reason": "ice"});
        same_fields::<api::MarkFailedArgs>(failed.clone(), &bad);
        let read = from_backend::<api::MarkFailedArgs>(failed).unwrap();
        assert!(!format!("{read:?}").contains("None"), "{read:?}");
        let list = json!({"limit": 20});
        same_fields::<api::GetUserSessionsArgs>(list.clone(), &bad);
        let read = from_backend::<api::GetUserSessionsArgs>(list).unwrap();
        assert!(!format!("{read:?}").contains("None"), "{read:?}");
        let rate = json!({"sessionId": "s", "rating": 5, "comment": "good \"call\""});
        same_fields::<api::RateSessionArgs>(rate.clone(), &bad);
        let read = from_backend::<api::RateSessionArgs>(rate).unwrap();
        assert!(!format!("{read:?}").contains("None"), "{read:?}");
        for rating in [
            json!(4.5),
            json!(0),
            json!(-1),
            json!(1e300),
            json!(u64::MAX),
        ] {
            same::<api::RateSessionArgs>(json!({"rating": rating}));
        }
        // JSON.stringify writes NaN and Infinity as null: refused, naming the field.
        let e = from_backend::<api::RateSessionArgs>(json!({"rating": null})).unwrap_err();
        assert_eq!(e.to_string(), "`rating` must be a number");
        let e = from_backend::<api::RateSessionArgs>(json!({})).unwrap_err();
        assert_eq!(e.to_string(), "missing field `rating`");
    }

    /// A session with every field set (no `None`), field values that need escaping and
    /// a network summary with 17-digit floats.
    fn full_session() -> Session {
        Session {
            id: Some("k\"1".into()),
            creation_time: Some(1_705_314_600_000.0),
            client_session_id: Some("c1".into()),
            appointment_id: Some("a\u{2028}".into()),
            user_id: "u😀".into(),
            support_worker_name: "Dr. \\Smith\n".into(),
            support_worker_id: Some("w".into()),
            session_status: SessionStatus::Ended,
            joined_at: "2024-01-15T10:30:00.000Z".into(),
            connected_at: Some("c".into()),
            ended_at: Some("e".into()),
            duration: Some(42.5),
            audio_option: Some("x".into()),
            camera_enabled: Some(false),
            mic_enabled: Some(true),
            quality_issues: Some(vec!["a".into(), "b\t".into()]),
            end_reason: Some("r".into()),
            metadata: Some(json!({"z": [1, 2.5, null, 1e21], "a": {"b": "\u{1}"}})),
            created_at: "c".into(),
            updated_at: "u".into(),
            reconnect_count: Some(2.0),
            reconnect_seconds: Some(35.0),
            reconnecting_since: Some("2024-01-15T10:31:00.000Z".into()),
            screen_share_seconds: Some(1e21),
            screen_share_since: Some("s\"".into()),
            rating: Some(4.0),
            rating_comment: Some("fine \u{1F600}\r".into()),
            rated_at: Some("2024-01-15T10:40:00.000Z".into()),
            network: Some(json!({
                "bitrateKbps": {"buckets": [0, 0, 1, 0, 0, 0, 0, 0, 0, 0], "count": 1,
                    "max": 1500, "mean": 1500, "min": 1500, "p95": 1500, "sum": 1500},
                "rttMs": {"buckets": [1, 2, 0, 0, 0, 0, 0, 0, 0, 0], "count": 3,
                    "max": 180.5, "mean": 138.86666666666667, "min": 0.1, "p95": 180.5,
                    "sum": 416.59999999999997}
            })),
            utc_offset_min: Some(-300.0),
            timed_out_from: Some(SessionStatus::Reconnecting),
        }
    }

    fn full_stats() -> CallStats {
        CallStats {
            total_sessions: 3.0,
            completed_sessions: 2.0,
            failed_sessions: 0.0,
            total_duration: 61.5,
            average_duration: 31.0,
            total_quality_issues: 1e300,
            total_reconnects: 4.0,
            average_rating: Some(4.33),
        }
    }

    /// The hand writer and the derived `Serialize` write the same text.
    fn writes<T: WriteJson + serde::Serialize>(v: &T) {
        assert_eq!(
            crate::json_write::to_json(v),
            serde_json::to_string(v).unwrap()
        );
    }

    #[test]
    fn writers_match_the_derives() {
        let full = full_session();
        // Fully populated: a field added to `Session` must be set in `full_session`
        // (a struct literal) and, set, is compared here and in the readers' test.
        assert!(!format!("{full:?}").contains(": None"), "{full:?}");
        writes(&full);
        writes(&Session::default());
        writes(&Session {
            duration: Some(f64::NAN),
            creation_time: Some(3.0),
            quality_issues: Some(vec![]),
            ..Session::default()
        });
        writes(&vec![full.clone(), Session::default()]);
        writes(&Vec::<Session>::new());
        writes(&Some(full));
        writes(&None::<Session>);
        let stats = full_stats();
        assert!(!format!("{stats:?}").contains("None"), "{stats:?}");
        writes(&stats);
        // No rating yet: `averageRating` is written as `null`, not left out.
        let unrated = CallStats {
            average_rating: None,
            ..full_stats()
        };
        writes(&unrated);
        assert!(crate::json_write::to_json(&unrated).ends_with(",\"averageRating\":null}"));
        writes(&CallStats::default());
        for status in SessionStatus::ALL {
            writes(&Session {
                session_status: status,
                timed_out_from: Some(status),
                ..Session::default()
            });
        }
        let letter = DeadLetter {
            op_id: "o".into(),
            kind: OpKind::UpdateSessionSettings,
            client_session_id: "c".into(),
            args: json!({"clientSessionId": "c", "micEnabled": false}),
            occurred_at: "t".into(),
            code: "NOT_FOUND".into(),
            reason: "gone \"now\"".into(),
            dead_at: "d".into(),
        };
        writes(&letter);
        writes(&vec![letter.clone(), letter]);
        writes(&Lease {
            holder: "tab".into(),
            expires_at: 1_705_314_660_000.0,
        });
        writes(&FlushReport::default());
        writes(&FlushReport {
            applied: 3,
            rejected: 1,
            pending: 7,
            error: Some("network error: x".into()),
        });
        for duration in [None, Some(0), Some(u64::MAX)] {
            writes(&EndSessionResult {
                client_session_id: "s".into(),
                duration,
                ended_at: "e".into(),
            });
        }
        for e in [
            Event::Queued {
                op_id: "o".into(),
                kind: OpKind::StartSession,
                client_session_id: "c".into(),
            },
            Event::Delivered {
                op_id: "o".into(),
                kind: OpKind::MarkFailed,
                duplicate: true,
            },
            Event::Retrying {
                attempt: 2,
                delay_ms: 1500,
                reason: "x".into(),
            },
            Event::Dropped {
                op_id: "o".into(),
                kind: OpKind::EndSession,
                code: "C".into(),
                reason: "r".into(),
            },
            Event::Online,
            Event::Offline,
            Event::StorageFull { in_memory: 3 },
            Event::Quarantined { count: 1 },
            Event::Evicted {
                op_id: "o".into(),
                kind: OpKind::ReportQualityIssue,
            },
        ] {
            writes(&e);
        }
    }

    #[test]
    fn a_bad_reply_is_refused() {
        let bad = json!({"results": [{"opId": "a", "status": "maybe"}]});
        assert!(from_backend::<BatchReply>(bad).is_err());
        assert_eq!(
            list_from_text::<Session>("[{\"sessionStatus\":\"failed\"}]").map(|l| l.len()),
            Some(1)
        );
        assert!(from_text::<CallStats>("{").is_none());
    }
}
