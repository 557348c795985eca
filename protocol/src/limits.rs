//! The contract's limits on argument values, in one naming scheme: each constant is
//! the SCREAMING_CASE of its key in `convex/`'s `LIMITS` and in `limits.json`
//! (`supportWorkerName` → [`SUPPORT_WORKER_NAME`]), so a limit is found by one name
//! from the SDK to the backends.
//!
//! Text limits are maxima in UTF-16 units ([`crate::text::utf16_len`]); required
//! text is at least one unit long. `limits.json` restates this table for `convex/`'s
//! tests; the test below keeps the two equal.

pub const USER_ID: usize = 200;
pub const SUPPORT_WORKER_NAME: usize = 200;
pub const SUPPORT_WORKER_ID: usize = 200;
/// `endReason` and `markFailed`'s `reason`.
pub const REASON: usize = 200;
pub const AUDIO_OPTION: usize = 50;
/// One quality issue's text.
pub const ISSUE: usize = 500;
pub const QUALITY_ISSUES_PER_SESSION: usize = 50;
/// A rating's comment (`rateSession`); may be empty.
pub const COMMENT: usize = 1000;
/// A rating is a whole number from `RATING_MIN` to `RATING_MAX`.
pub const RATING_MIN: usize = 1;
pub const RATING_MAX: usize = 5;
/// `utcOffsetMin`: whole minutes east of UTC, at most this far either way (±14 h).
pub const UTC_OFFSET_MIN: usize = 840;
/// The most buckets one `getCallVolume`/`getDurationTrend` range may span.
pub const ANALYTICS_BUCKETS: usize = 366;
/// `getSupportWorkerLeaderboard`'s `limit`: default and clamp.
pub const LEADERBOARD_DEFAULT: usize = 10;
pub const LEADERBOARD: usize = 100;
/// `JSON.stringify(metadata).length`.
pub const METADATA_JSON: usize = 4096;
/// Levels of nesting metadata may have: each object or array is one level, a scalar
/// none (decision D2). Convex refuses documents nested deeper than 16, and a session
/// keeps metadata one level down, so 8 leaves room.
pub const METADATA_DEPTH: usize = 8;
/// A client session id, and any id an app passes to name a session.
pub const CLIENT_SESSION_ID: usize = 100;
pub const OP_ID: usize = 100;
/// The `clientId` an SDK instance numbers its ops under.
pub const CLIENT_ID: usize = 100;
pub const BATCH_OPS: usize = 100;
/// `getUserSessions`' page size when none is given, and the largest it is clamped to.
pub const SESSIONS_PAGE_DEFAULT: usize = 50;
pub const SESSIONS_PAGE: usize = 200;

/// The largest op `seq`: every whole number up to it is exact in a float64, which is
/// how the backends receive it.
pub const SEQ: u64 = (1 << 53) - 1;

/// How far an event time may lie ahead of its reference (a batch's `sentAt`, or the
/// server's now) before it is clamped to it (decision D3).
pub const FUTURE_TOLERANCE_MS: i64 = 60_000;

/// Every limit above that `limits.json` lists, by its JSON key.
pub const TABLE: [(&str, usize); 22] = [
    ("userId", USER_ID),
    ("supportWorkerName", SUPPORT_WORKER_NAME),
    ("supportWorkerId", SUPPORT_WORKER_ID),
    ("reason", REASON),
    ("audioOption", AUDIO_OPTION),
    ("issue", ISSUE),
    ("qualityIssuesPerSession", QUALITY_ISSUES_PER_SESSION),
    ("metadataJson", METADATA_JSON),
    ("metadataDepth", METADATA_DEPTH),
    ("clientSessionId", CLIENT_SESSION_ID),
    ("opId", OP_ID),
    ("clientId", CLIENT_ID),
    ("batchOps", BATCH_OPS),
    ("sessionsPageDefault", SESSIONS_PAGE_DEFAULT),
    ("sessionsPage", SESSIONS_PAGE),
    ("comment", COMMENT),
    ("ratingMin", RATING_MIN),
    ("ratingMax", RATING_MAX),
    ("utcOffsetMin", UTC_OFFSET_MIN),
    ("analyticsBuckets", ANALYTICS_BUCKETS),
    ("leaderboardDefault", LEADERBOARD_DEFAULT),
    ("leaderboard", LEADERBOARD),
];

/// Whether a stored `clientId`/`seq` pair is one the backends take (a pair they
/// refuse would refuse the whole batch it travels in).
pub fn valid_client_seq(client_id: &str, seq: u64) -> bool {
    (1..=CLIENT_ID).contains(&crate::text::utf16_len(client_id)) && (1..=SEQ).contains(&seq)
}

/// `occurred_ms`, or `reference_ms` when it is more than [`FUTURE_TOLERANCE_MS`]
/// after it: a device clock far ahead (or a poisoned key clock) must not store
/// events in the future.
pub fn clamp_future(occurred_ms: i64, reference_ms: i64) -> i64 {
    if occurred_ms > reference_ms.saturating_add(FUTURE_TOLERANCE_MS) {
        reference_ms
    } else {
        occurred_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OpKind, SessionStatus};
    use serde_json::{json, Value};

    fn file() -> Value {
        serde_json::from_str(include_str!("../limits.json")).expect("limits.json is JSON")
    }

    #[test]
    fn limits_json_states_these_constants() {
        let table: serde_json::Map<String, Value> = TABLE
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        let file = file();
        assert_eq!(file["limits"], Value::Object(table));
        assert_eq!(file["futureToleranceMs"], json!(FUTURE_TOLERANCE_MS));
    }

    #[test]
    fn limits_json_lists_the_kinds_and_statuses() {
        let file = file();
        assert_eq!(file["opKinds"], json!(OpKind::NAMES));
        assert_eq!(file["sessionStatuses"], json!(SessionStatus::NAMES));
    }

    #[test]
    fn client_seq_pairs() {
        assert!(valid_client_seq("c", 1));
        assert!(valid_client_seq(&"c".repeat(100), SEQ));
        assert!(!valid_client_seq("", 1));
        assert!(!valid_client_seq(&"c".repeat(101), 1));
        assert!(!valid_client_seq("c", 0));
        assert!(!valid_client_seq("c", SEQ + 1));
    }

    #[test]
    fn event_times_more_than_a_minute_ahead_are_clamped() {
        assert_eq!(clamp_future(1_060_000, 1_000_000), 1_060_000);
        assert_eq!(clamp_future(1_060_001, 1_000_000), 1_000_000);
        assert_eq!(clamp_future(5, 1_000_000), 5);
        assert_eq!(clamp_future(i64::MAX, i64::MAX - 1), i64::MAX);
    }
}
