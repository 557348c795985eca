//! Network quality (#13 item 2) and abandoned sessions (#13 item 1) in the SDK core.
//!
//! `reportNetworkStats` folds each sample into the session's pending report, in
//! place, so storage holds one report record per session however many samples come,
//! and what it holds is `protocol::network`'s fold of those samples. A report that
//! has been sent is never changed: the next sample starts a new one. Bad samples are
//! refused at the call and store nothing. The last tests run against the real local
//! backend (`target/debug/video-session-server`, or `$VSS_SERVER_BIN`): reports merge
//! into the session exactly once (a lost reply and a resend; a sample while a report
//! is in flight), and a call the backend closed as abandoned can still be ended by
//! the device, leaving the real end time and duration.
// Native only: fake clocks, tokio and the server process do not build for wasm32.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use proptest::prelude::{prop_assert, prop_assert_eq};
use proptest::test_runner::TestCaseError;
use protocol::network::{Metric, NetworkStats, Summary};
use serde_json::{json, Value};
use support::*;
use video_session_sdk::{
    ApiError, EndSessionArgs, ErrorCode, MemoryStorage, ReportNetworkStatsArgs, SessionStatus,
};

/// A sample of `session` (the current one when `None`) with the metrics given.
fn sample(session: Option<&str>, m: [Option<f64>; 4]) -> ReportNetworkStatsArgs {
    ReportNetworkStatsArgs {
        session: session.map(str::to_string),
        rtt_ms: m[0],
        jitter_ms: m[1],
        packet_loss_pct: m[2],
        bitrate_kbps: m[3],
    }
}

/// The `i`th of a deterministic run of samples: values over every bucket of each
/// metric, in quarters (so sums are exact in any order), some metrics left out.
fn nth(i: u64) -> [Option<f64>; 4] {
    let x = i.wrapping_mul(2_654_435_761) % 10_007;
    let q = |range: u64| (x % (range * 4)) as f64 / 4.0;
    [
        Some(q(2_500)),
        (i % 3 != 0).then(|| q(600)),
        (i % 5 != 1).then(|| q(60)),
        (i % 7 != 2).then(|| q(25_000)),
    ]
}

/// What `protocol::network` folds the samples into, one by one, in order.
fn fold(samples: &[[Option<f64>; 4]]) -> NetworkStats {
    let mut out = NetworkStats::default();
    for s in samples {
        for (m, v) in Metric::ALL.into_iter().zip(s) {
            if let Some(v) = v {
                out.add(m, &Summary::of(m, *v));
            }
        }
    }
    out
}

/// The report records on disk, by session.
fn reports_on_disk(disk: &MemoryStorage) -> Vec<Value> {
    ops_on_disk(disk)
        .into_iter()
        .filter(|o| o["kind"] == "reportNetworkStats")
        .collect()
}

/// A report record's metrics as the protocol reads them.
fn report_stats(rec: &Value) -> NetworkStats {
    let mut args = rec["args"].as_object().unwrap().clone();
    args.remove("clientSessionId");
    args.remove("sessionId");
    NetworkStats::from_args(&args).unwrap()
}

fn connected_call(c: &TestClient, env: &FakeEnv, name: &str) -> String {
    let id = block_on(c.start_session(start_args(name))).unwrap();
    env.advance(15_000.0);
    block_on(c.mark_connected(Some(id.clone()))).unwrap();
    id
}

