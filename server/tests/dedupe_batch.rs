//! Exactly-once: op ids on single mutations and `applyBatch`, replays, rejected
//! ops, clock skew.

mod support;

use serde_json::{json, Value};
use support::{start_session, Server};

const BATCH: &str = "videoCallSessions:applyBatch";

fn stats(server: &Server, user: &str) -> Value {
    server.query("videoCallSessions:getCallStats", json!({"userId": user}))
}

#[test]
fn a_replayed_single_mutation_returns_the_stored_result_and_changes_nothing() {
    let server = Server::start();
    let args =
        json!({"userId": "u", "supportWorkerName": "W", "supportWorkerId": "w", "opId": "op-1"});
    let first = server.mutation("videoCallSessions:startSession", args.clone());
    let second = server.mutation("videoCallSessions:startSession", args);
    assert_eq!(first, second);
    assert_eq!(stats(&server, "u")["totalSessions"], 1);
    let sessions = server.query("videoCallSessions:getUserSessions", json!({"userId": "u"}));
    assert_eq!(sessions.as_array().unwrap().len(), 1);

    let end = json!({"sessionId": first, "opId": "op-2", "endReason": "done"});
    let ended = server.mutation("videoCallSessions:endSession", end.clone());
    let replay = server.mutation("videoCallSessions:endSession", end);
    assert_eq!(ended, replay);
    assert_eq!(stats(&server, "u")["completedSessions"], 1);
}

#[test]
fn a_failed_single_mutation_records_nothing() {
    let server = Server::start();
    let id = start_session(&server, "u", None, "2024-01-15T10:00:00Z");
    let early = json!({"sessionId": id, "opId": "end-1"});
    server.mutation("videoCallSessions:endSession", json!({"sessionId": id}));
    // The op fails on an ended session; its id stays unused.
    assert_eq!(
        server.error_code("mutation", "videoCallSessions:endSession", early, None),
        "INVALID_TRANSITION"
    );
    let fresh = start_session(&server, "u", None, "2024-01-15T10:00:00Z");
    let ok = server.mutation(
        "videoCallSessions:endSession",
        json!({"sessionId": fresh, "opId": "end-1"}),
    );
    assert_eq!(ok["_id"], fresh);
}

#[test]
fn an_op_id_of_another_user_is_forbidden() {
    let server = Server::start();
    server.mutation(
        "videoCallSessions:startSession",
        json!({"userId": "alice", "supportWorkerName": "W", "opId": "shared"}),
    );
    let code = server.error_code(
        "mutation",
        "videoCallSessions:startSession",
        json!({"userId": "bob", "supportWorkerName": "W", "opId": "shared"}),
        None,
    );
    assert_eq!(code, "FORBIDDEN");
    assert_eq!(stats(&server, "bob")["totalSessions"], 0);
}

fn full_batch() -> Value {
    json!({"userId": "u", "ops": [
        {"opId": "b1", "kind": "startSession", "occurredAt": "2024-01-15T10:30:00Z",
         "args": {"supportWorkerName": "Dr. Smith", "supportWorkerId": "w", "clientSessionId": "c1"}},
        {"opId": "b2", "kind": "markConnected", "occurredAt": "2024-01-15T10:30:15Z",
         "args": {"clientSessionId": "c1"}},
        {"opId": "b3", "kind": "markConnected", "occurredAt": "2024-01-15T10:30:16Z",
         "args": {"clientSessionId": "c1"}},
        {"opId": "b4", "kind": "reportQualityIssue", "occurredAt": "2024-01-15T10:31:00Z",
         "args": {"clientSessionId": "c1", "issue": "Audio choppy"}},
        {"opId": "b5", "kind": "updateSessionSettings", "occurredAt": "2024-01-15T10:32:00Z",
         "args": {"clientSessionId": "c1", "micEnabled": false}},
        {"opId": "b6", "kind": "endSession", "occurredAt": "2024-01-15T10:45:30Z",
         "args": {"clientSessionId": "c1", "endReason": "user_ended"}}
    ]})
}

