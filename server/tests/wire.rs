//! The wire protocol: request shapes, value encoding, status codes, CORS, auth.

mod support;

use serde_json::{json, Value};
use support::{success, token, Server};

const START: &str = r#"{"userId":"user123","supportWorkerName":"Dr. Smith"}"#;

#[test]
fn args_may_be_an_array_of_one_or_a_bare_object_and_format_may_vary() {
    let server = Server::start();
    for body in [
        format!(
            r#"{{"path":"videoCallSessions:startSession","format":"convex_encoded_json","args":[{START}]}}"#
        ),
        format!(r#"{{"path":"videoCallSessions:startSession","format":"json","args":{START}}}"#),
        format!(r#"{{"path":"videoCallSessions:startSession","args":{START}}}"#),
    ] {
        let (status, reply) = server.post_raw("/api/mutation", body, None);
        assert_eq!(status, 200);
        assert!(success(reply).is_string());
    }
    let sessions = server.query(
        "videoCallSessions:getUserSessions",
        json!({"userId": "user123"}),
    );
    assert_eq!(sessions.as_array().unwrap().len(), 3);
}

#[test]
fn malformed_bodies_are_400_bad_json_body_and_change_nothing() {
    let server = Server::start();
    for body in [
        "{".to_string(),
        "[]".to_string(),
        r#"{"args":{}}"#.to_string(),
        r#"{"path":"videoCallSessions:getCallStats"}"#.to_string(),
        r#"{"path":"videoCallSessions:getCallStats","args":[]}"#.to_string(),
        r#"{"path":"videoCallSessions:getCallStats","args":"x"}"#.to_string(),
        format!(r#"{{"path":"videoCallSessions:startSession","format":"xml","args":{START}}}"#),
        r#"{"path":"videoCallSessions:startSession","args":{"userId":{"$integer":"AQ=="}}}"#
            .to_string(),
    ] {
        let (status, reply) = server.post_raw("/api/mutation", body.clone(), None);
        assert_eq!(status, 400, "{body}");
        assert_eq!(reply["code"], "BadJsonBody", "{body}");
        assert!(reply["message"].as_str().unwrap().len() > 5);
    }
    let stats = server.query(
        "videoCallSessions:getCallStats",
        json!({"userId": "user123"}),
    );
    assert_eq!(stats["totalSessions"], 0);
}

#[test]
fn bodies_over_one_mebibyte_are_413() {
    let server = Server::start();
    let big = "x".repeat(1024 * 1024 + 10);
    let body = json!({"path": "videoCallSessions:startSession",
        "args": {"userId": "u", "supportWorkerName": "W", "metadata": big}});
    let (status, _) = server.post_raw("/api/mutation", body.to_string(), None);
    assert_eq!(status, 413);
    // Streamed without a Content-Length, the limit still holds.
    let stream = reqwest::blocking::Body::new(std::io::Cursor::new(body.to_string().into_bytes()));
    let (status, _) = server.post_raw("/api/mutation", stream, None);
    assert_eq!(status, 413);
    let stats = server.query("videoCallSessions:getCallStats", json!({"userId": "u"}));
    assert_eq!(stats["totalSessions"], 0);
}

#[test]
fn unknown_function_and_wrong_kind_are_errors_without_data() {
    let server = Server::start();
    let reply = server.call("query", "videoCallSessions:nope", json!({}), None);
    assert_eq!(reply["status"], "error");
    assert_eq!(
        reply["errorMessage"],
        "Could not find public function for 'videoCallSessions:nope'."
    );
    assert!(reply.get("errorData").is_none());
    let reply = server.call("query", "videoCallSessions:startSession", json!({}), None);
    assert_eq!(reply["status"], "error");
    assert!(reply.get("errorData").is_none());
    let reply = server.call(
        "mutation",
        "videoCallSessions:getCallStats",
        json!({}),
        None,
    );
    assert_eq!(reply["status"], "error");
    assert!(reply.get("errorData").is_none());
}

#[test]
fn validator_failures_start_with_argument_validation_error() {
    let server = Server::start();
    let path = "videoCallSessions:startSession";
    server.validator_error("mutation", path, json!({"userId": "u"}));
    server.validator_error(
        "mutation",
        path,
        json!({"userId": "u", "supportWorkerName": 5}),
    );
    server.validator_error(
        "mutation",
        path,
        json!({"userId": "u", "supportWorkerName": "W", "extra": 1}),
    );
    server.validator_error(
        "mutation",
        path,
        json!({"userId": "u", "supportWorkerName": "W", "audioOption": null}),
    );
    // An int64 is not a float64.
    server.validator_error(
        "query",
        "videoCallSessions:getUserSessions",
        json!({"userId": "u", "limit": {"$integer": "AQAAAAAAAAA="}}),
    );
    // An id of another table fails v.id.
    let appointment = server.mutation(
        "appointments:create",
        json!({"userId": "u", "supportWorkerName": "W"}),
    );
    let message = server.validator_error(
        "mutation",
        "videoCallSessions:markConnected",
        json!({"sessionId": appointment}),
    );
    assert!(message.contains("v.id(\"videoCallSessions\")"), "{message}");
}

#[test]
fn special_values_round_trip_through_metadata() {
    let server = Server::start();
    let metadata = json!({
        "nan": {"$float": "AAAAAAAA+H8="},
        "negZero": {"$float": "AAAAAAAAAIA="},
        "inf": {"$float": "AAAAAAAA8H8="},
        "plain": 1.5,
        "whole": 3
    });
    let id = server.mutation(
        "videoCallSessions:startSession",
        json!({"userId": "u", "supportWorkerName": "W", "metadata": metadata}),
    );
    let session = server.query("videoCallSessions:getSession", json!({"sessionId": id}));
    assert_eq!(session["metadata"], metadata);
    let created = session["_creationTime"].as_f64().unwrap();
    assert!(created > 1.6e12, "{created}");
    // Bytes decode, and metadata refuses them (contract D2).
    let bytes =
        json!({"userId": "u", "supportWorkerName": "W", "metadata": {"b": {"$bytes": "AAEC"}}});
    let reply = server.call("mutation", "videoCallSessions:startSession", bytes, None);
    assert_eq!(reply["errorData"]["code"], "INVALID_ARGUMENT", "{reply}");
}

#[test]
fn cors_preflight_is_204_and_names_an_allowed_origin() {
    let server = Server::start_with(&["--allow-origin", "http://demo.test:8080"]);
    let response = server
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/mutation", server.url),
        )
        .header("Origin", "http://demo.test:8080")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let headers = response.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "http://demo.test:8080"
    );
    assert!(headers.get("access-control-allow-credentials").is_none());
    let allowed = headers["access-control-allow-headers"].to_str().unwrap();
    for h in ["Content-Type", "Authorization", "Convex-Client"] {
        assert!(allowed.contains(h), "{allowed}");
    }
    assert_eq!(headers["access-control-expose-headers"], "Retry-After");
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    for m in ["GET", "POST", "OPTIONS"] {
        assert!(methods.contains(m), "{methods}");
    }
    // A loopback page on another port (the wasm test runner, a dev server) too.
    let response = server
        .client
        .post(format!("{}/api/query", server.url))
        .header("Origin", "http://127.0.0.1:45678")
        .header("Content-Type", "application/json")
        .body(r#"{"path":"videoCallSessions:getCallStats","args":{"userId":"u"}}"#)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "http://127.0.0.1:45678"
    );
}

#[test]
fn version_home_and_unknown_routes() {
    let server = Server::start();
    let get = |route: &str| {
        server
            .client
            .get(format!("{}{route}", server.url))
            .send()
            .unwrap()
    };
    let version = get("/version");
    assert_eq!(version.status().as_u16(), 200);
    assert_eq!(
        version.text().unwrap(),
        format!("video-session-server {}", env!("CARGO_PKG_VERSION"))
    );
    let home = get("/");
    assert_eq!(home.status().as_u16(), 200);
    assert!(home.text().unwrap().contains("video-session-server"));
    assert_eq!(get("/nope").status().as_u16(), 404);
    assert_eq!(get("/api/nope").status().as_u16(), 404);
}

#[test]
fn www_directory_is_served_at_root() {
    let www = tempfile::tempdir().unwrap();
    std::fs::write(www.path().join("index.html"), "<h1>demo page</h1>").unwrap();
    std::fs::write(www.path().join("app.js"), "console.log(1)").unwrap();
    let server = Server::start_with(&["--www", www.path().to_str().unwrap()]);
    let get = |route: &str| {
        server
            .client
            .get(format!("{}{route}", server.url))
            .send()
            .unwrap()
    };
    assert_eq!(get("/").text().unwrap(), "<h1>demo page</h1>");
    assert_eq!(get("/app.js").text().unwrap(), "console.log(1)");
    assert_eq!(get("/missing.js").status().as_u16(), 404);
    let stats = server.query("videoCallSessions:getCallStats", json!({"userId": "u"}));
    assert_eq!(stats["totalSessions"], 0);
}

#[test]
fn bad_tokens_are_401_unauthenticated() {
    let server = Server::start_auth();
    let body = r#"{"path":"videoCallSessions:getCallStats","args":{}}"#;
    let expired =
        video_session_server::auth::sign(&json!({"sub": "u", "exp": 1000}), support::SECRET);
    let wrong_key = video_session_server::auth::sign(&json!({"sub": "u"}), "another-secret");
    for bad in ["garbage", expired.as_str(), wrong_key.as_str()] {
        let (status, reply) = server.post_raw("/api/query", body, Some(bad));
        assert_eq!(status, 401, "{bad}");
        assert_eq!(reply["code"], "Unauthenticated");
    }
    let (status, reply) = server.post_raw("/api/query", body, Some(&token("u")));
    assert_eq!(status, 200);
    assert_eq!(success(reply)["totalSessions"], 0);
}

#[test]
fn any_token_is_401_when_no_secret_is_configured() {
    let server = Server::start_with(&[]);
    let body = r#"{"path":"videoCallSessions:getCallStats","args":{"userId":"u"}}"#;
    let (status, reply) = server.post_raw("/api/query", body, Some(&token("u")));
    assert_eq!(status, 401);
    assert_eq!(reply["code"], "Unauthenticated");
    let (status, _) = server.post_raw("/api/query", body, None);
    assert_eq!(status, 200);
}

#[test]
fn convex_errors_carry_code_and_message() {
    let server = Server::start();
    let reply = server.call(
        "mutation",
        "videoCallSessions:startSession",
        json!({"userId": "u", "supportWorkerName": "   "}),
        None,
    );
    assert_eq!(reply["status"], "error");
    assert_eq!(reply["errorData"]["code"], "INVALID_ARGUMENT");
    assert!(reply["errorData"]["message"].is_string());
    assert!(reply["errorMessage"].is_string());
    assert_eq!(reply["logLines"], Value::Array(vec![]));
}

/// Session documents and stats are written from the protocol's wire types; their text
/// must stay what the hand-built maps wrote (keys sorted, integral numbers without a
/// fraction, metadata as stored, special floats Convex-encoded).
#[test]
fn session_documents_and_stats_keep_their_exact_text() {
    let server = Server::start();
    let id = server.mutation(
        "videoCallSessions:startSession",
        json!({"userId": "u", "supportWorkerName": "W", "supportWorkerId": "w1",
               "clientSessionId": "c1", "audioOption": "wifi", "occurredAt": "2024-01-15T10:30:00Z",
               "metadata": {"z": 1, "a": [2.5, null, {"$float": "AAAAAAAA+H8="}], "m": {"k": true}}}),
    );
    let id = id.as_str().unwrap();
    for (path, args) in [
        (
            "markConnected",
            json!({"sessionId": id, "occurredAt": "2024-01-15T10:30:15Z"}),
        ),
        (
            "reportQualityIssue",
            json!({"sessionId": id, "issue": "Audio choppy"}),
        ),
        (
            "endSession",
            json!({"sessionId": id, "occurredAt": "2024-01-15T10:45:30Z",
                              "endReason": "user_ended"}),
        ),
    ] {
        server.mutation(&format!("videoCallSessions:{path}"), args);
    }
    let sessions = server.query("videoCallSessions:getUserSessions", json!({"userId": "u"}));
    let doc = &sessions[0];
    let expected = format!(
        concat!(
            r#"{{"_creationTime":{creation},"_id":"{id}","audioOption":"wifi","cameraEnabled":true,"#,
            r#""clientSessionId":"c1","connectedAt":"2024-01-15T10:30:15.000Z","createdAt":"2024-01-15T10:30:00.000Z","#,
            r#""duration":915,"endReason":"user_ended","endedAt":"2024-01-15T10:45:30.000Z","#,
            r#""joinedAt":"2024-01-15T10:30:00.000Z","#,
            r#""metadata":{{"a":[2.5,null,{{"$float":"AAAAAAAA+H8="}}],"m":{{"k":true}},"z":1}},"#,
            r#""micEnabled":true,"qualityIssues":["Audio choppy"],"sessionStatus":"ended","#,
            r#""supportWorkerId":"w1","supportWorkerName":"W","updatedAt":"{updated}","userId":"u","utcOffsetMin":0}}"#
        ),
        creation = doc["_creationTime"],
        id = id,
        updated = doc["updatedAt"].as_str().unwrap(),
    );
    assert_eq!(serde_json::to_string(doc).unwrap(), expected);

    let stats = server.query("videoCallSessions:getCallStats", json!({"userId": "u"}));
    assert_eq!(
        serde_json::to_string(&stats).unwrap(),
        r#"{"averageDuration":915,"averageRating":null,"completedSessions":1,"failedSessions":0,"totalDuration":915,"totalQualityIssues":1,"totalReconnects":0,"totalSessions":1}"#
    );
    let workers = server.query(
        "videoCallSessions:getSupportWorkerStats",
        json!({"supportWorkerId": "w1"}),
    );
    assert_eq!(
        serde_json::to_string(&workers).unwrap(),
        r#"[{"averageDuration":915,"completedSessions":1,"failedSessions":0,"failureRate":0,"supportWorkerId":"w1","supportWorkerName":"W","totalDuration":915,"totalQualityIssues":1,"totalSessions":1}]"#
    );
}
