//! The JS surface: the `VideoSessionClient` class. It converts arguments, forwards
//! to the core [`Client`], converts results, and runs the background [`Sender`];
//! nothing here decides anything the core decides.
//!
//! ```js
//! import init, { VideoSessionClient } from "video-session-sdk";
//! await init();
//! const client = await VideoSessionClient.create({ url, userId });
//! const id = await client.startSession({ supportWorkerName: "Dr. Smith" });
//! ```
//! Creation is `await VideoSessionClient.create(options)` (opening storage is async,
//! and a JS constructor cannot be), not `new`.
//!
//! Invariants:
//! - no panic reaches JS: JS input is never unwrapped; every failure is a rejected
//!   Promise (or a throw, for the synchronous setters) of an `Error` with a `code`;
//! - a mutating call resolves once its record is stored, then wakes the sender;
//! - the auth token is held in memory only (`TransportControl`), never stored;
//! - after `close()` (or when the object is freed) the sender stops and every call
//!   rejects with code `CLOSED`; stored ops stay for the next instance.

mod args;
mod browser_env;
mod convert;
mod fetch_transport;
mod js_storage;
mod local_storage;
mod options;
mod sender;
mod sender_lock;
mod ts_types;

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::{Boolean, Function, JsString, Promise};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::future_to_promise;

use self::args::{opt_session, optional};
use self::browser_env::{console_log, BrowserEnv};
use self::convert::{api_error, invalid, js_error, to_js, CLOSED};
use self::fetch_transport::{FetchTransport, TransportControl};
use self::sender::{Sender, WebClient};
pub use self::ts_types::{
    AnalyticsRangeArgs, EndSessionArgs, GetUserSessionsArgs, LeaderboardArgs, MarkFailedArgs,
    RateSessionArgs, ReportNetworkStatsArgs, StartSessionArgs, UpdateSettingsArgs,
    VideoSessionClientOptions,
};
use crate::client::Client;
use crate::error::ApiError;
use crate::events::Event;
use crate::platform::Env;
use crate::record::tab_id;

/// Talc instead of Rust's default dlmalloc: the same job in less wasm (see Cargo.toml).
/// This build is single-threaded (no `atomics`), which `WasmDynamicTalc` requires.
#[cfg(not(feature = "fixed-heap"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The React Native build (scripts/build-rn.mjs) runs as JavaScript through wasm2js,
/// whose memory growth replaces the `ArrayBuffer` without detaching the old one, so
/// wasm-bindgen's cached views would go stale (and wasm2js reports a refused growth
/// as a success). A heap that never grows removes both problems in every engine. Its
/// size bounds what the outbox may hold in memory (`Config::max_bytes` of JSON, a few
/// times over while parsing); running out is an allocation failure (an abort).
#[cfg(feature = "fixed-heap")]
const FIXED_HEAP_BYTES: usize = 32 << 20;

#[cfg(feature = "fixed-heap")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmArenaTalc = {
    static mut HEAP: [u8; FIXED_HEAP_BYTES] = [0; FIXED_HEAP_BYTES];
    // SAFETY: HEAP is used by nothing but this allocator, for the program's lifetime.
    unsafe { talc::wasm::new_wasm_arena_allocator(&raw mut HEAP) }
};

/// Tracks video-call sessions with a durable offline outbox. Create it with
/// `await VideoSessionClient.create(options)`.
#[wasm_bindgen]
pub struct VideoSessionClient {
    client: WebClient,
    control: Rc<TransportControl>,
    sender: Sender,
}

impl Drop for VideoSessionClient {
    fn drop(&mut self) {
        self.sender.close();
    }
}

fn closed_error() -> JsValue {
    js_error(
        CLOSED,
        "this client was closed; create a new one with VideoSessionClient.create",
    )
}

