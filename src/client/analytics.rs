//! The analytics reads: check the arguments on the device, ask the backend with the
//! read timeout, and when it cannot be reached answer with the last answer for the
//! same arguments (`crate::analytics` says why nothing pending is folded in).

use serde_json::Value;

use super::Client;
use crate::analytics::{
    self, AnalyticsRangeArgs, DurationBucket, LeaderboardArgs, LeaderboardEntry, PeakHours,
    VolumeBucket,
};
use crate::error::{ApiError, ErrorCode};
use crate::json_fields::FieldError;
use crate::platform::{CallKind, Env, Storage, Transport, TransportError};
use crate::race::{race, Either};
use crate::wire::{json_text, list_from_backend, object};

impl<S: Storage, T: Transport, E: Env> Client<S, T, E> {
    /// Calls started per local day, week or month from `from` to `to`, oldest first,
    /// zero-filled.
    pub async fn get_call_volume(
        &self,
        args: AnalyticsRangeArgs,
    ) -> Result<Vec<VolumeBucket>, ApiError> {
        self.range_query("getCallVolume", args, list_from_backend)
            .await
    }

    /// Ended calls and their mean duration per local day, week or month.
    pub async fn get_duration_trend(
        &self,
        args: AnalyticsRangeArgs,
    ) -> Result<Vec<DurationBucket>, ApiError> {
        self.range_query("getDurationTrend", args, list_from_backend)
            .await
    }

    /// Calls started per local weekday (Monday first) and hour.
    pub async fn get_peak_hours(&self) -> Result<PeakHours, ApiError> {
        let args = self.user_args(Vec::new());
        self.analytics_query("getPeakHours", args, analytics::read_peak_hours)
            .await
    }

    /// Quality issues reported per local hour, all weekdays summed.
    pub async fn get_issues_by_hour(&self) -> Result<Vec<f64>, ApiError> {
        let args = self.user_args(Vec::new());
        self.analytics_query("getIssuesByHour", args, analytics::read_issues_by_hour)
            .await
    }

    /// Support workers by sessions, most first (every user's sessions), at most
    /// `limit` (default 10, at most 100).
    pub async fn get_support_worker_leaderboard(
        &self,
        args: LeaderboardArgs,
    ) -> Result<Vec<LeaderboardEntry>, ApiError> {
        let limit = analytics::leaderboard_limit(&args)?;
        let args = object(
            limit
                .map(|l| ("limit", Value::from(l)))
                .into_iter()
                .collect(),
        );
        self.analytics_query("getSupportWorkerLeaderboard", args, list_from_backend)
            .await
    }

    async fn range_query<R>(
        &self,
        name: &'static str,
        args: AnalyticsRangeArgs,
        read: fn(Value) -> Result<R, FieldError>,
    ) -> Result<R, ApiError> {
        let granularity = analytics::check_range(name, &args)?;
        let args = self.user_args(vec![
            ("granularity", granularity.as_str().into()),
            ("from", args.from.into()),
            ("to", args.to.into()),
        ]);
        self.analytics_query(name, args, read).await
    }

    fn user_args(&self, mut fields: Vec<(&'static str, Value)>) -> Value {
        fields.insert(0, ("userId", self.inner.config.user_id.as_str().into()));
        object(fields)
    }

    /// One analytics query with the read timeout. The backend's refusal is returned
    /// with its code; when the backend cannot be reached (no reply, a timeout, HTTP
    /// 408/429/5xx) the last answer for the same query and arguments, else
    /// `NETWORK`. A reply that does not read is `BAD_REPLY`.
    async fn analytics_query<R>(
        &self,
        name: &'static str,
        args: Value,
        read: fn(Value) -> Result<R, FieldError>,
    ) -> Result<R, ApiError> {
        self.recovered().await;
        let key = format!("{name}{}", json_text(&args));
        let path = format!("videoCallSessions:{name}");
        let timeout = self.inner.config.read_timeout_ms;
        let call = self.inner.transport.call(CallKind::Query, &path, args);
        let outcome = match race(call, self.inner.env.sleep(timeout)).await {
            Either::Left(result) => result,
            Either::Right(()) => Err(TransportError::Timeout(timeout)),
        };
        let bad_reply = |e: FieldError| {
            ApiError::new(
                ErrorCode::BadReply,
                format!("{name}: the backend's reply does not read ({e})"),
            )
        };
        let unreachable = match outcome {
            Ok(value) => {
                self.went_online(true);
                let answer = read(value.clone()).map_err(bad_reply)?;
                self.st().analytics.keep(key, value);
                return Ok(answer);
            }
            Err(TransportError::Function { message, data }) => {
                self.went_online(true);
                let code = data
                    .as_ref()
                    .and_then(|d| d.get("code"))
                    .and_then(Value::as_str)
                    .map_or(ErrorCode::Rejected, ErrorCode::from_wire);
                return Err(ApiError::new(code, message));
            }
            Err(TransportError::Http { status, body, .. })
                if (400..500).contains(&status) && status != 408 && status != 429 =>
            {
                self.went_online(true);
                return Err(ApiError::new(
                    ErrorCode::Rejected,
                    format!("{name}: HTTP {status}: {body}"),
                ));
            }
            Err(TransportError::BadReply(m)) => {
                self.went_online(true);
                return Err(ApiError::new(ErrorCode::BadReply, format!("{name}: {m}")));
            }
            Err(e @ (TransportError::Network(_) | TransportError::Timeout(_))) => {
                self.went_online(false);
                e
            }
            // HTTP 408, 429 and 5xx: reached, but not answering now.
            Err(e) => {
                self.went_online(true);
                e
            }
        };
        let kept = self.st().analytics.get(&key).cloned();
        match kept {
            Some(value) => {
                self.log(|| format!("{name}: {unreachable}; answering with the last answer"));
                read(value).map_err(bad_reply)
            }
            None => Err(ApiError::new(
                ErrorCode::Network,
                format!(
                    "{name}: the backend could not be reached ({unreachable}) and this client has no earlier answer for these arguments"
                ),
            )),
        }
    }

    /// Records whether the backend answered, emitting `Online`/`Offline` on a change.
    fn went_online(&self, reachable: bool) {
        let event = Self::set_online(&mut self.st(), reachable);
        self.emit(event.into_iter().collect());
    }
}
