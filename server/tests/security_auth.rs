//! Auth that protects (issue #12, D1): with keys configured no function runs for
//! a caller without a valid token; tokens are RS256/ES256 (PEM or JWKS) as on a
//! Convex deployment, or HS256; anonymous mode is announced.

mod support;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use support::{token, Server, SECRET};
use video_session_server::auth::keys::sign;

const QUERIES: [&str; 7] = [
    "videoCallSessions:getUserSessions",
    "videoCallSessions:getUserSessionsPage",
    "videoCallSessions:getCallStats",
    "videoCallSessions:getActiveSession",
    "videoCallSessions:getSession",
    "videoCallSessions:getSupportWorkerStats",
    "appointments:get",
];

const MUTATIONS: [&str; 9] = [
    "videoCallSessions:startSession",
    "videoCallSessions:markConnected",
    "videoCallSessions:endSession",
    "videoCallSessions:markFailed",
    "videoCallSessions:updateSessionSettings",
    "videoCallSessions:reportQualityIssue",
    "videoCallSessions:applyBatch",
    "appointments:create",
    "videoCallSessions:noSuchFunction",
];

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// POSTs a call with a raw `Authorization` value (or none).
fn post(server: &Server, kind: &str, path: &str, args: Value, auth: Option<&str>) -> (u16, Value) {
    let mut request = server
        .client
        .post(format!("{}/api/{kind}", server.url))
        .header("Content-Type", "application/json")
        .body(json!({"path": path, "args": args}).to_string());
    if let Some(auth) = auth {
        request = request.header("Authorization", auth);
    }
    let response = request.send().unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

#[test]
fn with_a_secret_every_function_refuses_an_anonymous_caller_with_401() {
    let server = Server::start_auth();
    let victim = server.mutation_as(
        "bob",
        "videoCallSessions:startSession",
        json!({"supportWorkerName": "W", "supportWorkerId": "w"}),
    );
    for (kind, paths) in [("query", &QUERIES[..]), ("mutation", &MUTATIONS[..])] {
        for path in paths {
            let args = json!({"userId": "bob", "sessionId": victim, "ops": [],
                              "supportWorkerName": "W", "paginationOpts": {"numItems": 5, "cursor": null}});
            let (status, reply) = post(&server, kind, path, args, None);
            assert_eq!(status, 401, "{path}: {reply}");
            assert_eq!(reply["code"], "Unauthenticated", "{path}");
        }
    }
    // Nothing ran: bob's session is as he left it, and it is his only one.
    let sessions = support::success(server.call(
        "query",
        "videoCallSessions:getUserSessions",
        json!({}),
        Some(&token("bob")),
    ));
    assert_eq!(sessions.as_array().unwrap().len(), 1, "{sessions}");
    assert_eq!(sessions[0]["sessionStatus"], "connecting");
}

#[test]
fn the_bearer_scheme_is_case_insensitive() {
    let server = Server::start_auth();
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let auth = format!("{scheme} {}", token("u"));
        let (status, reply) = post(
            &server,
            "query",
            "videoCallSessions:getCallStats",
            json!({}),
            Some(&auth),
        );
        assert_eq!(status, 200, "{scheme}: {reply}");
    }
}

#[test]
fn tokens_need_exp_and_a_user_within_the_user_id_limit() {
    let server = Server::start_auth();
    let exp = now() + 3600;
    let forever = video_session_server::auth::sign(&json!({"sub": "u"}), SECRET);
    let long =
        video_session_server::auth::sign(&json!({"sub": "a".repeat(201), "exp": exp}), SECRET);
    for bad in [forever, long] {
        let (status, reply) = post(
            &server,
            "query",
            "videoCallSessions:getCallStats",
            json!({}),
            Some(&format!("Bearer {bad}")),
        );
        assert_eq!(status, 401, "{reply}");
        assert_eq!(reply["code"], "Unauthenticated");
    }
}

