//! Identity and ownership with signed tokens, and the queries.

mod support;

use serde_json::{json, Value};
use support::{start_session, token, Server};

fn vcs(name: &str) -> String {
    format!("videoCallSessions:{name}")
}

#[test]
fn the_token_subject_is_the_user() {
    let server = Server::start_auth();
    let id = server.mutation_as(
        "alice",
        &vcs("startSession"),
        json!({"supportWorkerName": "W"}),
    );
    let session = success_as(
        &server,
        "alice",
        &vcs("getSession"),
        json!({"sessionId": id}),
    );
    assert_eq!(session["userId"], "alice");
    // A matching userId is fine; a different one is FORBIDDEN.
    server.mutation_as(
        "alice",
        &vcs("startSession"),
        json!({"userId": "alice", "supportWorkerName": "W"}),
    );
    let code = server.error_code(
        "mutation",
        &vcs("startSession"),
        json!({"userId": "bob", "supportWorkerName": "W"}),
        Some("alice"),
    );
    assert_eq!(code, "FORBIDDEN");
    let stats = success_as(&server, "alice", &vcs("getCallStats"), json!({}));
    assert_eq!(stats["totalSessions"], 2);
    let code = server.error_code(
        "query",
        &vcs("getCallStats"),
        json!({"userId": "bob"}),
        Some("alice"),
    );
    assert_eq!(code, "FORBIDDEN");
}

fn success_as(server: &Server, user: &str, path: &str, args: Value) -> Value {
    support::success(server.call("query", path, args, Some(&token(user))))
}

#[test]
fn only_the_owner_may_touch_a_session_when_signed_in() {
    let server = Server::start_auth();
    let id = server.mutation_as(
        "alice",
        &vcs("startSession"),
        json!({"supportWorkerName": "W"}),
    );
    for (name, extra) in [
        ("markConnected", json!({})),
        ("endSession", json!({})),
        ("markFailed", json!({})),
        ("updateSessionSettings", json!({"cameraEnabled": false})),
        ("reportQualityIssue", json!({"issue": "x"})),
    ] {
        let mut args = json!({"sessionId": id});
        args.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let code = server.error_code("mutation", &vcs(name), args, Some("mallory"));
        assert_eq!(code, "FORBIDDEN", "{name}");
    }
    let code = server.error_code(
        "query",
        &vcs("getSession"),
        json!({"sessionId": id}),
        Some("mallory"),
    );
    assert_eq!(code, "FORBIDDEN");
    let session = success_as(
        &server,
        "alice",
        &vcs("getSession"),
        json!({"sessionId": id}),
    );
    assert_eq!(session["sessionStatus"], "connecting");
    assert_eq!(session["cameraEnabled"], true);
    // Under auth a call without a token never reaches a function (D1; it used to
    // run without an ownership check).
    let body = json!({"path": vcs("markConnected"), "args": {"sessionId": id}});
    let (status, reply) = server.post_raw("/api/mutation", body.to_string(), None);
    assert_eq!(status, 401, "{reply}");
    assert_eq!(reply["code"], "Unauthenticated");
    let connected = server.mutation_as("alice", &vcs("markConnected"), json!({"sessionId": id}));
    assert_eq!(connected, id);
}

#[test]
fn get_user_sessions_is_newest_first_with_limit_rules() {
    let server = Server::start();
    let ids: Vec<String> = (0..5)
        .map(|i| start_session(&server, "u", None, &format!("2024-01-15T10:0{i}:00Z")))
        .collect();
    start_session(&server, "other", None, "2024-01-15T10:00:00Z");
    let all = server.query(&vcs("getUserSessions"), json!({"userId": "u"}));
    let got: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["_id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = ids.iter().rev().map(String::as_str).collect();
    assert_eq!(got, expected);
    let times: Vec<f64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["_creationTime"].as_f64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] > w[1]), "{times:?}");
    let two = server.query(&vcs("getUserSessions"), json!({"userId": "u", "limit": 2}));
    assert_eq!(two.as_array().unwrap().len(), 2);
    let clamped = server.query(
        &vcs("getUserSessions"),
        json!({"userId": "u", "limit": 1000}),
    );
    assert_eq!(clamped.as_array().unwrap().len(), 5);
    for bad in [
        json!(0),
        json!(1.5),
        json!(-3),
        json!({"$float": "AAAAAAAA+H8="}),
    ] {
        let code = server.error_code(
            "query",
            &vcs("getUserSessions"),
            json!({"userId": "u", "limit": bad}),
            None,
        );
        assert_eq!(code, "INVALID_ARGUMENT", "{bad}");
    }
    assert_eq!(
        server.error_code("query", &vcs("getUserSessions"), json!({}), None),
        "INVALID_ARGUMENT"
    );
    let none = server.query(&vcs("getUserSessions"), json!({"userId": "nobody"}));
    assert_eq!(none, json!([]));
}

