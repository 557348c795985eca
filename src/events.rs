//! Events the SDK reports to the app: what happened to its ops and to the
//! connection. Serialised with a `type` tag and camelCase fields so the wasm layer can
//! hand them to JS as they are (`{"type":"dropped","opId":…}`).
//!
//! Invariant: events are notifications only; nothing the app does in a handler can
//! change the outbox's state (the handler gets a shared reference).

use serde::{Deserialize, Serialize};

use crate::record::OpKind;

/// What the SDK reports to the app's `onEvent`, told apart by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "VideoSessionEvent"))]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Event {
    /// An op was stored (or kept in memory) and will be delivered.
    Queued {
        op_id: String,
        kind: OpKind,
        client_session_id: String,
    },
    /// The backend has the op (`duplicate`: it already had it).
    Delivered {
        op_id: String,
        kind: OpKind,
        duplicate: bool,
    },
    /// A batch failed transiently; delivery resumes after `delay_ms`.
    Retrying {
        attempt: u32,
        delay_ms: u64,
        reason: String,
    },
    /// An op was moved to the dead-letter store and will not be delivered.
    Dropped {
        op_id: String,
        kind: OpKind,
        code: String,
        reason: String,
    },
    /// The backend answered after a network failure.
    Online,
    /// The backend could not be reached.
    Offline,
    /// Storage refused a write; `in_memory` ops are kept in memory only until space frees up.
    StorageFull { in_memory: usize },
    /// Records that did not parse at start were set aside under `{prefix}quarantine:`.
    Quarantined { count: usize },
    /// The outbox was over its cap, so a pending settings/quality op was discarded.
    Evicted { op_id: String, kind: OpKind },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serialises_with_type_tag_and_camel_case() {
        let e = Event::Dropped {
            op_id: "o1".into(),
            kind: OpKind::MarkConnected,
            code: "NOT_FOUND".into(),
            reason: "gone".into(),
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"type": "dropped", "opId": "o1", "kind": "markConnected", "code": "NOT_FOUND", "reason": "gone"})
        );
        assert_eq!(
            serde_json::to_value(Event::Online).unwrap(),
            json!({"type": "online"})
        );
        assert_eq!(
            serde_json::to_value(Event::StorageFull { in_memory: 3 }).unwrap(),
            json!({"type": "storageFull", "inMemory": 3})
        );
        assert_eq!(
            serde_json::to_value(Event::Retrying {
                attempt: 2,
                delay_ms: 1500,
                reason: "x".into()
            })
            .unwrap(),
            json!({"type": "retrying", "attempt": 2, "delayMs": 1500, "reason": "x"})
        );
    }
}
