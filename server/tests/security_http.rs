//! Who may reach the server over HTTP (issue #12): the CORS allowlist, JSON-only
//! bodies, the Host check, a 413 every client can read, capped echoes, and 404 for
//! unknown routes with `--www`.

mod support;

use reqwest::blocking::{Body, RequestBuilder};
use serde_json::{json, Value};
use support::Server;

const STATS: &str = r#"{"path":"videoCallSessions:getCallStats","args":{"userId":"victim"}}"#;
const START: &str = r#"{"path":"videoCallSessions:startSession","args":{"userId":"victim","supportWorkerName":"W"}}"#;

fn post(server: &Server, route: &str) -> RequestBuilder {
    server.client.post(format!("{}{route}", server.url))
}

fn victim_sessions(server: &Server) -> usize {
    server
        .query(
            "videoCallSessions:getUserSessions",
            json!({"userId": "victim"}),
        )
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn a_foreign_origin_is_refused_and_changes_nothing() {
    let server = Server::start();
    for origin in [
        "http://evil.example",
        "null",
        "http://localhost.evil.example",
    ] {
        let response = post(&server, "/api/mutation")
            .header("Origin", origin)
            .header("Content-Type", "application/json")
            .body(START)
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), 403, "{origin}");
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{origin}"
        );
        let reply: Value = response.json().unwrap();
        assert_eq!(reply["code"], "OriginNotAllowed");
        let preflight = server
            .client
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/api/mutation", server.url),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .send()
            .unwrap();
        assert_eq!(preflight.status().as_u16(), 403, "{origin}");
        assert!(preflight
            .headers()
            .get("access-control-allow-origin")
            .is_none());
    }
    assert_eq!(victim_sessions(&server), 0);
    // A GET is answered, but names no origin: the page cannot read it.
    let version = server
        .client
        .get(format!("{}/version", server.url))
        .header("Origin", "http://evil.example")
        .send()
        .unwrap();
    assert_eq!(version.status().as_u16(), 200);
    assert!(version
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[test]
fn own_loopback_and_listed_origins_are_allowed_without_credentials() {
    let server = Server::start_with(&[
        "--allow-origin",
        "https://app.example.com",
        "--allow-origin",
        "null",
    ]);
    let own = server.url.clone();
    for origin in [
        own.as_str(),
        "http://localhost:5173",
        "http://[::1]:8080",
        "https://app.example.com",
        "null",
    ] {
        let response = post(&server, "/api/query")
            .header("Origin", origin)
            .header("Content-Type", "application/json")
            .body(STATS)
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{origin}");
        assert_eq!(response.headers()["access-control-allow-origin"], origin);
        assert!(response
            .headers()
            .get("access-control-allow-credentials")
            .is_none());
    }
    // Chromium's private-network preflight: answered for a listed origin only.
    for (origin, allowed) in [
        ("https://app.example.com", true),
        ("https://evil.example", false),
    ] {
        let preflight = server
            .client
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/api/mutation", server.url),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Private-Network", "true")
            .send()
            .unwrap();
        assert_eq!(
            preflight
                .headers()
                .get("access-control-allow-private-network")
                .is_some(),
            allowed,
            "{origin}"
        );
    }
    let star = Server::start_with(&["--allow-origin", "*"]);
    let response = post(&star, "/api/query")
        .header("Origin", "https://anyone.example")
        .header("Content-Type", "application/json")
        .body(STATS)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
}

#[test]
fn only_json_bodies_are_accepted() {
    let server = Server::start();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/json; charset=latin1"),
        Some("application/jsonx"),
        None,
    ] {
        let mut request = post(&server, "/api/mutation").body(START);
        if let Some(ct) = content_type {
            request = request.header("Content-Type", ct);
        }
        let response = request.send().unwrap();
        assert_eq!(response.status().as_u16(), 415, "{content_type:?}");
        let reply: Value = response.json().unwrap();
        assert_eq!(reply["code"], "UnsupportedMediaType");
    }
    assert_eq!(victim_sessions(&server), 0);
    for content_type in [
        "application/json; charset=utf-8",
        "Application/JSON;charset=\"UTF-8\"",
    ] {
        let response = post(&server, "/api/query")
            .header("Content-Type", content_type)
            .body(STATS)
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{content_type}");
    }
}

#[test]
fn only_loopback_and_allowed_host_names_are_served() {
    let server = Server::start_with(&["--allow-host", "myhost.lan"]);
    let port = server.url.rsplit(':').next().unwrap().to_string();
    for (host, status) in [
        (format!("evil.example:{port}"), 403),
        ("evil.example".to_string(), 403),
        (format!("127.0.0.1.evil.example:{port}"), 403),
        (format!("localhost:{port}"), 200),
        (format!("[::1]:{port}"), 200),
        (format!("myhost.lan:{port}"), 200),
    ] {
        let response = post(&server, "/api/query")
            .header("Host", host.as_str())
            .header("Content-Type", "application/json")
            .body(STATS)
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{host}");
        if status == 403 {
            let reply: Value = response.json().unwrap();
            assert_eq!(reply["code"], "HostNotAllowed");
        }
    }
}

