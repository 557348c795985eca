//! The local view: the last known server state (sessions and stats, persisted under
//! `{prefix}view:`) with the pending ops folded on top, so reads answer offline and
//! after a reload, and so the lifecycle check of a new call sees the calls before it.
//!
//! Invariants:
//! - folding follows the backend's rules (same transitions, same duration formula
//!   from event times); an op the rules refuse is skipped, never half-applied;
//! - the snapshot only moves forward from server answers and delivered ops; pending
//!   ops are folded on a copy at read time, never into the snapshot.

use std::cmp::Ordering;

use protocol::network::NetworkStats;
use serde_json::Value;

use crate::lifecycle::{self, SessionStatus};
use crate::record::{Op, OpRecord};
use crate::time::parse_iso;
use crate::wire::{CallStats, Session};

/// Most sessions kept in the snapshot (the backend's largest page).
pub const MAX_SNAPSHOT: usize = 200;

/// What an op adds to the user's stats.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StatsDelta {
    pub total: f64,
    pub completed: f64,
    pub failed: f64,
    pub duration: f64,
    pub issues: f64,
    pub reconnects: f64,
    /// A rating's value (0 for every other op).
    pub rating: f64,
    /// 1 for a rating.
    pub rated: f64,
}

impl StatsDelta {
    /// Adds the counters. A rating is added by [`add_ratings`], once for all the
    /// ratings folded, so the mean is not rounded at every step.
    pub fn apply(&self, stats: &mut CallStats) {
        stats.total_sessions += self.total;
        stats.completed_sessions += self.completed;
        stats.failed_sessions += self.failed;
        stats.total_duration += self.duration;
        stats.total_quality_issues += self.issues;
        stats.total_reconnects += self.reconnects;
        stats.recompute_average();
    }
}

/// Adds `count` ratings summing to `sum` to `stats.averageRating`. The backend's
/// stats give the mean but not how many ratings it averages, so the mean is weighted
/// by `rated_known`, the rated sessions this device knows from the backend (its
/// snapshot), at least 1: exact while those are all of the user's rated sessions,
/// an estimate otherwise, until the next answer of `getCallStats` replaces it.
pub fn add_ratings(stats: &mut CallStats, rated_known: f64, sum: f64, count: f64) {
    if count <= 0.0 {
        return;
    }
    let (base_sum, base_count) = match stats.average_rating {
        Some(mean) => {
            let n = rated_known.max(1.0);
            (mean * n, n)
        }
        None => (0.0, 0.0),
    };
    stats.average_rating = protocol::wire::average_rating(base_sum + sum, base_count + count);
}

/// Rated sessions in a list (what a snapshot's `averageRating` is taken to average).
fn rated(sessions: &[Session]) -> f64 {
    sessions.iter().filter(|s| s.rating.is_some()).count() as f64
}

/// `whole_seconds_between` of two ISO event times; 0 when either does not parse.
fn whole_seconds(from: &str, to: &str) -> f64 {
    match (parse_iso(from), parse_iso(to)) {
        (Some(f), Some(t)) => protocol::time::whole_seconds_between(f as i64, t as i64) as f64,
        _ => 0.0,
    }
}

/// Adds an open reconnecting interval's whole seconds up to `t` to
/// `reconnectSeconds` and removes `reconnectingSince` (nothing without one).
fn close_reconnecting(s: &mut Session, t: &str) {
    if let Some(since) = s.reconnecting_since.take() {
        let secs = whole_seconds(&since, t);
        s.reconnect_seconds = Some(s.reconnect_seconds.unwrap_or(0.0) + secs);
    }
}

/// The same for an open screen share.
fn close_screen_share(s: &mut Session, t: &str) {
    if let Some(since) = s.screen_share_since.take() {
        let secs = whole_seconds(&since, t);
        s.screen_share_seconds = Some(s.screen_share_seconds.unwrap_or(0.0) + secs);
    }
}

/// Closes the open intervals of a session that ends or fails at `t`, as the
/// backend does.
fn close_intervals(s: &mut Session, t: &str) {
    close_reconnecting(s, t);
    close_screen_share(s, t);
}

/// `floor((ended − connected) / 1000)`, at least 0, from two ISO event times.
pub fn duration_secs(connected_at: &str, ended_at: &str) -> Option<u64> {
    let (c, e) = (parse_iso(connected_at)?, parse_iso(ended_at)?);
    Some(((e - c) / 1000.0).floor().max(0.0) as u64)
}

fn find_mut<'a>(sessions: &'a mut [Session], id: &str) -> Option<&'a mut Session> {
    sessions
        .iter_mut()
        .find(|s| s.client_session_id.as_deref() == Some(id) || s.id.as_deref() == Some(id))
}

