//! Each mutation, the lifecycle transitions, the stats they keep and the limits.

mod support;

use serde_json::json;
use support::{start_session, Server};

const VCS: &str = "videoCallSessions";

fn path(name: &str) -> String {
    format!("{VCS}:{name}")
}

#[test]
fn start_session_creates_a_connecting_session_with_defaults() {
    let server = Server::start();
    let id = server.mutation(
        &path("startSession"),
        json!({"userId": "user123", "supportWorkerName": "Dr. Smith", "supportWorkerId": "worker456",
               "audioOption": "wifi", "occurredAt": "2024-01-15T10:30:00Z"}),
    );
    let session = server.query(&path("getSession"), json!({"sessionId": id}));
    let doc = session.as_object().unwrap();
    assert_eq!(doc["_id"], id);
    assert_eq!(doc["userId"], "user123");
    assert_eq!(doc["supportWorkerName"], "Dr. Smith");
    assert_eq!(doc["supportWorkerId"], "worker456");
    assert_eq!(doc["sessionStatus"], "connecting");
    assert_eq!(doc["audioOption"], "wifi");
    assert_eq!(doc["cameraEnabled"], true);
    assert_eq!(doc["micEnabled"], true);
    for key in ["joinedAt", "createdAt", "updatedAt"] {
        assert_eq!(doc[key], "2024-01-15T10:30:00.000Z", "{key}");
    }
    for absent in [
        "connectedAt",
        "endedAt",
        "duration",
        "qualityIssues",
        "endReason",
        "metadata",
        "appointmentId",
        "clientSessionId",
    ] {
        assert!(
            !doc.contains_key(absent),
            "{absent} should be absent: {session}"
        );
    }
}

#[test]
fn the_seed_flow_gives_915_seconds_and_completes_the_appointment() {
    let server = Server::start();
    let appointment = server.mutation(
        "appointments:create",
        json!({"userId": "user123", "supportWorkerName": "Dr. Smith", "scheduledAt": "2024-01-15T10:30:00Z"}),
    );
    let scheduled = server.query("appointments:get", json!({"appointmentId": appointment}));
    assert_eq!(scheduled["status"], "scheduled");
    assert_eq!(scheduled["scheduledAt"], "2024-01-15T10:30:00.000Z");
    assert!(scheduled.get("completedAt").is_none());
    let id = server.mutation(
        &path("startSession"),
        json!({"userId": "user123", "supportWorkerName": "Dr. Smith", "appointmentId": appointment,
               "occurredAt": "2024-01-15T10:30:00Z"}),
    );
    let connected = server.mutation(
        &path("markConnected"),
        json!({"sessionId": id, "occurredAt": "2024-01-15T10:30:15Z"}),
    );
    assert_eq!(connected, id);
    let settings = server.mutation(
        &path("updateSessionSettings"),
        json!({"sessionId": id, "cameraEnabled": false, "occurredAt": "2024-01-15T10:31:00Z"}),
    );
    assert_eq!(settings["cameraEnabled"], false);
    assert_eq!(settings["micEnabled"], true);
    assert_eq!(settings["updatedAt"], "2024-01-15T10:31:00.000Z");
    let issue = server.mutation(
        &path("reportQualityIssue"),
        json!({"sessionId": id, "issue": "Audio choppy", "occurredAt": "2024-01-15T10:32:00Z"}),
    );
    assert_eq!(issue["qualityIssues"], json!(["Audio choppy"]));
    let ended = server.mutation(
        &path("endSession"),
        json!({"sessionId": id, "endReason": "user_ended", "occurredAt": "2024-01-15T10:45:30Z"}),
    );
    assert_eq!(ended["sessionStatus"], "ended");
    assert_eq!(ended["duration"], 915);
    assert_eq!(ended["endReason"], "user_ended");
    assert_eq!(ended["connectedAt"], "2024-01-15T10:30:15.000Z");
    assert_eq!(ended["endedAt"], "2024-01-15T10:45:30.000Z");
    let completed = server.query("appointments:get", json!({"appointmentId": appointment}));
    assert_eq!(completed["status"], "completed");
    assert_eq!(completed["completedAt"], "2024-01-15T10:45:30.000Z");
    let stats = server.query(&path("getCallStats"), json!({"userId": "user123"}));
    assert_eq!(
        stats,
        json!({"totalSessions": 1, "completedSessions": 1, "failedSessions": 0,
               "totalDuration": 915, "averageDuration": 915, "totalQualityIssues": 1,
               "totalReconnects": 0, "averageRating": null})
    );
}

