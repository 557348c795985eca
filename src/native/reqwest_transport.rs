//! [`Transport`] over reqwest, speaking Convex's HTTP API (see `convex_http`). The
//! auth token is held in memory only.

use std::cell::RefCell;
use std::future::Future;
use std::time::Duration;

use serde_json::Value;

use crate::convex_http::{endpoint, parse_reply, request_body};
use crate::platform::{CallKind, Transport, TransportError};

/// Calls a Convex deployment (or the local `server/`) at `url`.
pub struct ReqwestTransport {
    client: reqwest::Client,
    url: String,
    timeout_ms: u64,
    token: RefCell<Option<String>>,
}

impl ReqwestTransport {
    /// `url` is the deployment's base URL, e.g. `http://127.0.0.1:3210`.
    pub fn new(url: impl Into<String>) -> Self {
        ReqwestTransport {
            client: reqwest::Client::new(),
            url: url.into(),
            timeout_ms: 10_000,
            token: RefCell::new(None),
        }
    }

    /// Request timeout (default 10 s).
    pub fn with_timeout_ms(mut self, ms: u64) -> Self {
        self.timeout_ms = ms;
        self
    }

    /// Sets or clears the bearer token sent with every call.
    pub fn set_auth_token(&self, token: Option<String>) {
        *self.token.borrow_mut() = token;
    }
}

fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_millis() as f64)
}

impl Transport for ReqwestTransport {
    fn call(
        &self,
        kind: CallKind,
        path: &str,
        args: Value,
    ) -> impl Future<Output = Result<Value, TransportError>> {
        let mut req = self
            .client
            .post(endpoint(&self.url, kind))
            .timeout(Duration::from_millis(self.timeout_ms))
            .json(&request_body(path, args));
        if let Some(t) = self.token.borrow().as_deref() {
            req = req.bearer_auth(t);
        }
        let timeout_ms = self.timeout_ms;
        async move {
            let map = |e: reqwest::Error| {
                if e.is_timeout() {
                    TransportError::Timeout(timeout_ms)
                } else {
                    TransportError::Network(e.to_string())
                }
            };
            let resp = req.send().await.map_err(map)?;
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = resp.text().await.map_err(map)?;
            parse_reply(status, retry_after.as_deref(), &body, now_ms())
        }
    }
}
