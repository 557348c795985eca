//! Analytics (issue #13, item 5) through the SDK against the real local backend
//! (`target/debug/video-session-server`, or `$VSS_SERVER_BIN`): the device's UTC
//! offset reaches the stored session and buckets the call in the user's local time;
//! the five reads answer what the backend aggregated; offline, a read answers with
//! the last answer for the same arguments, else `NETWORK`; a record stored before
//! analytics (no `utcOffsetMin`) still delivers and is counted in UTC.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use protocol::analytics::LocalBuckets;
use serde_json::{json, Value};
use support::local_server::{LocalServer, ShiftedEnv};
use video_session_sdk::native::ReqwestTransport;
use video_session_sdk::platform::{CallKind, Env, Transport};
use video_session_sdk::{
    AnalyticsRangeArgs, Client, Config, EndSessionArgs, ErrorCode, LeaderboardArgs, MemoryStorage,
    RateSessionArgs, StartSessionArgs,
};

/// The system clock (shifted as the test sets) in a time zone the test sets.
#[derive(Clone)]
struct ZonedEnv {
    clock: ShiftedEnv,
    offset: Rc<Cell<i32>>,
}

impl ZonedEnv {
    fn new(offset_min: i32) -> Self {
        ZonedEnv {
            clock: ShiftedEnv(Rc::new(Cell::new(0.0))),
            offset: Rc::new(Cell::new(offset_min)),
        }
    }
}

impl Env for ZonedEnv {
    fn now_ms(&self) -> f64 {
        self.clock.now_ms()
    }
    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        self.clock.sleep(ms)
    }
    fn random_u64(&self) -> u64 {
        self.clock.random_u64()
    }
    fn utc_offset_min(&self, _utc_ms: f64) -> i32 {
        self.offset.get()
    }
}

type RealClient = Client<MemoryStorage, ReqwestTransport, ZonedEnv>;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn client(url: &str, user: &str, storage: MemoryStorage, env: ZonedEnv) -> RealClient {
    let mut config = Config::new(user);
    config.debounce_ms = 60_000;
    config.read_timeout_ms = 5_000;
    Client::open(
        config,
        storage,
        ReqwestTransport::new(url).with_timeout_ms(5_000),
        env,
    )
    .await
    .unwrap()
}

