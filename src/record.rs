//! The operation record: one mutating call, stored under its own key until the
//! backend has it.
//!
//! Invariants:
//! - a record's key sorts by creation: `{prefix}op:{13-digit ms}-{tabId}-{6-digit counter}`;
//!   the ms part never goes backwards within an instance (it is max(last, now)), so the
//!   per-session order of ops is the key order; it is a sort position, not the event
//!   time, and follows stored keys only within limits (see `outbox`);
//! - `opId` is a random UUID v4 made once at enqueue and never changed, so a re-sent
//!   op is recognised by the backend's dedupe;
//! - `occurredAt` is the event time (client clock, ISO-8601 UTC with ms), never the
//!   delivery time;
//! - `clientId` (random, one per client instance, never reused) and `seq` (1, 2, 3…
//!   in the instance's key order) are fields, not part of the key, so moving a record
//!   to another key keeps them; the backend knows a replay by them after its opId
//!   records are swept. Records stored by releases before them have neither.

use serde::Serialize;

use crate::json_fields::Fields;
use crate::json_write::Object;

pub use protocol::{ArgsMismatch, Op, OpArgs, OpKind, SessionRef};

/// A stored op. `args` are the mutation's arguments without `userId`, `opId` and
/// `occurredAt` (exactly what `applyBatch` wants per op), typed: the kind is
/// `args.op`'s variant.
#[derive(Debug, Clone, PartialEq)]
pub struct OpRecord {
    pub op_id: String,
    /// The session this op belongs to: the SDK's clientSessionId (or the backend
    /// `_id` for a session created elsewhere); the name `args.session` carries.
    pub client_session_id: String,
    pub args: OpArgs,
    pub occurred_at: String,
    /// The user the op was made for. A client delivers only its own user's records,
    /// so two users whose clients share a storage prefix never send each other's ops.
    /// A stored record without it does not parse (it is quarantined): whose it is
    /// cannot be known, and it must not be sent as whoever opens the client next.
    pub user_id: Option<String>,
    /// The client instance that made the op, with [`OpRecord::seq`]: both or neither.
    pub client_id: Option<String>,
    /// The op's number in its instance's sequence, from 1.
    pub seq: Option<u64>,
    pub attempts: u32,
    pub next_attempt_at: Option<f64>,
    pub last_error: Option<String>,
}

/// The stored text's shape, field for field in the order it has always been
/// written, with the args as JSON carries them. Written by its derived `Serialize`;
/// read by [`Stored::read`] with the rules the derived `Deserialize` applied.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    op_id: String,
    kind: OpKind,
    client_session_id: String,
    args: serde_json::Value,
    occurred_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seq: Option<u64>,
    #[serde(default)]
    attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_attempt_at: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_error: Option<String>,
}

impl Stored {
    /// Reads stored text field by field (`crate::json_fields`: one shared JSON
    /// parser, no deserializer of its own in the wasm build).
    fn read(raw: &str) -> Result<Stored, String> {
        let mut f = Fields::parse(raw)?;
        let shape = |e: crate::json_fields::FieldError| e.to_string();
        let kind = f.str("kind").map_err(shape)?;
        let kind = OpKind::from_name(&kind).ok_or_else(|| format!("unknown op kind `{kind}`"))?;
        Ok(Stored {
            op_id: f.str("opId").map_err(shape)?,
            kind,
            client_session_id: f.str("clientSessionId").map_err(shape)?,
            args: f.take("args").ok_or("missing field `args`")?,
            occurred_at: f.str("occurredAt").map_err(shape)?,
            user_id: f.opt_str("userId").map_err(shape)?,
            client_id: f.opt_str("clientId").map_err(shape)?,
            seq: f.opt_u64("seq").map_err(shape)?,
            attempts: f.u32_or_default("attempts").map_err(shape)?,
            next_attempt_at: f.opt_f64("nextAttemptAt").map_err(shape)?,
            last_error: f.opt_str("lastError").map_err(shape)?,
        })
    }
}

/// Why stored text is not a record this client may deliver; the record is then
/// quarantined, never guessed at.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BadRecord {
    #[error("not an op record: {0}")]
    Shape(String),
    #[error("{0}")]
    Args(#[from] ArgsMismatch),
    /// No user, an empty op id or session, a bad `occurredAt` or `clientId`/`seq`,
    /// or args naming another session than the record.
    #[error("a field is missing or does not fit the record")]
    Field,
}

impl OpRecord {
    /// The op's kind (its variant).
    pub fn kind(&self) -> OpKind {
        self.args.op.kind()
    }

