//! The mutating calls: validate, check the transition against the local view,
//! write one record, emit `Queued`, resolve. No network I/O.
//!
//! Each call builds its typed [`Op`]; the record carries it with the session it
//! names, so nothing here spells an argument's JSON name.

use super::{Client, State};
use crate::api::{
    EndSessionArgs, EndSessionResult, MarkFailedArgs, RateSessionArgs, ReportNetworkStatsArgs,
    SettingsArgs, StartSessionArgs,
};
use crate::error::{ApiError, ErrorCode};
use crate::events::Event;
use crate::lifecycle;
use crate::local_view::duration_secs;
use crate::platform::{Env, Storage, Transport};
use crate::record::{uuid_v4, Op, OpArgs, OpKind, OpRecord, SessionRef};
use crate::time::format_iso;
use crate::validate;
use protocol::{Settings, StartSession};

/// What an enqueue produced, for the caller's result.
pub(super) struct Enqueued {
    rec: OpRecord,
    /// The session's `connectedAt` before this op (for `end_session`'s duration).
    connected_at: Option<String>,
}

/// The session an op is for: how its args name it, and its `connectedAt` before
/// the op.
struct Resolved {
    session: SessionRef,
    connected_at: Option<String>,
}

impl<S: Storage, T: Transport, E: Env> Client<S, T, E> {
    /// Starts a session (status `connecting`) and makes it the current one. Returns
    /// its id, a UUID made here, which every other call accepts.
    pub async fn start_session(&self, args: StartSessionArgs) -> Result<String, ApiError> {
        validate::start(&args)?;
        let op = Op::StartSession(StartSession {
            support_worker_name: args.support_worker_name,
            support_worker_id: args.support_worker_id,
            appointment_id: args.appointment_id,
            audio_option: args.audio_option,
            metadata: args.metadata.filter(|v| !v.is_null()),
            utc_offset_min: None,
        });
        let done = self.enqueue(op, None).await?;
        Ok(done.rec.client_session_id)
    }

    /// connecting → connected.
    pub async fn mark_connected(&self, session: Option<String>) -> Result<(), ApiError> {
        self.enqueue(Op::MarkConnected, session).await.map(|_| ())
    }

    /// Camera, mic, audio option. Pending updates of one session coalesce.
    pub async fn update_settings(&self, args: SettingsArgs) -> Result<(), ApiError> {
        validate::settings(&args)?;
        let op = Op::UpdateSessionSettings(Settings {
            camera_enabled: args.camera_enabled,
            mic_enabled: args.mic_enabled,
            audio_option: args.audio_option,
        });
        self.enqueue(op, args.session).await.map(|_| ())
    }

    /// Appends a quality issue (at most 50 per session).
    pub async fn report_quality_issue(
        &self,
        issue: String,
        session: Option<String>,
    ) -> Result<(), ApiError> {
        validate::quality_issue(&issue, 0)?;
        let op = Op::ReportQualityIssue {
            issue,
            utc_offset_min: None,
        };
        self.enqueue(op, session).await.map(|_| ())
    }

    /// One network sample of an active call (connecting, connected or reconnecting):
    /// each metric checked at once (a bad one is `INVALID_ARGUMENT` naming it, and
    /// nothing is folded or stored), then folded into the session's pending report —
    /// the report this client made and has not sent yet — rewritten in place, or a
    /// new report when there is none (the last one was sent, or was read back from
    /// storage). So storage holds one report per session between deliveries however
    /// many samples come (during an outage also the one sent when it began: the
    /// sender holds a report taking samples back after a failed attempt), and a
    /// delivery round sends one op per session. Reports may be evicted when the
    /// outbox is full, like quality issues.
    pub async fn report_network_stats(&self, args: ReportNetworkStatsArgs) -> Result<(), ApiError> {
        let stats = validate::network(&args)?;
        self.enqueue(Op::ReportNetworkStats(Box::new(stats)), args.session)
            .await
            .map(|_| ())
    }

