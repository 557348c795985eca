//! What crosses the wire between the SDK and a backend: the session document (field
//! names as the seed: `sessionStatus`, `qualityIssues`, `_id`, …), call statistics,
//! and the `applyBatch` request and reply. The SDK reads these shapes and the local
//! backend writes them, so one definition keeps the two from drifting; `convex/` is
//! held to the same shapes by the shared scenarios.
//!
//! Invariant: optional fields that were never set are absent, not `null`, both when
//! reading the backend's documents and when writing our own (the contract's rule).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{OpKind, SessionStatus};

/// A JSON object from `(name, value)` pairs, in that order. Request bodies are built
/// with this instead of `json!`/`to_value`, which go through serde_json's `Value`
/// serializer and unwrap its `Result`, linking the error's `Debug` into the wasm build.
pub fn object(pairs: Vec<(&str, Value)>) -> Value {
    let mut map = serde_json::Map::new();
    for (k, v) in pairs {
        map.insert(k.to_string(), v);
    }
    Value::Object(map)
}

/// A session document (as the backend stores it; `_id` is absent until delivered).
/// The local view folds the same shape from pending ops, so `_id` and
/// `_creationTime` are absent until the backend has the session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(
    feature = "ts",
    derive(ts_rs::TS),
    ts(rename = "VideoSession", optional_fields)
)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    #[serde(rename = "_id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(
        rename = "_creationTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub creation_time: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_id: Option<String>,
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub support_worker_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_worker_id: Option<String>,
    pub session_status: SessionStatus,
    #[serde(default)]
    pub joined_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_option: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mic_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality_issues: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
    /// How often the call went from connected to reconnecting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconnect_count: Option<f64>,
    /// Whole seconds spent reconnecting, each interval counted like `duration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconnect_seconds: Option<f64>,
    /// When the open reconnecting interval began (present only while reconnecting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconnecting_since: Option<String>,
    /// Whole seconds of screen sharing, each interval counted like `duration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen_share_seconds: Option<f64>,
    /// When the open screen-share interval began (present only while sharing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen_share_since: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating_comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rated_at: Option<String>,
    /// Network quality: per metric reported (`rttMs`, `jitterMs`, `packetLossPct`,
    /// `bitrateKbps`), its summary `{count, min, max, sum, buckets}` with `mean` and
    /// `p95`; absent until the first `reportNetworkStats`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub network: Option<Value>,
    /// The device's UTC offset when the call started (minutes east of UTC; 0 when the
    /// start did not say). Sessions without it started before analytics existed and
    /// are in no analytics bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset_min: Option<f64>,
    /// The status a session had when the backend closed it as abandoned (`ended`,
    /// `endReason "timeout"`); removed when a late op reopens it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timed_out_from: Option<SessionStatus>,
}

impl Session {
    /// The id the app uses for this session: the SDK's `clientSessionId`, or the
    /// backend `_id` for sessions created without the SDK.
    pub fn app_id(&self) -> Option<&str> {
        self.client_session_id.as_deref().or(self.id.as_deref())
    }

    pub fn is_active(&self) -> bool {
        self.session_status.is_active()
    }
}

/// `getCallStats`'s reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CallStats {
    pub total_sessions: f64,
    pub completed_sessions: f64,
    pub failed_sessions: f64,
    pub total_duration: f64,
    pub average_duration: f64,
    pub total_quality_issues: f64,
    /// Connected → reconnecting transitions over all sessions (0 from a backend that
    /// predates reconnection).
    #[serde(default)]
    pub total_reconnects: f64,
    /// The mean rating, rounded to two decimals; `null` while nothing is rated.
    #[serde(default)]
    pub average_rating: Option<f64>,
}

impl CallStats {
    /// Recomputes `averageDuration` the way the backend does.
    pub fn recompute_average(&mut self) {
        self.average_duration = if self.total_sessions > 0.0 {
            (self.total_duration / self.total_sessions).round()
        } else {
            0.0
        };
    }
}

/// `averageRating` from a sum and a count of ratings, as both backends compute it:
/// the mean rounded half up to two decimals (`Math.round(sum / count * 100) / 100`).
pub fn average_rating(sum: f64, count: f64) -> Option<f64> {
    (count > 0.0).then(|| (sum / count * 100.0).round() / 100.0)
}

/// One op inside an `applyBatch` request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchOp {
    pub op_id: String,
    pub kind: OpKind,
    pub occurred_at: String,
    pub args: Value,
    /// The client instance that made the op and its number there: absent for records
    /// stored before they existed (the backend then dedupes by `opId` alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

/// `videoCallSessions:applyBatch` arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchRequest {
    pub user_id: String,
    pub sent_at: String,
    pub ops: Vec<BatchOp>,
}

impl BatchRequest {
    /// The request as JSON, equal to what its derived `Serialize` writes.
    pub fn to_value(&self) -> Value {
        let ops = self
            .ops
            .iter()
            .map(|op| {
                let mut pairs = vec![
                    ("opId", op.op_id.as_str().into()),
                    ("kind", op.kind.as_str().into()),
                    ("occurredAt", op.occurred_at.as_str().into()),
                    ("args", op.args.clone()),
                ];
                if let (Some(client), Some(seq)) = (&op.client_id, op.seq) {
                    pairs.push(("clientId", client.as_str().into()));
                    pairs.push(("seq", seq.into()));
                }
                object(pairs)
            })
            .collect();
        object(vec![
            ("userId", self.user_id.as_str().into()),
            ("sentAt", self.sent_at.as_str().into()),
            ("ops", Value::Array(ops)),
        ])
    }
}