    /// The stored text: what `Stored`'s derived `Serialize` writes (tested), written
    /// field by field (`crate::json_write`) so the wasm build has no serializer of
    /// its own for it.
    pub fn to_json(&self) -> String {
        let OpRecord {
            op_id,
            client_session_id,
            args,
            occurred_at,
            user_id,
            client_id,
            seq,
            attempts,
            next_attempt_at,
            last_error,
        } = self;
        let mut out = String::new();
        let mut o = Object::new(&mut out);
        o.str("opId", op_id)
            .str("kind", self.kind().as_str())
            .str("clientSessionId", client_session_id)
            .value("args", &args.to_value())
            .str("occurredAt", occurred_at)
            .opt_str("userId", user_id.as_deref())
            .opt_str("clientId", client_id.as_deref());
        if let Some(n) = seq {
            o.u64("seq", *n);
        }
        o.u64("attempts", u64::from(*attempts))
            .opt_f64("nextAttemptAt", *next_attempt_at)
            .opt_str("lastError", last_error.as_deref())
            .end();
        out
    }

    /// [`OpRecord::to_json`] through the derived `Serialize` of the stored shape.
    #[cfg(test)]
    fn to_json_derived(&self) -> String {
        let stored = Stored {
            op_id: self.op_id.clone(),
            kind: self.kind(),
            client_session_id: self.client_session_id.clone(),
            args: self.args.to_value(),
            occurred_at: self.occurred_at.clone(),
            user_id: self.user_id.clone(),
            client_id: self.client_id.clone(),
            seq: self.seq,
            attempts: self.attempts,
            next_attempt_at: self.next_attempt_at,
            last_error: self.last_error.clone(),
        };
        serde_json::to_string(&stored)
            .unwrap_or_else(|_| unreachable!("an op record always serialises"))
    }

    /// Whether a client of `user` may deliver this record.
    pub fn belongs_to(&self, user: &str) -> bool {
        self.user_id.as_deref() == Some(user)
    }

    /// Parses a stored record: a whole, valid record naming its user, whose args fit
    /// its kind and name its session.
    pub fn parse(raw: &str) -> Result<OpRecord, BadRecord> {
        let s = Stored::read(raw).map_err(BadRecord::Shape)?;
        let ok = s.user_id.as_deref().is_some_and(|u| !u.is_empty())
            && !s.op_id.is_empty()
            && !s.client_session_id.is_empty()
            && protocol::time::parse_iso(&s.occurred_at).is_ok()
            && match (&s.client_id, s.seq) {
                (None, None) => true,
                (Some(c), Some(n)) => protocol::limits::valid_client_seq(c, n),
                _ => false,
            };
        if !ok {
            return Err(BadRecord::Field);
        }
        let args = OpArgs::from_value(s.kind, s.args)?;
        if args.session.name() != s.client_session_id {
            return Err(BadRecord::Field);
        }
        Ok(OpRecord {
            op_id: s.op_id,
            client_session_id: s.client_session_id,
            args,
            occurred_at: s.occurred_at,
            user_id: s.user_id,
            client_id: s.client_id,
            seq: s.seq,
            attempts: s.attempts,
            next_attempt_at: s.next_attempt_at,
            last_error: s.last_error,
        })
    }
}

/// The outbox's key namespace under a storage prefix.
pub fn op_prefix(prefix: &str) -> String {
    format!("{prefix}op:")
}

/// `{prefix}op:{13-digit ms}-{tabId}-{6-digit counter}`.
pub fn op_key(prefix: &str, ms: u64, tab_id: &str, counter: u32) -> String {
    format!("{prefix}op:{ms:013}-{tab_id}-{:06}", counter % 1_000_000)
}

/// Whether `s` (a key after `{prefix}op:` or `{prefix}dead:`) has the shape this SDK
/// writes: `{13 digits}-{tab id without ':'}-{6 digits}`, nothing more. A key under
/// the namespace with another shape belongs to someone else (another user's prefix
/// that begins with this one, as `vss:acme:op:current` does under `vss:acme:`) and
/// is left alone.
pub fn is_key_suffix(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    b.len() >= 22
        && digits(&b[..13])
        && b[13] == b'-'
        && b[b.len() - 7] == b'-'
        && digits(&b[b.len() - 6..])
        && !s[14..s.len() - 7].is_empty()
        && !s[14..s.len() - 7].contains(':')
}

/// The ms part of an op key (used to keep key time monotonic across reloads).
pub fn key_ms(key_suffix: &str) -> Option<u64> {
    key_suffix.get(..13)?.parse().ok()
}

