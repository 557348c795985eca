//! Family 1: bad arguments to the SDK core (`Client` over `MemoryStorage` and the
//! native `ReqwestTransport` to the real server). Each bad call must be a typed
//! `ApiError` with the expected code and a message naming the problem, and must
//! change nothing: storage byte-for-byte equal, no event, the same pending ops —
//! which must then all deliver (none rejected) and leave the session on the server
//! in the state the earlier, valid calls describe. `control:` cases are valid
//! boundary inputs that must be accepted (so the limits are not over-strict).

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::{json, Value};
use video_session_sdk::native::SystemEnv;
use video_session_sdk::{
    ApiError, Client, Config, EndSessionArgs, ErrorCode, Event, MarkFailedArgs, MemoryStorage,
    RateSessionArgs, ReportNetworkStatsArgs, StartSessionArgs, UpdateSettingsArgs,
};

use super::server::{Server, Shared};

pub type SdkClient = Client<MemoryStorage, Shared, SystemEnv>;

/// The state the case's session is put in (queued, not delivered) before the bad call.
#[derive(Clone, Copy, Debug)]
pub enum Pre {
    Nothing,
    Connecting,
    Connected,
    Ended,
    Failed,
    FiftyIssues,
    /// Connected, then the line dropped (reconnecting).
    Dropped,
    /// Ended and rated 4.
    Rated,
}

/// Which session a call names.
#[derive(Clone, Debug)]
pub enum Target {
    /// No id: the current session.
    Current,
    /// The session `Pre` started.
    Mine,
    /// A literal id.
    Id(String),
    /// A real session of another user on the server.
    Foreign,
}

