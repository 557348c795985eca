//! Family 4: security. With auth on, another user's token cannot change or read
//! alice's session (FORBIDDEN, the row unchanged), and a call with no token cannot
//! either, whatever `userId` it names (401 before any function runs); the SDK never writes the auth
//! token to storage, not even when the backend refuses it; SQL metacharacters and
//! HTML in every string field are stored and returned verbatim and match only
//! themselves (a `%` or `_` user sees only its own rows: no LIKE, no injection).

use serde_json::{json, Value};
use video_session_sdk::native::SystemEnv;
use video_session_sdk::{Client, MemoryStorage, StartSessionArgs};

use super::jwt::token;
use super::sdk_args::config;
use super::server::{Server, Shared, SECRET};

pub enum Input {
    /// mallory (signed token) calls `path` with args naming alice's things.
    AsMallory(&'static str, &'static str, fn(&Alice) -> Value),
    /// No token, on the server with auth, with args naming alice's things.
    Anonymous(&'static str, &'static str, fn(&Alice) -> Value),
    /// The SDK with a token set: which token.
    TokenNotStored(Tok),
    /// This string in every string field, over HTTP.
    Verbatim(&'static str),
    /// The SDK (userId, worker name) with metacharacters, end to end.
    SdkVerbatim(&'static str, &'static str),
}

#[derive(Clone, Copy)]
pub enum Tok {
    Valid,
    WrongSecret,
    OtherUser,
}

pub enum Expect {
    Coded(&'static str),
    /// applyBatch answers, with its one op rejected with this code.
    OpRejected(&'static str),
    /// HTTP 401 `Unauthenticated`.
    Unauthenticated,
    Holds,
}

pub struct Case {
    pub name: &'static str,
    pub input: Input,
    pub expect: Expect,
    pub known_bug: Option<&'static str>,
}

/// alice's session (connecting) and appointment, made with her token.
pub struct Alice {
    pub session: String,
    pub client_session_id: String,
    pub appointment: String,
    pub op_id: String,
    pub doc: Value,
    pub stats: Value,
}

pub const METACHARS: [&str; 9] = [
    "'; DROP TABLE videoCallSessions; --",
    "\" OR 1=1 --",
    "nul\u{0}byte",
    "%",
    "_",
    "\\'\\\"",
    "*/ OR /*",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(document.cookie)>",
];

// One case per line: the table reads better than rustfmt's layout of it.
#[rustfmt::skip]
pub fn cases() -> Vec<Case> {
    use Expect::*;
    let c = |name, input, expect| Case { name, input, expect, known_bug: None };
    let m = "mutation";
    let q = "query";
    let mut out = vec![
        c("markConnected on alice's session", Input::AsMallory(m, "videoCallSessions:markConnected", |a| json!({"sessionId": a.session})), Coded("FORBIDDEN")),
        c("markConnected by alice's clientSessionId", Input::AsMallory(m, "videoCallSessions:markConnected", |a| json!({"clientSessionId": a.client_session_id})), Coded("FORBIDDEN")),
        c("endSession on alice's session", Input::AsMallory(m, "videoCallSessions:endSession", |a| json!({"sessionId": a.session, "endReason": "hijack"})), Coded("FORBIDDEN")),
        c("markFailed on alice's session", Input::AsMallory(m, "videoCallSessions:markFailed", |a| json!({"sessionId": a.session, "reason": "hijack"})), Coded("FORBIDDEN")),
        c("updateSessionSettings on alice's session", Input::AsMallory(m, "videoCallSessions:updateSessionSettings", |a| json!({"sessionId": a.session, "micEnabled": false})), Coded("FORBIDDEN")),
        c("reportQualityIssue on alice's session", Input::AsMallory(m, "videoCallSessions:reportQualityIssue", |a| json!({"sessionId": a.session, "issue": "spam"})), Coded("FORBIDDEN")),
        c("getSession of alice's session", Input::AsMallory(q, "videoCallSessions:getSession", |a| json!({"sessionId": a.session})), Coded("FORBIDDEN")),
        c("getUserSessions naming alice", Input::AsMallory(q, "videoCallSessions:getUserSessions", |_| json!({"userId": "alice"})), Coded("FORBIDDEN")),
        c("startSession with userId alice", Input::AsMallory(m, "videoCallSessions:startSession", |_| json!({"userId": "alice", "supportWorkerName": "W"})), Coded("FORBIDDEN")),
        c("startSession reusing alice's clientSessionId", Input::AsMallory(m, "videoCallSessions:startSession", |a| json!({"supportWorkerName": "W", "clientSessionId": a.client_session_id})), Coded("FORBIDDEN")),
        c("startSession on alice's appointment", Input::AsMallory(m, "videoCallSessions:startSession", |a| json!({"supportWorkerName": "W", "appointmentId": a.appointment})), Coded("FORBIDDEN")),
        c("replay of alice's opId", Input::AsMallory(m, "videoCallSessions:markConnected", |a| json!({"sessionId": a.session, "opId": a.op_id})), Coded("FORBIDDEN")),
        c("applyBatch with userId alice", Input::AsMallory(m, "videoCallSessions:applyBatch", |a| json!({"userId": "alice", "ops": [{"opId": "mal-1", "kind": "markConnected", "occurredAt": "2024-01-15T10:31:00.000Z", "args": {"sessionId": a.session}}]})), Coded("FORBIDDEN")),
        c("applyBatch op on alice's session", Input::AsMallory(m, "videoCallSessions:applyBatch", |a| json!({"ops": [{"opId": "mal-2", "kind": "endSession", "occurredAt": "2024-01-15T10:31:00.000Z", "args": {"clientSessionId": a.client_session_id}}]})), OpRejected("FORBIDDEN")),
        c("appointments:get of alice's appointment", Input::AsMallory(q, "appointments:get", |a| json!({"appointmentId": a.appointment})), Coded("FORBIDDEN")),
        c("no token: getUserSessions naming alice", Input::Anonymous(q, "videoCallSessions:getUserSessions", |_| json!({"userId": "alice"})), Unauthenticated),
        c("no token: getCallStats naming alice", Input::Anonymous(q, "videoCallSessions:getCallStats", |_| json!({"userId": "alice"})), Unauthenticated),
        c("no token: getActiveSession naming alice", Input::Anonymous(q, "videoCallSessions:getActiveSession", |_| json!({"userId": "alice"})), Unauthenticated),
        c("no token: getSession of alice's session", Input::Anonymous(q, "videoCallSessions:getSession", |a| json!({"sessionId": a.session})), Unauthenticated),
        c("no token: getSupportWorkerStats", Input::Anonymous(q, "videoCallSessions:getSupportWorkerStats", |_| json!({})), Unauthenticated),
        c("no token: appointments:get of alice's appointment", Input::Anonymous(q, "appointments:get", |a| json!({"appointmentId": a.appointment})), Unauthenticated),
        c("no token: reportQualityIssue on alice's session", Input::Anonymous(m, "videoCallSessions:reportQualityIssue", |a| json!({"sessionId": a.session, "issue": "spam"})), Unauthenticated),
        c("no token: endSession on alice's session", Input::Anonymous(m, "videoCallSessions:endSession", |a| json!({"sessionId": a.session})), Unauthenticated),
        c("no token: applyBatch with userId alice", Input::Anonymous(m, "videoCallSessions:applyBatch", |a| json!({"userId": "alice", "ops": [{"opId": "anon-1", "kind": "endSession", "occurredAt": "2024-01-15T10:31:00.000Z", "args": {"sessionId": a.session}}]})), Unauthenticated),
        c("no token: startSession with userId alice", Input::Anonymous(m, "videoCallSessions:startSession", |_| json!({"userId": "alice", "supportWorkerName": "W"})), Unauthenticated),
        c("token never stored (valid token)", Input::TokenNotStored(Tok::Valid), Holds),
        c("token never stored (refused: wrong secret)", Input::TokenNotStored(Tok::WrongSecret), Holds),
        c("token never stored (another user's token)", Input::TokenNotStored(Tok::OtherUser), Holds),
        c("SDK end to end: SQL in userId and worker name", Input::SdkVerbatim("' OR ''='", "\"; DELETE FROM videoCallSessions; --"), Holds),
        c("SDK end to end: %_% user and _%_ worker", Input::SdkVerbatim("%_%", "_%_"), Holds),
    ];
    for s in METACHARS {
        out.push(Case {
            name: Box::leak(format!("verbatim in every field: {s:?}").into_boxed_str()),
            input: Input::Verbatim(s),
            expect: Holds,
            known_bug: None,
        });
    }
    out
}

pub async fn alice(server: &Server) -> Result<Alice, String> {
    let a = Some("alice");
    let appointment = server
        .ok(
            "mutation",
            "appointments:create",
            json!({"supportWorkerName": "Dr. Who"}),
            a,
        )
        .await?;
    let session = server
        .ok(
            "mutation",
            "videoCallSessions:startSession",
            json!({"supportWorkerName": "Dr. Who", "supportWorkerId": "who", "clientSessionId": "alice-client-1", "opId": "alice-op-1", "appointmentId": appointment}),
            a,
        )
        .await?;
    let doc = server
        .ok(
            "query",
            "videoCallSessions:getSession",
            json!({"sessionId": session}),
            a,
        )
        .await?;
    let stats = server
        .ok("query", "videoCallSessions:getCallStats", json!({}), a)
        .await?;
    Ok(Alice {
        session: session.as_str().unwrap_or_default().to_string(),
        client_session_id: "alice-client-1".into(),
        appointment: appointment.as_str().unwrap_or_default().to_string(),
        op_id: "alice-op-1".into(),
        doc,
        stats,
    })
}

pub async fn run(server: &Server, alice: &Alice, i: usize, case: &Case) -> Result<(), String> {
    match &case.input {
        Input::AsMallory(kind, path, args) => {
            let r = server.call(kind, path, args(alice), Some("mallory")).await;
            let ok = match case.expect {
                Expect::Coded(code) => r.status == 200 && r.json["errorData"]["code"] == code,
                Expect::OpRejected(code) => {
                    r.json["status"] == "success"
                        && r.json["value"]["results"][0]["status"] == "rejected"
                        && r.json["value"]["results"][0]["error"]["code"] == code
                }
                Expect::Unauthenticated | Expect::Holds => false,
            };
            if !ok {
                return Err(format!("got HTTP {} {}", r.status, r.text));
            }
            alice_unchanged(server, alice).await
        }
        Input::Anonymous(kind, path, args) => {
            let body =
                json!({"path": path, "format": "convex_encoded_json", "args": [args(alice)]});
            let r = server
                .post_to(
                    true,
                    &format!("/api/{kind}"),
                    Some("application/json"),
                    body.to_string().into_bytes(),
                    None,
                    &[],
                )
                .await;
            if r.status != 401 || r.json["code"] != "Unauthenticated" {
                return Err(format!("got HTTP {} {}", r.status, r.text));
            }
            alice_unchanged(server, alice).await
        }
        Input::TokenNotStored(tok) => token_not_stored(server, i, *tok).await,
        Input::Verbatim(s) => super::verbatim::over_http(server, s).await,
        Input::SdkVerbatim(user, worker) => {
            super::verbatim::through_sdk(server, user, worker).await
        }
    }
}

pub async fn alice_unchanged(server: &Server, alice: &Alice) -> Result<(), String> {
    let a = Some("alice");
    let doc = server
        .ok(
            "query",
            "videoCallSessions:getSession",
            json!({"sessionId": alice.session}),
            a,
        )
        .await?;
    let stats = server
        .ok("query", "videoCallSessions:getCallStats", json!({}), a)
        .await?;
    let mallory = server
        .ok(
            "query",
            "videoCallSessions:getUserSessions",
            json!({}),
            Some("mallory"),
        )
        .await?;
    match (doc == alice.doc, stats == alice.stats, mallory == json!([])) {
        (true, true, true) => Ok(()),
        _ => Err(format!(
            "alice's data or mallory's sessions changed: {doc} {stats} {mallory}"
        )),
    }
}

async fn token_not_stored(server: &Server, i: usize, tok: Tok) -> Result<(), String> {
    let user = format!("token-case-{i}");
    let t = match tok {
        Tok::Valid => token(&user, SECRET),
        Tok::WrongSecret => token(&user, "wrong-secret"),
        Tok::OtherUser => token("someone-else-entirely", SECRET),
    };
    let storage = MemoryStorage::new();
    let transport = Shared::new(&server.authed_url);
    transport.0.set_auth_token(Some(t.clone()));
    let c = Client::open(config(&user), storage.clone(), transport.clone(), SystemEnv)
        .await
        .map_err(|e| e.to_string())?;
    let id = c
        .start_session(StartSessionArgs {
            support_worker_name: "W".into(),
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    c.mark_connected(Some(id))
        .await
        .map_err(|e| e.to_string())?;
    let report = c.flush().await;
    let _ = c.get_user_sessions(None).await;
    let _ = c.get_call_stats().await;
    let _ = c.get_active_session().await;
    let parts: Vec<&str> = t.split('.').collect();
    for (k, v) in storage.dump() {
        for needle in [t.as_str(), parts[1], parts[2]] {
            if k.contains(needle) || v.contains(needle) {
                return Err(format!("the token (or a part of it) is stored under {k}"));
            }
        }
    }
    let on_server = server
        .ok(
            "query",
            "videoCallSessions:getUserSessions",
            json!({"userId": user}),
            None,
        )
        .await?;
    let count = on_server.as_array().map_or(0, Vec::len);
    match tok {
        Tok::Valid if report.applied == 2 && count == 1 => Ok(()),
        Tok::WrongSecret if report.applied == 0 && count == 0 => {
            // The refused token must not have cost the ops: a good token delivers them.
            transport.0.set_auth_token(Some(token(&user, SECRET)));
            let again = c.flush().await;
            let now = server
                .ok(
                    "query",
                    "videoCallSessions:getUserSessions",
                    json!({"userId": user}),
                    None,
                )
                .await?;
            match now.as_array().map_or(0, Vec::len) == 1 && again.pending == 0 {
                true => Ok(()),
                false => Err(format!(
                    "after a good token: {again:?} {now}; dead {:?}",
                    c.dead_letters()
                )),
            }
        }
        Tok::OtherUser if report.applied == 0 && count == 0 => Ok(()),
        _ => Err(format!("flush {report:?}, {count} sessions on the server")),
    }
}