#[test]
fn get_user_sessions_clamps_at_two_hundred() {
    let server = Server::start();
    let ops: Vec<Value> = (0..100)
        .map(|i| {
            json!({"opId": format!("o{i}"), "kind": "startSession",
            "occurredAt": "2024-01-15T10:00:00Z", "args": {"supportWorkerName": "W"}})
        })
        .collect();
    server.mutation(&vcs("applyBatch"), json!({"userId": "u", "ops": ops}));
    let more: Vec<Value> = (100..201)
        .map(|i| {
            json!({"opId": format!("o{i}"), "kind": "startSession",
            "occurredAt": "2024-01-15T10:00:00Z", "args": {"supportWorkerName": "W"}})
        })
        .collect();
    server.mutation(
        &vcs("applyBatch"),
        json!({"userId": "u", "ops": more[..100]}),
    );
    server.mutation(
        &vcs("applyBatch"),
        json!({"userId": "u", "ops": more[100..]}),
    );
    let default = server.query(&vcs("getUserSessions"), json!({"userId": "u"}));
    assert_eq!(default.as_array().unwrap().len(), 50);
    let clamped = server.query(
        &vcs("getUserSessions"),
        json!({"userId": "u", "limit": 500}),
    );
    assert_eq!(clamped.as_array().unwrap().len(), 200);
}

#[test]
fn pages_walk_newest_first_and_end_with_is_done() {
    let server = Server::start();
    let ids: Vec<String> = (0..5)
        .map(|_| start_session(&server, "u", None, "2024-01-15T10:00:00Z"))
        .collect();
    let mut cursor = Value::Null;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = server.query(
            &vcs("getUserSessionsPage"),
            json!({"userId": "u", "paginationOpts": {"numItems": 2, "cursor": cursor}}),
        );
        let keys: Vec<&str> = page
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 5, "{page}"); // page, isDone, continueCursor, splitCursor, pageStatus
        for s in page["page"].as_array().unwrap() {
            seen.push(s["_id"].as_str().unwrap().to_string());
        }
        assert!(page["continueCursor"].is_string());
        pages += 1;
        if page["isDone"] == true {
            break;
        }
        cursor = page["continueCursor"].clone();
        assert!(pages < 10);
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = ids.into_iter().rev().collect();
    assert_eq!(seen, expected);
    let code = server.error_code(
        "query",
        &vcs("getUserSessionsPage"),
        json!({"userId": "u", "paginationOpts": {"numItems": 2, "cursor": "bogus"}}),
        None,
    );
    assert_eq!(code, "INVALID_ARGUMENT");
    server.validator_error(
        "query",
        &vcs("getUserSessionsPage"),
        json!({"userId": "u", "paginationOpts": {"numItems": 2}}),
    );
}