#[derive(Clone, Debug)]
pub enum Call {
    Open(String),
    Start(StartSessionArgs),
    Connect(Target),
    Settings(UpdateSettingsArgs, Target),
    Issue(String, Target),
    End(Option<String>, Target),
    Fail(Option<String>, Target),
    Sessions(Option<u32>),
    Reconnecting(Target),
    Reconnected(Target),
    ScreenShare(bool, Target),
    /// rating, comment; `Current` rates the session this client last finished.
    Rate(f64, Option<String>, Target),
    /// A network sample: rttMs, jitterMs, packetLossPct, bitrateKbps.
    NetworkSample([Option<f64>; 4], Target),
    /// `getCallVolume` (or `getDurationTrend` when the flag is set): granularity,
    /// from, to.
    Range(bool, &'static str, &'static str, &'static str),
    /// `getSupportWorkerLeaderboard({limit})`.
    Leaderboard(Option<f64>),
}

/// `Some(code)`: an error with that code whose message contains `mentions`;
/// `None`: a valid input that must be accepted.
pub struct Expect {
    pub code: Option<ErrorCode>,
    pub mentions: &'static str,
}

pub struct Case {
    pub name: &'static str,
    pub pre: Pre,
    pub input: Call,
    pub expect: Expect,
    pub known_bug: Option<&'static str>,
}

fn start(name: &str) -> StartSessionArgs {
    StartSessionArgs {
        support_worker_name: name.into(),
        ..Default::default()
    }
}

fn start_with(f: impl FnOnce(&mut StartSessionArgs)) -> StartSessionArgs {
    let mut a = start("Dr. Smith");
    f(&mut a);
    a
}

fn err(code: ErrorCode, mentions: &'static str) -> Expect {
    Expect {
        code: Some(code),
        mentions,
    }
}

const ACCEPT: Expect = Expect {
    code: None,
    mentions: "",
};

/// `{"k":"vvv…"}` whose JSON is exactly `len` UTF-16 units long.
fn metadata_of_len(len: usize) -> Value {
    json!({"k": "v".repeat(len - 8)})
}

// One case per line: the table reads better than rustfmt's layout of it.
#[rustfmt::skip]
pub fn cases() -> Vec<Case> {
    use Call::*;
    use ErrorCode::*;
    use Pre::*;
    use Target::*;
    let ia = InvalidArgument;
    let c = |name, pre, input, expect| Case {
        name,
        pre,
        input,
        expect,
        known_bug: None,
    };
    vec![
        c("start: empty supportWorkerName", Nothing, Start(start("")), err(ia, "supportWorkerName")),
        c("start: whitespace-only supportWorkerName", Nothing, Start(start(" \t\n\u{3000}")), err(ia, "supportWorkerName")),
        c("start: supportWorkerName of 201 ASCII chars", Nothing, Start(start(&"a".repeat(201))), err(ia, "supportWorkerName")),
        c("start: supportWorkerName of 101 emoji (202 UTF-16 units)", Nothing, Start(start(&"😀".repeat(101))), err(ia, "supportWorkerName")),
        c("start: supportWorkerName 199 ASCII + 1 emoji (200 chars, 201 units)", Nothing, Start(start(&format!("{}😀", "a".repeat(199)))), err(ia, "supportWorkerName")),
        c("start: supportWorkerId of 201 chars", Connected, Start(start_with(|a| a.support_worker_id = Some("w".repeat(201)))), err(ia, "supportWorkerId")),
        c("start: audioOption of 51 chars", Connected, Start(start_with(|a| a.audio_option = Some("x".repeat(51)))), err(ia, "audioOption")),
        c("start: metadata of 4097 JSON chars", Connected, Start(start_with(|a| a.metadata = Some(metadata_of_len(4097)))), err(ia, "metadata")),
        c("start: metadata 2100 emoji (4200 UTF-16 units, 2108 chars)", Nothing, Start(start_with(|a| a.metadata = Some(json!({"k": "😀".repeat(2100)})))), err(ia, "metadata")),
        c("start: empty appointmentId", Nothing, Start(start_with(|a| a.appointment_id = Some(String::new()))), err(ia, "appointmentId")),
        c("start: appointmentId of 101 chars", Nothing, Start(start_with(|a| a.appointment_id = Some("a".repeat(101)))), err(ia, "appointmentId")),
        c("connect: unknown session id", Connecting, Connect(Id("no-such-session".into())), err(NotFound, "not known")),
        c("connect: another user's real session id", Connecting, Connect(Foreign), err(NotFound, "not known")),
        c("connect: empty session id", Connecting, Connect(Id(String::new())), err(ia, "session id")),
        c("connect: session id of 101 chars", Connecting, Connect(Id("s".repeat(101))), err(ia, "session id")),
        c("connect: no session and no current session", Nothing, Connect(Current), err(NoActiveSession, "startSession")),
        c("connect twice", Connected, Connect(Current), err(InvalidTransition, "connected")),
        c("connect an ended call (by id)", Ended, Connect(Mine), err(InvalidTransition, "ended")),
        c("end an ended call", Ended, End(None, Mine), err(InvalidTransition, "ended")),
        c("end a failed call", Failed, End(None, Mine), err(InvalidTransition, "failed")),
        c("mark an ended call failed", Ended, Fail(None, Mine), err(InvalidTransition, "ended")),
        c("report a quality issue on a failed call", Failed, Issue("Audio choppy".into(), Mine), err(InvalidTransition, "failed")),
        c("update settings of an ended call", Ended, Settings(UpdateSettingsArgs { mic_enabled: Some(false), ..Default::default() }, Mine), err(InvalidTransition, "ended")),
        c("51st quality issue", FiftyIssues, Issue("one too many".into(), Current), err(ia, "50")),
        c("quality issue: empty", Connected, Issue(String::new(), Current), err(ia, "issue")),
        c("quality issue: whitespace only", Connected, Issue("   \t ".into(), Current), err(ia, "issue")),
        c("quality issue: 501 chars", Connected, Issue("x".repeat(501), Current), err(ia, "issue")),
        c("quality issue: 251 emoji (502 units)", Connected, Issue("😀".repeat(251), Current), err(ia, "issue")),
        c("settings: no field given", Connected, Settings(UpdateSettingsArgs::default(), Current), err(ia, "at least one")),
        c("settings: audioOption of 51 chars", Connected, Settings(UpdateSettingsArgs { audio_option: Some("o".repeat(51)), ..Default::default() }, Current), err(ia, "audioOption")),
        c("end: endReason of 201 chars", Connected, End(Some("r".repeat(201)), Current), err(ia, "endReason")),
        c("markFailed: reason of 101 emoji", Connected, Fail(Some("😀".repeat(101)), Current), err(ia, "reason")),
        c("getUserSessions: limit 0", Connected, Sessions(Some(0)), err(ia, "limit")),
        c("open: empty userId", Nothing, Open(String::new()), err(ia, "userId")),
        c("open: userId of 201 chars", Nothing, Open("u".repeat(201)), err(ia, "userId")),
        c("start: supportWorkerName only U+FEFF (JS trim() strips it)", Nothing, Start(start("\u{feff}")), err(ia, "supportWorkerName")),
        c("quality issue: only U+FEFF", Connected, Issue("\u{feff}\u{feff}".into(), Current), err(ia, "issue")),
        c("start: metadata of 200 × 1e20 (4407 chars as JS JSON, 1007 as serde)", Nothing, Start(start_with(|a| a.metadata = Some(json!({"k": vec![1e20; 200]})))), err(ia, "metadata")),
        c("control: supportWorkerName U+0085 (JS trim() keeps NEL) is accepted", Nothing, Start(start("\u{85}")), ACCEPT),
        c("control: metadata of 4096 JS chars with 1.0 floats is accepted", Nothing, Start(start_with(|a| a.metadata = Some(json!({"k": vec![1.0; 1000], "p": "x".repeat(2082)})))), ACCEPT),
        c("start: metadata nested 200 levels deep", Nothing, Start(start_with(|a| a.metadata = Some(deep(200)))), err(ia, "metadata")),
        c("start: metadata nested 9 levels deep (D2: at most 8)", Nothing, Start(start_with(|a| a.metadata = Some(deep(9)))), err(ia, "8 levels")),
        c("start: metadata 9 arrays deep", Nothing, Start(start_with(|a| a.metadata = Some((0..9).fold(json!(1), |v, _| json!([v]))))), err(ia, "8 levels")),
        c("start: metadata holding {\"$bytes\": …}", Nothing, Start(start_with(|a| a.metadata = Some(json!({"file": {"$bytes": "AAEC"}})))), err(ia, "bytes")),
        c("control: metadata nested 8 levels deep is accepted", Nothing, Start(start_with(|a| a.metadata = Some(deep(8)))), ACCEPT),
        c("control: supportWorkerName of 100 emoji (200 units) is accepted", Nothing, Start(start(&"😀".repeat(100))), ACCEPT),
        c("control: metadata of exactly 4096 JSON chars is accepted", Nothing, Start(start_with(|a| a.metadata = Some(metadata_of_len(4096)))), ACCEPT),
        c("control: a 500-char issue is accepted", Connected, Issue("x".repeat(500), Current), ACCEPT),
        c("markReconnecting: a connecting call", Connecting, Reconnecting(Current), err(InvalidTransition, "connecting")),
        c("markReconnecting twice", Dropped, Reconnecting(Current), err(InvalidTransition, "reconnecting")),
        c("markReconnecting: another user's real session id", Connected, Reconnecting(Foreign), err(NotFound, "not known")),
        c("markReconnecting: session id of 101 chars", Connected, Reconnecting(Id("s".repeat(101))), err(ia, "session id")),
        c("markReconnected: a connected call", Connected, Reconnected(Current), err(InvalidTransition, "connected")),
        c("markReconnected: an ended call", Ended, Reconnected(Mine), err(InvalidTransition, "ended")),
        c("markScreenShare: no session and no current session", Nothing, ScreenShare(true, Current), err(NoActiveSession, "startSession")),
        c("markScreenShare: an ended call", Ended, ScreenShare(true, Mine), err(InvalidTransition, "ended")),
        c("rateSession: an active call", Connected, Rate(5.0, None, Mine), err(InvalidTransition, "connected")),
        c("rateSession: a reconnecting call", Dropped, Rate(5.0, None, Mine), err(InvalidTransition, "reconnecting")),
        c("rateSession: no session and no call finished by this client", Connected, Rate(5.0, None, Current), err(NoActiveSession, "end or fail")),
        c("rateSession: rating 0", Ended, Rate(0.0, None, Current), err(ia, "rating")),
        c("rateSession: rating 6", Ended, Rate(6.0, None, Current), err(ia, "rating")),
        c("rateSession: rating 4.5", Ended, Rate(4.5, None, Current), err(ia, "rating")),
        c("rateSession: rating -1", Ended, Rate(-1.0, None, Current), err(ia, "rating")),
        c("rateSession: rating NaN", Ended, Rate(f64::NAN, None, Current), err(ia, "rating")),
        c("rateSession: rating Infinity", Ended, Rate(f64::INFINITY, None, Current), err(ia, "rating")),
        c("rateSession: comment of 1001 chars", Ended, Rate(4.0, Some("c".repeat(1001)), Current), err(ia, "comment")),
        c("rateSession: comment 500 emoji + 1 char (1001 units)", Ended, Rate(4.0, Some(format!("{}c", "😀".repeat(500))), Current), err(ia, "comment")),
        c("rateSession: a second rating (refused, never replaces)", Rated, Rate(1.0, None, Mine), err(InvalidTransition, "rated already")),
        c("rateSession: a second rating without an id", Rated, Rate(5.0, Some("again".into()), Current), err(InvalidTransition, "rated already")),
        c("rateSession: another user's real session id", Ended, Rate(4.0, None, Foreign), err(NotFound, "not known")),
        c("control: rating a failed call with an empty comment is accepted", Failed, Rate(1.0, Some(String::new()), Current), ACCEPT),
        c("control: a comment of 500 emoji (1000 units) is accepted", Ended, Rate(5.0, Some("😀".repeat(500)), Mine), ACCEPT),
        c("control: stopping a screen share that never started is accepted", Connected, ScreenShare(false, Current), ACCEPT),
        c("control: a quality issue while reconnecting is accepted", Dropped, Issue("Video frozen".into(), Current), ACCEPT),
        c("control: ending a reconnecting call is accepted", Dropped, End(None, Current), ACCEPT),
        c("reportNetworkStats: rttMs NaN", Connected, NetworkSample([Some(f64::NAN), None, None, None], Current), err(ia, "rttMs")),
        c("reportNetworkStats: jitterMs -1", Connected, NetworkSample([None, Some(-1.0), None, None], Current), err(ia, "jitterMs")),
        c("reportNetworkStats: packetLossPct 100.01 (above the ceiling)", Connected, NetworkSample([None, None, Some(100.01), None], Current), err(ia, "packetLossPct")),
        c("reportNetworkStats: bitrateKbps 100001 (above the ceiling)", Connected, NetworkSample([None, None, None, Some(100_001.0)], Current), err(ia, "bitrateKbps")),
        c("reportNetworkStats: rttMs Infinity beside a good jitterMs", Connected, NetworkSample([Some(f64::INFINITY), Some(10.0), None, None], Current), err(ia, "rttMs")),
        c("reportNetworkStats: rttMs 60001 (above the ceiling)", Dropped, NetworkSample([Some(60_001.0), None, None, None], Mine), err(ia, "rttMs")),
        c("reportNetworkStats: no metric", Connected, NetworkSample([None; 4], Current), err(ia, "at least one")),
        c("reportNetworkStats: an ended call", Ended, NetworkSample([Some(80.0), None, None, None], Mine), err(InvalidTransition, "ended")),
        c("reportNetworkStats: no session and no current session", Nothing, NetworkSample([Some(80.0), None, None, None], Current), err(NoActiveSession, "startSession")),
        c("reportNetworkStats: another user's real session id", Connected, NetworkSample([Some(80.0), None, None, None], Foreign), err(NotFound, "not known")),
        c("control: a sample at every ceiling while reconnecting is accepted", Dropped, NetworkSample([Some(60_000.0), Some(60_000.0), Some(100.0), Some(100_000.0)], Current), ACCEPT),
        c("control: zero samples of every metric while connecting are accepted", Connecting, NetworkSample([Some(0.0); 4], Current), ACCEPT),
        c("getCallVolume: granularity \"hour\"", Nothing, Range(false, "hour", "2024-01-01", "2024-01-02"), err(ia, "granularity")),
        c("getCallVolume: granularity \"Day\" (case matters)", Nothing, Range(false, "Day", "2024-01-01", "2024-01-02"), err(ia, "granularity")),
        c("getCallVolume: from 2023-02-29 (not a date)", Nothing, Range(false, "day", "2023-02-29", "2023-03-01"), err(ia, "from")),
        c("getCallVolume: to \"2024-1-5\" (not zero-padded)", Nothing, Range(false, "day", "2024-01-01", "2024-1-5"), err(ia, "to")),
        c("getCallVolume: from after to", Nothing, Range(false, "day", "2024-02-01", "2024-01-31"), err(ia, "after")),
        c("getCallVolume: 367 days", Nothing, Range(false, "day", "2024-01-01", "2025-01-01"), err(ia, "366")),
        c("getCallVolume: from 1969-12-31", Nothing, Range(false, "week", "1969-12-31", "1970-01-07"), err(ia, "from")),
        c("getDurationTrend: empty granularity", Nothing, Range(true, "", "2024-01-01", "2024-01-02"), err(ia, "granularity")),
        c("getDurationTrend: to with a time", Nothing, Range(true, "month", "2024-01-01", "2024-01-02T00:00"), err(ia, "to")),
        c("getDurationTrend: 367 weeks", Nothing, Range(true, "week", "2020-01-06", "2027-01-11"), err(ia, "366")),
        c("control: getCallVolume of 366 days (a leap year) is accepted", Nothing, Range(false, "day", "2024-01-01", "2024-12-31"), ACCEPT),
        c("control: getDurationTrend of 366 months is accepted", Nothing, Range(true, "month", "1990-01-15", "2020-06-01"), ACCEPT),
        c("getSupportWorkerLeaderboard: limit 0", Nothing, Leaderboard(Some(0.0)), err(ia, "limit")),
        c("getSupportWorkerLeaderboard: limit 2.5", Nothing, Leaderboard(Some(2.5)), err(ia, "limit")),
        c("getSupportWorkerLeaderboard: limit NaN", Nothing, Leaderboard(Some(f64::NAN)), err(ia, "limit")),
        c("getSupportWorkerLeaderboard: limit Infinity", Nothing, Leaderboard(Some(f64::INFINITY)), err(ia, "limit")),
        c("control: getSupportWorkerLeaderboard limit 1e9 is clamped, accepted", Nothing, Leaderboard(Some(1e9)), ACCEPT),
    ]
}

fn deep(n: usize) -> Value {
    (0..n).fold(json!(1), |v, _| json!({"a": v}))
}

pub fn config(user: &str) -> Config {
    let mut c = Config::new(user);
    c.tab_id = Some("badtab".into());
    c
}

pub fn events_of(c: &SdkClient) -> Rc<RefCell<Vec<Event>>> {
    let events = Rc::new(RefCell::new(Vec::new()));
    let sink = events.clone();
    c.set_event_handler(Box::new(move |e| sink.borrow_mut().push(e.clone())));
    events
}

fn api(step: &str) -> impl Fn(ApiError) -> String + '_ {
    move |e| format!("setup step {step} failed: {} {}", e.code, e.message)
}

