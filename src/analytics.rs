//! The analytics reads' arguments, their on-device check, their replies' JSON, and
//! the last answers kept for when the backend cannot be reached.
//!
//! Why on the device: a bad `granularity`, date or range is refused by the backend
//! anyway; checking it here with the same rules (`protocol::analytics`, written once)
//! answers at once, offline too, and sends no request that must fail.
//!
//! Why a memory of answers and no folding: analytics are the backend's aggregates of
//! delivered ops, bucketed by rules the device could only approximate for pending
//! ones (a pending end may be a late op that undoes a timeout, a leaderboard is
//! every user's), so the SDK never adds pending ops to them. When the backend cannot
//! be reached, the last answer this client got for the same arguments is returned
//! (kept in memory, at most [`MAX_ANSWERS`]); without one the call fails with
//! `NETWORK`.
//!
//! Replies are read and written field by field (`crate::json_fields`,
//! `crate::json_write`), as every wire type, so the wasm build compiles no serde
//! (de)serializer for them.

use std::collections::VecDeque;

use protocol::analytics::{buckets_between, Granularity};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ApiError;
use crate::json_fields::{FieldError, Fields};
use crate::json_write::{Object, WriteJson};
use crate::wire::ReadJson;

pub use protocol::analytics::{DurationBucket, LeaderboardEntry, VolumeBucket};

/// Answers kept for offline reads (each at most 366 buckets or 100 leaderboard rows).
pub const MAX_ANSWERS: usize = 16;
/// `getSupportWorkerLeaderboard`'s largest `limit`; a larger one is clamped.
pub const MAX_LEADERBOARD: u32 = 100;

/// `getCallVolume`'s and `getDurationTrend`'s argument.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AnalyticsRangeArgs {
    /// `"day"`, `"week"` (ISO weeks, named by their Monday) or `"month"`.
    #[cfg_attr(feature = "ts", ts(type = "\"day\" | \"week\" | \"month\""))]
    pub granularity: String,
    /// The first local date, `YYYY-MM-DD` (its bucket is the first entry).
    pub from: String,
    /// The last local date, `YYYY-MM-DD`, not before `from`; at most 366 buckets.
    pub to: String,
}

/// `getSupportWorkerLeaderboard`'s argument.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(default)]
pub struct LeaderboardArgs {
    /// Whole number >= 1; default 10, at most 100.
    pub limit: Option<f64>,
}

/// `getPeakHours`' reply: 7 rows (Monday first) of 24 counts (local hours).
pub type PeakHours = Vec<Vec<f64>>;

/// The range's granularity, once `from`..`to` is a valid range of at most 366
/// buckets; else `INVALID_ARGUMENT` naming the argument.
pub fn check_range(what: &str, args: &AnalyticsRangeArgs) -> Result<Granularity, ApiError> {
    let refuse =
        |e: protocol::analytics::AnalyticsError| ApiError::invalid_argument(format!("{what}: {e}"));
    let granularity = Granularity::parse(&args.granularity).map_err(refuse)?;
    buckets_between(granularity, &args.from, &args.to).map_err(refuse)?;
    Ok(granularity)
}

/// The leaderboard's `limit` as sent: absent, or a whole number of at least 1
/// clamped to [`MAX_LEADERBOARD`] (the backend's rule); else `INVALID_ARGUMENT`.
pub fn leaderboard_limit(args: &LeaderboardArgs) -> Result<Option<u32>, ApiError> {
    match args.limit {
        None => Ok(None),
        Some(n) if n.is_finite() && n.fract() == 0.0 && n >= 1.0 => {
            Ok(Some(n.min(f64::from(MAX_LEADERBOARD)) as u32))
        }
        Some(_) => Err(ApiError::invalid_argument(
            "getSupportWorkerLeaderboard: limit must be a whole number of at least 1",
        )),
    }
}

/// The last answers, by query and arguments; the oldest goes first.
#[derive(Debug, Default)]
pub struct Answers {
    kept: VecDeque<(String, Value)>,
}

impl Answers {
    pub fn keep(&mut self, key: String, answer: Value) {
        self.kept.retain(|(k, _)| *k != key);
        if self.kept.len() == MAX_ANSWERS {
            self.kept.pop_front();
        }
        self.kept.push_back((key, answer));
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.kept.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }
}