#[test]
fn a_thousand_samples_are_one_stored_report_per_session_and_their_fold() {
    let (disk, t, env) = offline();
    let c = open(disk.clone(), &t, &env);
    let a = connected_call(&c, &env, "Dr. Smith");
    let b = connected_call(&c, &env, "Dr. Jones");
    let (mut of_a, mut of_b) = (Vec::new(), Vec::new());
    let mut first_report: Option<Value> = None;
    for i in 0..1_000 {
        env.advance(3_000.0);
        let (id, list) = if i % 4 == 3 {
            (&b, &mut of_b)
        } else {
            (&a, &mut of_a)
        };
        let s = nth(i);
        block_on(c.report_network_stats(sample(Some(id), s))).unwrap();
        list.push(s);
        if i == 0 {
            first_report = reports_on_disk(&disk).pop();
        }
        // Storage never holds more than one report per session.
        if i % 97 == 0 {
            assert!(reports_on_disk(&disk).len() <= 2, "after sample {i}");
        }
    }
    let reports = reports_on_disk(&disk);
    assert_eq!(reports.len(), 2, "one record per session");
    assert_eq!(
        ops_on_disk(&disk).len(),
        6,
        "two starts, two connects, two reports"
    );
    assert_eq!(c.pending_count(), 6);
    for (id, samples) in [(&a, &of_a), (&b, &of_b)] {
        let rec = reports
            .iter()
            .find(|r| r["args"]["clientSessionId"] == json!(id))
            .expect("a report per session");
        assert_eq!(
            report_stats(rec),
            fold(samples),
            "the stored report is the fold of every sample"
        );
        // Its args are the summaries exactly as the protocol writes them.
        let mut args = serde_json::Map::new();
        for (k, v) in fold(samples).to_args() {
            args.insert(k.into(), v);
        }
        args.insert("clientSessionId".into(), json!(id));
        assert_eq!(rec["args"], Value::Object(args));
        // The local view shows mean and p95 before delivery.
        let s = block_on(c.get_user_sessions(None))
            .unwrap()
            .into_iter()
            .find(|s| s.client_session_id.as_deref() == Some(id))
            .unwrap();
        assert_eq!(s.network, Some(fold(samples).to_session_value()));
    }
    // Folded in place: the first sample's record keeps its key, opId and seq; its
    // event time is the last sample's.
    let first = first_report.unwrap();
    let a_now = reports
        .iter()
        .find(|r| r["args"]["clientSessionId"] == json!(a))
        .unwrap();
    for k in ["opId", "clientId", "seq"] {
        assert_eq!(a_now[k], first[k], "{k}");
    }
    assert_ne!(a_now["occurredAt"], first["occurredAt"]);
    let active = block_on(c.get_active_session()).unwrap().unwrap();
    assert!(active.network.is_some());
    let rtt = &active.network.as_ref().unwrap()["rttMs"];
    let want = fold(&of_b);
    let want = want.get(Metric::RttMs).unwrap();
    if active.client_session_id.as_deref() == Some(b.as_str()) {
        assert_eq!(rtt["mean"], json!(want.mean()));
        assert_eq!(rtt["p95"], json!(want.p95(Metric::RttMs)));
    }
}

#[test]
fn a_report_once_sent_is_never_changed_and_the_next_sample_starts_a_new_one() {
    let (disk, t, env) = offline();
    let c = open(disk.clone(), &t, &env);
    let id = connected_call(&c, &env, "Dr. Smith");
    for i in 0..10 {
        env.advance(2_000.0);
        block_on(c.report_network_stats(sample(None, nth(i)))).unwrap();
    }
    let sent = reports_on_disk(&disk);
    assert_eq!(sent.len(), 1);
    // Sent, and the reply lost: the backend may have applied it under its opId.
    t.set_offline(false);
    t.push([Fault::DropAfter]);
    block_on(c.flush());
    assert_eq!(t.batches(), 1);
    t.set_offline(true);
    env.advance(2_000.0);
    block_on(c.report_network_stats(sample(None, nth(10)))).unwrap();
    let reports = reports_on_disk(&disk);
    assert_eq!(reports.len(), 2, "a new record");
    let old = reports
        .iter()
        .find(|r| r["opId"] == sent[0]["opId"])
        .unwrap();
    assert_eq!(
        report_stats(old),
        report_stats(&sent[0]),
        "the sent one is unchanged"
    );
    let new = reports
        .iter()
        .find(|r| r["opId"] != sent[0]["opId"])
        .unwrap();
    assert_eq!(report_stats(new), fold(&[nth(10)]));
    assert!(new["seq"].as_u64() > old["seq"].as_u64(), "a new seq");
    // Later samples fold into the new one.
    env.advance(2_000.0);
    block_on(c.report_network_stats(sample(None, nth(11)))).unwrap();
    assert_eq!(reports_on_disk(&disk).len(), 2);
    // The local view counts every sample once.
    let all: Vec<_> = (0..12).map(nth).collect();
    let s = block_on(c.get_active_session()).unwrap().unwrap();
    let mut want = fold(&all[..10]);
    want.merge(&fold(&all[10..]));
    assert_eq!(s.network, Some(want.to_session_value()));
    // After a restart no stored report is folded into (another instance may be
    // sending it, or it may have been sent before): a third record, then one again.
    drop(c);
    let c = open(disk.clone(), &t, &env);
    block_on(c.report_network_stats(sample(Some(&id), nth(12)))).unwrap();
    block_on(c.report_network_stats(sample(Some(&id), nth(13)))).unwrap();
    assert_eq!(reports_on_disk(&disk).len(), 3);
}