impl VideoSessionClient {
    /// Opens the client and starts the background sender. Resolves once the stored
    /// queue is listed; its records are read in slices after that (see `recovered`).
    /// JS calls it as `VideoSessionClient.create` (`create_js`).
    pub async fn create(options: VideoSessionClientOptions) -> Result<VideoSessionClient, JsValue> {
        let opts = options::parse(&options)?;
        let env = BrowserEnv;
        let tab = tab_id(env.random_u64());
        let mut config = opts.config;
        config.tab_id = Some(tab.clone());
        let prefix = config.storage_prefix.clone();
        let control = Rc::new(TransportControl::default());
        control.set_token(opts.auth);
        let transport = FetchTransport::new(opts.url, opts.request_timeout_ms, control.clone());
        // Resolves once the queue is listed; its records are read in slices that
        // yield (client/recover.rs), started by the sender and awaited by every call.
        let client = Client::open_deferred(config, opts.storage.clone(), transport, env)
            .await
            .map_err(api_error)?;
        client.set_log_handler(Box::new(|line: &str| console_log(line)));
        client.set_debug(opts.debug);
        if let Some(f) = opts.on_event {
            client.set_event_handler(event_handler(f));
        }
        let sender = Sender::start(client.clone(), control.clone(), opts.storage, &prefix, tab);
        Ok(VideoSessionClient {
            client,
            control,
            sender,
        })
    }
}

#[wasm_bindgen]
impl VideoSessionClient {
    /// Opens the client and starts the background sender. Resolves once the stored
    /// queue is listed; its records are read in slices after that (see `recovered`).
    #[wasm_bindgen(js_name = create, unchecked_return_type = "Promise<VideoSessionClient>")]
    pub fn create_js(options: VideoSessionClientOptions) -> Promise {
        // Through the same boxed Promise glue as every other method, not an `async`
        // export's own copy of it.
        let work: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>> =
            Box::pin(async move { Self::create(options).await.map(JsValue::from) });
        future_to_promise(work)
    }

    fn call<F>(&self, work: F) -> Promise
    where
        F: Future<Output = Result<JsValue, JsValue>> + 'static,
    {
        if self.sender.is_closed() {
            return Promise::reject(&closed_error());
        }
        // One boxed type, so the Promise glue is compiled once, not once per method.
        let work: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>> = Box::pin(work);
        future_to_promise(work)
    }

    /// A mutating call: on success the sender is woken (it waits out the debounce).
    fn mutate<F>(&self, work: Result<F, JsValue>) -> Promise
    where
        F: Future<Output = Result<JsValue, ApiError>> + 'static,
    {
        // Boxed like in `call`: one copy of the wrapper below, not one per method.
        let work: Pin<Box<dyn Future<Output = Result<JsValue, ApiError>>>> = match work {
            Ok(w) => Box::pin(w),
            Err(e) => return Promise::reject(&e),
        };
        let kick = self.sender.kicker();
        self.call(async move {
            let v = work.await.map_err(api_error)?;
            kick();
            Ok(v)
        })
    }

    /// Starts a session (`connecting`) and makes it the current one; resolves with its id.
    #[wasm_bindgen(js_name = startSession, unchecked_return_type = "Promise<string>")]
    pub fn start_session(&self, args: StartSessionArgs) -> Promise {
        let client = self.client.clone();
        self.mutate(
            args::start_session(&args)
                .map(|args| async move { client.start_session(args).await.map(JsValue::from) }),
        )
    }

    /// connecting → connected, for `sessionId` or the current session.
    #[wasm_bindgen(js_name = markConnected, unchecked_return_type = "Promise<void>")]
    pub fn mark_connected(
        &self,
        #[wasm_bindgen(js_name = sessionId)] session_id: Option<JsString>,
    ) -> Promise {
        let session_id = optional(session_id);
        let client = self.client.clone();
        self.mutate(
            opt_session(&session_id, "markConnected(sessionId)").map(|s| async move {
                client.mark_connected(s).await.map(|()| JsValue::UNDEFINED)
            }),
        )
    }

    /// Camera, microphone, audio option of `sessionId` or the current session.
    #[wasm_bindgen(js_name = updateSettings, unchecked_return_type = "Promise<void>")]
    pub fn update_settings(&self, args: UpdateSettingsArgs) -> Promise {
        let client = self.client.clone();
        self.mutate(args::update_settings(&args).map(|args| async move {
            client
                .update_settings(args)
                .await
                .map(|()| JsValue::UNDEFINED)
        }))
    }

