//! The backend state the devices' logged calls must produce, computed from the
//! contract alone: each call applied exactly once, in order, at its `occurredAt`.
//! Per session the whole document (minus `_id`/`_creationTime`), per user the call
//! stats and the active session, per support worker the aggregate row.
//!
//! Settings calls that the SDK coalesced are still applied one by one here: merging
//! is last-wins per field and the merged op carries the later time, so the end state
//! is the same.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use video_session_sdk::time::format_iso;

use super::calls::Op;
use super::workload::{LoggedOp, Report};

/// The contract's running counters (user stats and worker stats alike).
#[derive(Debug, Clone, Default)]
pub struct Counters {
    pub total: u64,
    pub completed: u64,
    pub failed: u64,
    pub duration: u64,
    pub issues: u64,
}

impl Counters {
    fn average(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            (self.duration as f64 / self.total as f64).round()
        }
    }

    /// `getCallStats`'s answer.
    pub fn call_stats(&self) -> Value {
        json!({
            "totalSessions": self.total, "completedSessions": self.completed,
            "failedSessions": self.failed, "totalDuration": self.duration,
            "averageDuration": self.average(), "totalQualityIssues": self.issues,
            // The fault runs make no reconnects and no ratings.
            "totalReconnects": 0, "averageRating": null,
        })
    }

    /// One row of `getSupportWorkerStats`.
    pub fn worker_row(&self, id: &str, name: &str) -> Value {
        let mut row = self.call_stats();
        let fields = row.as_object_mut().expect("call_stats is an object");
        fields.remove("totalReconnects");
        fields.remove("averageRating");
        row["supportWorkerId"] = json!(id);
        row["supportWorkerName"] = json!(name);
        row["failureRate"] = json!(if self.total == 0 {
            0.0
        } else {
            self.failed as f64 / self.total as f64
        });
        row
    }
}

#[derive(Debug, Default)]
pub struct UserExpectation {
    /// Session documents by client session id, without `_id` and `_creationTime`.
    pub sessions: BTreeMap<String, Map<String, Value>>,
    pub stats: Counters,
    /// The client session id `getActiveSession` must return.
    pub active: Option<String>,
}

#[derive(Debug, Default)]
pub struct Expected {
    pub users: BTreeMap<String, UserExpectation>,
    /// Worker id → (name, counters).
    pub workers: BTreeMap<String, (String, Counters)>,
}

pub fn expected(reports: &[Report]) -> Expected {
    let mut out = Expected::default();
    for r in reports {
        let user = expect_user(&r.user_id, &r.log, &mut out.workers);
        out.users.insert(r.user_id.clone(), user);
    }
    out
}

fn expect_user(
    user_id: &str,
    log: &[LoggedOp],
    workers: &mut BTreeMap<String, (String, Counters)>,
) -> UserExpectation {
    let mut u = UserExpectation::default();
    let mut worker_of: BTreeMap<String, String> = BTreeMap::new();
    let mut latest_start: Option<String> = None;
    for entry in log {
        let t = json!(format_iso(entry.at_ms));
        let csid = entry.session.clone();
        if let Op::Start {
            worker_name,
            worker_id,
            audio,
            metadata,
        } = &entry.op
        {
            let mut d = Map::new();
            d.insert("userId".into(), json!(user_id));
            d.insert("clientSessionId".into(), json!(csid));
            d.insert("supportWorkerName".into(), json!(worker_name));
            if let Some(id) = worker_id {
                d.insert("supportWorkerId".into(), json!(id));
                worker_of.insert(csid.clone(), id.clone());
                let w = workers.entry(id.clone()).or_default();
                w.0 = worker_name.clone();
                w.1.total += 1;
            }
            if let Some(a) = audio {
                d.insert("audioOption".into(), json!(a));
            }
            if let Some(m) = metadata {
                d.insert("metadata".into(), m.clone());
            }
            for k in ["joinedAt", "createdAt", "updatedAt"] {
                d.insert(k.into(), t.clone());
            }
            d.insert("sessionStatus".into(), json!("connecting"));
            d.insert("cameraEnabled".into(), json!(true));
            d.insert("micEnabled".into(), json!(true));
            // The device's UTC offset at the start (the virtual clock's zone is UTC).
            d.insert("utcOffsetMin".into(), json!(0));
            u.sessions.insert(csid.clone(), d);
            u.stats.total += 1;
            latest_start = Some(csid);
            continue;
        }
        let d = u
            .sessions
            .get_mut(&csid)
            .expect("the workload logs calls only for sessions it started");
        let mut bump = |f: &dyn Fn(&mut Counters)| {
            f(&mut u.stats);
            if let Some(w) = worker_of.get(&csid) {
                f(&mut workers.get_mut(w).expect("worker counted at start").1);
            }
        };
        match &entry.op {
            Op::Start { .. } => unreachable!("handled above"),
            Op::Connect => {
                d.insert("sessionStatus".into(), json!("connected"));
                d.insert("connectedAt".into(), t.clone());
            }
            Op::Settings { camera, mic, audio } => {
                if let Some(c) = camera {
                    d.insert("cameraEnabled".into(), json!(c));
                }
                if let Some(m) = mic {
                    d.insert("micEnabled".into(), json!(m));
                }
                if let Some(a) = audio {
                    d.insert("audioOption".into(), json!(a));
                }
            }
            Op::Issue(text) => {
                let list = d.entry("qualityIssues").or_insert_with(|| json!([]));
                list.as_array_mut().expect("an array").push(json!(text));
                bump(&|c| c.issues += 1);
            }
            Op::End(reason) => {
                let connected_at = d.get("connectedAt").and_then(Value::as_str);
                let duration = connected_at.map(|c| {
                    let c = video_session_sdk::time::parse_iso(c).expect("an ISO time");
                    ((entry.at_ms - c) / 1000.0).floor().max(0.0) as u64
                });
                if let Some(secs) = duration {
                    d.insert("duration".into(), json!(secs));
                }
                d.insert("sessionStatus".into(), json!("ended"));
                d.insert("endedAt".into(), t.clone());
                if let Some(r) = reason {
                    d.insert("endReason".into(), json!(r));
                }
                bump(&|c| {
                    c.completed += 1;
                    c.duration += duration.unwrap_or(0);
                });
            }
            Op::Fail(reason) => {
                d.insert("sessionStatus".into(), json!("failed"));
                d.insert("endedAt".into(), t.clone());
                if let Some(r) = reason {
                    d.insert("endReason".into(), json!(r));
                }
                bump(&|c| c.failed += 1);
            }
        }
        d.insert("updatedAt".into(), t);
    }
    u.active = latest_start.filter(|c| {
        let status = &u.sessions[c]["sessionStatus"];
        status == "connecting" || status == "connected"
    });
    u
}