#[test]
fn bad_samples_are_refused_at_the_call_and_store_nothing() {
    let (disk, t, env) = offline();
    let c = open(disk.clone(), &t, &env);
    let events = record_events(&c);
    let check = |call: &dyn Fn() -> Result<(), ApiError>, code, mentions: &str| {
        assert_refused_untouched(&disk, &c, &events, call, code, mentions)
    };
    use ErrorCode::{InvalidArgument as IA, InvalidTransition as IT, NoActiveSession as NA};
    let good = [Some(80.0), None, None, None];
    check(
        &|| block_on(c.report_network_stats(sample(None, good))),
        NA,
        "startSession",
    );
    let id = connected_call(&c, &env, "Dr. Smith");
    block_on(c.report_network_stats(sample(None, good))).unwrap();
    let ceilings = [60_000.0, 60_000.0, 100.0, 100_000.0];
    for (i, m) in Metric::ALL.into_iter().enumerate() {
        for bad in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -1.0,
            -1e-9,
            ceilings[i] + 0.5,
        ] {
            let mut s = [None; 4];
            s[i] = Some(bad);
            check(
                &|| block_on(c.report_network_stats(sample(None, s))),
                IA,
                m.name(),
            );
            // With a good metric beside it: still nothing folded.
            let mut s = [Some(10.0); 4];
            s[i] = Some(bad);
            check(
                &|| block_on(c.report_network_stats(sample(Some(&id), s))),
                IA,
                m.name(),
            );
        }
        // The ceiling itself and 0 are samples.
        let mut s = [None; 4];
        s[i] = Some(ceilings[i]);
        block_on(c.report_network_stats(sample(None, s))).unwrap();
        s[i] = Some(0.0);
        block_on(c.report_network_stats(sample(None, s))).unwrap();
    }
    check(
        &|| block_on(c.report_network_stats(sample(None, [None; 4]))),
        IA,
        "at least one of rttMs",
    );
    check(
        &|| block_on(c.report_network_stats(sample(Some("nope"), good))),
        ErrorCode::NotFound,
        "nope",
    );
    assert_eq!(reports_on_disk(&disk).len(), 1);
    // Only an active call takes samples.
    block_on(c.end_session(EndSessionArgs::default())).unwrap();
    check(
        &|| block_on(c.report_network_stats(sample(Some(&id), good))),
        IT,
        "ended",
    );
    // Reconnecting is active.
    let other = connected_call(&c, &env, "Dr. Jones");
    block_on(c.mark_reconnecting(None)).unwrap();
    block_on(c.report_network_stats(sample(Some(&other), good))).unwrap();
    let s = block_on(c.get_active_session()).unwrap().unwrap();
    assert_eq!(s.session_status, SessionStatus::Reconnecting);
    assert_eq!(s.network.unwrap()["rttMs"]["count"], json!(1));
}