    /// Records a quality issue ("Audio choppy") on `sessionId` or the current session.
    #[wasm_bindgen(js_name = reportQualityIssue, unchecked_return_type = "Promise<void>")]
    pub fn report_quality_issue(
        &self,
        issue: JsString,
        #[wasm_bindgen(js_name = sessionId)] session_id: Option<JsString>,
    ) -> Promise {
        let session_id = optional(session_id);
        let client = self.client.clone();
        let args = match issue.as_string() {
            Some(issue) => {
                opt_session(&session_id, "reportQualityIssue(issue, sessionId)").map(|s| (issue, s))
            }
            None => Err(invalid("reportQualityIssue(issue): issue must be a string")),
        };
        self.mutate(args.map(|(issue, s)| async move {
            client
                .report_quality_issue(issue, s)
                .await
                .map(|()| JsValue::UNDEFINED)
        }))
    }

    /// Ends `sessionIdToEnd` or the current session; resolves with the duration in
    /// seconds computed from the event times (absent if it never connected).
    #[wasm_bindgen(js_name = endSession, unchecked_return_type = "Promise<EndSessionResult>")]
    pub fn end_session(&self, args: Option<EndSessionArgs>) -> Promise {
        let args = optional(args);
        let client = self.client.clone();
        self.mutate(args::end_session(&args).map(|args| async move {
            let r = client.end_session(args).await?;
            to_js(&r).map_err(|_| {
                ApiError::new(
                    crate::error::ErrorCode::BadReply,
                    "could not convert the result",
                )
            })
        }))
    }

    /// Marks `sessionId` or the current session failed.
    #[wasm_bindgen(js_name = markFailed, unchecked_return_type = "Promise<void>")]
    pub fn mark_failed(&self, args: Option<MarkFailedArgs>) -> Promise {
        let args = optional(args);
        let client = self.client.clone();
        self.mutate(
            args::mark_failed(&args).map(|args| async move {
                client.mark_failed(args).await.map(|()| JsValue::UNDEFINED)
            }),
        )
    }

    /// connected → reconnecting (the media path dropped), for `sessionId` or the
    /// current session, which stays the current one while it reconnects.
    #[wasm_bindgen(js_name = markReconnecting, unchecked_return_type = "Promise<void>")]
    pub fn mark_reconnecting(
        &self,
        #[wasm_bindgen(js_name = sessionId)] session_id: Option<JsString>,
    ) -> Promise {
        let session_id = optional(session_id);
        let client = self.client.clone();
        self.mutate(
            opt_session(&session_id, "markReconnecting(sessionId)").map(|s| async move {
                client
                    .mark_reconnecting(s)
                    .await
                    .map(|()| JsValue::UNDEFINED)
            }),
        )
    }

    /// reconnecting → connected, for `sessionId` or the current session.
    #[wasm_bindgen(js_name = markReconnected, unchecked_return_type = "Promise<void>")]
    pub fn mark_reconnected(
        &self,
        #[wasm_bindgen(js_name = sessionId)] session_id: Option<JsString>,
    ) -> Promise {
        let session_id = optional(session_id);
        let client = self.client.clone();
        self.mutate(
            opt_session(&session_id, "markReconnected(sessionId)").map(|s| async move {
                client
                    .mark_reconnected(s)
                    .await
                    .map(|()| JsValue::UNDEFINED)
            }),
        )
    }

    /// Screen sharing started (`true`) or stopped (`false`) in `sessionId` or the
    /// current session; a repeated start or stop is accepted and changes nothing.
    #[wasm_bindgen(js_name = markScreenShare, unchecked_return_type = "Promise<void>")]
    pub fn mark_screen_share(
        &self,
        active: Boolean,
        #[wasm_bindgen(js_name = sessionId)] session_id: Option<JsString>,
    ) -> Promise {
        let session_id = optional(session_id);
        let client = self.client.clone();
        // The glue does not check the type: only a real boolean is taken.
        let args = match JsValue::from(active).as_bool() {
            Some(active) => opt_session(&session_id, "markScreenShare(active, sessionId)")
                .map(|s| (active, s)),
            None => Err(invalid(
                "markScreenShare(active): active must be a boolean (true: sharing started, false: stopped)",
            )),
        };
        self.mutate(args.map(|(active, s)| async move {
            client
                .mark_screen_share(active, s)
                .await
                .map(|()| JsValue::UNDEFINED)
        }))
    }

