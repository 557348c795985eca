//! Abandoned sessions and network reports (issue #13, items 1 and 2) where the
//! shared scenarios do not reach: a database file of the previous release, the
//! `--session-timeout-minutes` and `--test-hooks` flags, the sweeper thread itself,
//! and metric values JSON cannot spell.

mod support;

use rusqlite::Connection;
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::Server;
use video_session_server::ids::{new_id, Table};
use video_session_server::time;

const BATCH: &str = "videoCallSessions:applyBatch";

fn vcs(name: &str) -> String {
    format!("videoCallSessions:{name}")
}

/// Runs the sweep as if it were `now`; returns how many sessions it closed.
fn sweep(server: &Server, now: &str) -> u64 {
    let (status, reply) = server.post_raw(
        "/test/sweepAbandoned",
        json!({ "now": now }).to_string(),
        None,
    );
    assert_eq!(status, 200, "{reply}");
    reply["closed"].as_u64().expect("closed is a count")
}

/// The tables for sessions and stats as the previous release (reconnection, screen
/// sharing, ratings) left a file: its columns, without `network`, `timed_out_from`
/// and the (status, updatedAt) index. A fixture: it must not follow later changes.
const PREVIOUS_SCHEMA: &str = r#"
CREATE TABLE video_call_sessions (
    id TEXT PRIMARY KEY,
    creation_us INTEGER NOT NULL,
    appointment_id TEXT,
    user_id TEXT NOT NULL,
    support_worker_name TEXT NOT NULL,
    support_worker_id TEXT,
    session_status TEXT NOT NULL,
    joined_at TEXT NOT NULL,
    connected_at TEXT,
    ended_at TEXT,
    duration INTEGER,
    audio_option TEXT,
    camera_enabled INTEGER,
    mic_enabled INTEGER,
    quality_issues TEXT,
    end_reason TEXT,
    metadata TEXT,
    client_session_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    reconnect_count INTEGER,
    reconnect_seconds INTEGER,
    reconnecting_since TEXT,
    screen_share_seconds INTEGER,
    screen_share_since TEXT,
    rating INTEGER,
    rating_comment TEXT,
    rated_at TEXT
);
CREATE INDEX by_user ON video_call_sessions (user_id, creation_us);
CREATE INDEX by_status ON video_call_sessions (session_status, creation_us);
CREATE INDEX by_user_and_status ON video_call_sessions (user_id, session_status, creation_us);
CREATE INDEX by_client_session ON video_call_sessions (client_session_id, creation_us);
CREATE TABLE user_stats (
    id TEXT PRIMARY KEY,
    creation_us INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    total_sessions INTEGER NOT NULL,
    completed_sessions INTEGER NOT NULL,
    failed_sessions INTEGER NOT NULL,
    total_duration INTEGER NOT NULL,
    total_quality_issues INTEGER NOT NULL,
    total_reconnects INTEGER,
    rating_sum INTEGER,
    rating_count INTEGER
);
CREATE TABLE worker_stats (
    id TEXT PRIMARY KEY,
    creation_us INTEGER NOT NULL,
    support_worker_id TEXT NOT NULL,
    support_worker_name TEXT NOT NULL,
    total_sessions INTEGER NOT NULL,
    completed_sessions INTEGER NOT NULL,
    failed_sessions INTEGER NOT NULL,
    total_duration INTEGER NOT NULL,
    total_quality_issues INTEGER NOT NULL
);
"#;

/// A previous-release file: a session reconnecting since 10:05 (last updated then)
/// and one rated after its end, with their stats. Returns the two ids.
fn previous_release_file(db: &std::path::Path) -> (String, String) {
    let live = new_id(Table::VideoCallSessions);
    let ended = new_id(Table::VideoCallSessions);
    let conn = Connection::open(db).unwrap();
    conn.execute_batch(PREVIOUS_SCHEMA).unwrap();
    conn.execute(
        "INSERT INTO video_call_sessions VALUES (?1, 1000, NULL, 'u', 'Dr. Smith', 'w1', \
         'reconnecting', '2024-01-15T10:00:00.000Z', '2024-01-15T10:00:10.000Z', NULL, NULL, \
         NULL, 1, 1, NULL, NULL, NULL, 'old-live', '2024-01-15T10:00:00.000Z', \
         '2024-01-15T10:05:00.000Z', 1, NULL, '2024-01-15T10:05:00.000Z', NULL, NULL, \
         NULL, NULL, NULL)",
        [&live],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO video_call_sessions VALUES (?1, 900, NULL, 'u', 'Dr. Smith', 'w1', \
         'ended', '2024-01-15T09:00:00.000Z', '2024-01-15T09:00:10.000Z', \
         '2024-01-15T09:10:10.000Z', 600, NULL, 1, 1, NULL, NULL, NULL, 'old-ended', \
         '2024-01-15T09:00:00.000Z', '2024-01-15T09:20:00.000Z', NULL, NULL, NULL, NULL, \
         NULL, 5, NULL, '2024-01-15T09:20:00.000Z')",
        [&ended],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO user_stats VALUES (?1, 3000, 'u', 2, 1, 0, 600, 0, 1, 5, 1)",
        [new_id(Table::UserStats)],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO worker_stats VALUES (?1, 3001, 'w1', 'Dr. Smith', 2, 1, 0, 600, 0)",
        [new_id(Table::WorkerStats)],
    )
    .unwrap();
    (live, ended)
}

