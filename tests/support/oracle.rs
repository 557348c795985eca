//! A tiny in-memory model of the backend's `applyBatch` and three queries, written
//! from docs/contract.md: ops run in order; a known opId replays its stored outcome
//! (applied → "duplicate", rejected → the same rejection) and changes nothing; a
//! rejected op changes nothing and does not stop the batch. `applied` logs each op the
//! first time it took effect, which is what the exactly-once assertions read.
//!
//! An op naming its client instance and `seq` is also known by that pair: by its kept
//! record, or, once [`Oracle::sweep`] has forgotten the records (the 14-day sweep, at
//! any moment a test picks), by the instance's watermark — the highest `seq` swept.
//! The oracle knows the truth the backends cannot: `mistaken` lists every op the
//! watermark answered `duplicate` although it was never processed (a lower `seq`
//! arriving after a higher one was swept), which must never happen.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};
use video_session_sdk::time::{format_iso, parse_iso};

#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub op_id: String,
    pub kind: String,
    pub client_session_id: String,
    pub occurred_at: String,
}

#[derive(Debug, Clone, Default)]
pub struct OSession {
    pub id: String,
    pub client_session_id: String,
    pub user_id: String,
    pub worker_name: String,
    pub status: String,
    pub joined_at: String,
    pub connected_at: Option<String>,
    pub ended_at: Option<String>,
    pub duration: Option<f64>,
    pub quality_issues: Vec<String>,
    pub camera: bool,
    pub mic: bool,
    pub audio: Option<String>,
    pub end_reason: Option<String>,
    pub updated_at: String,
    pub creation_time: f64,
    /// The merged network reports (`protocol::network`), as the backends keep them.
    pub network: Option<protocol::network::NetworkStats>,
}

impl OSession {
    pub fn doc(&self) -> Value {
        let mut d = json!({
            "_id": self.id, "_creationTime": self.creation_time, "clientSessionId": self.client_session_id,
            "userId": self.user_id, "supportWorkerName": self.worker_name, "sessionStatus": self.status,
            "joinedAt": self.joined_at, "cameraEnabled": self.camera, "micEnabled": self.mic,
            "createdAt": self.joined_at, "updatedAt": self.updated_at,
        });
        let m = d.as_object_mut().unwrap();
        let opt = |v: &Option<String>| v.clone().map(Value::from);
        for (k, v) in [
            ("connectedAt", opt(&self.connected_at)),
            ("endedAt", opt(&self.ended_at)),
            ("audioOption", opt(&self.audio)),
            ("endReason", opt(&self.end_reason)),
            ("duration", self.duration.map(Value::from)),
            (
                "qualityIssues",
                (!self.quality_issues.is_empty()).then(|| json!(self.quality_issues)),
            ),
            (
                "network",
                self.network.as_ref().map(|n| n.to_session_value()),
            ),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        }
        d
    }
}

#[derive(Debug, Default)]
pub struct Oracle {
    pub sessions: Vec<OSession>,
    pub processed: HashMap<String, Value>,
    pub applied: Vec<Applied>,
    pub now: f64,
    /// Kept records by (user, clientId, seq), swept with `processed`.
    pub by_seq: HashMap<(String, String, u64), Value>,
    /// Per (user, clientId): the highest `seq` whose record was swept.
    pub watermarks: HashMap<(String, String), u64>,
    /// Every (user, clientId, seq) ever processed (never swept: the truth).
    pub ever: HashSet<(String, String, u64)>,
    /// Ops the watermark called duplicates that were never processed.
    pub mistaken: Vec<String>,
    /// Per (user, clientId): the highest `seq` processed so far.
    pub highest: HashMap<(String, String), u64>,
    /// Ops processed for the first time after a higher `seq` of their instance: what a
    /// watermark advanced at each op (rather than by the sweep) would have lost.
    pub overtaken: Vec<String>,
    /// How many times the sweep ran.
    pub sweeps: usize,
}