    /// Rates an ended or failed session, 1–5 with an optional comment: `sessionId`,
    /// or the session this client most recently ended or failed. Once per session.
    #[wasm_bindgen(js_name = rateSession, unchecked_return_type = "Promise<void>")]
    pub fn rate_session(&self, args: RateSessionArgs) -> Promise {
        let client = self.client.clone();
        self.mutate(args::rate_session(&args).map(|args| async move {
            client.rate_session(args).await.map(|()| JsValue::UNDEFINED)
        }))
    }

    /// One network sample (`{sessionId?, rttMs?, jitterMs?, packetLossPct?,
    /// bitrateKbps?}`) of `sessionId` or the current session, which must be active:
    /// folded on the device into the session's pending report (one stored record per
    /// session, however many samples). A bad metric, or none, is `INVALID_ARGUMENT`.
    #[wasm_bindgen(js_name = reportNetworkStats, unchecked_return_type = "Promise<void>")]
    pub fn report_network_stats(&self, args: ReportNetworkStatsArgs) -> Promise {
        let client = self.client.clone();
        self.mutate(args::network_args(&args).map(|args| async move {
            client
                .report_network_stats(args)
                .await
                .map(|()| JsValue::UNDEFINED)
        }))
    }

    /// The user's sessions, newest first: from the backend when it answers, else from
    /// this device's view, with pending ops applied.
    #[wasm_bindgen(js_name = getUserSessions, unchecked_return_type = "Promise<VideoSession[]>")]
    pub fn get_user_sessions(&self, args: Option<GetUserSessionsArgs>) -> Promise {
        let args = optional(args);
        let limit = args::get_user_sessions(&args).and_then(|a| a.limit().map_err(api_error));
        let limit = match limit {
            Ok(l) => l,
            Err(e) => return Promise::reject(&e),
        };
        let client = self.client.clone();
        self.call(async move {
            let list = client.get_user_sessions(limit).await.map_err(api_error)?;
            to_js(&list)
        })
    }

    /// Totals for the user (the backend's, or the last known plus pending ops).
    #[wasm_bindgen(js_name = getCallStats, unchecked_return_type = "Promise<CallStats>")]
    pub fn get_call_stats(&self) -> Promise {
        let client = self.client.clone();
        self.call(async move { to_js(&client.get_call_stats().await.map_err(api_error)?) })
    }

    /// The newest connecting, connected or reconnecting session, or null; answers
    /// offline too.
    #[wasm_bindgen(js_name = getActiveSession, unchecked_return_type = "Promise<VideoSession | null>")]
    pub fn get_active_session(&self) -> Promise {
        let client = self.client.clone();
        self.call(async move { to_js(&client.get_active_session().await.map_err(api_error)?) })
    }

    /// Calls started per local day, week or month (`{granularity, from, to}`), oldest
    /// first, zero-filled. Analytics are the backend's aggregates of delivered ops;
    /// offline, the last answer for the same arguments, else `NETWORK`.
    #[wasm_bindgen(js_name = getCallVolume, unchecked_return_type = "Promise<VolumeBucket[]>")]
    pub fn get_call_volume(&self, args: AnalyticsRangeArgs) -> Promise {
        let (client, args) = (
            self.client.clone(),
            args::analytics_range(&args, "getCallVolume"),
        );
        self.call(async move { to_js(&client.get_call_volume(args?).await.map_err(api_error)?) })
    }

    /// Ended calls and their mean duration per local day, week or month; offline as
    /// `getCallVolume`.
    #[wasm_bindgen(js_name = getDurationTrend, unchecked_return_type = "Promise<DurationBucket[]>")]
    pub fn get_duration_trend(&self, args: AnalyticsRangeArgs) -> Promise {
        let (client, args) = (
            self.client.clone(),
            args::analytics_range(&args, "getDurationTrend"),
        );
        self.call(async move { to_js(&client.get_duration_trend(args?).await.map_err(api_error)?) })
    }