fn stats(server: &Server) -> Value {
    server.query(&vcs("getCallStats"), json!({"userId": "u"}))
}

#[test]
fn a_file_of_the_previous_release_gains_the_columns_and_index_and_is_swept() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("previous.sqlite3");
    let (live, ended) = previous_release_file(&db);

    let server = Server::start_on(&db, &["--test-hooks"]);
    let doc = server.query(&vcs("getSession"), json!({"sessionId": live}));
    assert_eq!(doc["sessionStatus"], "reconnecting");
    assert!(
        doc.get("network").is_none() && doc.get("timedOutFrom").is_none(),
        "{doc}"
    );
    let rated_before = server.query(&vcs("getSession"), json!({"sessionId": ended}));
    let stats_before = stats(&server);
    assert_eq!(stats_before["completedSessions"], 1);

    // Old rows are found through the new index: the one silent since 10:05 closes
    // one millisecond after four hours, not before.
    assert_eq!(sweep(&server, "2024-01-15T14:05:00.000Z"), 0);
    assert_eq!(sweep(&server, "2024-01-15T14:05:00.001Z"), 1);
    let closed = server.query(&vcs("getSession"), json!({"sessionId": live}));
    assert_eq!(closed["sessionStatus"], "ended");
    assert_eq!(closed["endReason"], "timeout");
    assert_eq!(closed["timedOutFrom"], "reconnecting");
    assert_eq!(closed["endedAt"], "2024-01-15T10:05:00.000Z");
    assert_eq!(closed["reconnectSeconds"], 0);
    assert!(closed.get("reconnectingSince").is_none(), "{closed}");
    assert_eq!(stats(&server)["completedSessions"], 2);
    assert_eq!(
        server.query(&vcs("getSession"), json!({"sessionId": ended})),
        rated_before,
        "an ended row is not touched"
    );

    // A late report from the device undoes the timeout and is merged.
    let late = server.mutation(
        &vcs("reportNetworkStats"),
        json!({"clientSessionId": "old-live", "rttMs": 420, "occurredAt": "2024-01-15T10:05:30Z"}),
    );
    assert_eq!(late["sessionStatus"], "reconnecting");
    assert_eq!(late["reconnectingSince"], "2024-01-15T10:05:00.000Z");
    assert!(late.get("timedOutFrom").is_none() && late.get("endReason").is_none());
    assert_eq!(late["network"]["rttMs"]["count"], 1);
    assert_eq!(late["network"]["rttMs"]["p95"], 420);
    assert_eq!(stats(&server), stats_before);
    assert!(server.terminate().success());

    let conn = Connection::open(&db).unwrap();
    let columns: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM pragma_table_info('video_call_sessions')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(columns, 31);
    let index: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM pragma_index_list('video_call_sessions') \
             WHERE name = 'by_status_and_updated_at'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(index, 1);
    let stored: String = conn
        .query_row(
            "SELECT network FROM video_call_sessions WHERE id = ?1",
            [&live],
            |r| r.get(0),
        )
        .unwrap();
    let stored: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(
        stored, late["network"],
        "the column holds the session value"
    );
    drop(conn);

    // Reopened on the same file: everything reads back the same.
    let server = Server::start_on(&db, &["--test-hooks"]);
    assert_eq!(
        server.query(&vcs("getSession"), json!({"sessionId": live})),
        late
    );
    assert_eq!(stats(&server), stats_before);
}

