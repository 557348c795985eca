//! Analytics (issue #13 item 5) over real HTTP on loopback: every row of the
//! contract's effect table (docs/contract.md, "Analytics"), every refusal of the
//! new arguments and queries (which changes nothing), the identity rule, a session
//! started before analytics (no offset: it touches no bucket), and a database file
//! of the previous schema, which opens with its rows kept.

mod support;

use protocol::network::{Metric, Summary};
use rusqlite::Connection;
use serde_json::{json, Value};
use support::{token, Server};
use video_session_server::ids::{new_id, Table};

const BATCH: &str = "videoCallSessions:applyBatch";

fn vcs(name: &str) -> String {
    format!("videoCallSessions:{name}")
}

/// Starts a session for `u` at `t` (worker `worker`), with `offset` when given.
fn start(server: &Server, client: &str, worker: &str, t: &str, offset: Option<i64>) -> String {
    let mut args = json!({"userId": "u", "supportWorkerName": format!("Dr. {worker}"),
        "supportWorkerId": worker, "clientSessionId": client, "occurredAt": t});
    if let Some(offset) = offset {
        args["utcOffsetMin"] = json!(offset);
    }
    server
        .mutation(&vcs("startSession"), args)
        .as_str()
        .expect("an id")
        .to_string()
}

/// A single mutation on the session `client` names, at `t`, with `extra` args.
fn op(server: &Server, name: &str, client: &str, t: &str, extra: Value) -> Value {
    let mut args = json!({"clientSessionId": client, "occurredAt": t});
    for (k, v) in extra.as_object().unwrap() {
        args[k] = v.clone();
    }
    server.mutation(&vcs(name), args)
}

fn volume(server: &Server, granularity: &str, from: &str, to: &str) -> Value {
    server.query(
        &vcs("getCallVolume"),
        json!({"userId": "u", "granularity": granularity, "from": from, "to": to}),
    )
}

fn trend(server: &Server, granularity: &str, from: &str, to: &str) -> Value {
    server.query(
        &vcs("getDurationTrend"),
        json!({"userId": "u", "granularity": granularity, "from": from, "to": to}),
    )
}

fn peak(server: &Server) -> Value {
    server.query(&vcs("getPeakHours"), json!({"userId": "u"}))
}

fn issues(server: &Server) -> Value {
    server.query(&vcs("getIssuesByHour"), json!({"userId": "u"}))
}

fn leaderboard(server: &Server) -> Value {
    server.query(&vcs("getSupportWorkerLeaderboard"), json!({}))
}

fn v(bucket: &str, calls: u32, completed: u32, failed: u32) -> Value {
    json!({"bucket": bucket, "calls": calls, "completedSessions": completed, "failedSessions": failed})
}

fn d(bucket: &str, completed: u32, timed: u32, average: Value) -> Value {
    json!({"bucket": bucket, "completedSessions": completed, "timedCalls": timed, "averageDuration": average})
}

/// A 7×24 grid of zeros with `cells` (weekday, hour, n) set.
fn grid(cells: &[(usize, usize, u32)]) -> Value {
    let mut g = vec![vec![0u32; 24]; 7];
    for &(day, hour, n) in cells {
        g[day][hour] = n;
    }
    json!(g)
}

fn hours(cells: &[(usize, u32)]) -> Value {
    let mut h = vec![0u32; 24];
    for &(hour, n) in cells {
        h[hour] = n;
    }
    json!(h)
}

/// Everything the analytics queries say about `u`, for "nothing changed" checks.
fn snapshot(server: &Server) -> Value {
    json!({
        "volume": volume(server, "day", "2024-01-14", "2024-01-18"),
        "trend": trend(server, "month", "2024-01-01", "2024-02-01"),
        "peak": peak(server),
        "issues": issues(server),
        "leaderboard": leaderboard(server),
        "stats": server.query(&vcs("getCallStats"), json!({"userId": "u"})),
    })
}

