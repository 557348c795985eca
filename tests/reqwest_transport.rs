//! ReqwestTransport against a canned HTTP server on localhost: the request shape the
//! contract fixes, and the mapping of replies to `TransportError`.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use video_session_sdk::native::ReqwestTransport;
use video_session_sdk::platform::{CallKind, Transport, TransportError};

/// Serves one request with `reply`; returns the base URL and a handle yielding the raw request.
async fn serve_once(reply: String) -> (String, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = sock.read(&mut chunk).await.unwrap();
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            if let Some(head_end) = text.find("\r\n\r\n") {
                let len = text[..head_end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if buf.len() >= head_end + 4 + len {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        sock.write_all(reply.as_bytes()).await.unwrap();
        sock.shutdown().await.ok();
        String::from_utf8_lossy(&buf).to_string()
    });
    (url, handle)
}

fn http(status: &str, headers: &str, body: &str) -> String {
    format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{headers}\r\n{body}", body.len())
}

#[tokio::test(flavor = "current_thread")]
async fn posts_the_convex_body_with_the_token_and_returns_the_value() {
    let (url, req) = serve_once(http(
        "200 OK",
        "",
        r#"{"status":"success","value":{"ok":1},"logLines":[]}"#,
    ))
    .await;
    let t = ReqwestTransport::new(url);
    t.set_auth_token(Some("tok".into()));
    let v = t
        .call(
            CallKind::Mutation,
            "videoCallSessions:applyBatch",
            json!({"userId": "u"}),
        )
        .await
        .unwrap();
    assert_eq!(v, json!({"ok": 1}));
    let raw = req.await.unwrap();
    assert!(raw.starts_with("POST /api/mutation "), "{raw}");
    assert!(raw
        .to_ascii_lowercase()
        .contains("authorization: bearer tok"));
    let body: Value = serde_json::from_str(&raw[raw.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    assert_eq!(
        body,
        json!({"path": "videoCallSessions:applyBatch", "format": "convex_encoded_json", "args": [{"userId": "u"}]})
    );
}

#[tokio::test(flavor = "current_thread")]
async fn maps_function_errors_http_errors_and_retry_after() {
    let (url, _) = serve_once(http(
        "200 OK",
        "",
        r#"{"status":"error","errorMessage":"nope","errorData":{"code":"NOT_FOUND"}}"#,
    ))
    .await;
    let e = ReqwestTransport::new(url)
        .call(CallKind::Query, "m:f", json!({}))
        .await
        .unwrap_err();
    assert_eq!(
        e,
        TransportError::Function {
            message: "nope".into(),
            data: Some(json!({"code": "NOT_FOUND"}))
        }
    );

    let (url, _) = serve_once(http(
        "503 Service Unavailable",
        "retry-after: 7\r\n",
        "busy",
    ))
    .await;
    let e = ReqwestTransport::new(url)
        .call(CallKind::Mutation, "m:f", json!({}))
        .await
        .unwrap_err();
    assert_eq!(
        e,
        TransportError::Http {
            status: 503,
            retry_after_ms: Some(7000),
            body: "busy".into()
        }
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_413_is_read_as_http_413_for_the_batch_splitter() {
    let body = r#"{"code":"PayloadTooLarge","message":"the body is over 1 MiB"}"#;
    let (url, _) = serve_once(http("413 Payload Too Large", "", body)).await;
    let e = ReqwestTransport::new(url)
        .call(
            CallKind::Mutation,
            "m:f",
            json!({"ops": ["x".repeat(64 * 1024)]}),
        )
        .await
        .unwrap_err();
    assert_eq!(
        e,
        TransportError::Http {
            status: 413,
            retry_after_ms: None,
            body: body.into()
        }
    );
}

#[tokio::test(flavor = "current_thread")]
async fn unreachable_is_a_network_error_and_silence_a_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let e = ReqwestTransport::new(url)
        .call(CallKind::Query, "m:f", json!({}))
        .await
        .unwrap_err();
    assert!(matches!(e, TransportError::Network(_)), "{e:?}");

    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let e = ReqwestTransport::new(url)
        .with_timeout_ms(200)
        .call(CallKind::Query, "m:f", json!({}))
        .await
        .unwrap_err();
    assert_eq!(e, TransportError::Timeout(200));
    drop(silent);
}