#[test]
fn reports_are_evicted_like_quality_issues_and_lifecycle_ops_are_kept() {
    let (disk, t, env) = offline();
    let mut cfg = config();
    cfg.max_records = 3;
    let c = block_on(video_session_sdk::Client::open(
        cfg,
        disk.clone(),
        t.clone(),
        env.clone(),
    ))
    .unwrap();
    let events = record_events(&c);
    let a = connected_call(&c, &env, "Dr. Smith");
    block_on(c.report_network_stats(sample(Some(&a), nth(1)))).unwrap();
    assert_eq!(c.pending_count(), 3);
    block_on(c.end_session(EndSessionArgs::default())).unwrap();
    let kinds: Vec<_> = ops_on_disk(&disk)
        .iter()
        .map(|o| o["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["startSession", "markConnected", "endSession"]);
    assert!(events.borrow().iter().any(|e| matches!(
        e,
        video_session_sdk::Event::Evicted {
            kind: video_session_sdk::OpKind::ReportNetworkStats,
            ..
        }
    )));
}

/// What happens between samples in the property below.
#[derive(Debug, Clone)]
enum Step {
    /// The `n`th sample of session 0 or 1.
    Sample(usize, u64),
    /// Advance the clock, then one delivery step under this fault.
    Deliver(u32, Fault),
    Flush(Fault),
    /// The process dies and restarts on the same storage.
    Crash,
    /// The backend forgets every opId record (the 14-day sweep).
    Sweep,
}

fn any_fault() -> impl proptest::strategy::Strategy<Value = Fault> {
    use proptest::prelude::*;
    prop_oneof![
        3 => Just(Fault::Ok),
        1 => Just(Fault::DropBefore),
        2 => Just(Fault::DropAfter),
        1 => Just(Fault::TimeoutAfter),
        1 => Just(Fault::TimeoutBefore),
        1 => Just(Fault::Http(503, None)),
    ]
}

fn any_step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        8 => (0usize..2, any::<u64>()).prop_map(|(s, n)| Step::Sample(s, n)),
        3 => (0u32..70_000, any_fault()).prop_map(|(ms, f)| Step::Deliver(ms, f)),
        1 => any_fault().prop_map(Step::Flush),
        1 => Just(Step::Crash),
        1 => Just(Step::Sweep),
    ]
}