/// Queues the `Pre` calls; returns the session id and (status, issue count) the
/// server must show once they are delivered.
async fn prepare(c: &SdkClient, pre: Pre) -> Result<Option<(String, &'static str, usize)>, String> {
    if let Pre::Nothing = pre {
        return Ok(None);
    }
    let id = c
        .start_session(start("Dr. Smith"))
        .await
        .map_err(api("start"))?;
    let mut shape = (id.clone(), "connecting", 0);
    match pre {
        Pre::Nothing | Pre::Connecting => {}
        Pre::Failed => {
            c.mark_failed(MarkFailedArgs::default())
                .await
                .map_err(api("fail"))?;
            shape.1 = "failed";
        }
        Pre::Connected | Pre::Ended | Pre::FiftyIssues | Pre::Dropped | Pre::Rated => {
            c.mark_connected(None).await.map_err(api("connect"))?;
            shape.1 = "connected";
            if let Pre::Dropped = pre {
                c.mark_reconnecting(None)
                    .await
                    .map_err(api("reconnecting"))?;
                shape.1 = "reconnecting";
            }
            if let Pre::Rated = pre {
                c.end_session(EndSessionArgs::default())
                    .await
                    .map_err(api("end"))?;
                c.rate_session(RateSessionArgs {
                    session: None,
                    rating: 4.0,
                    comment: None,
                })
                .await
                .map_err(api("rate"))?;
                shape.1 = "ended";
            }
            if let Pre::Ended = pre {
                c.end_session(EndSessionArgs::default())
                    .await
                    .map_err(api("end"))?;
                shape.1 = "ended";
            }
            if let Pre::FiftyIssues = pre {
                for i in 0..50 {
                    c.report_quality_issue(format!("issue {i}"), None)
                        .await
                        .map_err(api("issue"))?;
                }
                shape.2 = 50;
            }
        }
    }
    Ok(Some(shape))
}

