//! Analytics buckets: which local day, week, month and weekday-hour an event falls
//! in, and which buckets a query's date range covers.
//!
//! The dashboard asks "how many calls on Monday mornings", and a user means *their*
//! Monday morning: a call at 23:30 in New York is a Tuesday call in UTC. So each op
//! whose time is bucketed carries the device's UTC offset at event time
//! (`utcOffsetMin`, what `-new Date().getTimezoneOffset()` gives), the backends keep
//! one aggregate row per bucket updated in the op's own transaction, and a query
//! reads a bounded range of rows — never the history. These rules are written once
//! here for `server/`; `convex/functions/lib/analytics.ts` ports them rule for rule
//! and the shared scenarios pin both.

use chrono::{DateTime, Datelike, NaiveDate, Timelike};
use serde::{Deserialize, Serialize};

use crate::limits;

/// Why an analytics argument was refused; the text names the argument.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct AnalyticsError(pub String);

/// The bucket sizes of `getCallVolume` and `getDurationTrend`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Granularity {
    Day,
    /// ISO weeks, Monday first; the bucket is named by its Monday.
    Week,
    Month,
}

impl Granularity {
    pub const ALL: [Granularity; 3] = [Granularity::Day, Granularity::Week, Granularity::Month];

    pub fn parse(text: &str) -> Result<Self, AnalyticsError> {
        match text {
            "day" => Ok(Self::Day),
            "week" => Ok(Self::Week),
            "month" => Ok(Self::Month),
            _ => Err(AnalyticsError(format!(
                "granularity must be \"day\", \"week\" or \"month\", not {text:?}"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// The name of the bucket holding `date`: `YYYY-MM-DD` (the day, or the Monday
    /// of its week) or `YYYY-MM`.
    pub fn bucket_of(self, date: NaiveDate) -> String {
        match self {
            Self::Day => day_name(date),
            Self::Week => day_name(monday_of(date)),
            Self::Month => format!("{:04}-{:02}", date.year(), date.month()),
        }
    }

    /// The first day of the bucket after the one that starts at `start`.
    fn next(self, start: NaiveDate) -> Option<NaiveDate> {
        match self {
            Self::Day => start.succ_opt(),
            Self::Week => start.checked_add_days(chrono::Days::new(7)),
            Self::Month => start.checked_add_months(chrono::Months::new(1)),
        }
    }

    fn first_day(self, date: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => date,
            Self::Week => monday_of(date),
            Self::Month => date.with_day(1).unwrap_or(date),
        }
    }
}

/// Where an event falls in the user's local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalBuckets {
    pub day: String,
    pub week: String,
    pub month: String,
    /// `weekday * 24 + hour`, weekday 0 = Monday: the peak-hours cell.
    pub slot: u32,
    /// The local hour, 0–23 (`slot % 24`).
    pub hour: u32,
}

impl LocalBuckets {
    /// The buckets of the instant `utc_ms` seen at `utc_offset_min` minutes east of
    /// UTC. The offset must already be valid (`check_utc_offset`).
    pub fn at(utc_ms: i64, utc_offset_min: i32) -> Self {
        let local_ms = utc_ms.saturating_add(i64::from(utc_offset_min) * 60_000);
        // Valid timestamps (1970–9999) and offsets (±14 h) stay inside chrono's range.
        let t = DateTime::from_timestamp_millis(local_ms)
            .unwrap_or_default()
            .naive_utc();
        let date = t.date();
        let weekday = date.weekday().num_days_from_monday();
        Self {
            day: Granularity::Day.bucket_of(date),
            week: Granularity::Week.bucket_of(date),
            month: Granularity::Month.bucket_of(date),
            slot: weekday * 24 + t.hour(),
            hour: t.hour(),
        }
    }

    /// The bucket of one granularity.
    pub fn bucket(&self, granularity: Granularity) -> &str {
        match granularity {
            Granularity::Day => &self.day,
            Granularity::Week => &self.week,
            Granularity::Month => &self.month,
        }
    }
}

/// A UTC offset the backends take: whole minutes within ±14 h (`-840..=840`).
pub fn check_utc_offset(minutes: f64) -> Result<i32, AnalyticsError> {
    let max = limits::UTC_OFFSET_MIN as f64;
    if minutes.is_finite() && minutes.fract() == 0.0 && (-max..=max).contains(&minutes) {
        Ok(minutes as i32)
    } else {
        Err(AnalyticsError(format!(
            "utcOffsetMin must be a whole number of minutes from -{max} to {max}, not {minutes}"
        )))
    }
}

/// Parses a query's `from`/`to`: `YYYY-MM-DD`, calendar-valid, years 1970–9999.
pub fn parse_date(name: &str, text: &str) -> Result<NaiveDate, AnalyticsError> {
    let bad = || {
        AnalyticsError(format!(
            "{name} must be a date like 2024-01-15, not {text:?}"
        ))
    };
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (year, month, day) = (
        digits(0..4).ok_or_else(bad)?,
        digits(5..7).ok_or_else(bad)?,
        digits(8..10).ok_or_else(bad)?,
    );
    if year < 1970 {
        return Err(bad());
    }
    NaiveDate::from_ymd_opt(year as i32, month, day).ok_or_else(bad)
}

/// Every bucket from the one holding `from` to the one holding `to`, oldest first:
/// what a range query returns one entry for (zero-filled). At most
/// `limits::ANALYTICS_BUCKETS` buckets, so a query's cost has a ceiling.
pub fn buckets_between(
    granularity: Granularity,
    from: &str,
    to: &str,
) -> Result<Vec<String>, AnalyticsError> {
    let (start, end) = (parse_date("from", from)?, parse_date("to", to)?);
    if start > end {
        return Err(AnalyticsError(format!("from ({from}) is after to ({to})")));
    }
    let (mut day, last) = (granularity.first_day(start), granularity.first_day(end));
    let mut out = Vec::new();
    while day <= last {
        if out.len() == limits::ANALYTICS_BUCKETS {
            return Err(AnalyticsError(format!(
                "from {from} to {to} spans more than {} {}s",
                limits::ANALYTICS_BUCKETS,
                granularity.as_str()
            )));
        }
        out.push(granularity.bucket_of(day));
        match granularity.next(day) {
            Some(next) => day = next,
            None => break,
        }
    }
    Ok(out)
}

/// Rounded to two decimals as `Math.round(x * 100) / 100` rounds the non-negative
/// rates and means the analytics return (the rule of `wire::average_rating`).
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// `sum / count` rounded to two decimals, `None` when `count` is 0.
pub fn mean2(sum: f64, count: f64) -> Option<f64> {
    (count > 0.0).then(|| round2(sum / count))
}

fn monday_of(date: NaiveDate) -> NaiveDate {
    let back = u64::from(date.weekday().num_days_from_monday());
    date.checked_sub_days(chrono::Days::new(back))
        .unwrap_or(date)
}

fn day_name(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// One entry of `getCallVolume`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct VolumeBucket {
    pub bucket: String,
    /// Calls started in the bucket (local time of `joinedAt`).
    pub calls: f64,
    /// Of those, how many have ended (including cancelled and timed-out calls).
    pub completed_sessions: f64,
    pub failed_sessions: f64,
}

/// One entry of `getDurationTrend`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DurationBucket {
    pub bucket: String,
    pub completed_sessions: f64,
    /// Ended calls that have a `duration` (connected before they ended).
    pub timed_calls: f64,
    /// `round(totalDuration / timedCalls)` in whole seconds; `null` when no call in
    /// the bucket has a duration.
    pub average_duration: Option<f64>,
}

/// One row of `getSupportWorkerLeaderboard`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LeaderboardEntry {
    pub support_worker_id: String,
    pub support_worker_name: String,
    pub total_sessions: f64,
    pub completed_sessions: f64,
    /// `round2(completedSessions / totalSessions)`, 0 without sessions.
    pub completion_rate: f64,
    /// `round(totalDuration / totalSessions)`, as `getSupportWorkerStats`.
    pub average_duration: f64,
    pub average_rating: Option<f64>,
    pub rated_sessions: f64,
    /// `round2(totalQualityIssues / totalSessions)`, 0 without sessions.
    pub issues_per_call: f64,
    /// The mean of every RTT sample reported in the worker's sessions.
    pub average_rtt_ms: Option<f64>,
    /// The mean of every packet-loss sample reported in the worker's sessions.
    pub average_packet_loss_pct: Option<f64>,
}

#[cfg(test)]
#[path = "analytics_tests.rs"]
mod tests;
