//! The server as a process: flags, persistence across restarts, the sweep at
//! start, and clean shutdown on SIGTERM.

mod support;

use serde_json::json;
use std::process::Command;
use support::{start_session, Server};
use video_session_server::db::{processed_ops, Db};
use video_session_server::error::FunctionError;
use video_session_server::functions::dedupe::{self, Outcome};
use video_session_server::values::Value;

#[test]
fn help_documents_every_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_video-session-server"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--port",
        "--host",
        "--db",
        "--www",
        "--jwt-secret",
        "--jwt-public-key",
        "--jwks",
        "--jwt-issuer",
        "--jwt-audience",
        "--allow-origin",
        "--allow-host",
        "every call is anonymous",
        "--max-body-bytes",
        "--sweep-interval-secs",
        "--session-timeout-minutes",
        "--test-hooks",
        "FOR TESTS ONLY",
        "--verbose",
        "VSS_JWT_SECRET",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
}

#[test]
fn data_persists_across_restarts_and_creation_times_keep_rising() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/video-sessions.sqlite3");
    let server = Server::start_on(&db, &[]);
    let id = start_session(&server, "u", Some("w"), "2024-01-15T10:00:00Z");
    server.mutation(
        "videoCallSessions:markConnected",
        json!({"sessionId": id, "opId": "persisted-op"}),
    );
    let before = server.query("videoCallSessions:getSession", json!({"sessionId": id}));
    assert!(server.terminate().success());

    let server = Server::start_on(&db, &[]);
    let after = server.query("videoCallSessions:getSession", json!({"sessionId": id}));
    assert_eq!(before, after);
    let stats = server.query("videoCallSessions:getCallStats", json!({"userId": "u"}));
    assert_eq!(stats["totalSessions"], 1);
    // The op id survived too: the replay changes nothing.
    let replay = server.mutation(
        "videoCallSessions:markConnected",
        json!({"sessionId": id, "opId": "persisted-op"}),
    );
    assert_eq!(replay, id);
    let newer = start_session(&server, "u", None, "2024-01-15T11:00:00Z");
    let newer_doc = server.query("videoCallSessions:getSession", json!({"sessionId": newer}));
    assert!(newer_doc["_creationTime"].as_f64() > after["_creationTime"].as_f64());
}

#[test]
fn sigterm_shuts_down_cleanly() {
    let server = Server::start();
    start_session(&server, "u", None, "2024-01-15T10:00:00Z");
    let url = server.url.clone();
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
    assert!(reqwest::blocking::get(format!("{url}/version")).is_err());
}

#[test]
fn the_sweep_at_start_forgets_op_ids_older_than_fourteen_days() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite3");
    let server = Server::start_on(&path, &[]);
    let id = start_session(&server, "u", None, "2024-01-15T10:00:00Z");
    let doc = server.query("videoCallSessions:getSession", json!({"sessionId": id}));
    assert!(server.terminate().success());
    {
        let db = Db::open(&path).unwrap();
        let stored = Value::from_json(&doc).unwrap();
        let now = video_session_server::time::now_ms();
        db.mutate(|tx| {
            for (op_id, age_days) in [("ancient", 15), ("recent", 13)] {
                let outcome = Outcome::Applied(dedupe::summary(&stored));
                let at = now - age_days * 24 * 3600 * 1000;
                dedupe::record(tx, op_id, "u", "reportQualityIssue", &outcome, at)?;
            }
            Ok::<_, FunctionError>(())
        })
        .unwrap();
        let count = db.read(|tx| processed_ops::count(tx.conn)).unwrap();
        assert_eq!(count, 2);
    }
    let server = Server::start_on(&path, &[]);
    // The start-up sweep runs in the background; then "ancient" is a fresh op id.
    let mut applied = false;
    for _ in 0..50 {
        let reply = server.mutation(
            "videoCallSessions:reportQualityIssue",
            json!({"sessionId": id, "issue": "probe", "opId": "ancient"}),
        );
        if reply["qualityIssues"] == json!(["probe"]) {
            applied = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(applied, "the ancient op id was not swept");
    let recent = server.mutation(
        "videoCallSessions:reportQualityIssue",
        json!({"sessionId": id, "issue": "probe", "opId": "recent"}),
    );
    let session = server.query("videoCallSessions:getSession", json!({"sessionId": id}));
    assert_eq!(
        recent, session,
        "the recent op id must still replay (answering with the session as it is now)"
    );
    assert_eq!(session["qualityIssues"], json!(["probe"]));
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let server = Server::start();
    let port = server.url.rsplit(':').next().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_video-session-server"))
        .args(["--port", &port, "--db"])
        .arg(dir.path().join("db.sqlite3"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("cannot listen on"), "{err}");
}

#[test]
fn a_missing_www_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_video-session-server"))
        .args(["--port", "0", "--www"])
        .arg(dir.path().join("no-such-dir"))
        .arg("--db")
        .arg(dir.path().join("db.sqlite3"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("is not a directory"), "{err}");
}
