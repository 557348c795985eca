//! The six mutating calls: validate, check the transition against the local view,
//! write one record, emit `Queued`, resolve. No network I/O.

use serde_json::{Map, Value};

use super::{Client, State};
use crate::api::{
    EndSessionArgs, EndSessionResult, MarkFailedArgs, SettingsArgs, StartSessionArgs,
};
use crate::error::{ApiError, ErrorCode};
use crate::events::Event;
use crate::lifecycle::{self, Transition};
use crate::local_view::duration_secs;
use crate::outbox::merge_settings;
use crate::platform::{Env, Storage, Transport};
use crate::record::{uuid_v4, OpKind, OpRecord};
use crate::time::format_iso;
use crate::validate;

/// (session key, session reference args, the session's connectedAt before the op).
type Resolved = (String, Map<String, Value>, Option<String>);

/// What an enqueue produced, for the caller's result.
pub(super) struct Enqueued {
    rec: OpRecord,
    /// The session's `connectedAt` before this op (for `end_session`'s duration).
    connected_at: Option<String>,
}

/// The present fields as a JSON object. Inserts one by one: `collect()` into a map
/// sorts first, which compiles a whole sort for this one pair type.
fn obj(pairs: Vec<(&str, Option<Value>)>) -> Map<String, Value> {
    let mut map = Map::new();
    for (k, v) in pairs {
        if let Some(v) = v {
            map.insert(k.to_string(), v);
        }
    }
    map
}

impl<S: Storage, T: Transport, E: Env> Client<S, T, E> {
    /// Starts a session (status `connecting`) and makes it the current one. Returns
    /// its id, a UUID made here, which every other call accepts.
    pub async fn start_session(&self, args: StartSessionArgs) -> Result<String, ApiError> {
        validate::start(&args)?;
        let fields = obj(vec![
            (
                "supportWorkerName",
                Some(Value::from(args.support_worker_name)),
            ),
            ("supportWorkerId", args.support_worker_id.map(Value::from)),
            ("appointmentId", args.appointment_id.map(Value::from)),
            ("audioOption", args.audio_option.map(Value::from)),
            ("metadata", args.metadata.filter(|v| !v.is_null())),
        ]);
        let done = self.enqueue(OpKind::StartSession, None, fields).await?;
        Ok(done.rec.client_session_id)
    }

    /// connecting → connected.
    pub async fn mark_connected(&self, session: Option<String>) -> Result<(), ApiError> {
        self.enqueue(OpKind::MarkConnected, session, Map::new())
            .await
            .map(|_| ())
    }

    /// Camera, mic, audio option. Pending updates of one session coalesce.
    pub async fn update_settings(&self, args: SettingsArgs) -> Result<(), ApiError> {
        validate::settings(&args)?;
        let fields = obj(vec![
            ("cameraEnabled", args.camera_enabled.map(Value::from)),
            ("micEnabled", args.mic_enabled.map(Value::from)),
            ("audioOption", args.audio_option.map(Value::from)),
        ]);
        self.enqueue(OpKind::UpdateSessionSettings, args.session, fields)
            .await
            .map(|_| ())
    }

    /// Appends a quality issue (at most 50 per session).
    pub async fn report_quality_issue(
        &self,
        issue: String,
        session: Option<String>,
    ) -> Result<(), ApiError> {
        validate::quality_issue(&issue, 0)?;
        let fields = obj(vec![("issue", Some(Value::from(issue)))]);
        self.enqueue(OpKind::ReportQualityIssue, session, fields)
            .await
            .map(|_| ())
    }

    /// connecting/connected → ended. The duration is computed here from event times,
    /// exactly as the backend will.
    pub async fn end_session(&self, args: EndSessionArgs) -> Result<EndSessionResult, ApiError> {
        validate::end(&args)?;
        let fields = obj(vec![("endReason", args.end_reason.map(Value::from))]);
        let done = self
            .enqueue(OpKind::EndSession, args.session, fields)
            .await?;
        let duration = done
            .connected_at
            .as_deref()
            .and_then(|c| duration_secs(c, &done.rec.occurred_at));
        Ok(EndSessionResult {
            client_session_id: done.rec.client_session_id,
            duration,
            ended_at: done.rec.occurred_at,
        })
    }

    /// connecting/connected → failed.
    pub async fn mark_failed(&self, args: MarkFailedArgs) -> Result<(), ApiError> {
        validate::failed(&args)?;
        let fields = obj(vec![("reason", args.reason.map(Value::from))]);
        self.enqueue(OpKind::MarkFailed, args.session, fields)
            .await
            .map(|_| ())
    }