/// A coded error inside a batch result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpError {
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// The outcome of one op in an `applyBatch` reply. It is read through [`WireOpResult`]:
/// serde's internally tagged enums buffer every field into its private `Content` type,
/// a whole second deserializer in the wasm build for one small shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "camelCase", try_from = "WireOpResult")]
pub enum OpResult {
    Applied {
        #[serde(rename = "opId")]
        op_id: String,
        #[serde(default)]
        value: Value,
    },
    Duplicate {
        #[serde(rename = "opId")]
        op_id: String,
        #[serde(default)]
        value: Value,
    },
    Rejected {
        #[serde(rename = "opId")]
        op_id: String,
        error: OpError,
    },
}

impl OpResult {
    pub fn op_id(&self) -> &str {
        match self {
            OpResult::Applied { op_id, .. }
            | OpResult::Duplicate { op_id, .. }
            | OpResult::Rejected { op_id, .. } => op_id,
        }
    }
}

/// [`OpResult`] as it is read: every variant's fields, and the tag as a string.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireOpResult {
    status: String,
    op_id: String,
    #[serde(default)]
    value: Value,
    #[serde(default)]
    error: Option<OpError>,
}

impl TryFrom<WireOpResult> for OpResult {
    type Error = String;

    fn try_from(w: WireOpResult) -> Result<Self, String> {
        let op_id = w.op_id;
        match (w.status.as_str(), w.error) {
            ("applied", _) => Ok(OpResult::Applied {
                op_id,
                value: w.value,
            }),
            ("duplicate", _) => Ok(OpResult::Duplicate {
                op_id,
                value: w.value,
            }),
            ("rejected", Some(error)) => Ok(OpResult::Rejected { op_id, error }),
            ("rejected", None) => Err("missing field `error`".into()),
            (other, _) => Err(format!(
                "unknown variant `{other}`, expected one of `applied`, `duplicate`, `rejected`"
            )),
        }
    }
}

/// `applyBatch`'s reply value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchReply {
    pub results: Vec<OpResult>,
    #[serde(default)]
    pub server_time: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn session_reads_seed_shape_and_omits_unset_fields() {
        let doc = json!({
            "_id": "k1", "_creationTime": 1.5, "userId": "u", "supportWorkerName": "Dr. Smith",
            "sessionStatus": "connected", "joinedAt": "2024-01-15T10:30:00.000Z",
            "connectedAt": "2024-01-15T10:30:15.000Z", "cameraEnabled": true,
            "createdAt": "2024-01-15T10:30:00.000Z", "updatedAt": "2024-01-15T10:30:15.000Z",
            "clientSessionId": "c1"
        });
        let s: Session = serde_json::from_value(doc.clone()).unwrap();
        assert_eq!(s.session_status, SessionStatus::Connected);
        assert_eq!(s.app_id(), Some("c1"));
        assert_eq!(serde_json::to_value(&s).unwrap(), doc);
    }

    #[test]
    fn batch_reply_parses_each_status() {
        let reply: BatchReply = serde_json::from_value(json!({
            "results": [
                {"opId": "a", "status": "applied", "value": {"sessionId": "k"}},
                {"opId": "b", "status": "duplicate", "value": null},
                {"opId": "c", "status": "rejected", "error": {"code": "NOT_FOUND", "message": "no"}}
            ],
            "serverTime": "2024-01-15T10:30:00.000Z"
        }))
        .unwrap();
        assert_eq!(reply.results.len(), 3);
        assert!(
            matches!(&reply.results[2], OpResult::Rejected { error, .. } if error.code == "NOT_FOUND")
        );
        assert_eq!(
            reply.results[1],
            OpResult::Duplicate {
                op_id: "b".into(),
                value: Value::Null
            }
        );
    }

    #[test]
    fn batch_reply_refuses_unknown_status_and_rejection_without_error() {
        for bad in [
            json!({"results": [{"opId": "a", "status": "maybe"}]}),
            json!({"results": [{"opId": "a", "status": "rejected"}]}),
            json!({"results": [{"status": "applied"}]}),
        ] {
            let err = serde_json::from_value::<BatchReply>(bad.clone())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("unknown variant") || err.contains("missing field"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn batch_request_to_value_matches_serialize() {
        let request = BatchRequest {
            user_id: "u".into(),
            sent_at: "2024-01-15T10:30:00.000Z".into(),
            ops: vec![
                BatchOp {
                    op_id: "o1".into(),
                    kind: OpKind::StartSession,
                    occurred_at: "2024-01-15T10:29:00.000Z".into(),
                    args: json!({"supportWorkerName": "Dr. Smith", "metadata": {"a": [1, 2.5]}}),
                    client_id: Some("c".into()),
                    seq: Some(1),
                },
                BatchOp {
                    op_id: "o2".into(),
                    kind: OpKind::MarkConnected,
                    occurred_at: "2024-01-15T10:29:01.000Z".into(),
                    args: json!({"clientSessionId": "c"}),
                    client_id: None,
                    seq: None,
                },
            ],
        };
        assert_eq!(request.to_value(), serde_json::to_value(&request).unwrap());
        assert_eq!(object(vec![]), json!({}));
    }
}