/// Samples of two calls under any schedule of lost requests, lost replies, timeouts,
/// 503s, restarts and opId sweeps reach the backend exactly once each — the
/// session's merged network equals protocol's fold of every sample — and storage
/// never holds more than two reports per call (the one sent when an outage began,
/// whose fate is unknown, and the one still taking samples), plus two per restart (a
/// report read back from storage is never folded into, as another instance may be
/// sending it; and a restarted client, knowing no failed attempt, sends what it has).
fn samples_arrive_once(
    steps: Vec<Step>,
    batch_size: usize,
    seed: u64,
) -> Result<(), TestCaseError> {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(seed),
    );
    let mut cfg = config();
    cfg.batch_size = batch_size;
    cfg.max_attempts = 10_000;
    let open_client = || {
        block_on(video_session_sdk::Client::open(
            cfg.clone(),
            disk.clone(),
            t.clone(),
            env.clone(),
        ))
        .unwrap()
    };
    let mut c = open_client();
    let ids = [
        connected_call(&c, &env, "Dr. Smith"),
        connected_call(&c, &env, "Dr. Jones"),
    ];
    let mut sent: [Vec<[Option<f64>; 4]>; 2] = Default::default();
    let (mut most, mut restarts) = (0, 0);
    for step in steps {
        match step {
            Step::Sample(i, n) => {
                env.advance(2_000.0);
                let m = nth(n % 100_000);
                block_on(c.report_network_stats(sample(Some(&ids[i]), m))).unwrap();
                sent[i].push(m);
            }
            Step::Deliver(ms, f) => {
                env.advance(ms as f64);
                t.push([f]);
                block_on(c.deliver_due());
                t.script.borrow_mut().faults.clear();
            }
            Step::Flush(f) => {
                t.push([f]);
                block_on(c.flush());
                t.script.borrow_mut().faults.clear();
            }
            Step::Crash => {
                drop(c);
                c = open_client();
                restarts += 1;
            }
            Step::Sweep => t.oracle.borrow_mut().sweep(),
        }
        for id in &ids {
            let n = reports_on_disk(&disk)
                .iter()
                .filter(|r| r["args"]["clientSessionId"] == json!(id))
                .count();
            most = most.max(n.saturating_sub(2 * restarts));
        }
    }
    for _ in 0..200 {
        if c.pending_count() == 0 {
            break;
        }
        env.advance(61_000.0);
        block_on(c.flush());
    }
    prop_assert_eq!(c.pending_count(), 0);
    prop_assert!(c.dead_letters().is_empty(), "{:?}", c.dead_letters());
    let o = t.oracle.borrow();
    prop_assert!(o.mistaken.is_empty(), "taken for replays: {:?}", o.mistaken);
    prop_assert!(
        o.overtaken.is_empty(),
        "out of seq order: {:?}",
        o.overtaken
    );
    for (i, id) in ids.iter().enumerate() {
        let got = o.session(id).and_then(|s| s.network.clone());
        let want = (!sent[i].is_empty()).then(|| fold(&sent[i]));
        prop_assert_eq!(got, want, "session {}", i);
    }
    prop_assert!(
        most <= 2,
        "{} report records for one call beyond two per restart",
        most
    );
    Ok(())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 150, ..Default::default() })]

    #[test]
    fn samples_reach_the_backend_exactly_once_whatever_the_faults(
        steps in proptest::collection::vec(any_step(), 1..120),
        batch_size in 1usize..5,
        seed in proptest::prelude::any::<u64>(),
    ) {
        samples_arrive_once(steps, batch_size, seed)?;
    }
}

/// Against the real local backend.
mod real_backend {
    use std::cell::Cell;
    use std::future::Future;
    use std::rc::Rc;
    use std::time::Duration;

    use serde_json::{json, Value};
    use video_session_sdk::native::{ReqwestTransport, SystemEnv};
    use video_session_sdk::platform::{CallKind, Env, Transport, TransportError};
    use video_session_sdk::{
        Client, Config, EndSessionArgs, MemoryStorage, Session, SessionStatus, StartSessionArgs,
    };

    use super::{fold, nth, reports_on_disk, sample};
    use protocol::network::{Metric, NetworkStats};

    use crate::support::local_server::{LocalServer, ShiftedEnv};

    /// A session's `network` as the protocol reads it (the summaries; `mean` and
    /// `p95` are derived from them), after checking the derived two agree with the
    /// summaries to the last bits a JSON round trip may change.
    fn summaries(network: &Option<Value>) -> NetworkStats {
        let v = network.as_ref().expect("a network value");
        let stats = NetworkStats::from_session_value(v).unwrap();
        for m in Metric::ALL {
            if let Some(s) = stats.get(m) {
                let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
                assert!(
                    close(v[m.name()]["mean"].as_f64().unwrap(), s.mean()),
                    "{v}"
                );
                assert!(close(v[m.name()]["p95"].as_f64().unwrap(), s.p95(m)), "{v}");
            }
        }
        stats
    }

    /// The real transport, which can lose the reply of the next `applyBatch` (after
    /// the backend applied it) or hold a batch for a while before sending it.
    #[derive(Clone)]
    struct Lossy {
        inner: Rc<ReqwestTransport>,
        lose_next_reply: Rc<Cell<bool>>,
        hold_ms: Rc<Cell<u64>>,
    }