#[test]
fn starts_ends_failures_and_issues_land_in_their_local_buckets() {
    let server = Server::start();
    // New York, 22:30 on Monday 15 January local (03:30 UTC on the 16th).
    let s1 = start(&server, "s1", "w1", "2024-01-16T03:30:00Z", Some(-300));
    let doc = server.query(&vcs("getSession"), json!({"sessionId": s1}));
    assert_eq!(doc["utcOffsetMin"], -300);
    op(
        &server,
        "markConnected",
        "s1",
        "2024-01-16T03:30:10Z",
        json!({}),
    );
    op(
        &server,
        "endSession",
        "s1",
        "2024-01-16T03:45:10Z",
        json!({}),
    );
    // No offset given: stored as 0, bucketed in UTC; 23:50 to 00:20 is one call of
    // the first day, completed.
    let s2 = start(&server, "s2", "w1", "2024-01-15T23:50:00Z", None);
    let doc = server.query(&vcs("getSession"), json!({"sessionId": s2}));
    assert_eq!(doc["utcOffsetMin"], 0);
    op(
        &server,
        "markConnected",
        "s2",
        "2024-01-15T23:50:00Z",
        json!({}),
    );
    let ended = op(
        &server,
        "endSession",
        "s2",
        "2024-01-16T00:20:00Z",
        json!({}),
    );
    assert_eq!(ended["duration"], 1800);
    assert_eq!(ended["utcOffsetMin"], 0, "the session reply carries it");
    // Berlin, Wednesday 11:00 local; cancelled before it connected (no duration).
    start(&server, "s3", "w2", "2024-01-17T10:00:00Z", Some(60));
    op(
        &server,
        "endSession",
        "s3",
        "2024-01-17T10:00:20Z",
        json!({}),
    );
    // Thursday 1 February 12:00 UTC, two issues, then failed.
    start(&server, "s4", "w2", "2024-02-01T12:00:00Z", Some(0));
    op(
        &server,
        "reportQualityIssue",
        "s4",
        "2024-02-01T12:05:00Z",
        json!({"issue": "echo", "utcOffsetMin": 330}),
    );
    op(
        &server,
        "reportQualityIssue",
        "s4",
        "2024-02-01T12:06:00Z",
        json!({"issue": "echo"}),
    );
    op(
        &server,
        "markFailed",
        "s4",
        "2024-02-01T12:07:00Z",
        json!({}),
    );

    assert_eq!(
        volume(&server, "day", "2024-01-15", "2024-01-17"),
        json!([
            v("2024-01-15", 2, 2, 0),
            v("2024-01-16", 0, 0, 0),
            v("2024-01-17", 1, 1, 0)
        ])
    );
    // Weeks are named by their Monday; `from` mid-week still gives its week.
    assert_eq!(
        volume(&server, "week", "2024-01-17", "2024-02-01"),
        json!([
            v("2024-01-15", 3, 3, 0),
            v("2024-01-22", 0, 0, 0),
            v("2024-01-29", 1, 0, 1)
        ])
    );
    assert_eq!(
        volume(&server, "month", "2023-12-31", "2024-02-29"),
        json!([
            v("2023-12", 0, 0, 0),
            v("2024-01", 3, 3, 0),
            v("2024-02", 1, 0, 1)
        ])
    );
    assert_eq!(
        trend(&server, "day", "2024-01-15", "2024-01-17"),
        json!([
            d("2024-01-15", 2, 2, json!(1350)),
            d("2024-01-16", 0, 0, Value::Null),
            d("2024-01-17", 1, 0, Value::Null)
        ])
    );
    assert_eq!(
        trend(&server, "month", "2024-02-01", "2024-02-01"),
        json!([d("2024-02", 0, 0, Value::Null)])
    );
    assert_eq!(
        peak(&server),
        grid(&[(0, 22, 1), (0, 23, 1), (2, 11, 1), (3, 12, 1)])
    );
    // The op's offset wins (12:05 UTC + 5:30 = 17:35); without one, the session's.
    assert_eq!(issues(&server), hours(&[(12, 1), (17, 1)]));

    // A start replayed by its clientSessionId changes nothing.
    let before = snapshot(&server);
    let again = start(&server, "s1", "w1", "2024-03-01T10:00:00Z", Some(120));
    assert_eq!(again, s1);
    assert_eq!(snapshot(&server), before);
}