/// A list of exactly `n` numbers.
fn numbers(value: Value, n: usize) -> Result<Vec<f64>, FieldError> {
    let Value::Array(items) = value else {
        return Err(FieldError::NotList);
    };
    if items.len() != n {
        return Err(FieldError::Type("hours", "24 numbers"));
    }
    items
        .iter()
        .map(|v| v.as_f64().ok_or(FieldError::Type("hours", "numbers")))
        .collect()
}

/// `getPeakHours`' reply: exactly 7 × 24 numbers.
pub fn read_peak_hours(value: Value) -> Result<PeakHours, FieldError> {
    let Value::Array(days) = value else {
        return Err(FieldError::NotList);
    };
    if days.len() != 7 {
        return Err(FieldError::Type("days", "7 lists"));
    }
    days.into_iter().map(|d| numbers(d, 24)).collect()
}

/// `getIssuesByHour`' reply: exactly 24 numbers.
pub fn read_issues_by_hour(value: Value) -> Result<Vec<f64>, FieldError> {
    numbers(value, 24)
}

impl WriteJson for f64 {
    /// As serde_json writes an `f64`.
    fn write_json(&self, out: &mut String) {
        out.push_str(&serde_json::to_string(self).unwrap_or_default());
    }
}

impl ReadJson for AnalyticsRangeArgs {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        Ok(AnalyticsRangeArgs {
            granularity: f.str("granularity")?,
            from: f.str("from")?,
            to: f.str("to")?,
        })
    }
}

impl ReadJson for LeaderboardArgs {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        Ok(LeaderboardArgs {
            limit: f.opt_f64("limit")?,
        })
    }
}

impl ReadJson for VolumeBucket {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        Ok(VolumeBucket {
            bucket: f.str("bucket")?,
            calls: f.f64("calls")?,
            completed_sessions: f.f64("completedSessions")?,
            failed_sessions: f.f64("failedSessions")?,
        })
    }
}

impl WriteJson for VolumeBucket {
    fn write_json(&self, out: &mut String) {
        Object::new(out)
            .str("bucket", &self.bucket)
            .f64("calls", self.calls)
            .f64("completedSessions", self.completed_sessions)
            .f64("failedSessions", self.failed_sessions)
            .end();
    }
}

impl ReadJson for DurationBucket {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        Ok(DurationBucket {
            bucket: f.str("bucket")?,
            completed_sessions: f.f64("completedSessions")?,
            timed_calls: f.f64("timedCalls")?,
            average_duration: f.opt_f64("averageDuration")?,
        })
    }
}

impl WriteJson for DurationBucket {
    fn write_json(&self, out: &mut String) {
        Object::new(out)
            .str("bucket", &self.bucket)
            .f64("completedSessions", self.completed_sessions)
            .f64("timedCalls", self.timed_calls)
            .nullable_f64("averageDuration", self.average_duration)
            .end();
    }
}

impl ReadJson for LeaderboardEntry {
    fn read(f: &mut Fields) -> Result<Self, FieldError> {
        Ok(LeaderboardEntry {
            support_worker_id: f.str("supportWorkerId")?,
            support_worker_name: f.str("supportWorkerName")?,
            total_sessions: f.f64("totalSessions")?,
            completed_sessions: f.f64("completedSessions")?,
            completion_rate: f.f64("completionRate")?,
            average_duration: f.f64("averageDuration")?,
            average_rating: f.opt_f64("averageRating")?,
            rated_sessions: f.f64("ratedSessions")?,
            issues_per_call: f.f64("issuesPerCall")?,
            average_rtt_ms: f.opt_f64("averageRttMs")?,
            average_packet_loss_pct: f.opt_f64("averagePacketLossPct")?,
        })
    }
}

impl WriteJson for LeaderboardEntry {
    fn write_json(&self, out: &mut String) {
        Object::new(out)
            .str("supportWorkerId", &self.support_worker_id)
            .str("supportWorkerName", &self.support_worker_name)
            .f64("totalSessions", self.total_sessions)
            .f64("completedSessions", self.completed_sessions)
            .f64("completionRate", self.completion_rate)
            .f64("averageDuration", self.average_duration)
            .nullable_f64("averageRating", self.average_rating)
            .f64("ratedSessions", self.rated_sessions)
            .f64("issuesPerCall", self.issues_per_call)
            .nullable_f64("averageRttMs", self.average_rtt_ms)
            .nullable_f64("averagePacketLossPct", self.average_packet_loss_pct)
            .end();
    }
}

#[cfg(test)]
#[path = "analytics_tests.rs"]
mod tests;
