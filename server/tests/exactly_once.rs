//! Exactly once across any delay: an op that names its client instance and `seq`
//! is known as processed after the 14-day sweep has forgotten its record, and a
//! database file written before these columns existed keeps working.

mod support;

use rusqlite::Connection;
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};
use support::Server;

const BATCH: &str = "videoCallSessions:applyBatch";
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn stats(server: &Server, user: &str) -> Value {
    server.query("videoCallSessions:getCallStats", json!({"userId": user}))
}

fn ops(client: Option<&str>) -> Value {
    ops_for(client, "cs")
}

fn ops_for(client: Option<&str>, cs: &str) -> Value {
    let with = |mut op: Value, seq: u32| {
        if let Some(c) = client {
            op["clientId"] = json!(c);
            op["seq"] = json!(seq);
        }
        op
    };
    json!([
        with(
            json!({"opId": "s", "kind": "startSession", "occurredAt": "2024-01-15T10:00:00Z",
            "args": {"supportWorkerName": "W", "clientSessionId": cs}}),
            1
        ),
        with(
            json!({"opId": "q", "kind": "reportQualityIssue", "occurredAt": "2024-01-15T10:00:05Z",
            "args": {"clientSessionId": cs, "issue": "echo"}}),
            2
        ),
        with(
            json!({"opId": "e", "kind": "endSession", "occurredAt": "2024-01-15T10:01:00Z",
            "args": {"clientSessionId": cs}}),
            3
        ),
    ])
}

/// Makes every kept record 15 days old; the server's sweep at start then forgets them.
fn age_records(db: &Path) {
    let conn = Connection::open(db).unwrap();
    conn.execute(
        "UPDATE processed_ops SET processed_at = processed_at - ?1",
        [15 * DAY_MS],
    )
    .unwrap();
}

