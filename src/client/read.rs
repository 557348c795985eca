//! Reads: ask the backend with a short timeout, keep what it says in the local view,
//! and answer from the view with pending ops folded on top. A read never fails
//! because the network is down; it answers from what this device knows.

use serde_json::Value;

use super::Client;
use crate::error::ApiError;
use crate::platform::{CallKind, Env, Storage, Transport, TransportError};
use crate::race::{race, Either};
use crate::validate;
use crate::wire::{from_backend, list_from_backend, object, CallStats, Session};

impl<S: Storage, T: Transport, E: Env> Client<S, T, E> {
    /// The user's sessions, newest first, at most `limit` (default 50, max 200).
    pub async fn get_user_sessions(&self, limit: Option<u32>) -> Result<Vec<Session>, ApiError> {
        self.recovered().await;
        let limit = validate::sessions_limit(limit)?;
        let user = self.inner.config.user_id.clone();
        let fresh = self
            .query(
                "videoCallSessions:getUserSessions",
                object(vec![
                    ("userId", user.as_str().into()),
                    ("limit", limit.into()),
                ]),
            )
            .await;
        if let Some(list) = fresh.and_then(|v| list_from_backend::<Session>(v).ok()) {
            self.st().view.upsert_server(list);
            self.persist_view().await;
        }
        let st = self.st();
        let mut all = st.view.folded(st.outbox.records(), &user);
        all.truncate(limit as usize);
        Ok(all)
    }

    /// Totals for the user: the backend's (or the last known) plus pending ops.
    pub async fn get_call_stats(&self) -> Result<CallStats, ApiError> {
        self.recovered().await;
        let user = self.inner.config.user_id.clone();
        let fresh = self
            .query(
                "videoCallSessions:getCallStats",
                object(vec![("userId", user.as_str().into())]),
            )
            .await;
        if let Some(stats) = fresh.and_then(|v| from_backend::<CallStats>(v).ok()) {
            self.st().view.stats = Some(stats);
            self.persist_view().await;
        }
        let st = self.st();
        Ok(st.view.stats_with(st.outbox.records(), &user))
    }

    /// The newest connecting, connected or reconnecting session, with pending ops
    /// applied.
    pub async fn get_active_session(&self) -> Result<Option<Session>, ApiError> {
        self.recovered().await;
        let user = self.inner.config.user_id.clone();
        let fresh = self
            .query(
                "videoCallSessions:getActiveSession",
                object(vec![("userId", user.as_str().into())]),
            )
            .await;
        // When the backend answered, a snapshot session it no longer calls active is
        // not trusted as active unless this device has pending ops for it.
        let server_active: Option<Option<String>> = match fresh {
            Some(Value::Null) => Some(None),
            Some(v) => match from_backend::<Session>(v) {
                Ok(s) => {
                    let id = s.id.clone();
                    self.st().view.upsert_server(vec![s]);
                    self.persist_view().await;
                    Some(id)
                }
                Err(_) => None,
            },
            None => None,
        };
        let st = self.st();
        let touched: Vec<&str> = st
            .outbox
            .records()
            .map(|r| r.client_session_id.as_str())
            .collect();
        let found = st
            .view
            .folded(st.outbox.records(), &user)
            .into_iter()
            .find(|s| {
                s.is_active()
                    && match &server_active {
                        None => true,
                        Some(active_id) => {
                            s.id.is_none()
                                || s.id == *active_id
                                || s.app_id().is_some_and(|id| touched.contains(&id))
                        }
                    }
            });
        Ok(found)
    }

    /// One query with the read timeout; `None` if the backend did not answer usefully.
    async fn query(&self, path: &str, args: Value) -> Option<Value> {
        let timeout = self.inner.config.read_timeout_ms;
        let call = self.inner.transport.call(CallKind::Query, path, args);
        let outcome = race(call, self.inner.env.sleep(timeout)).await;
        let (value, reachable) = match outcome {
            Either::Left(Ok(v)) => (Some(v), true),
            Either::Left(Err(TransportError::Network(_) | TransportError::Timeout(_)))
            | Either::Right(()) => (None, false),
            Either::Left(Err(e)) => {
                self.log(|| format!("{path} failed: {e}; answering from the local view"));
                (None, true)
            }
        };
        let event = Self::set_online(&mut self.st(), reachable);
        self.emit(event.into_iter().collect());
        value
    }
}
