//! Reconnection, screen sharing and ratings (#13) in the SDK core: each call is
//! validated and checked against the local view at once (a refused call stores
//! nothing and emits nothing), stored as one op, folded into the local view; a call
//! whose app restarted mid-call resumes over the same storage. The first tests run
//! offline on a fake clock; the last delivers to the real local backend
//! (`target/debug/video-session-server`, or `$VSS_SERVER_BIN`) and compares what it
//! stored with the local view, to the second.
// Native only: fake clocks, tokio and the server process do not build for wasm32.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use serde_json::{json, Value};
use support::*;
use video_session_sdk::{
    ApiError, EndSessionArgs, ErrorCode, MarkFailedArgs, MemoryStorage, RateSessionArgs,
    SessionStatus,
};

fn kinds(disk: &MemoryStorage) -> Vec<String> {
    ops_on_disk(disk)
        .iter()
        .map(|o| o["kind"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn rate(session: Option<&str>, rating: f64, comment: Option<&str>) -> RateSessionArgs {
    RateSessionArgs {
        session: session.map(str::to_string),
        rating,
        comment: comment.map(str::to_string),
    }
}

/// Start, connect 15 s later; returns the session id.
fn connected_call(c: &TestClient, env: &FakeEnv) -> String {
    let id = block_on(c.start_session(start_args("Dr. Smith"))).unwrap();
    env.advance(15_000.0);
    block_on(c.mark_connected(None)).unwrap();
    id
}

#[test]
fn a_reconnecting_call_stays_current_and_active_and_counts_its_seconds() {
    let (disk, t, env) = offline();
    let c = open(disk.clone(), &t, &env);
    let id = connected_call(&c, &env);
    env.advance(60_000.0);
    block_on(c.mark_reconnecting(None)).unwrap();
    assert_eq!(
        c.current_session().as_deref(),
        Some(id.as_str()),
        "a reconnecting call is still the current one"
    );
    let active = block_on(c.get_active_session()).unwrap().expect("active");
    assert_eq!(active.client_session_id.as_deref(), Some(id.as_str()));
    assert_eq!(active.session_status, SessionStatus::Reconnecting);
    assert_eq!(active.reconnect_count, Some(1.0));
    env.advance(12_900.0);
    block_on(c.mark_reconnected(None)).unwrap();
    env.advance(30_000.0);
    block_on(c.mark_screen_share(true, Some(id.clone()))).unwrap();
    env.advance(45_500.0);
    block_on(c.mark_screen_share(false, None)).unwrap();
    env.advance(1_000.0);
    // A stale toggle (stop while not sharing) is accepted and changes nothing else.
    block_on(c.mark_screen_share(false, None)).unwrap();
    let s = block_on(c.get_active_session()).unwrap().expect("active");
    assert_eq!(s.session_status, SessionStatus::Connected);
    assert_eq!(s.reconnect_seconds, Some(12.0));
    assert_eq!(s.reconnecting_since, None);
    assert_eq!(s.screen_share_seconds, Some(45.0));
    assert_eq!(
        kinds(&disk),
        [
            "startSession",
            "markConnected",
            "markReconnecting",
            "markReconnected",
            "markScreenShare",
            "markScreenShare",
            "markScreenShare"
        ]
    );
    let share = &ops_on_disk(&disk)[4];
    assert_eq!(
        share["args"],
        json!({"active": true, "clientSessionId": id})
    );
    // Dropped again and ended while reconnecting: the open interval is closed.
    block_on(c.mark_reconnecting(None)).unwrap();
    env.advance(4_200.0);
    let end = block_on(c.end_session(EndSessionArgs::default())).unwrap();
    assert_eq!(
        end.duration,
        Some(153),
        "60 + 12.9 + 30 + 45.5 + 1 + 4.2 s from connectedAt"
    );
    let s = &block_on(c.get_user_sessions(None)).unwrap()[0];
    assert_eq!(s.session_status, SessionStatus::Ended);
    assert_eq!(s.reconnect_count, Some(2.0));
    assert_eq!(s.reconnect_seconds, Some(16.0));
    let stats = block_on(c.get_call_stats()).unwrap();
    assert_eq!(stats.total_reconnects, 2.0);
    assert_eq!(stats.average_rating, None);
    assert_eq!(c.current_session(), None);
}

#[test]
fn impossible_calls_are_refused_at_once_and_store_nothing() {
    let (disk, t, env) = offline();
    let c = open(disk.clone(), &t, &env);
    let events = record_events(&c);
    let check = |call: &dyn Fn() -> Result<(), ApiError>, code, mentions: &str| {
        assert_refused_untouched(&disk, &c, &events, call, code, mentions)
    };
    // Nothing started: no current session, no finished one.
    use ErrorCode::{InvalidArgument as IA, InvalidTransition as IT, NoActiveSession as NA};
    check(&|| block_on(c.mark_reconnecting(None)), NA, "startSession");
    check(
        &|| block_on(c.mark_screen_share(true, None)),
        NA,
        "startSession",
    );
    check(
        &|| block_on(c.rate_session(rate(None, 5.0, None))),
        NA,
        "end or fail a call",
    );
    check(
        &|| block_on(c.mark_reconnected(Some("no-such-session".into()))),
        ErrorCode::NotFound,
        "not known",
    );

    let id = block_on(c.start_session(start_args("Dr. Smith"))).unwrap();
    check(&|| block_on(c.mark_reconnecting(None)), IT, "connecting");
    check(&|| block_on(c.mark_reconnected(None)), IT, "connecting");
    check(
        &|| block_on(c.rate_session(rate(Some(&id), 5.0, None))),
        IT,
        "rate it",
    );
    block_on(c.mark_connected(None)).unwrap();
    check(&|| block_on(c.mark_reconnected(None)), IT, "connected");
    block_on(c.mark_reconnecting(None)).unwrap();
    check(&|| block_on(c.mark_reconnecting(None)), IT, "reconnecting");
    block_on(c.end_session(EndSessionArgs::default())).unwrap();
    check(
        &|| block_on(c.mark_screen_share(true, Some(id.clone()))),
        IT,
        "ended",
    );
    check(
        &|| block_on(c.mark_reconnected(Some(id.clone()))),
        IT,
        "ended",
    );
    // Bad ratings and comments, on a session that may be rated.
    for bad in [0.0, 6.0, 4.5, -5.0, f64::NAN, f64::INFINITY] {
        check(
            &|| block_on(c.rate_session(rate(None, bad, None))),
            IA,
            "rating",
        );
    }
    let long = "x".repeat(1001);
    check(
        &|| block_on(c.rate_session(rate(None, 4.0, Some(&long)))),
        IA,
        "comment",
    );
    check(
        &|| block_on(c.rate_session(rate(Some(""), 4.0, None))),
        IA,
        "session id",
    );
    assert_eq!(c.pending_count(), 4, "start, connect, reconnecting, end");
}

#[test]
fn rate_session_rates_the_call_this_client_just_finished_once() {
    let (disk, t, env) = offline();
    let c = open(disk.clone(), &t, &env);
    let first = connected_call(&c, &env);
    env.advance(60_000.0);
    block_on(c.end_session(EndSessionArgs::default())).unwrap();
    env.advance(5_000.0);
    block_on(c.rate_session(rate(None, 4.0, Some("Clear audio 👍")))).unwrap();
    let rec = ops_on_disk(&disk).pop().unwrap();
    assert_eq!(rec["kind"], "rateSession");
    assert_eq!(
        rec["args"],
        json!({"clientSessionId": first, "rating": 4, "comment": "Clear audio 👍"}),
        "rates the call just ended, the rating a whole number"
    );
    let s = &block_on(c.get_user_sessions(None)).unwrap()[0];
    assert_eq!(s.rating, Some(4.0));
    assert_eq!(s.rating_comment.as_deref(), Some("Clear audio 👍"));
    assert_eq!(s.rated_at.as_deref(), rec["occurredAt"].as_str());

    // A second rating, by default or by id, is refused: the first stays.
    let before = disk.dump();
    for again in [rate(None, 1.0, None), rate(Some(&first), 5.0, Some(""))] {
        let e = block_on(c.rate_session(again)).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidTransition);
        assert!(e.message.contains("rated already"), "{}", e.message);
    }
    assert_eq!(disk.dump(), before);

    // A failed call may be rated, and becomes the default; an empty comment is kept.
    let second = block_on(c.start_session(start_args("Dr. Jones"))).unwrap();
    block_on(c.mark_failed(MarkFailedArgs::default())).unwrap();
    block_on(c.rate_session(rate(None, 2.0, Some("")))).unwrap();
    let rec = ops_on_disk(&disk).pop().unwrap();
    assert_eq!(
        rec["args"],
        json!({"clientSessionId": second, "rating": 2, "comment": ""})
    );
    let stats = block_on(c.get_call_stats()).unwrap();
    assert_eq!(stats.average_rating, Some(3.0));
    assert_eq!(
        (stats.completed_sessions, stats.failed_sessions),
        (1.0, 1.0)
    );

    // A session another client ended is rated by id; without one a fresh client
    // has nothing to default to (the default is not kept across a restart).
    drop(c);
    let d = open(disk.clone(), &t, &env);
    let e = block_on(d.rate_session(rate(None, 5.0, None))).unwrap_err();
    assert_eq!(e.code, ErrorCode::NoActiveSession);
    let e = block_on(d.rate_session(rate(Some(&second), 5.0, None))).unwrap_err();
    assert_eq!(
        e.code,
        ErrorCode::InvalidTransition,
        "rated already, from the stored ops"
    );
}

#[test]
fn an_app_restarted_mid_call_gets_its_call_back_and_can_finish_it() {
    let (disk, t, env) = offline();
    let a = open(disk.clone(), &t, &env);
    let id = connected_call(&a, &env);
    env.advance(20_000.0);
    block_on(a.mark_reconnecting(None)).unwrap();
    // The app is killed while the line is down: nothing was delivered.
    drop(a);
    env.advance(8_000.0);

    let b = open(disk.clone(), &t, &env);
    assert_eq!(
        b.current_session().as_deref(),
        Some(id.as_str()),
        "currentSessionId comes back"
    );
    let active = block_on(b.get_active_session()).unwrap().expect("resumed");
    assert_eq!(active.client_session_id.as_deref(), Some(id.as_str()));
    assert_eq!(active.session_status, SessionStatus::Reconnecting);
    block_on(b.mark_reconnected(None)).unwrap();
    env.advance(10_000.0);
    let end = block_on(b.end_session(EndSessionArgs::default())).unwrap();
    assert_eq!(end.client_session_id, id);
    assert_eq!(end.duration, Some(38), "from the first run's connectedAt");
    let s = &block_on(b.get_user_sessions(None)).unwrap()[0];
    assert_eq!(s.reconnect_seconds, Some(8.0));
    assert_eq!(b.pending_count(), 5);
    assert_eq!(block_on(b.get_active_session()).unwrap(), None);
}

#[test]
fn an_app_restarted_after_its_start_was_delivered_resumes_from_the_snapshot() {
    // Online at first: start and connect reach the backend (the oracle), so the
    // session is in the persisted snapshot; the drop is queued offline.
    let disk = MemoryStorage::new();
    let (t, env) = (ScriptedTransport::new(), FakeEnv::new(14));
    let a = open(disk.clone(), &t, &env);
    let id = connected_call(&a, &env);
    assert_eq!(block_on(a.flush()).applied, 2);
    t.set_offline(true);
    block_on(a.mark_reconnecting(None)).unwrap();
    drop(a);

    let b = open(disk.clone(), &t, &env);
    let active = block_on(b.get_active_session()).unwrap().expect("resumed");
    assert_eq!(active.session_status, SessionStatus::Reconnecting);
    assert!(active.id.is_some(), "the backend's id, from the snapshot");
    assert_eq!(b.current_session().as_deref(), Some(id.as_str()));
    // Back online, the backend still calls it connected (it has not seen the
    // drop): the pending op keeps it reconnecting on this device.
    t.set_offline(false);
    let active = block_on(b.get_active_session()).unwrap().expect("resumed");
    assert_eq!(active.session_status, SessionStatus::Reconnecting);
    block_on(b.mark_reconnected(None)).unwrap();
    block_on(b.end_session(EndSessionArgs::default())).unwrap();
    assert_eq!(block_on(b.get_active_session()).unwrap(), None);
}

/// Delivery to the real local backend: what it stores for a call with a reconnect,
/// a screen share and a rating is what the local view folded, field for field.
mod real_backend {
    use std::cell::Cell;
    use std::rc::Rc;

    use serde_json::{json, Value};
    use video_session_sdk::native::ReqwestTransport;
    use video_session_sdk::platform::{CallKind, Transport};
    use video_session_sdk::{
        CallStats, Client, Config, EndSessionArgs, ErrorCode, MemoryStorage, RateSessionArgs,
        Session,
    };

    use crate::support::local_server::{LocalServer, ShiftedEnv};

    fn start_server() -> LocalServer {
        LocalServer::start("reconnect", &[])
    }

    async fn query(url: &str, path: &str, args: Value) -> Value {
        ReqwestTransport::new(url)
            .call(CallKind::Query, path, args)
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The fields #13 adds, and the ones it changes, of a session document, without
    /// the event times: the backend moves those by the device clock's skew (this
    /// clock runs an hour behind), never the seconds between them.
    fn fields(s: &Value) -> Value {
        let keys = [
            "sessionStatus",
            "duration",
            "reconnectCount",
            "reconnectSeconds",
            "reconnectingSince",
            "screenShareSeconds",
            "screenShareSince",
            "rating",
            "ratingComment",
        ];
        keys.iter()
            .map(|k| (k.to_string(), s.get(*k).cloned().unwrap_or(Value::Null)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }

    #[test]
    fn delivered_ops_leave_the_backend_where_the_local_view_is() {
        let server = start_server();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let env = ShiftedEnv(Rc::new(Cell::new(-3_600_000.0)));
            let user = "reconnect-user";
            let mut config = Config::new(user);
            config.debounce_ms = 60_000;
            let c = Client::open(
                config,
                MemoryStorage::new(),
                ReqwestTransport::new(&server.url),
                env.clone(),
            )
            .await
            .unwrap();
            let id = c
                .start_session(video_session_sdk::StartSessionArgs {
                    support_worker_name: "Dr. Smith".into(),
                    ..Default::default()
                })
                .await
                .unwrap();
            env.advance(2_000.0);
            c.mark_connected(None).await.unwrap();
            env.advance(30_000.0);
            c.mark_screen_share(true, None).await.unwrap();
            env.advance(10_000.0);
            c.mark_reconnecting(None).await.unwrap();
            env.advance(7_700.0);
            c.mark_reconnected(None).await.unwrap();
            env.advance(20_000.0);
            c.mark_reconnecting(None).await.unwrap();
            env.advance(3_300.0);
            c.end_session(EndSessionArgs::default()).await.unwrap();
            env.advance(5_000.0);
            c.rate_session(RateSessionArgs {
                session: None,
                rating: 5.0,
                comment: Some("Clear audio".into()),
            })
            .await
            .unwrap();
            let local = c.get_user_sessions(None).await.unwrap();
            let local_stats = c.get_call_stats().await.unwrap();
            let report = c.flush().await;
            assert_eq!(
                (report.applied, report.rejected, report.pending),
                (8, 0, 0),
                "{report:?} {:?}",
                c.dead_letters()
            );

            let on_server = query(
                &server.url,
                "videoCallSessions:getUserSessions",
                json!({"userId": user}),
            )
            .await;
            // Read into the SDK's own types, so 2 and 2.0 compare equal.
            let stored: Session = serde_json::from_value(on_server[0].clone()).unwrap();
            assert_eq!(stored.client_session_id.as_deref(), Some(id.as_str()));
            assert_eq!(
                fields(&serde_json::to_value(&stored).unwrap()),
                fields(&serde_json::to_value(&local[0]).unwrap()),
                "the backend and the local view"
            );
            assert_eq!(stored.reconnect_count, Some(2.0));
            assert_eq!(
                stored.reconnect_seconds,
                Some(7.0 + 3.0),
                "7.7 s and 3.3 s, each floored"
            );
            assert_eq!(stored.screen_share_seconds, Some(41.0), "closed at the end");
            assert_eq!(stored.duration, Some(71.0));
            assert_eq!(stored.rating, Some(5.0));
            assert_eq!(stored.rating_comment.as_deref(), Some("Clear audio"));
            assert_eq!(
                (stored.reconnecting_since, stored.screen_share_since),
                (None, None)
            );
            let stats: CallStats = serde_json::from_value(
                query(
                    &server.url,
                    "videoCallSessions:getCallStats",
                    json!({"userId": user}),
                )
                .await,
            )
            .unwrap();
            assert_eq!(stats.total_reconnects, 2.0);
            assert_eq!(stats.average_rating, Some(5.0));
            assert_eq!(
                local_stats, stats,
                "local stats before delivery = the backend's after"
            );

            // Delivered, the session is rated: a second rating is refused at once,
            // from the snapshot.
            let e = c
                .rate_session(RateSessionArgs {
                    session: Some(id.clone()),
                    rating: 1.0,
                    comment: None,
                })
                .await
                .unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidTransition);
            assert!(c.dead_letters().is_empty());
        });
    }
}

#[test]
fn reconnect_ops_carry_only_the_session() {
    let (disk, t, env) = offline();
    let c = open(disk.clone(), &t, &env);
    let id = connected_call(&c, &env);
    block_on(c.mark_reconnecting(Some(id.clone()))).unwrap();
    block_on(c.mark_reconnected(Some(id.clone()))).unwrap();
    let ops = ops_on_disk(&disk);
    for o in &ops[2..] {
        assert_eq!(o["args"], json!({"clientSessionId": id}), "{o}");
        assert_eq!(o["clientSessionId"], Value::from(id.as_str()));
    }
}
