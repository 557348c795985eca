//! Family 2: bad HTTP requests to the backend. Expected statuses and body codes are
//! docs/contract.md's and docs/security.md's (400 `BadJsonBody`, 413, 415, 401
//! `Unauthenticated`, 403 for a foreign Origin or Host, 404, the unknown-function
//! message, `ArgumentValidationError:` validator errors, coded `INVALID_ARGUMENT`).
//! Every case is aimed at the user `probe`, so afterwards the suite checks that
//! `probe` has no session at all, the process is still alive, and the earlier valid
//! data is unchanged. No reply may grow with its input: each is under
//! `MAX_REPLY_BYTES`, however large the input it quotes.

use serde_json::{json, Value};

use super::jwt::{now_secs, sign_with, token};
use super::server::{Reply, Server, SECRET};

pub enum Body {
    Bytes(Vec<u8>),
    /// `{"path","format":"convex_encoded_json","args":[args]}`
    Call(&'static str, Value),
    /// Sent with `Transfer-Encoding: chunked` and no Content-Length.
    Chunked(usize),
}

pub struct Req {
    pub route: &'static str,
    pub content_type: Option<&'static str>,
    pub auth: Option<String>,
    /// Sent to the server with auth (always so when `auth` is set).
    pub to_authed: bool,
    /// More headers (Origin, Host).
    pub extra: Vec<(&'static str, String)>,
    pub body: Body,
}

/// The largest reply any case may get (echoed input is capped).
const MAX_REPLY_BYTES: usize = 4_000;

pub enum Expect {
    /// Non-200 status with `{"code", "message"}` (code `""`: any body).
    Problem(u16, &'static str),
    /// 200 `status:"error"` without errorData, message starting with this.
    Message(&'static str),
    /// 200 `status:"error"` with `errorData.code`.
    Coded(&'static str),
    /// applyBatch answers success with its first op rejected with this code.
    OpRejected(&'static str),
    /// A valid (if odd) input: 200 `status:"success"`.
    Success,
}

pub struct Case {
    pub name: &'static str,
    pub input: Req,
    pub expect: Expect,
    pub known_bug: Option<&'static str>,
}

const VALIDATOR: Expect = Expect::Message("ArgumentValidationError:");

fn mutation(body: Body) -> Req {
    Req {
        route: "/api/mutation",
        content_type: Some("application/json"),
        auth: None,
        to_authed: false,
        extra: Vec::new(),
        body,
    }
}

fn query(body: Body) -> Req {
    Req {
        route: "/api/query",
        ..mutation(body)
    }
}

fn raw(s: &str) -> Body {
    Body::Bytes(s.as_bytes().to_vec())
}

fn start_probe() -> Value {
    json!({"userId": "probe", "supportWorkerName": "W"})
}

fn with_auth(auth: String) -> Req {
    Req {
        auth: Some(auth),
        to_authed: true,
        ..mutation(Body::Call("videoCallSessions:startSession", start_probe()))
    }
}

/// A valid start for `probe-valid` with one more header.
fn with_header(name: &'static str, value: &str) -> Req {
    Req {
        extra: vec![(name, value.to_string())],
        ..start_as("probe", json!({}))
    }
}

fn b64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| (n << 8) | *b as u32) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                A[(n >> (18 - 6 * i)) as usize & 63] as char
            } else {
                '='
            });
        }
    }
    out
}

fn float(f: f64) -> Value {
    json!({"$float": b64(&f.to_le_bytes())})
}

fn start_as(user: &str, extra: Value) -> Req {
    let mut args = json!({"userId": user, "supportWorkerName": "W"});
    if let (Some(a), Some(e)) = (args.as_object_mut(), extra.as_object()) {
        a.extend(e.clone());
    }
    mutation(Body::Call("videoCallSessions:startSession", args))
}

/// applyBatch for probe with one op; `edit` changes the op.
fn batch_op(edit: impl FnOnce(&mut Value)) -> Req {
    let mut op = json!({"opId": "probe-batch-op", "kind": "startSession", "occurredAt": "2024-01-15T10:30:00.000Z", "args": {"supportWorkerName": "W"}});
    edit(&mut op);
    mutation(Body::Call(
        "videoCallSessions:applyBatch",
        json!({"userId": "probe", "ops": [op]}),
    ))
}