/// The status `op` is judged by: a session the backend closed as abandoned
/// (`timedOutFrom`) is judged as the status it had, by every op but `rateSession`,
/// because such an op undoes the timeout first (docs/contract.md, "Abandoned
/// sessions"). So a device back after a timeout can still end its call.
pub fn judged_status(s: &Session, op: &Op) -> SessionStatus {
    match s.timed_out_from {
        Some(from) if !matches!(op, Op::RateSession { .. }) => from,
        _ => s.session_status,
    }
}

/// Undoes a timeout as the backend does before a late op: back to the status the
/// session had, without `endedAt`, `endReason` and `timedOutFrom`, no longer counted
/// as completed; a session that was reconnecting gets `reconnectingSince` back at
/// `endedAt`, where the sweep closed its interval (not `updatedAt`, which a rating of
/// the timed-out session moves).
fn undo_timeout(s: &mut Session, delta: &mut StatsDelta) {
    let Some(from) = s.timed_out_from.take() else {
        return;
    };
    s.session_status = from;
    let closed_at = s.ended_at.take();
    s.end_reason = None;
    if from == SessionStatus::Reconnecting {
        s.reconnecting_since = Some(closed_at.unwrap_or_else(|| s.updated_at.clone()));
    }
    delta.completed -= 1.0;
}

/// The session `rec` acts on, moved by the op's transition in the one table
/// (`protocol::status`); `None` when the session is unknown or the table refuses
/// (checked before anything changes). A timed-out session is restored first (see
/// [`judged_status`]), which `delta` records.
fn moved<'a>(
    sessions: &'a mut [Session],
    rec: &OpRecord,
    delta: &mut StatsDelta,
) -> Option<&'a mut Session> {
    let s = find_mut(sessions, &rec.client_session_id)?;
    let next = lifecycle::apply(judged_status(s, &rec.args.op), rec.args.op.transition()?).ok()?;
    if !matches!(rec.args.op, Op::RateSession { .. }) {
        undo_timeout(s, delta);
    }
    s.session_status = next;
    s.updated_at = rec.occurred_at.clone();
    Some(s)
}

/// Applies one op to a list of sessions as the backend would. Returns the stats delta,
/// or `None` if the op does not apply (unknown session, refused transition).
pub fn fold_op(sessions: &mut Vec<Session>, rec: &OpRecord, user_id: &str) -> Option<StatsDelta> {
    let t = rec.occurred_at.clone();
    let mut delta = StatsDelta::default();
    match &rec.args.op {
        Op::StartSession(start) => {
            if find_mut(sessions, &rec.client_session_id).is_some() {
                return None;
            }
            sessions.push(Session {
                client_session_id: Some(rec.client_session_id.clone()),
                user_id: user_id.to_string(),
                support_worker_name: start.support_worker_name.clone(),
                support_worker_id: start.support_worker_id.clone(),
                appointment_id: start.appointment_id.clone(),
                audio_option: start.audio_option.clone(),
                metadata: start.metadata.clone(),
                session_status: SessionStatus::Connecting,
                joined_at: t.clone(),
                created_at: t.clone(),
                updated_at: t,
                camera_enabled: Some(true),
                mic_enabled: Some(true),
                // What the backend stores: the op's offset, or 0 for a record
                // stored before analytics (docs/contract.md, "Analytics").
                utc_offset_min: Some(f64::from(start.utc_offset_min.unwrap_or(0))),
                ..Default::default()
            });
            delta.total = 1.0;
        }
        Op::MarkConnected => moved(sessions, rec, &mut delta)?.connected_at = Some(t),
        Op::EndSession { end_reason } => {
            let s = moved(sessions, rec, &mut delta)?;
            close_intervals(s, &t);
            s.end_reason = end_reason.clone();
            if let Some(d) = s.connected_at.as_deref().and_then(|c| duration_secs(c, &t)) {
                s.duration = Some(d as f64);
                delta.duration = d as f64;
            }
            s.ended_at = Some(t);
            delta.completed += 1.0;
        }
        Op::MarkFailed { reason } => {
            let s = moved(sessions, rec, &mut delta)?;
            close_intervals(s, &t);
            s.end_reason = reason.clone();
            s.ended_at = Some(t);
            delta.failed = 1.0;
        }
        Op::UpdateSessionSettings(new) => {
            let s = moved(sessions, rec, &mut delta)?;
            if new.camera_enabled.is_some() {
                s.camera_enabled = new.camera_enabled;
            }
            if new.mic_enabled.is_some() {
                s.mic_enabled = new.mic_enabled;
            }
            if new.audio_option.is_some() {
                s.audio_option = new.audio_option.clone();
            }
        }
        Op::ReportQualityIssue { issue, .. } => {
            moved(sessions, rec, &mut delta)?
                .quality_issues
                .get_or_insert_with(Vec::new)
                .push(issue.clone());
            delta.issues = 1.0;
        }
        Op::MarkReconnecting => {
            let s = moved(sessions, rec, &mut delta)?;
            s.reconnect_count = Some(s.reconnect_count.unwrap_or(0.0) + 1.0);
            s.reconnecting_since = Some(t);
            delta.reconnects = 1.0;
        }
        Op::MarkReconnected => close_reconnecting(moved(sessions, rec, &mut delta)?, &t),
        Op::MarkScreenShare { active } => {
            let s = moved(sessions, rec, &mut delta)?;
            match (active, s.screen_share_since.is_some()) {
                (true, false) => s.screen_share_since = Some(t),
                (false, true) => close_screen_share(s, &t),
                // A stale toggle: only updatedAt moves.
                _ => {}
            }
        }
        Op::RateSession { rating, comment } => {
            // A second rating is refused by the backend: skipped here, as refused
            // ops are (checked before `moved` touches the session).
            if find_mut(sessions, &rec.client_session_id)?.rating.is_some() {
                return None;
            }
            let s = moved(sessions, rec, &mut delta)?;
            s.rating = Some(*rating as f64);
            s.rating_comment = comment.clone();
            s.rated_at = Some(t);
            delta.rating = *rating as f64;
            delta.rated = 1.0;
        }
        Op::ReportNetworkStats(report) => {
            let s = moved(sessions, rec, &mut delta)?;
            // As the backend merges it: the session's summaries, then the report's.
            let mut network = s
                .network
                .as_ref()
                .and_then(|v| NetworkStats::from_session_value(v).ok())
                .unwrap_or_default();
            network.merge(report);
            s.network = Some(network.to_session_value());
        }
    }
    Some(delta)
}

