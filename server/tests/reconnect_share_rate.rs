//! Reconnection, screen sharing and ratings (issue #13) where the shared scenarios
//! do not reach: a database file written before the new columns, ratings that JSON
//! cannot spell (NaN, ±Infinity, -0), the exact wire text of the new fields, and
//! worker stats that reconnects and ratings leave alone.

mod support;

use rusqlite::Connection;
use serde_json::{json, Value};
use support::Server;
use video_session_server::ids::{new_id, Table};

const BATCH: &str = "videoCallSessions:applyBatch";

fn vcs(name: &str) -> String {
    format!("videoCallSessions:{name}")
}

/// The previous release's tables for sessions and stats, exactly as it created them
/// (a fixture: it must not follow later schema changes).
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
    updated_at TEXT NOT NULL
);
CREATE INDEX by_user ON video_call_sessions (user_id, creation_us);
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
    total_quality_issues INTEGER NOT NULL
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

/// Writes a file as the previous release left it: an ended session, a connected
/// one, and their user and worker stats. Returns the two session ids.
fn previous_release_file(db: &std::path::Path) -> (String, String) {
    let ended = new_id(Table::VideoCallSessions);
    let live = new_id(Table::VideoCallSessions);
    let conn = Connection::open(db).unwrap();
    conn.execute_batch(PREVIOUS_SCHEMA).unwrap();
    conn.execute(
        "INSERT INTO video_call_sessions VALUES (?1, 1000, NULL, 'u', 'Dr. Smith', 'w1', \
         'ended', '2024-01-15T09:00:00.000Z', '2024-01-15T09:00:10.000Z', \
         '2024-01-15T09:10:10.000Z', 600, 'wifi', 1, 0, '[\"Audio choppy\"]', 'user_ended', \
         '{\"plan\":\"pro\"}', 'old-ended', '2024-01-15T09:00:00.000Z', \
         '2024-01-15T09:10:10.000Z')",
        [&ended],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO video_call_sessions VALUES (?1, 2000, NULL, 'u', 'Dr. Smith', 'w1', \
         'connected', '2024-01-15T10:00:00.000Z', '2024-01-15T10:00:10.000Z', NULL, NULL, \
         NULL, 1, 1, NULL, NULL, NULL, 'old-live', '2024-01-15T10:00:00.000Z', \
         '2024-01-15T10:00:10.000Z')",
        [&live],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO user_stats VALUES (?1, 3000, 'u', 2, 1, 0, 600, 1)",
        [new_id(Table::UserStats)],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO worker_stats VALUES (?1, 3001, 'w1', 'Dr. Smith', 2, 1, 0, 600, 1)",
        [new_id(Table::WorkerStats)],
    )
    .unwrap();
    (ended, live)
}

fn old_ended_doc(id: &str) -> Value {
    json!({
        "_id": id, "_creationTime": 1, "userId": "u",
        "supportWorkerName": "Dr. Smith", "supportWorkerId": "w1",
        "sessionStatus": "ended", "joinedAt": "2024-01-15T09:00:00.000Z",
        "connectedAt": "2024-01-15T09:00:10.000Z", "endedAt": "2024-01-15T09:10:10.000Z",
        "duration": 600, "audioOption": "wifi", "cameraEnabled": true, "micEnabled": false,
        "qualityIssues": ["Audio choppy"], "endReason": "user_ended",
        "metadata": {"plan": "pro"}, "clientSessionId": "old-ended",
        "createdAt": "2024-01-15T09:00:00.000Z", "updatedAt": "2024-01-15T09:10:10.000Z"
    })
}

fn worker_w1(server: &Server) -> Value {
    server.query(
        &vcs("getSupportWorkerStats"),
        json!({"supportWorkerId": "w1"}),
    )
}