/// Formats 128 random bits as a UUID v4 (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`).
pub fn uuid_v4(hi: u64, lo: u64) -> String {
    let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// A short random tab id (8 lowercase hex chars); no `-` so keys split cleanly.
pub fn tab_id(r: u64) -> String {
    format!("{:08x}", r & 0xffff_ffff)
}

/// A record of `op` on session `session` (by clientSessionId) for user `u`.
#[cfg(test)]
pub(crate) fn sample(op_id: &str, op: Op, session: &str, at: &str) -> OpRecord {
    OpRecord {
        op_id: op_id.into(),
        client_session_id: session.into(),
        args: OpArgs {
            op,
            session: SessionRef::Client(session.into()),
        },
        occurred_at: at.into(),
        user_id: Some("u".into()),
        client_id: None,
        seq: None,
        attempts: 0,
        next_attempt_at: None,
        last_error: None,
    }
}

/// The plainest op of `kind` (a start for worker "W", an issue "x").
#[cfg(test)]
pub(crate) fn plain_op(kind: OpKind) -> Op {
    match kind {
        OpKind::StartSession => Op::StartSession(protocol::StartSession {
            support_worker_name: "W".into(),
            ..Default::default()
        }),
        OpKind::MarkConnected => Op::MarkConnected,
        OpKind::UpdateSessionSettings => Op::UpdateSessionSettings(Default::default()),
        OpKind::ReportQualityIssue => Op::ReportQualityIssue {
            issue: "x".into(),
            utc_offset_min: None,
        },
        OpKind::EndSession => Op::EndSession { end_reason: None },
        OpKind::MarkFailed => Op::MarkFailed { reason: None },
        OpKind::MarkReconnecting => Op::MarkReconnecting,
        OpKind::MarkReconnected => Op::MarkReconnected,
        OpKind::MarkScreenShare => Op::MarkScreenShare { active: true },
        OpKind::RateSession => Op::RateSession {
            rating: 5,
            comment: None,
        },
        OpKind::ReportNetworkStats => {
            use protocol::network::{Metric, NetworkStats, Summary};
            let mut stats = NetworkStats::default();
            stats.add(Metric::RttMs, &Summary::of(Metric::RttMs, 80.0));
            Op::ReportNetworkStats(Box::new(stats))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn uuid_has_v4_shape() {
        for (hi, lo) in [
            (0, 0),
            (u64::MAX, u64::MAX),
            (0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210),
        ] {
            let u = uuid_v4(hi, lo);
            assert_eq!(u.len(), 36, "{u}");
            let parts: Vec<&str> = u.split('-').collect();
            assert_eq!(
                parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
                [8, 4, 4, 4, 12]
            );
            assert!(parts[2].starts_with('4'));
            assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
            assert!(u
                .bytes()
                .all(|c| c == b'-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        }
        assert_eq!(
            uuid_v4(0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210),
            "01234567-89ab-4def-bedc-ba9876543210"
        );
    }

    #[test]
    fn keys_sort_by_creation() {
        let a = op_key("vss:", 999, "t1", 5);
        let b = op_key("vss:", 1000, "t1", 0);
        let c = op_key("vss:", 1000, "t1", 1);
        let d = op_key("vss:", 1_700_000_000_000, "t1", 0);
        assert_eq!(a, "vss:op:0000000000999-t1-000005");
        assert!(a < b && b < c && c < d);
        assert_eq!(key_ms(&d["vss:op:".len()..]), Some(1_700_000_000_000));
    }

    #[test]
    fn only_the_keys_this_sdk_writes_have_the_key_shape() {
        for ok in ["0000000000001-tab1-000000", "1705314600000-a-b-999999"] {
            assert!(is_key_suffix(ok), "{ok}");
        }
        for bad in [
            "current",
            "view:sessions",
            "op:0000000000001-tab1-000000",
            "0000000000001-tab1-000000:current",
            "0000000000001--000000",
            "000000000001x-tab1-000000",
            "0000000000001-t:x-000000",
            "0000000000001-tab1-00000",
            "0000000000001-tab1-0000001",
            "",
        ] {
            assert!(!is_key_suffix(bad), "{bad}");
        }
    }

    #[test]
    fn a_record_without_its_user_does_not_parse() {
        let raw = json!({
            "opId": "o", "kind": "markConnected", "clientSessionId": "c",
            "args": {"clientSessionId": "c"},
            "occurredAt": "2024-01-15T10:30:00.000Z", "attempts": 0
        });
        assert_eq!(OpRecord::parse(&raw.to_string()), Err(BadRecord::Field));
        let mut named = raw.clone();
        named["userId"] = json!("");
        assert_eq!(OpRecord::parse(&named.to_string()), Err(BadRecord::Field));
        named["userId"] = json!("u");
        let rec = OpRecord::parse(&named.to_string()).unwrap();
        assert!(rec.belongs_to("u") && !rec.belongs_to("v"));
        assert_eq!(rec.kind(), OpKind::MarkConnected);
    }

    #[test]
    fn parse_rejects_partial_or_invalid_records() {
        let rec = sample(
            "o",
            Op::StartSession(protocol::StartSession {
                support_worker_name: "x".into(),
                ..Default::default()
            }),
            "c",
            "2024-01-15T10:30:00.000Z",
        );
        assert_eq!(OpRecord::parse(&rec.to_json()), Ok(rec.clone()));
        let numbered = OpRecord {
            client_id: Some("c1".into()),
            seq: Some(7),
            ..rec.clone()
        };
        assert_eq!(OpRecord::parse(&numbered.to_json()), Ok(numbered.clone()));
        for (client_id, seq) in [
            (Some("c1"), None),
            (None, Some(1)),
            (Some(""), Some(1)),
            (Some("c1"), Some(0)),
            (Some("c1"), Some(protocol::limits::SEQ + 1)),
        ] {
            let bad = OpRecord {
                client_id: client_id.map(Into::into),
                seq,
                ..rec.clone()
            };
            assert_eq!(
                OpRecord::parse(&bad.to_json()),
                Err(BadRecord::Field),
                "{client_id:?} {seq:?}"
            );
        }
        let json = rec.to_json();
        for bad in [
            json[..json.len() - 3].to_string(),
            "not json".into(),
            json.replace("startSession", "explode"),
            json.replace("\"args\":{", "\"args\":[")
                .replace("},\"occ", "],\"occ"),
        ] {
            assert!(
                matches!(OpRecord::parse(&bad), Err(BadRecord::Shape(_))),
                "{bad}"
            );
        }
        for bad in [
            json.replace("supportWorkerName", "dance"),
            json.replace("\"x\"", "7"),
            json.replace("\"args\":{", "\"args\":{\"dance\":1,"),
        ] {
            assert!(
                matches!(OpRecord::parse(&bad), Err(BadRecord::Args(_))),
                "{bad}"
            );
        }
        assert_eq!(
            OpRecord::parse(&json.replace("2024-01-15T10:30:00.000Z", "yesterday")),
            Err(BadRecord::Field)
        );
    }

    #[test]
    fn the_stored_text_is_what_the_derive_writes() {
        let rec = sample("o\"1", Op::MarkConnected, "c", "2024-01-15T10:30:00.000Z");
        let full = OpRecord {
            user_id: Some("u\u{2028}".into()),
            client_id: Some("c1".into()),
            seq: Some(u64::MAX),
            attempts: u32::MAX,
            next_attempt_at: Some(1_705_314_600_000.0),
            last_error: Some("network error: \"x\"\n".into()),
            ..rec.clone()
        };
        let bare = OpRecord {
            user_id: None,
            next_attempt_at: Some(0.5),
            ..rec.clone()
        };
        for r in [rec, full, bare] {
            assert_eq!(r.to_json(), r.to_json_derived());
        }
    }

    #[test]
    fn args_that_do_not_fit_the_kind_or_the_session_do_not_parse() {
        let rec = sample("o", Op::MarkConnected, "c", "2024-01-15T10:30:00.000Z");
        let json = rec.to_json();
        assert!(matches!(
            OpRecord::parse(&json.replace("markConnected", "reportQualityIssue")),
            Err(BadRecord::Args(ArgsMismatch {
                problem: protocol::Problem::Missing,
                ..
            }))
        ));
        assert!(matches!(
            OpRecord::parse(&json.replace("markConnected", "startSession")),
            Err(BadRecord::Args(ArgsMismatch {
                problem: protocol::Problem::Missing,
                ..
            }))
        ));
        let other = json.replacen("\"clientSessionId\":\"c\"", "\"clientSessionId\":\"d\"", 1);
        assert_eq!(OpRecord::parse(&other), Err(BadRecord::Field));
        let by_id = OpRecord {
            args: OpArgs {
                op: Op::EndSession { end_reason: None },
                session: SessionRef::Id("c".into()),
            },
            ..rec
        };
        assert_eq!(OpRecord::parse(&by_id.to_json()), Ok(by_id.clone()));
        assert!(by_id.to_json().contains("\"args\":{\"sessionId\":\"c\"}"));
    }
}