#[test]
fn ratings_and_network_reports_feed_the_leaderboard() {
    let server = Server::start();
    for (client, worker) in [("a1", "w1"), ("a2", "w1"), ("b1", "w2"), ("b2", "w2")] {
        start(&server, client, worker, "2024-01-15T10:00:00Z", Some(0));
    }
    for client in ["a1", "a2"] {
        op(
            &server,
            "markConnected",
            client,
            "2024-01-15T10:00:10Z",
            json!({}),
        );
    }
    // Samples: a sample is a summary of one.
    op(
        &server,
        "reportNetworkStats",
        "a1",
        "2024-01-15T10:01:00Z",
        json!({"rttMs": 100, "packetLossPct": 1.5, "jitterMs": 30}),
    );
    let reported = op(
        &server,
        "reportNetworkStats",
        "a1",
        "2024-01-15T10:02:00Z",
        json!({"rttMs": 151, "packetLossPct": 0}),
    );
    // A summary (as the SDK sends a folded window) adds its sum and count.
    let summary = reported["network"]["rttMs"].clone();
    assert_eq!(summary["count"], 2);
    op(
        &server,
        "reportNetworkStats",
        "a2",
        "2024-01-15T10:03:00Z",
        json!({"rttMs": summary, "bitrateKbps": 900}),
    );
    op(
        &server,
        "endSession",
        "a1",
        "2024-01-15T10:10:10Z",
        json!({}),
    );
    op(
        &server,
        "endSession",
        "a2",
        "2024-01-15T10:20:10Z",
        json!({}),
    );
    op(
        &server,
        "rateSession",
        "a1",
        "2024-01-15T10:30:00Z",
        json!({"rating": 5}),
    );
    op(
        &server,
        "rateSession",
        "a2",
        "2024-01-15T10:30:00Z",
        json!({"rating": 4}),
    );
    op(
        &server,
        "reportQualityIssue",
        "b1",
        "2024-01-15T10:00:30Z",
        json!({"issue": "frozen video"}),
    );
    op(
        &server,
        "endSession",
        "b1",
        "2024-01-15T10:01:00Z",
        json!({}),
    );
    op(
        &server,
        "markFailed",
        "b2",
        "2024-01-15T10:01:00Z",
        json!({}),
    );
    op(
        &server,
        "rateSession",
        "b2",
        "2024-01-15T10:30:00Z",
        json!({"rating": 2}),
    );

    let w1 = json!({"supportWorkerId": "w1", "supportWorkerName": "Dr. w1", "totalSessions": 2,
        "completedSessions": 2, "completionRate": 1, "averageDuration": 900,
        "averageRating": 4.5, "ratedSessions": 2, "issuesPerCall": 0,
        "averageRttMs": 125.5, "averagePacketLossPct": 0.75});
    let w2 = json!({"supportWorkerId": "w2", "supportWorkerName": "Dr. w2", "totalSessions": 2,
        "completedSessions": 1, "completionRate": 0.5, "averageDuration": 0,
        "averageRating": 2, "ratedSessions": 1, "issuesPerCall": 0.5,
        "averageRttMs": Value::Null, "averagePacketLossPct": Value::Null});
    // Equal totals: the newest stats row (w2's) first, as getSupportWorkerStats.
    assert_eq!(leaderboard(&server), json!([w2, w1]));
    let one = server.query(&vcs("getSupportWorkerLeaderboard"), json!({"limit": 1}));
    assert_eq!(one, json!([w2]));
    let clamped = server.query(&vcs("getSupportWorkerLeaderboard"), json!({"limit": 1e9}));
    assert_eq!(clamped.as_array().unwrap().len(), 2);
    // Worker rows for getSupportWorkerStats keep their shape.
    let stats = server.query(
        &vcs("getSupportWorkerStats"),
        json!({"supportWorkerId": "w1"}),
    );
    assert!(stats[0].get("averageRating").is_none(), "{stats}");

    // A third worker with more sessions leads; two-decimal rounding of rates.
    for i in 0..3 {
        start(
            &server,
            &format!("c{i}"),
            "w3",
            "2024-01-16T10:00:00Z",
            None,
        );
    }
    op(
        &server,
        "endSession",
        "c0",
        "2024-01-16T10:01:00Z",
        json!({}),
    );
    let board = leaderboard(&server);
    assert_eq!(board[0]["supportWorkerId"], "w3");
    assert_eq!(board[0]["completionRate"], 0.33);
    assert_eq!(board[0]["averageRating"], Value::Null);
    assert_eq!(board[0]["ratedSessions"], 0);
}

#[test]
fn a_timeout_counts_as_completed_until_a_late_op_undoes_it() {
    let server = Server::start_with(&["--test-hooks"]);
    start(&server, "t1", "w1", "2024-01-15T10:00:00Z", Some(120));
    op(
        &server,
        "markConnected",
        "t1",
        "2024-01-15T10:00:10Z",
        json!({}),
    );
    let day = |server: &Server| trend(server, "day", "2024-01-15", "2024-01-15");
    let (status, reply) = server.post_raw(
        "/test/sweepAbandoned",
        json!({"now": "2024-01-15T14:00:10.001Z"}).to_string(),
        None,
    );
    assert_eq!((status, reply["closed"].clone()), (200, json!(1)));
    assert_eq!(day(&server), json!([d("2024-01-15", 1, 0, Value::Null)]));
    assert_eq!(
        volume(&server, "day", "2024-01-15", "2024-01-15"),
        json!([v("2024-01-15", 1, 1, 0)])
    );
    // A late quality issue (no offset on the op: the session's +120) undoes it.
    let late = op(
        &server,
        "reportQualityIssue",
        "t1",
        "2024-01-15T10:01:00Z",
        json!({"issue": "late"}),
    );
    assert_eq!(late["sessionStatus"], "connected");
    assert_eq!(day(&server), json!([d("2024-01-15", 0, 0, Value::Null)]));
    assert_eq!(issues(&server), hours(&[(12, 1)]));
    op(
        &server,
        "endSession",
        "t1",
        "2024-01-15T10:10:10Z",
        json!({}),
    );
    assert_eq!(day(&server), json!([d("2024-01-15", 1, 1, json!(600))]));
    assert_eq!(peak(&server), grid(&[(0, 12, 1)]));
}