#[test]
fn apply_batch_applies_in_order_and_rejects_without_stopping() {
    let server = Server::start();
    let reply = server.mutation(BATCH, full_batch());
    let results = reply["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    let id = results[0]["value"]["sessionId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        results[0],
        json!({"opId": "b1", "status": "applied",
        "value": {"sessionId": id, "sessionStatus": "connecting"}})
    );
    assert_eq!(results[1]["value"]["sessionStatus"], "connected");
    assert_eq!(results[2]["status"], "rejected");
    assert_eq!(results[2]["error"]["code"], "INVALID_TRANSITION");
    assert!(results[2]["error"]["message"].is_string());
    assert_eq!(results[3]["status"], "applied");
    assert_eq!(results[4]["status"], "applied");
    assert_eq!(
        results[5],
        json!({"opId": "b6", "status": "applied",
        "value": {"sessionId": id, "sessionStatus": "ended", "duration": 915}})
    );
    let server_time = reply["serverTime"].as_str().unwrap();
    let t = video_session_server::time::parse_iso(server_time).unwrap();
    assert!((video_session_server::time::now_ms() - t).abs() < 60_000);

    let session = server.query("videoCallSessions:getSession", json!({"sessionId": id}));
    assert_eq!(session["connectedAt"], "2024-01-15T10:30:15.000Z");
    assert_eq!(session["micEnabled"], false);
    assert_eq!(session["qualityIssues"], json!(["Audio choppy"]));
    let before = stats(&server, "u");
    assert_eq!(
        before,
        json!({"totalSessions": 1, "completedSessions": 1, "failedSessions": 0,
        "totalDuration": 915, "averageDuration": 915, "totalQualityIssues": 1,
        "totalReconnects": 0, "averageRating": null})
    );

    // Replaying the whole batch: same outcomes, nothing changes.
    let replay = server.mutation(BATCH, full_batch());
    let again = replay["results"].as_array().unwrap();
    for (i, (a, b)) in results.iter().zip(again).enumerate() {
        assert_eq!(a["opId"], b["opId"]);
        if a["status"] == "applied" {
            assert_eq!(b["status"], "duplicate", "op {i}");
        } else {
            assert_eq!(a, b, "op {i}");
        }
    }
    assert_eq!(
        again[0]["value"],
        json!({"sessionId": id, "sessionStatus": "connecting"})
    );
    assert_eq!(again[5]["value"], results[5]["value"]);
    assert_eq!(stats(&server, "u"), before);
    assert_eq!(
        server.query("videoCallSessions:getSession", json!({"sessionId": id})),
        session
    );
}

#[test]
fn a_rejected_op_stays_rejected_even_once_it_could_apply() {
    let server = Server::start();
    let early = json!({"userId": "u", "ops": [
        {"opId": "x1", "kind": "markConnected", "occurredAt": "2024-01-15T10:00:00Z",
         "args": {"clientSessionId": "later"}}]});
    let first = server.mutation(BATCH, early.clone());
    assert_eq!(first["results"][0]["error"]["code"], "NOT_FOUND");
    server.mutation(
        "videoCallSessions:startSession",
        json!({"userId": "u", "supportWorkerName": "W", "clientSessionId": "later"}),
    );
    let replay = server.mutation(BATCH, early);
    assert_eq!(replay["results"][0]["status"], "rejected");
    assert_eq!(replay["results"][0]["error"]["code"], "NOT_FOUND");
    let active = server.query("videoCallSessions:getActiveSession", json!({"userId": "u"}));
    assert_eq!(active["sessionStatus"], "connecting");
}

