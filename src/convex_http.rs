//! The pure half of a Convex HTTP transport, shared by the native (reqwest) and wasm
//! (fetch) transports so both read replies the same way: the request body, the reply
//! classification, and `Retry-After` parsing.
//!
//! Contract (docs/contract.md): `POST {url}/api/mutation|query` with body
//! `{"path","format":"convex_encoded_json","args":[{…}]}`; HTTP 200 with
//! `{"status":"success","value"}` or `{"status":"error","errorMessage","errorData"?}`;
//! anything else is an HTTP error.

use serde_json::Value;

use crate::platform::{CallKind, TransportError};
use crate::time::parse_iso;
use crate::wire::object;

/// `/api/mutation` or `/api/query`, appended to a base URL without trailing slash.
pub fn endpoint(base_url: &str, kind: CallKind) -> String {
    let base = base_url.trim_end_matches('/');
    match kind {
        CallKind::Mutation => format!("{base}/api/mutation"),
        CallKind::Query => format!("{base}/api/query"),
    }
}

/// The JSON body of a call.
pub fn request_body(path: &str, args: Value) -> Value {
    object(vec![
        ("path", path.into()),
        ("format", "convex_encoded_json".into()),
        ("args", Value::Array(vec![args])),
    ])
}

/// Classifies an HTTP reply. `retry_after` is the raw header; `now_ms` resolves its
/// HTTP-date form.
pub fn parse_reply(
    status: u16,
    retry_after: Option<&str>,
    body: &str,
    now_ms: f64,
) -> Result<Value, TransportError> {
    if status != 200 {
        return Err(TransportError::Http {
            status,
            retry_after_ms: retry_after.and_then(|h| parse_retry_after(h, now_ms)),
            body: body.chars().take(1000).collect(),
        });
    }
    let reply: Value = serde_json::from_str(body).map_err(|e| {
        TransportError::BadReply(format!(
            "the reply is not JSON ({}); is the URL a Convex deployment?",
            crate::json_fields::json_error(&e)
        ))
    })?;
    match reply.get("status").and_then(Value::as_str) {
        Some("success") => Ok(reply.get("value").cloned().unwrap_or(Value::Null)),
        Some("error") => Err(TransportError::Function {
            message: reply
                .get("errorMessage")
                .and_then(Value::as_str)
                .unwrap_or("function error")
                .to_string(),
            data: reply.get("errorData").cloned().filter(|d| !d.is_null()),
        }),
        _ => Err(TransportError::BadReply(
            "the reply has no \"status\" of success or error".into(),
        )),
    }
}

/// `Retry-After` as delay-seconds or an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn parse_retry_after(header: &str, now_ms: f64) -> Option<u64> {
    let h = header.trim();
    if let Ok(secs) = h.parse::<u64>() {
        return Some(secs.saturating_mul(1000));
    }
    let parts: Vec<&str> = h.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months.iter().position(|m| *m == parts[2])? + 1;
    let day: u32 = parts[1].parse().ok()?;
    let iso = format!("{}-{month:02}-{day:02}T{}Z", parts[3], parts[4]);
    let at = parse_iso(&iso)?;
    Some((at - now_ms).max(0.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builds_requests() {
        assert_eq!(
            endpoint("http://h:1/", CallKind::Mutation),
            "http://h:1/api/mutation"
        );
        assert_eq!(
            endpoint("http://h:1", CallKind::Query),
            "http://h:1/api/query"
        );
        assert_eq!(
            request_body("m:f", json!({"a": 1})),
            json!({"path": "m:f", "format": "convex_encoded_json", "args": [{"a": 1}]})
        );
    }

    #[test]
    fn classifies_replies() {
        assert_eq!(
            parse_reply(
                200,
                None,
                r#"{"status":"success","value":5,"logLines":[]}"#,
                0.0
            ),
            Ok(json!(5))
        );
        let e = parse_reply(
            200,
            None,
            r#"{"status":"error","errorMessage":"no","errorData":{"code":"NOT_FOUND"}}"#,
            0.0,
        );
        assert_eq!(
            e,
            Err(TransportError::Function {
                message: "no".into(),
                data: Some(json!({"code": "NOT_FOUND"}))
            })
        );
        assert!(matches!(
            parse_reply(200, None, "<html>", 0.0),
            Err(TransportError::BadReply(_))
        ));
        assert!(matches!(
            parse_reply(503, Some("2"), "busy", 0.0),
            Err(TransportError::Http {
                status: 503,
                retry_after_ms: Some(2000),
                ..
            })
        ));
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("120", 0.0), Some(120_000));
        let now = parse_iso("1994-11-06T08:49:30Z").unwrap();
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(7000)
        );
        assert_eq!(parse_retry_after("soon", 0.0), None);
    }
}