    /// connecting/connected/reconnecting → ended. The duration is computed here from event times,
    /// exactly as the backend will.
    pub async fn end_session(&self, args: EndSessionArgs) -> Result<EndSessionResult, ApiError> {
        validate::end(&args)?;
        let op = Op::EndSession {
            end_reason: args.end_reason,
        };
        let done = self.enqueue(op, args.session).await?;
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

    /// connecting/connected/reconnecting → failed.
    pub async fn mark_failed(&self, args: MarkFailedArgs) -> Result<(), ApiError> {
        validate::failed(&args)?;
        let op = Op::MarkFailed {
            reason: args.reason,
        };
        self.enqueue(op, args.session).await.map(|_| ())
    }

    /// connected → reconnecting: the media path dropped. Counts a reconnect and opens
    /// a reconnecting interval at this call's time. The session stays the current
    /// one (`current_session`), so `mark_reconnected`, `end_session` and the other
    /// calls without an id still find it.
    pub async fn mark_reconnecting(&self, session: Option<String>) -> Result<(), ApiError> {
        self.enqueue(Op::MarkReconnecting, session)
            .await
            .map(|_| ())
    }

    /// reconnecting → connected: closes the reconnecting interval (its whole
    /// seconds are added to `reconnectSeconds`).
    pub async fn mark_reconnected(&self, session: Option<String>) -> Result<(), ApiError> {
        self.enqueue(Op::MarkReconnected, session).await.map(|_| ())
    }

    /// Screen sharing started (`true`) or stopped (`false`) in an active call
    /// (connecting, connected or reconnecting). Starting while sharing or stopping
    /// while not changes nothing but `updatedAt` (a stale toggle is not an error).
    pub async fn mark_screen_share(
        &self,
        active: bool,
        session: Option<String>,
    ) -> Result<(), ApiError> {
        self.enqueue(Op::MarkScreenShare { active }, session)
            .await
            .map(|_| ())
    }

    /// A post-call rating (1–5, optional comment) of an ended or failed session:
    /// `args.session`, or else the session this client most recently ended or failed
    /// (the call that just finished; not kept across a reload). A session is rated
    /// once: a second rating is refused with `INVALID_TRANSITION`, never replaces the
    /// first.
    pub async fn rate_session(&self, args: RateSessionArgs) -> Result<(), ApiError> {
        let rating = validate::rate(&args)?;
        let session = match args.session {
            Some(s) => s,
            None => self.st().last_finished.clone().ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NoActiveSession,
                    "rateSession needs a session: pass its sessionId, or end or fail a call with this client first",
                )
            })?,
        };
        let op = Op::RateSession {
            rating,
            comment: args.comment,
        };
        self.enqueue(op, Some(session)).await.map(|_| ())
    }

    /// Builds the record under the state borrow (so the lifecycle check and the key
    /// see every earlier call), then writes it with no borrow held.
    async fn enqueue(&self, mut op: Op, session: Option<String>) -> Result<Enqueued, ApiError> {
        self.recovered().await;
        let now = self.inner.env.now_ms();
        // The two ops whose own time the analytics bucket carry the device's UTC
        // offset at that time (docs/contract.md, "Analytics").
        if let Op::StartSession(StartSession { utc_offset_min, .. })
        | Op::ReportQualityIssue { utc_offset_min, .. } = &mut op
        {
            *utc_offset_min = Some(self.inner.env.utc_offset_min(now));
        }
        let kind = op.kind();
        let (key, rec, json, connected_at, replaced, evicted, current_changed) = {
            let mut st = self.st();
            let Resolved {
                session,
                connected_at,
            } = self.resolve(&st, &op, session)?;
            let session_key = session.name().to_string();
            // A network sample folds into the session's pending report in place: the
            // same key, opId and seq (no backend has seen them), one atomic rewrite.
            let folded = match &mut op {
                Op::ReportNetworkStats(sample) => {
                    st.outbox.report_target(&session_key).and_then(|(k, old)| {
                        let Op::ReportNetworkStats(pending) = &old.args.op else {
                            return None;
                        };
                        let mut merged = (**pending).clone();
                        merged.merge(sample);
                        **sample = merged;
                        Some((k, old.op_id.clone(), old.client_id.clone(), old.seq))
                    })
                }
                _ => None,
            };
            let (key, op_id, client_id, seq) = match folded {
                Some((key, op_id, client_id, seq)) => (key, op_id, client_id, seq),
                None => {
                    let key = st.outbox.next_key(now);
                    let (client_id, seq) = st.outbox.next_seq();
                    let op_id = uuid_v4(self.inner.env.random_u64(), self.inner.env.random_u64());
                    (key, op_id, Some(client_id), Some(seq))
                }
            };
            let report = kind == OpKind::ReportNetworkStats;
            let mut replaced = None;
            if let Op::UpdateSessionSettings(newer) = op {
                op = match st.outbox.take_coalesce_target(&session_key) {
                    Some((old_key, older)) => {
                        replaced = Some(old_key);
                        Op::UpdateSessionSettings(older.merged(newer))
                    }
                    None => Op::UpdateSessionSettings(newer),
                };
            }
            let rec = OpRecord {
                op_id,
                client_session_id: session_key.clone(),
                args: OpArgs { op, session },
                // The device's clock, not the key's sort position (which may
                // follow a stored key a little ahead of this clock).
                occurred_at: format_iso(now),
                user_id: Some(self.inner.config.user_id.clone()),
                client_id,
                seq,
                attempts: 0,
                next_attempt_at: None,
                last_error: None,
            };
            let json = rec.to_json();
            st.outbox
                .insert(key.clone(), rec.clone(), json.len(), false);
            if report {
                if let Some(e) = st.outbox.get_mut(&key) {
                    e.foldable = true;
                }
            }
            let cfg = &self.inner.config;
            let evicted: Vec<(String, OpRecord)> = st
                .outbox
                .eviction_victims(cfg.max_records, cfg.max_bytes)
                .into_iter()
                .filter_map(|k| st.outbox.remove(&k).map(|e| (k, e.rec)))
                .collect();
            st.last_enqueue_ms = Some(now);
            let before = st.current.clone();
            // Only a start, end or failure moves the current session: a reconnecting
            // call stays current (it is still the call going on).
            match kind {
                OpKind::StartSession => st.current = Some(session_key),
                OpKind::EndSession | OpKind::MarkFailed => {
                    if st.current.as_deref() == Some(&session_key) {
                        st.current = None;
                    }
                    st.last_finished = Some(session_key);
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
                    self.remove_or_log(
                        &key,
                        "op delivered or evicted while it was written",
                        "it is read again at the next open",
                    )
                    .await;
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
            // A replaced settings op read again applies before the one that replaced
            // it (key order), so the result is the same; an evicted one is kept.
            self.remove_or_log(
                k,
                "replaced or evicted op",
                "it is read again at the next open",
            )
            .await;
        }
        events.extend(evicted.into_iter().map(|(_, r)| Event::Evicted {
            kind: r.kind(),
            op_id: r.op_id,
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
    fn resolve(&self, st: &State, op: &Op, session: Option<String>) -> Result<Resolved, ApiError> {
        let Some(transition) = op.transition() else {
            let id = uuid_v4(self.inner.env.random_u64(), self.inner.env.random_u64());
            return Ok(Resolved {
                session: SessionRef::Client(id),
                connected_at: None,
            });
        };
        let kind = op.kind();
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
        let not_known = || {
            ApiError::new(
                ErrorCode::NotFound,
                format!("session {id} is not known on this device; start it here, or load it with getActiveSession/getUserSessions first"),
            )
        };
        let s = st
            .view
            .session(&id, |names| st.outbox.records_of(names), user)
            .ok_or_else(not_known)?;
        // A session the backend timed out is judged as it was before, by every op
        // but a rating: the late op undoes the timeout (docs/contract.md).
        lifecycle::apply(crate::local_view::judged_status(&s, op), transition)?;
        if let Op::ReportQualityIssue { issue, .. } = op {
            validate::quality_issue(issue, s.quality_issues.as_ref().map_or(0, Vec::len))?;
        }
        if matches!(op, Op::RateSession { .. }) && s.rating.is_some() {
            return Err(ApiError::new(
                ErrorCode::InvalidTransition,
                "the session is rated already, and a second rating is refused: a session keeps its first rating",
            ));
        }
        // A session the backend returned without either id cannot be named in an op.
        let session = match (s.client_session_id, s.id) {
            (Some(c), _) => SessionRef::Client(c),
            (None, Some(server_id)) => SessionRef::Id(server_id),
            (None, None) => return Err(not_known()),
        };
        Ok(Resolved {
            session,
            connected_at: s.connected_at,
        })
    }
}