fn connected_at(server: &Server, name: &str, t: &str) {
    server.mutation(
        &vcs("startSession"),
        json!({"userId": "u", "supportWorkerName": "W", "clientSessionId": name, "occurredAt": t}),
    );
    server.mutation(
        &vcs("markConnected"),
        json!({"clientSessionId": name, "occurredAt": t}),
    );
}

#[test]
fn the_timeout_flag_sets_the_cutoff() {
    let one_minute = Server::start_with(&["--test-hooks", "--session-timeout-minutes", "1"]);
    connected_at(&one_minute, "s", "2024-01-15T10:00:00Z");
    assert_eq!(sweep(&one_minute, "2024-01-15T10:01:00.000Z"), 0);
    assert_eq!(sweep(&one_minute, "2024-01-15T10:01:00.001Z"), 1);

    let default = Server::start_with(&["--test-hooks"]);
    connected_at(&default, "s", "2024-01-15T10:00:00Z");
    assert_eq!(sweep(&default, "2024-01-15T10:01:00.001Z"), 0);
    assert_eq!(sweep(&default, "2024-01-15T14:00:00.000Z"), 0);
    assert_eq!(sweep(&default, "2024-01-15T14:00:00.001Z"), 1);
}

#[test]
fn a_timeout_of_no_minutes_or_not_a_number_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["0", "-5", "four hours", "600000"] {
        let out = Command::new(env!("CARGO_BIN_EXE_video-session-server"))
            .args([
                "--port",
                "0",
                &format!("--session-timeout-minutes={bad}"),
                "--db",
            ])
            .arg(dir.path().join("db.sqlite3"))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{bad} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--session-timeout-minutes"), "{stderr}");
    }
}

#[test]
fn without_test_hooks_there_is_no_sweep_route() {
    let server = Server::start();
    let (status, _) = server.post_raw(
        "/test/sweepAbandoned",
        json!({"now": "2030-01-01T00:00:00.000Z"}).to_string(),
        None,
    );
    assert_eq!(status, 404);
    let hooked = Server::start_with(&["--test-hooks"]);
    let (status, _) = hooked.post_raw("/test/sweepAbandoned", json!({}).to_string(), None);
    assert_eq!(status, 400, "a sweep needs its now");
}

#[test]
fn the_sweeper_thread_closes_abandoned_sessions_from_its_first_interval_on() {
    let server = Server::start_with(&[
        "--sweep-interval-secs",
        "1",
        "--session-timeout-minutes",
        "1",
    ]);
    let now = time::now_ms();
    connected_at(&server, "old", &time::format_iso(now - 5 * 60_000));
    connected_at(&server, "new", &time::format_iso(now));
    let deadline = Instant::now() + Duration::from_secs(20);
    let closed = loop {
        let doc = server.query(&vcs("getSession"), json!({"clientSessionId": "old"}));
        if doc["sessionStatus"] == "ended" || Instant::now() > deadline {
            break doc;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(closed["sessionStatus"], "ended", "{closed}");
    assert_eq!(closed["endReason"], "timeout");
    assert_eq!(closed["timedOutFrom"], "connected");
    let fresh = server.query(&vcs("getSession"), json!({"clientSessionId": "new"}));
    assert_eq!(fresh["sessionStatus"], "connected", "{fresh}");
}

#[test]
fn a_restarted_server_does_not_close_sessions_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let server = Server::start_on(&db, &[]);
    connected_at(&server, "old", "2024-01-15T10:00:00Z");
    assert!(server.terminate().success());
    // The processedOps sweep runs at start; closing abandoned sessions waits an
    // interval (an hour by default), so the devices can deliver first.
    let server = Server::start_on(&db, &[]);
    std::thread::sleep(Duration::from_millis(1500));
    let doc = server.query(&vcs("getSession"), json!({"clientSessionId": "old"}));
    assert_eq!(doc["sessionStatus"], "connected", "{doc}");
}

#[test]
fn metric_values_json_cannot_spell_are_refused_in_both_paths() {
    let server = Server::start();
    connected_at(&server, "s", "2024-01-15T10:00:00Z");
    // NaN, +Infinity, -Infinity in Convex's encoding; an int64; a bigint bucket.
    let nan = json!({"$float": "AAAAAAAA+H8="});
    let bad = [
        json!({"rttMs": nan}),
        json!({"rttMs": {"$float": "AAAAAAAA8H8="}}),
        json!({"jitterMs": {"$float": "AAAAAAAA8P8="}}),
        json!({"bitrateKbps": {"$integer": "AQAAAAAAAAA="}}),
        json!({"rttMs": {"count": 1, "min": 80, "max": 80, "sum": nan,
                         "buckets": [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]}}),
    ];
    for (i, metrics) in bad.iter().enumerate() {
        let mut args = json!({"clientSessionId": "s"});
        args.as_object_mut()
            .unwrap()
            .extend(metrics.as_object().unwrap().clone());
        let code = server.error_code("mutation", &vcs("reportNetworkStats"), args.clone(), None);
        assert_eq!(code, "INVALID_ARGUMENT", "{metrics}");
        args.as_object_mut().unwrap().remove("clientSessionId");
        args["clientSessionId"] = json!("s");
        let reply = server.mutation(
            BATCH,
            json!({"userId": "u", "ops": [{"opId": format!("bad-{i}"),
                   "kind": "reportNetworkStats", "occurredAt": "2024-01-15T10:01:00Z",
                   "args": args}]}),
        );
        assert_eq!(reply["results"][0]["status"], "rejected", "{metrics}");
        assert_eq!(reply["results"][0]["error"]["code"], "INVALID_ARGUMENT");
    }
    let doc = server.query(&vcs("getSession"), json!({"clientSessionId": "s"}));
    assert!(doc.get("network").is_none(), "{doc}");
    // -0 (which Convex's JSON spells as a special float) is the sample 0.
    let zero = server.mutation(
        &vcs("reportNetworkStats"),
        json!({"clientSessionId": "s", "packetLossPct": {"$float": "AAAAAAAAAIA="}}),
    );
    assert_eq!(
        zero["network"]["packetLossPct"],
        json!({"count": 1, "min": 0, "max": 0, "sum": 0, "mean": 0, "p95": 0,
               "buckets": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]})
    );
}