    impl Transport for Lossy {
        fn call(
            &self,
            kind: CallKind,
            path: &str,
            args: Value,
        ) -> impl Future<Output = Result<Value, TransportError>> {
            let this = self.clone();
            let path = path.to_string();
            async move {
                let batch = kind == CallKind::Mutation;
                if batch && this.hold_ms.get() > 0 {
                    tokio::time::sleep(Duration::from_millis(this.hold_ms.get())).await;
                }
                let r = this.inner.call(kind, &path, args).await;
                if batch && this.lose_next_reply.replace(false) {
                    r?;
                    return Err(TransportError::Network("reply lost".into()));
                }
                r
            }
        }
    }

    fn start_server() -> LocalServer {
        LocalServer::start("network", &["--test-hooks"])
    }

    async fn sessions_on_server(url: &str, user: &str) -> Vec<Session> {
        let v = ReqwestTransport::new(url)
            .call(
                CallKind::Query,
                "videoCallSessions:getUserSessions",
                json!({ "userId": user }),
            )
            .await
            .unwrap();
        serde_json::from_value(v).unwrap()
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    type RealClient = Client<MemoryStorage, Lossy, ShiftedEnv>;

    async fn open(
        server: &LocalServer,
        user: &str,
        disk: MemoryStorage,
    ) -> (RealClient, Lossy, ShiftedEnv) {
        let env = ShiftedEnv(Rc::new(Cell::new(0.0)));
        let t = Lossy {
            inner: Rc::new(ReqwestTransport::new(&server.url)),
            lose_next_reply: Rc::default(),
            hold_ms: Rc::default(),
        };
        let mut config = Config::new(user);
        config.debounce_ms = 60_000;
        let c = Client::open(config, disk, t.clone(), env.clone())
            .await
            .unwrap();
        (c, t, env)
    }

    async fn connected(c: &RealClient, env: &ShiftedEnv) -> String {
        let id = c
            .start_session(StartSessionArgs {
                support_worker_name: "Dr. Smith".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        env.advance(2_000.0);
        c.mark_connected(None).await.unwrap();
        id
    }

    #[test]
    fn reports_merge_into_the_session_exactly_once_through_a_lost_reply_and_a_resend() {
        let server = start_server();
        runtime().block_on(async {
            let user = "network-user";
            let disk = MemoryStorage::new();
            let (c, t, env) = open(&server, user, disk.clone()).await;
            let id = connected(&c, &env).await;
            let samples: Vec<_> = (0..300).map(nth).collect();
            for s in &samples[..200] {
                env.advance(3_000.0);
                c.report_network_stats(sample(None, *s)).await.unwrap();
            }
            let local = c.get_active_session().await.unwrap().unwrap();
            // The backend applies the batch; its reply is lost.
            t.lose_next_reply.set(true);
            let r = c.flush().await;
            assert!(r.error.is_some(), "{r:?}");
            assert_eq!(r.pending, 3);
            let on_server = sessions_on_server(&server.url, user).await;
            assert_eq!(
                summaries(&on_server[0].network),
                fold(&samples[..200]),
                "applied once already"
            );
            assert_eq!(
                summaries(&on_server[0].network),
                summaries(&local.network),
                "the local view before delivery"
            );
            // Later samples start a new report; the sent one is resent as it was.
            for s in &samples[200..] {
                env.advance(3_000.0);
                c.report_network_stats(sample(Some(&id), *s)).await.unwrap();
            }
            assert_eq!(reports_on_disk(&disk).len(), 2);
            let r = c.flush().await;
            assert_eq!((r.pending, r.rejected), (0, 0), "{r:?}");
            let on_server = sessions_on_server(&server.url, user).await;
            let s = &on_server[0];
            assert_eq!(s.client_session_id.as_deref(), Some(id.as_str()));
            assert_eq!(
                summaries(&s.network),
                fold(&samples),
                "every sample merged exactly once"
            );
            assert!(c.dead_letters().is_empty());
        });
    }

    #[test]
    fn a_sample_while_the_report_is_in_flight_starts_the_next_report() {
        let server = start_server();
        runtime().block_on(async {
            let user = "network-flight";
            let disk = MemoryStorage::new();
            let (c, t, env) = open(&server, user, disk.clone()).await;
            connected(&c, &env).await;
            let samples: Vec<_> = (0..40).map(nth).collect();
            for s in &samples[..30] {
                env.advance(2_000.0);
                c.report_network_stats(sample(None, *s)).await.unwrap();
            }
            let in_flight = reports_on_disk(&disk);
            assert_eq!(in_flight.len(), 1);
            t.hold_ms.set(300);
            let during = async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                for s in &samples[30..] {
                    env.advance(2_000.0);
                    c.report_network_stats(sample(None, *s)).await.unwrap();
                }
                let reports = reports_on_disk(&disk);
                let sent = reports
                    .iter()
                    .find(|r| r["opId"] == in_flight[0]["opId"])
                    .expect("the report in flight is still stored");
                assert_eq!(sent, &in_flight[0], "never changed in flight");
                reports.len()
            };
            let (first, stored_during) = tokio::join!(c.flush(), during);
            assert_eq!(stored_during, 2, "the next samples are a new report");
            t.hold_ms.set(0);
            let second = c.flush().await;
            assert_eq!(
                (first.rejected, second.rejected, second.pending),
                (0, 0, 0),
                "{first:?} {second:?}"
            );
            let on_server = sessions_on_server(&server.url, user).await;
            assert_eq!(summaries(&on_server[0].network), fold(&samples));
        });
    }

    /// The backend closes a call the device went silent on (endReason "timeout");
    /// the device comes back, sees it, and still ends its call: the backend keeps
    /// the real end time and duration.
    #[test]
    fn a_call_the_backend_timed_out_can_still_be_ended_by_the_device() {
        let server = start_server();
        runtime().block_on(async {
            let user = "abandoned-user";
            let (c, _t, env) = open(&server, user, MemoryStorage::new()).await;
            let id = connected(&c, &env).await;
            env.advance(10_000.0);
            c.report_network_stats(sample(None, nth(1))).await.unwrap();
            assert_eq!(c.flush().await.pending, 0);
            // The sweep, as if 5 hours had passed since.
            let now = video_session_sdk::time::format_iso(SystemEnv.now_ms() + 5.0 * 3_600_000.0);
            let reply = reqwest::Client::new()
                .post(format!("{}/test/sweepAbandoned", server.url))
                .json(&json!({ "now": now }))
                .send()
                .await
                .unwrap();
            assert!(reply.status().is_success());
            let closed: Value = reply.json().await.unwrap();
            assert_eq!(closed["closed"], json!(1));
            // The device reads it back (online reads refresh its view).
            let seen = c.get_user_sessions(None).await.unwrap();
            let s = &seen[0];
            assert_eq!(s.session_status, SessionStatus::Ended);
            assert_eq!(s.end_reason.as_deref(), Some("timeout"));
            assert_eq!(s.timed_out_from, Some(SessionStatus::Connected));
            assert!(c.get_active_session().await.unwrap().is_none());
            // The app still holds its call: it ends it (the late op undoes the
            // timeout), 95 s after connecting.
            env.advance(85_000.0);
            let end = c
                .end_session(EndSessionArgs {
                    session: Some(id.clone()),
                    end_reason: Some("user_ended".into()),
                })
                .await
                .unwrap();
            assert_eq!(end.duration, Some(95));
            let local = c.get_user_sessions(None).await.unwrap();
            assert_eq!(
                local[0].timed_out_from, None,
                "the local fold restores it too"
            );
            assert_eq!(local[0].end_reason.as_deref(), Some("user_ended"));
            assert_eq!(c.flush().await.pending, 0);
            let on_server = sessions_on_server(&server.url, user).await;
            let s = &on_server[0];
            assert_eq!(s.session_status, SessionStatus::Ended);
            assert_eq!(s.end_reason.as_deref(), Some("user_ended"));
            assert_eq!(s.timed_out_from, None);
            assert_eq!(s.duration, Some(95.0));
            // No skew shift (the device clock is < 2 min ahead): the backend's times
            // are the device's, and the end is the real one, not the timeout's.
            assert_eq!(s.ended_at, local[0].ended_at, "the real end time");
            let ms = |t: &Option<String>| {
                video_session_sdk::time::parse_iso(t.as_deref().unwrap()).unwrap()
            };
            let call_ms = ms(&s.ended_at) - ms(&s.connected_at);
            assert!((95_000.0..96_000.0).contains(&call_ms), "{call_ms}");
            assert_eq!(summaries(&s.network), summaries(&local[0].network));
            let stats = c.get_call_stats().await.unwrap();
            assert_eq!(
                (stats.completed_sessions, stats.total_duration),
                (1.0, 95.0),
                "counted once, with its duration"
            );
        });
    }
    /// The sweep closes a call that was reconnecting; the device, back, rates it (a
    /// rating judges it as it is: ended) and then ends it (which undoes the timeout:
    /// the reconnecting interval reopens where the sweep closed it, not at the
    /// rating's time). The local view folds it the same way as the backend.
    #[test]
    fn a_timed_out_reconnecting_call_rated_then_ended_matches_the_local_view() {
        let server = start_server();
        runtime().block_on(async {
            let user = "abandoned-reconnecting";
            let (c, _t, env) = open(&server, user, MemoryStorage::new()).await;
            let id = connected(&c, &env).await;
            env.advance(10_000.0);
            c.mark_reconnecting(None).await.unwrap();
            assert_eq!(c.flush().await.pending, 0);
            let now = video_session_sdk::time::format_iso(SystemEnv.now_ms() + 5.0 * 3_600_000.0);
            let reply = reqwest::Client::new()
                .post(format!("{}/test/sweepAbandoned", server.url))
                .json(&json!({ "now": now }))
                .send()
                .await
                .unwrap();
            assert!(reply.status().is_success());
            let seen = c.get_user_sessions(None).await.unwrap();
            assert_eq!(seen[0].timed_out_from, Some(SessionStatus::Reconnecting));
            env.advance(5_000.0);
            c.rate_session(video_session_sdk::RateSessionArgs {
                session: Some(id.clone()),
                rating: 4.0,
                comment: None,
            })
            .await
            .unwrap();
            let rated = c.get_user_sessions(None).await.unwrap();
            assert_eq!(
                rated[0].session_status,
                SessionStatus::Ended,
                "rated as it is"
            );
            assert_eq!(rated[0].timed_out_from, Some(SessionStatus::Reconnecting));
            env.advance(30_000.0);
            let end = c
                .end_session(EndSessionArgs {
                    session: Some(id.clone()),
                    end_reason: None,
                })
                .await
                .unwrap();
            assert_eq!(end.duration, Some(45));
            let local = c.get_user_sessions(None).await.unwrap();
            assert_eq!(c.flush().await.pending, 0);
            let s = &sessions_on_server(&server.url, user).await[0];
            let fields = |s: &Session| {
                (
                    s.session_status,
                    s.duration,
                    s.reconnect_count,
                    s.reconnect_seconds,
                    s.reconnecting_since.clone(),
                    s.rating,
                    s.timed_out_from,
                    s.ended_at.clone(),
                )
            };
            assert_eq!(fields(s), fields(&local[0]), "backend and local view");
            assert_eq!(s.reconnect_seconds, Some(35.0), "from the drop to the end");
            assert_eq!(s.duration, Some(45.0));
            assert_eq!(s.rating, Some(4.0));
            assert!(c.dead_letters().is_empty());
        });
    }
}
