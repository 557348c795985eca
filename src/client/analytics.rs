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

/// Reads a reply into its type (the check that it reads, before it is kept).
type Read<R> = fn(Value) -> Result<R, FieldError>;

fn bad_reply(name: &str, e: FieldError) -> ApiError {
    ApiError::new(
        ErrorCode::BadReply,
        format!("{name}: the backend's reply does not read ({e})"),
    )
}

impl<S: Storage, T: Transport, E: Env> Client<S, T, E> {
    /// Calls started per local day, week or month from `from` to `to`, oldest first,
    /// zero-filled.
    pub async fn get_call_volume(
        &self,
        args: AnalyticsRangeArgs,
    ) -> Result<Vec<VolumeBucket>, ApiError> {
        const NAME: &str = "getCallVolume";
        let check: Read<()> = |v| list_from_backend::<VolumeBucket>(v).map(drop);
        let value = self.range_query(NAME, args, check).await?;
        list_from_backend(value).map_err(|e| bad_reply(NAME, e))
    }

    /// Ended calls and their mean duration per local day, week or month.
    pub async fn get_duration_trend(
        &self,
        args: AnalyticsRangeArgs,
    ) -> Result<Vec<DurationBucket>, ApiError> {
        const NAME: &str = "getDurationTrend";
        let check: Read<()> = |v| list_from_backend::<DurationBucket>(v).map(drop);
        let value = self.range_query(NAME, args, check).await?;
        list_from_backend(value).map_err(|e| bad_reply(NAME, e))
    }

    /// Calls started per local weekday (Monday first) and hour.
    pub async fn get_peak_hours(&self) -> Result<PeakHours, ApiError> {
        const NAME: &str = "getPeakHours";
        let check: Read<()> = |v| analytics::read_peak_hours(v).map(drop);
        let value = self
            .analytics_query(NAME, self.user_args(Vec::new()), check)
            .await?;
        analytics::read_peak_hours(value).map_err(|e| bad_reply(NAME, e))
    }

    /// Quality issues reported per local hour, all weekdays summed.
    pub async fn get_issues_by_hour(&self) -> Result<Vec<f64>, ApiError> {
        const NAME: &str = "getIssuesByHour";
        let check: Read<()> = |v| analytics::read_issues_by_hour(v).map(drop);
        let value = self
            .analytics_query(NAME, self.user_args(Vec::new()), check)
            .await?;
        analytics::read_issues_by_hour(value).map_err(|e| bad_reply(NAME, e))
    }

    /// Support workers by sessions, most first (every user's sessions), at most
    /// `limit` (default 10, at most 100).
    pub async fn get_support_worker_leaderboard(
        &self,
        args: LeaderboardArgs,
    ) -> Result<Vec<LeaderboardEntry>, ApiError> {
        const NAME: &str = "getSupportWorkerLeaderboard";
        let limit = analytics::leaderboard_limit(&args)?;
        let args = object(
            limit
                .map(|l| ("limit", Value::from(l)))
                .into_iter()
                .collect(),
        );
        let check: Read<()> = |v| list_from_backend::<LeaderboardEntry>(v).map(drop);
        let value = self.analytics_query(NAME, args, check).await?;
        list_from_backend(value).map_err(|e| bad_reply(NAME, e))
    }

    async fn range_query(
        &self,
        name: &'static str,
        args: AnalyticsRangeArgs,
        check: Read<()>,
    ) -> Result<Value, ApiError> {
        let granularity = analytics::check_range(name, &args)?;
        let args = self.user_args(vec![
            ("granularity", granularity.as_str().into()),
            ("from", args.from.into()),
            ("to", args.to.into()),
        ]);
        self.analytics_query(name, args, check).await
    }

    fn user_args(&self, mut fields: Vec<(&'static str, Value)>) -> Value {
        fields.insert(0, ("userId", self.inner.config.user_id.as_str().into()));
        object(fields)
    }

    /// One analytics query with the read timeout: the reply once `check` reads it.
    /// Not generic over the reply type, so the wasm build holds one copy of it. The
    /// backend's refusal is returned with its code; when the backend cannot be
    /// reached (no reply, a timeout, HTTP 408/429/5xx) the last answer for the same
    /// query and arguments, else `NETWORK`. A reply that does not read is `BAD_REPLY`.
    async fn analytics_query(
        &self,
        name: &'static str,
        args: Value,
        check: Read<()>,
    ) -> Result<Value, ApiError> {
        self.recovered().await;
        let key = format!("{name}{}", json_text(&args));
        let path = format!("videoCallSessions:{name}");
        let timeout = self.inner.config.read_timeout_ms;
        let call = self.inner.transport.call(CallKind::Query, &path, args);
        let outcome = match race(call, self.inner.env.sleep(timeout)).await {
            Either::Left(result) => result,
            Either::Right(()) => Err(TransportError::Timeout(timeout)),
        };
        let unreachable = match outcome {
            Ok(value) => {
                self.went_online(true);
                check(value.clone()).map_err(|e| bad_reply(name, e))?;
                self.st().analytics.keep(key, value.clone());
                return Ok(value);
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
                Ok(value)
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