#[test]
fn bad_ops_are_rejected_individually() {
    let server = Server::start();
    let reply = server.mutation(BATCH, json!({"userId": "u", "ops": [
        {"opId": "k1", "kind": "explode", "occurredAt": "2024-01-15T10:00:00Z", "args": {}},
        {"opId": "k2", "kind": "startSession", "occurredAt": "not a time", "args": {"supportWorkerName": "W"}},
        {"opId": "k3", "kind": "startSession", "occurredAt": "2024-01-15T10:00:00Z", "args": {"supportWorkerName": 3}},
        {"opId": "k4", "kind": "startSession", "occurredAt": "2024-01-15T10:00:00Z", "args": {"supportWorkerName": "W", "userId": "u"}},
        {"opId": "k5", "kind": "startSession", "occurredAt": "2024-01-15T10:00:00Z", "args": {"supportWorkerName": "W", "clientSessionId": ""}},
        {"opId": "k6", "kind": "startSession", "occurredAt": "2024-01-15T10:00:00Z", "args": {"supportWorkerName": "W"}}
    ]}));
    let results = reply["results"].as_array().unwrap();
    for r in &results[..5] {
        assert_eq!(r["status"], "rejected", "{r}");
        assert_eq!(r["error"]["code"], "INVALID_ARGUMENT", "{r}");
    }
    assert_eq!(results[5]["status"], "applied");
    assert_eq!(stats(&server, "u")["totalSessions"], 1);
    // An op id that could never be recorded refuses the whole batch.
    for bad_op_id in [String::new(), "x".repeat(101)] {
        let code = server.error_code("mutation", BATCH, json!({"userId": "u", "ops": [
            {"opId": "fine", "kind": "startSession", "occurredAt": "2024-01-15T10:00:00Z", "args": {"supportWorkerName": "W"}},
            {"opId": bad_op_id, "kind": "startSession", "occurredAt": "2024-01-15T10:00:00Z", "args": {"supportWorkerName": "W"}}
        ]}), None);
        assert_eq!(code, "INVALID_ARGUMENT");
    }
    assert_eq!(stats(&server, "u")["totalSessions"], 1);
    // The batch itself takes no opId.
    server.validator_error(
        "mutation",
        BATCH,
        json!({"userId": "u", "opId": "b", "ops": []}),
    );
}

#[test]
fn batches_over_one_hundred_ops_are_refused_whole() {
    let server = Server::start();
    let ops: Vec<Value> = (0..101)
        .map(|i| {
            json!({"opId": format!("o{i}"), "kind": "startSession",
            "occurredAt": "2024-01-15T10:00:00Z", "args": {"supportWorkerName": "W"}})
        })
        .collect();
    let code = server.error_code("mutation", BATCH, json!({"userId": "u", "ops": ops}), None);
    assert_eq!(code, "INVALID_ARGUMENT");
    assert_eq!(stats(&server, "u")["totalSessions"], 0);
    let ok = server.mutation(BATCH, json!({"userId": "u", "ops": ops[..100]}));
    assert_eq!(ok["results"].as_array().unwrap().len(), 100);
    assert_eq!(stats(&server, "u")["totalSessions"], 100);
}

#[test]
fn a_wrong_client_clock_is_shifted_but_durations_hold() {
    let server = Server::start();
    // The client believes it is 2024-01-15T10:50:00Z; the server's now differs by
    // far more than two minutes, so every event time moves by the same shift.
    let reply = server.mutation(BATCH, json!({"userId": "u", "sentAt": "2024-01-15T10:50:00Z", "ops": [
        {"opId": "s1", "kind": "startSession", "occurredAt": "2024-01-15T10:30:00Z",
         "args": {"supportWorkerName": "W", "clientSessionId": "skew"}},
        {"opId": "s2", "kind": "markConnected", "occurredAt": "2024-01-15T10:30:15Z", "args": {"clientSessionId": "skew"}},
        {"opId": "s3", "kind": "endSession", "occurredAt": "2024-01-15T10:45:30Z", "args": {"clientSessionId": "skew"}}
    ]}));
    assert_eq!(reply["results"][2]["value"]["duration"], 915);
    let server_now =
        video_session_server::time::parse_iso(reply["serverTime"].as_str().unwrap()).unwrap();
    let session = server.query(
        "videoCallSessions:getSession",
        json!({"clientSessionId": "skew"}),
    );
    let ended =
        video_session_server::time::parse_iso(session["endedAt"].as_str().unwrap()).unwrap();
    // endedAt was 4m30s before sentAt, so it lands 4m30s before the server's now.
    let expected = server_now - 270_000;
    assert!(
        (ended - expected).abs() < 5_000,
        "ended {ended} expected ~{expected}"
    );

    // Within two minutes no shift is applied.
    let now = video_session_server::time::now_ms();
    let sent = video_session_server::time::format_iso(now - 60_000);
    server.mutation(
        BATCH,
        json!({"userId": "u", "sentAt": sent, "ops": [
        {"opId": "n1", "kind": "startSession", "occurredAt": "2024-01-15T10:30:00Z",
         "args": {"supportWorkerName": "W", "clientSessionId": "noskew"}}]}),
    );
    let session = server.query(
        "videoCallSessions:getSession",
        json!({"clientSessionId": "noskew"}),
    );
    assert_eq!(session["joinedAt"], "2024-01-15T10:30:00.000Z");
    let code = server.error_code(
        "mutation",
        BATCH,
        json!({"userId": "u", "sentAt": "soon", "ops": []}),
        None,
    );
    assert_eq!(code, "INVALID_ARGUMENT");
}