#[test]
fn cancelled_before_connecting_has_no_duration_but_counts_completed() {
    let server = Server::start();
    let id = start_session(&server, "u", Some("w"), "2024-01-15T10:00:00Z");
    let ended = server.mutation(&path("endSession"), json!({"sessionId": id}));
    assert_eq!(ended["sessionStatus"], "ended");
    assert!(ended.get("duration").is_none(), "{ended}");
    assert!(ended.get("endReason").is_none(), "{ended}");
    let stats = server.query(&path("getCallStats"), json!({"userId": "u"}));
    assert_eq!(stats["completedSessions"], 1);
    assert_eq!(stats["totalDuration"], 0);
}

#[test]
fn negative_spans_clamp_to_zero_and_fractions_floor() {
    let server = Server::start();
    let id = start_session(&server, "u", None, "2024-01-15T10:00:00Z");
    server.mutation(
        &path("markConnected"),
        json!({"sessionId": id, "occurredAt": "2024-01-15T10:00:10.000Z"}),
    );
    let ended = server.mutation(
        &path("endSession"),
        json!({"sessionId": id, "occurredAt": "2024-01-15T10:00:05Z"}),
    );
    assert_eq!(ended["duration"], 0);
    let id = start_session(&server, "u", None, "2024-01-15T10:00:00Z");
    server.mutation(
        &path("markConnected"),
        json!({"sessionId": id, "occurredAt": "2024-01-15T10:00:00.500Z"}),
    );
    let ended = server.mutation(
        &path("endSession"),
        json!({"sessionId": id, "occurredAt": "2024-01-15T10:00:02.499Z"}),
    );
    assert_eq!(ended["duration"], 1);
}

#[test]
fn mark_failed_counts_failures_for_user_and_worker() {
    let server = Server::start();
    let id = start_session(&server, "u", Some("w1"), "2024-01-15T10:00:00Z");
    let failed = server.mutation(
        &path("markFailed"),
        json!({"sessionId": id, "reason": "ice_failed", "occurredAt": "2024-01-15T10:00:30Z"}),
    );
    assert_eq!(failed["sessionStatus"], "failed");
    assert_eq!(failed["endReason"], "ice_failed");
    assert_eq!(failed["endedAt"], "2024-01-15T10:00:30.000Z");
    assert!(failed.get("duration").is_none());
    let stats = server.query(&path("getCallStats"), json!({"userId": "u"}));
    assert_eq!(stats["failedSessions"], 1);
    let workers = server.query(
        &path("getSupportWorkerStats"),
        json!({"supportWorkerId": "w1"}),
    );
    assert_eq!(workers[0]["failedSessions"], 1);
    assert_eq!(workers[0]["failureRate"], 1);
}

#[test]
fn invalid_transitions_are_rejected_and_change_nothing() {
    let server = Server::start();
    let id = start_session(&server, "u", None, "2024-01-15T10:00:00Z");
    server.mutation(&path("markConnected"), json!({"sessionId": id}));
    let code = |name: &str, extra: serde_json::Value| {
        let mut args = json!({"sessionId": id});
        args.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        server.error_code("mutation", &path(name), args, None)
    };
    assert_eq!(code("markConnected", json!({})), "INVALID_TRANSITION");
    server.mutation(&path("endSession"), json!({"sessionId": id}));
    for (name, extra) in [
        ("markConnected", json!({})),
        ("endSession", json!({})),
        ("markFailed", json!({})),
        ("updateSessionSettings", json!({"micEnabled": false})),
        ("reportQualityIssue", json!({"issue": "late"})),
    ] {
        assert_eq!(code(name, extra), "INVALID_TRANSITION", "{name}");
    }
    let session = server.query(&path("getSession"), json!({"sessionId": id}));
    assert_eq!(session["sessionStatus"], "ended");
    assert_eq!(session["micEnabled"], true);
    assert!(session.get("qualityIssues").is_none());
    let stats = server.query(&path("getCallStats"), json!({"userId": "u"}));
    assert_eq!(stats["completedSessions"], 1);
    assert_eq!(stats["failedSessions"], 0);
}

