//! Browser tests of delivery: real headless Chromium, real localStorage, real fetch
//! over CORS to the real local server, and direct queries to that server to check
//! what it stored. Run with `bash scripts/test-browser.sh`, which starts the server
//! and bakes its URL in (`VSS_TEST_SERVER_URL`).
//!
//! Every test uses its own user id and storage prefix, so tests never see each
//! other's records even though they share one page's localStorage.
#![cfg(target_arch = "wasm32")]

#[path = "browser/support.rs"]
mod support;

use serde_json::{json, Value};
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn offline_ops_arrive_later_with_their_event_times() {
    let prefix = format!("{}:", unique("offline"));
    let user = unique("u");
    let a = open(options(dead_url(), &user, &prefix)).await;
    let id = ok(a.start_session(start("Dr. Smith")))
        .await
        .as_string()
        .unwrap();
    ok(a.mark_connected(Some(js(&id)))).await;
    sleep(1500).await;
    let end =
        json(&ok(a.end_session(Some(obj(&[("endReason", s("done"))]).unchecked_into()))).await);
    let local_duration = end["duration"].as_u64().expect("a local duration");
    assert!(local_duration >= 1, "connected for 1.5 s: {end}");
    let flushed = json(&ok(a.flush()).await);
    assert_eq!(
        flushed["applied"], 0,
        "the backend is unreachable: {flushed}"
    );
    assert_eq!(flushed["pending"], 3);
    let ops = local_ops(&prefix);
    let (joined, connected, ended) = (
        occurred_at(&ops, "startSession"),
        occurred_at(&ops, "markConnected"),
        occurred_at(&ops, "endSession"),
    );
    a.close();
    drop(a);

    sleep(300).await;
    let (log, handler) = event_log();
    let o = options(server_url(), &user, &prefix);
    set(&o, "onEvent", handler);
    let b = open(o).await;
    // The background sender may deliver before flush() gets its turn; either way
    // all three arrive, each once.
    let report = json(&ok(b.flush()).await);
    assert_eq!(report["pending"], 0, "{report}");
    assert_eq!(delivered(&log), 3);
    assert!(
        local_ops(&prefix).is_empty(),
        "delivered records are removed"
    );

    let sessions = backend(
        "query",
        "videoCallSessions:getUserSessions",
        json!({"userId": user}),
    )
    .await;
    let list = sessions.as_array().expect("a list");
    assert_eq!(list.len(), 1, "{sessions}");
    let s0 = &list[0];
    assert_eq!(s0["clientSessionId"], id.as_str());
    assert_eq!(s0["sessionStatus"], "ended");
    assert_eq!(s0["joinedAt"], joined.as_str());
    assert_eq!(s0["connectedAt"], connected.as_str());
    assert_eq!(s0["endedAt"], ended.as_str());
    assert_eq!(s0["endReason"], "done");
    assert_eq!(s0["duration"].as_f64(), Some(local_duration as f64));
    assert_eq!(end["endedAt"], ended.as_str());
}