    /// Builds the record under the state borrow (so the lifecycle check and the key
    /// see every earlier call), then writes it with no borrow held.
    async fn enqueue(
        &self,
        kind: OpKind,
        session: Option<String>,
        fields: Map<String, Value>,
    ) -> Result<Enqueued, ApiError> {
        self.recovered().await;
        let now = self.inner.env.now_ms();
        let (key, rec, json, connected_at, replaced, evicted, current_changed) = {
            let mut st = self.st();
            let (session_key, session_ref, connected_at) =
                self.resolve(&st, kind, session, &fields)?;
            let key = st.outbox.next_key(now);
            let (client_id, seq) = st.outbox.next_seq();
            let op_id = uuid_v4(self.inner.env.random_u64(), self.inner.env.random_u64());
            let mut args = fields;
            args.extend(session_ref);
            let mut args = Value::Object(args);
            let mut replaced = None;
            if kind == OpKind::UpdateSessionSettings {
                if let Some(old_key) = st.outbox.coalesce_target(&session_key) {
                    let old = st.outbox.remove(&old_key).expect("coalesce target exists");
                    args = merge_settings(&old.rec.args, &args);
                    replaced = Some(old_key);
                }
            }
            let rec = OpRecord {
                op_id,
                kind,
                client_session_id: session_key.clone(),
                args,
                // The device's clock, not the key's sort position (which may
                // follow a stored key a little ahead of this clock).
                occurred_at: format_iso(now),
                user_id: Some(self.inner.config.user_id.clone()),
                client_id: Some(client_id),
                seq: Some(seq),
                attempts: 0,
                next_attempt_at: None,
                last_error: None,
            };
            let json = rec.to_json();
            st.outbox
                .insert(key.clone(), rec.clone(), json.len(), false);
            let cfg = &self.inner.config;
            let evicted: Vec<(String, OpRecord)> = st
                .outbox
                .eviction_victims(cfg.max_records, cfg.max_bytes)
                .into_iter()
                .filter_map(|k| st.outbox.remove(&k).map(|e| (k, e.rec)))
                .collect();
            st.last_enqueue_ms = Some(now);
            let before = st.current.clone();
            match kind {
                OpKind::StartSession => st.current = Some(session_key),
                OpKind::EndSession | OpKind::MarkFailed
                    if st.current.as_deref() == Some(&session_key) =>
                {
                    st.current = None
                }
                _ => {}
            }
            let changed = before != st.current;
            (key, rec, json, connected_at, replaced, evicted, changed)
        };
        let storage = &self.inner.storage;
        let mut events = vec![Event::Queued {
            op_id: rec.op_id.clone(),
            kind,
            client_session_id: rec.client_session_id.clone(),
        }];
        match storage.set(&key, &json).await {
            Ok(()) => {
                let gone = match self.st().outbox.get_mut(&key) {
                    Some(e) => {
                        e.durable = true;
                        false
                    }
                    None => true,
                };
                if gone {
                    // Delivered or evicted while the write was in progress.
                    let _ = storage.remove(&key).await;
                }
            }
            Err(e) => {
                self.log(|| {
                    format!(
                        "could not store op {}: {e}; keeping it in memory",
                        rec.op_id
                    )
                });
                let in_memory = self.st().outbox.not_durable().len();
                events.push(Event::StorageFull { in_memory });
            }
        }
        for k in replaced.iter().chain(evicted.iter().map(|(k, _)| k)) {
            let _ = storage.remove(k).await;
        }
        events.extend(evicted.into_iter().map(|(_, r)| Event::Evicted {
            op_id: r.op_id,
            kind: r.kind,
        }));
        if current_changed {
            self.persist_current().await;
        }
        self.log(|| {
            format!(
                "queued {kind} {} for session {}",
                rec.op_id, rec.client_session_id
            )
        });
        self.emit(events);
        Ok(Enqueued { rec, connected_at })
    }

    /// Finds the session an op is for and checks the op against its local state.
    /// Returns (session key, session reference args, connectedAt before the op).
    fn resolve(
        &self,
        st: &State,
        kind: OpKind,
        session: Option<String>,
        fields: &Map<String, Value>,
    ) -> Result<Resolved, ApiError> {
        if kind == OpKind::StartSession {
            let id = uuid_v4(self.inner.env.random_u64(), self.inner.env.random_u64());
            let r = obj(vec![("clientSessionId", Some(Value::from(id.as_str())))]);
            return Ok((id, r, None));
        }
        let id = match session {
            Some(s) => {
                validate::session_ref(&s)?;
                s
            }
            None => st.current.clone().ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NoActiveSession,
                    format!("{kind} needs a session: pass its id, or call startSession first"),
                )
            })?,
        };
        let user = &self.inner.config.user_id;
        let s = st.view.session(&id, |names| st.outbox.records_of(names), user).ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("session {id} is not known on this device; start it here, or load it with getActiveSession/getUserSessions first"),
            )
        })?;
        let transition = kind.transition().unwrap_or(Transition::Touch);
        lifecycle::apply(s.session_status, transition)?;
        if kind == OpKind::ReportQualityIssue {
            let issue = fields
                .get("issue")
                .and_then(Value::as_str)
                .unwrap_or_default();
            validate::quality_issue(issue, s.quality_issues.as_ref().map_or(0, Vec::len))?;
        }
        let (key, r) = match (&s.client_session_id, &s.id) {
            (Some(c), _) => (
                c.clone(),
                obj(vec![("clientSessionId", Some(Value::from(c.as_str())))]),
            ),
            (None, Some(server_id)) => (
                server_id.clone(),
                obj(vec![("sessionId", Some(Value::from(server_id.as_str())))]),
            ),
            (None, None) => unreachable!("a folded session has one id or the other"),
        };
        Ok((key, r, s.connected_at))
    }
}