#[test]
fn active_session_is_the_newest_connecting_or_connected() {
    let server = Server::start();
    assert_eq!(
        server.query(&vcs("getActiveSession"), json!({"userId": "u"})),
        Value::Null
    );
    let a = start_session(&server, "u", None, "2024-01-15T10:00:00Z");
    server.mutation(&vcs("markConnected"), json!({"sessionId": a}));
    let b = start_session(&server, "u", None, "2024-01-15T10:01:00Z");
    let active = server.query(&vcs("getActiveSession"), json!({"userId": "u"}));
    assert_eq!(active["_id"], b);
    server.mutation(&vcs("markFailed"), json!({"sessionId": b}));
    let active = server.query(&vcs("getActiveSession"), json!({"userId": "u"}));
    assert_eq!(active["_id"], a);
    assert_eq!(active["sessionStatus"], "connected");
    server.mutation(&vcs("endSession"), json!({"sessionId": a}));
    assert_eq!(
        server.query(&vcs("getActiveSession"), json!({"userId": "u"})),
        Value::Null
    );
}

#[test]
fn get_session_returns_null_for_unknown_and_requires_a_reference() {
    let server = Server::start();
    let other = Server::start();
    let foreign = start_session(&other, "u", None, "2024-01-15T10:00:00Z");
    assert_eq!(
        server.query(&vcs("getSession"), json!({"sessionId": foreign})),
        Value::Null
    );
    assert_eq!(
        server.query(&vcs("getSession"), json!({"clientSessionId": "nope"})),
        Value::Null
    );
    assert_eq!(
        server.error_code("query", &vcs("getSession"), json!({}), None),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn call_stats_are_zero_for_an_unknown_user_and_average_rounds() {
    let server = Server::start();
    assert_eq!(
        server.query(&vcs("getCallStats"), json!({"userId": "ghost"})),
        json!({"totalSessions": 0, "completedSessions": 0, "failedSessions": 0,
               "totalDuration": 0, "averageDuration": 0, "totalQualityIssues": 0,
               "totalReconnects": 0, "averageRating": null})
    );
    // Durations 10 s and 11 s over 2 sessions: 10.5 rounds up to 11.
    for (i, secs) in [10, 11].into_iter().enumerate() {
        let id = start_session(&server, "u", None, "2024-01-15T10:00:00Z");
        server.mutation(
            &vcs("markConnected"),
            json!({"sessionId": id, "occurredAt": format!("2024-01-15T1{i}:00:00Z")}),
        );
        server.mutation(
            &vcs("endSession"),
            json!({"sessionId": id, "occurredAt": format!("2024-01-15T1{i}:00:{secs}Z")}),
        );
    }
    let stats = server.query(&vcs("getCallStats"), json!({"userId": "u"}));
    assert_eq!(stats["totalDuration"], 21);
    assert_eq!(stats["averageDuration"], 11);
}

#[test]
fn worker_stats_order_by_total_then_newest_and_keep_latest_name() {
    let server = Server::start();
    start_session(&server, "u", Some("w-old"), "2024-01-15T10:00:00Z");
    start_session(&server, "u", Some("w-busy"), "2024-01-15T10:00:00Z");
    start_session(&server, "u", Some("w-new"), "2024-01-15T10:00:00Z");
    let renamed = server.mutation(
        &vcs("startSession"),
        json!({"userId": "u2", "supportWorkerName": "Dr. Renamed", "supportWorkerId": "w-busy"}),
    );
    server.mutation(&vcs("markFailed"), json!({"sessionId": renamed}));
    start_session(&server, "u", None, "2024-01-15T10:00:00Z");
    let all = server.query(&vcs("getSupportWorkerStats"), json!({}));
    let order: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["supportWorkerId"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["w-busy", "w-new", "w-old"]);
    assert_eq!(
        all[0],
        json!({"supportWorkerId": "w-busy", "supportWorkerName": "Dr. Renamed",
        "totalSessions": 2, "completedSessions": 0, "failedSessions": 1, "totalDuration": 0,
        "averageDuration": 0, "totalQualityIssues": 0, "failureRate": 0.5})
    );
    let one = server.query(&vcs("getSupportWorkerStats"), json!({"limit": 1}));
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(
        server.query(
            &vcs("getSupportWorkerStats"),
            json!({"supportWorkerId": "nobody"})
        ),
        json!([])
    );
    let code = server.error_code(
        "query",
        &vcs("getSupportWorkerStats"),
        json!({"limit": 0}),
        None,
    );
    assert_eq!(code, "INVALID_ARGUMENT");
}