#[wasm_bindgen_test]
async fn two_tabs_on_one_storage_deliver_each_op_once() {
    let prefix = format!("{}:", unique("tabs"));
    let user = unique("u");
    let a = open(options(server_url(), &user, &prefix)).await;
    let b = open(options(server_url(), &user, &prefix)).await;
    let mut ids = Vec::new();
    for (i, tab) in [&a, &b, &a, &b].into_iter().enumerate() {
        let id = ok(tab.start_session(start(&format!("Worker {i}")))).await;
        let id = id.as_string().unwrap();
        ok(tab.mark_connected(Some(js(&id)))).await;
        ok(tab.end_session(Some(obj(&[("sessionIdToEnd", s(&id))]).unchecked_into()))).await;
        ids.push(id);
    }
    // Both flush at once; the background senders run too.
    let (ra, rb) = futures_join(ok(a.flush()), ok(b.flush())).await;
    let (ra, rb) = (json(&ra), json(&rb));
    let applied = ra["applied"].as_u64().unwrap() + rb["applied"].as_u64().unwrap();
    assert!(
        applied <= 12,
        "each op applied at most once here: {ra} {rb}"
    );
    ok(a.flush()).await;
    ok(b.flush()).await;
    assert_eq!(a.pending_count(), 0);
    assert_eq!(b.pending_count(), 0);
    assert!(local_ops(&prefix).is_empty());

    let stats = backend(
        "query",
        "videoCallSessions:getCallStats",
        json!({"userId": user}),
    )
    .await;
    assert_eq!(stats["totalSessions"], 4.0, "{stats}");
    assert_eq!(stats["completedSessions"], 4.0, "{stats}");
    let sessions = backend(
        "query",
        "videoCallSessions:getUserSessions",
        json!({"userId": user}),
    )
    .await;
    let mut got: Vec<String> = sessions
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s["clientSessionId"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    got.sort();
    ids.sort();
    assert_eq!(got, ids);
    // Both tabs' reads agree with the backend.
    let sa = json(&ok(a.get_call_stats()).await);
    assert_eq!(sa["totalSessions"], 4.0);
    assert_eq!(json(&ok(b.get_active_session()).await), Value::Null);
}

#[wasm_bindgen_test]
async fn a_refused_op_becomes_a_dead_letter_and_takes_its_session_with_it() {
    let prefix = format!("{}:", unique("dead"));
    let user = unique("u");
    let (log, handler) = event_log();
    let o = options(server_url(), &user, &prefix);
    set(&o, "onEvent", handler);
    let c = open(o).await;
    let bad = obj(&[
        ("supportWorkerName", s("Dr. Smith")),
        ("appointmentId", s("no-such-appointment")),
    ]);
    let id = ok(c.start_session(bad.unchecked_into())).await;
    ok(c.mark_connected(None)).await;
    let report = json(&ok(c.flush()).await);
    assert_eq!(report["pending"], 0, "{report}");

    let dead = json(&c.dead_letters().expect("dead letters"));
    let dead = dead.as_array().expect("a list");
    assert_eq!(dead.len(), 2, "{dead:?}");
    assert_eq!(dead[0]["kind"], "startSession");
    assert_eq!(dead[0]["clientSessionId"], id.as_string().unwrap().as_str());
    let code0 = dead[0]["code"].as_str().unwrap_or_default();
    assert!(
        ["INVALID_ARGUMENT", "NOT_FOUND"].contains(&code0),
        "{dead:?}"
    );
    assert_eq!(dead[1]["kind"], "markConnected");
    let dropped = events(&log)
        .iter()
        .filter(|e| e["type"] == "dropped")
        .count();
    assert_eq!(dropped, 2);
    assert!(local_ops(&prefix).is_empty());
    assert_eq!(local_keys(&format!("{prefix}dead:")).len(), 2);
    let sessions = backend(
        "query",
        "videoCallSessions:getUserSessions",
        json!({"userId": user}),
    )
    .await;
    assert_eq!(sessions, json!([]));
}

#[wasm_bindgen_test]
async fn online_and_pagehide_events_send_without_waiting() {
    let prefix = format!("{}:", unique("triggers"));
    let user = unique("u");
    let (log, handler) = event_log();
    let o = options(server_url(), &user, &prefix);
    set(&o, "onEvent", handler);
    // A debounce far longer than the test: only the triggers can send in time.
    set(&o, "debounceMs", 60_000);
    let c = open(o).await;
    sleep(200).await;
    ok(c.start_session(start("Dr. Smith"))).await;
    sleep(300).await;
    assert_eq!(delivered(&log), 0, "the debounce holds the op back");

    dispatch_window_event("online");
    wait_until(|| delivered(&log) == 1).await;
    assert_eq!(c.pending_count(), 0);

    ok(c.mark_connected(None)).await;
    sleep(100).await;
    assert_eq!(delivered(&log), 1);
    dispatch_window_event("pagehide");
    wait_until(|| delivered(&log) == 2).await;
    dispatch_window_event("pageshow");
    let active = backend(
        "query",
        "videoCallSessions:getActiveSession",
        json!({"userId": user}),
    )
    .await;
    assert_eq!(active["sessionStatus"], "connected");
}

#[wasm_bindgen_test]
async fn without_web_locks_a_storage_lease_elects_the_sender() {
    hide_web_locks(true);
    let prefix = format!("{}:", unique("lease"));
    let user = unique("u");
    let a = open(options(server_url(), &user, &prefix)).await;
    let b = open(options(server_url(), &user, &prefix)).await;
    hide_web_locks(false);
    let mut ids = Vec::new();
    for tab in [&a, &b, &a] {
        let id = ok(tab.start_session(start("Dr. Lease"))).await;
        let id = id.as_string().unwrap();
        ok(tab.end_session(Some(obj(&[("sessionIdToEnd", s(&id))]).unchecked_into()))).await;
        ids.push(id);
    }
    let (ra, rb) = futures_join(ok(a.flush()), ok(b.flush())).await;
    assert_eq!(json(&ra)["pending"], 0);
    assert_eq!(json(&rb)["pending"], 0);
    ok(a.flush()).await;
    assert!(local_ops(&prefix).is_empty());
    assert_eq!(
        local_get(&format!("{prefix}sender-lease")),
        None,
        "the lease is released after a round"
    );
    let stats = backend(
        "query",
        "videoCallSessions:getCallStats",
        json!({"userId": user}),
    )
    .await;
    assert_eq!(stats["totalSessions"], 3.0, "{stats}");
    assert_eq!(stats["completedSessions"], 3.0, "{stats}");
}

#[wasm_bindgen_test]
async fn a_planted_lease_that_never_expires_does_not_stop_sending() {
    let prefix = format!("{}:", unique("ghost-lease"));
    let user = unique("u");
    let store = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    store
        .set_item(
            &format!("{prefix}sender-lease"),
            r#"{"holder":"ghost","expiresAt":1e300}"#,
        )
        .unwrap();
    hide_web_locks(true);
    let a = open(options(server_url(), &user, &prefix)).await;
    hide_web_locks(false);
    ok(a.start_session(start("Dr. Ghost"))).await;
    let report = json(&ok(a.flush()).await);
    assert_eq!(report["pending"], 0, "{report}");
    assert!(local_ops(&prefix).is_empty());
}

/// Fills localStorage until it refuses a write; returns the filler keys.
fn fill_local_storage(prefix: &str) -> Vec<String> {
    let store = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let mut keys = Vec::new();
    let mut size = 1 << 20;
    while size >= 16 {
        let key = format!("{prefix}{}", keys.len());
        if store.set_item(&key, &"x".repeat(size)).is_ok() {
            keys.push(key);
        } else {
            size /= 4;
        }
    }
    keys
}

#[wasm_bindgen_test]
async fn a_full_local_storage_keeps_ops_in_memory_until_there_is_room() {
    let prefix = format!("{}:", unique("quota"));
    let user = unique("u");
    let (log, handler) = event_log();
    let o = options(server_url(), &user, &prefix);
    set(&o, "onEvent", handler);
    set(&o, "debounceMs", 60_000);
    let c = open(o).await;
    sleep(200).await;

    let filler = fill_local_storage(&format!("{prefix}filler:"));
    let started = wait(c.start_session(start("Dr. Full"))).await;
    let stored_while_full = local_ops(&prefix).len();
    let pending_while_full = c.pending_count();
    let storage_full = events(&log)
        .iter()
        .filter(|e| e["type"] == "storageFull")
        .count();
    // Make room before asserting, so a failure here cannot starve later tests.
    let store = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    for k in &filler {
        let _ = store.remove_item(k);
    }

    assert!(!filler.is_empty(), "localStorage took no filler");
    let id = started.expect("the call resolves although storage is full");
    assert_eq!(stored_while_full, 0, "nothing fit in storage");
    assert_eq!(pending_while_full, 1, "the op is kept in memory");
    assert_eq!(storage_full, 1, "the app is told, not thrown at");

    let report = json(&ok(c.flush()).await);
    assert_eq!(report["pending"], 0, "{report}");
    assert_eq!(delivered(&log), 1);
    let active = backend(
        "query",
        "videoCallSessions:getActiveSession",
        json!({"userId": user}),
    )
    .await;
    assert_eq!(active["clientSessionId"], id.as_string().unwrap().as_str());
}

#[wasm_bindgen_test]
async fn another_user_on_this_browser_never_sends_the_first_users_ops() {
    let (first, second) = (unique("first"), unique("second"));
    // The default storage prefix: no storagePrefix option.
    let o = options(dead_url(), &first, "");
    remove(&o, "storagePrefix");
    let a = open(o).await;
    ok(a.start_session(start("Dr. First"))).await;
    a.close();
    drop(a);
    assert_eq!(local_ops(&format!("vss:{first}:")).len(), 1);

    let o = options(server_url(), &second, "");
    remove(&o, "storagePrefix");
    let b = open(o).await;
    assert_eq!(b.pending_count(), 0, "the first user's op is not adopted");
    let report = json(&ok(b.flush()).await);
    assert_eq!(report["applied"], 0, "{report}");
    assert_eq!(local_ops(&format!("vss:{first}:")).len(), 1);
    for user in [&first, &second] {
        let sessions = backend(
            "query",
            "videoCallSessions:getUserSessions",
            json!({ "userId": user }),
        )
        .await;
        assert_eq!(sessions, json!([]), "{user}");
    }
}

#[wasm_bindgen_test]
async fn a_user_whose_id_begins_with_anothers_never_touches_their_keys() {
    let base = unique("acme");
    let nested = format!("{base}:op");
    let store = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    // What today's release stored for the nested user, under the unescaped prefix,
    // which lies inside the shorter user's op namespace.
    let legacy_op = format!("vss:{nested}:op:1705314540000-3f2a9c1b-000000");
    let legacy_current = format!("vss:{nested}:current");
    let record = json!({
        "opId": unique("op"), "kind": "startSession", "clientSessionId": "cs-nested",
        "args": {"supportWorkerName": "Dr. Nested", "clientSessionId": "cs-nested"},
        "occurredAt": "2024-01-15T10:29:00.000Z", "userId": nested, "attempts": 0
    });
    store.set_item(&legacy_op, &record.to_string()).unwrap();
    store.set_item(&legacy_current, "cs-nested").unwrap();

    let o = options(dead_url(), &base, "");
    remove(&o, "storagePrefix");
    let a = open(o).await;
    assert_eq!(a.pending_count(), 0);
    a.close();
    drop(a);
    assert!(local_keys(&format!("vss:{base}:quarantine:")).is_empty());
    assert!(local_get(&legacy_op).is_some() && local_get(&legacy_current).is_some());

    // The nested user's record moves to their escaped prefix and is theirs to send.
    let o = options(dead_url(), &nested, "");
    remove(&o, "storagePrefix");
    let b = open(o).await;
    assert_eq!(b.pending_count(), 1);
    b.close();
    assert!(local_get(&legacy_op).is_none());
    assert_eq!(local_ops(&format!("vss:{base}%3Aop:")).len(), 1);
    let _ = store.remove_item(&legacy_current);
}

#[wasm_bindgen_test]
async fn a_dropped_shared_and_rated_call_arrives_as_the_device_saw_it() {
    let prefix = format!("{}:", unique("reconnect"));
    let user = unique("u");
    let (log, handler) = event_log();
    let o = options(server_url(), &user, &prefix);
    set(&o, "debounceMs", 60_000);
    set(&o, "onEvent", handler);
    let c = open(o).await;
    let id = ok(c.start_session(start("Dr. Smith")))
        .await
        .as_string()
        .unwrap();
    ok(c.mark_connected(None)).await;
    ok(c.mark_screen_share(js_sys::Boolean::from(true), None)).await;
    ok(c.mark_reconnecting(None)).await;
    sleep(1_100).await;
    ok(c.mark_reconnected(None)).await;
    ok(c.end_session(None)).await;
    ok(c.rate_session(obj(&[("rating", wasm_bindgen::JsValue::from(3))]).unchecked_into())).await;
    let local = json(&ok(c.get_user_sessions(None)).await)[0].clone();
    // The sender's first round may deliver some before flush() does: count events.
    let report = json(&ok(c.flush()).await);
    assert_eq!(report["pending"], 0, "{report}");
    assert_eq!(delivered(&log), 7, "{report}");
    assert_eq!(json(&c.dead_letters().unwrap()), json!([]));
    let stored = backend(
        "query",
        "videoCallSessions:getUserSessions",
        json!({"userId": user}),
    )
    .await[0]
        .clone();
    assert_eq!(stored["clientSessionId"], id.as_str());
    for k in [
        "sessionStatus",
        "duration",
        "reconnectCount",
        "reconnectSeconds",
        "screenShareSeconds",
        "rating",
        "ratedAt",
    ] {
        assert_eq!(
            stored[k]
                .as_f64()
                .map(Value::from)
                .unwrap_or(stored[k].clone()),
            local[k]
                .as_f64()
                .map(Value::from)
                .unwrap_or(local[k].clone()),
            "{k}: backend {stored} local {local}"
        );
    }
    assert!(stored["reconnectSeconds"].as_f64() >= Some(1.0), "{stored}");
    assert!(stored.get("reconnectingSince").is_none(), "{stored}");
    assert!(
        stored.get("screenShareSince").is_none(),
        "closed at the end: {stored}"
    );
    let stats = backend(
        "query",
        "videoCallSessions:getCallStats",
        json!({"userId": user}),
    )
    .await;
    assert_eq!(stats["totalReconnects"].as_f64(), Some(1.0), "{stats}");
    assert_eq!(stats["averageRating"].as_f64(), Some(3.0), "{stats}");
}

#[wasm_bindgen_test]
async fn network_samples_fold_into_one_stored_report_and_arrive_once() {
    use protocol::network::{Metric, NetworkStats, Summary};
    use wasm_bindgen::JsValue;
    let prefix = format!("{}:", unique("network"));
    let user = unique("u");
    let o = options(server_url(), &user, &prefix);
    set(&o, "debounceMs", 60_000);
    let c = open(o).await;
    let id = ok(c.start_session(start("Dr. Smith")))
        .await
        .as_string()
        .unwrap();
    ok(c.mark_connected(None)).await;
    let mut want = NetworkStats::default();
    for i in 0..60u32 {
        let (rtt, loss) = (f64::from(i * 7 % 400) + 0.5, f64::from(i % 9) * 0.25);
        let mut pairs = vec![
            ("rttMs", JsValue::from(rtt)),
            ("packetLossPct", JsValue::from(loss)),
        ];
        want.add(Metric::RttMs, &Summary::of(Metric::RttMs, rtt));
        want.add(
            Metric::PacketLossPct,
            &Summary::of(Metric::PacketLossPct, loss),
        );
        if i % 2 == 0 {
            pairs.push(("sessionId", s(&id)));
        }
        ok(c.report_network_stats(obj(&pairs).unchecked_into())).await;
    }
    let reports = || {
        local_ops(&prefix)
            .into_iter()
            .filter(|o| o["kind"] == "reportNetworkStats")
            .collect::<Vec<_>>()
    };
    assert_eq!(reports().len(), 1, "one stored record for 60 samples");
    assert_eq!(reports()[0]["args"]["rttMs"]["count"], 60);
    // Summaries compared as the protocol reads them (mean and p95 derive from them).
    let read = |v: &Value| NetworkStats::from_session_value(v).unwrap();
    let local = json(&ok(c.get_active_session()).await);
    assert_eq!(read(&local["network"]), want, "{local}");
    assert_eq!(local["network"]["rttMs"]["count"], 60);

    // Bad samples: typed errors naming the metric, nothing folded or stored.
    let before = (local_keys(&prefix), local_ops(&prefix));
    let bad = [
        ("rttMs", JsValue::from(f64::NAN)),
        ("jitterMs", JsValue::from(-1)),
        ("packetLossPct", JsValue::from(100.5)),
        ("bitrateKbps", JsValue::from(100_001)),
        ("rttMs", JsValue::from(f64::INFINITY)),
        ("rttMs", s("80")),
        ("jitterMs", JsValue::TRUE),
        ("bitrateKbps", obj(&[("count", JsValue::from(1))])),
    ];
    for (metric, value) in bad {
        let args = obj(&[(metric, value.clone()), ("bitrateKbps", JsValue::from(500))]);
        let args = if metric == "bitrateKbps" {
            obj(&[(metric, value.clone())])
        } else {
            args
        };
        let e = err(c.report_network_stats(args.unchecked_into())).await;
        assert_eq!(code(&e), "INVALID_ARGUMENT", "{metric} {value:?}");
        assert!(describe(&e).contains(metric), "{}", describe(&e));
    }
    for args in [
        JsValue::UNDEFINED,
        JsValue::from(42),
        obj(&[]),
        obj(&[("sessionId", s(&id))]),
        obj(&[
            ("rttMs", JsValue::from(80)),
            ("sessionId", JsValue::from(7)),
        ]),
    ] {
        let e = err(c.report_network_stats(args.clone().unchecked_into())).await;
        assert_eq!(code(&e), "INVALID_ARGUMENT", "{args:?}: {}", describe(&e));
    }
    assert_eq!((local_keys(&prefix), local_ops(&prefix)), before);

    // The sender may have sent some of them already: what counts is the backend.
    let report = json(&ok(c.flush()).await);
    assert_eq!(
        (report["pending"].clone(), report["rejected"].clone()),
        (json!(0), json!(0)),
        "{report}"
    );
    let stored = backend(
        "query",
        "videoCallSessions:getUserSessions",
        json!({"userId": user}),
    )
    .await[0]
        .clone();
    assert_eq!(stored["clientSessionId"], id.as_str());
    assert_eq!(read(&stored["network"]), want, "{stored}");
    // A sample of a finished call is refused.
    ok(c.end_session(None)).await;
    let e = err(c.report_network_stats(
        obj(&[("rttMs", JsValue::from(80)), ("sessionId", s(&id))]).unchecked_into(),
    ))
    .await;
    assert_eq!(code(&e), "INVALID_TRANSITION", "{}", describe(&e));
    c.close();
}

/// The analytics reads of the wasm surface: the page's own UTC offset (js `Date`)
/// reaches the stored session, the reads answer from the backend, a bad argument is
/// `INVALID_ARGUMENT` with no request, and an unreachable backend without an
/// earlier answer is `NETWORK`.
#[wasm_bindgen_test]
async fn analytics_reads_answer_in_the_pages_local_time() {
    let prefix = format!("{}:", unique("analytics"));
    let user = unique("u");
    let c = open(options(server_url(), &user, &prefix)).await;
    let id = ok(c.start_session(start("Dr. Analytics")))
        .await
        .as_string()
        .unwrap();
    ok(c.report_quality_issue(js("Echo"), None)).await;
    let ops = local_ops(&prefix);
    let offset = -js_sys::Date::new_0().get_timezone_offset();
    assert_eq!(
        ops[0]["args"]["utcOffsetMin"].as_f64(),
        Some(offset),
        "{ops:?}"
    );
    assert_eq!(ops[1]["args"]["utcOffsetMin"].as_f64(), Some(offset));
    ok(c.end_session(None)).await;
    let report = json(&ok(c.flush()).await);
    assert_eq!(report["pending"], 0, "{report}");
    let sessions = backend(
        "query",
        "videoCallSessions:getUserSessions",
        json!({"userId": user}),
    )
    .await;
    assert_eq!(sessions[0]["clientSessionId"], id.as_str());
    assert_eq!(sessions[0]["utcOffsetMin"].as_f64(), Some(offset));

    let now = js_sys::Date::new_0();
    let today = format!(
        "{:04}-{:02}-{:02}",
        now.get_full_year(),
        now.get_month() + 1,
        now.get_date()
    );
    let range = |g: &str| {
        obj(&[
            ("granularity", s(g)),
            ("from", s(&today)),
            ("to", s(&today)),
        ])
        .unchecked_into()
    };
    let volume = json(&ok(c.get_call_volume(range("day"))).await);
    assert_eq!(
        volume,
        json!([{"bucket": today, "calls": 1, "completedSessions": 1, "failedSessions": 0}])
    );
    let trend = json(&ok(c.get_duration_trend(range("month"))).await);
    assert_eq!(trend[0]["completedSessions"], 1.0, "{trend}");
    assert_eq!(
        trend[0]["averageDuration"],
        Value::Null,
        "never connected: {trend}"
    );
    let peak = json(&ok(c.get_peak_hours()).await);
    let weekday = (now.get_day() + 6) % 7;
    assert_eq!(peak.as_array().unwrap().len(), 7);
    let calls: f64 = peak
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d.as_array().unwrap().iter().map(|n| n.as_f64().unwrap()))
        .sum();
    assert_eq!(calls, 1.0, "{peak}");
    let hour = now.get_hours() as usize;
    let cell = |h: usize| peak[weekday as usize][h].as_f64().unwrap();
    // The call started a moment ago: this local hour (or the one before it).
    assert!(
        cell(hour) == 1.0 || (hour > 0 && cell(hour - 1) == 1.0),
        "{peak}"
    );
    let issues = json(&ok(c.get_issues_by_hour()).await);
    assert_eq!(issues.as_array().unwrap().len(), 24);
    let board = json(&ok(c.get_support_worker_leaderboard(None)).await);
    assert!(board.as_array().is_some(), "{board}");

    let bad = err(c.get_call_volume(range("hour"))).await;
    assert_eq!(code(&bad), "INVALID_ARGUMENT");
    assert!(describe(&bad).contains("granularity"), "{}", describe(&bad));
    let bad = err(c.get_support_worker_leaderboard(Some(
        obj(&[("limit", wasm_bindgen::JsValue::from_f64(f64::NAN))]).unchecked_into(),
    )))
    .await;
    assert_eq!(code(&bad), "INVALID_ARGUMENT");
    c.close();

    let off = open(options(
        dead_url(),
        &user,
        &format!("{}:", unique("an-off")),
    ))
    .await;
    assert_eq!(code(&err(off.get_peak_hours()).await), "NETWORK");
    off.close();
}
