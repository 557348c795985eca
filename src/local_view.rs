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
}

impl StatsDelta {
    pub fn apply(&self, stats: &mut CallStats) {
        stats.total_sessions += self.total;
        stats.completed_sessions += self.completed;
        stats.failed_sessions += self.failed;
        stats.total_duration += self.duration;
        stats.total_quality_issues += self.issues;
        stats.recompute_average();
    }
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

/// The session `rec` acts on, moved by the op's transition in the one table
/// (`protocol::status`); `None` when the session is unknown or the table refuses.
fn moved<'a>(sessions: &'a mut [Session], rec: &OpRecord) -> Option<&'a mut Session> {
    let s = find_mut(sessions, &rec.client_session_id)?;
    s.session_status = lifecycle::apply(s.session_status, rec.args.op.transition()?).ok()?;
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
                ..Default::default()
            });
            delta.total = 1.0;
        }
        Op::MarkConnected => moved(sessions, rec)?.connected_at = Some(t),
        Op::EndSession { end_reason } => {
            let s = moved(sessions, rec)?;
            s.end_reason = end_reason.clone();
            if let Some(d) = s.connected_at.as_deref().and_then(|c| duration_secs(c, &t)) {
                s.duration = Some(d as f64);
                delta.duration = d as f64;
            }
            s.ended_at = Some(t);
            delta.completed = 1.0;
        }
        Op::MarkFailed { reason } => {
            let s = moved(sessions, rec)?;
            s.end_reason = reason.clone();
            s.ended_at = Some(t);
            delta.failed = 1.0;
        }
        Op::UpdateSessionSettings(new) => {
            let s = moved(sessions, rec)?;
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
        Op::ReportQualityIssue { issue } => {
            moved(sessions, rec)?
                .quality_issues
                .get_or_insert_with(Vec::new)
                .push(issue.clone());
            delta.issues = 1.0;
        }
        // Not folded yet: the SDK does not make these ops until its slice of #13.
        Op::MarkReconnecting
        | Op::MarkReconnected
        | Op::MarkScreenShare { .. }
        | Op::RateSession { .. }
        | Op::ReportNetworkStats(_) => return None,
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
        for rec in pending {
            if let Some(d) = fold_op(&mut scratch, rec, user_id) {
                d.apply(&mut stats);
            }
        }
        stats.recompute_average();
        stats
    }

    /// Moves the snapshot forward by an op the backend has applied. `value` is the
    /// batch result's `{sessionId, sessionStatus, duration?}`.
    pub fn apply_delivered(&mut self, rec: &OpRecord, value: &Value, user_id: &str) {
        if let Some(delta) = fold_op(&mut self.sessions, rec, user_id) {
            delta.apply(self.stats.get_or_insert_with(CallStats::default));
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
}