async fn query(url: &str, path: &str, args: Value) -> Value {
    ReqwestTransport::new(url)
        .call(CallKind::Query, path, args)
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn start(worker: &str, id: &str) -> StartSessionArgs {
    StartSessionArgs {
        support_worker_name: worker.into(),
        support_worker_id: Some(id.into()),
        ..Default::default()
    }
}

fn range(granularity: &str, from: &str, to: &str) -> AnalyticsRangeArgs {
    AnalyticsRangeArgs {
        granularity: granularity.into(),
        from: from.into(),
        to: to.into(),
    }
}

fn ms(iso: &str) -> i64 {
    protocol::time::parse_iso(iso).unwrap()
}

/// A call in New York (−300) and one in Kolkata (+330): each stored session keeps
/// its device's offset, and every read buckets it at that offset.
#[test]
fn the_devices_offset_reaches_the_backend_and_buckets_the_call() {
    let server = LocalServer::start("analytics-offset", &[]);
    runtime().block_on(async {
        let user = "analytics-user";
        let env = ZonedEnv::new(-300);
        let c = client(&server.url, user, MemoryStorage::new(), env.clone()).await;
        let first = c.start_session(start("Dr. Ng", "w-ng")).await.unwrap();
        // Before delivery the local view already says what the backend will store.
        let pending = c.get_user_sessions(None).await.unwrap();
        assert_eq!(pending[0].utc_offset_min, Some(-300.0));
        env.clock.advance(2_000.0);
        c.mark_connected(None).await.unwrap();
        env.clock.advance(61_000.0);
        c.report_quality_issue("Echo".into(), None).await.unwrap();
        c.end_session(EndSessionArgs::default()).await.unwrap();
        c.rate_session(RateSessionArgs {
            session: None,
            rating: 4.0,
            comment: None,
        })
        .await
        .unwrap();
        // The device moves to Kolkata: the next call carries the new offset.
        env.offset.set(330);
        let second = c.start_session(start("Dr. Ng", "w-ng")).await.unwrap();
        c.mark_failed(Default::default()).await.unwrap();
        let report = c.flush().await;
        assert_eq!((report.applied, report.rejected), (7, 0), "{report:?}");

        let stored = query(
            &server.url,
            "videoCallSessions:getUserSessions",
            json!({"userId": user}),
        )
        .await;
        let by_id = |id: &str| {
            stored
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["clientSessionId"] == id)
                .cloned()
                .unwrap()
        };
        let (s1, s2) = (by_id(&first), by_id(&second));
        assert_eq!(s1["utcOffsetMin"].as_f64(), Some(-300.0));
        assert_eq!(s2["utcOffsetMin"].as_f64(), Some(330.0));
        let b1 = LocalBuckets::at(ms(s1["joinedAt"].as_str().unwrap()), -300);
        let b2 = LocalBuckets::at(ms(s2["joinedAt"].as_str().unwrap()), 330);

        let peak = c.get_peak_hours().await.unwrap();
        assert_eq!(peak.len(), 7);
        assert!(peak.iter().all(|d| d.len() == 24));
        let mut want = vec![vec![0.0; 24]; 7];
        want[(b1.slot / 24) as usize][(b1.slot % 24) as usize] += 1.0;
        want[(b2.slot / 24) as usize][(b2.slot % 24) as usize] += 1.0;
        assert_eq!(peak, want, "each call in its own local weekday and hour");

        // The issue's hour is that of its own time at its own offset (−300).
        // Reported in the same millisecond or so as the end.
        let issue_at = ms(s1["endedAt"].as_str().unwrap());
        let issues = c.get_issues_by_hour().await.unwrap();
        assert_eq!(issues.iter().sum::<f64>(), 1.0);
        let hour = LocalBuckets::at(issue_at, -300).hour as usize;
        assert_eq!(issues[hour], 1.0, "{issues:?} (hour {hour})");

        let (from, to) = (
            b1.day.clone().min(b2.day.clone()),
            b1.day.clone().max(b2.day.clone()),
        );
        let days = c.get_call_volume(range("day", &from, &to)).await.unwrap();
        assert_eq!(days.first().unwrap().bucket, from);
        assert_eq!(days.last().unwrap().bucket, to);
        let calls: f64 = days.iter().map(|d| d.calls).sum();
        let completed: f64 = days.iter().map(|d| d.completed_sessions).sum();
        let failed: f64 = days.iter().map(|d| d.failed_sessions).sum();
        assert_eq!((calls, completed, failed), (2.0, 1.0, 1.0));
        let in_day1 = days.iter().find(|d| d.bucket == b1.day).unwrap();
        assert!(in_day1.completed_sessions == 1.0, "{days:?}");

        let months = c
            .get_duration_trend(range("month", &from, &to))
            .await
            .unwrap();
        let month = months.iter().find(|m| m.bucket == b1.month).unwrap();
        assert_eq!(month.timed_calls, 1.0);
        assert_eq!(month.average_duration, s1["duration"].as_f64());

        let board = c
            .get_support_worker_leaderboard(LeaderboardArgs { limit: Some(5.0) })
            .await
            .unwrap();
        let ng = board
            .iter()
            .find(|r| r.support_worker_id == "w-ng")
            .unwrap();
        assert_eq!((ng.total_sessions, ng.completed_sessions), (2.0, 1.0));
        assert_eq!(ng.completion_rate, 0.5);
        assert_eq!(ng.average_rating, Some(4.0));
        assert_eq!(ng.issues_per_call, 0.5);
    });
}

/// The leaderboard is every user's, most sessions first, cut at `limit`.
#[test]
fn the_leaderboard_ranks_workers_and_keeps_to_its_limit() {
    let server = LocalServer::start("analytics-board", &[]);
    runtime().block_on(async {
        let env = ZonedEnv::new(60);
        let a = client(&server.url, "board-a", MemoryStorage::new(), env.clone()).await;
        let b = client(&server.url, "board-b", MemoryStorage::new(), env.clone()).await;
        for (c, worker) in [(&a, "w1"), (&a, "w2"), (&b, "w2"), (&b, "w3"), (&a, "w2")] {
            c.start_session(start(worker, worker)).await.unwrap();
            c.end_session(EndSessionArgs::default()).await.unwrap();
        }
        assert_eq!(a.flush().await.rejected + b.flush().await.rejected, 0);
        let board = b
            .get_support_worker_leaderboard(LeaderboardArgs::default())
            .await
            .unwrap();
        let ids: Vec<&str> = board.iter().map(|r| r.support_worker_id.as_str()).collect();
        assert_eq!(ids[0], "w2", "{ids:?}");
        assert_eq!(board[0].total_sessions, 3.0);
        assert_eq!(ids.len(), 3);
        let top = a
            .get_support_worker_leaderboard(LeaderboardArgs { limit: Some(1.0) })
            .await
            .unwrap();
        assert_eq!(top.len(), 1);
        assert_eq!(top[0], board[0]);
    });
}