#[test]
fn a_convex_auth_subject_is_one_user_across_sign_ins() {
    let server = Server::start_auth();
    let exp = now() + 3600;
    let first =
        video_session_server::auth::sign(&json!({"sub": "user1|sessionA", "exp": exp}), SECRET);
    let second =
        video_session_server::auth::sign(&json!({"sub": "user1|sessionB", "exp": exp}), SECRET);
    let id = support::success(server.call(
        "mutation",
        "videoCallSessions:startSession",
        json!({"supportWorkerName": "W"}),
        Some(&first),
    ));
    let session = support::success(server.call(
        "query",
        "videoCallSessions:getSession",
        json!({"sessionId": id}),
        Some(&second),
    ));
    assert_eq!(session["userId"], "user1");
    let own = support::success(server.call(
        "mutation",
        "videoCallSessions:startSession",
        json!({"userId": "user1", "supportWorkerName": "W"}),
        Some(&second),
    ));
    assert!(own.is_string());
}

fn pem_token(alg: jsonwebtoken::Algorithm, kid: Option<&str>, private: &str, sub: &str) -> String {
    let pem = std::fs::read(fixture(private)).unwrap();
    let key = match alg {
        jsonwebtoken::Algorithm::RS256 => jsonwebtoken::EncodingKey::from_rsa_pem(&pem).unwrap(),
        _ => jsonwebtoken::EncodingKey::from_ec_pem(&pem).unwrap(),
    };
    sign(
        alg,
        kid,
        &json!({"sub": sub, "exp": now() + 600, "iss": "https://auth.test"}),
        &key,
    )
}

#[test]
fn rs256_with_a_public_key_file_and_es256_with_a_jwks() {
    use jsonwebtoken::Algorithm::{ES256, RS256};
    let rsa = Server::start_with(&[
        "--jwt-public-key",
        &fixture("rsa-public.pem"),
        "--jwt-issuer",
        "https://auth.test",
    ]);
    let rs = pem_token(RS256, None, "rsa-private.pem", "alice");
    let stats = support::success(rsa.call(
        "query",
        "videoCallSessions:getCallStats",
        json!({}),
        Some(&rs),
    ));
    assert_eq!(stats["totalSessions"], 0);
    let es = pem_token(ES256, None, "ec-private.pem", "alice");
    let (status, _) = post(
        &rsa,
        "query",
        "videoCallSessions:getCallStats",
        json!({}),
        Some(&format!("Bearer {es}")),
    );
    assert_eq!(status, 401, "an ES256 token against an RSA key");
    let (status, _) = post(
        &rsa,
        "query",
        "videoCallSessions:getCallStats",
        json!({}),
        Some(&format!("Bearer {}", token("alice"))),
    );
    assert_eq!(status, 401, "HS256 against a public key");

    let jwks = Server::start_with(&["--jwks", &fixture("jwks.json")]);
    let es = pem_token(ES256, Some("ec-1"), "ec-private.pem", "alice");
    let id = support::success(jwks.call(
        "mutation",
        "videoCallSessions:startSession",
        json!({"supportWorkerName": "W"}),
        Some(&es),
    ));
    assert!(id.is_string());
    let stranger = pem_token(ES256, Some("ec-1"), "ec-other-private.pem", "alice");
    let (status, reply) = post(
        &jwks,
        "query",
        "videoCallSessions:getCallStats",
        json!({}),
        Some(&format!("Bearer {stranger}")),
    );
    assert_eq!(status, 401, "{reply}");
}

#[test]
fn an_unusable_key_file_stops_the_server_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_video-session-server"))
        .args([
            "--port",
            "0",
            "--jwt-public-key",
            &fixture("jwks.json"),
            "--db",
        ])
        .arg(dir.path().join("db.sqlite3"))
        .env_remove("VSS_JWT_SECRET")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("is not a PEM RSA or EC (P-256) public key"),
        "{err}"
    );
}

/// The stderr a server prints before its `listening on` line.
fn startup_stderr(extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_video-session-server"))
        .args(["--port", "0", "--db"])
        .arg(dir.path().join("db.sqlite3"))
        .args(extra)
        .env_remove("VSS_JWT_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on"), "{line}");
    child.kill().unwrap();
    child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    err
}

#[test]
fn a_server_without_auth_says_so_at_start_and_one_with_auth_does_not() {
    let open = startup_stderr(&[]);
    assert!(open.contains("NO AUTH CONFIGURED"), "{open}");
    assert!(open.contains("any userId"), "{open}");
    let closed = startup_stderr(&["--jwt-secret", "s"]);
    assert!(!closed.contains("NO AUTH"), "{closed}");
}