#[test]
fn sessions_are_found_by_client_session_id_and_sessionid_wins() {
    let server = Server::start();
    let first = server.mutation(
        &path("startSession"),
        json!({"userId": "u", "supportWorkerName": "W", "clientSessionId": "c-1"}),
    );
    let again = server.mutation(
        &path("startSession"),
        json!({"userId": "u", "supportWorkerName": "Other", "clientSessionId": "c-1"}),
    );
    assert_eq!(first, again);
    let stats = server.query(&path("getCallStats"), json!({"userId": "u"}));
    assert_eq!(stats["totalSessions"], 1);
    let code = server.error_code(
        "mutation",
        &path("startSession"),
        json!({"userId": "intruder", "supportWorkerName": "W", "clientSessionId": "c-1"}),
        None,
    );
    assert_eq!(code, "FORBIDDEN");
    let second = start_session(&server, "u", None, "2024-01-15T10:00:00Z");
    let connected = server.mutation(
        &path("markConnected"),
        json!({"sessionId": second, "clientSessionId": "c-1"}),
    );
    assert_eq!(connected, second);
    let by_client = server.query(&path("getSession"), json!({"clientSessionId": "c-1"}));
    assert_eq!(by_client["sessionStatus"], "connecting");
    assert_eq!(by_client["clientSessionId"], "c-1");
    assert_eq!(
        server.error_code(
            "mutation",
            &path("markConnected"),
            json!({"clientSessionId": "nobody"}),
            None
        ),
        "NOT_FOUND"
    );
    assert_eq!(
        server.error_code("mutation", &path("markConnected"), json!({}), None),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn appointment_links_are_checked() {
    let server = Server::start();
    let appointment = server.mutation(
        "appointments:create",
        json!({"userId": "owner", "supportWorkerName": "W"}),
    );
    let start = |user: &str, appointment_id: &str| {
        server.error_code(
            "mutation",
            &path("startSession"),
            json!({"userId": user, "supportWorkerName": "W", "appointmentId": appointment_id}),
            None,
        )
    };
    assert_eq!(
        start("someone-else", appointment.as_str().unwrap()),
        "FORBIDDEN"
    );
    let missing = server.mutation(
        "appointments:create",
        json!({"userId": "x", "supportWorkerName": "W"}),
    );
    // A real appointments id that does not exist in this database: create one on
    // another server.
    let other = Server::start();
    let foreign = other.mutation(
        "appointments:create",
        json!({"userId": "owner", "supportWorkerName": "W"}),
    );
    assert_ne!(missing, foreign);
    assert_eq!(start("owner", foreign.as_str().unwrap()), "NOT_FOUND");
}

#[test]
fn limits_are_invalid_argument_and_change_nothing() {
    let server = Server::start();
    let start = path("startSession");
    let code = |args: serde_json::Value| server.error_code("mutation", &start, args, None);
    let long = |n: usize| "a".repeat(n);
    assert_eq!(
        code(json!({"userId": "", "supportWorkerName": "W"})),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code(json!({"userId": long(201), "supportWorkerName": "W"})),
        "INVALID_ARGUMENT"
    );
    assert_eq!(code(json!({"supportWorkerName": "W"})), "INVALID_ARGUMENT");
    assert_eq!(
        code(json!({"userId": "u", "supportWorkerName": ""})),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code(json!({"userId": "u", "supportWorkerName": " \t "})),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code(json!({"userId": "u", "supportWorkerName": long(201)})),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code(json!({"userId": "u", "supportWorkerName": "W", "supportWorkerId": long(201)})),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code(json!({"userId": "u", "supportWorkerName": "W", "audioOption": long(51)})),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code(json!({"userId": "u", "supportWorkerName": "W", "clientSessionId": ""})),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code(json!({"userId": "u", "supportWorkerName": "W", "clientSessionId": long(101)})),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code(json!({"userId": "u", "supportWorkerName": "W", "opId": long(101)})),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code(json!({"userId": "u", "supportWorkerName": "W", "occurredAt": "yesterday"})),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code(
            json!({"userId": "u", "supportWorkerName": "W", "occurredAt": "2024-02-30T00:00:00Z"})
        ),
        "INVALID_ARGUMENT"
    );
    // metadata: JSON.stringify length 4096 passes, 4097 fails ({"k":"…"} is 8 + n).
    assert_eq!(
        code(json!({"userId": "u", "supportWorkerName": "W", "metadata": {"k": long(4089)}})),
        "INVALID_ARGUMENT"
    );
    let ok = server.mutation(
        &start,
        json!({"userId": "u", "supportWorkerName": "W", "metadata": {"k": long(4088)}}),
    );
    assert!(ok.is_string());
    // Lengths count UTF-16 units: 100 emoji are 200 units.
    let emoji = "😀".repeat(100);
    let ok = server.mutation(&start, json!({"userId": emoji, "supportWorkerName": "W"}));
    assert!(ok.is_string());
    assert_eq!(
        code(json!({"userId": format!("{emoji}a"), "supportWorkerName": "W"})),
        "INVALID_ARGUMENT"
    );
    let stats = server.query(&path("getCallStats"), json!({"userId": "u"}));
    assert_eq!(stats["totalSessions"], 1);

    let id = ok;
    let on = |name: &str, extra: serde_json::Value| {
        let mut args = json!({"sessionId": id});
        args.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        server.error_code("mutation", &path(name), args, None)
    };
    assert_eq!(
        on("endSession", json!({"endReason": long(201)})),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        on("markFailed", json!({"reason": long(201)})),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        on("reportQualityIssue", json!({"issue": ""})),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        on("reportQualityIssue", json!({"issue": "  "})),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        on("reportQualityIssue", json!({"issue": long(501)})),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        on("updateSessionSettings", json!({"audioOption": long(51)})),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn the_fifty_first_quality_issue_is_rejected() {
    let server = Server::start();
    let id = start_session(&server, "u", Some("w"), "2024-01-15T10:00:00Z");
    for i in 0..50 {
        server.mutation(
            &path("reportQualityIssue"),
            json!({"sessionId": id, "issue": format!("issue {i}")}),
        );
    }
    let code = server.error_code(
        "mutation",
        &path("reportQualityIssue"),
        json!({"sessionId": id, "issue": "one too many"}),
        None,
    );
    assert_eq!(code, "INVALID_ARGUMENT");
    let session = server.query(&path("getSession"), json!({"sessionId": id}));
    assert_eq!(session["qualityIssues"].as_array().unwrap().len(), 50);
    let stats = server.query(&path("getCallStats"), json!({"userId": "u"}));
    assert_eq!(stats["totalQualityIssues"], 50);
    let workers = server.query(
        &path("getSupportWorkerStats"),
        json!({"supportWorkerId": "w"}),
    );
    assert_eq!(workers[0]["totalQualityIssues"], 50);
}

#[test]
fn timestamps_default_to_now_and_are_normalised() {
    let server = Server::start();
    let before = video_session_server::time::now_ms();
    let id = server.mutation(
        &path("startSession"),
        json!({"userId": "u", "supportWorkerName": "W"}),
    );
    let after = video_session_server::time::now_ms();
    let session = server.query(&path("getSession"), json!({"sessionId": id}));
    let joined = session["joinedAt"].as_str().unwrap();
    let ms = video_session_server::time::parse_iso(joined).unwrap();
    assert!(before <= ms && ms <= after, "{joined}");
    assert_eq!(joined.len(), 24);
}