#[test]
fn batch_ops_carry_the_offset_and_bad_offsets_reject_only_their_op() {
    let server = Server::start();
    let op = |id: &str, kind: &str, t: &str, args: Value| json!({"opId": id, "kind": kind, "occurredAt": t, "args": args});
    let reply = server.mutation(
        BATCH,
        json!({"userId": "u", "ops": [
            // Los Angeles, Sunday 14 January 20:00 local.
            op("b1", "startSession", "2024-01-15T04:00:00Z",
                json!({"supportWorkerName": "W", "clientSessionId": "k", "utcOffsetMin": -480})),
            op("b2", "reportQualityIssue", "2024-01-15T04:01:00Z",
                json!({"clientSessionId": "k", "issue": "x", "utcOffsetMin": 540})),
            op("b3", "startSession", "2024-01-15T04:00:00Z",
                json!({"supportWorkerName": "W", "utcOffsetMin": 841})),
            op("b4", "startSession", "2024-01-15T04:00:00Z",
                json!({"supportWorkerName": "W", "utcOffsetMin": "60"})),
            op("b5", "reportQualityIssue", "2024-01-15T04:02:00Z",
                json!({"clientSessionId": "k", "issue": "y", "utcOffsetMin": 59.5})),
            op("b6", "reportQualityIssue", "2024-01-15T04:02:00Z",
                json!({"clientSessionId": "k", "issue": "y", "utcOffsetMin": null})),
        ]}),
    );
    let results = reply["results"].as_array().unwrap();
    assert_eq!(results[0]["status"], "applied", "{reply}");
    assert_eq!(results[1]["status"], "applied", "{reply}");
    for (i, named) in [(2, true), (3, false), (4, true), (5, false)] {
        assert_eq!(results[i]["status"], "rejected", "{reply}");
        assert_eq!(results[i]["error"]["code"], "INVALID_ARGUMENT", "{reply}");
        let message = results[i]["error"]["message"].as_str().unwrap();
        assert!(!named || message.contains("utcOffsetMin"), "{message}");
    }
    assert_eq!(
        volume(&server, "day", "2024-01-14", "2024-01-15"),
        json!([v("2024-01-14", 1, 0, 0), v("2024-01-15", 0, 0, 0)])
    );
    assert_eq!(peak(&server), grid(&[(6, 20, 1)]));
    // 04:01 UTC at +9:00 is 13:01.
    assert_eq!(issues(&server), hours(&[(13, 1)]));
    let session = server.query(&vcs("getSession"), json!({"clientSessionId": "k"}));
    assert_eq!(session["utcOffsetMin"], -480);
    assert_eq!(session["qualityIssues"], json!(["x"]));
}