#[test]
fn a_refused_report_names_its_metric() {
    let server = Server::start();
    connected_at(&server, "s", "2024-01-15T10:00:00Z");
    let summary = |count: u64| {
        json!({"count": count, "min": 40, "max": 80, "sum": 120,
               "buckets": [0, 1, 1, 0, 0, 0, 0, 0, 0, 0]})
    };
    let cases = [
        ("rttMs", json!(-1)),
        ("jitterMs", json!(60_001)),
        ("packetLossPct", json!(100.5)),
        ("bitrateKbps", summary(3)),
        ("rttMs", json!("80")),
    ];
    for (metric, value) in cases {
        let mut args = json!({"clientSessionId": "s", "rttMs": 50});
        args[metric] = value.clone();
        if metric != "rttMs" {
            // A valid metric beside the bad one: the message still names the bad one.
            assert_eq!(args["rttMs"], 50);
        }
        let reply = server.call("mutation", &vcs("reportNetworkStats"), args, None);
        assert_eq!(reply["errorData"]["code"], "INVALID_ARGUMENT", "{reply}");
        let message = reply["errorMessage"].as_str().unwrap();
        assert!(message.starts_with(metric), "{metric} {value}: {message}");
    }
    let reply = server.call(
        "mutation",
        &vcs("reportNetworkStats"),
        json!({"clientSessionId": "s"}),
        None,
    );
    assert_eq!(reply["errorData"]["code"], "INVALID_ARGUMENT", "{reply}");
    let message = reply["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("a report needs at least one of rttMs, jitterMs"),
        "{message}"
    );
}

#[test]
fn a_summary_sum_is_stored_as_the_exact_float_sent() {
    // 416.59999999999997 is 416.6's neighbour; serde_json without float_roundtrip
    // reads its 17 digits as 416.6, and the backends would then disagree on `sum`.
    let server = Server::start();
    connected_at(&server, "f", "2024-01-15T10:00:00Z");
    let sum = 416.599_999_999_999_97_f64;
    assert_ne!(sum, 416.6);
    let doc = server.mutation(
        &vcs("reportNetworkStats"),
        json!({"clientSessionId": "f", "rttMs": {"count": 5, "min": 80, "max": 90, "sum": sum,
               "buckets": [0, 0, 5, 0, 0, 0, 0, 0, 0, 0]}}),
    );
    assert_eq!(doc["network"]["rttMs"]["sum"].as_f64(), Some(sum), "{doc}");
    let read = server.query(&vcs("getSession"), json!({"clientSessionId": "f"}));
    assert_eq!(
        read["network"]["rttMs"]["sum"].as_f64(),
        Some(sum),
        "{read}"
    );
}