fn target(t: &Target, mine: Option<&str>, foreign: &str) -> Option<String> {
    match t {
        Target::Current => None,
        Target::Mine => mine.map(str::to_string),
        Target::Id(s) => Some(s.clone()),
        Target::Foreign => Some(foreign.to_string()),
    }
}

async fn perform(
    c: &SdkClient,
    call: &Call,
    mine: Option<&str>,
    foreign: &str,
) -> Result<(), ApiError> {
    let t = |t: &Target| target(t, mine, foreign);
    match call {
        Call::Open(_) => unreachable!("handled before a client exists"),
        Call::Start(a) => c.start_session(a.clone()).await.map(drop),
        Call::Connect(x) => c.mark_connected(t(x)).await,
        Call::Settings(a, x) => {
            let mut a = a.clone();
            a.session = t(x);
            c.update_settings(a).await
        }
        Call::Issue(i, x) => c.report_quality_issue(i.clone(), t(x)).await,
        Call::End(r, x) => c
            .end_session(EndSessionArgs {
                session: t(x),
                end_reason: r.clone(),
            })
            .await
            .map(drop),
        Call::Fail(r, x) => {
            c.mark_failed(MarkFailedArgs {
                session: t(x),
                reason: r.clone(),
            })
            .await
        }
        Call::Sessions(l) => c.get_user_sessions(*l).await.map(drop),
        Call::Reconnecting(x) => c.mark_reconnecting(t(x)).await,
        Call::Reconnected(x) => c.mark_reconnected(t(x)).await,
        Call::ScreenShare(active, x) => c.mark_screen_share(*active, t(x)).await,
        Call::NetworkSample(m, x) => {
            c.report_network_stats(ReportNetworkStatsArgs {
                session: t(x),
                rtt_ms: m[0],
                jitter_ms: m[1],
                packet_loss_pct: m[2],
                bitrate_kbps: m[3],
            })
            .await
        }
        Call::Range(trend, granularity, from, to) => {
            let args = video_session_sdk::AnalyticsRangeArgs {
                granularity: granularity.to_string(),
                from: from.to_string(),
                to: to.to_string(),
            };
            match trend {
                false => c.get_call_volume(args).await.map(drop),
                true => c.get_duration_trend(args).await.map(drop),
            }
        }
        Call::Leaderboard(limit) => c
            .get_support_worker_leaderboard(video_session_sdk::LeaderboardArgs { limit: *limit })
            .await
            .map(drop),
        Call::Rate(rating, comment, x) => {
            c.rate_session(RateSessionArgs {
                session: t(x),
                rating: *rating,
                comment: comment.clone(),
            })
            .await
        }
    }
}