fn big_call(bytes: usize) -> String {
    format!(
        r#"{{"path":"videoCallSessions:startSession","args":{{"userId":"victim","supportWorkerName":"W","metadata":{{"pad":"{}"}}}}}}"#,
        "x".repeat(bytes)
    )
}

#[test]
fn reqwest_reads_413_for_an_oversized_body_every_time() {
    let server = Server::start();
    for round in 0..5 {
        // With Content-Length, then chunked (no length: the limit is found mid-read).
        let sized = post(&server, "/api/mutation")
            .header("Content-Type", "application/json")
            .body(big_call(3 * 1024 * 1024))
            .send()
            .unwrap_or_else(|e| panic!("round {round}: no reply, {e}"));
        assert_eq!(sized.status().as_u16(), 413, "round {round}");
        let reply: Value = sized.json().unwrap();
        assert_eq!(reply["code"], "PayloadTooLarge");
        let chunked = post(&server, "/api/mutation")
            .header("Content-Type", "application/json")
            .body(Body::new(std::io::Cursor::new(
                big_call(3 * 1024 * 1024).into_bytes(),
            )))
            .send()
            .unwrap_or_else(|e| panic!("round {round} chunked: no reply, {e}"));
        assert_eq!(chunked.status().as_u16(), 413, "round {round} chunked");
    }
    assert_eq!(victim_sessions(&server), 0);
}

/// Node's fetch POSTs a 10 MB call three times with `content_type`; each reply as
/// `status code allow-origin`, or `error <cause>` when no reply was read.
fn node_fetch_big(url: &str, content_type: &str) -> Vec<String> {
    let script = r#"
        const [url, contentType] = process.argv.slice(1);
        const body = JSON.stringify({path: "videoCallSessions:startSession",
          args: {userId: "victim", supportWorkerName: "W", metadata: {pad: "x".repeat(10 * 1024 * 1024)}}});
        const out = [];
        for (let i = 0; i < 3; i++) {
          try {
            const res = await fetch(url + "/api/mutation", {method: "POST",
              headers: {"Content-Type": contentType, "Origin": "http://127.0.0.1:9"}, body});
            const json = await res.json();
            out.push(`${res.status} ${json.code} ${res.headers.get("access-control-allow-origin")}`);
          } catch (e) {
            out.push(`error ${e.cause?.code ?? e.message}`);
          }
        }
        console.log(out.join("\n"));
    "#;
    let output = std::process::Command::new("node")
        .args(["--input-type=module", "-e", script, url, content_type])
        .output()
        .expect("node is installed (the convex and js tests need it too)");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout.lines().map(str::to_string).collect()
}

#[test]
fn node_fetch_reads_413_for_an_oversized_body() {
    let server = Server::start();
    assert_eq!(
        node_fetch_big(&server.url, "application/json"),
        ["413 PayloadTooLarge http://127.0.0.1:9"; 3]
    );
}

#[test]
fn node_fetch_reads_refusals_made_before_the_body_is_read() {
    let server = Server::start_auth();
    assert_eq!(
        node_fetch_big(&server.url, "text/plain"),
        ["415 UnsupportedMediaType http://127.0.0.1:9"; 3]
    );
    assert_eq!(
        node_fetch_big(&server.url, "application/json"),
        ["401 Unauthenticated http://127.0.0.1:9"; 3]
    );
}

#[test]
fn echoed_input_is_capped_in_replies() {
    let server = Server::start();
    let huge = "p".repeat(900_000);
    let cases = [
        // An unknown function named by a huge path.
        json!({"path": huge, "args": {}}).to_string(),
        // A huge string where JSON wants an object.
        format!(r#"{{"path":"videoCallSessions:getCallStats","args":"{huge}"}}"#),
        // Not JSON at all after a huge string.
        format!(r#"{{"path":"{huge}" nope"#),
    ];
    for body in cases {
        let response = post(&server, "/api/query")
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().unwrap();
        assert!(
            text.len() < 4_000,
            "HTTP {status}: a {}-byte reply",
            text.len()
        );
    }
    let long_route = format!("{}/{}", server.url, "r".repeat(20_000));
    let text = server
        .client
        .get(long_route)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(text.len() < 4_000, "a {}-byte 404", text.len());
}

#[test]
fn with_www_any_method_on_an_unknown_route_is_404() {
    let www = tempfile::tempdir().unwrap();
    std::fs::write(www.path().join("index.html"), "<h1>demo</h1>").unwrap();
    let server = Server::start_with(&["--www", www.path().to_str().unwrap()]);
    for route in ["/api/nothing", "/nothing", "/", "/index.html"] {
        let response = post(&server, route)
            .header("Content-Type", "application/json")
            .body("{}")
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), 404, "POST {route}");
        let reply: Value = response.json().unwrap();
        assert_eq!(reply["code"], "NotFound");
    }
    let page = server
        .client
        .get(format!("{}/", server.url))
        .send()
        .unwrap();
    assert_eq!(page.text().unwrap(), "<h1>demo</h1>");
}