type OpErr = (&'static str, String);

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

impl Oracle {
    pub fn session(&self, client_session_id: &str) -> Option<&OSession> {
        self.sessions
            .iter()
            .find(|s| s.client_session_id == client_session_id)
    }

    /// The 14-day sweep, as if every kept record were old enough: forgets them all
    /// and raises each instance's watermark to the highest `seq` forgotten.
    pub fn sweep(&mut self) {
        self.processed.clear();
        for ((user, client, seq), _) in self.by_seq.drain() {
            let mark = self.watermarks.entry((user, client)).or_default();
            *mark = (*mark).max(seq);
        }
        self.sweeps += 1;
    }

    pub fn apply_batch(&mut self, args: &Value) -> Value {
        let user = s(args, "userId").unwrap_or_default();
        let mut results = Vec::new();
        for op in args["ops"].as_array().expect("ops") {
            let op_id = s(op, "opId").expect("opId");
            let pair = match (s(op, "clientId"), op.get("seq").and_then(Value::as_u64)) {
                (Some(c), Some(n)) => Some((user.clone(), c, n)),
                (None, None) => None,
                other => panic!("half a clientId/seq pair: {other:?}"),
            };
            let kept = self
                .processed
                .get(&op_id)
                .or_else(|| pair.as_ref().and_then(|p| self.by_seq.get(p)));
            if let Some(stored) = kept {
                let mut r = stored.clone();
                if r["status"] == "applied" {
                    r["status"] = json!("duplicate");
                }
                r["opId"] = json!(op_id);
                results.push(r);
                continue;
            }
            if let Some((u, c, n)) = &pair {
                let mark = self.watermarks.get(&(u.clone(), c.clone())).copied();
                if mark.is_some_and(|m| *n <= m) {
                    if !self.ever.contains(&(u.clone(), c.clone(), *n)) {
                        self.mistaken.push(op_id.clone());
                    }
                    results.push(json!({"opId": op_id, "status": "duplicate", "value": null}));
                    continue;
                }
            }
            let kind = s(op, "kind").unwrap_or_default();
            let at = s(op, "occurredAt").unwrap_or_default();
            let r = match self.apply_op(&kind, &at, &op["args"], &user) {
                Ok((value, session)) => {
                    self.applied.push(Applied {
                        op_id: op_id.clone(),
                        kind: kind.clone(),
                        client_session_id: session,
                        occurred_at: at,
                    });
                    json!({"status": "applied", "value": value})
                }
                Err((code, message)) => {
                    json!({"status": "rejected", "error": {"code": code, "message": message}})
                }
            };
            self.processed.insert(op_id.clone(), r.clone());
            if let Some(p) = pair {
                let top = self.highest.entry((p.0.clone(), p.1.clone())).or_default();
                if p.2 < *top {
                    self.overtaken.push(op_id.clone());
                }
                *top = (*top).max(p.2);
                self.ever.insert(p.clone());
                self.by_seq.insert(p, r.clone());
            }
            let mut r = r;
            r["opId"] = json!(op_id);
            results.push(r);
        }
        json!({"results": results, "serverTime": format_iso(self.now)})
    }

    fn apply_op(
        &mut self,
        kind: &str,
        at: &str,
        args: &Value,
        user: &str,
    ) -> Result<(Value, String), OpErr> {
        let t_ms = parse_iso(at).ok_or(("INVALID_ARGUMENT", format!("bad occurredAt {at}")))?;
        let t = format_iso(t_ms);
        if kind == "startSession" {
            let csid =
                s(args, "clientSessionId").ok_or(("INVALID_ARGUMENT", "clientSessionId".into()))?;
            if let Some(existing) = self.session(&csid) {
                return Ok((
                    json!({"sessionId": existing.id, "sessionStatus": existing.status}),
                    csid,
                ));
            }
            let name = s(args, "supportWorkerName").unwrap_or_default();
            if name.trim().is_empty() || name.encode_utf16().count() > 200 {
                return Err(("INVALID_ARGUMENT", "supportWorkerName".into()));
            }
            let id = format!("k{}", self.sessions.len() + 1);
            self.sessions.push(OSession {
                id: id.clone(),
                client_session_id: csid.clone(),
                user_id: user.into(),
                worker_name: name,
                status: "connecting".into(),
                joined_at: t.clone(),
                updated_at: t,
                camera: true,
                mic: true,
                audio: s(args, "audioOption"),
                creation_time: self.sessions.len() as f64 + 1.0,
                ..Default::default()
            });
            return Ok((
                json!({"sessionId": id, "sessionStatus": "connecting"}),
                csid,
            ));
        }
        let found = match (s(args, "sessionId"), s(args, "clientSessionId")) {
            (Some(id), _) => self.sessions.iter_mut().find(|x| x.id == id),
            (None, Some(c)) => self.sessions.iter_mut().find(|x| x.client_session_id == c),
            (None, None) => return Err(("INVALID_ARGUMENT", "no session reference".into())),
        };
        let sess = found.ok_or(("NOT_FOUND", "no such session".into()))?;
        let active = sess.status == "connecting" || sess.status == "connected";
        let bad = || Err(("INVALID_TRANSITION", format!("{kind} from {}", sess.status)));
        match kind {
            "markConnected" if sess.status == "connecting" => {
                sess.status = "connected".into();
                sess.connected_at = Some(t.clone());
            }
            "endSession" if active => {
                if let Some(c) = &sess.connected_at {
                    sess.duration =
                        Some(((t_ms - parse_iso(c).unwrap()) / 1000.0).floor().max(0.0));
                }
                sess.status = "ended".into();
                sess.ended_at = Some(t.clone());
                sess.end_reason = s(args, "endReason");
            }
            "markFailed" if active => {
                sess.status = "failed".into();
                sess.ended_at = Some(t.clone());
                sess.end_reason = s(args, "reason");
            }
            "updateSessionSettings" if active => {
                if let Some(b) = args.get("cameraEnabled").and_then(Value::as_bool) {
                    sess.camera = b;
                }
                if let Some(b) = args.get("micEnabled").and_then(Value::as_bool) {
                    sess.mic = b;
                }
                if let Some(a) = s(args, "audioOption") {
                    sess.audio = Some(a);
                }
            }
            "reportQualityIssue" if active => {
                if sess.quality_issues.len() >= 50 {
                    return Err(("INVALID_ARGUMENT", "too many issues".into()));
                }
                sess.quality_issues
                    .push(s(args, "issue").unwrap_or_default());
            }
            "reportNetworkStats" if active => {
                let mut metrics = args.as_object().cloned().unwrap_or_default();
                metrics.remove("sessionId");
                metrics.remove("clientSessionId");
                let report = protocol::network::NetworkStats::from_args(&metrics)
                    .map_err(|(f, why)| ("INVALID_ARGUMENT", format!("{f} {why}")))?;
                sess.network
                    .get_or_insert_with(Default::default)
                    .merge(&report);
            }
            "markConnected"
            | "endSession"
            | "markFailed"
            | "updateSessionSettings"
            | "reportQualityIssue"
            | "reportNetworkStats" => return bad(),
            _ => return Err(("INVALID_ARGUMENT", format!("unknown kind {kind}"))),
        }
        sess.updated_at = t;
        let mut v = json!({"sessionId": sess.id, "sessionStatus": sess.status});
        if let Some(d) = sess.duration {
            v["duration"] = json!(d);
        }
        Ok((v, sess.client_session_id.clone()))
    }

    pub fn query(
        &self,
        path: &str,
        args: &Value,
    ) -> Result<Value, video_session_sdk::platform::TransportError> {
        let user = s(args, "userId").unwrap_or_default();
        let mine = || self.sessions.iter().filter(|x| x.user_id == user).rev();
        Ok(match path {
            "videoCallSessions:getUserSessions" => {
                let limit = args.get("limit").and_then(Value::as_u64).unwrap_or(50) as usize;
                Value::Array(mine().take(limit).map(OSession::doc).collect())
            }
            "videoCallSessions:getActiveSession" => mine()
                .find(|x| x.status == "connecting" || x.status == "connected")
                .map_or(Value::Null, OSession::doc),
            "videoCallSessions:getCallStats" => {
                let all: Vec<&OSession> = mine().collect();
                let total = all.len() as f64;
                let dur: f64 = all.iter().filter_map(|x| x.duration).sum();
                json!({
                    "totalSessions": total,
                    "completedSessions": all.iter().filter(|x| x.status == "ended").count() as f64,
                    "failedSessions": all.iter().filter(|x| x.status == "failed").count() as f64,
                    "totalDuration": dur,
                    "averageDuration": if total > 0.0 { (dur / total).round() } else { 0.0 },
                    "totalQualityIssues": all.iter().map(|x| x.quality_issues.len()).sum::<usize>() as f64,
                })
            }
            other => panic!("unexpected query {other}"),
        })
    }
}