fn sessions_limit(limit: Value) -> Req {
    query(Body::Call(
        "videoCallSessions:getUserSessions",
        json!({"userId": "probe", "limit": limit}),
    ))
}

// One case per line: the table reads better than rustfmt's layout of it.
#[rustfmt::skip]
pub fn cases() -> Vec<Case> {
    use Expect::*;
    let bad = || Problem(400, "BadJsonBody");
    let unauth = || Problem(401, "Unauthenticated");
    let unsupported = || Problem(415, "UnsupportedMediaType");
    let hs = json!({"alg": "HS256", "typ": "JWT"});
    let exp = now_secs() + 3600;
    let over = 1024 * 1024 + 1;
    let mut big = br#"{"path":"videoCallSessions:startSession","args":{"userId":"probe","supportWorkerName":""#.to_vec();
    big.extend(std::iter::repeat_n(b'x', over));
    big.extend_from_slice(br#""}}"#);
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_args = format!(
        r#"{{"path":"videoCallSessions:startSession","args":{{"userId":"probe","supportWorkerName":"W","metadata":{}1{}}}}}"#,
        r#"{"a":"#.repeat(5_000),
        "}".repeat(5_000)
    );
    let batch: Vec<Value> = (0..101)
        .map(|i| json!({"opId": format!("probe-op-{i}"), "kind": "startSession", "occurredAt": "2024-01-15T10:30:00.000Z", "args": {"supportWorkerName": "W"}}))
        .collect();
    let c = |name, input, expect| Case {
        name,
        input,
        expect,
        known_bug: None,
    };
    vec![
        c("malformed JSON (cut off)", mutation(raw(r#"{"path":"videoCallSessions:startSession","args":{"#)), bad()),
        c("empty body", mutation(raw("")), bad()),
        c("body is JSON null", mutation(raw("null")), bad()),
        c("body is a JSON array", mutation(raw(r#"[{"path":"videoCallSessions:startSession"}]"#)), bad()),
        c("path missing", mutation(raw(r#"{"args":{"userId":"probe","supportWorkerName":"W"}}"#)), bad()),
        c("path is a number", mutation(raw(r#"{"path":7,"args":{}}"#)), bad()),
        c("wrong format", mutation(raw(r#"{"path":"videoCallSessions:startSession","format":"msgpack","args":{"userId":"probe","supportWorkerName":"W"}}"#)), bad()),
        c("args is a string", mutation(raw(r#"{"path":"videoCallSessions:startSession","args":"userId=probe"}"#)), bad()),
        c("args is an array of two objects", mutation(raw(r#"{"path":"videoCallSessions:startSession","args":[{"userId":"probe","supportWorkerName":"W"},{}]}"#)), bad()),
        c("args is [5]", mutation(raw(r#"{"path":"videoCallSessions:startSession","args":[5]}"#)), bad()),
        c("form-encoded body with a form content type", Req { content_type: Some("application/x-www-form-urlencoded"), ..mutation(raw("path=videoCallSessions%3AstartSession&userId=probe")) }, unsupported()),
        c("text/plain content type with a valid call (a cross-site simple request)", Req { content_type: Some("text/plain;charset=UTF-8"), ..start_as("probe", json!({})) }, unsupported()),
        c("no content type with a valid call", Req { content_type: None, ..start_as("probe", json!({})) }, unsupported()),
        c("multipart content type with a valid call", Req { content_type: Some("multipart/form-data; boundary=x"), ..start_as("probe", json!({})) }, unsupported()),
        c("JSON in another charset", Req { content_type: Some("application/json; charset=iso-8859-1"), ..start_as("probe", json!({})) }, unsupported()),
        c("application/json; charset=utf-8 is JSON", Req { content_type: Some("application/json; charset=utf-8"), ..start_as("probe-valid", json!({})) }, Success),
        c("Origin of another site", with_header("Origin", "https://evil.example"), Problem(403, "OriginNotAllowed")),
        c("Origin null (sandboxed page, file://)", with_header("Origin", "null"), Problem(403, "OriginNotAllowed")),
        c("Origin that only starts like localhost", with_header("Origin", "http://localhost.evil.example"), Problem(403, "OriginNotAllowed")),
        c("a loopback Origin on another port is allowed", Req { extra: vec![("Origin", "http://127.0.0.1:9".into())], ..start_as("probe-valid", json!({})) }, Success),
        c("Host of another name (DNS rebinding)", with_header("Host", "evil.example"), Problem(403, "HostNotAllowed")),
        c("Host of another name with the server's port", with_header("Host", "evil.example:3210"), Problem(403, "HostNotAllowed")),
        c("a 900 KB function path is not echoed whole", mutation(Body::Call(Box::leak("p".repeat(900_000).into_boxed_str()), json!({}))), Message("Could not find public function for 'ppp")),
        c("a 900 KB string where args belong is not echoed whole", mutation(Body::Bytes(format!(r#"{{"path":"videoCallSessions:startSession","args":"{}"}}"#, "a".repeat(900_000)).into_bytes())), bad()),
        c("POST to an unknown route with a 900 KB path", mutation(raw("{}")), Problem(404, "NotFound")).with_route(Box::leak(format!("/{}", "r".repeat(20_000)).into_boxed_str())),
        c("invalid UTF-8 in the body", mutation(Body::Bytes(b"{\"path\":\"videoCallSessions:startSession\",\"args\":{\"userId\":\"probe\",\"supportWorkerName\":\"\xff\xfe\"}}".to_vec())), bad()),
        c("NaN literal in args", query(raw(r#"{"path":"videoCallSessions:getUserSessions","args":{"userId":"probe","limit":NaN}}"#)), bad()),
        c("number 1e400 in args", query(raw(r#"{"path":"videoCallSessions:getUserSessions","args":{"userId":"probe","limit":1e400}}"#)), bad()),
        c("lone surrogate escape in a string", mutation(raw(r#"{"path":"videoCallSessions:startSession","args":{"userId":"probe","supportWorkerName":"\ud800"}}"#)), bad()),
        c("100000-deep nested array body", mutation(Body::Bytes(deep.into_bytes())), bad()),
        c("5000-deep nested metadata object", mutation(Body::Bytes(deep_args.into_bytes())), bad()),
        c("body over 1 MiB with Content-Length", mutation(Body::Bytes(big)), Problem(413, "PayloadTooLarge")),
        c("body over 1 MiB chunked, no Content-Length", mutation(Body::Chunked(over + 1024)), Problem(413, "PayloadTooLarge")),
        c("invalid $integer encoding", query(Body::Call("videoCallSessions:getUserSessions", json!({"userId": "probe", "limit": {"$integer": "not base64!"}}))), bad()),
        c("$integer of 4 bytes", query(Body::Call("videoCallSessions:getUserSessions", json!({"userId": "probe", "limit": {"$integer": "AQAAAA=="}}))), bad()),
        c("invalid $bytes encoding", mutation(Body::Call("videoCallSessions:startSession", json!({"userId": "probe", "supportWorkerName": "W", "metadata": {"b": {"$bytes": "%%%"}}}))), bad()),
        c("reserved $-field in args", mutation(Body::Call("videoCallSessions:startSession", json!({"userId": "probe", "supportWorkerName": "W", "$evil": 1}))), bad()),
        c("limit as a valid $integer (v.number wants float64)", sessions_limit(json!({"$integer": b64(&5i64.to_le_bytes())})), VALIDATOR),
        c("limit NaN ($float)", sessions_limit(float(f64::NAN)), Coded("INVALID_ARGUMENT")),
        c("limit Infinity ($float)", sessions_limit(float(f64::INFINITY)), Coded("INVALID_ARGUMENT")),
        c("limit -Infinity ($float)", sessions_limit(float(f64::NEG_INFINITY)), Coded("INVALID_ARGUMENT")),
        c("limit 1.5", sessions_limit(json!(1.5)), Coded("INVALID_ARGUMENT")),
        c("limit 0", sessions_limit(json!(0)), Coded("INVALID_ARGUMENT")),
        c("limit -1", sessions_limit(json!(-1)), Coded("INVALID_ARGUMENT")),
        c("limit as a string", sessions_limit(json!("10")), VALIDATOR),
        c("supportWorkerName as a number", mutation(Body::Call("videoCallSessions:startSession", json!({"userId": "probe", "supportWorkerName": 42}))), VALIDATOR),
        c("an argument the function does not declare", mutation(Body::Call("videoCallSessions:startSession", json!({"userId": "probe", "supportWorkerName": "W", "isAdmin": true}))), VALIDATOR),
        c("malformed session id", mutation(Body::Call("videoCallSessions:markConnected", json!({"sessionId": "abc"}))), VALIDATOR),
        c("unknown route /api/nope", mutation(raw("{}")), Problem(404, "")).with_route("/api/nope"),
        c("unknown route with a valid call body", mutation(Body::Call("videoCallSessions:startSession", start_probe())), Problem(404, "")).with_route("/api/mutations"),
        c("unknown function", mutation(Body::Call("videoCallSessions:nope", json!({}))), Message("Could not find public function for 'videoCallSessions:nope'.")),
        c("unknown module", mutation(Body::Call("nope:startSession", start_probe())), Message("Could not find public function for 'nope:startSession'.")),
        c("path without a module", mutation(Body::Call("startSession", start_probe())), Message("Could not find public function for 'startSession'.")),
        c("a mutation called as a query", query(Body::Call("videoCallSessions:startSession", start_probe())), Message("")),
        c("a query called as a mutation", mutation(Body::Call("videoCallSessions:getCallStats", json!({"userId": "probe"}))), Message("")),
        c("applyBatch of 101 ops", mutation(Body::Call("videoCallSessions:applyBatch", json!({"userId": "probe", "ops": batch}))), Coded("INVALID_ARGUMENT")),
        c("occurredAt 2024-02-30", start_as("probe", json!({"occurredAt": "2024-02-30T10:30:00.000Z"})), Coded("INVALID_ARGUMENT")),
        c("occurredAt with two fraction digits", start_as("probe", json!({"occurredAt": "2024-01-15T10:30:00.00Z"})), Coded("INVALID_ARGUMENT")),
        c("occurredAt with an offset", start_as("probe", json!({"occurredAt": "2024-01-15T10:30:00+00:00"})), Coded("INVALID_ARGUMENT")),
        c("occurredAt before 1970", start_as("probe", json!({"occurredAt": "1969-12-31T23:59:59.999Z"})), Coded("INVALID_ARGUMENT")),
        c("occurredAt in year 10000", start_as("probe", json!({"occurredAt": "+010000-01-01T00:00:00.000Z"})), Coded("INVALID_ARGUMENT")),
        c("opId empty", start_as("probe", json!({"opId": ""})), Coded("INVALID_ARGUMENT")),
        c("opId of 101 chars", start_as("probe", json!({"opId": "o".repeat(101)})), Coded("INVALID_ARGUMENT")),
        c("clientSessionId of 101 chars", start_as("probe", json!({"clientSessionId": "c".repeat(101)})), Coded("INVALID_ARGUMENT")),
        c("supportWorkerName only U+FEFF and U+3000", start_as("probe", json!({"supportWorkerName": "\u{feff}\u{3000}"})), Coded("INVALID_ARGUMENT")),
        c("metadata of 4097 JSON chars", start_as("probe", json!({"metadata": {"k": "v".repeat(4089)}})), Coded("INVALID_ARGUMENT")),
        c("metadata of 200 × 1e20 (4407 chars as JSON.stringify)", start_as("probe", json!({"metadata": {"k": vec![1e20; 200]}})), Coded("INVALID_ARGUMENT")),
        c("getSession with neither sessionId nor clientSessionId", query(Body::Call("videoCallSessions:getSession", json!({}))), Coded("INVALID_ARGUMENT")),
        c("getUserSessionsPage numItems NaN", query(Body::Call("videoCallSessions:getUserSessionsPage", json!({"userId": "probe", "paginationOpts": {"numItems": float(f64::NAN), "cursor": null}}))), Coded("INVALID_ARGUMENT")),
        c("applyBatch opId of 101 chars (whole batch refused)", batch_op(|op| op["opId"] = json!("o".repeat(101))), Coded("INVALID_ARGUMENT")),
        c("applyBatch sentAt not a time (whole batch refused)", mutation(Body::Call("videoCallSessions:applyBatch", json!({"userId": "probe", "sentAt": "yesterday", "ops": []}))), Coded("INVALID_ARGUMENT")),
        c("applyBatch op of an unknown kind", batch_op(|op| op["kind"] = json!("deleteEverything")), OpRejected("INVALID_ARGUMENT")),
        c("applyBatch op whose args are not an object", batch_op(|op| op["args"] = json!("supportWorkerName=W")), OpRejected("INVALID_ARGUMENT")),
        c("applyBatch op args containing userId", batch_op(|op| op["args"]["userId"] = json!("someone-else")), OpRejected("INVALID_ARGUMENT")),
        c("applyBatch op with an unknown args key", batch_op(|op| op["args"]["isAdmin"] = json!(true)), OpRejected("INVALID_ARGUMENT")),
        c("applyBatch op with a bad occurredAt", batch_op(|op| op["occurredAt"] = json!("2024-13-01T00:00:00.000Z")), OpRejected("INVALID_ARGUMENT")),
        c("applyBatch op with a blank worker name", batch_op(|op| op["args"]["supportWorkerName"] = json!(" ")), OpRejected("INVALID_ARGUMENT")),
        Case {
            known_bug: None,
            ..c("supportWorkerName U+0085 is valid (JS trim() keeps NEL)", start_as("probe-valid", json!({"supportWorkerName": "\u{85}"})), Success)
        },
        c("token that is not a JWT", with_auth("Bearer garbage".into()), unauth()),
        c("Authorization not Bearer", with_auth("Basic cHJvYmU6cHc=".into()), unauth()),
        c("expired token", with_auth(format!("Bearer {}", sign_with(&hs, &json!({"sub": "probe", "exp": now_secs() - 60}), SECRET))), unauth()),
        c("token not valid yet (nbf)", with_auth(format!("Bearer {}", sign_with(&hs, &json!({"sub": "probe", "exp": exp, "nbf": now_secs() + 600}), SECRET))), unauth()),
        c("token signed with another secret", with_auth(format!("Bearer {}", token("probe", "not-the-secret"))), unauth()),
        c("alg:none token without signature", with_auth(format!("Bearer {}.", sign_with(&json!({"alg": "none"}), &json!({"sub": "probe", "exp": exp}), SECRET).rsplit_once('.').map_or(String::new(), |(h, _)| h.to_string()))), unauth()),
        c("alg:none header with a valid HS256 signature", with_auth(format!("Bearer {}", sign_with(&json!({"alg": "none"}), &json!({"sub": "probe", "exp": exp}), SECRET))), unauth()),
        c("token without sub", with_auth(format!("Bearer {}", sign_with(&hs, &json!({"exp": exp}), SECRET))), unauth()),
        c("token whose payload was altered after signing", with_auth(tampered(exp)), unauth()),
        c("no token at all on a server with auth", Req { to_authed: true, ..start_as("probe", json!({})) }, unauth()),
        c("no token on a server with auth, a query", Req { to_authed: true, ..sessions_limit(json!(5)) }, unauth()),
        c("no token on a server with auth, an unknown function", Req { to_authed: true, ..mutation(Body::Call("videoCallSessions:nope", json!({}))) }, unauth()),
        c("token without exp (would never expire)", with_auth(format!("Bearer {}", sign_with(&hs, &json!({"sub": "probe"}), SECRET))), unauth()),
        c("token whose sub is 201 chars (over the userId limit)", with_auth(format!("Bearer {}", sign_with(&hs, &json!({"sub": "p".repeat(201), "exp": exp}), SECRET))), unauth()),
        c("token with exp as a string", with_auth(format!("Bearer {}", sign_with(&hs, &json!({"sub": "probe", "exp": "tomorrow"}), SECRET))), unauth()),
        c("scheme `bearer` in lower case is Bearer", Req { auth: Some(format!("bearer {}", token("probe-valid", SECRET))), to_authed: true, ..query(Body::Call("videoCallSessions:getCallStats", json!({}))) }, Success),
        c("scheme `BEARER` in upper case is Bearer", Req { auth: Some(format!("BEARER {}", token("probe-valid", SECRET))), to_authed: true, ..query(Body::Call("videoCallSessions:getCallStats", json!({}))) }, Success),
    ]
}

/// A valid token for `someone` whose payload is swapped for `probe`'s, keeping the signature.
fn tampered(exp: u64) -> String {
    let good = token("someone", SECRET);
    let forged = sign_with(
        &json!({"alg": "HS256", "typ": "JWT"}),
        &json!({"sub": "probe", "exp": exp}),
        "x",
    );
    let parts: Vec<&str> = good.split('.').collect();
    let forged_parts: Vec<&str> = forged.split('.').collect();
    format!("Bearer {}.{}.{}", parts[0], forged_parts[1], parts[2])
}

impl Case {
    fn with_route(mut self, route: &'static str) -> Case {
        self.input.route = route;
        self
    }
}

/// Bodies over this go over a raw connection (see `Server::raw`).
const RAW_OVER: usize = 64 * 1024;

async fn send(server: &Server, req: &Req) -> Result<Reply, String> {
    let head = |framing: String| {
        format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n{framing}\r\nConnection: close\r\n\r\n",
            req.route, server.addr
        )
    };
    let bytes = match &req.body {
        Body::Bytes(b) => b.clone(),
        Body::Call(path, args) => {
            json!({"path": path, "format": "convex_encoded_json", "args": [args]})
                .to_string()
                .into_bytes()
        }
        Body::Chunked(n) => {
            let mut chunks: Vec<Vec<u8>> = Vec::new();
            let piece = 64 * 1024;
            let mut left = *n;
            while left > 0 {
                let len = left.min(piece);
                let mut c = format!("{len:x}\r\n").into_bytes();
                c.extend(std::iter::repeat_n(b' ', len));
                c.extend_from_slice(b"\r\n");
                chunks.push(c);
                left -= len;
            }
            chunks.push(b"0\r\n\r\n".to_vec());
            return server
                .raw(&head("Transfer-Encoding: chunked".into()), chunks)
                .await;
        }
    };
    if bytes.len() > RAW_OVER {
        let framing = format!("Content-Length: {}", bytes.len());
        let chunks = bytes.chunks(RAW_OVER).map(<[u8]>::to_vec).collect();
        return server.raw(&head(framing), chunks).await;
    }
    Ok(server
        .post_to(
            req.to_authed || req.auth.is_some(),
            req.route,
            req.content_type,
            bytes,
            req.auth.as_deref(),
            &req.extra,
        )
        .await)
}

pub async fn run(server: &Server, case: &Case) -> Result<(), String> {
    let r = send(server, &case.input).await?;
    let shown = || {
        format!(
            "HTTP {} {}",
            r.status,
            r.text.chars().take(300).collect::<String>()
        )
    };
    if r.text.len() > MAX_REPLY_BYTES {
        return Err(format!("a {}-byte reply: {}", r.text.len(), shown()));
    }
    let ok = match &case.expect {
        Expect::Problem(status, code) => {
            r.status == *status
                && (code.is_empty()
                    || (r.json["code"] == *code
                        && r.json["message"].as_str().is_some_and(|m| !m.is_empty())))
        }
        Expect::Message(prefix) => {
            r.status == 200
                && r.json["status"] == "error"
                && r.json.get("errorData").is_none()
                && r.json["errorMessage"]
                    .as_str()
                    .is_some_and(|m| m.starts_with(prefix) && !m.is_empty())
        }
        Expect::Coded(code) => {
            r.status == 200 && r.json["status"] == "error" && r.json["errorData"]["code"] == *code
        }
        Expect::OpRejected(code) => {
            r.status == 200
                && r.json["status"] == "success"
                && r.json["value"]["results"][0]["status"] == "rejected"
                && r.json["value"]["results"][0]["error"]["code"] == *code
        }
        Expect::Success => r.status == 200 && r.json["status"] == "success",
    };
    match ok {
        true => Ok(()),
        false => Err(format!("got {}", shown())),
    }
}

/// After every case: `probe` has nothing, a valid call works.
pub async fn after_all(server: &Server) -> Result<(), String> {
    let list = server
        .ok(
            "query",
            "videoCallSessions:getUserSessions",
            json!({"userId": "probe"}),
            None,
        )
        .await?;
    if list != json!([]) {
        return Err(format!(
            "a refused request stored something for probe: {list}"
        ));
    }
    let stats = server
        .ok(
            "query",
            "videoCallSessions:getCallStats",
            json!({"userId": "probe"}),
            None,
        )
        .await?;
    if stats["totalSessions"] != 0 {
        return Err(format!("probe's stats moved: {stats}"));
    }
    let id = server
        .ok(
            "mutation",
            "videoCallSessions:startSession",
            json!({"userId": "probe-after", "supportWorkerName": "W"}),
            None,
        )
        .await?;
    let doc = server
        .ok(
            "query",
            "videoCallSessions:getSession",
            json!({"sessionId": id}),
            None,
        )
        .await?;
    match doc["sessionStatus"] == "connecting" && doc["userId"] == "probe-after" {
        true => Ok(()),
        false => Err(format!("a valid call after the bad ones gave {doc}")),
    }
}