#[test]
fn a_file_written_before_the_new_columns_reads_back_unchanged_and_takes_the_new_ops() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("previous.sqlite3");
    let (ended, live) = previous_release_file(&db);

    let server = Server::start_on(&db, &[]);
    let doc = server.query(&vcs("getSession"), json!({"clientSessionId": "old-ended"}));
    assert_eq!(
        doc,
        old_ended_doc(&ended),
        "no new field appears on an old row"
    );
    let active = server.query(&vcs("getActiveSession"), json!({"userId": "u"}));
    assert_eq!(active["_id"], live.as_str());
    assert_eq!(
        server.query(&vcs("getCallStats"), json!({"userId": "u"})),
        json!({"totalSessions": 2, "completedSessions": 1, "failedSessions": 0,
               "totalDuration": 600, "averageDuration": 300, "totalQualityIssues": 1,
               "totalReconnects": 0, "averageRating": null})
    );
    let worker_before = worker_w1(&server);
    assert_eq!(
        worker_before,
        json!([{"supportWorkerId": "w1", "supportWorkerName": "Dr. Smith",
                "totalSessions": 2, "completedSessions": 1, "failedSessions": 0,
                "totalDuration": 600, "averageDuration": 300, "totalQualityIssues": 1,
                "failureRate": 0}])
    );

    // The new ops on old rows: counters start from the NULL columns.
    let reconnecting = server.mutation(
        &vcs("markReconnecting"),
        json!({"sessionId": live, "occurredAt": "2024-01-15T10:01:00Z"}),
    );
    assert_eq!(reconnecting["reconnectCount"], 1);
    let back = server.mutation(
        &vcs("markReconnected"),
        json!({"clientSessionId": "old-live", "occurredAt": "2024-01-15T10:01:09Z"}),
    );
    assert_eq!(back["reconnectSeconds"], 9);
    let rated = server.mutation(
        &vcs("rateSession"),
        json!({"clientSessionId": "old-ended", "rating": 4, "occurredAt": "2024-01-15T11:00:00Z"}),
    );
    let mut want = old_ended_doc(&ended);
    want["rating"] = json!(4);
    want["ratedAt"] = json!("2024-01-15T11:00:00.000Z");
    want["updatedAt"] = json!("2024-01-15T11:00:00.000Z");
    assert_eq!(
        rated, want,
        "a rating adds its fields and changes nothing else"
    );
    let stats = server.query(&vcs("getCallStats"), json!({"userId": "u"}));
    assert_eq!(stats["totalReconnects"], 1);
    assert_eq!(stats["averageRating"], 4);
    assert_eq!(stats["totalSessions"], 2);
    assert_eq!(worker_w1(&server), worker_before);
    assert!(server.terminate().success());

    // A second open adds nothing again and reads the same.
    let conn = Connection::open(&db).unwrap();
    let columns: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM pragma_table_info('video_call_sessions')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(columns, 31);
    let (reconnects, sum, count): (i64, i64, i64) = conn
        .query_row(
            "SELECT total_reconnects, rating_sum, rating_count FROM user_stats WHERE user_id = 'u'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((reconnects, sum, count), (1, 4, 1));
    drop(conn);
    let server = Server::start_on(&db, &[]);
    assert_eq!(
        server.query(&vcs("getSession"), json!({"sessionId": ended})),
        rated
    );
    assert_eq!(
        server.query(&vcs("getCallStats"), json!({"userId": "u"})),
        stats
    );
}

/// An ended session to rate; returns its id.
fn ended_session(server: &Server) -> String {
    let id = support::start_session(server, "u", Some("w1"), "2024-01-15T10:00:00Z");
    server.mutation(
        &vcs("endSession"),
        json!({"sessionId": id, "occurredAt": "2024-01-15T10:00:02Z"}),
    );
    id
}

#[test]
fn ratings_json_cannot_spell_are_coded_refusals_in_both_paths() {
    let server = Server::start();
    let id = ended_session(&server);
    // NaN, +Infinity, -Infinity, -0 in Convex's encoding; then near misses.
    let bad = [
        json!({"$float": "AAAAAAAA+H8="}),
        json!({"$float": "AAAAAAAA8H8="}),
        json!({"$float": "AAAAAAAA8P8="}),
        json!({"$float": "AAAAAAAAAIA="}),
        json!(0.999999),
        json!(5.000001),
        json!(1e300),
    ];
    for (i, rating) in bad.iter().enumerate() {
        let code = server.error_code(
            "mutation",
            &vcs("rateSession"),
            json!({"sessionId": id, "rating": rating}),
            None,
        );
        assert_eq!(code, "INVALID_ARGUMENT", "rating {rating}");
        let reply = server.mutation(
            BATCH,
            json!({"userId": "u", "ops": [{"opId": format!("bad-{i}"), "kind": "rateSession",
                   "occurredAt": "2024-01-15T10:01:00Z",
                   "args": {"sessionId": id, "rating": rating}}]}),
        );
        assert_eq!(reply["results"][0]["status"], "rejected", "rating {rating}");
        assert_eq!(reply["results"][0]["error"]["code"], "INVALID_ARGUMENT");
    }
    let doc = server.query(&vcs("getSession"), json!({"sessionId": id}));
    assert!(doc.get("rating").is_none(), "{doc}");
    let stats = server.query(&vcs("getCallStats"), json!({"userId": "u"}));
    assert_eq!(stats["averageRating"], Value::Null);
    // 1.0 and 5.0 are the whole numbers 1 and 5.
    let other = ended_session(&server);
    let rated = server.mutation(
        &vcs("rateSession"),
        json!({"sessionId": other, "rating": 5.0}),
    );
    assert_eq!(serde_json::to_string(&rated["rating"]).unwrap(), "5");
}