    /// Calls started per local weekday (7 rows, Monday first) and hour (24 columns);
    /// offline as `getCallVolume`.
    #[wasm_bindgen(js_name = getPeakHours, unchecked_return_type = "Promise<number[][]>")]
    pub fn get_peak_hours(&self) -> Promise {
        let client = self.client.clone();
        self.call(async move { to_js(&client.get_peak_hours().await.map_err(api_error)?) })
    }

    /// Quality issues per local hour (24 numbers); offline as `getCallVolume`.
    #[wasm_bindgen(js_name = getIssuesByHour, unchecked_return_type = "Promise<number[]>")]
    pub fn get_issues_by_hour(&self) -> Promise {
        let client = self.client.clone();
        self.call(async move { to_js(&client.get_issues_by_hour().await.map_err(api_error)?) })
    }

    /// Support workers by sessions, most first (`{limit?}`: default 10, at most 100);
    /// offline as `getCallVolume`.
    #[wasm_bindgen(js_name = getSupportWorkerLeaderboard, unchecked_return_type = "Promise<LeaderboardEntry[]>")]
    pub fn get_support_worker_leaderboard(&self, args: Option<LeaderboardArgs>) -> Promise {
        let (client, args) = (self.client.clone(), args::leaderboard(&optional(args)));
        self.call(async move {
            let board = client.get_support_worker_leaderboard(args?);
            to_js(&board.await.map_err(api_error)?)
        })
    }

    /// Delivers everything now (waiting for another tab's delivery to finish first).
    #[wasm_bindgen(unchecked_return_type = "Promise<FlushReport>")]
    pub fn flush(&self) -> Promise {
        let work = self.sender.flush();
        self.call(async move { to_js(&work.await) })
    }

    /// Sets or clears (null) the bearer token. Kept in memory only.
    #[wasm_bindgen(js_name = setAuth)]
    pub fn set_auth(&self, token: Option<JsString>) -> Result<(), JsValue> {
        let token = options::check_token(&optional(token), "setAuth(token)")?;
        self.control.set_token(token);
        if !self.sender.is_closed() {
            self.sender.kick(true);
        }
        Ok(())
    }

    /// Ops not yet delivered.
    #[wasm_bindgen(js_name = pendingCount)]
    pub fn pending_count(&self) -> u32 {
        self.client.pending_count().min(u32::MAX as usize) as u32
    }

    /// Milliseconds the oldest pending op has waited, or null when none is pending.
    #[wasm_bindgen(js_name = oldestPendingAgeMs, unchecked_return_type = "number | null")]
    pub fn oldest_pending_age_ms(&self) -> JsValue {
        self.client
            .oldest_pending_age_ms()
            .map_or(JsValue::NULL, JsValue::from_f64)
    }

    /// Ops the backend refused (or that were given up), oldest first.
    #[wasm_bindgen(js_name = deadLetters, unchecked_return_type = "DeadLetter[]")]
    pub fn dead_letters(&self) -> Result<JsValue, JsValue> {
        to_js(&self.client.dead_letters())
    }

    /// The session calls without an id refer to, or null.
    #[wasm_bindgen(js_name = currentSessionId, unchecked_return_type = "string | null")]
    pub fn current_session_id(&self) -> JsValue {
        self.client
            .current_session()
            .map_or(JsValue::NULL, |s| JsValue::from_str(&s))
    }

    /// Whether the backend answered the last call.
    #[wasm_bindgen(js_name = isOnline)]
    pub fn is_online(&self) -> bool {
        self.client.is_online()
    }

    /// Debug logging to the console; off by default.
    #[wasm_bindgen(js_name = setDebug)]
    pub fn set_debug(&self, on: bool) {
        self.client.set_debug(on);
    }

    /// Stops the background sender and the page listeners. Stored ops stay stored
    /// and are delivered by the next instance on the same storage.
    pub fn close(&self) {
        self.sender.close();
    }
}

fn event_handler(f: Function) -> Box<dyn Fn(&Event)> {
    Box::new(move |e: &Event| {
        if let Ok(v) = to_js(e) {
            // A throwing handler must not break the SDK; its error is the app's.
            let _ = f.call1(&JsValue::UNDEFINED, &v);
        }
    })
}