/// Newest first; stable (ties keep their order). A binary insertion sort: the lists
/// are small (a snapshot of at most [`MAX_SNAPSHOT`] plus pending sessions), and
/// `slice::sort_by` would compile a whole driftsort for `Session` into the wasm.
fn sort_newest_first(sessions: &mut Vec<Session>) {
    let newer_first = |a: &Session, b: &Session| {
        b.created_at.cmp(&a.created_at).then(
            b.creation_time
                .unwrap_or(f64::MAX)
                .total_cmp(&a.creation_time.unwrap_or(f64::MAX)),
        )
    };
    let mut sorted: Vec<Session> = Vec::with_capacity(sessions.len());
    for s in sessions.drain(..) {
        let at = sorted.partition_point(|x| newer_first(x, &s) != Ordering::Greater);
        sorted.insert(at, s);
    }
    *sessions = sorted;
}

/// The last server snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LocalView {
    pub sessions: Vec<Session>,
    pub stats: Option<CallStats>,
}

impl LocalView {
    /// Sessions with `pending` folded on top, newest first.
    pub fn folded<'a>(
        &self,
        pending: impl Iterator<Item = &'a OpRecord>,
        user_id: &str,
    ) -> Vec<Session> {
        let mut sessions = self.sessions.clone();
        for rec in pending {
            fold_op(&mut sessions, rec, user_id);
        }
        sort_newest_first(&mut sessions);
        sessions
    }

    /// One session (by clientSessionId or `_id`) with its pending records folded on
    /// top. `records_of` is given the names the session's records use and returns
    /// them (or more: others are skipped), so a caller with an index reads only those.
    pub fn session<'a, I: Iterator<Item = &'a OpRecord>>(
        &self,
        id: &str,
        records_of: impl FnOnce(&[String]) -> I,
        user_id: &str,
    ) -> Option<Session> {
        let is_it =
            |s: &Session| s.client_session_id.as_deref() == Some(id) || s.id.as_deref() == Some(id);
        let base = self.sessions.iter().find(|s| is_it(s));
        // Records name a session by its clientSessionId, or by `_id` for sessions
        // created elsewhere, and it may be asked for by either.
        let names: Vec<String> = match base {
            Some(s) => s.client_session_id.iter().chain(&s.id).cloned().collect(),
            None => vec![id.to_string()],
        };
        let mut one: Vec<Session> = base.cloned().into_iter().collect();
        for rec in records_of(&names).filter(|r| names.contains(&r.client_session_id)) {
            fold_op(&mut one, rec, user_id);
        }
        let i = one.iter().position(is_it)?;
        Some(one.swap_remove(i))
    }

    /// Stats with `pending` added.
    pub fn stats_with<'a>(
        &self,
        pending: impl Iterator<Item = &'a OpRecord>,
        user_id: &str,
    ) -> CallStats {
        let mut stats = self.stats.clone().unwrap_or_default();
        let mut scratch = self.sessions.clone();
        let (mut sum, mut count) = (0.0, 0.0);
        for rec in pending {
            if let Some(d) = fold_op(&mut scratch, rec, user_id) {
                d.apply(&mut stats);
                sum += d.rating;
                count += d.rated;
            }
        }
        add_ratings(&mut stats, rated(&self.sessions), sum, count);
        stats.recompute_average();
        stats
    }

    /// Moves the snapshot forward by an op the backend has applied. `value` is the
    /// batch result's `{sessionId, sessionStatus, duration?}`.
    pub fn apply_delivered(&mut self, rec: &OpRecord, value: &Value, user_id: &str) {
        let known = rated(&self.sessions);
        if let Some(delta) = fold_op(&mut self.sessions, rec, user_id) {
            let stats = self.stats.get_or_insert_with(CallStats::default);
            delta.apply(stats);
            add_ratings(stats, known, delta.rating, delta.rated);
        }
        if let Some(s) = find_mut(&mut self.sessions, &rec.client_session_id) {
            if let Some(id) = value.get("sessionId").and_then(Value::as_str) {
                s.id.get_or_insert_with(|| id.to_string());
            }
        }
        self.trim();
    }

    /// Takes in sessions the backend returned (replacing what we had for them).
    pub fn upsert_server(&mut self, fresh: Vec<Session>) {
        for s in fresh {
            let existing = self.sessions.iter().position(|o| {
                (s.id.is_some() && o.id == s.id)
                    || (s.client_session_id.is_some() && o.client_session_id == s.client_session_id)
            });
            match existing {
                Some(i) => self.sessions[i] = s,
                None => self.sessions.push(s),
            }
        }
        self.trim();
    }

    fn trim(&mut self) {
        sort_newest_first(&mut self.sessions);
        if self.sessions.len() > MAX_SNAPSHOT {
            let (mut kept, mut n) = (Vec::with_capacity(MAX_SNAPSHOT), 0);
            for s in self.sessions.drain(..) {
                if n < MAX_SNAPSHOT || s.is_active() {
                    n += 1;
                    kept.push(s);
                }
            }
            self.sessions = kept;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{sample, OpKind};
    use serde_json::json;

    fn op(op: Op, session: &str, at: &str) -> OpRecord {
        let kind = op.kind();
        sample(&format!("{kind}-{at}"), op, session, at)
    }

    fn call() -> Vec<OpRecord> {
        vec![
            op(
                Op::StartSession(protocol::StartSession {
                    support_worker_name: "Dr. Smith".into(),
                    support_worker_id: Some("w".into()),
                    ..Default::default()
                }),
                "s",
                "2024-01-15T10:30:00.000Z",
            ),
            op(Op::MarkConnected, "s", "2024-01-15T10:30:15.000Z"),
            op(
                Op::UpdateSessionSettings(protocol::Settings {
                    camera_enabled: Some(false),
                    ..Default::default()
                }),
                "s",
                "2024-01-15T10:31:00.000Z",
            ),
            op(
                Op::ReportQualityIssue {
                    issue: "Audio choppy".into(),
                    utc_offset_min: Some(-300),
                },
                "s",
                "2024-01-15T10:32:00.000Z",
            ),
            op(
                Op::EndSession {
                    end_reason: Some("user_ended".into()),
                },
                "s",
                "2024-01-15T10:45:30.999Z",
            ),
        ]
    }

    #[test]
    fn a_pending_session_has_the_offset_the_backend_will_store() {
        let start = |utc_offset_min| {
            op(
                Op::StartSession(protocol::StartSession {
                    support_worker_name: "W".into(),
                    utc_offset_min,
                    ..Default::default()
                }),
                "s",
                "2024-01-15T10:30:00.000Z",
            )
        };
        let view = LocalView::default();
        let ops = [start(Some(-300))];
        let s = view.session("s", |_| ops.iter(), "u").unwrap();
        assert_eq!(s.utc_offset_min, Some(-300.0));
        // A start stored before analytics: the backend stores 0 (UTC's buckets).
        let ops = [start(None)];
        let s = view.session("s", |_| ops.iter(), "u").unwrap();
        assert_eq!(s.utc_offset_min, Some(0.0));
    }

    #[test]
    fn folds_a_whole_call_like_the_backend() {
        let view = LocalView::default();
        let ops = call();
        let s = view.session("s", |_| ops.iter(), "u").unwrap();
        assert_eq!(s.session_status, SessionStatus::Ended);
        assert_eq!(s.duration, Some(915.0));
        assert_eq!(s.camera_enabled, Some(false));
        assert_eq!(s.quality_issues, Some(vec!["Audio choppy".to_string()]));
        let stats = view.stats_with(ops.iter(), "u");
        assert_eq!(
            (
                stats.total_sessions,
                stats.completed_sessions,
                stats.total_duration
            ),
            (1.0, 1.0, 915.0)
        );
        assert_eq!(stats.average_duration, 915.0);
        assert_eq!(stats.total_quality_issues, 1.0);
    }

    #[test]
    fn refused_ops_are_skipped() {
        let mut sessions = Vec::new();
        let ops = call();
        fold_op(&mut sessions, &ops[0], "u");
        assert!(fold_op(&mut sessions, &ops[4], "u").is_some());
        assert!(
            fold_op(&mut sessions, &ops[1], "u").is_none(),
            "connect after end"
        );
        assert!(
            fold_op(&mut Vec::new(), &ops[1], "u").is_none(),
            "unknown session"
        );
        assert_eq!(sessions[0].duration, None, "cancelled before connecting");
    }

    #[test]
    fn delivered_ops_move_the_snapshot_and_take_the_server_id() {
        let mut view = LocalView::default();
        let ops = call();
        view.apply_delivered(
            &ops[0],
            &json!({"sessionId": "k1", "sessionStatus": "connecting"}),
            "u",
        );
        assert_eq!(view.sessions[0].id.as_deref(), Some("k1"));
        assert_eq!(view.stats.as_ref().unwrap().total_sessions, 1.0);
        let fresh = Session {
            id: Some("k1".into()),
            client_session_id: Some("s".into()),
            session_status: SessionStatus::Connected,
            ..Default::default()
        };
        view.upsert_server(vec![fresh]);
        assert_eq!(view.sessions.len(), 1);
        assert_eq!(view.sessions[0].session_status, SessionStatus::Connected);
    }

    #[test]
    fn one_session_folds_like_the_whole_view() {
        // Two calls interleaved; one of them already in the snapshot under its `_id`,
        // with later records naming it by that `_id`.
        let mut ops = call();
        for (i, mut o) in call().into_iter().enumerate() {
            o.client_session_id = "srv1".into();
            o.op_id = format!("other-{i}");
            ops.insert(2 * i + 1, o);
        }
        ops.retain(|o| !(o.client_session_id == "srv1" && o.kind() == OpKind::StartSession));
        let view = LocalView {
            sessions: vec![Session {
                id: Some("srv1".into()),
                session_status: SessionStatus::Connecting,
                ..Default::default()
            }],
            stats: None,
        };
        let all = view.folded(ops.iter(), "u");
        for id in ["s", "srv1"] {
            let whole = all.iter().find(|s| {
                s.client_session_id.as_deref() == Some(id) || s.id.as_deref() == Some(id)
            });
            assert_eq!(
                view.session(id, |_| ops.iter(), "u").as_ref(),
                whole,
                "{id}"
            );
        }
        assert_eq!(view.session("nope", |_| ops.iter(), "u"), None);
    }

    fn started_and_connected(session: &str) -> Vec<OpRecord> {
        vec![
            op(
                Op::StartSession(protocol::StartSession {
                    support_worker_name: "Dr. Smith".into(),
                    ..Default::default()
                }),
                session,
                "2024-01-15T10:30:00.000Z",
            ),
            op(Op::MarkConnected, session, "2024-01-15T10:30:15.000Z"),
        ]
    }

    fn folded_one(ops: &[OpRecord]) -> Session {
        LocalView::default()
            .session("s", |_| ops.iter(), "u")
            .expect("the session")
    }

    #[test]
    fn reconnects_count_and_their_seconds_are_whole_seconds_per_interval() {
        let mut ops = started_and_connected("s");
        ops.push(op(Op::MarkReconnecting, "s", "2024-01-15T10:31:00.000Z"));
        let s = folded_one(&ops);
        assert_eq!(s.session_status, SessionStatus::Reconnecting);
        assert!(s.is_active(), "a reconnecting call is still active");
        assert_eq!(s.reconnect_count, Some(1.0));
        assert_eq!(
            s.reconnecting_since.as_deref(),
            Some("2024-01-15T10:31:00.000Z")
        );
        assert_eq!(s.reconnect_seconds, None, "absent until an interval closes");
        // 12.9 s → 12: floored like `duration`.
        ops.push(op(Op::MarkReconnected, "s", "2024-01-15T10:31:12.900Z"));
        let s = folded_one(&ops);
        assert_eq!(s.session_status, SessionStatus::Connected);
        assert_eq!(s.reconnect_seconds, Some(12.0));
        assert_eq!(s.reconnecting_since, None);
        assert_eq!(s.updated_at, "2024-01-15T10:31:12.900Z");
        // A second drop, ended while still reconnecting: 5.9 s more, each interval
        // floored on its own (12 + 5, not floor(18.8)).
        ops.push(op(Op::MarkReconnecting, "s", "2024-01-15T10:40:00.000Z"));
        ops.push(op(
            Op::EndSession { end_reason: None },
            "s",
            "2024-01-15T10:40:05.900Z",
        ));
        let s = folded_one(&ops);
        assert_eq!(s.session_status, SessionStatus::Ended);
        assert_eq!(s.reconnect_count, Some(2.0));
        assert_eq!(s.reconnect_seconds, Some(17.0));
        assert_eq!(s.reconnecting_since, None, "closed at the end");
        assert_eq!(s.duration, Some(590.0), "from connectedAt: one call");
        let stats = LocalView::default().stats_with(ops.iter(), "u");
        assert_eq!(stats.total_reconnects, 2.0);
        assert_eq!(stats.completed_sessions, 1.0);
    }

    #[test]
    fn refused_reconnects_are_skipped() {
        let ops = started_and_connected("s");
        let mut sessions = Vec::new();
        fold_op(&mut sessions, &ops[0], "u");
        let at = "2024-01-15T10:30:05.000Z";
        assert!(
            fold_op(&mut sessions, &op(Op::MarkReconnecting, "s", at), "u").is_none(),
            "connecting → reconnecting"
        );
        assert!(
            fold_op(&mut sessions, &op(Op::MarkReconnected, "s", at), "u").is_none(),
            "not reconnecting"
        );
        assert_eq!(sessions[0].session_status, SessionStatus::Connecting);
        assert_eq!(sessions[0].reconnect_count, None, "nothing half-applied");
        assert_eq!(sessions[0].updated_at, "2024-01-15T10:30:00.000Z");
    }

    #[test]
    fn screen_share_seconds_count_closed_intervals_and_stale_toggles_change_nothing_else() {
        let mut ops = started_and_connected("s");
        let share = |active, at| op(Op::MarkScreenShare { active }, "s", at);
        ops.push(share(false, "2024-01-15T10:30:20.000Z"));
        let s = folded_one(&ops);
        assert_eq!(
            (s.screen_share_seconds, s.screen_share_since.as_deref()),
            (None, None)
        );
        assert_eq!(
            s.updated_at, "2024-01-15T10:30:20.000Z",
            "a stale stop only touches"
        );
        ops.push(share(true, "2024-01-15T10:31:00.000Z"));
        ops.push(share(true, "2024-01-15T10:31:30.000Z"));
        let s = folded_one(&ops);
        assert_eq!(
            s.screen_share_since.as_deref(),
            Some("2024-01-15T10:31:00.000Z"),
            "a second start keeps the first"
        );
        ops.push(share(false, "2024-01-15T10:32:40.500Z"));
        ops.push(share(false, "2024-01-15T10:33:00.000Z"));
        let s = folded_one(&ops);
        assert_eq!(s.screen_share_seconds, Some(100.0));
        assert_eq!(s.screen_share_since, None);
        // Sharing while reconnecting, then the call fails: both intervals close.
        ops.push(share(true, "2024-01-15T10:34:00.000Z"));
        ops.push(op(Op::MarkReconnecting, "s", "2024-01-15T10:35:00.000Z"));
        ops.push(share(true, "2024-01-15T10:35:01.000Z"));
        ops.push(op(
            Op::MarkFailed { reason: None },
            "s",
            "2024-01-15T10:35:30.000Z",
        ));
        let s = folded_one(&ops);
        assert_eq!(s.session_status, SessionStatus::Failed);
        assert_eq!(s.screen_share_seconds, Some(190.0));
        assert_eq!(s.reconnect_seconds, Some(30.0));
        assert_eq!(
            (
                s.screen_share_since.as_deref(),
                s.reconnecting_since.as_deref()
            ),
            (None, None)
        );
        assert_eq!(s.duration, None, "a failed call has no duration");
        // An ended call shares nothing more.
        let mut sessions = vec![s];
        assert!(fold_op(&mut sessions, &share(true, "2024-01-15T10:36:00.000Z"), "u").is_none());
    }

    #[test]
    fn a_finished_session_is_rated_once() {
        let mut ops = started_and_connected("s");
        let rate = |rating, comment: Option<&str>, at| {
            op(
                Op::RateSession {
                    rating,
                    comment: comment.map(str::to_string),
                },
                "s",
                at,
            )
        };
        let mut sessions = Vec::new();
        for o in &ops {
            fold_op(&mut sessions, o, "u");
        }
        assert!(
            fold_op(
                &mut sessions,
                &rate(5, None, "2024-01-15T10:31:00.000Z"),
                "u"
            )
            .is_none(),
            "an active call is not rated"
        );
        ops.push(op(
            Op::EndSession { end_reason: None },
            "s",
            "2024-01-15T10:45:00.000Z",
        ));
        ops.push(rate(4, Some("Clear audio"), "2024-01-15T10:45:10.000Z"));
        ops.push(rate(1, None, "2024-01-15T10:45:20.000Z"));
        let s = folded_one(&ops);
        assert_eq!(s.rating, Some(4.0), "the second rating is refused");
        assert_eq!(s.rating_comment.as_deref(), Some("Clear audio"));
        assert_eq!(s.rated_at.as_deref(), Some("2024-01-15T10:45:10.000Z"));
        assert_eq!(s.updated_at, "2024-01-15T10:45:10.000Z");
        assert_eq!(s.session_status, SessionStatus::Ended);
        let stats = LocalView::default().stats_with(ops.iter(), "u");
        assert_eq!(stats.average_rating, Some(4.0));
        // Without a comment the field stays absent.
        ops.truncate(3);
        ops.push(rate(3, None, "2024-01-15T10:45:10.000Z"));
        assert_eq!(folded_one(&ops).rating_comment, None);
    }

    #[test]
    fn pending_ratings_join_the_backends_mean_weighted_by_the_rated_sessions_known() {
        let rated_session = |id: &str, rating: f64| Session {
            id: Some(id.into()),
            session_status: SessionStatus::Ended,
            rating: Some(rating),
            ..Default::default()
        };
        let mut view = LocalView {
            sessions: vec![
                rated_session("a", 5.0),
                rated_session("b", 4.0),
                rated_session("c", 3.0),
            ],
            stats: Some(CallStats {
                total_sessions: 4.0,
                total_reconnects: 2.0,
                average_rating: Some(4.0),
                ..Default::default()
            }),
        };
        view.sessions.push(Session {
            id: Some("d".into()),
            session_status: SessionStatus::Failed,
            ..Default::default()
        });
        let pending = [op(
            Op::RateSession {
                rating: 2,
                comment: None,
            },
            "d",
            "2024-01-15T11:00:00.000Z",
        )];
        let stats = view.stats_with(pending.iter(), "u");
        assert_eq!(stats.average_rating, Some(3.5), "(5 + 4 + 3 + 2) / 4");
        assert_eq!(stats.total_reconnects, 2.0);
        // Nothing rated yet: the mean of the pending ratings alone, two decimals.
        let view = LocalView::default();
        let mut ops = started_and_connected("s");
        ops.extend(started_and_connected("t").into_iter().map(|mut o| {
            o.op_id.push('t');
            o
        }));
        for id in ["s", "t"] {
            ops.push(op(
                Op::MarkFailed { reason: None },
                id,
                "2024-01-15T10:31:00.000Z",
            ));
        }
        ops.push(op(
            Op::RateSession {
                rating: 5,
                comment: None,
            },
            "s",
            "2024-01-15T10:32:00.000Z",
        ));
        let before = view.stats_with(ops.iter(), "u");
        assert_eq!(before.average_rating, Some(5.0));
        ops.push(op(
            Op::RateSession {
                rating: 4,
                comment: None,
            },
            "t",
            "2024-01-15T10:32:00.000Z",
        ));
        ops.push(op(
            Op::RateSession {
                rating: 4,
                comment: None,
            },
            "t",
            "2024-01-15T10:33:00.000Z",
        ));
        let stats = view.stats_with(ops.iter(), "u");
        assert_eq!(
            stats.average_rating,
            Some(4.5),
            "the refused second rating is not counted"
        );
        assert_eq!(
            LocalView::default()
                .stats_with([].iter(), "u")
                .average_rating,
            None
        );
    }

    #[test]
    fn a_delivered_rating_moves_the_snapshots_mean() {
        let mut view = LocalView {
            sessions: vec![Session {
                client_session_id: Some("s".into()),
                session_status: SessionStatus::Ended,
                ..Default::default()
            }],
            stats: Some(CallStats {
                total_sessions: 1.0,
                ..Default::default()
            }),
        };
        let rate = op(
            Op::RateSession {
                rating: 3,
                comment: None,
            },
            "s",
            "2024-01-15T11:00:00.000Z",
        );
        view.apply_delivered(
            &rate,
            &json!({"sessionId": "k", "sessionStatus": "ended"}),
            "u",
        );
        assert_eq!(view.stats.as_ref().unwrap().average_rating, Some(3.0));
        assert_eq!(view.sessions[0].rating, Some(3.0));
    }

    #[test]
    fn sort_newest_first_is_the_stable_sort() {
        // Ties on both keys (same createdAt, both without _creationTime) keep their order.
        let mut seed = 7u64;
        let list: Vec<Session> = (0..60)
            .map(|i| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let r = seed >> 33;
                Session {
                    user_id: format!("{i}"),
                    created_at: format!("2024-01-0{}", r % 4),
                    creation_time: (r % 3 != 0).then_some((r % 5) as f64),
                    ..Session::default()
                }
            })
            .collect();
        let mut expected = list.clone();
        expected.sort_by(|a, b| {
            b.created_at.cmp(&a.created_at).then(
                b.creation_time
                    .unwrap_or(f64::MAX)
                    .total_cmp(&a.creation_time.unwrap_or(f64::MAX)),
            )
        });
        let mut got = list;
        sort_newest_first(&mut got);
        assert_eq!(got, expected);
    }

    /// A session the backend closed as abandoned while it was reconnecting.
    fn timed_out() -> LocalView {
        LocalView {
            sessions: vec![Session {
                id: Some("k1".into()),
                client_session_id: Some("s".into()),
                session_status: SessionStatus::Ended,
                end_reason: Some("timeout".into()),
                ended_at: Some("2024-01-15T10:40:00.000Z".into()),
                updated_at: "2024-01-15T10:40:00.000Z".into(),
                connected_at: Some("2024-01-15T10:30:15.000Z".into()),
                reconnect_count: Some(1.0),
                reconnect_seconds: Some(30.0),
                timed_out_from: Some(SessionStatus::Reconnecting),
                ..Default::default()
            }],
            stats: Some(CallStats {
                total_sessions: 1.0,
                completed_sessions: 1.0,
                ..Default::default()
            }),
        }
    }

    #[test]
    fn a_late_op_undoes_a_timeout_as_the_backend_does_but_a_rating_does_not() {
        let view = timed_out();
        let s = &view.sessions[0];
        assert_eq!(
            judged_status(s, &Op::MarkReconnected),
            SessionStatus::Reconnecting
        );
        let rate = Op::RateSession {
            rating: 4,
            comment: None,
        };
        assert_eq!(judged_status(s, &rate), SessionStatus::Ended);
        // Back from reconnecting: the interval restarts at endedAt, where the sweep
        // closed it, even after a rating of the timed-out session moved updatedAt.
        let back = [
            op(rate.clone(), "s", "2024-01-15T13:00:00.000Z"),
            op(Op::MarkReconnected, "s", "2024-01-15T14:00:00.000Z"),
        ];
        let s = view.session("s", |_| back.iter(), "u").unwrap();
        assert_eq!(s.session_status, SessionStatus::Connected);
        assert_eq!(
            (s.ended_at, s.end_reason, s.timed_out_from),
            (None, None, None)
        );
        assert_eq!(s.reconnect_seconds, Some(30.0 + 12_000.0));
        assert_eq!(s.rating, Some(4.0));
        assert_eq!(view.stats_with(back.iter(), "u").completed_sessions, 0.0);
        // The real end: completed once, with its duration and reason.
        let end = [op(
            Op::EndSession {
                end_reason: Some("user_ended".into()),
            },
            "s",
            "2024-01-15T10:45:30.000Z",
        )];
        let s = view.session("s", |_| end.iter(), "u").unwrap();
        assert_eq!(s.session_status, SessionStatus::Ended);
        assert_eq!(s.duration, Some(915.0));
        assert_eq!(s.end_reason.as_deref(), Some("user_ended"));
        assert_eq!(s.ended_at.as_deref(), Some("2024-01-15T10:45:30.000Z"));
        assert_eq!(s.timed_out_from, None);
        let stats = view.stats_with(end.iter(), "u");
        assert_eq!(
            (stats.completed_sessions, stats.total_duration),
            (1.0, 915.0)
        );
        // A rating rates it as it is; an op the restored status refuses undoes
        // nothing.
        for ops in [
            vec![op(rate.clone(), "s", "2024-01-15T14:00:00.000Z")],
            vec![op(Op::MarkConnected, "s", "2024-01-15T14:00:00.000Z")],
        ] {
            let s = view.session("s", |_| ops.iter(), "u").unwrap();
            assert_eq!(s.session_status, SessionStatus::Ended);
            assert_eq!(s.timed_out_from, Some(SessionStatus::Reconnecting));
            assert_eq!(view.stats_with(ops.iter(), "u").completed_sessions, 1.0);
        }
    }

    #[test]
    fn reports_fold_into_the_sessions_network() {
        use protocol::network::{Metric, Summary};
        let report = |v: f64| {
            let mut n = NetworkStats::default();
            n.add(Metric::RttMs, &Summary::of(Metric::RttMs, v));
            Op::ReportNetworkStats(Box::new(n))
        };
        let mut ops = started_and_connected("s");
        ops.push(op(report(80.0), "s", "2024-01-15T10:31:00.000Z"));
        ops.push(op(report(300.0), "s", "2024-01-15T10:32:00.000Z"));
        let s = folded_one(&ops);
        let mut want = NetworkStats::default();
        want.add(Metric::RttMs, &Summary::of(Metric::RttMs, 80.0));
        want.add(Metric::RttMs, &Summary::of(Metric::RttMs, 300.0));
        assert_eq!(s.network, Some(want.to_session_value()));
        assert_eq!(s.network.as_ref().unwrap()["rttMs"]["mean"], json!(190));
        assert_eq!(s.updated_at, "2024-01-15T10:32:00.000Z");
        // Not from an ended call.
        ops.push(op(
            Op::EndSession { end_reason: None },
            "s",
            "2024-01-15T10:33:00.000Z",
        ));
        ops.push(op(report(1.0), "s", "2024-01-15T10:34:00.000Z"));
        let s = folded_one(&ops);
        assert_eq!(s.network, Some(want.to_session_value()));
    }
}
