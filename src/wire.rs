//! The wire types (`protocol::wire`), and how the SDK reads JSON into them: field by
//! field ([`ReadJson`], over `crate::json_fields`), with the rules their derived
//! `Deserialize` applies, so the wasm build compiles no deserializer per type (the
//! server keeps the derives).

use serde_json::Value;

use crate::api::DeadLetter;
use crate::json_fields::{FieldError, Fields};
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
        Value::Array(items) => items.into_iter().map(from_backend).collect(),
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

fn status(f: &mut Fields, name: &'static str) -> Result<SessionStatus, FieldError> {
    SessionStatus::from_name(&f.str(name)?).ok_or(FieldError::Type(
        name,
        "one of connecting, connected, ended, failed",
    ))
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
        let session = json!({"_id": "k", "_creationTime": 1.5, "userId": "u",
            "sessionStatus": "ended", "duration": 42.0, "cameraEnabled": true,
            "metadata": {"a": [1, 2.5, null]}, "qualityIssues": ["x"], "extra": 1});
        same::<Session>(session.clone());
        for (field, bad) in [
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
            "totalDuration": 30.5, "averageDuration": 30, "totalQualityIssues": 2});
        same::<CallStats>(stats.clone());
        let mut short = stats.clone();
        short.as_object_mut().unwrap().remove("averageDuration");
        same::<CallStats>(short);
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