/// A call that must fail with a coded error; returns (code, message).
fn refusal(server: &Server, kind: &str, path: &str, args: Value) -> (String, String) {
    let reply = server.call(kind, path, args, None);
    assert_eq!(reply["status"], "error", "{path} should fail: {reply}");
    let code = reply["errorData"]["code"].as_str();
    let code = code.unwrap_or_else(|| panic!("{path}: not coded: {reply}"));
    (
        code.to_string(),
        reply["errorData"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[test]
fn bad_offsets_are_refused_and_change_nothing() {
    let server = Server::start();
    start(&server, "k", "w1", "2024-01-15T10:00:00Z", Some(840));
    start(&server, "k2", "w1", "2024-01-15T10:00:00Z", Some(-840));
    let before = snapshot(&server);
    let sessions = server.query(&vcs("getUserSessions"), json!({"userId": "u"}));
    for bad in [json!(841), json!(-841), json!(0.5), json!(1e300)] {
        let args = json!({"userId": "u", "supportWorkerName": "W", "utcOffsetMin": bad});
        let (code, message) = refusal(&server, "mutation", &vcs("startSession"), args);
        assert_eq!(code, "INVALID_ARGUMENT");
        assert!(message.contains("utcOffsetMin"), "{message}");
        let args = json!({"clientSessionId": "k", "issue": "x", "utcOffsetMin": bad});
        let (code, message) = refusal(&server, "mutation", &vcs("reportQualityIssue"), args);
        assert_eq!(code, "INVALID_ARGUMENT");
        assert!(message.contains("utcOffsetMin"), "{message}");
    }
    for bad in [
        json!("60"),
        json!(null),
        json!(true),
        json!({"$integer": "PAAAAAAAAAA="}),
    ] {
        let args = json!({"userId": "u", "supportWorkerName": "W", "utcOffsetMin": bad});
        server.validator_error("mutation", &vcs("startSession"), args);
        let args = json!({"clientSessionId": "k", "issue": "x", "utcOffsetMin": bad});
        server.validator_error("mutation", &vcs("reportQualityIssue"), args);
    }
    // Only the two ops take it.
    let args = json!({"clientSessionId": "k", "utcOffsetMin": 60});
    server.validator_error("mutation", &vcs("markConnected"), args);
    assert_eq!(snapshot(&server), before);
    assert_eq!(
        server.query(&vcs("getUserSessions"), json!({"userId": "u"})),
        sessions
    );
}

#[test]
fn bad_query_arguments_are_refused_naming_the_argument() {
    let server = Server::start();
    let range = |g: Value, from: Value, to: Value| json!({"userId": "u", "granularity": g, "from": from, "to": to});
    let coded = [
        (
            range(json!("year"), json!("2024-01-01"), json!("2024-01-02")),
            "granularity",
        ),
        (
            range(json!("Day"), json!("2024-01-01"), json!("2024-01-02")),
            "granularity",
        ),
        (
            range(json!("day"), json!("2024-02-30"), json!("2024-03-01")),
            "from",
        ),
        (
            range(json!("day"), json!("1969-12-31"), json!("2024-03-01")),
            "from",
        ),
        (
            range(json!("day"), json!("2024-1-05"), json!("2024-03-01")),
            "from",
        ),
        (
            range(json!("day"), json!("2024-01-05T00:00"), json!("2024-03-01")),
            "from",
        ),
        (
            range(json!("day"), json!("2024-01-01"), json!("2023-02-29")),
            "to",
        ),
        (range(json!("day"), json!("2024-01-01"), json!("")), "to"),
        (
            range(json!("day"), json!("2024-01-02"), json!("2024-01-01")),
            "from",
        ),
        // 367 days; 366 pass below.
        (
            range(json!("day"), json!("2024-01-01"), json!("2025-01-01")),
            "from",
        ),
        (
            range(json!("week"), json!("2024-01-01"), json!("2031-12-31")),
            "from",
        ),
        (
            range(json!("month"), json!("1970-01-01"), json!("2000-12-31")),
            "from",
        ),
    ];
    for name in ["getCallVolume", "getDurationTrend"] {
        for (args, named) in &coded {
            let (code, message) = refusal(&server, "query", &vcs(name), args.clone());
            assert_eq!(code, "INVALID_ARGUMENT", "{args}");
            assert!(message.contains(named), "{args}: {message}");
        }
        let long = range(
            json!("x".repeat(100_000)),
            json!("2024-01-01"),
            json!("2024-01-01"),
        );
        let (_, message) = refusal(&server, "query", &vcs(name), long);
        assert!(message.len() < 1000, "the message does not echo it all");
        let typed = [
            range(json!(1), json!("2024-01-01"), json!("2024-01-02")),
            range(json!("day"), json!(20240101), json!("2024-01-02")),
            range(json!("day"), json!("2024-01-01"), json!(null)),
            json!({"userId": "u", "granularity": "day", "from": "2024-01-01"}),
            json!({"userId": "u", "granularity": "day", "from": "2024-01-01", "to": "2024-01-01", "tz": 1}),
        ];
        for args in typed {
            server.validator_error("query", &vcs(name), args);
        }
        let full = server.query(
            &vcs(name),
            range(json!("day"), json!("2024-01-01"), json!("2024-12-31")),
        );
        assert_eq!(full.as_array().unwrap().len(), 366);
        assert_eq!(full[365]["bucket"], "2024-12-31");
        let weeks = server.query(
            &vcs(name),
            range(json!("week"), json!("9999-12-01"), json!("9999-12-31")),
        );
        assert_eq!(weeks[0]["bucket"], "9999-11-29");
        assert_eq!(weeks.as_array().unwrap().len(), 5);
        // Without an identity the userId is required.
        let (code, _) = refusal(
            &server,
            "query",
            &vcs(name),
            json!({"granularity": "day", "from": "2024-01-01", "to": "2024-01-01"}),
        );
        assert_eq!(code, "INVALID_ARGUMENT");
    }
    for name in ["getPeakHours", "getIssuesByHour"] {
        let (code, _) = refusal(&server, "query", &vcs(name), json!({}));
        assert_eq!(code, "INVALID_ARGUMENT");
        server.validator_error("query", &vcs(name), json!({"userId": 7}));
        server.validator_error("query", &vcs(name), json!({"userId": "u", "day": 1}));
    }
    for bad in [0.0, -1.0, 1.5] {
        let (code, message) = refusal(
            &server,
            "query",
            &vcs("getSupportWorkerLeaderboard"),
            json!({"limit": bad}),
        );
        assert_eq!(code, "INVALID_ARGUMENT");
        assert!(message.contains("limit"), "{message}");
    }
    server.validator_error(
        "query",
        &vcs("getSupportWorkerLeaderboard"),
        json!({"limit": "5"}),
    );
    server.validator_error(
        "query",
        &vcs("getSupportWorkerLeaderboard"),
        json!({"userId": "u"}),
    );
    // The analytics are queries: a mutation call of one is refused.
    let reply = server.call(
        "mutation",
        &vcs("getPeakHours"),
        json!({"userId": "u"}),
        None,
    );
    assert_eq!(reply["status"], "error");
}

#[test]
fn with_identity_only_the_callers_own_analytics_are_readable() {
    let server = Server::start_auth();
    let call = |user: &str, name: &str, args: Value| {
        server.call("query", &vcs(name), args, Some(&token(user)))
    };
    server.mutation_as(
        "alice",
        &vcs("startSession"),
        json!({"supportWorkerName": "W", "supportWorkerId": "w", "utcOffsetMin": 60,
            "clientSessionId": "al", "occurredAt": "2024-01-15T10:00:00Z"}),
    );
    server.mutation_as(
        "alice",
        &vcs("reportQualityIssue"),
        json!({"clientSessionId": "al", "issue": "x", "occurredAt": "2024-01-15T10:01:00Z"}),
    );
    server.mutation_as(
        "alice",
        &vcs("endSession"),
        json!({"clientSessionId": "al", "occurredAt": "2024-01-15T10:02:00Z"}),
    );
    let range = json!({"granularity": "day", "from": "2024-01-15", "to": "2024-01-15"});
    let with_user = |user: &str, args: &Value| {
        let mut args = args.clone();
        args["userId"] = json!(user);
        args
    };
    for (name, args) in [
        ("getCallVolume", range.clone()),
        ("getDurationTrend", range.clone()),
        ("getPeakHours", json!({})),
        ("getIssuesByHour", json!({})),
    ] {
        let reply = call("bob", name, with_user("alice", &args));
        assert_eq!(reply["errorData"]["code"], "FORBIDDEN", "{name}: {reply}");
        let own = call("alice", name, args.clone());
        assert_eq!(own["status"], "success", "{own}");
        assert_eq!(call("alice", name, with_user("alice", &args)), own);
        let bobs = call("bob", name, args.clone());
        assert_eq!(bobs["status"], "success");
        assert_ne!(
            bobs["value"], own["value"],
            "{name}: bob sees only his zeros"
        );
        let body = json!({"path": vcs(name), "args": with_user("alice", &args)});
        let (status, reply) = server.post_raw("/api/query", body.to_string(), None);
        assert_eq!(status, 401, "{reply}");
    }
    let own = call("alice", "getCallVolume", range.clone());
    assert_eq!(own["value"], json!([v("2024-01-15", 1, 1, 0)]));
    let own = call("alice", "getIssuesByHour", json!({}));
    assert_eq!(own["value"], hours(&[(11, 1)]));
    let peak = call("alice", "getPeakHours", json!({}));
    assert_eq!(peak["value"], grid(&[(0, 11, 1)]));
    // The leaderboard is global: any signed-in caller reads it.
    let board = call("bob", "getSupportWorkerLeaderboard", json!({}));
    assert_eq!(board["value"][0]["supportWorkerId"], "w", "{board}");
    let body = json!({"path": vcs("getSupportWorkerLeaderboard"), "args": {}});
    let (status, _) = server.post_raw("/api/query", body.to_string(), None);
    assert_eq!(status, 401);
}

/// The session and stats tables as the release before analytics left a file (its
/// 30 session columns, worker rows without rating and network sums, no analytics
/// tables). A fixture: it must not follow later changes.
const PRE_ANALYTICS_SCHEMA: &str = r#"
CREATE TABLE video_call_sessions (
    id TEXT PRIMARY KEY, creation_us INTEGER NOT NULL, appointment_id TEXT,
    user_id TEXT NOT NULL, support_worker_name TEXT NOT NULL, support_worker_id TEXT,
    session_status TEXT NOT NULL, joined_at TEXT NOT NULL, connected_at TEXT,
    ended_at TEXT, duration INTEGER, audio_option TEXT, camera_enabled INTEGER,
    mic_enabled INTEGER, quality_issues TEXT, end_reason TEXT, metadata TEXT,
    client_session_id TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    reconnect_count INTEGER, reconnect_seconds INTEGER, reconnecting_since TEXT,
    screen_share_seconds INTEGER, screen_share_since TEXT, rating INTEGER,
    rating_comment TEXT, rated_at TEXT, network TEXT, timed_out_from TEXT
);
CREATE INDEX by_user ON video_call_sessions (user_id, creation_us);
CREATE INDEX by_client_session ON video_call_sessions (client_session_id, creation_us);
CREATE INDEX by_status_and_updated_at ON video_call_sessions (session_status, updated_at, creation_us);
CREATE TABLE user_stats (
    id TEXT PRIMARY KEY, creation_us INTEGER NOT NULL, user_id TEXT NOT NULL,
    total_sessions INTEGER NOT NULL, completed_sessions INTEGER NOT NULL,
    failed_sessions INTEGER NOT NULL, total_duration INTEGER NOT NULL,
    total_quality_issues INTEGER NOT NULL, total_reconnects INTEGER,
    rating_sum INTEGER, rating_count INTEGER
);
CREATE TABLE worker_stats (
    id TEXT PRIMARY KEY, creation_us INTEGER NOT NULL, support_worker_id TEXT NOT NULL,
    support_worker_name TEXT NOT NULL, total_sessions INTEGER NOT NULL,
    completed_sessions INTEGER NOT NULL, failed_sessions INTEGER NOT NULL,
    total_duration INTEGER NOT NULL, total_quality_issues INTEGER NOT NULL
);
CREATE INDEX by_total ON worker_stats (total_sessions, creation_us);
"#;

/// A pre-analytics file: one call of `u` with worker `w9`, connected since 10:00:10
/// on Monday 15 January, and one ended call of `u` with worker `w8`; their stats.
fn pre_analytics_file(db: &std::path::Path) -> (String, String) {
    let live = new_id(Table::VideoCallSessions);
    let ended = new_id(Table::VideoCallSessions);
    let conn = Connection::open(db).unwrap();
    conn.execute_batch(PRE_ANALYTICS_SCHEMA).unwrap();
    conn.execute(
        "INSERT INTO video_call_sessions VALUES (?1, 1000, NULL, 'u', 'Dr. Old', 'w9', \
         'connected', '2024-01-15T10:00:00.000Z', '2024-01-15T10:00:10.000Z', NULL, NULL, \
         'wifi', 1, 1, NULL, NULL, NULL, 'old', '2024-01-15T10:00:00.000Z', \
         '2024-01-15T10:00:10.000Z', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, ?2, NULL)",
        [
            &live,
            &json!({"rttMs": Summary::of(Metric::RttMs, 50.0).to_session_value(Metric::RttMs)})
                .to_string(),
        ],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO video_call_sessions VALUES (?1, 900, NULL, 'u', 'Dr. Eight', 'w8', \
         'ended', '2024-01-14T09:00:00.000Z', '2024-01-14T09:00:10.000Z', \
         '2024-01-14T09:10:10.000Z', 600, NULL, 1, 1, NULL, NULL, NULL, 'old-ended', \
         '2024-01-14T09:00:00.000Z', '2024-01-14T09:20:00.000Z', NULL, NULL, NULL, NULL, \
         NULL, 3, NULL, '2024-01-14T09:20:00.000Z', NULL, NULL)",
        [&ended],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO user_stats VALUES (?1, 3000, 'u', 2, 1, 0, 600, 0, 0, 3, 1)",
        [new_id(Table::UserStats)],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO worker_stats VALUES (?1, 3001, 'w8', 'Dr. Eight', 1, 1, 0, 600, 0)",
        [new_id(Table::WorkerStats)],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO worker_stats VALUES (?1, 3002, 'w9', 'Dr. Old', 1, 0, 0, 0, 0)",
        [new_id(Table::WorkerStats)],
    )
    .unwrap();
    (live, ended)
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_pre_analytics_file_keeps_its_rows_and_its_sessions_touch_no_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pre-analytics.sqlite3");
    let (live, ended) = pre_analytics_file(&db);

    let server = Server::start_on(&db, &[]);
    // The rows read back as they were: no utcOffsetMin, every field kept.
    let old = server.query(&vcs("getSession"), json!({"sessionId": live}));
    assert!(old.get("utcOffsetMin").is_none(), "{old}");
    assert_eq!(old["sessionStatus"], "connected");
    assert_eq!(old["audioOption"], "wifi");
    assert_eq!(old["network"]["rttMs"]["count"], 1);
    let done = server.query(&vcs("getSession"), json!({"sessionId": ended}));
    assert_eq!(
        (done["duration"].clone(), done["rating"].clone()),
        (json!(600), json!(3))
    );
    let stats = server.query(&vcs("getCallStats"), json!({"userId": "u"}));
    assert_eq!(stats["totalSessions"], 2);
    assert_eq!(stats["averageRating"], 3);
    // Old worker rows read their new counters as 0.
    let board = leaderboard(&server);
    assert_eq!(
        board[0]["supportWorkerId"], "w9",
        "newest row first on ties"
    );
    assert_eq!(board[1]["supportWorkerId"], "w8");
    assert_eq!(board[1]["completionRate"], 1);
    assert_eq!(board[1]["averageDuration"], 600);
    assert_eq!(board[1]["averageRating"], Value::Null);
    assert_eq!(board[1]["averageRttMs"], Value::Null);

    // Ops on the old session touch no analytics row, even with an offset on the op;
    // its worker counters still move.
    let before = json!([
        peak(&server),
        issues(&server),
        volume(&server, "day", "2024-01-14", "2024-01-15")
    ]);
    op(
        &server,
        "reportQualityIssue",
        "old",
        "2024-01-15T10:01:00Z",
        json!({"issue": "echo", "utcOffsetMin": 60}),
    );
    op(
        &server,
        "reportNetworkStats",
        "old",
        "2024-01-15T10:02:00Z",
        json!({"rttMs": 90, "packetLossPct": 2}),
    );
    op(
        &server,
        "endSession",
        "old",
        "2024-01-15T10:10:10Z",
        json!({}),
    );
    op(
        &server,
        "rateSession",
        "old",
        "2024-01-15T10:20:00Z",
        json!({"rating": 4}),
    );
    let after = json!([
        peak(&server),
        issues(&server),
        volume(&server, "day", "2024-01-14", "2024-01-15")
    ]);
    assert_eq!(after, before);
    assert_eq!(
        volume(&server, "day", "2024-01-15", "2024-01-15"),
        json!([v("2024-01-15", 0, 0, 0)])
    );
    let stats = server.query(&vcs("getCallStats"), json!({"userId": "u"}));
    assert_eq!(stats["completedSessions"], 2);
    assert_eq!(stats["totalQualityIssues"], 1);
    let w9 = leaderboard(&server)[0].clone();
    assert_eq!(w9["supportWorkerId"], "w9");
    assert_eq!(w9["averageRating"], 4);
    assert_eq!(
        w9["averageRttMs"], 90,
        "only samples reported after the upgrade"
    );
    assert_eq!(w9["averagePacketLossPct"], 2);
    assert_eq!(w9["issuesPerCall"], 1);
    assert_eq!(w9["averageDuration"], 600);

    // A call started after the upgrade is counted.
    start(&server, "new", "w9", "2024-01-15T11:00:00Z", None);
    assert_eq!(
        volume(&server, "day", "2024-01-15", "2024-01-15"),
        json!([v("2024-01-15", 1, 0, 0)])
    );
    assert!(server.terminate().success());

    let conn = Connection::open(&db).unwrap();
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM pragma_table_info('video_call_sessions')"
        ),
        31
    );
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM pragma_table_info('worker_stats') \
        WHERE name IN ('rating_sum','rating_count','rtt_sum','rtt_count','loss_sum','loss_count')"
        ),
        6
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM video_call_sessions"), 3);
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM video_call_sessions WHERE utc_offset_min IS NULL"
        ),
        2
    );
    // Three period rows and one slot row, all of the new call.
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM user_period_stats"), 3);
    assert_eq!(count(&conn, "SELECT SUM(calls) FROM user_period_stats"), 3);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM user_hour_stats"), 1);
    for index in ["by_user_granularity_bucket", "by_user_slot"] {
        let sql =
            format!("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = '{index}'");
        assert_eq!(count(&conn, &sql), 1, "{index}");
    }
}