#[test]
fn the_new_session_fields_on_the_wire() {
    let server = Server::start();
    let id = support::start_session(&server, "u", Some("w1"), "2024-01-15T10:00:00Z");
    let at = |t: &str| json!({"sessionId": id, "occurredAt": format!("2024-01-15T10:{t}Z")});
    server.mutation(&vcs("markConnected"), at("00:10"));
    server.mutation(&vcs("markReconnecting"), at("01:00"));
    let mut share = at("01:30");
    share["active"] = json!(true);
    let open = server.mutation(&vcs("markScreenShare"), share);
    const NEW: [&str; 8] = [
        "ratedAt",
        "rating",
        "ratingComment",
        "reconnectCount",
        "reconnectSeconds",
        "reconnectingSince",
        "screenShareSeconds",
        "screenShareSince",
    ];
    let present =
        |doc: &Value| -> Vec<&str> { NEW.into_iter().filter(|k| doc.get(*k).is_some()).collect() };
    assert_eq!(
        present(&open),
        ["reconnectCount", "reconnectingSince", "screenShareSince"],
        "only what was set, nothing as null"
    );
    assert_eq!(open["reconnectingSince"], "2024-01-15T10:01:00.000Z");
    assert_eq!(open["screenShareSince"], "2024-01-15T10:01:30.000Z");
    let mut rate = at("05:00");
    rate["rating"] = json!(3);
    rate["comment"] = json!("Clear audio 👍");
    server.mutation(&vcs("endSession"), at("02:00"));
    let doc = server.mutation(&vcs("rateSession"), rate);
    // Sorted, as the expected text is (the server's JSON keeps insertion order).
    let picked: std::collections::BTreeMap<&str, &Value> = [
        "duration",
        "ratedAt",
        "rating",
        "ratingComment",
        "reconnectCount",
        "reconnectSeconds",
        "screenShareSeconds",
    ]
    .into_iter()
    .map(|k| (k, &doc[k]))
    .collect();
    let text = serde_json::to_string(&picked).unwrap();
    assert_eq!(
        text,
        r#"{"duration":110,"ratedAt":"2024-01-15T10:05:00.000Z","rating":3,"ratingComment":"Clear audio 👍","reconnectCount":1,"reconnectSeconds":60,"screenShareSeconds":30}"#
    );
    assert_eq!(
        present(&doc),
        [
            "ratedAt",
            "rating",
            "ratingComment",
            "reconnectCount",
            "reconnectSeconds",
            "screenShareSeconds"
        ]
    );
    // The SDK reads the document with protocol::wire::Session.
    let wire: protocol::wire::Session = serde_json::from_value(doc).unwrap();
    assert_eq!(wire.reconnect_seconds, Some(60.0));
    assert_eq!(wire.rating_comment.as_deref(), Some("Clear audio 👍"));
    // Worker rows keep the seed's shape and count neither reconnects nor ratings.
    let workers = server.query(
        &vcs("getSupportWorkerStats"),
        json!({"supportWorkerId": "w1"}),
    );
    assert_eq!(
        serde_json::to_string(&workers).unwrap(),
        r#"[{"averageDuration":110,"completedSessions":1,"failedSessions":0,"failureRate":0,"supportWorkerId":"w1","supportWorkerName":"Dr. Smith","totalDuration":110,"totalQualityIssues":0,"totalSessions":1}]"#
    );
}
