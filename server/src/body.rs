//! Request bodies: what the API accepts, and how a refused one is disposed of.
//!
//! Only `application/json` is read: a `text/plain` or form body is what a browser
//! sends cross-site without a preflight, so accepting it would let any page call
//! the API. A body is read up to the size limit and no further. A request refused
//! before or while its body is read still has the rest read and thrown away (up to
//! `DRAIN_MAX_BYTES`, `DRAIN_MAX_TIME`): a client still writing a large body when
//! the answer and the close arrive sees a broken pipe instead of the answer (Node's
//! fetch does), and would retry a 413 forever as a network error.

use crate::error::echo;
use crate::values::Value;
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use http_body_util::BodyExt;
use std::time::Duration;

/// The most bytes of a refused body read and discarded before answering.
pub const DRAIN_MAX_BYTES: usize = 64 * 1024 * 1024;
/// The longest a refused body is read before answering anyway (and closing).
const DRAIN_MAX_TIME: Duration = Duration::from_secs(10);

/// Why a request never reached a function.
pub enum Rejection {
    /// Over the limit; `drained` when the whole body was read (the connection can
    /// stay open).
    TooLarge {
        limit: usize,
        drained: bool,
    },
    BadBody(String),
}

/// `application/json`, optionally with `charset=utf-8`: anything else is a body a
/// browser can send cross-site without a preflight (text/plain, forms), or one the
/// server would misread.
pub fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut parts = value.split(';').map(str::trim);
    let media = parts.next().unwrap_or_default();
    media.eq_ignore_ascii_case("application/json")
        && parts.all(|p| {
            p.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("charset")
                    && v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            })
        })
}

/// Reads and discards the rest of `body`, bounded in bytes and time; true if it
/// reached the end.
async fn drain(mut body: Body) -> bool {
    let read_all = async {
        let mut seen = 0usize;
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { return false };
            if let Some(data) = frame.data_ref() {
                seen = seen.saturating_add(data.len());
                if seen > DRAIN_MAX_BYTES {
                    return false;
                }
            }
        }
        true
    };
    tokio::time::timeout(DRAIN_MAX_TIME, read_all)
        .await
        .unwrap_or(false)
}

/// `response` after draining `body`; closes the connection if the drain stopped.
pub async fn refuse_after_drain(body: Body, response: Response) -> Response {
    let drained = drain(body).await;
    close_unless(drained, response)
}

pub fn close_unless(drained: bool, mut response: Response) -> Response {
    if !drained {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// The body's bytes, at most `limit` of them.
async fn read_limited(
    mut body: Body,
    declared: Option<usize>,
    limit: usize,
) -> Result<Vec<u8>, Rejection> {
    if declared.is_some_and(|n| n > limit) {
        let drained = drain(body).await;
        return Err(Rejection::TooLarge { limit, drained });
    }
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            Rejection::BadBody(format!(
                "could not read the request body: {}",
                echo(&e.to_string())
            ))
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if bytes.len().saturating_add(data.len()) > limit {
            let drained = drain(body).await;
            return Err(Rejection::TooLarge { limit, drained });
        }
        bytes.extend_from_slice(&data);
    }
    Ok(bytes)
}

pub async fn read_call(
    body: Body,
    headers: &HeaderMap,
    limit: usize,
) -> Result<(String, Value), Rejection> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let bytes = read_limited(body, declared, limit).await?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        Rejection::BadBody(format!(
            "the body is not valid JSON: {}",
            echo(&e.to_string())
        ))
    })?;
    let bad = |m: &str| Rejection::BadBody(m.to_string());
    let path = json
        .get("path")
        .and_then(|p| p.as_str())
        .ok_or_else(|| bad("the body must be an object with a string `path`"))?;
    match json.get("format").map(|f| f.as_str()) {
        None | Some(Some("json")) | Some(Some("convex_encoded_json")) => {}
        _ => return Err(bad("`format` must be \"json\" or \"convex_encoded_json\"")),
    }
    let args = match json.get("args") {
        Some(serde_json::Value::Array(items)) if items.len() == 1 && items[0].is_object() => {
            &items[0]
        }
        Some(args @ serde_json::Value::Object(_)) => args,
        _ => {
            return Err(bad(
                "`args` must be an object or an array holding one object",
            ))
        }
    };
    let args = Value::from_json(args).map_err(|e| {
        Rejection::BadBody(format!(
            "`args` is not a Convex value: {}",
            echo(&e.to_string())
        ))
    })?;
    Ok((path.to_string(), args))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(content_type: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type).unwrap(),
        );
        is_json(&headers)
    }

    #[test]
    fn only_json_in_utf8_is_json() {
        for ok in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=\"UTF-8\"",
        ] {
            assert!(json(ok), "{ok}");
        }
        for refused in [
            "text/plain",
            "text/plain;charset=UTF-8",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin1",
            "application/json; boundary=x",
            "application/jsonx",
            "application/json-seq",
            "",
        ] {
            assert!(!json(refused), "{refused}");
        }
        assert!(!is_json(&HeaderMap::new()));
    }
}