fn check_error(r: Result<(), ApiError>, expect: &Expect) -> Result<(), String> {
    let code = expect.code.expect("only for error cases");
    match r {
        Ok(()) => Err(format!("accepted; expected {code}")),
        Err(e) if e.code != code => Err(format!("got {} ({}); expected {code}", e.code, e.message)),
        Err(e) if !e.message.contains(expect.mentions) => Err(format!(
            "{code} but the message {:?} does not mention {:?}",
            e.message, expect.mentions
        )),
        Err(_) => Ok(()),
    }
}

pub async fn run(server: &Server, foreign: &str, i: usize, case: &Case) -> Result<(), String> {
    let user = format!("sdk-case-{i}");
    let storage = MemoryStorage::new();
    if let Call::Open(bad_user) = &case.input {
        let r = Client::open(
            config(bad_user),
            storage.clone(),
            Shared::new(&server.url),
            SystemEnv,
        )
        .await;
        check_error(r.map(drop), &case.expect)?;
        return match storage.dump().is_empty() {
            true => Ok(()),
            false => Err(format!("open stored {:?}", storage.dump())),
        };
    }
    let c = Client::open(
        config(&user),
        storage.clone(),
        Shared::new(&server.url),
        SystemEnv,
    )
    .await
    .map_err(|e| format!("open failed: {e}"))?;
    let events = events_of(&c);
    let shape = prepare(&c, case.pre).await?;
    let before = storage.dump();
    let pending = c.pending_count();
    let seen = events.borrow().len();
    let r = perform(
        &c,
        &case.input,
        shape.as_ref().map(|s| s.0.as_str()),
        foreign,
    )
    .await;
    let mut want_applied = pending;
    if case.expect.code.is_some() {
        check_error(r, &case.expect)?;
        if storage.dump() != before {
            return Err("storage changed".into());
        }
        if c.pending_count() != pending {
            return Err(format!("pending {} -> {}", pending, c.pending_count()));
        }
        if events.borrow().len() != seen {
            return Err(format!("emitted {:?}", &events.borrow()[seen..]));
        }
    } else {
        r.map_err(|e| format!("valid input refused: {} {}", e.code, e.message))?;
        // A read stores no op.
        if !matches!(case.input, Call::Range(..) | Call::Leaderboard(_)) {
            want_applied += 1;
        }
    }
    let report = c.flush().await;
    if report.applied != want_applied
        || report.rejected != 0
        || report.pending != 0
        || report.error.is_some()
    {
        return Err(format!(
            "earlier ops did not all deliver: {report:?} (want {want_applied} applied)"
        ));
    }
    if !c.dead_letters().is_empty() {
        return Err(format!("dead letters: {:?}", c.dead_letters()));
    }
    let sessions = server
        .ok(
            "query",
            "videoCallSessions:getUserSessions",
            json!({"userId": user}),
            None,
        )
        .await?;
    let list = sessions.as_array().cloned().unwrap_or_default();
    if case.expect.code.is_none() {
        return Ok(());
    }
    match shape {
        None if list.is_empty() => Ok(()),
        None => Err(format!("the server has sessions: {sessions}")),
        Some((_, status, issues)) => {
            let ok = list.len() == 1
                && list[0]["sessionStatus"] == status
                && list[0]["qualityIssues"].as_array().map_or(0, Vec::len) == issues;
            match ok {
                true => Ok(()),
                false => Err(format!(
                    "server state is not {status} with {issues} issues: {sessions}"
                )),
            }
        }
    }
}