/// Offline: the last answer for the same arguments (pending ops not folded in),
/// else `NETWORK`; back online, fresh answers again.
#[test]
fn offline_reads_answer_with_the_last_answer_for_the_same_arguments() {
    let server = LocalServer::start("analytics-offline", &[]);
    runtime().block_on(async {
        let env = ZonedEnv::new(0);
        let c = client(
            &server.url,
            "offline-user",
            MemoryStorage::new(),
            env.clone(),
        )
        .await;
        c.start_session(start("Dr. Ng", "w-ng")).await.unwrap();
        c.flush().await;
        let today = protocol::time::format_iso(env.now_ms() as i64)[..10].to_string();
        let on_today = range("day", &today, &today);
        let online = c.get_call_volume(on_today.clone()).await.unwrap();
        assert_eq!(online[0].calls, 1.0);
        let peak = c.get_peak_hours().await.unwrap();
        let board = c
            .get_support_worker_leaderboard(LeaderboardArgs::default())
            .await
            .unwrap();
        assert!(c.is_online());

        // The backend goes away; a new call is pending only.
        drop(server);
        c.end_session(EndSessionArgs::default()).await.unwrap();
        c.start_session(start("Dr. Ng", "w-ng")).await.unwrap();
        assert_eq!(c.get_call_volume(on_today.clone()).await.unwrap(), online);
        assert!(!c.is_online());
        assert_eq!(c.get_peak_hours().await.unwrap(), peak);
        assert_eq!(
            c.get_support_worker_leaderboard(LeaderboardArgs::default())
                .await
                .unwrap(),
            board
        );
        // Other arguments were never answered: NETWORK, not a guess.
        for err in [
            c.get_call_volume(range("week", &today, &today))
                .await
                .map(drop)
                .unwrap_err(),
            c.get_duration_trend(on_today.clone())
                .await
                .map(drop)
                .unwrap_err(),
            c.get_issues_by_hour().await.map(drop).unwrap_err(),
            c.get_support_worker_leaderboard(LeaderboardArgs { limit: Some(3.0) })
                .await
                .map(drop)
                .unwrap_err(),
        ] {
            assert_eq!(err.code, ErrorCode::Network, "{err:?}");
            assert!(err.message.contains("no earlier answer"), "{}", err.message);
        }
        // A bad argument is refused on the device, offline too.
        let err = c
            .get_call_volume(range("year", &today, &today))
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument);
        assert!(err.message.contains("granularity"), "{}", err.message);
    });
}

/// A record the current release stored (its args without `utcOffsetMin`: the same
/// bytes, as `protocol::op` keeps them) delivers unchanged after the upgrade; the
/// backend stores 0 and counts the call in UTC, and the local view said 0 before.
#[test]
fn a_start_stored_before_analytics_delivers_and_counts_in_utc() {
    let server = LocalServer::start("analytics-legacy", &[]);
    runtime().block_on(async {
        let user = "legacy-user";
        let disk = MemoryStorage::new();
        let env = ZonedEnv::new(-300);
        {
            let old = client(&server.url, user, disk.clone(), env.clone()).await;
            old.start_session(start("Dr. Old", "w-old")).await.unwrap();
        }
        // Rewrite the stored record as the release before analytics wrote it.
        let (key, text) = disk
            .dump()
            .into_iter()
            .find(|(k, _)| k.contains(":op:"))
            .unwrap();
        let mut rec: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(rec["args"]["utcOffsetMin"], json!(-300));
        rec["args"].as_object_mut().unwrap().remove("utcOffsetMin");
        disk.set_now(&key, &rec.to_string()).unwrap();

        let c = client(&server.url, user, disk.clone(), env.clone()).await;
        assert_eq!(c.pending_count(), 1, "the old record loads");
        let local = c.get_user_sessions(None).await.unwrap();
        assert_eq!(local[0].utc_offset_min, Some(0.0));
        let report = c.flush().await;
        assert_eq!((report.applied, report.rejected), (1, 0), "{report:?}");
        let stored = query(
            &server.url,
            "videoCallSessions:getUserSessions",
            json!({"userId": user}),
        )
        .await;
        assert_eq!(stored[0]["utcOffsetMin"].as_f64(), Some(0.0));
        let slot = LocalBuckets::at(ms(stored[0]["joinedAt"].as_str().unwrap()), 0).slot;
        let peak = c.get_peak_hours().await.unwrap();
        assert_eq!(peak[(slot / 24) as usize][(slot % 24) as usize], 1.0);
    });
}