#[test]
fn batch_ops_on_another_users_session_are_forbidden() {
    let server = Server::start();
    server.mutation(
        "videoCallSessions:startSession",
        json!({"userId": "alice", "supportWorkerName": "W", "clientSessionId": "alice-call"}),
    );
    let reply = server.mutation(BATCH, json!({"userId": "mallory", "ops": [
        {"opId": "m1", "kind": "endSession", "occurredAt": "2024-01-15T10:00:00Z", "args": {"clientSessionId": "alice-call"}}
    ]}));
    assert_eq!(reply["results"][0]["error"]["code"], "FORBIDDEN");
    let session = server.query(
        "videoCallSessions:getSession",
        json!({"clientSessionId": "alice-call"}),
    );
    assert_eq!(session["sessionStatus"], "connecting");
}

#[test]
fn single_and_batch_replays_cross_over() {
    let server = Server::start();
    let id = server.mutation(
        "videoCallSessions:startSession",
        json!({"userId": "u", "supportWorkerName": "W", "opId": "single-1"}),
    );
    let reply = server.mutation(BATCH, json!({"userId": "u", "ops": [
        {"opId": "single-1", "kind": "startSession", "occurredAt": "2024-01-15T10:00:00Z", "args": {"supportWorkerName": "W"}}
    ]}));
    assert_eq!(
        reply["results"][0],
        json!({"opId": "single-1", "status": "duplicate",
        "value": {"sessionId": id, "sessionStatus": "connecting"}})
    );
    let reply = server.mutation(BATCH, json!({"userId": "u", "ops": [
        {"opId": "batch-1", "kind": "markConnected", "occurredAt": "2024-01-15T10:00:00Z", "args": {"sessionId": id}}
    ]}));
    assert_eq!(reply["results"][0]["status"], "applied");
    let single = server.mutation(
        "videoCallSessions:markConnected",
        json!({"sessionId": id, "opId": "batch-1"}),
    );
    assert_eq!(single, id);
    assert_eq!(stats(&server, "u")["totalSessions"], 1);
}

/// The reply is built from the protocol's wire types now; its text must stay what
/// the hand-built maps wrote (keys sorted, as a Convex object keeps them), because
/// clients already in the field parse it.
#[test]
fn a_batch_reply_keeps_its_exact_text() {
    let server = Server::start();
    let start = json!({"opId": "t1", "kind": "startSession", "occurredAt": "2024-01-15T10:30:00Z",
        "args": {"supportWorkerName": "W", "clientSessionId": "c9"}});
    let reply = server.mutation(
        BATCH,
        json!({"userId": "u", "ops": [
            start.clone(),
            start,
            {"opId": "t2", "kind": "endSession", "occurredAt": "2024-01-15T10:31:00Z",
             "args": {"clientSessionId": "c9"}},
            {"opId": "t3", "kind": "markFailed", "occurredAt": "2024-01-15T10:32:00Z",
             "args": {"clientSessionId": "nope"}},
        ]}),
    );
    let id = reply["results"][0]["value"]["sessionId"].as_str().unwrap();
    let server_time = reply["serverTime"].as_str().unwrap();
    let expected = format!(
        concat!(
            r#"{{"results":["#,
            r#"{{"opId":"t1","status":"applied","value":{{"sessionId":"{id}","sessionStatus":"connecting"}}}},"#,
            r#"{{"opId":"t1","status":"duplicate","value":{{"sessionId":"{id}","sessionStatus":"connecting"}}}},"#,
            r#"{{"opId":"t2","status":"applied","value":{{"sessionId":"{id}","sessionStatus":"ended"}}}},"#,
            r#"{{"error":{{"code":"NOT_FOUND","message":"no such video call session"}},"opId":"t3","status":"rejected"}}"#,
            r#"],"serverTime":"{time}"}}"#
        ),
        id = id,
        time = server_time
    );
    assert_eq!(serde_json::to_string(&reply).unwrap(), expected);
}