/// Restarts on `db` and waits until the start-up sweep has emptied `processed_ops`.
fn restart_swept(db: &Path) -> Server {
    let server = Server::start_on(db, &[]);
    let conn = Connection::open(db).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM processed_ops", [], |r| r.get(0))
            .unwrap();
        if n == 0 {
            return server;
        }
        assert!(Instant::now() < deadline, "the sweep did not run");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn statuses(reply: &Value) -> Vec<String> {
    reply["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_replay_after_the_sweep_is_a_duplicate_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let server = Server::start_on(&db, &[]);
    let first = server.mutation(BATCH, json!({"userId": "u", "ops": ops(Some("tab-a"))}));
    assert_eq!(statuses(&first), ["applied", "applied", "applied"]);
    let before = stats(&server, "u");
    assert!(server.terminate().success());

    age_records(&db);
    let server = restart_swept(&db);
    let replay = server.mutation(BATCH, json!({"userId": "u", "ops": ops(Some("tab-a"))}));
    assert_eq!(
        replay["results"],
        json!([
            {"opId": "s", "status": "duplicate", "value": null},
            {"opId": "q", "status": "duplicate", "value": null},
            {"opId": "e", "status": "duplicate", "value": null},
        ])
    );
    assert_eq!(stats(&server, "u"), before);
    assert_eq!(before["totalQualityIssues"], 1);
    let sessions = server.query("videoCallSessions:getUserSessions", json!({"userId": "u"}));
    assert_eq!(sessions.as_array().unwrap().len(), 1);
    // The watermark is per user: another user's instance of the same name is new.
    let other = server.mutation(
        BATCH,
        json!({"userId": "v", "ops": ops_for(Some("tab-a"), "cs-v")}),
    );
    assert_eq!(statuses(&other), ["applied", "applied", "applied"]);
    // The next op of the instance is new.
    let next = server.mutation(BATCH, json!({"userId": "u", "ops": [
        {"opId": "s2", "kind": "startSession", "occurredAt": "2024-01-16T10:00:00Z",
         "clientId": "tab-a", "seq": 4, "args": {"supportWorkerName": "W", "clientSessionId": "cs2"}}
    ]}));
    assert_eq!(statuses(&next), ["applied"]);
}

#[test]
fn ops_without_client_and_seq_keep_opid_dedupe_and_its_window() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let server = Server::start_on(&db, &[]);
    let first = server.mutation(BATCH, json!({"userId": "u", "ops": ops(None)}));
    assert_eq!(statuses(&first), ["applied", "applied", "applied"]);
    let again = server.mutation(BATCH, json!({"userId": "u", "ops": ops(None)}));
    assert_eq!(statuses(&again), ["duplicate", "duplicate", "duplicate"]);
    assert!(server.terminate().success());
    age_records(&db);
    let server = restart_swept(&db);
    // The documented limit: past the window, an op without its instance's number is
    // new again: the replayed end is refused as a transition from ended (issue 12).
    let late = server.mutation(BATCH, json!({"userId": "u", "ops": [ops(None)[2].clone()]}));
    assert_eq!(statuses(&late), ["rejected"]);
    assert_eq!(late["results"][0]["error"]["code"], "INVALID_TRANSITION");
}

#[test]
fn the_same_client_and_seq_under_a_new_op_id_is_a_duplicate() {
    let server = Server::start();
    let first = server.mutation(BATCH, json!({"userId": "u", "ops": ops(Some("tab-a"))}));
    assert_eq!(statuses(&first), ["applied", "applied", "applied"]);
    let renamed = server.mutation(
        BATCH,
        json!({"userId": "u", "ops": [
            {"opId": "q-new", "kind": "reportQualityIssue", "occurredAt": "2024-01-15T10:00:05Z",
             "clientId": "tab-a", "seq": 2, "args": {"clientSessionId": "cs", "issue": "echo"}}
        ]}),
    );
    assert_eq!(
        renamed["results"][0],
        json!({"opId": "q-new", "status": "duplicate",
               "value": first["results"][1]["value"].clone()})
    );
    assert_eq!(stats(&server, "u")["totalQualityIssues"], 1);
}

#[test]
fn a_bad_client_id_or_seq_refuses_the_whole_batch() {
    let server = Server::start();
    for (client, seq) in [
        (json!("c"), json!(0)),
        (json!("c"), json!(1.5)),
        (json!("c"), json!(-1)),
        (json!(""), json!(1)),
        (json!("x".repeat(101)), json!(1)),
        (json!("c"), json!(9_007_199_254_740_992.0)),
    ] {
        let code = server.error_code(
            "mutation",
            BATCH,
            json!({"userId": "u", "ops": [
                {"opId": "ok", "kind": "startSession", "occurredAt": "2024-01-15T10:00:00Z",
                 "args": {"supportWorkerName": "W"}},
                {"opId": "bad", "kind": "startSession", "occurredAt": "2024-01-15T10:00:00Z",
                 "clientId": client, "seq": seq, "args": {"supportWorkerName": "W"}}
            ]}),
            None,
        );
        assert_eq!(code, "INVALID_ARGUMENT", "{client} {seq}");
    }
    let half = server.error_code(
        "mutation",
        BATCH,
        json!({"userId": "u", "ops": [
            {"opId": "bad", "kind": "startSession", "occurredAt": "2024-01-15T10:00:00Z",
             "seq": 1, "args": {"supportWorkerName": "W"}}
        ]}),
        None,
    );
    assert_eq!(half, "INVALID_ARGUMENT");
    assert_eq!(stats(&server, "u")["totalSessions"], 0);
}

#[test]
fn a_database_file_of_the_previous_release_is_migrated_and_its_records_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.sqlite3");
    {
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE processed_ops (id TEXT PRIMARY KEY, creation_us INTEGER NOT NULL, \
             op_id TEXT NOT NULL, user_id TEXT NOT NULL, kind TEXT NOT NULL, result TEXT NOT NULL, \
             processed_at INTEGER NOT NULL);
             CREATE INDEX by_op ON processed_ops (op_id, creation_us);
             CREATE INDEX by_processed_at ON processed_ops (processed_at, creation_us);",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO processed_ops VALUES ('k1', 1, 'old-op', 'u', 'markFailed', \
             '{\"rejected\":{\"code\":\"NOT_FOUND\",\"message\":\"no such session\"}}', ?1)",
            [video_session_server::time::now_ms()],
        )
        .unwrap();
    }
    let server = Server::start_on(&db, &[]);
    let old = server.mutation(
        BATCH,
        json!({"userId": "u", "ops": [
            {"opId": "old-op", "kind": "markFailed", "occurredAt": "2024-01-15T10:00:00Z",
             "args": {"clientSessionId": "gone"}}
        ]}),
    );
    assert_eq!(old["results"][0]["status"], "rejected");
    assert_eq!(old["results"][0]["error"]["code"], "NOT_FOUND");
    let new = server.mutation(BATCH, json!({"userId": "u", "ops": ops(Some("tab-a"))}));
    assert_eq!(statuses(&new), ["applied", "applied", "applied"]);
    assert!(server.terminate().success());
    let conn = Connection::open(&db).unwrap();
    let seqs: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM processed_ops WHERE client_id = 'tab-a' AND seq IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(seqs, 3);
}
